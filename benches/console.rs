//! Console benchmarks (issue 3).
//!
//! `cargo bench --bench console` runs:
//!
//! - criterion group `frame_10k`: one frame of each blade (Home, Overview, Geo-replication with a link
//!   in progress, Properties, Compatible caches, the Link dialog) with a fleet of 10,000 caches,
//!   rendered by `render::render` into a 120x36 ratatui Buffer (target < 1 ms per frame);
//! - criterion group `data_10k`: what runs when the data changes rather than per frame:
//!   `CompatibleCaches::refresh` over the 10,000 caches, Home's filter, and a whole `CachesLoaded`;
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
//! `GEOREP_BENCH_SCREENS=1` prints the screen of each benchmarked frame first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use georep::arm::{OperationState, RedisResource, ResourceId};
use georep::client::{ArmClient, LroStatus};
use georep::emulator::store::State;
use georep::emulator::{Config, Emulator, fleet};
use georep::geo::LinkEvent;
use georep::tui::action::Action;
use georep::tui::app::App;
use georep::tui::blades::{Blade, CompatibleCaches, Dialog, LinkDialog, MenuItem};
use georep::tui::data::{OpKind, TrackedOp};
use georep::tui::render;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell as BufCell};
use ratatui::layout::{Position, Rect, Size};
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

/// The emulator's state for the fleet, with the secondary being linked to the primary (Syncing).
fn linking_state() -> State {
    let mut state =
        State::from_fleet(fleet::load(&fleet_json()).expect("the bench fleet loads")).expect("the bench state");
    assert_eq!(state.caches.len(), CACHES);
    let p = state.render(state.cache(&primary()).expect("primary"));
    let s = state.render(state.cache(&secondary()).expect("secondary"));
    state.topology.begin_link(&p, &s).expect("compatible");
    state.topology.apply(&primary(), LinkEvent::SyncStarted).expect("syncing");
    state
}

/// The caches and linked servers as the poller would hand them to the App.
fn resources(state: &State) -> (Vec<RedisResource>, HashMap<String, Vec<georep::arm::LinkedServer>>) {
    let caches = state.caches.values().map(|r| state.render(r)).collect();
    let linked = state
        .caches
        .values()
        .filter_map(|r| {
            let id = ResourceId::parse(r.resource.id()).ok()?;
            let entries = state.linked_servers(&id);
            (!entries.is_empty()).then(|| (id.key(), entries))
        })
        .collect();
    (caches, linked)
}

/// The link this console started, 40 % done after 01:12.
fn tracked_link() -> TrackedOp {
    TrackedOp {
        id: 1,
        kind: OpKind::Link,
        primary: primary(),
        secondary: secondary(),
        started: Duration::from_secs(10),
        finished: None,
        lro: None,
        state: OperationState::InProgress,
        percent: Some(40.0),
        error: None,
    }
}

/// A console with the 10,000 caches loaded and the link in progress.
fn loaded_app(state: &State) -> App {
    let (caches, linked) = resources(state);
    let mut app = App::new("bench backend", Theme::azure());
    app.size = (WIDTH, HEIGHT);
    app.update(Action::SubscriptionsLoaded(state.subscriptions.clone()));
    app.update(Action::LinkedServersLoaded(linked));
    app.update(Action::CachesLoaded(caches));
    app.data.ops.push(tracked_link());
    app.set_clock(Duration::from_secs(10 + 72));
    app
}

