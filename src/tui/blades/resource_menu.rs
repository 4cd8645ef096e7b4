//! An open cache: the resource menu on the left, grouped like the portal's, and the selected item's
//! blade to its right. The state and the commands of the whole open cache live here.

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, Widget};

use crate::arm::ResourceId;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::data::Data;
use crate::tui::hits::{Hits, Target};
use crate::tui::view::{Ctx, MenuItem, Outcome, Pane};
use crate::tui::widgets;

use super::geo_dashboard::{self, DashboardState};
use super::geo_replication::{self, GeoState};

/// An open cache: its resource menu and the selected item's blade.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheState {
    pub id: ResourceId,
    pub item: MenuItem,
    pub pane: Pane,
    pub geo: GeoState,
    pub dashboard: DashboardState,
    /// How far Overview or Properties is scrolled (they scroll when the terminal is short).
    pub scroll: u16,
}

impl CacheState {
    pub fn new(id: ResourceId, item: MenuItem) -> Self {
        CacheState {
            id,
            item,
            pane: Pane::Menu,
            geo: GeoState::default(),
            dashboard: DashboardState::default(),
            scroll: 0,
        }
    }

    /// Shows `item`, with the keyboard in its blade.
    pub fn show(&mut self, item: MenuItem) {
        if self.item != item {
            self.scroll = 0;
        }
        self.item = item;
        self.pane = Pane::Content;
        self.geo.on_buttons = true;
    }

    pub fn commands(&self, data: &Data, read_only: bool) -> Vec<CommandInfo> {
        let mut out = vec![CommandInfo::new(Command::Up, "move").quiet(), CommandInfo::new(Command::Down, "move")];
        match (self.pane, self.item) {
            (Pane::Menu, _) => out.push(CommandInfo::new(Command::Enter, "open")),
            (Pane::Content, MenuItem::GeoReplication) => out.extend(geo_replication::nav_commands(&self.geo)),
            (Pane::Content, MenuItem::GeoDashboard) => out.extend(geo_dashboard::commands()),
            (Pane::Content, _) => out.extend([
                CommandInfo::new(Command::PageUp, "scroll a page up").quiet(),
                CommandInfo::new(Command::PageDown, "scroll a page down").quiet(),
                CommandInfo::new(Command::First, "scroll to the top").quiet(),
                CommandInfo::new(Command::Last, "scroll to the end").quiet(),
                CommandInfo::new(Command::Left, "back to the menu").quiet(),
            ]),
        }
        out.push(CommandInfo::new(Command::NextPane, "pane"));
        out.push(CommandInfo::new(Command::PreviousPane, "previous pane").quiet());
        out.extend(geo_replication::action_commands(data, &self.id, read_only));
        let why_not = match data.link(&self.id) {
            None => Some(format!("{} is not linked: the plan is for a linked Premium pair.", self.id.name)),
            Some(_) => None,
        };
        out.push(CommandInfo::new(Command::PlanMove, "plan move to AMR").off(why_not));
        out.extend([
            CommandInfo::new(Command::JumpOverview, "Overview").quiet(),
            CommandInfo::new(Command::JumpGeoReplication, "Geo-replication").quiet(),
            CommandInfo::new(Command::JumpProperties, "Properties").quiet(),
            CommandInfo::new(Command::JumpDashboard, "Geo-replication dashboard").quiet(),
            CommandInfo::new(Command::Back, "back"),
        ]);
        out
    }

    /// `scroll_max`: how far the Overview or Properties can scroll at the last frame's size.
    pub fn on_command(&mut self, cmd: Command, data: &Data, scroll_max: u16, view: Size) -> Outcome {
        match cmd {
            Command::NextPane | Command::PreviousPane => {
                self.pane = if self.pane == Pane::Menu { Pane::Content } else { Pane::Menu };
                self.geo.on_buttons = true;
                return Outcome::Consumed;
            }
            Command::JumpOverview => self.show(MenuItem::Overview),
            Command::JumpGeoReplication => self.show(MenuItem::GeoReplication),
            Command::JumpProperties => self.show(MenuItem::Properties),
            Command::JumpDashboard => self.show(MenuItem::GeoDashboard),
            Command::PlanMove => return Outcome::Open(crate::tui::view::Open::MovePlan(self.id.clone())),
            Command::NextWindow | Command::PreviousWindow => {
                self.show(MenuItem::GeoDashboard);
                return geo_dashboard::on_command(&mut self.dashboard, &mut self.pane, cmd);
            }
            Command::AddLink | Command::Unlink | Command::Failover | Command::Refresh => {
                self.show(MenuItem::GeoReplication);
                return geo_replication::press(&self.id, &mut self.geo, cmd, data);
            }
            _ if self.pane == Pane::Menu => return self.menu_command(cmd),
            _ if self.item == MenuItem::GeoReplication => {
                return geo_replication::on_command(&self.id, &mut self.geo, &mut self.pane, cmd, data);
            }
            _ if self.item == MenuItem::GeoDashboard => {
                return geo_dashboard::on_command(&mut self.dashboard, &mut self.pane, cmd);
            }
            _ => return self.scroll_command(cmd, scroll_max, view.height.saturating_sub(2).max(1)),
        }
        Outcome::Consumed
    }

