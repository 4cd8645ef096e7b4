//! Screen snapshots of every screen and dialog of the console, at 120x36 and 80x24 (plus the "terminal
//! too small" message at 79x23). The App is built directly from the demo fleet, without a network, so
//! every frame is deterministic.
//!
//! Update with `INSTA_UPDATE=always cargo test --test tui_snapshots` (or `cargo insta review`) and read
//! the `.snap` files in tests/snapshots/ by eye: they are the screens people see.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use georep::arm::{OperationState, ResourceId};
use georep::client::ClientError;
use georep::emulator::fleet::{self, DEMO_FLEET};
use georep::emulator::store::State;
use georep::geo::LinkEvent;
use georep::tui::action::Action;
use georep::tui::app::App;
use georep::tui::blades::notifications::Level;
use georep::tui::blades::{Blade, MenuItem};
use georep::tui::data::{OpKind, TrackedOp};
use georep::tui::headless::screen_text;
use georep::tui::render;
use georep::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Color;

const SUB: &str = "11111111-2222-3333-4444-555555555555";

fn id(rg: &str, name: &str) -> ResourceId {
    ResourceId::cache(SUB, rg, name)
}

fn prod_eus() -> ResourceId {
    id("rg-contoso-prod", "contoso-prod-eus")
}

fn dr_weu() -> ResourceId {
    id("rg-contoso-dr", "contoso-dr-weu")
}

fn inventory_eus() -> ResourceId {
    id("rg-contoso-inventory", "contoso-inventory-eus")
}

fn inventory_weu() -> ResourceId {
    id("rg-contoso-inventory", "contoso-inventory-weu")
}

/// The emulator's state for the demo fleet (one link, contoso-inventory-eus -> contoso-inventory-weu).
fn fleet_state() -> State {
    State::from_fleet(fleet::load(DEMO_FLEET).expect("demo fleet")).expect("demo state")
}

/// `state` with contoso-dr-weu being linked to contoso-prod-eus, in the Syncing phase.
fn linking_state() -> State {
    let mut state = fleet_state();
    let p = state.render(state.cache(&prod_eus()).expect("primary"));
    let s = state.render(state.cache(&dr_weu()).expect("secondary"));
    state.topology.begin_link(&p, &s).expect("compatible");
    state.topology.apply(&prod_eus(), LinkEvent::SyncStarted).expect("syncing");
    state
}

/// Feeds the state to the App as the poller would: subscriptions, linked servers, then caches.
fn load(app: &mut App, state: &State) {
    let caches: Vec<_> = state.caches.values().map(|r| state.render(r)).collect();
    let linked: HashMap<_, _> = state
        .caches
        .values()
        .filter_map(|r| {
            let id = ResourceId::parse(r.resource.id()).ok()?;
            let entries = state.linked_servers(&id);
            (!entries.is_empty()).then(|| (id.key(), entries))
        })
        .collect();
    app.update(Action::SubscriptionsLoaded(state.subscriptions.clone()));
    app.update(Action::LinkedServersLoaded(linked));
    app.update(Action::CachesLoaded(caches));
}

/// A console on the demo fleet, as it is when the first poll has arrived.
fn app_with(state: &State) -> App {
    let mut app = App::new("demo backend", Theme::azure());
    app.size = (120, 36);
    load(&mut app, state);
    app
}

fn app() -> App {
    app_with(&fleet_state())
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn text(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Snapshots the screen at 120x36 and at 80x24, as `{name}_120x36` and `{name}_80x24`.
fn snap(name: &str, app: &mut App) {
    for (w, h) in [(120, 36), (80, 24)] {
        app.size = (w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen_text(app, w, h));
    }
}

/// The link in progress as this console tracks it: 63 % after 01:12.
fn tracked_link() -> TrackedOp {
    TrackedOp {
        id: 1,
        kind: OpKind::Link,
        primary: prod_eus(),
        secondary: dr_weu(),
        started: Duration::from_secs(10),
        finished: None,
        lro: None,
        state: OperationState::InProgress,
        percent: Some(63.0),
        error: None,
    }
}

fn mid_link_app() -> App {
    let mut app = app_with(&linking_state());
    app.data.ops.push(tracked_link());
    app.set_clock(Duration::from_secs(10 + 72));
    app
}

#[test]
fn home() {
    let mut app = app();
    snap("home", &mut app);
}

#[test]
fn home_filtered() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    text(&mut app, "dr-");
    snap("home_filter_typing", &mut app);
    key(&mut app, KeyCode::Enter);
    snap("home_filtered", &mut app);
}

#[test]
fn home_filter_matches_nothing() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    text(&mut app, "nosuchcache");
    key(&mut app, KeyCode::Enter);
    snap("home_filter_no_match", &mut app);
}

