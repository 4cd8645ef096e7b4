//! The real data plane (`--data-plane redis`): every shard of every cache is a `redis-server` that georep
//! starts on a free loopback port (or an existing endpoint the fleet names), filled with the cache's data
//! at start, and a link is `REPLICAOF` between them.
//!
//! Nothing here blocks the emulator: `DataPlane::start` only spawns a task, `progress` and `live` only
//! read what the tasks and the per-node monitors last recorded.
//!
//! A clustered cache is N independent redis-servers (not Redis Cluster: `REPLICAOF` is refused in
//! cluster mode); the fill splits its keys evenly over them and a link pairs shard i with shard i.

pub mod children;
pub mod failover;
pub mod fill;
pub mod info;
mod link;
pub mod node;
pub mod process;
mod setup;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use tokio::runtime::Handle;
use tokio::sync::watch;
use uuid::Uuid;

use self::link::{Job, Pair};
use self::node::Node;
pub use self::process::{ProcessError, RedisServer};
use self::setup::{Plan, plan_cache};
use super::data_plane::{DataPlane, Progress};
use super::live::{Health, LiveCache, LiveLink, LiveShard};
use super::store::{CacheRecord, Operation, OperationKind, State};
use crate::arm::{ErrorDetail, OperationState, ResourceId};
use crate::geo::LinkPhase;

/// How the real data plane runs.
#[derive(Clone, Debug, PartialEq)]
pub struct RedisOptions {
    /// The redis-server binary: a name looked up on PATH, or a path.
    pub binary: PathBuf,
    /// Most bytes written into one cache at start (keys scaled down in proportion); `None`: no cap.
    pub max_fill: Option<u64>,
    /// Where the children's data directories go (in a temporary directory removed on shutdown);
    /// default: the system's temporary directory.
    pub data_dir: Option<PathBuf>,
    /// Where to record the redis-servers started (pid and port), for the next run on the same state to
    /// stop what a `kill -9` left running; `None`: no record. Set from `--state` by
    /// `Emulator::with_data_plane`.
    pub children_file: Option<PathBuf>,
    /// A failover waits this long for each secondary shard to reach its primary's offset before it
    /// gives up (writes resumed, nothing changed).
    pub catch_up_timeout: std::time::Duration,
    /// After a failover's unlink, how long the old primary follows the new one waiting for the link
    /// back before it is detached.
    pub repoint_grace: std::time::Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            binary: PathBuf::from("redis-server"),
            max_fill: Some(fill::DEFAULT_MAX_FILL),
            data_dir: None,
            children_file: None,
            catch_up_timeout: failover::CATCH_UP_TIMEOUT,
            repoint_grace: REPOINT_GRACE,
        }
    }
}

struct Shared {
    options: RedisOptions,
    plan: Mutex<Option<Plan>>,
    /// Cache key -> its shards, in order. Filled once by `ready`.
    caches: RwLock<HashMap<String, Vec<Arc<Node>>>>,
    /// Links that replicate now, primary cache key -> secondary cache key (for the live figures).
    linked: Mutex<HashMap<String, String>>,
    jobs: Mutex<HashMap<Uuid, Arc<Job>>>,
    /// Old primaries a failover re-pointed at their new primary (old primary key -> failover id), until
    /// the link back is asked for.
    repointed: Mutex<HashMap<String, Uuid>>,
    stop: watch::Sender<bool>,
    handle: OnceLock<Handle>,
    dir: Mutex<Option<tempfile::TempDir>>,
    /// What is written to `options.children_file`.
    record: Mutex<children::Record>,
    ready: tokio::sync::OnceCell<Result<(), String>>,
}

/// How long an old primary follows its new primary after a failover's unlink, waiting for the link back
/// (default of [`RedisOptions::repoint_grace`]).
pub const REPOINT_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

