//! The active geo-replication group rules of src/geo/active_group.rs: one test per
//! `GroupIncompatibility`, then the paths that are allowed (create into a group, force-link a running
//! cache, force-link a force-unlinked one) and the codes and sentences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use georep::arm::enterprise::{
    ClientProtocol, Cluster, ClusteringPolicy, Database, EnterpriseId, EnterpriseProvisioningState, EvictionPolicy,
    GeoReplication, HighAvailability, LinkState, LinkedDatabase, Module, ModuleName, Persistence,
};
use georep::geo::{
    ActiveGroup, GroupIncompatibility as G, GroupMember, JoinBy, JoinCandidate, MAX_GROUP_MEMBERS, join_reasons,
};
use serde_json::json;

fn db_id(cluster: &str) -> EnterpriseId {
    EnterpriseId::cluster("sub", "rg", cluster).database("default")
}

/// A running Balanced B5 cluster with high availability on.
fn cluster(name: &str, region: &str) -> Cluster {
    serde_json::from_value(json!({
        "id": EnterpriseId::cluster("sub", "rg", name).to_string(),
        "name": name,
        "type": "Microsoft.Cache/redisEnterprise",
        "location": region,
        "sku": {"name": "Balanced_B5"},
        "properties": {"provisioningState": "Succeeded", "resourceState": "Running", "highAvailability": "Enabled",
                       "minimumTlsVersion": "1.2"}
    }))
    .unwrap()
}

/// The group's settings: Encrypted, EnterpriseCluster, NoEviction, RediSearch, no persistence.
fn database(cluster: &str, group: Option<&str>) -> Database {
    let mut db: Database = serde_json::from_value(json!({
        "id": db_id(cluster).to_string(),
        "name": format!("{cluster}/default"),
        "type": "Microsoft.Cache/redisEnterprise/databases",
        "properties": {"provisioningState": "Succeeded", "resourceState": "Running", "clientProtocol": "Encrypted",
                       "clusteringPolicy": "EnterpriseCluster", "evictionPolicy": "NoEviction", "port": 10000,
                       "modules": [{"name": "RediSearch"}]}
    }))
    .unwrap();
    if let Some(g) = group {
        db.properties.geo_replication =
            Some(GeoReplication::new(g, vec![LinkedDatabase::new(&db_id(cluster), Some(LinkState::Linked))]));
    }
    db
}

struct Fixture {
    clusters: Vec<Cluster>,
    databases: Vec<Database>,
}

/// A group "orders-geo" of `n` members.
fn group_of(n: usize) -> Fixture {
    let names: Vec<String> = (0..n).map(|i| format!("member-{i}")).collect();
    Fixture {
        clusters: names.iter().map(|n| cluster(n, "East US")).collect(),
        databases: names.iter().map(|n| database(n, Some("orders-geo"))).collect(),
    }
}

impl Fixture {
    fn members(&self) -> Vec<GroupMember<'_>> {
        self.clusters.iter().zip(&self.databases).map(|(cluster, database)| GroupMember { cluster, database }).collect()
    }
}

fn reasons(candidate: &Cluster, db: Option<&Database>, by: JoinBy) -> Vec<G> {
    let f = group_of(3);
    let members = f.members();
    let group = ActiveGroup { nickname: "orders-geo", members: &members };
    join_reasons(&group, &JoinCandidate { cluster: candidate, database: db }, by)
}

fn create() -> JoinBy<'static> {
    JoinBy::Create { replacing: None }
}

/// A running database outside any group, joining by force-link.
fn force_link(c: &Cluster, db: &Database) -> Vec<G> {
    reasons(c, Some(db), JoinBy::ForceLink)
}

#[test]
fn a_matching_cluster_can_join_by_create_and_a_running_cache_by_force_link() {
    let c = cluster("newcomer", "West Europe");
    assert_eq!(reasons(&c, None, create()), vec![]);
    assert_eq!(reasons(&c, Some(&database("newcomer", Some("orders-geo"))), create()), vec![]);
    assert_eq!(force_link(&c, &database("newcomer", None)), vec![]);
}

#[test]
fn a_new_group_checks_only_the_candidate_itself() {
    let mut c = cluster("solo", "West Europe");
    c.sku.name = "Balanced_B1".into();
    let group = ActiveGroup { nickname: "new", members: &[] };
    let got = join_reasons(&group, &JoinCandidate { cluster: &c, database: None }, create());
    assert_eq!(got, vec![G::SkuNotSupported { sku: "Balanced_B1".into() }]);
}

