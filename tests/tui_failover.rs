//! Failover in the console: the Failover button of the Geo-replication blade, on or off with the
//! documented rule; its dialog; and the whole failover against the emulator over real HTTP, through the
//! orchestration `georep failover` runs (`client::failover`), with the link reading Deleting, then
//! Creating/Syncing, then Succeeded with the roles swapped, on the blade and on both Overviews.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use georep::client::ArmClient;
use georep::emulator::Config;
use georep::geo::LinkEvent;
use georep::tui::AppOptions;
use georep::tui::action::Effect;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use support::demo::{self, console, console_on, crumb, fleet_state, notice, open};
use support::headless::Console;

const BOUND: Duration = Duration::from_secs(30);

#[test]
fn failover_is_on_for_a_finished_link_of_equal_sizes_and_the_dialog_says_what_happens() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '2');
    assert!(demo::hint_bar(&o.screen()).contains("f failover"), "{}", o.screen());
    o.key(KeyCode::Char('f'));
    let screen = o.screen();
    for text in [
        "Failover",
        "contoso-inventory-weu (the geo-secondary) becomes the geo-primary",
        "contoso-inventory-eus becomes the geo-secondary and links back",
        "links back: Deleting, then Creating",
        "Data Sync Offset",
        "Settings to check",
        "Minimum TLS version",
        "georep failover --name contoso-inventory-weu --resource-group rg-contoso-inventory",
        "[ Cancel ]",
    ] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }
    // Cancel is focused: Enter closes it and starts nothing.
    let from = o.effects.len();
    o.key(KeyCode::Enter);
    assert!(!o.screen().contains("Settings to check"));
    assert!(demo::effects_since(&o, from).iter().all(|e| !matches!(e, Effect::StartFailover { .. })));
    // Confirming starts the failover of that link.
    o.key(KeyCode::Char('f'));
    let from = o.effects.len();
    o.keys(&[KeyCode::Right, KeyCode::Enter]);
    let started = demo::effects_since(&o, from).iter().find_map(|e| match e {
        Effect::StartFailover { primary, secondary, .. } => Some((primary.name.clone(), secondary.name.clone())),
        _ => None,
    });
    assert_eq!(started, Some(("contoso-inventory-eus".into(), "contoso-inventory-weu".into())));
}

#[test]
fn failover_is_off_with_the_reason_while_syncing_and_when_sizes_differ() {
    // contoso-prod-eus (P2) -> contoso-dr-wus2 (P3), still syncing: both reasons.
    let state =
        demo::with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::id("rg-contoso-dr", "contoso-dr-wus2"));
    let mut o = console_on(&state, Theme::azure());
    open(&mut o, "contoso-prod-eus", '2');
    o.key(KeyCode::Char('f'));
    let screen = o.screen();
    assert!(!screen.contains("Settings to check"), "no dialog for an off button:\n{screen}");
    assert!(notice(&screen).contains("The link is Syncing"), "{screen}");

    let mut state = state;
    state.topology.apply(&demo::prod_eus(), LinkEvent::Synced).unwrap();
    let mut o = console_on(&state, Theme::azure());
    open(&mut o, "contoso-prod-eus", '2');
    o.key(KeyCode::Char('f'));
    let screen = o.screen();
    assert!(notice(&screen).contains("The primary is P2 and the secondary P3"), "{screen}");
}

#[test]
fn an_unlinked_cache_has_nothing_to_fail_over() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '2');
    o.key(KeyCode::Char('f'));
    assert!(notice(&o.screen()).contains("is not linked: there is nothing to fail over"), "{}", o.screen());
}

