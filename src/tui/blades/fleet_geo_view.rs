//! Home ▸ Geo-replication, drawn: the tabs and the sort, the filter, a world map of the pairs (a line
//! per pair of regions, coloured by the worst link's health; it gives way to the list on small
//! terminals), and the list of links or of unprotected caches.

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::MapResolution;
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, Widget};

use crate::tui::command::Command;
use crate::tui::fleet_links::{Health, LinkRow, UnprotectedRow};
use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;
use crate::tui::view::Ctx;
use crate::tui::widgets::world_map::{COLUMNS_PER_ROW, Pin, WorldMap};
use crate::tui::widgets::{self, Tone, list};

use super::fleet_geo::{FleetState, Tab};
use super::notifications::local_time;
use super::pair_map::thousands;

/// The map's rows, and the least the list keeps below it: fewer, and the map gives way.
const MAP_ROWS: u16 = 11;
const LIST_ROWS: u16 = 10;
/// Below this width the map gives way too (its legend would not fit beside it).
const MAP_MIN_WIDTH: u16 = 100;

pub fn health_style(h: Health, t: &Theme) -> Style {
    match h {
        Health::Healthy => t.ok,
        Health::Failed | Health::Unhealthy => t.bad,
        Health::InFlight => t.busy,
        Health::NotRead => t.button,
        Health::Reading => t.muted,
    }
}

pub struct FleetView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a FleetState,
    /// The time zone "last change" is shown in.
    pub tz: FixedOffset,
}

