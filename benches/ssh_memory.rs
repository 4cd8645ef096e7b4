//! `georep ssh`'s memory under a client that reads nothing (issue 10).
//!
//! `cargo bench --bench ssh_memory` starts the demo emulator and the SSH server in-process on
//! 127.0.0.1:0 (default limits, but a stall limit of 10 s), then for a client at 120x36 and one at the
//! largest size the server draws (a pty of 65535x65535, clamped to 1000x500): signs in (channel window
//! 256 KiB), waits for Home, stops reading its socket and types `?` and Esc (help over Home, and back)
//! every 10 ms, so that every key is a frame, until the server closes it. It reports the process's resident memory
//! (VmRSS) before the session, with the session reading, the most while it reads nothing, and after
//! it is closed, and the most screen output queued for it (`SshServer::stats().peak_queued`). Written
//! to target/bench-ssh-memory.txt too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/ssh_client.rs"]
mod ssh_client;

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::{Config, DEMO_TIME_SCALE, Emulator};
use georep::ssh::auth::AuthorizedKeys;
use georep::ssh::{Limits, SshConfig, SshServer, host_key};
use russh::keys::PrivateKey;
use ssh_client::{Request, Ssh, Term};

const STALL: Duration = Duration::from_secs(10);
/// The client's channel window: what the server may send before it must wait for the client.
const WINDOW: u32 = 256 * 1024;

/// The process's resident set, in KiB (Linux); 0 elsewhere.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn measure(server: &SshServer, key: &PrivateKey, pty: (u32, u32), report: &mut String) {
    let before = rss_kib();
    let stalled_before = server.stats().stalled;
    let how = ssh_client::Connect { window_size: Some(WINDOW), ..Default::default() };
    let mut ssh = Ssh::connect_with(server.local_addr(), how).await;
    assert!(ssh.sign_in_with_key(key).await, "signed in");
    let t = Term::start(ssh, Request { pty: Some(pty), ..Request::default() }).await;
    t.wait("Home", |s| s.contains("22 of 22")).await;
    t.settle(Duration::from_millis(500)).await;
    let first_screen = t.data.load(Ordering::Relaxed);
    let reading = rss_kib();

    t.ssh.gate.hold();
    let held = Instant::now();
    let drawn_before = server.bytes_sent();
    let (mut keys, mut most) = (0u64, reading);
    while server.stats().stalled == stalled_before {
        assert!(held.elapsed() < STALL * 3, "not closed after {:?}", held.elapsed());
        t.send(if keys.is_multiple_of(2) { b"?" } else { b"\x1b" }).await;
        keys += 1;
        if keys.is_multiple_of(20) {
            most = most.max(rss_kib());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed_after = held.elapsed();
    let drawn = server.bytes_sent() - drawn_before;
    ssh_client::wait_for("the session to end", || server.sessions() == 0).await;
    t.ssh.gate.open();
    ssh_client::wait_for("the connection to close", || t.ssh.handle.is_closed()).await;
    drop(t);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib();
    let stats = server.stats();
    let _ = writeln!(
        report,
        "pty {}x{} (drawn at {}x{}): first screen {first_screen} B; reading nothing: {keys} keys, {drawn} B \
         drawn in {closed_after:.1?}, at most {} B queued, then closed\n  VmRSS: {before} KiB before, {reading} KiB \
         with the session, at most {most} KiB while it read nothing (+{} KiB), {after} KiB after",
        pty.0,
        pty.1,
        pty.0.min(1000),
        pty.1.min(500),
        stats.peak_queued,
        most.saturating_sub(reading)
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let report = rt.block_on(async {
        let emu = Emulator::simulated(Config { time_scale: DEMO_TIME_SCALE, ..Default::default() })
            .expect("emulator")
            .bind("127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let key = host_key::generate().unwrap();
        let keys = dir.path().join("authorized_keys");
        std::fs::write(&keys, key.public_key().to_openssh().expect("openssh")).expect("authorized_keys");
        let config = SshConfig {
            limits: Limits { stall: STALL, ..Limits::default() },
            ..SshConfig::new(host_key::generate().unwrap(), AuthorizedKeys::new(Some(keys)))
        };
        let client = ArmClient::new(&emu.url(), None).expect("client");
        let server = SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo backend".into())
            .await
            .expect("listen");
        let mut report = format!(
            "ssh memory bench: a client that reads nothing, stall limit {STALL:?}, channel window {} KiB\n",
            WINDOW / 1024
        );
        for pty in [(120, 36), (65535, 65535)] {
            measure(&server, &key, pty, &mut report).await;
        }
        server.shutdown().await;
        report
    });
    print!("\n{report}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-ssh-memory.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
