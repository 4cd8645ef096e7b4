//! A selectable table that scrolls: ratatui's `Table` with a `TableState`, a `Scrollbar` when there
//! are more rows than room, and each visible row recorded as a click target.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Table, TableState};

use crate::tui::hits::{Hits, Target};

/// Draws a table (with a one-line header) in `area` for `rows` rows, the selection kept on screen,
/// and a scrollbar in the pane's padding column right of `area` when the rows do not fit. `build`
/// makes the table of the rows in the range it is given: only the rows on screen are built, so a
/// frame costs the same with 10 caches or 10,000. Returns the first row shown.
pub fn render<'a>(
    area: Rect,
    buf: &mut Buffer,
    state: &TableState,
    rows: usize,
    hits: &mut Hits,
    build: impl FnOnce(Range<usize>) -> Table<'a>,
) -> usize {
    let body = area.height.saturating_sub(1) as usize;
    hits.set_page(body);
    let scrolls = rows > body;
    // A column between the last column and the scrollbar.
    let table_area = if scrolls { Rect { width: area.width.saturating_sub(1), ..area } } else { area };
    // The offset follows from the selection on every frame (the selection on the last line shown
    // when it is below the first screenful), so drawing changes no state.
    let selected = state.selected().unwrap_or(0).min(rows.saturating_sub(1));
    let offset = selected.saturating_sub(body.saturating_sub(1));
    let window = offset..(offset + body).min(rows);
    let mut shown = TableState::new().with_selected(Some(selected - offset));
    StatefulWidget::render(build(window.clone()), table_area, buf, &mut shown);
    for (k, row) in window.enumerate() {
        hits.push(Rect::new(table_area.x, area.y + 1 + k as u16, table_area.width, 1), Target::Row(row));
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
