//! Under the linked caches table: what runs on the link, how far, for how long; or how the last
//! operation of this console ended.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::arm::ResourceId;
use crate::client::failover::Step;
use crate::geo::transfer_cost_usd;
use crate::tui::data::{OpKind, Progress};
use crate::tui::format;
use crate::tui::view::Ctx;
use crate::tui::widgets::{self, progress};

pub struct ProgressPanel<'a> {
    pub ctx: Ctx<'a>,
    /// The open cache.
    pub id: &'a ResourceId,
    pub primary: &'a ResourceId,
    pub secondary: &'a ResourceId,
}

impl ProgressPanel<'_> {
    fn running(&self, p: &Progress, width: u16) -> Vec<Line<'static>> {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let (ps, ss) = (self.primary, self.secondary);
        let (state, tone) = match data.link(self.id) {
            Some(l) => (l.state().to_string(), widgets::Tone::of_link(&l.state())),
            None => (p.kind.verb().to_string(), widgets::Tone::Busy),
        };
        let title = match data.running_op_for(self.id).filter(|o| o.kind == OpKind::Failover) {
            Some(o) => {
                let step = match o.step {
                    Some(Step::LinkBack) => format!("step 2/2: linking {} back as its secondary", o.primary.name),
                    Some(Step::Unlink) => format!("step 1/2: removing the link with {}", o.primary.name),
                    None => "asking the backend".to_string(),
                };
                format!("Failover: {} becomes the geo-primary · {step}", o.secondary.name)
            }
            None => format!("{} {} → {}", p.kind.verb(), ps.name, ss.name),
        };
        let mut lines = vec![Line::from(Span::styled(title, t.group))];
        let mut gauge = vec![Span::styled(format!("{state:<10}"), tone.style(t))];
        let bar = (width as usize).saturating_sub(30).clamp(10, 60);
        gauge.extend(progress::spans(t, Some(p), data.clock, bar));
        lines.push(Line::from(gauge));
        if let (Some(pc), Some(sc), OpKind::Link) = (data.cache(ps), data.cache(ss), p.kind) {
            let bytes = pc.properties.data_plane.as_ref().map(|d| d.dataset_bytes);
            let size = bytes.map(format::bytes).unwrap_or_else(|| "the primary's data".into());
            let cost = bytes
                .map(|b| {
                    format!(", about {} in transfer", format::usd(transfer_cost_usd(b, &pc.location, &sc.location)))
                })
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("Initial sync of {size} from {} to {}{cost}", pc.location, sc.location),
                t.muted,
            )));
        }
        if !p.own {
            lines.push(Line::from(Span::styled(
                "Started from another console or client: shown as the backend reports it; time counted from when this console saw it.",
                t.muted,
            )));
        } else if p.percent.is_none() && p.kind == OpKind::Link {
            lines.push(Line::from(Span::styled(
                "The backend reports no percentage; links take 5 to 30 minutes on Azure.",
                t.muted,
            )));
        }
        lines
    }
}

impl Widget for ProgressPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let mut lines = Vec::new();
        match data.progress(self.id) {
            Some(p) if p.running => lines.extend(self.running(&p, area.width)),
            Some(_) => {
                if let Some(o) = data.op_for(self.id) {
                    let what = match o.kind {
                        OpKind::Link => "Link",
                        OpKind::Unlink => "Unlink",
                        OpKind::Failover => "Failover",
                    };
                    let result = match &o.error {
                        None => format!("{what} {} in {}", o.state, format::elapsed(o.elapsed(data.clock))),
                        Some(e) => format!("{what} {}: {e}", o.state),
                    };
                    lines.push(Line::from(Span::styled(result, t.muted)));
                }
            }
            None => {}
        }
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("{} is read-only while linked; writes go to {}.", self.secondary.name, self.primary.name),
            t.muted,
        )));
        Paragraph::new(lines).wrap(Wrap { trim: false }).render(area, buf);
    }
}
