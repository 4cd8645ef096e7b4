//! When this console saw each link's state change: the fleet's Geo-replication view's "last change".
//! Folded from the linked servers as they arrive (`App::update`, never while drawing); a link's first
//! sighting is no change (the console does not know since when it is so).

use chrono::{DateTime, Utc};
use fnv::FnvHashMap;

use crate::arm::{LinkState, ResourceId};

use super::data::Data;

/// Each linked cache's link state as last seen, and when it last changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkChanges {
    seen: FnvHashMap<ResourceId, Seen>,
    /// Counts the observations, so that the records not seen in the last one are found without
    /// looking each up in the data.
    round: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Seen {
    state: LinkState,
    /// When the state last changed under this console's eyes; `None` until it does.
    changed: Option<DateTime<Utc>>,
    /// The last observation that found the cache's entries.
    round: u64,
}

impl LinkChanges {
    /// Notes the states in `data`'s linked servers. A cache whose details were not read this time
    /// keeps its record while the cache still says it has a link; a cache without links loses it.
    pub fn observe(&mut self, data: &Data) {
        let wall = data.wall;
        self.round += 1;
        let round = self.round;
        for (id, entries) in data.linked() {
            let Some(state) = entries.first().map(|e| e.state()) else { continue };
            match self.seen.get_mut(id) {
                Some(seen) => {
                    seen.round = round;
                    if seen.state != state {
                        seen.state = state;
                        seen.changed = Some(wall);
                    }
                }
                None => {
                    self.seen.insert(id.clone(), Seen { state, changed: None, round });
                }
            }
        }
        self.seen.retain(|id, seen| {
            seen.round == round || data.cache(id).is_some_and(|c| c.linked_server_ids().next().is_some())
        });
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
        let mut data = Data::default();
        let mut changes = LinkChanges::default();
        let at = |s: i64| Utc.timestamp_opt(1_795_000_000 + s, 0).single().unwrap_or_default();
        data.wall = at(0);
        let mut linked = std::collections::HashMap::new();
        linked.insert(a.clone(), vec![entry("Syncing")]);
        data.set_linked(linked.clone());
        changes.observe(&data);
        assert_eq!(changes.pair(&a, &b), None, "seen, not seen to change");
        data.wall = at(30);
        changes.observe(&data);
        assert_eq!(changes.pair(&a, &b), None, "the same state is no change");
        data.wall = at(60);
        linked.insert(a.clone(), vec![entry("Succeeded")]);
        data.set_linked(linked);
        changes.observe(&data);
        assert_eq!(changes.pair(&b, &a), Some(at(60)));
        // Unlinked: no entry and no link on the cache; the record goes.
        data.set_linked(Default::default());
        changes.observe(&data);
        assert_eq!(changes.pair(&a, &b), None);
    }
}
