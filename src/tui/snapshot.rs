//! What the backend said in one poll, made ready to show: the caches sorted and indexed by id, their
//! links, the filters' search text, which caches are busy, and a revision per cache that changes only
//! when the cache does. The process's poller ([`super::feed`]) makes one per poll, off every console's
//! input path, and every console (each `georep ssh` session) shares it; a console folds it in by
//! swapping one pointer and redoing only what depends on what changed ([`Snapshot::revs`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use crate::arm::{LinkedServer, RedisResource, ReplicationRole, ResourceId, Subscription};
use crate::geo::{FromResources, LinkPhase, World};

use super::data::{LinkView, Role};
use super::fleet_links::{LinkRow, UnprotectedRow};
use super::link_changes::LinkChanges;
use super::managed::ManagedFleet;

/// Revisions are unique in the process: equal revisions mean the same cache, unchanged.
static NEXT_REV: AtomicU64 = AtomicU64::new(1);

fn next_rev() -> u64 {
    NEXT_REV.fetch_add(1, Ordering::Relaxed)
}

/// Caches by id without a copy of each id (at 10,000 caches the copies were megabytes a snapshot, and
/// two snapshots are alive during a poll): the id's hash (case-insensitive, as ids compare) to its
/// position. Ids that share a hash, vanishingly rare, are found by comparing them.
#[derive(Debug, Default)]
struct Index {
    by_hash: HashMap<u64, u32, std::hash::BuildHasherDefault<fnv::FnvHasher>>,
    /// Two ids share a hash: a miss is checked by comparing ids.
    shared: bool,
}

fn id_hash(id: &ResourceId) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = fnv::FnvHasher::default();
    id.hash(&mut h);
    h.finish()
}

impl Index {
    fn build(ids: &[ResourceId]) -> Index {
        let mut index = Index::default();
        index.by_hash.reserve(ids.len());
        for (i, id) in ids.iter().enumerate() {
            match index.by_hash.entry(id_hash(id)) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(u32::try_from(i).unwrap_or(u32::MAX));
                }
                std::collections::hash_map::Entry::Occupied(_) => index.shared = true,
            }
        }
        index
    }

    /// Where `id` is in `ids` (the ids the index was built from).
    fn get(&self, ids: &[ResourceId], id: &ResourceId) -> Option<usize> {
        let at = *self.by_hash.get(&id_hash(id))? as usize;
        if ids.get(at) == Some(id) {
            return Some(at);
        }
        if self.shared { ids.iter().position(|x| x == id) } else { None }
    }
}

/// A snapshot a console let go of, on its way to be freed ([`super::action::Effect::Release`]).
#[derive(Clone, Debug)]
pub struct Retired(pub Arc<Snapshot>);

impl PartialEq for Retired {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub subscriptions: Vec<Subscription>,
    /// Sorted by name; only caches with a valid id.
    pub caches: Vec<RedisResource>,
    /// Parsed ids of `caches`, same order.
    pub ids: Vec<ResourceId>,
    /// A revision per cache, same order: it changes when the cache's resource does, so a console
    /// recomputes what it derives from a cache only for the caches whose revision moved.
    pub revs: Vec<u64>,
    index: Index,
    /// Linked-server entries of the caches whose details were read (not necessarily every linked
    /// cache: see [`super::feed`]).
    pub linked: HashMap<ResourceId, Vec<LinkedServer>>,
    /// What each cache's row says, lower-cased, for the filters.
    pub search: Vec<String>,
    /// Caches the backend shows an operation on (Linking/Unlinking, or a link in flight).
    pub busy: Vec<ResourceId>,
    /// Each cache's name and subscription name in characters, for the lists' column widths.
    pub widths: Vec<(u16, u16)>,
    /// When each link's state last changed, carried from snapshot to snapshot.
    changes: Arc<LinkChanges>,
    /// Every link of the fleet as Home ▸ Geo-replication lists it ([`Snapshot::links`]).
    links: OnceLock<Arc<Vec<LinkRow>>>,
    /// The Premium caches nobody protects, with what could ([`Snapshot::unprotected`]).
    unprotected: OnceLock<Arc<Vec<UnprotectedRow>>>,
    /// A console showed Home ▸ Geo-replication from this snapshot: the poller makes the next one's
    /// rows before publishing it ([`Snapshot::prepare_fleet`]).
    fleet_shown: AtomicBool,
    /// Azure Managed Redis: its clusters, their databases and groups.
    pub managed: Arc<ManagedFleet>,
}

