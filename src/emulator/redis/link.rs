//! Link and unlink on real Redis: `REPLICAOF <primary shard>` on each secondary shard, with progress and
//! phases read from the secondary's `INFO replication`; `REPLICAOF NO ONE` to unlink. Each operation
//! runs as a task that records its progress in its [`Job`], which `DataPlane::progress` only reads.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::watch;

use super::info::{self, Info};
use super::node::{IO_TIMEOUT, Node};
use crate::arm::ErrorDetail;
use crate::emulator::data_plane::Progress;
use crate::emulator::live::Endpoint;

/// How often a running link reads its secondaries' `INFO replication`.
pub const LINK_POLL: Duration = Duration::from_millis(50);
/// A shard still waiting for its snapshot to start arriving this long after `REPLICAOF` (the primary
/// unreachable, or never finishing its snapshot) fails the link.
pub const SYNC_START_TIMEOUT: Duration = Duration::from_secs(120);

/// One secondary shard's sync, as last seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSync {
    /// `REPLICAOF` sent: connecting, or the primary is still writing its snapshot.
    Waiting,
    /// The snapshot is arriving.
    Transferring { read: u64, total: u64 },
    /// The snapshot has arrived and is being loaded.
    Loading { total: u64 },
    /// The link is up; `total` is the snapshot's size, when one was seen arriving.
    Up { total: Option<u64> },
}

impl ShardSync {
    fn total(self) -> Option<u64> {
        match self {
            ShardSync::Waiting => None,
            ShardSync::Transferring { total, .. } | ShardSync::Loading { total } => Some(total),
            ShardSync::Up { total } => Some(total.unwrap_or(0)),
        }
    }

    fn done(self) -> u64 {
        match self {
            ShardSync::Waiting => 0,
            ShardSync::Transferring { read, .. } => read,
            ShardSync::Loading { total } => total,
            ShardSync::Up { total } => total.unwrap_or(0),
        }
    }

    /// The next state, from the shard's `INFO replication` while it replicates from `primary`.
    pub fn observe(self, info: &Info, primary: &Endpoint) -> ShardSync {
        let ours = info.replica
            && info.master_host.as_deref() == Some(primary.host.as_str())
            && info.master_port == Some(primary.port);
        if !ours {
            return ShardSync::Waiting;
        }
        if info.link_up {
            return ShardSync::Up { total: self.total().filter(|t| *t > 0) };
        }
        match (info.sync_in_progress, info.sync_total_bytes) {
            (true, Some(total)) => {
                let read = info.sync_read_bytes.unwrap_or(0).min(total);
                if read >= total { ShardSync::Loading { total } } else { ShardSync::Transferring { read, total } }
            }
            // Still loading what arrived (a replica reports the sync as over once the payload is in).
            (false, _) if matches!(self, ShardSync::Loading { .. }) => self,
            _ => ShardSync::Waiting,
        }
    }
}

/// The operation's progress over all shards: linked when every link is up; syncing, bytes read over
/// bytes to read, once every shard's snapshot size is known (before that, a total that grows as shards
/// report would make the percentage go back); provisioning until then.
pub fn aggregate(shards: &[ShardSync]) -> Progress {
    if shards.iter().all(|s| matches!(s, ShardSync::Up { .. })) {
        return Progress::Linked;
    }
    if shards.iter().all(|s| s.total().is_some()) {
        let total = shards.iter().filter_map(|s| s.total()).sum();
        let done = shards.iter().map(|s| s.done()).sum();
        return Progress::Syncing { done, total };
    }
    Progress::Provisioning
}

/// A primary shard and the secondary shard that replicates it.
#[derive(Clone, Debug)]
pub struct Pair {
    pub primary: Arc<Node>,
    pub secondary: Arc<Node>,
}

/// A running link or unlink.
#[derive(Debug)]
pub struct Job {
    pub pairs: Vec<Pair>,
    progress: Mutex<Progress>,
}

impl Job {
    pub fn new(pairs: Vec<Pair>, initial: Progress) -> Self {
        for p in &pairs {
            p.primary.set_hot(true);
            p.secondary.set_hot(true);
        }
        Job { pairs, progress: Mutex::new(initial) }
    }