#[test]
fn home_loading() {
    let mut app = App::new("demo backend", Theme::azure());
    snap("home_loading", &mut app);
}

#[test]
fn overview_not_linked() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::Overview);
    snap("overview_not_linked", &mut app);
}

#[test]
fn overview_linked_primary() {
    let mut app = app();
    app.open_cache(inventory_eus(), MenuItem::Overview);
    snap("overview_linked_primary", &mut app);
}

#[test]
fn overview_linked_secondary() {
    let mut app = app();
    app.open_cache(inventory_weu(), MenuItem::Overview);
    snap("overview_linked_secondary", &mut app);
}

#[test]
fn overview_secondary_while_linking() {
    let mut app = mid_link_app();
    app.open_cache(dr_weu(), MenuItem::Overview);
    snap("overview_secondary_linking", &mut app);
}

#[test]
fn geo_replication_not_linked() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    snap("geo_replication_not_linked", &mut app);
}

#[test]
fn geo_replication_not_premium() {
    let mut app = app();
    app.open_cache(id("rg-contoso-web", "contoso-web-std"), MenuItem::GeoReplication);
    snap("geo_replication_not_premium", &mut app);
}

#[test]
fn geo_replication_linked_succeeded() {
    let mut app = app();
    app.open_cache(inventory_eus(), MenuItem::GeoReplication);
    // The keyboard in the blade, on the buttons row.
    key(&mut app, KeyCode::Tab);
    snap("geo_replication_linked", &mut app);
}

#[test]
fn geo_replication_linked_from_secondary() {
    let mut app = app();
    app.open_cache(inventory_weu(), MenuItem::GeoReplication);
    snap("geo_replication_linked_secondary", &mut app);
}

#[test]
fn geo_replication_mid_link() {
    let mut app = mid_link_app();
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    snap("geo_replication_progress", &mut app);
    let text = screen_text(&app, 120, 36);
    assert!(text.contains("63%"), "{text}");
    assert!(text.contains("01:12"), "{text}");
    assert!(text.contains("Syncing"), "{text}");
}

#[test]
fn geo_replication_link_seen_from_elsewhere() {
    // Another console started the link: no tracked operation here, only what the backend says.
    let mut app = app_with(&linking_state());
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    snap("geo_replication_progress_elsewhere", &mut app);
}

#[test]
fn properties() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::Properties);
    snap("properties", &mut app);
}

#[test]
fn properties_of_vnet_cache() {
    let mut app = app();
    app.open_cache(id("rg-contoso-network", "contoso-vnet-cac"), MenuItem::Properties);
    snap("properties_vnet", &mut app);
}

#[test]
fn compatible_caches() {
    let mut app = app();
    app.open_compatible(prod_eus());
    snap("compatible_caches", &mut app);
}

#[test]
fn compatible_caches_with_incompatible() {
    let mut app = app();
    app.open_compatible(prod_eus());
    key(&mut app, KeyCode::Char('i'));
    snap("compatible_caches_incompatible_shown", &mut app);
    // Select an incompatible row: the reasons panel says why.
    let Some(Blade::Compatible(c)) = app.stack.last() else { panic!("compatible caches open") };
    let i = c.rows.iter().position(|r| r.id.name == "contoso-analytics-cus").expect("analytics listed");
    for _ in 0..i {
        key(&mut app, KeyCode::Down);
    }
    snap("compatible_caches_incompatible_selected", &mut app);
}

#[test]
fn compatible_caches_empty() {
    let mut app = app();
    // Two shards: no other cache has two shards.
    app.open_compatible(id("rg-contoso-orders", "contoso-orders-jpe"));
    snap("compatible_caches_empty", &mut app);
}

#[test]
fn context_menu() {
    let mut app = app();
    app.open_compatible(prod_eus());
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('m'));
    snap("context_menu", &mut app);
}

#[test]
fn link_dialog() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    app.open_compatible(prod_eus());
    let Some(Blade::Compatible(c)) = app.stack.last() else { panic!("compatible caches open") };
    let i = c.rows.iter().position(|r| r.id == dr_weu()).expect("dr-weu listed");
    for _ in 0..i {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(app.link_dialog().is_some());
    snap("link_dialog", &mut app);
    key(&mut app, KeyCode::Right);
    snap("link_dialog_link_focused", &mut app);
}

