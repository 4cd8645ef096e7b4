//! Overview: the Essentials of a cache and its geo-replication status, live on both caches.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::arm::{DataPlaneInfo, RedisResource, ResourceId};
use crate::tui::app::App;
use crate::tui::data::Role;
use crate::tui::format;
use crate::tui::theme::Theme;
use crate::tui::widgets::progress;
use crate::tui::widgets::wrap::wrap;

/// The style of a status word: green when running, yellow while busy, red when failed.
pub fn state_style(t: &Theme, state: &str) -> Style {
    match state {
        "Succeeded" | "Running" | "Connected" => t.ok,
        "Failed" | "Disabled" | "Disconnected" => t.bad,
        _ => t.busy,
    }
}

fn pair(t: &Theme, label: &str, value: Vec<Span<'static>>, label_width: usize) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" {label:<label_width$}"), t.label)];
    spans.extend(value);
    Line::from(spans)
}

fn text(t: &Theme, s: impl Into<String>) -> Vec<Span<'static>> {
    vec![Span::styled(s.into(), t.value)]
}

/// The Essentials as (label, value) pairs.
fn essentials(app: &App, id: &ResourceId, c: &RedisResource) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = &app.theme;
    let state = super::home::status(c);
    let p = &c.properties;
    let ports = match (p.ssl_port, p.enable_non_ssl_port, p.port) {
        (Some(ssl), Some(true), Some(port)) => format!("{ssl} (SSL), {port}"),
        (Some(ssl), _, _) => format!("{ssl} (SSL); non-SSL disabled"),
        (None, _, Some(port)) => port.to_string(),
        _ => "—".into(),
    };
    let network = match &p.subnet_id {
        Some(subnet) => {
            let vnet =
                subnet.split('/').skip_while(|s| !s.eq_ignore_ascii_case("virtualNetworks")).nth(1).unwrap_or("");
            format!("{vnet} (injected{})", p.static_ip.as_ref().map(|ip| format!(", {ip}")).unwrap_or_default())
        }
        None => format!(
            "Public endpoint ({})",
            p.public_network_access.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "Enabled".into())
        ),
    };
    vec![
        ("Status", vec![Span::styled(state.clone(), state_style(t, &state))]),
        ("Location", text(t, c.location.clone())),
        ("Pricing tier", text(t, format::tier_long(c))),
        ("Shards", text(t, format::shards(c))),
        ("Redis version", text(t, p.redis_version.clone().unwrap_or_else(|| "—".into()))),
        ("Host name", text(t, p.host_name.clone().unwrap_or_else(|| "—".into()))),
        ("Ports", text(t, ports)),
        ("Resource group", text(t, id.resource_group.clone())),
        ("Subscription", text(t, app.data.subscription_name(&id.subscription).to_string())),
        ("Network", text(t, network)),
    ]
}

/// The Geo-replication status pairs.
fn geo_status(app: &App, id: &ResourceId, c: &RedisResource, narrow: bool) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = &app.theme;
    let data = &app.data;
    let mut out = Vec::new();
    let link = data.link(id);
    let role = link.as_ref().map(|l| l.role).unwrap_or(Role::NotLinked);
    out.push(("Role", text(t, role.label())));
    match &link {
        Some(l) => {
            let phase = l.entry.state().to_string();
            out.push((
                "Linked cache",
                text(t, format!("{} ({})", l.peer.name, l.entry.properties.linked_redis_cache_location)),
            ));
            let op = data.running_op_for(id);
            let mut status = vec![Span::styled(phase.clone(), state_style(t, &phase))];
            if op.is_some() || l.entry.state().in_flight() {
                status.push(Span::raw("  "));
                status.extend(progress::spans(t, op, data.clock, 16));
            }
            out.push(("Link status", status));
            out.push((
                "Read-only",
                text(
                    t,
                    match (role == Role::Secondary, narrow) {
                        (true, false) => "Yes: a linked secondary accepts reads only",
                        (true, true) => "Yes (linked secondary)",
                        (false, false) => "No: the primary accepts reads and writes",
                        (false, true) => "No (primary)",
                    },
                ),
            ));
            out.push((
                "Geo-primary URL",
                text(t, l.entry.properties.geo_replicated_primary_host_name.clone().unwrap_or_else(|| "—".into())),
            ));
        }
        None => {
            let state = super::home::status(c);
            let s = if state == "Linking" || state == "Unlinking" {
                vec![
                    Span::styled(state.clone(), state_style(t, &state)),
                    Span::raw("  "),
                    Span::styled(progress::spinner(data.clock), t.busy),
                ]
            } else {
                text(t, "Not linked")
            };
            out.push(("Link status", s));
        }
    }
    if let Some(dp) = &c.properties.data_plane {
        let writable = if dp.writable { "writable" } else { "read-only" };
        let used = dp.used_memory_bytes.map(|m| format!(" · {} used", format::bytes(m))).unwrap_or_default();
        out.push((
            "Data",
            text(
                t,
                format!(
                    "{} in {} keys, {writable}{used}",
                    format::bytes(dp.dataset_bytes),
                    format::count(dp.dataset_keys)
                ),
            ),
        ));
        if let Some(why) = &dp.failure {
            out.push(("Data plane", vec![Span::styled(format!("Failed: {why}"), t.bad)]));
        }
        if let Some(l) = &link {
            out.extend(live_link(app, id, l.role, &l.peer, dp));
        }
    }
    out
}

