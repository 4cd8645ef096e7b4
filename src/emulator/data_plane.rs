//! Where a link's data actually moves. The emulator asks the data plane how far a running operation is;
//! the simulated one answers from the clock, the real one (`redis/`) from `INFO replication`.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::arm::ErrorDetail;
use crate::geo::link_speed_factor;

use super::live::LiveCache;
use super::redis::{RedisDataPlane, RedisOptions};
use super::store::{CacheRecord, Operation, OperationKind, State};

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

/// Every method is called with the emulator's state locked, so none may block: a data plane that does
/// I/O does it in tasks of its own and answers from what they last recorded.
pub trait DataPlane: Send + Sync + 'static {
    /// A link or unlink was accepted; start moving data.
    fn start(&self, op: &Operation, primary: &CacheRecord, secondary: &CacheRecord) -> Result<(), ErrorDetail>;
    /// How far `op` is at `now`.
    fn progress(&self, op: &Operation, now: DateTime<Utc>) -> Progress;
    /// The name shown in the console's status bar.
    fn name(&self) -> &'static str;
    /// The caches, links and running operations the emulator starts with (from the fleet or the state
    /// file): check them and plan what backs them. Called once, by `Emulator::new`.
    fn attach(&self, _state: &State) -> Result<(), String> {
        Ok(())
    }
    /// Sets up what `attach` planned (processes, their data, the existing links); `bind` waits for it
    /// before it serves. Called without the state locked.
    fn ready(&self) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
    /// What the data plane measures now about the cache whose [`crate::arm::ResourceId::key`] is `cache_key`
    /// (`None`: nothing), shown by the API.
    fn live(&self, _cache_key: &str) -> Option<LiveCache> {
        None
    }
    /// Seconds clients are asked to wait between polls, when the data plane's pace is not the model's.
    fn retry_after_seconds(&self) -> Option<u64> {
        None
    }
    /// Stops what the data plane runs, and waits for it. Called when the emulator shuts down.
    fn shutdown(&self) {}
}

/// Which data plane an emulator runs (`--data-plane`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum DataPlaneChoice {
    /// Modelled from the clock (demos).
    #[default]
    Simulated,
    /// Real redis-server processes, linked with `REPLICAOF`.
    Redis(RedisOptions),
}

impl DataPlaneChoice {
    /// The data plane, for an emulator at `time_scale`. Fails (with what to install) when the real
    /// one cannot run.
    pub fn build(&self, time_scale: f64) -> Result<Box<dyn DataPlane>, String> {
        match self {
            DataPlaneChoice::Simulated => Ok(Box::new(Simulated { time_scale })),
            DataPlaneChoice::Redis(options) => {
                let plane = RedisDataPlane::new(options.clone()).map_err(|e| e.to_string())?;
                tracing::info!(version = %plane.version, "real data plane");
                Ok(Box::new(plane))
            }
        }
    }
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