#[test]
fn unlink_dialog() {
    let mut app = app();
    app.open_cache(inventory_eus(), MenuItem::GeoReplication);
    key(&mut app, KeyCode::Char('u'));
    assert!(app.unlink_dialog().is_some());
    snap("unlink_dialog", &mut app);
}

#[test]
fn details() {
    let mut app = app();
    app.open_compatible(prod_eus());
    key(&mut app, KeyCode::Char('m'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.top(), Blade::Details(_)));
    snap("details", &mut app);
}

#[test]
fn notifications_panel() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    let n = &mut app.notifications;
    n.push(Level::Info, "Linking contoso-dr-weu to contoso-prod-eus started".into(), Duration::from_secs(12));
    n.push(Level::Success, "Linking contoso-dr-weu to contoso-prod-eus succeeded".into(), Duration::from_secs(95));
    n.push(Level::Info, "Unlinking contoso-dr-weu from contoso-prod-eus started".into(), Duration::from_secs(130));
    n.push(
        Level::Error,
        "Linking contoso-dr-sea to contoso-prod-eus failed: Conflict: contoso-dr-sea is already linked to another \
         cache. A cache can be in one geo-replication link only."
            .into(),
        Duration::from_secs(3725),
    );
    snap("notifications_unread_bell", &mut app);
    key(&mut app, KeyCode::Char('n'));
    snap("notifications", &mut app);
}

#[test]
fn notifications_empty() {
    let mut app = app();
    key(&mut app, KeyCode::Char('n'));
    snap("notifications_empty", &mut app);
}

#[test]
fn help_overlay() {
    let mut app = app();
    key(&mut app, KeyCode::Char('?'));
    snap("help", &mut app);
    for _ in 0..20 {
        key(&mut app, KeyCode::Down);
    }
    snap("help_scrolled", &mut app);
}

#[test]
fn error_banner() {
    let mut app = app();
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    app.update(Action::BackendError(ClientError::Arm {
        status: 429,
        code: "TooManyRequests".into(),
        message: "The request was throttled; retry after 10 seconds.".into(),
        request_id: Some("6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b".into()),
        details: Vec::new(),
    }));
    snap("error_banner", &mut app);
}

#[test]
fn notice_line() {
    // A disabled button says why in the notice line.
    let mut app = app();
    app.open_cache(inventory_eus(), MenuItem::GeoReplication);
    key(&mut app, KeyCode::Char('a'));
    assert!(app.notice.is_some());
    snap("notice_add_disabled", &mut app);
}

#[test]
fn terminal_too_small() {
    let app = app();
    insta::assert_snapshot!("too_small_79x23", screen_text(&app, 79, 23));
}

/// Every cell's colours, for the NO_COLOR theme: styles only, no colour.
fn assert_no_colour(app: &App, what: &str) {
    for (w, h) in [(120, 36), (80, 24)] {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        render::render(app, area, &mut buf);
        for y in 0..h {
            for x in 0..w {
                let cell = &buf[(x, y)];
                assert!(
                    cell.fg == Color::Reset && cell.bg == Color::Reset,
                    "{what} at {w}x{h}: cell ({x}, {y}) {:?} has fg {:?} bg {:?}",
                    cell.symbol(),
                    cell.fg,
                    cell.bg
                );
            }
        }
    }
}

