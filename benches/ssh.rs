//! `georep ssh` benchmarks (issue 6).
//!
//! `cargo bench --bench ssh` starts the demo emulator (time scale 8, as `georep ssh` does by default)
//! and the SSH server in-process on 127.0.0.1:0 with the default poll intervals (3 s idle, 1 s busy),
//! and connects russh clients with a 120x36 pty. Each client counts what reaches it: the channel's
//! data (the terminal bytes the console wrote, one message per frame) and the bytes read from its TCP
//! socket (SSH packets: the data with its framing, padding and MAC, and anything else the server sends).
//!
//! - criterion group `ssh`: a keystroke's round trip, Down sent on Home until the frame it causes
//!   arrives;
//!
//! then, in bench mode only (counts, not timings), prints and writes to target/bench-ssh.txt:
//!
//! - idle (target: 0 bytes): a session on Home, then one on the Geo-replication blade of
//!   contoso-prod-eus, each measured for 10 s after its screen settled, with nothing changing;
//! - a link in progress: session A links contoso-dr-weu to contoso-prod-eus through its keys (Link
//!   dialog), session W watches the same blade; both measured for 10 s while the link syncs.
//!
//! `GEOREP_BENCH_WINDOW_SECS=N` changes the 10 s windows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/ssh_client.rs"]
mod ssh_client;

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use criterion::Criterion;
use georep::client::ArmClient;
use georep::emulator::{Config, DEMO_TIME_SCALE, Emulator, Running};
use georep::ssh::auth::AuthorizedKeys;
use georep::ssh::{SshConfig, SshServer, host_key};
use russh::keys::PrivateKey;
use ssh_client::{BOUND, Term as Session};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
const DOWN: &[u8] = b"\x1b[B";
const UP: &[u8] = b"\x1b[A";

/// What a client has received so far.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    /// Terminal bytes (channel data).
    data: u64,
    /// Channel data messages (about one per frame).
    messages: u64,
    /// Bytes read from the socket.
    wire: u64,
}

impl std::ops::Sub for Counts {
    type Output = Counts;
    fn sub(self, o: Counts) -> Counts {
        Counts { data: self.data - o.data, messages: self.messages - o.messages, wire: self.wire - o.wire }
    }
}

/// The bench's use of the shared test client.
trait Bench {
    async fn open_bench(server: &SshServer, key: &PrivateKey) -> Self;
    fn counts(&self) -> Counts;
    async fn to_geo_replication(&self);
}

impl Bench for Session {
    async fn open_bench(server: &SshServer, key: &PrivateKey) -> Session {
        Session::open(server.local_addr(), key, WIDTH, HEIGHT).await
    }

    fn counts(&self) -> Counts {
        Counts {
            data: self.data.load(Ordering::Relaxed),
            messages: self.messages.load(Ordering::Relaxed),
            wire: self.ssh.wire.load(Ordering::Relaxed),
        }
    }

    async fn to_geo_replication(&self) {
        self.wait("Home", |s| s.contains("22 of 22")).await;
        self.send(b"/prod-eus").await;
        self.wait("the filter", |s| s.contains("1 of 22")).await;
        self.send(b"\r").await;
        self.send(b"\r").await;
        self.wait("the Overview", |s| s.contains("▶ Overview")).await;
        self.send(DOWN).await;
        self.wait("Geo-replication", |s| s.contains("contoso-prod-eus is not linked")).await;
    }
}

struct Setup {
    _emu: Running,
    server: SshServer,
    key: PrivateKey,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let emu = Emulator::simulated(Config { time_scale: DEMO_TIME_SCALE, ..Default::default() })
        .expect("emulator")
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = host_key::generate().unwrap();
    let keys = dir.path().join("authorized_keys");
    std::fs::write(&keys, key.public_key().to_openssh().expect("openssh")).expect("authorized_keys");
    let config = SshConfig::new(host_key::generate().unwrap(), AuthorizedKeys::new(Some(keys)));
    let client = ArmClient::new(&emu.url(), None).expect("client");
    let server =
        SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo backend".into()).await.expect("listen");
    Setup { _emu: emu, server, key, _dir: dir }
}

