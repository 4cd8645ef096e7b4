//! The first half of a failover on real Redis, without losing an acknowledged write: what Redis's own
//! `FAILOVER` does inside one server pair, done across every shard of the two caches.
//!
//! 1. `CLIENT PAUSE WRITE` on every primary shard: writes wait (they are not refused, not lost).
//! 2. Each secondary shard is allowed to reach its primary's replication offset (bounded: past
//!    [`CATCH_UP_TIMEOUT`] the failover is abandoned, writes resume, nothing has changed).
//! 3. `REPLICAOF NO ONE` on each secondary: it is the primary now, with every write the old one took.
//! 4. `REPLICAOF <new primary>` on each old primary shard, still paused: from here on it refuses writes
//!    (`READONLY`), and it continues from its own replication stream (`PSYNC` with the replication id
//!    the new primary keeps as its previous one), so no full resync is needed.
//! 5. `CLIENT UNPAUSE`: the writes that waited are answered, by a replica, with `READONLY`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use super::info;
use super::link::{Job, Pair, replicaof};
use super::node::{IO_TIMEOUT, Node};
use crate::arm::ErrorDetail;
use crate::emulator::data_plane::Progress;
use crate::emulator::live::Endpoint;

/// The pause georep asks for: long enough for any catch-up, short enough that a georep that dies
/// mid-failover leaves the primary writable again by itself.
pub const PAUSE_LIMIT: Duration = Duration::from_secs(30);
/// Longest wait for a secondary shard to reach its primary's offset (default of
/// [`super::RedisOptions::catch_up_timeout`]).
pub const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the secondaries' offsets are read while waiting.
const CATCH_UP_POLL: Duration = Duration::from_millis(5);

async fn query<T: redis::FromRedisValue>(conn: &mut MultiplexedConnection, cmd: &redis::Cmd) -> Result<T, String> {
    match tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<T>(conn)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("no answer".into()),
    }
}

fn pause() -> redis::Cmd {
    let mut cmd = redis::cmd("CLIENT");
    cmd.arg("PAUSE").arg(PAUSE_LIMIT.as_millis() as u64).arg("WRITE");
    cmd
}

fn unpause() -> redis::Cmd {
    let mut cmd = redis::cmd("CLIENT");
    cmd.arg("UNPAUSE");
    cmd
}

/// The connections of one shard pair.
struct Conns {
    primary: MultiplexedConnection,
    secondary: MultiplexedConnection,
}

async fn connect(pair: &Pair) -> Result<Conns, String> {
    let (primary, secondary) = tokio::join!(pair.primary.connect(), pair.secondary.connect());
    let primary = primary.map_err(|e| format!("{}: {e}", pair.primary.label()))?;
    let secondary = secondary.map_err(|e| format!("{}: {e}", pair.secondary.label()))?;
    Ok(Conns { primary, secondary })
}

/// Waits until the secondary shard has processed `target` bytes of its primary's stream. Returns how
/// far behind it still is when the wait ends without that.
async fn catch_up(conn: &mut MultiplexedConnection, target: u64, until: Instant) -> Result<(), String> {
    loop {
        let seen = match tokio::time::timeout(IO_TIMEOUT, info::fetch_replication(conn)).await {
            Ok(Ok(i)) => i.slave_repl_offset.filter(|_| i.link_up),
            _ => None,
        };
        if seen.is_some_and(|o| o >= target) {
            return Ok(());
        }
        if Instant::now() >= until {
            return Err(match seen {
                Some(o) => format!("{} bytes behind", target.saturating_sub(o)),
                None => "not connected to its primary".into(),
            });
        }
        tokio::time::sleep(CATCH_UP_POLL).await;
    }
}

/// Lets writes through again on every primary shard (the pause also ends by itself after
/// [`PAUSE_LIMIT`]).
async fn resume(conns: &mut [Conns]) {
    for c in conns.iter_mut() {
        let _ = query::<()>(&mut c.primary, &unpause()).await;
    }
}

