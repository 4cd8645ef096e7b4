//! A day of geo-replication metrics for the dashboard's frame benchmark: 10 shards, 24 h at PT15M
//! (97 points a series, as the emulator answers the console's 24 h query), built through the same
//! `GeoHealth::from_responses` the metrics poller uses.

use georep::arm::ResourceId;
use georep::arm::metrics::{LocalizableString, MetadataValue, Metric, MetricValue, Response, TimeSeriesElement};
use georep::tui::health::{GEO_METRICS, GeoHealth, GeoMetric, MetricsWatch, Window};

const SHARDS: usize = 10;
const POINTS: i64 = 97;

fn series(m: GeoMetric, shard: usize) -> TimeSeriesElement {
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z").expect("time");
    let data = (0..POINTS)
        .map(|i| {
            let t = (end - chrono::Duration::minutes((POINTS - 1 - i) * 15)).to_rfc3339();
            let wave = ((i as f64 / 7.0 + shard as f64).sin() + 1.0) / 2.0;
            let v = match m {
                GeoMetric::Healthy => f64::from(i != 40),
                GeoMetric::Lag => (wave * 3.0).round(),
                GeoMetric::Offset => wave * 20.0 + if (10..14).contains(&i) { 2e9 } else { 0.0 },
                GeoMetric::FullSyncStarted | GeoMetric::FullSyncFinished => f64::from(i == 10),
            };
            MetricValue { time_stamp: t, average: Some(v), total: Some(v), ..Default::default() }
        })
        .collect();
    let id = MetadataValue { name: Some(LocalizableString::new("shardid", "shardid")), value: Some(shard.to_string()) };
    TimeSeriesElement { metadata_values: vec![id], data }
}

fn response(primary: bool) -> Response {
    let value = GEO_METRICS
        .iter()
        .filter(|m| m.on_primary() == primary)
        .map(|m| Metric {
            name: LocalizableString::new(m.rest_name(), m.title()),
            timeseries: (0..SHARDS).map(|s| series(*m, s)).collect(),
            ..Default::default()
        })
        .collect();
    Response { timespan: String::new(), value, ..Default::default() }
}

pub fn health(primary: ResourceId, secondary: ResourceId) -> GeoHealth {
    let watch = MetricsWatch { primary, secondary, window: Window::Hours24 };
    GeoHealth::from_responses(watch, &response(false), &response(true))
}
