//! Home: the "Azure Cache for Redis" browse list of every cache, with `/` to filter on any column.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use crate::arm::ResourceId;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::data::{Data, Role};
use crate::tui::filter::{self, Typed};
use crate::tui::format;
use crate::tui::hits::{Hits, Target};
use crate::tui::view::{Ctx, MenuItem, Open, Outcome};
use crate::tui::widgets::{self, list};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HomeState {
    filter: String,
    editing: bool,
    table: TableState,
    /// Indexes into `Data::caches` that pass the filter.
    visible: Vec<usize>,
    /// Widths of the name and subscription columns: the longest of the rows that pass.
    widths: (u16, u16),
    /// The one subscription shown (the portal's subscription filter); `None`: all of them.
    subscription: Option<String>,
}

impl HomeState {
    pub fn editing(&self) -> bool {
        self.editing
    }

    pub fn selected(&self) -> usize {
        self.table.selected().unwrap_or(0)
    }

    /// Recomputes the rows after the caches changed, keeping the selected cache.
    pub fn refilter(&mut self, data: &Data) {
        let keep = self.visible.get(self.selected()).and_then(|i| data.ids().get(*i)).cloned();
        self.apply_filter(data);
        // `visible` is in the caches' order: the kept cache is found by its index, not by comparing ids.
        let at = keep.and_then(|k| data.snapshot().position(&k));
        if let Some(pos) = at.and_then(|i| self.visible.binary_search(&i).ok()) {
            self.table.select(Some(pos));
        }
        self.clamp();
    }

    fn apply_filter(&mut self, data: &Data) {
        let needle = self.filter.trim().to_ascii_lowercase();
        let scope = self.subscription.as_deref();
        self.visible = (0..data.caches().len())
            .filter(|i| scope.is_none_or(|s| data.ids()[*i].subscription.eq_ignore_ascii_case(s)))
            .filter(|i| needle.is_empty() || data.search().get(*i).is_some_and(|s| s.contains(&needle)))
            .collect();
        let widths = &data.snapshot().widths;
        let (mut name, mut sub) = (4u16, 4u16);
        for w in self.visible.iter().filter_map(|i| widths.get(*i)) {
            name = name.max(w.0);
            sub = sub.max(w.1);
        }
        self.widths = (name.min(64), sub.min(40));
    }

    fn clamp(&mut self) {
        let n = self.visible.len();
        self.table.select(Some(self.selected().min(n.saturating_sub(1))));
    }

    pub fn selected_id(&self, data: &Data) -> Option<ResourceId> {
        data.ids().get(*self.visible.get(self.selected())?).cloned()
    }

