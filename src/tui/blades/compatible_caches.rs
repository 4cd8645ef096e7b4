//! Compatible caches: the caches that pass every rule in `geo`, opened from "Add cache replication link".
//! A toggle lists the incompatible ones too, greyed, each with the reasons it is excluded.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use crate::arm::ResourceId;
use crate::geo::{FromResources, Incompatibility, compatibility};
use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::data::Data;
use crate::tui::format;

use super::home::scroll_offset;
use super::link_dialog::LinkDialog;
use super::{Blade, Click, Dialog, Outcome, context_menu};

/// A cache that could be (or is not allowed to be) the secondary.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: ResourceId,
    /// Empty when compatible.
    pub reasons: Vec<Incompatibility>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompatibleCaches {
    pub primary: ResourceId,
    pub show_incompatible: bool,
    /// Compatible first, then (when shown) the incompatible ones.
    pub rows: Vec<Candidate>,
    /// How many caches were ruled out (shown or not).
    pub excluded: usize,
    pub selected: usize,
    /// The context menu, open with its selected item.
    pub menu: Option<usize>,
}

impl CompatibleCaches {
    pub fn new(primary: ResourceId, data: &Data) -> Self {
        let mut c = CompatibleCaches {
            primary,
            show_incompatible: false,
            rows: Vec::new(),
            excluded: 0,
            selected: 0,
            menu: None,
        };
        c.refresh(data);
        c
    }

