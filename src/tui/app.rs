//! The console's state and the only place it changes: `App::update(Action) -> Vec<Effect>`.

use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};

use crate::arm::{OperationState, ResourceId};
use crate::client::ClientError;

use super::action::{Action, Command, Effect};
use super::blades::compatible_caches::CompatibleCaches;
use super::blades::home::Home;
use super::blades::notifications::{Level, Notifications};
use super::blades::resource_menu::{CacheBlade, MenuItem, Pane};
use super::blades::{Blade, Click, Dialog, Outcome, geo_replication, help, link_dialog, unlink_dialog};
use super::data::{Data, OpKind, TrackedOp};
use super::keymap;
use super::render;
use super::theme::Theme;

/// Why Link and Unlink do nothing in a read-only session (`georep ssh --read-only`).
pub const READ_ONLY_NOTICE: &str = "Read-only session: it can browse and watch, not link or unlink.";

/// How long a notice stays in the notice line.
const NOTICE_FOR: Duration = Duration::from_secs(6);

/// An error from the backend, shown as a banner until it clears or is dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Banner {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// Set by the poller: cleared when a poll succeeds again.
    pub from_poller: bool,
}

impl Banner {
    fn from_error(e: &ClientError, from_poller: bool) -> Self {
        Banner {
            code: e.code().to_string(),
            message: e.message(),
            request_id: e.request_id().map(str::to_string),
            from_poller,
        }
    }
}

pub struct App {
    pub data: Data,
    pub theme: Theme,
    /// Where the console is connected, for the header.
    pub backend: String,
    /// Browse and watch only (no Link/Unlink).
    pub read_only: bool,
    pub home: Home,
    /// Blades above Home.
    pub stack: Vec<Blade>,
    pub dialog: Option<Dialog>,
    /// The help overlay, with its scroll offset.
    pub help: Option<u16>,
    pub notifications: Notifications,
    pub banner: Option<Banner>,
    /// A one-line notice and when it goes.
    pub notice: Option<(String, Duration)>,
    pub size: (u16, u16),
    /// Something on screen changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
    next_op: u64,
}

impl App {
    pub fn new(backend: impl Into<String>, theme: Theme) -> Self {
        App {
            data: Data::default(),
            theme,
            backend: backend.into(),
            read_only: false,
            home: Home::default(),
            stack: Vec::new(),
            dialog: None,
            help: None,
            notifications: Notifications::default(),
            banner: None,
            notice: None,
            size: (0, 0),
            dirty: true,
            quit: false,
            next_op: 1,
        }
    }

    /// A dialog, help or notifications overlay has the keyboard.
    pub fn modal(&self) -> bool {
        self.dialog.is_some() || self.help.is_some() || self.notifications.open
    }

    pub fn top(&self) -> &Blade {
        self.stack.last().unwrap_or(&Blade::Home)
    }

    /// Whether the loop should send ticks: something animates, counts time or will expire.
    pub fn wants_ticks(&self) -> bool {
        self.animating() || self.notice.is_some()
    }

    /// The screen shows something that moves with time: the open cache's link or operation. Home and
    /// the lists show status words only, so an operation elsewhere costs them no frames.
    pub fn animating(&self) -> bool {
        match self.top() {
            Blade::Cache(b) => self.data.moving(&b.id),
            Blade::Details(id) => self.data.moving(id),
            Blade::Home | Blade::Compatible(_) => false,
        }
    }

