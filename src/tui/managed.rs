//! Azure Managed Redis as the console knows it: the clusters of the fleet, the databases read of
//! each, and the active geo-replication groups they form. Made by the poller with the rest of a poll
//! ([`super::snapshot::Snapshot::managed`]) and shared by every console of the process.

use std::collections::HashMap;

use crate::arm::enterprise::{Cluster, Database, EnterpriseId, LinkState as MemberState, ResourceState};

/// A cache of Managed Redis: a cluster and its database ("default"; the portal shows them as one).
#[derive(Debug, Default, PartialEq)]
pub struct ManagedFleet {
    /// Sorted by name; only clusters with a valid id.
    pub clusters: Vec<Cluster>,
    /// Parsed ids of `clusters`, same order.
    pub ids: Vec<EnterpriseId>,
    index: HashMap<EnterpriseId, usize>,
    /// Each cluster's databases, where they were read.
    databases: HashMap<EnterpriseId, Vec<Database>>,
    /// What each row says, lower-cased, for the filter.
    pub search: Vec<String>,
}

/// A Managed Redis cache's status as the lists show it: a resource state, or (when the service gives
/// none) the provisioning state.
#[derive(Clone, Debug, PartialEq)]
pub enum ManagedStatus {
    Resource(ResourceState),
    Provisioning(crate::arm::enterprise::EnterpriseProvisioningState),
}

impl std::fmt::Display for ManagedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagedStatus::Resource(s) => s.fmt(f),
            ManagedStatus::Provisioning(s) => s.fmt(f),
        }
    }
}

impl ManagedStatus {
    /// Running (or provisioned), something under way, or failed/disabled.
    pub fn tone(&self) -> super::widgets::Tone {
        use super::widgets::Tone;
        use crate::arm::enterprise::EnterpriseProvisioningState as P;
        use ResourceState as R;
        match self {
            ManagedStatus::Resource(R::Running) | ManagedStatus::Provisioning(P::Succeeded) => Tone::Ok,
            ManagedStatus::Resource(
                R::CreateFailed
                | R::UpdateFailed
                | R::DeleteFailed
                | R::EnableFailed
                | R::DisableFailed
                | R::ScalingFailed
                | R::Disabled,
            )
            | ManagedStatus::Provisioning(P::Failed | P::Canceled) => Tone::Bad,
            _ => Tone::Busy,
        }
    }
}

/// A member of a group, as the database the console looks from lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The member's database.
    pub database: EnterpriseId,
    /// The link's state, as the looking database reports it (`None` when it says none).
    pub state: Option<MemberState>,
}

/// How a member's replication is, from the states its group reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Healthy,
    /// Linking or unlinking: not yet (or no longer) replicating.
    Syncing,
    Unhealthy,
    /// Not read, or a state georep does not know.
    Unknown,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Healthy => "Healthy",
            Health::Syncing => "Syncing",
            Health::Unhealthy => "Unhealthy",
            Health::Unknown => "—",
        }
    }

    pub fn of(state: Option<&MemberState>) -> Health {
        match state {
            Some(MemberState::Linked) => Health::Healthy,
            Some(MemberState::Linking | MemberState::Unlinking) => Health::Syncing,
            Some(MemberState::LinkFailed | MemberState::UnlinkFailed) => Health::Unhealthy,
            Some(MemberState::Other(_)) | None => Health::Unknown,
        }
    }
}

impl ManagedFleet {
    /// Prepares what was read: `subscription_name` names a subscription id for the filter's text.
    pub fn build(
        mut clusters: Vec<Cluster>,
        databases: HashMap<EnterpriseId, Vec<Database>>,
        subscription_name: impl Fn(&str) -> String,
    ) -> ManagedFleet {
        clusters.retain(|c| cluster_id(c).is_some());
        clusters.sort_by_cached_key(|c| c.cluster_name().to_ascii_lowercase());
        let ids: Vec<EnterpriseId> = clusters.iter().filter_map(cluster_id).collect();
        let index = ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        let mut fleet = ManagedFleet { clusters, ids, index, databases, search: Vec::new() };
        fleet.search = (0..fleet.clusters.len())
            .map(|i| {
                let (c, id) = (&fleet.clusters[i], &fleet.ids[i]);
                let words = [
                    c.cluster_name().to_string(),
                    id.resource_group.clone(),
                    subscription_name(&id.subscription),
                    c.location.clone(),
                    c.sku.label(),
                    fleet.status(id).map(|s| s.to_string()).unwrap_or_default(),
                    fleet.geo_label(id),
                ];
                words.join("\u{1f}").to_ascii_lowercase()
            })
            .collect();
        fleet
    }

