//! Azure Monitor metrics on the emulator over real HTTP (`GET {cacheId}/providers/Microsoft.Insights/
//! metrics`): the demo fleet's link has a day of history from the start, each side emits the metrics the
//! docs give it, a new link's full sync shows per shard, and bad queries get the spec's error shape.
//! In-process emulators on 127.0.0.1:0; every wait is a bounded poll.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use georep::arm::ResourceId;
use georep::arm::metrics::Response;
use georep::client::{ArmClient, MetricsQuery};
use georep::emulator::{Config, Running};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const GEO: [&str; 5] = [
    "GeoReplicationHealthy",
    "GeoReplicationConnectivityLag",
    "GeoReplicationDataSyncOffset",
    "GeoReplicationFullSyncEventStarted",
    "GeoReplicationFullSyncEventFinished",
];

fn cache(rg: &str, name: &str) -> ResourceId {
    ResourceId::cache(SUB, rg, name)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

async fn get(running: &Running, id: &ResourceId, query: &str) -> (StatusCode, Value) {
    let url = format!("{}{id}/providers/Microsoft.Insights/metrics?{query}", running.url());
    let r = http().get(url).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

fn last_day(names: &[&str], interval: &str) -> MetricsQuery {
    MetricsQuery::per_shard(names, Utc::now(), chrono::Duration::hours(24), interval)
}

fn total(resp: &Response, metric: &str, shard: &str) -> f64 {
    let m = resp.metric(metric).unwrap();
    let series = m.timeseries.iter().find(|t| t.dimension("shardid") == Some(shard));
    series.map_or(0.0, |s| s.data.iter().filter_map(|p| p.total).sum())
}

#[tokio::test]
async fn the_demo_link_has_a_day_of_history_on_the_side_that_emits_each_metric() {
    let running = support::emulator::start(Config::default()).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    let (primary, secondary) = (
        cache("rg-contoso-inventory", "contoso-inventory-eus"),
        cache("rg-contoso-inventory", "contoso-inventory-weu"),
    );
    let mut q = last_day(&GEO, "PT1H");
    q.aggregations = vec!["average".into(), "maximum".into(), "total".into()];
    let on_secondary = client.metrics(&secondary, &q).await.unwrap();
    let on_primary = client.metrics(&primary, &q).await.unwrap();
    assert_eq!(on_secondary.value.len(), 5);
    assert_eq!(on_secondary.interval.as_deref(), Some("PT1H"));
    assert_eq!(on_secondary.resource_region.as_deref(), Some("westeurope"));
    // Offset only on the primary; the rest only on the secondary.
    assert!(on_secondary.metric("GeoReplicationDataSyncOffset").unwrap().timeseries.is_empty());
    assert!(on_primary.metric("GeoReplicationHealthy").unwrap().timeseries.is_empty());
    assert_eq!(on_primary.metric("GeoReplicationDataSyncOffset").unwrap().timeseries.len(), 1);
    // The link's creation some 20 hours ago: one full sync, started and finished.
    assert_eq!(total(&on_secondary, "GeoReplicationFullSyncEventStarted", "0"), 1.0);
    assert_eq!(total(&on_secondary, "GeoReplicationFullSyncEventFinished", "0"), 1.0);
    // Healthy since: the last complete hours read 1, and the lag stays small.
    let healthy = &on_secondary.metric("GeoReplicationHealthy").unwrap().timeseries[0].data;
    assert!(healthy.len() >= 24, "{}", healthy.len());
    let recent = &healthy[healthy.len() - 4..healthy.len() - 1];
    assert!(recent.iter().all(|p| p.average == Some(1.0)), "{recent:?}");
    let lag = &on_secondary.metric("GeoReplicationConnectivityLag").unwrap().timeseries[0].data;
    assert!(lag[lag.len() - 2].maximum.unwrap() <= 1.0);
    // The offset fell from the whole dataset during the sync to a few bytes.
    let offset = &on_primary.metric("GeoReplicationDataSyncOffset").unwrap().timeseries[0].data;
    let peak = offset.iter().filter_map(|p| p.maximum).fold(0.0, f64::max);
    assert!(peak >= 900e6, "{peak}");
    assert!(offset[offset.len() - 2].maximum.unwrap() < 100.0);
    // Before the link existed nothing was emitted.
    assert_eq!(healthy[0].average, None);
    running.shutdown().await;
}

#[tokio::test]
async fn a_new_link_shows_its_full_sync_per_shard_and_the_load_of_every_cache() {
    // 600 model seconds a real second: a model minute every 100 ms.
    let running = support::emulator::start(Config { time_scale: 600.0, ..Default::default() }).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    let (primary, secondary) =
        (cache("rg-contoso-orders", "contoso-orders-neu"), cache("rg-contoso-orders", "contoso-orders-uks"));
    let (_, lro) = client.create_link(&primary, &secondary, "UK South").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let q = last_day(&GEO, "PT15M");
    let resp = loop {
        let _ = client.poll(&lro).await;
        let resp = client.metrics(&secondary, &q).await.unwrap();
        let done = resp.metric("GeoReplicationFullSyncEventFinished").unwrap();
        if done.timeseries.len() == 3
            && (0..3).all(|s| total(&resp, "GeoReplicationFullSyncEventFinished", &s.to_string()) >= 1.0)
        {
            break resp;
        }
        assert!(Instant::now() < deadline, "no full sync finished in time: {resp:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for shard in ["0", "1", "2"] {
        assert_eq!(total(&resp, "GeoReplicationFullSyncEventStarted", shard), 1.0);
        assert_eq!(total(&resp, "GeoReplicationFullSyncEventFinished", shard), 1.0);
    }
    let on_primary = client.metrics(&primary, &last_day(&["GeoReplicationDataSyncOffset"], "PT1M")).await.unwrap();
    let series = &on_primary.value[0].timeseries;
    assert_eq!(series.len(), 3, "one series per shard");
    // During the sync each shard had its third of 12 GB waiting.
    let peak = series[1].data.iter().filter_map(|p| p.average).fold(0.0, f64::max);
    assert!(peak > 1e9, "{peak}");
    // Load, on every cache: one series without a filter, summed over the shards.
    let mut load = last_day(&["cacheWrite", "UsedMemory"], "PT1H");
    load.filter = None;
    let load = client.metrics(&primary, &load).await.unwrap();
    let used = &load.metric("usedmemory").unwrap().timeseries;
    assert_eq!(used.len(), 1);
    assert!(used[0].metadata_values.is_empty());
    assert_eq!(load.metric("usedmemory").unwrap().unit, "Bytes");
    assert_eq!(load.metric("cacheWrite").unwrap().unit, "BytesPerSecond");
    // The newest hour with a minute recorded (in the first minute of an hour, the last point has none).
    let memory = used[0].data.iter().rev().find_map(|p| p.average).unwrap();
    assert!((3.9e9..4.1e9).contains(&memory), "per shard: 12 GB over 3, got {memory}");
    running.shutdown().await;
}

#[tokio::test]
async fn one_shard_and_the_sdk_api_version_are_served() {
    let running = support::emulator::start(Config::default()).await;
    let id = cache("rg-contoso-orders", "contoso-orders-neu");
    let (status, body) =
        get(&running, &id, "api-version=2024-02-01&metricnames=usedmemory&interval=FULL&$filter=ShardId eq '2'").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let series = body["value"][0]["timeseries"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(
        series[0]["metadatavalues"],
        json!([{"name": {"value": "shardid", "localizedValue": "shardid"}, "value": "2"}])
    );
    assert_eq!(series[0]["data"].as_array().unwrap().len(), 1, "FULL: one point");
    assert_eq!(body["namespace"], "Microsoft.Cache/redis");
    running.shutdown().await;
}

#[tokio::test]
async fn bad_queries_get_the_arm_error_shape() {
    let running = support::emulator::start(Config::default()).await;
    let id = cache("rg-contoso-prod", "contoso-prod-eus");
    let cases = [
        ("api-version=2023-10-01&metricnames=GeoReplicationNope", "GeoReplicationNope"),
        ("api-version=2023-10-01&metricnames=usedmemory&timespan=yesterday", "invalid time interval"),
        ("api-version=2023-10-01&metricnames=usedmemory&timespan=2026-01-02T00:00:00Z/2026-01-01T00:00:00Z", "after"),
        ("api-version=2023-10-01&metricnames=usedmemory&interval=PT30S", "PT30S"),
        ("api-version=2023-10-01&metricnames=usedmemory&aggregation=median", "median"),
        ("api-version=2023-10-01&metricnames=usedmemory&$filter=Port eq '6380'", "ShardId"),
        ("api-version=2023-10-01", "metricnames"),
        ("api-version=2024-11-01&metricnames=usedmemory", "2023-10-01"),
    ];
    for (query, says) in cases {
        let (status, body) = get(&running, &id, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
        assert!(message.contains(says), "{query}: {message}");
    }
    let missing = cache("rg-contoso-prod", "no-such-cache");
    let (status, body) = get(&running, &missing, "api-version=2023-10-01&metricnames=usedmemory").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("ResourceNotFound")));
    let url = format!("{}{id}/providers/Microsoft.Insights/metrics?api-version=2023-10-01", running.url());
    let r = http().post(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Through the client: an ARM error with the code.
    let client = ArmClient::new(&running.url(), None).unwrap();
    let err = client.metrics(&id, &last_day(&["Nope"], "PT1M")).await.unwrap_err();
    assert!(err.to_string().contains("Nope"), "{err}");
    running.shutdown().await;
}

/// Whether redis-server can run; panics when `GEOREP_REQUIRE_REDIS=1` and it cannot.
fn have_redis(test: &str) -> bool {
    let ok = std::process::Command::new("redis-server")
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let required = std::env::var("GEOREP_REQUIRE_REDIS").is_ok_and(|v| v == "1");
        assert!(!required, "GEOREP_REQUIRE_REDIS=1 but redis-server is not on PATH");
        eprintln!("{test}: skipped: redis-server is not on PATH (apt-get install redis-server)");
    }
    ok
}

#[tokio::test]
async fn on_real_redis_the_metrics_come_from_info_per_shard() {
    if !have_redis("on_real_redis_the_metrics_come_from_info_per_shard") {
        return;
    }
    let fleet =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fleets/redis-pair.json")).unwrap();
    // A model minute every 100 ms, so that the history gets minutes while the test runs.
    let config = Config { fleet, time_scale: 600.0, ..Default::default() };
    let running = support::emulator::start_redis(config, Duration::from_secs(30)).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    let sub = "33333333-0000-0000-0000-000000000003";
    let (primary, secondary) = (
        ResourceId::cache(sub, "rg-redis", "redis-sharded-eus"),
        ResourceId::cache(sub, "rg-redis", "redis-sharded-weu"),
    );
    let (_, lro) = client.create_link(&primary, &secondary, "West Europe").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut q = MetricsQuery::per_shard(&GEO, Utc::now(), chrono::Duration::hours(1), "PT1M");
    q.aggregations = vec!["average".into(), "total".into()];
    loop {
        let _ = client.poll(&lro).await;
        q.end = Utc::now();
        let resp = client.metrics(&secondary, &q).await.unwrap();
        let healthy = &resp.metric("GeoReplicationHealthy").unwrap().timeseries;
        let up = healthy.len() == 2
            && healthy.iter().all(|t| t.data.iter().rev().find_map(|p| p.average).is_some_and(|v| v == 1.0));
        let synced = (0..2).all(|s| total(&resp, "GeoReplicationFullSyncEventStarted", &s.to_string()) >= 1.0);
        if up && synced {
            break;
        }
        assert!(Instant::now() < deadline, "the real link never read healthy with a full sync: {resp:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    q.names = vec!["GeoReplicationDataSyncOffset".into(), "usedmemory".into()];
    let on_primary = client.metrics(&primary, &q).await.unwrap();
    let offset = &on_primary.metric("GeoReplicationDataSyncOffset").unwrap().timeseries;
    assert_eq!(offset.len(), 2, "one series per shard");
    let used = &on_primary.metric("usedmemory").unwrap().timeseries;
    let last = used[0].data.iter().rev().find_map(|p| p.average).unwrap();
    assert!(last > 1e6, "used_memory of a shard holding 2 MB: {last}");
    running.shutdown().await;
}
