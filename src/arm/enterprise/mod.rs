//! The ARM wire model for Azure Managed Redis (`Microsoft.Cache/redisEnterprise`) and its databases,
//! api-version 2025-07-01: clusters, databases with active geo-replication, the force-unlink,
//! force-link and flush parameters, and the `operationsStatus` body.
//!
//! Same conventions as the rest of `arm`: unknown fields kept in `extra` maps, enums the spec models as
//! strings open (an unknown value parses into `Other(..)`).

mod cluster;
mod database;
mod operation;
mod resource_id;

pub use cluster::*;
pub use database::*;
pub use operation::*;
pub use resource_id::*;

/// The api-version every `Microsoft.Cache/redisEnterprise` route speaks.
pub const ENTERPRISE_API_VERSION: &str = "2025-07-01";
/// ARM resource type of a Managed Redis cluster, as the service spells it in ids and `type`.
pub const CLUSTER_TYPE: &str = "Microsoft.Cache/redisEnterprise";
/// ARM resource type of a database of a cluster.
pub const DATABASE_TYPE: &str = "Microsoft.Cache/redisEnterprise/databases";
