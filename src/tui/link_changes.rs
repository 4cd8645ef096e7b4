//! When the process saw each link's state change: the fleet's Geo-replication view's "last change".
//! Carried from one snapshot to the next ([`super::snapshot::Snapshot::build_at`]): the poller folds
//! each poll's linked servers into it once for every console of the process, never a console while it
//! handles keys. A link's first sighting is no change (nobody knows since when it is so).

use chrono::{DateTime, Utc};
use fnv::FnvHashMap;

use crate::arm::{LinkState, ResourceId};

use super::snapshot::Snapshot;

/// Each linked cache's link state as last seen, and when it last changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkChanges {
    seen: FnvHashMap<ResourceId, Seen>,
}

#[derive(Clone, Debug, PartialEq)]
struct Seen {
    state: LinkState,
    /// When the state last changed under the process's eyes; `None` until it does.
    changed: Option<DateTime<Utc>>,
}

impl LinkChanges {
    /// The record after `snap`'s linked servers, seen at `wall`. A cache whose details were not read
    /// this time keeps its record while the cache still says it has a link; a cache without links
    /// loses it.
    pub fn next(&self, snap: &Snapshot, wall: DateTime<Utc>) -> LinkChanges {
        let mut seen = FnvHashMap::with_capacity_and_hasher(snap.linked.len(), Default::default());
        for (id, entries) in &snap.linked {
            let Some(state) = entries.first().map(|e| e.state()) else { continue };
            let record = match self.seen.get(id) {
                Some(old) if old.state == state => old.clone(),
                Some(_) => Seen { state, changed: Some(wall) },
                None => Seen { state, changed: None },
            };
            seen.insert(id.clone(), record);
        }
        for (id, old) in &self.seen {
            if !seen.contains_key(id) && snap.cache(id).is_some_and(|c| c.linked_server_ids().next().is_some()) {
                seen.insert(id.clone(), old.clone());
            }
        }
        LinkChanges { seen }
    }

    /// When the link of the pair last changed state, as seen on either cache.
    pub fn pair(&self, a: &ResourceId, b: &ResourceId) -> Option<DateTime<Utc>> {
        let at = |id: &ResourceId| self.seen.get(id).and_then(|s| s.changed);
        at(a).max(at(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::LinkedServer;
    use chrono::TimeZone;
    use serde_json::json;
    use std::collections::HashMap;

    fn entry(state: &str) -> LinkedServer {
        serde_json::from_value(json!({"properties": {
            "linkedRedisCacheId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/Redis/b",
            "linkedRedisCacheLocation": "West Europe", "serverRole": "Secondary", "provisioningState": state,
        }}))
        .expect("an entry")
    }

    #[test]
    fn a_change_is_dated_and_a_first_sighting_is_not() {
        let a = ResourceId::cache("s", "rg", "a");
        let b = ResourceId::cache("s", "rg", "b");
        let at = |s: i64| Utc.timestamp_opt(1_795_000_000 + s, 0).single().unwrap_or_default();
        let poll = |linked: HashMap<ResourceId, Vec<LinkedServer>>, previous: Option<&Snapshot>, s: i64| {
            Snapshot::build_at(Vec::new(), Vec::new(), linked, previous, at(s))
        };
        let mut linked = HashMap::new();
        linked.insert(a.clone(), vec![entry("Syncing")]);
        let first = poll(linked.clone(), None, 0);
        assert_eq!(first.changes().pair(&a, &b), None, "seen, not seen to change");
        let same = poll(linked.clone(), Some(&first), 30);
        assert_eq!(same.changes().pair(&a, &b), None, "the same state is no change");
        linked.insert(a.clone(), vec![entry("Succeeded")]);
        let changed = poll(linked, Some(&same), 60);
        assert_eq!(changed.changes().pair(&b, &a), Some(at(60)));
        assert_eq!(poll(changed.linked.clone(), Some(&changed), 90).changes().pair(&a, &b), Some(at(60)), "kept");
        // Unlinked: no entry and no link on the cache; the record goes.
        let gone = poll(HashMap::new(), Some(&changed), 120);
        assert_eq!(gone.changes().pair(&a, &b), None);
    }
}
