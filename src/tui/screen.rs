//! The frame: header, breadcrumb, banner and notice lines, the top blade, the key-hint bar, and the
//! overlays. A view over the app's state (it never sees `App`), which records every clickable region
//! into the frame's [`Hits`] as it draws.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, Widget, Wrap};

use super::blades::Blade;
use super::blades::compatible_view::CompatibleCachesView;
use super::blades::confirm_dialog::ConfirmView;
use super::blades::fleet_geo_view::FleetView;
use super::blades::geo_dashboard::GeoDashboardView;
use super::blades::geo_replication::GeoReplicationView;
use super::blades::help::HelpView;
use super::blades::home::{HomeState, HomeView};
use super::blades::notifications::{Notifications, NotificationsView};
use super::blades::overview::OverviewView;
use super::blades::properties::PropertiesView;
use super::blades::resource_menu::{self, CacheState, ResourceMenuView};
use super::command::{Command, CommandInfo};
use super::confirm::Confirmation;
use super::hits::{Hits, Target};
use super::status::Connection;
use super::view::{Ctx, MenuItem, Pane};
use super::widgets::wrap::wrap;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Everything the frame shows, borrowed from the app.
pub struct Screen<'a> {
    pub ctx: Ctx<'a>,
    pub backend: &'a str,
    pub connection: &'a Connection,
    pub home: &'a HomeState,
    pub stack: &'a [Blade],
    pub dialog: Option<&'a Confirmation>,
    pub help: Option<u16>,
    pub notifications: &'a Notifications,
    /// The error banner, unless dismissed.
    pub banner: Option<String>,
    pub notice: Option<&'a str>,
    /// What the focused surface is called, and its commands; then the ones that work everywhere.
    pub focus_title: &'a str,
    pub commands: &'a [CommandInfo],
    pub global: &'a [CommandInfo],
    /// What the help overlay lists: the commands of the surface under it.
    pub help_commands: &'a [CommandInfo],
    pub help_global: &'a [CommandInfo],
    pub clock: Duration,
    /// The time zone notification times are shown in.
    pub tz: chrono::FixedOffset,
    pub wall: chrono::DateTime<chrono::Utc>,
    /// How often the backend is asked while nothing moves (for the header).
    pub poll_every: Option<Duration>,
}

/// Breadcrumb segments and, for each, how many blades stay open when it is clicked.
fn crumbs(stack: &[Blade]) -> Vec<(String, usize)> {
    let mut out = vec![("Home".to_string(), 0)];
    // Home's two lists: the caches, or the fleet's Geo-replication (a blade of its own).
    match stack.first() {
        Some(Blade::Fleet(_)) => {}
        Some(Blade::ManagedList(_)) => out.push(("Azure Managed Redis".to_string(), 1)),
        _ => out.push(("Azure Cache for Redis".to_string(), 0)),
    }
    for (i, blade) in stack.iter().enumerate() {
        match blade {
            Blade::Cache(b) => {
                out.push((b.id.name.clone(), i + 1));
                if b.item != MenuItem::Overview {
                    out.push((b.item.label().to_string(), i + 1));
                }
            }
            Blade::Compatible(_) => out.push(("Compatible caches".into(), i + 1)),
            Blade::Details(id, _) => out.push((format!("{} (details)", id.name), i + 1)),
            Blade::Fleet(_) => out.push(("Geo-replication".into(), i + 1)),
            // Named by Home's segment above.
            Blade::ManagedList(_) => {}
            Blade::Managed(b) => {
                out.push((b.id.cluster.clone(), i + 1));
                if b.item != crate::tui::view::ManagedItem::Overview {
                    out.push((b.item.label().to_string(), i + 1));
                }
            }
            Blade::Candidates(_) => out.push(("Add cache to group".into(), i + 1)),
            Blade::MovePlan(_) => out.push(("Plan move to Azure Managed Redis".into(), i + 1)),
        }
    }
    out
}

/// Hints dropped, in this order, when the bar is too narrow for all of them.
const GIVE_WAY: [Command; 13] = [
    Command::AllRegions,
    // Home's top border names the fleet's Geo-replication and its key.
    Command::FleetGeoReplication,
    Command::Notifications,
    Command::PlanMove,
    Command::Refresh,
    // The one-line region filter does not say its key; the map's legend does.
    Command::NextRegion,
    Command::NextPane,
    Command::Enter,
    Command::Down,
    Command::Right,
    Command::Filter,
    Command::ToggleIncompatible,
    Command::Dismiss,
];

