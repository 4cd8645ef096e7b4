//! The fleet file: the subscriptions and caches an emulator starts with (`assets/demo-fleet.json`, or
//! `--fleet FILE`). A compact, hand-editable form that `load` turns into ARM resources.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Map;

use crate::arm::{
    ProvisioningState, PublicNetworkAccess, RedisConfiguration, RedisInstanceDetails, RedisProperties, RedisResource,
    ResourceId, Sku, SkuFamily, SkuName, Subscription,
};
use crate::geo::{host_name, region_display_name};

use super::store::{CacheRecord, Dataset};

/// The demo fleet shipped with georep.
pub const DEMO_FLEET: &str = include_str!("../../assets/demo-fleet.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetFile {
    pub subscriptions: Vec<FleetSubscription>,
    pub caches: Vec<FleetCache>,
    /// Links that exist (and are in sync) when the emulator starts.
    #[serde(default)]
    pub links: Vec<FleetLink>,
    /// Azure Managed Redis clusters (each with its database, when it has one).
    #[serde(default)]
    pub managed_redis: Vec<super::enterprise::fleet::FleetCluster>,
    /// Active geo-replication groups linked and in sync at start.
    #[serde(default)]
    pub active_groups: Vec<super::enterprise::fleet::FleetGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetLink {
    /// Cache names (unique in the fleet).
    pub primary: String,
    pub secondary: String,
    /// The link is still being made at start (an operation in progress), rather than in sync.
    #[serde(default)]
    pub in_progress: bool,
}

/// A parsed fleet.
pub struct Fleet {
    pub subscriptions: Vec<Subscription>,
    pub caches: Vec<CacheRecord>,
    /// (primary, secondary)
    pub links: Vec<(ResourceId, ResourceId)>,
    /// (primary, secondary) of the links still being made at start.
    pub linking: Vec<(ResourceId, ResourceId)>,
    /// The Managed Redis clusters, databases and groups.
    pub enterprise: super::enterprise::EnterpriseState,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetSubscription {
    pub subscription_id: String,
    pub display_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetCache {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    /// Basic, Standard or Premium.
    pub tier: String,
    /// 0..6 for Basic/Standard (C0..C6), 1..5 for Premium (P1..P5).
    pub capacity: u32,
    #[serde(default)]
    pub shard_count: Option<u32>,
    #[serde(default = "default_version")]
    pub redis_version: String,
    /// `"rdb"`, `"aof"` or absent.
    #[serde(default)]
    pub persistence: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default, rename = "staticIP")]
    pub static_ip: Option<String>,
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub provisioning_state: Option<String>,
    #[serde(default)]
    pub dataset_bytes: u64,
    #[serde(default)]
    pub dataset_keys: u64,
    /// Existing Redis endpoints, one per shard (used by the real data plane).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

fn default_version() -> String {
    "6.0".into()
}

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("the fleet file is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("cache '{name}': {why}")]
    Cache { name: String, why: String },
    #[error("link {primary} -> {secondary}: {why}")]
    Link { primary: String, secondary: String, why: String },
}

/// Parses a fleet file into subscriptions, cache records and links.
pub fn load(text: &str) -> Result<Fleet, FleetError> {
    let file: FleetFile = serde_json::from_str(text)?;
    let subscriptions = file
        .subscriptions
        .iter()
        .map(|s| Subscription {
            id: format!("/subscriptions/{}", s.subscription_id),
            subscription_id: s.subscription_id.clone(),
            display_name: s.display_name.clone(),
            state: "Enabled".into(),
            extra: Map::new(),
        })
        .collect::<Vec<_>>();
    let enterprise = super::enterprise::fleet::load(&subscriptions, file.managed_redis, file.active_groups)?;
    let mut caches = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in file.caches {
        let bad = |why: String| FleetError::Cache { name: c.name.clone(), why };
        if !subscriptions.iter().any(|s| s.subscription_id.eq_ignore_ascii_case(&c.subscription)) {
            return Err(bad(format!("subscription '{}' is not in the fleet's subscriptions", c.subscription)));
        }
        let id = ResourceId::cache(&c.subscription, &c.resource_group, &c.name);
        ResourceId::parse(&id.to_string()).map_err(|e| bad(e.to_string()))?;
        if !seen.insert(id.key()) {
            return Err(bad("the name is used twice in one resource group".into()));
        }
        let tier = SkuName::parse(&c.tier);
        let (family, range) = match tier {
            SkuName::Premium => (SkuFamily::P, 1..=5),
            SkuName::Basic | SkuName::Standard => (SkuFamily::C, 0..=6),
            SkuName::Other(_) => return Err(bad(format!("tier '{}' is not Basic, Standard or Premium", c.tier))),
        };
        if !range.contains(&c.capacity) {
            return Err(bad(format!("capacity {} is out of range for {}", c.capacity, c.tier)));
        }
        if c.shard_count.is_some() && tier != SkuName::Premium {
            return Err(bad("only Premium caches can be clustered".into()));
        }
        if let Some(n) = c.shard_count
            && !(1..=30).contains(&n)
        {
            return Err(bad(format!("shardCount {n} is out of range: a clustered cache has 1 to 30 shards")));
        }
        let mut config = RedisConfiguration::default();
        match c.persistence.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("none") => {}
            Some("rdb") => {
                config.rdb_backup_enabled = Some("true".into());
                config.extra.insert("rdb-backup-frequency".into(), "60".into());
            }
            Some("aof") => config.aof_backup_enabled = Some("true".into()),
            Some(other) => return Err(bad(format!("persistence '{other}' is not rdb, aof or none"))),
        }
        config.extra.insert("maxclients".into(), "7500".into());
        let shards = c.shard_count.unwrap_or(1).max(1);
        let replicas = if tier == SkuName::Basic { 0 } else { 1 };
        let mut instances = Vec::new();
        for shard in 0..shards {
            for node in 0..=replicas {
                let n = (shard * (replicas + 1) + node) as u16;
                instances.push(RedisInstanceDetails {
                    ssl_port: Some(15000 + n),
                    non_ssl_port: None,
                    zone: None,
                    shard_id: c.shard_count.map(|_| shard),
                    is_master: Some(node == 0),
                    is_primary: Some(node == 0),
                    extra: Map::new(),
                });
            }
        }
        let resource = RedisResource {
            id: Some(id.to_string()),
            name: Some(c.name.clone()),
            kind: Some(crate::arm::CACHE_TYPE.into()),
            location: region_display_name(&c.location),
            tags: Some(c.tags.clone()),
            zones: c.zones.clone(),
            properties: RedisProperties {
                provisioning_state: Some(
                    c.provisioning_state
                        .as_deref()
                        .map(ProvisioningState::parse)
                        .unwrap_or(ProvisioningState::Succeeded),
                ),
                sku: Sku { name: tier.clone(), family, capacity: c.capacity },
                redis_version: Some(c.redis_version.clone()),
                shard_count: c.shard_count,
                host_name: Some(host_name(&c.name)),
                port: Some(6379),
                ssl_port: Some(6380),
                enable_non_ssl_port: Some(false),
                linked_servers: Some(Vec::new()),
                instances: Some(instances),
                subnet_id: c.subnet_id.clone(),
                static_ip: c.static_ip.clone(),
                redis_configuration: Some(config),
                replicas_per_master: (replicas > 0).then_some(replicas),
                replicas_per_primary: (replicas > 0).then_some(replicas),
                public_network_access: Some(if c.subnet_id.is_some() {
                    PublicNetworkAccess::Disabled
                } else {
                    PublicNetworkAccess::Enabled
                }),
                minimum_tls_version: Some("1.2".into()),
                data_plane: None,
                extra: Map::new(),
            },
            extra: Map::new(),
        };
        caches.push(CacheRecord {
            resource,
            dataset: Dataset { bytes: c.dataset_bytes, keys: c.dataset_keys },
            endpoints: c.endpoints,
            live: None,
        });
    }
    // By name, lower-cased, for the links (a scan per link is quadratic in a synthetic fleet).
    let mut by_name: std::collections::HashMap<String, Vec<&CacheRecord>> = std::collections::HashMap::new();
    if !file.links.is_empty() {
        for c in &caches {
            by_name.entry(c.resource.name().to_ascii_lowercase()).or_default().push(c);
        }
    }
    let (mut links, mut linking) = (Vec::new(), Vec::new());
    for l in &file.links {
        let find = |name: &str| match by_name.get(&name.to_ascii_lowercase()).map(Vec::as_slice).unwrap_or_default() {
            [one] => ResourceId::parse(one.resource.id()).map_err(|e| e.to_string()),
            [] => Err(format!("there is no cache named '{name}'")),
            _ => Err(format!("more than one cache is named '{name}'")),
        };
        let bad = |why| FleetError::Link { primary: l.primary.clone(), secondary: l.secondary.clone(), why };
        let pair = (find(&l.primary).map_err(bad)?, find(&l.secondary).map_err(bad)?);
        if l.in_progress { linking.push(pair) } else { links.push(pair) }
    }
    Ok(Fleet { subscriptions, caches, links, linking, enterprise })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_fleet_loads() {
        let fleet = load(DEMO_FLEET).unwrap();
        assert!(fleet.subscriptions.len() >= 2);
        assert!(fleet.caches.len() >= 14);
        assert!(!fleet.links.is_empty());
    }

    #[test]
    fn bad_fleets_say_what_is_wrong() {
        let err = load(r#"{"subscriptions":[],"caches":[{"subscription":"x","resourceGroup":"g","name":"n","location":"East US","tier":"Premium","capacity":1}]}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("subscription 'x'"), "{err}");
        let err = load("{").err().unwrap().to_string();
        assert!(err.contains("not valid"), "{err}");
        let two = |second: &str, link_to: &str| {
            let cache = |rg: &str, name: &str| {
                format!(
                    r#"{{"subscription":"s","resourceGroup":"{rg}","name":"{name}","location":"East US","tier":"Premium","capacity":1}}"#
                )
            };
            format!(
                r#"{{"subscriptions":[{{"subscriptionId":"s","displayName":"S"}}],"caches":[{},{}],"links":[{{"primary":"N","secondary":"{link_to}"}}]}}"#,
                cache("g1", "n"),
                cache("g2", second)
            )
        };
        let err = load(&two("n", "x")).err().unwrap().to_string();
        assert!(err.contains("more than one cache is named 'N'"), "{err}");
        let err = load(&two("x", "m")).err().unwrap().to_string();
        assert!(err.contains("there is no cache named 'm'"), "{err}");
    }
}
