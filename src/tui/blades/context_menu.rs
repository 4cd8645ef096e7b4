//! The context menu of a compatible cache (the `⋮` on the selected row: `m`, Enter or right-click).
//! "Link as secondary" is greyed when it cannot be done, with every reason listed under the items.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, StatefulWidget, Widget};

use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap::wrap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextItem {
    Link,
    Details,
}

impl ContextItem {
    pub const ALL: [ContextItem; 2] = [ContextItem::Link, ContextItem::Details];

    pub fn label(self) -> &'static str {
        match self {
            ContextItem::Link => "Link as secondary",
            ContextItem::Details => "View details",
        }
    }
}

/// The menu, under the selected row (`row_y`), inside `table`.
pub struct ContextMenu<'a> {
    pub theme: &'a Theme,
    pub selected: usize,
    /// Why "Link as secondary" is off (empty when it is on).
    pub blockers: &'a [String],
    pub row_y: u16,
}

impl StatefulWidget for ContextMenu<'_> {
    type State = Hits;

    fn render(self, table: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.theme;
        let w = if self.blockers.is_empty() { 24 } else { 56 }.min(table.width);
        let reasons: Vec<Line> = self
            .blockers
            .iter()
            .flat_map(|b| wrap(&Line::from(Span::styled(format!("✕ {b}"), t.bad)), w.saturating_sub(4) as usize, 2))
            .collect();
        let reason_h = if reasons.is_empty() { 0 } else { reasons.len() as u16 + 1 };
        let h = (ContextItem::ALL.len() as u16 + 2 + reason_h).min(table.height);
        let x = table.x + table.width.saturating_sub(w).min(18);
        let y = if self.row_y + 1 + h <= table.bottom() { self.row_y + 1 } else { self.row_y.saturating_sub(h) };
        let area = Rect::new(x, y.max(table.y), w, h).intersection(table);
        Clear.render(area, buf);
        let block = Block::default().borders(Borders::ALL).border_style(t.border_focused);
        let inner = block.inner(area);
        block.render(area, buf);
        hits.push(area, Target::Nothing);
        for (i, item) in ContextItem::ALL.into_iter().enumerate() {
            let disabled = item == ContextItem::Link && !self.blockers.is_empty();
            let style = match (i == self.selected, disabled) {
                (true, true) => t.selected.patch(t.button_disabled),
                (true, false) => t.selected,
                (false, true) => t.button_disabled,
                (false, false) => t.value,
            };
            let text = format!(" {}{}", item.label(), if disabled { " (off)" } else { "" });
            let pad = (inner.width as usize).saturating_sub(text.chars().count());
            let r = Rect::new(inner.x, inner.y + i as u16, inner.width, 1).intersection(inner);
            Paragraph::new(Span::styled(format!("{text}{}", " ".repeat(pad)), style)).render(r, buf);
            hits.push(r, Target::ContextItem(i));
        }
        if !reasons.is_empty() {
            let r = inner.inner(Margin { horizontal: 1, vertical: 0 });
            let r = Rect { y: r.y + ContextItem::ALL.len() as u16 + 1, height: r.height.saturating_sub(3), ..r };
            Paragraph::new(reasons).render(r, buf);
        }
    }
}