/// The real data plane. Dropping it (or `shutdown`) stops and reaps every redis-server it started.
pub struct RedisDataPlane {
    shared: Arc<Shared>,
    /// `redis-server --version`.
    pub version: String,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RedisDataPlane {
    /// Checks that redis-server can run; starts nothing yet (that is `ready`, when the emulator binds).
    pub fn new(options: RedisOptions) -> Result<Self, ProcessError> {
        let version = process::check(&options.binary)?;
        Ok(RedisDataPlane { shared: Arc::new(Shared::new(options)), version })
    }
}

impl Drop for RedisDataPlane {
    fn drop(&mut self) {
        // On a runtime thread (an emulator dropped without `shutdown`), waiting for the children to exit
        // would stall it: they are asked to stop now and waited for on a thread of their own.
        if Handle::try_current().is_ok() {
            self.shared.terminate();
            let shared = self.shared.clone();
            let reaper = std::thread::Builder::new().name("georep-reaper".into()).spawn(move || shared.shutdown());
            if reaper.is_ok() {
                return;
            }
        }
        self.shared.shutdown();
    }
}

impl Shared {
    fn new(options: RedisOptions) -> Self {
        let (stop, _) = watch::channel(false);
        Shared {
            options,
            plan: Mutex::new(None),
            caches: RwLock::new(HashMap::new()),
            linked: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
            repointed: Mutex::new(HashMap::new()),
            stop,
            handle: OnceLock::new(),
            dir: Mutex::new(None),
            record: Mutex::new(children::Record::default()),
            ready: tokio::sync::OnceCell::new(),
        }
    }

    fn nodes(&self, cache: &ResourceId) -> Option<Vec<Arc<Node>>> {
        self.nodes_by_key(&cache.cache_id().key())
    }

