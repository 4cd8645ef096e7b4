//! Text that scrolls inside a bordered pane (Overview, Properties, help): the lines, a `Scrollbar`
//! when they do not fit, "more" in the bottom border, and how far it can scroll recorded for `update`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Widget};

use crate::tui::hits::Hits;
use crate::tui::theme::Theme;

/// Says in the bottom border that there is more above or below.
pub fn more(scroll: usize, height: usize, total: usize) -> &'static str {
    match (scroll > 0, scroll + height < total) {
        (false, true) => " ↓ more ",
        (true, true) => " ↑↓ more ",
        (true, false) => " ↑ more ",
        (false, false) => "",
    }
}

/// Draws `block` with `lines` inside, scrolled down `scroll` lines (at most to the last line).
pub fn render(
    t: &Theme,
    block: Block<'_>,
    lines: Vec<Line<'static>>,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
    hits: &mut Hits,
) {
    let inner = block.inner(area);
    let h = inner.height as usize;
    let max = lines.len().saturating_sub(h);
    let scroll = (scroll as usize).min(max);
    hits.set_scroll_max(max.min(u16::MAX as usize) as u16);
    block.title_bottom(Span::styled(more(scroll, h, lines.len()), t.muted)).render(area, buf);
    Paragraph::new(lines).scroll((scroll as u16, 0)).render(inner, buf);
    if max > 0 {
        let mut state = ScrollbarState::new(max).position(scroll).viewport_content_length(h);
        let track = Rect { x: area.right().saturating_sub(1), y: inner.y, width: 1, height: inner.height };
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .render(track, buf, &mut state);
    }
}
