//! Monitoring ▸ Geo-replication dashboard and the Geo-replication blade's health line: snapshots at
//! 120x36 and 80x24 fed with a fixed day of metrics (so every frame is deterministic), what the app asks
//! the metrics poller for as the screen changes, and the dashboard against the emulator's metrics route.
//!
//! Update with `INSTA_UPDATE=always cargo test --test tui_dashboard` and read the `.snap` files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use georep::arm::ResourceId;
use georep::arm::metrics::{LocalizableString, MetadataValue, Metric, MetricValue, Response, TimeSeriesElement};
use georep::client::ArmClient;
use georep::emulator::Config;
use georep::tui::AppOptions;
use georep::tui::action::{Action, Effect};
use georep::tui::health::{GeoHealth, GeoMetric, MetricsWatch, Window};
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use support::demo::{self, console, open};
use support::headless::{Console, Offline};

fn snap(name: &str, o: &mut Offline) {
    for (w, h) in [(120, 36), (80, 24)] {
        o.resize(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), o.screen());
    }
    o.resize(120, 36);
}

/// `points` values, one a minute (or a window's interval), ending 2026-11-30T12:00Z.
fn series(shard: usize, values: &[f64], event: bool, step_minutes: i64) -> TimeSeriesElement {
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z").unwrap();
    let n = values.len() as i64;
    let data = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = end - chrono::Duration::minutes((n - 1 - i as i64) * step_minutes);
            let stamp = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            if event {
                MetricValue { time_stamp: stamp, total: Some(*v), ..Default::default() }
            } else {
                MetricValue { time_stamp: stamp, average: Some(*v), ..Default::default() }
            }
        })
        .collect();
    let shard_id =
        MetadataValue { name: Some(LocalizableString::new("shardid", "shardid")), value: Some(shard.to_string()) };
    TimeSeriesElement { metadata_values: vec![shard_id], data }
}

fn metric(m: GeoMetric, shards: Vec<TimeSeriesElement>) -> Metric {
    Metric {
        id: format!("/x/providers/Microsoft.Insights/metrics/{}", m.rest_name()),
        kind: "Microsoft.Insights/metrics".into(),
        name: LocalizableString::new(m.rest_name(), m.title()),
        unit: "Count".into(),
        timeseries: shards,
        ..Default::default()
    }
}

/// A day-like window of a pair with `shards` shards: a full sync 20 points back (offset falling from
/// 300 MB a shard, Healthy 0 and the lag growing meanwhile), then in sync with a few bytes in flight.
fn health(primary: ResourceId, secondary: ResourceId, window: Window, shards: usize) -> GeoHealth {
    let n = 30usize;
    let per = |f: &dyn Fn(usize, usize) -> f64, event: bool| {
        (0..shards).map(|s| series(s, &(0..n).map(|i| f(s, i)).collect::<Vec<_>>(), event, 1)).collect::<Vec<_>>()
    };
    let syncing = |i: usize| (8..12).contains(&i);
    let offset = per(
        &|s, i| match i {
            0..8 => 0.0,
            8..12 => 300e6 * (12 - i) as f64 / 4.0 + s as f64 * 1e6,
            _ => ((i * 7 + s * 3) % 13) as f64,
        },
        false,
    );
    let healthy = per(&|_, i| if i < 8 || syncing(i) { 0.0 } else { 1.0 }, false);
    let lag = per(&|s, i| if syncing(i) { ((i - 7) * 60) as f64 } else { ((i + s) % 3 / 2) as f64 }, false);
    let started = per(&|_, i| if i == 8 { 1.0 } else { 0.0 }, true);
    let finished = per(&|_, i| if i == 12 { 1.0 } else { 0.0 }, true);
    let on_secondary = Response {
        timespan: "x".into(),
        value: vec![
            metric(GeoMetric::Healthy, healthy),
            metric(GeoMetric::Lag, lag),
            metric(GeoMetric::FullSyncStarted, started),
            metric(GeoMetric::FullSyncFinished, finished),
        ],
        ..Default::default()
    };
    let on_primary =
        Response { timespan: "x".into(), value: vec![metric(GeoMetric::Offset, offset)], ..Default::default() };
    GeoHealth::from_responses(MetricsWatch { primary, secondary, window }, &on_secondary, &on_primary)
}

fn inventory_health(window: Window) -> GeoHealth {
    health(demo::inventory_eus(), demo::inventory_weu(), window, 1)
}

