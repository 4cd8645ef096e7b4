//! A metrics query (`metricnames`, `timespan`, `interval`, `aggregation`, `$filter`, `top`) read from the
//! request, and its answer built from the history.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::arm::metrics::{
    LocalizableString, METRIC_TYPE, MetadataValue, Metric, MetricValue, Response, TimeSeriesElement,
};

use super::catalog::{MetricName, Primary};
use super::history::{History, View};

/// An aggregation of the points in an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    Average,
    Minimum,
    Maximum,
    Total,
    Count,
}

impl Aggregation {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "average" | "avg" => Aggregation::Average,
            "minimum" | "min" => Aggregation::Minimum,
            "maximum" | "max" => Aggregation::Maximum,
            "total" | "sum" => Aggregation::Total,
            "count" => Aggregation::Count,
            _ => return None,
        })
    }
}

/// Which shards get a series of their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Split {
    /// No `$filter`: one series over every shard.
    Whole,
    /// `ShardId eq '*'`: one per shard.
    EveryShard,
    /// `ShardId eq '0' or ShardId eq '2'`.
    Shards(Vec<usize>),
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub metrics: Vec<MetricName>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Minutes per point; `None`: `FULL` (one point for the whole timespan).
    pub grain: Option<i64>,
    pub aggregations: Vec<Aggregation>,
    pub split: Split,
    pub top: usize,
}

/// The intervals served: PT1M and coarser.
const GRAINS: [(&str, i64); 9] = [
    ("PT1M", 1),
    ("PT5M", 5),
    ("PT15M", 15),
    ("PT30M", 30),
    ("PT1H", 60),
    ("PT6H", 360),
    ("PT12H", 720),
    ("P1D", 1440),
    ("PT24H", 1440),
];

/// Longest timespan answered.
const MAX_SPAN_DAYS: i64 = 31;

/// Reads the query from `get` (a case-insensitive lookup of the query string) at real time `now`.
/// Errors are the message of a 400.
pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>, now: DateTime<Utc>) -> Result<Query, String> {
    let names = get("metricnames").map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
        format!("The query needs metricnames: one or more of {}, separated by commas.", valid_names())
    })?;
    let mut metrics = Vec::new();
    for name in names.split(',') {
        let m = MetricName::parse(name).ok_or_else(|| {
            format!(
                "Failed to find metric configuration for provider: Microsoft.Cache, resource Type: Redis, metric: {}, Valid metrics: {}",
                name.trim(),
                valid_names()
            )
        })?;
        if !metrics.contains(&m) {
            metrics.push(m);
        }
    }
    if let Some(ns) = get("metricnamespace").filter(|ns| !ns.trim().is_empty())
        && !ns.trim().eq_ignore_ascii_case("Microsoft.Cache/redis")
    {
        return Err(format!("The metric namespace '{ns}' is not valid for this resource: use Microsoft.Cache/redis."));
    }
    let (start, end) = match get("timespan") {
        Some(t) => timespan(t)?,
        None => (now - chrono::Duration::hours(1), now),
    };
    let grain = match get("interval").map(str::trim) {
        None | Some("") => Some(1),
        Some(i) if i.eq_ignore_ascii_case("FULL") => None,
        Some(i) => Some(GRAINS.iter().find(|(g, _)| g.eq_ignore_ascii_case(i)).map(|(_, m)| *m).ok_or_else(|| {
            format!("Invalid time grain '{i}': use one of PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D or FULL.")
        })?),
    };
    let aggregations = match get("aggregation").map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|a| {
                Aggregation::parse(a).ok_or_else(|| {
                    format!("Invalid aggregation '{}': use average, minimum, maximum, total or count.", a.trim())
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let split = match get("$filter").map(str::trim).filter(|s| !s.is_empty()) {
        None => Split::Whole,
        Some(f) => filter(f)?,
    };
    let top = match get("top") {
        None => 10,
        Some(t) => t.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| format!("Invalid top '{t}'."))?,
    };
    Ok(Query { metrics, start, end, grain, aggregations, split, top })
}

fn valid_names() -> String {
    MetricName::ALL.iter().map(|m| m.rest_name()).collect::<Vec<_>>().join(", ")
}

fn timespan(t: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let bad = |why: &str| format!("Detected invalid time interval input: '{t}': {why}.");
    let (a, b) = t.trim().split_once('/').ok_or_else(|| bad("use startDateTime_ISO/endDateTime_ISO"))?;
    let read = |s: &str| DateTime::parse_from_rfc3339(s.trim()).map(|d| d.with_timezone(&Utc));
    let (start, end) = (read(a).map_err(|e| bad(&e.to_string()))?, read(b).map_err(|e| bad(&e.to_string()))?);
    if end <= start {
        return Err(bad("the end must be after the start"));
    }
    if end - start > chrono::Duration::days(MAX_SPAN_DAYS) {
        return Err(bad("the timespan may be at most 31 days"));
    }
    Ok((start, end))
}

/// `ShardId eq '*'`, `ShardId eq '1'`, or several shards joined with `or`.
fn filter(f: &str) -> Result<Split, String> {
    let bad = || {
        format!(
            "Invalid $filter '{f}': the only dimension is ShardId, e.g. ShardId eq '*' or ShardId eq '0' or ShardId eq '1'."
        )
    };
    let mut shards = Vec::new();
    for clause in f.split(" or ") {
        let words: Vec<&str> = clause.split_whitespace().collect();
        let [dim, op, value] = words.as_slice() else { return Err(bad()) };
        if !dim.eq_ignore_ascii_case("ShardId") || !op.eq_ignore_ascii_case("eq") {
            return Err(bad());
        }
        let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).ok_or_else(bad)?;
        if value == "*" {
            return Ok(Split::EveryShard);
        }
        shards.push(value.parse::<usize>().map_err(|_| bad())?);
    }
    Ok(Split::Shards(shards))
}

/// The cache a query is about.
pub struct Target<'a> {
    /// Its id, as the API shows it.
    pub id: &'a str,
    /// Its [`crate::arm::ResourceId::key`].
    pub key: &'a str,
    /// `eastus`.
    pub region: String,
}

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
