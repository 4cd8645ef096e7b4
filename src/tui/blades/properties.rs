//! Properties: every property of the cache resource, as the portal's Properties blade lists them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::arm::ResourceId;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::widgets::wrap::wrap;

/// The Properties' text for a blade whose inside is `width` cells wide; `None` when the cache is not
/// listed (yet).
pub fn lines(app: &App, id: &ResourceId, width: u16) -> Option<Vec<Line<'static>>> {
    let t = &app.theme;
    let c = app.data.cache(id)?;
    let p = &c.properties;
    let yes_no = |b: bool| if b { "Enabled" } else { "Disabled" }.to_string();
    let opt = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    let tags = c
        .tags
        .as_ref()
        .filter(|t| !t.is_empty())
        .map(|t| t.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "));
    let rows: Vec<(&str, String)> = vec![
        ("Resource ID", id.to_string()),
        ("Subscription", format!("{} ({})", app.data.subscription_name(&id.subscription), id.subscription)),
        ("Resource group", id.resource_group.clone()),
        ("Location", c.location.clone()),
        ("Pricing tier", format::tier_long(c)),
        ("Shard count", format::shards(c)),
        ("Replicas per primary", opt(p.replicas_per_primary.or(p.replicas_per_master).map(|n| n.to_string()))),
        ("Nodes", p.instances.as_ref().map(|i| i.len().to_string()).unwrap_or_else(|| "—".into())),
        ("Redis version", opt(p.redis_version.clone())),
        ("Host name", opt(p.host_name.clone())),
        ("SSL port", opt(p.ssl_port.map(|n| n.to_string()))),
        (
            "Non-SSL port",
            match (p.enable_non_ssl_port, p.port) {
                (Some(true), Some(port)) => format!("{port} (enabled)"),
                _ => "Disabled".into(),
            },
        ),
        ("Minimum TLS version", opt(p.minimum_tls_version.clone())),
        ("Public network access", opt(p.public_network_access.as_ref().map(|a| a.to_string()))),
        ("Virtual network subnet", opt(p.subnet_id.clone())),
        ("Static IP", opt(p.static_ip.clone())),
        ("Zones", opt(c.zones.as_ref().filter(|z| !z.is_empty()).map(|z| z.join(", ")))),
        ("RDB persistence", yes_no(c.rdb_enabled())),
        ("AOF persistence", yes_no(c.aof_enabled())),
        ("Provisioning state", super::home::status(c)),
        ("Tags", opt(tags)),
    ];
    // Long values (ids) continue under themselves rather than under the labels, with a column to spare
    // before the border.
    const LABEL: usize = 24;
    let lines = rows
        .into_iter()
        .flat_map(|(k, v)| {
            let line = Line::from(vec![Span::styled(format!(" {k:<23}"), t.label), Span::styled(v, t.value)]);
            wrap(&line, (width as usize).saturating_sub(1), LABEL)
        })
        .collect();
    Some(lines)
}

/// Draws the Properties blade into `area`, scrolled down `scroll` lines.
pub fn render(app: &App, id: &ResourceId, focused: bool, scroll: u16, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(" Properties ", t.title));
    let inner = block.inner(area);
    let Some(lines) = lines(app, id, inner.width) else {
        block.render(area, buf);
        Paragraph::new(Span::styled(" Loading…", t.muted)).render(inner, buf);
        return;
    };
    let h = inner.height as usize;
    let scroll = (scroll as usize).min(lines.len().saturating_sub(h));
    block = block.title_bottom(Span::styled(super::overview::more(scroll, h, lines.len()), t.muted));
    block.render(area, buf);
    Paragraph::new(lines).scroll((scroll as u16, 0)).render(inner, buf);
}