    pub fn position(&self, id: &EnterpriseId) -> Option<usize> {
        self.index.get(&id.cluster_id()).copied()
    }

    pub fn cluster(&self, id: &EnterpriseId) -> Option<&Cluster> {
        self.position(id).and_then(|i| self.clusters.get(i))
    }

    /// Whether the cluster's databases were read.
    pub fn read(&self, id: &EnterpriseId) -> bool {
        self.databases.contains_key(&id.cluster_id())
    }

    /// The databases read of every cluster, by cluster id.
    pub fn databases(&self) -> &HashMap<EnterpriseId, Vec<Database>> {
        &self.databases
    }

    /// The cluster's database (a Managed Redis cache has one, "default"), when read and present.
    pub fn database(&self, id: &EnterpriseId) -> Option<&Database> {
        let dbs = self.databases.get(&id.cluster_id())?;
        match &id.database {
            Some(name) => dbs
                .iter()
                .find(|d| d.database_id().and_then(|i| i.database).is_some_and(|n| n.eq_ignore_ascii_case(name))),
            None => dbs.first(),
        }
    }

    /// The id of the cluster's database, when read.
    pub fn database_id(&self, id: &EnterpriseId) -> Option<EnterpriseId> {
        self.database(id).and_then(Database::database_id)
    }

    /// The group the cluster's database is in: its nickname and members (itself included), in the
    /// order the database lists them.
    pub fn group(&self, id: &EnterpriseId) -> Option<(&str, Vec<Member>)> {
        let db = self.database(id)?;
        let nickname = db.group_nickname()?;
        let members = db
            .linked_databases()
            .iter()
            .filter_map(|l| Some(Member { database: l.database_id()?, state: l.state.clone() }))
            .collect();
        Some((nickname, members))
    }

    /// The cluster's own state in its group: how its database lists itself.
    pub fn own_state(&self, id: &EnterpriseId) -> Option<MemberState> {
        let me = self.database_id(id)?;
        self.group(id)?.1.into_iter().find(|m| m.database == me).and_then(|m| m.state)
    }

    /// The Home list's status: the cluster's resource state (or provisioning state), and its
    /// database's when the cluster runs and the database does not.
    pub fn status(&self, id: &EnterpriseId) -> Option<ManagedStatus> {
        let c = self.cluster(id)?;
        let own = match &c.properties.resource_state {
            Some(s) => ManagedStatus::Resource(s.clone()),
            None => ManagedStatus::Provisioning(c.provisioning_state()),
        };
        let db = self.database(id).and_then(|d| d.properties.resource_state.clone());
        Some(match db {
            Some(s) if s != ResourceState::Running && own == ManagedStatus::Resource(ResourceState::Running) => {
                ManagedStatus::Resource(s)
            }
            _ => own,
        })
    }

    /// The Home list's geo column: the group's nickname and this member's state, "—" outside any
    /// group, "no database" for a cluster without one, or "reading…" until its databases are read.
    pub fn geo_label(&self, id: &EnterpriseId) -> String {
        if !self.read(id) {
            return "reading…".into();
        }
        if self.database(id).is_none() {
            return "no database".into();
        }
        match (self.group(id), self.own_state(id)) {
            (Some((nick, _)), Some(MemberState::Linked)) => nick.to_string(),
            (Some((nick, _)), Some(state)) => format!("{nick} · {state}"),
            (Some((nick, _)), None) => nick.to_string(),
            (None, _) => "—".into(),
        }
    }

    /// A busy cluster: its database links, unlinks or is being created, or it is not running.
    pub fn busy(&self, id: &EnterpriseId) -> bool {
        let linking = self.group(id).is_some_and(|(_, m)| {
            m.iter().any(|m| matches!(m.state, Some(MemberState::Linking | MemberState::Unlinking)))
        });
        let db_busy = self.database(id).is_some_and(|d| {
            !matches!(d.properties.resource_state, None | Some(ResourceState::Running | ResourceState::Disabled))
        });
        linking || db_busy
    }
}

/// The cluster's id, parsed (only cluster ids count).
pub fn cluster_id(c: &Cluster) -> Option<EnterpriseId> {
    c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).filter(|i| i.database.is_none())
}

