//! Azure Monitor metrics for the emulated caches (`GET {cacheId}/providers/Microsoft.Insights/metrics`):
//! the five geo-replication metrics and two load metrics, kept as a per-minute history of model time
//! (a ring per cache and shard, 24 hours) computed from the data plane.
//!
//! The emulator's driver looks at the state every tick ([`sample::observe`], a few copies under the
//! state lock), then, without it, turns that into per-shard figures and folds them into the minute
//! being built ([`Metrics::record`]). Queries read the rings under the metrics lock only.
//!
//! Time: the history runs on model time (`--time-scale` model seconds per real second) and is shown
//! ending now: the newest complete minute carries the time stamp of the real minute before the current
//! one, the one before it the minute before, and so on. At time scale 1 that is the real clock.

pub mod answer;
pub mod backfill;
pub mod catalog;
pub mod history;
mod json;
pub mod model;
pub mod query;
pub mod sample;
#[cfg(test)]
mod serde_reference;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use self::catalog::{METRICS, MetricName, Primary};
use self::history::{EMPTY, History, Sample};
use self::sample::{Now, Observed, Tracker};

/// Sums of one shard's looks during the minute being built.
#[derive(Clone, Copy, Debug, Default)]
struct Acc {
    sum: [f64; METRICS],
    n: [u32; METRICS],
}

impl Acc {
    fn add(&mut self, s: &Sample) {
        for (i, v) in s.iter().enumerate() {
            if !v.is_nan() {
                self.sum[i] += f64::from(*v);
                self.n[i] += 1;
            }
        }
    }

    /// Gauges as their average over the minute, events as how many happened in it.
    fn sample(&self) -> Sample {
        let mut s = EMPTY;
        for m in MetricName::ALL {
            let i = m.index();
            if self.n[i] > 0 {
                s[i] = match m.primary_aggregation() {
                    Primary::Total => self.sum[i],
                    Primary::Average => self.sum[i] / f64::from(self.n[i]),
                } as f32;
            }
        }
        s
    }
}

pub(crate) struct Recorder {
    pub history: History,
    tracker: Tracker,
    acc: HashMap<String, Vec<Acc>>,
    /// The minute `acc` builds.
    current: i64,
}

/// The metrics of one emulator.
pub struct Metrics {
    scale: f64,
    /// Caches linked at start-up: their rings (with the link's made-up past) are made when first
    /// asked for, so that a large fleet starts at once.
    start_links: std::collections::HashSet<String>,
    /// Real time = model time at start-up.
    origin: DateTime<Utc>,
    inner: Mutex<Recorder>,
}

impl Metrics {
    /// The history for `caches` at `now`, with the 24 hours before made up from the model. Only linked
    /// caches get rings now; any other gets its own when it is linked or first asked for
    /// ([`Metrics::track`]), so a fleet of 10,000 caches costs what its links cost.
    pub fn new(caches: &[Observed], scale: f64, now: DateTime<Utc>) -> Self {
        let start_links = caches.iter().filter(|c| c.link.is_some()).map(|c| c.key.clone()).collect();
        let current = now.timestamp().div_euclid(60);
        let recorder =
            Recorder { history: History::default(), tracker: Tracker::default(), acc: HashMap::new(), current };
        Metrics { scale, start_links, origin: now, inner: Mutex::new(recorder) }
    }

    /// Whether the driver should look at `key` now: it has rings, or it was linked after start-up (its
    /// full sync must be seen as it happens).
    pub fn watches(&self, tracked: &std::collections::HashSet<String>, key: &str, linked: bool) -> bool {
        tracked.contains(key) || (linked && !self.start_links.contains(key))
    }

    /// The caches the history keeps (for the driver to look at only those, and new links).
    pub fn tracked(&self) -> std::collections::HashSet<String> {
        self.lock().history.keys().cloned().collect()
    }

