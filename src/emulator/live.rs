//! What a data plane measures about a cache while it runs (the real one: from `INFO`), and how the API
//! shows it. Never persisted: it is measured again after a restart.

use std::fmt;

use crate::arm::{ProvisioningState, RedisResource};

/// Whether what backs a cache is up.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Health {
    /// Being started or filled.
    #[default]
    Starting,
    Running,
    /// Stopped for good; the reason is shown to the user.
    Failed(String),
}

/// Where a shard listens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// `host:port`, `[v6]:port`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not host:port");
        let (host, port) = s.trim().rsplit_once(':').ok_or_else(bad)?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(Endpoint { host: host.to_string(), port })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A linked cache's replication, as measured on its pair of caches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveLink {
    /// Every secondary shard's link to its primary is up.
    pub connected: bool,
    /// Primary's replication offset minus the secondary's, summed over shards.
    pub offset_lag_bytes: Option<u64>,
    /// Seconds since the secondary last heard from the primary (the longest over shards).
    pub last_io_seconds: Option<u64>,
}

/// What one shard's last `INFO` says, for the metrics history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveShard {
    /// `master_repl_offset`: how far this node's replication stream has come.
    pub repl_offset: Option<u64>,
    /// `slave_repl_offset` (a replica).
    pub replica_offset: Option<u64>,
    /// A replica whose `master_link_status` is `up`.
    pub link_up: bool,
    /// `master_last_io_seconds_ago` (a replica).
    pub last_io_seconds: Option<u64>,
    /// `master_sync_in_progress:1` (a replica in a full sync).
    pub sync_in_progress: bool,
    /// `sync_full`: full syncs this node has served as a primary, since it started.
    pub full_syncs: Option<u64>,
    pub used_memory: Option<u64>,
    /// `total_net_input_bytes`: bytes received since it started.
    pub input_bytes: Option<u64>,
}

/// The live figures of one cache.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveCache {
    /// One per shard.
    pub endpoints: Vec<Endpoint>,
    pub health: Health,
    pub keys: Option<u64>,
    /// `used_memory_dataset`: the data itself, without Redis' overhead.
    pub dataset_bytes: Option<u64>,
    pub used_memory: Option<u64>,
    pub link: Option<LiveLink>,
    /// Per shard, in order (empty until every shard has answered once).
    pub shards: Vec<LiveShard>,
}

/// Shows `live` in the cache's resource: the real endpoints as host name and ports, the measured
/// data, and `Failed` when what backs the cache stopped.
pub fn apply(r: &mut RedisResource, live: &LiveCache) {
    let p = &mut r.properties;
    if let Some(first) = live.endpoints.first() {
        p.host_name = Some(first.host.clone());
        p.port = Some(first.port);
        p.enable_non_ssl_port = Some(true);
        // No TLS is served: an SSL port would only send clients to a closed port.
        p.ssl_port = None;
        for i in p.instances.iter_mut().flatten() {
            let shard = i.shard_id.unwrap_or(0) as usize;
            i.non_ssl_port = live.endpoints.get(shard).map(|e| e.port);
            i.ssl_port = None;
        }
    }
    match &live.health {
        Health::Running => {}
        Health::Starting => {
            if p.provisioning_state == Some(ProvisioningState::Succeeded) {
                p.provisioning_state = Some(ProvisioningState::Creating);
            }
        }
        Health::Failed(_) => p.provisioning_state = Some(ProvisioningState::Failed),
    }
    let Some(dp) = p.data_plane.as_mut() else { return };
    if let Some(keys) = live.keys {
        dp.dataset_keys = keys;
    }
    if let Some(bytes) = live.dataset_bytes {
        dp.dataset_bytes = bytes;
    }
    dp.endpoints = (!live.endpoints.is_empty()).then(|| live.endpoints.iter().map(|e| e.to_string()).collect());
    dp.used_memory_bytes = live.used_memory;
    if let Some(link) = &live.link {
        dp.replication_link = Some(if link.connected {
            crate::arm::ReplicationLinkStatus::Connected
        } else {
            crate::arm::ReplicationLinkStatus::Disconnected
        });
        dp.replication_offset_lag_bytes = link.offset_lag_bytes;
        dp.last_io_seconds_ago = link.last_io_seconds;
    }
    if let Health::Failed(why) = &live.health {
        dp.failure = Some(why.clone());
        dp.writable = false;
    } else if live.health == Health::Starting {
        dp.writable = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_and_print() {
        let e = Endpoint::parse("127.0.0.1:7001").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("127.0.0.1", 7001));
        assert_eq!(e.to_string(), "127.0.0.1:7001");
        let v6 = Endpoint::parse("[::1]:6379").unwrap();
        assert_eq!((v6.host.as_str(), v6.to_string().as_str()), ("::1", "[::1]:6379"));
        for bad in ["", "7001", "host:", ":7001", "host:0", "host:99999"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
