use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{EnterpriseId, EnterpriseProvisioningState, ResourceState};
use crate::open_enum;

open_enum!(
    /// `clientProtocol`: TLS or plaintext (Encrypted when absent).
    ClientProtocol {
        Encrypted => "Encrypted",
        Plaintext => "Plaintext",
    }
);

open_enum!(
    /// `clusteringPolicy` (OSSCluster when absent).
    ClusteringPolicy {
        EnterpriseCluster => "EnterpriseCluster",
        OssCluster => "OSSCluster",
        NoCluster => "NoCluster",
    }
);

open_enum!(
    /// `evictionPolicy` (VolatileLRU when absent).
    EvictionPolicy {
        AllKeysLfu => "AllKeysLFU",
        AllKeysLru => "AllKeysLRU",
        AllKeysRandom => "AllKeysRandom",
        VolatileLru => "VolatileLRU",
        VolatileLfu => "VolatileLFU",
        VolatileTtl => "VolatileTTL",
        VolatileRandom => "VolatileRandom",
        NoEviction => "NoEviction",
    }
);

open_enum!(
    /// `linkedDatabases[].state`: the link between two databases of a group.
    LinkState {
        Linked => "Linked",
        Linking => "Linking",
        Unlinking => "Unlinking",
        LinkFailed => "LinkFailed",
        UnlinkFailed => "UnlinkFailed",
    }
);

open_enum!(
    /// A module's `name`. Only RediSearch and RedisJSON may be used with active geo-replication.
    ModuleName {
        RediSearch => "RediSearch",
        RedisJson => "RedisJSON",
        RedisBloom => "RedisBloom",
        RedisTimeSeries => "RedisTimeSeries",
    }
);

/// A database of a cluster (`GET .../redisEnterprise/{cluster}/databases/{db}`). `name` is
/// `{cluster}/{db}` as the service sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Database {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `type`: `Microsoft.Cache/redisEnterprise/databases`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub properties: DatabaseProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties` of a database: the create-time settings and the read-only state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_protocol: Option<ClientProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<EnterpriseProvisioningState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_state: Option<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustering_policy: Option<ClusteringPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eviction_policy: Option<EvictionPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence: Option<Persistence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<Module>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_replication: Option<GeoReplication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_version: Option<String>,
    /// georep's emulator only: what the simulated data plane holds. Absent on Azure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_plane: Option<EnterpriseDataPlane>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties.persistence`: at most one of AOF and RDB.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Persistence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aof_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdb_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aof_frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdb_frequency: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A module of a database (`properties.modules[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Module {
    pub name: ModuleName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Module {
    pub fn named(name: ModuleName) -> Self {
        Module { name, args: None, version: None, extra: Map::new() }
    }
}

/// `properties.geoReplication`: the group this database belongs to, set only when it is created (and
/// the body of force-link). `linkedDatabases` lists every member, this database included.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoReplication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_databases: Option<Vec<LinkedDatabase>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GeoReplication {
    pub fn new(nickname: &str, linked: Vec<LinkedDatabase>) -> Self {
        GeoReplication { group_nickname: Some(nickname.to_string()), linked_databases: Some(linked), extra: Map::new() }
    }

    /// The linked databases (none when absent).
    pub fn linked(&self) -> &[LinkedDatabase] {
        self.linked_databases.as_deref().unwrap_or(&[])
    }
}

/// One member of a group as another member sees it: its id and the link's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedDatabase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<LinkState>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LinkedDatabase {
    pub fn new(id: &EnterpriseId, state: Option<LinkState>) -> Self {
        LinkedDatabase { id: Some(id.to_string()), state, extra: Map::new() }
    }

    /// The id, parsed; `None` when absent or not a database id.
    pub fn database_id(&self) -> Option<EnterpriseId> {
        self.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).filter(|i| i.database.is_some())
    }
}

/// Emulator extension: what a database holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseDataPlane {
    pub dataset_keys: u64,
    pub dataset_bytes: u64,
    /// 1 while every link of the group replicates, 0 otherwise (as the `geoReplicationHealthy` metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_replication_healthy: Option<u8>,
}

impl Database {
    pub fn provisioning_state(&self) -> EnterpriseProvisioningState {
        self.properties.provisioning_state.clone().unwrap_or(EnterpriseProvisioningState::Succeeded)
    }

    /// The clustering policy, with the spec's default (OSSCluster) when absent.
    pub fn clustering_policy(&self) -> ClusteringPolicy {
        self.properties.clustering_policy.clone().unwrap_or(ClusteringPolicy::OssCluster)
    }

    /// The eviction policy, with the spec's default (VolatileLRU) when absent.
    pub fn eviction_policy(&self) -> EvictionPolicy {
        self.properties.eviction_policy.clone().unwrap_or(EvictionPolicy::VolatileLru)
    }

    /// The client protocol (the TLS setting), with the spec's default (Encrypted) when absent.
    pub fn client_protocol(&self) -> ClientProtocol {
        self.properties.client_protocol.clone().unwrap_or(ClientProtocol::Encrypted)
    }

    /// The modules' names, sorted.
    pub fn module_names(&self) -> Vec<ModuleName> {
        let mut names: Vec<_> = self.properties.modules.iter().flatten().map(|m| m.name.clone()).collect();
        names.sort();
        names
    }

    /// "RDB", "AOF", "RDB and AOF", or `None` when persistence is off.
    pub fn persistence_kinds(&self) -> Option<&'static str> {
        let p = self.properties.persistence.as_ref()?;
        match (p.rdb_enabled == Some(true), p.aof_enabled == Some(true)) {
            (true, true) => Some("RDB and AOF"),
            (true, false) => Some("RDB"),
            (false, true) => Some("AOF"),
            (false, false) => None,
        }
    }

    /// The group nickname, when the database is in a group.
    pub fn group_nickname(&self) -> Option<&str> {
        self.properties.geo_replication.as_ref()?.group_nickname.as_deref()
    }

    /// The linked databases this database lists (itself included), none when not in a group.
    pub fn linked_databases(&self) -> &[LinkedDatabase] {
        self.properties.geo_replication.as_ref().map_or(&[], |g| g.linked())
    }

    /// This database's id, parsed.
    pub fn database_id(&self) -> Option<EnterpriseId> {
        self.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).filter(|i| i.database.is_some())
    }
}
