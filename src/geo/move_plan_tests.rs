use super::*;
use crate::geo::AmrTier;

fn cache(name: &str, location: &str, sku: (&str, &str, u32), shards: Option<u32>) -> RedisResource {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "location": location,
        "properties": {
            "sku": { "name": sku.0, "family": sku.1, "capacity": sku.2 },
            "shardCount": shards,
        }
    }))
    .unwrap()
}

fn premium(name: &str, location: &str, capacity: u32, shards: Option<u32>) -> RedisResource {
    cache(name, location, ("Premium", "P", capacity), shards)
}

/// A group whose rules are given: it takes new members of `accepts` (any size when `None`) while it has
/// room for them (five at most).
struct Group {
    nickname: &'static str,
    locations: Vec<&'static str>,
    accepts: Option<&'static str>,
}

impl ExistingGroup for Group {
    fn nickname(&self) -> &str {
        self.nickname
    }
    fn member_locations(&self) -> Vec<String> {
        self.locations.iter().map(|l| l.to_string()).collect()
    }
    fn refusals(&self, size: &AmrSize, joining: usize) -> Vec<GroupRefusal> {
        let mut out = Vec::new();
        if let Some(sku) = self.accepts
            && size.sku_name() != sku
        {
            out.push(GroupRefusal { code: "SkuDiffers".into(), message: format!("members are {sku}") });
        }
        if self.locations.len() + joining > 5 {
            out.push(GroupRefusal { code: "GroupFull".into(), message: "five members at most".into() });
        }
        out
    }
}

const NO_GROUPS: [Group; 0] = [];

#[test]
fn a_pair_moves_to_one_size_for_both_in_a_new_group() {
    let p = premium("contoso-prod-eus", "East US", 2, None);
    let s = premium("contoso-dr-weu", "West Europe", 3, None);
    let plan = plan_move(&p, &s, Some("rg-contoso"), &NO_GROUPS);
    assert!(plan.obstacles.is_empty());
    assert_eq!(plan.primary.size.map(|c| matches!(c, SizeChoice::Fits(s) if s.short() == "B20")), Some(true));
    assert_eq!(plan.secondary.size.map(|c| matches!(c, SizeChoice::Fits(s) if s.short() == "B50")), Some(true));
    // The secondary is the larger (a Premium secondary may be): both new caches get its size.
    assert_eq!(plan.size.map(|s| s.short()).as_deref(), Some("B50"));
    assert_eq!(plan.primary.premium, "P2");
    assert!(plan.groups.is_empty() && plan.joins().is_none());
    let titles: Vec<&str> = plan.steps.iter().map(MoveStep::title).collect();
    assert_eq!(
        titles,
        [
            "Create the caches",
            "Create the databases in one group",
            "Copy the data",
            "Switch the clients",
            "Unlink the Premium pair",
            "Delete the Premium caches"
        ]
    );
    assert_eq!(
        plan.steps[1],
        MoveStep::CreateDatabases { group: GroupChoice::New { nickname: "contoso-prod-eus-group".into() } }
    );
    let first = plan.steps[0].sentence();
    assert!(first.contains("Balanced B50 (60 GB) in East US and West Europe"), "{first}");
    assert!(first.contains("high availability on, no data persistence"), "{first}");
    let unlink = plan.steps[4].sentence();
    assert!(
        unlink.contains(
            "georep unlink --name contoso-prod-eus --resource-group rg-contoso --linked-server-name contoso-dr-weu"
        ),
        "{unlink}"
    );
    assert!(plan.steps[2].sentence().contains("contoso-prod-eus (the geo-primary"));
}

