//! `georep ssh` with 50 sessions on a 10,000-cache fleet (issue 12).
//!
//! `cargo bench --bench fleet_ssh` starts two child processes of the release binary: `georep serve
//! --listen 127.0.0.1:0 --synthetic-fleet 10000:100 --access-log FILE` (default read limits), and
//! `georep ssh --listen 127.0.0.1:0 --endpoint URL --max-sessions 50` with a host key and an
//! authorized_keys file (one generated key) in a temporary directory, default poll intervals (3 s
//! idle, 1 s busy). russh clients (tests/support/ssh_client.rs: a vt100 terminal per session) sign in
//! with the key, one connection per session, a 120x36 pty each, and wait for Home with every cache.
//!
//! - backend reads: the access log's requests over a window (60 s) with 1 session on Home, then over
//!   the same length with 50 sessions on Home, per minute and by kind;
//! - idle output: the terminal bytes (channel data) and the bytes off the socket of every session over
//!   those windows, after the screens settled (no data for 500 ms);
//! - the server's memory: VmRSS and VmHWM of the `georep ssh` process (`/proc/PID/status`);
//! - keystroke to frame: Down on Home, 200 times, on one session, from sending the key until that
//!   session's screen (cells and attributes) changed, 20 ms between keys; with 1 session, then with
//!   the 49 others connected on Home. p50, p99, max.
//!
//! Printed and written to target/bench-fleet-ssh.txt. `GEOREP_BENCH_WINDOW_SECS=N` (default 60),
//! `GEOREP_BENCH_SESSIONS=N` (default 50) and `GEOREP_BENCH_KEYS=N` (default 200) change them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/cli_support/mod.rs"]
mod cli_support;
#[path = "../tests/support/ssh_client.rs"]
mod ssh_client;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cli_support::{BIN, Serve};
use georep::ssh::host_key;
use ssh_client::{BOUND, Term};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
const FLEET: &str = "10000:100";
const HOME: &str = "Azure Cache for Redis · 10000 of 10000";
const DOWN: &[u8] = b"\x1b[B";
/// Variables of the developer's shell that would change what the server does.
const CLEARED: &[&str] =
    &["AZURE_SUBSCRIPTION_ID", "AZURE_ACCESS_TOKEN", "GEOREP_TOKEN", "GEOREP_SERVE_TOKEN", "GEOREP_LOG"];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// VmRSS and VmHWM of process `pid`, in MiB.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The `georep ssh` child process; killed when dropped.
struct SshServer {
    child: Child,
    addr: SocketAddr,
}

