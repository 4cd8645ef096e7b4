//! Faults on the real data plane (`--data-plane redis`): an unlink that fails on one shard of a
//! clustered cache is rolled back on the others; a `kill -9` of `georep serve` leaves no redis-server
//! behind once the next run on the same state has stopped.
//!
//! Like tests/redis_data_plane.rs these need `redis-server` on PATH: without it they print why and pass
//! as skipped, unless `GEOREP_REQUIRE_REDIS=1` (as .ci/run sets), when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use georep::emulator::{Config, DataPlaneChoice, Emulator, RedisOptions, Running};
use redis::aio::MultiplexedConnection;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const API: &str = "2024-11-01";
const SUB: &str = "33333333-0000-0000-0000-000000000003";
const RG: &str = "rg-redis";
/// The longest any one thing may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

fn have_redis(test: &str) -> bool {
    let ok =
        Command::new("redis-server").arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("GEOREP_REQUIRE_REDIS").as_deref() != Ok("1"),
            "GEOREP_REQUIRE_REDIS=1 but redis-server is not on PATH: apt-get install redis-server"
        );
        eprintln!("{test}: skipped: redis-server is not on PATH (apt-get install redis-server)");
    }
    ok
}

fn fleet_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleets/redis-pair.json")
}

async fn start() -> Running {
    let fleet = std::fs::read_to_string(fleet_path()).expect("fixture fleet");
    support::emulator::start_redis(Config { fleet, ..Default::default() }, WAIT).await
}

fn http() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

fn cache_url(base: &str, name: &str) -> String {
    format!("{base}/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redis/{name}")
}

async fn get(url: &str) -> Value {
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {url}");
    r.json().await.unwrap()
}

/// The cache's shards, as the API names them.
async fn endpoints(base: &str, name: &str) -> Vec<String> {
    let cache = get(&format!("{}?api-version={API}", cache_url(base, name))).await;
    let dp = &cache["properties"]["dataPlane"]["endpoints"];
    dp.as_array().expect("endpoints").iter().map(|e| e.as_str().unwrap().to_string()).collect()
}

/// Sends a link (PUT) or unlink (DELETE) and polls its operation to the end.
async fn operation(base: &str, put: bool, primary: &str, secondary: &str) -> Value {
    let url = format!("{}/linkedServers/{secondary}?api-version={API}", cache_url(base, primary));
    let r = if put {
        let id = format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/Redis/{secondary}");
        let body = json!({"properties": {
            "linkedRedisCacheId": id, "linkedRedisCacheLocation": "West Europe", "serverRole": "Secondary"
        }});
        http().put(&url).json(&body).send().await.unwrap()
    } else {
        http().delete(&url).send().await.unwrap()
    };
    assert!(r.status() == StatusCode::CREATED || r.status() == StatusCode::ACCEPTED, "{}", r.status());
    let op = r.headers()["azure-asyncoperation"].to_str().unwrap().to_string();
    let deadline = Instant::now() + WAIT;
    loop {
        let body = get(&op).await;
        if body["status"] != "InProgress" {
            return body;
        }
        assert!(Instant::now() < deadline, "the operation did not end in time: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connect(endpoint: &str) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://{endpoint}/")).unwrap();
    tokio::time::timeout(WAIT, client.get_multiplexed_async_connection()).await.expect("connect in time").unwrap()
}

