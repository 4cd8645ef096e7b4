//! The emulator's Managed Redis routes at their edges: hostile names and bodies, the
//! geoReplicationHealthy metric, Resource Graph, persistence across a restart and `--region-down`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use georep::emulator::Config;
use reqwest::Method;
use serde_json::{Value, json};
use support::enterprise::*;
use support::wait::eventually;

#[tokio::test(flavor = "multi_thread")]
async fn flush_clears_the_database_and_the_members_named_and_flushall_is_refused_on_members() {
    let emu = Emu::demo().await;
    let flush = format!("{}/flush", db_path("amr-orders-eus"));
    emu.post(&flush, json!({"ids": [db_id("amr-catalog-cus")]})).await.error(400, "NotInGroup");
    let started = emu.post(&flush, json!({"ids": [db_id("amr-orders-weu")]})).await.expect(202);
    assert!(started.header("location").is_some() && started.header("azure-asyncoperation").is_some());
    assert_eq!(emu.keys("amr-orders-eus").await, 0);
    assert_eq!(emu.keys("amr-orders-weu").await, 0);
    assert_eq!(emu.keys("amr-orders-sea").await, GROUP_KEYS, "not named");
    assert_eq!(emu.finish(&started).await["status"], "Succeeded");
    // Flush's body is optional.
    let url = emu.url(&format!("{}/flush", db_path("amr-orders-sea")));
    let r = emu.http.post(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202);
    assert_eq!(emu.keys("amr-orders-sea").await, 0);
    // The data plane refuses FLUSHALL / FLUSHDB on members; outside a group they clear.
    let member = georep::arm::enterprise::EnterpriseId::parse(&db_id("amr-orders-eus")).unwrap();
    for cmd in ["FLUSHALL", "flushdb ASYNC"] {
        let err = emu.run.emulator.enterprise_command(&member, cmd).unwrap_err();
        assert!(err.contains("flush operation"), "{err}");
    }
    let outside = georep::arm::enterprise::EnterpriseId::parse(&db_id("amr-catalog-cus")).unwrap();
    assert_eq!(emu.run.emulator.enterprise_command(&outside, "DBSIZE").unwrap(), "84000");
    assert_eq!(emu.run.emulator.enterprise_command(&outside, "FLUSHALL").unwrap(), "OK");
    assert_eq!(emu.keys("amr-catalog-cus").await, 0);
    // An operation on a database that is busy waits.
    let jpe = emu.put(&db_path("amr-orders-jpe"), create_body("amr-orders-jpe", &MEMBERS, json!({}))).await.expect(201);
    emu.post(&format!("{}/flush", db_path("amr-orders-jpe")), json!({})).await.error(409, "OperationInProgress");
    emu.finish(&jpe).await;
}

