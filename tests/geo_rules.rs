//! The geo-replication rules of src/geo: one test per `Incompatibility`, then combinations, the worlds
//! the rules ask about links and operations, host names, regions and transfer cost.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use georep::arm::{LinkedServerRef, ProvisioningState, RedisConfiguration, RedisResource, SkuFamily, SkuName};
use georep::geo::{
    FromResources, Geography, Incompatibility, LinkEvent, Side, Topology, World, compatibility, geo_primary_host_name,
    geography, host_name, is_compatible, link_speed_factor, region_display_name, same_region, transfer_cost_usd,
};
use serde_json::json;

/// A running, unclustered Premium P1 cache on Redis 6.0 without persistence, in subscription `sub`.
fn cache(name: &str, region: &str) -> RedisResource {
    serde_json::from_value(json!({
        "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Cache/Redis/{name}"),
        "name": name,
        "type": "Microsoft.Cache/Redis",
        "location": region,
        "properties": {
            "provisioningState": "Succeeded",
            "sku": {"name": "Premium", "family": "P", "capacity": 1},
            "redisVersion": "6.0",
            "redisConfiguration": {},
            "linkedServers": [],
        }
    }))
    .expect("a valid cache")
}

fn primary() -> RedisResource {
    cache("contoso-prod-eus", "East US")
}

fn secondary() -> RedisResource {
    cache("contoso-dr-weu", "West Europe")
}

fn standard(mut c: RedisResource) -> RedisResource {
    c.properties.sku.name = SkuName::Standard;
    c.properties.sku.family = SkuFamily::C;
    c
}

fn with_state(mut c: RedisResource, state: ProvisioningState) -> RedisResource {
    c.properties.provisioning_state = Some(state);
    c
}

fn with_persistence(mut c: RedisResource, rdb: &str, aof: &str) -> RedisResource {
    c.properties.redis_configuration = Some(RedisConfiguration {
        rdb_backup_enabled: Some(rdb.to_string()),
        aof_backup_enabled: Some(aof.to_string()),
        ..Default::default()
    });
    c
}

fn linked_to(mut c: RedisResource, peer: &str) -> RedisResource {
    let id = format!("{}/linkedServers/{peer}", c.id());
    c.properties.linked_servers = Some(vec![LinkedServerRef { id }]);
    c
}

fn check(p: &RedisResource, s: &RedisResource) -> Vec<Incompatibility> {
    compatibility(p, s, &FromResources)
}

/// The one reason `check` gives, with its stable code and a message that is a sentence naming `names`.
#[track_caller]
fn only_reason(p: &RedisResource, s: &RedisResource, code: &str, names: &[&str]) -> Incompatibility {
    let reasons = check(p, s);
    assert_eq!(reasons.len(), 1, "expected only {code}, got {reasons:?}");
    let r = reasons.into_iter().next().expect("one reason");
    assert_eq!(r.code(), code);
    assert_sentence(&r, names);
    assert!(!is_compatible(p, s, &FromResources));
    r
}

#[track_caller]
fn assert_sentence(r: &Incompatibility, names: &[&str]) {
    let m = r.message();
    assert!(m.chars().next().is_some_and(char::is_uppercase), "{m:?} does not start with a capital");
    assert!(m.ends_with('.'), "{m:?} does not end with a full stop");
    assert!(m.len() > 20 && m.contains(' '), "{m:?} is not a sentence");
    assert!(!m.contains("{") && !m.contains("Some("), "{m:?} leaks formatting");
    assert_eq!(r.to_string(), m, "Display is the message");
    for name in names {
        assert!(m.contains(name), "{m:?} does not mention {name:?}");
    }
}

// ---------------------------------------------------------------------------------------------------
// One test per rule
// ---------------------------------------------------------------------------------------------------