async fn replication(conn: &mut MultiplexedConnection) -> String {
    redis::cmd("INFO").arg("replication").query_async(conn).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlink_that_fails_on_one_shard_links_the_others_again() {
    if !have_redis("an_unlink_that_fails_on_one_shard_links_the_others_again") {
        return;
    }
    let running = start().await;
    let base = running.url();
    let (p, s) = ("redis-sharded-eus", "redis-sharded-weu");
    let done = operation(&base, true, p, s).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    let (pe, se) = (endpoints(&base, p).await, endpoints(&base, s).await);
    assert_eq!((pe.len(), se.len()), (2, 2));

    // Shard 1 of the secondary refuses REPLICAOF: the unlink detaches shard 0, then fails on shard 1.
    let mut shard1 = connect(&se[1]).await;
    redis::cmd("ACL").arg("SETUSER").arg("default").arg("-replicaof").query_async::<()>(&mut shard1).await.unwrap();
    let done = operation(&base, false, p, s).await;
    assert_eq!(done["status"], "Failed", "{done}");
    let message = done["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("shard 0") && message.contains("linked again"), "{message}");
    assert!(message.contains("shard 1") && message.contains("could not be detached"), "{message}");

    // The link stands, and so does every shard of it: shard 0 replicates its primary shard again.
    let links = get(&format!("{}/linkedServers?api-version={API}", cache_url(&base, p))).await;
    assert_eq!(links["value"][0]["properties"]["provisioningState"], "Succeeded", "{links}");
    let primary_port = pe[0].rsplit_once(':').unwrap().1;
    let mut shard0 = connect(&se[0]).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let info = replication(&mut shard0).await;
        let ours = info.contains("role:slave") && info.contains(&format!("master_port:{primary_port}"));
        if ours && info.contains("master_link_status:up") {
            break;
        }
        assert!(Instant::now() < deadline, "shard 0 of {s} was left detached: {info}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Once shard 1 takes REPLICAOF again, the unlink goes through.
    redis::cmd("ACL").arg("SETUSER").arg("default").arg("+replicaof").query_async::<()>(&mut shard1).await.unwrap();
    let done = operation(&base, false, p, s).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    for e in &se {
        assert!(replication(&mut connect(e).await).await.contains("role:master"), "{e} is still a replica");
    }
    running.shutdown().await;
}

/// A process that runs (not gone, not a zombie waiting to be reaped).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

/// Waits until none of `pids` runs.
fn all_stop(pids: &[u32], what: &str) {
    let deadline = Instant::now() + WAIT;
    while pids.iter().any(|p| running(*p)) {
        let left: Vec<_> = pids.iter().filter(|p| running(**p)).collect();
        assert!(Instant::now() < deadline, "{what}: redis-servers {left:?} still run");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `georep serve` child, killed (SIGKILL) if the test ends without stopping it.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `georep serve --data-plane redis` on `state`, with its redis-servers up; returns it and their pids.
fn serve_redis(dir: &Path, state: &Path) -> (Serve, Vec<u32>) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(["serve", "--data-plane", "redis", "--listen", "127.0.0.1:0", "--fleet"])
        .arg(fleet_path())
        .arg("--state")
        .arg(state)
        .arg("--log")
        .arg(dir.join("serve.log"))
        .env_remove("GEOREP_SERVE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("georep serve");
    let serve_pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let child = Serve(child);
    let mut lines = BufReader::new(stdout).lines();
    // "georep serve: starting ...", then "... emulator on http://127.0.0.1:PORT (...": up and serving.
    let url = lines.by_ref().take(5).map_while(Result::ok).find(|l| l.contains("http://"));
    assert!(url.is_some(), "georep serve did not come up");
    let children: Vec<u32> = std::fs::read_dir(format!("/proc/{serve_pid}/task"))
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .flat_map(|s| s.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect();
    assert_eq!(children.len(), 6, "six redis-servers under georep serve: {children:?}");
    (child, children)
}

/// The pids a run recorded next to its state file.
fn recorded(record: &Path) -> Vec<u32> {
    let v: Value = serde_json::from_slice(&std::fs::read(record).expect("the record of redis-servers")).unwrap();
    v["children"].as_array().unwrap().iter().map(|c| c["pid"].as_u64().unwrap() as u32).collect()
}

#[test]
fn kill_9_of_serve_leaves_no_redis_server_once_the_next_run_stops() {
    if !have_redis("kill_9_of_serve_leaves_no_redis_server_once_the_next_run_stops") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let record = dir.path().join("state.json.redis-children.json");

    let (mut first, first_pids) = serve_redis(dir.path(), &state);
    let mut listed = recorded(&record);
    listed.sort();
    let mut sorted = first_pids.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "the record names every redis-server of the run");
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    let (mut second, second_pids) = serve_redis(dir.path(), &state);
    assert!(second_pids.iter().all(|p| !first_pids.contains(p)));
    all_stop(&first_pids, "the first run's, after the second started");
    assert!(Command::new("kill").args(["-TERM", &second.0.id().to_string()]).status().unwrap().success());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = second.0.try_wait().unwrap() {
            break status;
        }
        let log = || std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "georep serve did not stop on SIGTERM: {}", log());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    all_stop(&first_pids, "the first run's");
    all_stop(&second_pids, "the second run's");
    assert!(!record.exists(), "the record outlived a clean stop");
}

/// What a previous run recorded and still runs is stopped at start, after checking it is that
/// redis-server; a recorded pid that is now another program is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_previous_runs_survivors_are_stopped_and_nothing_else() {
    if !have_redis("a_previous_runs_survivors_are_stopped_and_nothing_else") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let old_dir = dir.path().join("georep-redis-old");
    std::fs::create_dir(&old_dir).unwrap();
    // A survivor: a redis-server as georep starts them, but not a child of this emulator.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let survivor = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--daemonize", "no", "--save", ""])
        .arg("--dir")
        .arg(&old_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let bystander = Command::new("sleep").arg("60").spawn().unwrap();
    let (survivor_pid, bystander_pid) = (survivor.id(), bystander.id());
    // Stopped whatever happens (the emulator should stop the survivor; a failing test must not leave it).
    struct Reap(std::process::Child, std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            for c in [&mut self.0, &mut self.1] {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut children = Reap(survivor, bystander);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let deadline = Instant::now() + WAIT;
    while client.get_multiplexed_async_connection().await.is_err() {
        assert!(Instant::now() < deadline, "the survivor never answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let record = json!({
        "dir": old_dir,
        "children": [{"pid": survivor_pid, "port": port}, {"pid": bystander_pid, "port": 1}],
    });
    let record_path = dir.path().join("state.json.redis-children.json");
    std::fs::write(&record_path, record.to_string()).unwrap();

    let fleet = std::fs::read_to_string(fleet_path()).unwrap();
    let config = Config { fleet, state_file: Some(state.clone()), ..Default::default() };
    let emu = Emulator::with_data_plane(config, &DataPlaneChoice::Redis(RedisOptions::default())).unwrap();
    let running = tokio::time::timeout(WAIT, emu.bind("127.0.0.1:0".parse().unwrap())).await.unwrap().unwrap();
    let deadline = Instant::now() + WAIT;
    while children.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the previous run's redis-server still runs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(children.1.try_wait().unwrap().is_none(), "a process that is not our redis-server was signalled");
    assert!(!old_dir.exists(), "the previous run's data directory is still there");
    assert_eq!(recorded(&record_path).len(), 6, "the record now names this run's servers");
    running.shutdown().await;
    assert!(!record_path.exists());
}
