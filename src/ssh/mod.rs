//! `georep ssh`: the console served to any SSH client. Every session has its own screen and state
//! (its own `App` and `Terminal`, in a task of its own), and all of them share one backend, so a Link
//! started in one session shows on everyone's Geo-replication blade within a poll.
//!
//! - [`server`]: the russh server: accepting, limits, shutdown; `connection`: one connection's
//!   deadlines and authentication.
//! - [`session`]: one session channel, from `pty-req` to close.
//! - [`pty_backend`]: ratatui's crossterm backend over the channel, at the client's window size.
//! - [`input`]: keys and mouse parsed from the channel's bytes.
//! - [`auth`], [`host_key`]: who gets in, and the key the server proves itself with.
//! - [`limits`], [`outbox`]: what a client may hold (deadlines, caps, sizes, one unsent frame).

pub mod auth;
mod connection;
pub mod host_key;
pub mod input;
pub mod limits;
pub mod outbox;
pub mod pty_backend;
pub mod server;
pub mod session;

/// The test client every SSH test uses (also `tests/ssh.rs` and `benches/ssh.rs`).
#[cfg(test)]
#[path = "../../tests/support/ssh_client.rs"]
pub(crate) mod ssh_client;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub use limits::{Limits, Stats};
pub use server::{Look, SshConfig, SshServer};

use crate::backend::{self, Backend, BackendOptions};
use auth::{AuthorizedKeys, DemoPassword};

/// `georep ssh`'s options (see `src/main.rs` for the flags).
pub struct Options {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    /// The backend every session shares.
    pub backend: BackendOptions,
    /// `None`: `~/.ssh/authorized_keys`.
    pub authorized_keys: Option<PathBuf>,
    pub demo_password: Option<String>,
    /// `None`: [`host_key::default_path`].
    pub host_key: Option<PathBuf>,
    pub read_only: bool,
    pub max_sessions: usize,
    /// Zero: never.
    pub idle_timeout: Duration,
    /// The configuration file's settings (its poll intervals replace the backend's).
    pub config: crate::config::Config,
}