#[test]
fn mono_theme_uses_no_colour() {
    let state = linking_state();
    let mut app = App::new("demo backend", Theme::mono());
    app.size = (120, 36);
    load(&mut app, &state);
    app.data.ops.push(tracked_link());
    app.set_clock(Duration::from_secs(82));
    assert_no_colour(&app, "home");

    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    app.update(Action::BackendError(ClientError::Arm {
        status: 503,
        code: "ServiceUnavailable".into(),
        message: "try later".into(),
        request_id: None,
        details: Vec::new(),
    }));
    app.notify(Level::Info, "Linking contoso-dr-weu to contoso-prod-eus started".into());
    assert_no_colour(&app, "geo-replication with progress, banner and notice");

    app.open_cache(dr_weu(), MenuItem::Overview);
    assert_no_colour(&app, "overview");

    app.open_compatible(inventory_eus());
    key(&mut app, KeyCode::Char('i'));
    key(&mut app, KeyCode::Char('m'));
    assert_no_colour(&app, "compatible caches with the context menu");

    let mut app2 = App::new("demo backend", Theme::mono());
    app2.size = (120, 36);
    load(&mut app2, &fleet_state());
    app2.open_cache(prod_eus(), MenuItem::GeoReplication);
    app2.open_compatible(prod_eus());
    key(&mut app2, KeyCode::Enter);
    key(&mut app2, KeyCode::Enter);
    assert!(app2.link_dialog().is_some());
    assert_no_colour(&app2, "link dialog");
    key(&mut app2, KeyCode::Esc);
    key(&mut app2, KeyCode::Char('n'));
    assert_no_colour(&app2, "notifications");
    key(&mut app2, KeyCode::Esc);
    key(&mut app2, KeyCode::Char('?'));
    assert_no_colour(&app2, "help");
}

#[test]
fn overview_and_properties_scroll_on_a_short_terminal() {
    let mut app = app();
    app.size = (80, 24);
    app.open_cache(prod_eus(), MenuItem::Properties);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::End);
    let max = render::scroll_max(&app);
    assert!(max > 0, "Properties is longer than 80x24 shows");
    let scroll = |app: &App| match app.top() {
        Blade::Cache(b) => b.scroll,
        _ => panic!("a cache is open"),
    };
    assert_eq!(scroll(&app), max, "End scrolls to the last line, no further");
    insta::assert_snapshot!("properties_scrolled_to_end_80x24", screen_text(&app, 80, 24));
    key(&mut app, KeyCode::Up);
    assert_eq!(scroll(&app), max - 1, "Up moves at once from the end");
    // Another menu item starts at the top.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    assert_eq!(scroll(&app), 0);

    let mut app = app_with(&linking_state());
    app.size = (80, 24);
    app.open_cache(dr_weu(), MenuItem::Overview);
    key(&mut app, KeyCode::Tab);
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(scroll(&app), render::scroll_max(&app));
    insta::assert_snapshot!("overview_scrolled_80x24", screen_text(&app, 80, 24));
}

/// Where `needle` is drawn (column, row): the screen text has one character per cell here.
fn find(screen: &str, needle: &str) -> (u16, u16) {
    screen
        .lines()
        .enumerate()
        .find_map(|(y, line)| line.find(needle).map(|i| (line[..i].chars().count() as u16, y as u16)))
        .unwrap_or_else(|| panic!("{needle:?} is not on the screen:\n{screen}"))
}

fn click(app: &mut App, (x, y): (u16, u16)) -> Vec<georep::tui::action::Effect> {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    app.update(Action::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }))
}

#[test]
fn clicks_land_on_what_is_drawn_at_80x24() {
    use georep::tui::action::Effect;
    // Dialogs size themselves to their text: their buttons are where the screen shows them.
    let mut app = app();
    app.size = (80, 24);
    app.open_cache(prod_eus(), MenuItem::GeoReplication);
    app.open_compatible(prod_eus());
    // The intro takes two lines here: a click on a row selects that row.
    let at = find(&screen_text(&app, 80, 24), "contoso-dr-wus2");
    click(&mut app, at);
    let Some(Blade::Compatible(c)) = app.stack.last() else { panic!("compatible caches open") };
    assert_eq!(c.rows[c.selected].id.name, "contoso-dr-wus2");
    // A second click on the selected row opens its menu.
    click(&mut app, at);
    let at = find(&screen_text(&app, 80, 24), "Link as secondary");
    click(&mut app, at);
    assert!(app.link_dialog().is_some());
    let at = find(&screen_text(&app, 80, 24), "[ Link ]");
    let fx = click(&mut app, (at.0 + 2, at.1));
    assert!(matches!(fx.as_slice(), [Effect::StartLink { secondary, .. }] if secondary.name == "contoso-dr-wus2"));

    let mut app = self::app();
    app.size = (80, 24);
    app.open_cache(inventory_eus(), MenuItem::GeoReplication);
    // The short button labels are where they are drawn, too.
    let at = find(&screen_text(&app, 80, 24), "[ ✕ Unlink caches ]");
    click(&mut app, (at.0 + 3, at.1));
    assert!(app.unlink_dialog().is_some(), "{}", screen_text(&app, 80, 24));
    let at = find(&screen_text(&app, 80, 24), "[ Cancel ]");
    click(&mut app, (at.0 + 2, at.1));
    assert!(app.dialog.is_none(), "Cancel closes the dialog");
    let at = find(&screen_text(&app, 80, 24), "[ ↻ Refresh ]");
    let fx = click(&mut app, (at.0 + 2, at.1));
    assert_eq!(fx, [Effect::Refresh]);
    key(&mut app, KeyCode::Char('u'));
    let at = find(&screen_text(&app, 80, 24), "[ Unlink ]");
    let fx = click(&mut app, (at.0 + 2, at.1));
    assert!(
        matches!(fx.as_slice(), [Effect::StartUnlink { linked_name, .. }] if linked_name == "contoso-inventory-weu")
    );
}

