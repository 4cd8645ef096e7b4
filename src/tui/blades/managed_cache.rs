//! An open Azure Managed Redis cache: its resource menu (Overview, Active geo-replication) and the
//! selected item's blade. The state and the commands of the whole open cache live here.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::StatefulWidget;

use crate::arm::enterprise::EnterpriseId;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::data::Data;
use crate::tui::hits::{Hits, Target};
use crate::tui::view::{Ctx, ManagedItem, Outcome, Pane};

use super::active_geo::{self, ActiveGeoView, ActiveState};
use super::managed_overview::ManagedOverviewView;
use super::resource_menu::{self, Item};

#[derive(Clone, Debug, PartialEq)]
pub struct ManagedState {
    /// The cluster.
    pub id: EnterpriseId,
    pub item: ManagedItem,
    pub pane: Pane,
    pub active: ActiveState,
    pub dashboard: super::geo_dashboard::DashboardState,
    pub scroll: u16,
}

impl ManagedState {
    pub fn new(id: EnterpriseId, item: ManagedItem) -> Self {
        let mut s = ManagedState {
            id,
            item,
            pane: Pane::Menu,
            active: ActiveState::default(),
            dashboard: Default::default(),
            scroll: 0,
        };
        if item != ManagedItem::Overview {
            s.show(item);
        }
        s
    }

    /// Shows `item`, with the keyboard in its blade.
    pub fn show(&mut self, item: ManagedItem) {
        if self.item != item {
            self.scroll = 0;
        }
        self.item = item;
        self.pane = Pane::Content;
        self.active.on_buttons = true;
    }

    pub fn commands(&self, data: &Data, read_only: bool) -> Vec<CommandInfo> {
        let mut out = vec![CommandInfo::new(Command::Up, "move").quiet(), CommandInfo::new(Command::Down, "move")];
        match (self.pane, self.item) {
            (Pane::Menu, _) => out.push(CommandInfo::new(Command::Enter, "open")),
            (Pane::Content, ManagedItem::ActiveGeoReplication) => out.extend(active_geo::nav_commands(&self.active)),
            (Pane::Content, ManagedItem::GeoDashboard) => out.extend(super::geo_dashboard::commands()),
            (Pane::Content, ManagedItem::Overview) => out.extend([
                CommandInfo::new(Command::PageUp, "scroll a page up").quiet(),
                CommandInfo::new(Command::PageDown, "scroll a page down").quiet(),
                CommandInfo::new(Command::Left, "back to the menu").quiet(),
            ]),
        }
        out.push(CommandInfo::new(Command::NextPane, "pane"));
        out.push(CommandInfo::new(Command::PreviousPane, "previous pane").quiet());
        out.extend(active_geo::action_commands(data, &self.id, &self.active, read_only));
        out.extend([
            CommandInfo::new(Command::JumpOverview, "Overview").quiet(),
            CommandInfo::new(Command::JumpGeoReplication, "Active geo-replication").quiet(),
            CommandInfo::new(Command::JumpDashboard, "Geo-replication dashboard").quiet(),
            CommandInfo::new(Command::Back, "back"),
        ]);
        out
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data, scroll_max: u16) -> Outcome {
        match cmd {
            Command::NextPane | Command::PreviousPane => {
                self.pane = if self.pane == Pane::Menu { Pane::Content } else { Pane::Menu };
                return Outcome::Consumed;
            }
            Command::JumpOverview => self.show(ManagedItem::Overview),
            Command::JumpGeoReplication => self.show(ManagedItem::ActiveGeoReplication),
            Command::JumpDashboard => self.show(ManagedItem::GeoDashboard),
            Command::NextWindow | Command::PreviousWindow => {
                self.show(ManagedItem::GeoDashboard);
                return super::geo_dashboard::on_command(&mut self.dashboard, &mut self.pane, cmd);
            }
            Command::AddLink | Command::Unlink | Command::Flush | Command::Refresh => {
                self.show(ManagedItem::ActiveGeoReplication);
                return active_geo::press(&self.id, &mut self.active, cmd, data);
            }
            _ if self.pane == Pane::Menu => return self.menu_command(cmd),
            _ if self.item == ManagedItem::ActiveGeoReplication => {
                return active_geo::on_command(&self.id, &mut self.active, &mut self.pane, cmd, data);
            }
            _ if self.item == ManagedItem::GeoDashboard => {
                return super::geo_dashboard::on_command(&mut self.dashboard, &mut self.pane, cmd);
            }
            _ => return self.scroll_command(cmd, scroll_max),
        }
        Outcome::Consumed
    }

    fn menu_command(&mut self, cmd: Command) -> Outcome {
        let i = self.item.index();
        if matches!(cmd, Command::Enter | Command::Right) {
            self.show(self.item);
            return Outcome::Consumed;
        }
        // The lists' movement (one place for what Up, Down, Home and End do).
        let Some(to) = crate::tui::widgets::list::moved(i, cmd, ManagedItem::ALL.len(), 1) else {
            return Outcome::Ignored;
        };
        if to != i {
            self.scroll = 0;
        }
        self.item = ManagedItem::ALL[to];
        Outcome::Consumed
    }

    fn scroll_command(&mut self, cmd: Command, max: u16) -> Outcome {
        let s = self.scroll;
        self.scroll = match cmd {
            Command::Left => {
                self.pane = Pane::Menu;
                return Outcome::Consumed;
            }
            Command::Up => s.saturating_sub(1),
            Command::Down => s.saturating_add(1),
            Command::PageUp => s.saturating_sub(10),
            Command::PageDown => s.saturating_add(10),
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
                let item = ManagedItem::ALL.get(i).copied().unwrap_or(ManagedItem::Overview);
                if item != self.item {
                    self.scroll = 0;
                }
                self.item = item;
                self.pane = Pane::Menu;
                Outcome::Consumed
            }
            Target::Row(i) if self.item == ManagedItem::ActiveGeoReplication => {
                self.pane = Pane::Content;
                active_geo::click_row(&self.id, &mut self.active, i, data)
            }
            _ => Outcome::Ignored,
        }
    }
}

/// The open cache: menu and blade.
pub struct ManagedCacheView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a ManagedState,
}

impl StatefulWidget for ManagedCacheView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let s = self.state;
        let [menu, content] =
            Layout::horizontal([Constraint::Length(resource_menu::width(area.width)), Constraint::Fill(1)]).areas(area);
        let items: Vec<Item> =
            ManagedItem::ALL.iter().map(|m| (m.group(), m.label(), m.short_label(), m.key())).collect();
        let focused = self.ctx.focused && s.pane == Pane::Menu;
        resource_menu::render_menu(self.ctx, &s.id.cluster, &items, s.item.index(), focused, menu, buf, hits);
        let ctx = self.ctx.focus(s.pane == Pane::Content);
        match s.item {
            ManagedItem::Overview => {
                ManagedOverviewView { ctx, id: &s.id, scroll: s.scroll }.render(content, buf, hits)
            }
            ManagedItem::ActiveGeoReplication => {
                ActiveGeoView { ctx, id: &s.id, state: &s.active }.render(content, buf, hits)
            }
            ManagedItem::GeoDashboard => {
                super::managed_dashboard::ManagedDashboardView { ctx, id: &s.id, state: &s.dashboard }
                    .render(content, buf, hits)
            }
        }
    }
}
