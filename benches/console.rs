//! Console benchmarks (issues 3 and 9).
//!
//! `cargo bench --bench console` runs:
//!
//! - criterion group `frame_10k`: one frame of each blade (Home, Overview, Geo-replication with a link
//!   in progress and its pair map, Properties, Compatible caches with its region map, the same with a
//!   region chosen, the Link dialog) with a fleet of 10,000 caches: `App::draw`
//!   into a 120x36 ratatui Buffer, click targets included, as the loop draws (target < 1 ms per frame);
//!   and Monitoring ▸ Geo-replication dashboard with 24 h of five metrics over 10 shards;
//! - criterion group `data_10k`: what runs when the data changes rather than per frame: the Compatible
//!   caches list's `refresh` over the 10,000 caches, Home's filter, and a whole `CachesLoaded`;
//!   Home ▸ Geo-replication's rows on `--synthetic-fleet 10000:100` (the links, the unprotected caches
//!   with what could protect them, the last-change record) and a whole poll with the view open;
//! - in `frame_10k` too: Home ▸ Geo-replication on that fleet, on its links (with the map) and on the
//!   unprotected caches;
//!
//! then, in bench mode only (these are counts, not timings), prints and writes to
//! target/bench-console.txt:
//!
//! - bytes written to the terminal (`CrosstermBackend` into a counting writer, 120x36) when only the
//!   progress gauge of a running link changes (40 % -> 41 % and the clock by 1 s; target < 200 bytes);
//! - frames drawn by the real `event_loop` (TestBackend, an event stream that never yields, the default
//!   poll intervals, a real in-process emulator) in 10 s of idle (target: 0 after the data arrived).
//!   `GEOREP_BENCH_IDLE_SECS=N` changes the 10 s.
//!
//! Every App is brought to its screen through actions only (keys, backend answers), with the test
//! harness (tests/support/headless.rs). `GEOREP_BENCH_SCREENS=1` prints the screen of each benchmarked
//! frame first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/headless.rs"]
mod headless;

/// The counts: bytes per gauge update and idle frames.
#[path = "console/counts.rs"]
mod counts;

/// A day of metrics for the Geo-replication dashboard's frame.
#[path = "console/dashboard.rs"]
mod dashboard;

/// Home ▸ Geo-replication on the synthetic 10,000-cache fleet.
#[path = "console/fleet_geo.rs"]
mod fleet_geo;

/// Azure Managed Redis with 10,000 clusters.
#[path = "console/managed.rs"]
mod managed;

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use georep::arm::{LinkedServer, OperationState, RedisResource, ResourceId};
use georep::client::{ArmClient, Lro, LroStatus};
use georep::emulator::store::State;
use georep::emulator::{Config, Emulator, fleet};
use georep::geo::LinkEvent;
use georep::tui::action::{Action, Effect};
use georep::tui::blades::compatible_caches::CompatibleState;
use georep::tui::blades::home::HomeState;
use georep::tui::data::Data;
use georep::tui::snapshot::Snapshot;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use georep::tui::widgets::world_map::WorldMap;
use georep::tui::{App, AppOptions, LoopIo};
use headless::Offline;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell as BufCell};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::Color;
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Map, MapResolution};
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::json;