/// The demo's linked pair as the real data plane (`--data-plane redis`) measures it; `primary_down`: its
/// primary's redis-server has stopped.
fn live_pair_state(primary_down: bool) -> State {
    use georep::emulator::live::{Endpoint, Health, LiveCache, LiveLink};
    let mut state = fleet_state();
    let live = |port: u16, keys: u64, used: u64, connected: bool| LiveCache {
        endpoints: vec![Endpoint { host: "127.0.0.1".into(), port }],
        health: Health::Running,
        keys: Some(keys),
        dataset_bytes: Some(keys * 1_290),
        used_memory: Some(used),
        link: Some(LiveLink {
            connected,
            offset_lag_bytes: Some(if connected { 0 } else { 1_520 }),
            last_io_seconds: Some(2),
        }),
    };
    let mut primary = live(40001, 26_098, 36_827_200, !primary_down);
    if primary_down {
        primary.health = Health::Failed(
            "the redis-server of contoso-inventory-eus shard 0 (127.0.0.1:40001) stopped: killed by signal 9".into(),
        );
    }
    state.cache_mut(&inventory_eus()).expect("primary").live = Some(primary);
    state.cache_mut(&inventory_weu()).expect("secondary").live = Some(live(40002, 26_098, 36_761_464, !primary_down));
    state
}

#[test]
fn overview_live_figures_of_a_linked_pair() {
    let mut app = app_with(&live_pair_state(false));
    app.open_cache(inventory_weu(), MenuItem::Overview);
    snap("overview_live_linked_secondary", &mut app);
}

#[test]
fn overview_of_a_failed_primary() {
    let mut app = app_with(&live_pair_state(true));
    app.open_cache(inventory_eus(), MenuItem::Overview);
    snap("overview_live_failed_primary", &mut app);
}

/// A context menu belongs to its cache: when that cache leaves the Compatible list under it (here it
/// starts scaling), the menu closes instead of acting on the cache that takes its row.
#[test]
fn a_context_menu_closes_when_its_cache_leaves_the_list() {
    let mut state = fleet_state();
    let mut app = app_with(&state);
    app.open_compatible(prod_eus());
    let row = |app: &App| match app.top() {
        Blade::Compatible(c) => (c.rows.get(c.selected).map(|r| r.id.clone()), c.menu),
        _ => (None, None),
    };
    while row(&app).0 != Some(dr_weu()) {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(row(&app), (Some(dr_weu()), Some(0)), "the menu is open on contoso-dr-weu");

    state.cache_mut(&dr_weu()).expect("dr-weu").resource.properties.provisioning_state =
        Some(georep::arm::ProvisioningState::Scaling);
    load(&mut app, &state);
    let (selected, menu) = row(&app);
    assert_ne!(selected, Some(dr_weu()), "contoso-dr-weu is no longer compatible");
    assert_eq!(menu, None, "its menu closed with it");
}

/// An unlink the service finishes at once (200/204, no operation to follow) ends with a notification,
/// as every other operation does.
#[test]
fn an_unlink_done_at_once_is_notified() {
    let mut app = app();
    app.data.ops.push(TrackedOp {
        kind: OpKind::Unlink,
        primary: inventory_eus(),
        secondary: inventory_weu(),
        percent: None,
        ..tracked_link()
    });
    app.update(Action::OperationAccepted { op: 1, lro: None });
    let op = &app.data.ops[0];
    assert_eq!((op.running(), &op.state), (false, &OperationState::Succeeded));
    let last = app.notifications.items.last().expect("a notification");
    assert_eq!(last.level, Level::Success);
    assert!(
        last.text.contains("Unlinking contoso-inventory-weu from contoso-inventory-eus succeeded"),
        "{}",
        last.text
    );
}
