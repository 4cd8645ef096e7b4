//! `georep ssh` polls the backend once for every session: twenty sessions cost the backend the reads of
//! one (within 20%), counted from the emulator's access log; and with no session, nothing is read.
//!
//! Rates are measured over a number of poll rounds (each round lists the subscriptions once), not
//! over a fixed sleep: the test waits for the rounds to happen and times them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ssh_client.rs"]
mod ssh_client;

use std::path::Path;
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::{Config, Emulator};
use georep::ssh::auth::AuthorizedKeys;
use georep::ssh::{SshConfig, SshServer, host_key};
use georep::tui::tasks::PollIntervals;
use ssh_client::Term;

const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(150), busy: Duration::from_millis(100) };
/// Poll rounds a measurement spans.
const ROUNDS: usize = 12;

/// (method, path) of every request in the access log so far.
fn requests(log: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains(" # "))
        .filter_map(|l| {
            let mut f = l.split_whitespace().skip(1);
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

fn rounds(reqs: &[(String, String)]) -> usize {
    reqs.iter().filter(|(m, p)| m == "GET" && p == "/subscriptions").count()
}

/// Backend reads per second with `sessions` SSH sessions on Home, over [`ROUNDS`] poll rounds.
async fn reads_per_second(sessions: usize) -> (f64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let emu = Emulator::simulated(Config { access_log: Some(log.clone()), ..Default::default() })
        .unwrap()
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let key = host_key::generate().unwrap();
    let keys = dir.path().join("authorized_keys");
    std::fs::write(&keys, format!("{}\n", key.public_key().to_openssh().unwrap())).unwrap();
    let config =
        SshConfig { poll: INTERVALS, ..SshConfig::new(host_key::generate().unwrap(), AuthorizedKeys::new(Some(keys))) };
    let client = ArmClient::new(&emu.url(), None).unwrap();
    let server = SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo".into()).await.unwrap();

    // No session yet: nothing is read.
    let quiet = Instant::now();
    while quiet.elapsed() < INTERVALS.idle * 3 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let idle_reads = requests(&log).len();

    let mut terms = Vec::new();
    for _ in 0..sessions {
        terms.push(Term::open(server.local_addr(), &key, 100, 30).await);
    }
    for t in &terms {
        t.wait("Home", |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
    }
    let start_reqs = requests(&log);
    let (from, t0) = (rounds(&start_reqs), Instant::now());
    ssh_client::wait_for("the poll rounds", || rounds(&requests(&log)) >= from + ROUNDS).await;
    let took = t0.elapsed();
    let reqs = requests(&log);
    let reads = reqs[start_reqs.len()..].iter().filter(|(m, _)| m == "GET").count();
    drop(terms);
    server.shutdown().await;
    (reads as f64 / took.as_secs_f64(), idle_reads)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_sessions_cost_the_backend_the_reads_of_one() {
    let (one, idle) = reads_per_second(1).await;
    assert_eq!(idle, 0, "a server with no session read the backend");
    let (twenty, _) = reads_per_second(20).await;
    eprintln!("backend reads per second: 1 session {one:.1}, 20 sessions {twenty:.1}");
    assert!(twenty <= one * 1.2, "20 sessions: {twenty:.1} reads/s against {one:.1} for one");
}
