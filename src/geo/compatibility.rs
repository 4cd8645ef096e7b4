use crate::arm::{ProvisioningState, RedisResource, ResourceId};

use super::{region_display_name, same_region};

/// Which cache of a prospective pair a reason is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Primary,
    Secondary,
}

impl Side {
    fn the(self) -> &'static str {
        match self {
            Side::Primary => "the primary",
            Side::Secondary => "the secondary",
        }
    }
}

/// What the rules need to know beyond the two resources: links and running operations. The console
/// reads both off the resources ([`FromResources`]); the emulator answers from its link table.
pub trait World {
    /// The cache takes part in a link, whatever its state.
    fn is_linked(&self, cache: &RedisResource) -> bool;
    /// A link or unlink operation on the cache is running.
    fn has_operation(&self, cache: &RedisResource) -> bool;
}

/// A world known only through the resources: `linkedServers` and `provisioningState`.
pub struct FromResources;

impl World for FromResources {
    fn is_linked(&self, cache: &RedisResource) -> bool {
        cache.linked_server_ids().next().is_some()
    }
    fn has_operation(&self, cache: &RedisResource) -> bool {
        matches!(cache.properties.provisioning_state, Some(ProvisioningState::Linking | ProvisioningState::Unlinking))
    }
}

/// One reason a cache cannot be linked as secondary to a primary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incompatibility {
    SameCache,
    NotPremium { side: Side, tier: String },
    DifferentSubscription,
    SameRegion { region: String },
    SecondaryTooSmall { primary: String, secondary: String },
    ClusteringMismatch { clustered: Side },
    ShardCountMismatch { primary: u32, secondary: u32 },
    RedisVersionMismatch { primary: String, secondary: String },
    PersistenceEnabled { side: Side, kinds: &'static str },
    AlreadyLinked { side: Side },
    OperationInProgress { side: Side, state: String },
    NotRunning { side: Side, state: String },
}

