//! The SSH server: accepts connections, authenticates them, and starts one console task per session
//! channel. Stops cleanly: sessions say goodbye and give their terminals back, then connections are
//! disconnected. What a client may hold, and for how long, is in [`Limits`].

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::{MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::auth::{AuthorizedKeys, DemoPassword};
use super::connection::{self, Connection};
use super::limits::{Counters, Limits, Pending, Refusal, Stats, Unauthenticated};
use crate::client::ArmClient;
use crate::tui::tasks::PollIntervals;

/// How long sessions get to end by themselves when the server stops, before connections are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// How long each refused sign-in attempt takes (against guessing).
pub const AUTH_DELAY: Duration = Duration::from_secs(1);
/// Sign-in attempts per connection (keys, passwords and `none` together).
pub const MAX_AUTH_ATTEMPTS: usize = 6;
/// A connection that sends nothing at all (not even keepalives) for this long is dropped, when
/// sessions never idle out.
const NO_TRAFFIC: Duration = Duration::from_secs(24 * 3600);

/// How the server lets people in and what they get.
pub struct SshConfig {
    pub host_key: PrivateKey,
    pub authorized_keys: AuthorizedKeys,
    pub demo_password: Option<DemoPassword>,
    /// Sessions browse and watch, but cannot link, unlink or fail over.
    pub read_only: bool,
    /// Console sessions at once; more are told to come back later.
    pub max_sessions: usize,
    /// A session with no input for this long is closed. `None`: never.
    pub idle_timeout: Option<Duration>,
    /// How often the sessions' one poller asks the backend.
    pub poll: PollIntervals,
    /// Which subscriptions' caches it reads, and how.
    pub scope: crate::tui::poll::Scope,
    /// Deadlines and caps against clients that hold on to the server.
    pub limits: Limits,
    /// The sessions' theme and keys (the configuration file's).
    pub look: Look,
}

impl SshConfig {
    /// A server of `host_key` that lets in the keys of `authorized_keys`: no password, not read-only,
    /// 32 sessions, never idle-closed, the default poll intervals, limits and look.
    pub fn new(host_key: PrivateKey, authorized_keys: AuthorizedKeys) -> Self {
        SshConfig {
            host_key,
            authorized_keys,
            demo_password: None,
            read_only: false,
            max_sessions: 32,
            idle_timeout: None,
            poll: PollIntervals::default(),
            scope: crate::tui::poll::Scope::default(),
            limits: Limits::default(),
            look: Look::default(),
        }
    }
}

/// How the console looks and which keys it takes, in every session.
#[derive(Clone, Debug)]
pub struct Look {
    /// The colour theme (a session whose client asks for NO_COLOR gets the monochrome one).
    pub theme: crate::tui::theme::Theme,
    pub keys: crate::tui::command::Keymap,
}

impl Default for Look {
    fn default() -> Self {
        Look { theme: crate::tui::theme::Theme::azure(), keys: crate::tui::command::Keymap::default() }
    }
}

/// What every session of a server shares.
pub struct Shared {
    pub client: ArmClient,
    pub label: String,
    pub look: Look,
    pub read_only: bool,
    pub idle: Option<Duration>,
    pub intervals: PollIntervals,
    /// The one poller every session follows: the backend sees the reads of one console, whatever the
    /// number of sessions, and none while there is no session.
    pub feed: crate::tui::feed::Feed,
    pub max_sessions: usize,
    /// One permit per running console session.
    pub sessions: Arc<Semaphore>,
    pub stop: watch::Receiver<bool>,
    /// Bytes handed to the SSH layer for all sessions' screens.
    pub bytes_sent: Arc<AtomicU64>,
    /// How the sessions' operations go, shared between them.
    pub peers: tokio::sync::broadcast::Sender<(u64, crate::tui::action::SharedOp)>,
    /// Numbers the sessions among the peers.
    pub next_session: AtomicU64,
    pub limits: Limits,
    pub counters: Arc<Counters>,
    pub(super) unauthenticated: Arc<Unauthenticated>,
    pub(super) keys: AuthorizedKeys,
    pub(super) password: Option<DemoPassword>,
    /// The sign-in methods offered, after every refusal too.
    pub(super) methods: MethodSet,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

/// A running `georep ssh`.
pub struct SshServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// The sessions' poller: stops with the server.
    _poller: crate::tui::feed::FeedTask,
}

impl SshServer {
    /// Binds `listen` and serves the console of `client` (shown as `label` in the header) to every SSH
    /// client that gets in. Must be called inside a tokio runtime.
    pub async fn start(listen: SocketAddr, config: SshConfig, client: ArmClient, label: String) -> io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let max_sessions = config.max_sessions.max(1);
        let mut methods = MethodSet::empty();
        methods.push(MethodKind::PublicKey);
        if config.demo_password.is_some() {
            methods.push(MethodKind::Password);
        }
        let (feed, poller) = crate::tui::feed::Feed::start(client.clone(), config.poll, config.scope.clone());
        let shared = Arc::new(Shared {
            feed,
            client,
            label,
            look: config.look.clone(),
            read_only: config.read_only,
            // Past a year means never (and keeps every deadline computed from it in range).
            idle: config.idle_timeout.map(|d| d.min(super::MAX_DURATION)),
            intervals: config.poll,
            max_sessions,
            sessions: Arc::new(Semaphore::new(max_sessions)),
            stop: stop_rx,
            bytes_sent: Arc::new(AtomicU64::new(0)),
            peers: tokio::sync::broadcast::channel(256).0,
            next_session: AtomicU64::new(1),
            unauthenticated: Unauthenticated::new(&config.limits),
            limits: config.limits,
            counters: Arc::new(Counters::default()),
            keys: config.authorized_keys,
            password: config.demo_password,
            methods: methods.clone(),
        });
        let russh_config = Arc::new(russh::server::Config {
            server_id: russh::SshId::Standard(format!("SSH-2.0-georep_{}", env!("CARGO_PKG_VERSION")).into()),
            methods,
            keys: vec![config.host_key],
            auth_rejection_time: AUTH_DELAY,
            // OpenSSH probes with "none" first: answer that at once.
            auth_rejection_time_initial: Some(Duration::ZERO),
            max_auth_attempts: MAX_AUTH_ATTEMPTS,
            // A connection that sends nothing at all (not even keepalives) for this long is dropped;
            // sessions have their own idle timeout, with a message. Bounded: any idle timeout works
            // (russh adds it to an Instant).
            inactivity_timeout: Some(
                config.idle_timeout.map_or(NO_TRAFFIC, |d| d.min(super::MAX_DURATION).saturating_mul(2)),
            ),
            keepalive_interval: Some(Duration::from_secs(60)),
            nodelay: true,
            ..Default::default()
        });
        let task = tokio::spawn(accept_loop(listener, russh_config, shared.clone()));
        Ok(SshServer { addr, stop: stop_tx, task: Some(task), shared, _poller: poller })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Console sessions running now.
    pub fn sessions(&self) -> usize {
        self.shared.max_sessions - self.shared.sessions.available_permits()
    }

    /// Bytes of screen output handed to the SSH layer so far, all sessions together.
    pub fn bytes_sent(&self) -> u64 {
        self.shared.bytes_sent.load(Ordering::Relaxed)
    }

    /// Connections refused or cut, sessions closed for not reading, screen output waiting.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Connections that have not signed in (yet).
    pub fn unauthenticated(&self) -> usize {
        self.shared.unauthenticated.count()
    }

    /// Stops accepting, ends every session (each gives its client's terminal back and says why), then
    /// disconnects every connection. Bounded: a few seconds at most.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE * 3, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        // Dropped without `shutdown`: still stop everything (the loop sees the stop and ends).
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, config: Arc<russh::server::Config>, shared: Arc<Shared>) {
    // Connections in all are bounded too: those not signed in (capped apart, so that they cannot take
    // the places of those who sign in), and twice the sessions and a few more signed in.
    let slots = Arc::new(Semaphore::new(shared.limits.max_unauthenticated + shared.max_sessions * 2 + 4));
    let (disconnect_tx, disconnect_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = shared.stop.clone();
    loop {
        tokio::select! {
            _ = changed_to_true(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let (slot, pending) = match admit(&slots, &shared, peer) {
                        Ok(a) => a,
                        Err(why) => {
                            // Dropping the stream closes it at once.
                            tracing::warn!(%peer, "connection refused: {why}");
                            shared.counters.refused.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    let (cut_tx, cut_rx) = tokio::sync::mpsc::channel(4);
                    let handler = Connection::new(shared.clone(), peer, pending, cut_tx, slot);
                    connections.spawn(connection::run(tcp, config.clone(), handler, disconnect_rx.clone(), cut_rx));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    tracing::info!("stopping: ending sessions");
    // Every session holds a permit until it has closed its channel.
    let all = u32::try_from(shared.max_sessions).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, shared.sessions.acquire_many(all)).await;
    // A client leaves by itself once its last channel is closed (and sees a clean exit, not a
    // disconnect): give the connections a moment for that.
    let _ =
        tokio::time::timeout(Duration::from_secs(1), async { while connections.join_next().await.is_some() {} }).await;
    let _ = disconnect_tx.send(true);
    let drained =
        tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        connections.abort_all();
    }
    tracing::info!("stopped");
}

/// A place for a new connection from `peer`, or why there is none.
fn admit(
    slots: &Arc<Semaphore>,
    shared: &Shared,
    peer: SocketAddr,
) -> Result<(OwnedSemaphorePermit, Pending), &'static str> {
    let slot = slots.clone().try_acquire_owned().map_err(|_| "too many connections")?;
    let pending = shared.unauthenticated.admit(peer.ip()).map_err(|e| match e {
        Refusal::TooManyUnauthenticated => "too many connections not signed in",
        Refusal::TooManyFromAddress => "too many connections not signed in from this address",
    })?;
    Ok((slot, pending))
}

/// Resolves when the flag is (or becomes) true, or its sender is gone.
pub(crate) async fn changed_to_true(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}