    pub fn progress(&self) -> Progress {
        self.progress.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) fn set(&self, p: Progress) {
        *self.progress.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    pub(super) fn cool(&self) {
        for p in &self.pairs {
            p.primary.set_hot(false);
            p.secondary.set_hot(false);
        }
    }

    /// The first node of the job that is down, as an operation error.
    fn node_failure(&self) -> Option<ErrorDetail> {
        self.pairs
            .iter()
            .flat_map(|p| [&p.primary, &p.secondary])
            .find_map(|n| n.failure())
            .map(|why| ErrorDetail::new("RedisInstanceFailed", format!("{why}. The operation cannot complete.")))
    }
}

pub(super) async fn replicaof(conn: &mut MultiplexedConnection, target: Option<&Endpoint>) -> Result<(), String> {
    let mut cmd = redis::cmd("REPLICAOF");
    match target {
        Some(e) => cmd.arg(&e.host).arg(e.port),
        None => cmd.arg("NO").arg("ONE"),
    };
    match tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<()>(conn)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("no answer".into()),
    }
}

/// Starts a shard's replication: disk-based sync on the primary (for endpoints georep did not start;
/// its own children start that way), then `REPLICAOF` on the secondary. Returns the connection to poll
/// the secondary on.
async fn start_shard(pair: &Pair) -> Result<MultiplexedConnection, ErrorDetail> {
    if let Ok(mut c) = pair.primary.connect().await {
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("SET").arg("repl-diskless-sync").arg("no");
        let _ = tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<()>(&mut c)).await;
    }
    let fail = |e: String| {
        ErrorDetail::new(
            "ReplicationFailed",
            format!("REPLICAOF {} on {} failed: {e}", pair.primary.endpoint, pair.secondary.label()),
        )
    };
    let mut conn = pair.secondary.connect().await.map_err(fail)?;
    replicaof(&mut conn, Some(&pair.primary.endpoint)).await.map_err(fail)?;
    Ok(conn)
}

