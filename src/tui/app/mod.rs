//! The console's state and the only place it changes: `App::update(Action) -> Vec<Effect>`.
//! Everything arrives as an action (keys, clicks, resizes, the clock, drawn frames, backend
//! results); the fields are private, and drawing reads them through [`App::draw`].

mod input;
mod managed_ops;
mod metrics;
mod ops;

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;

use super::action::{Action, Effect};
use super::blades::Blade;
use super::blades::home::HomeState;
use super::blades::notifications::{Level, Notifications};
use super::command::{CommandInfo, Keymap};
use super::confirm::Confirmation;
use super::data::Data;
use super::hits::Hits;
use super::screen::Screen;
use super::status::{self, Connection};
use super::theme::Theme;
use super::view::Ctx;

/// How long a notice stays in the notice line.
const NOTICE_FOR: Duration = Duration::from_secs(6);

/// What an app is made with.
pub struct AppOptions {
    /// Where the console is connected, for the header and messages ("demo backend", a URL).
    pub backend: String,
    pub theme: Theme,
    pub keys: Keymap,
    /// Browse and watch only (`georep ssh --read-only`).
    pub read_only: bool,
    /// The backend runs inside this process: quitting stops it, and any operation on it.
    pub embedded: bool,
    /// The time zone wall-clock times are shown in: the local one (tests fix it).
    pub tz: chrono::FixedOffset,
    /// How often the poller asks while nothing moves, for the header ("● live, every 3 s").
    pub poll_every: Option<Duration>,
}

impl AppOptions {
    pub fn new(backend: impl Into<String>, theme: Theme) -> Self {
        AppOptions {
            backend: backend.into(),
            theme,
            keys: Keymap::default(),
            read_only: false,
            embedded: false,
            tz: super::blades::notifications::local_offset(),
            poll_every: None,
        }
    }
}

pub struct App {
    data: Data,
    theme: Theme,
    keys: Keymap,
    backend: String,
    read_only: bool,
    embedded: bool,
    tz: chrono::FixedOffset,
    poll_every: Option<Duration>,
    home: HomeState,
    /// Blades above Home.
    stack: Vec<Blade>,
    dialog: Option<Confirmation>,
    /// The help overlay, with its scroll offset.
    help: Option<u16>,
    notifications: Notifications,
    connection: Connection,
    banner_dismissed: bool,
    /// A one-line notice and when it goes (console clock).
    notice: Option<(String, Duration)>,
    size: (u16, u16),
    /// The last frame's clickable regions.
    hits: Hits,
    /// Something on screen changed since the last frame.
    dirty: bool,
    quit: bool,
    next_op: u64,
    wall: DateTime<Utc>,
    /// What this console's operations did since the last update, for the other sessions.
    to_share: Vec<super::action::SharedOp>,
    /// The pair whose metrics the poller reads (`metrics.rs`).
    watching: Option<super::health::MetricsWatch>,
    /// The Managed Redis cluster whose metrics the poller reads.
    watching_managed: Option<super::managed_health::ManagedWatch>,
    /// The caches whose links the poller was last told to read every poll.
    watching_links: Vec<crate::arm::ResourceId>,
}

impl App {
    pub fn new(options: AppOptions) -> Self {
        let AppOptions { backend, theme, keys, read_only, embedded, tz, poll_every } = options;
        App {
            data: Data::default(),
            theme,
            keys,
            backend,
            read_only,
            embedded,
            tz,
            poll_every,
            home: HomeState::default(),
            stack: Vec::new(),
            dialog: None,
            help: None,
            notifications: Notifications::default(),
            connection: Connection::Connecting,
            banner_dismissed: false,
            notice: None,
            size: (0, 0),
            hits: Hits::default(),
            dirty: true,
            quit: false,
            next_op: 1,
            wall: DateTime::<Utc>::UNIX_EPOCH,
            to_share: Vec::new(),
            watching: None,
            watching_managed: None,
            watching_links: Vec::new(),
        }
    }

