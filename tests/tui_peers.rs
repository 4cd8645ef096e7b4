//! Sessions of one `georep ssh` share their operations: a link started in one console shows its
//! phase, percentage and elapsed time in another, not a bare spinner; and a link the console only
//! sees on the backend shows its phase and the time since it was first seen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use georep::arm::OperationState;
use georep::client::{Lro, LroStatus};
use georep::emulator::store::State;
use georep::tui::AppOptions;
use georep::tui::action::{Action, Effect};
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use support::demo::{self, dr_weu, fleet_state, linking_state, load};
use support::headless::Offline;

fn console(state: &State) -> Offline {
    demo::console_on(state, Theme::mono())
}

fn lro() -> Lro {
    Lro {
        async_operation: Some("http://127.0.0.1:1/op".into()),
        location: None,
        resource: "http://127.0.0.1:1/res".into(),
        retry_after: None,
        request_id: None,
    }
}

#[test]
fn a_link_started_in_one_session_shows_its_percentage_in_another() {
    // Session A links contoso-dr-weu to contoso-prod-eus.
    let mut a = console(&fleet_state());
    a.open("prod-eus", '2');
    a.key(KeyCode::Char('a'));
    // Filter the candidates; Enter ends typing, Enter opens the menu, Enter picks "Link as secondary".
    a.key(KeyCode::Char('/'));
    a.text("dr-weu");
    a.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Enter, KeyCode::Right, KeyCode::Enter]);
    let op = a
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartLink { op, secondary, .. } if secondary == &dr_weu() => Some(*op),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no link started; effects {:?}", a.effects));
    assert!(!a.effects.iter().any(|e| matches!(e, Effect::Share(_))), "nothing to share before the backend accepts");
    a.at(Duration::from_secs(5));
    a.send(Action::OperationAccepted { op, lro: Some(lro()) });
    a.at(Duration::from_secs(77));
    a.send(Action::OperationProgress {
        op,
        status: LroStatus { state: OperationState::InProgress, percent: Some(42.0), error: None, retry_after: None },
    });
    let shared: Vec<_> = a
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Share(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let last = shared.last().expect("the operation was shared");
    assert_eq!((last.percent, last.running), (Some(42.0), true));

    // Session B sees the backend in Syncing; without a word from A it has the phase and a spinner.
    let mut b = console(&linking_state());
    b.open("prod-eus", '2');
    let alone = b.screen();
    assert!(alone.contains("Syncing"), "{alone}");
    assert!(alone.contains("Started from another console"), "{alone}");
    assert!(!alone.contains("42%"), "{alone}");
    // With A's word, B shows the percentage and A's elapsed time (both read the same wall clock).
    b.at(Duration::from_secs(77));
    for s in shared {
        b.send(Action::PeerOperation(s));
    }
    let with_peer = b.screen();
    assert!(with_peer.contains("42%"), "the peer's percentage is not shown:\n{with_peer}");
    assert!(with_peer.contains("01:12"), "the peer's elapsed time (77 s - 5 s) is not shown:\n{with_peer}");
    assert!(!with_peer.contains("links take 5 to 30 minutes"), "{with_peer}");
}

#[test]
fn the_header_says_how_fresh_live_data_is() {
    let mut options = AppOptions::new("demo backend", Theme::mono());
    options.poll_every = Some(Duration::from_secs(3));
    let mut c = Offline::new(options, (120, 36));
    load(&mut c, &fleet_state());
    let header = c.screen().lines().next().unwrap_or_default().to_string();
    assert!(header.contains("demo backend · ● live, every 3 s"), "{header}");
}

#[test]
fn a_link_seen_only_on_the_backend_counts_time_from_when_it_was_seen() {
    let mut b = Offline::new(AppOptions::new("demo backend", Theme::mono()), (120, 36));
    b.at(Duration::from_secs(10));
    load(&mut b, &linking_state());
    b.open("prod-eus", '2');
    b.at(Duration::from_secs(25));
    let screen = b.screen();
    assert!(screen.contains("Linking contoso-prod-eus → contoso-dr-weu"), "{screen}");
    assert!(screen.contains("00:15"), "elapsed since first seen:\n{screen}");
}
