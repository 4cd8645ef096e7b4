//! The frame: header, breadcrumb, banner and notice lines, the top blade, the key-hint bar, and the
//! overlays. Pure: state in, cells out. `hit` answers what a click at (x, y) lands on, from the same
//! layout.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::app::{App, Banner};
use super::blades::resource_menu::{self, MenuItem, Pane};
use super::blades::{
    Blade, Click, Dialog, compatible_caches, geo_replication, help, home, link_dialog, notifications, overview,
    properties, unlink_dialog,
};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    render(app, area, frame.buffer_mut());
}

/// The rows of the screen.
struct Chrome {
    header: Rect,
    crumb: Rect,
    banner: Option<Rect>,
    notice: Option<Rect>,
    body: Rect,
    hints: Rect,
}

fn chrome(app: &App, area: Rect) -> Chrome {
    let row = |y: u16| Rect::new(area.x, y, area.width, 1);
    let mut y = area.y;
    let header = row(y);
    y += 1;
    let crumb = row(y);
    y += 1;
    // The banner and the notice take a second row when their text needs it.
    let mut lines = |text: String| {
        let h = if text.chars().count() > area.width as usize { 2 } else { 1 };
        let r = Rect::new(area.x, y, area.width, h);
        y += h;
        r
    };
    let banner = app.banner.as_ref().map(|b| lines(banner_text(b)));
    let notice = app.notice.as_ref().map(|(text, _)| lines(notice_text(text)));
    let hints = row(area.bottom().saturating_sub(1));
    let body = Rect::new(area.x, y, area.width, hints.y.saturating_sub(y));
    Chrome { header, crumb, banner, notice, body, hints }
}

fn banner_text(b: &Banner) -> String {
    let retry = if b.from_poller { " · retrying" } else { "" };
    let rid = b.request_id.as_ref().map(|r| format!(" (request {r})")).unwrap_or_default();
    format!(" ⚠ {}: {}{retry}{rid}", b.code, b.message)
}

fn notice_text(text: &str) -> String {
    format!(" {text}")
}

/// Where the header's bell and help are: (bell, help).
fn header_targets(app: &App, header: Rect) -> (Rect, Rect) {
    let help = " ? help ";
    let bell = bell_text(app);
    let hw = help.chars().count() as u16;
    let bw = bell.chars().count() as u16 + 1; // the bell is two cells wide
    let help_r = Rect::new(header.right().saturating_sub(hw), header.y, hw, 1);
    let bell_r = Rect::new(help_r.x.saturating_sub(bw + 1), header.y, bw, 1);
    (bell_r, help_r)
}

fn bell_text(app: &App) -> String {
    format!(" 🔔 {} ", app.notifications.unread)
}

/// Breadcrumb segments and, for each, how many blades stay open when it is clicked.
fn crumbs(app: &App) -> Vec<(String, usize)> {
    let mut out = vec![("Home".to_string(), 0), ("Azure Cache for Redis".to_string(), 0)];
    for (i, blade) in app.stack.iter().enumerate() {
        match blade {
            Blade::Home => {}
            Blade::Cache(b) => {
                out.push((b.id.name.clone(), i + 1));
                if b.item != MenuItem::Overview {
                    out.push((b.item.label().to_string(), i + 1));
                }
            }
            Blade::Compatible(_) => out.push(("Compatible caches".into(), i + 1)),
            Blade::Details(id) => out.push((format!("{} (details)", id.name), i + 1)),
        }
    }
    out
}

/// The breadcrumb for a row `width` wide: when it is too long, the segments after Home become `…`
/// from the left, so the current blade stays named.
fn fitted_crumbs(app: &App, width: u16) -> Vec<(String, usize)> {
    let mut segs = crumbs(app);
    let len = |segs: &[(String, usize)]| 1 + segs.iter().map(|(l, _)| l.chars().count() + 3).sum::<usize>() - 3;
    for i in 1..segs.len().saturating_sub(1) {
        if len(&segs) <= width as usize {
            break;
        }
        segs[i].0 = "…".into();
    }
    segs
}

fn crumb_rects(app: &App, crumb: Rect) -> Vec<(Rect, usize)> {
    let mut x = crumb.x + 1;
    fitted_crumbs(app, crumb.width)
        .into_iter()
        .map(|(label, keep)| {
            let w = label.chars().count() as u16;
            let r = Rect::new(x, crumb.y, w.min(crumb.right().saturating_sub(x)), 1);
            x = (x + w + 3).min(crumb.right());
            (r, keep)
        })
        .collect()
}

