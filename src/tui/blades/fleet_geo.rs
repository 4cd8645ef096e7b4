//! Home ▸ Geo-replication: every link of the fleet (primary, secondary, regions, status, health, last
//! change) with a map of the pairs, and on a second tab the unprotected Premium caches with what could
//! protect them. `/` filters, `o` sorts, Tab switches; Enter opens the pair's Geo-replication blade, or
//! an unprotected cache's Compatible caches. The rows are made when the fleet changes and the view is
//! on screen (`refresh`), never while drawing.

use ratatui::crossterm::event::KeyEvent;
use ratatui::widgets::TableState;

use crate::arm::ResourceId;
use crate::geo::{LatLon, coordinates, region_key};
use crate::tui::command::{Command, CommandInfo};
use crate::tui::data::Data;
use crate::tui::filter::{self, Typed};
use crate::tui::fleet_links::{self, Health, LinkRow, UnprotectedRow};
use crate::tui::hits::Target;
use crate::tui::view::{MenuItem, Open, Outcome};
use crate::tui::widgets::list;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Links,
    Unprotected,
}

/// The links' sort orders, in the order the sort key visits them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkSort {
    /// Worst first: failed, unhealthy, in progress, not read yet, healthy.
    #[default]
    Health,
    Primary,
    Secondary,
    Region,
    Status,
    /// Newest change first.
    Changed,
}

impl LinkSort {
    const ALL: [LinkSort; 6] = [
        LinkSort::Health,
        LinkSort::Primary,
        LinkSort::Secondary,
        LinkSort::Region,
        LinkSort::Status,
        LinkSort::Changed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LinkSort::Health => "health",
            LinkSort::Primary => "primary",
            LinkSort::Secondary => "secondary",
            LinkSort::Region => "region",
            LinkSort::Status => "link status",
            LinkSort::Changed => "last change",
        }
    }
}

/// The unprotected caches' sort orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnprotectedSort {
    /// Fewest first: the caches hardest to protect.
    #[default]
    Candidates,
    Name,
    Region,
    /// Nearest first.
    Distance,
}

impl UnprotectedSort {
    const ALL: [UnprotectedSort; 4] =
        [UnprotectedSort::Candidates, UnprotectedSort::Name, UnprotectedSort::Region, UnprotectedSort::Distance];

    pub fn label(self) -> &'static str {
        match self {
            UnprotectedSort::Candidates => "candidates",
            UnprotectedSort::Name => "name",
            UnprotectedSort::Region => "location",
            UnprotectedSort::Distance => "nearest",
        }
    }
}

fn next_of<T: Copy + PartialEq>(all: &[T], now: T) -> T {
    let i = all.iter().position(|s| *s == now).unwrap_or(0);
    all[(i + 1) % all.len()]
}

/// One line of the map: the links between two regions, coloured by the worst of them.
#[derive(Clone, Debug, PartialEq)]
pub struct MapLine {
    pub from: LatLon,
    pub to: LatLon,
    pub health: Health,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetState {
    pub tab: Tab,
    pub filter: String,
    pub editing: bool,
    pub link_sort: LinkSort,
    pub unprotected_sort: UnprotectedSort,
    /// Shared with the snapshot (made once per poll for every console of the process), with this
    /// console's metrics' health where it read any.
    pub links: std::sync::Arc<Vec<LinkRow>>,
    /// Shared with the snapshot (made once per poll for every console of the process).
    pub unprotected: std::sync::Arc<Vec<UnprotectedRow>>,
    /// The shown tab's rows that pass the filter, sorted: indexes into `links` or `unprotected`.
    pub visible: Vec<usize>,
    /// The links that pass the filter, one line per pair of regions, worst health last (drawn on top).
    pub map: Vec<MapLine>,
    /// The regions at the ends of those lines.
    pub pins: Vec<LatLon>,
    /// The links that pass the filter, counted by health (in [`Health`]'s order).
    pub by_health: [usize; 6],
    pub table: TableState,
    /// The fleet changed since the rows were made.
    stale: bool,
}

impl FleetState {
    pub fn new(data: &Data) -> Self {
        let mut s = FleetState::default();
        s.refresh(data);
        s
    }

