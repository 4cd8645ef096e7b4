//! Home: the "Azure Cache for Redis" browse list of every cache, with `/` to filter by name.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget};

use crate::arm::ResourceId;
use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::data::{Data, Role};
use crate::tui::format;

use super::resource_menu::{CacheBlade, MenuItem};
use super::{Blade, Click, Outcome};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Home {
    pub filter: String,
    pub editing: bool,
    /// Index into `visible`.
    pub selected: usize,
    /// Indexes into `Data::caches` that pass the filter.
    pub visible: Vec<usize>,
}

impl Home {
    /// Recomputes the rows after the caches or the filter changed, keeping the selected cache.
    pub fn refilter(&mut self, data: &Data) {
        let keep = self.visible.get(self.selected).and_then(|i| data.caches.get(*i)).map(|c| c.id().to_string());
        let needle = self.filter.to_ascii_lowercase();
        self.visible = data
            .caches
            .iter()
            .enumerate()
            .filter(|(_, c)| needle.is_empty() || c.name().to_ascii_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        if let Some(keep) = keep
            && let Some(pos) = self.visible.iter().position(|i| data.caches[*i].id().eq_ignore_ascii_case(&keep))
        {
            self.selected = pos;
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    pub fn selected_id(&self, data: &Data) -> Option<ResourceId> {
        let c = data.caches.get(*self.visible.get(self.selected)?)?;
        ResourceId::parse(c.id()).ok()
    }

    /// A key while the filter is being typed.
    pub fn edit(&mut self, key: KeyEvent, data: &Data) {
        match key.code {
            KeyCode::Enter => self.editing = false,
            KeyCode::Esc => {
                self.editing = false;
                self.filter.clear();
            }
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char(c) if !c.is_control() => self.filter.push(c),
            KeyCode::Down => self.selected = (self.selected + 1).min(self.visible.len().saturating_sub(1)),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            _ => return,
        }
        self.refilter(data);
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data) -> Outcome {
        if let Some(i) = moved(self.selected, cmd, self.visible.len()) {
            self.selected = i;
            return Outcome::Consumed;
        }
        match cmd {
            Command::Filter => self.editing = true,
            Command::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.refilter(data);
            }
            Command::Enter | Command::Right => {
                return match self.selected_id(data) {
                    Some(id) => Outcome::Open(Blade::Cache(CacheBlade::new(id, MenuItem::Overview))),
                    None => Outcome::Consumed,
                };
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }
}

/// Where a list selection goes on a movement command (`None` for other commands).
pub fn moved(selected: usize, cmd: Command, len: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match cmd {
        Command::Up => selected.saturating_sub(1),
        Command::Down => (selected + 1).min(last),
        Command::PageUp => selected.saturating_sub(10),
        Command::PageDown => (selected + 10).min(last),
        Command::Home => 0,
        Command::End => last,
        _ => return None,
    })
}

/// The first visible row for a list of `height` rows with `selected` selected: the selection is always
/// on screen, computed from the selection alone so that drawing and clicking agree.
pub fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 { 0 } else { selected.saturating_sub(height - 1) }
}

/// The status a cache shows: its provisioningState.
pub fn status(c: &crate::arm::RedisResource) -> String {
    match c.provisioning_state().as_str() {
        "" => "Unknown".into(),
        s => s.into(),
    }
}

fn layout(area: Rect) -> (Rect, Rect, Rect) {
    let inner = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2));
    let filter = Rect::new(inner.x, inner.y, inner.width, 1.min(inner.height));
    // A column of padding each side, as the filter line has.
    let table = Rect::new(inner.x + 1, inner.y + 2, inner.width.saturating_sub(2), inner.height.saturating_sub(2));
    (inner, filter, table)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let home = &app.home;
    let title = format!(" Azure Cache for Redis · {} of {} ", home.visible.len(), app.data.caches.len());
    let focused = !app.modal();
    let (_, filter_area, table_area) = layout(area);
    // When the list is longer than the screen, the bottom border says there is more.
    let body_rows = table_area.height.saturating_sub(1) as usize;
    let more = if app.data.loaded {
        super::overview::more(scroll_offset(home.selected, body_rows), body_rows, home.visible.len())
    } else {
        ""
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(title, t.title))
        .title_bottom(Span::styled(more, t.muted))
        .render(area, buf);
    let filter = if home.editing {
        Line::from(vec![Span::styled(" Filter by name: ", t.label), Span::styled(format!("{}▏", home.filter), t.value)])
    } else if home.filter.is_empty() {
        Line::from(Span::styled(" / Filter by name", t.muted))
    } else {
        Line::from(vec![
            Span::styled(" Filter by name: ", t.label),
            Span::styled(home.filter.clone(), t.value),
            Span::styled("   (/ to change, Esc to clear)", t.muted),
        ])
    };
    Paragraph::new(filter).render(filter_area, buf);

