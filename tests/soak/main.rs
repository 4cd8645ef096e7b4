//! Soak: link -> unlink cycles from the CLI (the built `georep` binary) and from a headless console,
//! against `georep serve --chaos` that is killed (SIGKILL) and restarted on the same `--state` file at
//! random. It passes when:
//!
//! - every CLI command exits 0 with the state it was asked for, or 1 when a fault was injected or the
//!   emulator restarted while it ran (anything else, a panic or a hang is a failure);
//! - the console never panics, and once the state has settled its screen shows it (linked or not);
//! - no link is lost or doubled: after every cycle both pairs are checked through the API (both entries
//!   or none, mirrored roles, nothing linked to a third cache), a pair changes only when its actor acts,
//!   and the fleet's own link survives every restart.
//!
//! `GEOREP_SOAK_SECS` sets the duration (default 60), `GEOREP_SOAK_SEED` the random sequence. The
//! figures are printed at the end (RELIABILITY.md has a 10-minute run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod console;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

const BIN: &str = env!("CARGO_BIN_EXE_georep");
const SUB: &str = "11111111-2222-3333-4444-555555555555";
const CHAOS: &str = "5xx=0.05,429=0.05,drop=0.01,latency=0-300ms";
const TIME_SCALE: &str = "400";
/// What a CLI failure may report when a fault was injected while it ran: the ARM codes of injected
/// answers, and the one-line report of an answer that never came (a drop).
const FAULT_CODES: [&str; 7] = [
    "InternalServerError",
    "BadGateway",
    "ServiceUnavailable",
    "GatewayTimeout",
    "TooManyRequests",
    "cannot reach ",
    "no answer from ",
];

#[derive(Clone, Copy, Debug)]
struct Pair {
    primary: (&'static str, &'static str),
    secondary: (&'static str, &'static str),
}

/// The CLI's pair, the console's, and the fleet's own link (never touched).
const CLI_PAIR: Pair = Pair {
    primary: ("rg-contoso-catalog", "contoso-catalog-wus"),
    secondary: ("rg-contoso-catalog", "contoso-catalog-neu"),
};
const CONSOLE_PAIR: Pair =
    Pair { primary: ("rg-contoso-prod", "contoso-prod-eus"), secondary: ("rg-contoso-dr", "contoso-dr-weu") };
const FLEET_PAIR: Pair = Pair {
    primary: ("rg-contoso-inventory", "contoso-inventory-eus"),
    secondary: ("rg-contoso-inventory", "contoso-inventory-weu"),
};

fn cache_path((rg, name): (&str, &str)) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Cache/redis/{name}")
}

/// What every actor shares.
struct Soak {
    url: String,
    port: u16,
    dir: PathBuf,
    deadline: Instant,
    restarts: AtomicU64,
    failures: std::sync::Mutex<Vec<String>>,
    http: reqwest::Client,
}

impl Soak {
    fn fail(&self, what: String) {
        eprintln!("soak FAILURE: {what}");
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }

    fn log(&self) -> PathBuf {
        self.dir.join("serve.log")
    }

    /// Faults injected so far, by every emulator run (from their log).
    fn faults(&self) -> (u64, u64, u64) {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let mut counts = (0, 0, 0);
        for line in log.lines().filter(|l| l.contains("chaos: fault injected")) {
            if line.contains("ServerError") {
                counts.0 += 1;
            } else if line.contains("Throttle") {
                counts.1 += 1;
            } else {
                counts.2 += 1;
            }
        }
        counts
    }

    fn fault_total(&self) -> u64 {
        let (a, b, c) = self.faults();
        a + b + c
    }