#[test]
fn a_compatible_group_in_the_regions_is_found_and_joined() {
    let p = premium("a", "East US", 1, None);
    let s = premium("b", "West Europe", 1, None);
    let groups = [
        // Elsewhere: not listed.
        Group { nickname: "asia", locations: vec!["Japan East", "Southeast Asia"], accepts: None },
        // In the regions, but another SKU.
        Group { nickname: "big", locations: vec!["eastus", "westeurope"], accepts: Some("Balanced_B100") },
        // In one region, the same SKU, room for two.
        Group { nickname: "orders", locations: vec!["eastus", "West US"], accepts: Some("Balanced_B10") },
    ];
    let plan = plan_move(&p, &s, None, &groups);
    let listed: Vec<(&str, bool)> = plan.groups.iter().map(|g| (g.nickname.as_str(), g.is_compatible())).collect();
    assert_eq!(listed, [("orders", true), ("big", false)]);
    assert_eq!(plan.groups[0].regions_reached, ["East US"]);
    assert_eq!(plan.groups[1].regions_reached, ["East US", "West Europe"]);
    assert_eq!(plan.groups[1].refusals[0].code, "SkuDiffers");
    assert_eq!(plan.joins().map(|g| g.nickname.as_str()), Some("orders"));
    assert_eq!(plan.steps[1], MoveStep::CreateDatabases { group: GroupChoice::Existing { nickname: "orders".into() } });
    assert!(plan.steps[0].sentence().contains("of group 'orders'"));
    assert!(plan.steps[1].sentence().contains("existing group 'orders'"));
    // No resource group known: the unlink names no command.
    assert!(!plan.steps[4].sentence().contains("georep unlink"));
}

#[test]
fn no_compatible_group_means_a_new_one() {
    let p = premium("a", "East US", 1, None);
    let s = premium("b", "West Europe", 1, None);
    let full =
        Group { nickname: "full", locations: vec!["East US", "West Europe", "West US", "Japan East"], accepts: None };
    let plan = plan_move(&p, &s, None, &[full]);
    assert_eq!(plan.groups.len(), 1);
    assert_eq!(plan.groups[0].refusals[0].code, "GroupFull");
    assert!(plan.joins().is_none());
    assert_eq!(plan.steps[1], MoveStep::CreateDatabases { group: GroupChoice::New { nickname: "a-group".into() } });
}

#[test]
fn a_pair_too_large_to_geo_replicate_has_no_steps() {
    let p = premium("huge", "East US", 5, Some(30));
    let s = premium("huge-dr", "West US", 5, Some(30));
    let groups = [Group { nickname: "g", locations: vec!["East US"], accepts: None }];
    let plan = plan_move(&p, &s, None, &groups);
    assert!(plan.steps.is_empty() && plan.size.is_none() && plan.groups.is_empty());
    assert_eq!(plan.obstacles.len(), 2);
    let m = plan.obstacles[0].message();
    assert!(m.contains("huge can hold 3600 GB, which needs 4500 GB") && m.contains("Memory Optimized M2000"), "{m}");
}

#[test]
fn large_clustered_pairs_go_to_memory_optimized_and_never_to_geo_incapable_sizes() {
    let p = premium("a", "East US", 5, Some(10));
    let s = premium("b", "West US", 5, Some(10));
    let plan = plan_move(&p, &s, None, &NO_GROUPS);
    let size = plan.size.unwrap();
    assert_eq!(size.tier, AmrTier::MemoryOptimized);
    assert!(size.supports_active_geo_replication());
    for capacity in 1..=5 {
        for shards in [None, Some(2), Some(4)] {
            let plan = plan_move(
                &premium("a", "East US", capacity, shards),
                &premium("b", "West US", capacity, shards),
                None,
                &NO_GROUPS,
            );
            let size = plan.size.unwrap();
            assert!(size.supports_active_geo_replication(), "{size}");
            assert!(size.usable_bytes() >= plan.primary.capacity_bytes.unwrap());
        }
    }
}

#[test]
fn a_cache_that_is_not_premium_is_an_obstacle() {
    let p = cache("std", "East US", ("Standard", "C", 1), None);
    let s = premium("b", "West US", 1, None);
    let plan = plan_move(&p, &s, None, &NO_GROUPS);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.obstacles, [MoveObstacle::UnknownSize { cache: "std".into(), sku: "Standard C1".into() }]);
    assert!(plan.obstacles[0].message().contains("only Premium P1..P5"));
}

#[test]
fn lists_read_as_sentences() {
    assert_eq!(and_list(&[]), "");
    assert_eq!(and_list(&["a".into()]), "a");
    assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
}

// ------------------------------------------------------------------------------ with the group rules

use crate::arm::enterprise::{Cluster, Database};
use crate::geo::{ActiveGroup, GroupMember};

