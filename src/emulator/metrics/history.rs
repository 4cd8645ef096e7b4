//! The metrics history: one ring of per-minute samples per cache and shard, the last
//! [`RETENTION`] minutes of model time. Every ring has the same newest minute, so minute `m` lives at
//! index `m mod RETENTION` in each of them.

use std::collections::HashMap;

use super::catalog::{METRICS, MetricName, Primary};

/// One minute of one shard: a value per metric, `NaN` where the metric has none (e.g. the offset on the
/// geo-secondary). `f32`: 28 bytes a minute; exact to 16 MiB, 7 significant digits beyond.
pub type Sample = [f32; METRICS];

/// A sample with no value at all.
pub const EMPTY: Sample = [f32::NAN; METRICS];

/// Minutes kept: 24 hours.
pub const RETENTION: usize = 24 * 60;

/// The rings of every cache.
#[derive(Debug, Default)]
pub struct History {
    /// The newest minute written (minutes since the epoch, model time).
    newest: Option<i64>,
    /// Cache key -> one ring per shard, each [`RETENTION`] long.
    caches: HashMap<String, Vec<Box<[Sample]>>>,
}

fn slot(minute: i64) -> usize {
    minute.rem_euclid(RETENTION as i64) as usize
}

impl History {
    /// Empty rings for caches of the given shard counts.
    pub fn new(shape: impl IntoIterator<Item = (String, usize)>) -> Self {
        let caches = shape
            .into_iter()
            .map(|(key, shards)| (key, (0..shards.max(1)).map(|_| vec![EMPTY; RETENTION].into_boxed_slice()).collect()))
            .collect();
        History { newest: None, caches }
    }

    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    /// Whether the cache `key` has rings (it is linked, or was asked for).
    pub fn has(&self, key: &str) -> bool {
        self.caches.contains_key(key)
    }

    /// The caches that have rings.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.caches.keys()
    }

    /// Takes the rings of `other` for the caches this history has none for (a cache linked, or first
    /// asked for, after start-up: its past made up by the model).
    pub fn adopt(&mut self, other: History) {
        for (key, rings) in other.caches {
            self.caches.entry(key).or_insert(rings);
        }
        if self.newest.is_none() {
            self.newest = other.newest;
        }
    }

    /// Shards of the cache `key` (0 when it has no rings).
    pub fn shards(&self, key: &str) -> usize {
        self.caches.get(key).map_or(0, Vec::len)
    }

    /// Writes minute `minute` for every cache: `samples[key][shard]`, [`EMPTY`] where absent. Minutes
    /// skipped since the newest (the driver was late) repeat this sample's gauges, with no events (an
    /// event happened once). A minute not after the newest is ignored.
    pub fn write(&mut self, minute: i64, samples: &HashMap<String, Vec<Sample>>) {
        let from = match self.newest {
            Some(n) if minute <= n => return,
            Some(n) => (n + 1).max(minute - RETENTION as i64 + 1),
            None => minute,
        };
        for (key, rings) in self.caches.iter_mut() {
            let got = samples.get(key);
            for (shard, ring) in rings.iter_mut().enumerate() {
                let s = got.and_then(|v| v.get(shard)).copied().unwrap_or(EMPTY);
                let mut held = s;
                for m in MetricName::ALL.into_iter().filter(|m| m.primary_aggregation() == Primary::Total) {
                    if !held[m.index()].is_nan() {
                        held[m.index()] = 0.0;
                    }
                }
                for m in from..minute {
                    ring[slot(m)] = held;
                }
                ring[slot(minute)] = s;
            }
        }
        self.newest = Some(minute);
    }

    /// The sample of `key`'s `shard` at `minute`, when it is still kept.
    pub fn get(&self, key: &str, shard: usize, minute: i64) -> Option<&Sample> {
        self.view(key).get(shard, minute)
    }

    /// The rings of the cache `key`, for reading many minutes without looking the cache up each time.
    pub fn view(&self, key: &str) -> View<'_> {
        View { newest: self.newest, rings: self.caches.get(key).map_or(&[], Vec::as_slice) }
    }

    /// Bytes the rings take.
    pub fn bytes(&self) -> usize {
        self.caches.values().map(|r| r.len() * RETENTION * std::mem::size_of::<Sample>()).sum()
    }
}

/// One cache's rings.
#[derive(Clone, Copy)]
pub struct View<'a> {
    newest: Option<i64>,
    rings: &'a [Box<[Sample]>],
}

