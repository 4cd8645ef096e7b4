//! The ARM client's Azure Managed Redis side (`Microsoft.Cache/redisEnterprise`) against the in-process
//! emulator, over real HTTP on 127.0.0.1 (no mocks): clusters and databases listed and read, a database
//! created into a group, force-unlink, force-link and flush followed to their end, typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::future::Future;
use std::time::Duration;

use georep::arm::OperationState;
use georep::arm::enterprise::{Database, EnterpriseId, ForceLinkParameters, GeoReplication, LinkedDatabase};
use georep::client::{ArmClient, CacheSource, ClientError, Lro};
use georep::emulator::{Config, Running, fleet::DEMO_FLEET};
use support::emulator::start;

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const RG: &str = "rg-contoso-amr";
const GROUP: &str = "orders-geo";
const EUS: &str = "amr-orders-eus";
const WEU: &str = "amr-orders-weu";
const SEA: &str = "amr-orders-sea";
/// A cluster with no database yet, matching the group.
const JPE: &str = "amr-orders-jpe";
/// A running cache outside any group.
const CATALOG: &str = "amr-catalog-cus";
/// Balanced B1: cannot join a group.
const TINY: &str = "amr-tiny-wus";

/// Model seconds per real second: operations take a few model minutes.
const TIME_SCALE: f64 = 200.0;
const BOUND: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(BOUND, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {BOUND:?}"),
    }
}

async fn emulator() -> Running {
    start(Config { time_scale: TIME_SCALE, ..Default::default() }).await
}

fn client(emu: &Running) -> ArmClient {
    ArmClient::new(&emu.url(), None).expect("client").with_poll_interval(POLL)
}

fn db(cluster: &str) -> EnterpriseId {
    EnterpriseId::cluster(SUB, RG, cluster).database("default")
}

fn arm_code(e: &ClientError) -> (u16, &str) {
    match e {
        ClientError::Arm { status, code, request_id, .. } => {
            assert!(request_id.is_some(), "no request id on {e:?}");
            (*status, code)
        }
        other => panic!("expected an ARM error, got {other:?}"),
    }
}

fn members(d: &Database) -> Vec<String> {
    let mut out: Vec<String> = d.linked_databases().iter().filter_map(|l| l.database_id()).map(|i| i.cluster).collect();
    out.sort();
    out
}