impl FleetView<'_> {
    fn key(&self, cmd: Command) -> String {
        self.ctx.keys.first_key(cmd)
    }

    /// `[ Links (3) ]  Unprotected (5)` on the left, each a click; the sort on the right.
    fn tabs(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, s) = (self.ctx.theme, self.state);
        let mut x = area.x + 1;
        let tabs = [
            (Tab::Links, format!("Links ({})", s.links.len())),
            (Tab::Unprotected, format!("Unprotected ({})", s.unprotected.len())),
        ];
        for (tab, label) in tabs {
            let on = s.tab == tab;
            let text = if on { format!("[ {label} ]") } else { format!("  {label}  ") };
            let w = (text.chars().count() as u16).min(area.right().saturating_sub(x));
            let r = Rect::new(x, area.y, w, 1);
            Paragraph::new(Span::styled(text, if on { t.button_focused } else { t.button })).render(r, buf);
            if !on {
                hits.push(r, Target::Command(Command::NextPane));
            }
            x += w + 1;
        }
        let sort = match s.tab {
            Tab::Links => s.link_sort.label(),
            Tab::Unprotected => s.unprotected_sort.label(),
        };
        let text = format!("Sort: {sort} ▾  {} next ", self.key(Command::Sort));
        let w = text.chars().count() as u16;
        let switch = format!(" {} switches", self.key(Command::NextPane));
        let sw = switch.chars().count() as u16;
        if x + sw + w + 1 < area.right() {
            Paragraph::new(Span::styled(switch, t.muted)).render(Rect::new(x, area.y, sw, 1), buf);
        }
        if x + w < area.right() {
            let r = Rect::new(area.right() - w, area.y, w, 1);
            Paragraph::new(Span::styled(text, t.muted)).render(r, buf);
            hits.push(r, Target::Command(Command::Sort));
        }
    }

    fn filter_line(&self) -> Line<'static> {
        let (t, s) = (self.ctx.theme, self.state);
        if s.editing {
            Line::from(vec![Span::styled(" Filter: ", t.label), Span::styled(format!("{}▏", s.filter), t.value)])
        } else if s.filter.is_empty() {
            let what = match s.tab {
                Tab::Links => " / Filter by cache, region, link status, health…",
                Tab::Unprotected => " / Filter by cache, location, size, nearest region…",
            };
            Line::from(Span::styled(what, t.muted))
        } else {
            Line::from(vec![
                Span::styled(" Filter: ", t.label),
                Span::styled(s.filter.clone(), t.value),
                Span::styled("   (/ to change, Esc to clear)", t.muted),
            ])
        }
    }

    /// The pairs on the map, and beside it how many links are in each health.
    fn map(&self, area: Rect, buf: &mut Buffer) {
        let (t, s) = (self.ctx.theme, self.state);
        let map_w = ((f64::from(area.height) * COLUMNS_PER_ROW).round() as u16).min(area.width * 3 / 5);
        let [map, _, legend] =
            Layout::horizontal([Constraint::Length(map_w), Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        let color = |style: Style| if t.no_color { Color::Reset } else { style.fg.unwrap_or(Color::Reset) };
        let lines: Vec<_> = s.map.iter().map(|l| (l.from, l.to, color(health_style(l.health, t)))).collect();
        let pins: Vec<Pin> =
            s.pins.iter().map(|at| Pin { at: *at, symbol: "●", label: None, style: t.value }).collect();
        let land = if t.no_color { Color::Reset } else { Color::DarkGray };
        WorldMap { pins: &pins, lines: &lines, land, resolution: MapResolution::High }.render_pins(map, buf);
        let mut text = vec![Line::from(Span::styled("Links by health", t.label))];
        for h in Health::ALL {
            let n = s.by_health[h as usize];
            if n > 0 {
                text.push(Line::from(vec![
                    Span::styled("━━ ", health_style(h, t)),
                    Span::styled(format!("{:<12}", h.label()), t.value),
                    Span::styled(n.to_string(), t.value),
                ]));
            }
        }
        text.push(Line::default());
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let regions = plural(s.pins.len(), "region", "regions");
        let pairs = plural(s.map.len(), "pair of regions", "pairs of regions");
        text.push(Line::from(Span::styled(format!("{regions} linked, {pairs}:"), t.muted)));
        text.push(Line::from(Span::styled("a line each, in its worst link's colour", t.muted)));
        Paragraph::new(text).render(legend, buf);
    }

    fn link_row(&self, pos: usize, r: &LinkRow, wide: bool) -> Row<'static> {
        let t = self.ctx.theme;
        let selected = pos == self.state.selected() && self.ctx.focused;
        let style = |s: Style| if selected { t.selected } else { s };
        let status = match &r.state {
            Some(s) => Span::styled(s.to_string(), style(Tone::of_link(s).style(t))),
            None => Span::styled("reading…", style(t.muted)),
        };
        let health = Span::styled(r.health.label(), style(health_style(r.health, t)));
        let changed = r.changed.map_or_else(|| "—".to_string(), |at| local_time(at, self.tz));
        let mut cells = vec![Cell::from(r.primary.name.clone())];
        if wide {
            cells.push(Cell::from(r.primary_region.clone()));
        }
        cells.push(Cell::from(r.secondary.name.clone()));
        if wide {
            cells.push(Cell::from(r.secondary_region.clone()));
        }
        cells.extend([Cell::from(status), Cell::from(health), Cell::from(changed)]);
        Row::new(cells).style(if selected { t.selected } else { t.value })
    }

    fn unprotected_row(&self, pos: usize, r: &UnprotectedRow, wide: bool) -> Row<'static> {
        let t = self.ctx.theme;
        let selected = pos == self.state.selected() && self.ctx.focused;
        let p = &r.protection;
        let (nearest, tone) = match (p.blocked.first(), &p.nearest) {
            (Some(why), _) => (why.short(), t.bad),
            (None, Some(n)) => {
                let km = n.km.map(|km| format!(" · {} km", thousands(km))).unwrap_or_default();
                (format!("{}{km} ({})", n.region, n.count), t.value)
            }
            (None, None) => ("none".to_string(), t.bad),
        };
        let count_style = if p.candidates == 0 { t.bad } else { t.value };
        let pick = |s: Style| if selected { t.selected } else { s };
        let mut cells = vec![Cell::from(r.id.name.clone()), Cell::from(r.region.clone())];
        if wide {
            cells.push(Cell::from(r.size.clone()));
        }
        cells.extend([
            Cell::from(Span::styled(p.candidates.to_string(), pick(count_style))),
            Cell::from(Span::styled(nearest, pick(tone))),
        ]);
        Row::new(cells).style(if selected { t.selected } else { t.value })
    }

    fn table(&self, area: Rect, hits: &mut Hits, buf: &mut Buffer) {
        let (t, s) = (self.ctx.theme, self.state);
        let wide = area.width >= 110;
        let (header, widths) = match (s.tab, wide) {
            (Tab::Links, true) => (
                vec!["PRIMARY", "REGION", "SECONDARY", "REGION", "LINK STATUS", "HEALTH", "LAST CHANGE"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Length(16),
                    Constraint::Fill(1),
                    Constraint::Length(16),
                    Constraint::Length(11),
                    Constraint::Length(11),
                    Constraint::Length(11),
                ],
            ),
            (Tab::Links, false) => (
                vec!["PRIMARY", "SECONDARY", "STATUS", "HEALTH", "CHANGED"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Fill(1),
                    Constraint::Length(9),
                    Constraint::Length(11),
                    Constraint::Length(8),
                ],
            ),
            (Tab::Unprotected, true) => (
                vec!["NAME", "LOCATION", "SIZE", "CANDIDATES", "NEAREST CANDIDATE REGION"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Length(16),
                    Constraint::Length(14),
                    Constraint::Length(10),
                    Constraint::Fill(1),
                ],
            ),
            (Tab::Unprotected, false) => (
                vec!["NAME", "LOCATION", "CANDIDATES", "NEAREST"],
                vec![Constraint::Fill(1), Constraint::Length(14), Constraint::Length(10), Constraint::Fill(1)],
            ),
        };
        list::render(area, buf, &s.table, s.visible.len(), hits, |window| {
            let rows: Vec<Row> = window
                .map(|pos| {
                    let i = s.visible[pos];
                    match s.tab {
                        Tab::Links => self.link_row(pos, &s.links[i], wide),
                        Tab::Unprotected => self.unprotected_row(pos, &s.unprotected[i], wide),
                    }
                })
                .collect();
            Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(1)
        });
    }

    /// Why the list is empty.
    fn empty(&self) -> String {
        let s = self.state;
        let data = self.ctx.data;
        match s.tab {
            _ if !data.loaded => "Loading caches…".into(),
            _ if !s.filter.trim().is_empty() => format!("Nothing matches \"{}\" in any column.", s.filter),
            Tab::Links => "No cache of the fleet is linked.".into(),
            Tab::Unprotected => "Every Premium cache is linked (or being linked).".into(),
        }
    }
}