#[test]
fn a_compatible_pair_has_no_reasons() {
    assert_eq!(check(&primary(), &secondary()), []);
    assert!(is_compatible(&primary(), &secondary(), &FromResources));
    // Larger secondary, same major version with another minor, both clustered alike: still fine.
    let mut p = primary();
    p.properties.shard_count = Some(3);
    p.properties.redis_version = Some("6.0".into());
    let mut s = secondary();
    s.properties.sku.capacity = 4;
    s.properties.shard_count = Some(3);
    s.properties.redis_version = Some("6.2.14".into());
    s = with_persistence(s, "false", "FALSE");
    assert_eq!(check(&p, &s), []);
    // A shard count of 0 is "not clustered", as the portal treats it.
    let mut s0 = secondary();
    s0.properties.shard_count = Some(0);
    assert_eq!(check(&primary(), &s0), []);
}

#[test]
fn same_cache_rule() {
    let p = primary();
    let mut same = primary();
    // The same id in another spelling is still the same cache.
    same.id = Some(p.id().to_ascii_lowercase().replace("/redis/", "/REDIS/"));
    let r = only_reason(&p, &same, "SameCache", &["itself"]);
    assert_eq!(r, Incompatibility::SameCache);
}

#[test]
fn not_premium() {
    let r = only_reason(&primary(), &standard(secondary()), "NotPremium", &["Standard", "Premium", "secondary"]);
    assert_eq!(r, Incompatibility::NotPremium { side: Side::Secondary, tier: "Standard".into() });
    let mut basic = primary();
    basic.properties.sku.name = SkuName::Basic;
    basic.properties.sku.family = SkuFamily::C;
    basic.properties.sku.capacity = 6; // not compared as a Premium size
    let r = only_reason(&basic, &secondary(), "NotPremium", &["Basic", "Premium", "primary"]);
    assert_eq!(r, Incompatibility::NotPremium { side: Side::Primary, tier: "Basic".into() });
}

#[test]
fn different_subscription() {
    let mut s = secondary();
    s.id = Some("/subscriptions/other/resourceGroups/rg/providers/Microsoft.Cache/Redis/contoso-dr-weu".into());
    let r = only_reason(&primary(), &s, "DifferentSubscription", &["subscription"]);
    assert_eq!(r, Incompatibility::DifferentSubscription);
    // Subscription ids compare without case.
    s.id = Some("/subscriptions/SUB/resourceGroups/rg2/providers/Microsoft.Cache/Redis/contoso-dr-weu".into());
    assert_eq!(check(&primary(), &s), []);
}

#[test]
fn same_region_rule() {
    let s = cache("contoso-dr-eus", "eastus");
    let r = only_reason(&primary(), &s, "SameRegion", &["East US"]);
    assert_eq!(r, Incompatibility::SameRegion { region: "East US".into() });
    // The name is the display name even when the primary spells it as a programmatic name.
    let p = cache("a", "westeurope");
    let r = only_reason(&p, &secondary(), "SameRegion", &["West Europe"]);
    assert_eq!(r, Incompatibility::SameRegion { region: "West Europe".into() });
}

#[test]
fn secondary_too_small() {
    let mut p = primary();
    p.properties.sku.capacity = 3;
    let mut s = secondary();
    s.properties.sku.capacity = 2;
    let r = only_reason(&p, &s, "SecondaryTooSmall", &["P3", "P2"]);
    assert_eq!(r, Incompatibility::SecondaryTooSmall { primary: "P3".into(), secondary: "P2".into() });
    s.properties.sku.capacity = 3;
    assert_eq!(check(&p, &s), [], "the same size is allowed");
}

#[test]
fn clustering_mismatch_either_way() {
    let mut p = primary();
    p.properties.shard_count = Some(2);
    let r = only_reason(&p, &secondary(), "ClusteringMismatch", &["the primary", "clustered"]);
    assert_eq!(r, Incompatibility::ClusteringMismatch { clustered: Side::Primary });

    let mut s = secondary();
    s.properties.shard_count = Some(2);
    let r = only_reason(&primary(), &s, "ClusteringMismatch", &["the secondary", "clustered"]);
    assert_eq!(r, Incompatibility::ClusteringMismatch { clustered: Side::Secondary });
}

