//! Monitoring ▸ Geo-replication dashboard of a Managed Redis cache: `geoReplicationHealthy`, its
//! only geo-replication metric (1 healthy, 0 not), over 30 min, 6 h or 24 h. The metrics poller reads
//! it while this blade is on screen. Azure's advice is to alert when it stays at 0 for an hour.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, StatefulWidget, Widget, Wrap};

use crate::arm::enterprise::EnterpriseId;
use crate::tui::hits::Hits;
use crate::tui::managed_health::ManagedHealth;
use crate::tui::view::Ctx;
use crate::tui::widgets::{self, Tone};

use super::geo_dashboard::{DashboardState, window_tabs};

pub struct ManagedDashboardView<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a EnterpriseId,
    pub state: &'a DashboardState,
}

impl ManagedDashboardView<'_> {
    fn chart(&self, h: &ManagedHealth, area: Rect, buf: &mut Buffer) {
        let t = self.ctx.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Span::styled(" Geo Replication Healthy (count) ", t.title));
        if h.points.is_empty() {
            Paragraph::new(Span::styled("no data yet", t.muted)).block(block).render(area, buf);
            return;
        }
        let span = h.watch.window.minutes() as f64;
        let data =
            [Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(t.gauge).data(&h.points)];
        let ago = |m: f64| if m == 0.0 { "now".to_string() } else { format!("-{:.0}m", m.abs()) };
        let x = Axis::default()
            .style(t.muted)
            .bounds([-span, 0.0])
            .labels([ago(-span), ago(-span / 2.0), ago(0.0)].map(|l| Span::styled(l, t.muted)));
        let y =
            Axis::default().style(t.muted).bounds([0.0, 1.0]).labels(["0", "", "1"].map(|l| Span::styled(l, t.muted)));
        Chart::new(data.to_vec()).block(block).x_axis(x).y_axis(y).legend_position(None).render(area, buf);
    }
}

impl StatefulWidget for ManagedDashboardView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let block = widgets::pane(t, "Geo-replication dashboard", self.ctx.focused);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let [group, header, now, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let Some((nickname, members)) = data.managed().group(self.id) else {
            let text = "Not in an active geo-replication group: no geo metrics. A group is set when a database \
                        is created; force-link adds a running one.";
            Paragraph::new(Span::styled(text, t.muted)).wrap(Wrap { trim: true }).render(inner, buf);
            return;
        };
        let line = Line::from(vec![
            Span::styled(format!("{} ", self.id.cluster), t.value),
            Span::styled(format!("in group {nickname}, {} members", members.len()), t.muted),
        ]);
        Paragraph::new(line).render(group, buf);
        Paragraph::new(Line::from(window_tabs(t, self.state.window, header, hits))).render(header, buf);
        match &data.managed_health {
            Some(Err(why)) => {
                let text = format!("The metrics could not be read: {why}");
                Paragraph::new(Span::styled(text, t.bad)).wrap(Wrap { trim: true }).render(now.union(body), buf);
            }
            Some(Ok(h)) => {
                let (text, tone) = match h.latest {
                    Some(v) if v >= 1.0 => ("Healthy (1): every link of the group replicates".to_string(), Tone::Ok),
                    Some(_) => (
                        "Unhealthy (0): a link of the group does not replicate (alert after an hour at 0)".to_string(),
                        Tone::Bad,
                    ),
                    None => ("No value yet".to_string(), Tone::Busy),
                };
                Paragraph::new(Span::styled(text, tone.style(t))).render(now, buf);
                self.chart(h, body, buf);
            }
            None => Paragraph::new(Span::styled("Reading the metrics…", t.muted)).render(now, buf),
        }
    }
}