fn watches(o: &Offline, from: usize) -> Vec<Option<MetricsWatch>> {
    o.effects[from..]
        .iter()
        .filter_map(|e| match e {
            Effect::WatchMetrics(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_dashboard_of_a_linked_cache() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '4');
    snap("dashboard_loading", &mut o);
    o.send(Action::MetricsLoaded(Ok(Box::new(inventory_health(Window::Minutes30)))));
    snap("dashboard", &mut o);
}

#[test]
fn a_dashboard_draws_one_line_per_shard() {
    let state = demo::with_link_syncing(
        demo::fleet_state(),
        &demo::id("rg-contoso-orders", "contoso-orders-neu"),
        &demo::id("rg-contoso-orders", "contoso-orders-uks"),
    );
    let mut o = demo::console_on(&state, Theme::azure());
    open(&mut o, "contoso-orders-neu", '4');
    let (p, s) =
        (demo::id("rg-contoso-orders", "contoso-orders-neu"), demo::id("rg-contoso-orders", "contoso-orders-uks"));
    o.send(Action::MetricsLoaded(Ok(Box::new(health(p, s, Window::Minutes30, 3)))));
    let screen = o.screen();
    assert!(screen.contains("shards ━0 ━1 ━2"), "the legend:\n{screen}");
    insta::assert_snapshot!("dashboard_three_shards_120x36", screen);
}

#[test]
fn the_dashboard_of_an_unlinked_cache_says_there_are_no_geo_metrics() {
    let mut o = console();
    let from = o.effects.len();
    open(&mut o, "contoso-prod-eus", '4');
    snap("dashboard_not_linked", &mut o);
    assert!(o.screen().contains("No geo-replication link: no geo metrics"));
    assert_eq!(watches(&o, from), Vec::<Option<MetricsWatch>>::new(), "nothing to read for an unlinked cache");
}

#[test]
fn the_health_line_on_the_geo_replication_blade() {
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '2');
    o.send(Action::MetricsLoaded(Ok(Box::new(inventory_health(Window::Minutes30)))));
    let screen = o.screen();
    let line = screen.lines().find(|l| l.contains("Health")).expect("a health line");
    assert!(line.contains("● Healthy") && line.contains("lag 1 s") && line.contains("offset 8 B"), "{line}");
    assert!(line.contains(['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']), "a sparkline: {line}");
    snap("geo_replication_health_line", &mut o);
}

#[test]
fn the_poller_is_asked_for_what_is_on_screen_only() {
    let mut o = console();
    let from = o.effects.len();
    open(&mut o, "contoso-inventory-weu", '4');
    let pair = |window| MetricsWatch { primary: demo::inventory_eus(), secondary: demo::inventory_weu(), window };
    assert_eq!(watches(&o, from), vec![Some(pair(Window::Minutes30))], "the dashboard asks, on either cache");
    let from = o.effects.len();
    o.key(KeyCode::Char('w'));
    o.key(KeyCode::Char('w'));
    o.key(KeyCode::Char('W'));
    let want = vec![Some(pair(Window::Hours6)), Some(pair(Window::Hours24)), Some(pair(Window::Hours6))];
    assert_eq!(watches(&o, from), want);
    assert!(o.screen().contains("[ 6 h ]") || o.screen().contains(" 6 h "), "{}", o.screen());
    // Charts never ask for ticks: they redraw when a point arrives.
    assert!(!o.app.wants_ticks());
    o.send(Action::MetricsLoaded(Ok(Box::new(inventory_health(Window::Hours6)))));
    o.screen();
    assert!(!o.app.dirty() && !o.app.wants_ticks());
    // Either cache of the pair finds the health.
    // (Overview needs no metrics: the poller is told to stop.)
    let from = o.effects.len();
    o.key(KeyCode::Char('1'));
    assert_eq!(watches(&o, from), vec![None]);
    o.key(KeyCode::Char('2'));
    assert_eq!(watches(&o, from), vec![None, Some(pair(Window::Minutes30))], "the blade's health line");
}

#[test]
fn geo_health_is_found_from_either_cache() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '4');
    o.send(Action::MetricsLoaded(Ok(Box::new(inventory_health(Window::Minutes30)))));
    let data = o.app.data();
    for id in [demo::inventory_eus(), demo::inventory_weu()] {
        let h = data.geo_health(&id).expect("health");
        assert_eq!((h.healthy, h.lag_seconds, h.offset_bytes), (Some(1.0), Some(1.0), Some(8.0)));
    }
    assert!(data.geo_health(&demo::prod_eus()).is_none());
}

#[tokio::test]
async fn the_dashboard_reads_the_emulator_metrics() {
    let running = support::emulator::start(Config::default()).await;
    let client = ArmClient::new(&running.url(), None).unwrap();
    let intervals = PollIntervals { idle: Duration::from_millis(300), busy: Duration::from_millis(300) };
    let mut c = Console::start(AppOptions::new("test", Theme::azure()), client, intervals);
    c.wait_for("the caches", Duration::from_secs(10), |s| s.contains("contoso-inventory-weu")).await;
    c.open("contoso-inventory-weu", '4');
    c.wait_for("the charts", Duration::from_secs(10), |s| s.contains("Data Sync Offset (bytes)") && s.contains("-30m"))
        .await;
    let h = c.app.data().geo_health(&demo::inventory_weu()).expect("health read from the emulator").clone();
    assert_eq!(h.healthy, Some(1.0));
    assert!(h.offset_bytes.is_some_and(|b| b < 100.0), "{:?}", h.offset_bytes);
    assert!(h.charts[GeoMetric::Healthy.index()][0].points.len() >= 29, "{:?}", h.charts[0]);
    drop(c);
    running.shutdown().await;
}
