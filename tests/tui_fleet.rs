//! The console against `georep serve --synthetic-fleet 10000:100`: Home lists every cache of every
//! subscription through Resource Graph, a poll's reads stay bounded (counted from the emulator's access
//! log), and a linked cache opened from Home shows its link, read at once for the blade.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use georep::arm::ResourceId;
use georep::client::ArmClient;
use georep::emulator::synthetic::{SyntheticSpec, generate};
use georep::emulator::{Config, Emulator};
use georep::tui::AppOptions;
use georep::tui::poll::DETAILS_PER_POLL;
use georep::tui::snapshot::Snapshot;
use georep::tui::tasks::PollIntervals;
use support::demo;
use support::headless::{Console, Offline};

/// The demo fleet as a poll reads it, with `change` applied to its caches.
fn demo_poll(
    state: &georep::emulator::store::State,
    change: impl Fn(&mut georep::arm::RedisResource),
) -> (Vec<georep::arm::RedisResource>, std::collections::HashMap<ResourceId, Vec<georep::arm::LinkedServer>>) {
    let (mut caches, linked) = state.listed();
    caches.iter_mut().for_each(change);
    (caches, linked)
}

/// Compatible caches keeps its verdicts from poll to poll and checks again only the caches that
/// changed: the list it shows after such a poll is the one a console that read the new state from
/// scratch shows.
#[test]
fn a_poll_that_changes_a_few_caches_shows_what_a_fresh_console_shows() {
    let state = demo::fleet_state();
    let moved = |c: &mut georep::arm::RedisResource| {
        if c.name() == "contoso-dr-weu" {
            c.location = "East US".into();
        }
    };
    let console = |caches: Vec<georep::arm::RedisResource>, linked| {
        let mut o = Offline::new(AppOptions::new("demo backend", georep::tui::theme::Theme::azure()), (120, 36));
        o.send(georep::tui::action::Action::SubscriptionsLoaded(state.subscriptions.clone()));
        o.send(georep::tui::action::Action::LinkedServersLoaded(linked));
        o.send(georep::tui::action::Action::CachesLoaded(caches));
        demo::compatible_of(&mut o, "contoso-prod-eus");
        o.key(ratatui::crossterm::event::KeyCode::Char('i'));
        o
    };
    let (caches, linked) = demo_poll(&state, |_| {});
    let mut o = console(caches, linked);
    let before = o.screen();
    assert!(before.contains("contoso-dr-weu"), "{before}");

    let (caches, linked) = demo_poll(&state, moved);
    let previous = o.app.data().snapshot().clone();
    let snap = Snapshot::build(state.subscriptions.clone(), caches.clone(), linked.clone(), Some(&previous));
    let changed = snap.revs.iter().zip(&previous.revs).filter(|(a, b)| a != b).count();
    assert_eq!(changed, 1, "one cache's revision moved");
    o.send(georep::tui::action::Action::Polled(Arc::new(snap)));
    let after = o.screen();
    assert_ne!(after, before, "contoso-dr-weu is now in the primary's region");
    assert_eq!(after, console(caches.clone(), linked.clone()).screen());

    // A cache added at the top of the list moves every other one: their verdicts are found again.
    let mut added = caches.clone();
    let mut new = caches.iter().find(|c| c.name() == "contoso-dr-weu").unwrap().clone();
    new.id = new.id.map(|i| i.replace("contoso-dr-weu", "aaa-contoso-dr-new"));
    new.name = Some("aaa-contoso-dr-new".into());
    new.location = "North Europe".into();
    added.push(new);
    let previous = o.app.data().snapshot().clone();
    let snap = Snapshot::build(state.subscriptions.clone(), added.clone(), linked.clone(), Some(&previous));
    o.send(georep::tui::action::Action::Polled(Arc::new(snap)));
    let shifted = o.screen();
    assert!(shifted.contains("aaa-contoso-dr-new"), "{shifted}");
    // The same list; the selection stays on the cache it was on (a fresh console selects the first).
    let unmarked = |s: String| s.replace('⋮', " ");
    assert_eq!(unmarked(shifted), unmarked(console(added, linked).screen()));
}

