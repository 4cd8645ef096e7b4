//! The one SSH test client of georep's tests and benches: a russh client whose session channel's bytes
//! go into a `vt100` terminal, as an SSH client's terminal would show them, with counters (terminal
//! bytes, messages, bytes off the wire) and a socket that can stop being read (a client that reads
//! nothing). Only russh, tokio and vt100: it is included as it is by `tests/ssh.rs`, `benches/ssh.rs`
//! and the crate's own unit tests (`src/ssh/mod.rs`), with `#[path = ...] mod ssh_client;`.
//!
//! Every wait is bounded ([`BOUND`]) and says what it waited for.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::task::AtomicWaker;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, ChannelWriteHalf, client};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// Upper bound of any single wait.
pub const BOUND: Duration = Duration::from_secs(30);
/// The largest screen georep ssh draws (`georep::ssh::limits`): the test terminal is never larger.
const MAX_COLUMNS: u16 = 1000;
const MAX_ROWS: u16 = 500;

fn vt_size(n: u32, max: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(u16::try_from(n).unwrap_or(max).clamp(1, max)).unwrap_or(std::num::NonZeroU16::MIN)
}

/// Accepts any host key (the test made it); keeps the server's disconnect message.
pub struct Accept {
    disconnect: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Accept {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn disconnected(&mut self, reason: client::DisconnectReason<Self::Error>) -> Result<(), Self::Error> {
        match reason {
            client::DisconnectReason::ReceivedDisconnect(info) => {
                *self.disconnect.lock().unwrap() = Some(info.message);
                Ok(())
            }
            client::DisconnectReason::Error(e) => Err(e),
        }
    }
}

/// Lets a [`Wire`]'s reads through, or holds them (the client reads nothing from its socket).
#[derive(Default)]
pub struct Gate {
    held: AtomicBool,
    waker: AtomicWaker,
}

impl Gate {
    pub fn hold(&self) {
        self.held.store(true, Ordering::SeqCst);
    }

    pub fn open(&self) {
        self.held.store(false, Ordering::SeqCst);
        self.waker.wake();
    }
}

/// The client's TCP stream: counts the bytes read from it, and reads nothing while its gate is held.
pub struct Wire<S> {
    inner: S,
    read: Arc<AtomicU64>,
    gate: Arc<Gate>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.gate.held.load(Ordering::SeqCst) {
            self.gate.waker.register(cx.waker());
            if self.gate.held.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.read.fetch_add((buf.filled().len() - before) as u64, Ordering::Relaxed);
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How to connect.
#[derive(Clone, Debug, Default)]
pub struct Connect {
    /// The local address to connect from (another 127.x.y.z: another client address).
    pub from: Option<IpAddr>,
    /// The client's channel window (how much the server may send before the client reads).
    pub window_size: Option<u32>,
}

/// A signed-in (or not yet) SSH connection.
pub struct Ssh {
    pub handle: client::Handle<Accept>,
    /// Bytes read from the socket.
    pub wire: Arc<AtomicU64>,
    /// Hold it and the client reads nothing more from its socket.
    pub gate: Arc<Gate>,
    /// The server's disconnect message, once one came.
    pub disconnect: Arc<Mutex<Option<String>>>,
}

impl Ssh {
    pub async fn connect(addr: SocketAddr) -> Ssh {
        Ssh::connect_with(addr, Connect::default()).await
    }

    pub async fn connect_with(addr: SocketAddr, how: Connect) -> Ssh {
        let tcp = async {
            match how.from {
                Some(ip) => {
                    let socket = tokio::net::TcpSocket::new_v4()?;
                    socket.bind(SocketAddr::new(ip, 0))?;
                    socket.connect(addr).await
                }
                None => tokio::net::TcpStream::connect(addr).await,
            }
        };
        let tcp = tokio::time::timeout(BOUND, tcp).await.expect("connected in time").expect("connected");
        tcp.set_nodelay(true).expect("nodelay");
        let (wire, gate) = (Arc::new(AtomicU64::new(0)), Arc::new(Gate::default()));
        let stream = Wire { inner: tcp, read: wire.clone(), gate: gate.clone() };
        let mut config = client::Config { inactivity_timeout: None, ..Default::default() };
        if let Some(w) = how.window_size {
            config.window_size = w;
        }
        let disconnect = Arc::new(Mutex::new(None));
        let handler = Accept { disconnect: disconnect.clone() };
        let handle = tokio::time::timeout(BOUND, client::connect_stream(Arc::new(config), stream, handler))
            .await
            .expect("SSH handshake in time")
            .expect("SSH handshake");
        Ssh { handle, wire, gate, disconnect }
    }

    pub async fn sign_in_with_key(&mut self, key: &PrivateKey) -> bool {
        let key = PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None);
        tokio::time::timeout(BOUND, self.handle.authenticate_publickey("demo", key))
            .await
            .expect("an answer in time")
            .expect("an answer")
            .success()
    }

    /// The server's whole answer to a password.
    pub async fn password(&mut self, password: &str) -> client::AuthResult {
        tokio::time::timeout(BOUND, self.handle.authenticate_password("demo", password))
            .await
            .expect("an answer in time")
            .expect("an answer")
    }

    pub async fn sign_in_with_password(&mut self, password: &str) -> bool {
        self.password(password).await.success()
    }
}

/// What a session channel asks for before its shell.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// A pty of this many columns and rows; none: no pty.
    pub pty: Option<(u32, u32)>,
    /// `exec` this instead of a shell.
    pub command: Option<&'a str>,
    /// `env` requests, before the shell.
    pub env: &'a [(&'a str, &'a str)],
}

impl Request<'_> {
    pub fn console(cols: u16, rows: u16) -> Self {
        Request { pty: Some((cols.into(), rows.into())), ..Default::default() }
    }
}