impl SshServer {
    fn start(url: &str, dir: &Path, sessions: usize) -> SshServer {
        let mut cmd = Command::new(BIN);
        cmd.args(["ssh", "--listen", "127.0.0.1:0", "--endpoint", url, "--max-sessions", &sessions.to_string()])
            .arg("--authorized-keys")
            .arg(dir.join("authorized_keys"))
            .arg("--host-key")
            .arg(dir.join("ssh_host_ed25519_key"))
            .arg("--log")
            .arg(dir.join("ssh.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for v in CLEARED {
            cmd.env_remove(v);
        }
        let mut child = cmd.spawn().expect("georep ssh starts");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx.recv_timeout(BOUND).expect("the banner of georep ssh");
        let port: u16 = first
            .split_once("serving the console on 127.0.0.1:")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in the banner: {first}"));
        SshServer { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
    }

    fn memory(&self) -> (f64, f64) {
        memory_mib(self.child.id())
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The access log's requests so far (comment lines aside).
fn requests(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains(" # "))
        .map(str::to_string)
        .collect()
}

/// Requests by kind (`time METHOD path status duration sub=`), and how many were not 200.
fn kinds(lines: &[String]) -> (BTreeMap<&'static str, usize>, usize) {
    let mut out = BTreeMap::new();
    for l in lines {
        let kind = if l.contains(" GET /subscriptions ") {
            "subscriptions"
        } else if l.contains(" /providers/Microsoft.ResourceGraph/resources ") {
            "resource graph"
        } else if l.contains("/linkedServers") {
            "linked servers"
        } else if l.contains("/providers/Microsoft.Cache/redis ") {
            "lists"
        } else {
            "other"
        };
        *out.entry(kind).or_insert(0) += 1;
    }
    let failed = lines.iter().filter(|l| l.split(' ').nth(3) != Some("200")).count();
    (out, failed)
}

/// (terminal bytes, data messages, bytes off the socket) a session received so far.
fn counts(t: &Term) -> (u64, u64, u64) {
    (t.data.load(Ordering::Relaxed), t.messages.load(Ordering::Relaxed), t.ssh.wire.load(Ordering::Relaxed))
}

/// What a window measured: backend reads per minute, and what the sessions received.
struct Window {
    reads_per_minute: f64,
    line: String,
}

/// Watches `terms` (settled on Home) for `length`: the backend's requests and every session's output.
async fn window(terms: &[Term], log: &Path, length: Duration) -> Window {
    let before: Vec<_> = terms.iter().map(counts).collect();
    let from = requests(log).len();
    let start = Instant::now();
    tokio::time::sleep(length).await;
    let took = start.elapsed();
    let reqs = requests(log);
    let after: Vec<_> = terms.iter().map(counts).collect();
    let (by_kind, failed) = kinds(&reqs[from..]);
    let reads = reqs.len() - from;
    let minutes = took.as_secs_f64() / 60.0;
    let deltas: Vec<(u64, u64, u64)> =
        before.iter().zip(&after).map(|(b, a)| (a.0 - b.0, a.1 - b.1, a.2 - b.2)).collect();
    let data: u64 = deltas.iter().map(|d| d.0).sum();
    let messages: u64 = deltas.iter().map(|d| d.1).sum();
    let wire: u64 = deltas.iter().map(|d| d.2).sum();
    let busiest = deltas.iter().map(|d| d.0).max().unwrap_or(0);
    let secs = took.as_secs_f64();
    let line = format!(
        "{} session(s), {took:.1?}: backend {reads} requests = {:.1} reads/min {by_kind:?}, {failed} not 200; \
         output while idle: {:.1} B/s data per session at most ({data} B in {messages} msgs over all), \
         {:.1} B/s off the sockets over all ({wire} B)",
        terms.len(),
        reads as f64 / minutes,
        busiest as f64 / secs,
        wire as f64 / secs
    );
    Window { reads_per_minute: reads as f64 / minutes, line }
}

/// Down on Home `keys` times on `t`: from the key until the screen changed, each.
async fn keystrokes(t: &Term, keys: u64) -> String {
    let mut took = Vec::new();
    for _ in 0..keys {
        let before = t.with_screen(|s| s.contents_formatted());
        let mut frame = std::pin::pin!(t.frame.notified());
        frame.as_mut().enable();
        let start = Instant::now();
        t.send(DOWN).await;
        loop {
            tokio::time::timeout(BOUND, frame.as_mut()).await.expect("a frame for the key");
            frame.set(t.frame.notified());
            frame.as_mut().enable();
            if t.with_screen(|s| s.contents_formatted()) != before {
                break;
            }
        }
        took.push(start.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    took.sort();
    let at = |q: f64| took[((took.len() as f64 * q).ceil() as usize).clamp(1, took.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{keys} keys: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(took[took.len() - 1])
    )
}

async fn open(addr: SocketAddr, key: &russh::keys::PrivateKey) -> Term {
    Term::open(addr, key, WIDTH, HEIGHT).await
}

async fn settle(terms: &[Term]) {
    futures::future::join_all(terms.iter().map(|t| t.settle(Duration::from_millis(500)))).await;
}

async fn bench(report: &mut String) {
    let sessions = env_number("GEOREP_BENCH_SESSIONS", 50).max(2) as usize;
    let length = Duration::from_secs(env_number("GEOREP_BENCH_WINDOW_SECS", 60));
    let keys = env_number("GEOREP_BENCH_KEYS", 200).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("access.log");
    let serve = Serve::start(1.0, &["--synthetic-fleet", FLEET, "--access-log", log.to_str().expect("a UTF-8 path")]);
    let key = host_key::generate().expect("a key");
    std::fs::write(dir.path().join("authorized_keys"), format!("{}\n", key.public_key().to_openssh().unwrap()))
        .expect("authorized_keys");
    let server = SshServer::start(&serve.url, dir.path(), sessions);
    let mem = |what: &str, report: &mut String| {
        let (rss, hwm) = server.memory();
        let _ = writeln!(report, "georep ssh memory, {what}: VmRSS {rss:.1} MiB, VmHWM {hwm:.1} MiB");
    };
    mem("no session", report);

    let mut terms = vec![open(server.addr, &key).await];
    let first = Instant::now();
    terms[0].wait("Home with every cache", |s| s.contains(HOME)).await;
    let _ = writeln!(report, "first session: Home with every cache {:.0?} after its shell", first.elapsed());
    settle(&terms).await;
    mem("1 session on Home", report);
    let one = window(&terms, &log, length).await;
    let _ = writeln!(report, "{}", one.line);
    let _ = writeln!(report, "keystroke to frame, 1 session: {}", keystrokes(&terms[0], keys).await);

    let opening = Instant::now();
    for _ in 1..sessions {
        terms.push(open(server.addr, &key).await);
    }
    for t in &terms {
        t.wait("Home with every cache", |s| s.contains(HOME)).await;
    }
    let _ = writeln!(report, "{} more sessions on Home in {:.1?}", sessions - 1, opening.elapsed());
    settle(&terms).await;
    mem(&format!("{sessions} sessions on Home"), report);
    let all = window(&terms, &log, length).await;
    let _ = writeln!(report, "{}", all.line);
    mem(&format!("{sessions} sessions after the window"), report);
    let _ = writeln!(
        report,
        "reads/min: {sessions} sessions / 1 session = {:.3}",
        all.reads_per_minute / one.reads_per_minute.max(f64::MIN_POSITIVE)
    );
    let _ = writeln!(report, "keystroke to frame, 1 of {sessions} sessions: {}", keystrokes(&terms[0], keys).await);
    mem(&format!("{sessions} sessions after the keys"), report);
    drop(terms);
    drop(server);
    drop(serve);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let mut report = format!(
        "fleet ssh bench: `georep serve --synthetic-fleet {FLEET} --access-log FILE` and `georep ssh --endpoint URL` \
         (child processes), {WIDTH}x{HEIGHT} sessions, default poll intervals\n"
    );
    rt.block_on(bench(&mut report));
    print!("\n{report}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-fleet-ssh.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
