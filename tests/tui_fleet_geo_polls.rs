//! Home ▸ Geo-replication across polls: its rows come from the shared snapshot (made once per poll for
//! every console of the process, by the poller while a console shows them), so after a poll a console
//! with the view open shows what a fresh console shows, and the last change of a link is the process's
//! record, carried from snapshot to snapshot: a console that arrives after the change still sees it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use georep::emulator::store::State;
use georep::tui::AppOptions;
use georep::tui::action::Action;
use georep::tui::snapshot::Snapshot;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use support::demo::{self, fleet_state, with_link_syncing};
use support::headless::{Offline, WALL_START};

/// A poll of `state` as the poller makes it after `previous`, at `secs` past the tests' wall start.
fn poll(state: &State, previous: Option<&Snapshot>, secs: i64) -> Arc<Snapshot> {
    let (caches, linked) = state.listed();
    let wall = chrono::DateTime::from_timestamp(WALL_START + secs, 0).expect("time");
    let snap = Snapshot::build_at(state.subscriptions.clone(), caches, linked, previous, wall);
    snap.prepare_fleet(previous);
    Arc::new(snap)
}

/// A console fed `snap` by the poller, with Home ▸ Geo-replication open on its first row.
fn console(snap: Arc<Snapshot>) -> Offline {
    let mut o = Offline::new(AppOptions::new("demo backend", Theme::azure()), (120, 36));
    o.send(Action::Polled(snap));
    o.key(KeyCode::Char('p'));
    o
}

/// Both tabs' screens, each on its first row.
fn both_tabs(o: &mut Offline) -> (String, String) {
    o.key(KeyCode::Home);
    let links = o.screen();
    o.key(KeyCode::Tab);
    o.key(KeyCode::Home);
    let unprotected = o.screen();
    o.key(KeyCode::Tab);
    (links, unprotected)
}

#[test]
fn after_polls_the_view_shows_what_a_fresh_console_shows() {
    let first = poll(&fleet_state(), None, 0);
    let mut o = console(first.clone());
    let before = both_tabs(&mut o);
    // The next poll: a link being made between two unprotected caches. The console showed the view
    // from the first snapshot, so the poller made this one's rows before publishing it.
    let linking = with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::dr_weu());
    let second = poll(&linking, Some(&first), 3);
    o.send(Action::Polled(second.clone()));
    let after = both_tabs(&mut o);
    assert_ne!(after, before, "a new link, two fewer unprotected caches");
    assert!(after.0.contains("contoso-prod-eus") && after.0.contains("contoso-dr-weu"), "{}", after.0);
    assert!(!after.1.contains("contoso-prod-eus"), "{}", after.1);
    assert_eq!(after, both_tabs(&mut console(second.clone())));

    // And back: the link gone again.
    let third = poll(&fleet_state(), Some(&second), 6);
    o.send(Action::Polled(third.clone()));
    let back = both_tabs(&mut o);
    assert_eq!(back, both_tabs(&mut console(third)));
    assert_eq!(back, before);
}

#[test]
fn the_last_change_is_the_processs_and_a_console_that_arrives_later_sees_it() {
    let syncing = with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::dr_weu());
    let first = poll(&syncing, None, 0);
    let mut watching = console(first.clone());
    let mut synced = syncing.clone();
    synced.topology.apply(&demo::prod_eus(), georep::geo::LinkEvent::Synced).expect("synced");
    let second = poll(&synced, Some(&first), 95);
    watching.at(Duration::from_secs(95));
    watching.send(Action::Polled(second.clone()));
    // A console that never saw the link syncing (a session that connected later).
    let mut later = console(second);
    let shown = chrono::DateTime::from_timestamp(WALL_START + 95, 0).expect("time").format("%H:%M:%S").to_string();
    for o in [&mut watching, &mut later] {
        let screen = o.screen();
        let row = screen.lines().find(|l| l.contains("contoso-prod-eus")).expect("the row");
        assert!(row.contains("Succeeded") && row.contains(&shown), "{row}\n{screen}");
    }
}
