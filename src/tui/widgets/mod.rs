//! Small pieces shared by blades.

pub mod buttons;
pub mod dialog;
pub mod list;
pub mod progress;
pub mod scroll_text;
pub mod world_map;
pub mod wrap;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use crate::arm::{LinkState, ProvisioningState, ReplicationLinkStatus};

/// How a status reads: green when running, yellow while busy, red when failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Busy,
    Bad,
}

impl Tone {
    pub fn style(self, t: &Theme) -> Style {
        match self {
            Tone::Ok => t.ok,
            Tone::Busy => t.busy,
            Tone::Bad => t.bad,
        }
    }

    pub fn of_cache(state: &ProvisioningState) -> Tone {
        match state {
            ProvisioningState::Succeeded => Tone::Ok,
            ProvisioningState::Failed | ProvisioningState::Disabled => Tone::Bad,
            _ => Tone::Busy,
        }
    }

    pub fn of_link(state: &LinkState) -> Tone {
        match state {
            LinkState::Succeeded => Tone::Ok,
            LinkState::Failed => Tone::Bad,
            _ => Tone::Busy,
        }
    }

    pub fn of_replication(state: &ReplicationLinkStatus) -> Tone {
        match state {
            ReplicationLinkStatus::Connected => Tone::Ok,
            _ => Tone::Bad,
        }
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

/// A pane: its border bold and coloured when it has the keyboard, and a marker in its title then, so
/// focus never has to be guessed from colour.
pub fn pane<'a>(t: &Theme, text: &str, focused: bool) -> Block<'a> {
    let title = if focused { format!(" ▸ {text} ") } else { format!(" {text} ") };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(title, t.title))
}

/// A clickable label on a pane's top border, at its right end (`┤ Geo-replication · p ├`): Home's
/// two lists name each other there, like the tabs of the portal's browse pages. Returns where it went
/// (nothing when the pane is too narrow for it).
pub fn border_pill(area: Rect, text: &str, style: Style, buf: &mut ratatui::buffer::Buffer) -> Option<Rect> {
    border_pill_before(area, area.right().saturating_sub(2), text, style, buf)
}

/// A pill as [`border_pill`], ending one cell before column `end` (left of another pill).
pub fn border_pill_before(
    area: Rect,
    end: u16,
    text: &str,
    style: Style,
    buf: &mut ratatui::buffer::Buffer,
) -> Option<Rect> {
    let w = text.chars().count() as u16 + 2;
    if end < area.x + w + 40 {
        return None;
    }
    let r = Rect::new(end - w, area.y, w, 1);
    buf.set_string(r.x, r.y, format!(" {text} "), style);
    Some(r)
}
