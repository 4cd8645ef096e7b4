//! Compatible caches: the caches that pass every rule in `geo`, opened from "Add cache replication link".
//! A toggle lists the incompatible ones too, greyed, each with the reasons it is excluded. What is
//! wrong with the primary itself is said once, above the list, not on every row.

use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;
use ratatui::widgets::TableState;

use crate::arm::ResourceId;
use crate::geo::{FromResources, Incompatibility, Side, compatibility, same_region};
use crate::tui::action::Effect;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::data::Data;
use crate::tui::filter::{self, Typed};
use crate::tui::hits::Target;
use crate::tui::snapshot::Snapshot;
use crate::tui::view::{Open, Outcome};
use crate::tui::widgets::list;

use super::context_menu::ContextItem;
use super::region_filter::RegionFilter;

/// A cache that could be (or is not allowed to be) the secondary.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: ResourceId,
    /// The reasons about this candidate (or the pair); empty when compatible. Shared with the
    /// verdicts, so a row costs no copy of them.
    pub reasons: Arc<[Incompatibility]>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompatibleState {
    pub primary: ResourceId,
    pub show_incompatible: bool,
    /// Compatible first, then (when shown) the incompatible ones; filtered.
    pub rows: Vec<Candidate>,
    /// How many caches were ruled out (shown or not).
    pub excluded: usize,
    /// What is wrong with the primary itself: no row can be linked while this is not empty.
    pub primary_reasons: Vec<Incompatibility>,
    pub table: TableState,
    /// The context menu, open with its selected item.
    pub menu: Option<usize>,
    pub filter: String,
    pub editing: bool,
    /// The region chosen on the map, and the regions of the candidates the other filters let through.
    pub region: RegionFilter,
    /// Widths of the name and resource group columns: the longest of the rows.
    pub widths: (u16, u16),
    /// The rules' verdict on every cache, kept from poll to poll.
    verdicts: Box<Verdicts>,
}

/// What is wrong with the primary itself, and what with the pair or the candidate.
fn split(reasons: Vec<Incompatibility>) -> (Vec<Incompatibility>, Vec<Incompatibility>) {
    reasons.into_iter().partition(|r| r.side() == Some(Side::Primary))
}

fn candidate_reasons(
    primary: &crate::arm::RedisResource,
    candidate: &crate::arm::RedisResource,
) -> Vec<Incompatibility> {
    split(compatibility(primary, candidate, &FromResources)).1
}

/// The rules' verdict on every cache of a snapshot for one primary. Kept from poll to poll and redone
/// only for the caches whose revision moved (all of them when the primary's did), so a poll in which
/// a few of 10,000 caches changed checks a few pairs, not 10,000.
#[derive(Clone, Debug, Default, PartialEq)]
struct Verdicts {
    primary_rev: u64,
    /// The revision each verdict was made for, in the snapshot's order.
    revs: Vec<u64>,
    /// What rules each cache out (or the pair), in the snapshot's order; empty when compatible.
    reasons: Vec<Arc<[Incompatibility]>>,
    /// What is wrong with the primary itself.
    primary_reasons: Vec<Incompatibility>,
}

impl Verdicts {
    /// Brings the verdicts up to `snap`, whose cache `p` is the primary.
    fn update(&mut self, snap: &Snapshot, p: usize) {
        let (Some(primary), Some(&primary_rev)) = (snap.caches.get(p), snap.revs.get(p)) else { return };
        let same_primary = primary_rev == self.primary_rev && !self.revs.is_empty();
        // The usual poll: the same caches, a few changed. Only those are checked again, in place.
        if same_primary && self.revs.len() == snap.revs.len() {
            for (i, (cache, &rev)) in snap.caches.iter().zip(&snap.revs).enumerate() {
                if self.revs[i] != rev {
                    self.reasons[i] = if i == p { Arc::from([]) } else { candidate_reasons(primary, cache).into() };
                    self.revs[i] = rev;
                }
            }
            return;
        }
        let previous = std::mem::take(&mut self.reasons);
        let revs = std::mem::take(&mut self.revs);
        if !same_primary {
            self.primary_reasons.clear();
        }
        // Caches added or removed move the others: their verdicts are found by revision.
        let at: std::collections::HashMap<u64, usize> =
            if same_primary { revs.iter().enumerate().map(|(i, r)| (*r, i)).collect() } else { Default::default() };
        let mut primary_reasons = None;
        for (i, (cache, &rev)) in snap.caches.iter().zip(&snap.revs).enumerate() {
            let reasons = match at.get(&rev).and_then(|&j| previous.get(j)) {
                Some(r) if i != p => r.clone(),
                _ if i == p => Arc::from([]),
                _ => {
                    let (own, reasons) = split(compatibility(primary, cache, &FromResources));
                    primary_reasons.get_or_insert(own);
                    reasons.into()
                }
            };
            self.reasons.push(reasons);
        }
        if let Some(own) = primary_reasons.filter(|_| !same_primary) {
            self.primary_reasons = own;
        }
        self.revs = snap.revs.clone();
        self.primary_rev = primary_rev;
    }
}