    fn nodes_by_key(&self, key: &str) -> Option<Vec<Arc<Node>>> {
        self.caches.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    fn pairs(&self, primary: &ResourceId, secondary: &ResourceId) -> Result<Vec<Pair>, ErrorDetail> {
        let missing = |id: &ResourceId| {
            ErrorDetail::new("DataPlaneNotReady", format!("The cache '{}' has no redis-server running.", id.name))
        };
        let p = self.nodes(primary).ok_or_else(|| missing(primary))?;
        let s = self.nodes(secondary).ok_or_else(|| missing(secondary))?;
        if p.len() != s.len() {
            return Err(ErrorDetail::new(
                "ShardCountMismatch",
                format!("'{}' has {} shards and '{}' has {}.", primary.name, p.len(), secondary.name, s.len()),
            ));
        }
        Ok(p.into_iter().zip(s).map(|(primary, secondary)| Pair { primary, secondary }).collect())
    }

    /// Starts the task that carries out `op`, and records its job.
    fn spawn_job(&self, op: &Operation) -> Result<Arc<Job>, ErrorDetail> {
        let handle = self.handle.get().ok_or_else(|| {
            ErrorDetail::new("DataPlaneNotReady", "The Redis data plane has not started its servers yet.")
        })?;
        let pairs = self.pairs(&op.primary, &op.secondary)?;
        let job = match op.kind {
            OperationKind::Link => {
                // The second half of a failover: the old primary already follows the new one.
                lock(&self.repointed).remove(&op.secondary.cache_id().key());
                let down = pairs.iter().flat_map(|p| [&p.primary, &p.secondary]).find_map(|n| n.failure());
                if let Some(why) = down {
                    return Err(ErrorDetail::new(
                        "RedisInstanceFailed",
                        format!("{why}: the caches cannot be linked."),
                    ));
                }
                let job = Arc::new(Job::new(pairs, Progress::Provisioning));
                handle.spawn(link::run_link(job.clone(), self.stop.subscribe()));
                job
            }
            OperationKind::Unlink => {
                let job = Arc::new(Job::new(pairs, Progress::Unlinking { fraction: 0.0 }));
                if op.failover {
                    handle.spawn(failover::run_failover(job.clone(), self.options.catch_up_timeout));
                } else {
                    handle.spawn(link::run_unlink(job.clone()));
                }
                job
            }
        };
        lock(&self.jobs).insert(op.id, job.clone());
        Ok(job)
    }

    /// After a failover's unlink, the old primary follows the new one (read-only) until the link back
    /// is asked for. If it is not within [`RedisOptions::repoint_grace`] (the client that ran the failover died), the
    /// old primary is detached, so that it is the writable, unlinked cache the API says it is.
    fn await_link_back(self: Arc<Self>, op: &Operation, pairs: Vec<Pair>) {
        let key = op.primary.cache_id().key();
        lock(&self.repointed).insert(key.clone(), op.id);
        let Some(handle) = self.handle.get().cloned() else { return };
        let (id, mut stop) = (op.id, self.stop.subscribe());
        handle.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(self.options.repoint_grace) => {}
                _ = stop.changed() => return,
            }
            if lock(&self.repointed).get(&key) != Some(&id) {
                return;
            }
            lock(&self.repointed).remove(&key);
            tracing::warn!(cache = %key, "no link back after the failover: detaching the old primary");
            for pair in pairs {
                if let Ok(mut c) = pair.primary.connect().await {
                    let _ = link::replicaof(&mut c, None).await;
                }
            }
        });
    }

    fn live(&self, key: &str) -> Option<LiveCache> {
        let nodes = self.nodes_by_key(key)?;
        let statuses: Vec<_> = nodes.iter().map(|n| n.status()).collect();
        let failure = nodes.iter().find_map(|n| n.failure());
        let infos: Option<Vec<_>> = statuses.iter().map(|s| s.info.as_ref()).collect();
        let health = match (&failure, &infos) {
            (Some(why), _) => Health::Failed(why.clone()),
            (None, None) => Health::Starting,
            (None, Some(_)) => Health::Running,
        };
        let sum = |f: &dyn Fn(&info::Info) -> Option<u64>| -> Option<u64> {
            infos.as_ref()?.iter().map(|i| f(i)).sum::<Option<u64>>()
        };
        let pair = {
            let linked = lock(&self.linked);
            linked
                .get(key)
                .map(|s| (key.to_string(), s.clone()))
                .or_else(|| linked.iter().find(|(_, s)| s.as_str() == key).map(|(p, s)| (p.clone(), s.clone())))
        };
        let link = pair.and_then(|(p, s)| {
            let caches = self.caches.read().unwrap_or_else(|e| e.into_inner());
            Some(live_link(caches.get(&p)?, caches.get(&s)?))
        });
        Some(LiveCache {
            endpoints: nodes.iter().map(|n| n.endpoint.clone()).collect(),
            health,
            keys: sum(&|i| Some(i.keys)),
            dataset_bytes: sum(&|i| i.used_memory_dataset),
            used_memory: sum(&|i| i.used_memory),
            link,
            shards: infos.map(|infos| infos.into_iter().map(live_shard).collect()).unwrap_or_default(),
        })
    }

    fn all_nodes(&self) -> Vec<Arc<Node>> {
        self.caches.read().unwrap_or_else(|e| e.into_inner()).values().flatten().cloned().collect()
    }

    /// Tells every task to stop and every child to exit (SIGTERM), without waiting.
    fn terminate(&self) {
        // send_replace: stored even when nobody listens yet (a shutdown before `ready`), so that
        // `setup` and every task subscribed later see it.
        self.stop.send_replace(true);
        for node in self.all_nodes() {
            if let Some(server) = &node.server {
                server.terminate();
            }
        }
    }

    /// Stops every task and every child, and reaps them; removes the data directories. Blocks up to
    /// [`process::STOP_GRACE`]: call it off the async runtime.
    fn shutdown(&self) {
        self.terminate();
        let nodes = self.all_nodes();
        let servers: Vec<&RedisServer> = nodes.iter().filter_map(|n| n.server.as_ref()).collect();
        let deadline = Instant::now() + process::STOP_GRACE;
        for s in &servers {
            s.reap(deadline);
        }
        drop(lock(&self.dir).take());
        if let Some(path) = &self.options.children_file
            && !servers.is_empty()
            && let Err(e) = std::fs::remove_file(path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, "cannot remove the record of the redis-servers");
        }
    }
}

/// One shard's figures for the metrics history, from its last `INFO`.
fn live_shard(i: &info::Info) -> LiveShard {
    LiveShard {
        repl_offset: i.master_repl_offset,
        replica_offset: i.replica.then_some(i.slave_repl_offset).flatten(),
        link_up: i.replica && i.link_up,
        last_io_seconds: i.last_io_seconds,
        sync_in_progress: i.sync_in_progress,
        full_syncs: i.sync_full,
        used_memory: i.used_memory,
        input_bytes: i.net_input_bytes,
    }
}

