//! Home ▸ Geo-replication, driven headless with the demo fleet (keys, clicks and backend answers are
//! actions): every link once with its regions, status, health and last change, the map of the pairs
//! (and how it gives way at 80x24), the filter and the sort, Enter into the pair's Geo-replication
//! blade, links whose details are not read yet, and the unprotected caches with their candidates, as
//! many as the Compatible caches blade lists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use georep::arm::ResourceId;
use georep::tui::action::Action;
use georep::tui::health::{GeoHealth, MetricsWatch, Window};
use ratatui::crossterm::event::KeyCode;

use support::demo::{self, console_on, crumb, fleet_state, with_link_syncing};
use support::headless::Offline;

/// Snapshots the screen at 120x36 and at 80x24, as `{name}_120x36` and `{name}_80x24`.
fn snap(name: &str, o: &mut Offline) {
    for (w, h) in [(120, 36), (80, 24)] {
        o.resize(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), o.screen());
    }
    o.resize(120, 36);
}

/// The inventory pair healthy, as the metrics poller would report it.
fn inventory_healthy() -> GeoHealth {
    let watch =
        MetricsWatch { primary: demo::inventory_eus(), secondary: demo::inventory_weu(), window: Window::Minutes30 };
    GeoHealth {
        watch,
        newest: None,
        charts: Default::default(),
        healthy: Some(1.0),
        lag_seconds: Some(0.0),
        offset_bytes: Some(14.0),
        offset_recent: Vec::new(),
    }
}

/// The demo fleet with a second link being made (contoso-prod-eus -> contoso-dr-weu), the inventory
/// pair's metrics read; on screen, Home ▸ Geo-replication.
fn fleet_view() -> Offline {
    let mut o = console_on(&with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::dr_weu()), demo_theme());
    o.send(Action::MetricsLoaded(Ok(Box::new(inventory_healthy()))));
    o.key(KeyCode::Char('p'));
    let screen = o.screen();
    assert_eq!(crumb(&screen), "Home > Geo-replication", "{screen}");
    o
}

fn demo_theme() -> georep::tui::theme::Theme {
    georep::tui::theme::Theme::azure()
}

#[test]
fn snapshots() {
    let mut o = fleet_view();
    snap("fleet_geo_links", &mut o);
    o.key(KeyCode::Tab);
    snap("fleet_geo_unprotected", &mut o);
}

