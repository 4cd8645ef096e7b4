//! The console on a 10,000-cache fleet, as a user starts it (issue 12).
//!
//! `cargo bench --bench fleet_console` builds the release binary, starts `georep serve --listen
//! 127.0.0.1:0 --synthetic-fleet 10000:100` as a child process (default read limits) and waits for its
//! banner, then, alternating the two ways of reading the fleet, starts the console `georep --endpoint
//! URL` (Resource Graph) or `georep --endpoint URL --no-resource-graph` (one list per subscription) in
//! a tmux pane of 120x36 and polls the pane (`tmux capture-pane -p`, what a user sees) every 5 ms.
//!
//! - first full frame: wall time from just before `tmux new-session` (the whole process: start-up,
//!   the subscriptions, the caches, the first draw) until the pane shows Home's title with every cache
//!   (`Azure Cache for Redis · 10000 of 10000`); median and max of the runs, each way;
//! - memory: the console's VmRSS and VmHWM (`/proc/PID/status`) right after that frame, and in the last
//!   run each way again after 30 s of polling (3 s idle interval), Home still showing every cache.
//!
//! Printed and written to target/bench-fleet-console.txt. `GEOREP_BENCH_RUNS=N` (default 5 each way)
//! and `GEOREP_BENCH_POLL_SECS=N` (default 30) change the runs and the polling window.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/cli_support/mod.rs"]
mod cli_support;
#[path = "../tests/support/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use cli_support::{BIN, Serve};
use tmux::{Tmux, sh_quote};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
const FLEET: &str = "10000:100";
const HOME: &str = "Azure Cache for Redis · 10000 of 10000";
/// Longest the bench waits for the first frame.
const BOUND: Duration = Duration::from_secs(60);
/// Variables of the developer's shell that would change what the console does.
const CLEARED: &[&str] =
    &["AZURE_SUBSCRIPTION_ID", "AZURE_ACCESS_TOKEN", "GEOREP_TOKEN", "GEOREP_SERVE_TOKEN", "GEOREP_LOG"];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// VmRSS and VmHWM of process `pid`, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One console run: how long its first full frame took, and its memory then (and after polling).
struct Run {
    first_frame: Duration,
    at_first_frame: (u64, u64),
    after_polling: Option<(u64, u64)>,
}

/// Starts the console in a fresh pane, times its first full frame, and stops it.
fn run(tmux: &mut Tmux, name: &str, url: &str, graph: bool, log: &Path, poll: Option<Duration>) -> Run {
    let unset: String = CLEARED.iter().map(|v| format!("unset {v}; ")).collect();
    let flag = if graph { "" } else { " --no-resource-graph" };
    let script = format!(
        "{unset}exec {} --endpoint {} --log {}{flag}",
        sh_quote(BIN),
        sh_quote(url),
        sh_quote(&log.display().to_string())
    );
    let start = Instant::now();
    tmux.run(name, &script);
    let screen = loop {
        let screen = tmux.screen(name);
        if screen.contains(HOME) {
            break screen;
        }
        assert!(start.elapsed() < BOUND, "no Home with every cache after {BOUND:?}; the screen:\n{screen}");
        std::thread::sleep(Duration::from_millis(5));
    };
    let first_frame = start.elapsed();
    let pid: u32 = tmux.display(name, "#{pane_pid}").parse().expect("the pane's process id");
    let at_first_frame = memory_kib(pid);
    assert!(screen.lines().count() >= usize::from(HEIGHT) - 1, "a whole screen:\n{screen}");
    let after_polling = poll.map(|window| {
        std::thread::sleep(window);
        let screen = tmux.screen(name);
        assert!(screen.contains(HOME), "Home after polling:\n{screen}");
        memory_kib(pid)
    });
    tmux.ok(&["kill-session", "-t", name]);
    // The next run starts on a machine without this console.
    let gone = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() && gone.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(10));
    }
    Run { first_frame, at_first_frame, after_polling }
}

fn summary(report: &mut String, way: &str, runs: &[Run]) {
    let mut times: Vec<Duration> = runs.iter().map(|r| r.first_frame).collect();
    times.sort();
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    let all: Vec<String> = runs.iter().map(|r| format!("{:.0}", r.first_frame.as_secs_f64() * 1000.0)).collect();
    let _ = writeln!(
        report,
        "{way}: first full frame median {:.0} ms, max {:.0} ms ({} runs: {} ms)",
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        runs.len(),
        all.join(", ")
    );
    let rss = runs.iter().map(|r| r.at_first_frame.0).max().unwrap_or(0);
    let hwm = runs.iter().map(|r| r.at_first_frame.1).max().unwrap_or(0);
    let _ = writeln!(
        report,
        "  memory at the first frame (most of the runs): VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        mib(rss),
        mib(hwm)
    );
    for (rss, hwm) in runs.iter().filter_map(|r| r.after_polling) {
        let _ = writeln!(
            report,
            "  memory after {} s of polling (last run): VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            env_number("GEOREP_BENCH_POLL_SECS", 30),
            mib(rss),
            mib(hwm)
        );
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runs = env_number("GEOREP_BENCH_RUNS", 5).max(1);
    let poll = Duration::from_secs(env_number("GEOREP_BENCH_POLL_SECS", 30));
    assert!(tmux::version().is_some(), "the fleet console bench drives the console in tmux: install tmux");
    let serve = Serve::start(1.0, &["--synthetic-fleet", FLEET]);
    let log = serve.dir.path().join("console.log");
    let mut tmux = Tmux::new(&format!("georep-fleet-console-{}", std::process::id()), (WIDTH, HEIGHT), BOUND);
    let (mut graph, mut lists) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let last = (i + 1 == runs).then_some(poll);
        graph.push(run(&mut tmux, &format!("graph{i}"), &serve.url, true, &log, last));
        lists.push(run(&mut tmux, &format!("lists{i}"), &serve.url, false, &log, last));
    }
    let mut report = format!(
        "fleet console bench: `georep serve --synthetic-fleet {FLEET}` (child process), the console in a \
         {WIDTH}x{HEIGHT} tmux pane, from spawn to `{HOME}`\n"
    );
    summary(&mut report, "Resource Graph (georep --endpoint URL)", &graph);
    summary(&mut report, "per-subscription lists (georep --endpoint URL --no-resource-graph)", &lists);
    print!("\n{report}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-fleet-console.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
