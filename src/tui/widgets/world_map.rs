//! A world map with markers on Azure regions: ratatui's `Canvas` with its `Map` shape (and lines between
//! regions), the markers then set in whole cells so that each one has a place a click can find.
//!
//! The map is drawn only when a frame is (the loop draws on change, never on a clock), so it costs the
//! idle console nothing; and the land is plotted once per map size (~5,000 points at
//! `MapResolution::High`), then copied, so a frame pays for ~800 cells and the pins.

use std::cell::RefCell;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker as Dots;
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Context, Line as CanvasLine, Map, MapResolution};

use crate::geo::LatLon;

/// The part of the globe drawn: all longitudes; latitudes without the polar caps, where no region is.
const WEST: f64 = -180.0;
const EAST: f64 = 180.0;
const SOUTH: f64 = -58.0;
const NORTH: f64 = 78.0;

/// Columns per row for a map that is not squashed: the globe's span (136° of latitude over 360° of
/// longitude) in terminal cells, which are about twice as tall as wide.
pub const COLUMNS_PER_ROW: f64 = (EAST - WEST) / (NORTH - SOUTH) * 2.0;

/// One marker: a symbol on a region, and an optional label beside it (a count).
#[derive(Clone, Debug, PartialEq)]
pub struct Pin {
    pub at: LatLon,
    pub symbol: &'static str,
    pub label: Option<String>,
    pub style: Style,
}

/// The map: land in `land`'s colour, lines between regions (each in its colour; a later line wins a
/// cell it shares), then the pins (earlier pins get their exact cell first when two fall on one: put
/// the important ones first).
pub struct WorldMap<'a> {
    pub pins: &'a [Pin],
    pub lines: &'a [(LatLon, LatLon, Color)],
    pub land: Color,
    /// `High` reads better on a large map; `Low` is enough for a small one.
    pub resolution: MapResolution,
}

impl WorldMap<'_> {
    /// Draws into `area` and returns, for each pin, the cells it landed on, its label included (`None`
    /// when it found no room).
    pub fn render_pins(self, area: Rect, buf: &mut Buffer) -> Vec<Option<Rect>> {
        if area.width < 4 || area.height < 2 {
            return vec![None; self.pins.len()];
        }
        paint_land(area, self.resolution, self.land, buf);
        let lines = self.lines;
        if !lines.is_empty() {
            // Only the lines' cells are written: blank braille cells leave the land under them.
            canvas()
                .paint(|ctx| {
                    for (a, b, color) in lines {
                        ctx.draw(&CanvasLine { x1: a.lon, y1: a.lat, x2: b.lon, y2: b.lat, color: *color });
                    }
                })
                .render(area, buf);
        }
        let mut taken: Vec<Rect> = Vec::with_capacity(self.pins.len() * 2);
        self.pins.iter().map(|pin| place(pin, area, buf, &mut taken)).collect()
    }
}

fn canvas<F: Fn(&mut Context)>() -> Canvas<'static, F> {
    Canvas::default().marker(Dots::Braille).x_bounds([WEST, EAST]).y_bounds([SOUTH, NORTH])
}

/// The land of one map size: a braille character per cell (`None` where there is no land).
type Land = Vec<Option<char>>;
/// A map's width, height and resolution.
type LandKey = (u16, u16, MapResolution);

thread_local! {
    /// The land drawn at each size and resolution so far (a console shows one or two): the world does
    /// not change between frames, so a frame copies ~800 cells instead of plotting ~5,000 points.
    static LANDS: RefCell<Vec<(LandKey, Land)>> = const { RefCell::new(Vec::new()) };
}

/// Sets the land's cells of `area` in `color`, plotting it only the first time a size is drawn.
fn paint_land(area: Rect, resolution: MapResolution, color: Color, buf: &mut Buffer) {
    let key = (area.width, area.height, resolution);
    LANDS.with_borrow_mut(|lands| {
        let land = match lands.iter().position(|(k, _)| *k == key) {
            Some(i) => &lands[i].1,
            None => {
                if lands.len() >= 8 {
                    lands.remove(0);
                }
                lands.push((key, plot_land(area.width, area.height, resolution)));
                &lands[lands.len() - 1].1
            }
        };
        let width = usize::from(area.width);
        for (i, cell) in land.iter().enumerate() {
            if let Some(c) = cell {
                let (x, y) = (area.x + (i % width) as u16, area.y + (i / width) as u16);
                if let Some(target) = buf.cell_mut((x, y)) {
                    target.set_char(*c).set_fg(color);
                }
            }
        }
    });
}

fn plot_land(width: u16, height: u16, resolution: MapResolution) -> Land {
    let area = Rect::new(0, 0, width, height);
    let mut scratch = Buffer::empty(area);
    canvas().paint(|ctx| ctx.draw(&Map { resolution, color: Color::Reset })).render(area, &mut scratch);
    scratch.content.iter().map(|c| c.symbol().chars().next().filter(|c| *c != ' ')).collect()
}

