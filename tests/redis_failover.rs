//! `georep failover` on the real data plane loses no acknowledged write: a writer increments keys on
//! the primary throughout the failover, and every increment the old primary answered OK is on the new
//! primary afterwards; the writes that came during the hand-over were delayed or refused (READONLY),
//! never silently dropped. The old primary continues from its replication stream (a partial resync):
//! the new primary serves no full sync.
//!
//! A single-shard pair on a quiet link goes over by Redis's own `FAILOVER`, one with writes flowing by
//! georep's all-shards protocol; a `FAILOVER` that does not end is aborted, with writes resumed.
//!
//! Needs `redis-server` (fails without it when `GEOREP_REQUIRE_REDIS=1`, as in CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use georep::arm::ResourceId;
use georep::client::ArmClient;
use georep::client::failover::{self, FailoverError, Options};
use georep::emulator::live::Endpoint;
use georep::emulator::redis::failover::{HandOver, Protocol, Way};
use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions, Running};
use redis::aio::MultiplexedConnection;

const SUB: &str = "33333333-0000-0000-0000-000000000003";
const RG: &str = "rg-redis";
const WAIT: Duration = Duration::from_secs(60);
const KEYS: u64 = 32;

fn have_redis() -> bool {
    let ok =
        Command::new("redis-server").arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("GEOREP_REQUIRE_REDIS").as_deref() != Ok("1"),
            "GEOREP_REQUIRE_REDIS=1 but redis-server is not on PATH: apt-get install redis-server"
        );
        eprintln!("skipped: redis-server is not on PATH (apt-get install redis-server)");
    }
    ok
}

async fn start() -> Running {
    start_with(RedisOptions::default()).await
}

async fn start_with(options: RedisOptions) -> Running {
    let fleet =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleets/redis-pair.json"))
            .expect("fixture fleet");
    let emu = Emulator::open(Config { fleet, ..Default::default() }, &DataPlaneChoice::Redis(options)).await.unwrap();
    tokio::time::timeout(WAIT, emu.bind(support::emulator::loopback())).await.expect("start-up in time").unwrap()
}

fn id(name: &str) -> ResourceId {
    ResourceId::cache(SUB, RG, name)
}

async fn endpoint(client: &ArmClient, name: &str) -> String {
    let c = client.get_cache(&id(name)).await.unwrap();
    c.properties.data_plane.unwrap().endpoints.unwrap()[0].clone()
}

async fn connect(endpoint: &str) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://{endpoint}/")).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

async fn info_field(conn: &mut MultiplexedConnection, section: &str, field: &str) -> Option<String> {
    let text: String = redis::cmd("INFO").arg(section).query_async(conn).await.unwrap();
    text.lines().find_map(|l| l.trim().strip_prefix(&format!("{field}:")).map(str::to_string))
}

/// What the writer saw.
#[derive(Default, Debug)]
struct Writes {
    /// Key -> increments answered OK.
    acked: HashMap<u64, u64>,
    refused: u64,
    slowest: Duration,
}