/// The list's rows on screen: the first two cells of each row under the header that starts `first`.
fn rows(screen: &str, first: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(h) = lines.iter().position(|l| l.trim_start_matches('│').trim_start().starts_with(first)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in &lines[h + 1..] {
        let cells: Vec<&str> =
            line.trim_matches(|c| c == '│' || c == ' ').split("  ").filter(|c| !c.is_empty()).collect();
        match cells.as_slice() {
            [a, b, ..] if a.contains('-') => out.push((a.trim().to_string(), b.trim().to_string())),
            _ => break,
        }
    }
    out
}

fn primaries(screen: &str) -> Vec<String> {
    rows(screen, "PRIMARY").into_iter().map(|(p, _)| p).collect()
}

#[test]
fn enter_opens_the_pairs_geo_replication_blade_and_esc_comes_back() {
    let mut o = fleet_view();
    // Worst first: the link being made, then the healthy one.
    assert_eq!(primaries(&o.screen()), ["contoso-prod-eus", "contoso-inventory-eus"]);
    o.keys(&[KeyCode::Down, KeyCode::Enter]);
    let screen = o.screen();
    assert_eq!(crumb(&screen), "Home > Geo-replication > contoso-inventory-eus > Geo-replication", "{screen}");
    assert!(screen.contains("Geo-Primary URL") || screen.contains("contoso-inventory-weu"), "{screen}");
    for _ in 0..3 {
        if crumb(&o.screen()) == "Home > Geo-replication" {
            break;
        }
        o.key(KeyCode::Esc);
    }
    assert_eq!(crumb(&o.screen()), "Home > Geo-replication", "Esc closes the pair's blade");
    o.key(KeyCode::Esc);
    assert_eq!(crumb(&o.screen()), "Home > Azure Cache for Redis", "Esc again is Home");
    // Home's pill opens it too, and the fleet view's pill goes back.
    o.click_on("Geo-replication ▸ p");
    assert_eq!(crumb(&o.screen()), "Home > Geo-replication");
    o.click_on("◂ Azure Cache for Redis");
    assert_eq!(crumb(&o.screen()), "Home > Azure Cache for Redis");
}

#[test]
fn the_links_filter_and_sort() {
    let mut o = fleet_view();
    o.key(KeyCode::Char('/'));
    o.text("invent");
    o.key(KeyCode::Enter);
    let screen = o.screen();
    assert_eq!(primaries(&screen), ["contoso-inventory-eus"], "{screen}");
    assert!(screen.contains("Filter: invent"), "{screen}");
    o.key(KeyCode::Esc);
    assert_eq!(primaries(&o.screen()).len(), 2, "Esc clears the filter");
    // Health (worst first), then by primary, by secondary, by region, by status, by last change.
    o.key(KeyCode::Char('o'));
    let screen = o.screen();
    assert!(screen.contains("Sort: primary ▾"), "{screen}");
    assert_eq!(primaries(&screen), ["contoso-inventory-eus", "contoso-prod-eus"]);
    o.key(KeyCode::Char('o'));
    let screen = o.screen();
    assert!(screen.contains("Sort: secondary ▾"), "{screen}");
    assert_eq!(primaries(&screen), ["contoso-prod-eus", "contoso-inventory-eus"], "contoso-dr-weu sorts first");
    // The selection follows its row through a sort.
    o.key(KeyCode::Down);
    o.key(KeyCode::Char('o'));
    o.key(KeyCode::Enter);
    assert!(crumb(&o.screen()).contains("contoso-inventory-eus"), "{}", o.screen());
    // A filter matching nothing says so.
    o.key(KeyCode::Esc);
    o.key(KeyCode::Char('/'));
    o.text("nosuchlink");
    let screen = o.screen();
    assert!(screen.contains("Nothing matches \"nosuchlink\""), "{screen}");
}

/// The linked servers of `state` as the poller reads them, without those of `skip`.
fn linked_without(state: &georep::emulator::store::State, skip: &[ResourceId]) -> Action {
    let linked: HashMap<_, _> = state
        .caches
        .values()
        .filter_map(|r| {
            let id = ResourceId::parse(r.resource.id()).ok()?;
            let entries = state.linked_servers(&id);
            (!entries.is_empty() && !skip.contains(&id)).then_some((id, entries))
        })
        .collect();
    Action::LinkedServersLoaded(linked)
}

#[test]
fn links_whose_details_are_not_read_are_listed_once_as_reading() {
    let state = fleet_state();
    let mut o = console_on(&state, demo_theme());
    o.key(KeyCode::Char('p'));
    // Only the secondary's entry read: the pair is known from it, roles right.
    o.send(linked_without(&state, &[demo::inventory_eus()]));
    let screen = o.screen();
    assert_eq!(rows(&screen, "PRIMARY"), [("contoso-inventory-eus".into(), "East US".into())], "{screen}");
    assert!(screen.contains("Succeeded"), "{screen}");
    // Neither read: both caches say they have a link; one row, "reading…".
    o.send(linked_without(&state, &[demo::inventory_eus(), demo::inventory_weu()]));
    let screen = o.screen();
    let listed = primaries(&screen);
    assert_eq!(listed.len(), 1, "{screen}");
    assert!(screen.contains("reading…") && screen.contains("1 reading…"), "{screen}");
    assert!(screen.contains("contoso-inventory-weu"), "the peer is named:\n{screen}");
}

#[test]
fn the_last_change_is_when_this_console_saw_the_state_change() {
    let mut o = fleet_view();
    assert!(!o.screen().contains("00:0"), "no change seen yet");
    // 95 s later the link being made has finished syncing.
    let mut state = with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::dr_weu());
    state.topology.apply(&demo::prod_eus(), georep::geo::LinkEvent::Synced).expect("synced");
    o.at(Duration::from_secs(95));
    demo::load(&mut o, &state);
    let screen = o.screen();
    let at = chrono::DateTime::from_timestamp(support::headless::WALL_START + 95, 0).expect("time");
    let shown = at.format("%H:%M:%S").to_string();
    let row = screen.lines().find(|l| l.contains("contoso-prod-eus")).expect("the row");
    assert!(row.contains("Succeeded") && row.contains(&shown), "{row}\n{screen}");
    let other = screen.lines().find(|l| l.contains("contoso-inventory-eus")).expect("the row");
    assert!(!other.contains(&shown), "{other}");
    // Sorted by last change, the newest first.
    o.keys(&[KeyCode::Char('o'); 5]);
    let screen = o.screen();
    assert!(screen.contains("Sort: last change ▾"), "{screen}");
    assert_eq!(primaries(&screen)[0], "contoso-prod-eus");
}

#[test]
fn unprotected_counts_are_what_compatible_caches_lists() {
    let mut o = demo::console();
    o.keys(&[KeyCode::Char('p'), KeyCode::Tab]);
    let listed = rows(&o.screen(), "NAME");
    assert!(listed.len() >= 10, "{}", o.screen());
    let (mut checked, mut blocked) = (0, 0);
    for (k, (name, _)) in listed.iter().enumerate() {
        o.key(KeyCode::Home);
        for _ in 0..k {
            o.key(KeyCode::Down);
        }
        let screen = o.screen();
        let row = screen.lines().find(|l| l.contains(&format!(" {name} "))).expect("row");
        let count: usize =
            row.split("  ").map(str::trim).find_map(|c| c.parse().ok()).unwrap_or_else(|| panic!("no count in {row}"));
        o.key(KeyCode::Enter);
        let screen = o.screen();
        assert_eq!(crumb(&screen), "Home > Geo-replication > Compatible caches", "{screen}");
        assert!(screen.contains(&format!("Compatible caches · {name}")), "{screen}");
        if row.contains(" primary ") {
            // The primary itself cannot be linked (persistence, not running): no cache can protect it
            // until that changes, and the blade says why above its list.
            assert_eq!(count, 0, "{row}");
            assert!(screen.contains(&format!("✕ {name}: ")), "{screen}");
            blocked += 1;
        } else {
            let compatible = rows(&screen, "NAME").len();
            assert_eq!(compatible, count, "{name}: the fleet view counts {count}, Compatible caches lists:\n{screen}");
            checked += count;
        }
        o.key(KeyCode::Esc);
        assert_eq!(crumb(&o.screen()), "Home > Geo-replication");
    }
    assert!(checked > 10 && blocked > 0, "enough candidates were compared: {checked}, {blocked} blocked");
}