/// The cell of a point in `area` (nearest), or `None` outside the drawn part of the globe.
pub fn cell(at: LatLon, area: Rect) -> Option<Position> {
    if !(WEST..=EAST).contains(&at.lon) || !(SOUTH..=NORTH).contains(&at.lat) || area.is_empty() {
        return None;
    }
    let x = (at.lon - WEST) / (EAST - WEST) * f64::from(area.width.saturating_sub(1));
    let y = (NORTH - at.lat) / (NORTH - SOUTH) * f64::from(area.height.saturating_sub(1));
    Some(Position::new(area.x + x.round() as u16, area.y + y.round() as u16))
}

/// Near cells a pin moves to when its own is taken by an earlier one.
const NUDGES: [(i32, i32); 11] =
    [(0, 0), (1, 0), (-1, 0), (0, -1), (0, 1), (2, 0), (-2, 0), (1, -1), (-1, 1), (1, 1), (-1, -1)];

fn place(pin: &Pin, area: Rect, buf: &mut Buffer, taken: &mut Vec<Rect>) -> Option<Rect> {
    let home = cell(pin.at, area)?;
    let free = |r: Rect, taken: &[Rect]| {
        area.contains(r.as_position()) && r.right() <= area.right() && !taken.iter().any(|t| t.intersects(r))
    };
    let spot = NUDGES.iter().find_map(|(dx, dy)| {
        let x = u16::try_from(i32::from(home.x) + dx).ok()?;
        let y = u16::try_from(i32::from(home.y) + dy).ok()?;
        let r = Rect::new(x, y, 1, 1);
        free(r, taken).then_some(r)
    })?;
    buf.set_string(spot.x, spot.y, pin.symbol, pin.style);
    taken.push(spot);
    if let Some(label) = &pin.label {
        let w = label.chars().count() as u16;
        let right = Rect::new(spot.right(), spot.y, w, 1);
        let left = Rect::new(spot.x.saturating_sub(w), spot.y, w, 1);
        if let Some(r) = [right, left].into_iter().find(|r| r.x != spot.x && free(*r, taken)) {
            buf.set_string(r.x, r.y, label, pin.style);
            taken.push(r);
            // A click on the count is a click on its marker.
            return Some(spot.union(r));
        }
    }
    Some(spot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(lat: f64, lon: f64, label: Option<&str>) -> Pin {
        Pin { at: LatLon { lat, lon }, symbol: "●", label: label.map(str::to_string), style: Style::new() }
    }

    #[test]
    fn points_land_in_their_cells_and_the_poles_are_off_the_map() {
        let area = Rect::new(10, 5, 73, 28);
        assert_eq!(cell(LatLon { lat: NORTH, lon: WEST }, area), Some(Position::new(10, 5)));
        assert_eq!(cell(LatLon { lat: SOUTH, lon: EAST }, area), Some(Position::new(82, 32)));
        assert_eq!(cell(LatLon { lat: 10.0, lon: 0.0 }, area), Some(Position::new(46, 19)));
        assert_eq!(cell(LatLon { lat: -80.0, lon: 0.0 }, area), None);
    }

    #[test]
    fn the_land_copied_is_the_land_the_canvas_plots() {
        let area = Rect::new(3, 2, 63, 12);
        let direct = {
            let mut buf = Buffer::empty(Rect::new(0, 0, 70, 16));
            canvas()
                .paint(|ctx| ctx.draw(&Map { resolution: MapResolution::High, color: Color::Green }))
                .render(area, &mut buf);
            buf
        };
        for _ in 0..2 {
            // The first draw plots, the second copies.
            let mut buf = Buffer::empty(Rect::new(0, 0, 70, 16));
            let map = WorldMap { pins: &[], lines: &[], land: Color::Green, resolution: MapResolution::High };
            map.render_pins(area, &mut buf);
            assert_eq!(
                buf.content.iter().map(|c| c.symbol()).collect::<String>(),
                direct.content.iter().map(|c| c.symbol()).collect::<String>()
            );
            let land = buf.content.iter().find(|c| c.symbol() != " ").expect("some land");
            assert_eq!(land.fg, Color::Green);
        }
    }

    #[test]
    fn pins_on_one_cell_move_apart_and_labels_need_room() {
        let area = Rect::new(0, 0, 40, 12);
        let mut buf = Buffer::empty(area);
        let pins = [pin(37.37, -79.8, Some("12")), pin(36.7, -78.4, Some("3")), pin(52.4, 4.9, None)];
        let map = WorldMap { pins: &pins, lines: &[], land: Color::DarkGray, resolution: MapResolution::Low };
        let at = map.render_pins(area, &mut buf);
        let (a, b) = (at[0].expect("placed"), at[1].expect("placed"));
        assert!(!a.intersects(b), "two regions in one cell get two places: {a:?} {b:?}");
        assert_eq!(buf[(a.x, a.y)].symbol(), "●");
        assert_eq!(buf[(a.x + 1, a.y)].symbol(), "1", "the count beside the first pin");
        assert_eq!(a.width, 3, "the marker and its count are one target");
        assert!(at[2].is_some());
        // Too small a map draws nothing and places nothing.
        let tiny = WorldMap { pins: &pins, lines: &[], land: Color::DarkGray, resolution: MapResolution::Low };
        assert_eq!(tiny.render_pins(Rect::new(0, 0, 3, 1), &mut buf), vec![None, None, None]);
    }
}
