//! Notifications: listed under the bell, newest first, with the local time each arrived; the bell
//! counts the unread ones.

use chrono::{DateTime, FixedOffset, Local, Offset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, StatefulWidget, Widget};

use crate::tui::command::{Command, CommandInfo};
use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap::wrap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub level: Level,
    pub text: String,
    /// Wall-clock time when it arrived.
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notifications {
    pub items: Vec<Notification>,
    pub unread: usize,
    pub open: bool,
    pub scroll: usize,
}

/// Notifications kept.
const KEEP: usize = 100;

impl Notifications {
    pub fn push(&mut self, level: Level, text: String, at: DateTime<Utc>) {
        self.items.push(Notification { level, text, at });
        if self.items.len() > KEEP {
            self.items.remove(0);
        }
        if !self.open {
            self.unread += 1;
        }
    }

    pub fn toggle(&mut self) {
        self.open = !self.open;
        self.scroll = 0;
        if self.open {
            self.unread = 0;
        }
    }

    pub fn commands(&self) -> Vec<CommandInfo> {
        vec![
            CommandInfo::new(Command::Up, "scroll").quiet(),
            CommandInfo::new(Command::Down, "scroll"),
            CommandInfo::new(Command::Back, "close"),
        ]
    }

    pub fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Up => self.scroll = self.scroll.saturating_sub(1),
            Command::Down => self.scroll = (self.scroll + 1).min(self.items.len().saturating_sub(1)),
            Command::Back | Command::Notifications | Command::Quit | Command::Enter => self.open = false,
            _ => {}
        }
    }
}

/// `14:03:27` in the time zone `tz` (the local one, read once at start).
pub fn local_time(at: DateTime<Utc>, tz: FixedOffset) -> String {
    at.with_timezone(&tz).format("%H:%M:%S").to_string()
}

/// The local time zone's offset now.
pub fn local_offset() -> FixedOffset {
    Local::now().offset().fix()
}

pub struct NotificationsView<'a> {
    pub theme: &'a Theme,
    pub state: &'a Notifications,
    pub tz: FixedOffset,
}

impl StatefulWidget for NotificationsView<'_> {
    type State = Hits;

    fn render(self, screen: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, n) = (self.theme, self.state);
        let w = 64.min(screen.width.saturating_sub(2));
        let h = 14.min(screen.height.saturating_sub(3));
        let a = Rect::new(screen.right().saturating_sub(w + 1), screen.y + 1, w, h);
        // A click outside closes the list, as the bell does.
        hits.push(screen, Target::Command(Command::Notifications));
        hits.push(a, Target::Nothing);
        Clear.render(a, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focused)
            .title(Span::styled(" Notifications ", t.title))
            .title_bottom(Span::styled(" Esc close ", t.muted));
        let inner = block.inner(a);
        block.render(a, buf);
        if n.items.is_empty() {
            Paragraph::new(Span::styled(" No notifications yet.", t.muted)).render(inner, buf);
            return;
        }
        let text = inner.inner(Margin { horizontal: 1, vertical: 0 });
        let lines: Vec<Line> = n
            .items
            .iter()
            .rev()
            .skip(n.scroll)
            .flat_map(|item| {
                let (mark, style) = match item.level {
                    Level::Info => ("ℹ", t.value),
                    Level::Success => ("✓", t.ok),
                    Level::Error => ("✕", t.bad),
                };
                let at = local_time(item.at, self.tz);
                let hang = at.chars().count() + 3;
                let line = Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::styled(format!("{at} "), t.muted),
                    Span::styled(item.text.clone(), t.value),
                ]);
                wrap(&line, text.width as usize, hang)
            })
            .collect();
        Paragraph::new(lines).render(text, buf);
    }
}