#[test]
fn shard_count_mismatch() {
    let mut p = primary();
    p.properties.shard_count = Some(3);
    let mut s = secondary();
    s.properties.shard_count = Some(2);
    let r = only_reason(&p, &s, "ShardCountMismatch", &["secondary has 2 shards", "primary 3"]);
    assert_eq!(r, Incompatibility::ShardCountMismatch { primary: 3, secondary: 2 });
}

#[test]
fn redis_version_mismatch() {
    let mut s = secondary();
    s.properties.redis_version = Some("4.0.14".into());
    let r = only_reason(&primary(), &s, "RedisVersionMismatch", &["4.0.14", "6.0"]);
    assert_eq!(r, Incompatibility::RedisVersionMismatch { primary: "6.0".into(), secondary: "4.0.14".into() });
    // An unknown version (absent or unparsable) is not held against the pair.
    s.properties.redis_version = None;
    assert_eq!(check(&primary(), &s), []);
    s.properties.redis_version = Some("latest".into());
    assert_eq!(check(&primary(), &s), []);
}

#[test]
fn persistence_enabled_on_either_side() {
    let p = with_persistence(primary(), "true", "false");
    let r = only_reason(&p, &secondary(), "PersistenceEnabled", &["RDB", "primary"]);
    assert_eq!(r, Incompatibility::PersistenceEnabled { side: Side::Primary, kinds: "RDB" });

    let s = with_persistence(secondary(), "false", "True");
    let r = only_reason(&primary(), &s, "PersistenceEnabled", &["AOF", "secondary"]);
    assert_eq!(r, Incompatibility::PersistenceEnabled { side: Side::Secondary, kinds: "AOF" });

    let s = with_persistence(secondary(), "TRUE", "true");
    let r = only_reason(&primary(), &s, "PersistenceEnabled", &["RDB and AOF"]);
    assert_eq!(r, Incompatibility::PersistenceEnabled { side: Side::Secondary, kinds: "RDB and AOF" });
}

#[test]
fn already_linked_from_the_resources() {
    let p = linked_to(primary(), "someone-else");
    let r = only_reason(&p, &secondary(), "AlreadyLinked", &["primary", "already linked"]);
    assert_eq!(r, Incompatibility::AlreadyLinked { side: Side::Primary });

    let s = linked_to(secondary(), "someone-else");
    let r = only_reason(&primary(), &s, "AlreadyLinked", &["secondary"]);
    assert_eq!(r, Incompatibility::AlreadyLinked { side: Side::Secondary });
    assert!(FromResources.is_linked(&s));
    assert!(!FromResources.is_linked(&secondary()));
}

#[test]
fn operation_in_progress_is_not_also_not_running_or_already_linked() {
    for state in [ProvisioningState::Linking, ProvisioningState::Unlinking] {
        // Linking caches already list the link entry: only the operation is reported.
        let s = linked_to(with_state(secondary(), state.clone()), "contoso-prod-eus");
        let r = only_reason(&primary(), &s, "OperationInProgress", &[state.as_str(), "secondary"]);
        assert_eq!(r, Incompatibility::OperationInProgress { side: Side::Secondary, state: state.to_string() });
        assert!(FromResources.has_operation(&s));
    }
    let p = with_state(primary(), ProvisioningState::Linking);
    let r = only_reason(&p, &secondary(), "OperationInProgress", &["Linking", "primary"]);
    assert_eq!(r, Incompatibility::OperationInProgress { side: Side::Primary, state: "Linking".into() });
}

#[test]
fn not_running() {
    let s = with_state(secondary(), ProvisioningState::Scaling);
    let r = only_reason(&primary(), &s, "NotRunning", &["Scaling", "Succeeded"]);
    assert_eq!(r, Incompatibility::NotRunning { side: Side::Secondary, state: "Scaling".into() });

    let p = with_state(primary(), ProvisioningState::Other("Hibernating".into()));
    let r = only_reason(&p, &secondary(), "NotRunning", &["Hibernating"]);
    assert_eq!(r, Incompatibility::NotRunning { side: Side::Primary, state: "Hibernating".into() });

    let mut unknown = secondary();
    unknown.properties.provisioning_state = None;
    let r = only_reason(&primary(), &unknown, "NotRunning", &["in an unknown state"]);
    assert_eq!(r, Incompatibility::NotRunning { side: Side::Secondary, state: "in an unknown state".into() });
}

