//! Restart with state (`--state FILE`): a link or unlink in flight survives a shutdown, and a kill -9
//! of `georep serve`, and finishes after the restart; a corrupt state file is a clear error and is left
//! as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::emulator::start;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use georep::arm::OperationState;
use georep::emulator::store::{self, State};
use georep::emulator::{Config, Emulator};
use georep::geo::LinkPhase;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const API: &str = "2024-11-01";
const SUB: &str = "22222222-0000-0000-0000-000000000002";
const RG: &str = "rg-restart";
const PRIMARY: &str = "restart-eus";
const SECONDARY: &str = "restart-weu";
/// Model seconds per real second: the fixture's link takes about 3.5 s, its unlink about 2.25 s.
const TIME_SCALE: f64 = 40.0;

fn fleet_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleets/restart-pair.json")
}

fn fleet_text() -> String {
    std::fs::read_to_string(fleet_path()).expect("fixture fleet")
}

fn client() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("reqwest client")
}

fn cache_path(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redis/{name}")
}

fn cache_id(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/Redis/{name}")
}

fn link_path(cache: &str, linked: &str) -> String {
    format!("{}/linkedServers/{linked}", cache_path(cache))
}

/// The path and query of an absolute URL, to ask whichever server is running now.
fn path_and_query(url: &str) -> String {
    let u = reqwest::Url::parse(url).expect("absolute URL");
    format!("{}?{}", u.path(), u.query().unwrap_or(""))
}

/// Talks to one emulator, in-process or a child process, at `base`.
struct Api {
    base: String,
    http: Client,
}

impl Api {
    fn new(base: String) -> Self {
        Api { base, http: client() }
    }

    fn api(&self, path: &str) -> String {
        format!("{}{path}?api-version={API}", self.base)
    }