impl Screen<'_> {
    /// Rows for a banner or notice: its text wrapped, at most three rows.
    fn lines_needed(text: &str, width: u16) -> u16 {
        wrap(&Line::from(text.to_string()), width as usize, 1).len().clamp(1, 3) as u16
    }

    fn header(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        buf.set_style(area, t.header);
        let help = " ? help ";
        let bell = format!(" 🔔 {} ", self.notifications.unread);
        let since = self.connection.last_ok().map(|at| {
            let age = chrono::Duration::from_std(self.clock.saturating_sub(at)).unwrap_or_default();
            super::blades::notifications::local_time(self.wall - age, self.tz)
        });
        let backend = format!("{} · {} ·", self.backend, self.connection.header(self.poll_every, since));
        let hw = help.chars().count() as u16;
        let bw = bell.chars().count() as u16 + 1; // the bell is two cells wide
        let help_r = Rect::new(area.right().saturating_sub(hw), area.y, hw, 1);
        let bell_r = Rect::new(help_r.x.saturating_sub(bw + 1), area.y, bw, 1);
        let kw = backend.chars().count() as u16;
        let backend_r = Rect::new(bell_r.x.saturating_sub(kw), area.y, kw, 1);
        // The title, shorter where the right side needs the room.
        let room = backend_r.x.saturating_sub(area.x + 1) as usize;
        let title = [" Microsoft Azure · Azure Cache for Redis", " Microsoft Azure", ""]
            .into_iter()
            .find(|t| t.chars().count() < room)
            .unwrap_or("");
        Paragraph::new(Span::styled(title, t.header)).render(area, buf);
        Paragraph::new(Span::styled(backend, t.header)).render(backend_r, buf);
        Paragraph::new(Span::styled(bell, t.header)).render(bell_r, buf);
        Paragraph::new(Span::styled(format!("·{help}"), t.header))
            .render(Rect { x: help_r.x.saturating_sub(1), width: hw + 1, ..help_r }, buf);
        hits.push(bell_r, Target::Command(Command::Notifications));
        hits.push(help_r, Target::Command(Command::Help));
    }

    /// When too long, the segments after Home become `…` from the left, so the current blade stays named.
    fn breadcrumb(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let mut segs = crumbs(self.stack);
        let len = |segs: &[(String, usize)]| 1 + segs.iter().map(|(l, _)| l.chars().count() + 3).sum::<usize>() - 3;
        for i in 1..segs.len().saturating_sub(1) {
            if len(&segs) <= area.width as usize {
                break;
            }
            segs[i].0 = "…".into();
        }
        let n = segs.len();
        let mut spans = vec![Span::raw(" ")];
        let mut x = area.x + 1;
        for (i, (label, keep)) in segs.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" > ", t.muted));
                x += 3;
            }
            let w = label.chars().count() as u16;
            hits.push(Rect::new(x, area.y, w, 1).intersection(area), Target::Crumb(keep));
            x = x.saturating_add(w);
            spans.push(Span::styled(label, if i + 1 == n { t.crumb_current } else { t.crumb }));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }

    /// The keys that apply now, from the command lists: as many as fit, disabled ones greyed.
    fn hint_bar(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let keys = self.ctx.keys;
        let all: Vec<&CommandInfo> = self.commands.iter().chain(self.global).filter(|c| c.hint).collect();
        let has = |cmd: Command| self.commands.iter().any(|c| c.command == cmd);
        let key_text = |c: &CommandInfo| match c.command {
            Command::Down if has(Command::Up) => {
                format!("{}{}", keys.first_key(Command::Up), keys.first_key(Command::Down))
            }
            Command::Right if has(Command::Left) => {
                format!("{}{}", keys.first_key(Command::Left), keys.first_key(Command::Right))
            }
            cmd => keys.first_key(cmd),
        };
        let mut shown: Vec<(String, &CommandInfo)> = all.into_iter().map(|c| (key_text(c), c)).collect();
        let width = |s: &[(String, &CommandInfo)]| {
            s.iter().map(|(k, c)| k.chars().count() + c.label.chars().count() + 3).sum::<usize>()
        };
        for cmd in GIVE_WAY {
            if width(&shown) <= area.width as usize {
                break;
            }
            shown.retain(|(_, c)| c.command != cmd);
        }
        let mut spans = Vec::new();
        let mut x = area.x;
        for (key, c) in shown {
            let (ks, ls) = if c.enabled() { (t.hint_key, t.hint) } else { (t.button_disabled, t.button_disabled) };
            let w = (key.chars().count() + c.label.chars().count() + 3) as u16;
            hits.push(Rect::new(x, area.y, w, 1).intersection(area), Target::Command(c.command));
            x = x.saturating_add(w);
            spans.push(Span::styled(format!(" {key}"), ks));
            spans.push(Span::styled(format!(" {} ", c.label), ls));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }

    fn cache(&self, b: &CacheState, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let [menu, content] =
            Layout::horizontal([Constraint::Length(resource_menu::width(area.width)), Constraint::Fill(1)]).areas(area);
        ResourceMenuView { ctx: self.ctx, state: b }.render(menu, buf, hits);
        let ctx = self.ctx.focus(b.pane == Pane::Content);
        match b.item {
            MenuItem::Overview => {
                OverviewView { ctx, id: &b.id, title: "Overview".into(), scroll: b.scroll }.render(content, buf, hits)
            }
            MenuItem::GeoReplication => {
                let view =
                    GeoReplicationView { ctx: self.ctx, id: &b.id, geo: &b.geo, active: b.pane == Pane::Content };
                view.render(content, buf, hits)
            }
            MenuItem::Properties => PropertiesView { ctx, id: &b.id, scroll: b.scroll }.render(content, buf, hits),
            MenuItem::GeoDashboard => {
                let active = b.pane == Pane::Content;
                GeoDashboardView { ctx: self.ctx, id: &b.id, state: &b.dashboard, active }.render(content, buf, hits)
            }
        }
    }

    fn body(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        match self.stack.last() {
            None => HomeView { ctx: self.ctx, state: self.home }.render(area, buf, hits),
            Some(Blade::Cache(b)) => self.cache(b, area, buf, hits),
            Some(Blade::Compatible(c)) => CompatibleCachesView { ctx: self.ctx, state: c }.render(area, buf, hits),
            Some(Blade::Fleet(f)) => FleetView { ctx: self.ctx, state: f, tz: self.tz }.render(area, buf, hits),
            Some(Blade::ManagedList(m)) => {
                super::blades::managed_home::ManagedListView { ctx: self.ctx, state: m }.render(area, buf, hits)
            }
            Some(Blade::Managed(m)) => {
                super::blades::managed_cache::ManagedCacheView { ctx: self.ctx, state: m }.render(area, buf, hits)
            }
            Some(Blade::MovePlan(m)) => {
                super::blades::move_plan::MovePlanView { ctx: self.ctx, state: m }.render(area, buf, hits)
            }
            Some(Blade::Candidates(c)) => {
                super::blades::group_candidates::CandidatesView { ctx: self.ctx, state: c }.render(area, buf, hits)
            }
            Some(Blade::Details(id, scroll)) => {
                let title = format!("{} · Overview (read-only)", id.name);
                OverviewView { ctx: self.ctx, id, title, scroll: *scroll }.render(area, buf, hits)
            }
        }
    }

    fn overlays(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        if let Some(d) = self.dialog {
            ConfirmView { ctx: self.ctx, dialog: d }.render(area, buf, hits);
        }
        if self.notifications.open {
            NotificationsView { theme: t, state: self.notifications, tz: self.tz }.render(area, buf, hits);
        }
        if let Some(scroll) = self.help {
            let view = HelpView {
                theme: t,
                keys: self.ctx.keys,
                blade: self.focus_title,
                blade_commands: self.help_commands,
                global_commands: self.help_global,
                scroll,
            };
            view.render(area, buf, hits);
        }
    }
}

