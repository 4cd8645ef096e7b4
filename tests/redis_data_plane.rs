//! The real data plane (`--data-plane redis`) with real redis-server processes: the API names their
//! endpoints; a link is `REPLICAOF` with progress from `INFO replication`; the secondary is read-only
//! while linked and keeps its data after the unlink; a child that dies is reported, not hung on; every
//! child is stopped and reaped on shutdown and on SIGTERM.
//!
//! These tests need `redis-server` on PATH. Without it they print why and pass as skipped, unless
//! `GEOREP_REQUIRE_REDIS=1` (as .ci/run sets), when they fail. Each test starts its own servers on free
//! loopback ports; every wait is bounded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use georep::emulator::redis::RedisServer;
use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions, Running};
use redis::aio::MultiplexedConnection;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const API: &str = "2024-11-01";
const SUB: &str = "33333333-0000-0000-0000-000000000003";
const RG: &str = "rg-redis";
/// The longest any one thing may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

fn redis_required() -> bool {
    std::env::var("GEOREP_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

/// Whether the tests can run; panics when they must and cannot.
fn have_redis(test: &str) -> bool {
    let ok =
        Command::new("redis-server").arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !redis_required(),
            "GEOREP_REQUIRE_REDIS=1 but redis-server is not on PATH: apt-get install redis-server"
        );
        eprintln!("{test}: skipped: redis-server is not on PATH (apt-get install redis-server)");
    }
    ok
}

fn fleet_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleets/redis-pair.json"))
        .expect("fixture fleet")
}

async fn start(fleet: String) -> Running {
    support::emulator::start_redis(Config { fleet, ..Default::default() }, WAIT).await
}

struct Api {
    base: String,
    http: Client,
}

impl Api {
    fn new(running: &Running) -> Self {
        Api {
            base: running.url(),
            http: Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap(),
        }
    }

    fn cache_url(&self, name: &str) -> String {
        format!("{}/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redis/{name}", self.base)
    }