#[test]
fn group_full() {
    let f = group_of(MAX_GROUP_MEMBERS);
    let members = f.members();
    let group = ActiveGroup { nickname: "orders-geo", members: &members };
    let c = cluster("sixth", "Japan East");
    let got = join_reasons(&group, &JoinCandidate { cluster: &c, database: None }, create());
    assert_eq!(got, vec![G::GroupFull { members: 5 }]);
    let four = group_of(4);
    let members = four.members();
    let group = ActiveGroup { nickname: "orders-geo", members: &members };
    assert_eq!(join_reasons(&group, &JoinCandidate { cluster: &c, database: None }, create()), vec![]);
}

#[test]
fn already_member() {
    let c = cluster("member-1", "East US");
    assert_eq!(force_link(&c, &database("member-1", Some("orders-geo"))), vec![G::AlreadyMember]);
}

#[test]
fn in_another_group() {
    let c = cluster("other", "East US");
    assert_eq!(
        force_link(&c, &database("other", Some("carts-geo"))),
        vec![G::InAnotherGroup { group: "carts-geo".into() }]
    );
}

#[test]
fn force_unlinked_must_be_force_linked_or_recreated() {
    let c = cluster("returned", "East US");
    let splinter = database("returned", Some("orders-geo"));
    let by_create = reasons(&c, None, JoinBy::Create { replacing: Some(&splinter) });
    assert_eq!(by_create, vec![G::ForceUnlinked { group: "orders-geo".into() }]);
    assert!(by_create[0].message().contains("force-linked (its data is discarded) or deleted and recreated"));
    assert_eq!(force_link(&c, &splinter), vec![], "force-link is the way back");
}

#[test]
fn geo_replication_is_set_only_at_create() {
    let c = cluster("plain", "East US");
    let existing = database("plain", None);
    assert_eq!(reasons(&c, None, JoinBy::Create { replacing: Some(&existing) }), vec![G::GeoReplicationCreateOnly]);
}

#[test]
fn force_link_needs_a_database() {
    assert_eq!(reasons(&cluster("empty", "East US"), None, JoinBy::ForceLink), vec![G::NoDatabase]);
}

#[test]
fn not_running() {
    let mut c = cluster("busy", "East US");
    c.properties.provisioning_state = Some(EnterpriseProvisioningState::Creating);
    assert_eq!(reasons(&c, None, create()), vec![G::NotRunning { state: "Creating".into() }]);
    let c = cluster("busy", "East US");
    let mut db = database("busy", None);
    db.properties.provisioning_state = Some(EnterpriseProvisioningState::Updating);
    assert_eq!(force_link(&c, &db), vec![G::NotRunning { state: "Updating".into() }]);
}

#[test]
fn balanced_b0_and_b1_are_not_supported() {
    for sku in ["Balanced_B0", "balanced_b1"] {
        let mut c = cluster("tiny", "East US");
        c.sku.name = sku.into();
        let got = reasons(&c, None, create());
        assert!(got.contains(&G::SkuNotSupported { sku: sku.into() }), "{sku}: {got:?}");
    }
}

#[test]
fn sku_mismatch() {
    let mut c = cluster("bigger", "East US");
    c.sku.name = "MemoryOptimized_M10".into();
    assert_eq!(
        reasons(&c, None, create()),
        vec![G::SkuMismatch { group: "Balanced_B5".into(), candidate: "MemoryOptimized_M10".into() }]
    );
}

#[test]
fn capacity_mismatch() {
    let mut c = cluster("wide", "East US");
    c.sku.capacity = Some(4);
    assert_eq!(reasons(&c, None, create()), vec![G::CapacityMismatch { group: "unset".into(), candidate: "4".into() }]);
}

#[test]
fn high_availability_off() {
    let mut c = cluster("single", "East US");
    c.properties.high_availability = Some(HighAvailability::Disabled);
    assert_eq!(reasons(&c, None, create()), vec![G::HighAvailabilityOff]);
}

#[test]
fn persistence_enabled() {
    let c = cluster("durable", "East US");
    let mut db = database("durable", None);
    db.properties.persistence = Some(Persistence { aof_enabled: Some(true), ..Default::default() });
    assert_eq!(force_link(&c, &db), vec![G::PersistenceEnabled { kinds: "AOF" }]);
}

#[test]
fn only_redisearch_and_redisjson_modules() {
    let c = cluster("bloomy", "East US");
    let mut db = database("bloomy", None);
    db.properties.modules = Some(vec![Module::named(ModuleName::RediSearch), Module::named(ModuleName::RedisBloom)]);
    assert_eq!(
        force_link(&c, &db),
        vec![
            G::ModuleNotAllowed { module: "RedisBloom".into() },
            G::ModulesMismatch { group: "RediSearch".into(), candidate: "RediSearch, RedisBloom".into() },
        ]
    );
}

