//! The real data plane (`--data-plane redis`): how long a link of a ~200 MB dataset takes through georep,
//! against a bare `REPLICAOF` of the same data in the same run, and how far the percentage georep
//! reports trails the bytes the secondary has actually read.
//!
//! `cargo bench --bench redis_link` (needs redis-server on PATH; without it the bench says so and exits
//! 0, unless GEOREP_REQUIRE_REDIS=1). `GEOREP_BENCH_ROUNDS=N` (default 5) rounds of three syncs, in
//! rotating order, all from the same primary into the same (emptied) secondary redis-server:
//! - bare: `REPLICAOF` sent straight to the secondary, timed until its `master_link_status:up`, undone;
//! - timed: a link through georep's API, polled as a brisk client would (every 100 ms), timed until the
//!   operation's `endTime`; then unlinked;
//! - traced: the same, polled every 5 ms to see each percentage as soon as georep reports it.
//!
//! Results are printed and written to target/bench-redis-link.txt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use georep::emulator::redis::info;
use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions};
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};

const SUB: &str = "44444444-0000-0000-0000-000000000004";
const BYTES: u64 = 200_000_000;
const KEYS: u64 = 200_000;
/// How often the secondary's INFO is sampled (bare and georep alike), and the API in traced rounds.
const SAMPLE: Duration = Duration::from_millis(5);
/// How often a timed round polls the operation.
const CLIENT_POLL: Duration = Duration::from_millis(100);
const API: &str = "2024-11-01";

fn fleet() -> String {
    let cache = |name: &str, location: &str, bytes: u64, keys: u64| {
        json!({"subscription": SUB, "resourceGroup": "rg-bench", "name": name, "location": location,
               "tier": "Premium", "capacity": 1, "redisVersion": "7.0", "datasetBytes": bytes, "datasetKeys": keys})
    };
    json!({
        "subscriptions": [{"subscriptionId": SUB, "displayName": "Bench"}],
        "caches": [cache("bench-eus", "East US", BYTES, KEYS), cache("bench-weu", "West Europe", 1_000_000, 1_000)]
    })
    .to_string()
}

fn cache_url(base: &str, name: &str) -> String {
    format!("{base}/subscriptions/{SUB}/resourceGroups/rg-bench/providers/Microsoft.Cache/redis/{name}")
}

async fn connect(endpoint: &str) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://{endpoint}/")).expect("redis url");
    client.get_multiplexed_async_connection().await.expect("connect")
}

/// One INFO sample of the secondary during a sync: (time since the link was asked for, read, total).
type ReadSample = (Duration, u64, u64);

/// What the secondary's INFO showed during one sync, in time since the link was asked for.
struct Sync {
    /// The transfer.
    reads: Vec<ReadSample>,
    /// First seen replicating from the primary (`REPLICAOF` has taken effect).
    replicating: Duration,
    /// First seen with its link up.
    up: Duration,
}

impl Sync {
    /// The primary writing its snapshot, the transfer, the load.
    fn phases(&self) -> [Duration; 3] {
        let first = self.reads.first().map_or(self.up, |r| r.0);
        let all_read = self.reads.iter().find(|(_, read, total)| read >= total).map_or(self.up, |r| r.0);
        [first.saturating_sub(self.replicating), all_read.saturating_sub(first), self.up.saturating_sub(all_read)]
    }
}

/// Samples the secondary's INFO until its link to `primary_port` is up.
async fn watch_sync(mut conn: MultiplexedConnection, primary_port: u16, t0: Instant) -> Sync {
    let mut reads = Vec::new();
    let mut replicating = None;
    let deadline = t0 + Duration::from_secs(300);
    loop {
        let i = info::fetch_replication(&mut conn).await.expect("INFO replication");
        let t = t0.elapsed();
        let ours = i.replica && i.master_port == Some(primary_port);
        if ours {
            replicating.get_or_insert(t);
        }
        if ours && i.link_up {
            return Sync { reads, replicating: replicating.unwrap_or(t), up: t };
        }
        if let (true, Some(total)) = (i.sync_in_progress, i.sync_total_bytes) {
            reads.push((t, i.sync_read_bytes.unwrap_or(0), total));
        }
        assert!(Instant::now() < deadline, "the sync did not finish in 300 s");
        tokio::time::sleep(SAMPLE).await;
    }
}

async fn flushall(secondary: &str) {
    redis::cmd("FLUSHALL").query_async::<()>(&mut connect(secondary).await).await.expect("FLUSHALL");
}

