//! The emulator's Azure Managed Redis routes over real HTTP (`Microsoft.Cache/redisEnterprise`,
//! api-version 2025-07-01) on the demo fleet: every route, every group rule's refusal, long-running
//! operations polled to completion, a region down turning links LinkFailed, force-unlink, force-link and
//! flush (hostile names and bodies, metrics, Resource Graph and persistence: emulator_enterprise_edge.rs).
//! Each test starts its own emulator in-process on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use georep::emulator::Config;
use reqwest::Method;
use serde_json::{Value, json};
use support::enterprise::*;
use support::wait::eventually;

#[tokio::test(flavor = "multi_thread")]
async fn clusters_and_databases_are_listed_and_read() {
    let emu = Emu::demo().await;
    let all = emu.get(&format!("/subscriptions/{SUB}/providers/Microsoft.Cache/redisEnterprise")).await.expect(200);
    let names: Vec<&str> = all.body["value"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names.len(), 15, "{names:?}");
    for c in all.body["value"].as_array().unwrap() {
        assert_eq!(c["type"], "Microsoft.Cache/redisEnterprise");
    }
    let rg =
        emu.get(&format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise")).await;
    assert_eq!(rg.expect(200).body["value"].as_array().unwrap().len(), 15);
    let c = emu.get(&cluster_path("amr-orders-weu")).await.expect(200).body;
    assert_eq!(c["location"], "West Europe");
    assert_eq!(c["sku"]["name"], "Balanced_B5");
    assert_eq!(c["properties"]["highAvailability"], "Enabled");
    assert_eq!(c["properties"]["hostName"], "amr-orders-weu.westeurope.redis.azure.net");
    let dbs = emu.get(&format!("{}/databases", cluster_path("amr-orders-eus"))).await.expect(200).body;
    assert_eq!(dbs["value"].as_array().unwrap().len(), 1);
    let empty = emu.get(&format!("{}/databases", cluster_path("amr-orders-jpe"))).await.expect(200).body;
    assert_eq!(empty["value"], json!([]));
    let db = emu.db("amr-orders-eus").await;
    assert_eq!(db["name"], "amr-orders-eus/default");
    assert_eq!(db["type"], "Microsoft.Cache/redisEnterprise/databases");
    assert_eq!(db["properties"]["geoReplication"]["groupNickname"], "orders-geo");
    for m in MEMBERS {
        assert_eq!(emu.link_state("amr-orders-eus", m).await.as_deref(), Some("Linked"), "{m}");
    }
    assert_eq!(emu.health("amr-orders-eus").await, Some(1));
    assert_eq!(emu.health("amr-catalog-cus").await, None, "outside any group");

    emu.get("/subscriptions/nope/providers/Microsoft.Cache/redisEnterprise").await.error(404, "SubscriptionNotFound");
    emu.get(&format!("/subscriptions/{SUB}/resourceGroups/rg-nope/providers/Microsoft.Cache/redisEnterprise"))
        .await
        .error(404, "ResourceGroupNotFound");
    emu.get(&cluster_path("amr-nope")).await.error(404, "ResourceNotFound");
    emu.get(&db_path("amr-orders-jpe")).await.error(404, "ResourceNotFound");
    let old = format!("{}{}?api-version=2024-11-01", emu.run.url(), cluster_path("amr-orders-eus"));
    emu.send(Method::GET, &old, None).await.error(400, "InvalidApiVersionParameter");
    let r = emu.send(Method::DELETE, &emu.url(&cluster_path("amr-orders-eus")), None).await;
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
    r.error(405, "MethodNotAllowed");
    emu.get(&format!("{}/flush", db_path("amr-orders-eus"))).await.error(405, "MethodNotAllowed");
    emu.post(&format!("{}/reboot", db_path("amr-orders-eus")), json!({})).await.error(404, "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rule_refuses_a_create_with_its_code() {
    let emu = Emu::demo().await;
    let on = |cluster: &str, extra: Value| {
        let mut b = create_body(cluster, &MEMBERS, extra);
        let linked = b["properties"]["geoReplication"]["linkedDatabases"].as_array_mut().unwrap();
        // A database `geo` beside the cluster's own.
        let last = linked.last_mut().unwrap();
        last["id"] = json!(db_id(cluster).replace("/databases/default", "/databases/geo"));
        b
    };
    for (cluster, code) in [
        ("amr-search-neu", "SkuMismatch"),
        ("amr-search-wus2", "CapacityMismatch"),
        ("amr-single-brs", "HighAvailabilityOff"),
        ("amr-tiny-wus", "SkuNotSupported"),
    ] {
        refused(&emu, cluster, "geo", on(cluster, json!({})), code).await;
    }
    for (extra, code) in [
        (json!({"persistence": {"aofEnabled": true, "aofFrequency": "1s"}}), "PersistenceEnabled"),
        (json!({"modules": [{"name": "RediSearch"}, {"name": "RedisBloom"}]}), "ModuleNotAllowed"),
        (json!({"modules": [{"name": "RedisJSON"}]}), "ModulesMismatch"),
        (json!({"evictionPolicy": "AllKeysLRU"}), "NoEvictionRequired"),
        (json!({"evictionPolicy": "AllKeysLRU"}), "EvictionPolicyMismatch"),
        (json!({"clusteringPolicy": "OSSCluster"}), "ClusteringPolicyMismatch"),
        (json!({"clientProtocol": "Plaintext"}), "TlsMismatch"),
    ] {
        refused(&emu, "amr-orders-uks", "default", create_body("amr-orders-uks", &MEMBERS, extra), code).await;
    }
    // geoReplication is set only at create: an existing database is refused.
    refused(
        &emu,
        "amr-catalog-cus",
        "default",
        create_body("amr-catalog-cus", &MEMBERS, json!({})),
        "GeoReplicationCreateOnly",
    )
    .await;
    // The request must name the group exactly, with ids of databases that exist.
    let missing = create_body("amr-orders-uks", &MEMBERS[..2], json!({}));
    emu.put(&db_path("amr-orders-uks"), missing).await.error(400, "LinkedDatabasesMismatch");
    let extra = create_body("amr-orders-uks", &[MEMBERS[0], MEMBERS[1], MEMBERS[2], "amr-catalog-cus"], json!({}));
    emu.put(&db_path("amr-orders-uks"), extra).await.error(400, "LinkedDatabasesMismatch");
    let ghost = create_body("amr-orders-uks", &["amr-orders-jpe"], json!({}));
    emu.put(&db_path("amr-orders-uks"), ghost).await.error(400, "LinkedDatabaseNotFound");
    let mut nameless = create_body("amr-orders-uks", &MEMBERS, json!({}));
    nameless["properties"]["geoReplication"]["groupNickname"] = json!(" ");
    emu.put(&db_path("amr-orders-uks"), nameless).await.error(400, "InvalidGeoReplication");
    let mut without_self = create_body("amr-orders-uks", &MEMBERS, json!({}));
    without_self["properties"]["geoReplication"]["linkedDatabases"].as_array_mut().unwrap().pop();
    let e = emu.put(&db_path("amr-orders-uks"), without_self).await.error(400, "InvalidGeoReplication");
    assert!(e["message"].as_str().unwrap().contains("must include the database being created"), "{e}");
    let mut bad_id = create_body("amr-orders-uks", &MEMBERS, json!({}));
    bad_id["properties"]["geoReplication"]["linkedDatabases"][0]["id"] = json!("/subscriptions/x/resourceGroups/y");
    emu.put(&db_path("amr-orders-uks"), bad_id).await.error(400, "InvalidLinkedDatabase");
    emu.put(&db_path("amr-orders-uks"), json!({"properties": {"port": "ten"}}))
        .await
        .error(400, "InvalidRequestContent");
    emu.put(&db_path("amr-nope"), create_body("amr-nope", &MEMBERS, json!({}))).await.error(404, "ResourceNotFound");
    emu.get(&db_path("amr-orders-uks")).await.error(404, "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn force_link_adds_a_running_cache_discarding_its_data_and_a_sixth_member_is_refused() {
    let emu = Emu::demo().await;
    let link_params = |members: &[&str]| {
        json!({"geoReplication": {"groupNickname": "orders-geo",
            "linkedDatabases": members.iter().map(|m| json!({"id": db_id(m)})).collect::<Vec<_>>()}})
    };
    // Clusters with a database that breaks a rule are refused by force-link too.
    for (cluster, code) in [
        ("amr-durable-eus2", "PersistenceEnabled"),
        ("amr-bloom-aue", "ModuleNotAllowed"),
        ("amr-lru-cac", "NoEvictionRequired"),
        ("amr-oss-frc", "ClusteringPolicyMismatch"),
        ("amr-plain-gwc", "TlsMismatch"),
    ] {
        let e = emu.post(&format!("{}/forceLinkToReplicationGroup", db_path(cluster)), link_params(&MEMBERS)).await;
        let e = e.error(400, "ActiveGeoReplicationNotAllowed");
        assert!(e["details"].as_array().unwrap().iter().any(|d| d["code"] == code), "{cluster}: {e}");
    }
    assert_eq!(emu.keys("amr-catalog-cus").await, 84_000);
    let started =
        emu.post(&format!("{}/forceLinkToReplicationGroup", db_path("amr-catalog-cus")), link_params(&MEMBERS)).await;
    let started = started.expect(202);
    assert!(started.header("location").is_some() && started.header("azure-asyncoperation").is_some());
    assert!(emu.keys("amr-catalog-cus").await < 84_000, "force-link discards the joining database's data");
    assert_eq!(emu.finish(&started).await["status"], "Succeeded");
    assert_eq!(emu.keys("amr-catalog-cus").await, GROUP_KEYS);
    assert_eq!(emu.link_state("amr-orders-sea", "amr-catalog-cus").await.as_deref(), Some("Linked"));
    // Five members with jpe; uks would be the sixth.
    let four = ["amr-orders-eus", "amr-orders-weu", "amr-orders-sea", "amr-catalog-cus"];
    let jpe = emu.put(&db_path("amr-orders-jpe"), create_body("amr-orders-jpe", &four, json!({}))).await.expect(201);
    assert_eq!(emu.finish(&jpe).await["status"], "Succeeded");
    let five = [four[0], four[1], four[2], four[3], "amr-orders-jpe"];
    refused(&emu, "amr-orders-uks", "default", create_body("amr-orders-uks", &five, json!({})), "GroupFull").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_down_fails_its_links_then_force_unlink_and_force_link_bring_it_back() {
    let emu = Emu::demo().await;
    assert!(emu.run.emulator.set_region_down("Southeast Asia", true));
    assert_eq!(emu.run.emulator.regions_down(), vec!["southeastasia".to_string()]);
    // Health drops at once; the links fail after a while, on both sides.
    eventually("health 0", WITHIN, || async { emu.health("amr-orders-eus").await == Some(0) }).await;
    assert_eq!(emu.link_state("amr-orders-eus", "amr-orders-sea").await.as_deref(), Some("Linked"), "not failed yet");
    eventually("LinkFailed", WITHIN, || async {
        emu.link_state("amr-orders-eus", "amr-orders-sea").await.as_deref() == Some("LinkFailed")
            && emu.link_state("amr-orders-sea", "amr-orders-eus").await.as_deref() == Some("LinkFailed")
    })
    .await;
    assert_eq!(emu.link_state("amr-orders-eus", "amr-orders-weu").await.as_deref(), Some("Linked"));
    // ids must be other members of the group.
    let unlink = format!("{}/forceUnlink", db_path("amr-orders-eus"));
    emu.post(&unlink, json!({"ids": [db_id("amr-catalog-cus")]})).await.error(400, "NotInGroup");
    emu.post(&unlink, json!({"ids": [db_id("amr-orders-eus")]})).await.error(400, "NotInGroup");
    emu.post(&unlink, json!({"ids": []})).await.error(400, "InvalidRequestContent");
    emu.post(&unlink, json!({})).await.error(400, "InvalidRequestContent");
    let started = emu.post(&unlink, json!({"ids": [db_id("amr-orders-sea")]})).await.expect(202);
    assert!(started.header("location").is_some());
    assert_eq!(emu.link_state("amr-orders-weu", "amr-orders-sea").await.as_deref(), Some("Unlinking"));
    assert_eq!(emu.finish(&started).await["status"], "Succeeded");
    assert_eq!(emu.link_state("amr-orders-eus", "amr-orders-sea").await, None);
    assert_eq!(emu.health("amr-orders-eus").await, Some(1), "the survivors are healthy again");
    let sea = emu.db("amr-orders-sea").await;
    assert_eq!(sea["properties"]["geoReplication"]["groupNickname"], "orders-geo", "a splinter of the group");
    assert_eq!(sea["properties"]["geoReplication"]["linkedDatabases"].as_array().unwrap().len(), 1);

    assert!(emu.run.emulator.set_region_down("southeastasia", false));
    // A force-unlinked database rejoins only by force-link (or recreation), not by a create.
    let survivors = ["amr-orders-eus", "amr-orders-weu"];
    refused(&emu, "amr-orders-sea", "default", create_body("amr-orders-sea", &survivors, json!({})), "ForceUnlinked")
        .await;
    let relink = format!("{}/forceLinkToReplicationGroup", db_path("amr-orders-sea"));
    let wrong = json!({"geoReplication": {"groupNickname": "orders-geo", "linkedDatabases": [{"id": db_id("amr-orders-eus")}]}});
    emu.post(&relink, wrong).await.error(400, "LinkedDatabasesMismatch");
    let body = json!({"geoReplication": {"groupNickname": "orders-geo",
        "linkedDatabases": [{"id": db_id("amr-orders-sea")}, {"id": db_id("amr-orders-eus")}, {"id": db_id("amr-orders-weu")}]}});
    let started = emu.post(&relink, body).await.expect(202);
    assert_eq!(emu.keys("amr-orders-sea").await, 0, "its data is discarded");
    assert_eq!(emu.finish(&started).await["status"], "Succeeded");
    assert_eq!(emu.link_state("amr-orders-eus", "amr-orders-sea").await.as_deref(), Some("Linked"));
    assert_eq!(emu.keys("amr-orders-sea").await, GROUP_KEYS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_into_a_group_with_a_member_down_fails_and_the_region_flag_marks_it_at_start() {
    let emu = Emu::start(Config { regions_down: vec!["West Europe".into()], ..Default::default() }).await;
    assert_eq!(emu.health("amr-orders-eus").await, Some(0));
    let started = emu.put(&db_path("amr-orders-jpe"), create_body("amr-orders-jpe", &MEMBERS, json!({}))).await;
    let done = emu.finish(&started.expect(201)).await;
    assert_eq!(done["status"], "Failed", "{done}");
    assert_eq!(done["error"]["code"], "LinkFailed");
}
