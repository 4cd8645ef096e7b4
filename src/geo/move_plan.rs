//! Moving a linked Premium pair to Azure Managed Redis: a plan, which changes nothing by itself.
//!
//! For each cache of the pair, the Managed Redis size that holds its data ([`amr_size_for`]); the one
//! size both new caches get (every member of an active geo-replication group has the same SKU); the
//! existing groups in the pair's regions and whether the group rules accept the new members; and the
//! ordered steps, each a typed value with a sentence.
//!
//! The group rules themselves are not here: an existing group comes in as an [`ExistingGroup`], which
//! answers with the rules' own refusals; [`ActiveGroup`] is one, asking `geo::active_group`, so each
//! rule stays in one place.

use crate::arm::RedisResource;
use crate::arm::enterprise::{
    Cluster, ClusterProperties, Database, EnterpriseId, EnterpriseProvisioningState, EnterpriseSku, HighAvailability,
};

use super::active_group::{
    ActiveGroup, GroupIncompatibility, GroupMember, JoinBy, JoinCandidate, MAX_GROUP_MEMBERS, join_reasons,
};
use super::amr_sizes::{AmrSize, SizeChoice, amr_size_for, premium_bytes};
use super::failover::size_label;
use super::regions::same_region;

/// Why the group rules refuse new members: a stable code and a sentence, as the rules give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRefusal {
    pub code: String,
    pub message: String,
}

/// An active geo-replication group that exists already, as the plan needs to see it.
pub trait ExistingGroup {
    /// Its `groupNickname`.
    fn nickname(&self) -> &str;
    /// Where its members are (display names or ARM names: `East US`, `eastus`).
    fn member_locations(&self) -> Vec<String>;
    /// Why `joining` new databases on caches of `size` (high availability on, no persistence, the
    /// settings the plan's first step names) could not be created into the group under the group
    /// rules; empty when they can.
    fn refusals(&self, size: &AmrSize, joining: usize) -> Vec<GroupRefusal>;
}

/// One cache of the pair, and what it moves to.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheMove {
    pub name: String,
    pub location: String,
    /// `P2`, `P3 with 3 shards`.
    pub premium: String,
    /// What the Premium cache holds at most (size × shards); `None` when its size is not P1..P5.
    pub capacity_bytes: Option<u64>,
    /// The Managed Redis size that holds that; `None` with `capacity_bytes`.
    pub size: Option<SizeChoice>,
}

/// An existing group in the pair's regions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupOption {
    pub nickname: String,
    /// The pair's regions it has a member in already.
    pub regions_reached: Vec<String>,
    /// Empty when the two new caches can join it.
    pub refusals: Vec<GroupRefusal>,
}

impl GroupOption {
    pub fn is_compatible(&self) -> bool {
        self.refusals.is_empty()
    }
}

/// The group the new databases are created in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupChoice {
    /// A new group of the two.
    New { nickname: String },
    /// An existing group the rules accept them into.
    Existing { nickname: String },
}

/// One step of the move, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveStep {
    /// Create a Managed Redis cache of `size` in each region, with the same settings.
    CreateCaches { size: AmrSize, regions: Vec<String>, like_group: Option<String> },
    /// Create each new cache's database in the group (membership is set at creation only).
    CreateDatabases { group: GroupChoice },
    /// Copy the data of the pair's primary into the new cache in its region.
    MigrateData { from: String, region: String },
    /// Point the applications at the new caches.
    SwitchClients { regions: Vec<String> },
    /// Remove the Premium link (while linked, neither cache can be deleted).
    UnlinkPair { primary: String, secondary: String, resource_group: Option<String> },
    /// Delete both Premium caches.
    DeletePremium { caches: Vec<String> },
}