    /// Re-applies the rules to the caches as they are now, keeping the selected cache.
    pub fn refresh(&mut self, data: &Data) {
        let keep = self.rows.get(self.selected).map(|r| r.id.clone());
        let Some(primary) = data.cache(&self.primary) else {
            self.rows.clear();
            self.menu = None;
            return;
        };
        let mut compatible = Vec::new();
        let mut incompatible = Vec::new();
        for c in &data.caches {
            let Ok(id) = ResourceId::parse(c.id()) else { continue };
            if id == self.primary {
                continue;
            }
            let reasons = compatibility(primary, c, &FromResources);
            if reasons.is_empty() {
                compatible.push(Candidate { id, reasons });
            } else {
                incompatible.push(Candidate { id, reasons });
            }
        }
        self.excluded = incompatible.len();
        self.rows = compatible;
        if self.show_incompatible {
            self.rows.extend(incompatible);
        }
        match keep.and_then(|keep| self.rows.iter().position(|r| r.id == keep)) {
            Some(i) => self.selected = i,
            // The selected cache left the list: its context menu must not act on the cache now in its
            // place.
            None => self.menu = None,
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn compatible_count(&self) -> usize {
        self.rows.iter().filter(|r| r.reasons.is_empty()).count()
    }

    pub fn select(&mut self, i: usize) {
        self.selected = i.min(self.rows.len().saturating_sub(1));
        self.menu = None;
    }

    pub fn open_menu(&mut self) {
        if !self.rows.is_empty() {
            self.menu = Some(0);
        }
    }

    pub fn toggle_incompatible(&mut self, data: &Data) {
        self.show_incompatible = !self.show_incompatible;
        self.menu = None;
        self.refresh(data);
    }

    /// Runs context-menu item `i` on the selected cache.
    pub fn activate_menu_item(&mut self, i: usize, data: &Data) -> Outcome {
        self.menu = None;
        let Some(row) = self.rows.get(self.selected) else { return Outcome::Consumed };
        match context_menu::ITEMS.get(i) {
            Some(&context_menu::LINK) => match row.reasons.first() {
                None => Outcome::Dialog(Dialog::Link(LinkDialog::new(self.primary.clone(), row.id.clone()))),
                Some(why) => Outcome::Notice(format!("{} cannot be linked: {}", row.id.name, why.message())),
            },
            Some(&context_menu::DETAILS) => Outcome::Open(Blade::Details(row.id.clone())),
            _ => {
                let _ = data;
                Outcome::Consumed
            }
        }
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data) -> Outcome {
        if let Some(item) = self.menu {
            match cmd {
                Command::Up => self.menu = Some(item.saturating_sub(1)),
                Command::Down => self.menu = Some((item + 1).min(context_menu::ITEMS.len() - 1)),
                Command::Enter | Command::Right => return self.activate_menu_item(item, data),
                Command::Back | Command::Left | Command::ContextMenu => self.menu = None,
                _ => {}
            }
            return Outcome::Consumed;
        }
        if let Some(i) = super::home::moved(self.selected, cmd, self.rows.len()) {
            self.selected = i;
            return Outcome::Consumed;
        }
        match cmd {
            Command::Enter | Command::ContextMenu => self.open_menu(),
            Command::ToggleIncompatible => self.toggle_incompatible(data),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }
}

/// The line above the list: which primary, and what it is.
fn intro(app: &App, c: &CompatibleCaches) -> Line<'static> {
    let t = &app.theme;
    let describe = app
        .data
        .cache(&c.primary)
        .map(|p| {
            format!(
                "{}, {}, {}, Redis {}",
                p.location,
                format::tier(p),
                p.shards().map(|n| format!("{n} shards")).unwrap_or_else(|| "not clustered".into()),
                p.properties.redis_version.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!("Caches that can be linked as secondary to {} ", c.primary.name), t.value),
        Span::styled(format!("({describe})"), t.muted),
    ])
}

/// (intro, toggle line, table, reasons panel) inside the border; the intro takes two lines when it
/// needs them.
fn layout(app: &App, c: &CompatibleCaches, area: Rect) -> (Rect, Rect, Rect, Rect) {
    let inner = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2));
    let width = inner.width.saturating_sub(2);
    let intro_h = if intro(app, c).width() > width as usize { 2 } else { 1 };
    let intro = Rect::new(inner.x + 1, inner.y, width, intro_h.min(inner.height));
    let toggle = Rect::new(inner.x + 1, inner.y + intro_h, width, 1.min(inner.height.saturating_sub(intro_h)));
    let reasons_h = if c.show_incompatible { 4.min(inner.height.saturating_sub(6 + intro_h)) } else { 0 };
    let table_h = inner.height.saturating_sub(2 + intro_h + reasons_h);
    let table = Rect::new(inner.x + 1, inner.y + intro_h + 2, width, table_h);
    let reasons = Rect::new(inner.x + 1, table.bottom(), width, reasons_h);
    (intro, toggle, table, reasons)
}

