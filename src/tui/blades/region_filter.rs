//! The region filter of the Compatible caches blade (the portal's map): the regions that hold listed
//! candidates, how many each, and the one the list is narrowed to. Regions are told apart with
//! `geo::same_region`, so `"westeurope"` and `"West Europe"` are one.

use crate::geo::{LatLon, coordinates, region_display_name, same_region};
use crate::tui::command::{Command, CommandInfo};

/// A region that holds listed candidates.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionCount {
    /// The display name ("West Europe").
    pub name: String,
    pub count: usize,
    /// `None` for a region georep has no coordinates for: listed, not on the map.
    pub at: Option<LatLon>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionFilter {
    /// The region the list is narrowed to (its display name); `None`: all regions.
    pub chosen: Option<String>,
    /// The regions of the candidates the other filters let through, west to east, the ones without
    /// coordinates last (by name): the order the keys cycle through.
    pub regions: Vec<RegionCount>,
}

impl RegionFilter {
    /// Counts `locations` by region (replacing the last count) and returns, for each location, its
    /// region's index in `regions`.
    pub fn tally<'a>(&mut self, locations: impl Iterator<Item = &'a str>) -> Vec<usize> {
        self.regions.clear();
        // The same spelling comes back for every cache of a region: look it up once.
        let mut seen: Vec<(&'a str, usize)> = Vec::new();
        let groups: Vec<usize> = locations
            .map(|loc| {
                let slot = match seen.iter().find(|(s, _)| *s == loc) {
                    Some((_, slot)) => *slot,
                    None => {
                        let slot = match self.regions.iter().position(|r| same_region(&r.name, loc)) {
                            Some(slot) => slot,
                            None => {
                                let name = region_display_name(loc);
                                self.regions.push(RegionCount { at: coordinates(&name), name, count: 0 });
                                self.regions.len() - 1
                            }
                        };
                        seen.push((loc, slot));
                        slot
                    }
                };
                self.regions[slot].count += 1;
                slot
            })
            .collect();
        let mut order: Vec<usize> = (0..self.regions.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.regions[a], &self.regions[b]);
            match (a.at, b.at) {
                (Some(x), Some(y)) => x.lon.total_cmp(&y.lon).then_with(|| a.name.cmp(&b.name)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.name.cmp(&b.name),
            }
        });
        let mut rank = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = new;
        }
        let mut sorted: Vec<Option<RegionCount>> = self.regions.drain(..).map(Some).collect();
        self.regions = order.iter().filter_map(|&old| sorted[old].take()).collect();
        groups.into_iter().map(|g| rank[g]).collect()
    }

    /// The chosen region's index in `regions` (`None`: all regions, or a region with no candidate now).
    pub fn chosen_index(&self) -> Option<usize> {
        let chosen = self.chosen.as_deref()?;
        self.regions.iter().position(|r| same_region(&r.name, chosen))
    }

    /// Whether a candidate of region `index` (from `tally`) is listed.
    pub fn admits(&self, index: usize, chosen: Option<usize>) -> bool {
        self.chosen.is_none() || chosen == Some(index)
    }

    /// The next region west to east, after the last "All regions" again (`forward`), or back.
    pub fn step(&mut self, forward: bool) {
        let n = self.regions.len();
        let next = match (self.chosen_index(), self.chosen.is_some()) {
            _ if n == 0 => None,
            (Some(i), _) if forward => (i + 1 < n).then_some(i + 1),
            (Some(i), _) => i.checked_sub(1),
            (None, false) if forward => Some(0),
            (None, false) => Some(n - 1),
            // The chosen region has no candidate any more: start over from the first (or last).
            (None, true) => Some(if forward { 0 } else { n - 1 }),
        };
        self.chosen = next.and_then(|i| self.regions.get(i)).map(|r| r.name.clone());
    }

    /// Narrows the list to region `index`, or back to all regions when it is the chosen one already
    /// (a second click on a marker undoes the first).
    pub fn choose(&mut self, index: usize) {
        if self.chosen_index() == Some(index) {
            self.chosen = None;
        } else if let Some(r) = self.regions.get(index) {
            self.chosen = Some(r.name.clone());
        }
    }

    /// The region commands, as the hint bar and help list them.
    pub fn commands(&self) -> Vec<CommandInfo> {
        let none = self.regions.is_empty().then(|| "No listed cache has a region to choose.".to_string());
        let all = self.chosen.is_none().then(|| "The list shows every region already.".to_string());
        vec![
            CommandInfo::new(Command::NextRegion, "region").off(none.clone()),
            CommandInfo::new(Command::PreviousRegion, "previous region").quiet().off(none),
            CommandInfo::new(Command::AllRegions, "all regions").off(all),
        ]
    }

    /// "West Europe (3)", or "All regions (12)".
    pub fn label(&self, index: Option<usize>) -> String {
        match index.and_then(|i| self.regions.get(i)) {
            Some(r) => format!("{} ({})", r.name, r.count),
            None => format!("All regions ({})", self.regions.iter().map(|r| r.count).sum::<usize>()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tallied(locations: &[&str]) -> (RegionFilter, Vec<usize>) {
        let mut f = RegionFilter::default();
        let groups = f.tally(locations.iter().copied());
        (f, groups)
    }

    #[test]
    fn regions_are_counted_in_any_spelling_west_to_east_unknown_last() {
        let (f, groups) = tallied(&["West Europe", "East US", "westeurope", "Atlantis", "West US 2", "EAST US"]);
        let names: Vec<_> = f.regions.iter().map(|r| (r.name.as_str(), r.count)).collect();
        assert_eq!(names, [("West US 2", 1), ("East US", 2), ("West Europe", 2), ("Atlantis", 1)]);
        assert_eq!(groups, [2, 1, 2, 3, 0, 1]);
        assert!(f.regions[3].at.is_none(), "listed, not on the map");
    }

    #[test]
    fn keys_cycle_through_every_region_and_all_regions() {
        let (mut f, _) = tallied(&["West Europe", "East US", "Japan East"]);
        let mut seen = Vec::new();
        for _ in 0..4 {
            f.step(true);
            seen.push(f.chosen.clone());
        }
        let want = [Some("East US"), Some("West Europe"), Some("Japan East"), None];
        assert_eq!(seen, want.map(|s| s.map(str::to_string)));
        f.step(false);
        assert_eq!(f.chosen.as_deref(), Some("Japan East"));
        f.step(false);
        assert_eq!(f.chosen.as_deref(), Some("West Europe"));
        assert!(f.admits(1, f.chosen_index()) && !f.admits(0, f.chosen_index()));
        f.choose(1);
        assert_eq!(f.chosen, None, "choosing the chosen region again shows all regions");
        assert!(f.admits(0, f.chosen_index()));
        f.choose(2);
        assert_eq!(f.label(f.chosen_index()), "Japan East (1)");
        assert_eq!(f.label(None), "All regions (3)");
        // The chosen region lost its candidates: the list is empty, and the keys start over.
        f.tally(["East US"].into_iter());
        assert_eq!(f.chosen_index(), None);
        assert!(!f.admits(0, None));
        f.step(true);
        assert_eq!(f.chosen.as_deref(), Some("East US"));
        f.tally(std::iter::empty());
        f.step(true);
        assert_eq!(f.chosen, None);
        assert!(f.commands().iter().all(|c| !c.enabled()), "nothing to choose, nothing to clear");
    }
}
