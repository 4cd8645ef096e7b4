//! Overview of a Managed Redis cache: the cluster's and its database's Essentials, then its active
//! geo-replication group and this member's state in it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::StatefulWidget;

use crate::arm::enterprise::{Cluster, Database, EnterpriseId};
use crate::tui::hits::Hits;
use crate::tui::managed::Health;
use crate::tui::theme::Theme;
use crate::tui::view::Ctx;
use crate::tui::widgets::{self, Tone, scroll_text};

pub struct ManagedOverviewView<'a> {
    pub ctx: Ctx<'a>,
    /// The cluster.
    pub id: &'a EnterpriseId,
    pub scroll: u16,
}

fn pair(t: &Theme, label: &str, value: Span<'static>) -> Line<'static> {
    Line::from(vec![Span::styled(format!(" {label:<22}"), t.label), value])
}

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

/// The cluster's and database's settings, as the portal's Essentials.
fn essentials(ctx: Ctx<'_>, id: &EnterpriseId, c: &Cluster, db: Option<&Database>) -> Vec<Line<'static>> {
    let (t, fleet) = (ctx.theme, ctx.data.managed());
    let (status, tone) = match fleet.status(id) {
        Some(s) => (s.to_string(), s.tone()),
        None => ("—".to_string(), Tone::Busy),
    };
    let v = |s: String| Span::styled(s, t.value);
    let mut out = vec![
        pair(t, "Status", Span::styled(status, tone.style(t))),
        pair(t, "Location", v(c.location.clone())),
        pair(t, "Pricing tier", v(c.sku.label())),
        pair(t, "High availability", v(if c.high_availability() { "Enabled" } else { "Disabled" }.into())),
        pair(t, "Minimum TLS version", v(or_dash(c.properties.minimum_tls_version.clone()))),
        pair(t, "Redis version", v(or_dash(c.properties.redis_version.clone()))),
        pair(t, "Host name", v(or_dash(c.properties.host_name.clone()))),
        pair(t, "Resource group", v(id.resource_group.clone())),
        pair(t, "Subscription", v(ctx.data.subscription_name(&id.subscription).to_string())),
    ];
    out.push(Line::default());
    out.push(Line::from(Span::styled(" Database", t.group)));
    let Some(db) = db else {
        let why = if fleet.read(id) { "This cluster has no database yet." } else { "Reading the databases…" };
        out.push(Line::from(Span::styled(format!(" {why}"), t.muted)));
        return out;
    };
    let modules: Vec<String> = db.module_names().iter().map(|m| m.to_string()).collect();
    let tls = db.client_protocol();
    out.extend([
        pair(t, "Name", v(db.database_id().and_then(|d| d.database).unwrap_or_default())),
        pair(t, "Port", v(or_dash(db.properties.port.map(|p| p.to_string())))),
        pair(t, "Client protocol", v(tls.to_string())),
        pair(t, "Clustering policy", v(db.clustering_policy().to_string())),
        pair(t, "Eviction policy", v(db.eviction_policy().to_string())),
        pair(t, "Modules", v(if modules.is_empty() { "None".into() } else { modules.join(", ") })),
        pair(t, "Persistence", v(db.persistence_kinds().unwrap_or("Disabled").to_string())),
    ]);
    if let Some(dp) = &db.properties.data_plane {
        let figures = format!(
            "{} keys, {}",
            crate::tui::format::count(dp.dataset_keys),
            crate::tui::format::bytes(dp.dataset_bytes)
        );
        out.push(pair(t, "Data", v(figures)));
    }
    out
}

/// The group: nickname, this member's state and health, the other members.
fn group(ctx: Ctx<'_>, id: &EnterpriseId) -> Vec<Line<'static>> {
    let (t, fleet) = (ctx.theme, ctx.data.managed());
    let mut out = vec![Line::default(), Line::from(Span::styled(" Active geo-replication", t.group))];
    let Some((nickname, members)) = fleet.group(id) else {
        let text = if fleet.database(id).is_some() {
            "Not configured: this database is in no group (a group is chosen when a database is created; \
             force-link adds a running one, its data discarded)."
        } else {
            "Not configured."
        };
        out.push(Line::from(Span::styled(format!(" {text}"), t.muted)));
        return out;
    };
    let own = fleet.own_state(id);
    let health = Health::of(own.as_ref());
    let tone = match health {
        Health::Healthy => Tone::Ok,
        Health::Unhealthy => Tone::Bad,
        _ => Tone::Busy,
    };
    out.push(pair(t, "Status", Span::styled("Configured".to_string(), t.value)));
    out.push(pair(t, "Group", Span::styled(nickname.to_string(), t.value)));
    let state = own.map(|s| s.to_string()).unwrap_or_else(|| "—".into());
    out.push(pair(t, "This member", Span::styled(format!("{state} · {}", health.label()), tone.style(t))));
    let others: Vec<String> = members
        .iter()
        .filter(|m| m.database.cluster_id() != id.cluster_id())
        .map(|m| {
            let region = fleet.cluster(&m.database).map(|c| c.location.clone()).unwrap_or_default();
            format!("{} ({region})", m.database.cluster)
        })
        .collect();
    let n = members.len();
    out.push(pair(t, "Members", Span::styled(format!("{n} of {}", crate::geo::MAX_GROUP_MEMBERS), t.value)));
    out.push(pair(t, "Linked with", Span::styled(others.join(", "), t.value)));
    out
}

impl StatefulWidget for ManagedOverviewView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let fleet = self.ctx.data.managed();
        let block = widgets::pane(t, "Overview", self.ctx.focused);
        let lines = match fleet.cluster(self.id) {
            Some(c) => {
                let mut l = essentials(self.ctx, self.id, c, fleet.database(self.id));
                l.extend(group(self.ctx, self.id));
                l
            }
            None => vec![Line::from(Span::styled(
                format!(" {} is no longer listed by the backend.", self.id.cluster),
                t.muted,
            ))],
        };
        scroll_text::render(t, block, lines, self.scroll, area, buf, hits);
    }
}
