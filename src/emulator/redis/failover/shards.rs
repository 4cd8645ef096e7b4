//! The hand-over across every shard of two caches, done by georep: what Redis's `FAILOVER` does inside
//! one server pair, with every primary shard paused before any secondary shard is promoted (a
//! per-server `FAILOVER` cannot give that). Each step runs on all shards at once, on the nodes' kept
//! connections.
//!
//! 1. `CLIENT PAUSE WRITE` on every primary shard, and its replication offset, in one round trip:
//!    writes wait (they are not refused, not lost).
//! 2. Each secondary shard is allowed to reach its primary's offset (bounded: past the catch-up
//!    timeout the failover is abandoned, writes resume, nothing has changed).
//! 3. `REPLICAOF NO ONE` on each secondary: it is the primary now, with every write the old one took.
//! 4. `REPLICAOF <new primary>` and `CLIENT UNPAUSE` on each old primary shard, in one round trip: it
//!    refuses writes from then on (`READONLY`, also to the writes that waited), and it continues from
//!    its own replication stream (`PSYNC` with the replication id the new primary keeps as its
//!    previous one), so no full resync is needed.

use std::time::{Duration, Instant};

use futures::future::join_all;
use redis::aio::MultiplexedConnection;

use super::super::info;
use super::super::link::{Job, Pair, replicaof};
use super::super::node::IO_TIMEOUT;
use super::{PAUSE_LIMIT, send_first};
use crate::emulator::data_plane::Progress;

/// How often the secondaries' offsets are read while waiting.
const CATCH_UP_POLL: Duration = Duration::from_millis(1);

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

/// Step 1 on one shard: the pause, then the offset it froze. Returns the connection and the offset.
async fn pause_shard(pair: &Pair) -> Result<(MultiplexedConnection, u64), String> {
    let mut pipe = redis::pipe();
    pipe.add_command(pause()).ignore().cmd("INFO").arg("replication");
    let (conn, (text,)) = send_first::<(String,)>(&pair.primary, &pipe)
        .await
        .map_err(|e| format!("CLIENT PAUSE on {}: {e}", pair.primary.label()))?;
    Ok((conn, info::parse(&text).master_repl_offset.unwrap_or(0)))
}

/// Lets writes through again on every primary shard (the pause also ends by itself after
/// [`PAUSE_LIMIT`]).
async fn resume(job: &Job) {
    join_all(job.pairs.iter().map(|pair| async move {
        if let Ok(mut c) = pair.primary.control().await {
            let _ = tokio::time::timeout(IO_TIMEOUT, unpause().query_async::<()>(&mut c)).await;
        }
    }))
    .await;
}

/// Step 2 on one shard: waits until the secondary has processed `target` bytes of its primary's
/// stream. The error says how far behind it still is when the wait ends without that.
async fn catch_up(pair: &Pair, target: u64, until: Instant) -> Result<(), String> {
    let mut conn = None;
    loop {
        if conn.is_none() {
            conn = pair.secondary.control().await.ok();
        }
        let seen = match conn.as_mut() {
            Some(c) => match tokio::time::timeout(IO_TIMEOUT, info::fetch_replication(c)).await {
                Ok(Ok(i)) => i.slave_repl_offset.filter(|_| i.link_up),
                Ok(Err(e)) => {
                    conn = pair.secondary.reconnect_if_broken(&e).await;
                    None
                }
                Err(_) => None,
            },
            None => None,
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

/// Step 3 on one shard.
async fn promote(pair: &Pair) -> Result<(), String> {
    let mut conn = pair.secondary.control().await?;
    replicaof(&mut conn, None).await
}

/// Step 4 on one shard. The data is safe on the new primary by then; an old primary that cannot be
/// re-pointed keeps its (identical) data and takes writes again when the pause ends: said in the log,
/// not a failure.
async fn repoint(pair: &Pair, mut conn: MultiplexedConnection) {
    let (host, port) = (&pair.secondary.endpoint.host, pair.secondary.endpoint.port);
    let mut pipe = redis::pipe();
    pipe.cmd("REPLICAOF").arg(host).arg(port).ignore().add_command(unpause()).ignore();
    let sent = tokio::time::timeout(IO_TIMEOUT, pipe.query_async::<()>(&mut conn)).await;
    let error = match sent {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer".to_string(),
    };
    tracing::warn!(node = %pair.primary.label(), %error, "cannot re-point the old primary");
    // The unpause of the pipeline ran whatever REPLICAOF answered; once more in case it did not arrive.
    let _ = tokio::time::timeout(IO_TIMEOUT, unpause().query_async::<()>(&mut conn)).await;
}

/// Runs the four steps. On an error, writes resume and every shard is as it was.
pub async fn run(job: &Job, catch_up_timeout: Duration) -> Result<(), String> {
    let mut primaries = Vec::with_capacity(job.pairs.len());
    let mut error = None;
    for paused in join_all(job.pairs.iter().map(pause_shard)).await {
        match paused {
            Ok(p) => primaries.push(p),
            Err(e) => error = error.or(Some(e)),
        }
    }
    if let Some(e) = error {
        resume(job).await;
        return Err(e);
    }
    job.set(Progress::Unlinking { fraction: 0.25 });
    let until = Instant::now() + catch_up_timeout;
    let waits = job.pairs.iter().zip(&primaries).map(|(pair, (_, target))| catch_up(pair, *target, until));
    for (pair, caught_up) in job.pairs.iter().zip(join_all(waits).await) {
        if let Err(behind) = caught_up {
            resume(job).await;
            return Err(format!(
                "{} did not catch up with {} within {} s ({behind})",
                pair.secondary.label(),
                pair.primary.label(),
                catch_up_timeout.as_secs_f64()
            ));
        }
    }
    job.set(Progress::Unlinking { fraction: 0.5 });
    let promoted = join_all(job.pairs.iter().map(promote)).await;
    if let Some((i, Err(e))) = promoted.iter().enumerate().find(|(_, r)| r.is_err()) {
        let why = format!("REPLICAOF NO ONE on {}: {e}", job.pairs[i].secondary.label());
        // The shards that were promoted follow their primary again (a partial resync).
        let back = job.pairs.iter().zip(&promoted).filter(|(_, r)| r.is_ok()).map(|(pair, _)| async move {
            if let Ok(mut c) = pair.secondary.control().await {
                let _ = replicaof(&mut c, Some(&pair.primary.endpoint)).await;
            }
        });
        join_all(back).await;
        resume(job).await;
        return Err(why);
    }
    job.set(Progress::Unlinking { fraction: 0.75 });
    join_all(job.pairs.iter().zip(primaries).map(|(pair, (conn, _))| repoint(pair, conn))).await;
    Ok(())
}
