//! Flow tests of the console (the app driven headless through actions: keys, clicks and the poller)
//! against the in-process emulator over real HTTP on 127.0.0.1: the portal's geo-replication flow end
//! to end, two consoles on one backend, an incompatible link tried behind the console's back, a
//! backend that goes away and comes back, the blade stack, and the mouse. What a test checks is read
//! from the screen or from the effects the app asked for.
//!
//! Every wait is bounded ([`BOUND`]) and says what it waited for, with the screen, when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use georep::arm::ResourceId;
use georep::client::ArmClient;
use georep::emulator::{Config, Running};
use georep::tui::AppOptions;
use georep::tui::action::Effect;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, MouseButton};

use support::demo::{crumb, hint_bar, notice};
use support::headless::{Console, find};

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const PRIMARY: &str = "contoso-prod-eus";
const SECONDARY: &str = "contoso-dr-weu";
const COMPATIBLE: [&str; 4] = ["contoso-dr-sea", "contoso-dr-weu", "contoso-dr-wus2", "contoso-vnet-cac"];

/// Model seconds per real second: linking contoso-dr-weu to contoso-prod-eus (60 s provisioning, then
/// 2.4 GB across the Atlantic in about 133 s) takes about 2.4 s, and unlinking (90 s) about 1.1 s. The
/// emulator asks for polls every second, so the console sees the link's progress more than once.
const TIME_SCALE: f64 = 80.0;
const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(200), busy: Duration::from_millis(100) };
/// Upper bound of any single wait.
const BOUND: Duration = Duration::from_secs(20);

fn primary() -> ResourceId {
    ResourceId::cache(SUB, "rg-contoso-prod", PRIMARY)
}

async fn start_emulator_on(addr: SocketAddr) -> Running {
    support::emulator::start_on(Config { time_scale: TIME_SCALE, ..Default::default() }, addr).await
}

async fn start_emulator() -> Running {
    start_emulator_on(support::emulator::loopback()).await
}

/// A console of 120x36 on `url`, its poller running.
fn console(url: &str) -> Console {
    Console::start(
        AppOptions::new("demo backend", Theme::azure()),
        ArmClient::new(url, None).expect("client"),
        INTERVALS,
    )
}

async fn wait(c: &mut Console, what: &str, done: impl Fn(&str) -> bool) {
    c.wait_for(what, BOUND, done).await;
}