impl StatefulWidget for Screen<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = format!(
                "georep needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}. Make it larger, or press q to quit.",
                area.width, area.height
            );
            let y = area.y + area.height / 2;
            Paragraph::new(msg)
                .wrap(Wrap { trim: true })
                .render(Rect::new(area.x, y.saturating_sub(1), area.width, 3.min(area.height)), buf);
            return;
        }
        let banner = self.banner.as_ref().map(|b| format!(" ⚠ {b} · x dismisses"));
        let notice = self.notice.map(|n| format!(" {n}"));
        let banner_h = banner.as_ref().map_or(0, |b| Self::lines_needed(b, area.width));
        let notice_h = notice.as_ref().map_or(0, |n| Self::lines_needed(n, area.width));
        let [header, crumb, banner_r, notice_r, body, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(banner_h),
            Constraint::Length(notice_h),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.header(header, buf, hits);
        self.breadcrumb(crumb, buf, hits);
        if let Some(b) = banner {
            buf.set_style(banner_r, t.banner);
            Paragraph::new(wrap(&Line::from(Span::styled(b, t.banner)), area.width as usize, 1)).render(banner_r, buf);
            hits.push(banner_r, Target::Command(Command::Dismiss));
        }
        if let Some(n) = notice {
            buf.set_style(notice_r, t.toast);
            Paragraph::new(wrap(&Line::from(Span::styled(n, t.toast)), area.width as usize, 1)).render(notice_r, buf);
        }
        self.body(body, buf, hits);
        self.hint_bar(hints, buf, hits);
        self.overlays(area, buf, hits);
    }
}