/// One App per blade, each as the user would have it on screen.
fn blades(state: &State) -> Vec<(&'static str, App)> {
    let mut out = Vec::new();
    let mut home = loaded_app(state);
    // Mid-list, so the frame also scrolls.
    home.home.selected = home.home.visible.len() / 2;
    out.push(("home", home));
    for (name, item) in [
        ("overview", MenuItem::Overview),
        ("geo_replication_progress", MenuItem::GeoReplication),
        ("properties", MenuItem::Properties),
    ] {
        let mut app = loaded_app(state);
        app.open_cache(primary(), item);
        out.push((name, app));
    }
    // The bench primary is busy linking, so Add cache replication link is opened on a free cache.
    let mut compat = loaded_app(state);
    let free = free_primary(&compat);
    compat.open_cache(free.clone(), MenuItem::GeoReplication);
    compat.open_compatible(free.clone());
    let candidate = compatible(&compat).rows.first().map(|r| r.id.clone()).expect("a compatible cache");
    let mut dialog = loaded_app(state);
    dialog.stack = compat.stack.clone();
    dialog.dialog = Some(Dialog::Link(LinkDialog::new(free, candidate)));
    out.push(("compatible_caches", compat));
    out.push(("link_dialog", dialog));
    out
}

/// An unlinked, unclustered Premium P2 cache of the first subscription: a primary with many candidates.
fn free_primary(app: &App) -> ResourceId {
    app.data
        .caches
        .iter()
        .filter(|c| c.is_premium() && c.shards().is_none() && c.properties.sku.capacity == 2)
        .filter(|c| !c.rdb_enabled() && !c.aof_enabled() && c.redis_major() == Some(6))
        .filter_map(|c| ResourceId::parse(c.id()).ok())
        .find(|id| id.subscription == SUBS[0].0 && id != &primary() && id != &secondary())
        .expect("an unlinked Premium P2 cache")
}

fn compatible(app: &App) -> &CompatibleCaches {
    match app.stack.last() {
        Some(Blade::Compatible(c)) => c,
        _ => unreachable!("the Compatible caches blade is on top"),
    }
}

fn criterion_groups(c: &mut Criterion, state: &State) {
    let area = Rect::new(0, 0, WIDTH, HEIGHT);
    let apps = blades(state);
    if std::env::var_os("GEOREP_BENCH_SCREENS").is_some() {
        for (name, app) in &apps {
            println!("{name}:\n{}", georep::tui::headless::screen_text(app, WIDTH, HEIGHT));
        }
    }
    let mut g = c.benchmark_group("frame_10k");
    for (name, app) in &apps {
        let mut buf = Buffer::empty(area);
        g.bench_function(*name, |b| {
            b.iter(|| {
                buf.reset();
                render::render(black_box(app), area, &mut buf);
                black_box(&buf);
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("data_10k");
    let (_, compat_app) = apps.iter().find(|(n, _)| *n == "compatible_caches").expect("compatible");
    let mut list = compatible(compat_app).clone();
    g.bench_function("compatible_caches_refresh", |b| b.iter(|| list.refresh(black_box(&compat_app.data))));
    let mut list = compatible(compat_app).clone();
    list.toggle_incompatible(&compat_app.data);
    g.bench_function("compatible_caches_refresh_with_incompatible", |b| {
        b.iter(|| list.refresh(black_box(&compat_app.data)))
    });
    let mut home = apps[0].1.home.clone();
    home.filter = "eus".into();
    g.bench_function("home_refilter", |b| b.iter(|| home.refilter(black_box(&apps[0].1.data))));
    let (caches, _) = resources(state);
    let mut app = loaded_app(state);
    app.open_compatible(free_primary(&app));
    g.bench_function("caches_loaded_with_compatible_open", |b| {
        b.iter_batched(|| caches.clone(), |caches| app.update(Action::CachesLoaded(caches)), BatchSize::LargeInput)
    });
    g.finish();
}

/// Counts the bytes written through it.
struct CountingWriter {
    bytes: Rc<Cell<u64>>,
    /// The bytes themselves, while `keep` is set (to show what an update sends).
    kept: Rc<std::cell::RefCell<Vec<u8>>>,
}

impl io::Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.set(self.bytes.get() + buf.len() as u64);
        self.kept.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bytes per redraw of the Geo-replication blade with a running link: (what changed, bytes, the bytes).
fn gauge_bytes(state: &State) -> Vec<(&'static str, u64, String)> {
    let bytes = Rc::new(Cell::new(0));
    let kept = Rc::new(std::cell::RefCell::new(Vec::new()));
    let writer = CountingWriter { bytes: bytes.clone(), kept: kept.clone() };
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(writer),
        TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)) },
    )
    .expect("a terminal");
    let mut app = loaded_app(state);
    app.open_cache(primary(), MenuItem::GeoReplication);
    let mut clock = Duration::from_secs(10 + 72);
    let mut out = Vec::new();
    let mut draw = |app: &mut App, what: &'static str, out: &mut Vec<(&'static str, u64, String)>| {
        bytes.set(0);
        kept.borrow_mut().clear();
        terminal.draw(|f| render::draw(app, f)).expect("draw");
        app.dirty = false;
        let text = String::from_utf8_lossy(&kept.borrow()).escape_debug().to_string();
        out.push((what, bytes.get(), text));
    };
    draw(&mut app, "first frame (whole screen)", &mut out);
    // The operation's poll: 40 % -> 41 %, one second later.
    clock += Duration::from_secs(1);
    app.set_clock(clock);
    let status = LroStatus { state: OperationState::InProgress, percent: Some(41.0), error: None, retry_after: None };
    app.update(Action::OperationProgress { op: 1, status });
    assert!(app.dirty);
    draw(&mut app, "gauge 40% -> 41% and clock +1 s", &mut out);
    // A tick: the clock by one second, the percentage unchanged.
    clock += Duration::from_secs(1);
    app.update(Action::Tick(clock));
    draw(&mut app, "clock +1 s only (a tick)", &mut out);
    // A tick within the same second: nothing visible changes.
    clock += Duration::from_millis(250);
    app.update(Action::Tick(clock));
    draw(&mut app, "tick, nothing visible changed", &mut out);
    out
}

