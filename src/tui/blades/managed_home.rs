//! Home ▸ Azure Managed Redis: the browse list of every Managed Redis cache (a cluster and its
//! database), beside Home's Azure Cache for Redis list, with the same filter, subscription pill and
//! columns; the geo column names the active geo-replication group. `t` goes back to the other list.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use crate::arm::enterprise::EnterpriseId;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::data::Data;
use crate::tui::filter::{self, Typed};
use crate::tui::hits::{Hits, Target};
use crate::tui::view::{Ctx, ManagedItem, Open, Outcome};
use crate::tui::widgets::{self, list};

use super::home;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManagedListState {
    filter: String,
    pub editing: bool,
    table: TableState,
    /// Indexes into the fleet's clusters that pass the filter.
    visible: Vec<usize>,
    subscription: Option<String>,
}

impl ManagedListState {
    pub fn new(data: &Data) -> Self {
        let mut s = ManagedListState::default();
        s.refilter(data);
        s
    }

    fn selected(&self) -> usize {
        self.table.selected().unwrap_or(0)
    }

    pub fn selected_id(&self, data: &Data) -> Option<EnterpriseId> {
        data.managed().ids.get(*self.visible.get(self.selected())?).cloned()
    }

    /// Recomputes the rows after a poll, keeping the selected cache.
    pub fn refilter(&mut self, data: &Data) {
        let keep = self.selected_id(data);
        self.apply_filter(data);
        let at = keep.and_then(|k| data.managed().position(&k));
        if let Some(pos) = at.and_then(|i| self.visible.binary_search(&i).ok()) {
            self.table.select(Some(pos));
        }
        let n = self.visible.len();
        self.table.select(Some(self.selected().min(n.saturating_sub(1))));
    }

    fn apply_filter(&mut self, data: &Data) {
        let needle = self.filter.trim().to_ascii_lowercase();
        let fleet = data.managed();
        let scope = self.subscription.as_deref();
        self.visible = (0..fleet.ids.len())
            .filter(|i| scope.is_none_or(|s| fleet.ids[*i].subscription.eq_ignore_ascii_case(s)))
            .filter(|i| needle.is_empty() || fleet.search.get(*i).is_some_and(|s| s.contains(&needle)))
            .collect();
    }

    pub fn edit(&mut self, key: KeyEvent, data: &Data) {
        match filter::type_key(&mut self.filter, &mut self.editing, &key) {
            Typed::Filter => {
                self.apply_filter(data);
                self.table.select(Some(0));
            }
            Typed::Move(cmd) => {
                if let Some(i) = list::moved(self.selected(), cmd, self.visible.len(), 1) {
                    self.table.select(Some(i));
                }
            }
            Typed::Ignored => {}
        }
    }

