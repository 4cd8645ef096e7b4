//! `georep serve` and `georep ssh` with stdout a closed pipe (`georep serve | head -0`, a terminal that
//! went away): their banners and shutdown lines must not panic (`println!` does on EPIPE). Each runs
//! the binary on 127.0.0.1:0, waits until its log says it serves, stops it with SIGTERM, and checks it
//! exited 0 with no panic on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use georep::ssh::host_key;

const BOUND: Duration = Duration::from_secs(60);

/// Runs `georep ARGS --log LOG` with stdout's reading end closed; returns once `LOG` contains `ready`.
fn start(args: &[&str], log: &Path, ready: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(args)
        .arg("--log")
        .arg(log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("georep starts");
    // Close the pipe's reading end: every write to stdout now fails with EPIPE.
    drop(child.stdout.take());
    let start = Instant::now();
    loop {
        if std::fs::read_to_string(log).is_ok_and(|l| l.contains(ready)) {
            return child;
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("georep {args:?} exited with {status} before serving; stderr:\n{}", stderr(&mut child));
        }
        assert!(start.elapsed() < BOUND, "georep {args:?} did not log `{ready}` within {BOUND:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stderr(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut text);
    }
    text
}

/// SIGTERM, then the exit status (bounded) and stderr.
fn stop(child: &mut Child) -> (ExitStatus, String) {
    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(ok.success(), "kill -TERM failed");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return (status, stderr(child));
        }
        if start.elapsed() > BOUND {
            let _ = child.kill();
            panic!("georep did not stop within {BOUND:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_with_a_closed_stdout_serves_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("serve.log");
    let mut child = start(&["serve", "--listen", "127.0.0.1:0"], &log, "emulator listening");
    let (status, stderr) = stop(&mut child);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "exited with {status}; stderr:\n{stderr}");
}

#[test]
fn ssh_with_a_closed_stdout_serves_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = host_key::generate().unwrap();
    let keys = dir.path().join("authorized_keys");
    std::fs::write(&keys, key.public_key().to_openssh().expect("openssh")).expect("authorized_keys");
    let host_key = dir.path().join("ssh_host_ed25519_key");
    let log = dir.path().join("ssh.log");
    let args = [
        "ssh",
        "--listen",
        "127.0.0.1:0",
        "--authorized-keys",
        keys.to_str().expect("a UTF-8 path"),
        "--host-key",
        host_key.to_str().expect("a UTF-8 path"),
    ];
    let mut child = start(&args, &log, "ssh server started");
    let (status, stderr) = stop(&mut child);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "exited with {status}; stderr:\n{stderr}");
}
