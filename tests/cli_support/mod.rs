//! Shared by tests/cli.rs and tests/azure_like.rs: the built `georep` binary, run as a script would run
//! it, and `georep serve` started as a separate process on 127.0.0.1:0.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const SUB: &str = "11111111-2222-3333-4444-555555555555";
pub const SUB2: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
pub const BIN: &str = env!("CARGO_BIN_EXE_georep");
/// Longest any one command may take in these tests.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);

/// Variables a developer's shell may have set that would change what the commands do.
const CLEARED: &[&str] =
    &["AZURE_SUBSCRIPTION_ID", "AZURE_ACCESS_TOKEN", "GEOREP_TOKEN", "GEOREP_SERVE_TOKEN", "GEOREP_LOG"];

/// A `georep serve` process; killed when dropped.
pub struct Serve {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Serve {
    /// `georep serve --listen 127.0.0.1:0 --time-scale SCALE` plus `extra` flags.
    pub fn start(time_scale: f64, extra: &[&str]) -> Serve {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--time-scale", &time_scale.to_string()])
            .arg("--log")
            .arg(dir.path().join("serve.log"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for v in CLEARED {
            cmd.env_remove(v);
        }
        let mut child = cmd.spawn().expect("georep serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep reading so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("georep serve printed no banner within 30 s; stderr: {err}");
            }
        };
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in the banner: {line:?}"))
            .to_string();
        Serve { child, url, dir }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.code, want, "expected exit {want}\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
        })
    }

    /// The value of a `  name:  value` line of an error report.
    #[track_caller]
    pub fn field(&self, name: &str) -> String {
        self.stderr
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(&format!("{name}:")).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no '{name}:' line in stderr:\n{}", self.stderr))
    }
}

/// Runs `georep ARGS` with `env` set (and the variables that would interfere cleared).
pub async fn georep(args: &[&str], env: &[(&str, &str)]) -> Run {
    georep_in(args, env, None).await
}

/// As [`georep`], with PATH set to `path` when given (a fake `az`, or none).
pub async fn georep_in(args: &[&str], env: &[(&str, &str)], path: Option<&Path>) -> Run {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    for v in CLEARED {
        cmd.env_remove(v);
    }
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(COMMAND_TIMEOUT, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("georep {args:?} did not finish within {COMMAND_TIMEOUT:?}"))
        .expect("georep runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// GET `base + path_and_query` as JSON.
pub async fn get_json(base: &str, path_and_query: &str, token: Option<&str>) -> Value {
    let mut rb = reqwest::Client::new().get(format!("{base}{path_and_query}"));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let resp = rb.send().await.expect("GET");
    assert!(resp.status().is_success(), "GET {path_and_query}: {}", resp.status());
    resp.json().await.expect("JSON body")
}

pub fn cache_path(sub: &str, rg: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cache/redis/{name}")
}

pub const API: &str = "api-version=2024-11-01";

/// The `value` of a list, sorted by id (lower-cased) for comparisons.
pub fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|x| x["id"].as_str().unwrap_or("").to_ascii_lowercase());
    v
}

/// Polls until `done` holds for the JSON at `path` (bounded).
pub async fn wait_until(base: &str, path: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let v = get_json(base, path, None).await;
        if done(&v) {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: not reached within 60 s; last: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
