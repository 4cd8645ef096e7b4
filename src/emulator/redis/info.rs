//! `INFO` as the real data plane reads it: the replication, keyspace and memory sections.

use redis::aio::MultiplexedConnection;

/// What one `INFO replication` + `INFO keyspace` + `INFO memory` + `INFO stats` says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Info {
    /// `role:slave`.
    pub replica: bool,
    pub master_host: Option<String>,
    pub master_port: Option<u16>,
    /// `master_link_status:up`.
    pub link_up: bool,
    /// `master_sync_in_progress:1`: a full sync is running (the payload may not have started yet).
    pub sync_in_progress: bool,
    /// `master_sync_total_bytes`: the size of the snapshot being received; `None` until it is known
    /// (`-1` while the primary is still writing it, and throughout a diskless sync).
    pub sync_total_bytes: Option<u64>,
    /// `master_sync_read_bytes`.
    pub sync_read_bytes: Option<u64>,
    /// `master_last_io_seconds_ago` (`-1`, i.e. `None`, when not connected).
    pub last_io_seconds: Option<u64>,
    /// `master_repl_offset`: how far this node's replication stream has come.
    pub master_repl_offset: Option<u64>,
    /// `slave_repl_offset`: on a replica, how much of its primary's stream it has processed.
    pub slave_repl_offset: Option<u64>,
    /// `connected_slaves`.
    pub connected_replicas: u64,
    /// On a primary, its replicas as it sees them (`slave0:ip=...,port=...,state=...,offset=...`).
    pub followers: Vec<Follower>,
    /// Keys over every database (`db0:keys=...`).
    pub keys: u64,
    pub used_memory: Option<u64>,
    pub used_memory_dataset: Option<u64>,
    /// `sync_full` (`INFO stats`): full syncs served as a primary.
    pub sync_full: Option<u64>,
    /// `total_net_input_bytes` (`INFO stats`).
    pub net_input_bytes: Option<u64>,
}

/// One replica of a primary, as the primary sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Follower {
    pub host: String,
    /// The port it listens on (what `REPLICAOF` and `FAILOVER TO` name).
    pub port: u16,
    /// `state=online`: synced, taking the replication stream.
    pub online: bool,
    /// `offset`: how much of the stream it last acknowledged (replicas acknowledge once a second).
    pub acked: u64,
}

fn follower(v: &str) -> Option<Follower> {
    let mut f = Follower::default();
    for kv in v.split(',') {
        match kv.split_once('=')? {
            ("ip", host) => f.host = host.to_string(),
            ("port", port) => f.port = port.parse().ok()?,
            ("state", state) => f.online = state == "online",
            ("offset", offset) => f.acked = offset.parse().ok()?,
            _ => {}
        }
    }
    (!f.host.is_empty() && f.port != 0).then_some(f)
}

/// Parses the text of one or more `INFO` sections. Unknown and malformed lines are ignored: a field
/// that cannot be read is absent, never an error.
pub fn parse(text: &str) -> Info {
    let mut info = Info::default();
    let num = |v: &str| v.trim().parse::<i64>().ok().and_then(|n| u64::try_from(n).ok());
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else { continue };
        match k {
            "role" => info.replica = v == "slave" || v == "replica",
            "master_host" => info.master_host = Some(v.to_string()),
            "master_port" => info.master_port = v.parse().ok(),
            "master_link_status" => info.link_up = v == "up",
            "master_sync_in_progress" => info.sync_in_progress = v == "1",
            "master_sync_total_bytes" => info.sync_total_bytes = num(v),
            "master_sync_read_bytes" => info.sync_read_bytes = num(v),
            "master_last_io_seconds_ago" => info.last_io_seconds = num(v),
            "master_repl_offset" => info.master_repl_offset = num(v),
            "slave_repl_offset" => info.slave_repl_offset = num(v),
            "connected_slaves" => info.connected_replicas = num(v).unwrap_or(0),
            "used_memory" => info.used_memory = num(v),
            "used_memory_dataset" => info.used_memory_dataset = num(v),
            "sync_full" => info.sync_full = num(v),
            "total_net_input_bytes" => info.net_input_bytes = num(v),
            slave
                if slave.len() > 5 && slave.starts_with("slave") && slave[5..].chars().all(|c| c.is_ascii_digit()) =>
            {
                info.followers.extend(follower(v));
            }
            db if db.starts_with("db") && db[2..].chars().all(|c| c.is_ascii_digit()) => {
                let keys = v.split(',').find_map(|kv| kv.strip_prefix("keys=")).and_then(num).unwrap_or(0);
                info.keys += keys;
            }
            _ => {}
        }
    }
    info
}

