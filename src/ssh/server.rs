//! The SSH server: accepts connections, authenticates them, and starts one console task per session
//! channel. Stops cleanly: sessions say goodbye and give their terminals back, then connections are
//! disconnected.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Disconnect, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::auth::{AuthorizedKeys, DemoPassword};
use super::session;
use crate::client::ArmClient;
use crate::tui::tasks::PollIntervals;

/// How long sessions get to end by themselves when the server stops, before connections are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// How long a new connection may take to get through the SSH handshake's first step.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may stay without signing in (OpenSSH's LoginGraceTime).
const LOGIN_GRACE: Duration = Duration::from_secs(60);

/// How the server lets people in and what they get.
pub struct SshConfig {
    pub host_key: PrivateKey,
    pub authorized_keys: AuthorizedKeys,
    pub demo_password: Option<DemoPassword>,
    /// Sessions browse and watch, but cannot link or unlink.
    pub read_only: bool,
    /// Console sessions at once; more are told to come back later.
    pub max_sessions: usize,
    /// A session with no input for this long is closed. `None`: never.
    pub idle_timeout: Option<Duration>,
    /// How often each session's poller asks the backend.
    pub poll: PollIntervals,
}

/// What every session of a server shares.
pub struct Shared {
    pub client: ArmClient,
    pub label: String,
    pub read_only: bool,
    pub idle: Option<Duration>,
    pub intervals: PollIntervals,
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
    keys: AuthorizedKeys,
    password: Option<DemoPassword>,
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
}

impl SshServer {
    /// Binds `listen` and serves the console of `client` (shown as `label` in the header) to every SSH
    /// client that gets in. Must be called inside a tokio runtime.
    pub async fn start(listen: SocketAddr, config: SshConfig, client: ArmClient, label: String) -> io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let max_sessions = config.max_sessions.max(1);
        let shared = Arc::new(Shared {
            client,
            label,
            read_only: config.read_only,
            idle: config.idle_timeout,
            intervals: config.poll,
            max_sessions,
            sessions: Arc::new(Semaphore::new(max_sessions)),
            stop: stop_rx,
            bytes_sent: Arc::new(AtomicU64::new(0)),
            peers: tokio::sync::broadcast::channel(256).0,
            next_session: AtomicU64::new(1),
            keys: config.authorized_keys,
            password: config.demo_password,
        });
        let mut methods = MethodSet::empty();
        methods.push(MethodKind::PublicKey);
        if shared.password.is_some() {
            methods.push(MethodKind::Password);
        }
        let russh_config = Arc::new(russh::server::Config {
            server_id: russh::SshId::Standard(format!("SSH-2.0-georep_{}", env!("CARGO_PKG_VERSION")).into()),
            methods,
            keys: vec![config.host_key],
            auth_rejection_time: Duration::from_secs(1),
            // OpenSSH probes with "none" first: answer that at once.
            auth_rejection_time_initial: Some(Duration::ZERO),
            max_auth_attempts: 6,
            // A connection that sends nothing at all (not even keepalives) for this long is dropped;
            // sessions have their own idle timeout, with a message.
            inactivity_timeout: Some(config.idle_timeout.map_or(Duration::from_secs(24 * 3600), |d| d * 2)),
            keepalive_interval: Some(Duration::from_secs(60)),
            nodelay: true,
            ..Default::default()
        });
        let task = tokio::spawn(accept_loop(listener, russh_config, shared.clone()));
        Ok(SshServer { addr, stop: stop_tx, task: Some(task), shared })
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
    // Connections, authenticated or not, are bounded too: twice the sessions, and a few more.
    let slots = Arc::new(Semaphore::new(shared.max_sessions * 2 + 4));
    let (disconnect_tx, disconnect_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = shared.stop.clone();
    loop {
        tokio::select! {
            _ = changed_to_true(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        tracing::warn!(%peer, "connection refused: too many connections");
                        continue;
                    };
                    let handler = Connection {
                        shared: shared.clone(),
                        peer,
                        user: String::new(),
                        signed_in: Arc::new(AtomicBool::new(false)),
                        _slot: slot,
                    };
                    connections.spawn(connection(tcp, config.clone(), handler, disconnect_rx.clone()));
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

/// Resolves when the flag is (or becomes) true, or its sender is gone.
pub(crate) async fn changed_to_true(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|v| *v).await;
}

/// Runs one connection until it ends or the server disconnects it.
async fn connection(
    tcp: tokio::net::TcpStream,
    config: Arc<russh::server::Config>,
    handler: Connection,
    mut disconnect: watch::Receiver<bool>,
) {
    let (peer, signed_in) = (handler.peer, handler.signed_in.clone());
    let session = match tokio::time::timeout(HANDSHAKE_TIMEOUT, russh::server::run_stream(config, tcp, handler)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(%peer, "connection setup failed: {e}");
            return;
        }
        Err(_) => {
            tracing::debug!(%peer, "connection setup timed out");
            return;
        }
    };
    let handle = session.handle();
    let mut session = std::pin::pin!(session);
    let login_deadline = tokio::time::sleep(LOGIN_GRACE);
    let mut login_deadline = std::pin::pin!(login_deadline);
    let mut waiting_for_login = true;
    let reason = loop {
        tokio::select! {
            result = &mut session => {
                if let Err(e) = result {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
                return;
            }
            _ = changed_to_true(&mut disconnect) => break "georep ssh is shutting down",
            _ = &mut login_deadline, if waiting_for_login => {
                if !signed_in.load(Ordering::Relaxed) {
                    tracing::info!(%peer, "disconnected: no sign-in within {LOGIN_GRACE:?}");
                    break "sign-in took too long";
                }
                waiting_for_login = false;
            }
        }
    };
    let _ = handle.disconnect(Disconnect::ByApplication, reason.into(), "en".into()).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), session).await;
}

/// One SSH connection's handler: authentication, and a console task per session channel.
struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    user: String,
    signed_in: Arc<AtomicBool>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    fn key_allowed(&self, key: &russh::keys::PublicKey) -> bool {
        self.shared.keys.allows(key)
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        if self.key_allowed(offer.public_key) {
            return Ok(Auth::Accept);
        }
        let fingerprint = offer.public_key.fingerprint(russh::keys::HashAlg::Sha256);
        tracing::info!(peer = %self.peer, user, %fingerprint, "public key refused: not in the authorized keys");
        Ok(Auth::reject())
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        if self.key_allowed(key.public_key) {
            self.user = user.to_string();
            let fingerprint = key.public_key.fingerprint(russh::keys::HashAlg::Sha256);
            tracing::info!(peer = %self.peer, user, %fingerprint, "signed in with a public key");
            self.signed_in.store(true, Ordering::Relaxed);
            Ok(Auth::Accept)
        } else {
            tracing::info!(peer = %self.peer, user, "public key refused");
            Ok(Auth::reject())
        }
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        match &self.shared.password {
            Some(p) if p.matches(password) => {
                self.user = user.to_string();
                tracing::info!(peer = %self.peer, user, "signed in with the demo password");
                self.signed_in.store(true, Ordering::Relaxed);
                Ok(Auth::Accept)
            }
            _ => {
                tracing::info!(peer = %self.peer, user, "password refused");
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        let who = format!("{}@{}", self.user, self.peer);
        tokio::spawn(session::run(channel, self.shared.clone(), who));
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Accepted so that the session can say why there is nothing to run.
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }
}