// ---------------------------------------------------------------------------------------------------
// Combinations
// ---------------------------------------------------------------------------------------------------

#[test]
fn every_problem_is_reported_at_once() {
    let mut p = with_persistence(primary(), "true", "false");
    p.properties.sku.capacity = 2;
    p.properties.shard_count = Some(3);
    let mut s = standard(cache("dr", "East US"));
    s.id = Some("/subscriptions/other/resourceGroups/rg/providers/Microsoft.Cache/Redis/dr".into());
    s.properties.redis_version = Some("4.0.14".into());
    s = with_persistence(s, "true", "true");
    s = with_state(s, ProvisioningState::Updating);
    s = linked_to(s, "x");
    let reasons = check(&p, &s);
    let codes: Vec<&str> = reasons.iter().map(Incompatibility::code).collect();
    assert_eq!(
        codes,
        [
            "DifferentSubscription",
            "NotPremium",
            "SameRegion",
            "ClusteringMismatch",
            "RedisVersionMismatch",
            "PersistenceEnabled",
            "PersistenceEnabled",
            "AlreadyLinked",
            "NotRunning",
        ]
    );
    assert!(reasons.contains(&Incompatibility::PersistenceEnabled { side: Side::Primary, kinds: "RDB" }));
    assert!(reasons.contains(&Incompatibility::PersistenceEnabled { side: Side::Secondary, kinds: "RDB and AOF" }));
    assert!(reasons.contains(&Incompatibility::NotRunning { side: Side::Secondary, state: "Updating".into() }));
    for r in &reasons {
        assert_sentence(r, &[]);
    }
}

#[test]
fn size_and_shards_are_both_reported() {
    let mut p = primary();
    p.properties.sku.capacity = 5;
    p.properties.shard_count = Some(4);
    let mut s = secondary();
    s.properties.shard_count = Some(2);
    assert_eq!(
        check(&p, &s),
        [
            Incompatibility::SecondaryTooSmall { primary: "P5".into(), secondary: "P1".into() },
            Incompatibility::ShardCountMismatch { primary: 4, secondary: 2 },
        ]
    );
}

#[test]
fn codes_are_stable_and_distinct() {
    let all = [
        Incompatibility::SameCache,
        Incompatibility::NotPremium { side: Side::Primary, tier: "Standard".into() },
        Incompatibility::DifferentSubscription,
        Incompatibility::SameRegion { region: "East US".into() },
        Incompatibility::SecondaryTooSmall { primary: "P2".into(), secondary: "P1".into() },
        Incompatibility::ClusteringMismatch { clustered: Side::Primary },
        Incompatibility::ShardCountMismatch { primary: 2, secondary: 3 },
        Incompatibility::RedisVersionMismatch { primary: "6.0".into(), secondary: "4.0".into() },
        Incompatibility::PersistenceEnabled { side: Side::Secondary, kinds: "AOF" },
        Incompatibility::AlreadyLinked { side: Side::Secondary },
        Incompatibility::OperationInProgress { side: Side::Primary, state: "Linking".into() },
        Incompatibility::NotRunning { side: Side::Primary, state: "Scaling".into() },
    ];
    let codes: Vec<&str> = all.iter().map(Incompatibility::code).collect();
    assert_eq!(
        codes,
        [
            "SameCache",
            "NotPremium",
            "DifferentSubscription",
            "SameRegion",
            "SecondaryTooSmall",
            "ClusteringMismatch",
            "ShardCountMismatch",
            "RedisVersionMismatch",
            "PersistenceEnabled",
            "AlreadyLinked",
            "OperationInProgress",
            "NotRunning",
        ]
    );
    for r in &all {
        assert_sentence(r, &[]);
    }
}