const CACHES: usize = 10_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
const SUBS: [(&str, &str); 2] = [
    ("11111111-2222-3333-4444-555555555555", "Contoso Production"),
    ("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "Fabrikam Dev/Test"),
];
const REGIONS: [&str; 24] = [
    "East US",
    "East US 2",
    "West US",
    "West US 2",
    "West US 3",
    "Central US",
    "North Central US",
    "South Central US",
    "Canada Central",
    "Brazil South",
    "North Europe",
    "West Europe",
    "UK South",
    "France Central",
    "Germany West Central",
    "Sweden Central",
    "East Asia",
    "Southeast Asia",
    "Japan East",
    "Korea Central",
    "Central India",
    "Australia East",
    "UAE North",
    "South Africa North",
];
const TEAMS: [&str; 12] =
    ["web", "orders", "catalog", "search", "sessions", "events", "inventory", "payments", "auth", "ml", "ads", "iot"];
const PRIMARY: (&str, &str) = ("rg-bench-prod", "bench-primary-eus");
const SECONDARY: (&str, &str) = ("rg-bench-dr", "bench-secondary-weu");

fn primary() -> ResourceId {
    ResourceId::cache(SUBS[0].0, PRIMARY.0, PRIMARY.1)
}

fn secondary() -> ResourceId {
    ResourceId::cache(SUBS[0].0, SECONDARY.0, SECONDARY.1)
}

/// A fleet file of `CACHES` caches over two subscriptions, 24 regions, the three tiers and all sizes,
/// clustered and not, with and without persistence; deterministic.
fn fleet_json() -> String {
    let mut caches = vec![
        json!({"subscription": SUBS[0].0, "resourceGroup": PRIMARY.0, "name": PRIMARY.1, "location": "East US",
               "tier": "Premium", "capacity": 2, "datasetBytes": 2_400_000_000u64, "datasetKeys": 1_800_000}),
        json!({"subscription": SUBS[0].0, "resourceGroup": SECONDARY.0, "name": SECONDARY.1,
               "location": "West Europe", "tier": "Premium", "capacity": 2, "datasetBytes": 150_000_000u64}),
    ];
    for i in 0..CACHES - caches.len() {
        // A cheap deterministic scramble, so neighbours differ in every field.
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let (sub, _) = SUBS[(h % 2) as usize];
        let team = TEAMS[(h >> 3) as usize % TEAMS.len()];
        let region = REGIONS[(h >> 8) as usize % REGIONS.len()];
        let short: String = region.split_whitespace().map(|w| w.chars().next().unwrap_or('x')).collect();
        let mut c = json!({
            "subscription": sub,
            "resourceGroup": format!("rg-{team}-{}", (h >> 13) % 4),
            "name": format!("{team}-cache-{i:05}-{}", short.to_ascii_lowercase()),
            "location": region,
            "redisVersion": if (h >> 16).is_multiple_of(5) { "4.0" } else { "6.0" },
            "datasetBytes": (h >> 20) % 20_000_000_000,
            "datasetKeys": (h >> 24) % 10_000_000,
        });
        match (h >> 32) % 20 {
            0..=2 => {
                c["tier"] = json!("Basic");
                c["capacity"] = json!((h >> 36) % 7);
            }
            3..=7 => {
                c["tier"] = json!("Standard");
                c["capacity"] = json!((h >> 36) % 7);
            }
            _ => {
                c["tier"] = json!("Premium");
                c["capacity"] = json!(1 + (h >> 36) % 5);
                if (h >> 40).is_multiple_of(3) {
                    c["shardCount"] = json!(1 + (h >> 42) % 10);
                }
                match (h >> 46) % 8 {
                    0 => c["persistence"] = json!("rdb"),
                    1 => c["persistence"] = json!("aof"),
                    _ => {}
                }
            }
        }
        caches.push(c);
    }
    let subscriptions: Vec<_> =
        SUBS.iter().map(|(id, name)| json!({"subscriptionId": id, "displayName": name})).collect();
    json!({"subscriptions": subscriptions, "caches": caches}).to_string()
}

/// The emulator's state for the fleet.
fn fleet_state() -> State {
    let state = State::from_fleet(fleet::load(&fleet_json()).expect("the bench fleet loads")).expect("the bench state");
    assert_eq!(state.caches.len(), CACHES);
    state
}

/// `state` with the secondary being linked to the primary (Syncing).
fn linking(mut state: State) -> State {
    let p = state.render(state.cache(&primary()).expect("primary"));
    let s = state.render(state.cache(&secondary()).expect("secondary"));
    state.topology.begin_link(&p, &s).expect("compatible");
    state.topology.apply(&primary(), LinkEvent::SyncStarted).expect("syncing");
    state
}

type Linked = HashMap<ResourceId, Vec<LinkedServer>>;

/// The caches and linked servers as the poller hands them to the App.
fn resources(state: &State) -> (Vec<RedisResource>, Linked) {
    state.listed()
}

fn load(o: &mut Offline, state: &State) {
    let (caches, linked) = resources(state);
    o.send(Action::SubscriptionsLoaded(state.subscriptions.clone()));
    o.send(Action::LinkedServersLoaded(linked));
    o.send(Action::CachesLoaded(caches));
}

/// The fleet before and during the link.
struct Fleet {
    before: State,
    linking: State,
    /// `--synthetic-fleet 10000:100`, for Home ▸ Geo-replication (many links).
    synthetic: State,
}

/// Types `/`, `text` and Enter: filters the list on screen (Home or Compatible caches); the first
/// match is selected.
fn filter(o: &mut Offline, text: &str) {
    o.key(KeyCode::Char('/'));
    o.text(text);
    o.key(KeyCode::Enter);
}

/// A console with the 10,000 caches loaded, that has started linking the bench secondary to the bench
/// primary through its Link dialog: accepted, 40 % done after 01:12, the backend in Syncing. On screen:
/// the primary's Geo-replication blade. Returns the operation's id too.
fn mid_link(fleet: &Fleet) -> (Offline, u64) {
    let mut o = Offline::new(AppOptions::new("bench backend", Theme::azure()), (WIDTH, HEIGHT));
    load(&mut o, &fleet.before);
    o.at(Duration::from_secs(10));
    filter(&mut o, PRIMARY.1);
    o.keys(&[KeyCode::Enter, KeyCode::Char('2'), KeyCode::Char('a')]);
    filter(&mut o, SECONDARY.1);
    // The row's menu, "Link as secondary", then the dialog's Link button.
    o.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Right, KeyCode::Enter]);
    let op = o
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartLink { op, secondary: s, .. } if *s == secondary() => Some(*op),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the link did not start:\n{}", o.screen()));
    let lro = Lro {
        async_operation: Some("http://127.0.0.1:1/operations/bench".into()),
        location: None,
        resource: "http://127.0.0.1:1/bench".into(),
        retry_after: None,
        request_id: None,
    };
    o.send(Action::OperationAccepted { op, lro: Some(lro) });
    let status = LroStatus { state: OperationState::InProgress, percent: Some(40.0), error: None, retry_after: None };
    o.send(Action::OperationProgress { op, status });
    load(&mut o, &fleet.linking);
    o.at(Duration::from_secs(10 + 72));
    (o, op)
}