    /// A key while the filter is being typed; the filter changed, so the first match is selected.
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
            CommandInfo::new(Command::Enter, "open")
                .off((self.visible.is_empty()).then(|| "No cache is listed.".into())),
            CommandInfo::new(Command::Filter, "filter"),
        ];
        let one = data.subscriptions().len() < 2 && self.subscription.is_none();
        out.push(
            CommandInfo::new(Command::Subscription, "subscription")
                .off(one.then(|| "Only one subscription is listed: there is nothing to choose.".into())),
        );
        out.push(CommandInfo::new(Command::FleetGeoReplication, "geo-replication"));
        out.push(CommandInfo::new(Command::ManagedRedis, "managed redis"));
        if !self.filter.is_empty() {
            out.push(CommandInfo::new(Command::Back, "clear filter"));
        }
        out
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data, page: usize) -> Outcome {
        if let Some(i) = list::moved(self.selected(), cmd, self.visible.len(), page) {
            self.table.select(Some(i));
            return Outcome::Consumed;
        }
        match cmd {
            Command::Filter => self.editing = true,
            Command::FleetGeoReplication => return Outcome::Open(Open::FleetGeoReplication),
            Command::ManagedRedis => return Outcome::Open(Open::ManagedList),
            Command::Subscription => {
                self.subscription = next_subscription(self.subscription.as_deref(), data);
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
                    Some(id) => Outcome::Open(Open::Cache(id, MenuItem::Overview)),
                    None => Outcome::Consumed,
                };
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// A click on row `i`: ends typing a filter, as Enter does, and opens the cache.
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

pub use crate::tui::format::status;

/// The next subscription of a list's scope: all, then each listed one by name, then all again. A
/// chosen one that is no longer listed counts as all.
pub fn next_subscription(current: Option<&str>, data: &Data) -> Option<String> {
    let mut subs: Vec<&crate::arm::Subscription> = data.subscriptions().iter().collect();
    subs.sort_by_cached_key(|s| s.display_name.to_ascii_lowercase());
    let at = current.and_then(|c| subs.iter().position(|s| s.subscription_id.eq_ignore_ascii_case(c)));
    match at {
        None => subs.first().map(|s| s.subscription_id.clone()),
        Some(i) => subs.get(i + 1).map(|s| s.subscription_id.clone()),
    }
}

/// A list's filter line: the text being typed, the filter in force, or what `/` does (`hint`).
pub fn filter_line(t: &crate::tui::theme::Theme, filter: &str, editing: bool, hint: &str) -> Line<'static> {
    if editing {
        Line::from(vec![Span::styled(" Filter: ", t.label), Span::styled(format!("{filter}▏"), t.value)])
    } else if filter.is_empty() {
        Line::from(Span::styled(hint.to_string(), t.muted))
    } else {
        Line::from(vec![
            Span::styled(" Filter: ", t.label),
            Span::styled(filter.to_string(), t.value),
            Span::styled("   (/ to change, Esc to clear)", t.muted),
        ])
    }
}

/// The subscription filter, like the portal's pill: `Subscription: All (3)` or the one chosen.
pub fn scope_line(ctx: Ctx<'_>, chosen: Option<&str>) -> Option<Line<'static>> {
    let (t, data) = (ctx.theme, ctx.data);
    let n = data.subscriptions().len();
    if n < 2 && chosen.is_none() {
        return None;
    }
    let key = ctx.keys.first_key(Command::Subscription);
    let chosen = match chosen {
        Some(id) => data.subscription_name(id).to_string(),
        None => format!("All ({n})"),
    };
    Some(Line::from(vec![
        Span::styled(" Subscription: ", t.label),
        Span::styled(format!("[ {chosen} ▾ ]"), t.button),
        Span::styled(format!("  {key} next"), t.muted),
    ]))
}

/// The Home list, drawn over the state.
pub struct HomeView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a HomeState,
}

impl HomeView<'_> {
    fn row(&self, pos: usize, i: usize, wide: bool) -> Row<'static> {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let (c, id) = (&data.caches()[i], &data.ids()[i]);
        let selected = pos == self.state.selected() && self.ctx.focused;
        let state = status(c);
        let state_style = if selected { t.selected } else { widgets::Tone::of_cache(&c.provisioning_state()).style(t) };
        let role = match data.role(id) {
            Role::NotLinked => "—".to_string(),
            r => r.label().to_string(),
        };
        let sub = data.subscription_name(&id.subscription).to_string();
        let cells = if wide {
            vec![
                Cell::from(c.name().to_string()),
                Cell::from(sub),
                Cell::from(id.resource_group.clone()),
                Cell::from(c.location.clone()),
                Cell::from(format::tier(c)),
                Cell::from(Span::styled(state, state_style)),
                Cell::from(role),
            ]
        } else {
            vec![
                Cell::from(c.name().to_string()),
                Cell::from(widgets::ellipsize(&sub, 12)),
                Cell::from(c.location.clone()),
                Cell::from(Span::styled(state, state_style)),
                Cell::from(role),
            ]
        };
        Row::new(cells).style(if selected { t.selected } else { t.value })
    }

    fn table(&self, area: Rect, hits: &mut Hits, buf: &mut Buffer) {
        let (t, s) = (self.ctx.theme, self.state);
        // Narrow terminals show the SKU alone and no resource group (both are on the Overview).
        let wide = area.width >= 110;
        let (name_w, sub_w) = s.widths;
        let (header, widths) = if wide {
            (
                vec!["NAME", "SUBSCRIPTION", "RESOURCE GROUP", "LOCATION", "PRICING TIER", "STATUS", "GEO ROLE"],
                vec![
                    Constraint::Length(name_w),
                    Constraint::Length(sub_w),
                    Constraint::Fill(1),
                    Constraint::Length(15),
                    Constraint::Length(12),
                    Constraint::Length(10),
                    Constraint::Length(9),
                ],
            )
        } else {
            (
                vec!["NAME", "SUBSCRIPTION", "LOCATION", "STATUS", "GEO ROLE"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Length(12),
                    Constraint::Length(14),
                    Constraint::Length(9),
                    Constraint::Length(9),
                ],
            )
        };
        list::render(area, buf, &s.table, s.visible.len(), hits, |window| {
            let rows: Vec<Row> = window.map(|pos| self.row(pos, s.visible[pos], wide)).collect();
            Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(1)
        });
    }
}

impl StatefulWidget for HomeView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data, s) = (self.ctx.theme, self.ctx.data, self.state);
        let title = format!("Azure Cache for Redis · {} of {}", s.visible.len(), data.caches().len());
        let block = widgets::pane(t, &title, self.ctx.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let pill = format!("Geo-replication ▸ {}", self.ctx.keys.first_key(Command::FleetGeoReplication));
        if let Some(r) = widgets::border_pill(area, &pill, t.button, buf) {
            hits.push(r, Target::Command(Command::FleetGeoReplication));
            let managed = format!("Azure Managed Redis ▸ {}", self.ctx.keys.first_key(Command::ManagedRedis));
            if let Some(m) = widgets::border_pill_before(area, r.x.saturating_sub(1), &managed, t.button, buf) {
                hits.push(m, Target::Command(Command::ManagedRedis));
            }
        }
        let [filter_area, scope_area, table_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let line = filter_line(t, &s.filter, s.editing, " / Filter by name, location, tier, group, subscription…");
        Paragraph::new(line).render(filter_area, buf);
        hits.push(filter_area, Target::Command(Command::Filter));
        if let Some(line) = scope_line(self.ctx, s.subscription.as_deref()) {
            Paragraph::new(line).render(scope_area, buf);
            hits.push(scope_area, Target::Command(Command::Subscription));
        }
        let table_area = table_area.inner(Margin { horizontal: 1, vertical: 0 });
        if !data.loaded {
            Paragraph::new(Span::styled("Loading caches…", t.muted)).render(table_area, buf);
        } else if s.visible.is_empty() {
            let why = if data.caches().is_empty() {
                "No caches in the subscriptions this console can see.".to_string()
            } else if s.filter.trim().is_empty() {
                "No caches in this subscription.".to_string()
            } else {
                format!("No cache matches \"{}\" in any column.", s.filter)
            };
            Paragraph::new(Span::styled(why, t.muted)).render(table_area, buf);
        } else {
            self.table(table_area, hits, buf);
        }
    }
}
