//! Home ▸ Geo-replication on `--synthetic-fleet 10000:100` (the bench fleet of this file has one link;
//! the synthetic one has a link for about one Premium cache in six, a few still being made): the
//! console fed it as the poller would, the view open on the links (its map) or on the unprotected
//! caches, and the data behind it made as `App::update` makes it.

use std::sync::Arc;

use georep::emulator::fleet;
use georep::emulator::store::State;
use georep::emulator::synthetic::{SyntheticSpec, generate};
use georep::tui::AppOptions;
use georep::tui::action::Action;
use georep::tui::data::Data;
use georep::tui::snapshot::Snapshot;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use super::headless::Offline;

pub const SPEC: SyntheticSpec = SyntheticSpec { caches: 10_000, subscriptions: 100, seed: 1 };

pub fn state() -> State {
    State::from_fleet(fleet::load(&generate(SPEC)).expect("the synthetic fleet loads")).expect("its state")
}

/// What one poll of the fleet reads, as the poller folds it (`previous`: the last poll's).
fn snapshot(state: &State, previous: Option<&Snapshot>) -> Snapshot {
    let (caches, linked) = state.listed();
    Snapshot::build(state.subscriptions.clone(), caches, linked, previous)
}

/// The data as the console holds it.
pub fn data(state: &State) -> Data {
    let mut data = Data::default();
    data.apply(Arc::new(snapshot(state, None)));
    data
}

/// A 120x36 console on the fleet with Home ▸ Geo-replication open, on the links (`unprotected`:
/// on the unprotected caches).
pub fn console(state: &State, unprotected: bool, size: (u16, u16)) -> Offline {
    let mut o = Offline::new(AppOptions::new("bench backend", Theme::azure()), size);
    o.send(Action::Polled(Arc::new(snapshot(state, None))));
    o.key(KeyCode::Char('p'));
    if unprotected {
        o.key(KeyCode::Tab);
    }
    o
}

/// A poll of the fleet, made anew from the last one (what `poll_with_fleet_geo_open` folds).
pub fn poll(state: &State) -> (impl Fn(&Snapshot) -> Arc<Snapshot>, Snapshot) {
    let caches: Vec<_> = state.caches.values().map(|r| state.render(r)).collect();
    let previous = snapshot(state, None);
    let (subs, linked) = (state.subscriptions.clone(), previous.linked.clone());
    let next =
        move |prev: &Snapshot| Arc::new(Snapshot::build(subs.clone(), caches.clone(), linked.clone(), Some(prev)));
    (next, previous)
}
