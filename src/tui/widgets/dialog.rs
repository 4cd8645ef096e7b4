//! A modal dialog frame: the screen dimmed, a bordered box in the middle, and buttons at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;

use super::wrap;

/// The dialog's box inside `screen`.
pub fn area(screen: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(screen.width.saturating_sub(2));
    let h = height.min(screen.height.saturating_sub(2));
    Rect::new(screen.x + (screen.width - w) / 2, screen.y + (screen.height - h) / 2, w, h)
}

/// Sizes a confirmation dialog to its text: the box (at most `max_width` wide, and as tall as the text
/// needs, within the screen) and the body wrapped to it, bullets hanging under their text. On a short
/// screen blank lines give way, from the bottom up, before any text would be cut.
pub fn fit(screen: Rect, max_width: u16, body: &[Line<'static>]) -> (Rect, Vec<Line<'static>>) {
    let w = max_width.min(screen.width.saturating_sub(2));
    // Borders and a column of padding on each side.
    let text_width = w.saturating_sub(4) as usize;
    let mut body = body.to_vec();
    let max_h = screen.height.saturating_sub(2) as usize;
    let wrapped = loop {
        let wrapped = wrap::wrap_all(body.iter().cloned(), text_width, wrap::bullet_hang);
        // Borders, a blank line and the buttons.
        if wrapped.len() + 4 <= max_h {
            break wrapped;
        }
        match body.iter().rposition(|l| l.spans.iter().all(|s| s.content.trim().is_empty())) {
            Some(i) => {
                body.remove(i);
            }
            None => break wrapped,
        }
    };
    (area(screen, w, wrapped.len() as u16 + 4), wrapped)
}

/// The buttons row: (confirm, cancel) rectangles.
pub fn buttons(area: Rect, confirm: &str) -> (Rect, Rect) {
    let y = area.y + area.height.saturating_sub(2);
    let cw = confirm.chars().count() as u16 + 4;
    let cancel_w = 10;
    let x = area.x + area.width.saturating_sub(cw + cancel_w + 4);
    (Rect::new(x, y, cw, 1), Rect::new(x + cw + 2, y, cancel_w, 1))
}

/// Dims everything already drawn, as the portal greys the page under a dialog.
pub fn dim(screen: Rect, buf: &mut Buffer, t: &Theme) {
    buf.set_style(screen.intersection(buf.area), t.dim);
}

/// What a confirmation dialog says.
pub struct Confirm<'a> {
    pub title: &'a str,
    /// Already wrapped to the box (see [`fit`]).
    pub body: Vec<Line<'static>>,
    /// The confirm button's label.
    pub confirm: &'a str,
    pub confirm_focused: bool,
    /// Off (greyed) when what it confirms can no longer be done.
    pub confirm_enabled: bool,
}

/// Draws the dimmed screen, the frame, the body lines and the two buttons, and records the buttons
/// (and the screen under the dialog, where a click does nothing) as click targets.
pub fn render(t: &Theme, screen: Rect, area: Rect, d: Confirm, buf: &mut Buffer, hits: &mut Hits) {
    let Confirm { title, body, confirm, confirm_focused, confirm_enabled } = d;
    dim(screen, buf, t);
    Clear.render(area, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focused)
        .title(Span::styled(format!(" {title} "), t.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let text_area = inner.inner(Margin { horizontal: 1, vertical: 0 });
    let text_area = Rect { height: text_area.height.saturating_sub(2), ..text_area };
    Paragraph::new(body).render(text_area, buf);
    let (c, x) = buttons(area, confirm);
    let style = |focused: bool| if focused { t.button_focused } else { t.button };
    let confirm_style = if !confirm_enabled && !confirm_focused { t.button_disabled } else { style(confirm_focused) };
    Paragraph::new(Span::styled(format!("[ {confirm} ]"), confirm_style)).render(c, buf);
    Paragraph::new(Span::styled("[ Cancel ]", style(!confirm_focused))).render(x, buf);
    hits.push(screen, Target::Nothing);
    hits.push(c, Target::DialogButton(true));
    hits.push(x, Target::DialogButton(false));
}
