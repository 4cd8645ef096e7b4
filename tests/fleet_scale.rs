//! The fleet at scale: `georep caches list` through Resource Graph (and its fallback) against
//! `georep serve --synthetic-fleet`, requests counted from `--access-log`; ARM's read limits in the
//! emulator (remaining-reads header, 429 with Retry-After past the bucket, writes not counted) and the
//! client slowing down before it is throttled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;
mod support;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use cli_support::{Serve, georep};
use georep::arm::ResourceId;
use georep::client::ArmClient;
use georep::emulator::{Config, ReadLimit};
use serde_json::Value;
use support::emulator::start;

/// The access log's lines once there are at least `n` (bounded wait: lines are written off the
/// request path).
fn log_lines(path: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let lines: Vec<String> =
            std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect();
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ids(run: &cli_support::Run) -> HashSet<String> {
    run.json().as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_ascii_lowercase()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_list_is_one_resource_graph_query_and_falls_back_to_the_lists() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let serve = Serve::start(1.0, &["--synthetic-fleet", "2500:25", "--access-log", log.to_str().unwrap()]);
    let url = serve.url.as_str();

    let graph = georep(&["caches", "list", "--endpoint", url, "-o", "json"], &[]).await;
    let all = ids(graph.ok());
    assert_eq!(all.len(), 2_500);
    let lines = log_lines(&log, 4);
    let queries =
        lines.iter().filter(|l| l.contains(" POST /providers/Microsoft.ResourceGraph/resources 200 ")).count();
    assert_eq!((lines.len(), queries), (4, 3), "the subscriptions, then 3 pages of 1,000:\n{}", lines.join("\n"));
    assert!(lines[0].contains(" GET /subscriptions 200 ") && lines[0].ends_with(" sub=-"), "{}", lines[0]);

    // The lists: the same caches, in (at least) a request per subscription.
    let lists = georep(&["caches", "list", "--endpoint", url, "-o", "json", "--no-resource-graph"], &[]).await;
    assert_eq!(ids(lists.ok()), all);
    let lines = log_lines(&log, 4 + 26);
    let per_sub: HashSet<&str> = lines[4..]
        .iter()
        .filter(|l| l.contains("/providers/Microsoft.Cache/redis 200 "))
        .filter_map(|l| l.rsplit(" sub=").next())
        .collect();
    assert_eq!(per_sub.len(), 25, "{}", lines[4..].join("\n"));

    // --subscription, repeated: those only.
    let subs: Vec<String> = all.iter().filter_map(|id| ResourceId::parse(id).ok()).map(|i| i.subscription).collect();
    let (a, b) = (subs[0].clone(), subs.iter().find(|s| **s != subs[0]).unwrap().clone());
    let two =
        georep(&["caches", "list", "--endpoint", url, "-o", "json", "--subscription", &a, "--subscription", &b], &[])
            .await;
    let two = ids(two.ok());
    let want: HashSet<String> = all.iter().filter(|id| id.contains(&a) || id.contains(&b)).cloned().collect();
    assert_eq!(two, want);
    assert!(!two.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_past_the_bucket_get_429_and_the_client_slows_down_before() {
    const SUB: &str = cli_support::SUB;
    let limit = ReadLimit { reads: 40, per_second: 25.0 };
    let list = format!("/subscriptions/{SUB}/providers/Microsoft.Cache/redis?api-version=2024-11-01");

    // A client that does not pace itself runs the bucket dry.
    let run = start(Config { read_limit: Some(limit), ..Config::default() }).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let answers = futures::future::join_all((0..100).map(|_| http.get(format!("{}{list}", run.url())).send())).await;
    let answers: Vec<reqwest::Response> = answers.into_iter().map(Result::unwrap).collect();
    let left = |r: &reqwest::Response| {
        r.headers()["x-ms-ratelimit-remaining-subscription-reads"].to_str().unwrap().parse::<u32>().unwrap()
    };
    assert!(answers.iter().filter(|r| r.status() == 200).all(|r| left(r) < 40));
    let throttled =
        answers.into_iter().find(|r| r.status() == 429).expect("a 429 within 100 reads at once from a bucket of 40");
    assert_eq!(left(&throttled), 0);
    assert!(throttled.headers()["retry-after"].to_str().unwrap().parse::<u32>().unwrap() >= 1);
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SubscriptionRequestsThrottled");
    // Tenant-level reads have their own bucket, and writes are not reads.
    let tenant = http.get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await.unwrap();
    assert_eq!(tenant.status(), 200);
    assert!(tenant.headers().contains_key("x-ms-ratelimit-remaining-tenant-reads"));
    let link = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-contoso-prod/providers/Microsoft.Cache/redis/contoso-prod-eus/linkedServers/contoso-dr-weu?api-version=2024-11-01"
    );
    let body = serde_json::json!({"properties": {
        "linkedRedisCacheId": format!("/subscriptions/{SUB}/resourceGroups/rg-contoso-dr/providers/Microsoft.Cache/Redis/contoso-dr-weu"),
        "linkedRedisCacheLocation": "West Europe",
        "serverRole": "Secondary",
    }});
    let put = http.put(format!("{}{link}", run.url())).json(&body).send().await.unwrap();
    assert_eq!(put.status(), 201, "a write while reads are throttled");
    assert!(!put.headers().contains_key("x-ms-ratelimit-remaining-subscription-reads"));
    run.shutdown().await;

    // georep's client, on a fresh bucket, spaces its reads out and is never throttled.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let config = Config { read_limit: Some(limit), access_log: Some(log.clone()), ..Config::default() };
    let run = start(config).await;
    let client = ArmClient::new(&run.url(), None).unwrap();
    let id = ResourceId::cache(SUB, "rg-contoso-prod", "contoso-prod-eus");
    let started = Instant::now();
    for _ in 0..80 {
        client.get_cache(&id).await.unwrap();
    }
    let took = started.elapsed();
    let lines = log_lines(&log, 80);
    assert_eq!(lines.len(), 80, "one line per request, counted from the access log");
    let statuses: Vec<&str> = lines.iter().map(|l| l.split(' ').nth(3).unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == "200"), "never throttled: {statuses:?}");
    assert!(took > Duration::from_millis(800), "80 reads from a bucket of 40 at 25/s take time: {took:?}");
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_fleet_and_limit_specs_are_usage_errors() {
    for (args, says) in [
        (&["--synthetic-fleet", "10:20"][..], "20 subscriptions"),
        (&["--synthetic-fleet", "lots"][..], "CACHES:SUBSCRIPTIONS"),
        (&["--synthetic-fleet", "10:2", "--fleet", "x.json"][..], "cannot be used with"),
        (&["--read-limit", "0:25"][..], "must be positive"),
    ] {
        let mut argv = vec!["serve", "--listen", "127.0.0.1:0"];
        argv.extend_from_slice(args);
        let run = georep(&argv, &[]).await;
        run.code(2);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_a_synthetic_fleet_starts_with_in_progress_finish() {
    use georep::emulator::synthetic::{SyntheticSpec, generate};
    // A small fleet (its metrics history is built at start) with a link being made: the first seed
    // that gives one.
    let fleet = (1..200)
        .map(|seed| generate(SyntheticSpec { caches: 300, subscriptions: 3, seed }))
        .find(|text| !georep::emulator::fleet::load(text).unwrap().linking.is_empty())
        .expect("a seed with a link in progress");
    let emu =
        georep::emulator::Emulator::simulated(Config { fleet, time_scale: 5_000.0, ..Config::default() }).unwrap();
    // Before it runs: both caches of each such link are Linking.
    let state = emu.snapshot();
    let linking: Vec<_> = state.operations.iter().map(|o| o.primary.clone()).collect();
    assert!(!linking.is_empty(), "the fleet starts with links being made");
    for op in &state.operations {
        for id in [&op.primary, &op.secondary] {
            let shown = state.render(state.cache(id).unwrap());
            assert_eq!(shown.properties.provisioning_state.unwrap().as_str(), "Linking");
        }
    }
    let run = emu.bind(support::emulator::loopback()).await.unwrap();
    let client = ArmClient::new(&run.url(), None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &linking {
        loop {
            let cache = client.get_cache(id).await.unwrap();
            let state = cache.properties.provisioning_state.as_ref().map(|s| s.as_str().to_string());
            if state.as_deref() == Some("Succeeded") {
                assert_eq!(cache.properties.linked_servers.as_ref().map(Vec::len), Some(1));
                break;
            }
            assert!(Instant::now() < deadline, "{} is still {state:?}", id.name);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    run.shutdown().await;
}