    fn spawn_serve(&self, seed: u64) -> Child {
        Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port), "--time-scale", TIME_SCALE])
            .arg("--state")
            .arg(self.dir.join("state.json"))
            .arg("--log")
            .arg(self.log())
            .args(["--chaos", &format!("{CHAOS},seed={seed}"), "--header-timeout", "10s", "--no-read-limit"])
            .env("GEOREP_LOG", "info")
            .env_remove("GEOREP_SERVE_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("georep serve starts")
    }

    /// Starts an emulator and waits until it answers (any answer: faults are on).
    async fn start_serve(&self, seed: u64) -> Child {
        for attempt in 0..5 {
            let mut child = self.spawn_serve(seed + attempt);
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until {
                if let Ok(Some(status)) = child.try_wait() {
                    eprintln!("soak: georep serve exited at start ({status}); again");
                    break;
                }
                if self.http.get(format!("{}/subscriptions?api-version=2022-12-01", self.url)).send().await.is_ok() {
                    return child;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill().await;
        }
        panic!("georep serve did not start on port {} in 5 attempts", self.port);
    }

    /// GET through the faults: retried until a 2xx, for at most 60 s.
    async fn get(&self, path: &str) -> Result<Value, String> {
        let until = Instant::now() + Duration::from_secs(60);
        let mut last = String::new();
        while Instant::now() < until {
            match self.http.get(format!("{}{path}", self.url)).send().await {
                Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                    Ok(v) => return Ok(v),
                    Err(e) => last = format!("body: {e}"),
                },
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("GET {path} did not succeed within 60 s; last: {last}"))
    }

    async fn entries(&self, cache: (&str, &str)) -> Result<Vec<Value>, String> {
        let v = self.get(&format!("{}/linkedServers?api-version=2024-11-01", cache_path(cache))).await?;
        Ok(v["value"].as_array().cloned().unwrap_or_default())
    }

    async fn cache_state(&self, cache: (&str, &str)) -> Result<String, String> {
        let v = self.get(&format!("{}?api-version=2024-11-01", cache_path(cache))).await?;
        Ok(v["properties"]["provisioningState"].as_str().unwrap_or("").to_string())
    }

    /// Waits until nothing runs on `pair`, checks its two sides agree, and says whether it is linked.
    async fn settle(&self, pair: Pair) -> Result<bool, String> {
        let until = Instant::now() + Duration::from_secs(90);
        loop {
            let (p, s) = (self.entries(pair.primary).await?, self.entries(pair.secondary).await?);
            let (ps, ss) = (self.cache_state(pair.primary).await?, self.cache_state(pair.secondary).await?);
            let state = |e: &Value| e["properties"]["provisioningState"].as_str().unwrap_or("").to_string();
            let busy = p.iter().chain(&s).any(|e| state(e) != "Succeeded") || ps != "Succeeded" || ss != "Succeeded";
            if !busy {
                return check_pair(pair, &p, &s);
            }
            if Instant::now() > until {
                return Err(format!("{pair:?} still busy after 90 s: {ps}/{ss}, entries {p:?} / {s:?}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Both entries or none; each names the other with mirrored roles; nothing else.
fn check_pair(pair: Pair, p: &[Value], s: &[Value]) -> Result<bool, String> {
    let name = |e: &Value| e["name"].as_str().unwrap_or("").to_ascii_lowercase();
    let role = |e: &Value| e["properties"]["serverRole"].as_str().unwrap_or("").to_string();
    match (p, s) {
        ([], []) => Ok(false),
        ([pe], [se])
            if name(pe) == pair.secondary.1
                && name(se) == pair.primary.1
                && role(pe) == "Secondary"
                && role(se) == "Primary" =>
        {
            Ok(true)
        }
        _ => Err(format!("{pair:?}: lost, half or doubled link: primary lists {p:?}, secondary lists {s:?}")),
    }
}

/// Kills and restarts the emulator at random until the deadline; returns the one running at the end.
async fn monkey(soak: Arc<Soak>, child: Arc<Mutex<Child>>, seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    loop {
        let wait = Duration::from_millis(rng.random_range(2_000..9_000));
        if Instant::now() + wait > soak.deadline {
            return;
        }
        tokio::time::sleep(wait).await;
        let mut c = child.lock().await;
        // Counted before the kill: a command that fails on it must find the restart counted.
        let n = soak.restarts.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = c.kill().await;
        *c = soak.start_serve(seed.wrapping_add(n * 100)).await;
    }
}

#[derive(Default, Debug)]
struct CliStats {
    commands: u64,
    succeeded: u64,
    failed_with_cause: u64,
}

/// Link, unlink, link... of [`CLI_PAIR`] with the `georep` binary.
async fn cli_actor(soak: Arc<Soak>) -> CliStats {
    let mut stats = CliStats::default();
    let mut expected: Option<bool> = None;
    while Instant::now() < soak.deadline {
        let linked = match soak.settle(CLI_PAIR).await {
            Ok(l) => l,
            Err(e) => {
                soak.fail(format!("CLI pair: {e}"));
                return stats;
            }
        };
        if let Err(e) =
            soak.settle(FLEET_PAIR).await.and_then(|l| l.then_some(()).ok_or("the fleet's link is gone".into()))
        {
            soak.fail(format!("fleet link: {e}"));
        }
        if expected.is_some_and(|e| e != linked) {
            soak.fail(format!("the CLI pair went from linked={expected:?} to {linked} with no command"));
        }
        let (p, s) = (CLI_PAIR.primary, CLI_PAIR.secondary);
        let mut args = vec!["--endpoint", soak.url.as_str()];
        if linked {
            args.extend(["unlink", "--name", p.1, "--resource-group", p.0, "--linked-server-name", s.1]);
        } else {
            args.extend(["link", "--name", p.1, "--resource-group", p.0, "--server-to-link", s.1]);
        }
        args.extend(["--poll-interval", "0.5"]);
        let (faults, restarts) = (soak.fault_total(), soak.restarts.load(Ordering::SeqCst));
        let mut cmd = Command::new(BIN);
        cmd.args(&args).stdin(Stdio::null()).kill_on_drop(true);
        for v in ["AZURE_SUBSCRIPTION_ID", "AZURE_ACCESS_TOKEN", "GEOREP_TOKEN", "GEOREP_LOG"] {
            cmd.env_remove(v);
        }
        let out = match tokio::time::timeout(Duration::from_secs(180), cmd.output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => panic!("cannot run georep: {e}"),
            Err(_) => {
                soak.fail(format!("georep {args:?} did not end within 180 s"));
                continue;
            }
        };
        stats.commands += 1;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let caused = soak.fault_total() > faults || soak.restarts.load(Ordering::SeqCst) > restarts;
        let now = match soak.settle(CLI_PAIR).await {
            Ok(l) => l,
            Err(e) => {
                soak.fail(format!("after georep {args:?}: {e}"));
                return stats;
            }
        };
        match out.status.code() {
            Some(0) if now != linked => stats.succeeded += 1,
            Some(0) => soak.fail(format!("georep {args:?} exited 0 but the pair is linked={now}; stderr:\n{stderr}")),
            Some(1) if stderr.contains("panicked") => soak.fail(format!("georep {args:?} panicked:\n{stderr}")),
            Some(1)
                if caused
                    && (soak.restarts.load(Ordering::SeqCst) > restarts
                        || FAULT_CODES.iter().any(|c| stderr.contains(c))) =>
            {
                stats.failed_with_cause += 1
            }
            Some(1) => soak.fail(format!(
                "georep {args:?} exited 1 with no injected fault or restart to explain it; stderr:\n{stderr}"
            )),
            other => soak.fail(format!("georep {args:?} ended with {other:?}; stderr:\n{stderr}")),
        }
        expected = Some(now);
    }
    stats
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn seconds() -> u64 {
    std::env::var("GEOREP_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

fn summary(soak: &Soak, secs: u64, cli: &CliStats, con: &console::ConsoleStats, seed: u64) -> String {
    let (e5, e429, drops) = soak.faults();
    let failures = soak.failures.lock().unwrap_or_else(|e| e.into_inner()).len();
    format!(
        "soak: {secs} s, seed {seed}: {} CLI commands ({} succeeded, {} failed with an injected fault or restart to explain it), {} console actions ({} cycles skipped while it loaded), {} faults injected ({e5} 5xx, {e429} 429, {drops} drops), {} restarts, {failures} failures",
        cli.commands,
        cli.succeeded,
        cli.failed_with_cause,
        con.actions,
        con.skipped,
        e5 + e429 + drops,
        soak.restarts.load(Ordering::SeqCst)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_unlink_cycles_survive_faults_and_restarts() {
    let secs = seconds();
    let seed = std::env::var("GEOREP_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1)
    });
    eprintln!("soak: {secs} s, GEOREP_SOAK_SEED={seed}");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let soak = Arc::new(Soak {
        url: format!("http://127.0.0.1:{port}"),
        port,
        dir: dir.path().to_path_buf(),
        deadline: Instant::now() + Duration::from_secs(secs),
        restarts: AtomicU64::new(0),
        failures: std::sync::Mutex::new(Vec::new()),
        http: reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("client"),
    });
    let child = Arc::new(Mutex::new(soak.start_serve(seed).await));
    let monkey = tokio::spawn(monkey(soak.clone(), child.clone(), seed));
    let cli = tokio::spawn(cli_actor(soak.clone()));
    let con = console::console_actor(&soak).await;
    let cli = cli.await.expect("the CLI actor");
    monkey.await.expect("the monkey");

    // The last word: both pairs settled and consistent, the fleet's link there.
    for pair in [CLI_PAIR, CONSOLE_PAIR] {
        if let Err(e) = soak.settle(pair).await {
            soak.fail(format!("at the end: {e}"));
        }
    }
    if !matches!(soak.settle(FLEET_PAIR).await, Ok(true)) {
        soak.fail("at the end: the fleet's link is gone".into());
    }
    let _ = child.lock().await.kill().await;
    let line = summary(&soak, secs, &cli, &con, seed);
    println!("{line}");
    eprintln!("{line}");
    let failures = soak.failures.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if !failures.is_empty() {
        let kept = dir.keep();
        eprintln!("soak: the emulator's log and state are kept in {}", kept.display());
    }
    assert!(failures.is_empty(), "{line}\n{}", failures.join("\n---\n"));
    assert!(cli.commands > 0 && con.actions > 0, "{line}");
}
