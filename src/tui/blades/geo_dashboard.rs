//! Monitoring ▸ Geo-replication dashboard (the portal's workbook of that name): the five
//! geo-replication metrics of the cache's link as charts over 30 min, 6 h or 24 h, one line per shard,
//! values and units on the axes. The metrics poller reads them while this blade is on screen.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, StatefulWidget, Widget, Wrap};

use crate::arm::ResourceId;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::health::{GeoHealth, GeoMetric, Unit, Window};
use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Outcome, Pane};
use crate::tui::widgets;

/// The dashboard's own state: the time window shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DashboardState {
    pub window: Window,
}

/// What the dashboard offers while it has the keyboard.
pub fn commands() -> Vec<CommandInfo> {
    vec![
        CommandInfo::new(Command::NextWindow, "time window"),
        CommandInfo::new(Command::PreviousWindow, "previous window").quiet(),
        CommandInfo::new(Command::Left, "back to the menu").quiet(),
    ]
}

pub fn on_command(state: &mut DashboardState, pane: &mut Pane, cmd: Command) -> Outcome {
    match cmd {
        Command::NextWindow | Command::Right => state.window = state.window.next(),
        Command::PreviousWindow => state.window = state.window.previous(),
        Command::Left => *pane = Pane::Menu,
        _ => return Outcome::Ignored,
    }
    Outcome::Consumed
}

/// The dashboard of the cache `id`.
pub struct GeoDashboardView<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a ResourceId,
    pub state: &'a DashboardState,
    pub active: bool,
}

/// Line colours, one per shard.
fn palette(t: &Theme) -> [Style; 5] {
    [t.gauge, t.ok, t.busy, t.bad, t.label]
}

/// `-30m`, `-3h`.
fn ago(minutes: f64) -> String {
    if minutes == 0.0 {
        "now".to_string()
    } else if minutes.abs() >= 120.0 {
        format!("-{:.0}h", minutes.abs() / 60.0)
    } else {
        format!("-{:.0}m", minutes.abs())
    }
}

/// The window tabs at the start of `area`: `Time range  [30 min] 6 h 24 h`, the next one clickable.
pub fn window_tabs(t: &Theme, window: Window, area: Rect, hits: &mut Hits) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled("Time range  ", t.label)];
    let mut x = area.x + 12;
    for w in Window::ALL {
        let text = format!(" {} ", w.label());
        let width = text.chars().count() as u16;
        let style = if w == window { t.selected } else { t.value };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
        if w == window.next() {
            hits.push(Rect::new(x, area.y, width, 1).intersection(area), Target::Command(Command::NextWindow));
        }
        x += width + 1;
    }
    spans
}

impl GeoDashboardView<'_> {
    /// The window tabs, and the shards' colours.
    fn header(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let mut spans = window_tabs(t, self.state.window, area, hits);
        // The legend: one colour per shard, as the charts draw them (the hint bar names the keys).
        let shards = self.ctx.data.geo_health(self.id).map_or(0, |h| h.charts.iter().map(Vec::len).max().unwrap_or(0));
        if shards > 0 {
            spans.push(Span::styled("  shards ", t.label));
        }
        let colors = palette(t);
        for i in 0..shards {
            spans.push(Span::styled("━", colors[i % colors.len()]));
            spans.push(Span::styled(format!("{i} "), t.muted));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }

    fn chart(&self, h: &GeoHealth, m: GeoMetric, area: Rect, buf: &mut Buffer) {
        let t = self.ctx.theme;
        let unit = m.unit();
        let title = format!(" {} ({}) ", m.title(), format!("{unit:?}").to_lowercase());
        let block = Block::default().borders(Borders::ALL).border_style(t.border).title(Span::styled(title, t.title));
        let series = &h.charts[m.index()];
        if series.iter().all(|s| s.points.is_empty()) {
            let side = if m.on_primary() { &h.watch.primary } else { &h.watch.secondary };
            let text = format!("no data yet from {}", side.name);
            Paragraph::new(Span::styled(text, t.muted)).block(block).render(area, buf);
            return;
        }
        let span = h.watch.window.minutes() as f64;
        let top = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
        // Counts (Healthy, events) on whole numbers; other units with some room above the highest point.
        let top = match unit {
            Unit::Count => top.ceil().max(1.0),
            _ if top <= 0.0 => 1.0,
            _ => top * 1.1,
        };
        let colors = palette(t);
        let datasets: Vec<Dataset> = series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(colors[i % colors.len()])
                    .data(&s.points)
            })
            .collect();
        let x = Axis::default()
            .style(t.muted)
            .bounds([-span, 0.0])
            .labels([ago(-span), ago(-span / 2.0), ago(0.0)].map(|l| Span::styled(l, t.muted)));
        let y = Axis::default()
            .style(t.muted)
            .bounds([0.0, top])
            .labels([unit.format(0.0), unit.format(top / 2.0), unit.format(top)].map(|l| Span::styled(l, t.muted)));
        // The legend is the header's (one colour per shard), not a box over each chart.
        Chart::new(datasets).block(block).x_axis(x).y_axis(y).legend_position(None).render(area, buf);
    }

    fn body(&self, h: &GeoHealth, area: Rect, buf: &mut Buffer) {
        let rows = Layout::vertical([Constraint::Ratio(1, 3); 3]).split(area);
        let halves = |r: Rect| Layout::horizontal([Constraint::Ratio(1, 2); 2]).split(r);
        let top = halves(rows[0]);
        self.chart(h, GeoMetric::Healthy, top[0], buf);
        self.chart(h, GeoMetric::Lag, top[1], buf);
        self.chart(h, GeoMetric::Offset, rows[1], buf);
        let bottom = halves(rows[2]);
        self.chart(h, GeoMetric::FullSyncStarted, bottom[0], buf);
        self.chart(h, GeoMetric::FullSyncFinished, bottom[1], buf);
    }
}

impl StatefulWidget for GeoDashboardView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let block = widgets::pane(t, "Geo-replication dashboard", self.ctx.focused && self.active);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let [pair, header, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let Some(link) = data.link(self.id) else {
            let text = "No geo-replication link: no geo metrics. Link this cache on its Geo-replication blade \
                        (Add cache replication link) and its health shows here.";
            Paragraph::new(Span::styled(text, t.muted)).wrap(Wrap { trim: true }).render(inner, buf);
            return;
        };
        let (primary, secondary) = link.pair(self.id);
        let line = Line::from(vec![
            Span::styled(primary.name.clone(), t.value),
            Span::styled(" (primary) → ", t.muted),
            Span::styled(secondary.name.clone(), t.value),
            Span::styled(" (secondary)", t.muted),
        ]);
        Paragraph::new(line).render(pair, buf);
        self.header(header, buf, hits);
        match (data.geo_health(self.id), &data.health_error) {
            (_, Some(why)) => {
                let text = format!("The metrics could not be read: {why}");
                Paragraph::new(Span::styled(text, t.bad)).wrap(Wrap { trim: true }).render(body, buf);
            }
            (Some(h), None) => self.body(h, body, buf),
            (None, None) => Paragraph::new(Span::styled("Reading the metrics…", t.muted)).render(body, buf),
        }
    }
}