/// Asks a node for the four sections in one round trip (four commands rather than one multi-section
/// `INFO`, which Redis 6 does not understand).
pub async fn fetch(conn: &mut MultiplexedConnection) -> redis::RedisResult<Info> {
    let (replication, keyspace, memory, stats): (String, String, String, String) = redis::pipe()
        .cmd("INFO")
        .arg("replication")
        .cmd("INFO")
        .arg("keyspace")
        .cmd("INFO")
        .arg("memory")
        .cmd("INFO")
        .arg("stats")
        .query_async(conn)
        .await?;
    Ok(parse(&format!("{replication}\n{keyspace}\n{memory}\n{stats}")))
}

/// Just `INFO replication`: what a running link is polled with.
pub async fn fetch_replication(conn: &mut MultiplexedConnection) -> redis::RedisResult<Info> {
    let text: String = redis::cmd("INFO").arg("replication").query_async(conn).await?;
    Ok(parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNCING: &str = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:40001\r\n\
        master_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:1\r\n\
        slave_read_repl_offset:0\r\nslave_repl_offset:0\r\nmaster_sync_total_bytes:203973661\r\n\
        master_sync_read_bytes:22800384\r\nmaster_sync_left_bytes:181173277\r\nmaster_sync_perc:11.18\r\n\
        master_sync_last_io_seconds_ago:0\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n";

    #[test]
    fn full_syncs_and_input_bytes_come_from_the_stats_section() {
        let i = parse("# Stats\r\ntotal_net_input_bytes:123456\r\nsync_full:2\r\nsync_partial_ok:1\r\n");
        assert_eq!((i.sync_full, i.net_input_bytes), (Some(2), Some(123_456)));
    }

    #[test]
    fn a_replica_in_the_middle_of_a_full_sync() {
        let i = parse(SYNCING);
        assert!(i.replica && i.sync_in_progress && !i.link_up);
        assert_eq!((i.master_host.as_deref(), i.master_port), (Some("127.0.0.1"), Some(40001)));
        assert_eq!((i.sync_total_bytes, i.sync_read_bytes), (Some(203_973_661), Some(22_800_384)));
        assert_eq!(i.last_io_seconds, None);
    }

    #[test]
    fn the_total_is_unknown_while_the_primary_writes_its_snapshot() {
        let i = parse("role:slave\nmaster_sync_in_progress:1\nmaster_sync_total_bytes:-1\nmaster_sync_read_bytes:0\n");
        assert!(i.sync_in_progress);
        assert_eq!(i.sync_total_bytes, None);
    }

    #[test]
    fn a_primary_with_keys_in_two_databases_and_its_memory() {
        let text = "# Replication\nrole:master\nconnected_slaves:1\nslave0:ip=127.0.0.1,port=40002,state=online,offset=42,lag=0\n\
            master_repl_offset:42\n# Keyspace\ndb0:keys=50000,expires=0,avg_ttl=0\ndb3:keys=7,expires=1,avg_ttl=9\n\
            # Memory\nused_memory:223857160\nused_memory_human:213.49M\nused_memory_dataset:212884672\n";
        let i = parse(text);
        assert!(!i.replica);
        assert_eq!((i.connected_replicas, i.master_repl_offset), (1, Some(42)));
        assert_eq!(i.keys, 50_007);
        let f = Follower { host: "127.0.0.1".into(), port: 40002, online: true, acked: 42 };
        assert_eq!(i.followers, vec![f]);
        assert_eq!((i.used_memory, i.used_memory_dataset), (Some(223_857_160), Some(212_884_672)));
    }

    #[test]
    fn garbage_is_ignored() {
        let i = parse(
            "nonsense\n:\nrole\ndbx:keys=5\ndb0:keys=oops\nused_memory:-7\nslave0:ip=x,port=no\nslave1:junk\n\u{0}",
        );
        assert_eq!(i, Info::default());
    }
}
