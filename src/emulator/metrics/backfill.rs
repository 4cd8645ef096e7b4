//! The last 24 hours before the emulator started, made up from the model so that charts are not empty
//! on a fresh start: load on every cache, and for each link in sync at start-up, its creation some 20
//! to 23 hours ago (chosen by a hash of the pair: the same every run) with its full sync.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};

use crate::geo::LinkPhase;

use super::super::data_plane::Simulated;
use super::catalog::MetricName;
use super::history::{History, RETENTION, Sample};
use super::model;
use super::sample::{LinkSide, Now, Observed, set, simulated};

/// Minute the link between `primary` and `secondary` was made, for a history ending at `end`.
pub fn linked_at(primary: &str, secondary: &str, end: i64) -> i64 {
    let back = 20 * 60 + (model::jitter(primary, 0, 0, 7) * 180.0) as i64;
    end - back - (model::jitter(secondary, 0, 0, 8) * 30.0) as i64
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(minute * 60, 0).single().unwrap_or_default()
}

/// One link's timeline: the phase and sync figures at `m`, or `None` before it existed.
struct Timeline {
    start: i64,
    sync_minutes: i64,
    total: u64,
}

impl Timeline {
    fn side(&self, primary: bool, peer: &str, m: i64) -> Option<LinkSide> {
        let since = m - self.start;
        if since < 0 {
            return None;
        }
        let started = at(self.start);
        let (phase, sync) = if since < 1 {
            (LinkPhase::Creating, Some((started, self.total, 0)))
        } else if since < 1 + self.sync_minutes {
            let done = self.total as f64 * (since - 1 + 1) as f64 / self.sync_minutes as f64;
            (LinkPhase::Syncing, Some((started, self.total, (done as u64).min(self.total))))
        } else {
            (LinkPhase::Succeeded, None)
        };
        Some(LinkSide { primary, phase, peer: peer.to_string(), sync })
    }
}

/// Writes the [`RETENTION`] minutes before `end` into `history`.
pub fn backfill(caches: &[Observed], history: &mut History, end: i64) {
    let by_key: HashMap<&str, &Observed> = caches.iter().map(|c| (c.key.as_str(), c)).collect();
    let mut timelines: HashMap<&str, Timeline> = HashMap::new();
    for c in caches {
        let Some(link) = c.link.as_ref().filter(|l| l.primary && l.phase == LinkPhase::Succeeded) else { continue };
        let Some(peer) = by_key.get(link.peer.as_str()) else { continue };
        let secs = Simulated::sync_seconds(c.dataset, &c.location, &peer.location);
        let t = Timeline {
            start: linked_at(&c.key, &peer.key, end),
            sync_minutes: (secs / 60.0).ceil().max(1.0) as i64,
            total: c.dataset,
        };
        timelines.insert(c.key.as_str(), t);
    }
    let primary_of: HashMap<&str, &str> = caches
        .iter()
        .filter_map(|c| c.link.as_ref().filter(|l| !l.primary).map(|l| (c.key.as_str(), l.peer.as_str())))
        .collect();
    for m in end - RETENTION as i64..end {
        let now = Now { minute: m, wall: at(m), scale: 1.0 };
        let mut samples: HashMap<String, Vec<Sample>> = HashMap::with_capacity(caches.len());
        for c in caches {
            let (timeline, primary) = match (timelines.get(c.key.as_str()), primary_of.get(c.key.as_str())) {
                (Some(t), _) => (Some(t), true),
                (None, Some(p)) => (timelines.get(p), false),
                (None, None) => (None, false),
            };
            let link = c.link.as_ref();
            let side = timeline.zip(link).and_then(|(t, l)| t.side(primary, &l.peer, m));
            let mut shape = c.clone();
            shape.link = side;
            shape.live.clear();
            let mut shards = vec![super::history::EMPTY; c.shards];
            for (shard, s) in shards.iter_mut().enumerate() {
                simulated(&shape, shard, now, None, s);
                if let (Some(t), false, true) = (timeline, primary, shape.link.is_some()) {
                    set(s, MetricName::FullSyncStarted, if m == t.start + 1 { 1.0 } else { 0.0 });
                    set(s, MetricName::FullSyncFinished, if m == t.start + 1 + t.sync_minutes { 1.0 } else { 0.0 });
                }
            }
            samples.insert(c.key.clone(), shards);
        }
        history.write(m, &samples);
    }
}
