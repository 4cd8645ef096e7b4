//! A metrics query (`metricnames`, `timespan`, `interval`, `aggregation`, `$filter`, `top`) read from the
//! request (its answer: [`super::answer`]).

use chrono::{DateTime, Utc};

use super::catalog::MetricName;

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
