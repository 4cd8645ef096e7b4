//! `georep ssh` against hostile clients (issue 10): each must not hurt the others. In-process, the SSH
//! server on 127.0.0.1:0 over the emulator, with short deadlines so that the tests run fast.
//!
//! - a pty and a window change of 65535x65535 (the server used to abort);
//! - a client that reads nothing while its console draws (the server used to queue every frame);
//! - connections that only send a version line (they used to hold every slot for minutes), and from
//!   other loopback addresses (127.0.0.2, ...) someone who signs in meanwhile;
//! - a wrong password, then the right one on the same connection (one try used to end it);
//! - NO_COLOR from the client's `env` request;
//! - an authorized-keys file that blocks when read (a FIFO): other sign-ins go on;
//! - an idle timeout of `Duration::MAX` (the server used to panic doubling it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ssh_client.rs"]
mod ssh_client;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::{Config, Emulator, Running};
use georep::ssh::auth::{AuthorizedKeys, DemoPassword};
use georep::ssh::server::AUTH_DELAY;
use georep::ssh::{Limits, SshConfig, SshServer, host_key};
use georep::tui::tasks::PollIntervals;
use russh::keys::PrivateKey;
use russh::{MethodKind, client};
use ssh_client::{BOUND, Connect, Request, Ssh, Term, wait_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(300), busy: Duration::from_millis(200) };
const DOWN: &[u8] = b"\x1b[B";
const UP: &[u8] = b"\x1b[A";

struct Backend {
    _emu: Running,
    url: String,
    dir: tempfile::TempDir,
    key: PrivateKey,
}

async fn backend() -> Backend {
    let emu = Emulator::simulated(Config::default())
        .expect("emulator")
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = host_key::generate().unwrap();
    std::fs::write(dir.path().join("authorized_keys"), key.public_key().to_openssh().expect("openssh"))
        .expect("authorized_keys written");
    Backend { url: emu.url(), _emu: emu, dir, key }
}

impl Backend {
    fn config(&self) -> SshConfig {
        SshConfig {
            max_sessions: 8,
            poll: INTERVALS,
            ..SshConfig::new(
                host_key::generate().unwrap(),
                AuthorizedKeys::new(Some(self.dir.path().join("authorized_keys"))),
            )
        }
    }

    async fn serve(&self, config: SshConfig) -> SshServer {
        let client = ArmClient::new(&self.url, None).expect("client");
        SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo backend".into()).await.expect("listen")
    }
}