    /// Sets the console clock (the loop calls this before each update).
    pub fn set_clock(&mut self, now: Duration) {
        self.data.clock = now;
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut fx = Vec::new();
        match action {
            Action::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    fx = self.on_key(key);
                    self.dirty = true;
                }
            }
            Action::Mouse(m) => fx = self.on_mouse(m),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Action::Tick(now) => {
                self.data.clock = now;
                if let Some((_, until)) = &self.notice
                    && now >= *until
                {
                    self.notice = None;
                    self.dirty = true;
                }
                if self.animating() {
                    self.dirty = true;
                }
            }
            Action::SubscriptionsLoaded(subs) => {
                self.data.subscriptions = subs;
                self.dirty = true;
            }
            Action::CachesLoaded(caches) => {
                self.data.set_caches(caches);
                self.data_changed();
            }
            Action::LinkedServersLoaded(linked) => {
                self.data.linked = linked;
                self.data_changed();
            }
            Action::BackendError(e) => {
                self.banner = Some(Banner::from_error(&e, true));
                self.dirty = true;
            }
            Action::BackendRecovered => {
                if self.banner.as_ref().is_some_and(|b| b.from_poller) {
                    self.banner = None;
                    self.dirty = true;
                }
            }
            Action::OperationAccepted { op, lro } => {
                let Some(o) = self.op_mut(op) else { return fx };
                match lro {
                    Some(lro) => {
                        o.lro = Some(lro.clone());
                        fx.push(Effect::PollOperation { op, lro });
                    }
                    None => {
                        // Done at once (nothing was there to remove): ended, and said so, as any other.
                        self.finish_op(op, OperationState::Succeeded, None);
                        fx.push(Effect::Refresh);
                    }
                }
                self.dirty = true;
            }
            Action::OperationRejected { op, error } => {
                self.finish_op(op, OperationState::Failed, Some(error.to_string()));
                self.banner = Some(Banner::from_error(&error, false));
                fx.push(Effect::Refresh);
            }
            Action::OperationProgress { op, status } => {
                // An operation already ended (see `reconcile_ops`) keeps its ending.
                let Some(o) = self.op_mut(op).filter(|o| o.running()) else { return fx };
                o.percent = status.percent.or(o.percent);
                o.state = status.state.clone();
                if status.state.is_terminal() {
                    let error = status.error.map(|e| e.to_string()).or_else(|| {
                        (status.state != OperationState::Succeeded)
                            .then(|| format!("the operation ended {}", status.state))
                    });
                    self.finish_op(op, status.state, error);
                    fx.push(Effect::Refresh);
                }
                self.dirty = true;
            }
            Action::OperationPollFailed { op, error } => {
                self.finish_op(op, OperationState::Failed, Some(format!("lost track of the operation: {error}")));
                self.banner = Some(Banner::from_error(&error, false));
                fx.push(Effect::Refresh);
            }
        }
        fx
    }

    fn op_mut(&mut self, op: u64) -> Option<&mut TrackedOp> {
        self.data.ops.iter_mut().find(|o| o.id == op)
    }

    /// Ends an operation and says so in the notifications.
    fn finish_op(&mut self, op: u64, state: OperationState, error: Option<String>) {
        let clock = self.data.clock;
        let Some(o) = self.op_mut(op) else { return };
        if o.finished.is_some() {
            return;
        }
        o.finished = Some(clock);
        o.state = state.clone();
        o.error = error.clone();
        if state == OperationState::Succeeded {
            o.percent = o.percent.map(|_| 100.0);
        }
        let (verb, p, s) = match o.kind {
            OpKind::Link => ("Linking", o.primary.name.clone(), o.secondary.name.clone()),
            OpKind::Unlink => ("Unlinking", o.primary.name.clone(), o.secondary.name.clone()),
        };
        let (level, text) = match (state, error) {
            (OperationState::Succeeded, _) => (Level::Success, format!("{verb} {s} from {p} succeeded")),
            (_, Some(e)) => (Level::Error, format!("{verb} {s} from {p} failed: {e}")),
            (other, None) => (Level::Error, format!("{verb} {s} from {p} ended {other}")),
        };
        let text = if matches!(o.kind, OpKind::Link) { text.replacen(" from ", " to ", 1) } else { text };
        self.notify(level, text);
    }

    pub fn notify(&mut self, level: Level, text: String) {
        self.notice = Some((text.clone(), self.data.clock + NOTICE_FOR));
        self.notifications.push(level, text, self.data.clock);
        self.dirty = true;
    }

    fn data_changed(&mut self) {
        self.reconcile_ops();
        self.home.refilter(&self.data);
        for blade in &mut self.stack {
            if let Blade::Compatible(c) = blade {
                c.refresh(&self.data);
            }
        }
        self.dirty = true;
    }

    /// The listed links can show an operation's end before its own poll does (the poller and the
    /// operation's poll run on their own clocks): end the tracked operation then, so the buttons that
    /// wait for it come back at once. Its poll's later answer finds it already finished.
    fn reconcile_ops(&mut self) {
        let done: Vec<u64> = self
            .data
            .ops
            .iter()
            .filter(|o| o.running() && o.lro.is_some())
            .filter(|o| match o.kind {
                OpKind::Link => {
                    self.data.link(&o.primary).is_some_and(|l| l.entry.state() == crate::arm::LinkState::Succeeded)
                }
                OpKind::Unlink => {
                    self.data.link(&o.primary).is_none()
                        && self.data.cache(&o.primary).is_some_and(|c| c.linked_server_ids().next().is_none())
                }
            })
            .map(|o| o.id)
            .collect();
        for op in done {
            self.finish_op(op, OperationState::Succeeded, None);
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if keymap::is_ctrl_c(&key) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if let Some(scroll) = self.help {
            let screen = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
            self.help = help::on_key(scroll, keymap::command(&key)).map(|s| s.min(help::max_scroll(screen)));
            return Vec::new();
        }
        if self.dialog.is_some() {
            return self.dialog_command(keymap::command(&key));
        }
        if self.notifications.open {
            if let Some(cmd) = keymap::command(&key) {
                self.notifications.on_command(cmd);
            }
            return Vec::new();
        }
        if matches!(self.top(), Blade::Home) && self.home.editing {
            self.home.edit(key, &self.data);
            return Vec::new();
        }
        let Some(cmd) = keymap::command(&key) else { return Vec::new() };
        self.command(cmd)
    }

    /// Runs a command against the top blade, then the global keys.
    pub fn command(&mut self, cmd: Command) -> Vec<Effect> {
        let outcome = match self.stack.last_mut() {
            None | Some(Blade::Home) => self.home.on_command(cmd, &self.data),
            Some(Blade::Cache(b)) => b.on_command(cmd, &self.data),
            Some(Blade::Compatible(c)) => c.on_command(cmd, &self.data),
            Some(Blade::Details(_)) => Outcome::Ignored,
        };
        if outcome != Outcome::Ignored {
            let max = render::scroll_max(self);
            if let Some(Blade::Cache(b)) = self.stack.last_mut() {
                b.scroll = b.scroll.min(max);
            }
            return self.apply(outcome);
        }
        match cmd {
            Command::Help => self.help = Some(0),
            Command::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Command::Notifications => self.notifications.toggle(),
            Command::Refresh => return vec![Effect::Refresh],
            Command::Dismiss => self.banner = None,
            Command::Back => {
                self.stack.pop();
            }
            _ => {}
        }
        Vec::new()
    }

    fn apply(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::Ignored | Outcome::Consumed => {}
            // The Add button of a read-only session: it leads only to linking.
            Outcome::Open(Blade::Compatible(_)) if self.read_only => {
                self.notice = Some((READ_ONLY_NOTICE.into(), self.data.clock + NOTICE_FOR));
            }
            Outcome::Open(blade) => self.stack.push(blade),
            Outcome::Back => {
                self.stack.pop();
            }
            Outcome::Dialog(d) => {
                if self.read_only {
                    self.notice = Some((READ_ONLY_NOTICE.into(), self.data.clock + NOTICE_FOR));
                } else {
                    self.dialog = Some(d);
                }
            }
            Outcome::Effect(e) => return vec![e],
            Outcome::Notice(text) => self.notice = Some((text, self.data.clock + NOTICE_FOR)),
        }
        Vec::new()
    }

    fn dialog_command(&mut self, cmd: Option<Command>) -> Vec<Effect> {
        let Some(dialog) = &mut self.dialog else { return Vec::new() };
        let confirmed = match dialog {
            Dialog::Link(d) => d.on_command(cmd),
            Dialog::Unlink(d) => d.on_command(cmd),
        };
        match confirmed {
            None => Vec::new(),
            Some(false) => {
                self.dialog = None;
                Vec::new()
            }
            Some(true) => self.confirm_dialog(),
        }
    }

    /// The user pressed the dialog's [Link] or [Unlink].
    fn confirm_dialog(&mut self) -> Vec<Effect> {
        let Some(dialog) = self.dialog.take() else { return Vec::new() };
        let op = self.next_op;
        self.next_op += 1;
        let (kind, primary, secondary, effect, text) = match dialog {
            Dialog::Link(d) => {
                let location = self.data.cache(&d.secondary).map(|c| c.location.clone()).unwrap_or_default();
                let effect = Effect::StartLink {
                    op,
                    primary: d.primary.clone(),
                    secondary: d.secondary.clone(),
                    secondary_location: location,
                };
                let text = format!("Linking {} to {} started", d.secondary.name, d.primary.name);
                (OpKind::Link, d.primary, d.secondary, effect, text)
            }
            Dialog::Unlink(d) => {
                let effect =
                    Effect::StartUnlink { op, cache: d.primary.clone(), linked_name: d.secondary.name.clone() };
                let text = format!("Unlinking {} from {} started", d.secondary.name, d.primary.name);
                (OpKind::Unlink, d.primary, d.secondary, effect, text)
            }
        };
        self.data.ops.push(TrackedOp {
            id: op,
            kind,
            primary: primary.clone(),
            secondary,
            started: self.data.clock,
            finished: None,
            lro: None,
            state: OperationState::InProgress,
            percent: None,
            error: None,
        });
        self.notify(Level::Info, text);
        // After a link is requested, show its progress on the primary's Geo-replication blade.
        if kind == OpKind::Link {
            while self.stack.len() > 1 && !matches!(self.top(), Blade::Cache(b) if b.id == primary) {
                self.stack.pop();
            }
            if let Some(Blade::Cache(b)) = self.stack.last_mut() {
                b.item = MenuItem::GeoReplication;
                b.pane = Pane::Content;
            }
        }
        vec![effect]
    }

    fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        let (x, y) = (m.column, m.row);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(click) = render::hit(self, x, y) else { return Vec::new() };
                self.dirty = true;
                self.click(click)
            }
            MouseEventKind::Down(MouseButton::Right) => {
                if let Some(Click::CompatRow(i)) = render::hit(self, x, y)
                    && let Some(Blade::Compatible(c)) = self.stack.last_mut()
                {
                    c.select(i);
                    c.open_menu();
                    self.dirty = true;
                }
                Vec::new()
            }
            MouseEventKind::ScrollDown if !self.modal() => {
                self.dirty = true;
                self.command(Command::Down)
            }
            MouseEventKind::ScrollUp if !self.modal() => {
                self.dirty = true;
                self.command(Command::Up)
            }
            _ => Vec::new(),
        }
    }

    fn click(&mut self, click: Click) -> Vec<Effect> {
        match click {
            Click::DialogConfirm => return self.confirm_dialog(),
            Click::DialogCancel => self.dialog = None,
            Click::Help => self.help = if self.help.is_some() { None } else { Some(0) },
            Click::Bell => self.notifications.toggle(),
            Click::Crumb(keep) => {
                self.stack.truncate(keep);
                self.dialog = None;
                self.help = None;
                self.notifications.open = false;
            }
            Click::HomeRow(i) => {
                // A click ends typing a filter, as Enter does.
                self.home.editing = false;
                self.home.selected = i;
                return self.command(Command::Enter);
            }
            Click::Menu(i) => {
                if let Some(Blade::Cache(b)) = self.stack.last_mut() {
                    b.item = MenuItem::ALL[i];
                    b.pane = Pane::Menu;
                    b.scroll = 0;
                }
            }
            Click::GeoButton(i) => {
                if let Some(Blade::Cache(b)) = self.stack.last_mut() {
                    b.pane = Pane::Content;
                    b.geo.button = i;
                    let outcome = geo_replication::press(b, &self.data);
                    return self.apply(outcome);
                }
            }
            Click::GeoRow(i) => {
                if let Some(Blade::Cache(b)) = self.stack.last_mut() {
                    b.pane = Pane::Content;
                    b.geo.row = i;
                }
            }
            Click::CompatRow(i) => {
                if let Some(Blade::Compatible(c)) = self.stack.last_mut() {
                    if c.selected == i {
                        c.open_menu();
                    } else {
                        c.select(i);
                    }
                }
            }
            Click::CompatToggle => {
                if let Some(Blade::Compatible(c)) = self.stack.last_mut() {
                    c.toggle_incompatible(&self.data);
                }
            }
            Click::ContextItem(i) => {
                if let Some(Blade::Compatible(c)) = self.stack.last_mut() {
                    let outcome = c.activate_menu_item(i, &self.data);
                    return self.apply(outcome);
                }
            }
        }
        Vec::new()
    }

    /// Opens a cache's blade (used by Home and by tests).
    pub fn open_cache(&mut self, id: ResourceId, item: MenuItem) {
        self.stack.push(Blade::Cache(CacheBlade::new(id, item)));
        self.dirty = true;
    }

    /// Opens the Compatible caches blade for `primary`.
    pub fn open_compatible(&mut self, primary: ResourceId) {
        self.stack.push(Blade::Compatible(CompatibleCaches::new(primary, &self.data)));
        self.dirty = true;
    }

    /// The dialogs, for tests and the hint bar.
    pub fn link_dialog(&self) -> Option<&link_dialog::LinkDialog> {
        match &self.dialog {
            Some(Dialog::Link(d)) => Some(d),
            _ => None,
        }
    }

    pub fn unlink_dialog(&self) -> Option<&unlink_dialog::UnlinkDialog> {
        match &self.dialog {
            Some(Dialog::Unlink(d)) => Some(d),
            _ => None,
        }
    }
}
