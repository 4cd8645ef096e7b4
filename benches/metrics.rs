//! A metrics query of 24 h x 5 geo-replication metrics x 10 shards (`$filter=ShardId eq '*'`), answered
//! by the emulator (simulated data plane, a 10-shard linked pair whose day of history is made up at
//! start), measured two ways:
//! - `handler/*`: the emulator's router called in-process (`tower::ServiceExt::oneshot`): routing, the
//!   query, the aggregation over the rings and the JSON body, without sockets;
//! - `http/*`: a full HTTP round trip with reqwest over a keep-alive loopback connection, body read.
//!
//! Intervals: PT15M (the console's 24 h chart, 96 points a series), PT1H (24), PT1M (1,440: the whole
//! ring, 72,000 points). `cargo bench --bench metrics`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::body::Body;
use chrono::{SecondsFormat, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use georep::emulator::{Config, Emulator};
use tower::ServiceExt;

const SUB: &str = "44444444-0000-0000-0000-000000000004";

fn fleet() -> String {
    let cache = |name: &str, location: &str| {
        serde_json::json!({"subscription": SUB, "resourceGroup": "rg-bench", "name": name, "location": location,
            "tier": "Premium", "capacity": 3, "shardCount": 10, "redisVersion": "6.0",
            "datasetBytes": 20_000_000_000u64, "datasetKeys": 10_000_000})
    };
    serde_json::json!({
        "subscriptions": [{"subscriptionId": SUB, "displayName": "bench"}],
        "caches": [cache("bench-eus", "East US"), cache("bench-weu", "West Europe")],
        "links": [{"primary": "bench-eus", "secondary": "bench-weu"}],
    })
    .to_string()
}

fn path(interval: &str) -> String {
    let end = Utc::now();
    let start = end - chrono::Duration::hours(24);
    let t = |d: chrono::DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        "/subscriptions/{SUB}/resourceGroups/rg-bench/providers/Microsoft.Cache/redis/bench-weu/providers/Microsoft.Insights/metrics\
         ?api-version=2023-10-01&metricnames=GeoReplicationHealthy,GeoReplicationConnectivityLag,GeoReplicationDataSyncOffset,\
         GeoReplicationFullSyncEventStarted,GeoReplicationFullSyncEventFinished&timespan={}/{}&interval={interval}\
         &aggregation=average,maximum&$filter=ShardId%20eq%20%27*%27",
        t(start),
        t(end)
    )
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let emu = Emulator::simulated(Config { fleet: fleet(), ..Default::default() }).unwrap();
    let running = rt.block_on(emu.clone().bind("127.0.0.1:0".parse().unwrap())).unwrap();
    let router = emu.router();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    eprintln!("metrics history: {} bytes for 20 shards", emu.metrics_bytes());
    let mut group = c.benchmark_group("metrics_24h_5_metrics_10_shards");
    group.sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    for interval in ["PT15M", "PT1H", "PT1M"] {
        let p = path(interval);
        let bytes = rt.block_on(async {
            let r = router.clone().oneshot(axum::http::Request::get(&p).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(r.status(), 200);
            axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap().len()
        });
        eprintln!("{interval}: {bytes} bytes of JSON");
        group.bench_function(format!("handler/{interval}"), |b| {
            b.to_async(&rt).iter(|| async {
                let r =
                    router.clone().oneshot(axum::http::Request::get(&p).body(Body::empty()).unwrap()).await.unwrap();
                axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap().len()
            })
        });
        let url = format!("{}{p}", running.url());
        group.bench_function(format!("http/{interval}"), |b| {
            b.to_async(&rt).iter(|| async { http.get(&url).send().await.unwrap().bytes().await.unwrap().len() })
        });
    }
    group.finish();
    drop(running);
}

criterion_group!(benches, bench);
criterion_main!(benches);