    pub fn selected(&self) -> usize {
        self.table.selected().unwrap_or(0)
    }

    /// The fleet changed: the rows are made again when the view is next on screen.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    pub fn stale(&self) -> bool {
        self.stale
    }

    /// The selected row's cache (the pair's primary, or the unprotected cache).
    fn selected_id(&self) -> Option<&ResourceId> {
        let i = *self.visible.get(self.selected())?;
        match self.tab {
            Tab::Links => self.links.get(i).map(|r| &r.primary),
            Tab::Unprotected => self.unprotected.get(i).map(|r| &r.id),
        }
    }

    /// Makes the rows from the fleet as it is now, keeping the selected row.
    pub fn refresh(&mut self, data: &Data) {
        let keep = self.selected_id().cloned();
        let (links, unprotected) = data.snapshot().fleet();
        self.links = fleet_links::with_health(links, data);
        self.unprotected = unprotected.clone();
        self.stale = false;
        self.apply();
        if let Some(k) = keep {
            self.select_id(&k);
        }
    }

    fn select_id(&mut self, id: &ResourceId) {
        let pos = self.visible.iter().position(|&i| match self.tab {
            Tab::Links => &self.links[i].primary == id,
            Tab::Unprotected => &self.unprotected[i].id == id,
        });
        self.table.select(Some(pos.unwrap_or(0)));
    }

    /// Filters and sorts the shown tab, and draws the map's lines from the links that pass.
    fn apply(&mut self) {
        let needle = self.filter.trim().to_ascii_lowercase();
        let pass = |search: &str| needle.is_empty() || search.contains(&needle);
        let link_rows: Vec<usize> = (0..self.links.len()).filter(|&i| pass(&self.links[i].search)).collect();
        self.map_lines(&link_rows);
        self.by_health = [0; 6];
        for &i in &link_rows {
            self.by_health[self.links[i].health as usize] += 1;
        }
        self.visible = match self.tab {
            Tab::Links => link_rows,
            Tab::Unprotected => (0..self.unprotected.len()).filter(|&i| pass(&self.unprotected[i].search)).collect(),
        };
        self.sort();
        let n = self.visible.len();
        self.table.select(Some(self.selected().min(n.saturating_sub(1))));
    }

    fn sort(&mut self) {
        let name = |id: &ResourceId| id.name.to_ascii_lowercase();
        match self.tab {
            Tab::Links => {
                let rows = &self.links;
                let sort = self.link_sort;
                self.visible.sort_by_cached_key(|&i| {
                    let r = &rows[i];
                    let first = match sort {
                        LinkSort::Health => format!("{}", r.health as u8),
                        LinkSort::Primary => String::new(),
                        LinkSort::Secondary => name(&r.secondary),
                        LinkSort::Region => r.primary_region.to_ascii_lowercase(),
                        LinkSort::Status => r.state.as_ref().map_or_else(String::new, |s| s.to_string()),
                        // Newest first: the time's complement, so that ascending order puts it first.
                        LinkSort::Changed => {
                            r.changed.map_or("~".into(), |t| format!("{:020}", i64::MAX - t.timestamp()))
                        }
                    };
                    (first, name(&r.primary), name(&r.secondary))
                });
            }
            Tab::Unprotected => {
                let rows = &self.unprotected;
                let sort = self.unprotected_sort;
                self.visible.sort_by_cached_key(|&i| {
                    let r = &rows[i];
                    let p = &r.protection;
                    let first = match sort {
                        UnprotectedSort::Candidates => format!("{:010}", p.candidates),
                        UnprotectedSort::Name => String::new(),
                        UnprotectedSort::Region => r.region.to_ascii_lowercase(),
                        UnprotectedSort::Distance => match p.nearest.as_ref().and_then(|n| n.km) {
                            Some(km) => format!("{km:010}"),
                            None => "~".into(),
                        },
                    };
                    (first, name(&r.id))
                });
            }
        }
    }