/// An SSH session's channel and the terminal that shows what it receives.
pub struct Term {
    pub ssh: Ssh,
    pub write: ChannelWriteHalf<client::Msg>,
    pub vt: Arc<Mutex<vt100::Parser>>,
    pub exit_status: Arc<Mutex<Option<u32>>>,
    pub closed: Arc<AtomicBool>,
    /// Terminal bytes received (channel data).
    pub data: Arc<AtomicU64>,
    /// Channel data messages (about one per frame).
    pub messages: Arc<AtomicU64>,
    /// Notified at each data message.
    pub frame: Arc<Notify>,
}

impl Term {
    /// Connects, signs in with `key`, asks for a pty of `cols` x `rows` and a shell.
    pub async fn open(addr: SocketAddr, key: &PrivateKey, cols: u16, rows: u16) -> Term {
        let mut ssh = Ssh::connect(addr).await;
        assert!(ssh.sign_in_with_key(key).await, "the authorized key is accepted");
        Term::start(ssh, Request::console(cols, rows)).await
    }

    /// Opens a session channel on a signed-in connection and asks for what `request` says. The
    /// terminal is the pty's size, clamped to what vt100 takes (80x24 without a pty).
    pub async fn start(ssh: Ssh, request: Request<'_>) -> Term {
        let channel = tokio::time::timeout(BOUND, ssh.handle.channel_open_session())
            .await
            .expect("a session channel in time")
            .expect("a session channel");
        for (name, value) in request.env {
            channel.set_env(false, *name, *value).await.expect("env");
        }
        if let Some((cols, rows)) = request.pty {
            channel.request_pty(true, "xterm-256color", cols, rows, 0, 0, &[]).await.expect("pty-req");
        }
        match request.command {
            Some(c) => channel.exec(true, c).await.expect("exec"),
            None => channel.request_shell(true).await.expect("shell"),
        }
        let (cols, rows) = request.pty.unwrap_or((80, 24));
        let (mut read, write) = channel.split();
        let vt = Arc::new(Mutex::new(vt100::Parser::new(vt_size(rows, MAX_ROWS), vt_size(cols, MAX_COLUMNS), 0)));
        let exit_status = Arc::new(Mutex::new(None));
        let closed = Arc::new(AtomicBool::new(false));
        let (data, messages, frame) =
            (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(Notify::new()));
        let (vt2, exit2, closed2) = (vt.clone(), exit_status.clone(), closed.clone());
        let (data2, messages2, frame2) = (data.clone(), messages.clone(), frame.clone());
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                match msg {
                    ChannelMsg::Data { data } => {
                        vt2.lock().unwrap().process(&data);
                        data2.fetch_add(data.len() as u64, Ordering::Relaxed);
                        messages2.fetch_add(1, Ordering::Relaxed);
                        frame2.notify_waiters();
                    }
                    ChannelMsg::ExitStatus { exit_status } => *exit2.lock().unwrap() = Some(exit_status),
                    ChannelMsg::Close => break,
                    _ => {}
                }
            }
            closed2.store(true, Ordering::SeqCst);
        });
        Term { ssh, write, vt, exit_status, closed, data, messages, frame }
    }

    pub fn screen(&self) -> String {
        self.vt.lock().unwrap().screen().contents()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.vt.lock().unwrap().screen())
    }

    pub fn exit_status(&self) -> Option<u32> {
        *self.exit_status.lock().unwrap()
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until `done` holds for the screen; fails with the screen otherwise.
    pub async fn wait(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > BOUND {
                panic!("waited {:?} for {what}; the screen:\n{screen}", start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (bounded) until the server has closed the channel.
    pub async fn wait_closed(&self, what: &str) {
        let start = Instant::now();
        while !self.is_closed() {
            if start.elapsed() > BOUND {
                panic!("waited {:?} for {what}; the screen:\n{}", start.elapsed(), self.screen());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until no data came for `quiet` (bounded).
    pub async fn settle(&self, quiet: Duration) {
        let start = Instant::now();
        loop {
            let before = self.data.load(Ordering::Relaxed);
            tokio::time::sleep(quiet).await;
            if self.data.load(Ordering::Relaxed) == before || start.elapsed() > BOUND {
                return;
            }
        }
    }

    pub async fn send(&self, bytes: &[u8]) {
        self.write.data_bytes(bytes.to_vec()).await.expect("sent");
    }

    /// A window change; the terminal follows, up to the largest screen georep ssh draws.
    pub async fn resize(&self, cols: u32, rows: u32) {
        self.vt.lock().unwrap().screen_mut().set_size(vt_size(rows, MAX_ROWS), vt_size(cols, MAX_COLUMNS));
        self.write.window_change(cols, rows, 0, 0).await.expect("window-change");
    }
}

/// Polls `done` every 20 ms until it holds; fails saying `what` after [`BOUND`].
pub async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < BOUND, "waited {:?} for {what}", start.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