const WAIT: Duration = Duration::from_secs(120);

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
}

/// Requests per kind, from the access log's lines (`time METHOD path status duration sub=`).
fn kinds(lines: &[String]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for l in lines {
        let kind = if l.contains(" GET /subscriptions ") {
            "subscriptions"
        } else if l.contains(" /providers/Microsoft.ResourceGraph/resources ") {
            "resource graph"
        } else if l.contains("/linkedServers ") {
            "linked servers"
        } else if l.contains("/providers/Microsoft.Cache/redis ") {
            "list per subscription"
        } else {
            "other"
        };
        *out.entry(kind).or_insert(0) += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_reads_a_10000_cache_fleet_in_bounded_polls() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let fleet_text = generate(SyntheticSpec { caches: 10_000, subscriptions: 100, seed: 1 });
    let fleet = georep::emulator::fleet::load(&fleet_text).unwrap();
    let config = Config { fleet: fleet_text, access_log: Some(log.clone()), read_limit: None, ..Config::default() };
    let emu = Emulator::simulated(config).unwrap().bind(support::emulator::loopback()).await.unwrap();
    let client = ArmClient::new(&emu.url(), None).unwrap();
    let idle = Duration::from_millis(400);
    let mut c = Console::start(
        AppOptions::new("synthetic fleet", georep::tui::theme::Theme::azure()),
        client,
        PollIntervals { idle, busy: idle },
    );

    let start = Instant::now();
    c.wait_for("Home with every cache", WAIT, |s| s.contains("10000 of 10000")).await;
    eprintln!("Home listed 10,000 caches after {:.2?} (debug build)", start.elapsed());

    // Two whole polls: each is the subscriptions, one Resource Graph query for the caches (10 pages of
    // 1,000), one for the Managed Redis clusters (one page: the synthetic fleet has none) and at most
    // DETAILS_PER_POLL linked-server reads, whatever the fleet's ~1,100 links.
    let polls_from = lines(&log).len();
    let t = Instant::now();
    loop {
        let k = kinds(&lines(&log)[polls_from..]);
        if k.get("subscriptions").copied().unwrap_or(0) >= 3 {
            break;
        }
        assert!(t.elapsed() < WAIT, "two polls did not happen: {k:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = lines(&log);
    // Whole polls only: from the first subscriptions read to the third.
    let at: Vec<usize> = seen
        .iter()
        .enumerate()
        .skip(polls_from)
        .filter(|(_, l)| l.contains(" GET /subscriptions "))
        .map(|(i, _)| i)
        .collect();
    let k = kinds(&seen[at[0]..at[2]]);
    assert_eq!(k.get("subscriptions"), Some(&2), "{k:?}");
    assert_eq!(k.get("resource graph"), Some(&22), "10 pages of caches and 1 of clusters a poll: {k:?}");
    assert_eq!(k.get("list per subscription"), None, "no per-subscription lists: {k:?}");
    let details = k.get("linked servers").copied().unwrap_or(0);
    assert!(details <= 2 * DETAILS_PER_POLL, "{details} linked-server reads in 2 polls: {k:?}");
    assert_eq!(k.get("other"), None, "{k:?}");

    // A linked primary opened from Home: its Geo-replication blade names its secondary, read for
    // the blade (not waiting for the fleet's turn).
    let (primary, secondary): &(ResourceId, ResourceId) =
        fleet.links.iter().max_by_key(|(p, _)| p.name.clone()).expect("a link");
    c.open(&primary.name, '2');
    let secondary_name = secondary.name.clone();
    c.wait_for("the blade with its secondary", WAIT, |s| s.contains(&secondary_name) && s.contains("Geo-replication"))
        .await;
    emu.shutdown().await;
}