/// Back to Home, its filter cleared.
fn home(o: &mut Offline) {
    for _ in 0..6 {
        if o.screen().lines().nth(1).is_some_and(|l| l.trim() == "Home > Azure Cache for Redis") {
            break;
        }
        o.key(KeyCode::Esc);
    }
    o.key(KeyCode::Esc);
}

/// One console per blade, each as the user would have it on screen.
fn blades(fleet: &Fleet) -> Vec<(&'static str, Offline)> {
    let mut out = Vec::new();
    let (mut o, _) = mid_link(fleet);
    home(&mut o);
    // Mid-list, so the frame also scrolls.
    let page = (HEIGHT as usize).saturating_sub(9);
    for _ in 0..CACHES / 2 / page {
        o.key(KeyCode::PageDown);
    }
    out.push(("home", o));
    for (name, jump) in [("overview", '1'), ("geo_replication_progress", '2'), ("properties", '3')] {
        let (mut o, _) = mid_link(fleet);
        o.key(KeyCode::Char(jump));
        out.push((name, o));
    }
    // The bench primary is busy linking, so Add cache replication link is opened on a free cache.
    let free = free_primary(&fleet.linking);
    let compat = |fleet: &Fleet| {
        let (mut o, _) = mid_link(fleet);
        home(&mut o);
        filter(&mut o, &free.name);
        o.keys(&[KeyCode::Enter, KeyCode::Char('2'), KeyCode::Char('a')]);
        o
    };
    // Monitoring ▸ Geo-replication dashboard of the pair, 24 h of 10 shards.
    let (mut o, _) = mid_link(fleet);
    o.keys(&[KeyCode::Char('4'), KeyCode::Char('w'), KeyCode::Char('w')]);
    o.send(Action::MetricsLoaded(Ok(Box::new(dashboard::health(primary(), secondary())))));
    out.push(("geo_dashboard_24h_10_shards", o));
    out.push(("compatible_caches", compat(fleet)));
    // The region map with the westernmost region chosen: the list filtered to it.
    let mut region = compat(fleet);
    region.key(KeyCode::Char(']'));
    out.push(("compatible_caches_region", region));
    let mut dialog = compat(fleet);
    dialog.keys(&[KeyCode::Enter, KeyCode::Enter]);
    out.push(("link_dialog", dialog));
    // Home ▸ Geo-replication on --synthetic-fleet 10000:100: the links and their map, the unprotected.
    out.push(("fleet_geo_replication_links", fleet_geo::console(&fleet.synthetic, false, (WIDTH, HEIGHT))));
    out.push(("fleet_geo_replication_unprotected", fleet_geo::console(&fleet.synthetic, true, (WIDTH, HEIGHT))));
    for (name, o) in &mut out {
        let screen = o.screen();
        let want = match *name {
            "home" => "Azure Cache for Redis · 10000 of 10000",
            "overview" => "Essentials",
            "geo_replication_progress" => "40%",
            "properties" => "Properties",
            "compatible_caches" => "Compatible caches",
            "compatible_caches_region" => "▸●",
            "geo_dashboard_24h_10_shards" => "━9",
            "fleet_geo_replication_links" => "pairs of regions",
            "fleet_geo_replication_unprotected" => "NEAREST CANDIDATE REGION",
            _ => "Link caches",
        };
        assert!(screen.contains(want), "{name} is not on screen:\n{screen}");
    }
    out
}

