//! Operation progress: a gauge from `percentComplete`, or a spinner where the backend gives none.

use std::time::Duration;

use ratatui::text::Span;

use crate::tui::data::TrackedOp;
use crate::tui::format;
use crate::tui::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for the console clock (it moves only while ticks arrive, i.e. while busy).
pub fn spinner(clock: Duration) -> &'static str {
    SPINNER[(clock.as_millis() / 100) as usize % SPINNER.len()]
}

/// `██████░░░░ 63%  01:12`, or `⠋ 01:12` without a percentage; `bar` cells wide.
pub fn spans(t: &Theme, op: Option<&TrackedOp>, clock: Duration, bar: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let percent = op.and_then(|o| o.percent);
    match percent {
        Some(p) => {
            let p = p.clamp(0.0, 100.0);
            let filled = ((p / 100.0) * bar as f64).round() as usize;
            out.push(Span::styled("█".repeat(filled), t.gauge));
            out.push(Span::styled("░".repeat(bar - filled.min(bar)), t.gauge_empty));
            out.push(Span::raw(format!(" {:>3.0}%", p.floor())));
        }
        None if op.is_none_or(|o| o.running()) => out.push(Span::styled(spinner(clock), t.busy)),
        None => {}
    }
    if let Some(o) = op {
        out.push(Span::styled(format!("  {}", format::elapsed(o.elapsed(clock))), t.muted));
    }
    out
}
