//! The ARM wire model for `Microsoft.Cache/redis` and its `linkedServers`, api-version 2024-11-01.
//!
//! Shared by the client and the emulator. Unknown fields are kept (in `extra` maps) so that a value read
//! from the service serialises back unchanged, and enums the spec models as strings stay open: a value we
//! do not know parses into `Other(..)` instead of failing.

mod cache;
pub mod enterprise;
mod error;
mod linked_server;
pub mod metrics;
mod open_enum;
mod operation;
mod page;
mod resource_graph;
mod resource_id;
mod subscription;

pub use cache::*;
pub use error::*;
pub use linked_server::*;
pub use operation::*;
pub use page::*;
pub use resource_graph::*;
pub use resource_id::*;
pub use subscription::*;

/// georep's own request header on the `DELETE` that starts a failover (value `true`): the link goes
/// away as with any unlink, and the caches swap roles next. Azure ignores it; georep's emulator with
/// real redis-servers uses it to hand the primary role over without losing a write (writes paused on
/// the old primary until the secondary has them all, then the old primary re-pointed at it).
pub const FAILOVER_HEADER: &str = "x-georep-failover";
/// The api-version every `Microsoft.Cache` route speaks.
pub const API_VERSION: &str = "2024-11-01";
/// The api-version of the Subscriptions API (`GET /subscriptions`).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// ARM resource type of a cache, as the service spells it in ids and `type`.
pub const CACHE_TYPE: &str = "Microsoft.Cache/Redis";
/// ARM resource type of a linked server entry.
pub const LINKED_SERVER_TYPE: &str = "Microsoft.Cache/Redis/linkedServers";
