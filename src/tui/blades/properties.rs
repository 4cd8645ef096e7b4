//! Properties: every property of the cache resource, as the portal's Properties blade lists them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, Widget};

use crate::arm::ResourceId;
use crate::tui::format;
use crate::tui::hits::Hits;
use crate::tui::view::Ctx;
use crate::tui::widgets::wrap::wrap;
use crate::tui::widgets::{self, scroll_text};

/// The Properties' text for a blade whose inside is `width` cells wide; `None` when the cache is not
/// listed (yet).
pub fn lines(ctx: Ctx<'_>, id: &ResourceId, width: u16) -> Option<Vec<Line<'static>>> {
    let t = ctx.theme;
    let c = ctx.data.cache(id)?;
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
        ("Subscription", format!("{} ({})", ctx.data.subscription_name(&id.subscription), id.subscription)),
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

/// The Properties blade, scrolled down `scroll` lines.
pub struct PropertiesView<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a ResourceId,
    pub scroll: u16,
}

impl StatefulWidget for PropertiesView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let block = widgets::pane(t, "Properties", self.ctx.focused);
        let inner = block.inner(area);
        let Some(lines) = lines(self.ctx, self.id, inner.width) else {
            block.render(area, buf);
            Paragraph::new(Span::styled(" Loading…", t.muted)).render(inner, buf);
            return;
        };
        scroll_text::render(t, block, lines, self.scroll, area, buf, hits);
    }
}