/// A linked pair's live figures, where the backend measures them (the emulator's real data plane): keys
/// and memory on each side, and the replication link.
fn live_link(
    app: &App,
    id: &ResourceId,
    role: Role,
    peer: &ResourceId,
    dp: &DataPlaneInfo,
) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = &app.theme;
    let mut out = Vec::new();
    let (primary, secondary) = if role == Role::Secondary { (peer, id) } else { (id, peer) };
    for (label, side) in [("Primary data", primary), ("Secondary data", secondary)] {
        let figures = app.data.cache(side).and_then(|c| c.properties.data_plane.as_ref());
        if let Some(d) = figures
            && let Some(used) = d.used_memory_bytes
        {
            let s = format!("{}: {} keys, {} used", side.name, format::count(d.dataset_keys), format::bytes(used));
            out.push((label, text(t, s)));
        }
    }
    if let Some(link) = &dp.replication_link {
        let mut spans = vec![Span::styled(link.clone(), state_style(t, link))];
        if let Some(lag) = dp.replication_offset_lag_bytes {
            spans.push(Span::styled(format!(" · offset lag {}", format::bytes(lag)), t.value));
        }
        if let Some(io) = dp.last_io_seconds_ago {
            spans.push(Span::styled(format!(" · last I/O {io} s ago"), t.value));
        }
        out.push(("Replication", spans));
    }
    out
}

/// Label column of the Essentials and Geo-replication pairs (a space, the label, padding).
const LABEL: usize = 17;

/// The Overview's text for a blade whose inside is `width` cells wide; `None` when the cache is not
/// listed (yet).
pub fn lines(app: &App, id: &ResourceId, width: u16) -> Option<Vec<Line<'static>>> {
    let t = &app.theme;
    let c = app.data.cache(id)?;
    let width = width as usize;
    let ess = essentials(app, id, c);
    let geo = geo_status(app, id, c, width.saturating_sub(LABEL) < 42);
    let pair_width = |(l, v): &(&str, Vec<Span>)| {
        LABEL.max(l.chars().count() + 2) + v.iter().map(|s| s.content.chars().count()).sum::<usize>()
    };
    let half = ess.len().div_ceil(2);
    let col = width / 2;
    // Two columns, as the portal lays out the Essentials, when every value fits whole.
    let two_columns = width >= 96
        && ess[..half].iter().all(|p| pair_width(p) < col)
        && ess[half..].iter().all(|p| pair_width(p) <= width - col);
    let mut lines = vec![Line::from(Span::styled(" Essentials", t.group))];
    if two_columns {
        for i in 0..half {
            let mut left = pair(t, ess[i].0, ess[i].1.clone(), 16);
            let used: usize = left.spans.iter().map(|s| s.content.chars().count()).sum();
            left.spans.push(Span::raw(" ".repeat(col.saturating_sub(used))));
            if let Some((label, value)) = ess.get(half + i) {
                left.spans.extend(pair(t, label, value.clone(), 16).spans);
            }
            lines.push(left);
        }
    } else {
        for (l, v) in ess {
            lines.extend(wrap(&pair(t, l, v, 16), width, LABEL));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(" Geo-replication", t.group)));
    for (l, v) in geo {
        lines.extend(wrap(&pair(t, l, v, 16), width, LABEL));
    }
    Some(lines)
}

/// Says in the bottom border that there is more above or below.
pub fn more(scroll: usize, height: usize, total: usize) -> &'static str {
    match (scroll > 0, scroll + height < total) {
        (false, true) => " ↓ more ",
        (true, true) => " ↑↓ more ",
        (true, false) => " ↑ more ",
        (false, false) => "",
    }
}

/// Draws a cache's Overview into `area` (a bordered blade), scrolled down `scroll` lines.
pub fn render(app: &App, id: &ResourceId, focused: bool, title: &str, scroll: u16, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(format!(" {title} "), t.title));
    let inner = block.inner(area);
    let Some(lines) = lines(app, id, inner.width) else {
        block.render(area, buf);
        let msg = if app.data.loaded {
            format!(" The cache {} is no longer listed by the backend.", id.name)
        } else {
            " Loading…".into()
        };
        Paragraph::new(Span::styled(msg, t.muted)).render(inner, buf);
        return;
    };
    let h = inner.height as usize;
    let scroll = (scroll as usize).min(lines.len().saturating_sub(h));
    block = block.title_bottom(Span::styled(more(scroll, h, lines.len()), t.muted));
    block.render(area, buf);
    Paragraph::new(lines).scroll((scroll as u16, 0)).render(inner, buf);
}
