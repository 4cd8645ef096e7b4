//! Keys and clicks become commands; a command goes to the focused surface, after the registry says
//! whether it is on (and why not, when it is off).

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};

use crate::tui::action::Effect;
use crate::tui::blades::Blade;
use crate::tui::blades::compatible_caches::CompatibleState;
use crate::tui::blades::fleet_geo::FleetState;
use crate::tui::blades::group_candidates::CandidatesState;
use crate::tui::blades::managed_cache::ManagedState;
use crate::tui::blades::managed_home::ManagedListState;
use crate::tui::blades::move_plan::MovePlanState;
use crate::tui::blades::resource_menu::CacheState;
use crate::tui::command::{self, Command, CommandInfo};
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::data::OpKind;
use crate::tui::hits::Target;
use crate::tui::view::{MenuItem, Open, Outcome};

use super::App;

/// The focused surface's name and commands, and the commands that work everywhere.
pub(super) fn commands(app: &App) -> (String, Vec<CommandInfo>, Vec<CommandInfo>) {
    commands_of(app, true)
}

/// The same, for the surface under the help overlay: what help lists.
pub(super) fn commands_under_help(app: &App) -> (String, Vec<CommandInfo>, Vec<CommandInfo>) {
    commands_of(app, false)
}

fn commands_of(app: &App, with_help: bool) -> (String, Vec<CommandInfo>, Vec<CommandInfo>) {
    if app.help.is_some() && with_help {
        let cmds = vec![
            CommandInfo::new(Command::Up, "scroll").quiet(),
            CommandInfo::new(Command::Down, "scroll"),
            CommandInfo::new(Command::Back, "close help"),
        ];
        return ("Help".into(), cmds, Vec::new());
    }
    if let Some(d) = &app.dialog {
        let mut cmds = vec![
            CommandInfo::new(Command::Left, "choose").quiet(),
            CommandInfo::new(Command::Right, "choose"),
            CommandInfo::new(Command::Enter, "press"),
        ];
        if d.az_command().is_some() {
            cmds.push(CommandInfo::new(Command::CopyCommand, "copy command"));
        }
        cmds.extend([
            CommandInfo::new(Command::Back, "cancel"),
            CommandInfo::new(Command::Quit, "cancel"),
            CommandInfo::new(Command::Help, "help"),
        ]);
        return (d.labels().0.into(), cmds, Vec::new());
    }
    if app.notifications.open {
        return ("Notifications".into(), app.notifications.commands(), Vec::new());
    }
    let (title, cmds) = match app.stack.last() {
        None => ("Azure Cache for Redis".to_string(), app.home.commands(&app.data)),
        Some(Blade::Cache(b)) => (b.item.label().to_string(), b.commands(&app.data, app.read_only)),
        Some(Blade::Compatible(c)) => ("Compatible caches".to_string(), c.commands(app.read_only)),
        Some(Blade::Fleet(f)) => ("Geo-replication (fleet)".to_string(), f.commands()),
        Some(Blade::ManagedList(m)) => ("Azure Managed Redis".to_string(), m.commands(&app.data)),
        Some(Blade::Managed(m)) => (m.item.label().to_string(), m.commands(&app.data, app.read_only)),
        Some(Blade::Candidates(c)) => ("Add cache to group".to_string(), c.commands(app.read_only)),
        Some(Blade::MovePlan(_)) => (
            "Plan move to Azure Managed Redis".to_string(),
            vec![CommandInfo::new(Command::Down, "scroll").quiet(), CommandInfo::new(Command::Back, "back")],
        ),
        Some(Blade::Details(..)) => (
            "details".to_string(),
            vec![CommandInfo::new(Command::Down, "scroll").quiet(), CommandInfo::new(Command::Back, "back")],
        ),
    };
    let mut global =
        vec![CommandInfo::new(Command::Refresh, "refresh"), CommandInfo::new(Command::Notifications, "notifications")];
    if app.connection.banner_text(app.data.clock).is_some() && !app.banner_dismissed {
        global.push(CommandInfo::new(Command::Dismiss, "dismiss error"));
    }
    global.extend([CommandInfo::new(Command::Help, "help"), CommandInfo::new(Command::Quit, "quit")]);
    (title, cmds, global)
}

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.dirty = true;
        if command::is_ctrl_c(&key) {
            // A second Ctrl-C at the quit question quits.
            if matches!(self.dialog.as_ref().map(|d| &d.what), Some(Confirm::Quit { .. })) {
                return self.confirm();
            }
            // Whatever is open: Ctrl-C means quit (asking first while an operation of this console runs).
            self.dialog = None;
            self.help = None;
            self.notifications.open = false;
            return self.ask_quit();
        }
        let modal = self.modal();
        let editing = match self.stack.last_mut() {
            _ if modal => false,
            None if self.home.editing() => {
                self.home.edit(key, &self.data);
                true
            }
            Some(Blade::Compatible(c)) if c.editing => {
                c.edit(key, &self.data);
                true
            }
            Some(Blade::Fleet(f)) if f.editing => {
                f.edit(key);
                true
            }
            Some(Blade::ManagedList(m)) if m.editing => {
                m.edit(key, &self.data);
                true
            }
            _ => false,
        };
        if editing {
            return Vec::new();
        }
        match self.keys.command(&key) {
            Some(cmd) => self.run(cmd),
            None => Vec::new(),
        }
    }

    fn modal(&self) -> bool {
        self.dialog.is_some() || self.help.is_some() || self.notifications.open
    }

    /// Rows per page: the list's rows on the last frame (a map above it takes some), or a guess.
    fn page(&self) -> usize {
        self.hits.page().unwrap_or((self.size.1 as usize).saturating_sub(9)).max(1)
    }

    /// Runs a command: off commands say why; the focused surface, then the global keys, handle it.
    pub(super) fn run(&mut self, cmd: Command) -> Vec<Effect> {
        self.dirty = true;
        let (_, cmds, global) = self.commands();
        if let Some(why) = cmds.iter().chain(&global).find(|c| c.command == cmd).and_then(|c| c.why_not.clone()) {
            self.set_notice(why);
            return Vec::new();
        }
        if let Some(scroll) = &mut self.help {
            match cmd {
                Command::Down => *scroll = scroll.saturating_add(1),
                Command::Up => *scroll = scroll.saturating_sub(1),
                Command::PageDown => *scroll = scroll.saturating_add(10),
                Command::PageUp => *scroll = scroll.saturating_sub(10),
                Command::First => *scroll = 0,
                Command::Last => *scroll = u16::MAX,
                Command::Back | Command::Help | Command::Quit | Command::Enter => self.help = None,
                _ => {}
            }
            return Vec::new();
        }
        if self.dialog.is_some() {
            return self.dialog_command(cmd);
        }
        if self.notifications.open {
            self.notifications.on_command(cmd);
            return Vec::new();
        }
        let page = self.page();
        let (data, read_only, max) = (&self.data, self.read_only, self.hits.scroll_max().unwrap_or(0));
        let outcome = match self.stack.last_mut() {
            None => self.home.on_command(cmd, data, page),
            Some(Blade::Cache(b)) => {
                let view = ratatui::layout::Size::new(self.size.0, self.size.1.saturating_sub(6));
                b.on_command(cmd, data, max, view)
            }
            Some(Blade::Compatible(c)) => c.on_command(cmd, data, page, read_only),
            Some(Blade::Fleet(f)) => f.on_command(cmd, page),
            Some(Blade::ManagedList(m)) => m.on_command(cmd, data, page),
            Some(Blade::Managed(m)) => m.on_command(cmd, data, max),
            Some(Blade::Candidates(c)) => c.on_command(cmd, data, page),
            Some(Blade::MovePlan(m)) => match cmd {
                Command::Up => {
                    m.scroll = m.scroll.saturating_sub(1);
                    Outcome::Consumed
                }
                Command::Down => {
                    m.scroll = m.scroll.saturating_add(1).min(max);
                    Outcome::Consumed
                }
                _ => Outcome::Ignored,
            },
            Some(Blade::Details(_, scroll)) => match cmd {
                Command::Up => {
                    *scroll = scroll.saturating_sub(1);
                    Outcome::Consumed
                }
                Command::Down => {
                    *scroll = scroll.saturating_add(1).min(max);
                    Outcome::Consumed
                }
                _ => Outcome::Ignored,
            },
        };
        if outcome != Outcome::Ignored {
            return self.apply(outcome);
        }
        self.global(cmd)
    }

    fn global(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::Help => self.help = Some(0),
            Command::Quit => return self.ask_quit(),
            Command::Notifications => self.notifications.toggle(),
            Command::Refresh => return vec![Effect::Refresh],
            Command::Dismiss => self.banner_dismissed = true,
            Command::Back => {
                self.stack.pop();
            }
            _ => {}
        }
        Vec::new()
    }

    /// Quits, or asks first when an operation of this console is still running.
    fn ask_quit(&mut self) -> Vec<Effect> {
        match self.data.any_running() {
            Some(o) => {
                let running =
                    format!("{} {} ({} → {})", o.kind.verb(), o.secondary.name, o.primary.name, o.secondary.name);
                let failover = o.kind == OpKind::Failover;
                let what = Confirm::Quit { running, embedded: self.embedded, failover };
                self.dialog = Some(Confirmation::new(what, Effect::Quit));
                Vec::new()
            }
            None => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    pub(super) fn apply(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::Ignored | Outcome::Consumed => {}
            Outcome::Open(Open::Cache(id, item)) => self.stack.push(Blade::Cache(CacheState::new(id, item))),
            Outcome::Open(Open::Compatible(primary)) => {
                self.stack.push(Blade::Compatible(CompatibleState::new(primary, &self.data)))
            }
            Outcome::Open(Open::Details(id)) => self.stack.push(Blade::Details(id, 0)),
            Outcome::Open(Open::FleetGeoReplication) => self.stack.push(Blade::Fleet(FleetState::new(&self.data))),
            Outcome::Open(Open::ManagedList) => {
                self.stack.clear();
                self.stack.push(Blade::ManagedList(ManagedListState::new(&self.data)));
            }
            Outcome::Open(Open::Managed(id, item)) => self.stack.push(Blade::Managed(ManagedState::new(id, item))),
            Outcome::Open(Open::GroupCandidates(id)) => {
                self.stack.push(Blade::Candidates(CandidatesState::new(id, &self.data)))
            }
            Outcome::Open(Open::MovePlan(id)) => {
                if let Some(link) = self.data.link(&id) {
                    let (primary, secondary) = link.pair(&id);
                    self.stack.push(Blade::MovePlan(MovePlanState::new(primary, secondary, &self.data)));
                }
            }
            Outcome::Back => {
                self.stack.pop();
            }
            Outcome::Confirm(mut c) => {
                if let Effect::StartLink { op, .. }
                | Effect::StartUnlink { op, .. }
                | Effect::StartFailover { op, .. }
                | Effect::Managed { op, .. } = &mut c.effect
                {
                    *op = self.next_op;
                    self.next_op += 1;
                }
                self.dialog = Some(*c);
            }
            Outcome::Effect(e) => return vec![e],
            Outcome::Notice(text) => self.set_notice(text),
            Outcome::Run(cmd) => return self.run(cmd),
        }
        Vec::new()
    }

    fn dialog_command(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(d) = &mut self.dialog else { return Vec::new() };
        match cmd {
            Command::Left
            | Command::Right
            | Command::NextPane
            | Command::PreviousPane
            | Command::Up
            | Command::Down => {
                d.confirm_focused = !d.confirm_focused;
            }
            Command::Enter if d.confirm_focused => return self.confirm(),
            Command::Enter | Command::Back | Command::Quit => self.dialog = None,
            Command::CopyCommand => {
                if let Some(args) = d.az_command() {
                    self.set_notice("Copied the az command to the clipboard (OSC 52).".into());
                    return vec![Effect::Copy(args.join(" "))];
                }
            }
            Command::Help => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        let target = self.hits.at(m.column, m.row);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => match target {
                Some(t) => {
                    self.dirty = true;
                    self.click(t, false)
                }
                None => Vec::new(),
            },
            MouseEventKind::Down(MouseButton::Right) => match target {
                Some(t @ Target::Row(_)) => {
                    self.dirty = true;
                    self.click(t, true)
                }
                _ => Vec::new(),
            },
            MouseEventKind::ScrollDown if !self.modal() || self.help.is_some() => self.run(Command::Down),
            MouseEventKind::ScrollUp if !self.modal() || self.help.is_some() => self.run(Command::Up),
            _ => Vec::new(),
        }
    }

    fn click(&mut self, target: Target, right: bool) -> Vec<Effect> {
        match target {
            Target::Nothing => Vec::new(),
            Target::Command(Command::Help) if self.help.is_some() => {
                self.help = None;
                Vec::new()
            }
            Target::Command(Command::Notifications) if self.notifications.open => {
                self.notifications.toggle();
                Vec::new()
            }
            Target::Command(cmd) => self.run(cmd),
            Target::DialogButton(true) => self.confirm(),
            Target::DialogButton(false) => {
                self.dialog = None;
                Vec::new()
            }
            Target::Crumb(keep) => {
                self.stack.truncate(keep);
                self.dialog = None;
                self.help = None;
                self.notifications.open = false;
                Vec::new()
            }
            Target::Row(_) | Target::Menu(_) | Target::ContextItem(_) | Target::Region(_) => {
                let read_only = self.read_only;
                let outcome = match self.stack.last_mut() {
                    None => self.home.on_click(target, &self.data),
                    Some(Blade::Cache(b)) => b.on_click(target, &self.data),
                    Some(Blade::Compatible(c)) => c.on_click(target, right, &self.data, read_only),
                    Some(Blade::Fleet(f)) => f.on_click(target),
                    Some(Blade::ManagedList(m)) => m.on_click(target, &self.data),
                    Some(Blade::Managed(m)) => m.on_click(target, &self.data),
                    Some(Blade::Candidates(c)) => c.on_click(target, &self.data),
                    Some(Blade::MovePlan(_)) => Outcome::Ignored,
                    Some(Blade::Details(..)) => Outcome::Ignored,
                };
                self.apply(outcome)
            }
        }
    }

    /// Opens a blade as if the user had (for the Geo-replication blade after a link starts).
    pub(super) fn show_geo(&mut self, primary: &crate::arm::ResourceId) {
        while !self.stack.is_empty() && !matches!(self.stack.last(), Some(Blade::Cache(b)) if &b.id == primary) {
            self.stack.pop();
        }
        match self.stack.last_mut() {
            Some(Blade::Cache(b)) => b.show(MenuItem::GeoReplication),
            _ => {
                let mut b = CacheState::new(primary.clone(), MenuItem::GeoReplication);
                b.show(MenuItem::GeoReplication);
                self.stack.push(Blade::Cache(b));
            }
        }
    }
}