/// A TestBackend that notes when each frame is flushed and whether the data was on screen. Its error is
/// io::Error, as the terminal's. (Should ratatui's `scrolling-regions` feature ever be enabled, the trait
/// gains `scroll_region_up`/`scroll_region_down`, to delegate like the rest.)
struct Recording {
    inner: TestBackend,
    start: Instant,
    /// Text that is on screen once all the data has arrived (the caches come last).
    marker: &'static str,
    /// (time since start, the frame shows `marker`)
    frames: Vec<(Duration, bool)>,
}

impl Backend for Recording {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a BufCell)>,
    {
        self.inner.draw(content).map_err(|e| match e {})
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor().map_err(|e| match e {})
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor().map_err(|e| match e {})
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position().map_err(|e| match e {})
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position).map_err(|e| match e {})
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear().map_err(|e| match e {})
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type).map_err(|e| match e {})
    }
    fn size(&self) -> io::Result<Size> {
        self.inner.size().map_err(|e| match e {})
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size().map_err(|e| match e {})
    }
    fn flush(&mut self) -> io::Result<()> {
        let buf = self.inner.buffer();
        let loaded = buf.content().iter().map(|c| c.symbol()).collect::<String>().contains(self.marker);
        self.frames.push((self.start.elapsed(), loaded));
        Ok(())
    }
}

struct Idle {
    what: &'static str,
    stats: georep::tui::LoopStats,
    frames: Vec<(Duration, bool)>,
}

/// Runs the real event loop on the demo emulator for `secs` with no input, on `app`.
fn idle(
    rt: &tokio::runtime::Runtime,
    url: &str,
    what: &'static str,
    marker: &'static str,
    mut app: App,
    secs: u64,
) -> Idle {
    let client = ArmClient::new(url, None).expect("client");
    let backend =
        Recording { inner: TestBackend::new(WIDTH, HEIGHT), start: Instant::now(), marker, frames: Vec::new() };
    let mut terminal = Terminal::new(backend).expect("terminal");
    let stats = rt
        .block_on(async {
            georep::tui::event_loop(
                &mut terminal,
                &mut app,
                client,
                futures::stream::pending::<io::Result<ratatui::crossterm::event::Event>>(),
                PollIntervals::default(),
                tokio::time::sleep(Duration::from_secs(secs)),
            )
            .await
        })
        .expect("the event loop");
    Idle { what, stats, frames: std::mem::take(&mut terminal.backend_mut().frames) }
}

