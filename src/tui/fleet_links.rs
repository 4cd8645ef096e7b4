//! The fleet's geo-replication as rows: every link once (from its primary's details, else its
//! secondary's, else "reading…" from a cache that says it has a link whose details are not read yet),
//! and every unprotected Premium cache with what could protect it. Made once per snapshot for every
//! console of the process (by the poller while a console shows them), never while drawing; a console
//! adds only the health its own metrics give the pairs it read ([`with_health`]).

use std::sync::Arc;

use crate::tui::snapshot::Snapshot;
use fnv::{FnvHashMap, FnvHashSet};

use chrono::{DateTime, Utc};

use crate::arm::{LinkState, ResourceId};
use crate::geo::{FromResources, Protection, Protectors, World};

use super::data::{Data, Role};
use super::link_changes::LinkChanges;

/// How a link is doing: from the metrics where the console read them, else what its state implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// The link failed.
    Failed,
    /// The metrics say it is not healthy.
    Unhealthy,
    /// Being made or removed.
    InFlight,
    /// Its details are not read yet.
    Reading,
    /// Linked; its metrics were not read (the console reads those of the pair on screen).
    NotRead,
    /// The metrics say it is healthy.
    Healthy,
}

impl Health {
    /// Every kind, worst first (the order `as usize` indexes).
    pub const ALL: [Health; 6] =
        [Health::Failed, Health::Unhealthy, Health::InFlight, Health::Reading, Health::NotRead, Health::Healthy];

    pub fn label(self) -> &'static str {
        match self {
            Health::Failed => "link failed",
            Health::Unhealthy => "Unhealthy",
            Health::InFlight => "in progress",
            Health::Reading => "—",
            Health::NotRead => "not read",
            Health::Healthy => "Healthy",
        }
    }
}

/// One link of the fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkRow {
    /// The geo-primary; for a link not read yet, the cache that says it has it.
    pub primary: ResourceId,
    /// The geo-secondary; for a link not read yet, the peer its linked server names.
    pub secondary: ResourceId,
    pub primary_region: String,
    pub secondary_region: String,
    /// The link's state; `None` until its details are read (roles unknown then).
    pub state: Option<LinkState>,
    pub health: Health,
    /// When the process saw its state change ([`super::link_changes`]).
    pub changed: Option<DateTime<Utc>>,
    /// Lower-cased words a filter matches.
    pub search: String,
}

/// An unlinked Premium cache, and what could protect it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnprotectedRow {
    pub id: ResourceId,
    pub region: String,
    /// `P1`, `P3 · 2 shards`.
    pub size: String,
    pub protection: Protection,
    pub search: String,
}

/// What a filter matches: the words lower-cased, one string.
fn words(words: &[&str]) -> String {
    let mut out = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
    for w in words {
        out.extend(w.chars().flat_map(char::to_lowercase));
        out.push('\u{1f}');
    }
    out
}

fn region_of(snap: &Snapshot, id: &ResourceId) -> String {
    snap.cache(id).map(|c| c.location.clone()).unwrap_or_else(|| "—".into())
}

/// What a link's state says of its health, before any metrics.
fn state_health(state: Option<&LinkState>) -> Health {
    match state {
        None => Health::Reading,
        Some(LinkState::Failed) => Health::Failed,
        Some(s) if s.in_flight() => Health::InFlight,
        Some(_) => Health::NotRead,
    }
}

/// What the console's metrics say of the pair's health, where it read them.
fn metrics_health(data: &Data, primary: &ResourceId, secondary: &ResourceId) -> Option<Health> {
    let read = data.geo_health(primary)?;
    let read = Some(read).filter(|h| &h.watch.secondary == secondary || &h.watch.primary == secondary)?;
    read.healthy.map(|healthy| if healthy >= 1.0 { Health::Healthy } else { Health::Unhealthy })
}

/// A link's pair and regions: (primary, its region), (secondary, its region).
type Pair = ((ResourceId, String), (ResourceId, String));

impl LinkRow {
    fn new(changes: &LinkChanges, pair: Pair, state: Option<LinkState>) -> LinkRow {
        let ((primary, primary_region), (secondary, secondary_region)) = pair;
        let health = state_health(state.as_ref());
        let changed = changes.pair(&primary, &secondary);
        let search = String::new();
        let mut row = LinkRow { primary, secondary, primary_region, secondary_region, state, health, changed, search };
        row.search = row.words();
        row
    }

    /// What a filter matches: the caches, the regions, the status and the health.
    fn words(&self) -> String {
        let status = self.state.as_ref().map_or_else(|| "reading…".to_string(), |s| s.to_string());
        let (p, s) = (&self.primary.name, &self.secondary.name);
        words(&[p, s, &self.primary_region, &self.secondary_region, &status, self.health.label()])
    }
}

/// The fleet's links with the health the console's metrics give the pairs it read (the snapshot's
/// rows know only what the states say): the same rows, shared, when the metrics change none.
pub fn with_health(rows: &Arc<Vec<LinkRow>>, data: &Data) -> Arc<Vec<LinkRow>> {
    let mut out = rows.clone();
    if data.health.is_empty() {
        return out;
    }
    for i in 0..rows.len() {
        let r = &rows[i];
        if r.state.is_none() {
            continue;
        }
        let Some(health) = metrics_health(data, &r.primary, &r.secondary) else { continue };
        if health != r.health {
            let row = &mut Arc::make_mut(&mut out)[i];
            row.health = health;
            row.search = row.words();
        }
    }
    out
}

