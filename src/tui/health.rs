//! Geo-replication health as the console keeps it: what Azure Monitor (or the emulator's metrics
//! history) says of a linked pair over a window, folded from the metrics poller's answers.

use chrono::{DateTime, Duration, Utc};

use crate::arm::ResourceId;
use crate::arm::metrics::{Metric, Response};

use super::data::Data;

/// The five geo-replication metrics, in the order the dashboard draws them.
pub const GEO_METRICS: [GeoMetric; 5] =
    [GeoMetric::Healthy, GeoMetric::Lag, GeoMetric::Offset, GeoMetric::FullSyncStarted, GeoMetric::FullSyncFinished];

/// One of the five.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoMetric {
    Healthy,
    Lag,
    Offset,
    FullSyncStarted,
    FullSyncFinished,
}

impl GeoMetric {
    pub fn rest_name(self) -> &'static str {
        match self {
            GeoMetric::Healthy => "GeoReplicationHealthy",
            GeoMetric::Lag => "GeoReplicationConnectivityLag",
            GeoMetric::Offset => "GeoReplicationDataSyncOffset",
            GeoMetric::FullSyncStarted => "GeoReplicationFullSyncEventStarted",
            GeoMetric::FullSyncFinished => "GeoReplicationFullSyncEventFinished",
        }
    }

    /// The portal's name for it.
    pub fn title(self) -> &'static str {
        match self {
            GeoMetric::Healthy => "Geo-replication Healthy",
            GeoMetric::Lag => "Connectivity Lag",
            GeoMetric::Offset => "Data Sync Offset",
            GeoMetric::FullSyncStarted => "Full Sync Event Started",
            GeoMetric::FullSyncFinished => "Full Sync Event Finished",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            GeoMetric::Healthy | GeoMetric::FullSyncStarted | GeoMetric::FullSyncFinished => Unit::Count,
            GeoMetric::Lag => Unit::Seconds,
            GeoMetric::Offset => Unit::Bytes,
        }
    }

    /// Read on the geo-primary (the offset) or the geo-secondary (the rest), as the docs say.
    pub fn on_primary(self) -> bool {
        self == GeoMetric::Offset
    }

    /// Events are counted (total per interval); the rest averaged.
    fn event(self) -> bool {
        matches!(self, GeoMetric::FullSyncStarted | GeoMetric::FullSyncFinished)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a metric's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Bytes,
}

impl Unit {
    /// `1.2 MB`, `3 s`, `1`.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Count => format!("{}", (v * 100.0).round() / 100.0),
            // Under 10 s with a tenth, so that an axis from 0 to 1 s does not read 0, 1, 1.
            Unit::Seconds if v.abs() < 10.0 && v.fract() != 0.0 => format!("{v:.1} s"),
            Unit::Seconds => format!("{v:.0} s"),
            Unit::Bytes => bytes(v),
        }
    }
}

fn bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = v.max(0.0);
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{v:.0} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

/// The span a dashboard shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Window {
    #[default]
    Minutes30,
    Hours6,
    Hours24,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Minutes30, Window::Hours6, Window::Hours24];

    pub fn label(self) -> &'static str {
        match self {
            Window::Minutes30 => "30 min",
            Window::Hours6 => "6 h",
            Window::Hours24 => "24 h",
        }
    }

    pub fn minutes(self) -> i64 {
        match self {
            Window::Minutes30 => 30,
            Window::Hours6 => 360,
            Window::Hours24 => 1440,
        }
    }

    /// The interval asked for: about 30 to 100 points a series.
    pub fn interval(self) -> &'static str {
        match self {
            Window::Minutes30 => "PT1M",
            Window::Hours6 => "PT5M",
            Window::Hours24 => "PT15M",
        }
    }

    pub fn next(self) -> Window {
        Window::ALL[(self as usize + 1) % 3]
    }

    pub fn previous(self) -> Window {
        Window::ALL[(self as usize + 2) % 3]
    }
}

/// What the poller is asked to read: the pair shown, over a window.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MetricsWatch {
    pub primary: ResourceId,
    pub secondary: ResourceId,
    pub window: Window,
}

/// One shard's line: (minutes relative to the newest point, value).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub shard: String,
    pub points: Vec<(f64, f64)>,
}