impl CompatibleState {
    pub fn new(primary: ResourceId, data: &Data) -> Self {
        let mut c = CompatibleState {
            primary,
            show_incompatible: false,
            rows: Vec::new(),
            excluded: 0,
            primary_reasons: Vec::new(),
            table: TableState::default().with_selected(Some(0)),
            menu: None,
            filter: String::new(),
            editing: false,
            region: RegionFilter::default(),
            widths: (4, 5),
            verdicts: Box::default(),
        };
        c.refresh(data);
        c
    }

    pub fn selected(&self) -> usize {
        self.table.selected().unwrap_or(0)
    }

    /// Re-applies the rules to the caches as they are now, keeping the selected cache.
    pub fn refresh(&mut self, data: &Data) {
        let keep = self.rows.get(self.selected()).map(|r| r.id.clone());
        self.rebuild(data);
        match keep.and_then(|keep| self.rows.iter().position(|r| r.id == keep)) {
            Some(i) => self.table.select(Some(i)),
            // The selected cache left the list: its context menu must not act on the cache now in its
            // place.
            None => self.menu = None,
        }
        self.table.select(Some(self.selected().min(self.rows.len().saturating_sub(1))));
    }

    fn rebuild(&mut self, data: &Data) {
        self.rows.clear();
        let snap = data.snapshot();
        let Some(p) = snap.position(&self.primary) else {
            self.primary_reasons.clear();
            *self.verdicts = Verdicts::default();
            self.menu = None;
            self.region.regions.clear();
            return;
        };
        self.verdicts.update(snap, p);
        self.primary_reasons = self.verdicts.primary_reasons.clone();
        let needle = self.filter.trim().to_ascii_lowercase();
        // (index, compatible, region) of every cache the filter lets through: compatible first.
        let (mut order, mut incompatible) = (Vec::new(), Vec::new());
        for (i, reasons) in self.verdicts.reasons.iter().enumerate() {
            if i == p || (!needle.is_empty() && !snap.search.get(i).is_some_and(|s| s.contains(&needle))) {
                continue;
            }
            let Some(c) = snap.caches.get(i) else { continue };
            let entry = (i, reasons.is_empty(), c.location.as_str());
            if entry.1 { order.push(entry) } else { incompatible.push(entry) }
        }
        let listed = order.len() + if self.show_incompatible { incompatible.len() } else { 0 };
        order.extend(incompatible);
        // The map counts what the list would show in each region; then the chosen region narrows it.
        let groups = self.region.tally(order.iter().take(listed).map(|e| e.2));
        let chosen = self.region.chosen_index();
        let (mut rows, mut excluded) = (Vec::new(), 0);
        for (k, &(i, compatible, location)) in order.iter().enumerate() {
            let admitted = match groups.get(k) {
                Some(&group) => self.region.admits(group, chosen),
                // A hidden incompatible cache: "(N hidden)" counts the chosen region's only.
                None => self.region.chosen.as_deref().is_none_or(|c| same_region(c, location)),
            };
            if !admitted {
                continue;
            }
            if !compatible {
                excluded += 1;
                if !self.show_incompatible {
                    continue;
                }
            }
            // Rows are made only for what is listed: most of a large fleet is hidden.
            let (Some(id), Some(reasons)) = (snap.ids.get(i), self.verdicts.reasons.get(i)) else { continue };
            rows.push(Candidate { id: id.clone(), reasons: reasons.clone() });
        }
        self.excluded = excluded;
        self.rows = rows;
        let width_of = |f: &dyn Fn(&Candidate) -> usize| self.rows.iter().map(f).max().unwrap_or(4).clamp(4, 64) as u16;
        self.widths =
            (width_of(&|r| r.id.name.chars().count()), width_of(&|r| r.id.resource_group.chars().count()).max(14));
    }

    pub fn compatible_count(&self) -> usize {
        self.rows.iter().filter(|r| r.reasons.is_empty()).count()
    }

    /// Every reason "Link as secondary" is off for the selected row (empty when it is on).
    pub fn link_blockers(&self, read_only: bool) -> Vec<String> {
        if read_only {
            return vec![super::geo_replication::READ_ONLY_NOTICE.to_string()];
        }
        let mut out: Vec<String> =
            self.primary_reasons.iter().map(|r| format!("{}: {}", self.primary.name, r.message())).collect();
        if let Some(row) = self.rows.get(self.selected()) {
            out.extend(row.reasons.iter().map(|r| format!("{}: {}", row.id.name, r.message())));
        }
        out
    }

    fn open_menu(&mut self) {
        if !self.rows.is_empty() {
            self.menu = Some(0);
        }
    }