/// A bare `REPLICAOF` of the (emptied) secondary: the time until its link is up, and the sync.
async fn bare_replicaof(primary: &str, primary_port: u16, secondary: &str) -> (Duration, Sync) {
    flushall(secondary).await;
    let mut conn = connect(secondary).await;
    let watcher = connect(secondary).await;
    let t0 = Instant::now();
    let (host, port) = primary.rsplit_once(':').expect("host:port");
    redis::cmd("REPLICAOF").arg(host).arg(port).query_async::<()>(&mut conn).await.expect("REPLICAOF");
    let sync = watch_sync(watcher, primary_port, t0).await;
    redis::cmd("REPLICAOF").arg("NO").arg("ONE").query_async::<()>(&mut conn).await.expect("REPLICAOF NO ONE");
    (sync.up, sync)
}

/// A georep link as one client saw it.
struct Link {
    /// From just before the PUT until the operation's `endTime`.
    took: Duration,
    sync: Sync,
    /// (time, percentComplete) of every poll.
    percents: Vec<(Duration, f64)>,
}

async fn wait_op(http: &reqwest::Client, op: &str, t0: Instant, poll: Duration) -> (Value, Vec<(Duration, f64)>) {
    let mut percents = Vec::new();
    loop {
        let v: Value = http.get(op).send().await.expect("GET op").json().await.expect("op json");
        let t = t0.elapsed();
        match v["status"].as_str() {
            Some("InProgress") => {}
            Some("Succeeded") => return (v, percents),
            other => panic!("the operation ended {other:?}: {v}"),
        }
        if let Some(p) = v["percentComplete"].as_f64() {
            percents.push((t, p));
        }
        tokio::time::sleep(poll).await;
    }
}

/// Links the (emptied) secondary through georep's API, polling every `poll`, then unlinks it.
async fn georep_link(http: &reqwest::Client, base: &str, secondary: &str, primary_port: u16, poll: Duration) -> Link {
    flushall(secondary).await;
    let body = json!({"properties": {
        "linkedRedisCacheId": format!("/subscriptions/{SUB}/resourceGroups/rg-bench/providers/Microsoft.Cache/Redis/bench-weu"),
        "linkedRedisCacheLocation": "West Europe", "serverRole": "Secondary"}});
    let link_url = format!("{}/linkedServers/bench-weu?api-version={API}", cache_url(base, "bench-eus"));
    let watcher = connect(secondary).await;
    let (t0, t0_utc) = (Instant::now(), Utc::now());
    let watcher = tokio::spawn(watch_sync(watcher, primary_port, t0));
    let r = http.put(&link_url).json(&body).send().await.expect("PUT link");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let op = r.headers()["azure-asyncoperation"].to_str().expect("op url").to_string();
    let (done, percents) = wait_op(http, &op, t0, poll).await;
    let end = done["endTime"].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).expect("endTime");
    let took = (end.with_timezone(&Utc) - t0_utc).to_std().unwrap_or_default();
    let sync = watcher.await.expect("watcher");

    let r = http.delete(&link_url).send().await.expect("DELETE link");
    let op = r.headers()["azure-asyncoperation"].to_str().expect("op url").to_string();
    wait_op(http, &op, Instant::now(), Duration::from_millis(20)).await;
    Link { took, sync, percents }
}

