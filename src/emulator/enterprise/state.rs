//! The Managed Redis state: clusters as created, databases with what they hold, the links of the
//! groups (one record per pair of members, which both sides show), and the operations.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::arm::enterprise::{
    CLUSTER_TYPE, Cluster, DATABASE_TYPE, Database, EnterpriseDataPlane, EnterpriseId, EnterpriseOperationStatus,
    EnterpriseProvisioningState, GeoReplication, LinkState, LinkedDatabase, ResourceState,
};
use crate::arm::{ErrorDetail, OperationState};
use crate::geo::region_key;

/// One database: its settings as created, its data, and where it stands in a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseRecord {
    /// As created: the settings (`geoReplication` is rendered from [`EnterpriseState::links`]).
    pub database: Database,
    pub keys: u64,
    pub bytes: u64,
    /// The group nickname while a member; kept after a force-unlink (a splinter of that group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Force-unlinked from `group`: rejoins only by force-link or by being recreated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_unlinked: bool,
    /// Creating or being recreated (force-link) until its links are Linked, or this time for one alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<Busy>,
}

/// A database's running change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Busy {
    pub state: EnterpriseProvisioningState,
    pub since: DateTime<Utc>,
}

/// The link between two members of a group; both show its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairLink {
    pub a: EnterpriseId,
    pub b: EnterpriseId,
    pub state: LinkState,
    pub since: DateTime<Utc>,
    /// The side that takes the other's data while Linking (a new or force-linked member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joining: Option<EnterpriseId>,
}

impl PairLink {
    pub fn key(a: &EnterpriseId, b: &EnterpriseId) -> String {
        let (x, y) = (a.key(), b.key());
        if x <= y { format!("{x}|{y}") } else { format!("{y}|{x}") }
    }

    pub fn involves(&self, id: &EnterpriseId) -> bool {
        self.a == *id || self.b == *id
    }

    pub fn peer(&self, id: &EnterpriseId) -> Option<&EnterpriseId> {
        if self.a == *id {
            Some(&self.b)
        } else if self.b == *id {
            Some(&self.a)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnterpriseOperationKind {
    Create,
    ForceUnlink,
    ForceLink,
    Flush,
}

/// A long-running Managed Redis operation, polled at `.../locations/{loc}/operationsStatus/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseOperation {
    pub id: Uuid,
    pub kind: EnterpriseOperationKind,
    pub subscription: String,
    /// The region key (`westeurope`) of the database addressed.
    pub location: String,
    /// The database addressed.
    pub database: EnterpriseId,
    /// The others it acts on (force-unlink: the ones dropped; flush: the ones cleared).
    #[serde(default)]
    pub others: Vec<EnterpriseId>,
    pub status: OperationState,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub error: Option<ErrorDetail>,
}

impl EnterpriseOperation {
    pub fn begin(
        kind: EnterpriseOperationKind,
        database: &EnterpriseId,
        location: &str,
        others: Vec<EnterpriseId>,
    ) -> Self {
        EnterpriseOperation {
            id: Uuid::new_v4(),
            kind,
            subscription: database.subscription.clone(),
            location: region_key(location),
            database: database.clone(),
            others,
            status: OperationState::InProgress,
            start_time: Utc::now(),
            end_time: None,
            error: None,
        }
    }

    /// The path of its status (`/subscriptions/.../operationsStatus/{id}`).
    pub fn status_path(&self) -> String {
        format!(
            "/subscriptions/{}/providers/Microsoft.Cache/locations/{}/operationsStatus/{}",
            self.subscription, self.location, self.id
        )
    }

    pub fn status_body(&self) -> EnterpriseOperationStatus {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        EnterpriseOperationStatus {
            id: Some(self.status_path()),
            name: Some(self.id.to_string()),
            status: self.status.clone(),
            start_time: Some(time(self.start_time)),
            end_time: self.end_time.map(time),
            percent_complete: None,
            error: self.error.clone(),
            extra: Default::default(),
        }
    }

    pub fn finish(&mut self, now: DateTime<Utc>, error: Option<ErrorDetail>) {
        self.status = if error.is_some() { OperationState::Failed } else { OperationState::Succeeded };
        self.error = error;
        self.end_time = Some(now);
    }
}

/// Everything the emulator knows of Managed Redis; part of the state file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseState {
    /// Keyed by [`EnterpriseId::key`] of the cluster.
    pub clusters: BTreeMap<String, Cluster>,
    /// Keyed by [`EnterpriseId::key`] of the database.
    pub databases: BTreeMap<String, DatabaseRecord>,
    /// Keyed by [`PairLink::key`].
    pub links: BTreeMap<String, PairLink>,
    pub operations: Vec<EnterpriseOperation>,
    /// Regions that are down (`--region-down`, or set at run time), as region keys, with since when.
    /// Not persisted: a condition of this run.
    #[serde(skip)]
    pub regions_down: BTreeMap<String, DateTime<Utc>>,
    /// `geoReplicationHealthy` per database and minute (not persisted).
    #[serde(skip)]
    pub health: super::metrics::HealthHistory,
}

/// Finished operations kept for status queries.
const KEEP_FINISHED: usize = 200;

impl EnterpriseState {
    pub fn cluster(&self, id: &EnterpriseId) -> Option<&Cluster> {
        self.clusters.get(&id.cluster_id().key())
    }