// ---------------------------------------------------------------------------------------------------
// The topology as the world
// ---------------------------------------------------------------------------------------------------

#[test]
fn the_topology_answers_for_links_and_operations() {
    let (p, s, third) = (primary(), secondary(), cache("contoso-dr-jpe", "Japan East"));
    let mut t = Topology::default();
    assert!(!t.is_linked(&p) && !t.has_operation(&p));
    t.begin_link(&p, &s).expect("compatible");

    // While linking, the emulator shows the caches as Linking: the third cache sees an operation.
    let linking_p = with_state(p.clone(), ProvisioningState::Linking);
    assert!(t.is_linked(&p) && t.has_operation(&p) && t.has_operation(&s));
    assert_eq!(
        compatibility(&linking_p, &third, &t),
        [Incompatibility::OperationInProgress { side: Side::Primary, state: "Linking".into() }]
    );
    let linking_s = with_state(s.clone(), ProvisioningState::Linking);
    assert_eq!(
        compatibility(&third, &linking_s, &t),
        [Incompatibility::OperationInProgress { side: Side::Secondary, state: "Linking".into() }]
    );

    // Once synced, the caches are linked but idle.
    let id = georep::arm::ResourceId::parse(p.id()).expect("id");
    t.apply(&id, LinkEvent::SyncStarted).expect("sync");
    t.apply(&id, LinkEvent::Synced).expect("synced");
    assert!(t.is_linked(&s) && !t.has_operation(&s));
    assert_eq!(compatibility(&third, &s, &t), [Incompatibility::AlreadyLinked { side: Side::Secondary }]);
    // Linking the same pair again, either way round, is refused too.
    assert!(!compatibility(&p, &s, &t).is_empty());
    assert!(!compatibility(&s, &p, &t).is_empty());

    // Unlinked: free again.
    t.apply(&id, LinkEvent::UnlinkStarted).expect("unlink");
    t.apply(&id, LinkEvent::Unlinked).expect("unlinked");
    assert_eq!(compatibility(&third, &s, &t), []);
    assert_eq!(compatibility(&p, &s, &t), []);
}

#[test]
fn a_failed_unlink_leaves_the_link_as_it_was() {
    let (p, s) = (primary(), secondary());
    let id = georep::arm::ResourceId::parse(p.id()).expect("id");
    let mut t = Topology::default();
    t.begin_link(&p, &s).expect("compatible");
    t.apply(&id, LinkEvent::LinkFailed).expect("fail");
    t.apply(&id, LinkEvent::UnlinkStarted).expect("unlink a failed link");
    let after = t.apply(&id, LinkEvent::UnlinkFailed).expect("unlink failed").expect("link kept");
    assert_eq!(after.phase, georep::geo::LinkPhase::Failed, "a failed link whose unlink fails is still failed");

    t.apply(&id, LinkEvent::UnlinkStarted).expect("unlink again");
    assert_eq!(t.apply(&id, LinkEvent::Unlinked).expect("unlinked"), None);
    assert!(t.links().is_empty());
}

// ---------------------------------------------------------------------------------------------------
// Host names, regions, cost
// ---------------------------------------------------------------------------------------------------

#[test]
fn host_names_follow_the_service() {
    assert_eq!(geo_primary_host_name("Contoso-DR"), "contoso-dr.geo.redis.cache.windows.net");
    assert_eq!(host_name("Contoso-Prod"), "contoso-prod.redis.cache.windows.net");
}

#[test]
fn regions_compare_by_display_or_programmatic_name() {
    assert!(same_region("East US", "eastus"));
    assert!(same_region("EAST US 2", "eastus2"));
    assert!(!same_region("East US", "East US 2"));
    assert!(!same_region("West US", "West US 2"));
    assert_eq!(region_display_name("westeurope"), "West Europe");
    assert_eq!(region_display_name("southeastasia"), "Southeast Asia");
    assert_eq!(region_display_name("Mars North"), "Mars North", "unknown regions are kept as given");
    assert_eq!(geography("eastus"), Some(Geography::NorthAmerica));
    assert_eq!(geography("North Europe"), Some(Geography::Europe));
    assert_eq!(geography("Japan East"), Some(Geography::Asia));
    assert_eq!(geography("brazilsouth"), Some(Geography::SouthAmerica));
    assert_eq!(geography("Mars North"), None);
}

