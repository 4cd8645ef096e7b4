//! `georep serve --access-log FILE`: one line per request, appended and flushed line by line:
//!
//! ```text
//! 2026-11-30T12:00:00.123Z GET /subscriptions/s/providers/Microsoft.Cache/redis 200 1.42ms sub=s
//! ```
//!
//! (time in RFC 3339, method, path without the query, status, duration, the subscription the path
//! names or `-`). Never a header or a body. Lines go through a bounded channel to a writer thread:
//! a request never waits for the disk; when the writer falls behind by [`QUEUE`] lines, lines are
//! dropped and counted (and the count written when the writer catches up).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// Lines waiting for the writer at most.
pub const QUEUE: usize = 8192;

/// The sending side; dropping the last one ends the writer thread.
pub struct AccessLog {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl AccessLog {
    /// Opens (creates or appends to) `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self, std::io::Error> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (tx, rx) = sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        let shown: PathBuf = path.to_path_buf();
        std::thread::Builder::new()
            .name("georep-access-log".into())
            .spawn(move || write_lines(file, rx, counter, shown))?;
        Ok(AccessLog { tx, dropped })
    }

    /// Queues one request's line; never blocks.
    pub fn record(&self, method: &str, path: &str, status: u16, took: Duration, subscription: Option<&str>) {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let ms = took.as_secs_f64() * 1000.0;
        // The path as received is percent-encoded: no spaces or line breaks can come through it.
        let clean = |s: &str| s.chars().filter(|c| !c.is_control() && *c != ' ').collect::<String>();
        let sub = subscription.map(clean).unwrap_or_else(|| "-".into());
        let line = format!("{now} {method} {} {status} {ms:.2}ms sub={sub}\n", clean(path));
        match self.tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn write_lines(file: File, rx: Receiver<String>, dropped: Arc<AtomicU64>, path: PathBuf) {
    let mut out = BufWriter::new(file);
    let mut reported = 0;
    let mut failed = false;
    while let Ok(line) = rx.recv() {
        let lost = dropped.load(Ordering::Relaxed);
        let mut result = Ok(());
        if lost > reported {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            result = writeln!(out, "{now} # {} lines dropped: the writer was behind", lost - reported);
            reported = lost;
        }
        let result = result.and_then(|()| out.write_all(line.as_bytes())).and_then(|()| out.flush());
        match result {
            Err(e) if !failed => {
                failed = true;
                tracing::error!(file = %path.display(), error = %e, "the access log cannot be written");
            }
            Err(_) => {}
            Ok(()) => failed = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        std::fs::write(&path, "earlier\n").unwrap();
        let log = AccessLog::open(&path).unwrap();
        log.record("GET", "/subscriptions/s1/x", 200, Duration::from_micros(1500), Some("s1"));
        log.record("POST", "/providers/Microsoft.ResourceGraph/resources", 429, Duration::ZERO, None);
        drop(log);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let text = loop {
            let text = std::fs::read_to_string(&path).unwrap();
            if text.lines().count() == 3 || std::time::Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "earlier");
        assert!(lines[1].ends_with(" GET /subscriptions/s1/x 200 1.50ms sub=s1"), "{}", lines[1]);
        assert!(
            lines[2].ends_with(" POST /providers/Microsoft.ResourceGraph/resources 429 0.00ms sub=-"),
            "{}",
            lines[2]
        );
        assert!(chrono::DateTime::parse_from_rfc3339(lines[1].split(' ').next().unwrap()).is_ok());
    }
}