pub fn render(app: &App, c: &CompatibleCaches, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let focused = !app.modal();
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(format!(" Compatible caches · {} ", c.primary.name), t.title))
        .render(area, buf);
    let (intro_area, toggle, table, reasons) = layout(app, c, area);
    let primary = app.data.cache(&c.primary);
    Paragraph::new(intro(app, c)).wrap(Wrap { trim: true }).render(intro_area, buf);
    let toggle_text = if c.show_incompatible {
        format!("[i] Incompatible caches shown ({} greyed, with why)", c.excluded)
    } else {
        format!("[i] Show incompatible caches ({} hidden)", c.excluded)
    };
    Paragraph::new(Span::styled(toggle_text, t.button)).render(toggle, buf);

    if c.rows.is_empty() {
        let msg = if primary.is_none() {
            format!("{} is not listed by the backend any more.", c.primary.name)
        } else {
            format!(
                "No cache can be linked as secondary to {}: all {} other caches fail a prerequisite (Premium tier, same subscription, another region, same or larger size, same clustering and Redis major version, no persistence, not linked, running). Press i to see why each one is excluded.",
                c.primary.name, c.excluded
            )
        };
        Paragraph::new(Span::styled(msg, t.muted)).wrap(Wrap { trim: true }).render(table, buf);
        return;
    }
    // With the reasons column on a narrow terminal, shards and version give way (the reasons say which
    // of them is wrong).
    let compact = c.show_incompatible && table.width < 100;
    let body_rows = table.height.saturating_sub(1) as usize;
    let offset = scroll_offset(c.selected, body_rows);
    let rows = c.rows.iter().enumerate().skip(offset).take(body_rows).map(|(i, row)| {
        let cache = app.data.cache(&row.id);
        let selected = i == c.selected && focused;
        let style = if selected {
            t.selected
        } else if row.reasons.is_empty() {
            t.value
        } else {
            t.muted
        };
        let mut cells = vec![
            Cell::from(format!("{}{}", row.id.name, if i == c.selected { " …" } else { "" })),
            Cell::from(cache.map(|c| c.location.clone()).unwrap_or_default()),
            Cell::from(cache.map(format::tier).unwrap_or_default()),
        ];
        if !compact {
            cells.push(Cell::from(
                cache.map(|c| c.shards().map(|n| n.to_string()).unwrap_or_else(|| "—".into())).unwrap_or_default(),
            ));
            cells.push(Cell::from(cache.and_then(|c| c.properties.redis_version.clone()).unwrap_or_default()));
        }
        if c.show_incompatible {
            cells.push(Cell::from(match row.reasons.first() {
                None => "Compatible".to_string(),
                Some(r) if row.reasons.len() > 1 && compact => format!("{} +{}", r.code(), row.reasons.len() - 1),
                Some(r) if row.reasons.len() > 1 => format!("{} (+{})", r.code(), row.reasons.len() - 1),
                Some(r) => r.code().to_string(),
            }));
        }
        Row::new(cells).style(style)
    });
    // Compact: every name (24 characters at most in Azure's naming style) and reason code stays whole.
    let (mut header, mut widths) = if compact {
        (vec!["NAME", "LOCATION", "TIER"], vec![Constraint::Fill(1), Constraint::Length(14), Constraint::Length(11)])
    } else {
        (
            vec!["NAME", "LOCATION", "PRICING TIER"],
            vec![Constraint::Fill(3), Constraint::Length(16), Constraint::Length(12)],
        )
    };
    if !compact {
        header.extend(["SHARDS", "VERSION"]);
        widths.extend([Constraint::Length(6), Constraint::Length(7)]);
    }
    if c.show_incompatible {
        header.push("WHY NOT");
        widths.push(if compact { Constraint::Fill(1) } else { Constraint::Fill(3) });
    }
    Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(1).render(table, buf);

    if let Some(row) = c.rows.get(c.selected).filter(|r| !r.reasons.is_empty())
        && reasons.height > 0
    {
        let lines: Vec<Line> =
            row.reasons.iter().map(|r| Line::from(Span::styled(format!("✕ {}", r.message()), t.bad))).collect();
        Paragraph::new(lines).wrap(Wrap { trim: true }).render(reasons, buf);
    }
    if let Some(item) = c.menu {
        let y = table.y + 1 + (c.selected - offset) as u16;
        context_menu::render(app, item, c.rows.get(c.selected).is_some_and(|r| r.reasons.is_empty()), table, y, buf);
    }
}

pub fn hit(app: &App, c: &CompatibleCaches, area: Rect, x: u16, y: u16) -> Option<Click> {
    let (_, toggle, table, _) = layout(app, c, area);
    let offset = scroll_offset(c.selected, table.height.saturating_sub(1) as usize);
    if c.menu.is_some() {
        let row_y = table.y + 1 + (c.selected - offset) as u16;
        if let Some(i) = context_menu::hit(table, row_y, x, y) {
            return Some(Click::ContextItem(i));
        }
    }
    if toggle.contains((x, y).into()) {
        return Some(Click::CompatToggle);
    }
    if table.contains((x, y).into()) && y > table.y {
        let i = offset + (y - table.y - 1) as usize;
        return (i < c.rows.len()).then_some(Click::CompatRow(i));
    }
    None
}
