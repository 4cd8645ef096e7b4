//! The move plan for the demo fleet's linked Premium pair, built from what the client reads of the
//! in-process emulator over real HTTP: the caches, the Managed Redis clusters and their databases,
//! gathered into groups and asked through the group rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use georep::arm::ResourceId;
use georep::arm::enterprise::Database;
use georep::client::ArmClient;
use georep::emulator::Config;
use georep::geo::{ActiveGroup, GroupChoice, MoveStep, group_members, plan_move};
use support::emulator::start;

const SUB: &str = "11111111-2222-3333-4444-555555555555";

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_pair_plans_a_new_group_and_says_why_not_the_existing_one() {
    let emu = start(Config::default()).await;
    let c = ArmClient::new(&emu.url(), None).unwrap();
    let rg = "rg-contoso-inventory";
    let primary = c.get_cache(&ResourceId::cache(SUB, rg, "contoso-inventory-eus")).await.unwrap();
    let secondary = c.get_cache(&ResourceId::cache(SUB, rg, "contoso-inventory-weu")).await.unwrap();
    let clusters = c.list_clusters(SUB).await.unwrap();
    let mut databases: Vec<Database> = Vec::new();
    for cluster in &clusters {
        let id = georep::arm::enterprise::EnterpriseId::parse(cluster.id.as_deref().unwrap()).unwrap();
        databases.extend(c.list_databases(&id).await.unwrap());
    }
    let gathered = group_members(&clusters, &databases);
    assert_eq!(gathered.iter().map(|(n, m)| (n.as_str(), m.len())).collect::<Vec<_>>(), [("orders-geo", 3)]);
    let groups: Vec<ActiveGroup> =
        gathered.iter().map(|(nickname, members)| ActiveGroup { nickname, members }).collect();

    let plan = plan_move(&primary, &secondary, Some(rg), &groups);
    assert!(plan.obstacles.is_empty(), "{:?}", plan.obstacles);
    // P1 (6 GB) needs 7.5 GB with Managed Redis's reserve: Balanced B10.
    assert_eq!(plan.size.map(|s| s.sku_name()).as_deref(), Some("Balanced_B10"));
    assert_eq!(plan.primary.premium, "P1");
    // The group reaches both regions, but its members are Balanced B5: the rules say so.
    assert_eq!(plan.groups.len(), 1);
    let g = &plan.groups[0];
    assert_eq!(g.regions_reached, ["East US", "West Europe"]);
    assert_eq!(g.refusals.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["SkuMismatch"]);
    assert!(plan.joins().is_none());
    assert_eq!(
        plan.steps[1],
        MoveStep::CreateDatabases { group: GroupChoice::New { nickname: "contoso-inventory-eus-group".into() } }
    );
    assert_eq!(plan.steps.len(), 6);
    assert!(
        plan.steps[4]
            .sentence()
            .contains("georep unlink --name contoso-inventory-eus --resource-group rg-contoso-inventory")
    );
}
