//! The Managed Redis wire model (`georep::arm::enterprise`, api-version 2025-07-01) against the official
//! examples of Azure/azure-rest-api-specs (tests/fixtures/redisenterprise): every body parses into our
//! types and prints back as the same JSON; the states and settings read as typed values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use georep::arm::enterprise::{
    ClientProtocol, Cluster, ClusteringPolicy, Database, ENTERPRISE_API_VERSION, EnterpriseId,
    EnterpriseOperationStatus, EnterpriseProvisioningState, EvictionPolicy, FlushParameters, ForceLinkParameters,
    ForceUnlinkParameters, LinkState, ModuleName, ResourceState,
};
use georep::arm::{OperationState, Page};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const FIXTURES: &[(&str, &str)] = &[
    ("OperationsStatusGet.json", include_str!("fixtures/redisenterprise/OperationsStatusGet.json")),
    ("RedisEnterpriseCreate.json", include_str!("fixtures/redisenterprise/RedisEnterpriseCreate.json")),
    (
        "RedisEnterpriseDatabasesCreateWithGeoReplication.json",
        include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesCreateWithGeoReplication.json"),
    ),
    ("RedisEnterpriseDatabasesFlush.json", include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesFlush.json")),
    (
        "RedisEnterpriseDatabasesForceLink.json",
        include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesForceLink.json"),
    ),
    (
        "RedisEnterpriseDatabasesForceUnlink.2025-04-01.json",
        include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesForceUnlink.2025-04-01.json"),
    ),
    ("RedisEnterpriseDatabasesGet.json", include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesGet.json")),
    (
        "RedisEnterpriseDatabasesListByCluster.json",
        include_str!("fixtures/redisenterprise/RedisEnterpriseDatabasesListByCluster.json"),
    ),
    ("RedisEnterpriseList.json", include_str!("fixtures/redisenterprise/RedisEnterpriseList.json")),
];

fn example(name: &str) -> Value {
    let (_, text) = FIXTURES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no fixture {name}"));
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

#[track_caller]
fn round_trip<T: DeserializeOwned + Serialize>(value: &Value, what: &str) -> T {
    let parsed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what} does not parse: {e}"));
    let back = serde_json::to_value(&parsed).unwrap_or_else(|e| panic!("{what} does not print: {e}"));
    assert_eq!(back, *value, "{what} changed in the round trip");
    parsed
}

#[test]
fn every_fixture_is_covered_and_speaks_the_api_version() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redisenterprise");
    let on_disk: HashSet<String> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let listed: HashSet<String> = FIXTURES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, listed);
    for (name, _) in FIXTURES {
        let want = if name.contains("2025-04-01") { "2025-04-01" } else { ENTERPRISE_API_VERSION };
        assert_eq!(example(name)["parameters"]["api-version"], want, "{name}");
    }
}

#[test]
fn cluster_create_request_and_responses_round_trip() {
    let e = example("RedisEnterpriseCreate.json");
    let req: Cluster = round_trip(&e["parameters"]["parameters"], "create request");
    assert_eq!(req.sku.name, "EnterpriseFlash_F300");
    assert_eq!(req.sku.capacity, Some(3));
    let created: Cluster = round_trip(&e["responses"]["201"]["body"], "201");
    assert_eq!(created.properties.provisioning_state, Some(EnterpriseProvisioningState::Creating));
    let done: Cluster = round_trip(&e["responses"]["200"]["body"], "200");
    assert_eq!(done.properties.resource_state, Some(ResourceState::Running));
    assert_eq!(done.kind.as_deref(), Some("v1"));
    assert_eq!(done.resource_type.as_deref(), Some("Microsoft.Cache/redisEnterprise"));
    assert!(done.high_availability(), "absent highAvailability means enabled");
    assert_eq!(done.properties.minimum_tls_version.as_deref(), Some("1.2"));
    assert!(done.extra.contains_key("identity"));
}

#[test]
fn cluster_list_round_trips() {
    let mut body = example("RedisEnterpriseList.json")["responses"]["200"]["body"].clone();
    // The example sends `"nextLink": null`; Page prints no nextLink when there is none.
    body.as_object_mut().unwrap().retain(|_, v| !v.is_null());
    let page: Page<Cluster> = round_trip(&body, "list");
    let c = &page.value[0];
    assert_eq!(c.cluster_name(), "cache1");
    assert_eq!(c.sku.tier(), "EnterpriseFlash");
    assert_eq!(c.sku.size(), "F300");
    let id = EnterpriseId::parse(c.id.as_deref().unwrap()).unwrap();
    assert_eq!(id.cluster, "cache1");
    assert_eq!(id.database, None);
}