#[test]
fn modules_must_match() {
    let c = cluster("json", "East US");
    let mut db = database("json", None);
    db.properties.modules = Some(vec![Module::named(ModuleName::RedisJson)]);
    assert_eq!(
        force_link(&c, &db),
        vec![G::ModulesMismatch { group: "RediSearch".into(), candidate: "RedisJSON".into() }]
    );
}

#[test]
fn redisearch_needs_no_eviction() {
    let c = cluster("evicting", "East US");
    let mut db = database("evicting", None);
    db.properties.eviction_policy = Some(EvictionPolicy::AllKeysLru);
    let got = force_link(&c, &db);
    assert_eq!(got[0], G::NoEvictionRequired { policy: "AllKeysLRU".into() });
    // Without RediSearch, any policy is allowed (the group's must still match).
    let f = group_of(0);
    let group = ActiveGroup { nickname: "g", members: &f.members() };
    db.properties.modules = None;
    assert_eq!(join_reasons(&group, &JoinCandidate { cluster: &c, database: Some(&db) }, JoinBy::ForceLink), vec![]);
}

#[test]
fn eviction_policy_mismatch() {
    let c = cluster("lru", "East US");
    let mut db = database("lru", None);
    db.properties.modules = None;
    db.properties.eviction_policy = Some(EvictionPolicy::VolatileLru);
    let got = force_link(&c, &db);
    assert!(got.contains(&G::EvictionPolicyMismatch { group: "NoEviction".into(), candidate: "VolatileLRU".into() }));
}

#[test]
fn clustering_policy_mismatch() {
    let c = cluster("oss", "East US");
    let mut db = database("oss", None);
    db.properties.clustering_policy = None; // OSSCluster by default
    assert_eq!(
        force_link(&c, &db),
        vec![G::ClusteringPolicyMismatch { group: "EnterpriseCluster".into(), candidate: "OSSCluster".into() }]
    );
    db.properties.clustering_policy = Some(ClusteringPolicy::NoCluster);
    assert_eq!(force_link(&c, &db)[0].code(), "ClusteringPolicyMismatch");
}

#[test]
fn tls_mismatch() {
    let c = cluster("plaintext", "East US");
    let mut db = database("plaintext", None);
    db.properties.client_protocol = Some(ClientProtocol::Plaintext);
    assert_eq!(force_link(&c, &db), vec![G::TlsMismatch { group: "Encrypted".into(), candidate: "Plaintext".into() }]);
}

#[test]
fn every_reason_is_reported_together() {
    let mut c = cluster("everything", "East US");
    c.sku.name = "Balanced_B0".into();
    c.properties.high_availability = Some(HighAvailability::Disabled);
    let mut db = database("everything", None);
    db.properties.persistence = Some(Persistence { rdb_enabled: Some(true), ..Default::default() });
    db.properties.client_protocol = Some(ClientProtocol::Plaintext);
    let codes: Vec<_> = force_link(&c, &db).iter().map(|r| r.code()).collect();
    assert_eq!(codes, ["SkuNotSupported", "HighAvailabilityOff", "PersistenceEnabled", "SkuMismatch", "TlsMismatch"]);
}

#[test]
fn codes_are_distinct_and_sentences_state_the_rule() {
    let all = [
        G::GroupFull { members: 5 },
        G::AlreadyMember,
        G::InAnotherGroup { group: "g".into() },
        G::ForceUnlinked { group: "g".into() },
        G::GeoReplicationCreateOnly,
        G::NoDatabase,
        G::NotRunning { state: "Creating".into() },
        G::SkuNotSupported { sku: "Balanced_B0".into() },
        G::SkuMismatch { group: "a".into(), candidate: "b".into() },
        G::CapacityMismatch { group: "2".into(), candidate: "4".into() },
        G::HighAvailabilityOff,
        G::PersistenceEnabled { kinds: "RDB" },
        G::ModuleNotAllowed { module: "RedisBloom".into() },
        G::ModulesMismatch { group: "a".into(), candidate: "b".into() },
        G::NoEvictionRequired { policy: "AllKeysLRU".into() },
        G::EvictionPolicyMismatch { group: "a".into(), candidate: "b".into() },
        G::ClusteringPolicyMismatch { group: "a".into(), candidate: "b".into() },
        G::TlsMismatch { group: "a".into(), candidate: "b".into() },
    ];
    let codes: std::collections::HashSet<_> = all.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), all.len());
    for r in &all {
        let m = r.message();
        assert!(m.ends_with('.') && m.len() > 30, "{m}");
        assert!(!r.short().is_empty());
        assert_eq!(r.to_string(), m);
    }
    assert!(G::GroupFull { members: 5 }.message().contains("at most 5"));
}
