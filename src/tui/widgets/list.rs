//! A selectable table that scrolls: ratatui's `Table` with a `TableState`, a `Scrollbar` when there
//! are more rows than room, and each visible row recorded as a click target.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Table, TableState};

use crate::tui::hits::{Hits, Target};

/// Draws `table` (with a one-line header) in `area` for `rows` rows, the selection kept on screen,
/// and a scrollbar in the column right of `area` (the pane's padding) when the rows do not fit.
/// Returns the first row shown.
pub fn render(
    table: Table<'_>,
    area: Rect,
    buf: &mut Buffer,
    state: &TableState,
    rows: usize,
    hits: &mut Hits,
) -> usize {
    let body = area.height.saturating_sub(1) as usize;
    let scrolls = rows > body;
    let table_area = area;
    // A copy: the offset follows from the selection on every frame, so drawing changes no state.
    let mut state = *state;
    StatefulWidget::render(table, table_area, buf, &mut state);
    let offset = state.offset();
    for k in 0..body.min(rows.saturating_sub(offset)) {
        hits.push(Rect::new(table_area.x, area.y + 1 + k as u16, table_area.width, 1), Target::Row(offset + k));
    }
    if scrolls {
        let mut bar = ScrollbarState::new(rows.saturating_sub(body)).position(offset).viewport_content_length(body);
        let track = Rect { x: area.right(), y: area.y + 1, width: 1, height: area.height.saturating_sub(1) };
        let track = track.intersection(*buf.area());
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .render(track, buf, &mut bar);
    }
    offset
}

/// Where a selection goes on a movement command (`None` for other commands).
pub fn moved(selected: usize, cmd: crate::tui::command::Command, len: usize, page: usize) -> Option<usize> {
    use crate::tui::command::Command;
    let last = len.saturating_sub(1);
    let page = page.max(1);
    Some(match cmd {
        Command::Up => selected.saturating_sub(1),
        Command::Down => (selected + 1).min(last),
        Command::PageUp => selected.saturating_sub(page),
        Command::PageDown => (selected + page).min(last),
        Command::First => 0,
        Command::Last => last,
        _ => return None,
    })
}