async fn loaded(c: &mut Console) {
    wait(c, "the caches to load", |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
}

/// Whether the screen's breadcrumb ends with `end`.
fn at(c: &mut Console, end: &str) -> bool {
    crumb(&c.screen()).ends_with(end)
}

/// Back to Home with Esc, its filter cleared.
fn home(c: &mut Console) {
    for _ in 0..8 {
        if at(c, "Home > Azure Cache for Redis") {
            break;
        }
        c.key(KeyCode::Esc);
    }
    assert!(at(c, "Home > Azure Cache for Redis"), "{}", c.screen());
    c.key(KeyCode::Esc);
}

/// Opens `name` from Home as a user does: `/`, the name, Enter (ends the filter), Enter (opens).
fn open_by_filter(c: &mut Console, name: &str) {
    c.key(KeyCode::Char('/'));
    c.text(name);
    c.key(KeyCode::Enter);
    let screen = c.screen();
    assert!(screen.contains("Azure Cache for Redis · 1 of 22"), "the filter leaves {name} alone:\n{screen}");
    assert!(!screen.contains("Filter: contoso") || !screen.contains('▏'), "Enter ends the filter:\n{screen}");
    c.key(KeyCode::Enter);
    assert!(at(c, &format!("> {name}")), "{name} is open:\n{}", c.screen());
}

/// The rows of the list on screen: the first word of each line under its NAME header.
fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("NAME "))
        .skip(1)
        .map(|l| l.trim_start_matches('│').trim())
        .take_while(|l| !l.is_empty() && !l.starts_with('└') && !l.starts_with('│'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Selects `name` in the Compatible caches blade with the arrow keys (the selected row has `⋮`).
fn select_candidate(c: &mut Console, name: &str) {
    c.key(KeyCode::Home);
    for _ in 0..30 {
        if c.screen().lines().any(|l| l.contains('⋮') && l.contains(&format!(" {name} "))) {
            return;
        }
        c.key(KeyCode::Down);
    }
    panic!("{name} cannot be selected:\n{}", c.screen());
}

/// The operations started through the console so far.
fn started(c: &Console) -> Vec<&Effect> {
    c.effects.iter().filter(|e| matches!(e, Effect::StartLink { .. } | Effect::StartUnlink { .. })).collect()
}

/// From Home to the Link dialog for `secondary`: filter, open, Geo-replication, `a`, select, menu,
/// "Link as secondary".
fn to_link_dialog(c: &mut Console, secondary: &str) {
    open_by_filter(c, PRIMARY);
    c.key(KeyCode::Down);
    assert!(at(c, &format!("{PRIMARY} > Geo-replication")), "{}", c.screen());
    c.key(KeyCode::Char('a'));
    select_candidate(c, secondary);
    c.keys(&[KeyCode::Enter, KeyCode::Enter]);
    assert!(c.screen().contains("[ Link ]"), "the Link dialog is open:\n{}", c.screen());
}

/// The percentage on a gauge line (`63%`), if any.
fn percent(screen: &str) -> Option<f64> {
    let line = screen.lines().find(|l| l.contains('%') && (l.contains('█') || l.contains('░')))?;
    let end = line.find('%')?;
    let start = line[..end].rfind(|ch: char| !ch.is_ascii_digit() && ch != '.').map_or(0, |i| i + 1);
    line[start..end].parse().ok()
}

/// The notifications panel's text (opened and closed again).
fn notifications(c: &mut Console) -> String {
    c.key(KeyCode::Char('n'));
    let screen = c.screen();
    c.key(KeyCode::Esc);
    screen.split_whitespace().collect::<Vec<_>>().join(" ").replace(" │ │ ", " ").replace("│ ", "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_and_unlink_through_the_console() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;

    // Home -> filter -> contoso-prod-eus -> Geo-replication: not linked.
    open_by_filter(&mut h, PRIMARY);
    h.key(KeyCode::Down);
    let screen = h.screen();
    assert_eq!(crumb(&screen), "Home > Azure Cache for Redis > contoso-prod-eus > Geo-replication", "{screen}");
    assert!(screen.contains("contoso-prod-eus is not linked"), "{screen}");

    // Add link: the Compatible caches are the four the rules allow.
    h.key(KeyCode::Char('a'));
    let screen = h.screen();
    assert!(crumb(&screen).ends_with("Compatible caches"), "{screen}");
    assert_eq!(rows(&screen), COMPATIBLE, "{screen}");
    assert!(!screen.contains("contoso-web-std"), "incompatible caches are hidden:\n{screen}");

    // The context menu on contoso-dr-weu, then "Link as secondary": the dialog opens on Cancel.
    select_candidate(&mut h, SECONDARY);
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("Link as secondary") && screen.contains("View details"), "{screen}");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    for text in ["Link caches", "contoso-prod-eus (East US, primary)", "contoso-dr-weu (West Europe, secondary)"] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }
    for text in ["az redis server-link create", "[ Cancel ]"] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }

    // Enter on Cancel: nothing happens.
    h.key(KeyCode::Enter);
    assert!(!h.screen().contains("[ Link ]"), "the dialog closed");
    assert!(started(&h).is_empty(), "no operation started");
    assert!(at(&mut h, "Compatible caches"));

    // Again; Right, Left is Cancel again.
    h.keys(&[KeyCode::Char('m'), KeyCode::Enter, KeyCode::Right, KeyCode::Left, KeyCode::Enter]);
    assert!(!h.screen().contains("[ Link ]") && started(&h).is_empty(), "Left goes back to Cancel");
    // And this time Link.
    h.keys(&[KeyCode::Char('m'), KeyCode::Enter, KeyCode::Right, KeyCode::Enter]);
    assert!(!h.screen().contains("[ Link ]"));
    assert!(
        matches!(started(&h).as_slice(), [Effect::StartLink { primary: p, secondary: s, .. }]
            if *p == primary() && s.name == SECONDARY),
        "{:?}",
        h.effects
    );
    // The console shows the progress on the primary's Geo-replication blade.
    assert!(at(&mut h, "contoso-prod-eus > Geo-replication"), "{}", h.screen());

    // Progress: a percentage that rises while the operation runs, on a gauge.
    let seen = RefCell::new(Vec::<f64>::new());
    let screen_mid = RefCell::new(None);
    wait(&mut h, "the link to succeed", |s| {
        if let Some(p) = percent(s)
            && seen.borrow().last() != Some(&p)
        {
            seen.borrow_mut().push(p);
            if p < 100.0 && screen_mid.borrow().is_none() {
                *screen_mid.borrow_mut() = Some(s.to_string());
            }
        }
        s.contains("Link Succeeded in")
    })
    .await;
    let seen = seen.into_inner();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "the percentage only rises: {seen:?}");
    assert!(seen.iter().any(|p| *p > 0.0 && *p < 100.0), "a percentage was seen mid-link: {seen:?}");
    let mid = screen_mid.into_inner().expect("a screen mid-link");
    assert!(mid.contains("Linking contoso-prod-eus → contoso-dr-weu"), "{mid}");
    assert!(mid.contains('█') && mid.contains('%'), "a gauge:\n{mid}");

    // Succeeded on both caches (the poller catches up with the operation).
    wait(&mut h, "both caches linked", |s| {
        let row = |name: &str| {
            let row = s.lines().find(|l| l.contains(&format!(" {name} ")) && l.contains("ary "));
            row.unwrap_or_default().to_string()
        };
        row(PRIMARY).contains("Primary")
            && row(PRIMARY).contains("Succeeded")
            && row(SECONDARY).contains("Secondary")
            && row(SECONDARY).contains("Succeeded")
    })
    .await;
    assert!(h.screen().contains("contoso-dr-weu is read-only while linked"), "{}", h.screen());
    let n = notifications(&mut h);
    assert!(n.contains("Linking contoso-dr-weu to contoso-prod-eus succeeded"), "{n}");

    // The primary's Overview.
    h.keys(&[KeyCode::Tab, KeyCode::Up]);
    let screen = h.screen();
    assert!(at(&mut h, "> contoso-prod-eus"), "{screen}");
    for text in ["Role            Primary", "Linked cache    contoso-dr-weu (West Europe)", "Link status     Succeeded"]
    {
        assert!(screen.contains(text), "the primary's Overview says {text:?}:\n{screen}");
    }

    // The secondary's Overview, opened from the linked caches table.
    h.keys(&[KeyCode::Down, KeyCode::Tab, KeyCode::Down, KeyCode::Down, KeyCode::Enter]);
    let screen = h.screen();
    assert!(at(&mut h, "> contoso-dr-weu"), "{screen}");
    for text in ["Role            Secondary", "Link status     Succeeded", "read-only", "2.4 GB in 1,800,000 keys"] {
        assert!(screen.contains(text), "the secondary's Overview says {text:?}:\n{screen}");
    }

    // Back to the primary, Unlink: the dialog opens on Cancel; confirm.
    h.key(KeyCode::Esc);
    assert!(at(&mut h, "contoso-prod-eus > Geo-replication"), "{}", h.screen());
    h.key(KeyCode::Char('u'));
    let screen = h.screen();
    assert!(screen.contains("Unlink caches") && screen.contains("az redis server-link delete"), "{screen}");
    h.keys(&[KeyCode::Right, KeyCode::Enter]);
    assert!(!h.screen().contains("[ Unlink ]"));
    assert!(
        matches!(started(&h).as_slice(), [_, Effect::StartUnlink { cache, linked_name, .. }]
            if *cache == primary() && linked_name == SECONDARY),
        "{:?}",
        h.effects
    );
    wait(&mut h, "both caches unlinked", |s| s.contains("contoso-prod-eus is not linked")).await;
    let n = notifications(&mut h);
    let done = "Unlinking contoso-dr-weu from contoso-prod-eus succeeded";
    if !n.contains(done) {
        wait(&mut h, "the unlink to be notified", |s| s.contains(done)).await;
    }

    // The secondary is writable again, with the primary's data.
    home(&mut h);
    open_by_filter(&mut h, SECONDARY);
    let screen = h.screen();
    for text in ["Role            Not linked", "2.4 GB in 1,800,000 keys, writable"] {
        assert!(screen.contains(text), "the former secondary's Overview says {text:?}:\n{screen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_console_sees_the_link_within_a_poll() {
    let emu = start_emulator().await;
    let mut a = console(&emu.url());
    let mut b = console(&emu.url());
    loaded(&mut a).await;
    loaded(&mut b).await;
    // B just watches the primary's Geo-replication blade.
    open_by_filter(&mut b, PRIMARY);
    b.key(KeyCode::Down);
    assert!(b.screen().contains("contoso-prod-eus is not linked"));

    to_link_dialog(&mut a, SECONDARY);
    a.keys(&[KeyCode::Right, KeyCode::Enter]);
    wait(&mut a, "the backend to accept the link", |s| {
        notice(s).contains("Linking contoso-dr-weu to contoso-prod-eus started")
    })
    .await;
    let accepted = Instant::now();

    // B's poller asks every 200 ms while idle; allow for the requests themselves on a busy machine.
    let within = INTERVALS.idle + Duration::from_millis(800);
    let seen = b.until(within, |s| s.contains("Linking contoso-prod-eus → contoso-dr-weu")).await;
    assert!(seen, "B saw nothing {:?} after the link was accepted:\n{}", accepted.elapsed(), b.screen());
    assert!(started(&b).is_empty(), "B started nothing");
    let screen = b.screen();
    assert!(screen.contains("Started from another console or client"), "{screen}");

    // B opens the secondary while it links: its Overview says Linking too.
    home(&mut b);
    open_by_filter(&mut b, SECONDARY);
    wait(&mut b, "the secondary to show Linking", |s| s.contains("Status          Linking")).await;
    assert!(b.screen().contains("Role            Secondary"), "{}", b.screen());

    // Both see it succeed.
    wait(&mut a, "A to see the link succeed", |s| s.contains("Link Succeeded in")).await;
    wait(&mut b, "B to see the link succeed", |s| s.contains("Link status     Succeeded")).await;
    // B can unlink what A linked.
    home(&mut b);
    open_by_filter(&mut b, PRIMARY);
    b.key(KeyCode::Char('u'));
    assert!(b.screen().contains("[ Unlink ]"), "{}", b.screen());
    b.key(KeyCode::Esc);
    assert!(!b.screen().contains("[ Unlink ]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incompatible_link_through_the_api_changes_nothing() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;
    open_by_filter(&mut h, PRIMARY);
    h.key(KeyCode::Down);
    let before = h.screen();

    // A Standard cache cannot be a secondary: the backend refuses it.
    let client = ArmClient::new(&emu.url(), None).expect("client");
    let standard = ResourceId::cache(SUB, "rg-contoso-web", "contoso-web-std");
    let refused = client.create_link(&primary(), &standard, "East US").await;
    let err = refused.expect_err("an incompatible link is refused");
    assert_eq!(err.status(), Some(400), "{err}");

    // Several polls later the console shows exactly what it showed.
    let polls = h.until(INTERVALS.idle * 5, |_| false).await;
    assert!(!polls);
    let after = h.screen();
    assert!(!after.contains('⚠'), "someone else's refused request is not this console's error:\n{after}");
    assert!(started(&h).is_empty());
    assert_eq!(after, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_error_shows_a_banner_and_the_console_keeps_working() {
    let emu = start_emulator().await;
    let addr = emu.addr;
    let mut h = console(&emu.url());
    loaded(&mut h).await;
    let names = rows(&h.screen());

    // The backend goes away.
    emu.shutdown().await;
    wait(&mut h, "the error banner", |s| s.contains("x dismisses")).await;
    let screen = h.screen();
    assert!(screen.contains("⚠ cannot reach http://127.0.0.1:"), "in plain words:\n{screen}");
    assert!(screen.contains("showing data from") && screen.contains("retrying"), "{screen}");
    // The header says the backend is unreachable and from when the data on screen is.
    assert!(screen.lines().next().is_some_and(|h| h.contains("⚠ unreachable, data from ")), "{screen}");
    assert!(hint_bar(&screen).contains("x dismiss error"), "the hint bar says how to dismiss it:\n{screen}");

    // The keys still work on what the console already knows.
    h.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Enter]);
    assert!(at(&mut h, &format!("> {}", names[2])), "{}", h.screen());
    assert!(h.screen().contains("Essentials"));
    h.key(KeyCode::Esc);
    assert!(at(&mut h, "Home > Azure Cache for Redis"));

    // The backend is back on the same address: the banner goes by itself.
    let emu = start_emulator_on(addr).await;
    wait(&mut h, "the banner to clear once the backend answers again", |s| !s.contains('⚠')).await;
    assert!(h.screen().contains("● live"));
    drop(emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_on_a_closed_port_says_so_and_still_answers_keys() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let mut h = console(&url);
    wait(&mut h, "the error banner", |s| s.contains("x dismisses")).await;
    let screen = h.screen();
    assert!(screen.contains("⚠ cannot reach http://127.0.0.1:") && screen.contains("nothing loaded yet"), "{screen}");
    assert!(screen.contains("Loading caches…"), "{screen}");
    h.key(KeyCode::Char('?'));
    assert!(h.screen().contains("Help · Esc closes"), "{}", h.screen());
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("Help · Esc closes"));
    h.key(KeyCode::Char('x'));
    assert!(!h.screen().contains("x dismisses"), "x dismisses the banner:\n{}", h.screen());
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit_requested() && h.effects.contains(&Effect::Quit));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_walks_back_to_home_and_q_quits() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;
    to_link_dialog(&mut h, "contoso-dr-wus2");

    h.key(KeyCode::Esc);
    let screen = h.screen();
    assert!(!screen.contains("[ Link ]"), "Esc closes the dialog:\n{screen}");
    assert!(!screen.contains("Link as secondary") && at(&mut h, "Compatible caches"), "{screen}");
    h.keys(&[KeyCode::Char('m'), KeyCode::Esc]);
    assert!(!h.screen().contains("Link as secondary"), "Esc closes the context menu");
    // View details, then back out of every blade.
    h.keys(&[KeyCode::Char('m'), KeyCode::Down, KeyCode::Enter]);
    assert!(at(&mut h, "contoso-dr-wus2 (details)"), "{}", h.screen());
    assert!(h.screen().contains("contoso-dr-wus2 · Overview (read-only)"));
    h.key(KeyCode::Esc);
    assert!(at(&mut h, "Compatible caches"));
    h.key(KeyCode::Esc);
    assert!(at(&mut h, "contoso-prod-eus > Geo-replication"));
    h.key(KeyCode::Esc);
    assert_eq!(crumb(&h.screen()), "Home > Azure Cache for Redis");
    assert!(h.screen().contains("Azure Cache for Redis · 1 of 22"), "Home keeps its filter");
    h.key(KeyCode::Esc);
    assert!(h.screen().contains("Azure Cache for Redis · 22 of 22"), "Esc on Home clears the filter");
    assert!(!h.app.quit_requested());
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit_requested() && h.effects.contains(&Effect::Quit), "q quits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mouse_opens_selects_and_confirms() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;

    // A click on a Home row opens that cache.
    h.click_on(PRIMARY);
    assert!(at(&mut h, "> contoso-prod-eus"), "{}", h.screen());

    // A click on the resource menu's Geo-replication.
    h.click_on("   Geo-replication");
    assert!(at(&mut h, "contoso-prod-eus > Geo-replication"), "{}", h.screen());

    // A click on "Add cache replication link", a right-click on a candidate, a click on its menu item.
    h.click_on("[ + Add cache replication link ]");
    assert!(at(&mut h, "Compatible caches"), "{}", h.screen());
    let (x, y) = find(&h.screen(), "contoso-dr-wus2").expect("a candidate");
    h.click_at(MouseButton::Right, (x + 1, y));
    let screen = h.screen();
    assert!(screen.lines().any(|l| l.contains('⋮') && l.contains("contoso-dr-wus2")), "{screen}");
    assert!(screen.contains("Link as secondary"), "right-click opens the context menu:\n{screen}");
    h.click_on("Link as secondary");
    assert!(h.screen().contains("[ Link ]"), "{}", h.screen());

    // A click on the dialog's [ Link ] button confirms.
    h.click_on("[ Link ]");
    assert!(!h.screen().contains("[ Link ]"));
    assert!(
        matches!(started(&h).as_slice(), [Effect::StartLink { secondary, .. }] if secondary.name == "contoso-dr-wus2")
    );
    wait(&mut h, "the link the click started to run", |s| s.contains("Linking contoso-prod-eus → contoso-dr-wus2"))
        .await;

    // The breadcrumb's Home goes back to Home.
    h.click_on("Home > Azure");
    assert_eq!(crumb(&h.screen()), "Home > Azure Cache for Redis", "{}", h.screen());
}