    async fn get(&self, url: &str) -> (StatusCode, Value) {
        let resp = self.http.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "GET {url}: {body}");
        (status, body)
    }

    async fn get_ok(&self, url: &str) -> Value {
        let (status, body) = self.get(url).await;
        assert_eq!(status, StatusCode::OK, "GET {url}: {body}");
        body
    }

    async fn cache(&self, name: &str) -> Value {
        self.get_ok(&self.api(&cache_path(name))).await
    }

    async fn links(&self, name: &str) -> Vec<Value> {
        self.get_ok(&self.api(&format!("{}/linkedServers", cache_path(name)))).await["value"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The operation at `op` (path and query), on this server.
    async fn operation(&self, op: &str) -> Value {
        self.get_ok(&format!("{}{op}", self.base)).await
    }

    /// PUT the link PRIMARY -> SECONDARY; returns the operation's path and query.
    async fn link(&self) -> String {
        let body = json!({"properties": {
            "linkedRedisCacheId": cache_id(SECONDARY),
            "linkedRedisCacheLocation": "West Europe",
            "serverRole": "Secondary",
        }});
        let resp = self.http.put(self.api(&link_path(PRIMARY, SECONDARY))).json(&body).send().await.expect("PUT link");
        assert_eq!(resp.status(), StatusCode::CREATED);
        let op =
            resp.headers().get("azure-asyncoperation").expect("Azure-AsyncOperation").to_str().unwrap().to_string();
        path_and_query(&op)
    }

    /// DELETE the link; returns the operation's path and query.
    async fn unlink(&self) -> String {
        let resp = self.http.delete(self.api(&link_path(PRIMARY, SECONDARY))).send().await.expect("DELETE link");
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let op =
            resp.headers().get("azure-asyncoperation").expect("Azure-AsyncOperation").to_str().unwrap().to_string();
        path_and_query(&op)
    }

    /// Polls `op` until it ends (or `until` says stop early); percentComplete never falls below `floor`.
    /// Returns the last status body.
    async fn poll(&self, op: &str, floor: &mut f64, deadline: Instant, until: impl Fn(&Value) -> bool) -> Value {
        loop {
            assert!(Instant::now() < deadline, "operation {op} did not get there in time");
            let body = self.operation(op).await;
            let pct = body["percentComplete"].as_f64().unwrap_or(0.0);
            assert!(pct >= *floor, "percentComplete fell from {floor} to {pct}: {body}");
            *floor = pct;
            if body["status"] != "InProgress" || until(&body) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Both sides as a finished link shows them.
    async fn assert_linked(&self) {
        let (p, s) = (self.cache(PRIMARY).await, self.cache(SECONDARY).await);
        assert_eq!(p["properties"]["provisioningState"], "Succeeded", "{p}");
        assert_eq!(s["properties"]["provisioningState"], "Succeeded", "{s}");
        let on_p = self.links(PRIMARY).await;
        let on_s = self.links(SECONDARY).await;
        assert_eq!(on_p.len(), 1, "{on_p:?}");
        assert_eq!(on_s.len(), 1, "{on_s:?}");
        assert_eq!(on_p[0]["name"], SECONDARY);
        assert_eq!(on_p[0]["properties"]["serverRole"], "Secondary");
        assert_eq!(on_p[0]["properties"]["provisioningState"], "Succeeded");
        assert_eq!(on_s[0]["name"], PRIMARY);
        assert_eq!(on_s[0]["properties"]["serverRole"], "Primary");
        assert_eq!(on_s[0]["properties"]["provisioningState"], "Succeeded");
        let (dp, ds) = (&p["properties"]["dataPlane"], &s["properties"]["dataPlane"]);
        assert_eq!(dp["datasetBytes"], 1_440_000_000u64);
        assert_eq!(ds["datasetBytes"], dp["datasetBytes"]);
        assert_eq!(ds["datasetKeys"], dp["datasetKeys"]);
        assert_eq!(ds["writable"], false);
        assert_eq!(dp["writable"], true);
    }

    /// Both sides as a finished unlink leaves them.
    async fn assert_unlinked(&self) {
        let (p, s) = (self.cache(PRIMARY).await, self.cache(SECONDARY).await);
        assert_eq!(p["properties"]["provisioningState"], "Succeeded", "{p}");
        assert_eq!(s["properties"]["provisioningState"], "Succeeded", "{s}");
        assert!(self.links(PRIMARY).await.is_empty());
        assert!(self.links(SECONDARY).await.is_empty());
        let (dp, ds) = (&p["properties"]["dataPlane"], &s["properties"]["dataPlane"]);
        assert_eq!(ds["datasetBytes"], dp["datasetBytes"], "the secondary keeps the replicated data");
        assert_eq!(ds["datasetKeys"], dp["datasetKeys"]);
        assert_eq!(ds["writable"], true);
    }
}

/// The state file as the emulator reads it.
fn on_disk(path: &Path) -> State {
    store::read_state(path).expect("state file readable").expect("state file exists")
}

/// The status and percent of the operation at `op` (its URL) in a state.
fn op_in(state: &State, op: &str) -> (OperationState, f64) {
    let id = op.split("/asyncOperations/").nth(1).unwrap().split('?').next().unwrap();
    let o = state
        .operations
        .iter()
        .find(|o| o.id.to_string() == id)
        .unwrap_or_else(|| panic!("operation {id} not in the state file"));
    (o.status.clone(), o.percent_complete)
}

fn link_phase(state: &State) -> Option<LinkPhase> {
    state.topology.links().first().map(|l| l.phase)
}

// ---------------------------------------------------------------------------------------------------
// In-process

#[tokio::test(flavor = "multi_thread")]
async fn a_change_the_state_file_cannot_take_is_not_acknowledged() {
    // The state file's directory goes away after start (as a full disk would fail the write).
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("state");
    std::fs::create_dir(&sub).unwrap();
    let state_file = sub.join("state.json");
    let config =
        Config { fleet: fleet_text(), state_file: Some(state_file), time_scale: TIME_SCALE, ..Config::default() };
    let run = start(config).await;
    std::fs::remove_dir_all(&sub).unwrap();
    let api = Api::new(run.url());
    let body = json!({"properties": {
        "linkedRedisCacheId": cache_id(SECONDARY),
        "linkedRedisCacheLocation": "West Europe",
        "serverRole": "Secondary",
    }});
    let resp = api.http.put(api.api(&link_path(PRIMARY, SECONDARY))).json(&body).send().await.expect("PUT link");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "a link the file does not hold was acknowledged");
    assert!(resp.headers().contains_key("retry-after"));
    let err: Value = resp.json().await.expect("an ARM error body");
    assert_eq!(err["error"]["code"], "StateNotSaved", "{err}");
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_flight_link_survives_a_restart_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let config = Config {
        fleet: fleet_text(),
        state_file: Some(state_file.clone()),
        time_scale: TIME_SCALE,
        ..Config::default()
    };
    let deadline = Instant::now() + Duration::from_secs(60);

    let run = start(config.clone()).await;
    assert!(state_file.exists(), "the state file is written at start");
    let api = Api::new(run.url());
    let op = api.link().await;
    run.shutdown().await;

    // On disk: the link and its running operation.
    let state = on_disk(&state_file);
    assert_eq!(op_in(&state, &op).0, OperationState::InProgress);
    assert_eq!(link_phase(&state), Some(LinkPhase::Creating));
    let bytes = std::fs::read(&state_file).unwrap();

    // A new emulator from the same file (its fleet is not used: the state file wins).
    let again = Config { fleet: "not a fleet".into(), ..config.clone() };
    let run = start(again).await;
    let api = Api::new(run.url());
    let body = api.operation(&op).await;
    assert_eq!(body["status"], "InProgress", "{body}");
    assert_eq!(api.cache(PRIMARY).await["properties"]["provisioningState"], "Linking");
    assert_eq!(api.cache(SECONDARY).await["properties"]["provisioningState"], "Linking");
    assert_eq!(api.links(PRIMARY).await[0]["properties"]["serverRole"], "Secondary");
    assert_eq!(api.links(SECONDARY).await[0]["properties"]["serverRole"], "Primary");
    let mut floor = 0.0;
    let done = api.poll(&op, &mut floor, deadline, |_| false).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(done["percentComplete"].as_f64(), Some(100.0));
    api.assert_linked().await;
    run.shutdown().await;
    assert_ne!(std::fs::read(&state_file).unwrap(), bytes, "the finished link was written");

    // And a third start sees the finished link.
    let run = start(config).await;
    let api = Api::new(run.url());
    assert_eq!(api.operation(&op).await["status"], "Succeeded");
    api.assert_linked().await;
    run.shutdown().await;
    assert_eq!(link_phase(&on_disk(&state_file)), Some(LinkPhase::Succeeded));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp")),
        "a temporary file was left behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_state_file_is_refused_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    std::fs::write(&state_file, b"{\"format\": 1, \"caches\": [").unwrap();
    let config = Config { fleet: fleet_text(), state_file: Some(state_file.clone()), ..Config::default() };
    let err = Emulator::simulated(config).err().expect("a corrupt state file is an error").to_string();
    assert!(err.contains(&state_file.display().to_string()), "{err}");
    assert_eq!(std::fs::read(&state_file).unwrap(), b"{\"format\": 1, \"caches\": [");
}

/// A kill during a state write leaves `.state.json.tmp-<pid>`: the next start removes those whose
/// writer is gone, keeps one whose writer still runs, and loads the state file as it was.
#[tokio::test(flavor = "multi_thread")]
async fn temporary_files_of_a_killed_writer_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let config = Config {
        fleet: fleet_text(),
        state_file: Some(state_file.clone()),
        time_scale: TIME_SCALE,
        ..Config::default()
    };
    let run = start(config.clone()).await;
    let op = Api::new(run.url()).link().await;
    run.shutdown().await;

    // Writers that were killed: processes that have ended (and been reaped).
    let mut stale = Vec::new();
    for _ in 0..3 {
        let mut gone = Command::new("true").spawn().expect("spawn true");
        gone.wait().unwrap();
        let path = dir.path().join(format!(".state.json.tmp-{}", gone.id()));
        std::fs::write(&path, b"{\"format\": 1, \"caches\": {").unwrap();
        stale.push(path);
    }
    // A writer that still runs.
    let mut alive = Command::new("sleep").arg("60").spawn().expect("spawn sleep");
    let kept = dir.path().join(format!(".state.json.tmp-{}", alive.id()));
    std::fs::write(&kept, b"partial").unwrap();
    // Not a temporary file of this state file.
    let other = dir.path().join(".other.json.tmp-1");
    std::fs::write(&other, b"x").unwrap();

    let run = start(config).await;
    for path in &stale {
        assert!(!path.exists(), "{} was left behind", path.display());
    }
    assert!(kept.exists(), "the file of a writer that still runs was removed");
    assert!(other.exists(), "a file of another state file was removed");
    let api = Api::new(run.url());
    assert_eq!(api.operation(&op).await["status"], "InProgress", "the state file loaded as it was");
    assert_eq!(api.cache(PRIMARY).await["properties"]["provisioningState"], "Linking");
    run.shutdown().await;
    let _ = alive.kill();
    let _ = alive.wait();
}

// ---------------------------------------------------------------------------------------------------
// The real binary

/// A `georep serve` child process, killed (SIGKILL) and reaped when dropped.
struct Serve {
    child: Child,
    base: String,
    stderr: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// kill -9, and wait for the process to be gone.
    fn kill9(mut self) {
        self.child.kill().expect("kill");
        let status = self.child.wait().expect("wait");
        assert!(!status.success(), "{status}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve_command(dir: &Path, args: &[&str], stderr: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_georep"));
    cmd.arg("serve")
        .args(args)
        .arg("--log")
        .arg(dir.join("serve.log"))
        .env_remove("GEOREP_SERVE_TOKEN")
        .env_remove("GEOREP_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(stderr).expect("stderr file"));
    cmd
}

/// Starts `georep serve` on a free port with the state file and the fixture fleet, and waits until it
/// answers. Retries on another port if the one picked was taken in between.
async fn serve(dir: &Path, state: &Path) -> Serve {
    let http = client();
    for attempt in 0..5 {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let stderr = dir.join(format!("stderr-{port}-{attempt}.txt"));
        let fleet = fleet_path();
        let scale = TIME_SCALE.to_string();
        let args = [
            "--listen",
            &listen,
            "--state",
            state.to_str().unwrap(),
            "--fleet",
            fleet.to_str().unwrap(),
            "--time-scale",
            &scale,
        ];
        let child = serve_command(dir, &args, &stderr).spawn().expect("spawn georep serve");
        let mut server = Serve { child, base: format!("http://{listen}"), stderr };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                let err = std::fs::read_to_string(&server.stderr).unwrap_or_default();
                if err.contains("cannot listen") {
                    break;
                }
                panic!("georep serve exited with {status}: {err}");
            }
            let ready = http.get(format!("{}/subscriptions?api-version=2022-12-01", server.base)).send().await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return server;
            }
            assert!(Instant::now() < deadline, "georep serve did not answer within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("no free port after 5 attempts");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_operation_then_restart_resumes_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut floor = 0.0;

    // Link, and kill -9 while the secondary is still being provisioned.
    let server = serve(dir.path(), &state).await;
    let api = Api::new(server.base.clone());
    let before = api.cache(SECONDARY).await;
    assert_eq!(before["properties"]["dataPlane"]["datasetBytes"], 5_000_000);
    let op = api.link().await;
    assert_eq!(api.cache(PRIMARY).await["properties"]["provisioningState"], "Linking");
    server.kill9();
    let disk = on_disk(&state);
    assert_eq!(op_in(&disk, &op).0, OperationState::InProgress, "the operation was on disk before the kill");
    assert_eq!(link_phase(&disk), Some(LinkPhase::Creating));

    // Restart: the operation is still running; wait for the initial sync, and kill -9 again in it.
    let server = serve(dir.path(), &state).await;
    let api = Api::new(server.base.clone());
    let body = api.operation(&op).await;
    assert_eq!(body["status"], "InProgress", "{body}");
    assert_eq!(api.cache(SECONDARY).await["properties"]["provisioningState"], "Linking");
    loop {
        assert!(Instant::now() < deadline, "never saw the link syncing");
        let entry = api.get_ok(&api.api(&link_path(PRIMARY, SECONDARY))).await;
        let body = api.poll(&op, &mut floor, deadline, |_| true).await;
        assert_eq!(body["status"], "InProgress", "the link finished before it was seen syncing: {body}");
        if entry["properties"]["provisioningState"] == "Syncing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill9();
    let disk = on_disk(&state);
    assert_eq!(op_in(&disk, &op).0, OperationState::InProgress);
    assert_eq!(link_phase(&disk), Some(LinkPhase::Syncing), "the sync phase was written at once");

    // Restart again: it finishes, with both sides right.
    let server = serve(dir.path(), &state).await;
    let api = Api::new(server.base.clone());
    let done = api.poll(&op, &mut floor, deadline, |_| false).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(done["percentComplete"].as_f64(), Some(100.0));
    api.assert_linked().await;

    // Unlink, kill -9 while unlinking, restart: the unlink finishes and the secondary keeps the data.
    let op = api.unlink().await;
    assert_eq!(api.cache(SECONDARY).await["properties"]["provisioningState"], "Unlinking");
    server.kill9();
    assert_eq!(op_in(&on_disk(&state), &op).0, OperationState::InProgress);
    assert_eq!(link_phase(&on_disk(&state)), Some(LinkPhase::Deleting));
    let server = serve(dir.path(), &state).await;
    let api = Api::new(server.base.clone());
    let mut floor = 0.0;
    let done = api.poll(&op, &mut floor, deadline, |_| false).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    api.assert_unlinked().await;
    drop(server);
    assert_eq!(link_phase(&on_disk(&state)), None);
}

/// Runs `georep serve` on `state` and expects it to exit non-zero; returns its stderr.
async fn serve_expecting_failure(dir: &Path, state: &Path) -> String {
    let stderr = dir.join("stderr-fail.txt");
    let fleet = fleet_path();
    let args = ["--listen", "127.0.0.1:0", "--state", state.to_str().unwrap(), "--fleet", fleet.to_str().unwrap()];
    let child = serve_command(dir, &args, &stderr).spawn().expect("spawn georep serve");
    let mut server = Serve { child, base: String::new(), stderr };
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "georep serve kept running on a corrupt state file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success(), "georep serve exited with {status} on a corrupt state file");
    std::fs::read_to_string(&server.stderr).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_state_file_stops_serve_and_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();

    // A valid state file to spoil in various ways.
    let good_path = dir.path().join("good.json");
    let run = start(Config { fleet: fleet_text(), state_file: Some(good_path.clone()), ..Config::default() }).await;
    run.shutdown().await;
    let good = std::fs::read(&good_path).unwrap();
    let good_text = String::from_utf8(good.clone()).unwrap();

    assert!(good_text.contains("\"format\":1"), "{good_text}");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", b"this is not JSON \x00\xff".to_vec(), "corrupt"),
        ("empty", Vec::new(), "corrupt"),
        ("truncated", good[..good.len() / 2].to_vec(), "corrupt"),
        ("wrong shape", br#"{"format": 1, "caches": "none"}"#.to_vec(), "corrupt"),
        ("another format", good_text.replacen("\"format\":1", "\"format\":99", 1).into_bytes(), "format 99"),
        ("another format, other fields", br#"{"format": 7, "somethingElse": true}"#.to_vec(), "format 7"),
    ];
    for (what, bytes, says) in cases {
        let case_dir = dir.path().join(what.replace(' ', "-"));
        std::fs::create_dir(&case_dir).unwrap();
        let state = case_dir.join("state.json");
        std::fs::write(&state, &bytes).unwrap();
        let err = serve_expecting_failure(&case_dir, &state).await;
        assert!(err.contains(&state.display().to_string()), "{what}: the message does not name the file: {err}");
        assert!(err.contains(says), "{what}: {err}");
        assert_eq!(std::fs::read(&state).unwrap(), bytes, "{what}: the state file was changed");
        let names: Vec<String> = std::fs::read_dir(&case_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{what}: a temporary state file was written: {names:?}");
    }
}