/// Runs a link to the end: `Linked`, or `Failed` with why.
pub async fn run_link(job: Arc<Job>, mut stop: watch::Receiver<bool>) {
    let result = futures::future::join_all(job.pairs.iter().map(start_shard)).await;
    let mut conns = Vec::with_capacity(result.len());
    for r in result {
        match r {
            Ok(c) => conns.push(Some(c)),
            Err(e) => return fail_link(&job, e).await,
        }
    }
    let mut shards = vec![ShardSync::Waiting; job.pairs.len()];
    let mut waiting_since = vec![Instant::now(); job.pairs.len()];
    loop {
        tokio::select! {
            _ = tokio::time::sleep(LINK_POLL) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        if let Some(e) = job.node_failure() {
            return fail_link(&job, e).await;
        }
        for (i, pair) in job.pairs.iter().enumerate() {
            if conns[i].is_none() {
                conns[i] = pair.secondary.connect().await.ok();
            }
            let Some(conn) = conns[i].as_mut() else { continue };
            match tokio::time::timeout(IO_TIMEOUT, info::fetch_replication(conn)).await {
                Ok(Ok(info)) => shards[i] = shards[i].observe(&info, &pair.primary.endpoint),
                // Seen as a node failure on the next round if the node is gone; else asked again.
                _ => conns[i] = None,
            }
            if shards[i] != ShardSync::Waiting {
                waiting_since[i] = Instant::now();
            } else if waiting_since[i].elapsed() >= SYNC_START_TIMEOUT {
                let e = ErrorDetail::new(
                    "ReplicationTimedOut",
                    format!(
                        "{} has not started receiving the data of {} within {} s of REPLICAOF.",
                        pair.secondary.label(),
                        pair.primary.label(),
                        SYNC_START_TIMEOUT.as_secs()
                    ),
                );
                return fail_link(&job, e).await;
            }
        }
        let progress = aggregate(&shards);
        if progress == Progress::Linked {
            // The live figures the API shows next are of the link that is up, not of a moment before.
            let nodes: Vec<Arc<Node>> =
                job.pairs.iter().flat_map(|p| [p.primary.clone(), p.secondary.clone()]).collect();
            futures::future::join_all(nodes.into_iter().map(|n| async move { n.refresh().await })).await;
            job.set(progress);
            return;
        }
        job.set(progress);
    }
}

/// Fails the link, after detaching the secondaries that still run so they do not go on trying.
async fn fail_link(job: &Job, e: ErrorDetail) {
    tracing::warn!(code = %e.code, message = %e.message, "link failed");
    for pair in &job.pairs {
        if pair.secondary.failure().is_none()
            && let Ok(mut c) = pair.secondary.connect().await
        {
            let _ = replicaof(&mut c, None).await;
        }
    }
    job.cool();
    job.set(Progress::Failed(e));
}

/// Runs an unlink to the end: `REPLICAOF NO ONE` on each secondary shard, which keeps its data and
/// takes writes again. A shard whose process is gone has nothing left to detach and is skipped.
///
/// All shards or none: when one shard cannot be detached, the shards detached before it replicate
/// their primary shard again (they resync), and the unlink fails with the state of every shard.
pub async fn run_unlink(job: Arc<Job>) {
    let n = job.pairs.len().max(1) as f64;
    let mut detached = Vec::new();
    for (i, pair) in job.pairs.iter().enumerate() {
        if let Some(why) = pair.secondary.failure() {
            tracing::warn!(node = %pair.secondary.label(), "unlinking a shard that is down: {why}");
        } else {
            let r = match pair.secondary.connect().await {
                Ok(mut c) => replicaof(&mut c, None).await,
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                let failed = format!("REPLICAOF NO ONE on {} failed: {e}", pair.secondary.label());
                let message = roll_back_unlink(&job, &detached, i, &failed).await;
                tracing::warn!(%message, "unlink failed");
                job.cool();
                job.set(Progress::Failed(ErrorDetail::new("ReplicationFailed", message)));
                return;
            }
            detached.push(i);
        }
        job.set(Progress::Unlinking { fraction: (i + 1) as f64 / n });
    }
    let secondaries: Vec<Arc<Node>> = job.pairs.iter().map(|p| p.secondary.clone()).collect();
    futures::future::join_all(secondaries.into_iter().map(|n| async move { n.refresh().await })).await;
    job.cool();
    job.set(Progress::Unlinked);
}

/// Links the `detached` shards to their primary shards again after shard `failed_at` could not be
/// detached. Returns the unlink's error message: why it failed, and every shard's state after.
async fn roll_back_unlink(job: &Job, detached: &[usize], failed_at: usize, why: &str) -> String {
    let mut states = Vec::new();
    for (i, pair) in job.pairs.iter().enumerate() {
        let state = if i == failed_at {
            "still linked (could not be detached)".to_string()
        } else if i > failed_at {
            "still linked (not reached)".to_string()
        } else if !detached.contains(&i) {
            "down".to_string()
        } else {
            let r = match pair.secondary.connect().await {
                Ok(mut c) => replicaof(&mut c, Some(&pair.primary.endpoint)).await,
                Err(e) => Err(e),
            };
            match r {
                Ok(()) => "linked again (resyncing)".to_string(),
                Err(e) => format!("DETACHED: linking it again failed: {e}"),
            }
        };
        states.push(format!("shard {i} ({}): {state}", pair.secondary.endpoint));
    }
    format!("{why}. The unlink was rolled back; {}.", states.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary() -> Endpoint {
        Endpoint { host: "127.0.0.1".into(), port: 40001 }
    }

    fn replica(link_up: bool, in_progress: bool, total: Option<u64>, read: u64) -> Info {
        Info {
            replica: true,
            master_host: Some("127.0.0.1".into()),
            master_port: Some(40001),
            link_up,
            sync_in_progress: in_progress,
            sync_total_bytes: total,
            sync_read_bytes: Some(read),
            ..Info::default()
        }
    }

    #[test]
    fn a_shard_goes_waiting_transferring_loading_up() {
        let p = primary();
        let mut s = ShardSync::Waiting;
        s = s.observe(&replica(false, true, None, 0), &p);
        assert_eq!(s, ShardSync::Waiting);
        s = s.observe(&replica(false, true, Some(1000), 250), &p);
        assert_eq!(s, ShardSync::Transferring { read: 250, total: 1000 });
        s = s.observe(&replica(false, true, Some(1000), 1000), &p);
        assert_eq!(s, ShardSync::Loading { total: 1000 });
        s = s.observe(&replica(false, false, None, 0), &p);
        assert_eq!(s, ShardSync::Loading { total: 1000 });
        s = s.observe(&replica(true, false, None, 0), &p);
        assert_eq!(s, ShardSync::Up { total: Some(1000) });
    }

    #[test]
    fn a_link_to_another_primary_or_a_primary_role_is_not_ours() {
        let mut other = replica(true, false, None, 0);
        other.master_port = Some(1);
        assert_eq!(ShardSync::Waiting.observe(&other, &primary()), ShardSync::Waiting);
        assert_eq!(ShardSync::Waiting.observe(&Info::default(), &primary()), ShardSync::Waiting);
    }

    #[test]
    fn progress_over_shards() {
        use ShardSync::*;
        assert_eq!(aggregate(&[Waiting, Transferring { read: 5, total: 10 }]), Progress::Provisioning);
        assert_eq!(
            aggregate(&[Transferring { read: 5, total: 10 }, Loading { total: 30 }]),
            Progress::Syncing { done: 35, total: 40 }
        );
        assert_eq!(
            aggregate(&[Up { total: Some(10) }, Transferring { read: 0, total: 30 }]),
            Progress::Syncing { done: 10, total: 40 }
        );
        assert_eq!(aggregate(&[Up { total: Some(10) }, Up { total: None }]), Progress::Linked);
    }
}