/// Follows `lro` to its end and says it Succeeded.
async fn succeeds(c: &ArmClient, what: &str, lro: &Lro) {
    let end = bounded(what, c.wait(lro)).await.expect(what);
    assert_eq!(end.state, OperationState::Succeeded, "{what}: {end:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_and_reads_clusters_and_databases() {
    let emu = emulator().await;
    let c = client(&emu);
    let fleet: serde_json::Value = serde_json::from_str(DEMO_FLEET).unwrap();
    let mut want: Vec<String> =
        fleet["managedRedis"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect();
    want.sort();
    for listed in [c.list_clusters(SUB).await.unwrap(), c.list_clusters_in_group(SUB, RG).await.unwrap()] {
        let mut names: Vec<String> = listed.iter().map(|c| c.cluster_name().to_string()).collect();
        names.sort();
        assert_eq!(names, want);
    }
    // Through Resource Graph (one query across subscriptions) the same clusters, as GET shows them.
    let subs = [SUB.to_string()];
    let (graph, source) = c.clusters_in(&subs, true).await.unwrap();
    assert_eq!(source, CacheSource::ResourceGraph);
    let (listed, source) = c.clusters_in(&subs, false).await.unwrap();
    assert_eq!(source, CacheSource::PerSubscription);
    assert_eq!(graph.len(), want.len());
    for g in &graph {
        let l = listed.iter().find(|l| l.id == g.id).expect("the same cluster listed");
        assert_eq!(
            (&g.resource_type, &g.location, &g.sku, &g.properties),
            (&l.resource_type, &l.location, &l.sku, &l.properties)
        );
    }

    let eus = c.get_cluster(&db(EUS)).await.unwrap();
    assert_eq!((eus.cluster_name(), eus.location.as_str()), (EUS, "East US"));
    assert_eq!(EnterpriseId::parse(eus.id.as_deref().unwrap()).unwrap(), db(EUS).cluster_id());
    let dbs = c.list_databases(&db(EUS).cluster_id()).await.unwrap();
    assert_eq!(dbs.len(), 1);
    assert_eq!(dbs[0].group_nickname(), Some(GROUP));
    assert_eq!(members(&dbs[0]), [EUS, SEA, WEU]);
    // A cluster id reads its default database.
    assert_eq!(c.get_database(&db(EUS).cluster_id()).await.unwrap(), dbs[0]);
    assert!(c.list_databases(&db(JPE)).await.unwrap().is_empty());

    // Typed 404s with the service's code and request id.
    let e = c.get_cluster(&db("no-such-cluster")).await.unwrap_err();
    assert_eq!(arm_code(&e), (404, "ResourceNotFound"));
    assert!(e.message().contains("no-such-cluster"), "{e}");
    let e = c.get_database(&db(JPE)).await.unwrap_err();
    assert_eq!(arm_code(&e), (404, "ResourceNotFound"));
    let e = c.list_clusters_in_group(SUB, "rg-nope").await.unwrap_err();
    assert_eq!(arm_code(&e), (404, "ResourceGroupNotFound"));
    // A name that could address another resource is refused before anything is sent.
    let e = c.get_database(&EnterpriseId::cluster(SUB, RG, "..").database("default")).await.unwrap_err();
    assert!(matches!(e, ClientError::InvalidName(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn force_unlink_then_force_link_back_through_operations() {
    let emu = emulator().await;
    let c = client(&emu);

    let lro = c.force_unlink(&db(EUS), &[db(SEA)]).await.unwrap().expect("an operation");
    let op = lro.async_operation.as_deref().expect("Azure-AsyncOperation");
    assert!(op.contains("/providers/Microsoft.Cache/locations/") && op.contains("/operationsStatus/"), "{op}");
    assert!(lro.location.is_some() && lro.retry_after.is_some(), "{lro:?}");
    assert!(lro.resource.ends_with(&format!("/redisEnterprise/{EUS}/databases/default?api-version=2025-07-01")));
    assert!(lro.request_id.is_some());
    succeeds(&c, "force-unlink", &lro).await;
    assert_eq!(members(&c.get_database(&db(EUS)).await.unwrap()), [EUS, WEU]);
    assert_eq!(members(&c.get_database(&db(WEU)).await.unwrap()), [EUS, WEU]);

    // The operation can also be read by its id through operationsStatus.
    let op_id = op.split('/').next_back().unwrap().split('?').next().unwrap();
    let url = c.operation_status_url(SUB, "eastus", op_id).unwrap();
    let by_id = Lro {
        async_operation: Some(url),
        location: None,
        resource: lro.resource.clone(),
        retry_after: None,
        request_id: None,
    };
    assert_eq!(c.poll(&by_id).await.unwrap().state, OperationState::Succeeded);

    // Back in: the force-linked database's data is discarded, and it is a member again.
    let linked = [db(EUS), db(WEU), db(SEA)].iter().map(|i| LinkedDatabase::new(i, None)).collect();
    let lro = c.force_link(&db(SEA), &ForceLinkParameters::new(GROUP, linked)).await.unwrap().expect("an operation");
    succeeds(&c, "force-link", &lro).await;
    assert_eq!(members(&c.get_database(&db(SEA)).await.unwrap()), [EUS, SEA, WEU]);
    assert_eq!(members(&c.get_database(&db(EUS)).await.unwrap()), [EUS, SEA, WEU]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_is_created_into_the_group() {
    let emu = emulator().await;
    let c = client(&emu);
    let ids = [db(EUS), db(WEU), db(SEA), db(JPE)];
    // The group's settings, as every member must have them.
    let mut body: Database = serde_json::from_value(serde_json::json!({"properties": {
        "clusteringPolicy": "EnterpriseCluster", "evictionPolicy": "NoEviction", "modules": [{"name": "RediSearch"}]
    }}))
    .unwrap();
    body.properties.geo_replication =
        Some(GeoReplication::new(GROUP, ids.iter().map(|i| LinkedDatabase::new(i, None)).collect()));
    let (created, lro) = c.create_database(&db(JPE), &body).await.unwrap();
    assert_eq!(created.group_nickname(), Some(GROUP));
    assert!(lro.async_operation.is_some(), "{lro:?}");
    succeeds(&c, "create", &lro).await;
    for cluster in [EUS, JPE] {
        assert_eq!(members(&c.get_database(&db(cluster)).await.unwrap()), [EUS, JPE, SEA, WEU], "{cluster}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flush_clears_the_database_and_the_linked_ones() {
    let emu = emulator().await;
    let c = client(&emu);
    let keys = |d: &Database| d.properties.data_plane.as_ref().map(|p| p.dataset_keys);
    assert!(keys(&c.get_database(&db(WEU)).await.unwrap()).unwrap() > 0);
    let lro = c.flush(&db(EUS), &[db(WEU)]).await.unwrap().expect("an operation");
    succeeds(&c, "flush", &lro).await;
    for cluster in [EUS, WEU] {
        assert_eq!(keys(&c.get_database(&db(cluster)).await.unwrap()), Some(0), "{cluster}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_group_rules_refuse_with_every_reason() {
    let emu = emulator().await;
    let c = client(&emu);
    // Balanced B1 cannot join: a 400 with the rule's code in details, nothing changed.
    let linked = [db(EUS), db(WEU), db(SEA), db(TINY)].iter().map(|i| LinkedDatabase::new(i, None)).collect();
    let e = c.force_link(&db(TINY), &ForceLinkParameters::new(GROUP, linked)).await.unwrap_err();
    assert_eq!(arm_code(&e).0, 400);
    let ClientError::Arm { details, .. } = &e else { unreachable!() };
    assert!(details.iter().any(|d| d.code == "SkuNotSupported"), "{details:?}");
    assert_eq!(members(&c.get_database(&db(EUS)).await.unwrap()), [EUS, SEA, WEU]);
    assert_eq!(c.get_database(&db(CATALOG)).await.unwrap().group_nickname(), None);
}
