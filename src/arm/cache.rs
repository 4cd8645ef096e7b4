use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::open_enum;

open_enum!(
    /// `provisioningState` of a cache.
    ProvisioningState {
        Creating => "Creating",
        Deleting => "Deleting",
        Disabled => "Disabled",
        Failed => "Failed",
        Linking => "Linking",
        Provisioning => "Provisioning",
        RecoveringScaleFailure => "RecoveringScaleFailure",
        Scaling => "Scaling",
        Succeeded => "Succeeded",
        Unlinking => "Unlinking",
        Unprovisioning => "Unprovisioning",
        Updating => "Updating",
        ConfiguringAad => "ConfiguringAAD",
    }
);

open_enum!(
    /// The data plane's replication link, as the emulator's live figures report it.
    ReplicationLinkStatus {
        Connected => "Connected",
        Disconnected => "Disconnected",
    }
);

open_enum!(
    /// The pricing tier.
    SkuName {
        Basic => "Basic",
        Standard => "Standard",
        Premium => "Premium",
    }
);

open_enum!(
    /// `C` for Basic/Standard, `P` for Premium.
    SkuFamily {
        C => "C",
        P => "P",
    }
);

open_enum!(
    /// `publicNetworkAccess`.
    PublicNetworkAccess {
        Enabled => "Enabled",
        Disabled => "Disabled",
    }
);

/// The cache's SKU: tier, family and size (`capacity`: 0..6 for C, 1..5 for P).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sku {
    pub name: SkuName,
    pub family: SkuFamily,
    pub capacity: u32,
}

impl Sku {
    pub fn premium(capacity: u32) -> Self {
        Sku { name: SkuName::Premium, family: SkuFamily::P, capacity }
    }

    /// The portal's short label: `P1`, `C2` ...
    pub fn label(&self) -> String {
        format!("{}{}", self.family, self.capacity)
    }
}

/// A `RedisResource` (GET .../Microsoft.Cache/redis/{name}).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedisResource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    pub properties: RedisProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties` of a cache: the create-time settings and the read-only state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedisProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<ProvisioningState>,
    pub sku: Sku,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_non_ssl_port: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_servers: Option<Vec<LinkedServerRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Vec<RedisInstanceDetails>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(rename = "staticIP", default, skip_serializing_if = "Option::is_none")]
    pub static_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_configuration: Option<RedisConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas_per_master: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas_per_primary: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access: Option<PublicNetworkAccess>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_tls_version: Option<String>,
    /// georep's emulator only: what the simulated or real data plane holds. Absent on Azure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_plane: Option<DataPlaneInfo>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of `properties.linkedServers`: just the linked-server resource id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedServerRef {
    pub id: String,
}

/// One node of the cache (`properties.instances[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedisInstanceDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_ssl_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_master: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_primary: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties.redisConfiguration`: every value is a string on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedisConfiguration {
    #[serde(rename = "rdb-backup-enabled", default, skip_serializing_if = "Option::is_none")]
    pub rdb_backup_enabled: Option<String>,
    #[serde(rename = "aof-backup-enabled", default, skip_serializing_if = "Option::is_none")]
    pub aof_backup_enabled: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RedisConfiguration {
    pub fn rdb_enabled(&self) -> bool {
        is_true(&self.rdb_backup_enabled)
    }
    pub fn aof_enabled(&self) -> bool {
        is_true(&self.aof_backup_enabled)
    }
}

fn is_true(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

/// Emulator extension: the data a cache holds and whether it accepts writes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPlaneInfo {
    pub dataset_bytes: u64,
    pub dataset_keys: u64,
    pub writable: bool,
    /// The real data plane only (`--data-plane redis`), measured from `INFO`: where each shard's
    /// redis-server listens (`host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Vec<String>>,
    /// Memory the cache's redis-servers use (`used_memory`, summed over shards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_memory_bytes: Option<u64>,
    /// For a linked cache: `Connected` while every secondary shard's link to its primary is up
    /// (`master_link_status:up`), else `Disconnected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_link: Option<ReplicationLinkStatus>,
    /// For a linked cache: how far the secondary's replication offset trails the primary's, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_offset_lag_bytes: Option<u64>,
    /// For a linked cache: seconds since the secondary last heard from the primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_io_seconds_ago: Option<u64>,
    /// Why the cache is `Failed`, when its data plane is what failed (a redis-server stopped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RedisResource {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    pub fn provisioning_state(&self) -> ProvisioningState {
        self.properties.provisioning_state.clone().unwrap_or(ProvisioningState::Other(String::new()))
    }

    /// Shards of a clustered cache; `None` when clustering is off.
    pub fn shards(&self) -> Option<u32> {
        self.properties.shard_count.filter(|n| *n > 0)
    }

    pub fn is_premium(&self) -> bool {
        self.properties.sku.name == SkuName::Premium
    }

    /// Major Redis version (`"6.0"` -> 6), `None` when absent or unparsable.
    pub fn redis_major(&self) -> Option<u32> {
        self.properties.redis_version.as_deref()?.split('.').next()?.trim().parse().ok()
    }

    pub fn rdb_enabled(&self) -> bool {
        self.properties.redis_configuration.as_ref().is_some_and(|c| c.rdb_enabled())
    }

    pub fn aof_enabled(&self) -> bool {
        self.properties.redis_configuration.as_ref().is_some_and(|c| c.aof_enabled())
    }

    pub fn linked_server_ids(&self) -> impl Iterator<Item = &str> {
        self.properties.linked_servers.iter().flatten().map(|l| l.id.as_str())
    }
}
