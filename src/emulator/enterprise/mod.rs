//! Azure Managed Redis (`Microsoft.Cache/redisEnterprise`, api-version 2025-07-01) in the emulator:
//! clusters, databases and active geo-replication groups, with a simulated data plane.
//!
//! - [`state`]: what the emulator holds (clusters, databases with their keys, the links between the
//!   members of each group, the operations) and how a resource is shown;
//! - [`group`]: the group changes (create into a group, force-unlink, force-link, flush), validated with
//!   the rules of [`crate::geo::join_reasons`];
//! - [`advance`]: time: links go Linking -> Linked, Unlinking -> gone, a member whose region is down turns
//!   its group's health to 0 and its links to LinkFailed after a while;
//! - [`routes`]: the HTTP routes; [`fleet`]: the fleet file's Managed Redis part.
//!
//! Active-active replication (CRDTs) is simulated only: open-source redis-server has no such thing, so
//! `--data-plane redis` backs the passive `Microsoft.Cache/redis` links only.

pub mod advance;
pub mod fleet;
pub mod group;
pub mod metrics;
pub(crate) mod routes;
pub mod state;

pub use state::{DatabaseRecord, EnterpriseOperation, EnterpriseOperationKind, EnterpriseState, PairLink};

/// Model seconds a new link takes to go from Linking to Linked.
pub const LINK_SECONDS: f64 = 60.0;
/// Model seconds a force-unlink takes.
pub const UNLINK_SECONDS: f64 = 20.0;
/// Model seconds a flush takes.
pub const FLUSH_SECONDS: f64 = 8.0;
/// Model seconds a database created alone (a new group, or none) takes.
pub const CREATE_SECONDS: f64 = 30.0;
/// Model seconds after a member's region goes down before its links are LinkFailed.
pub const LINK_FAIL_SECONDS: f64 = 120.0;

use crate::arm::enterprise::EnterpriseId;

impl super::Emulator {
    /// Marks a region down (`--region-down`) or up again at run time: Managed Redis members there stop
    /// replicating (their groups' health 0 at once, their links LinkFailed after a while). Returns
    /// whether anything changed.
    pub fn set_region_down(&self, region: &str, down: bool) -> bool {
        self.lock().enterprise.set_region_down(region, down, chrono::Utc::now())
    }

    /// The regions down now, as region keys (`westeurope`).
    pub fn regions_down(&self) -> Vec<String> {
        self.lock().enterprise.regions_down().into_iter().collect()
    }

    /// Sends a command to a Managed Redis database's simulated data plane (see [`group::command`]).
    pub fn enterprise_command(&self, database: &EnterpriseId, command: &str) -> Result<String, String> {
        let mut state = self.lock();
        let answer = group::command(&mut state.enterprise, database, command)?;
        let _ = self.stage(&state);
        Ok(answer)
    }
}
