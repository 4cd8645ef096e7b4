//! Screen snapshots of every screen and dialog of the console, at 120x36 and 80x24 (plus the "terminal
//! too small" message at 79x23). The console is fed the demo fleet by the test, without a network, and
//! driven through actions only (keys, clicks, backend answers), so every frame is deterministic.
//!
//! Update with `INSTA_UPDATE=always cargo test --test tui_snapshots` (or `cargo insta review`) and read
//! the `.snap` files in tests/snapshots/ by eye: they are the screens people see.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use georep::arm::OperationState;
use georep::client::ClientError;
use georep::tui::AppOptions;
use georep::tui::action::Action;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use support::demo::{self, console, console_on, fleet_state, linking_state, open};
use support::headless::Offline;

/// Snapshots the screen at 120x36 and at 80x24, as `{name}_120x36` and `{name}_80x24`.
fn snap(name: &str, o: &mut Offline) {
    for (w, h) in [(120, 36), (80, 24)] {
        o.resize(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), o.screen());
    }
    o.resize(120, 36);
}

#[test]
fn home() {
    snap("home", &mut console());
}

#[test]
fn home_filtered() {
    let mut o = console();
    o.key(KeyCode::Char('/'));
    o.text("dr-");
    snap("home_filter_typing", &mut o);
    o.key(KeyCode::Enter);
    snap("home_filtered", &mut o);
}

#[test]
fn home_filter_matches_nothing() {
    let mut o = console();
    o.key(KeyCode::Char('/'));
    o.text("nosuchcache");
    o.key(KeyCode::Enter);
    snap("home_filter_no_match", &mut o);
}

#[test]
fn home_loading() {
    let mut o = Offline::new(AppOptions::new("demo backend", Theme::azure()), (120, 36));
    snap("home_loading", &mut o);
}

#[test]
fn overview_not_linked() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '1');
    snap("overview_not_linked", &mut o);
}

#[test]
fn overview_linked_primary() {
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '1');
    snap("overview_linked_primary", &mut o);
}

#[test]
fn overview_linked_secondary() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '1');
    snap("overview_linked_secondary", &mut o);
}

#[test]
fn overview_secondary_while_linking() {
    let mut o = demo::mid_link(Theme::azure());
    demo::home(&mut o);
    open(&mut o, "contoso-dr-weu", '1');
    snap("overview_secondary_linking", &mut o);
}

#[test]
fn geo_replication_not_linked() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '2');
    snap("geo_replication_not_linked", &mut o);
}

#[test]
fn geo_replication_not_premium() {
    let mut o = console();
    open(&mut o, "contoso-web-std", '2');
    snap("geo_replication_not_premium", &mut o);
}

#[test]
fn geo_replication_linked_succeeded() {
    // The jump key puts the keyboard in the blade, on the buttons row.
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '2');
    snap("geo_replication_linked", &mut o);
}

#[test]
fn geo_replication_linked_from_secondary() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '2');
    snap("geo_replication_linked_secondary", &mut o);
}

#[test]
fn geo_replication_mid_link() {
    // After the link is confirmed the console shows the primary's Geo-replication blade by itself.
    let mut o = demo::mid_link(Theme::azure());
    snap("geo_replication_progress", &mut o);
    let text = o.screen();
    assert!(demo::crumb(&text).ends_with("contoso-prod-eus > Geo-replication"), "{text}");
    assert!(text.contains("63%"), "{text}");
    assert!(text.contains("01:12"), "{text}");
    assert!(text.contains("Syncing"), "{text}");
}

#[test]
fn geo_replication_link_seen_from_elsewhere() {
    // Another console started the link: no operation of this console, only what the backend says.
    let mut o = console_on(&linking_state(), Theme::azure());
    open(&mut o, "contoso-prod-eus", '2');
    snap("geo_replication_progress_elsewhere", &mut o);
}

#[test]
fn properties() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '3');
    snap("properties", &mut o);
}

#[test]
fn properties_of_vnet_cache() {
    let mut o = console();
    open(&mut o, "contoso-vnet-cac", '3');
    snap("properties_vnet", &mut o);
}

#[test]
fn compatible_caches() {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    snap("compatible_caches", &mut o);
}

#[test]
fn compatible_caches_with_incompatible() {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    o.key(KeyCode::Char('i'));
    snap("compatible_caches_incompatible_shown", &mut o);
    // Select an incompatible row: the reasons panel says why.
    demo::select_row(&mut o, "contoso-analytics-cus");
    snap("compatible_caches_incompatible_selected", &mut o);
}

#[test]
fn compatible_caches_region_chosen() {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    // West to east: West US 2, Canada Central, West Europe.
    o.keys(&[KeyCode::Char(']'), KeyCode::Char(']'), KeyCode::Char(']')]);
    snap("compatible_caches_region_chosen", &mut o);
    o.key(KeyCode::Char('i'));
    snap("compatible_caches_region_chosen_incompatible_shown", &mut o);
}

#[test]
fn compatible_caches_empty() {
    // Two shards: no other cache has two shards.
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-orders-jpe");
    snap("compatible_caches_empty", &mut o);
}

#[test]
fn context_menu() {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    o.key(KeyCode::Down);
    o.key(KeyCode::Char('m'));
    snap("context_menu", &mut o);
}

#[test]
fn link_dialog() {
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    snap("link_dialog", &mut o);
    o.key(KeyCode::Right);
    snap("link_dialog_link_focused", &mut o);
}

#[test]
fn failover_dialog() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '2');
    o.key(KeyCode::Char('f'));
    snap("failover_dialog", &mut o);
}

