//! The demo fleet fed to an [`Offline`] console as the poller would, and the few walks through the
//! console that many tests take (to a cache, to the Link dialog, a link this console started).
//! Everything goes through actions; what a test checks is read from the screen or the effects.

#![allow(dead_code)]

use std::time::Duration;

use georep::arm::{OperationState, ResourceId};
use georep::client::{ClientError, Lro, LroStatus};
use georep::emulator::fleet::{self, DEMO_FLEET};
use georep::emulator::store::State;
use georep::geo::LinkEvent;
use georep::tui::AppOptions;
use georep::tui::action::{Action, Effect};
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use super::headless::Offline;

pub const SUB: &str = "11111111-2222-3333-4444-555555555555";

pub fn id(rg: &str, name: &str) -> ResourceId {
    ResourceId::cache(SUB, rg, name)
}

pub fn prod_eus() -> ResourceId {
    id("rg-contoso-prod", "contoso-prod-eus")
}

pub fn dr_weu() -> ResourceId {
    id("rg-contoso-dr", "contoso-dr-weu")
}

pub fn inventory_eus() -> ResourceId {
    id("rg-contoso-inventory", "contoso-inventory-eus")
}

pub fn inventory_weu() -> ResourceId {
    id("rg-contoso-inventory", "contoso-inventory-weu")
}

/// The emulator's state for the demo fleet (one link, contoso-inventory-eus -> contoso-inventory-weu).
pub fn fleet_state() -> State {
    State::from_fleet(fleet::load(DEMO_FLEET).expect("demo fleet")).expect("demo state")
}

/// `state` with `secondary` being linked to `primary`, in the Syncing phase.
pub fn with_link_syncing(mut state: State, primary: &ResourceId, secondary: &ResourceId) -> State {
    let p = state.render(state.cache(primary).expect("primary"));
    let s = state.render(state.cache(secondary).expect("secondary"));
    state.topology.begin_link(&p, &s).expect("compatible");
    state.topology.apply(primary, LinkEvent::SyncStarted).expect("syncing");
    state
}

/// The demo fleet with contoso-dr-weu being linked to contoso-prod-eus, in the Syncing phase.
pub fn linking_state() -> State {
    with_link_syncing(fleet_state(), &prod_eus(), &dr_weu())
}

/// Feeds the state to the console as the poller does: subscriptions, linked servers, then caches.
pub fn load(o: &mut Offline, state: &State) {
    let (caches, linked) = state.listed();
    o.send(Action::SubscriptionsLoaded(state.subscriptions.clone()));
    o.send(Action::LinkedServersLoaded(linked));
    o.send(Action::CachesLoaded(caches));
}

/// A 120x36 console on `state`, as it is once the first poll has arrived.
pub fn console_on(state: &State, theme: Theme) -> Offline {
    let mut o = Offline::new(AppOptions::new("demo backend", theme), (120, 36));
    load(&mut o, state);
    o
}

pub fn console() -> Offline {
    console_on(&fleet_state(), Theme::azure())
}

/// The breadcrumb line (the screen's second).
pub fn crumb(screen: &str) -> String {
    screen.lines().nth(1).unwrap_or_default().trim().to_string()
}