/// What a Managed Redis operation asks of the backend.
#[derive(Clone, Debug, PartialEq)]
pub enum ManagedCall {
    /// `forceUnlink` on a surviving member's database `on`: `ids` leave the group.
    ForceUnlink { on: EnterpriseId, ids: Vec<EnterpriseId> },
    /// `forceLinkToReplicationGroup` on `database`: it joins the group `nickname` (whose databases,
    /// itself included, are `members`), its data discarded.
    ForceLink { database: EnterpriseId, nickname: String, members: Vec<EnterpriseId> },
    /// A database created as `database` into the group, with the group's settings (`like`, a member's).
    Create { database: EnterpriseId, nickname: String, members: Vec<EnterpriseId>, like: Box<Database> },
    /// `flush` on `on`: it and `ids` (other members) are cleared.
    Flush { on: EnterpriseId, ids: Vec<EnterpriseId> },
}

impl ManagedCall {
    /// The database the request is made on.
    pub fn subject(&self) -> &EnterpriseId {
        match self {
            ManagedCall::ForceUnlink { on, .. } | ManagedCall::Flush { on, .. } => on,
            ManagedCall::ForceLink { database, .. } | ManagedCall::Create { database, .. } => database,
        }
    }

    /// Every database it changes.
    pub fn touches(&self) -> Vec<&EnterpriseId> {
        match self {
            ManagedCall::ForceUnlink { on, ids } | ManagedCall::Flush { on, ids } => {
                std::iter::once(on).chain(ids).collect()
            }
            ManagedCall::ForceLink { members, .. } | ManagedCall::Create { members, .. } => members.iter().collect(),
        }
    }

    /// Whether it changes a database of the cluster `id`.
    pub fn involves(&self, id: &EnterpriseId) -> bool {
        let cluster = id.cluster_id();
        self.touches().into_iter().any(|d| d.cluster_id() == cluster)
    }

    /// "Force unlink", "Force link", "Create database", "Flush".
    pub fn name(&self) -> &'static str {
        match self {
            ManagedCall::ForceUnlink { .. } => "Force unlink",
            ManagedCall::ForceLink { .. } => "Force link",
            ManagedCall::Create { .. } => "Join group",
            ManagedCall::Flush { .. } => "Flush",
        }
    }

    /// What it does, in a line: "Force unlink of orders-geo-sea from orders-geo".
    pub fn describe(&self) -> String {
        let names = |ids: &[EnterpriseId]| ids.iter().map(|i| i.cluster.clone()).collect::<Vec<_>>().join(", ");
        match self {
            ManagedCall::ForceUnlink { on, ids } => format!("Force unlink of {} (asked on {})", names(ids), on.cluster),
            ManagedCall::ForceLink { database, nickname, .. } => {
                format!("Force link of {} to group {nickname}", database.cluster)
            }
            ManagedCall::Create { database, nickname, .. } => {
                format!("Creating {}'s database in group {nickname}", database.cluster)
            }
            ManagedCall::Flush { on, ids } => {
                let mut all = vec![on.clone()];
                all.extend(ids.iter().cloned());
                format!("Flush of {}", names(&all))
            }
        }
    }
}

/// A Managed Redis operation this console started.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedOp {
    pub id: u64,
    pub call: ManagedCall,
    /// Console clock when the backend accepted it (or when it was asked, until then).
    pub started: std::time::Duration,
    pub finished: Option<std::time::Duration>,
    pub accepted: bool,
    pub state: crate::arm::OperationState,
    pub percent: Option<f64>,
    pub error: Option<String>,
}

impl ManagedOp {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }

    pub fn elapsed(&self, now: std::time::Duration) -> std::time::Duration {
        self.finished.unwrap_or(now).saturating_sub(self.started)
    }
}

/// The body that creates a database into a group: the settings every member must share, copied from
/// a member (`like`), and the group; nothing of the member's own state.
pub fn create_body(like: &Database, geo: crate::arm::enterprise::GeoReplication) -> Database {
    let p = &like.properties;
    Database {
        id: None,
        name: None,
        resource_type: None,
        properties: crate::arm::enterprise::DatabaseProperties {
            client_protocol: p.client_protocol.clone(),
            port: p.port,
            clustering_policy: p.clustering_policy.clone(),
            eviction_policy: p.eviction_policy.clone(),
            modules: p.modules.clone(),
            geo_replication: Some(geo),
            ..Default::default()
        },
        extra: Default::default(),
    }
}