/// The keys that apply now, for the hint bar.
fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.help.is_some() {
        return vec![("↑↓", "scroll"), ("Esc", "close help")];
    }
    if app.dialog.is_some() {
        return vec![("←→", "choose"), ("Enter", "press"), ("Esc", "cancel")];
    }
    if app.notifications.open {
        return vec![("↑↓", "scroll"), ("Esc", "close")];
    }
    let mut h = Vec::new();
    match app.top() {
        Blade::Home if app.home.editing => return vec![("type", "filter"), ("Enter", "done"), ("Esc", "clear")],
        Blade::Home => h.extend([("↑↓", "move"), ("Enter", "open"), ("/", "filter")]),
        Blade::Cache(b) => {
            h.extend([("↑↓", "move"), ("Enter", "open"), ("Tab", "pane")]);
            if b.item == MenuItem::GeoReplication && b.pane == Pane::Content {
                h.push(("←→", "buttons"));
            }
            h.extend([("a", "add link"), ("u", "unlink")]);
        }
        Blade::Compatible(c) if c.menu.is_some() => {
            return vec![("↑↓", "move"), ("Enter", "choose"), ("Esc", "close menu")];
        }
        Blade::Compatible(_) => h.extend([("↑↓", "move"), ("Enter/m", "menu"), ("i", "incompatible")]),
        Blade::Details(_) => {}
    }
    h.extend([("r", "refresh"), ("n", "notifications")]);
    if app.banner.is_some() {
        h.push(("x", "dismiss error"));
    }
    if !app.stack.is_empty() {
        h.push(("Esc", "back"));
    }
    h.extend([("?", "help"), ("q", "quit")]);
    h
}

/// Hints dropped, in this order, when the bar is too narrow for all of them.
const HINTS_GIVE_WAY: [&str; 7] = ["n", "r", "Tab", "Enter", "↑↓", "←→", "/"];

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
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
    let c = chrome(app, area);

    // Header.
    buf.set_style(c.header, t.header);
    Paragraph::new(Line::from(vec![Span::styled(" Microsoft Azure · Azure Cache for Redis", t.header)]))
        .render(c.header, buf);
    let (bell_r, help_r) = header_targets(app, c.header);
    let backend = format!("{} ·", app.backend);
    let bw = backend.chars().count() as u16;
    let backend_r = Rect::new(bell_r.x.saturating_sub(bw), c.header.y, bw, 1);
    Paragraph::new(Span::styled(backend, t.header)).render(backend_r, buf);
    Paragraph::new(Span::styled(bell_text(app), t.header)).render(bell_r, buf);
    Paragraph::new(Span::styled("· ? help ", t.header))
        .render(Rect::new(help_r.x.saturating_sub(1), help_r.y, help_r.width + 1, 1), buf);

    // Breadcrumb.
    let segs = fitted_crumbs(app, c.crumb.width);
    let n = segs.len();
    let mut spans = vec![Span::raw(" ")];
    for (i, (label, _)) in segs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" > ", t.muted));
        }
        spans.push(Span::styled(label, if i + 1 == n { t.crumb_current } else { t.crumb }));
    }
    Paragraph::new(Line::from(spans)).render(c.crumb, buf);

    if let (Some(r), Some(b)) = (c.banner, &app.banner) {
        buf.set_style(r, t.banner);
        Paragraph::new(Span::styled(banner_text(b), t.banner)).wrap(Wrap { trim: false }).render(r, buf);
    }
    if let (Some(r), Some((text, _))) = (c.notice, &app.notice) {
        buf.set_style(r, t.toast);
        Paragraph::new(Span::styled(notice_text(text), t.toast)).wrap(Wrap { trim: false }).render(r, buf);
    }

    // The top blade.
    match app.top() {
        Blade::Home => home::render(app, c.body, buf),
        Blade::Cache(b) => {
            let mw = resource_menu::width(c.body.width);
            let menu = Rect::new(c.body.x, c.body.y, mw, c.body.height);
            let content = Rect::new(c.body.x + mw, c.body.y, c.body.width - mw, c.body.height);
            resource_menu::render(app, b, menu, buf);
            let focused = b.pane == Pane::Content && !app.modal();
            match b.item {
                MenuItem::Overview => overview::render(app, &b.id, focused, "Overview", b.scroll, content, buf),
                MenuItem::GeoReplication => geo_replication::render(app, b, content, buf),
                MenuItem::Properties => properties::render(app, &b.id, focused, b.scroll, content, buf),
            }
        }
        Blade::Compatible(cc) => compatible_caches::render(app, cc, c.body, buf),
        Blade::Details(id) => {
            overview::render(app, id, !app.modal(), &format!("{} · Overview (read-only)", id.name), 0, c.body, buf)
        }
    }

    // Key hints: as many as fit. The ones everybody knows give way first; the actions of this blade,
    // Esc, help and quit stay (the help overlay lists every key).
    let mut shown = hints(app);
    let width = |h: &(&str, &str)| h.0.chars().count() + h.1.chars().count() + 3;
    for key in HINTS_GIVE_WAY {
        if shown.iter().map(width).sum::<usize>() <= c.hints.width as usize {
            break;
        }
        shown.retain(|h| h.0 != key);
    }
    let mut spans = Vec::new();
    for (key, what) in shown {
        spans.push(Span::styled(format!(" {key}"), t.hint_key));
        spans.push(Span::styled(format!(" {what} "), t.hint));
    }
    Paragraph::new(Line::from(spans)).render(c.hints, buf);

    // Overlays.
    match &app.dialog {
        Some(Dialog::Link(d)) => link_dialog::render(app, d, area, buf),
        Some(Dialog::Unlink(d)) => unlink_dialog::render(app, d, area, buf),
        None => {}
    }
    if app.notifications.open {
        notifications::render(app, area, buf);
    }
    if let Some(scroll) = app.help {
        help::render(app, scroll, area, buf);
    }
}

