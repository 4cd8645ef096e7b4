//! The geo-replication rules, pure and total: no I/O, no panics.
//!
//! `compatibility` says whether a cache can be linked as secondary to a primary and, when not, every
//! reason why. `Topology` is the link state machine shared by the emulator (which enforces it) and by
//! tests. `regions` knows each region's geography,
//! `coordinates` where it is on the globe, and `cost` estimates the cross-region transfer.
//! `active_group` holds the rules of Managed Redis active geo-replication groups; `amr_sizes` is the
//! Azure Managed Redis SKU table and the size that holds a Premium cache's data; `move_plan` plans
//! moving a linked Premium pair there.

mod active_group;
mod amr_sizes;
mod compatibility;
mod coordinates;
mod cost;
mod failover;
mod move_plan;
mod protectors;
mod regions;
mod topology;

pub use active_group::*;
pub use amr_sizes::*;
pub use compatibility::*;
pub use coordinates::*;
pub use cost::*;
pub use failover::*;
pub use move_plan::*;
pub use protectors::*;
pub use regions::*;
pub use topology::*;

/// `<name>.geo.redis.cache.windows.net`: the geo-primary URL that follows the primary role.
pub fn geo_primary_host_name(cache_name: &str) -> String {
    format!("{}.geo.redis.cache.windows.net", cache_name.to_ascii_lowercase())
}

/// `<name>.redis.cache.windows.net`.
pub fn host_name(cache_name: &str) -> String {
    format!("{}.redis.cache.windows.net", cache_name.to_ascii_lowercase())
}
