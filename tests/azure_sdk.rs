//! The official Azure SDK for Python drives the emulator. `azure-mgmt-redis`: lists caches, gets one,
//! links two with `linked_server.begin_create(...).result()`, reads both sides with `linked_server.list`
//! and unlinks with `begin_delete(...).result()`; `azure-mgmt-monitor` reads the demo link's
//! geo-replication metrics per shard with `metrics.list`. The flow itself is tests/python/sdk_flow.py; this test
//! makes a venv under target/ (reused when it already has the packages), starts the emulator in-process
//! on 127.0.0.1:0 and runs the script against it. `azure-mgmt-resourcegraph` pages through Resource
//! Graph over a synthetic fleet of 2,500 caches (tests/python/sdk_graph.py). `azure-mgmt-redisenterprise`
//! lists Managed Redis clusters and databases, creates a database into a group and waits for it,
//! force-unlinks it and flushes, and azure-mgmt-monitor reads its geoReplicationHealthy
//! (tests/python/sdk_enterprise.py).
//!
//! Without python3, venv or pip (or PyPI) the test prints why and passes as skipped, unless
//! `GEOREP_REQUIRE_PYTHON=1` (as .ci/run sets), when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use georep::emulator::{Config, Emulator};

/// What the venv needs; recorded in the venv so a changed requirement reinstalls.
/// 14.5.0 speaks api-version 2024-11-01, the emulator's.
/// azure-mgmt-monitor 7.0.0 reads metrics with api-version 2024-02-01 (the emulator accepts it and 2023-10-01).
/// azure-mgmt-resourcegraph 8.x sends 2021-03-01 (the emulator accepts it and 2024-04-01).
/// azure-mgmt-redisenterprise 3.1.0 speaks api-version 2025-07-01, the emulator's Managed Redis version.
const REQUIREMENTS: &[&str] = &[
    "azure-mgmt-redis==14.5.0",
    "azure-mgmt-monitor==7.0.0",
    "azure-mgmt-resourcegraph==8.0.1",
    "azure-mgmt-redisenterprise==3.1.0",
];
/// The emulator requires this bearer token, so the test also shows the SDK sends one.
const TOKEN: &str = "georep-sdk-test";
/// 50 model seconds per second: Retry-After is 1 s, the link takes ~3 s and the unlink ~2 s.
const TIME_SCALE: f64 = 50.0;
const PIP_TIMEOUT: Duration = Duration::from_secs(300);
const FLOW_TIMEOUT: Duration = Duration::from_secs(120);

fn python_required() -> bool {
    std::env::var("GEOREP_REQUIRE_PYTHON").is_ok_and(|v| v == "1")
}