/// An unlinked, unclustered Premium P2 cache of the first subscription: a primary with many candidates.
fn free_primary(state: &State) -> ResourceId {
    let mut caches: Vec<RedisResource> = state.caches.values().map(|r| state.render(r)).collect();
    caches.sort_by_key(|c| c.name().to_ascii_lowercase());
    caches
        .iter()
        .filter(|c| c.is_premium() && c.shards().is_none() && c.properties.sku.capacity == 2)
        .filter(|c| !c.rdb_enabled() && !c.aof_enabled() && c.redis_major() == Some(6))
        .filter_map(|c| ResourceId::parse(c.id()).ok())
        .find(|id| id.subscription == SUBS[0].0 && id != &primary() && id != &secondary())
        .expect("an unlinked Premium P2 cache")
}

/// The data as the console holds it, for the list states' own refreshes.
fn data(state: &State) -> Data {
    let (caches, linked) = resources(state);
    let mut data = Data::default();
    data.set_linked(linked);
    data.set_caches(caches);
    data
}

/// `caches` with `n` of them changed (spread over the list), as a poll in which a few caches moved.
fn touched(caches: &[RedisResource], n: usize) -> Vec<RedisResource> {
    let mut out = caches.to_vec();
    let step = out.len() / n.max(1);
    for c in out.iter_mut().step_by(step.max(1)).take(n) {
        c.tags.get_or_insert_with(Default::default).insert("touched".into(), "1".into());
    }
    out
}

