//! The fleet file's Managed Redis part: `managedRedis` (clusters, each with an optional database) and
//! `activeGroups` (groups linked and in sync at start). Compact and hand-editable, like the caches.

use serde::Deserialize;
use serde_json::Map;

use crate::arm::Subscription;
use crate::arm::enterprise::{
    ClientProtocol, Cluster, ClusterProperties, ClusteringPolicy, Database, DatabaseProperties, EnterpriseId,
    EnterpriseSku, EvictionPolicy, HighAvailability, LinkState, Module, ModuleName, Persistence,
};
use crate::geo::{region_display_name, region_key};

use super::super::fleet::FleetError;
use super::state::{DatabaseRecord, EnterpriseState, PairLink};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetCluster {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    /// `Balanced_B5`, `MemoryOptimized_M10` ...
    pub sku: String,
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default = "yes")]
    pub high_availability: bool,
    #[serde(default = "default_version")]
    pub redis_version: String,
    /// The cluster's database (`default`), when it has one.
    #[serde(default)]
    pub database: Option<FleetDatabase>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetDatabase {
    #[serde(default = "default_db")]
    pub name: String,
    #[serde(default = "encrypted")]
    pub client_protocol: String,
    #[serde(default = "enterprise_cluster")]
    pub clustering_policy: String,
    #[serde(default = "no_eviction")]
    pub eviction_policy: String,
    #[serde(default)]
    pub modules: Vec<String>,
    /// `"rdb"`, `"aof"` or absent.
    #[serde(default)]
    pub persistence: Option<String>,
    #[serde(default)]
    pub dataset_keys: u64,
    #[serde(default)]
    pub dataset_bytes: u64,
}

/// A group linked and in sync at start: its nickname and its members' cluster names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetGroup {
    pub nickname: String,
    pub members: Vec<String>,
}

fn yes() -> bool {
    true
}
fn default_version() -> String {
    "7.4".into()
}
fn default_db() -> String {
    "default".into()
}
fn encrypted() -> String {
    "Encrypted".into()
}
fn enterprise_cluster() -> String {
    "EnterpriseCluster".into()
}
fn no_eviction() -> String {
    "NoEviction".into()
}

/// `<name>.<region>.redis.azure.net`, as Azure Managed Redis names its endpoints.
pub fn host_name(name: &str, location: &str) -> String {
    format!("{}.{}.redis.azure.net", name.to_ascii_lowercase(), region_key(location))
}

/// The Managed Redis state a fleet describes.
pub fn load(
    subscriptions: &[Subscription],
    clusters: Vec<FleetCluster>,
    groups: Vec<FleetGroup>,
) -> Result<EnterpriseState, FleetError> {
    let mut state = EnterpriseState::default();
    let now = chrono::Utc::now();
    for c in clusters {
        let bad = |why: String| FleetError::Cache { name: c.name.clone(), why };
        if !subscriptions.iter().any(|s| s.subscription_id.eq_ignore_ascii_case(&c.subscription)) {
            return Err(bad(format!("subscription '{}' is not in the fleet's subscriptions", c.subscription)));
        }
        let id = EnterpriseId::cluster(&c.subscription, &c.resource_group, &c.name);
        EnterpriseId::parse(&id.to_string()).map_err(|e| bad(e.to_string()))?;
        if state.clusters.contains_key(&id.key()) {
            return Err(bad("the name is used twice in one resource group".into()));
        }
        let location = region_display_name(&c.location);
        let cluster = Cluster {
            id: Some(id.to_string()),
            name: Some(c.name.clone()),
            resource_type: None,
            location: location.clone(),
            kind: Some("v2".into()),
            sku: EnterpriseSku::new(&c.sku, c.capacity),
            zones: None,
            tags: None,
            properties: ClusterProperties {
                host_name: Some(host_name(&c.name, &location)),
                provisioning_state: Some(crate::arm::enterprise::EnterpriseProvisioningState::Succeeded),
                resource_state: Some(crate::arm::enterprise::ResourceState::Running),
                redis_version: Some(c.redis_version.clone()),
                high_availability: Some(if c.high_availability {
                    HighAvailability::Enabled
                } else {
                    HighAvailability::Disabled
                }),
                minimum_tls_version: Some("1.2".into()),
                extra: Map::new(),
            },
            extra: Map::new(),
        };
        state.clusters.insert(id.key(), cluster);
        if let Some(db) = c.database {
            let db_id = id.database(&db.name);
            let record = database(&db_id, &db).map_err(bad)?;
            state.databases.insert(db_id.key(), record);
        }
    }
    for g in groups {
        let bad = |why: String| FleetError::Link { primary: g.nickname.clone(), secondary: g.members.join(", "), why };
        let mut ids = Vec::new();
        for name in &g.members {
            let found: Vec<_> = state
                .databases
                .values()
                .filter_map(|r| r.database.database_id())
                .filter(|i| i.cluster.eq_ignore_ascii_case(name))
                .collect();
            match found.as_slice() {
                [one] => ids.push(one.clone()),
                [] => return Err(bad(format!("there is no Managed Redis database on a cluster named '{name}'"))),
                _ => return Err(bad(format!("more than one database is on clusters named '{name}'"))),
            }
        }
        for (i, a) in ids.iter().enumerate() {
            if state.database(a).is_some_and(|r| r.group.is_some()) {
                return Err(bad(format!("'{a}' is in two groups")));
            }
            for b in &ids[i + 1..] {
                let link = PairLink { a: a.clone(), b: b.clone(), state: LinkState::Linked, since: now, joining: None };
                state.links.insert(PairLink::key(a, b), link);
            }
        }
        for id in &ids {
            if let Some(r) = state.database_mut(id) {
                r.group = Some(g.nickname.clone());
            }
        }
    }
    Ok(state)
}

fn database(id: &EnterpriseId, db: &FleetDatabase) -> Result<DatabaseRecord, String> {
    let persistence = match db.persistence.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("none") => None,
        Some("rdb") => {
            Some(Persistence { rdb_enabled: Some(true), rdb_frequency: Some("1h".into()), ..Default::default() })
        }
        Some("aof") => {
            Some(Persistence { aof_enabled: Some(true), aof_frequency: Some("1s".into()), ..Default::default() })
        }
        Some(other) => return Err(format!("persistence '{other}' is not rdb, aof or none")),
    };
    let properties = DatabaseProperties {
        client_protocol: Some(ClientProtocol::parse(&db.client_protocol)),
        port: Some(10000),
        clustering_policy: Some(ClusteringPolicy::parse(&db.clustering_policy)),
        eviction_policy: Some(EvictionPolicy::parse(&db.eviction_policy)),
        persistence,
        modules: (!db.modules.is_empty())
            .then(|| db.modules.iter().map(|m| Module::named(ModuleName::parse(m))).collect()),
        redis_version: Some("7.4".into()),
        ..Default::default()
    };
    Ok(DatabaseRecord {
        database: Database { id: Some(id.to_string()), name: None, resource_type: None, properties, extra: Map::new() },
        keys: db.dataset_keys,
        bytes: db.dataset_bytes,
        group: None,
        force_unlinked: false,
        busy: None,
    })
}