    pub fn database(&self, id: &EnterpriseId) -> Option<&DatabaseRecord> {
        self.databases.get(&id.key())
    }

    pub fn database_mut(&mut self, id: &EnterpriseId) -> Option<&mut DatabaseRecord> {
        self.databases.get_mut(&id.key())
    }

    /// The cluster's region is down.
    pub fn is_down(&self, id: &EnterpriseId) -> bool {
        self.cluster(id).is_some_and(|c| self.regions_down.contains_key(&region_key(&c.location)))
    }

    /// The links of a database.
    pub fn links_of<'s>(&'s self, id: &'s EnterpriseId) -> impl Iterator<Item = &'s PairLink> + 's {
        self.links.values().filter(move |l| l.involves(id))
    }

    /// The database and every member it is linked to (itself first), when it is in a group.
    pub fn group_members(&self, id: &EnterpriseId) -> Vec<EnterpriseId> {
        let Some(record) = self.database(id) else { return Vec::new() };
        if record.group.is_none() {
            return Vec::new();
        }
        let mut out = vec![id.clone()];
        out.extend(self.links_of(id).filter_map(|l| l.peer(id).cloned()));
        out
    }

    /// 1 while every link of the database's group is Linked and no member's region is down; 0 otherwise;
    /// `None` outside a group (or for a force-unlinked database, which has no group any more).
    pub fn healthy(&self, id: &EnterpriseId) -> Option<u8> {
        let record = self.database(id)?;
        if record.group.is_none() || record.force_unlinked {
            return None;
        }
        let members = self.group_members(id);
        let linked = members.iter().all(|m| {
            !self.is_down(m)
                && self.links_of(m).all(|l| l.state == LinkState::Linked)
                && self.database(m).is_some_and(|r| r.busy.is_none())
        });
        Some(u8::from(linked))
    }

