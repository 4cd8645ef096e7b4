//! The answer to a metrics query as the first version built it: the wire structs of
//! [`crate::arm::metrics`], serialised by serde. Kept for the tests only, as the reference the fast
//! writer ([`super::answer`]) must agree with, on the same history, byte for byte.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::arm::metrics::{
    LocalizableString, METRIC_TYPE, MetadataValue, Metric, MetricValue, Response, TimeSeriesElement,
};

use super::catalog::{MetricName, Primary};
use super::history::{History, View};
use super::query::{Aggregation, Query, Split, Target};

/// Sum, least, greatest and how many, of the values in one interval.
#[derive(Clone, Copy)]
struct Fold {
    sum: f64,
    min: f64,
    max: f64,
    n: u32,
}

impl Fold {
    const EMPTY: Fold = Fold { sum: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, n: 0 };

    fn add(&mut self, v: f32) {
        if !v.is_nan() {
            let v = f64::from(v);
            self.sum += v;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.n += 1;
        }
    }

    fn value(&self, stamp: &str, aggs: &[Aggregation]) -> MetricValue {
        let mut p = MetricValue { time_stamp: stamp.to_string(), ..Default::default() };
        let some = self.n > 0;
        for a in aggs {
            match a {
                Aggregation::Average => p.average = some.then(|| self.sum / f64::from(self.n)),
                Aggregation::Minimum => p.minimum = some.then_some(self.min),
                Aggregation::Maximum => p.maximum = some.then_some(self.max),
                Aggregation::Total => p.total = some.then_some(self.sum),
                Aggregation::Count => p.count = Some(f64::from(self.n)),
            }
        }
        p
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn minutes_text(m: i64) -> String {
    if m % 1440 == 0 {
        format!("P{}D", m / 1440)
    } else if m % 60 == 0 {
        format!("PT{}H", m / 60)
    } else {
        format!("PT{m}M")
    }
}

/// The intervals of an answer, in minutes since the epoch (real time).
struct Grid {
    /// Each interval's first minute and its time stamp.
    buckets: Vec<(i64, String)>,
    first: i64,
    /// Exclusive.
    last: i64,
    grain: i64,
    /// Minutes the history's (model) minutes are ahead of the time stamps.
    shift: i64,
}

impl Grid {
    fn new(q: &Query, shift: i64) -> Self {
        let first = q.start.timestamp().div_euclid(60);
        let last = (q.end.timestamp() + 59).div_euclid(60);
        let grain = q.grain.unwrap_or(last - first).max(1);
        let origin = if q.grain.is_some() { first.div_euclid(grain) * grain } else { first };
        let buckets = (0..)
            .map(|i| origin + i * grain)
            .take_while(|b| *b < last)
            .map(|b| (b, stamp(DateTime::from_timestamp(b * 60, 0).unwrap_or_default())))
            .collect();
        Grid { buckets, first, last, grain, shift }
    }

    /// The series of metric `m` on `shard` (every shard together: `None`); `None` when a shard has no
    /// value at all (the metric is the other side's).
    fn series(
        &self,
        view: &View,
        m: MetricName,
        shard: Option<usize>,
        aggs: &[Aggregation],
    ) -> Option<TimeSeriesElement> {
        let folds: Vec<Fold> = self
            .buckets
            .iter()
            .map(|(b, _)| {
                let mut f = Fold::EMPTY;
                for minute in (*b).max(self.first)..(b + self.grain).min(self.last) {
                    let mut read = |s: usize| {
                        if let Some(sample) = view.get(s, minute + self.shift) {
                            f.add(sample[m.index()]);
                        }
                    };
                    match shard {
                        Some(s) => read(s),
                        None => (0..view.shards()).for_each(&mut read),
                    }
                }
                f
            })
            .collect();
        if shard.is_some() && folds.iter().all(|f| f.n == 0) {
            return None;
        }
        let metadata_values = match shard {
            Some(s) => vec![MetadataValue {
                name: Some(LocalizableString::new("shardid", "shardid")),
                value: Some(s.to_string()),
            }],
            None => Vec::new(),
        };
        let data = folds.iter().zip(&self.buckets).map(|(f, (_, t))| f.value(t, aggs)).collect();
        Some(TimeSeriesElement { metadata_values, data })
    }
}

/// The answer to `q` about `target` from `history`, whose minutes are `shift` minutes ahead of the
/// time stamps shown.
pub fn answer(q: &Query, target: &Target, history: &History, shift: i64) -> Response {
    let grid = Grid::new(q, shift);
    let view = history.view(target.key);
    let series: Vec<Option<usize>> = match &q.split {
        Split::Whole => vec![None],
        Split::EveryShard => (0..view.shards()).map(Some).collect(),
        Split::Shards(list) => list.iter().filter(|s| **s < view.shards()).map(|s| Some(*s)).collect(),
    };
    let value = q
        .metrics
        .iter()
        .map(|m| {
            let aggs = if q.aggregations.is_empty() {
                vec![match m.primary_aggregation() {
                    Primary::Average => Aggregation::Average,
                    Primary::Total => Aggregation::Total,
                }]
            } else {
                q.aggregations.clone()
            };
            let timeseries =
                series.iter().filter_map(|shard| grid.series(&view, *m, *shard, &aggs)).take(q.top).collect();
            Metric {
                id: format!("{}/providers/Microsoft.Insights/metrics/{}", target.id, m.rest_name()),
                kind: METRIC_TYPE.to_string(),
                name: LocalizableString::new(m.rest_name(), m.display_name()),
                display_description: Some(m.description().to_string()),
                unit: m.unit().to_string(),
                timeseries,
                error_code: Some("Success".to_string()),
                error_message: None,
            }
        })
        .collect();
    Response {
        cost: Some((grid.buckets.len() * series.len() * q.metrics.len()) as u64),
        timespan: format!("{}/{}", stamp(q.start), stamp(q.end)),
        interval: Some(minutes_text(grid.grain)),
        namespace: Some("Microsoft.Cache/redis".to_string()),
        resource_region: Some(target.region.clone()),
        value,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::TimeZone;

    use super::super::catalog::METRICS;
    use super::super::history::{EMPTY, RETENTION, Sample};
    use super::super::model::jitter;
    use super::super::query;
    use super::*;

    /// A value of metric `i` on `shard` at `minute`: whole numbers, fractions, large and tiny ones,
    /// and none at all (the other side's metric, a shard down), as the history can hold them.
    fn value(i: usize, shard: usize, minute: i64) -> f32 {
        let j = jitter("ref", shard, minute, i as u64);
        match (i, shard) {
            (_, 2) if minute % 7 < 3 => f32::NAN,
            (2, 1) => f32::NAN,
            (0, _) => (j < 0.9) as u8 as f32,
            (1, _) => (j * 3.0).floor() as f32 / 3.0,
            (2, _) => (j * 1e6) as f32 * 0.37,
            (3 | 4, _) => (j < 0.01) as u8 as f32,
            (5, _) => (j * 3e4) as f32 - 1e4,
            (_, _) if j < 0.1 => j as f32 * 1e-9,
            _ => (j * 4e10) as f32 + 1e30 * (j < 0.2) as u8 as f32,
        }
    }

    /// Cache `c` with 3 shards and `one` with 1, newest minute `newest`; a few minutes skipped (the
    /// driver late), so that they repeat the gauges of the next.
    fn history(newest: i64) -> History {
        let mut h = History::new([("c".to_string(), 3), ("one".to_string(), 1)]);
        for minute in (newest - RETENTION as i64 - 30..=newest).filter(|m| m % 97 != 5) {
            let sample = |shard: usize| -> Sample {
                let mut s = EMPTY;
                for (i, v) in s.iter_mut().enumerate().take(METRICS) {
                    *v = value(i, shard, minute);
                }
                s
            };
            let samples =
                HashMap::from([("c".to_string(), (0..3).map(sample).collect()), ("one".into(), vec![sample(5)])]);
            h.write(minute, &samples);
        }
        h
    }

    fn parse(text: &str, now: DateTime<Utc>) -> Query {
        let pairs: HashMap<String, String> =
            text.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_lowercase(), v.into())).collect();
        query::parse(|k| pairs.get(&k.to_lowercase()).map(String::as_str), now).unwrap()
    }

    #[test]
    fn the_fast_writer_gives_the_json_serde_gave() {
        // Across the end of February of a leap year, so the day-by-day dates are exercised.
        let now = Utc.with_ymd_and_hms(2028, 3, 1, 0, 20, 30).unwrap();
        let shift = 7;
        let h = history(now.timestamp().div_euclid(60) - 1 + shift);
        let all = MetricName::ALL.map(MetricName::rest_name).join(",");
        let day = "timespan=2028-02-29T00:20:30Z/2028-03-01T00:20:30Z";
        let queries = [
            format!("metricnames={all}&{day}&interval=PT1M&aggregation=average,maximum&$filter=ShardId eq '*'"),
            format!("metricnames={all}&{day}&interval=PT5M&aggregation=minimum,total,count"),
            format!(
                "metricnames={all}&{day}&interval=PT15M&$filter=ShardId eq '0' or ShardId eq '2' or ShardId eq '9'"
            ),
            format!("metricnames={all}&{day}&interval=PT1H&aggregation=count,average,count&$filter=ShardId eq '*'"),
            format!("metricnames={all}&{day}&interval=FULL&aggregation=average,minimum,maximum,total,count"),
            format!("metricnames={all}&timespan=2028-02-25T10:00:00Z/2028-03-02T00:00:00Z&interval=P1D"),
            format!(
                "metricnames={all}&timespan=2028-02-29T23:59:59Z/2028-03-01T01:00:01Z&interval=PT30M&$filter=ShardId eq '*'"
            ),
            format!("metricnames={all}&{day}&interval=PT6H&$filter=ShardId eq '*'&top=1"),
            format!("metricnames={all}&{day}&interval=PT12H&aggregation=total&$filter=ShardId eq '1'"),
            "metricnames=usedmemory,GeoReplicationHealthy&timespan=2020-01-01T00:00:00Z/2020-01-01T01:00:00Z".into(),
            format!("metricnames=cacheWrite&{day}&interval=PT1M"),
            // Beyond the day kept, both ways, per shard.
            format!(
                "metricnames={all}&timespan=2028-02-27T13:02:00Z/2028-03-02T00:00:00Z&interval=PT1H&$filter=ShardId eq '*'"
            ),
            format!(
                "metricnames={all}&timespan=2028-02-29T00:00:00Z/2028-03-01T01:00:00Z&interval=PT1M&aggregation=total,count&$filter=ShardId eq '1'"
            ),
        ];
        let targets = [
            Target {
                id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/c",
                key: "c",
                region: "eastus".into(),
            },
            Target { id: "/x/\"quoted\"\\ré\u{1}\n", key: "one", region: "west\teurope".into() },
            Target {
                id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/none",
                key: "none",
                region: "x".into(),
            },
        ];
        for text in &queries {
            let q = parse(text, now);
            for t in &targets {
                let fast = super::super::answer::answer(&q, t, &h, shift);
                let slow = serde_json::to_vec(&answer(&q, t, &h, shift)).unwrap();
                let (a, b): (serde_json::Value, serde_json::Value) =
                    (serde_json::from_slice(&fast).unwrap(), serde_json::from_slice(&slow).unwrap());
                assert_eq!(a, b, "{text} on {}", t.key);
                assert!(fast == slow, "{text} on {}: same JSON, other bytes", t.key);
            }
        }
        // The reference does see values, gaps and shards left out, so the comparison means something.
        let q = parse(&queries[0], now);
        let r = answer(&q, &targets[0], &h, shift);
        let offset = r.metric("GeoReplicationDataSyncOffset").unwrap();
        assert_eq!(offset.timeseries.len(), 2, "shard 1 has no offset: no series");
        let points = &offset.timeseries[1].data;
        assert!(points.iter().any(|p| p.average.is_none()) && points.iter().any(|p| p.average.is_some()));
        assert!(points.iter().filter_map(|p| p.maximum).any(|v| v.fract() != 0.0));
    }
}