impl MoveStep {
    /// A short title: `Create the caches`.
    pub fn title(&self) -> &'static str {
        match self {
            MoveStep::CreateCaches { .. } => "Create the caches",
            MoveStep::CreateDatabases { .. } => "Create the databases in one group",
            MoveStep::MigrateData { .. } => "Copy the data",
            MoveStep::SwitchClients { .. } => "Switch the clients",
            MoveStep::UnlinkPair { .. } => "Unlink the Premium pair",
            MoveStep::DeletePremium { .. } => "Delete the Premium caches",
        }
    }

    /// What to do, in a sentence or two.
    pub fn sentence(&self) -> String {
        match self {
            MoveStep::CreateCaches { size, regions, like_group } => {
                let settings = match like_group {
                    Some(g) => {
                        format!("the clustering policy, eviction policy, modules and TLS setting of group '{g}'")
                    }
                    None => "the same clustering policy, eviction policy, modules and TLS setting on each".into(),
                };
                format!(
                    "Create an Azure Managed Redis cache of {size} in {}, with high availability on, no data \
                     persistence, and {settings}: active geo-replication needs all of these alike.",
                    and_list(regions)
                )
            }
            MoveStep::CreateDatabases { group: GroupChoice::New { nickname } } => format!(
                "Create each cache's database in a new active geo-replication group '{nickname}', listing both \
                 databases in linkedDatabases: the group and its members are set when a database is created."
            ),
            MoveStep::CreateDatabases { group: GroupChoice::Existing { nickname } } => format!(
                "Create each cache's database into the existing group '{nickname}' (the portal's \"Join existing \
                 group\"), listing its members and the new database in linkedDatabases."
            ),
            MoveStep::MigrateData { from, region } => format!(
                "Export the data of {from} (the geo-primary; its secondary holds the same keys) to a storage account \
                 and import the RDB file into the new cache in {region}: Managed Redis imports Premium RDB files; \
                 the import clears that cache and it is unavailable until the import ends."
            ),
            MoveStep::SwitchClients { regions } => format!(
                "Point the applications in {} at the new cache in their region (port 10000, TLS, each cache's own \
                 access key): every member accepts writes, so there is no geo-primary to follow.",
                and_list(regions)
            ),
            MoveStep::UnlinkPair { primary, secondary, resource_group } => {
                let command = match resource_group {
                    Some(rg) => format!(
                        " (georep unlink --name {primary} --resource-group {rg} --linked-server-name {secondary})"
                    ),
                    None => String::new(),
                };
                format!("Unlink {secondary} from {primary}{command}: a linked cache cannot be deleted.")
            }
            MoveStep::DeletePremium { caches } => format!(
                "Delete {} once no client uses them: Premium caches retire on 30 September 2028.",
                and_list(caches)
            ),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Why no move can be planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveObstacle {
    /// A cache's size is not P1..P5.
    UnknownSize { cache: String, sku: String },
    /// A cache holds more than any size that can be geo-replicated.
    TooLarge { cache: String, needed_bytes: u64, largest: AmrSize },
}

impl MoveObstacle {
    pub fn message(&self) -> String {
        match self {
            MoveObstacle::UnknownSize { cache, sku } => {
                format!("{cache} is {sku}: only Premium P1..P5 caches are planned here.")
            }
            MoveObstacle::TooLarge { cache, needed_bytes, largest } => format!(
                "{cache} can hold {:.0} GB, which needs {:.0} GB of Managed Redis with its reserved memory: more \
                 than {largest}, the largest size that can be geo-replicated. Split the data first.",
                *needed_bytes as f64 / 1e9,
                *needed_bytes as f64 / 1e9 * 100.0 / super::AMR_USABLE_PERCENT as f64,
            ),
        }
    }
}

/// The plan for one linked pair.
#[derive(Clone, Debug, PartialEq)]
pub struct MovePlan {
    pub primary: CacheMove,
    pub secondary: CacheMove,
    /// The size both new caches get: the larger of the two (members of a group are all alike).
    pub size: Option<AmrSize>,
    /// Existing groups in the pair's regions, compatible ones first.
    pub groups: Vec<GroupOption>,
    /// In order; empty when an obstacle stands.
    pub steps: Vec<MoveStep>,
    pub obstacles: Vec<MoveObstacle>,
}

impl MovePlan {
    /// The group the plan joins, when one exists that the rules accept.
    pub fn joins(&self) -> Option<&GroupOption> {
        self.groups.iter().find(|g| g.is_compatible())
    }
}

fn cache_move(c: &RedisResource) -> CacheMove {
    let capacity_bytes = if c.is_premium() { premium_bytes(c.properties.sku.capacity, c.shards()) } else { None };
    CacheMove {
        name: c.name().to_string(),
        location: c.location.clone(),
        premium: size_label(c),
        capacity_bytes,
        size: capacity_bytes.map(amr_size_for),
    }
}

/// What the move needs: the size of each, or why there is none.
fn sizes(moves: [&CacheMove; 2], caches: [&RedisResource; 2]) -> Result<AmrSize, Vec<MoveObstacle>> {
    let mut obstacles = Vec::new();
    let mut chosen: Option<AmrSize> = None;
    for (m, c) in moves.into_iter().zip(caches) {
        match m.size {
            None => obstacles.push(MoveObstacle::UnknownSize {
                cache: m.name.clone(),
                sku: format!("{} {}", c.properties.sku.name, c.properties.sku.label()),
            }),
            Some(SizeChoice::TooLarge { needed_bytes, largest }) => {
                obstacles.push(MoveObstacle::TooLarge { cache: m.name.clone(), needed_bytes, largest })
            }
            Some(SizeChoice::Fits(s)) => {
                // Memory Optimized sizes only come after Balanced ones run out: more memory is larger.
                chosen = Some(match chosen {
                    Some(o) if (o.tenths_gb, o.tier) >= (s.tenths_gb, s.tier) => o,
                    _ => s,
                })
            }
        }
    }
    match chosen {
        Some(s) if obstacles.is_empty() => Ok(s),
        _ => Err(obstacles),
    }
}

/// The plan for moving the linked Premium pair `primary` → `secondary` (in `resource_group`, when
/// known, for the unlink command) to Azure Managed Redis, given the groups that exist.
pub fn plan_move<G: ExistingGroup>(
    primary: &RedisResource,
    secondary: &RedisResource,
    resource_group: Option<&str>,
    groups: &[G],
) -> MovePlan {
    let (p, s) = (cache_move(primary), cache_move(secondary));
    let regions = vec![p.location.clone(), s.location.clone()];
    let size = sizes([&p, &s], [primary, secondary]);
    let mut options: Vec<GroupOption> = match &size {
        Ok(size) => groups
            .iter()
            .filter_map(|g| {
                let locations = g.member_locations();
                let reached: Vec<String> =
                    regions.iter().filter(|r| locations.iter().any(|l| same_region(l, r))).cloned().collect();
                (!reached.is_empty()).then(|| GroupOption {
                    nickname: g.nickname().to_string(),
                    regions_reached: reached,
                    refusals: g.refusals(size, 2),
                })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    // Compatible first, then those reaching both regions, then by name.
    options.sort_by(|a, b| {
        (!a.is_compatible(), std::cmp::Reverse(a.regions_reached.len()), &a.nickname).cmp(&(
            !b.is_compatible(),
            std::cmp::Reverse(b.regions_reached.len()),
            &b.nickname,
        ))
    });
    let (size, obstacles) = match size {
        Ok(s) => (Some(s), Vec::new()),
        Err(o) => (None, o),
    };
    let steps = match size {
        Some(size) => {
            let joined = options.iter().find(|g| g.is_compatible()).map(|g| g.nickname.clone());
            let group = match &joined {
                Some(nickname) => GroupChoice::Existing { nickname: nickname.clone() },
                None => GroupChoice::New { nickname: format!("{}-group", p.name) },
            };
            vec![
                MoveStep::CreateCaches { size, regions: regions.clone(), like_group: joined },
                MoveStep::CreateDatabases { group },
                MoveStep::MigrateData { from: p.name.clone(), region: p.location.clone() },
                MoveStep::SwitchClients { regions },
                MoveStep::UnlinkPair {
                    primary: p.name.clone(),
                    secondary: s.name.clone(),
                    resource_group: resource_group.map(str::to_string),
                },
                MoveStep::DeletePremium { caches: vec![p.name.clone(), s.name.clone()] },
            ]
        }
        None => Vec::new(),
    };
    MovePlan { primary: p, secondary: s, size, groups: options, steps, obstacles }
}

/// The members of each active geo-replication group among `clusters` and their `databases`: one entry a
/// group, keyed by its nickname and the databases its members list (two groups can share a nickname
/// in different subscriptions; a force-unlinked splinter lists fewer), members in the order given. Build
/// each [`ActiveGroup`] from an entry: `ActiveGroup { nickname, members: &members }`.
pub fn group_members<'a>(clusters: &'a [Cluster], databases: &'a [Database]) -> Vec<(String, Vec<GroupMember<'a>>)> {
    let mut groups: Vec<(String, Vec<String>, Vec<GroupMember<'a>>)> = Vec::new();
    for database in databases {
        let (Some(nickname), Some(id)) = (database.group_nickname(), database.database_id()) else { continue };
        let Some(cluster) = clusters
            .iter()
            .find(|c| c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).is_some_and(|c| c == id.cluster_id()))
        else {
            continue;
        };
        let mut listed: Vec<String> =
            database.linked_databases().iter().filter_map(|l| l.database_id()).map(|i| i.key()).collect();
        listed.sort();
        let member = GroupMember { cluster, database };
        match groups.iter_mut().find(|(n, l, _)| n.eq_ignore_ascii_case(nickname) && *l == listed) {
            Some((_, _, members)) => members.push(member),
            None => groups.push((nickname.to_string(), listed, vec![member])),
        }
    }
    groups.into_iter().map(|(n, _, m)| (n, m)).collect()
}

/// The group rules of [`super::active_group`], asked about two new caches created into the group (the
/// portal's "Join existing group"): clusters of `size`, running, high availability on, with no database
/// yet (a database created into a group takes the group's settings).
impl ExistingGroup for ActiveGroup<'_> {
    fn nickname(&self) -> &str {
        self.nickname
    }

    fn member_locations(&self) -> Vec<String> {
        self.members.iter().map(|m| m.cluster.location.clone()).collect()
    }

    fn refusals(&self, size: &AmrSize, joining: usize) -> Vec<GroupRefusal> {
        let cluster = Cluster {
            id: None,
            name: None,
            resource_type: None,
            location: String::new(),
            kind: None,
            // Created with the group's settings: its capacity too, where its SKU has one.
            sku: EnterpriseSku::new(&size.sku_name(), self.members.first().and_then(|m| m.cluster.sku.capacity)),
            zones: None,
            tags: None,
            properties: ClusterProperties {
                provisioning_state: Some(EnterpriseProvisioningState::Succeeded),
                high_availability: Some(HighAvailability::Enabled),
                ..ClusterProperties::default()
            },
            extra: Default::default(),
        };
        let candidate = JoinCandidate { cluster: &cluster, database: None };
        let mut reasons = join_reasons(self, &candidate, JoinBy::Create { replacing: None });
        // The rules ask about one cache; the move adds `joining`, which all need room.
        let full = |r: &GroupIncompatibility| matches!(r, GroupIncompatibility::GroupFull { .. });
        if !reasons.iter().any(full) && self.members.len() + joining > MAX_GROUP_MEMBERS {
            reasons.insert(0, GroupIncompatibility::GroupFull { members: self.members.len() });
        }
        reasons.into_iter().map(|r| GroupRefusal { code: r.code().to_string(), message: r.message() }).collect()
    }
}

#[cfg(test)]
#[path = "move_plan_tests.rs"]
mod tests;
