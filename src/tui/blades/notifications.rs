//! Notifications: listed under the bell, newest first; the bell counts the unread ones.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::format;
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
    /// Console clock when it arrived.
    pub at: Duration,
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
    pub fn push(&mut self, level: Level, text: String, at: Duration) {
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

    pub fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Up => self.scroll = self.scroll.saturating_sub(1),
            Command::Down => self.scroll = (self.scroll + 1).min(self.items.len().saturating_sub(1)),
            Command::Back | Command::Notifications | Command::Quit | Command::Enter => self.open = false,
            _ => {}
        }
    }
}

pub fn area(screen: Rect) -> Rect {
    let w = 64.min(screen.width.saturating_sub(2));
    let h = 14.min(screen.height.saturating_sub(3));
    Rect::new(screen.right().saturating_sub(w + 1), screen.y + 1, w, h)
}

pub fn render(app: &App, screen: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let n = &app.notifications;
    let a = area(screen);
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
    // A column of padding each side; each notification's text wraps under itself.
    let text = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), inner.height);
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
            let at = format::elapsed(item.at);
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