/// A linked pair's health over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoHealth {
    pub watch: MetricsWatch,
    /// The newest point's time.
    pub newest: Option<DateTime<Utc>>,
    /// Per metric (in [`GEO_METRICS`] order), one series per shard.
    pub charts: [Vec<Series>; 5],
    /// The latest Healthy (the lowest over the shards).
    pub healthy: Option<f64>,
    /// The latest Connectivity Lag, seconds (the highest over the shards).
    pub lag_seconds: Option<f64>,
    /// The latest Data Sync Offset, bytes (summed over the shards).
    pub offset_bytes: Option<f64>,
    /// The offset over the window, summed over shards, oldest first (a sparkline).
    pub offset_recent: Vec<u64>,
}

fn stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// A shard's points as read: (time, value).
type Timed = Vec<(DateTime<Utc>, f64)>;

/// The per-shard series of `m` in `metric`.
fn read(metric: Option<&Metric>, m: GeoMetric) -> Vec<(String, Timed)> {
    let Some(metric) = metric else { return Vec::new() };
    metric
        .timeseries
        .iter()
        .map(|t| {
            let shard = t.dimension("shardid").unwrap_or("0").to_string();
            let points = t
                .data
                .iter()
                .filter_map(|p| {
                    let v = if m.event() { p.total.or(p.count) } else { p.average.or(p.maximum) };
                    Some((stamp(&p.time_stamp)?, v?))
                })
                .collect();
            (shard, points)
        })
        .collect()
}

impl GeoHealth {
    /// From the answers of the secondary (Healthy, lag, full syncs) and the primary (offset).
    pub fn from_responses(watch: MetricsWatch, secondary: &Response, primary: &Response) -> Self {
        let raw: Vec<_> = GEO_METRICS
            .iter()
            .map(|m| read(if m.on_primary() { primary } else { secondary }.metric(m.rest_name()), *m))
            .collect();
        let newest = raw.iter().flatten().flat_map(|(_, p)| p.iter().map(|(t, _)| *t)).max();
        let rel = |t: DateTime<Utc>| newest.map_or(0.0, |n| (t - n).num_seconds() as f64 / 60.0);
        let latest = |m: GeoMetric| raw[m.index()].iter().filter_map(|(_, p)| p.last().map(|(_, v)| *v));
        let charts = std::array::from_fn(|i| {
            raw[i]
                .iter()
                .map(|(shard, p)| Series {
                    shard: shard.clone(),
                    points: p.iter().map(|(t, v)| (rel(*t), *v)).collect(),
                })
                .collect()
        });
        let mut offset_sum: std::collections::BTreeMap<DateTime<Utc>, f64> = Default::default();
        for (_, p) in &raw[GeoMetric::Offset.index()] {
            for (t, v) in p {
                *offset_sum.entry(*t).or_default() += v;
            }
        }
        GeoHealth {
            watch,
            newest,
            charts,
            healthy: latest(GeoMetric::Healthy).reduce(f64::min),
            lag_seconds: latest(GeoMetric::Lag).reduce(f64::max),
            offset_bytes: latest(GeoMetric::Offset).reduce(|a, b| a + b),
            offset_recent: offset_sum.values().map(|v| v.max(0.0).round() as u64).collect(),
        }
    }

    /// The window's start and end as the queries ask for them, ending at `now`.
    pub fn span(window: Window, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (now - Duration::minutes(window.minutes()), now)
    }
}

impl Data {
    /// The health of the pair `id` belongs to (either cache), as last read.
    pub fn geo_health(&self, id: &ResourceId) -> Option<&GeoHealth> {
        let id = id.cache_id();
        self.health.iter().find(|h| h.watch.primary == id || h.watch.secondary == id)
    }

    /// Keeps `health`, replacing what was known of the same pair.
    pub fn set_health(&mut self, health: GeoHealth) {
        self.health.retain(|h| h.watch.primary != health.watch.primary && h.watch.secondary != health.watch.secondary);
        self.health.push(health);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_the_portal_shows_them() {
        assert_eq!(Unit::Bytes.format(14.0), "14 B");
        assert_eq!(Unit::Bytes.format(1_234_567.0), "1.2 MB");
        assert_eq!(Unit::Seconds.format(2.4), "2.4 s");
        assert_eq!(Unit::Seconds.format(0.5), "0.5 s");
        assert_eq!(Unit::Seconds.format(12.4), "12 s");
        assert_eq!(Unit::Seconds.format(1.0), "1 s");
        assert_eq!(Unit::Count.format(1.0), "1");
        assert_eq!(Window::Hours24.next(), Window::Minutes30);
        assert_eq!(Window::Minutes30.previous(), Window::Hours24);
    }
}
