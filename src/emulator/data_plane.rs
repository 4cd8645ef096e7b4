//! Where a link's data actually moves. The emulator asks the data plane how far a running operation is;
//! the simulated one answers from the clock, the real one (later) from `INFO replication`.

use chrono::{DateTime, Utc};

use crate::arm::ErrorDetail;
use crate::geo::link_speed_factor;

use super::store::{CacheRecord, Operation, OperationKind};

/// How far an operation has come.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// The secondary is being prepared (link `Creating`).
    Provisioning,
    /// The initial sync is moving data (link `Syncing`).
    Syncing {
        done: u64,
        total: u64,
    },
    /// The link is up and in sync.
    Linked,
    /// The unlink is running; `fraction` 0..1.
    Unlinking {
        fraction: f64,
    },
    /// The caches are apart again.
    Unlinked,
    Failed(ErrorDetail),
}

pub trait DataPlane: Send + Sync + 'static {
    /// A link or unlink was accepted; start moving data.
    fn start(&self, op: &Operation, primary: &CacheRecord, secondary: &CacheRecord) -> Result<(), ErrorDetail>;
    /// How far `op` is at `now`.
    fn progress(&self, op: &Operation, now: DateTime<Utc>) -> Progress;
    /// The name shown in the console's status bar.
    fn name(&self) -> &'static str;
}

/// Models a link from the clock: provisioning, then the initial sync at a speed that depends on the
/// region pair, all sped up by `time_scale`. Stateless, so an operation resumes after a restart.
pub struct Simulated {
    pub time_scale: f64,
}

/// Seconds (model time) to prepare the secondary before the sync starts.
pub const PROVISION_SECONDS: f64 = 60.0;
/// Seconds (model time) an unlink takes.
pub const UNLINK_SECONDS: f64 = 90.0;
/// Initial sync speed within one geography, bytes per model second.
pub const SYNC_BYTES_PER_SECOND: f64 = 40e6;

impl Simulated {
    fn model_seconds(&self, op: &Operation, now: DateTime<Utc>) -> f64 {
        let real = (now - op.start_time).num_milliseconds().max(0) as f64 / 1000.0;
        real * self.time_scale.max(0.0)
    }

    /// Model seconds the initial sync of `bytes` takes between two regions.
    pub fn sync_seconds(bytes: u64, from: &str, to: &str) -> f64 {
        bytes as f64 / (SYNC_BYTES_PER_SECOND * link_speed_factor(from, to))
    }
}

impl DataPlane for Simulated {
    fn start(&self, _: &Operation, _: &CacheRecord, _: &CacheRecord) -> Result<(), ErrorDetail> {
        Ok(())
    }

    fn progress(&self, op: &Operation, now: DateTime<Utc>) -> Progress {
        let t = self.model_seconds(op, now);
        match op.kind {
            OperationKind::Link => {
                if t < PROVISION_SECONDS {
                    return Progress::Provisioning;
                }
                let total = op.bytes_total;
                let secs = Self::sync_seconds(total, &op.location, &op.secondary_location);
                let fraction = if secs <= 0.0 { 1.0 } else { ((t - PROVISION_SECONDS) / secs).min(1.0) };
                if fraction >= 1.0 {
                    Progress::Linked
                } else {
                    Progress::Syncing { done: (total as f64 * fraction) as u64, total }
                }
            }
            OperationKind::Unlink => {
                let fraction = t / UNLINK_SECONDS;
                if fraction >= 1.0 { Progress::Unlinked } else { Progress::Unlinking { fraction } }
            }
        }
    }

    fn name(&self) -> &'static str {
        "simulated"
    }
}
