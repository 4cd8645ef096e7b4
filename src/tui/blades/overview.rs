//! Overview: the Essentials of a cache and its geo-replication status, live on both caches.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, Widget};

use crate::arm::{DataPlaneInfo, RedisResource, ResourceId};
use crate::tui::data::Role;
use crate::tui::format;
use crate::tui::hits::Hits;
use crate::tui::theme::Theme;
use crate::tui::view::Ctx;
use crate::tui::widgets::wrap::wrap;
use crate::tui::widgets::{self, Tone, progress, scroll_text};

fn pair(t: &Theme, label: &str, value: Vec<Span<'static>>, label_width: usize) -> Line<'static> {
    let label_width = label_width.max(label.chars().count() + 1);
    let mut spans = vec![Span::styled(format!(" {label:<label_width$}"), t.label)];
    spans.extend(value);
    Line::from(spans)
}

fn text(t: &Theme, s: impl Into<String>) -> Vec<Span<'static>> {
    vec![Span::styled(s.into(), t.value)]
}

/// The Essentials as (label, value) pairs.
fn essentials(ctx: Ctx<'_>, id: &ResourceId, c: &RedisResource) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = ctx.theme;
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
        ("Status", vec![Span::styled(state, Tone::of_cache(&c.provisioning_state()).style(t))]),
        ("Location", text(t, c.location.clone())),
        ("Pricing tier", text(t, format::tier_long(c))),
        ("Shards", text(t, format::shards(c))),
        ("Redis version", text(t, p.redis_version.clone().unwrap_or_else(|| "—".into()))),
        ("Host name", text(t, p.host_name.clone().unwrap_or_else(|| "—".into()))),
        ("Ports", text(t, ports)),
        ("Resource group", text(t, id.resource_group.clone())),
        ("Subscription", text(t, ctx.data.subscription_name(&id.subscription).to_string())),
        ("Network", text(t, network)),
    ]
}

/// The Geo-replication status pairs.
fn geo_status(
    ctx: Ctx<'_>,
    id: &ResourceId,
    c: &RedisResource,
    narrow: bool,
) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = ctx.theme;
    let data = ctx.data;
    let mut out = Vec::new();
    let link = data.link(id);
    // "Linked" until the link's details are read (the poller reads them at once for an open cache).
    let role = data.role(id);
    out.push(("Role", text(t, role.label())));
    match &link {
        Some(l) => {
            let phase = l.entry.state().to_string();
            out.push((
                "Linked cache",
                text(t, format!("{} ({})", l.peer.name, l.entry.properties.linked_redis_cache_location)),
            ));
            let progress = data.progress(id).filter(|p| p.running);
            let mut status = vec![Span::styled(phase, Tone::of_link(&l.state()).style(t))];
            if progress.is_some() || l.in_flight() {
                status.push(Span::raw("  "));
                status.extend(progress::spans(t, progress.as_ref(), data.clock, 16));
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
            let (primary, secondary) = l.pair(id);
            for row in super::geo_urls::rows(data, id, &primary, &secondary) {
                let mut value = text(t, row.host);
                if let Some(to) = row.resolves_to {
                    value.push(Span::styled(format!(" → {to}"), t.muted));
                }
                out.push((row.label, value));
            }
        }
        None => {
            let state = super::home::status(c);
            let s = if data.backend_busy(id) {
                let mut s =
                    vec![Span::styled(state, Tone::of_cache(&c.provisioning_state()).style(t)), Span::raw("  ")];
                s.extend(progress::spans(t, data.progress(id).as_ref(), data.clock, 16));
                s
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
            out.extend(live_link(ctx, id, l.role, &l.peer, dp));
        }
    }
    out
}

/// A linked pair's live figures, where the backend measures them (the emulator's real data plane): keys
/// and memory on each side, and the replication link.
fn live_link(
    ctx: Ctx<'_>,
    id: &ResourceId,
    role: Role,
    peer: &ResourceId,
    dp: &DataPlaneInfo,
) -> Vec<(&'static str, Vec<Span<'static>>)> {
    let t = ctx.theme;
    let mut out = Vec::new();
    let (primary, secondary) = if role == Role::Secondary { (peer, id) } else { (id, peer) };
    for (label, side) in [("Primary data", primary), ("Secondary data", secondary)] {
        let figures = ctx.data.cache(side).and_then(|c| c.properties.data_plane.as_ref());
        if let Some(d) = figures
            && let Some(used) = d.used_memory_bytes
        {
            let s = format!("{}: {} keys, {} used", side.name, format::count(d.dataset_keys), format::bytes(used));
            out.push((label, text(t, s)));
        }
    }
    if let Some(link) = &dp.replication_link {
        let mut spans = vec![Span::styled(link.to_string(), Tone::of_replication(link).style(t))];
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
pub fn lines(ctx: Ctx<'_>, id: &ResourceId, width: u16) -> Option<Vec<Line<'static>>> {
    let t = ctx.theme;
    let c = ctx.data.cache(id)?;
    let width = width as usize;
    let ess = essentials(ctx, id, c);
    let geo = geo_status(ctx, id, c, width.saturating_sub(LABEL) < 42);
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
        let long_label = l.chars().count() + 2 > LABEL;
        let line = pair(t, l, v.clone(), 16);
        // A label longer than the column (the URLs'): on a line of its own, its value under it in the
        // column, so that every value starts in one column.
        if long_label {
            lines.push(Line::from(Span::styled(format!(" {l}"), t.label)));
            lines.extend(wrap(&pair(t, "", v, 16), width, LABEL));
        } else {
            lines.extend(wrap(&line, width, LABEL));
        }
    }
    Some(lines)
}

/// A cache's Overview (a bordered blade), scrolled down `scroll` lines.
pub struct OverviewView<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a ResourceId,
    pub title: String,
    pub scroll: u16,
}

impl StatefulWidget for OverviewView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let block = widgets::pane(t, &self.title, self.ctx.focused);
        let inner = block.inner(area);
        let Some(lines) = lines(self.ctx, self.id, inner.width) else {
            block.render(area, buf);
            let msg = if self.ctx.data.loaded {
                format!(" The cache {} is no longer listed by the backend.", self.id.name)
            } else {
                " Loading…".into()
            };
            Paragraph::new(Span::styled(msg, t.muted)).render(inner, buf);
            return;
        };
        scroll_text::render(t, block, lines, self.scroll, area, buf, hits);
    }
}