/// Steps 1 to 3: pause, catch up, promote. On an error, writes resume and every shard is as it was.
async fn hand_over(job: &Job, conns: &mut [Conns], catch_up_timeout: Duration) -> Result<(), String> {
    let mut targets = Vec::with_capacity(conns.len());
    for (pair, c) in job.pairs.iter().zip(conns.iter_mut()) {
        // One round trip: the pause, then the offset it froze.
        let mut pipe = redis::pipe();
        pipe.add_command(pause()).ignore().cmd("INFO").arg("replication");
        let answer = tokio::time::timeout(IO_TIMEOUT, pipe.query_async::<(String,)>(&mut c.primary)).await;
        match answer {
            Ok(Ok((text,))) => targets.push(info::parse(&text).master_repl_offset.unwrap_or(0)),
            Ok(Err(e)) => return Err(format!("CLIENT PAUSE on {}: {e}", pair.primary.label())),
            Err(_) => return Err(format!("CLIENT PAUSE on {}: no answer", pair.primary.label())),
        }
    }
    job.set(Progress::Unlinking { fraction: 0.25 });
    let until = Instant::now() + catch_up_timeout;
    for ((pair, c), target) in job.pairs.iter().zip(conns.iter_mut()).zip(&targets) {
        catch_up(&mut c.secondary, *target, until).await.map_err(|behind| {
            format!(
                "{} did not catch up with {} within {} s ({behind})",
                pair.secondary.label(),
                pair.primary.label(),
                catch_up_timeout.as_secs_f64()
            )
        })?;
    }
    job.set(Progress::Unlinking { fraction: 0.5 });
    for (i, (pair, c)) in job.pairs.iter().zip(conns.iter_mut()).enumerate() {
        if let Err(e) = replicaof(&mut c.secondary, None).await {
            // Shards promoted before this one follow their primary again (a partial resync).
            for (earlier, ce) in job.pairs.iter().zip(conns.iter_mut()).take(i) {
                let _ = replicaof(&mut ce.secondary, Some(&earlier.primary.endpoint)).await;
            }
            return Err(format!("REPLICAOF NO ONE on {}: {e}", pair.secondary.label()));
        }
    }
    job.set(Progress::Unlinking { fraction: 0.75 });
    Ok(())
}

/// Runs the failover's unlink to the end: `Unlinked` with the roles handed over, or `Failed` with
/// writes resumed and nothing changed.
pub async fn run_failover(job: Arc<Job>, catch_up_timeout: Duration) {
    let mut conns = Vec::with_capacity(job.pairs.len());
    for c in futures::future::join_all(job.pairs.iter().map(connect)).await {
        match c {
            Ok(c) => conns.push(c),
            Err(e) => return fail(&job, &mut conns, e).await,
        }
    }
    if let Err(e) = hand_over(&job, &mut conns, catch_up_timeout).await {
        return fail(&job, &mut conns, e).await;
    }
    // The data is safe on the new primary from here on; an old primary that cannot be re-pointed keeps
    // its (identical) data and takes writes again when the pause ends: said in the log, not a failure.
    for (pair, c) in job.pairs.iter().zip(conns.iter_mut()) {
        if let Err(e) = replicaof(&mut c.primary, Some(&pair.secondary.endpoint)).await {
            tracing::warn!(node = %pair.primary.label(), error = %e, "cannot re-point the old primary");
        }
    }
    resume(&mut conns).await;
    let nodes = job.pairs.iter().flat_map(|p| [p.primary.clone(), p.secondary.clone()]);
    futures::future::join_all(nodes.map(|n| async move { n.refresh().await })).await;
    job.cool();
    job.set(Progress::Unlinked);
}

/// The hand-over of [`run_failover`] on bare endpoints (shard i of `primaries` to shard i of
/// `secondaries`, which replicate them), outside any operation: for benchmarks and tools.
pub async fn hand_over_endpoints(primaries: &[Endpoint], secondaries: &[Endpoint]) -> Result<(), String> {
    let mut pairs = Vec::new();
    for (i, (p, s)) in primaries.iter().zip(secondaries).enumerate() {
        let node = |role: &str, e: &Endpoint| Node::new(role, i as u32, e.clone(), None).map(Arc::new);
        pairs.push(Pair { primary: node("primary", p)?, secondary: node("secondary", s)? });
    }
    let job = Arc::new(Job::new(pairs, Progress::Unlinking { fraction: 0.0 }));
    run_failover(job.clone(), CATCH_UP_TIMEOUT).await;
    match job.progress() {
        Progress::Unlinked => Ok(()),
        Progress::Failed(e) => Err(e.message),
        other => Err(format!("the failover ended as {other:?}")),
    }
}

async fn fail(job: &Job, conns: &mut [Conns], why: String) {
    resume(conns).await;
    tracing::warn!(%why, "failover abandoned");
    job.cool();
    job.set(Progress::Failed(ErrorDetail::new(
        "FailoverAbandoned",
        format!("{why}. The failover was abandoned before any role changed; writes on the primary resumed."),
    )));
}