fn counts(state: &State) -> String {
    let mut report = String::new();
    let _ = writeln!(report, "georep console counts (benches/console.rs, `cargo bench --bench console`)");
    let _ = writeln!(report, "{}", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    let apps = blades(state);
    let (_, compat) = apps.iter().find(|(n, _)| *n == "compatible_caches").expect("compatible");
    let list = compatible(compat);
    let groups: std::collections::HashSet<_> = state
        .caches
        .values()
        .filter_map(|r| ResourceId::parse(r.resource.id()).ok())
        .map(|id| (id.subscription, id.resource_group))
        .collect();
    let _ = writeln!(
        report,
        "Fleet: {CACHES} caches in {} resource groups; Compatible caches of {}: {} compatible, {} excluded",
        groups.len(),
        list.primary.name,
        list.compatible_count(),
        list.excluded
    );
    let _ = writeln!(
        report,
        "\nBytes written to a {WIDTH}x{HEIGHT} terminal (CrosstermBackend into a counting writer), Geo-replication \
         blade with a running link, {CACHES} caches loaded (target < 200 bytes per gauge update):"
    );
    for (what, bytes, text) in gauge_bytes(state) {
        let _ = writeln!(report, "  {what:<34} {bytes:>6} bytes");
        if bytes < 400 {
            let _ = writeln!(report, "      {text}");
        }
    }

    let secs = std::env::var("GEOREP_BENCH_IDLE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let running = rt
        .block_on(async {
            Emulator::simulated(Config { time_scale: 8.0, ..Default::default() })
                .expect("emulator")
                .bind("127.0.0.1:0".parse().expect("address"))
                .await
        })
        .expect("bind the emulator");
    let _ = writeln!(
        report,
        "\nFrames drawn by event_loop in {secs} s with no input (TestBackend {WIDTH}x{HEIGHT}, events: \
         stream::pending(), PollIntervals::default() = 3 s idle / 1 s busy, in-process demo emulator, 22 caches; \
         target: 0 after the data arrived):"
    );
    let mut home = App::new("demo backend", Theme::azure());
    home.size = (WIDTH, HEIGHT);
    let mut geo = App::new("demo backend", Theme::azure());
    geo.size = (WIDTH, HEIGHT);
    // The demo fleet's linked pair: the blade with the most live content.
    geo.open_cache(
        ResourceId::cache(SUBS[0].0, "rg-contoso-inventory", "contoso-inventory-eus"),
        MenuItem::GeoReplication,
    );
    let url = running.url();
    let runs = [
        idle(&rt, &url, "Home", " 22 of 22 ", home, secs),
        // The peer's location: on screen once the caches (the poller's last action) have arrived.
        idle(&rt, &url, "Geo-replication", "West Europe", geo, secs),
    ];
    for run in runs {
        let first_loaded = run.frames.iter().position(|(_, loaded)| *loaded);
        let after = first_loaded.map(|i| run.frames.len() - i - 1);
        let late = run.frames.iter().filter(|(t, _)| *t > Duration::from_secs(1)).count();
        let times: Vec<String> = run.frames.iter().map(|(t, _)| format!("{:.3}s", t.as_secs_f64())).collect();
        let _ = writeln!(
            report,
            "  {:<16} LoopStats.frames {} (actions {}); frames after the data arrived: {}; after the first second: \
             {late}; frame times: {}",
            run.what,
            run.stats.frames,
            run.stats.actions,
            after.map_or("the data never arrived".to_string(), |n| n.to_string()),
            times.join(", ")
        );
    }
    drop(running);
    report
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then criterion runs each
    // benchmark once as a test and the counts are skipped.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let t = Instant::now();
    let state = linking_state();
    eprintln!("console bench: {CACHES}-cache fleet built in {:.2?}", t.elapsed());

    let mut c = Criterion::default().configure_from_args();
    criterion_groups(&mut c, &state);
    c.final_summary();
    if !bench_mode {
        return;
    }
    let report = counts(&state);
    print!("\n{report}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-console.txt");
    match std::fs::write(&path, &report) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
