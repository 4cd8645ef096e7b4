//! The one tmux driver of the end-to-end tests: a private tmux server (its own socket, no user
//! config) with named sessions, keys sent with `send-keys`, screens read with `capture-pane`. The
//! server is killed when the driver is dropped.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether CI asked for the tmux tests to run (then a missing tmux is a failure, not a skip).
pub fn required() -> bool {
    std::env::var_os("GEOREP_REQUIRE_TMUX").is_some_and(|v| v == "1")
}

/// `tmux -V`, or `None` where tmux cannot run.
pub fn version() -> Option<String> {
    let out = Command::new("tmux").arg("-V").stdin(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `s` quoted for /bin/sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub struct Tmux {
    socket: String,
    socket_path: Option<PathBuf>,
    size: (u16, u16),
    /// How long `wait` waits for one step.
    step: Duration,
}

impl Tmux {
    /// A driver on the private socket `socket`; a server left on it by an earlier run is killed.
    pub fn new(socket: &str, size: (u16, u16), step: Duration) -> Self {
        let t = Tmux { socket: socket.to_string(), socket_path: None, size, step };
        let _ = t.cmd(&["kill-server"]);
        t
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux {args:?}: {e}"))
    }

    pub fn ok(&self, args: &[&str]) {
        let out = self.cmd(args);
        assert!(out.status.success(), "tmux {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A new session (pane) `name` running `script` under /bin/sh, whatever the user's shell is.
    pub fn run(&mut self, name: &str, script: &str) {
        let command = format!("exec /bin/sh -c {}", sh_quote(script));
        let (w, h) = (self.size.0.to_string(), self.size.1.to_string());
        self.ok(&["new-session", "-d", "-s", name, "-x", &w, "-y", &h, &command]);
        if self.socket_path.is_none() {
            self.socket_path = Some(PathBuf::from(self.display(name, "#{socket_path}"))).filter(|p| p.is_absolute());
        }
    }

    pub fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    pub fn literal(&self, name: &str, text: &str) {
        self.ok(&["send-keys", "-t", name, "-l", text]);
    }

    pub fn screen(&self, name: &str) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn display(&self, name: &str, format: &str) -> String {
        let out = self.cmd(&["display-message", "-p", "-t", name, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the pane until `done` holds, keeping every distinct screen in `seen`; fails with the last
    /// screen after the step timeout.
    pub fn wait_seen(&self, name: &str, what: &str, seen: &mut Vec<String>, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(name);
            if seen.last() != Some(&screen) {
                seen.push(screen.clone());
            }
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > self.step {
                panic!("timed out after {:?} waiting for {what}; the screen:\n{screen}", self.step);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait(&self, name: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_seen(name, what, &mut Vec::new(), done)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}