/// The lines of the blade's URL block, trimmed.
fn url_line(screen: &str, label: &str) -> String {
    let line = screen.lines().find(|l| l.contains(label)).unwrap_or_default();
    line[line.find(label).unwrap_or(0)..].trim_end_matches([' ', '│']).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_through_the_console_swaps_the_roles_and_the_urls() {
    let emu = support::emulator::start(Config { time_scale: 80.0, ..Default::default() }).await;
    let mut c = Console::start(
        AppOptions::new("demo backend", Theme::azure()),
        ArmClient::new(&emu.url(), None).unwrap(),
        PollIntervals { idle: Duration::from_millis(200), busy: Duration::from_millis(100) },
    );
    c.wait_for("the caches to load", BOUND, |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
    c.open("contoso-inventory-weu", '2');
    let before = c.screen();
    assert_eq!(
        url_line(&before, "Current Geo Primary Cache"),
        "Current Geo Primary Cache contoso-inventory-eus.redis.cache.windows.net"
    );
    // The dialog shows the Data Sync Offset the Geo-replication blade read from Azure Monitor metrics.
    c.wait_for("the health line", BOUND, |s| s.contains("Health") && s.contains("offset")).await;
    c.key(KeyCode::Char('f'));
    let dialog = c.screen();
    let offset = dialog.lines().find(|l| l.contains("Data Sync Offset")).unwrap_or_default().to_string();
    assert!(offset.contains(" B ✓"), "the offset is the metric's:\n{dialog}");
    c.keys(&[KeyCode::Right, KeyCode::Enter]);

    // The documented sequence, as the blade shows it.
    c.wait_for("the link to read Deleting", BOUND, |s| s.contains("Deleting")).await;
    c.wait_for("step 2/2 (Creating or Syncing)", BOUND, |s| {
        s.contains("step 2/2") && (s.contains("Creating") || s.contains("Syncing"))
    })
    .await;
    c.wait_for("the failover to succeed", BOUND, |s| s.contains("Failover succeeded")).await;
    let screen = c.screen();
    assert!(crumb(&screen).ends_with("contoso-inventory-weu > Geo-replication"), "{screen}");
    assert_eq!(
        url_line(&screen, "Current Geo Primary Cache"),
        "Current Geo Primary Cache contoso-inventory-weu.redis.cache.windows.net"
    );
    assert_eq!(
        url_line(&screen, "Current Geo Secondary Cache"),
        "Current Geo Secondary Cache contoso-inventory-eus.redis.cache.windows.net"
    );
    assert_eq!(
        url_line(&screen, "Geo-Primary URL"),
        "Geo-Primary URL contoso-inventory-weu.geo.redis.cache.windows.net"
    );
    // Both Overviews: the roles swapped.
    c.key(KeyCode::Char('1'));
    c.wait_for("weu's Overview to say Primary", BOUND, |s| s.contains("Role") && s.contains("Primary")).await;
    assert!(c.screen().contains("Current Geo Primary Cache"), "{}", c.screen());
    for _ in 0..4 {
        c.key(KeyCode::Esc);
    }
    c.open("contoso-inventory-eus", '1');
    let screen = c.screen();
    let role = screen.lines().find(|l| l.contains(" Role ")).unwrap_or_default().to_string();
    assert!(role.contains("Secondary"), "eus is the secondary now:\n{screen}");
    // The backend agrees: eus is the secondary of weu.
    let entries = ArmClient::new(&emu.url(), None).unwrap().list_linked_servers(&demo::inventory_weu()).await.unwrap();
    assert_eq!(entries[0].name(), "contoso-inventory-eus");
    assert_eq!(entries[0].properties.server_role.to_string(), "Secondary");
}

#[test]
fn a_read_only_session_cannot_fail_over() {
    let mut options = AppOptions::new("demo backend", Theme::azure());
    options.read_only = true;
    let mut o = support::headless::Offline::new(options, (120, 36));
    demo::load(&mut o, &fleet_state());
    open(&mut o, "contoso-inventory-weu", '2');
    let from = o.effects.len();
    o.key(KeyCode::Char('f'));
    let screen = o.screen();
    assert!(notice(&screen).contains("not link, unlink or fail over"), "{screen}");
    assert!(!screen.contains("Settings to check"), "{screen}");
    assert!(demo::effects_since(&o, from).is_empty());
}

#[test]
fn quitting_during_a_failover_says_the_link_back_would_not_be_asked_for() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '2');
    o.key(KeyCode::Char('f'));
    o.keys(&[KeyCode::Right, KeyCode::Enter]);
    let op = o
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::StartFailover { op, .. } => Some(*op),
            _ => None,
        })
        .expect("the failover started");
    o.send(georep::tui::action::Action::FailoverStep {
        op,
        step: georep::client::failover::Step::Unlink,
        lro: demo::lro(op),
    });
    assert!(o.screen().contains("step 1/2"), "{}", o.screen());
    o.key(KeyCode::Char('q'));
    let screen = o.screen();
    assert!(screen.contains("Quit georep"), "{screen}");
    assert!(screen.contains("quitting stops it after the step now running"), "{screen}");
}