/// The key-hint bar (the screen's last line).
pub fn hint_bar(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

/// The notice line under the breadcrumb (empty when there is none).
pub fn notice(screen: &str) -> String {
    screen.lines().nth(2).unwrap_or_default().trim().to_string()
}

/// Back to Home with Esc (dialogs, menus and blades close one per press), its filter cleared.
pub fn home(o: &mut Offline) {
    for _ in 0..8 {
        if crumb(&o.screen()) == "Home > Azure Cache for Redis" {
            break;
        }
        o.key(KeyCode::Esc);
    }
    let screen = o.screen();
    assert_eq!(crumb(&screen), "Home > Azure Cache for Redis", "{screen}");
    // Esc on Home clears its filter.
    o.key(KeyCode::Esc);
}

/// Opens `name` from Home and shows menu item `jump` ('1' Overview, '2' Geo-replication, '3'
/// Properties), checking the breadcrumb.
pub fn open(o: &mut Offline, name: &str, jump: char) {
    o.open(name, jump);
    let screen = o.screen();
    assert!(crumb(&screen).contains(&format!("> {name}")), "{name} is open:\n{screen}");
}

/// In a list whose selected row carries the `⋮` marker (Compatible caches): selects `name`.
pub fn select_row(o: &mut Offline, name: &str) {
    o.key(KeyCode::Home);
    for _ in 0..40 {
        let screen = o.screen();
        if screen.lines().any(|l| l.contains('⋮') && l.contains(&format!(" {name} "))) {
            return;
        }
        o.key(KeyCode::Down);
    }
    panic!("{name} cannot be selected:\n{}", o.screen());
}

/// From Home: the primary's Geo-replication, Add link, the secondary's menu, "Link as secondary".
pub fn link_dialog(o: &mut Offline, primary: &str, secondary: &str) {
    open(o, primary, '2');
    o.key(KeyCode::Char('a'));
    select_row(o, secondary);
    o.keys(&[KeyCode::Enter, KeyCode::Enter]);
    let screen = o.screen();
    assert!(screen.contains("Link caches") && screen.contains("[ Link ]"), "the Link dialog:\n{screen}");
}

/// The effects asked for since `from`.
pub fn effects_since(o: &Offline, from: usize) -> &[Effect] {
    &o.effects[from..]
}

/// Presses the open dialog's confirm button with the keyboard; returns the operation it starts.
pub fn confirm(o: &mut Offline) -> u64 {
    let from = o.effects.len();
    o.keys(&[KeyCode::Right, KeyCode::Enter]);
    let op = match effects_since(o, from) {
        [Effect::StartLink { op, .. }] | [Effect::StartUnlink { op, .. }] => Some(*op),
        _ => None,
    };
    op.unwrap_or_else(|| panic!("confirming started nothing: {:?}\n{}", effects_since(o, from).to_vec(), o.screen()))
}

/// The long-running operation the backend answers with.
pub fn lro(op: u64) -> Lro {
    Lro {
        async_operation: Some(format!("http://127.0.0.1:1/operations/{op}")),
        location: None,
        resource: "http://127.0.0.1:1/link".into(),
        retry_after: None,
        request_id: None,
    }
}

/// The backend accepted operation `op` (201/202 with an operation to follow).
pub fn accept(o: &mut Offline, op: u64) {
    o.send(Action::OperationAccepted { op, lro: Some(lro(op)) });
}

pub fn progress(o: &mut Offline, op: u64, state: OperationState, percent: Option<f64>) {
    let status = LroStatus { state, percent, error: None, retry_after: None };
    o.send(Action::OperationProgress { op, status });
}

/// contoso-dr-weu being linked to contoso-prod-eus by this console: started at 00:10, 63 % at 01:22
/// (01:12 in), the backend in the Syncing phase; the primary's Geo-replication blade on screen.
pub fn mid_link(theme: Theme) -> Offline {
    let mut o = console_on(&fleet_state(), theme);
    o.at(Duration::from_secs(10));
    link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    let op = confirm(&mut o);
    accept(&mut o, op);
    progress(&mut o, op, OperationState::InProgress, Some(63.0));
    load(&mut o, &linking_state());
    o.at(Duration::from_secs(10 + 72));
    o
}

/// Opens the Compatible caches of `primary` from its Geo-replication blade.
pub fn compatible_of(o: &mut Offline, primary: &str) {
    open(o, primary, '2');
    o.key(KeyCode::Char('a'));
    let screen = o.screen();
    assert!(crumb(&screen).ends_with("> Compatible caches"), "{screen}");
}

/// What a throttling ARM answers.
pub fn throttled() -> ClientError {
    ClientError::Arm {
        status: 429,
        code: "TooManyRequests".into(),
        message: "The request was throttled; retry after 10 seconds.".into(),
        request_id: Some("6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b".into()),
        details: Vec::new(),
    }
}

/// Feeds `state` as one poll, Azure Managed Redis included: every cluster and every database read.
pub fn load_with_managed(o: &mut Offline, state: &State) {
    use std::collections::HashMap;
    use std::sync::Arc;

    use georep::tui::managed::{ManagedFleet, cluster_id};
    use georep::tui::snapshot::Snapshot;

    let (caches, linked) = state.listed();
    let clusters: Vec<_> =
        state.subscriptions.iter().flat_map(|s| state.enterprise.clusters_in(&s.subscription_id, None)).collect();
    let databases: HashMap<_, _> = clusters
        .iter()
        .filter_map(cluster_id)
        .map(|id| {
            let dbs = state.enterprise.databases_of(&id);
            (id, dbs)
        })
        .collect();
    let subs = state.subscriptions.clone();
    let name = |id: &str| {
        subs.iter().find(|s| s.subscription_id == id).map_or_else(|| id.to_string(), |s| s.display_name.clone())
    };
    let managed = Arc::new(ManagedFleet::build(clusters, databases, name));
    let snap = Snapshot::build(state.subscriptions.clone(), caches, linked, None).with_managed(managed);
    o.send(Action::Polled(Arc::new(snap)));
}

/// A 120x36 console on the demo fleet, Managed Redis included, showing Home ▸ Azure Managed Redis.
pub fn managed_console() -> Offline {
    let mut o = Offline::new(AppOptions::new("demo backend", Theme::azure()), (120, 36));
    load_with_managed(&mut o, &fleet_state());
    o.key(KeyCode::Char('t'));
    o
}
