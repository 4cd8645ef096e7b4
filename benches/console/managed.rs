//! Azure Managed Redis with 10,000 clusters (groups of three across regions, a fifth of the clusters
//! outside any group, every tenth with no database): the console fed them as the poller would, and
//! each Managed Redis blade open, for the frame benchmarks; and what runs per poll rather than per
//! frame (the fleet's indexes, the Add cache to group verdicts).

use std::collections::HashMap;
use std::sync::Arc;

use georep::arm::enterprise::{Cluster, Database, EnterpriseId};
use georep::tui::AppOptions;
use georep::tui::action::Action;
use georep::tui::health::Window;
use georep::tui::managed::{ManagedFleet, cluster_id};
use georep::tui::managed_health::{ManagedHealth, ManagedWatch};
use georep::tui::snapshot::Snapshot;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

use super::headless::Offline;
use super::{REGIONS, SUBS};

pub const CLUSTERS: usize = 10_000;

fn cluster_of(i: usize) -> EnterpriseId {
    EnterpriseId::cluster(SUBS[i % 2].0, &format!("rg-amr-{}", i % 40), &format!("amr-{i:05}"))
}

/// The clusters and their databases.
pub fn fleet() -> (Vec<Cluster>, HashMap<EnterpriseId, Vec<Database>>) {
    let mut clusters = Vec::with_capacity(CLUSTERS);
    let mut databases = HashMap::new();
    for i in 0..CLUSTERS {
        let id = cluster_of(i);
        let cluster: Cluster = serde_json::from_value(json!({
            "id": id.to_string(), "name": id.cluster, "type": "Microsoft.Cache/redisEnterprise",
            "location": REGIONS[i % REGIONS.len()], "sku": {"name": if i % 7 == 0 { "Balanced_B1" } else { "Balanced_B5" }},
            "properties": {"provisioningState": "Succeeded", "resourceState": "Running", "highAvailability": "Enabled",
                           "hostName": format!("{}.redis.azure.net", id.cluster), "redisVersion": "7.4"}
        }))
        .expect("a cluster");
        clusters.push(cluster);
        if i % 10 == 9 {
            databases.insert(id, Vec::new());
            continue;
        }
        // Groups of three consecutive clusters below 8,000; the rest stand alone.
        let group = (i < 8_000).then(|| i / 3 * 3);
        let geo = group.map(|g| {
            let members: Vec<_> = (g..g + 3)
                .filter(|m| m % 10 != 9)
                .map(|m| json!({"id": cluster_of(m).database("default").to_string(), "state": "Linked"}))
                .collect();
            json!({"groupNickname": format!("group-{g}"), "linkedDatabases": members})
        });
        let db: Database = serde_json::from_value(json!({
            "id": id.database("default").to_string(), "name": format!("{}/default", id.cluster),
            "properties": {"clientProtocol": "Encrypted", "port": 10000, "clusteringPolicy": "EnterpriseCluster",
                           "evictionPolicy": "NoEviction", "modules": [{"name": "RediSearch"}],
                           "provisioningState": "Succeeded", "resourceState": "Running", "geoReplication": geo}
        }))
        .expect("a database");
        databases.insert(id, vec![db]);
    }
    (clusters, databases)
}

pub fn managed() -> Arc<ManagedFleet> {
    let (clusters, databases) = fleet();
    Arc::new(ManagedFleet::build(clusters, databases, |s| s.to_string()))
}

/// A console on the Premium bench fleet and the 10,000 clusters, on `screen`: `list` (Home ▸ Azure
/// Managed Redis), `overview`, `active` (Active geo-replication), `add` (Add cache to group),
/// `dashboard`.
pub fn console(snapshot: &Snapshot, managed: &Arc<ManagedFleet>, screen: &str) -> Offline {
    let mut o = Offline::new(AppOptions::new("demo backend", Theme::azure()), (super::WIDTH, super::HEIGHT));
    let snap = Snapshot::build(snapshot.subscriptions.clone(), snapshot.caches.clone(), snapshot.linked.clone(), None)
        .with_managed(managed.clone());
    o.send(Action::Polled(Arc::new(snap)));
    o.key(KeyCode::Char('t'));
    if screen == "list" {
        return o;
    }
    // amr-04500: a member of group-4500.
    o.key(KeyCode::Char('/'));
    o.text("amr-04500");
    o.keys(&[KeyCode::Enter, KeyCode::Enter]);
    match screen {
        "overview" => {}
        "active" => o.key(KeyCode::Char('2')),
        "add" => o.keys(&[KeyCode::Char('2'), KeyCode::Char('a')]),
        "dashboard" => {
            o.key(KeyCode::Char('4'));
            let cluster = cluster_of(4500);
            let points = (0..30).map(|m| (f64::from(m) - 29.0, 1.0)).collect();
            let watch = ManagedWatch { cluster, window: Window::Minutes30 };
            let health = ManagedHealth { watch, points, latest: Some(1.0), newest: None };
            o.send(Action::ManagedMetricsLoaded(Ok(Box::new(health))));
        }
        other => panic!("no screen {other}"),
    }
    o
}

/// The fleet's ids, for a check that every cluster parsed.
pub fn count(fleet: &ManagedFleet) -> usize {
    fleet.clusters.iter().filter_map(cluster_id).count()
}