impl Snapshot {
    /// Prepares what was read now. `previous` lends its revisions to the caches that did not change.
    pub fn build(
        subscriptions: Vec<Subscription>,
        caches: Vec<RedisResource>,
        linked: HashMap<ResourceId, Vec<LinkedServer>>,
        previous: Option<&Snapshot>,
    ) -> Snapshot {
        Snapshot::build_at(subscriptions, caches, linked, previous, Utc::now())
    }

    /// Prepares what was read at `wall` (when a link seen to change state changed).
    pub fn build_at(
        subscriptions: Vec<Subscription>,
        mut caches: Vec<RedisResource>,
        linked: HashMap<ResourceId, Vec<LinkedServer>>,
        previous: Option<&Snapshot>,
        wall: DateTime<Utc>,
    ) -> Snapshot {
        // Sorted and sifted in place: at 10,000 caches each copy of the list is ~15 MB, and the previous
        // snapshot is still alive while this one is made.
        caches.retain(|c| ResourceId::parse(c.id()).is_ok());
        caches.sort_by_cached_key(|c| c.name().to_ascii_lowercase());
        let mut s = Snapshot { subscriptions, linked, caches, ..Snapshot::default() };
        s.ids = s.caches.iter().filter_map(|c| ResourceId::parse(c.id()).ok()).collect();
        s.revs = s
            .ids
            .iter()
            .zip(&s.caches)
            .map(|(id, cache)| {
                previous
                    .and_then(|p| p.index.get(&p.ids, id).map(|j| (p, j)))
                    .filter(|(p, j)| p.caches.get(*j) == Some(cache))
                    .and_then(|(p, j)| p.revs.get(j).copied())
                    .unwrap_or_else(next_rev)
            })
            .collect();
        s.index = Index::build(&s.ids);
        s.search = (0..s.caches.len()).map(|i| s.search_text(i)).collect();
        s.busy = s.ids.iter().filter(|id| s.backend_busy(id)).cloned().collect();
        let chars = |t: &str| u16::try_from(t.chars().count()).unwrap_or(u16::MAX);
        s.widths = s
            .caches
            .iter()
            .zip(&s.ids)
            .map(|(c, id)| (chars(c.name()), chars(s.subscription_name(&id.subscription))))
            .collect();
        let before = previous.map(|p| p.changes.clone()).unwrap_or_default();
        s.changes = Arc::new(before.next(&s, wall));
        s
    }

    /// When each link's state last changed (every console of the process shares the record).
    pub fn changes(&self) -> &LinkChanges {
        &self.changes
    }

    /// Every link of the fleet, made once per snapshot for every console of the process.
    pub fn links(&self) -> &Arc<Vec<LinkRow>> {
        self.links.get_or_init(|| Arc::new(super::fleet_links::links(self)))
    }

    /// Home ▸ Geo-replication's rows, for a console that shows them: the links and the unprotected
    /// caches. Made here if the poller did not make them ahead; either way the poller makes the next
    /// snapshot's before publishing it, off the consoles' input paths.
    pub fn fleet(&self) -> (&Arc<Vec<LinkRow>>, &Arc<Vec<UnprotectedRow>>) {
        self.fleet_shown.store(true, Ordering::Relaxed);
        (self.links(), self.unprotected())
    }

    /// The poller's side of [`Snapshot::fleet`]: makes the rows when a console showed them from the
    /// previous snapshot, and only then (nobody pays for a view nobody opens).
    pub fn prepare_fleet(&self, previous: Option<&Snapshot>) {
        if previous.is_some_and(|p| p.fleet_shown.load(Ordering::Relaxed)) {
            self.links();
            self.unprotected();
        }
    }

    /// Every Premium cache with no link, with how many caches could be its secondary and the nearest
    /// region among them: made once per snapshot, for every console of the process (the poller makes
    /// it before publishing, off the consoles' input paths).
    pub fn unprotected(&self) -> &Arc<Vec<UnprotectedRow>> {
        self.unprotected.get_or_init(|| Arc::new(super::fleet_links::unprotected(self)))
    }

    /// The same caches with other subscriptions or links (each revision kept), read at `wall`.
    pub fn with(
        &self,
        subscriptions: Vec<Subscription>,
        linked: HashMap<ResourceId, Vec<LinkedServer>>,
        wall: DateTime<Utc>,
    ) -> Snapshot {
        let s = Snapshot::build_at(subscriptions, self.caches.clone(), linked, Some(self), wall);
        s.with_managed(self.managed.clone())
    }

    /// This snapshot with `managed` as its Managed Redis part.
    pub fn with_managed(self, managed: Arc<ManagedFleet>) -> Snapshot {
        Snapshot { managed, ..self }
    }

