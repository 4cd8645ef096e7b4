//! The real data plane's failover (`--data-plane redis`): georep's hand-over (pause writes, let the
//! secondary catch up, promote it, re-point the old primary, unpause) against a bare Redis `FAILOVER`
//! of the same pair and data, in the same run; and what each resends to the old primary (a full sync,
//! or only the partial resync's backlog).
//!
//! `cargo bench --bench redis_failover` (needs redis-server on PATH; without it the bench says so and
//! exits 0, unless GEOREP_REQUIRE_REDIS=1). `GEOREP_BENCH_ROUNDS=N` (default 10) rounds; each does both,
//! in alternating order, from whichever cache is the primary at the time (each failover swaps them).
//! A failover is timed from the request until the old primary reports itself a replica of the new one
//! with its link up (georep's bookkeeping after that, refreshing its live figures, is not counted). Results are printed and written to target/bench-redis-failover.txt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use georep::emulator::live::Endpoint;
use georep::emulator::redis::failover::hand_over_endpoints;
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

/// One failover from `p` to `s`; returns (time, full syncs served by `s`, bytes `s` sent to replicas).
async fn failover(p: &Endpoint, s: &Endpoint, bare: bool) -> (Duration, u64, u64) {
    let (mut pc, mut sc) = (connect(p).await, connect(s).await);
    let full = number(&mut sc, "stats", "sync_full").await;
    let sent = number(&mut sc, "stats", "total_net_repl_output_bytes").await;
    let t0 = Instant::now();
    if bare {
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
    } else {
        // Timed to the same point as the bare one (the roles switched); georep's bookkeeping after
        // that (refreshing its live figures) runs on.
        let (pp, ss) = (p.clone(), s.clone());
        let task = tokio::spawn(async move { hand_over_endpoints(&[pp], &[ss]).await });
        until_replica(&mut pc, s).await;
        let took = t0.elapsed();
        task.await.expect("task").expect("georep hand-over");
        return finish(took, &mut sc, full, sent).await;
    }
    let took = t0.elapsed();
    finish(took, &mut sc, full, sent).await
}

async fn finish(took: Duration, sc: &mut MultiplexedConnection, full: u64, sent: u64) -> (Duration, u64, u64) {
    let full = number(sc, "stats", "sync_full").await - full;
    let sent = number(sc, "stats", "total_net_repl_output_bytes").await.saturating_sub(sent);
    (took, full, sent)
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
    let (mut georep, mut bare, mut full, mut sent) = (Vec::new(), Vec::new(), [0u64; 2], [Vec::new(), Vec::new()]);
    for round in 0..rounds {
        for step in 0..2 {
            let is_bare = (round + step) % 2 == 0;
            let (took, f, b) = failover(&p, &s, is_bare).await;
            if is_bare {
                bare.push(ms(took))
            } else {
                georep.push(ms(took))
            }
            full[is_bare as usize] += f;
            sent[is_bare as usize].push(b as f64);
            std::mem::swap(&mut p, &mut s);
        }
        eprintln!("round {}: georep {:.1} ms, bare FAILOVER {:.1} ms", round + 1, georep[round], bare[round]);
    }
    running.shutdown().await;
    let (g, b) = (median(georep), median(bare));
    let mut out = String::new();
    let _ = writeln!(out, "redis_failover: {rounds} rounds, dataset {} MB in the primary", used / 1_000_000);
    let _ = writeln!(out, "  georep hand-over   median {g:.1} ms");
    let _ = writeln!(out, "  bare FAILOVER      median {b:.1} ms");
    let _ = writeln!(out, "  georep / bare      {:.2}", g / b);
    let _ = writeln!(
        out,
        "  full syncs served: georep {}, bare {}; bytes sent to the old primary (median): georep {:.0}, bare {:.0}",
        full[0],
        full[1],
        median(sent[0].clone()),
        median(sent[1].clone())
    );
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