/// For each percentage the API reported during the transfer (not the 0 before it, nor the 99.9 held
/// while the snapshot loads): how long after the secondary had read that share it was reported.
fn lags(link: &Link) -> Vec<Duration> {
    link.percents
        .iter()
        .filter(|(_, p)| *p > 0.0 && *p < 99.9)
        .filter_map(|(t, p)| {
            let read =
                link.sync.reads.iter().find(|(_, read, total)| *read as f64 * 100.0 / *total as f64 >= p - 0.05)?;
            Some(t.saturating_sub(read.0))
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

struct Round {
    bare: Duration,
    bare_phases: [Duration; 3],
    timed: Link,
    traced: Link,
}

async fn run(rounds: usize) -> String {
    let started = Instant::now();
    let options = RedisOptions { max_fill: None, ..RedisOptions::default() };
    let emu =
        Emulator::with_data_plane(Config { fleet: fleet(), ..Default::default() }, &DataPlaneChoice::Redis(options))
            .expect("real data plane");
    let running = emu.bind("127.0.0.1:0".parse().unwrap()).await.expect("emulator");
    let startup = started.elapsed();
    let base = running.url();
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let get = |name: &str| {
        let http = http.clone();
        let url = format!("{}?api-version={API}", cache_url(&base, name));
        async move { http.get(url).send().await.expect("GET cache").json::<Value>().await.expect("cache json") }
    };
    let endpoint = |v: &Value| v["properties"]["dataPlane"]["endpoints"][0].as_str().expect("endpoint").to_string();
    let (pv, sv) = (get("bench-eus").await, get("bench-weu").await);
    let (primary, secondary) = (endpoint(&pv), endpoint(&sv));
    let primary_port: u16 = primary.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).expect("port");
    let dataset = pv["properties"]["dataPlane"]["datasetBytes"].as_u64().unwrap_or(0);
    let used = pv["properties"]["dataPlane"]["usedMemoryBytes"].as_u64().unwrap_or(0);

    let mut results = Vec::new();
    for round in 0..rounds {
        let (mut bare, mut timed, mut traced) = (None, None, None);
        // Rotating the order, so that none always goes first (or last).
        for step in 0..3 {
            match (round + step) % 3 {
                0 => bare = Some(bare_replicaof(&primary, primary_port, &secondary).await),
                1 => timed = Some(georep_link(&http, &base, &secondary, primary_port, CLIENT_POLL).await),
                _ => traced = Some(georep_link(&http, &base, &secondary, primary_port, SAMPLE).await),
            }
        }
        let ((bare, bare_sync), timed, traced) = (bare.unwrap(), timed.unwrap(), traced.unwrap());
        eprintln!(
            "round {}: bare REPLICAOF {:.0} ms, georep link {:.0} ms (traced: {:.0} ms)",
            round + 1,
            ms(bare),
            ms(timed.took),
            ms(traced.took)
        );
        results.push(Round { bare, bare_phases: bare_sync.phases(), timed, traced });
    }
    running.shutdown().await;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "dataset: {KEYS} keys, {:.1} MB of data (used_memory_dataset), {:.1} MB used; start-up with the fill {:.2} s",
        dataset as f64 / 1e6,
        used as f64 / 1e6,
        startup.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| round | bare REPLICAOF ms | georep link ms | difference | georep's own ms | traced link ms | API samples in transfer | lag mean ms | lag max ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    let own = |l: &Link| l.sync.replicating + l.took.saturating_sub(l.sync.up);
    let mut all_lags = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let over = (r.timed.took.as_secs_f64() / r.bare.as_secs_f64() - 1.0) * 100.0;
        let lags = lags(&r.traced);
        let mean = lags.iter().map(|d| ms(*d)).sum::<f64>() / lags.len().max(1) as f64;
        let max = lags.iter().map(|d| ms(*d)).fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {over:+.1}% | {:.0} | {:.0} | {} | {mean:.0} | {max:.0} |",
            i + 1,
            ms(r.bare),
            ms(r.timed.took),
            ms(own(&r.timed)),
            ms(r.traced.took),
            lags.len(),
        );
        all_lags.extend(lags);
    }
    let bare = median(results.iter().map(|r| ms(r.bare)).collect());
    let timed = median(results.iter().map(|r| ms(r.timed.took)).collect());
    let own = median(results.iter().map(|r| ms(own(&r.timed))).collect());
    let _ = writeln!(
        out,
        "median: bare REPLICAOF {bare:.0} ms, georep link {timed:.0} ms ({:+.1}%, target < 10%); georep's own time {own:.0} ms = {:.1}% of the bare REPLICAOF",
        (timed / bare - 1.0) * 100.0,
        own / bare * 100.0
    );
    for (label, phases) in [
        ("bare", results.iter().map(|r| r.bare_phases).collect::<Vec<_>>()),
        ("georep", results.iter().map(|r| r.timed.sync.phases()).collect()),
    ] {
        let phase = |i: usize| median(phases.iter().map(|p| ms(p[i])).collect());
        let _ = writeln!(
            out,
            "the sync, {label} (median): {:.0} ms writing the snapshot, {:.0} ms sending it, {:.0} ms loading it",
            phase(0),
            phase(1),
            phase(2)
        );
    }
    let max_lag = all_lags.iter().map(|d| ms(*d)).fold(0.0, f64::max);
    let mean_lag = all_lags.iter().map(|d| ms(*d)).sum::<f64>() / all_lags.len().max(1) as f64;
    let _ = writeln!(
        out,
        "percentComplete trails the bytes read by {mean_lag:.0} ms on average, {max_lag:.0} ms at most (target < 1 poll interval: clients are told Retry-After 1 s; inside georep, the link reads INFO every 50 ms and the operation driver runs every 100 ms)"
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
        println!("redis_link: skipped: redis-server is not on PATH (apt-get install redis-server)");
        return;
    }
    // `cargo test --benches` runs benches without `--bench`: one round then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds =
        if quick { 1 } else { std::env::var("GEOREP_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let out = runtime.block_on(run(rounds));
    println!("{out}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-redis-link.txt");
    if std::fs::write(&path, &out).is_ok() {
        println!("written to {}", path.display());
    }
}