    fn menu_command(&mut self, cmd: Command) -> Outcome {
        let i = self.item.index();
        let last = MenuItem::ALL.len() - 1;
        let to = match cmd {
            Command::Up => i.saturating_sub(1),
            Command::Down => (i + 1).min(last),
            Command::First => 0,
            Command::Last => last,
            Command::Enter | Command::Right => {
                self.show(self.item);
                return Outcome::Consumed;
            }
            _ => return Outcome::Ignored,
        };
        if to != i {
            self.scroll = 0;
        }
        self.item = MenuItem::ALL[to];
        Outcome::Consumed
    }

    fn scroll_command(&mut self, cmd: Command, max: u16, page: u16) -> Outcome {
        let s = self.scroll;
        self.scroll = match cmd {
            Command::Left => {
                self.pane = Pane::Menu;
                return Outcome::Consumed;
            }
            Command::Up => s.saturating_sub(1),
            Command::Down => s.saturating_add(1),
            Command::PageUp => s.saturating_sub(page),
            Command::PageDown => s.saturating_add(page),
            Command::First => 0,
            Command::Last => max,
            _ => return Outcome::Ignored,
        }
        .min(max);
        Outcome::Consumed
    }

    pub fn on_click(&mut self, target: Target, data: &Data) -> Outcome {
        match target {
            Target::Menu(i) => {
                let item = MenuItem::ALL.get(i).copied().unwrap_or(MenuItem::Overview);
                if item != self.item {
                    self.scroll = 0;
                }
                self.item = item;
                self.pane = Pane::Menu;
                Outcome::Consumed
            }
            Target::Row(i) if self.item == MenuItem::GeoReplication => {
                self.pane = Pane::Content;
                self.geo.on_buttons = false;
                self.geo.row = i.min(data.link(&self.id).map_or(0, |_| 1));
                Outcome::Consumed
            }
            _ => Outcome::Ignored,
        }
    }
}

/// Menu width for a body of `width` columns.
pub fn width(body_width: u16) -> u16 {
    if body_width >= 110 { 26 } else { 22 }
}

/// The resource menu, drawn over the open cache's state.
pub struct ResourceMenuView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a CacheState,
}

impl StatefulWidget for ResourceMenuView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let items: Vec<Item> =
            MenuItem::ALL.iter().enumerate().map(|(n, m)| (m.group(), m.label(), m.short_label(), n + 1)).collect();
        let focused = self.ctx.focused && self.state.pane == Pane::Menu;
        render_menu(self.ctx, &self.state.id.name, &items, self.state.item.index(), focused, area, buf, hits);
    }
}

/// A menu item: its group's heading, its label, the label where the menu is narrow, and its jump key.
pub type Item = (&'static str, &'static str, &'static str, usize);

/// A resource menu titled `name`: `items` under their group headings, `selected` marked, each item's
/// jump key where there is room, each a click target ([`Target::Menu`]).
#[allow(clippy::too_many_arguments)]
pub fn render_menu(
    ctx: Ctx<'_>,
    name: &str,
    items: &[Item],
    selected: usize,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    hits: &mut Hits,
) {
    let t = ctx.theme;
    let name = widgets::ellipsize(name, area.width.saturating_sub(6) as usize);
    let block = widgets::pane(t, &name, focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines = Vec::new();
    let mut group = "";
    for (n, (item_group, label, short, key)) in items.iter().enumerate() {
        if *item_group != group {
            group = item_group;
            lines.push(Line::from(Span::styled(format!(" {group}"), t.group)));
        }
        let is_selected = n == selected;
        let marker = if is_selected { "▶" } else { " " };
        let style = match (is_selected, focused) {
            (true, true) => t.selected,
            (true, false) => t.selected_unfocused,
            _ => t.value,
        };
        let full = format!(" {marker} {label}");
        let label = if full.chars().count() <= inner.width as usize {
            full
        } else {
            format!(" {marker} {}", widgets::ellipsize(short, (inner.width as usize).saturating_sub(3)))
        };
        // The jump key, where there is room for it after a space.
        let room = (inner.width as usize).saturating_sub(label.chars().count());
        let jump = if room >= 3 { format!("{key} ") } else { String::new() };
        let pad = room.saturating_sub(jump.len());
        let y = inner.y + lines.len() as u16;
        lines.push(Line::from(vec![
            Span::styled(format!("{label}{}", " ".repeat(pad)), style),
            Span::styled(jump, if is_selected { style } else { t.muted }),
        ]));
        hits.push(Rect::new(inner.x, y, inner.width, 1).intersection(inner), Target::Menu(n));
    }
    Paragraph::new(lines).render(inner, buf);
}