    async fn cache(&self, name: &str) -> Value {
        let r = self.http.get(format!("{}?api-version={API}", self.cache_url(name))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    async fn data_plane(&self, name: &str) -> Value {
        self.cache(name).await["properties"]["dataPlane"].clone()
    }

    /// Links `secondary` to `primary`; returns the operation URL.
    async fn link(&self, primary: &str, secondary: &str) -> String {
        let body = json!({"properties": {
            "linkedRedisCacheId": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/Redis/{secondary}"),
            "linkedRedisCacheLocation": "West Europe",
            "serverRole": "Secondary"
        }});
        let r = self
            .http
            .put(format!("{}/linkedServers/{secondary}?api-version={API}", self.cache_url(primary)))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let op = r.headers().get("azure-asyncoperation").and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(status, StatusCode::CREATED, "{}", r.text().await.unwrap_or_default());
        op.expect("Azure-AsyncOperation")
    }

    async fn unlink(&self, primary: &str, secondary: &str) -> String {
        let r = self
            .http
            .delete(format!("{}/linkedServers/{secondary}?api-version={API}", self.cache_url(primary)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        r.headers().get("azure-asyncoperation").and_then(|v| v.to_str().ok()).expect("Azure-AsyncOperation").to_string()
    }

    async fn operation(&self, url: &str) -> Value {
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }

    /// Polls the operation until it ends; returns its last status and every percentComplete seen.
    async fn finish(&self, url: &str) -> (Value, Vec<f64>) {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let op = self.operation(url).await;
            if let Some(p) = op["percentComplete"].as_f64() {
                seen.push(p);
            }
            if op["status"] != "InProgress" {
                return (op, seen);
            }
            assert!(Instant::now() < deadline, "the operation did not end in time: {op}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The cache's shards, as the API names them.
    async fn endpoints(&self, name: &str) -> Vec<String> {
        let dp = self.data_plane(name).await;
        dp["endpoints"].as_array().expect("endpoints").iter().map(|e| e.as_str().unwrap().to_string()).collect()
    }
}

async fn connect(endpoint: &str) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://{endpoint}/")).unwrap();
    tokio::time::timeout(WAIT, client.get_multiplexed_async_connection()).await.expect("connect in time").unwrap()
}

async fn dbsize(conn: &mut MultiplexedConnection) -> u64 {
    redis::cmd("DBSIZE").query_async(conn).await.unwrap()
}

async fn pid(conn: &mut MultiplexedConnection) -> u32 {
    let text: String = redis::cmd("INFO").arg("server").query_async(conn).await.unwrap();
    text.lines().find_map(|l| l.trim().strip_prefix("process_id:")?.parse().ok()).expect("process_id")
}

fn kill9(pid: u32) {
    let ok = Command::new("kill").args(["-9", &pid.to_string()]).status().is_ok_and(|s| s.success());
    assert!(ok, "kill -9 {pid}");
}

/// A process that is gone and reaped leaves no /proc entry (a zombie would).
fn process_gone(pid: u32) -> bool {
    !PathBuf::from(format!("/proc/{pid}")).exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_replicates_real_data_and_the_unlinked_secondary_keeps_it() {
    if !have_redis("a_link_replicates_real_data_and_the_unlinked_secondary_keeps_it") {
        return;
    }
    let running = start(fleet_text()).await;
    let api = Api::new(&running);

    // The API names the real servers.
    let primary = api.cache("redis-eus").await;
    let p = &primary["properties"];
    let port = p["port"].as_u64().unwrap();
    assert_eq!(p["hostName"], "127.0.0.1");
    assert_eq!(p["enableNonSslPort"], true);
    assert_eq!(p["instances"][0]["nonSslPort"].as_u64(), Some(port));
    assert_eq!(p["dataPlane"]["endpoints"][0], format!("127.0.0.1:{port}"));
    let (pe, se) = (api.endpoints("redis-eus").await.remove(0), api.endpoints("redis-weu").await.remove(0));
    let (mut pc, mut sc) = (connect(&pe).await, connect(&se).await);
    assert_eq!(dbsize(&mut pc).await, 50_000);
    assert_eq!(dbsize(&mut sc).await, 1_000);
    assert_eq!(p["dataPlane"]["datasetKeys"], 50_000);
    assert!(p["dataPlane"]["usedMemoryBytes"].as_u64().unwrap() > 10_000_000);

    // Link: progress rises to 100.
    let op = api.link("redis-eus", "redis-weu").await;
    let (done, seen) = api.finish(&op).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "percentComplete went back: {seen:?}");
    assert_eq!(seen.last().copied(), Some(100.0), "{seen:?}");

    // The secondary now holds the primary's data, not its own, and refuses writes.
    assert_eq!(dbsize(&mut sc).await, 50_000);
    let own: bool = redis::cmd("EXISTS").arg("redis-weu:00000000").query_async(&mut sc).await.unwrap();
    assert!(!own, "linking must replace the secondary's data");
    let write: redis::RedisResult<()> = redis::cmd("SET").arg("on-secondary").arg("x").query_async(&mut sc).await;
    let err = write.expect_err("a linked secondary must refuse writes");
    assert_eq!(err.code(), Some("READONLY"), "{err}");
    let dp = api.data_plane("redis-weu").await;
    assert_eq!(dp["writable"], false);
    assert_eq!(dp["replicationLink"], "Connected", "{dp}");
    assert!(dp["replicationOffsetLagBytes"].is_u64(), "{dp}");
    assert!(dp["lastIoSecondsAgo"].is_u64(), "{dp}");
    assert_eq!(api.data_plane("redis-eus").await["replicationLink"], "Connected");

    // Every key written on the primary after the link reaches the secondary.
    let mut set = redis::cmd("MSET");
    for n in 0..1_000 {
        set.arg(format!("after-link:{n}")).arg(n);
    }
    set.query_async::<()>(&mut pc).await.unwrap();
    let keys: Vec<String> = (0..1_000).map(|n| format!("after-link:{n}")).collect();
    support::wait::eventually("the new keys on the secondary", WAIT, || {
        let mut sc = sc.clone();
        let keys = keys.clone();
        async move {
            let got: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query_async(&mut sc).await.unwrap();
            got.iter().enumerate().all(|(n, v)| *v == Some(n as u64))
        }
    })
    .await;
    support::wait::eventually("the API to count the new keys", WAIT, || async {
        api.data_plane("redis-weu").await["datasetKeys"] == 51_000
    })
    .await;

    // Unlink: the secondary keeps every key and takes writes again.
    let op = api.unlink("redis-eus", "redis-weu").await;
    let (done, _) = api.finish(&op).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(dbsize(&mut sc).await, 51_000);
    redis::cmd("SET").arg("on-secondary").arg("x").query_async::<()>(&mut sc).await.expect("writable after unlink");
    let dp = api.data_plane("redis-weu").await;
    assert_eq!(dp["writable"], true, "{dp}");
    assert!(dp.get("replicationLink").is_none(), "{dp}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clustered_pair_links_shard_by_shard() {
    if !have_redis("a_clustered_pair_links_shard_by_shard") {
        return;
    }
    let running = start(fleet_text()).await;
    let api = Api::new(&running);
    let cache = api.cache("redis-sharded-weu").await;
    let ports: Vec<u64> =
        cache["properties"]["instances"].as_array().unwrap().iter().filter_map(|i| i["nonSslPort"].as_u64()).collect();
    let (pe, se) = (api.endpoints("redis-sharded-eus").await, api.endpoints("redis-sharded-weu").await);
    assert_eq!((pe.len(), se.len()), (2, 2));
    for e in &se {
        let port: u64 = e.rsplit_once(':').unwrap().1.parse().unwrap();
        assert!(ports.contains(&port), "instances name shard {e}: {ports:?}");
    }

    let op = api.link("redis-sharded-eus", "redis-sharded-weu").await;
    let (done, _) = api.finish(&op).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    let mut total = 0;
    for (p, s) in pe.iter().zip(&se) {
        let (mut pc, mut sc) = (connect(p).await, connect(s).await);
        let n = dbsize(&mut pc).await;
        assert_eq!(dbsize(&mut sc).await, n, "shard {s} replicates {p}");
        total += n;
    }
    assert_eq!(total, 20_000);
    assert_eq!(api.data_plane("redis-sharded-weu").await["datasetKeys"], 20_000);
    let (done, _) = api.finish(&api.unlink("redis-sharded-eus", "redis-sharded-weu").await).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secondary_killed_during_a_link_fails_the_link_and_shows_failed() {
    if !have_redis("a_secondary_killed_during_a_link_fails_the_link_and_shows_failed") {
        return;
    }
    let running = start(fleet_text()).await;
    let api = Api::new(&running);
    let (pe, se) = (api.endpoints("redis-eus").await.remove(0), api.endpoints("redis-weu").await.remove(0));
    let (mut pc, mut sc) = (connect(&pe).await, connect(&se).await);
    // A slow snapshot (200 µs a key: 10 s for 50,000 keys) keeps the link running while the secondary dies.
    redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(200).query_async::<()>(&mut pc).await.unwrap();
    let op = api.link("redis-eus", "redis-weu").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api.operation(&op).await["status"], "InProgress");
    kill9(pid(&mut sc).await);

    let started = Instant::now();
    let (done, _) = api.finish(&op).await;
    assert!(started.elapsed() < Duration::from_secs(5), "reported after {:?}", started.elapsed());
    assert_eq!(done["status"], "Failed", "{done}");
    let message = done["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("redis-server of redis-weu") && message.contains("killed by signal 9"), "{message}");
    let secondary = api.cache("redis-weu").await;
    assert_eq!(secondary["properties"]["provisioningState"], "Failed", "{secondary}");
    assert!(secondary["properties"]["dataPlane"]["failure"].as_str().is_some_and(|f| f.contains("stopped")));
    // Nothing else broke: the primary answers, through the API and directly.
    assert_eq!(api.cache("redis-eus").await["properties"]["provisioningState"], "Succeeded");
    redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(0).query_async::<()>(&mut pc).await.unwrap();
    assert_eq!(dbsize(&mut pc).await, 50_000);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_killed_after_the_link_disconnects_it_and_unlink_still_works() {
    if !have_redis("a_primary_killed_after_the_link_disconnects_it_and_unlink_still_works") {
        return;
    }
    let running = start(fleet_text()).await;
    let api = Api::new(&running);
    let (pe, se) = (api.endpoints("redis-eus").await.remove(0), api.endpoints("redis-weu").await.remove(0));
    let (mut pc, mut sc) = (connect(&pe).await, connect(&se).await);
    let (done, _) = api.finish(&api.link("redis-eus", "redis-weu").await).await;
    assert_eq!(done["status"], "Succeeded", "{done}");

    kill9(pid(&mut pc).await);
    support::wait::eventually("the primary to show Failed", WAIT, || async {
        api.cache("redis-eus").await["properties"]["provisioningState"] == "Failed"
    })
    .await;
    support::wait::eventually("the link to show Disconnected", WAIT, || async {
        api.data_plane("redis-weu").await["replicationLink"] == "Disconnected"
    })
    .await;
    assert_eq!(dbsize(&mut sc).await, 50_000, "the secondary still serves what it has");

    // The secondary can be freed: it keeps its data and takes writes.
    let (done, _) = api.finish(&api.unlink("redis-eus", "redis-weu").await).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    redis::cmd("SET").arg("k").arg("v").query_async::<()>(&mut sc).await.expect("writable after unlink");
    assert_eq!(dbsize(&mut sc).await, 50_001);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_and_reaps_every_child() {
    if !have_redis("shutdown_stops_and_reaps_every_child") {
        return;
    }
    let running = start(fleet_text()).await;
    let api = Api::new(&running);
    let mut pids = Vec::new();
    for name in ["redis-eus", "redis-weu", "redis-sharded-eus", "redis-sharded-weu"] {
        for e in api.endpoints(name).await {
            pids.push(pid(&mut connect(&e).await).await);
        }
    }
    assert_eq!(pids.len(), 6);
    running.shutdown().await;
    for pid in pids {
        assert!(process_gone(pid), "redis-server {pid} is still there (running or a zombie) after shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_named_in_the_fleet_is_used_as_it_is() {
    if !have_redis("an_endpoint_named_in_the_fleet_is_used_as_it_is") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let external = RedisServer::start(Path::new("redis-server"), dir.path()).await.expect("a redis-server of our own");
    let mut ec = connect(&external.endpoint.to_string()).await;
    redis::cmd("SET").arg("mine").arg("kept").query_async::<()>(&mut ec).await.unwrap();
    let mut fleet: Value = serde_json::from_str(&fleet_text()).unwrap();
    fleet["caches"][1]["endpoints"] = json!([external.endpoint.to_string()]);
    let running = start(fleet.to_string()).await;
    let api = Api::new(&running);

    let cache = api.cache("redis-weu").await;
    assert_eq!(cache["properties"]["port"].as_u64(), Some(u64::from(external.endpoint.port)));
    // georep does not write into a server it did not start.
    assert_eq!(dbsize(&mut ec).await, 1);
    let (done, _) = api.finish(&api.link("redis-eus", "redis-weu").await).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(dbsize(&mut ec).await, 50_000);
    let (done, _) = api.finish(&api.unlink("redis-eus", "redis-weu").await).await;
    assert_eq!(done["status"], "Succeeded", "{done}");

    // ... nor stops it.
    running.shutdown().await;
    let pong: String = redis::cmd("PING").query_async(&mut ec).await.expect("still running after the emulator stopped");
    assert_eq!(pong, "PONG");
    external.stop();
}

#[tokio::test]
async fn a_missing_redis_server_names_the_package_to_install() {
    let options = RedisOptions { binary: PathBuf::from("/nonexistent/redis-server"), ..RedisOptions::default() };
    let err = Emulator::with_data_plane(Config::default(), &DataPlaneChoice::Redis(options)).err().expect("an error");
    let message = err.to_string();
    assert!(message.contains("apt-get install redis-server"), "{message}");
}

#[test]
fn serve_stops_and_reaps_its_children_on_sigterm() {
    if !have_redis("serve_stops_and_reaps_its_children_on_sigterm") {
        return;
    }
    use std::io::{BufRead, BufReader};
    let fleet = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleets/redis-pair.json");
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(["serve", "--data-plane", "redis", "--listen", "127.0.0.1:0", "--fleet"])
        .arg(&fleet)
        .arg("--log")
        .arg(log.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("georep serve");
    let serve_pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // "georep serve: starting ...", then "... emulator on http://127.0.0.1:PORT (...".
    let url = lines
        .by_ref()
        .take(5)
        .map_while(Result::ok)
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_string))
        .expect("the serve line with its URL");
    // Children are listed under the thread that started them.
    let all_children: Vec<u32> = std::fs::read_dir(format!("/proc/{serve_pid}/task"))
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .flat_map(|s| s.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect();
    assert!(all_children.len() >= 6, "six redis-servers under georep serve at {url}: {all_children:?}");
    assert!(Command::new("kill").args(["-TERM", &serve_pid.to_string()]).status().unwrap().success());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "georep serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "georep serve exited with {status}");
    for pid in all_children {
        assert!(process_gone(pid), "redis-server {pid} outlived georep serve");
    }
}
