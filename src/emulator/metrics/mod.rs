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

pub mod backfill;
pub mod catalog;
pub mod history;
pub mod model;
pub mod query;
pub mod sample;

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
    /// Real time = model time at start-up.
    origin: DateTime<Utc>,
    inner: Mutex<Recorder>,
}

impl Metrics {
    /// The history for `caches` at `now`, with the 24 hours before made up from the model.
    pub fn new(caches: &[Observed], scale: f64, now: DateTime<Utc>) -> Self {
        let mut history = History::new(caches.iter().map(|c| (c.key.clone(), c.shards)));
        let current = now.timestamp().div_euclid(60);
        backfill::backfill(caches, &mut history, current);
        let recorder = Recorder { history, tracker: Tracker::default(), acc: HashMap::new(), current };
        Metrics { scale, origin: now, inner: Mutex::new(recorder) }
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