impl<'a> View<'a> {
    pub fn shards(&self) -> usize {
        self.rings.len()
    }

    /// The sample of `shard` at `minute`, when it is still kept.
    pub fn get(&self, shard: usize, minute: i64) -> Option<&'a Sample> {
        let newest = self.newest?;
        if minute > newest || minute <= newest - RETENTION as i64 {
            return None;
        }
        self.rings.get(shard).map(|ring| &ring[slot(minute)])
    }

    /// The samples of `shard` still kept in the minutes `from..to`, oldest first, as at most two runs
    /// of its ring (read in order without a look-up per minute), and the minute of the first.
    pub fn range(&self, shard: usize, from: i64, to: i64) -> (i64, [&'a [Sample]; 2]) {
        let (Some(newest), Some(ring)) = (self.newest, self.rings.get(shard)) else { return (from, [&[], &[]]) };
        let from = from.max(newest - RETENTION as i64 + 1);
        let to = to.min(newest + 1);
        let (s, e) = (slot(from), slot(to - 1) + 1);
        let runs: [&[Sample]; 2] = if from >= to {
            [&[], &[]]
        } else if s < e {
            [&ring[s..e], &[]]
        } else {
            [&ring[s..], &ring[..e]]
        };
        (from, runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: f32) -> HashMap<String, Vec<Sample>> {
        let mut s = EMPTY;
        s[0] = v;
        HashMap::from([("a".to_string(), vec![s, s])])
    }

    #[test]
    fn keeps_a_day_and_forgets_what_is_older() {
        let mut h = History::new([("a".to_string(), 2), ("b".to_string(), 1)]);
        h.write(100, &one(1.0));
        h.write(101, &one(2.0));
        assert_eq!(h.get("a", 1, 100).unwrap()[0], 1.0);
        assert!(h.get("b", 0, 101).unwrap()[0].is_nan());
        h.write(100 + RETENTION as i64, &one(3.0));
        assert_eq!(h.get("a", 0, 100), None, "a day later the first minute is gone");
        assert_eq!(h.get("a", 0, 101).unwrap()[0], 2.0);
        assert_eq!(h.get("a", 0, 102).unwrap()[0], 3.0, "skipped minutes repeat the sample");
        let mut event = EMPTY;
        event[MetricName::FullSyncStarted.index()] = 1.0;
        h.write(200 + RETENTION as i64, &HashMap::from([("b".to_string(), vec![event])]));
        assert_eq!(h.get("b", 0, 199 + RETENTION as i64).unwrap()[MetricName::FullSyncStarted.index()], 0.0);
        assert_eq!(h.get("b", 0, 200 + RETENTION as i64).unwrap()[MetricName::FullSyncStarted.index()], 1.0);
        assert_eq!(h.shards("a"), 2);
        assert_eq!(h.bytes(), 3 * RETENTION * 28);
    }

    #[test]
    fn a_range_reads_what_get_reads_minute_by_minute() {
        let mut h = History::new([("a".to_string(), 2)]);
        for m in 0..RETENTION as i64 + 700 {
            h.write(m, &one(m as f32));
        }
        let newest = h.newest().unwrap();
        let view = h.view("a");
        let ends = [-5, 0, 600, 699, 700, 701, 1000, newest - 3, newest, newest + 1, newest + 40];
        for from in ends {
            for to in ends {
                let (start, [a, b]) = view.range(1, from, to);
                let got: Vec<f32> = a.iter().chain(b).map(|s| s[0]).collect();
                let want: Vec<(i64, f32)> = (from..to).filter_map(|m| view.get(1, m).map(|s| (m, s[0]))).collect();
                assert_eq!(got, want.iter().map(|(_, v)| *v).collect::<Vec<_>>(), "{from}..{to}");
                if let Some((m, _)) = want.first() {
                    assert_eq!(start, *m, "{from}..{to}");
                }
            }
        }
        assert!(view.range(2, 0, newest).1.iter().all(|run| run.is_empty()), "no such shard");
        assert!(h.view("b").range(0, 0, newest).1.iter().all(|run| run.is_empty()), "no such cache");
    }

    #[test]
    fn a_minute_is_written_once() {
        let mut h = History::new([("a".to_string(), 2)]);
        h.write(5, &one(1.0));
        h.write(5, &one(9.0));
        h.write(4, &one(9.0));
        assert_eq!(h.get("a", 0, 5).unwrap()[0], 1.0);
        assert_eq!(h.get("a", 0, 6), None);
    }
}
