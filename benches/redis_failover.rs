//! The real data plane's failover (`--data-plane redis`) against a bare Redis `FAILOVER` of the same
//! pair and data, in the same run: georep's hand-over as a failover operation runs it (for this
//! single-shard pair, Redis's `FAILOVER` sent on a kept connection, then confirmed), georep's
//! all-shards protocol (what a clustered cache gets: pause, catch up, promote, re-point and unpause),
//! and the bare command; and what each resends to the old primary (a full sync, or only the partial
//! resync's backlog).
//!
//! `cargo bench --bench redis_failover` (needs redis-server on PATH; without it the bench says so and
//! exits 0, unless GEOREP_REQUIRE_REDIS=1). `GEOREP_BENCH_ROUNDS=N` (default 10) rounds; each runs the
//! three, in an order that rotates, from whichever cache is the primary at the time (each failover
//! swaps them). Every arm has its connections open before its clock starts. A failover is timed from
//! the request until the old primary reports itself a replica of the new one with its link up; for
//! georep, the time until its call returned (its own confirmation, and refreshing its live figures)
//! is printed beside it. Results are printed and written to target/bench-redis-failover.txt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use georep::emulator::live::Endpoint;
use georep::emulator::redis::failover::{CATCH_UP_TIMEOUT, HandOver, Protocol, Way};
use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions};
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};

const SUB: &str = "55555555-0000-0000-0000-000000000005";
const BYTES: u64 = 50_000_000;
const KEYS: u64 = 50_000;
const API: &str = "2024-11-01";

fn fleet() -> String {
    let cache = |name: &str, location: &str, bytes: u64, keys: u64| {
        json!({"subscription": SUB, "resourceGroup": "rg-bench", "name": name, "location": location,
               "tier": "Premium", "capacity": 1, "redisVersion": "7.0", "datasetBytes": bytes, "datasetKeys": keys})
    };
    json!({
        "subscriptions": [{"subscriptionId": SUB, "displayName": "Bench"}],
        "caches": [cache("fo-eus", "East US", BYTES, KEYS), cache("fo-weu", "West Europe", 1_000, 1)]
    })
    .to_string()
}

async fn connect(endpoint: &Endpoint) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://{endpoint}/")).expect("redis url");
    client.get_multiplexed_async_connection().await.expect("connect")
}

async fn field(conn: &mut MultiplexedConnection, section: &str, name: &str) -> String {
    let text: String = redis::cmd("INFO").arg(section).query_async(conn).await.expect("INFO");
    text.lines().find_map(|l| l.trim().strip_prefix(&format!("{name}:")).map(str::to_string)).unwrap_or_default()
}

async fn number(conn: &mut MultiplexedConnection, section: &str, name: &str) -> u64 {
    field(conn, section, name).await.parse().unwrap_or(0)
}

/// Waits until `old` replicates `new` with its link up, asking `INFO` back to back.
async fn until_replica(old: &mut MultiplexedConnection, new: &Endpoint) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let role = field(old, "replication", "role").await;
        let port = field(old, "replication", "master_port").await;
        let up = field(old, "replication", "master_link_status").await;
        if role == "slave" && port == new.port.to_string() && up == "up" {
            return;
        }
        assert!(Instant::now() < deadline, "the old primary never followed the new one");
        // No sleep: a timer's millisecond granularity would be most of what is measured.
        tokio::task::yield_now().await;
    }
}

/// The three ways a pair is failed over here.
#[derive(Clone, Copy, PartialEq)]
enum Arm {
    /// `FAILOVER TO host port TIMEOUT 10000` sent to the primary.
    Bare,
    /// What a failover operation runs ([`Protocol::Auto`]: `FAILOVER` for a single-shard pair).
    Georep,
    /// georep's protocol for clustered caches, here on the single shard ([`Protocol::AllShards`]).
    AllShards,
}

/// What one failover measured.
struct Sample {
    /// Until the old primary follows the new one with its link up.
    switched: Duration,
    /// Until georep's hand-over returned (its own confirmation and bookkeeping included); the same as
    /// `switched` for the bare arm.
    returned: Duration,
    full_syncs: u64,
    bytes_resent: u64,
}

