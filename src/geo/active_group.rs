//! The rules of Azure Managed Redis active geo-replication groups (`Microsoft.Cache/redisEnterprise`),
//! beside the passive-link rules of [`super::compatibility`]: one place for each rule, each a typed
//! reason with a code and a sentence. The emulator validates create and force-link with
//! [`join_reasons`]; the console builds its "Add cache to group" list from the same function.

use crate::arm::enterprise::{Cluster, Database, EnterpriseProvisioningState, EvictionPolicy, ModuleName};

/// At most this many databases in a group.
pub const MAX_GROUP_MEMBERS: usize = 5;

/// A member of a group: its cluster and its database.
#[derive(Clone, Copy, Debug)]
pub struct GroupMember<'a> {
    pub cluster: &'a Cluster,
    pub database: &'a Database,
}

/// A group: its nickname and its members (as the joining side sees them).
#[derive(Clone, Copy, Debug)]
pub struct ActiveGroup<'a> {
    pub nickname: &'a str,
    pub members: &'a [GroupMember<'a>],
}

/// A cache that would join: its cluster, and the database that joins. `database` is the database's
/// settings: the existing database for force-link, the requested one for a create, or `None` for a
/// cluster with no database yet (a database created into the group takes the group's settings).
#[derive(Clone, Copy, Debug)]
pub struct JoinCandidate<'a> {
    pub cluster: &'a Cluster,
    pub database: Option<&'a Database>,
}

/// How the candidate joins.
#[derive(Clone, Copy, Debug)]
pub enum JoinBy<'a> {
    /// A database created into the group (PUT with `geoReplication`, or the portal's "Join existing
    /// group"). `replacing`: a database already at that name, which `geoReplication` cannot be set on.
    Create { replacing: Option<&'a Database> },
    /// `forceLinkToReplicationGroup`: an existing database recreated into the group, its data discarded.
    ForceLink,
}

/// One reason a cache cannot join an active geo-replication group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupIncompatibility {
    GroupFull { members: usize },
    AlreadyMember,
    InAnotherGroup { group: String },
    ForceUnlinked { group: String },
    GeoReplicationCreateOnly,
    NoDatabase,
    NotRunning { state: String },
    SkuNotSupported { sku: String },
    SkuMismatch { group: String, candidate: String },
    CapacityMismatch { group: String, candidate: String },
    HighAvailabilityOff,
    PersistenceEnabled { kinds: &'static str },
    ModuleNotAllowed { module: String },
    ModulesMismatch { group: String, candidate: String },
    NoEvictionRequired { policy: String },
    EvictionPolicyMismatch { group: String, candidate: String },
    ClusteringPolicyMismatch { group: String, candidate: String },
    TlsMismatch { group: String, candidate: String },
}

