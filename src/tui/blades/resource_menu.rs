//! The resource menu on the left of an open cache, grouped like the portal's.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::arm::ResourceId;
use crate::tui::app::App;

use super::Click;
use super::geo_replication::GeoState;

/// An item of the resource menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuItem {
    Overview,
    GeoReplication,
    Properties,
}

impl MenuItem {
    pub const ALL: [MenuItem; 3] = [MenuItem::Overview, MenuItem::GeoReplication, MenuItem::Properties];

    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Overview => "Overview",
            MenuItem::GeoReplication => "Geo-replication",
            MenuItem::Properties => "Properties",
        }
    }

    fn group(self) -> &'static str {
        match self {
            MenuItem::Overview => "GENERAL",
            MenuItem::GeoReplication | MenuItem::Properties => "SETTINGS",
        }
    }
}

/// Which pane of an open cache has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Menu,
    Content,
}

/// An open cache: its resource menu and the selected item's blade.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheBlade {
    pub id: ResourceId,
    pub item: MenuItem,
    pub pane: Pane,
    pub geo: GeoState,
    /// How far Overview or Properties is scrolled (they scroll when the terminal is short).
    pub scroll: u16,
}

impl CacheBlade {
    pub fn new(id: ResourceId, item: MenuItem) -> Self {
        CacheBlade { id, item, pane: Pane::Menu, geo: GeoState::default(), scroll: 0 }
    }
}

/// Menu width for a body of `width` columns.
pub fn width(body_width: u16) -> u16 {
    if body_width >= 110 { 26 } else { 22 }
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

/// The menu's lines: (group header or item, item).
fn lines() -> Vec<(Option<&'static str>, Option<MenuItem>)> {
    let mut out = Vec::new();
    let mut last = "";
    for item in MenuItem::ALL {
        if item.group() != last {
            out.push((Some(item.group()), None));
            last = item.group();
        }
        out.push((None, Some(item)));
    }
    out
}

pub fn render(app: &App, blade: &CacheBlade, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let focused = blade.pane == Pane::Menu && !app.modal();
    let block =
        Block::default().borders(Borders::ALL).border_style(if focused { t.border_focused } else { t.border }).title(
            Span::styled(format!(" {} ", ellipsize(&blade.id.name, area.width.saturating_sub(4) as usize)), t.title),
        );
    let inner = block.inner(area);
    block.render(area, buf);
    let text: Vec<Line> = lines()
        .into_iter()
        .map(|(group, item)| match (group, item) {
            (Some(g), _) => Line::from(Span::styled(format!(" {g}"), t.group)),
            (_, Some(item)) => {
                let selected = item == blade.item;
                let marker = if selected { "▶ " } else { "  " };
                let style = match (selected, focused) {
                    (true, true) => t.selected,
                    (true, false) => t.selected_unfocused,
                    _ => t.value,
                };
                let label = format!(" {marker}{}", item.label());
                let pad = (inner.width as usize).saturating_sub(label.chars().count());
                Line::from(Span::styled(format!("{label}{}", " ".repeat(pad)), style))
            }
            _ => Line::default(),
        })
        .collect();
    Paragraph::new(text).render(inner, buf);
}

pub fn hit(area: Rect, x: u16, y: u16) -> Option<Click> {
    let inner = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2));
    if !inner.contains((x, y).into()) {
        return None;
    }
    let row = (y - inner.y) as usize;
    match lines().get(row) {
        Some((None, Some(item))) => MenuItem::ALL.iter().position(|i| i == item).map(Click::Menu),
        _ => None,
    }
}

impl CacheBlade {
    pub fn on_command(&mut self, cmd: crate::tui::action::Command, data: &crate::tui::data::Data) -> super::Outcome {
        use super::Outcome;
        use crate::tui::action::Command;
        match cmd {
            Command::Tab | Command::BackTab => {
                self.pane = if self.pane == Pane::Menu { Pane::Content } else { Pane::Menu };
                if self.pane == Pane::Content && self.item == MenuItem::GeoReplication && !self.geo.on_buttons {
                    self.geo.on_buttons = true;
                }
                return Outcome::Consumed;
            }
            Command::AddLink | Command::Unlink => {
                self.item = MenuItem::GeoReplication;
                self.pane = Pane::Content;
                self.geo.on_buttons = true;
                return super::geo_replication::on_command(self, cmd, data);
            }
            _ => {}
        }
        if self.pane == Pane::Menu {
            let i = MenuItem::ALL.iter().position(|m| *m == self.item).unwrap_or(0);
            if matches!(cmd, Command::Up | Command::Down | Command::Home | Command::End) {
                self.scroll = 0;
            }
            match cmd {
                Command::Up => self.item = MenuItem::ALL[i.saturating_sub(1)],
                Command::Down => self.item = MenuItem::ALL[(i + 1).min(MenuItem::ALL.len() - 1)],
                Command::Home => self.item = MenuItem::ALL[0],
                Command::End => self.item = MenuItem::ALL[MenuItem::ALL.len() - 1],
                Command::Enter | Command::Right => {
                    self.pane = Pane::Content;
                    self.geo.on_buttons = true;
                }
                _ => return Outcome::Ignored,
            }
            return Outcome::Consumed;
        }
        // Overview and Properties scroll; App keeps the offset within the text (`render::scroll_max`).
        let scroll = &mut self.scroll;
        match (self.item, cmd) {
            (MenuItem::GeoReplication, _) => return super::geo_replication::on_command(self, cmd, data),
            (_, Command::Left) => self.pane = Pane::Menu,
            (_, Command::Up) => *scroll = scroll.saturating_sub(1),
            (_, Command::Down) => *scroll = scroll.saturating_add(1),
            (_, Command::PageUp) => *scroll = scroll.saturating_sub(10),
            (_, Command::PageDown) => *scroll = scroll.saturating_add(10),
            (_, Command::Home) => *scroll = 0,
            (_, Command::End) => *scroll = u16::MAX,
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }
}