/// Skips the test (prints why) or, when Python is required, fails it.
fn unavailable(why: String) {
    if python_required() {
        panic!("GEOREP_REQUIRE_PYTHON=1 but the Azure SDK for Python cannot run: {why}");
    }
    eprintln!("SKIPPED azure_sdk: {why} (set GEOREP_REQUIRE_PYTHON=1 to make this a failure)");
}

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` to completion, killing it after `limit`.
fn run(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                let (o, e) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
                return Err(format!("{what} did not finish within {limit:?}\n--- stdout\n{o}\n--- stderr\n{e}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for {what}: {e}")),
        }
    };
    Ok(Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() })
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp, so this follows CARGO_TARGET_DIR too.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The venv's python when the venv has the SDK; else makes it. Err says why Python is unavailable.
fn sdk_python() -> Result<PathBuf, String> {
    let target = target_dir();
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    // Other cargo test runs share target/: one at a time makes or checks the venv.
    let lock_path = target.join("python-sdk-venv.lock");
    let lock = File::create(&lock_path).map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;

    let venv = target.join("python-sdk-venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join("georep-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    let has_sdk = || {
        fs::read_to_string(&stamp).is_ok_and(|s| s == wanted)
            && run(
                Command::new(&python)
                    .args(["-c", "import azure.mgmt.redis, azure.mgmt.monitor, azure.mgmt.resourcegraph, azure.mgmt.redisenterprise, azure.core"]),
                Duration::from_secs(60),
            )
            .is_ok_and(|o| o.status.success())
    };
    if has_sdk() {
        return Ok(python);
    }

    let base = std::env::var("GEOREP_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let version = run(Command::new(&base).arg("--version"), Duration::from_secs(30))?;
    if !version.status.success() {
        return Err(format!("`{base} --version` failed: {}", version.stderr.trim()));
    }
    eprintln!("azure_sdk: making {} with {}", venv.display(), version.stdout.trim());
    let made = run(Command::new(&base).arg("-m").arg("venv").arg("--clear").arg(&venv), Duration::from_secs(120))?;
    if !made.status.success() {
        return Err(format!(
            "`{base} -m venv` failed (on Debian: apt-get install python3-venv): {}",
            made.stderr.trim()
        ));
    }
    eprintln!("azure_sdk: pip install {}", REQUIREMENTS.join(" "));
    let started = Instant::now();
    let pip = run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"])
            .args(REQUIREMENTS)
            .env("PIP_NO_INPUT", "1"),
        PIP_TIMEOUT,
    )?;
    if !pip.status.success() {
        return Err(format!("pip install {} failed:\n{}\n{}", REQUIREMENTS.join(" "), pip.stdout, pip.stderr));
    }
    eprintln!("azure_sdk: pip install took {:.1}s", started.elapsed().as_secs_f64());
    fs::write(&stamp, &wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    if !has_sdk() {
        return Err("the venv still cannot import the SDK packages after pip install".to_string());
    }
    Ok(python)
}

#[test]
fn azure_sdk_for_python_drives_the_emulator() {
    let python = match sdk_python() {
        Ok(p) => p,
        Err(why) => return unavailable(why),
    };

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    let config = Config { time_scale: TIME_SCALE, token: Some(TOKEN.to_string()), ..Default::default() };
    let running = rt
        .block_on(async { Emulator::simulated(config).expect("emulator").bind("127.0.0.1:0".parse().unwrap()).await })
        .expect("bind the emulator");
    let url = running.url();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_flow.py");
    let started = Instant::now();
    let result = run(
        Command::new(&python)
            .arg(&script)
            .args(["--url", &url, "--token", TOKEN, "--timeout", "60"])
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        FLOW_TIMEOUT,
    );
    rt.block_on(running.shutdown());
    let out = result.unwrap_or_else(|e| panic!("{e}"));
    println!("--- sdk_flow.py stdout ({:.1}s)\n{}", started.elapsed().as_secs_f64(), out.stdout);
    println!("--- sdk_flow.py stderr\n{}", out.stderr);

    assert!(out.status.success(), "sdk_flow.py failed with {}:\n{}\n{}", out.status, out.stdout, out.stderr);
    for expected in [
        "redis.list_by_subscription: ",
        "redis.list_by_resource_group(rg-contoso-prod): ",
        "redis.get: contoso-prod-eus (East US, Premium P2), contoso-dr-wus2 (West US 2, Premium P3)",
        "linked_server.begin_create: InProgress; primary is Linking",
        "begin_create(...).result(): contoso-dr-wus2 role Secondary, provisioningState Succeeded",
        "linked_server.list: contoso-prod-eus -> contoso-dr-wus2 (Secondary, Succeeded); \
         contoso-dr-wus2 -> contoso-prod-eus (Primary, Succeeded)",
        "linked_server.begin_delete: InProgress; primary is Unlinking",
        "begin_delete(...).result(): Succeeded",
        "linked_server.list: both empty",
        "metrics.list(contoso-inventory-weu): interval PT1H, Healthy 1 on shard 0, full syncs started 1",
        "metrics.list(contoso-inventory-eus): Data Sync Offset on the primary only, now ",
        "metrics.list(unknown metric): HttpResponseError 400",
        "sdk flow: ok",
    ] {
        assert!(out.stdout.contains(expected), "sdk_flow.py output lacks {expected:?}:\n{}", out.stdout);
    }
}

#[test]
fn azure_sdk_for_python_pages_through_resource_graph() {
    use georep::emulator::synthetic::{SyntheticSpec, generate};

    let python = match sdk_python() {
        Ok(p) => p,
        Err(why) => return unavailable(why),
    };
    let fleet = generate(SyntheticSpec { caches: 2_500, subscriptions: 25, seed: 12 });
    let subs: Vec<String> = serde_json::from_str::<serde_json::Value>(&fleet).expect("fleet")["subscriptions"]
        .as_array()
        .expect("subscriptions")
        .iter()
        .map(|s| s["subscriptionId"].as_str().expect("id").to_string())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    let config = Config { fleet, token: Some(TOKEN.to_string()), ..Default::default() };
    let running = rt
        .block_on(async { Emulator::simulated(config).expect("emulator").bind("127.0.0.1:0".parse().unwrap()).await })
        .expect("bind the emulator");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_graph.py");
    let result = run(
        Command::new(&python)
            .arg(&script)
            .args(["--url", &running.url(), "--token", TOKEN, "--subscriptions", &subs.join(","), "--expect", "2500"])
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        FLOW_TIMEOUT,
    );
    rt.block_on(running.shutdown());
    let out = result.unwrap_or_else(|e| panic!("{e}"));
    println!("--- sdk_graph.py stdout\n{}\n--- stderr\n{}", out.stdout, out.stderr);
    assert!(out.status.success(), "sdk_graph.py failed with {}:\n{}\n{}", out.status, out.stdout, out.stderr);
    for expected in ["api-version 2021-03-01", "resources: 2500 caches in 3 pages, each once", "sdk graph: ok"] {
        assert!(out.stdout.contains(expected), "sdk_graph.py output lacks {expected:?}:\n{}", out.stdout);
    }
}

#[test]
fn azure_sdk_for_python_drives_managed_redis() {
    let python = match sdk_python() {
        Ok(p) => p,
        Err(why) => return unavailable(why),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    let config = Config { time_scale: TIME_SCALE, token: Some(TOKEN.to_string()), ..Default::default() };
    let running = rt
        .block_on(async { Emulator::simulated(config).expect("emulator").bind("127.0.0.1:0".parse().unwrap()).await })
        .expect("bind the emulator");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_enterprise.py");
    let result = run(
        Command::new(&python)
            .arg(&script)
            .args(["--url", &running.url(), "--token", TOKEN])
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        FLOW_TIMEOUT,
    );
    rt.block_on(running.shutdown());
    let out = result.unwrap_or_else(|e| panic!("{e}"));
    println!("--- sdk_enterprise.py stdout\n{}\n--- stderr\n{}", out.stdout, out.stderr);
    assert!(out.status.success(), "sdk_enterprise.py failed with {}:\n{}\n{}", out.status, out.stdout, out.stderr);
    for expected in [
        "api-version 2025-07-01",
        "redis_enterprise.list: 15 clusters; get: amr-orders-eus (East US, Balanced_B5)",
        "databases.list_by_cluster: amr-orders-eus/default in orders-geo with 3 members, all Linked",
        "databases.begin_create: InProgress",
        "begin_create(...).result(): amr-orders-jpe/default Succeeded, 4 members Linked",
        "begin_force_unlink(not a member): HttpResponseError 400 NotInGroup",
        "begin_force_unlink(...).result(): amr-orders-jpe unlinked; amr-orders-eus lists 3 members",
        "begin_flush(...).result(): keys",
        "newest maximum 1.0",
        "sdk enterprise: ok",
    ] {
        assert!(out.stdout.contains(expected), "sdk_enterprise.py output lacks {expected:?}:\n{}", out.stdout);
    }
}