/// The replication figures of a linked pair, from both sides' last `INFO`.
fn live_link(primary: &[Arc<Node>], secondary: &[Arc<Node>]) -> LiveLink {
    let mut connected = !secondary.is_empty();
    let mut lag = Some(0u64);
    let mut last_io: Option<u64> = None;
    for (p, s) in primary.iter().zip(secondary) {
        let (pi, si) = (p.status().info, s.status().info);
        let up = s.failure().is_none() && si.as_ref().is_some_and(|i| i.link_up);
        connected &= up;
        lag = match (lag, pi.and_then(|i| i.master_repl_offset), si.as_ref().and_then(|i| i.slave_repl_offset)) {
            (Some(sum), Some(po), Some(so)) if up => Some(sum + po.saturating_sub(so)),
            _ => None,
        };
        if let Some(io) = si.and_then(|i| i.last_io_seconds) {
            last_io = Some(last_io.map_or(io, |m| m.max(io)));
        }
    }
    LiveLink { connected, offset_lag_bytes: lag, last_io_seconds: last_io }
}

impl DataPlane for RedisDataPlane {
    fn attach(&self, state: &State) -> Result<(), String> {
        let links = state.topology.links();
        let secondaries: HashSet<String> = links.iter().map(|l| l.secondary.key()).collect();
        let caches = state
            .caches
            .iter()
            .map(|(key, record)| plan_cache(key, record, !secondaries.contains(key), self.shared.options.max_fill))
            .collect::<Result<Vec<_>, _>>()?;
        let replicating = links
            .iter()
            .filter(|l| matches!(l.phase, LinkPhase::Succeeded | LinkPhase::Deleting))
            .map(|l| (l.primary.clone(), l.secondary.clone()))
            .collect();
        let operations = state.operations.iter().filter(|o| o.status == OperationState::InProgress).cloned().collect();
        *lock(&self.shared.plan) = Some(Plan { caches, links: replicating, operations });
        Ok(())
    }

    fn ready(&self) -> BoxFuture<'static, Result<(), String>> {
        let shared = self.shared.clone();
        Box::pin(async move { shared.ready.get_or_init(|| shared.clone().setup()).await.clone() })
    }

    fn start(&self, op: &Operation, _: &CacheRecord, _: &CacheRecord) -> Result<(), ErrorDetail> {
        self.shared.spawn_job(op).map(|_| ())
    }

    fn progress(&self, op: &Operation, _now: DateTime<Utc>) -> Progress {
        let job = lock(&self.shared.jobs).get(&op.id).cloned();
        let job = match job {
            Some(job) => job,
            // Not started here (resumed from a state file before its servers were up): start it now.
            None if op.status == OperationState::InProgress => match self.shared.spawn_job(op) {
                Ok(job) => job,
                Err(e) => return Progress::Failed(e),
            },
            None => return Progress::Provisioning,
        };
        let progress = job.progress();
        let (p, s) = (op.primary.cache_id().key(), op.secondary.cache_id().key());
        match (&progress, op.kind) {
            (Progress::Linked, _) => {
                lock(&self.shared.linked).insert(p, s);
            }
            (Progress::Unlinked, _) => {
                lock(&self.shared.linked).remove(&p);
                if op.failover {
                    self.shared.clone().await_link_back(op, job.pairs.clone());
                }
            }
            (Progress::Failed(_), OperationKind::Link) => {
                lock(&self.shared.linked).remove(&p);
            }
            // A failed unlink leaves the link as it was.
            (Progress::Failed(_), OperationKind::Unlink) => {}
            _ => return progress,
        }
        lock(&self.shared.jobs).remove(&op.id);
        progress
    }

    fn live(&self, cache_key: &str) -> Option<LiveCache> {
        self.shared.live(cache_key)
    }

    fn retry_after_seconds(&self) -> Option<u64> {
        // Real links on loopback take seconds, whatever the model's time scale.
        Some(1)
    }

    fn shutdown(&self) {
        self.shared.shutdown();
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_sent_before_anyone_listens_is_kept() {
        let shared = Shared::new(RedisOptions::default());
        shared.shutdown();
        // A task started after the stop (a monitor, a link) sees it at once.
        assert!(*shared.stop.subscribe().borrow(), "the stop signal was lost");
    }
}
