//! The context menu of a compatible cache ("…" on a row, `m`/Enter or right-click).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::app::App;

pub const LINK: &str = "Link as secondary";
pub const DETAILS: &str = "View details";
pub const ITEMS: [&str; 2] = [LINK, DETAILS];

/// The menu's box, under the selected row (`row_y`), inside `table`.
pub fn area(table: Rect, row_y: u16) -> Rect {
    let w = 24.min(table.width);
    let h = ITEMS.len() as u16 + 2;
    let x = table.x + table.width.saturating_sub(w).min(18);
    let y = if row_y + 1 + h <= table.bottom() { row_y + 1 } else { row_y.saturating_sub(h) };
    Rect::new(x, y, w, h)
}

pub fn render(app: &App, selected: usize, can_link: bool, table: Rect, row_y: u16, buf: &mut Buffer) {
    let t = &app.theme;
    let a = area(table, row_y);
    Clear.render(a, buf);
    let block = Block::default().borders(Borders::ALL).border_style(t.border_focused);
    let inner = block.inner(a);
    block.render(a, buf);
    let lines: Vec<Line> = ITEMS
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let disabled = *label == LINK && (!can_link || app.read_only);
            let style = if i == selected {
                t.selected
            } else if disabled {
                t.button_disabled
            } else {
                t.value
            };
            let text = format!(" {label}");
            let pad = (inner.width as usize).saturating_sub(text.chars().count());
            Line::from(Span::styled(format!("{text}{}", " ".repeat(pad)), style))
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}

pub fn hit(table: Rect, row_y: u16, x: u16, y: u16) -> Option<usize> {
    let a = area(table, row_y);
    let inner = Rect::new(a.x + 1, a.y + 1, a.width.saturating_sub(2), a.height.saturating_sub(2));
    inner.contains((x, y).into()).then(|| (y - inner.y) as usize).filter(|i| *i < ITEMS.len())
}
