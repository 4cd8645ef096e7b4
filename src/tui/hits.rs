//! Where things are on the last frame: drawing records each clickable region with what a click there
//! means, and `App::update` resolves mouse events against that record. Geometry is computed once, by
//! the widgets that draw it.

use ratatui::layout::{Position, Rect};

use super::command::Command;

/// What a click lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A command, as if its key was pressed: buttons, the bell, `? help`, the toggle, hint-bar entries.
    Command(Command),
    /// A breadcrumb segment: how many blades stay open above Home.
    Crumb(usize),
    /// Row `n` of the focused blade's list (Home, Compatible caches, the linked caches table).
    Row(usize),
    /// Item `n` of the resource menu (`MenuItem::ALL[n]`).
    Menu(usize),
    /// Region `n` of the Compatible caches region filter (a marker on the map, or its name).
    Region(usize),
    /// Item `n` of an open context menu.
    ContextItem(usize),
    /// A dialog's confirm (`true`) or cancel button.
    DialogButton(bool),
    /// Under an overlay, outside it: a click there does nothing (or what the overlay's catch-all says).
    Nothing,
}

/// The clickable regions of one frame, in drawing order: what is drawn later (an overlay) is on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hits {
    regions: Vec<(Rect, Target)>,
    /// How far the focused text (Overview, Properties, help, notifications) can scroll at this size.
    scroll_max: Option<u16>,
    /// How many rows of the focused list are on screen: what PageDown moves by.
    page: Option<usize>,
}

impl Hits {
    pub fn push(&mut self, area: Rect, target: Target) {
        if !area.is_empty() {
            self.regions.push((area, target));
        }
    }

    /// What is at (x, y): the topmost region there.
    pub fn at(&self, x: u16, y: u16) -> Option<Target> {
        let p = Position::new(x, y);
        self.regions.iter().rev().find(|(r, _)| r.contains(p)).map(|(_, t)| *t)
    }

    pub fn set_scroll_max(&mut self, max: u16) {
        self.scroll_max = Some(max);
    }

    pub fn scroll_max(&self) -> Option<u16> {
        self.scroll_max
    }

    pub fn set_page(&mut self, rows: usize) {
        self.page = Some(rows);
    }

    pub fn page(&self) -> Option<usize> {
        self.page
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topmost_region_wins() {
        let mut h = Hits::default();
        h.push(Rect::new(0, 0, 10, 10), Target::Row(1));
        h.push(Rect::new(2, 2, 2, 2), Target::DialogButton(true));
        h.push(Rect::new(50, 50, 0, 3), Target::Row(9));
        assert_eq!(h.at(3, 3), Some(Target::DialogButton(true)));
        assert_eq!(h.at(0, 0), Some(Target::Row(1)));
        assert_eq!(h.at(10, 0), None);
        assert_eq!(h.at(50, 50), None, "empty regions are not recorded");
    }
}
