//! Small pieces shared by blades.

pub mod dialog;
pub mod list;
pub mod progress;
pub mod scroll_text;
pub mod wrap;

use ratatui::style::Style;

use super::theme::Theme;

/// The style of a status word: green when running, yellow while busy, red when failed.
pub fn state_style(t: &Theme, state: &str) -> Style {
    const OK: [&str; 3] = ["Succeeded", "Running", "Connected"];
    const BAD: [&str; 3] = ["Failed", "Disabled", "Disconnected"];
    if OK.iter().any(|s| s.eq_ignore_ascii_case(state)) {
        t.ok
    } else if BAD.iter().any(|s| s.eq_ignore_ascii_case(state)) {
        t.bad
    } else {
        t.busy
    }
}

/// `text` cut to `max` characters, ending with `…` when cut.
pub fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A pane's title: a marker when it has the keyboard, so focus never has to be guessed from colour.
pub fn title(text: &str, focused: bool) -> String {
    if focused { format!(" ▸ {text} ") } else { format!(" {text} ") }
}