impl Incompatibility {
    /// A stable code, as in ARM error `details[].code`.
    pub fn code(&self) -> &'static str {
        match self {
            Incompatibility::SameCache => "SameCache",
            Incompatibility::NotPremium { .. } => "NotPremium",
            Incompatibility::DifferentSubscription => "DifferentSubscription",
            Incompatibility::SameRegion { .. } => "SameRegion",
            Incompatibility::SecondaryTooSmall { .. } => "SecondaryTooSmall",
            Incompatibility::ClusteringMismatch { .. } => "ClusteringMismatch",
            Incompatibility::ShardCountMismatch { .. } => "ShardCountMismatch",
            Incompatibility::RedisVersionMismatch { .. } => "RedisVersionMismatch",
            Incompatibility::PersistenceEnabled { .. } => "PersistenceEnabled",
            Incompatibility::AlreadyLinked { .. } => "AlreadyLinked",
            Incompatibility::OperationInProgress { .. } => "OperationInProgress",
            Incompatibility::NotRunning { .. } => "NotRunning",
        }
    }

    /// A few words for a table cell: "RDB persistence on", "P1 is smaller than P2", "same region".
    pub fn short(&self) -> String {
        let who = |side: &Side| match side {
            Side::Primary => "primary",
            Side::Secondary => "secondary",
        };
        match self {
            Incompatibility::SameCache => "the primary itself".into(),
            Incompatibility::NotPremium { side, tier } if *side == Side::Secondary => format!("{tier}, not Premium"),
            Incompatibility::NotPremium { side, tier } => format!("{} is {tier}", who(side)),
            Incompatibility::DifferentSubscription => "other subscription".into(),
            Incompatibility::SameRegion { .. } => "same region".into(),
            Incompatibility::SecondaryTooSmall { primary, secondary } => {
                format!("{secondary} is smaller than {primary}")
            }
            Incompatibility::ClusteringMismatch { clustered: Side::Secondary } => "clustered, primary is not".into(),
            Incompatibility::ClusteringMismatch { clustered: Side::Primary } => "not clustered".into(),
            Incompatibility::ShardCountMismatch { primary, secondary } => format!("{secondary} shards, not {primary}"),
            Incompatibility::RedisVersionMismatch { secondary, .. } => format!("Redis {secondary}"),
            Incompatibility::PersistenceEnabled { side: Side::Secondary, kinds } => format!("{kinds} persistence on"),
            Incompatibility::PersistenceEnabled { side, kinds } => format!("{} has {kinds} on", who(side)),
            Incompatibility::AlreadyLinked { side: Side::Secondary } => "already linked".into(),
            Incompatibility::AlreadyLinked { side } => format!("{} already linked", who(side)),
            Incompatibility::OperationInProgress { side: Side::Secondary, state } => state.clone(),
            Incompatibility::OperationInProgress { side, state } => format!("{} is {state}", who(side)),
            Incompatibility::NotRunning { side: Side::Secondary, state } => state.clone(),
            Incompatibility::NotRunning { side, state } => format!("{} is {state}", who(side)),
        }
    }

    /// The cache the reason is about, when it is about one side only.
    pub fn side(&self) -> Option<Side> {
        match self {
            Incompatibility::NotPremium { side, .. }
            | Incompatibility::PersistenceEnabled { side, .. }
            | Incompatibility::AlreadyLinked { side }
            | Incompatibility::OperationInProgress { side, .. }
            | Incompatibility::NotRunning { side, .. } => Some(*side),
            _ => None,
        }
    }

    /// A sentence a user understands: what is wrong, then what the rule is.
    pub fn message(&self) -> String {
        match self {
            Incompatibility::SameCache => "A cache cannot be linked to itself.".into(),
            Incompatibility::NotPremium { side, tier } => {
                format!("{} is {tier}: geo-replication needs the Premium tier on both caches.", cap(side.the()))
            }
            Incompatibility::DifferentSubscription => {
                "The caches are in different subscriptions: both must be in the same subscription.".into()
            }
            Incompatibility::SameRegion { region } => {
                format!("{region} is the primary's region too: the secondary must be in another region.")
            }
            Incompatibility::SecondaryTooSmall { primary, secondary } => format!(
                "The secondary is {secondary}, smaller than the primary's {primary}: the secondary must be the same size or larger."
            ),
            Incompatibility::ClusteringMismatch { clustered } => format!(
                "Only {} is clustered: both caches must be clustered, with the same shard count, or neither.",
                clustered.the()
            ),
            Incompatibility::ShardCountMismatch { primary, secondary } => format!(
                "The secondary has {secondary} shards and the primary {primary}: clustered caches need the same shard count."
            ),
            Incompatibility::RedisVersionMismatch { primary, secondary } => format!(
                "The secondary runs Redis {secondary} and the primary Redis {primary}: both must run the same major version."
            ),
            Incompatibility::PersistenceEnabled { side, kinds } => format!(
                "{} has {kinds} persistence enabled: geo-replicated caches cannot use data persistence.",
                cap(side.the())
            ),
            Incompatibility::AlreadyLinked { side } => {
                format!("{} is already linked to another cache: a link joins exactly two caches.", cap(side.the()))
            }
            Incompatibility::OperationInProgress { side, state } => {
                format!("{} is {state}: wait for its running operation to finish.", cap(side.the()))
            }
            Incompatibility::NotRunning { side, state } => {
                format!("{} is {state}: both caches must be running (Succeeded).", cap(side.the()))
            }
        }
    }
}