fn amr_cluster(name: &str, location: &str, sku: &str) -> Cluster {
    serde_json::from_value(serde_json::json!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/{name}"),
        "name": name, "location": location, "sku": { "name": sku },
        "properties": { "provisioningState": "Succeeded", "highAvailability": "Enabled" }
    }))
    .unwrap()
}

fn amr_database(cluster: &str) -> Database {
    amr_member(cluster, "orders", &[])
}

fn db_id(cluster: &str) -> String {
    format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/{cluster}/databases/default")
}

/// A database of `cluster` in group `nickname` listing `members`' databases.
fn amr_member(cluster: &str, nickname: &str, members: &[&str]) -> Database {
    let linked: Vec<serde_json::Value> =
        members.iter().map(|m| serde_json::json!({ "id": db_id(m), "state": "Linked" })).collect();
    serde_json::from_value(serde_json::json!({
        "id": db_id(cluster),
        "properties": {
            "provisioningState": "Succeeded",
            "geoReplication": { "groupNickname": nickname, "linkedDatabases": linked }
        }
    }))
    .unwrap()
}

#[test]
fn the_group_rules_decide_through_active_group() {
    let p = premium("a", "East US", 1, None);
    let s = premium("b", "West Europe", 1, None);
    let regions =
        [("amr-eus", "East US"), ("amr-weu", "West Europe"), ("amr-wus", "West US"), ("amr-jpe", "Japan East")];
    let plan_with = |sku: &str, members: usize| {
        let clusters: Vec<Cluster> = regions[..members].iter().map(|(n, l)| amr_cluster(n, l, sku)).collect();
        let databases: Vec<Database> = regions[..members].iter().map(|(n, _)| amr_database(n)).collect();
        let members: Vec<GroupMember> =
            clusters.iter().zip(&databases).map(|(cluster, database)| GroupMember { cluster, database }).collect();
        let group = ActiveGroup { nickname: "orders", members: &members };
        plan_move(&p, &s, None, &[group])
    };
    // Three members of the plan's size (B10): room for the two new ones.
    let plan = plan_with("Balanced_B10", 3);
    assert_eq!(plan.joins().map(|g| g.nickname.as_str()), Some("orders"));
    assert_eq!(plan.groups[0].regions_reached, ["East US", "West Europe"]);
    // Four: the two would make six.
    let plan = plan_with("Balanced_B10", 4);
    assert!(plan.joins().is_none());
    assert_eq!(plan.groups[0].refusals.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["GroupFull"]);
    // Another size: the rules' SKU mismatch, with its sentence.
    let plan = plan_with("Balanced_B20", 2);
    assert_eq!(plan.groups[0].refusals[0].code, "SkuMismatch");
    assert!(plan.groups[0].refusals[0].message.contains("every member must have the same SKU"));
    assert_eq!(plan.steps[1], MoveStep::CreateDatabases { group: GroupChoice::New { nickname: "a-group".into() } });
}

#[test]
fn groups_are_gathered_from_the_fleet_by_nickname_and_members() {
    let clusters: Vec<Cluster> =
        ["a", "b", "c", "d", "e"].iter().map(|n| amr_cluster(n, "East US", "Balanced_B10")).collect();
    let databases = vec![
        amr_member("a", "orders", &["a", "b", "c"]),
        amr_member("b", "ORDERS", &["c", "b", "a"]),
        // Force-unlinked from `orders`: its own splinter.
        amr_member("c", "orders", &["c"]),
        amr_member("d", "catalog", &["d", "e"]),
        amr_member("e", "catalog", &["d", "e"]),
        // A database on no listed cluster, and one in no group, are left out.
        amr_member("zz", "orders", &["a", "b", "c"]),
        serde_json::from_value(serde_json::json!({ "id": db_id("e"), "properties": {} })).unwrap(),
    ];
    let groups = group_members(&clusters, &databases);
    let shape: Vec<(&str, Vec<&str>)> =
        groups.iter().map(|(n, m)| (n.as_str(), m.iter().map(|m| m.cluster.cluster_name()).collect())).collect();
    assert_eq!(shape, [("orders", vec!["a", "b"]), ("orders", vec!["c"]), ("catalog", vec!["d", "e"])]);
}