#[test]
fn database_get_and_list_round_trip() {
    let e = example("RedisEnterpriseDatabasesGet.json");
    let db: Database = round_trip(&e["responses"]["200"]["body"], "get");
    assert_eq!(db.client_protocol(), ClientProtocol::Encrypted);
    assert_eq!(db.clustering_policy(), ClusteringPolicy::OssCluster);
    assert_eq!(db.eviction_policy(), EvictionPolicy::AllKeysLru);
    assert_eq!(db.persistence_kinds(), Some("RDB"));
    assert_eq!(db.module_names(), vec![ModuleName::RediSearch]);
    assert_eq!(db.properties.port, Some(10000));
    assert_eq!(db.database_id().unwrap().database.as_deref(), Some("default"));
    assert!(db.properties.extra.contains_key("deferUpgrade"));
    let list = example("RedisEnterpriseDatabasesListByCluster.json");
    let page: Page<Database> = round_trip(&list["responses"]["200"]["body"], "list");
    assert_eq!(page.value.len(), 1);
}

#[test]
fn geo_replicated_create_round_trips() {
    let e = example("RedisEnterpriseDatabasesCreateWithGeoReplication.json");
    let req: Database = round_trip(&e["parameters"]["parameters"], "request");
    assert_eq!(req.group_nickname(), Some("groupName"));
    let ids: Vec<_> = req.linked_databases().iter().map(|l| l.database_id().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1].cluster, "cache2");
    assert_eq!(ids[1].resource_group, "rg2");
    for status in ["200", "201"] {
        let db: Database = round_trip(&e["responses"][status]["body"], status);
        assert!(db.linked_databases().iter().all(|l| l.state == Some(LinkState::Linking)), "{status}");
    }
}

#[test]
fn operation_bodies_round_trip() {
    let fl = example("RedisEnterpriseDatabasesForceLink.json");
    let p: ForceLinkParameters = round_trip(&fl["parameters"]["parameters"], "force-link");
    assert_eq!(p.geo_replication.group_nickname.as_deref(), Some("groupName"));
    let fu = example("RedisEnterpriseDatabasesForceUnlink.2025-04-01.json");
    let p: ForceUnlinkParameters = round_trip(&fu["parameters"]["parameters"], "force-unlink");
    assert_eq!(p.ids.len(), 1);
    let f = example("RedisEnterpriseDatabasesFlush.json");
    let p: FlushParameters = round_trip(&f["parameters"]["parameters"], "flush");
    assert_eq!(p.ids.map(|i| i.len()), Some(1));
    let s = example("OperationsStatusGet.json");
    let st: EnterpriseOperationStatus = round_trip(&s["responses"]["200"]["body"], "operationsStatus");
    assert_eq!(st.status, OperationState::Succeeded);
    assert!(st.status.is_terminal());
}

#[test]
fn unknown_states_and_fields_survive() {
    let v = json!({
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/redisEnterprise/c/databases/default",
        "properties": {
            "clientProtocol": "Quantum", "clusteringPolicy": "enterprisecluster", "evictionPolicy": "Sometimes",
            "geoReplication": {"groupNickname": "g", "linkedDatabases": [{"id": "x", "state": "Splintered", "new": 1}],
                               "future": true},
            "modules": [{"name": "RedisGraph", "args": "", "extra": [1]}],
            "persistence": {"rdbEnabled": false, "aofEnabled": false, "other": "x"},
            "brandNew": {"a": null}
        },
        "systemData": {"createdBy": "me"}
    });
    let db: Database = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(db.clustering_policy(), ClusteringPolicy::EnterpriseCluster, "case-insensitive");
    assert_eq!(db.client_protocol(), ClientProtocol::Other("Quantum".into()));
    assert_eq!(db.linked_databases()[0].state, Some(LinkState::Other("Splintered".into())));
    assert_eq!(db.linked_databases()[0].database_id(), None, "'x' is not a database id");
    assert_eq!(db.persistence_kinds(), None);
    let mut back = serde_json::to_value(&db).unwrap();
    // Known values print in the service's spelling; everything else as sent.
    assert_eq!(back["properties"]["clusteringPolicy"], "EnterpriseCluster");
    back["properties"]["clusteringPolicy"] = json!("enterprisecluster");
    assert_eq!(back, v);
}