    /// Something on screen changed since the last frame was drawn.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Whether the loop should send ticks: something animates, counts time or will expire.
    pub fn wants_ticks(&self) -> bool {
        self.animating() || self.notice.is_some() || matches!(self.connection, Connection::Unreachable { .. })
    }

    /// The screen shows something that moves with time: the open cache's link or operation. Home and
    /// the lists show status words only, so an operation elsewhere costs them no frames.
    fn animating(&self) -> bool {
        match self.stack.last() {
            Some(Blade::Cache(b)) => self.data.moving(&b.id),
            Some(Blade::Details(id, _)) => self.data.moving(id),
            Some(Blade::Managed(m)) => {
                self.data.managed_op_for(&m.id).is_some_and(|o| o.running()) || self.data.managed().busy(&m.id)
            }
            None
            | Some(Blade::Compatible(_))
            | Some(Blade::Fleet(_))
            | Some(Blade::ManagedList(_))
            | Some(Blade::Candidates(_))
            | Some(Blade::MovePlan(_)) => false,
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        let modal = self.dialog.is_some() || self.help.is_some() || self.notifications.open;
        Ctx { data: &self.data, theme: &self.theme, keys: &self.keys, read_only: self.read_only, focused: !modal }
    }

    /// Draws the frame into `buf` and returns its clickable regions (the loop hands them back as
    /// [`Action::FrameDrawn`]).
    pub fn draw(&self, area: Rect, buf: &mut Buffer) -> Hits {
        let (_, commands, global) = self.commands();
        let (focus_title, help_commands, help_global) = input::commands_under_help(self);
        let banner = if self.banner_dismissed { None } else { self.connection.banner_text(self.data.clock) };
        let screen = Screen {
            ctx: self.ctx(),
            backend: &self.backend,
            connection: &self.connection,
            home: &self.home,
            stack: &self.stack,
            dialog: self.dialog.as_ref(),
            help: self.help,
            notifications: &self.notifications,
            banner,
            notice: self.notice.as_ref().map(|(n, _)| n.as_str()),
            focus_title: &focus_title,
            commands: &commands,
            global: &global,
            help_commands: &help_commands,
            help_global: &help_global,
            clock: self.data.clock,
            tz: self.tz,
            wall: self.wall,
            poll_every: self.poll_every,
        };
        let mut hits = Hits::default();
        screen.render(area, buf, &mut hits);
        hits
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut fx = self.handle(action);
        self.refresh_fleet();
        fx.extend(self.to_share.drain(..).map(Effect::Share));
        fx.extend(self.watch_metrics());
        fx.extend(self.watch_managed_metrics());
        fx.extend(self.watch_links());
        fx
    }

    fn handle(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) => return self.on_key(key),
            Action::Mouse(m) => return self.on_mouse(m),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Action::Tick(now) => self.tick(now),
            Action::FrameDrawn(hits) => self.frame_drawn(hits),
            Action::Polled(snapshot) => {
                let old = self.data.apply(snapshot);
                self.data_changed();
                return vec![Effect::Release(super::snapshot::Retired(old))];
            }
            Action::SubscriptionsLoaded(subs) => {
                self.data.set_subscriptions(subs);
                self.data_changed();
            }
            Action::CachesLoaded(caches) => {
                self.data.set_caches(caches);
                self.data_changed();
            }
            Action::LinkedServersLoaded(linked) => {
                self.data.set_linked(linked);
                self.data_changed();
            }
            Action::PollFailed { error, retry_in } => {
                tracing::warn!(%error, "poll failed");
                let last_ok = match &self.connection {
                    Connection::Unreachable { last_ok, .. } => *last_ok,
                    _ => self.data.loaded.then_some(self.data.clock),
                };
                if !matches!(self.connection, Connection::Unreachable { .. }) {
                    self.banner_dismissed = false;
                }
                let error = status::plain(&error, &self.backend);
                self.connection = Connection::Unreachable { last_ok, retry_at: self.data.clock + retry_in, error };
                self.dirty = true;
            }
            Action::BackendRecovered => self.live(),
            Action::OperationAccepted { op, lro } => return self.op_accepted(op, lro),
            Action::OperationRejected { op, error } => return self.op_rejected(op, error),
            Action::OperationProgress { op, status } => return self.op_progress(op, status),
            Action::OperationPollFailed { op, error } => return self.op_poll_failed(op, error),
            Action::FailoverStep { op, step, lro } => return self.failover_step(op, step, lro),
            Action::FailoverEnded { op, result } => return self.failover_ended(op, result),
            Action::PeerOperation(op) => {
                self.data.observe(op);
                self.dirty = true;
            }
            Action::MetricsLoaded(result) => self.metrics_loaded(result),
            Action::ManagedMetricsLoaded(result) => {
                self.data.managed_health = Some(result.map(|h| *h));
                self.dirty = true;
            }
        }
        Vec::new()
    }

    fn tick(&mut self, now: super::action::Now) {
        self.data.clock = now.elapsed;
        self.wall = now.wall;
        self.data.wall = now.wall;
        if let Some((_, until)) = &self.notice
            && now.elapsed >= *until
        {
            self.notice = None;
            self.dirty = true;
        }
        if self.animating() || (matches!(self.connection, Connection::Unreachable { .. }) && !self.banner_dismissed) {
            self.dirty = true;
        }
    }

    fn frame_drawn(&mut self, hits: Hits) {
        if let Some(max) = hits.scroll_max() {
            if let Some(scroll) = &mut self.help {
                *scroll = (*scroll).min(max);
            } else {
                match self.stack.last_mut() {
                    Some(Blade::Cache(b)) => b.scroll = b.scroll.min(max),
                    Some(Blade::Details(_, scroll)) => *scroll = (*scroll).min(max),
                    Some(Blade::Managed(m)) => m.scroll = m.scroll.min(max),
                    Some(Blade::MovePlan(m)) => m.scroll = m.scroll.min(max),
                    _ => {}
                }
            }
        }
        self.hits = hits;
        self.dirty = false;
    }

    fn live(&mut self) {
        if self.connection != Connection::Live {
            self.connection = Connection::Live;
            self.dirty = true;
        }
    }

    fn data_changed(&mut self) {
        self.live();
        self.reconcile_ops();
        self.reconcile_managed();
        self.home.refilter(&self.data);
        for blade in &mut self.stack {
            match blade {
                Blade::Compatible(c) => c.refresh(&self.data),
                Blade::Fleet(f) => f.mark_stale(),
                Blade::ManagedList(m) => m.refilter(&self.data),
                Blade::Candidates(c) => c.mark_stale(),
                Blade::MovePlan(m) => m.stale = true,
                _ => {}
            }
        }
        self.dirty = true;
    }

    /// Makes the fleet's Geo-replication rows again when the fleet changed and they are on screen
    /// (not for every poll while another blade covers them, and never per frame).
    fn refresh_fleet(&mut self) {
        if let Some(Blade::Fleet(f)) = self.stack.last_mut()
            && f.stale()
        {
            f.refresh(&self.data);
            self.dirty = true;
        }
        if let Some(Blade::MovePlan(m)) = self.stack.last_mut()
            && m.stale
        {
            m.refresh(&self.data);
            self.dirty = true;
        }
        // Add cache to group likewise: its verdicts are made again only when on screen.
        if let Some(Blade::Candidates(c)) = self.stack.last_mut()
            && c.stale()
        {
            c.refresh(&self.data);
            self.dirty = true;
        }
    }

    fn set_notice(&mut self, text: String) {
        self.notice = Some((text, self.data.clock + NOTICE_FOR));
        self.dirty = true;
    }

    fn notify(&mut self, level: Level, text: String) {
        self.set_notice(text.clone());
        self.notifications.push(level, text, self.wall);
    }

    /// The focused surface's name and commands, and the commands that work everywhere.
    fn commands(&self) -> (String, Vec<CommandInfo>, Vec<CommandInfo>) {
        input::commands(self)
    }
}