    if !app.data.loaded {
        Paragraph::new(Span::styled("Loading caches…", t.muted)).render(table_area, buf);
        return;
    }
    if home.visible.is_empty() {
        let why = if app.data.caches.is_empty() {
            "No caches in the subscriptions this console can see.".to_string()
        } else {
            format!("No cache name contains \"{}\".", home.filter)
        };
        Paragraph::new(Span::styled(why, t.muted)).render(table_area, buf);
        return;
    }
    // Narrow terminals drop the resource group (it is on the Overview) so names stay readable.
    let wide = table_area.width >= 110;
    let offset = scroll_offset(home.selected, body_rows);
    let rows = home.visible.iter().enumerate().skip(offset).take(body_rows).map(|(pos, &i)| {
        let c = &app.data.caches[i];
        let id = ResourceId::parse(c.id()).ok();
        let role = id.as_ref().map(|id| app.data.role(id)).unwrap_or(Role::NotLinked);
        let state = status(c);
        let state_style = super::overview::state_style(t, &state);
        let style = if pos == home.selected && focused { t.selected } else { t.value };
        let mut cells = vec![Cell::from(c.name().to_string())];
        if wide {
            cells.push(Cell::from(id.as_ref().map(|i| i.resource_group.clone()).unwrap_or_default()));
        }
        cells.extend([
            Cell::from(c.location.clone()),
            Cell::from(format::tier(c)),
            Cell::from(Span::styled(state, if pos == home.selected && focused { style } else { state_style })),
            Cell::from(match role {
                Role::NotLinked => "—".to_string(),
                r => r.label().to_string(),
            }),
        ]);
        Row::new(cells).style(style)
    });
    let (header, widths) = if wide {
        (
            vec!["NAME", "RESOURCE GROUP", "LOCATION", "PRICING TIER", "STATUS", "GEO-REPLICATION"],
            vec![
                Constraint::Fill(3),
                Constraint::Fill(2),
                Constraint::Length(16),
                Constraint::Length(14),
                Constraint::Length(12),
                Constraint::Length(15),
            ],
        )
    } else {
        (
            vec!["NAME", "LOCATION", "PRICING TIER", "STATUS", "GEO ROLE"],
            vec![
                Constraint::Fill(1),
                Constraint::Length(14),
                Constraint::Length(12),
                Constraint::Length(10),
                Constraint::Length(9),
            ],
        )
    };
    let header = Row::new(header).style(t.table_header);
    Table::new(rows, widths).header(header).column_spacing(1).render(table_area, buf);
}

pub fn hit(app: &App, area: Rect, x: u16, y: u16) -> Option<Click> {
    let (_, _, table) = layout(area);
    if !table.contains((x, y).into()) || y == table.y {
        return None;
    }
    let body_rows = table.height.saturating_sub(1) as usize;
    let offset = scroll_offset(app.home.selected, body_rows);
    let i = offset + (y - table.y - 1) as usize;
    (i < app.home.visible.len()).then_some(Click::HomeRow(i))
}