/// Waits until `s` has acknowledged the whole replication stream of `p` (its `slave` line's offset is
/// `p`'s `master_repl_offset`): the same quiet start for every arm. (Redis's `FAILOVER` on a link whose
/// replica has not acknowledged yet waits for its next acknowledgement, up to a second.)
async fn until_quiet(primary: &mut MultiplexedConnection, s: &Endpoint) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let tag = format!("ip={},port={},state=online,offset=", s.host, s.port);
    loop {
        let text: String = redis::cmd("INFO").arg("replication").query_async(primary).await.expect("INFO");
        let offset = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim().split_once(prefix).map(|(_, v)| v.split(',').next().unwrap_or("").to_string()))
        };
        let acked = offset(&tag);
        if acked.is_some() && acked == offset("master_repl_offset:") {
            return;
        }
        assert!(Instant::now() < deadline, "the replica never acknowledged the whole stream");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One failover from `p` to `s`. Every arm has its connections open before the clock starts: the bare
/// arm its connection to the primary, georep its nodes' kept connections (in the emulator, each
/// node's monitor keeps it open).
async fn failover(p: &Endpoint, s: &Endpoint, arm: Arm, georep: &Arc<HandOver>) -> Sample {
    let (mut pc, mut sc) = (connect(p).await, connect(s).await);
    let full = number(&mut sc, "stats", "sync_full").await;
    let sent = number(&mut sc, "stats", "total_net_repl_output_bytes").await;
    until_quiet(&mut pc, s).await;
    georep.connect().await.expect("georep's connections");
    let t0 = Instant::now();
    let (switched, returned) = if arm == Arm::Bare {
        let _: () = redis::cmd("FAILOVER")
            .arg("TO")
            .arg(&s.host)
            .arg(s.port)
            .arg("TIMEOUT")
            .arg(10_000)
            .query_async(&mut pc)
            .await
            .expect("FAILOVER");
        until_replica(&mut pc, s).await;
        (t0.elapsed(), t0.elapsed())
    } else {
        // Timed to the same point as the bare one (the roles switched); georep's confirmation and
        // bookkeeping after that (refreshing its live figures) run on, and are timed apart.
        let protocol = if arm == Arm::Georep { Protocol::Auto } else { Protocol::AllShards };
        // On a task of its own, as the emulator runs it (and as the bare one runs in the server).
        let georep = georep.clone();
        let task = tokio::spawn(async move {
            let r = georep.run(protocol, CATCH_UP_TIMEOUT).await;
            (r, t0.elapsed())
        });
        until_replica(&mut pc, s).await;
        let switched = t0.elapsed();
        let (result, returned) = task.await.expect("task");
        let way = result.expect("georep hand-over");
        let expected = if arm == Arm::Georep { Way::RedisFailover } else { Way::AllShards };
        assert_eq!(way, expected, "the hand-over did not go the way this arm measures");
        (switched, returned)
    };
    let full_syncs = number(&mut sc, "stats", "sync_full").await - full;
    let bytes_resent = number(&mut sc, "stats", "total_net_repl_output_bytes").await.saturating_sub(sent);
    Sample { switched, returned, full_syncs, bytes_resent }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run(rounds: usize) -> String {
    let options = RedisOptions { max_fill: None, ..RedisOptions::default() };
    let emu =
        Emulator::with_data_plane(Config { fleet: fleet(), ..Default::default() }, &DataPlaneChoice::Redis(options))
            .expect("real data plane");
    let running = emu.bind("127.0.0.1:0".parse().unwrap()).await.expect("emulator");
    let base = running.url();
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let cache = |name: &str| {
        format!("{base}/subscriptions/{SUB}/resourceGroups/rg-bench/providers/Microsoft.Cache/redis/{name}")
    };
    let body = json!({"properties": {"linkedRedisCacheId": "/subscriptions/55555555-0000-0000-0000-000000000005/resourceGroups/rg-bench/providers/Microsoft.Cache/Redis/fo-weu", "linkedRedisCacheLocation": "West Europe", "serverRole": "Secondary"}});
    let r = http
        .put(format!("{}/linkedServers/fo-weu?api-version={API}", cache("fo-eus")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let op = r.headers()["azure-asyncoperation"].to_str().unwrap().to_string();
    loop {
        let v: Value = http.get(&op).send().await.unwrap().json().await.unwrap();
        if v["status"] != "InProgress" {
            assert_eq!(v["status"], "Succeeded", "{v}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let endpoint = |name: &str| {
        let http = http.clone();
        let url = format!("{}?api-version={API}", cache(name));
        async move {
            let v: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            Endpoint::parse(v["properties"]["dataPlane"]["endpoints"][0].as_str().unwrap()).unwrap()
        }
    };
    let (mut p, mut s) = (endpoint("fo-eus").await, endpoint("fo-weu").await);
    let used = number(&mut connect(&p).await, "memory", "used_memory_dataset").await;
    // The nodes (and their connections) are kept across failovers, as the emulator keeps its own.
    let there = HandOver::new(std::slice::from_ref(&p), std::slice::from_ref(&s)).expect("hand-over");
    let back = Arc::new(there.reversed());
    let there = Arc::new(there);
    let first_primary = p.clone();
    let arms = [Arm::Bare, Arm::Georep, Arm::AllShards];
    let mut samples: Vec<Vec<Sample>> = arms.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        // Each arm runs once a round, in an order that rotates from round to round.
        for step in 0..arms.len() {
            let which = (round + step) % arms.len();
            let georep = if p == first_primary { &there } else { &back };
            samples[which].push(failover(&p, &s, arms[which], georep).await);
            std::mem::swap(&mut p, &mut s);
        }
        let last = |i: usize| ms(samples[i][round].switched);
        eprintln!(
            "round {}: bare FAILOVER {:.2} ms, georep {:.2} ms, georep all-shards {:.2} ms",
            round + 1,
            last(0),
            last(1),
            last(2)
        );
    }
    running.shutdown().await;
    let med = |i: usize, f: &dyn Fn(&Sample) -> f64| median(samples[i].iter().map(f).collect());
    let switched = |i: usize| med(i, &|x| ms(x.switched));
    let returned = |i: usize| med(i, &|x| ms(x.returned));
    let mut out = String::new();
    let _ = writeln!(out, "redis_failover: {rounds} rounds, dataset {} MB in the primary", used / 1_000_000);
    let _ = writeln!(out, "  median time until the old primary follows the new one (until the call returned):");
    let _ = writeln!(out, "  bare FAILOVER              {:.2} ms", switched(0));
    let _ = writeln!(out, "  georep hand-over           {:.2} ms ({:.2} ms)", switched(1), returned(1));
    let _ = writeln!(out, "  georep all-shards protocol {:.2} ms ({:.2} ms)", switched(2), returned(2));
    let _ = writeln!(out, "  georep / bare              {:.2}", switched(1) / switched(0));
    let _ = writeln!(out, "  all-shards / bare          {:.2}", switched(2) / switched(0));
    for (i, name) in ["bare FAILOVER", "georep", "georep all-shards"].iter().enumerate() {
        let full: u64 = samples[i].iter().map(|x| x.full_syncs).sum();
        let bytes = med(i, &|x| x.bytes_resent as f64);
        let _ = writeln!(out, "  {name}: full syncs served {full}, bytes sent to the old primary (median) {bytes:.0}");
    }
    out
}

fn main() {
    let have =
        Command::new("redis-server").arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var("GEOREP_REQUIRE_REDIS").map_or(true, |v| v != "1"),
            "GEOREP_REQUIRE_REDIS=1 but redis-server is not on PATH (apt-get install redis-server)"
        );
        println!("redis_failover: skipped: redis-server is not on PATH (apt-get install redis-server)");
        return;
    }
    // `cargo test --benches` runs benches without `--bench`: one round then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds =
        if quick { 1 } else { std::env::var("GEOREP_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let out = runtime.block_on(run(rounds));
    println!("{out}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-redis-failover.txt");
    if std::fs::write(&path, &out).is_ok() {
        println!("written to {}", path.display());
    }
}