    /// The cluster as the API shows it.
    pub fn render_cluster(&self, cluster: &Cluster) -> Cluster {
        let mut c = cluster.clone();
        if let Some(id) = c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()) {
            c.id = Some(id.to_string());
            c.name = Some(id.cluster.clone());
        }
        c.resource_type = Some(CLUSTER_TYPE.to_string());
        c
    }

    /// The database as the API shows it: its group's links (itself first), its state and its data.
    pub fn render_database(&self, record: &DatabaseRecord) -> Database {
        let mut d = record.database.clone();
        d.resource_type = Some(DATABASE_TYPE.to_string());
        let Some(id) = d.database_id() else { return d };
        d.id = Some(id.to_string());
        d.name = Some(format!("{}/{}", id.cluster, id.database.as_deref().unwrap_or_default()));
        let (prov, res) = match &record.busy {
            Some(b) => (b.state.clone(), ResourceState::Updating),
            None => (EnterpriseProvisioningState::Succeeded, ResourceState::Running),
        };
        let res = if prov == EnterpriseProvisioningState::Creating { ResourceState::Creating } else { res };
        d.properties.provisioning_state = Some(prov);
        d.properties.resource_state = Some(res);
        d.properties.geo_replication = record.group.as_deref().map(|nick| {
            let links: Vec<&PairLink> = self.links_of(&id).collect();
            let own = own_state(&links);
            let mut linked = vec![LinkedDatabase::new(&id, Some(own))];
            linked.extend(
                links.iter().filter_map(|l| l.peer(&id).map(|p| LinkedDatabase::new(p, Some(l.state.clone())))),
            );
            GeoReplication::new(nick, linked)
        });
        d.properties.data_plane = Some(EnterpriseDataPlane {
            dataset_keys: record.keys,
            dataset_bytes: record.bytes,
            geo_replication_healthy: self.healthy(&id),
        });
        d
    }

    /// The clusters of `sub` (and `rg`), as shown.
    pub fn clusters_in(&self, sub: &str, rg: Option<&str>) -> Vec<Cluster> {
        self.clusters
            .values()
            .filter(|c| {
                c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).is_some_and(|id| {
                    id.subscription.eq_ignore_ascii_case(sub)
                        && rg.is_none_or(|rg| id.resource_group.eq_ignore_ascii_case(rg))
                })
            })
            .map(|c| self.render_cluster(c))
            .collect()
    }

    /// The databases of a cluster, as shown.
    pub fn databases_of(&self, cluster: &EnterpriseId) -> Vec<Database> {
        let cid = cluster.cluster_id();
        self.databases
            .values()
            .filter(|r| r.database.database_id().is_some_and(|id| id.cluster_id() == cid))
            .map(|r| self.render_database(r))
            .collect()
    }

    pub fn has_resource_group(&self, sub: &str, rg: &str) -> bool {
        self.clusters.values().any(|c| {
            c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).is_some_and(|id| {
                id.subscription.eq_ignore_ascii_case(sub) && id.resource_group.eq_ignore_ascii_case(rg)
            })
        })
    }

    pub fn operation(&self, id: Uuid) -> Option<&EnterpriseOperation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Records a new operation and forgets the oldest finished ones past [`KEEP_FINISHED`].
    pub fn push_operation(&mut self, op: EnterpriseOperation) {
        self.operations.push(op);
        let finished = self.operations.iter().filter(|o| o.status.is_terminal()).count();
        let mut drop = finished.saturating_sub(KEEP_FINISHED);
        self.operations.retain(|o| {
            if drop > 0 && o.status.is_terminal() {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }

    /// Marks a region down (from `now`) or up again. Returns whether anything changed.
    pub fn set_region_down(&mut self, region: &str, down: bool, now: DateTime<Utc>) -> bool {
        let key = region_key(region);
        if down {
            if self.regions_down.contains_key(&key) {
                return false;
            }
            self.regions_down.insert(key, now);
            true
        } else {
            self.regions_down.remove(&key).is_some()
        }
    }

    /// The regions down, as keys.
    pub fn regions_down(&self) -> BTreeSet<String> {
        self.regions_down.keys().cloned().collect()
    }
}

/// What a database shows for itself in its `linkedDatabases`: the least settled of its links' states
/// (Linked when it has none: a group of one).
fn own_state(links: &[&PairLink]) -> LinkState {
    let rank = |s: &LinkState| match s {
        LinkState::LinkFailed => 0,
        LinkState::UnlinkFailed => 1,
        LinkState::Unlinking => 2,
        LinkState::Linking => 3,
        _ => 4,
    };
    links.iter().map(|l| l.state.clone()).min_by_key(rank).unwrap_or(LinkState::Linked)
}