    pub fn commands(&self, read_only: bool) -> Vec<CommandInfo> {
        if self.editing {
            return filter::commands();
        }
        if self.menu.is_some() {
            return vec![
                CommandInfo::new(Command::Up, "move").quiet(),
                CommandInfo::new(Command::Down, "move"),
                CommandInfo::new(Command::Enter, "choose"),
                CommandInfo::new(Command::Back, "close menu"),
            ];
        }
        let none = self.rows.is_empty().then(|| "No cache is listed.".to_string());
        let _ = read_only;
        let mut out = vec![
            CommandInfo::new(Command::Up, "move").quiet(),
            CommandInfo::new(Command::Down, "move"),
            CommandInfo::new(Command::PageUp, "page up").quiet(),
            CommandInfo::new(Command::PageDown, "page down").quiet(),
            CommandInfo::new(Command::First, "first").quiet(),
            CommandInfo::new(Command::Last, "last").quiet(),
            CommandInfo::new(Command::ContextMenu, "menu").off(none),
            CommandInfo::new(Command::Enter, "menu").quiet(),
            CommandInfo::new(Command::ToggleIncompatible, "incompatible"),
            CommandInfo::new(Command::Filter, "filter"),
        ];
        out.extend(self.region.commands());
        out.push(CommandInfo::new(Command::Back, "back"));
        out
    }

    /// After the region changed: the list again, from its first row.
    fn region_changed(&mut self, data: &Data) {
        self.menu = None;
        self.rebuild(data);
        self.table.select(Some(0));
    }

    /// A key while the filter is being typed; the first match is selected.
    pub fn edit(&mut self, key: KeyEvent, data: &Data) {
        match filter::type_key(&mut self.filter, &mut self.editing, &key) {
            Typed::Filter => {
                self.menu = None;
                self.rebuild(data);
                self.table.select(Some(0));
            }
            Typed::Move(cmd) => {
                if let Some(i) = list::moved(self.selected(), cmd, self.rows.len(), 1) {
                    self.table.select(Some(i));
                }
            }
            Typed::Ignored => {}
        }
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data, page: usize, read_only: bool) -> Outcome {
        if let Some(item) = self.menu {
            match cmd {
                Command::Up => self.menu = Some(item.saturating_sub(1)),
                Command::Down => self.menu = Some((item + 1).min(ContextItem::ALL.len() - 1)),
                Command::Enter | Command::Right => return self.activate(item, read_only),
                Command::Back | Command::Left | Command::ContextMenu => self.menu = None,
                // Everything else (help, refresh, quit...) works as anywhere, the menu staying open.
                _ => return Outcome::Ignored,
            }
            return Outcome::Consumed;
        }
        if let Some(i) = list::moved(self.selected(), cmd, self.rows.len(), page) {
            self.table.select(Some(i));
            return Outcome::Consumed;
        }
        match cmd {
            Command::Enter | Command::ContextMenu => self.open_menu(),
            Command::ToggleIncompatible => {
                self.show_incompatible = !self.show_incompatible;
                self.menu = None;
                self.refresh(data);
            }
            Command::Filter => self.editing = true,
            Command::NextRegion | Command::PreviousRegion => {
                self.region.step(cmd == Command::NextRegion);
                self.region_changed(data);
            }
            Command::AllRegions => {
                self.region.chosen = None;
                self.region_changed(data);
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// Runs context-menu item `i` on the selected cache.
    fn activate(&mut self, i: usize, read_only: bool) -> Outcome {
        self.menu = None;
        let Some(row) = self.rows.get(self.selected()) else { return Outcome::Consumed };
        match ContextItem::ALL.get(i) {
            Some(ContextItem::Link) => {
                let blockers = self.link_blockers(read_only);
                if !blockers.is_empty() {
                    return Outcome::Notice(format!("{} cannot be linked: {}", row.id.name, blockers.join(" ")));
                }
                let (primary, secondary) = (self.primary.clone(), row.id.clone());
                let effect = Effect::StartLink {
                    op: 0,
                    primary: primary.clone(),
                    secondary: secondary.clone(),
                    secondary_location: String::new(),
                };
                Outcome::Confirm(Box::new(Confirmation::new(Confirm::Link { primary, secondary }, effect)))
            }
            Some(ContextItem::Details) => Outcome::Open(Open::Details(row.id.clone())),
            None => Outcome::Consumed,
        }
    }

    pub fn on_click(&mut self, target: Target, right: bool, data: &Data, read_only: bool) -> Outcome {
        match target {
            Target::Region(i) => {
                self.region.choose(i);
                self.region_changed(data);
                Outcome::Consumed
            }
            Target::Row(i) if i < self.rows.len() => {
                let again = self.selected() == i && self.menu.is_none();
                self.table.select(Some(i));
                self.menu = None;
                if right || again {
                    self.open_menu();
                }
                Outcome::Consumed
            }
            Target::ContextItem(i) => self.activate(i, read_only),
            _ => Outcome::Ignored,
        }
    }
}