fn window() -> Duration {
    let secs = std::env::var("GEOREP_BENCH_WINDOW_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    Duration::from_secs(secs)
}

fn line(report: &mut String, what: &str, c: Counts, over: Duration) {
    let s = over.as_secs_f64();
    let _ = writeln!(
        report,
        "{what:<58} {:>8.1} B/s data ({:>6} B, {:>4} msgs) {:>8.1} B/s on the wire ({:>6} B)",
        c.data as f64 / s,
        c.data,
        c.messages,
        c.wire as f64 / s,
        c.wire
    );
}

async fn counts(s: &Setup) -> String {
    let window = window();
    let mut report = format!(
        "ssh bench: {WIDTH}x{HEIGHT} sessions, poll intervals 3 s idle / 1 s busy, time scale {DEMO_TIME_SCALE}, \
         windows of {window:?}\n"
    );

    // Idle on Home.
    let w = Session::open_bench(&s.server, &s.key).await;
    w.wait("Home", |s| s.contains("22 of 22")).await;
    let first = w.counts();
    w.settle(Duration::from_millis(500)).await;
    let before = w.counts();
    tokio::time::sleep(window).await;
    let _ = writeln!(
        report,
        "{:<58} {:>6} B data in {} msgs, {} B on the wire (handshake and sign-in included)",
        "first screens (Loading, then Home with the data)", first.data, first.messages, first.wire
    );
    line(&mut report, "idle on Home", w.counts() - before, window);

    // Idle on Geo-replication.
    w.to_geo_replication().await;
    w.settle(Duration::from_millis(500)).await;
    let before = w.counts();
    tokio::time::sleep(window).await;
    line(&mut report, "idle on Geo-replication (contoso-prod-eus, not linked)", w.counts() - before, window);

    // A links through its keys; W watches.
    let a = Session::open_bench(&s.server, &s.key).await;
    a.to_geo_replication().await;
    a.send(b"a").await;
    a.wait("Compatible caches", |s| s.contains("contoso-dr-weu")).await;
    a.send(b"\x1b[H").await;
    a.send(DOWN).await;
    a.send(b"\r").await;
    a.wait("the context menu", |s| s.contains("Link as secondary")).await;
    a.send(b"\r").await;
    a.wait("the Link dialog", |s| s.contains("contoso-dr-weu becomes read-only")).await;
    a.send(b"\x1b[C").await;
    a.send(b"\r").await;
    a.wait("A's progress", |s| s.contains("Linking contoso-prod-eus → contoso-dr-weu")).await;
    w.wait("W's progress", |s| s.contains("Linking contoso-prod-eus → contoso-dr-weu")).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (a0, w0) = (a.counts(), w.counts());
    let start = Instant::now();
    tokio::time::sleep(window).await;
    let (a1, w1) = (a.counts(), w.counts());
    let elapsed = start.elapsed();
    let still = a.screen().contains("Linking contoso-prod-eus") && w.screen().contains("Linking contoso-prod-eus");
    line(&mut report, "link in progress, the session that started it (A)", a1 - a0, elapsed);
    line(&mut report, "link in progress, a session watching it (W)", w1 - w0, elapsed);
    if !still {
        let _ = writeln!(report, "(the link ended before the window did: shorten GEOREP_BENCH_WINDOW_SECS)");
    }
    let _ = writeln!(report, "A's screen at the end of the window:\n{}", a.screen());
    report
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let s = rt.block_on(setup());

    let mut c = Criterion::default().configure_from_args();
    {
        let session = rt.block_on(async {
            let session = Session::open_bench(&s.server, &s.key).await;
            session.wait("Home", |s| s.contains("22 of 22")).await;
            session.settle(Duration::from_millis(300)).await;
            session
        });
        let mut group = c.benchmark_group("ssh");
        group.bench_function("keystroke_to_frame", |b| {
            let mut down = true;
            b.to_async(&rt).iter(|| {
                let key = if down { DOWN } else { UP };
                down = !down;
                let session = &session;
                async move {
                    let mut frame = std::pin::pin!(session.frame.notified());
                    frame.as_mut().enable();
                    session.send(key).await;
                    tokio::time::timeout(BOUND, frame).await.expect("a frame for the key");
                }
            });
        });
        group.finish();
    }
    c.final_summary();
    if !bench_mode {
        return;
    }
    let report = rt.block_on(counts(&s));
    print!("\n{report}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-ssh.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
    rt.block_on(s.server.shutdown());
}