/// The longest duration [`parse_duration`] takes: a year.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// Parses `90`, `90s`, `15m`, `2h` (seconds without a unit). `0` is zero. More than
/// [`MAX_DURATION`] is refused (a number that does not fit is not a timeout anyone means).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = match digits.parse() {
        Ok(n) => n,
        Err(_) if !digits.is_empty() => u64::MAX,
        Err(_) => return Err(format!("`{s}` is not a duration like 90s, 15m or 2h")),
    };
    let secs = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{s}`: the unit must be s, m or h")),
    };
    if secs > MAX_DURATION.as_secs() {
        return Err(format!("`{s}` is too long: at most {}h (0: never)", MAX_DURATION.as_secs() / 3600));
    }
    Ok(Duration::from_secs(secs))
}

/// `45s`, `15m`, `2h`, `1h30m`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// `georep ssh`: starts the backend (or connects to `--endpoint`), then serves the console over SSH
/// until SIGTERM or Ctrl-C.
pub async fn run(options: Options) -> ExitCode {
    if let Err(why) = check(&options) {
        eprintln!("georep ssh: {why}");
        return ExitCode::from(2);
    }
    let keys = AuthorizedKeys::new(options.authorized_keys.clone().or_else(AuthorizedKeys::default_path));
    let key_summary = sign_in_summary(&keys).await;
    if key_summary.0 == 0 && options.demo_password.is_none() {
        eprintln!(
            "georep ssh: nobody could sign in: {}, and no --demo-password. Add keys to the file (it is read at \
             each sign-in) or pass --authorized-keys FILE or --demo-password.",
            key_summary.1
        );
        return ExitCode::from(2);
    }

    let Some(key_path) = options.host_key.clone().or_else(host_key::default_path) else {
        eprintln!("georep ssh: no state directory for the host key; give one with --host-key FILE");
        return ExitCode::from(2);
    };
    let (key, created) = match host_key::load_or_create(&key_path) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("georep ssh: host key: {e}");
            return ExitCode::FAILURE;
        }
    };

    let Backend { label, client, intervals, embedded } = match backend::connect(
        &options.backend,
        |what| crate::say!("georep ssh: {what}"),
        crate::signals::stop_requested(),
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("georep ssh: {e}");
            return if e.is_usage() { ExitCode::from(2) } else { ExitCode::FAILURE };
        }
    };
    let config = SshConfig {
        host_key: key.clone(),
        authorized_keys: keys,
        demo_password: options.demo_password.clone().map(DemoPassword::new),
        read_only: options.read_only,
        max_sessions: options.max_sessions,
        idle_timeout: (!options.idle_timeout.is_zero()).then_some(options.idle_timeout),
        poll: options.config.poll_intervals(intervals),
        scope: options.backend.scope(),
        limits: Limits::default(),
        look: Look { theme: options.config.theme(false), keys: options.config.keymap() },
    };
    let server = match SshServer::start(options.listen, config, client, label.clone()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("georep ssh: cannot listen on {}: {e}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    banner(&options, &server, &label, (&key, &key_path, created), &key_summary.1);

    crate::signals::stop_requested().await;
    // After SIGHUP the terminal may be gone: say! ignores the failed write, which must not skip the
    // orderly shutdown below (sessions told and their terminals given back, the backend stopped).
    crate::say!("georep ssh: stopping ({} sessions open)", server.sessions());
    server.shutdown().await;
    if let Some(running) = embedded {
        running.shutdown().await;
    }
    ExitCode::SUCCESS
}

/// The flags that make no server: a public address without --allow-remote, no session, an empty
/// password.
fn check(options: &Options) -> Result<(), String> {
    if !options.listen.ip().is_loopback() && !options.allow_remote {
        return Err(format!(
            "{} is not a loopback address; add --allow-remote to serve the console beyond this machine",
            options.listen
        ));
    }
    if options.max_sessions == 0 {
        return Err("--max-sessions must be at least 1".into());
    }
    if options.demo_password.as_deref() == Some("") {
        return Err("--demo-password must not be empty".into());
    }
    Ok(())
}

/// How many keys can sign in, and a sentence saying whose.
async fn sign_in_summary(keys: &AuthorizedKeys) -> (usize, String) {
    match (keys.load().await, keys.path()) {
        (Ok((k, bad)), Some(p)) => {
            let skipped = if bad > 0 {
                format!(", {bad} lines skipped (not keys, or keys restricted by options)")
            } else {
                String::new()
            };
            let noun = if k.len() == 1 { "key" } else { "keys" };
            (k.len(), format!("{} public {noun} from {}{skipped}", k.len(), p.display()))
        }
        (Err(e), _) => (0, format!("no public keys ({e})")),
        (Ok(_), None) => (0, "no public keys (no home directory; use --authorized-keys FILE)".into()),
    }
}

/// What the server says when it starts: where, which host key, who can sign in, the limits.
fn banner(
    options: &Options,
    server: &SshServer,
    label: &str,
    (key, key_path, created): (&russh::keys::PrivateKey, &std::path::Path, bool),
    sign_in: &str,
) {
    let addr = server.local_addr();
    crate::say!("georep ssh: serving the console on {addr} (ssh -p {} USER@HOST), backend: {label}", addr.port());
    crate::say!(
        "  host key {} ({}{})",
        host_key::fingerprint(key),
        key_path.display(),
        if created { ", created now" } else { "" }
    );
    let password = if options.demo_password.is_some() { " or the demo password" } else { "" };
    crate::say!("  sign-in: {sign_in}{password}; nothing else");
    let idle = if options.idle_timeout.is_zero() {
        "never".to_string()
    } else {
        format!("after {} without input", format_duration(options.idle_timeout))
    };
    crate::say!(
        "  {}sessions: at most {}; idle sessions close {idle}",
        if options.read_only { "read-only " } else { "" },
        options.max_sessions
    );
    if options.allow_remote && !addr.ip().is_loopback() {
        crate::say!("  listening beyond loopback (--allow-remote): anyone who can reach {addr} can try to sign in");
    }
    tracing::info!(%addr, backend = %label, read_only = options.read_only, "ssh server started");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
        // Too long to mean anything, and a panic further on before (`Duration * 2`).
        assert!(parse_duration("9999999999999h").unwrap_err().contains("too long"));
        assert!(parse_duration("99999999999999999999999").unwrap_err().contains("too long"));
        assert_eq!(parse_duration("8784h"), Ok(MAX_DURATION));
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(1800)), "30m");
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(format_duration(Duration::from_secs(95)), "1m35s");
    }
}