#[test]
fn transfer_cost_grows_with_bytes_and_distance() {
    const GB10: u64 = 10_000_000_000;
    assert_eq!(transfer_cost_usd(0, "East US", "West Europe"), 0.0);
    let within_us = transfer_cost_usd(GB10, "East US", "West US");
    let us_to_eu = transfer_cost_usd(GB10, "East US", "West Europe");
    let within_asia = transfer_cost_usd(GB10, "Japan East", "Southeast Asia");
    let unknown = transfer_cost_usd(GB10, "Mars North", "East US");
    assert!((within_us - 0.2).abs() < 1e-9, "{within_us}");
    assert!((us_to_eu - 0.5).abs() < 1e-9, "{us_to_eu}");
    assert!((within_asia - 0.8).abs() < 1e-9, "{within_asia}");
    assert!((unknown - 0.8).abs() < 1e-9, "{unknown}");
    assert!(transfer_cost_usd(2 * GB10, "East US", "West US") > within_us);
    // Spelling does not matter.
    assert_eq!(transfer_cost_usd(GB10, "eastus", "westus"), within_us);
}

#[test]
fn link_speed_is_slower_across_continents() {
    assert_eq!(link_speed_factor("East US", "West US"), 1.0);
    let across = link_speed_factor("East US", "West Europe");
    let unknown = link_speed_factor("East US", "Mars North");
    assert!(0.0 < unknown && unknown < across && across < 1.0);
}

#[test]
fn own_reasons_are_the_ones_compatibility_gives_about_that_cache() {
    use georep::geo::{Side, own_reasons};
    let cases = [
        primary(),
        standard(primary()),
        with_persistence(primary(), "true", "false"),
        with_state(primary(), ProvisioningState::Failed),
        linked_to(primary(), "elsewhere"),
        with_state(primary(), ProvisioningState::Linking),
    ];
    for p in cases {
        let own = own_reasons(Side::Primary, &p, &FromResources);
        let all = check(&p, &secondary());
        let about_primary: Vec<_> = all
            .into_iter()
            .filter(|r| {
                matches!(
                    r,
                    Incompatibility::NotPremium { side: Side::Primary, .. }
                        | Incompatibility::PersistenceEnabled { side: Side::Primary, .. }
                        | Incompatibility::AlreadyLinked { side: Side::Primary }
                        | Incompatibility::OperationInProgress { side: Side::Primary, .. }
                        | Incompatibility::NotRunning { side: Side::Primary, .. }
                )
            })
            .collect();
        assert_eq!(own, about_primary, "{:?}", p.properties.provisioning_state);
    }
    assert!(own_reasons(Side::Primary, &primary(), &FromResources).is_empty());
    let failed = own_reasons(Side::Primary, &with_state(primary(), ProvisioningState::Failed), &FromResources);
    assert_eq!(failed.first().map(|r| r.code()), Some("NotRunning"));
}

#[test]
fn every_region_of_the_demo_fleet_and_of_the_rules_is_on_the_map() {
    let fleet = georep::emulator::fleet::load(georep::emulator::fleet::DEMO_FLEET).expect("the demo fleet loads");
    assert!(!fleet.caches.is_empty());
    for c in &fleet.caches {
        let at = georep::geo::coordinates(&c.resource.location);
        assert!(at.is_some(), "{} ({}) has no coordinates", c.resource.name(), c.resource.location);
    }
    for region in georep::geo::known_regions() {
        assert!(georep::geo::coordinates(region).is_some(), "{region} has no coordinates");
        assert!(georep::geo::coordinates(&region.replace(' ', "").to_lowercase()).is_some(), "{region}, ARM's name");
    }
}