impl GroupIncompatibility {
    /// A stable code, as in ARM error `details[].code`.
    pub fn code(&self) -> &'static str {
        use GroupIncompatibility as G;
        match self {
            G::GroupFull { .. } => "GroupFull",
            G::AlreadyMember => "AlreadyMember",
            G::InAnotherGroup { .. } => "InAnotherGroup",
            G::ForceUnlinked { .. } => "ForceUnlinked",
            G::GeoReplicationCreateOnly => "GeoReplicationCreateOnly",
            G::NoDatabase => "NoDatabase",
            G::NotRunning { .. } => "NotRunning",
            G::SkuNotSupported { .. } => "SkuNotSupported",
            G::SkuMismatch { .. } => "SkuMismatch",
            G::CapacityMismatch { .. } => "CapacityMismatch",
            G::HighAvailabilityOff => "HighAvailabilityOff",
            G::PersistenceEnabled { .. } => "PersistenceEnabled",
            G::ModuleNotAllowed { .. } => "ModuleNotAllowed",
            G::ModulesMismatch { .. } => "ModulesMismatch",
            G::NoEvictionRequired { .. } => "NoEvictionRequired",
            G::EvictionPolicyMismatch { .. } => "EvictionPolicyMismatch",
            G::ClusteringPolicyMismatch { .. } => "ClusteringPolicyMismatch",
            G::TlsMismatch { .. } => "TlsMismatch",
        }
    }

    /// A few words for a table cell: "group has 5", "B1 not supported", "RDB persistence on".
    pub fn short(&self) -> String {
        use GroupIncompatibility as G;
        match self {
            G::GroupFull { members } => format!("group has {members}"),
            G::AlreadyMember => "already a member".into(),
            G::InAnotherGroup { group } => format!("in group {group}"),
            G::ForceUnlinked { .. } => "force-unlinked".into(),
            G::GeoReplicationCreateOnly => "database exists".into(),
            G::NoDatabase => "no database".into(),
            G::NotRunning { state } => state.clone(),
            G::SkuNotSupported { sku } => format!("{sku} not supported"),
            G::SkuMismatch { candidate, .. } => format!("SKU {candidate}"),
            G::CapacityMismatch { candidate, .. } => format!("capacity {candidate}"),
            G::HighAvailabilityOff => "high availability off".into(),
            G::PersistenceEnabled { kinds } => format!("{kinds} persistence on"),
            G::ModuleNotAllowed { module } => format!("module {module}"),
            G::ModulesMismatch { candidate, .. } => format!("modules {candidate}"),
            G::NoEvictionRequired { policy } => format!("RediSearch with {policy}"),
            G::EvictionPolicyMismatch { candidate, .. } => format!("eviction {candidate}"),
            G::ClusteringPolicyMismatch { candidate, .. } => format!("clustering {candidate}"),
            G::TlsMismatch { candidate, .. } => format!("protocol {candidate}"),
        }
    }

    /// A sentence a user understands: what is wrong, then what the rule is.
    pub fn message(&self) -> String {
        use GroupIncompatibility as G;
        match self {
            G::GroupFull { members } => format!(
                "The group already has {members} members: an active geo-replication group holds at most {MAX_GROUP_MEMBERS}."
            ),
            G::AlreadyMember => "The database is already a member of this group.".into(),
            G::InAnotherGroup { group } => format!(
                "The database belongs to the group '{group}': force-unlink it from that group first."
            ),
            G::ForceUnlinked { group } => format!(
                "The database was force-unlinked from '{group}': to rejoin it must be force-linked (its data is discarded) or deleted and recreated."
            ),
            G::GeoReplicationCreateOnly => "The database already exists: geo-replication is set only when a database is created; force-link it (its data is discarded) or delete and recreate it.".into(),
            G::NoDatabase => "The cluster has no database to link: create one into the group instead.".into(),
            G::NotRunning { state } => format!("The cache is {state}: it must be running (Succeeded) to join."),
            G::SkuNotSupported { sku } => {
                format!("{sku} does not support active geo-replication: Balanced B0 and B1 cannot join a group.")
            }
            G::SkuMismatch { group, candidate } => format!(
                "The cache is {candidate} and the group {group}: every member must have the same SKU."
            ),
            G::CapacityMismatch { group, candidate } => format!(
                "The cache's capacity is {candidate} and the group's {group}: every member must have the same capacity."
            ),
            G::HighAvailabilityOff => {
                "High availability is off: every member must run with high availability (replication) on.".into()
            }
            G::PersistenceEnabled { kinds } => format!(
                "The database has {kinds} persistence enabled: active geo-replication does not support persistence."
            ),
            G::ModuleNotAllowed { module } => format!(
                "The database uses the {module} module: only RediSearch and RedisJSON can be used with active geo-replication."
            ),
            G::ModulesMismatch { group, candidate } => format!(
                "The database's modules are {candidate} and the group's {group}: every member must use the same modules."
            ),
            G::NoEvictionRequired { policy } => format!(
                "The database uses RediSearch with the {policy} eviction policy: RediSearch in a group needs NoEviction."
            ),
            G::EvictionPolicyMismatch { group, candidate } => format!(
                "The database's eviction policy is {candidate} and the group's {group}: every member must use the same one."
            ),
            G::ClusteringPolicyMismatch { group, candidate } => format!(
                "The database's clustering policy is {candidate} and the group's {group}: every member must use the same one."
            ),
            G::TlsMismatch { group, candidate } => format!(
                "The database's client protocol is {candidate} and the group's {group}: every member must have the same TLS setting."
            ),
        }
    }
}

impl std::fmt::Display for GroupIncompatibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Every reason `candidate` cannot join `group` the way `by` says; empty when it can. With no member
/// yet (a new group) only the candidate's own rules apply.
pub fn join_reasons(group: &ActiveGroup, candidate: &JoinCandidate, by: JoinBy) -> Vec<GroupIncompatibility> {
    let mut out = Vec::new();
    let is_member = candidate
        .database
        .and_then(Database::database_id)
        .is_some_and(|id| group.members.iter().any(|m| m.database.database_id().is_some_and(|mid| mid == id)));
    if is_member {
        return vec![GroupIncompatibility::AlreadyMember];
    }
    if group.members.len() >= MAX_GROUP_MEMBERS {
        out.push(GroupIncompatibility::GroupFull { members: group.members.len() });
    }
    out.extend(membership_reasons(group, candidate, by));
    out.extend(own_reasons(candidate));
    if let Some(first) = group.members.first() {
        out.extend(match_reasons(first, candidate));
    }
    out
}