impl std::fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Every reason `candidate` cannot be linked as secondary to `primary`; empty when it can.
pub fn compatibility(primary: &RedisResource, candidate: &RedisResource, world: &impl World) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    let pid = primary.id.as_deref().and_then(|i| ResourceId::parse(i).ok());
    let cid = candidate.id.as_deref().and_then(|i| ResourceId::parse(i).ok());
    if let (Some(p), Some(c)) = (&pid, &cid) {
        if p == c {
            out.push(Incompatibility::SameCache);
            return out;
        }
        if !p.subscription.eq_ignore_ascii_case(&c.subscription) {
            out.push(Incompatibility::DifferentSubscription);
        }
    }
    let sides = [(Side::Primary, primary), (Side::Secondary, candidate)];
    for (side, cache) in sides {
        out.extend(tier_reason(side, cache));
    }
    if same_region(&primary.location, &candidate.location) {
        out.push(Incompatibility::SameRegion { region: region_display_name(&primary.location) });
    }
    if primary.is_premium()
        && candidate.is_premium()
        && candidate.properties.sku.capacity < primary.properties.sku.capacity
    {
        out.push(Incompatibility::SecondaryTooSmall {
            primary: primary.properties.sku.label(),
            secondary: candidate.properties.sku.label(),
        });
    }
    match (primary.shards(), candidate.shards()) {
        (Some(_), None) => out.push(Incompatibility::ClusteringMismatch { clustered: Side::Primary }),
        (None, Some(_)) => out.push(Incompatibility::ClusteringMismatch { clustered: Side::Secondary }),
        (Some(p), Some(s)) if p != s => out.push(Incompatibility::ShardCountMismatch { primary: p, secondary: s }),
        _ => {}
    }
    if let (Some(p), Some(s)) = (primary.redis_major(), candidate.redis_major())
        && p != s
    {
        out.push(Incompatibility::RedisVersionMismatch {
            primary: primary.properties.redis_version.clone().unwrap_or_default(),
            secondary: candidate.properties.redis_version.clone().unwrap_or_default(),
        });
    }
    for (side, cache) in sides {
        out.extend(persistence_reason(side, cache));
    }
    for (side, cache) in sides {
        out.extend(state_reasons(side, cache, world));
    }
    out
}

/// The reasons `cache` cannot be the `side` of any link, whatever the other cache: its tier, its
/// persistence, its links and its state. [`compatibility`] reports these for both caches, among the
/// reasons that depend on the pair; the console uses them to say why "Add link" is off.
pub fn own_reasons(side: Side, cache: &RedisResource, world: &impl World) -> Vec<Incompatibility> {
    let mut out: Vec<_> = tier_reason(side, cache).into_iter().collect();
    out.extend(persistence_reason(side, cache));
    out.extend(state_reasons(side, cache, world));
    out
}

fn tier_reason(side: Side, cache: &RedisResource) -> Option<Incompatibility> {
    (!cache.is_premium()).then(|| Incompatibility::NotPremium { side, tier: cache.properties.sku.name.to_string() })
}

fn persistence_reason(side: Side, cache: &RedisResource) -> Option<Incompatibility> {
    let kinds = match (cache.rdb_enabled(), cache.aof_enabled()) {
        (true, true) => "RDB and AOF",
        (true, false) => "RDB",
        (false, true) => "AOF",
        (false, false) => return None,
    };
    Some(Incompatibility::PersistenceEnabled { side, kinds })
}

fn state_reasons(side: Side, cache: &RedisResource, world: &impl World) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    let state = cache.provisioning_state();
    if world.has_operation(cache) {
        out.push(Incompatibility::OperationInProgress { side, state: state.to_string() });
    } else if world.is_linked(cache) {
        out.push(Incompatibility::AlreadyLinked { side });
    }
    if state != ProvisioningState::Succeeded && !world.has_operation(cache) {
        let state = if state.as_str().is_empty() { "in an unknown state".to_string() } else { state.to_string() };
        out.push(Incompatibility::NotRunning { side, state });
    }
    out
}

/// Whether `candidate` can be linked as secondary to `primary`.
pub fn is_compatible(primary: &RedisResource, candidate: &RedisResource, world: &impl World) -> bool {
    compatibility(primary, candidate, world).is_empty()
}