/// Every link of the fleet, once each (in no particular order: the view sorts them), with the health
/// its state implies ([`with_health`] adds the metrics a console read).
pub fn links(snap: &Snapshot) -> Vec<LinkRow> {
    let changes = snap.changes();
    // Each linked cache's view of its link, with its own region; the peer's region is in the entry.
    let mut views = Vec::new();
    let mut unread = Vec::new();
    for (i, (c, id)) in snap.caches.iter().zip(&snap.ids).enumerate() {
        if c.linked_server_ids().next().is_none() {
            continue;
        }
        match snap.link(id) {
            Some(link) => views.push((id, c.location.clone(), link)),
            None => unread.push(i),
        }
    }
    if views.len() < snap.linked.len() {
        // Entries of caches that no longer list a link (the details are from an earlier poll).
        let seen: FnvHashSet<&ResourceId> = views.iter().map(|(id, _, _)| *id).collect();
        for id in snap.linked.keys().filter(|id| !seen.contains(id)) {
            if let Some(link) = snap.link(id) {
                views.push((id, region_of(snap, id), link));
            }
        }
    }
    // The primary's entry speaks for the pair; the secondary's when the primary's is not read.
    views.sort_by_key(|(_, _, link)| link.role == Role::Secondary);
    let mut out = Vec::with_capacity(views.len() / 2 + unread.len());
    let mut listed: FnvHashSet<(&ResourceId, &ResourceId)> = FnvHashSet::default();
    for (id, here, link) in &views {
        let pair = if link.role == Role::Secondary { (&link.peer, *id) } else { (*id, &link.peer) };
        if !listed.insert(pair) {
            continue;
        }
        let there = link.entry.properties.linked_redis_cache_location.clone();
        let (me, peer) = (((*id).clone(), here.clone()), (link.peer.clone(), there));
        let pair = if link.role == Role::Secondary { (peer, me) } else { (me, peer) };
        out.push(LinkRow::new(changes, pair, Some(link.state())));
    }
    // Caches that say they have a link whose details are not read yet.
    if unread.is_empty() {
        return out;
    }
    // Caches that say they have a link whose details are not read: their peer found by name in the
    // same subscription (a link joins caches of one subscription).
    let by_name: FnvHashMap<(String, String), usize> = snap
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| ((id.subscription.to_ascii_lowercase(), id.name.to_ascii_lowercase()), i))
        .collect();
    // Both caches of a link may be unread: one row for the two.
    let unordered = |a: &ResourceId, b: &ResourceId| {
        let (a, b) = (a.to_string().to_ascii_lowercase(), b.to_string().to_ascii_lowercase());
        if a <= b { (a, b) } else { (b, a) }
    };
    let mut unread_pairs = FnvHashSet::default();
    for i in unread {
        let me = &snap.ids[i];
        let Some(peer_name) = snap.caches[i].linked_server_ids().find_map(|l| ResourceId::parse(l).ok()?.linked_server)
        else {
            continue;
        };
        let peer = by_name
            .get(&(me.subscription.to_ascii_lowercase(), peer_name.to_ascii_lowercase()))
            .map(|j| snap.ids[*j].clone())
            .unwrap_or_else(|| ResourceId::cache(&me.subscription, &me.resource_group, &peer_name));
        if listed.contains(&(me, &peer)) || listed.contains(&(&peer, me)) || !unread_pairs.insert(unordered(me, &peer))
        {
            continue;
        }
        let pair = ((me.clone(), region_of(snap, me)), (peer.clone(), region_of(snap, &peer)));
        out.push(LinkRow::new(changes, pair, None));
    }
    out
}

/// Every Premium cache with no link and no link being made, with how many caches could be its
/// secondary and the nearest region among them (from [`Protectors`]: no pairwise check).
pub fn unprotected(data: &Snapshot) -> Vec<UnprotectedRow> {
    let world = FromResources;
    let caches = || data.caches.iter().zip(&data.ids);
    let protectors = Protectors::new(caches().map(|(c, id)| (c, id.subscription.as_str())), &world);
    let mut out = Vec::new();
    for (i, (c, id)) in caches().enumerate() {
        if !c.is_premium() || world.is_linked(c) || world.has_operation(c) {
            continue;
        }
        let protection = protectors.of(c, &id.subscription, &world);
        let size = match c.shards() {
            Some(n) => format!("{} · {n} shards", c.properties.sku.label()),
            None => c.properties.sku.label(),
        };
        let nearest = protection.nearest.as_ref().map_or("", |n| n.region.as_str());
        // What Home's filter matches (name, group, subscription, location...), then this list's own.
        let home = data.search.get(i).map_or("", String::as_str);
        let search = words(&[home, &size, nearest]);
        out.push(UnprotectedRow { id: id.clone(), region: c.location.clone(), size, protection, search });
    }
    out
}