fn home(s: &str) -> bool {
    s.contains("Azure Cache for Redis · 22 of 22")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_pty_or_window_change_does_not_take_the_server_down() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let addr = server.local_addr();

    // A pty of 65535x65535: the session gets the largest screen instead (the header's right end is
    // at column 1000).
    let mut ssh = Ssh::connect(addr).await;
    assert!(ssh.sign_in_with_key(&b.key).await);
    let huge = Term::start(ssh, Request { pty: Some((65535, 65535)), ..Request::default() }).await;
    huge.wait("Home at the largest size", home).await;
    assert_eq!(huge.with_screen(|s| s.cell(0, 998).map(|c| c.contents().to_string())), Some("p".into()));

    // A window change to 65535x65535 in a normal session.
    let t = Term::open(addr, &b.key, 100, 30).await;
    t.wait("Home", home).await;
    t.resize(65535, 65535).await;
    t.wait("the largest layout", |s| s.contains("RESOURCE GROUP")).await;
    // More than a terminal can be (above u16) is ignored.
    t.resize(100, 30).await;
    t.write.window_change(1 << 20, 1 << 20, 0, 0).await.expect("window-change");
    t.send(b"?").await;
    t.wait("help at 100x30", |s| s.contains("┌ Help ") && !s.contains("RESOURCE GROUP")).await;

    // The server still serves everyone, and another session.
    let other = Term::open(addr, &b.key, 80, 24).await;
    other.wait("Home in another session", home).await;
    assert!(!huge.is_closed() && !t.is_closed());
    assert_eq!(server.sessions(), 3);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_costs_one_frame_and_is_closed_after_the_limit() {
    let b = backend().await;
    let mut config = b.config();
    config.limits.stall = Duration::from_secs(2);
    let server = b.serve(config).await;
    let addr = server.local_addr();
    // A small channel window: the server can send 16 KiB before the client must have read some.
    let mut ssh = Ssh::connect_with(addr, Connect { window_size: Some(16 * 1024), ..Connect::default() }).await;
    assert!(ssh.sign_in_with_key(&b.key).await);
    let t = Term::start(ssh, Request::console(200, 60)).await;
    t.wait("Home", home).await;
    t.settle(Duration::from_millis(300)).await;
    let frame = t.data.load(std::sync::atomic::Ordering::Relaxed);

    // The client stops reading, and keeps typing: every key is a frame the console draws.
    t.ssh.gate.hold();
    let (held, sent_before) = (Instant::now(), server.bytes_sent());
    let mut peak = 0;
    let mut keys = 0u32;
    while server.stats().stalled == 0 {
        assert!(held.elapsed() < BOUND, "not closed after {:?}: {:?}", held.elapsed(), server.stats());
        t.send(if keys.is_multiple_of(2) { DOWN } else { UP }).await;
        keys += 1;
        peak = peak.max(server.stats().queued);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed_after = held.elapsed();
    let stats = server.stats();
    let drawn = server.bytes_sent() - sent_before;
    eprintln!(
        "reads nothing: {keys} keys, {drawn} B drawn, peak queued {} B (the first whole screen: {frame} B), \
         closed after {closed_after:?}",
        stats.peak_queued
    );
    // Bounded: what waits is at most one whole repaint and the frame being sent (a repaint is larger
    // than the first screen: it moves the cursor around blank cells), however much was drawn.
    assert!(stats.peak_queued <= 3 * frame, "{stats:?}, the first whole screen was {frame} B");
    assert!(drawn > 3 * stats.peak_queued, "the console went on drawing: {drawn} B, {stats:?}");
    assert!(closed_after >= Duration::from_secs(2), "{closed_after:?}");
    wait_for("the session's place to be free", || server.sessions() == 0).await;
    wait_for("the queue to be empty", || server.stats().queued == 0).await;

    // Reading again, the client gets what was sent, then the reason, and the connection is closed.
    t.ssh.gate.open();
    wait_for("the connection to be closed", || t.ssh.handle.is_closed()).await;
    let reason = t.ssh.disconnect.lock().unwrap().clone();
    assert!(reason.as_deref().is_some_and(|r| r.contains("read nothing of the screen for 2s")), "{reason:?}");

    // Everyone else is served.
    let other = Term::open(addr, &b.key, 100, 30).await;
    other.wait("Home in another session", home).await;
    server.shutdown().await;
}

/// A raw TCP connection from `from` that sends `hello` and nothing more.
async fn idle_connection(addr: std::net::SocketAddr, from: &str, hello: &[u8]) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(std::net::SocketAddr::new(from.parse().expect("an address"), 0)).expect("bind");
    let mut tcp = socket.connect(addr).await.expect("connected");
    tcp.write_all(hello).await.expect("sent");
    tcp
}

/// Reads until the server closes the connection; how long that took (bounded).
async fn closed_within(tcp: &mut tokio::net::TcpStream) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(BOUND, tcp.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("the connection is still open after {BOUND:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_sign_in_lock_nobody_out_and_are_closed_at_the_deadline() {
    let b = backend().await;
    let mut config = b.config();
    // Before, connections in all were capped at twice the sessions and 4: 8 here.
    config.max_sessions = 2;
    config.limits = Limits {
        handshake: Duration::from_secs(1),
        login_grace: Duration::from_secs(3),
        max_unauthenticated: 16,
        max_unauthenticated_per_address: 4,
        ..Limits::default()
    };
    let server = b.serve(config).await;
    let addr = server.local_addr();

    // 10 connections from 127.0.0.1 that send only a version line: 4 are let wait, 6 closed at once.
    let start = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(idle_connection(addr, "127.0.0.1", b"SSH-2.0-x\r\n").await);
    }
    // And one from 127.0.0.3 that sends nothing at all.
    let mut silent = idle_connection(addr, "127.0.0.3", b"").await;
    wait_for("the refusals", || server.stats().refused == 6).await;
    let mut refused = idle.split_off(4);
    for tcp in &mut refused {
        assert!(closed_within(tcp).await < Duration::from_secs(2), "a refused connection is closed at once");
    }
    wait_for("5 connections waiting to sign in", || server.unauthenticated() == 5).await;

    // Someone from another address signs in and gets the console meanwhile.
    let mut ssh =
        Ssh::connect_with(addr, Connect { from: Some(IpAddr::from([127, 0, 0, 2])), ..Connect::default() }).await;
    assert!(ssh.sign_in_with_key(&b.key).await, "signed in while 5 connections wait");
    let t = Term::start(ssh, Request::console(100, 30)).await;
    t.wait("Home", home).await;

    // The silent one is closed at the handshake deadline, the others at the sign-in deadline.
    let silent_after = closed_within(&mut silent).await;
    assert!(silent_after < Duration::from_secs(3), "no version line: closed after {silent_after:?}");
    for tcp in &mut idle {
        closed_within(tcp).await;
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(3), "closed before the deadline: {elapsed:?}");
    assert_eq!(server.stats().timed_out, 5);
    wait_for("no connection waiting", || server.unauthenticated() == 0).await;

    // 127.0.0.1 can sign in again; the session signed in meanwhile is still there.
    let again = Term::open(addr, &b.key, 80, 24).await;
    again.wait("Home from 127.0.0.1", home).await;
    t.send(b"?").await;
    t.wait("help in the first session", |s| s.contains("┌ Help ")).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_can_be_followed_by_the_right_one() {
    let b = backend().await;
    let mut config = b.config();
    config.demo_password = Some(DemoPassword::new("open sesame".into()));
    let server = b.serve(config).await;
    let mut ssh = Ssh::connect(server.local_addr()).await;
    for wrong in ["open sesam", "Open Sesame"] {
        let start = Instant::now();
        match ssh.password(wrong).await {
            client::AuthResult::Failure { remaining_methods, .. } => {
                let methods: Vec<MethodKind> = remaining_methods.to_vec();
                assert!(methods.contains(&MethodKind::Password), "password is still offered: {methods:?}");
                assert!(methods.contains(&MethodKind::PublicKey), "{methods:?}");
            }
            client::AuthResult::Success => panic!("a wrong password was accepted"),
        }
        let took = start.elapsed();
        assert!(took >= AUTH_DELAY - Duration::from_millis(100), "a refusal takes the documented delay: {took:?}");
    }
    assert!(ssh.sign_in_with_password("open sesame").await, "the right password, third try");
    Term::start(ssh, Request::console(100, 30)).await.wait("Home", home).await;
    server.shutdown().await;
}

/// Whether any cell of the screen has a colour.
fn coloured(t: &Term) -> bool {
    t.with_screen(|s| {
        let (rows, cols) = (s.size().0.get(), s.size().1.get());
        (0..rows).any(|r| {
            (0..cols).any(|c| {
                s.cell(r, c).is_some_and(|cell| {
                    cell.fgcolor() != vt100::Color::Default || cell.bgcolor() != vt100::Color::Default
                })
            })
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_color_comes_from_the_clients_env_request() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let addr = server.local_addr();
    let mut ssh = Ssh::connect(addr).await;
    assert!(ssh.sign_in_with_key(&b.key).await);
    let env = [("NO_COLOR", "1"), ("LD_PRELOAD", "/tmp/x.so")];
    let mono = Term::start(ssh, Request { env: &env, ..Request::console(100, 30) }).await;
    mono.wait("Home without colour", home).await;
    assert!(!coloured(&mono), "NO_COLOR from the client: no colour");

    let colour = Term::open(addr, &b.key, 100, 30).await;
    colour.wait("Home in colour", home).await;
    assert!(coloured(&colour), "without NO_COLOR from the client: colour, whatever the server's environment");
    server.shutdown().await;
}

/// The authorized-keys file is a FIFO that nobody writes yet: reading it blocks. On a one-thread
/// runtime, a blocking read in async code would stop everything (the watchdog fails the test); read
/// off the runtime, a sign-in with the demo password goes on meanwhile.
#[test]
fn a_blocking_authorized_keys_file_stalls_no_other_sign_in() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("authorized_keys");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("a path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let key = host_key::generate().unwrap();
    let line = key.public_key().to_openssh().expect("openssh");
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let fifo2 = fifo.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let b = backend().await;
            let mut config = b.config();
            config.authorized_keys = AuthorizedKeys::new(Some(fifo2.clone()));
            config.demo_password = Some(DemoPassword::new("pw".into()));
            let server = b.serve(config).await;
            let addr = server.local_addr();
            // A key sign-in that waits for the file.
            let by_key = tokio::spawn(async move {
                let mut ssh = Ssh::connect(addr).await;
                ssh.sign_in_with_key(&key).await
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut ssh = Ssh::connect(addr).await;
            assert!(ssh.sign_in_with_password("pw").await, "the password sign-in goes on");
            assert!(!by_key.is_finished(), "the key sign-in still waits for the file");
            // Someone writes the file: the key gets in.
            let fifo3 = fifo2.clone();
            // Until the sign-in is done: the key is looked up when offered and again once its
            // signature is checked (each write waits for a reader to open the FIFO).
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let stop2 = stop.clone();
            std::thread::spawn(move || {
                while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = std::fs::write(&fifo3, format!("{line}\n"));
                }
            });
            let key_in = tokio::time::timeout(BOUND, by_key).await.expect("in time").expect("joined");
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            // Let the writer's last open through (it waits for a reader), so that its thread ends.
            let _ = std::os::unix::fs::OpenOptionsExt::custom_flags(
                std::fs::OpenOptions::new().read(true),
                libc::O_NONBLOCK,
            )
            .open(&fifo2);
            assert!(key_in, "the key in the file, once written, gets in");
            server.shutdown().await;
        });
        rt.shutdown_timeout(Duration::from_secs(1));
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(BOUND * 2) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the test's runtime failed (see above)"),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            // Unblock a reader stuck on the FIFO, so that the process can end.
            let _ = std::fs::write(&fifo, "");
            panic!("the server's runtime stalled while the authorized-keys file blocked");
        }
    }
}

/// An idle timeout of any length saturates where it is doubled (the connection's inactivity timeout),
/// instead of overflowing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_idle_timeout_starts_the_server() {
    let b = backend().await;
    let mut config = b.config();
    config.idle_timeout = Some(Duration::MAX);
    let server = b.serve(config).await;
    Term::open(server.local_addr(), &b.key, 80, 24).await.wait("Home", home).await;
    server.shutdown().await;
}