#[test]
fn unlink_dialog() {
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('u'));
    assert!(o.screen().contains("Unlink caches"));
    snap("unlink_dialog", &mut o);
}

#[test]
fn details() {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    o.keys(&[KeyCode::Char('m'), KeyCode::Down, KeyCode::Enter]);
    assert!(demo::crumb(&o.screen()).ends_with("(details)"), "{}", o.screen());
    snap("details", &mut o);
}

/// A history of this console's operations, each arriving as the backend answers: a link started and
/// succeeded, an unlink started, and a refused link with a long message.
fn history(o: &mut Offline) {
    o.at(Duration::from_secs(12));
    demo::link_dialog(o, "contoso-prod-eus", "contoso-dr-weu");
    let link = demo::confirm(o);
    demo::accept(o, link);
    o.at(Duration::from_secs(95));
    demo::progress(o, link, OperationState::Succeeded, Some(100.0));
    demo::home(o);
    o.at(Duration::from_secs(130));
    open(o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('u'));
    let unlink = demo::confirm(o);
    demo::accept(o, unlink);
    demo::home(o);
    o.at(Duration::from_secs(3725));
    demo::link_dialog(o, "contoso-prod-eus", "contoso-dr-sea");
    let refused = demo::confirm(o);
    let error = ClientError::Arm {
        status: 409,
        code: "Conflict".into(),
        message: "contoso-dr-sea is already linked to another cache. A cache can be in one geo-replication link only."
            .into(),
        request_id: None,
        details: Vec::new(),
    };
    o.send(Action::OperationRejected { op: refused, error });
}

#[test]
fn notifications_panel() {
    let mut o = console();
    history(&mut o);
    snap("notifications_unread_bell", &mut o);
    o.key(KeyCode::Char('n'));
    snap("notifications", &mut o);
}

#[test]
fn notifications_empty() {
    let mut o = console();
    o.key(KeyCode::Char('n'));
    snap("notifications_empty", &mut o);
}

#[test]
fn help_overlay() {
    let mut o = console();
    o.key(KeyCode::Char('?'));
    snap("help", &mut o);
    for _ in 0..20 {
        o.key(KeyCode::Down);
    }
    snap("help_scrolled", &mut o);
}

#[test]
fn error_banner() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '2');
    o.at(Duration::from_secs(20));
    o.send(Action::PollFailed { error: demo::throttled(), retry_in: Duration::from_secs(10) });
    snap("error_banner", &mut o);
}

#[test]
fn notice_line() {
    // A disabled button says why in the notice line.
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('a'));
    assert!(!demo::notice(&o.screen()).is_empty(), "{}", o.screen());
    snap("notice_add_disabled", &mut o);
}

#[test]
fn terminal_too_small() {
    let mut o = console();
    o.resize(79, 23);
    insta::assert_snapshot!("too_small_79x23", o.screen());
}

/// Presses `key` and says whether the screen changed.
fn moves(o: &mut Offline, key: KeyCode) -> bool {
    let before = o.screen();
    o.key(key);
    o.screen() != before
}

#[test]
fn overview_and_properties_scroll_on_a_short_terminal() {
    let mut o = console();
    o.resize(80, 24);
    open(&mut o, "contoso-prod-eus", '3');
    let top = o.screen();
    o.key(KeyCode::End);
    let end = o.screen();
    assert_ne!(end, top, "Properties is longer than 80x24 shows, and End scrolls it");
    assert!(!moves(&mut o, KeyCode::Down), "End scrolls to the last line, no further");
    insta::assert_snapshot!("properties_scrolled_to_end_80x24", o.screen());
    assert!(moves(&mut o, KeyCode::Up), "Up moves at once from the end");
    o.key(KeyCode::Down);
    assert_eq!(o.screen(), end, "one line up, one line down");
    // Another menu item starts at the top, and coming back too.
    o.key(KeyCode::Char('1'));
    o.key(KeyCode::Char('3'));
    assert_eq!(o.screen(), top, "Properties starts at the top again");

    let mut o = console_on(&linking_state(), Theme::azure());
    o.resize(80, 24);
    open(&mut o, "contoso-dr-weu", '1');
    for _ in 0..8 {
        o.key(KeyCode::Down);
    }
    assert!(!moves(&mut o, KeyCode::Down), "the Overview is scrolled to its end");
    insta::assert_snapshot!("overview_scrolled_80x24", o.screen());
}

/// The demo's linked pair as the real data plane (`--data-plane redis`) measures it; `primary_down`: its
/// primary's redis-server has stopped.
fn live_pair_state(primary_down: bool) -> georep::emulator::store::State {
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
        shards: Vec::new(),
    };
    let mut primary = live(40001, 26_098, 36_827_200, !primary_down);
    if primary_down {
        primary.health = Health::Failed(
            "the redis-server of contoso-inventory-eus shard 0 (127.0.0.1:40001) stopped: killed by signal 9".into(),
        );
    }
    state.cache_mut(&demo::inventory_eus()).expect("primary").live = Some(primary);
    state.cache_mut(&demo::inventory_weu()).expect("secondary").live =
        Some(live(40002, 26_098, 36_761_464, !primary_down));
    state
}

#[test]
fn overview_live_figures_of_a_linked_pair() {
    let mut o = console_on(&live_pair_state(false), Theme::azure());
    open(&mut o, "contoso-inventory-weu", '1');
    snap("overview_live_linked_secondary", &mut o);
}

#[test]
fn overview_of_a_failed_primary() {
    let mut o = console_on(&live_pair_state(true), Theme::azure());
    open(&mut o, "contoso-inventory-eus", '1');
    snap("overview_live_failed_primary", &mut o);
}
