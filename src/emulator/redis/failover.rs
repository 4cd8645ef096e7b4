//! The first half of a failover on real Redis, without losing an acknowledged write: the secondary
//! takes over only once it has every write the primary acknowledged, and writes that come meanwhile
//! wait, then are refused (`READONLY`), never dropped.
//!
//! Two ways, the same protocol (pause writes, let the secondary catch up within a bounded wait or
//! abandon with writes resumed, promote, re-point the old primary at the new one, unpause):
//! - a single-shard pair on a quiet link: Redis's own `FAILOVER TO <secondary> TIMEOUT <ms>` on the
//!   primary ([`coordinated`]), which does it inside the server, without georep's round trips in
//!   between;
//! - a clustered cache, a link with writes flowing (where `FAILOVER` would hold them for up to a
//!   second), or a primary that does not take `FAILOVER` (an older Redis, a secondary it does not see
//!   as a connected replica): georep does it across every shard ([`shards`]), pausing all of them
//!   before promoting any.
//!
//! Every command goes over the nodes' kept connections ([`Node::control`]): none is opened on the way.

mod coordinated;
mod shards;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;

use super::link::{Job, Pair};
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

/// Which way a hand-over goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `FAILOVER` for a single-shard pair (the all-shards protocol if it is refused), the all-shards
    /// protocol otherwise: what a failover operation runs.
    Auto,
    /// The all-shards protocol, whatever the number of shards.
    AllShards,
}

/// Which way a hand-over went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Redis's `FAILOVER`.
    RedisFailover,
    /// georep's all-shards protocol.
    AllShards,
}

/// Sends the first command of a hand-over to `node` on its kept connection, and once more on a new
/// one if the kept one turns out to have been closed before the command went out (the node restarted
/// since it was last used). Returns the connection it went out on and the answer.
async fn send_first<T: redis::FromRedisValue>(
    node: &Node,
    command: &(impl Command + ?Sized),
) -> Result<(MultiplexedConnection, T), String> {
    let mut conn = node.control().await?;
    let mut answer = command.send::<T>(&mut conn).await;
    if let Some(Err(e)) = &answer
        && let Some(fresh) = node.reconnect_if_broken(e).await
    {
        conn = fresh;
        answer = command.send::<T>(&mut conn).await;
    }
    match answer {
        Some(Ok(v)) => Ok((conn, v)),
        Some(Err(e)) => {
            if e.is_connection_dropped() {
                node.drop_control();
            }
            Err(e.to_string())
        }
        None => Err("no answer".into()),
    }
}

/// A command or a pipeline, sent with the answer bounded by [`IO_TIMEOUT`] (`None`: no answer).
trait Command {
    async fn send<T: redis::FromRedisValue>(&self, conn: &mut MultiplexedConnection) -> Option<redis::RedisResult<T>>;
}

impl Command for redis::Cmd {
    async fn send<T: redis::FromRedisValue>(&self, conn: &mut MultiplexedConnection) -> Option<redis::RedisResult<T>> {
        tokio::time::timeout(IO_TIMEOUT, self.query_async::<T>(conn)).await.ok()
    }
}

impl Command for redis::Pipeline {
    async fn send<T: redis::FromRedisValue>(&self, conn: &mut MultiplexedConnection) -> Option<redis::RedisResult<T>> {
        tokio::time::timeout(IO_TIMEOUT, self.query_async::<T>(conn)).await.ok()
    }
}

/// Hands `job`'s primaries over to its secondaries: `Ok` with the roles switched, or why not, with
/// writes resumed and nothing changed.
async fn hand_over(job: &Job, protocol: Protocol, catch_up_timeout: Duration) -> Result<Way, String> {
    if let (Protocol::Auto, [pair]) = (protocol, job.pairs.as_slice()) {
        match coordinated::run(job, pair, catch_up_timeout).await {
            coordinated::Outcome::Done => return Ok(Way::RedisFailover),
            coordinated::Outcome::Abandoned(why) => return Err(why),
            // Nothing was paused: georep's own protocol can still do it (and says why if it cannot).
            coordinated::Outcome::Refused(why) => tracing::debug!(%why, "handing over step by step"),
        }
    }
    shards::run(job, catch_up_timeout).await.map(|()| Way::AllShards)
}

/// Runs the failover's unlink to the end: `Unlinked` with the roles handed over, or `Failed` with
/// writes resumed and nothing changed.
pub async fn run_failover(job: Arc<Job>, catch_up_timeout: Duration) {
    finish(&job, hand_over(&job, Protocol::Auto, catch_up_timeout).await).await;
}

async fn finish(job: &Job, handed_over: Result<Way, String>) {
    match handed_over {
        Ok(way) => tracing::info!(?way, "roles handed over"),
        Err(why) => {
            tracing::warn!(%why, "failover abandoned");
            job.cool();
            job.set(Progress::Failed(ErrorDetail::new(
                "FailoverAbandoned",
                format!("{why}. The failover was abandoned before any role changed; writes on the primary resumed."),
            )));
            return;
        }
    }
    let nodes = job.pairs.iter().flat_map(|p| [p.primary.clone(), p.secondary.clone()]);
    futures::future::join_all(nodes.map(|n| async move { n.refresh().await })).await;
    job.cool();
    job.set(Progress::Unlinked);
}

/// The hand-over of [`run_failover`] on bare endpoints (shard i of the primaries to shard i of the
/// secondaries, which replicate them), outside any operation: for benchmarks and tools. The nodes keep
/// their connections from one hand-over to the next, as the emulator's do.
pub struct HandOver {
    pairs: Vec<Pair>,
}

impl HandOver {
    pub fn new(primaries: &[Endpoint], secondaries: &[Endpoint]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for (i, (p, s)) in primaries.iter().zip(secondaries).enumerate() {
            let node = |role: &str, e: &Endpoint| Node::new(role, i as u32, e.clone(), None).map(Arc::new);
            pairs.push(Pair { primary: node("primary", p)?, secondary: node("secondary", s)? });
        }
        Ok(HandOver { pairs })
    }

    /// The hand-over back, on the same nodes (and connections).
    pub fn reversed(&self) -> HandOver {
        let pairs = self.pairs.iter().map(|p| Pair { primary: p.secondary.clone(), secondary: p.primary.clone() });
        HandOver { pairs: pairs.collect() }
    }

    /// Opens the nodes' connections, if they are not open, and measures the nodes: what the
    /// emulator's monitor of each node does all along.
    pub async fn connect(&self) -> Result<(), String> {
        for node in self.pairs.iter().flat_map(|p| [&p.primary, &p.secondary]) {
            node.control().await?;
            node.refresh().await;
        }
        Ok(())
    }

    /// Hands the roles over; says which way it went.
    pub async fn run(&self, protocol: Protocol, catch_up_timeout: Duration) -> Result<Way, String> {
        let job = Job::new(self.pairs.clone(), Progress::Unlinking { fraction: 0.0 });
        let handed_over = hand_over(&job, protocol, catch_up_timeout).await;
        let way = handed_over.as_ref().ok().copied();
        finish(&job, handed_over).await;
        match (job.progress(), way) {
            (Progress::Unlinked, Some(way)) => Ok(way),
            (Progress::Failed(e), _) => Err(e.message),
            (other, _) => Err(format!("the failover ended as {other:?}")),
        }
    }
}

/// One [`HandOver`], run once with [`Protocol::Auto`].
pub async fn hand_over_endpoints(primaries: &[Endpoint], secondaries: &[Endpoint]) -> Result<Way, String> {
    HandOver::new(primaries, secondaries)?.run(Protocol::Auto, CATCH_UP_TIMEOUT).await
}