    pub fn commands(&self, data: &Data) -> Vec<CommandInfo> {
        if self.editing {
            return filter::commands();
        }
        let mut out = vec![
            CommandInfo::new(Command::Up, "move").quiet(),
            CommandInfo::new(Command::Down, "move"),
            CommandInfo::new(Command::PageUp, "page up").quiet(),
            CommandInfo::new(Command::PageDown, "page down").quiet(),
            CommandInfo::new(Command::First, "first cache").quiet(),
            CommandInfo::new(Command::Last, "last cache").quiet(),
            CommandInfo::new(Command::Enter, "open").off(self.visible.is_empty().then(|| "No cache is listed.".into())),
            CommandInfo::new(Command::Filter, "filter"),
        ];
        let one = data.subscriptions().len() < 2 && self.subscription.is_none();
        out.push(
            CommandInfo::new(Command::Subscription, "subscription")
                .off(one.then(|| "Only one subscription is listed: there is nothing to choose.".into())),
        );
        out.push(CommandInfo::new(Command::ManagedRedis, "Azure Cache for Redis"));
        out.push(CommandInfo::new(Command::Back, if self.filter.is_empty() { "back" } else { "clear filter" }));
        out
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data, page: usize) -> Outcome {
        if let Some(i) = list::moved(self.selected(), cmd, self.visible.len(), page) {
            self.table.select(Some(i));
            return Outcome::Consumed;
        }
        match cmd {
            Command::Filter => self.editing = true,
            Command::ManagedRedis => return Outcome::Back,
            Command::Subscription => {
                self.subscription = home::next_subscription(self.subscription.as_deref(), data);
                self.apply_filter(data);
                self.table.select(Some(0));
            }
            Command::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.apply_filter(data);
                self.table.select(Some(0));
            }
            Command::Enter | Command::Right => {
                return match self.selected_id(data) {
                    Some(id) => Outcome::Open(Open::Managed(id, ManagedItem::Overview)),
                    None => Outcome::Consumed,
                };
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    pub fn on_click(&mut self, target: Target, data: &Data) -> Outcome {
        match target {
            Target::Row(i) if i < self.visible.len() => {
                self.editing = false;
                self.table.select(Some(i));
                self.on_command(Command::Enter, data, 1)
            }
            _ => Outcome::Ignored,
        }
    }
}

/// The list, drawn over the state.
pub struct ManagedListView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a ManagedListState,
}

impl ManagedListView<'_> {
    fn row(&self, pos: usize, i: usize, wide: bool) -> Row<'static> {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let fleet = data.managed();
        let (c, id) = (&fleet.clusters[i], &fleet.ids[i]);
        let selected = pos == self.state.selected() && self.ctx.focused;
        let (status, tone) = match fleet.status(id) {
            Some(s) => (s.to_string(), s.tone()),
            None => (String::new(), widgets::Tone::Busy),
        };
        let status_style = if selected { t.selected } else { tone.style(t) };
        let sub = data.subscription_name(&id.subscription).to_string();
        let cells = if wide {
            vec![
                Cell::from(c.cluster_name().to_string()),
                Cell::from(sub),
                Cell::from(id.resource_group.clone()),
                Cell::from(c.location.clone()),
                Cell::from(crate::tui::format::amr_sku(&c.sku)),
                Cell::from(Span::styled(status, status_style)),
                Cell::from(fleet.geo_label(id)),
            ]
        } else {
            vec![
                Cell::from(c.cluster_name().to_string()),
                Cell::from(widgets::ellipsize(&sub, 12)),
                Cell::from(c.location.clone()),
                Cell::from(Span::styled(status, status_style)),
                Cell::from(fleet.geo_label(id)),
            ]
        };
        Row::new(cells).style(if selected { t.selected } else { t.value })
    }

    fn table(&self, area: Rect, hits: &mut Hits, buf: &mut Buffer) {
        let (t, s) = (self.ctx.theme, self.state);
        let wide = area.width >= 110;
        let (header, widths) = if wide {
            (
                vec!["NAME", "SUBSCRIPTION", "RESOURCE GROUP", "LOCATION", "PRICING TIER", "STATUS", "GEO GROUP"],
                vec![
                    Constraint::Length(22),
                    Constraint::Length(18),
                    Constraint::Fill(1),
                    Constraint::Length(15),
                    Constraint::Length(16),
                    Constraint::Length(9),
                    Constraint::Length(18),
                ],
            )
        } else {
            (
                vec!["NAME", "SUBSCRIPTION", "LOCATION", "STATUS", "GEO GROUP"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Length(12),
                    Constraint::Length(14),
                    Constraint::Length(9),
                    Constraint::Length(18),
                ],
            )
        };
        list::render(area, buf, &s.table, s.visible.len(), hits, |window| {
            let rows: Vec<Row> = window.map(|pos| self.row(pos, s.visible[pos], wide)).collect();
            Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(1)
        });
    }
}

impl StatefulWidget for ManagedListView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data, s) = (self.ctx.theme, self.ctx.data, self.state);
        let total = data.managed().ids.len();
        let title = format!("Azure Managed Redis · {} of {total}", s.visible.len());
        let block = widgets::pane(t, &title, self.ctx.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let pill = format!("◂ Azure Cache for Redis · {}", self.ctx.keys.first_key(Command::ManagedRedis));
        if let Some(r) = widgets::border_pill(area, &pill, t.button, buf) {
            hits.push(r, Target::Command(Command::ManagedRedis));
        }
        let [filter_area, scope_area, table_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let line = home::filter_line(t, &s.filter, s.editing, " / Filter by name, location, SKU, group, subscription…");
        Paragraph::new(line).render(filter_area, buf);
        hits.push(filter_area, Target::Command(Command::Filter));
        if let Some(line) = home::scope_line(self.ctx, s.subscription.as_deref()) {
            Paragraph::new(line).render(scope_area, buf);
            hits.push(scope_area, Target::Command(Command::Subscription));
        }
        let table_area = table_area.inner(Margin { horizontal: 1, vertical: 0 });
        if !data.loaded {
            Paragraph::new(Span::styled("Loading caches…", t.muted)).render(table_area, buf);
        } else if s.visible.is_empty() {
            let why = if total == 0 {
                "No Azure Managed Redis caches in the subscriptions this console can see.".to_string()
            } else if s.filter.trim().is_empty() {
                "No Azure Managed Redis caches in this subscription.".to_string()
            } else {
                format!("No cache matches \"{}\" in any column.", s.filter)
            };
            Paragraph::new(Line::from(Span::styled(why, t.muted))).render(table_area, buf);
        } else {
            self.table(table_area, hits, buf);
        }
    }
}
