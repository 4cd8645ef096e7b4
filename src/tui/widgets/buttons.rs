//! A blade's row of buttons (`[ + Add cache replication link ]  [ ✕ Unlink caches ] …`): long labels
//! where they fit, short ones otherwise; the focused one highlighted, an off one greyed; each a click
//! target for its command.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::command::{Command, CommandInfo};
use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;

/// A button: its command, its long label and its short one.
pub type Button = (Command, &'static str, &'static str);

/// The row to draw: the buttons, whether each is on (`commands`), the one with the keyboard (if any),
/// and how many columns to keep free after the long labels for a note.
pub struct ButtonRow<'a> {
    pub theme: &'a Theme,
    pub buttons: &'a [Button],
    pub commands: &'a [CommandInfo],
    pub focused: Option<usize>,
    pub reserve: usize,
}

impl ButtonRow<'_> {
    /// Draws the row in `row`; returns the first column after the buttons.
    pub fn render(self, row: Rect, buf: &mut Buffer, hits: &mut Hits) -> u16 {
        let t = self.theme;
        let long: usize = self.buttons.iter().map(|(_, l, _)| l.chars().count() + 6).sum();
        let fits_long = long + self.reserve <= row.width as usize;
        let gap = if fits_long { 2 } else { 1 };
        let mut x = row.x;
        for (i, (cmd, long_label, short)) in self.buttons.iter().enumerate() {
            let label = if fits_long { long_label } else { short };
            let off = self.commands.iter().any(|c| c.command == *cmd && !c.enabled());
            let style = if self.focused == Some(i) {
                t.button_focused
            } else if off {
                t.button_disabled
            } else {
                t.button
            };
            let text = format!("[ {label} ]");
            let w = (text.chars().count() as u16).min(row.right().saturating_sub(x));
            let r = Rect::new(x, row.y, w, 1);
            Paragraph::new(Span::styled(text, style)).render(r, buf);
            hits.push(r, Target::Command(*cmd));
            x = (x + w + gap).min(row.right());
        }
        x
    }
}