/// Increments `w:0`..`w:KEYS` on `endpoint` in turn until `stop`.
async fn writer(endpoint: String, stop: Arc<AtomicBool>) -> Writes {
    let mut conn = connect(&endpoint).await;
    let mut w = Writes::default();
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let key = i % KEYS;
        let started = Instant::now();
        let r: redis::RedisResult<u64> = redis::cmd("INCR").arg(format!("w:{key}")).query_async(&mut conn).await;
        w.slowest = w.slowest.max(started.elapsed());
        match r {
            Ok(_) => *w.acked.entry(key).or_default() += 1,
            Err(e) => {
                assert!(
                    e.to_string().to_lowercase().contains("readonly"),
                    "a write failed other than by READONLY: {e}"
                );
                w.refused += 1;
                // A refused write is not retried here: the test counts what the old primary acknowledged.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        i += 1;
    }
    w
}

async fn link(client: &ArmClient, primary: &str, secondary: &str) {
    let (_, lro) = client.create_link(&id(primary), &id(secondary), "West Europe").await.unwrap();
    let status = tokio::time::timeout(WAIT, client.wait(&lro)).await.expect("link in time").unwrap();
    assert_eq!(status.state.to_string(), "Succeeded", "{status:?}");
}

fn georep_failover(url: &str, secondary: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(["failover", "--endpoint", url, "--name", secondary, "--resource-group", RG, "-o", "json"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_under_writes_loses_no_acknowledged_write_and_needs_no_full_resync() {
    if !have_redis() {
        return;
    }
    let running = start().await;
    let url = running.url();
    let client = ArmClient::new(&url, None).unwrap();
    link(&client, "redis-eus", "redis-weu").await;
    let (old_primary, new_primary) = (endpoint(&client, "redis-eus").await, endpoint(&client, "redis-weu").await);
    let mut np = connect(&new_primary).await;
    let full_before: u64 = info_field(&mut np, "stats", "sync_full").await.unwrap().parse().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writes = tokio::spawn(writer(old_primary.clone(), stop.clone()));
    // Writes are flowing before the failover starts.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cli_url = url.clone();
    let out = tokio::task::spawn_blocking(move || georep_failover(&cli_url, "redis-weu")).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "georep failover failed: {stderr}");
    stop.store(true, Ordering::Relaxed);
    let w = writes.await.unwrap();

    let total: u64 = w.acked.values().sum();
    assert!(total > 100, "the writer wrote too little to test anything: {w:?}");
    assert!(w.refused > 0, "the old primary kept taking writes after the failover: {w:?}");
    for key in 0..KEYS {
        let on_new: Option<u64> = redis::cmd("GET").arg(format!("w:{key}")).query_async(&mut np).await.unwrap();
        let acked = w.acked.get(&key).copied().unwrap_or(0);
        assert_eq!(on_new.unwrap_or(0), acked, "key w:{key}: acknowledged {acked} increments on the old primary");
    }
    // The roles: the new primary takes writes, the old one replicates it, with no full sync served.
    let _: u64 = redis::cmd("INCR").arg("after").query_async(&mut np).await.unwrap();
    let mut op = connect(&old_primary).await;
    assert_eq!(info_field(&mut op, "replication", "role").await.as_deref(), Some("slave"));
    let full_after: u64 = info_field(&mut np, "stats", "sync_full").await.unwrap().parse().unwrap();
    let partial: u64 = info_field(&mut np, "stats", "sync_partial_ok").await.unwrap().parse().unwrap();
    eprintln!(
        "acknowledged {total}, refused {}, slowest write {:?}; full syncs served by the new primary: {}, partial: {partial}",
        w.refused,
        w.slowest,
        full_after - full_before
    );
    assert_eq!(full_after, full_before, "the old primary needed a full resync");
    assert!(partial >= 1, "the old primary did not continue with a partial resync");
    // ARM says the same: weu is the primary of a Succeeded link with eus.
    let entries = client.list_linked_servers(&id("redis-weu")).await.unwrap();
    assert_eq!(entries[0].name(), "redis-eus");
    assert_eq!(entries[0].properties.server_role.to_string(), "Secondary");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secondary_that_cannot_catch_up_abandons_the_failover_and_changes_nothing() {
    if !have_redis() {
        return;
    }
    let options = RedisOptions { catch_up_timeout: Duration::from_millis(500), ..RedisOptions::default() };
    let running = start_with(options).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    link(&client, "redis-eus", "redis-weu").await;
    let (primary, secondary) = (endpoint(&client, "redis-eus").await, endpoint(&client, "redis-weu").await);
    // The secondary loses its primary (a partition): it cannot reach the primary's offset.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _: () =
        redis::cmd("REPLICAOF").arg("127.0.0.1").arg(dead).query_async(&mut connect(&secondary).await).await.unwrap();

    let pair = failover::prepare(&client, &id("redis-weu")).await.unwrap();
    let err = failover::run(&client, &pair, Options::default(), &mut |_| {}).await.unwrap_err();
    let FailoverError::Operation { what, status, .. } = &err else { panic!("{err}") };
    assert!(what.contains("the link is as it was"), "{err}");
    let detail = status.error.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert!(detail.contains("did not catch up") && detail.contains("writes on the primary resumed"), "{detail}");
    // Writes on the primary are answered at once, and the link is as it was.
    let mut p = connect(&primary).await;
    let t = Instant::now();
    let _: () = redis::cmd("SET").arg("after-abandon").arg("1").query_async(&mut p).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(1), "the primary stayed paused");
    assert_eq!(info_field(&mut p, "replication", "role").await.as_deref(), Some("master"));
    let entry = client.get_linked_server(&id("redis-eus"), "redis-weu").await.unwrap();
    assert_eq!(entry.state().to_string(), "Succeeded");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_primary_with_no_link_back_is_detached_after_the_grace() {
    if !have_redis() {
        return;
    }
    let options = RedisOptions { repoint_grace: Duration::from_secs(4), ..RedisOptions::default() };
    let running = start_with(options).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    link(&client, "redis-eus", "redis-weu").await;
    let old_primary = endpoint(&client, "redis-eus").await;
    // The failover's first step, and then nothing: the client that ran it died.
    let lro = client.delete_link_for(&id("redis-eus"), "redis-weu", true).await.unwrap().unwrap();
    assert_eq!(client.wait(&lro).await.unwrap().state.to_string(), "Succeeded");
    let mut op = connect(&old_primary).await;
    let role = info_field(&mut op, "replication", "role").await;
    assert_eq!(role.as_deref(), Some("slave"), "re-pointed at the new primary, waiting for the link back");
    support::wait::eventually("the old primary to be detached", WAIT, || {
        let endpoint = old_primary.clone();
        async move { info_field(&mut connect(&endpoint).await, "replication", "role").await.as_deref() == Some("master") }
    })
    .await;
    let _: () = redis::cmd("SET").arg("writable-again").arg("1").query_async(&mut op).await.unwrap();
    running.shutdown().await;
}

/// Waits until the secondary at `secondary` has acknowledged the whole stream of the primary behind
/// `primary` (its `slave` line's offset is the primary's `master_repl_offset`).
async fn until_quiet(primary: &str, secondary: &str) {
    let (primary, secondary) = (primary.to_string(), Endpoint::parse(secondary).unwrap());
    support::wait::eventually("the link to be quiet", WAIT, || {
        let (primary, tag) = (primary.clone(), format!("ip={},port={},", secondary.host, secondary.port));
        async move {
            let text: String =
                redis::cmd("INFO").arg("replication").query_async(&mut connect(&primary).await).await.unwrap();
            let field = |l: &str, name: &str| l.split(',').find_map(|kv| kv.strip_prefix(name)).map(str::to_string);
            let acked = text.lines().find(|l| l.contains(&tag)).and_then(|l| field(l, "offset="));
            let offset = text.lines().find_map(|l| l.trim().strip_prefix("master_repl_offset:").map(str::to_string));
            acked.is_some() && acked == offset
        }
    })
    .await;
}

async fn linked_pair(options: RedisOptions) -> (Running, String, String) {
    let running = start_with(options).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    link(&client, "redis-eus", "redis-weu").await;
    let (p, s) = (endpoint(&client, "redis-eus").await, endpoint(&client, "redis-weu").await);
    (running, p, s)
}

fn hand_over(p: &str, s: &str) -> HandOver {
    HandOver::new(&[Endpoint::parse(p).unwrap()], &[Endpoint::parse(s).unwrap()]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_pair_goes_over_by_redis_failover_and_a_busy_one_step_by_step() {
    if !have_redis() {
        return;
    }
    let (running, p, s) = linked_pair(RedisOptions::default()).await;
    let (mut pc, mut sc) = (connect(&p).await, connect(&s).await);
    let full = |c: MultiplexedConnection| async move {
        let mut c = c;
        info_field(&mut c, "stats", "sync_full").await.unwrap().parse::<u64>().unwrap()
    };
    let full_before = (full(pc.clone()).await, full(sc.clone()).await);
    until_quiet(&p, &s).await;
    let there = hand_over(&p, &s);
    there.connect().await.unwrap();
    assert_eq!(there.run(Protocol::Auto, WAIT).await, Ok(Way::RedisFailover));
    assert_eq!(info_field(&mut pc, "replication", "role").await.as_deref(), Some("slave"));
    assert_eq!(info_field(&mut pc, "replication", "master_port").await, Some(s.rsplit(':').next().unwrap().into()));
    let _: () = redis::cmd("SET").arg("on-the-new-primary").arg("1").query_async(&mut sc).await.unwrap();

    // Back, with a writer on the primary of the moment: Redis's FAILOVER would hold its writes until
    // the replica's next acknowledgement, up to a second; the all-shards protocol does not wait for it.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = tokio::spawn(writer(s.clone(), stop.clone()));
    support::wait::eventually("the writer to write", WAIT, || {
        let s = s.clone();
        async move {
            let n: Option<u64> = redis::cmd("GET").arg("w:0").query_async(&mut connect(&s).await).await.unwrap();
            n.is_some()
        }
    })
    .await;
    let back = there.reversed();
    back.connect().await.unwrap();
    assert_eq!(back.run(Protocol::Auto, WAIT).await, Ok(Way::AllShards));
    stop.store(true, Ordering::Relaxed);
    let w = writes.await.unwrap();
    assert!(w.refused > 0, "the old primary kept taking writes: {w:?}");
    for key in 0..KEYS {
        let on_new: Option<u64> = redis::cmd("GET").arg(format!("w:{key}")).query_async(&mut pc).await.unwrap();
        let acked = w.acked.get(&key).copied().unwrap_or(0);
        assert_eq!(on_new.unwrap_or(0), acked, "key w:{key}: acknowledged {acked} increments");
    }
    let full_after = (full(pc.clone()).await, full(sc.clone()).await);
    assert_eq!(full_after, full_before, "a full resync was needed (full syncs served by each side)");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_failover_that_does_not_end_is_aborted_with_writes_resumed() {
    if !have_redis() {
        return;
    }
    let (running, p, s) = linked_pair(RedisOptions::default()).await;
    until_quiet(&p, &s).await;
    let there = hand_over(&p, &s);
    there.connect().await.unwrap();
    // The secondary answers nobody for a while: the old primary's PSYNC FAILOVER gets no answer.
    let _: () =
        redis::cmd("CLIENT").arg("PAUSE").arg(6000).arg("ALL").query_async(&mut connect(&s).await).await.unwrap();
    let started = Instant::now();
    let err = there.run(Protocol::Auto, Duration::from_millis(500)).await.unwrap_err();
    assert!(err.contains("FAILOVER") && err.contains("writes on the primary resumed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "the wait was not bounded: {:?}", started.elapsed());
    let mut pc = connect(&p).await;
    let t = Instant::now();
    let _: () = redis::cmd("SET").arg("after-abort").arg("1").query_async(&mut pc).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(1), "the primary stayed paused");
    assert_eq!(info_field(&mut pc, "replication", "role").await.as_deref(), Some("master"));
    running.shutdown().await;
}
