//! Faults on the real data plane (`--data-plane redis`): an unlink that fails on one shard of a
//! clustered cache is rolled back on the others; a `kill -9` of `georep serve` leaves no redis-server
//! behind once the next run on the same state has stopped.
//!
//! Like tests/redis_data_plane.rs these need `redis-server` on PATH: without it they print why and pass
//! as skipped, unless `GEOREP_REQUIRE_REDIS=1` (as .ci/run sets), when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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
    let config = Config { fleet, ..Default::default() };
    let emu = Emulator::with_data_plane(config, &DataPlaneChoice::Redis(RedisOptions::default()))
        .expect("the real data plane");
    tokio::time::timeout(WAIT, emu.bind("127.0.0.1:0".parse().unwrap()))
        .await
        .expect("start-up in time")
        .expect("start-up")
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