fn criterion_groups(c: &mut Criterion, fleet: &Fleet) {
    let area = Rect::new(0, 0, WIDTH, HEIGHT);
    let mut apps = blades(fleet);
    if std::env::var_os("GEOREP_BENCH_SCREENS").is_some() {
        for (name, o) in &mut apps {
            println!("{name}:\n{}", o.screen());
        }
    }
    // Azure Managed Redis's blades with 10,000 clusters.
    let amr = managed::managed();
    assert_eq!(managed::count(&amr), managed::CLUSTERS);
    let premium = Snapshot::build(
        fleet.linking.subscriptions.clone(),
        resources(&fleet.linking).0,
        resources(&fleet.linking).1,
        None,
    );
    for (name, screen) in [
        ("amr_list", "list"),
        ("amr_overview", "overview"),
        ("amr_active_geo_replication", "active"),
        ("amr_add_cache_to_group", "add"),
        ("amr_dashboard", "dashboard"),
    ] {
        apps.push((name, managed::console(&premium, &amr, screen)));
    }
    if std::env::var_os("GEOREP_BENCH_SCREENS").is_some() {
        for (name, o) in apps.iter_mut().filter(|(n, _)| n.starts_with("amr_")) {
            println!("{name}:\n{}", o.screen());
        }
    }
    let mut g = c.benchmark_group("frame_10k");
    for (name, o) in &apps {
        let mut buf = Buffer::empty(area);
        g.bench_function(*name, |b| {
            b.iter(|| {
                buf.reset();
                black_box(black_box(&o.app).draw(area, &mut buf));
                black_box(&buf);
            })
        });
    }
    g.finish();

    // The map alone, at the Compatible caches blade's size (63x12): as the console draws it (the land
    // plotted once, then copied), and plotted by ratatui's Canvas every time, in both resolutions.
    let mut g = c.benchmark_group("world_map");
    let map_area = Rect::new(0, 0, 63, 12);
    let mut buf = Buffer::empty(map_area);
    for (name, resolution) in [("high", MapResolution::High), ("low", MapResolution::Low)] {
        let map = || WorldMap { pins: &[], lines: &[], land: Color::DarkGray, resolution };
        g.bench_function(name, |b| b.iter(|| black_box(map().render_pins(map_area, &mut buf))));
        let canvas = Canvas::default()
            .marker(ratatui::symbols::Marker::Braille)
            .x_bounds([-180.0, 180.0])
            .y_bounds([-58.0, 78.0])
            .paint(|ctx| ctx.draw(&Map { resolution, color: Color::DarkGray }));
        g.bench_function(format!("{name}_canvas_every_frame"), |b| b.iter(|| (&canvas).render(map_area, &mut buf)));
    }
    g.finish();

    let mut g = c.benchmark_group("data_10k");
    let data = data(&fleet.linking);
    let free = free_primary(&fleet.linking);
    let mut list = CompatibleState::new(free.clone(), &data);
    g.bench_function("compatible_caches_refresh", |b| b.iter(|| list.refresh(black_box(&data))));
    let mut list = CompatibleState::new(free.clone(), &data);
    list.show_incompatible = true;
    list.refresh(&data);
    g.bench_function("compatible_caches_refresh_with_incompatible", |b| b.iter(|| list.refresh(black_box(&data))));
    let mut home = HomeState::default();
    for c in "eus".chars() {
        home.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), &data);
    }
    g.bench_function("home_refilter", |b| b.iter(|| home.refilter(black_box(&data))));
    // Managed Redis, per poll: the fleet's indexes (in the poller) and Add cache to group's verdicts.
    let (clusters, databases) = managed::fleet();
    g.bench_function("amr_fleet_build", |b| {
        b.iter_batched(
            || (clusters.clone(), databases.clone()),
            |(c, d)| georep::tui::managed::ManagedFleet::build(c, d, |s| s.to_string()),
            BatchSize::LargeInput,
        )
    });
    let mut amr_data = Data::default();
    amr_data.apply(Arc::new(Snapshot::default().with_managed(amr.clone())));
    let group_of = georep::arm::enterprise::EnterpriseId::cluster(SUBS[0].0, "rg-amr-20", "amr-04500");
    // Made when a poll changed Managed Redis and Add cache to group is on top (not per frame, and not
    // while another blade covers it).
    g.bench_function("amr_add_cache_to_group_verdicts", |b| {
        b.iter(|| georep::tui::blades::group_candidates::candidates(black_box(&amr_data), &group_of))
    });
    let (caches, linked) = resources(&fleet.linking);
    let subs = fleet.linking.subscriptions.clone();
    // The poller's side (once per poll for the whole process, off every console's input path).
    let first = Snapshot::build(subs.clone(), caches.clone(), linked.clone(), None);
    g.bench_function("snapshot_build", |b| {
        b.iter_batched(
            || caches.clone(),
            |caches| Snapshot::build(subs.clone(), caches, linked.clone(), Some(&first)),
            BatchSize::LargeInput,
        )
    });
    // Home ▸ Geo-replication: its rows (links, then the unprotected caches and what could protect
    // them, grouped), as a poll with the view open makes them.
    let synthetic = fleet_geo::data(&fleet.synthetic);
    let snap = synthetic.snapshot();
    g.bench_function("fleet_links", |b| b.iter(|| georep::tui::fleet_links::links(black_box(snap))));
    g.bench_function("fleet_unprotected", |b| b.iter(|| georep::tui::fleet_links::unprotected(black_box(snap))));
    // The last-change record carried to the next snapshot (the poller's, once per poll).
    g.bench_function("link_changes_next", |b| b.iter(|| snap.changes().next(black_box(snap), synthetic.wall)));
    let mut open = fleet_geo::console(&fleet.synthetic, false, (WIDTH, HEIGHT));
    let (poll, previous) = fleet_geo::poll(&fleet.synthetic);
    // As the poller publishes it: the view's rows made before (off the input path) since the console
    // showed the view from the snapshot before, and the snapshots held by the follower until the next
    // but one arrives (it frees them, not the loop). Held across criterion's samples.
    let mut held: std::collections::VecDeque<Arc<Snapshot>> = Default::default();
    g.bench_function("poll_with_fleet_geo_open", |b| {
        let mut warmed = || {
            let snap = poll(&previous);
            snap.prepare_fleet(held.back().map(|s| &**s));
            held.push_back(snap.clone());
            if held.len() > 2 {
                held.pop_front();
            }
            snap
        };
        b.iter_batched(&mut warmed, |snap| open.app.update(Action::Polled(snap)), BatchSize::PerIteration)
    });
    // The first poll after the view opened: the poller did not make its rows, the console does.
    g.bench_function("poll_with_fleet_geo_just_opened", |b| {
        b.iter_batched(|| poll(&previous), |snap| open.app.update(Action::Polled(snap)), BatchSize::PerIteration)
    });
    let (_, mut o) = apps.into_iter().find(|(n, _)| *n == "compatible_caches").expect("compatible");
    // A poll in which 5 of the 10,000 caches changed, folded in turn with the one before it.
    let a = Arc::new(Snapshot::build(subs.clone(), caches.clone(), linked.clone(), None));
    let b5 = Arc::new(Snapshot::build(subs.clone(), touched(&caches, 5), linked.clone(), Some(&a)));
    let polls = [a, b5];
    let mut k = 0usize;
    g.bench_function("poll_folded_with_compatible_open", |b| {
        b.iter(|| {
            k += 1;
            o.app.update(Action::Polled(polls[k % 2].clone()))
        })
    });
    // A poll in which a cache was added at the top of the list: every other cache moved.
    let mut more = caches.clone();
    let mut new = caches[0].clone();
    new.id = new.id.map(|i| format!("{}-0added", i.trim_end_matches('/')));
    new.name = new.name.map(|n| format!("{n}-0added"));
    more.push(new);
    let plus = [polls[0].clone(), Arc::new(Snapshot::build(subs.clone(), more, linked.clone(), Some(&polls[0])))];
    g.bench_function("poll_folded_one_cache_added_with_compatible_open", |b| {
        b.iter(|| {
            k += 1;
            o.app.update(Action::Polled(plus[k % 2].clone()))
        })
    });
    // The worst poll: every cache new to the console (a first load, or the fleet's order changed).
    let fresh = [
        Arc::new(Snapshot::build(subs.clone(), caches.clone(), linked.clone(), None)),
        Arc::new(Snapshot::build(subs.clone(), caches.clone(), linked.clone(), None)),
    ];
    g.bench_function("poll_folded_every_cache_new_with_compatible_open", |b| {
        b.iter(|| {
            k += 1;
            o.app.update(Action::Polled(fresh[k % 2].clone()))
        })
    });
    g.bench_function("caches_loaded_with_compatible_open", |b| {
        b.iter_batched(|| caches.clone(), |caches| o.app.update(Action::CachesLoaded(caches)), BatchSize::LargeInput)
    });
    g.finish();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then criterion runs each
    // benchmark once as a test and the counts are skipped.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let t = Instant::now();
    let before = fleet_state();
    let fleet = Fleet { linking: linking(fleet_state()), before, synthetic: fleet_geo::state() };
    eprintln!("console bench: {CACHES}-cache fleet built in {:.2?}", t.elapsed());

    let mut c = Criterion::default().configure_from_args();
    criterion_groups(&mut c, &fleet);
    c.final_summary();
    if !bench_mode {
        return;
    }
    let report = counts::counts(&fleet);
    print!("\n{report}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-console.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