/// How far the top blade's Overview or Properties can scroll at the current size: its last line at
/// the bottom.
pub fn scroll_max(app: &App) -> u16 {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let Blade::Cache(b) = app.top() else { return 0 };
    let body = chrome(app, area).body;
    let mw = resource_menu::width(body.width);
    let (w, h) = (body.width.saturating_sub(mw + 2), body.height.saturating_sub(2));
    let lines = match b.item {
        MenuItem::Overview => overview::lines(app, &b.id, w),
        MenuItem::Properties => properties::lines(app, &b.id, w),
        MenuItem::GeoReplication => None,
    };
    lines.map_or(0, |l| l.len().saturating_sub(h as usize).min(u16::MAX as usize) as u16)
}

/// What a click at (x, y) lands on.
pub fn hit(app: &App, x: u16, y: u16) -> Option<Click> {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    if app.help.is_some() {
        return Some(Click::Help);
    }
    match &app.dialog {
        Some(Dialog::Link(d)) => return link_dialog::hit(app, d, area, x, y),
        Some(Dialog::Unlink(d)) => return unlink_dialog::hit(app, d, area, x, y),
        None => {}
    }
    let c = chrome(app, area);
    let (bell, help_r) = header_targets(app, c.header);
    if app.notifications.open {
        return (!notifications::area(area).contains((x, y).into())).then_some(Click::Bell);
    }
    if bell.contains((x, y).into()) {
        return Some(Click::Bell);
    }
    if help_r.contains((x, y).into()) {
        return Some(Click::Help);
    }
    if y == c.crumb.y {
        return crumb_rects(app, c.crumb)
            .into_iter()
            .find(|(r, _)| r.contains((x, y).into()))
            .map(|(_, k)| Click::Crumb(k));
    }
    if !c.body.contains((x, y).into()) {
        return None;
    }
    match app.top() {
        Blade::Home => home::hit(app, c.body, x, y),
        Blade::Cache(b) => {
            let mw = resource_menu::width(c.body.width);
            let menu = Rect::new(c.body.x, c.body.y, mw, c.body.height);
            let content = Rect::new(c.body.x + mw, c.body.y, c.body.width - mw, c.body.height);
            if menu.contains((x, y).into()) {
                return resource_menu::hit(menu, x, y);
            }
            match b.item {
                MenuItem::GeoReplication => geo_replication::hit(app, b, content, x, y),
                _ => None,
            }
        }
        Blade::Compatible(cc) => compatible_caches::hit(app, cc, c.body, x, y),
        Blade::Details(_) => None,
    }
}
