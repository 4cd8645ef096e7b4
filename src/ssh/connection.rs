//! One SSH connection: its deadlines (handshake, sign-in), its socket closed whatever the SSH library's
//! task does, and its handler (authentication, a console task per session channel).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Disconnect};
use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};

use super::limits::{Cut, Pending};
use super::server::{Shared, changed_to_true};
use super::session;

/// Runs one connection until it ends, or the server disconnects it: when it stops, when the client has
/// not signed in within the login grace time (or not even sent its version line within the handshake
/// time), or when one of its sessions asks (`cut`, with the reason). The socket is closed in every
/// case, whatever the SSH library's task for it is doing.
pub(super) async fn run(
    tcp: tokio::net::TcpStream,
    config: Arc<russh::server::Config>,
    handler: Connection,
    mut disconnect: watch::Receiver<bool>,
    mut cut: mpsc::Receiver<String>,
) {
    let (peer, signed_in, shared) = (handler.peer, handler.signed_in.clone(), handler.shared.clone());
    let (tcp, socket) = match Cut::new(tcp) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(%peer, "connection dropped: {e}");
            return;
        }
    };
    let (handshake, grace) = (shared.limits.handshake, shared.limits.login_grace);
    let login_deadline = tokio::time::sleep(grace);
    let mut login_deadline = std::pin::pin!(login_deadline);
    let session = match tokio::time::timeout(handshake, russh::server::run_stream(config, tcp, handler)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(%peer, "connection setup failed: {e}");
            socket.cut();
            return;
        }
        Err(_) => {
            tracing::info!(%peer, "disconnected: no SSH version line within {handshake:?}");
            shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
            socket.cut();
            return;
        }
    };
    let handle = session.handle();
    let mut session = std::pin::pin!(session);
    let mut waiting_for_login = true;
    let reason = loop {
        tokio::select! {
            result = &mut session => {
                if let Err(e) = result {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
                socket.cut();
                return;
            }
            _ = changed_to_true(&mut disconnect) => break "georep ssh is shutting down".to_string(),
            Some(reason) = cut.recv() => break reason,
            _ = &mut login_deadline, if waiting_for_login => {
                if !signed_in.load(Ordering::Relaxed) {
                    tracing::info!(%peer, "disconnected: no sign-in within {grace:?}");
                    shared.counters.timed_out.fetch_add(1, Ordering::Relaxed);
                    break "sign-in took too long".to_string();
                }
                waiting_for_login = false;
            }
        }
    };
    // The reason goes out if the client still reads; the socket is closed either way.
    let bye = async {
        let _ = handle.disconnect(Disconnect::ByApplication, reason, "en".into()).await;
        let _ = (&mut session).await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), bye).await;
    socket.cut();
}

/// One SSH connection's handler: authentication, and a console task per session channel.
pub(super) struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    user: String,
    signed_in: Arc<AtomicBool>,
    /// Its place among the connections not signed in, until it signs in.
    pending: Option<Pending>,
    /// Sessions ask for the connection to be cut here.
    cut: mpsc::Sender<String>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    pub(super) fn new(
        shared: Arc<Shared>,
        peer: SocketAddr,
        pending: Pending,
        cut: mpsc::Sender<String>,
        slot: OwnedSemaphorePermit,
    ) -> Self {
        Connection {
            shared,
            peer,
            user: String::new(),
            signed_in: Arc::new(AtomicBool::new(false)),
            pending: Some(pending),
            cut,
            _slot: slot,
        }
    }

    async fn key_allowed(&self, key: &russh::keys::PublicKey) -> bool {
        self.shared.keys.allows(key).await
    }

    fn signed_in(&mut self, user: &str) {
        self.user = user.to_string();
        self.signed_in.store(true, Ordering::Relaxed);
        self.pending = None;
    }

    /// Refused, with every method still offered: the client may try again (up to
    /// [`super::server::MAX_AUTH_ATTEMPTS`], each refusal taking [`super::server::AUTH_DELAY`]).
    fn refuse(&self) -> Auth {
        Auth::Reject { proceed_with_methods: Some(self.shared.methods.clone()), partial_success: false }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        if self.key_allowed(offer.public_key).await {
            return Ok(Auth::Accept);
        }
        let fingerprint = offer.public_key.fingerprint(russh::keys::HashAlg::Sha256);
        tracing::info!(peer = %self.peer, user, %fingerprint, "public key refused: not in the authorized keys");
        Ok(self.refuse())
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        if self.key_allowed(key.public_key).await {
            self.signed_in(user);
            let fingerprint = key.public_key.fingerprint(russh::keys::HashAlg::Sha256);
            tracing::info!(peer = %self.peer, user, %fingerprint, "signed in with a public key");
            Ok(Auth::Accept)
        } else {
            tracing::info!(peer = %self.peer, user, "public key refused");
            Ok(self.refuse())
        }
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        match &self.shared.password {
            Some(p) if p.matches(password) => {
                self.signed_in(user);
                tracing::info!(peer = %self.peer, user, "signed in with the demo password");
                Ok(Auth::Accept)
            }
            _ => {
                tracing::info!(peer = %self.peer, user, "password refused");
                Ok(self.refuse())
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
        tokio::spawn(session::run(channel, self.shared.clone(), who, self.cut.clone()));
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

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The session takes NO_COLOR (see session::setup); nothing else of the client's environment.
        if name == "NO_COLOR" { session.channel_success(channel) } else { session.channel_failure(channel) }
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