/// Where the candidate's database stands: in another group, force-unlinked from this one, or an
/// existing database that only force-link can bring in.
fn membership_reasons(group: &ActiveGroup, candidate: &JoinCandidate, by: JoinBy) -> Vec<GroupIncompatibility> {
    let mut out = Vec::new();
    let existing = match by {
        JoinBy::Create { replacing } => replacing,
        JoinBy::ForceLink => {
            if candidate.database.is_none() {
                out.push(GroupIncompatibility::NoDatabase);
            }
            candidate.database
        }
    };
    let Some(db) = existing else { return out };
    let splinter = |n: &str| n.eq_ignore_ascii_case(group.nickname);
    match (db.group_nickname(), by) {
        (Some(n), JoinBy::Create { .. }) if splinter(n) => {
            out.push(GroupIncompatibility::ForceUnlinked { group: n.to_string() })
        }
        (Some(n), _) if !splinter(n) => out.push(GroupIncompatibility::InAnotherGroup { group: n.to_string() }),
        (None, JoinBy::Create { .. }) => out.push(GroupIncompatibility::GeoReplicationCreateOnly),
        _ => {}
    }
    let state = db.provisioning_state();
    if matches!(by, JoinBy::ForceLink) && state != EnterpriseProvisioningState::Succeeded {
        out.push(GroupIncompatibility::NotRunning { state: state.to_string() });
    }
    out
}

/// The rules about the candidate alone: its SKU, high availability, persistence, modules, eviction.
fn own_reasons(candidate: &JoinCandidate) -> Vec<GroupIncompatibility> {
    let mut out = Vec::new();
    let cluster = candidate.cluster;
    let state = cluster.provisioning_state();
    if state != EnterpriseProvisioningState::Succeeded {
        out.push(GroupIncompatibility::NotRunning { state: state.to_string() });
    }
    if cluster.sku.is_balanced_b0_or_b1() {
        out.push(GroupIncompatibility::SkuNotSupported { sku: cluster.sku.name.clone() });
    }
    if !cluster.high_availability() {
        out.push(GroupIncompatibility::HighAvailabilityOff);
    }
    let Some(db) = candidate.database else { return out };
    if let Some(kinds) = db.persistence_kinds() {
        out.push(GroupIncompatibility::PersistenceEnabled { kinds });
    }
    let modules = db.module_names();
    for m in modules.iter().filter(|m| !matches!(m, ModuleName::RediSearch | ModuleName::RedisJson)) {
        out.push(GroupIncompatibility::ModuleNotAllowed { module: m.to_string() });
    }
    let policy = db.eviction_policy();
    if modules.contains(&ModuleName::RediSearch) && policy != EvictionPolicy::NoEviction {
        out.push(GroupIncompatibility::NoEvictionRequired { policy: policy.to_string() });
    }
    out
}

/// The settings every member must share, compared with one member of the group.
fn match_reasons(member: &GroupMember, candidate: &JoinCandidate) -> Vec<GroupIncompatibility> {
    let mut out = Vec::new();
    let (g, c) = (&member.cluster.sku, &candidate.cluster.sku);
    if !g.same_name(c) {
        out.push(GroupIncompatibility::SkuMismatch { group: g.name.clone(), candidate: c.name.clone() });
    }
    if g.capacity != c.capacity {
        let show = |v: Option<u32>| v.map_or_else(|| "unset".to_string(), |v| v.to_string());
        out.push(GroupIncompatibility::CapacityMismatch { group: show(g.capacity), candidate: show(c.capacity) });
    }
    let Some(db) = candidate.database else { return out };
    let gdb = member.database;
    let (gm, cm) = (gdb.module_names(), db.module_names());
    if gm != cm {
        out.push(GroupIncompatibility::ModulesMismatch { group: module_list(&gm), candidate: module_list(&cm) });
    }
    if gdb.eviction_policy() != db.eviction_policy() {
        out.push(GroupIncompatibility::EvictionPolicyMismatch {
            group: gdb.eviction_policy().to_string(),
            candidate: db.eviction_policy().to_string(),
        });
    }
    if gdb.clustering_policy() != db.clustering_policy() {
        out.push(GroupIncompatibility::ClusteringPolicyMismatch {
            group: gdb.clustering_policy().to_string(),
            candidate: db.clustering_policy().to_string(),
        });
    }
    if gdb.client_protocol() != db.client_protocol() {
        out.push(GroupIncompatibility::TlsMismatch {
            group: gdb.client_protocol().to_string(),
            candidate: db.client_protocol().to_string(),
        });
    }
    out
}

fn module_list(names: &[ModuleName]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
}
