//! Waiting for a long-running operation, with progress on stderr: a bar redrawn in place on a terminal
//! (a spinner and the elapsed time where the service gives no percentage, as Azure does), plain
//! timestamped lines otherwise (logs, CI, pipes).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::arm::OperationState;
use crate::client::{ClientError, Lro, LroStatus};

use super::{Session, eprint};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const BAR: usize = 24;
/// Without a terminal, a line at least this often even when nothing changed (a heartbeat for logs).
const HEARTBEAT: Duration = Duration::from_secs(60);

/// Follows `lro` until it ends (as the session's options say), showing progress labelled `label`
/// ("linking a as secondary of b").
pub async fn wait(session: &Session, lro: &Lro, label: &str) -> Result<LroStatus, ClientError> {
    let mut shown = Progress::new(label, std::io::stderr().is_terminal());
    let statuses = session.client.follow(lro, session.follow_options());
    futures::pin_mut!(statuses);
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    shown.start();
    let mut last = None;
    let result = loop {
        tokio::select! {
            item = statuses.next() => match item {
                Some(Ok(status)) => {
                    shown.update(&status);
                    last = Some(status);
                }
                Some(Err(e)) => break Err(e),
                None => {
                    break last.take().ok_or_else(|| ClientError::Decode("the operation's status stream ended empty".into()))
                }
            },
            _ = ticker.tick(), if shown.tty => shown.draw(),
        }
    };
    shown.finish(&result);
    result
}

/// What a task running several operations in turn reports (the failover's unlink, then link back).
pub enum StepUpdate {
    /// A new operation started, labelled so.
    Started(String),
    Status(LroStatus),
}

/// Runs `work` to its end, showing the progress of each operation it reports through `updates` as
/// [`wait`] shows one.
pub async fn steps<T>(
    work: impl std::future::Future<Output = T>,
    mut updates: tokio::sync::mpsc::UnboundedReceiver<StepUpdate>,
) -> T {
    let tty = std::io::stderr().is_terminal();
    let mut shown: Option<(Progress, Option<LroStatus>)> = None;
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    futures::pin_mut!(work);
    let end = |shown: &mut Option<(Progress, Option<LroStatus>)>| {
        if let Some((mut p, last)) = shown.take() {
            let result = last.ok_or_else(|| ClientError::Decode("no status was read".into()));
            p.finish(&result);
        }
    };
    loop {
        tokio::select! {
            out = &mut work => {
                while let Ok(u) = updates.try_recv() {
                    if let (StepUpdate::Status(s), Some((p, last))) = (u, shown.as_mut()) {
                        p.update(&s);
                        *last = Some(s);
                    }
                }
                end(&mut shown);
                return out;
            }
            Some(u) = updates.recv() => match u {
                StepUpdate::Started(label) => {
                    end(&mut shown);
                    let mut p = Progress::new(&label, tty);
                    p.start();
                    shown = Some((p, None));
                }
                StepUpdate::Status(s) => if let Some((p, last)) = shown.as_mut() {
                    p.update(&s);
                    *last = Some(s);
                },
            },
            _ = ticker.tick(), if tty && shown.is_some() => {
                if let Some((p, _)) = &shown {
                    p.draw();
                }
            }
        }
    }
}

/// `01:12`, `1:02:03` past an hour.
fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

struct Progress {
    label: String,
    tty: bool,
    start: Instant,
    state: OperationState,
    percent: Option<f64>,
    /// What the last plain line said (state, tens of percent), and when.
    last_line: Option<(OperationState, Option<u32>, Instant)>,
}

impl Progress {
    fn new(label: &str, tty: bool) -> Self {
        Progress {
            label: label.to_string(),
            tty,
            start: Instant::now(),
            state: OperationState::InProgress,
            percent: None,
            last_line: None,
        }
    }

    fn elapsed(&self) -> String {
        elapsed(self.start.elapsed())
    }

    fn start(&mut self) {
        if self.tty {
            self.draw();
        } else {
            self.line();
        }
    }

    fn update(&mut self, status: &LroStatus) {
        self.state = status.state.clone();
        self.percent = status.percent.or(self.percent);
        if self.tty {
            self.draw();
        } else {
            let decile = self.percent.map(|p| (p.clamp(0.0, 100.0) / 10.0) as u32);
            let due = match &self.last_line {
                None => true,
                Some((state, d, at)) => *state != self.state || *d != decile || at.elapsed() >= HEARTBEAT,
            };
            if due && !self.state.is_terminal() {
                self.line();
            }
        }
    }

    /// A plain line: `[00:42] linking a as secondary of b: InProgress 40%`.
    fn line(&mut self) {
        let percent = self.percent.map(|p| format!(" {:.0}%", p.clamp(0.0, 100.0).floor())).unwrap_or_default();
        eprint(&format!("[{}] {}: {}{}\n", self.elapsed(), self.label, self.state, percent));
        self.last_line =
            Some((self.state.clone(), self.percent.map(|p| (p.clamp(0.0, 100.0) / 10.0) as u32), Instant::now()));
    }

    /// The bar, redrawn in place: `⠹ [██████░░░░]  40%  00:42  linking a as secondary of b`, or without
    /// a percentage `⠹ 00:42  linking a as secondary of b: InProgress (no percentage from the service)`.
    /// The figures come first, so a narrow terminal cuts the label, not the progress.
    fn draw(&self) {
        let spin = SPINNER[(self.start.elapsed().as_millis() / 100) as usize % SPINNER.len()];
        let text = match self.percent {
            Some(p) => {
                let p = p.clamp(0.0, 100.0);
                let filled = ((p / 100.0) * BAR as f64).round() as usize;
                let bar = format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled.min(BAR)));
                format!("{spin} [{bar}] {:>3.0}%  {}  {}", p.floor(), self.elapsed(), self.label)
            }
            None => {
                format!("{spin} {}  {}: {} (no percentage from the service)", self.elapsed(), self.label, self.state)
            }
        };
        // A terminal that does not say its size (0 columns) is taken as 80 wide.
        let width = match ratatui::crossterm::terminal::size() {
            Ok((w, _)) if w > 0 => (w as usize).max(20),
            _ => 80,
        };
        let text: String = text.chars().take(width - 1).collect();
        eprint(&format!("\r\x1b[2K{text}"));
    }

    fn finish(&mut self, result: &Result<LroStatus, ClientError>) {
        let end = match result {
            Ok(s) => s.state.to_string(),
            Err(e) => format!("lost track of the operation ({})", e.code()),
        };
        let mark = if self.tty {
            if matches!(result, Ok(s) if s.state == OperationState::Succeeded) {
                "\r\x1b[2K✓ "
            } else {
                "\r\x1b[2K✗ "
            }
        } else {
            ""
        };
        if self.tty {
            eprint(&format!("{mark}{}: {end} after {}\n", self.label, self.elapsed()));
        } else {
            eprint(&format!("[{}] {}: {end}\n", self.elapsed(), self.label));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_elapsed() {
        assert_eq!(elapsed(Duration::from_secs(72)), "01:12");
        assert_eq!(elapsed(Duration::from_secs(3723)), "1:02:03");
    }
}