    pub fn position(&self, id: &ResourceId) -> Option<usize> {
        match &id.linked_server {
            None => self.index.get(&self.ids, id),
            Some(_) => self.index.get(&self.ids, &id.cache_id()),
        }
    }

    pub fn cache(&self, id: &ResourceId) -> Option<&RedisResource> {
        self.position(id).and_then(|i| self.caches.get(i))
    }

    pub fn subscription_name<'a>(&'a self, sub: &'a str) -> &'a str {
        self.subscriptions
            .iter()
            .find(|s| s.subscription_id.eq_ignore_ascii_case(sub))
            .map(|s| s.display_name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(sub)
    }

    /// The cache's link, if its entries are known.
    pub fn link(&self, id: &ResourceId) -> Option<LinkView<'_>> {
        let entry = self.linked.get(id)?.first()?;
        let peer = ResourceId::parse(&entry.properties.linked_redis_cache_id).ok()?;
        let role = match entry.properties.server_role {
            ReplicationRole::Secondary => Role::Primary,
            ReplicationRole::Primary => Role::Secondary,
            ReplicationRole::Other(_) => Role::NotLinked,
        };
        Some(LinkView { entry, peer, role, phase: LinkPhase::of(&entry.state()) })
    }

    /// The cache's role: its link's, else "Linked" while the cache lists links whose details were
    /// not read yet, else not linked.
    pub fn role(&self, id: &ResourceId) -> Role {
        match self.link(id) {
            Some(l) => l.role,
            None if self.cache(id).is_some_and(|c| FromResources.is_linked(c)) => Role::Linked,
            None => Role::NotLinked,
        }
    }

    /// The backend says an operation runs on the cache: Linking/Unlinking, or its link in flight.
    pub fn backend_busy(&self, id: &ResourceId) -> bool {
        self.cache(id).is_some_and(|c| FromResources.has_operation(c)) || self.link(id).is_some_and(|l| l.in_flight())
    }

    /// The words a cache's row matches a filter on, lower-cased: every column the lists show.
    fn search_text(&self, i: usize) -> String {
        let (Some(c), Some(id)) = (self.caches.get(i), self.ids.get(i)) else { return String::new() };
        let words = [
            c.name(),
            &id.resource_group,
            self.subscription_name(&id.subscription),
            &c.location,
            &crate::tui::format::tier(c),
            &crate::tui::format::status(c),
            self.role(id).label(),
        ];
        words.join("\u{1f}").to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The poller makes Home ▸ Geo-replication's rows only after a console showed them, and stops
    /// once no console does.
    #[test]
    fn the_fleet_rows_are_made_ahead_only_while_a_console_shows_them() {
        let made = |s: &Snapshot| s.links.get().is_some() && s.unprotected.get().is_some();
        let build = |previous: Option<&Snapshot>| {
            let s = Snapshot::build(Vec::new(), Vec::new(), HashMap::new(), previous);
            s.prepare_fleet(previous);
            s
        };
        let first = build(None);
        assert!(!made(&first), "nobody showed them yet");
        let unseen = build(Some(&first));
        assert!(!made(&unseen), "the previous one was not shown");
        let _ = unseen.fleet();
        assert!(made(&unseen), "a console that shows them gets them");
        let next = build(Some(&unseen));
        assert!(made(&next), "made ahead: the previous snapshot was shown");
        let after = build(Some(&next));
        assert!(!made(&after), "the view was closed: nobody showed the previous one");
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn finds_every_id_whatever_its_case_and_nothing_else() {
        let ids: Vec<ResourceId> =
            (0..500).map(|i| ResourceId::cache("sub", &format!("rg-{}", i % 7), &format!("cache-{i}"))).collect();
        let index = Index::build(&ids);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.get(&ids, id), Some(i));
            let upper = ResourceId::cache("SUB", &id.resource_group.to_uppercase(), &id.name.to_uppercase());
            assert_eq!(index.get(&ids, &upper), Some(i), "ids compare without case");
        }
        assert_eq!(index.get(&ids, &ResourceId::cache("sub", "rg-0", "cache-500")), None);
    }

    #[test]
    fn ids_that_share_a_hash_are_told_apart() {
        let ids = vec![ResourceId::cache("s", "g", "a"), ResourceId::cache("s", "g", "b")];
        // As if both ids hashed alike: the table sends b to a's position, and b is found by comparing.
        let mut index = Index::build(&ids[..1]);
        index.by_hash.insert(id_hash(&ids[1]), 0);
        index.shared = true;
        assert_eq!(index.get(&ids, &ids[1]), Some(1));
        assert_eq!(index.get(&ids, &ResourceId::cache("s", "g", "c")), None);
    }
}
