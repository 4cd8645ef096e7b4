//! Screen snapshots of the Azure Managed Redis screens at 120x36 and 80x24: Home ▸ Azure Managed
//! Redis, a cache's Overview and Active geo-replication, the Force unlink, Add cache to group
//! (force-link and create) and Flush dialogs, the Add cache to group list (with the incompatible
//! caches and why), and the Plan move to Azure Managed Redis view of a linked Premium pair. Fed the demo
//! fleet without a network; driven by keys only.
//!
//! Update with `INSTA_UPDATE=always cargo test --test tui_managed_snapshots` and read the `.snap` files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ratatui::crossterm::event::KeyCode;

use support::demo::{self, crumb, managed_console};
use support::headless::Offline;

fn snap(name: &str, o: &mut Offline) {
    for (w, h) in [(120, 36), (80, 24)] {
        o.resize(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), o.screen());
    }
    o.resize(120, 36);
}

/// Opens `name` from Home ▸ Azure Managed Redis and shows menu item `jump`.
fn open(o: &mut Offline, name: &str, jump: char) {
    o.key(KeyCode::Char('/'));
    o.text(name);
    o.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Char(jump)]);
    let screen = o.screen();
    assert!(crumb(&screen).contains(&format!("> {name}")), "{screen}");
}

/// Checks the member `name` (from the buttons: down to its row, Space).
fn check(o: &mut Offline, name: &str) {
    let screen = o.screen();
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains('☐') || l.contains('☑')).collect();
    let at = rows.iter().position(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} is a member:\n{screen}"));
    o.key(KeyCode::Down);
    for _ in 0..at {
        o.key(KeyCode::Down);
    }
    o.key(KeyCode::Char(' '));
}

#[test]
fn managed_home() {
    snap("managed_home", &mut managed_console());
}

#[test]
fn managed_overview() {
    let mut o = managed_console();
    open(&mut o, "amr-orders-eus", '1');
    snap("managed_overview", &mut o);
}

#[test]
fn active_geo_replication_and_its_dialogs() {
    let mut o = managed_console();
    open(&mut o, "amr-orders-eus", '2');
    snap("active_geo", &mut o);
    check(&mut o, "amr-orders-sea");
    o.key(KeyCode::Char('u'));
    snap("force_unlink_dialog", &mut o);
    o.key(KeyCode::Esc);
    o.key(KeyCode::Char('F'));
    snap("flush_dialog", &mut o);
    o.key(KeyCode::Esc);
}

#[test]
fn add_cache_to_group() {
    let mut o = managed_console();
    open(&mut o, "amr-orders-eus", '2');
    o.key(KeyCode::Char('a'));
    snap("add_to_group", &mut o);
    o.key(KeyCode::Char('i'));
    snap("add_to_group_incompatible", &mut o);
    o.key(KeyCode::Char('i'));
    // The first compatible row joins by creating its database; the running cache by force-link.
    o.key(KeyCode::Enter);
    snap("join_by_create_dialog", &mut o);
    o.key(KeyCode::Esc);
    let screen = o.screen();
    let rows: Vec<&str> = screen.lines().skip_while(|l| !l.contains("CACHE ")).skip(1).collect();
    let at = rows.iter().position(|l| l.contains("force-link")).expect("a cache that joins by force-link");
    for _ in 0..at {
        o.key(KeyCode::Down);
    }
    o.key(KeyCode::Enter);
    snap("force_link_dialog", &mut o);
}

#[test]
fn plan_move_to_managed_redis() {
    let mut o =
        Offline::new(georep::tui::AppOptions::new("demo backend", georep::tui::theme::Theme::azure()), (120, 36));
    demo::load_with_managed(&mut o, &demo::fleet_state());
    demo::open(&mut o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('v'));
    snap("move_plan", &mut o);
}

#[test]
fn managed_dashboard() {
    use georep::arm::enterprise::EnterpriseId;
    use georep::tui::action::Action;
    use georep::tui::health::Window;
    use georep::tui::managed_health::{ManagedHealth, ManagedWatch};

    let mut o = managed_console();
    open(&mut o, "amr-orders-eus", '4');
    let cluster = EnterpriseId::cluster(demo::SUB, "rg-contoso-amr", "amr-orders-eus");
    // Healthy for 20 minutes, a dip to 0 for 4, healthy again.
    let points = (0..30).map(|m| (f64::from(m) - 29.0, if (18..22).contains(&m) { 0.0 } else { 1.0 })).collect();
    let health = ManagedHealth {
        watch: ManagedWatch { cluster, window: Window::Minutes30 },
        points,
        latest: Some(1.0),
        newest: None,
    };
    o.send(Action::ManagedMetricsLoaded(Ok(Box::new(health))));
    snap("managed_dashboard", &mut o);
}

#[test]
fn the_resource_menu_moves_as_lists_do() {
    let mut o = managed_console();
    open(&mut o, "amr-orders-eus", '1');
    // `1` puts the keyboard in the Overview; Tab moves it to the menu. Down stops at the last item.
    o.key(KeyCode::Tab);
    for (key, marked) in [
        (KeyCode::Down, "▶ Active geo-rep"),
        (KeyCode::Down, "▶ Geo-rep dashboard"),
        (KeyCode::Down, "▶ Geo-rep dashboard"),
        (KeyCode::Home, "▶ Overview"),
        (KeyCode::End, "▶ Geo-rep dashboard"),
    ] {
        o.key(key);
        let screen = o.screen();
        assert!(screen.contains(marked), "after {key:?}, {marked:?}:\n{screen}");
    }
}