/// The status of a request sent byte for byte as given (no client-side path resolution).
async fn raw_status(emu: &Emu, method: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(emu.run.addr).await.unwrap();
    let req = format!(
        "{method} {path}?api-version={API} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_and_huge_bodies_touch_nothing() {
    let emu = Emu::demo().await;
    let before = emu.enterprise_snapshot().await;
    let base = format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise");
    // 404 whatever the shape (a `..` may be resolved by the client before it is sent), never another
    // resource's answer, and nothing changes.
    for name in [
        "amr-orders-eus%2Fdatabases%2Fdefault",
        "amr-orders-eus%3Fx",
        "amr-orders-eus%23x",
        "amr-orders-eus%25",
        "a%00b",
    ] {
        emu.get(&format!("{base}/{name}")).await.expect(404);
        emu.get(&format!("{base}/{name}/databases/default")).await.expect(404);
        emu.get(&format!("{base}/amr-orders-eus/databases/{name}")).await.expect(404);
        let r = emu
            .put(&format!("{base}/amr-orders-jpe/databases/{name}"), create_body("amr-orders-jpe", &MEMBERS, json!({})))
            .await;
        r.expect(404);
        emu.post(&format!("{base}/amr-orders-eus/databases/{name}/flush"), json!({})).await.expect(404);
    }
    emu.get(&format!(
        "/subscriptions/{SUB}/resourceGroups/..%2F{RG}/providers/Microsoft.Cache/redisEnterprise/amr-orders-eus"
    ))
    .await
    .expect(404);
    assert_eq!(emu.enterprise_snapshot().await, before);
    // `..` as sent on the wire (clients resolve it before sending: a raw request here).
    for path in [
        format!("{base}/amr-orders-eus/databases/.."),
        format!("{base}/amr-orders-eus/databases/%2E%2E/flush"),
        format!("{base}/../redisEnterprise/amr-orders-eus"),
    ] {
        assert_eq!(raw_status(&emu, "GET", &path).await, 404, "{path}");
        assert_eq!(raw_status(&emu, "POST", &path).await, 404, "{path}");
    }
    assert_eq!(emu.enterprise_snapshot().await, before);
    // Huge bodies are refused before anything is parsed.
    let huge = json!({"properties": {"padding": "x".repeat(1 << 20)}});
    let r = emu.put(&db_path("amr-orders-jpe"), huge).await;
    assert_eq!(r.status.as_u16(), 413, "{}", r.body);
    let r = emu.post(&format!("{}/forceUnlink", db_path("amr-orders-eus")), json!({"ids": vec!["x"; 100_000]})).await;
    assert_eq!(r.status.as_u16(), 413);
    assert_eq!(emu.enterprise_snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn geo_replication_healthy_is_served_as_an_azure_monitor_metric() {
    let emu = Emu::demo().await;
    let metrics = |agg: &str| {
        format!(
            "{}/providers/Microsoft.Insights/metrics?metricnames=geoReplicationHealthy&aggregation={agg}&interval=PT1M",
            cluster_path("amr-orders-eus")
        )
    };
    let url = |path: String| format!("{}{path}&api-version=2023-10-01", emu.run.url());
    let last = |body: &Value, agg: &str| {
        let data = body["value"][0]["timeseries"][0]["data"].as_array().cloned().unwrap_or_default();
        data.iter().rev().find_map(|p| p[agg].as_f64())
    };
    eventually("a recorded minute", WITHIN, || async {
        let b = emu.send(Method::GET, &url(metrics("Maximum,Minimum")), None).await.expect(200).body;
        last(&b, "maximum") == Some(1.0)
    })
    .await;
    let b = emu.send(Method::GET, &url(metrics("Average")), None).await.expect(200).body;
    assert_eq!(b["value"][0]["name"]["value"], "geoReplicationHealthy");
    assert_eq!(b["namespace"], "Microsoft.Cache/redisEnterprise");
    emu.run.emulator.set_region_down("East US", true);
    eventually("the minimum drops to 0", WITHIN, || async {
        let b = emu.send(Method::GET, &url(metrics("Minimum")), None).await.expect(200).body;
        last(&b, "minimum") == Some(0.0)
    })
    .await;
    let other = format!(
        "{}{}/providers/Microsoft.Insights/metrics?metricnames=usedmemory&api-version=2023-10-01",
        emu.run.url(),
        cluster_path("amr-orders-eus")
    );
    emu.send(Method::GET, &other, None).await.error(400, "BadRequest");
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_graph_lists_managed_redis_beside_the_caches() {
    let emu = Emu::demo().await;
    let url = format!("{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", emu.run.url());
    let query = |q: &str| json!({"subscriptions": [SUB], "query": q});
    let amr = emu
        .send(
            Method::POST,
            &url,
            Some(query("Resources | where type =~ 'microsoft.cache/redisenterprise' | order by name asc")),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(amr["totalRecords"], 15);
    let rows = amr["data"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "amr-bloom-aue");
    assert!(rows.iter().all(|r| r["type"] == "microsoft.cache/redisenterprise" && r["resourceGroup"] == RG));
    assert_eq!(rows[0]["sku"]["name"], "Balanced_B5");
    let weu = emu
        .send(
            Method::POST,
            &url,
            Some(query("Resources | where type =~ 'microsoft.cache/redisenterprise' | where location =~ 'westeurope'")),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(weu["totalRecords"], 1);
    let redis = emu
        .send(Method::POST, &url, Some(query("Resources | where type =~ 'microsoft.cache/redis'")))
        .await
        .expect(200)
        .body;
    assert!(redis["data"].as_array().unwrap().iter().all(|r| r["type"] == "microsoft.cache/redis"));
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_and_operations_persist_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let config = || Config { state_file: Some(state_file.clone()), ..Default::default() };
    let emu = Emu::start(config()).await;
    let started =
        emu.put(&db_path("amr-orders-jpe"), create_body("amr-orders-jpe", &MEMBERS, json!({}))).await.expect(201);
    emu.finish(&started).await;
    let op_url = started.header("azure-asyncoperation").unwrap();
    let op_path = op_url.trim_start_matches(&emu.run.url()).to_string();
    emu.run.shutdown().await;
    let emu = Emu::start(config()).await;
    assert_eq!(emu.link_state("amr-orders-eus", "amr-orders-jpe").await.as_deref(), Some("Linked"));
    assert_eq!(emu.keys("amr-orders-jpe").await, GROUP_KEYS);
    let op = emu.send(Method::GET, &format!("{}{op_path}", emu.run.url()), None).await.expect(200).body;
    assert_eq!(op["status"], "Succeeded");
}

#[test]
fn serve_refuses_an_unknown_region_down_with_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(["serve", "--listen", "127.0.0.1:0", "--region-down", "Atlantis"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'Atlantis' is not an Azure region"));
}
