//! Operation progress: a gauge from `percentComplete`, or a spinner where the backend gives none.

use std::time::Duration;

use ratatui::text::Span;

use crate::tui::data::Progress;
use crate::tui::format;
use crate::tui::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for the console clock (it moves only while ticks arrive, i.e. while busy).
pub fn spinner(clock: Duration) -> &'static str {
    SPINNER[(clock.as_millis() / 100) as usize % SPINNER.len()]
}

/// `██████░░░░  63%  01:12`, or `⠋ 01:12` without a percentage; `bar` cells wide.
pub fn spans(t: &Theme, progress: Option<&Progress>, clock: Duration, bar: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    match progress.and_then(|p| p.percent) {
        Some(p) => {
            let p = p.clamp(0.0, 100.0);
            let filled = (((p / 100.0) * bar as f64).round() as usize).min(bar);
            out.push(Span::styled("█".repeat(filled), t.gauge));
            out.push(Span::styled("░".repeat(bar - filled), t.gauge_empty));
            out.push(Span::raw(format!(" {:>3.0}%", p.floor())));
        }
        None if progress.is_none_or(|p| p.running) => out.push(Span::styled(spinner(clock), t.busy)),
        None => {}
    }
    if let Some(p) = progress {
        out.push(Span::styled(format!("  {}", format::elapsed(p.elapsed)), t.muted));
    }
    out
}