impl StatefulWidget for FleetView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, s) = (self.ctx.theme, self.state);
        let reading = s.links.iter().filter(|l| l.state.is_none()).count();
        let n = s.links.len();
        let mut title = format!("Geo-replication · {n} link{}", if n == 1 { "" } else { "s" });
        if reading > 0 {
            title.push_str(&format!(" ({reading} reading…)"));
        }
        let block = widgets::pane(t, &title, self.ctx.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let pill = format!("◂ Azure Cache for Redis · {}", self.key(Command::Back));
        if let Some(r) = widgets::border_pill(area, &pill, t.button, buf) {
            hits.push(r, Target::Crumb(0));
        }
        let [tabs, filter, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        self.tabs(tabs, buf, hits);
        Paragraph::new(self.filter_line()).render(filter, buf);
        hits.push(filter, Target::Command(Command::Filter));
        let body = body.inner(Margin { horizontal: 1, vertical: 0 });
        // The map is the links'; the unprotected caches have the whole height for their list.
        let map_fits = s.tab == Tab::Links
            && body.height >= MAP_ROWS + LIST_ROWS
            && body.width >= MAP_MIN_WIDTH
            && !s.map.is_empty();
        let list = if map_fits {
            let [map, _, list] =
                Layout::vertical([Constraint::Length(MAP_ROWS), Constraint::Length(1), Constraint::Fill(1)])
                    .areas(body);
            self.map(map, buf);
            list
        } else {
            body
        };
        if s.visible.is_empty() {
            Paragraph::new(Span::styled(self.empty(), t.muted)).render(list, buf);
        } else {
            self.table(list, hits, buf);
        }
    }
}