    fn map_lines(&mut self, rows: &[usize]) {
        let mut lines: Vec<(String, String, MapLine)> = Vec::new();
        for &i in rows {
            let r = &self.links[i];
            let (Some(from), Some(to)) = (coordinates(&r.primary_region), coordinates(&r.secondary_region)) else {
                continue;
            };
            let (a, b) = (region_key(&r.primary_region), region_key(&r.secondary_region));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            match lines.iter_mut().find(|(x, y, _)| *x == a && *y == b) {
                Some((_, _, l)) => l.health = l.health.min(r.health),
                None => lines.push((a, b, MapLine { from, to, health: r.health })),
            }
        }
        // The worst drawn last, so it shows where lines cross.
        lines.sort_by_key(|l| std::cmp::Reverse(l.2.health));
        self.pins.clear();
        for (_, _, l) in &lines {
            for at in [l.from, l.to] {
                if !self.pins.contains(&at) {
                    self.pins.push(at);
                }
            }
        }
        self.map = lines.into_iter().map(|(_, _, l)| l).collect();
    }

    pub fn edit(&mut self, key: KeyEvent) {
        match filter::type_key(&mut self.filter, &mut self.editing, &key) {
            Typed::Filter => {
                self.apply();
                self.table.select(Some(0));
            }
            Typed::Move(cmd) => {
                if let Some(i) = list::moved(self.selected(), cmd, self.visible.len(), 1) {
                    self.table.select(Some(i));
                }
            }
            Typed::Ignored => {}
        }
    }

    pub fn commands(&self) -> Vec<CommandInfo> {
        if self.editing {
            return filter::commands();
        }
        let none = self.visible.is_empty().then(|| "Nothing is listed.".to_string());
        let (enter, other) = match self.tab {
            Tab::Links => ("open pair", "unprotected"),
            Tab::Unprotected => ("compatible caches", "links"),
        };
        let mut out = vec![
            CommandInfo::new(Command::Up, "move").quiet(),
            CommandInfo::new(Command::Down, "move"),
            CommandInfo::new(Command::PageUp, "page up").quiet(),
            CommandInfo::new(Command::PageDown, "page down").quiet(),
            CommandInfo::new(Command::First, "first row").quiet(),
            CommandInfo::new(Command::Last, "last row").quiet(),
            CommandInfo::new(Command::Enter, enter).off(none),
            CommandInfo::new(Command::NextPane, other),
            CommandInfo::new(Command::PreviousPane, other).quiet(),
            CommandInfo::new(Command::Filter, "filter"),
            CommandInfo::new(Command::Sort, "sort"),
        ];
        let back = if self.filter.is_empty() { "back" } else { "clear filter" };
        out.push(CommandInfo::new(Command::Back, back));
        out
    }

    pub fn on_command(&mut self, cmd: Command, page: usize) -> Outcome {
        if let Some(i) = list::moved(self.selected(), cmd, self.visible.len(), page) {
            self.table.select(Some(i));
            return Outcome::Consumed;
        }
        match cmd {
            Command::Filter => self.editing = true,
            Command::Sort => {
                let keep = self.selected_id().cloned();
                match self.tab {
                    Tab::Links => self.link_sort = next_of(&LinkSort::ALL, self.link_sort),
                    Tab::Unprotected => self.unprotected_sort = next_of(&UnprotectedSort::ALL, self.unprotected_sort),
                }
                self.sort();
                if let Some(k) = keep {
                    self.select_id(&k);
                }
            }
            Command::NextPane | Command::PreviousPane => {
                self.tab = if self.tab == Tab::Links { Tab::Unprotected } else { Tab::Links };
                self.table.select(Some(0));
                self.apply();
            }
            Command::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.apply();
            }
            Command::Enter | Command::Right => {
                let Some(id) = self.selected_id().cloned() else { return Outcome::Consumed };
                return Outcome::Open(match self.tab {
                    Tab::Links => Open::Cache(id, MenuItem::GeoReplication),
                    Tab::Unprotected => Open::Compatible(id),
                });
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// A click on row `i` selects and opens it, as Enter does.
    pub fn on_click(&mut self, target: Target) -> Outcome {
        match target {
            Target::Row(i) if i < self.visible.len() => {
                self.editing = false;
                self.table.select(Some(i));
                self.on_command(Command::Enter, 1)
            }
            _ => Outcome::Ignored,
        }
    }
}
