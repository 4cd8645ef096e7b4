//! The Compatible caches blade's region map (the portal's): a world map with a marker per region that
//! holds candidates (their count beside it) and a distinct one on the primary's region, next to a
//! legend of those regions; or, on a narrow terminal, the same choice as one line. A click on a marker
//! or a name chooses that region, like the keys that cycle through them.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::MapResolution;
use ratatui::widgets::{Paragraph, Widget};

use crate::geo::{coordinates, region_display_name, same_region};
use crate::tui::command::Command;
use crate::tui::hits::{Hits, Target};
use crate::tui::view::Ctx;
use crate::tui::widgets::world_map::{COLUMNS_PER_ROW, Pin, WorldMap};

use super::compatible_caches::CompatibleState;

/// A candidates' region on the map and in the legend.
const REGION: &str = "●";
/// The primary's region.
const PRIMARY: &str = "◆";
/// A region with no coordinates: in the legend only.
const OFF_MAP: &str = "○";

/// Fewer rows than this for the map, and the blade shows the one-line filter instead.
pub const MIN_MAP_ROWS: u16 = 6;

pub struct RegionMap<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a CompatibleState,
}

impl RegionMap<'_> {
    /// The primary's region, as listed.
    fn primary_region(&self) -> Option<String> {
        self.ctx.data.cache(&self.state.primary).map(|p| region_display_name(&p.location))
    }

    fn key(&self, cmd: Command) -> String {
        self.ctx.keys.first_key(cmd)
    }

    /// The map on the left, as wide as its height draws it unsquashed; the legend on the right.
    pub fn render_map(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let map_w = ((f64::from(area.height) * COLUMNS_PER_ROW).round() as u16).min(area.width * 3 / 5);
        let [map, _, legend] =
            Layout::horizontal([Constraint::Length(map_w), Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        self.world(map, buf, hits);
        self.legend(legend, buf, hits);
    }

    fn world(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, f) = (self.ctx.theme, &self.state.region);
        let chosen = f.chosen_index();
        let primary = self.primary_region();
        // The primary's region first, so it keeps its exact cell when crowded; then west to east. The
        // order does not depend on the choice, so a marker stays where it was clicked.
        let mut order: Vec<usize> = (0..f.regions.len()).collect();
        order.sort_by_key(|&i| !primary.as_deref().is_some_and(|p| same_region(p, &f.regions[i].name)));
        let mut pins = Vec::with_capacity(order.len() + 1);
        let mut targets = Vec::with_capacity(order.len() + 1);
        for &i in &order {
            let r = &f.regions[i];
            let Some(at) = r.at else { continue };
            let is_primary = primary.as_deref().is_some_and(|p| same_region(p, &r.name));
            let style = if chosen == Some(i) {
                t.selected
            } else if is_primary {
                t.busy
            } else {
                t.button
            };
            let symbol = if is_primary { PRIMARY } else { REGION };
            pins.push(Pin { at, symbol, label: Some(r.count.to_string()), style });
            targets.push(Some(i));
        }
        // The primary's region holds no listed candidate: its marker alone.
        let listed = primary.as_deref().is_some_and(|p| f.regions.iter().any(|r| same_region(&r.name, p)));
        if let (false, Some(at)) = (listed, primary.as_deref().and_then(coordinates)) {
            pins.insert(0, Pin { at, symbol: PRIMARY, label: None, style: t.busy });
            targets.insert(0, None);
        }
        let land = if t.no_color { Color::Reset } else { Color::DarkGray };
        let placed = WorldMap { pins: &pins, lines: &[], land, resolution: MapResolution::High }.render_pins(area, buf);
        for (rect, target) in placed.into_iter().zip(targets) {
            if let (Some(rect), Some(i)) = (rect, target) {
                hits.push(rect, Target::Region(i));
            }
        }
    }

    /// The regions by name, in columns: "All regions" first, then west to east; the primary's below.
    fn legend(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, f) = (self.ctx.theme, &self.state.region);
        if area.width < 12 || area.height < 3 {
            return;
        }
        let heading = format!(
            "Regions  {} next  {} previous  {} all",
            self.key(Command::NextRegion),
            self.key(Command::PreviousRegion),
            self.key(Command::AllRegions)
        );
        Paragraph::new(Span::styled(heading, t.muted)).render(Rect { height: 1, ..area }, buf);
        let primary = self.primary_region();
        let body = Rect { y: area.y + 1, height: area.height - 1 - u16::from(primary.is_some()), ..area };
        let chosen = f.chosen_index();
        // The chosen entry is marked (▸) as well as highlighted, so it reads without colour too.
        let mark = |on: bool| if on { "▸" } else { " " };
        let all = f.chosen.is_none();
        let mut entries = vec![(format!("{}  {}", mark(all), f.label(None)), all, None)];
        for (i, r) in f.regions.iter().enumerate() {
            let symbol = if r.at.is_none() { OFF_MAP } else { REGION };
            let on = chosen == Some(i);
            entries.push((format!("{}{symbol} {}", mark(on), f.label(Some(i))), on, Some(i)));
        }
        let col_w = entries.iter().map(|(s, _, _)| s.chars().count() as u16).max().unwrap_or(0) + 3;
        let rows = body.height.max(1) as usize;
        let capacity = rows * (body.width / col_w).max(1) as usize;
        let more = entries.len().saturating_sub(capacity);
        let shown = if more > 0 { capacity - 1 } else { entries.len() };
        for (k, (text, on, target)) in entries.iter().take(shown).enumerate() {
            let x = body.x + (k / rows) as u16 * col_w;
            let r = Rect::new(x, body.y + (k % rows) as u16, col_w.min(body.right() - x), 1);
            let style = if *on { t.selected } else { t.value };
            let w = r.width.min(text.chars().count() as u16);
            Paragraph::new(Span::styled(text.clone(), style)).render(Rect { width: w, ..r }, buf);
            hits.push(r, target.map_or(Target::Command(Command::AllRegions), Target::Region));
        }
        if more > 0 {
            let x = body.x + (shown / rows) as u16 * col_w;
            let r = Rect::new(x, body.y + (shown % rows) as u16, col_w.min(body.right() - x), 1);
            Paragraph::new(Span::styled(format!("  +{} more", more + 1), t.muted)).render(r, buf);
        }
        if let Some(p) = primary {
            let line = Line::from(vec![
                Span::styled(format!("{PRIMARY} "), t.busy),
                Span::styled(format!("{p}: {} (primary)", self.state.primary.name), t.muted),
            ]);
            Paragraph::new(line).render(Rect { y: area.bottom() - 1, height: 1, ..area }, buf);
        }
    }

    /// One line: `Region: ◂ All regions (4) ▸  East US (1) · West Europe (2) · …`, each name a target.
    pub fn render_strip(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, f) = (self.ctx.theme, &self.state.region);
        let chosen = f.chosen_index();
        let current = if f.chosen.is_some() && chosen.is_none() {
            format!("{} (0)", f.chosen.as_deref().unwrap_or_default())
        } else {
            f.label(chosen)
        };
        let mut rest = area;
        put(&mut rest, "Region: ", t.label, None, buf, hits);
        put(&mut rest, "◂", t.button, Some(Target::Command(Command::PreviousRegion)), buf, hits);
        put(&mut rest, &format!(" {current} "), t.selected, None, buf, hits);
        put(&mut rest, "▸", t.button, Some(Target::Command(Command::NextRegion)), buf, hits);
        // The others, in the order the next key visits them ("All regions" after the last region).
        let n = f.regions.len();
        let start = chosen.map_or(0, |i| i + 1);
        let others =
            (0..=n).map(|k| (start + k) % (n + 1)).filter(|&i| Some(i) != chosen && !(i == n && f.chosen.is_none()));
        let mut sep = "  ";
        for i in others {
            let (text, target) = if i == n {
                (f.label(None), Target::Command(Command::AllRegions))
            } else {
                (f.label(Some(i)), Target::Region(i))
            };
            if (sep.chars().count() + text.chars().count() + 2) as u16 > rest.width {
                put(&mut rest, " …", t.muted, None, buf, hits);
                break;
            }
            put(&mut rest, sep, t.muted, None, buf, hits);
            put(&mut rest, &text, t.button, Some(target), buf, hits);
            sep = " · ";
        }
    }
}

/// Writes `text` at the start of `rest` (one line) and moves `rest` past it; records its target.
fn put(rest: &mut Rect, text: &str, style: Style, target: Option<Target>, buf: &mut Buffer, hits: &mut Hits) {
    let w = (text.chars().count() as u16).min(rest.width);
    let r = Rect { width: w, height: 1, ..*rest };
    Paragraph::new(Span::styled(text.to_string(), style)).render(r, buf);
    if let Some(target) = target {
        hits.push(r, target);
    }
    rest.x += w;
    rest.width -= w;
}