    /// Gives the caches (a cache, and its peer when it is linked) rings when they have none, their
    /// past made up by the model: a link present at start-up with its made-up creation a day ago, any
    /// other cache as unlinked (a link made since is recorded as it happens).
    pub fn track(&self, caches: &[Observed]) {
        let mut r = self.lock();
        let past: Vec<Observed> = caches
            .iter()
            .filter(|c| !r.history.has(&c.key))
            .map(|c| {
                let mut c = c.clone();
                if !self.start_links.contains(&c.key) {
                    c.link = None;
                }
                c
            })
            .collect();
        if past.is_empty() {
            return;
        }
        let mut rings = History::new(past.iter().map(|c| (c.key.clone(), c.shards)));
        let end = r.history.newest().map_or(r.current, |n| n + 1);
        backfill::backfill(&past, &mut rings, end);
        r.history.adopt(rings);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Recorder> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Model time at real time `wall`, in seconds since the epoch.
    pub fn model_seconds(&self, wall: DateTime<Utc>) -> f64 {
        let real = (wall - self.origin).num_milliseconds() as f64 / 1000.0;
        self.origin.timestamp_millis() as f64 / 1000.0 + real * self.scale
    }

    /// One look at the caches, at real time `wall`: closes the minute being built when model time has
    /// moved past it.
    pub fn record(&self, caches: &[Observed], wall: DateTime<Utc>) {
        for c in caches.iter().filter(|c| c.link.is_some() && !self.start_links.contains(&c.key)) {
            self.track(std::slice::from_ref(c));
        }
        let minute = (self.model_seconds(wall) / 60.0).floor() as i64;
        let now = Now { minute, wall, scale: self.scale };
        let mut r = self.lock();
        let Recorder { history, tracker, acc, current } = &mut *r;
        let samples = sample::measure(caches, now, tracker);
        if minute > *current {
            let done: HashMap<String, Vec<Sample>> =
                acc.iter().map(|(k, shards)| (k.clone(), shards.iter().map(Acc::sample).collect())).collect();
            history.write(*current, &done);
            acc.clear();
            *current = minute;
        }
        for (key, shards) in samples {
            let slot = acc.entry(key).or_insert_with(|| vec![Acc::default(); shards.len()]);
            slot.resize(shards.len(), Acc::default());
            for (a, s) in slot.iter_mut().zip(&shards) {
                a.add(s);
            }
        }
    }

    /// Bytes the history takes.
    pub fn bytes(&self) -> usize {
        self.lock().history.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::sample::LinkSide;
    use super::*;
    use crate::geo::LinkPhase;

    fn cache(key: &str, peer: Option<(&str, bool)>) -> Observed {
        Observed {
            key: key.into(),
            shards: 1,
            dataset: 1_000_000,
            location: "East US".into(),
            down: false,
            link: peer.map(|(p, primary)| LinkSide {
                primary,
                phase: LinkPhase::Succeeded,
                peer: p.into(),
                sync: None,
            }),
            live: Vec::new(),
        }
    }

    #[test]
    fn only_linked_caches_get_rings_at_start_and_others_when_asked_for() {
        let fleet: Vec<Observed> = (0..1000).map(|i| cache(&format!("c{i}"), None)).collect();
        let m = Metrics::new(&fleet, 1.0, Utc::now());
        assert_eq!(m.bytes(), 0, "a fleet with no link keeps no history until asked");
        m.track(std::slice::from_ref(&fleet[3]));
        assert_eq!(m.tracked().len(), 1);
        let r = m.lock();
        assert!(r.history.view("c3").get(0, r.history.newest().unwrap()).is_some());
        drop(r);

        // A link present at start: nothing until asked, then both sides with the link's made-up past.
        let pair = [cache("p", Some(("s", true))), cache("s", Some(("p", false))), cache("lone", None)];
        let m = Metrics::new(&pair, 1.0, Utc::now());
        assert!(m.tracked().is_empty());
        m.track(&pair[..2]);
        let tracked = m.tracked();
        assert!(tracked.contains("p") && tracked.contains("s") && !tracked.contains("lone"), "{tracked:?}");
        let r = m.lock();
        let day = r.history.newest().unwrap();
        let synced = (day - 24 * 60 + 1..=day)
            .filter_map(|minute| r.history.get("s", 0, minute))
            .any(|s| s[catalog::MetricName::FullSyncStarted.index()] == 1.0);
        assert!(synced, "the secondary's made-up day has the link's full sync");
    }
}
