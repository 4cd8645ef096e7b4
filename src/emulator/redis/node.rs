//! One shard of one cache: where it listens, the child process behind it (unless the fleet named an
//! existing endpoint), and what its monitor last measured.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::watch;

use super::info::{self, Info};
use super::process::RedisServer;
use crate::emulator::live::Endpoint;

/// How often a node in a link (or in an operation) is measured.
pub const HOT_POLL: Duration = Duration::from_millis(100);
/// How often any other node is.
pub const COLD_POLL: Duration = Duration::from_secs(1);
/// An existing endpoint that does not answer for this long is reported failed (until it answers again).
const UNREACHABLE_GRACE: Duration = Duration::from_secs(3);
/// Longest wait for one connection or one answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// What the monitor last saw.
#[derive(Clone, Debug, Default)]
pub struct NodeStatus {
    pub info: Option<Info>,
    /// Why the node is down, if it is.
    pub failure: Option<String>,
}

#[derive(Debug)]
pub struct Node {
    pub cache: String,
    pub shard: u32,
    pub endpoint: Endpoint,
    /// The child georep started; `None` for an endpoint named in the fleet.
    pub server: Option<RedisServer>,
    client: redis::Client,
    /// The connection this node is measured and driven on, kept open between uses (the monitor's
    /// `INFO`, an operation's commands): a failover opens no connection on its way.
    control: Mutex<Option<MultiplexedConnection>>,
    status: Mutex<NodeStatus>,
    hot: AtomicBool,
}

impl Node {
    pub fn new(cache: &str, shard: u32, endpoint: Endpoint, server: Option<RedisServer>) -> Result<Self, String> {
        let client = redis::Client::open(format!("redis://{endpoint}/").as_str())
            .map_err(|e| format!("cache '{cache}': '{endpoint}' is not a usable Redis address: {e}"))?;
        Ok(Node {
            cache: cache.to_string(),
            shard,
            endpoint,
            server,
            client,
            control: Mutex::new(None),
            status: Mutex::new(NodeStatus::default()),
            hot: AtomicBool::new(false),
        })
    }

    /// `contoso-prod-eus shard 0 (127.0.0.1:40123)`, for messages.
    pub fn label(&self) -> String {
        format!("{} shard {} ({})", self.cache, self.shard, self.endpoint)
    }

    pub async fn connect(&self) -> Result<MultiplexedConnection, String> {
        self.connect_with(IO_TIMEOUT).await
    }

    /// A connection whose requests may take up to `response` (a fill's large `MSET`s).
    pub async fn connect_with(&self, response: Duration) -> Result<MultiplexedConnection, String> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(IO_TIMEOUT))
            .set_response_timeout(Some(response));
        self.client.get_multiplexed_async_connection_with_config(&config).await.map_err(|e| e.to_string())
    }

    /// The node's kept connection, opened now if there is none (a multiplexed connection: every user
    /// gets a clone of the same one, and commands from several are pipelined on it).
    pub async fn control(&self) -> Result<MultiplexedConnection, String> {
        if let Some(conn) = self.control.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(conn);
        }
        let conn = self.connect().await?;
        *self.control.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets the kept connection after it failed (the next [`Node::control`] opens another).
    pub fn drop_control(&self) {
        self.control.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// A new kept connection when `error` says the old one was closed before the command went out (the
    /// node restarted, the connection was cut): the command can be sent again on it without having run
    /// twice. `None` for any other error (an answer that did not come may be of a command that ran).
    pub async fn reconnect_if_broken(&self, error: &redis::RedisError) -> Option<MultiplexedConnection> {
        if !error.is_connection_dropped() || error.is_timeout() {
            return None;
        }
        self.drop_control();
        self.control().await.ok()
    }

    pub fn status(&self) -> NodeStatus {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Why the node is down: its process ended, or it has not answered for a while.
    pub fn failure(&self) -> Option<String> {
        if let Some(how) = self.server.as_ref().and_then(RedisServer::exited) {
            return Some(format!("the redis-server of {} stopped: {how}", self.label()));
        }
        self.status.lock().unwrap_or_else(|e| e.into_inner()).failure.clone()
    }

    /// Measure this node often (it is in a link or an operation).
    pub fn set_hot(&self, hot: bool) {
        self.hot.store(hot, Ordering::Relaxed);
    }

    fn interval(&self) -> Duration {
        let status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let linked = status.info.as_ref().is_some_and(|i| i.replica || i.connected_replicas > 0);
        if linked || self.hot.load(Ordering::Relaxed) { HOT_POLL } else { COLD_POLL }
    }

    fn record(&self, f: impl FnOnce(&mut NodeStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Measures the node now, outside its monitor's rhythm (when a link has just come up, say), so that
    /// what the API shows next is current.
    pub async fn refresh(&self) {
        let Ok(mut conn) = self.control().await else { return };
        match tokio::time::timeout(IO_TIMEOUT, info::fetch(&mut conn)).await {
            Ok(Ok(info)) => self.record(|s| {
                s.info = Some(info);
                s.failure = None;
            }),
            _ => self.drop_control(),
        }
    }
}

/// Measures `node` until `stop`, or until its process has ended (for good: georep does not restart it).
pub async fn monitor(node: Arc<Node>, mut stop: watch::Receiver<bool>) {
    let mut unreachable_since: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Some(why) = node.server.as_ref().and_then(RedisServer::exited) {
            let why = format!("the redis-server of {} stopped: {why}", node.label());
            tracing::warn!(node = %node.label(), "{why}");
            node.record(|s| s.failure = Some(why));
            return;
        }
        let measured = match node.control().await.ok().as_mut() {
            Some(c) => tokio::time::timeout(IO_TIMEOUT, info::fetch(c))
                .await
                .map_err(|_| "no answer".to_string())
                .and_then(|r| r.map_err(|e| e.to_string())),
            None => Err("cannot connect".to_string()),
        };
        match measured {
            Ok(info) => {
                unreachable_since = None;
                node.record(|s| {
                    s.info = Some(info);
                    s.failure = None;
                });
            }
            Err(e) => {
                node.drop_control();
                let since = *unreachable_since.get_or_insert_with(Instant::now);
                // A child's exit is seen at the top of the loop; this is for endpoints georep does not own
                // (and a child that hangs).
                if since.elapsed() >= UNREACHABLE_GRACE {
                    let why = format!("{} has not answered for {} s ({e})", node.label(), since.elapsed().as_secs());
                    node.record(|s| s.failure = Some(why));
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(node.interval()) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}
