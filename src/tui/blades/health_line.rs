//! The Geo-replication blade's health summary: one line with Healthy, the connectivity lag and the
//! data sync offset (Azure Monitor's latest values), and a sparkline of the offset over 30 minutes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Widget};

use crate::arm::ResourceId;
use crate::tui::health::Unit;
use crate::tui::view::Ctx;

/// The health line of the pair `id` belongs to.
pub struct HealthLine<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a ResourceId,
}

impl Widget for HealthLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let mut spans = vec![Span::styled("Health  ", t.label)];
        let Some(h) = data.geo_health(self.id) else {
            let text = match &data.health_error {
                Some(why) => format!("metrics unavailable: {why}"),
                None => "reading the metrics…".to_string(),
            };
            spans.push(Span::styled(text, t.muted));
            Paragraph::new(Line::from(spans)).render(area, buf);
            return;
        };
        let (word, style) = match h.healthy {
            Some(v) if v >= 1.0 => ("● Healthy", t.ok),
            Some(_) => ("● Unhealthy", t.bad),
            None => ("● no data", t.muted),
        };
        spans.push(Span::styled(word, style));
        let figure = |v: Option<f64>, unit: Unit| v.map_or("–".to_string(), |v| unit.format(v));
        spans.extend([
            Span::styled("   lag ", t.label),
            Span::styled(figure(h.lag_seconds, Unit::Seconds), t.value),
            Span::styled("   offset ", t.label),
            Span::styled(figure(h.offset_bytes, Unit::Bytes), t.value),
            Span::raw("  "),
        ]);
        let used: u16 = spans.iter().map(|s| s.content.chars().count() as u16).sum();
        Paragraph::new(Line::from(spans)).render(area, buf);
        let room = area.width.saturating_sub(used + 1);
        if room >= 8 {
            let n = h.offset_recent.len().min(room as usize);
            let recent = &h.offset_recent[h.offset_recent.len() - n..];
            Sparkline::default().data(recent).style(t.gauge).render(Rect::new(area.x + used, area.y, room, 1), buf);
        }
    }
}
