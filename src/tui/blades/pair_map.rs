//! The linked pair on a small world map, at the bottom of the Geo-replication blade: the primary's
//! region (◆), the secondary's (●) and the line between them, with the distance. Drawn only where the
//! blade has room for it; the roles follow the link, so after a failover the markers swap.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::MapResolution;
use ratatui::widgets::{Paragraph, Widget};

use crate::arm::ResourceId;
use crate::geo::{coordinates, distance_km};
use crate::tui::view::Ctx;
use crate::tui::widgets::world_map::{COLUMNS_PER_ROW, Pin, WorldMap};

/// The map's height, and the least room the rest of the blade keeps above it.
const MAP_ROWS: u16 = 9;
const ABOVE: u16 = 8;

pub struct PairMap<'a> {
    pub ctx: Ctx<'a>,
    pub primary: &'a ResourceId,
    pub secondary: &'a ResourceId,
}

impl PairMap<'_> {
    /// Draws the pair in the bottom rows of `area` when it is large enough and both regions are
    /// known; returns the part of `area` left for the rest.
    pub fn render_below(self, area: Rect, buf: &mut Buffer) -> Rect {
        let location = |id: &ResourceId| self.ctx.data.cache(id).map(|c| c.location.clone()).unwrap_or_default();
        let (p_loc, s_loc) = (location(self.primary), location(self.secondary));
        let (Some(p), Some(s)) = (coordinates(&p_loc), coordinates(&s_loc)) else { return area };
        let map_w = (f64::from(MAP_ROWS) * COLUMNS_PER_ROW).round() as u16;
        if area.height < MAP_ROWS + ABOVE || area.width < map_w + 24 {
            return area;
        }
        let [rest, map_row] = Layout::vertical([Constraint::Fill(1), Constraint::Length(MAP_ROWS)]).areas(area);
        let [map, _, caption] =
            Layout::horizontal([Constraint::Length(map_w), Constraint::Length(2), Constraint::Fill(1)]).areas(map_row);
        let t = self.ctx.theme;
        let pins = [
            Pin { at: p, symbol: "◆", label: None, style: t.busy },
            Pin { at: s, symbol: "●", label: None, style: t.button },
        ];
        let (land, line) = if t.no_color { (Color::Reset, Color::Reset) } else { (Color::DarkGray, Color::Blue) };
        let lines = [(p, s, line)];
        WorldMap { pins: &pins, lines: &lines, land, resolution: MapResolution::High }.render_pins(map, buf);
        let lines = vec![
            Line::from(vec![Span::styled("◆ ", t.busy), Span::styled(self.primary.name.clone(), t.value)]),
            Line::from(Span::styled(format!("  {p_loc} · primary"), t.muted)),
            Line::from(vec![Span::styled("● ", t.button), Span::styled(self.secondary.name.clone(), t.value)]),
            Line::from(Span::styled(format!("  {s_loc} · secondary"), t.muted)),
            Line::default(),
            Line::from(Span::styled(format!("{} km apart (great circle)", thousands(distance_km(p, s))), t.muted)),
        ];
        let top = caption.height.saturating_sub(lines.len() as u16) / 2;
        Paragraph::new(lines).render(Rect { y: caption.y + top, height: caption.height - top, ..caption }, buf);
        rest
    }
}

/// 6400 -> "6,400".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(6300), "6,300");
        assert_eq!(thousands(12_000), "12,000");
        assert_eq!(thousands(900), "900");
    }
}
