//! Flow tests of the console (`App` driven headless: keys, clicks and the poller) against the
//! in-process emulator over real HTTP on 127.0.0.1: the portal's geo-replication flow end to end, two
//! consoles on one backend, an incompatible link tried behind the console's back, a backend that goes
//! away and comes back, the blade stack, and the mouse.
//!
//! Every wait is bounded ([`BOUND`]) and says what it waited for, with the screen, when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use georep::arm::{OperationState, ProvisioningState, ResourceId};
use georep::client::ArmClient;
use georep::emulator::{Config, Emulator, Running};
use georep::tui::action::Action;
use georep::tui::app::App;
use georep::tui::blades::{Blade, MenuItem};
use georep::tui::data::{OpKind, Role};
use georep::tui::headless::Headless;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

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
const W: u16 = 120;
const H: u16 = 36;

fn primary() -> ResourceId {
    ResourceId::cache(SUB, "rg-contoso-prod", PRIMARY)
}

fn secondary() -> ResourceId {
    ResourceId::cache(SUB, "rg-contoso-dr", SECONDARY)
}

async fn start_emulator_on(addr: SocketAddr) -> Running {
    Emulator::simulated(Config { time_scale: TIME_SCALE, ..Default::default() })
        .expect("emulator")
        .bind(addr)
        .await
        .expect("bind")
}

async fn start_emulator() -> Running {
    start_emulator_on("127.0.0.1:0".parse().unwrap()).await
}

/// A console of 120x36 on `url`, its poller running.
fn console(url: &str) -> Headless {
    let mut app = App::new("demo backend", Theme::azure());
    app.size = (W, H);
    Headless::start(app, ArmClient::new(url, None).expect("client"), INTERVALS)
}

/// Waits (bounded) until `done` holds, or fails saying what did not happen, with the screen.
async fn wait(h: &mut Headless, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    if !h.until(BOUND, done).await {
        panic!("waited {:?} for {what}; the screen:\n{}", start.elapsed(), h.screen(W, H));
    }
}

async fn loaded(h: &mut Headless) {
    wait(h, "the caches to load", |app| app.data.loaded && app.data.caches.len() > 20).await;
}

fn state(app: &App, id: &ResourceId) -> Option<ProvisioningState> {
    app.data.cache(id).and_then(|c| c.properties.provisioning_state.clone())
}

fn top_cache(app: &App) -> Option<(&str, MenuItem)> {
    match app.top() {
        Blade::Cache(b) => Some((b.id.name.as_str(), b.item)),
        _ => None,
    }
}

/// Opens `name` from Home as a user does: `/`, the name, Enter (ends the filter), Enter (opens).
fn open_by_filter(h: &mut Headless, name: &str) {
    h.key(KeyCode::Char('/'));
    h.text(name);
    h.key(KeyCode::Enter);
    assert!(!h.app.home.editing, "Enter ends the filter");
    assert_eq!(h.app.home.visible.len(), 1, "the filter leaves {name} alone:\n{}", h.screen(W, H));
    h.key(KeyCode::Enter);
    assert_eq!(top_cache(&h.app), Some((name, MenuItem::Overview)), "{}", h.screen(W, H));
}

/// Where `needle` is on a screen from `screen_text` (column, row), counting cells (the header's bell
/// is two cells wide).
fn find(screen: &str, needle: &str) -> Option<(u16, u16)> {
    screen.lines().enumerate().find_map(|(y, line)| {
        let i = line.find(needle)?;
        let x: usize = line[..i].chars().map(|c| if c as u32 >= 0x1F300 { 2 } else { 1 }).sum();
        Some((x as u16, y as u16))
    })
}

fn mouse(h: &mut Headless, button: MouseButton, (x, y): (u16, u16)) {
    h.send(Action::Mouse(MouseEvent {
        kind: MouseEventKind::Down(button),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }));
}

fn click(h: &mut Headless, at: (u16, u16)) {
    mouse(h, MouseButton::Left, at);
}

/// Selects `name` in the Compatible caches blade with the arrow keys.
fn select_candidate(h: &mut Headless, name: &str) {
    let Blade::Compatible(c) = h.app.top() else { panic!("Compatible caches is open:\n{}", h.screen(W, H)) };
    let i = c.rows.iter().position(|r| r.id.name == name).expect("listed");
    h.key(KeyCode::Home);
    for _ in 0..i {
        h.key(KeyCode::Down);
    }
    let Blade::Compatible(c) = h.app.top() else { unreachable!() };
    assert_eq!(c.rows[c.selected].id.name, name);
}

/// From Home to the Link dialog for `secondary`: filter, open, Geo-replication, `a`, select, menu,
/// "Link as secondary".
async fn to_link_dialog(h: &mut Headless, secondary: &str) {
    open_by_filter(h, PRIMARY);
    h.key(KeyCode::Down);
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::GeoReplication)));
    h.key(KeyCode::Char('a'));
    select_candidate(h, secondary);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(h.app.link_dialog().is_some(), "the Link dialog is open:\n{}", h.screen(W, H));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_and_unlink_through_the_console() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;

    // Home -> filter -> contoso-prod-eus -> Geo-replication: not linked.
    open_by_filter(&mut h, PRIMARY);
    h.key(KeyCode::Down);
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::GeoReplication)));
    let screen = h.screen(W, H);
    assert!(screen.contains("Home > Azure Cache for Redis > contoso-prod-eus > Geo-replication"), "{screen}");
    assert!(screen.contains("contoso-prod-eus is not linked"), "{screen}");

    // Add link: the Compatible caches are the four the rules allow.
    h.key(KeyCode::Char('a'));
    let Blade::Compatible(c) = h.app.top() else { panic!("Compatible caches is open:\n{}", h.screen(W, H)) };
    let names: Vec<&str> = c.rows.iter().map(|r| r.id.name.as_str()).collect();
    assert_eq!(names, COMPATIBLE);
    let screen = h.screen(W, H);
    for name in COMPATIBLE {
        assert!(screen.contains(name), "{name} is listed:\n{screen}");
    }
    assert!(!screen.contains("contoso-web-std"), "incompatible caches are hidden:\n{screen}");

    // The context menu on contoso-dr-weu, then "Link as secondary": the dialog opens on Cancel.
    select_candidate(&mut h, SECONDARY);
    h.key(KeyCode::Enter);
    let screen = h.screen(W, H);
    assert!(screen.contains("Link as secondary") && screen.contains("View details"), "{screen}");
    h.key(KeyCode::Enter);
    let d = h.app.link_dialog().expect("the Link dialog");
    assert!(!d.confirm_focused, "Cancel has the focus");
    assert_eq!((d.primary.clone(), d.secondary.clone()), (primary(), secondary()));
    let screen = h.screen(W, H);
    for text in ["Link caches", "contoso-prod-eus (East US, primary)", "az redis server-link create", "[ Cancel ]"] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }

    // Enter on Cancel: nothing happens.
    h.key(KeyCode::Enter);
    assert!(h.app.dialog.is_none());
    assert!(h.app.data.ops.is_empty(), "no operation started");
    assert!(matches!(h.app.top(), Blade::Compatible(_)));

    // Again, and this time Link.
    h.key(KeyCode::Char('m'));
    h.key(KeyCode::Enter);
    assert!(h.app.link_dialog().is_some_and(|d| !d.confirm_focused));
    h.key(KeyCode::Right);
    assert!(h.app.link_dialog().is_some_and(|d| d.confirm_focused));
    h.key(KeyCode::Left);
    assert!(h.app.link_dialog().is_some_and(|d| !d.confirm_focused), "Left goes back to Cancel");
    h.key(KeyCode::Right);
    h.key(KeyCode::Enter);
    assert!(h.app.dialog.is_none());
    assert_eq!(h.app.data.ops.len(), 1);
    assert_eq!(h.app.data.ops[0].kind, OpKind::Link);
    // The console shows the progress on the primary's Geo-replication blade.
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::GeoReplication)));

    // Both caches show Linking.
    wait(&mut h, "both caches to show Linking", |app| {
        state(app, &primary()) == Some(ProvisioningState::Linking)
            && state(app, &secondary()) == Some(ProvisioningState::Linking)
    })
    .await;

    // Progress: a percentage that rises while the operation runs, on a gauge.
    let seen = RefCell::new(Vec::<f64>::new());
    let screen_mid = RefCell::new(None);
    wait(&mut h, "the link to succeed", |app| {
        let op = &app.data.ops[0];
        if let Some(p) = op.percent
            && seen.borrow().last() != Some(&p)
        {
            seen.borrow_mut().push(p);
            if op.running() && screen_mid.borrow().is_none() {
                *screen_mid.borrow_mut() = Some(georep::tui::headless::screen_text(app, W, H));
            }
        }
        !op.running()
    })
    .await;
    let seen = seen.into_inner();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "the percentage only rises: {seen:?}");
    assert!(seen.iter().any(|p| *p > 0.0 && *p < 100.0), "a percentage was seen mid-link: {seen:?}");
    assert_eq!(seen.last(), Some(&100.0));
    let mid = screen_mid.into_inner().expect("a screen mid-link");
    assert!(mid.contains("Linking contoso-prod-eus → contoso-dr-weu"), "{mid}");
    assert!(mid.contains('█') && mid.contains('%'), "a gauge:\n{mid}");
    assert_eq!(h.app.data.ops[0].state, OperationState::Succeeded);

    // Succeeded on both caches (the poller catches up with the operation).
    wait(&mut h, "both caches linked and running", |app| {
        state(app, &primary()) == Some(ProvisioningState::Succeeded)
            && state(app, &secondary()) == Some(ProvisioningState::Succeeded)
            && app.data.link(&primary()).is_some_and(|l| l.entry.state() == georep::arm::LinkState::Succeeded)
            && app.data.link(&secondary()).is_some_and(|l| l.entry.state() == georep::arm::LinkState::Succeeded)
    })
    .await;
    assert_eq!(h.app.data.role(&primary()), Role::Primary);
    assert_eq!(h.app.data.role(&secondary()), Role::Secondary);
    assert!(
        h.app.notifications.items.iter().any(|n| n.text == "Linking contoso-dr-weu to contoso-prod-eus succeeded"),
        "{:?}",
        h.app.notifications.items
    );
    let screen = h.screen(W, H);
    assert!(screen.contains("contoso-dr-weu is read-only while linked"), "{screen}");

    // The primary's Overview.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Up);
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::Overview)));
    let screen = h.screen(W, H);
    for text in ["Role            Primary", "Linked cache    contoso-dr-weu (West Europe)", "Link status     Succeeded"]
    {
        assert!(screen.contains(text), "the primary's Overview says {text:?}:\n{screen}");
    }

    // The secondary's Overview, opened from the linked caches table.
    h.key(KeyCode::Down);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    assert_eq!(top_cache(&h.app), Some((SECONDARY, MenuItem::Overview)), "{}", h.screen(W, H));
    let screen = h.screen(W, H);
    for text in ["Role            Secondary", "Link status     Succeeded", "read-only", "2.4 GB in 1,800,000 keys"] {
        assert!(screen.contains(text), "the secondary's Overview says {text:?}:\n{screen}");
    }

    // Back to the primary, Unlink: the dialog opens on Cancel; confirm.
    h.key(KeyCode::Esc);
    assert_eq!(top_cache(&h.app).map(|t| t.0), Some(PRIMARY));
    h.key(KeyCode::Char('u'));
    let d = h.app.unlink_dialog().expect("the Unlink dialog");
    assert!(!d.confirm_focused);
    assert_eq!((d.primary.clone(), d.secondary.clone()), (primary(), secondary()));
    let screen = h.screen(W, H);
    assert!(screen.contains("Unlink caches") && screen.contains("az redis server-link delete"), "{screen}");
    h.key(KeyCode::Right);
    h.key(KeyCode::Enter);
    assert!(h.app.dialog.is_none());
    assert_eq!(h.app.data.ops.len(), 2);
    assert_eq!(h.app.data.ops[1].kind, OpKind::Unlink);

    wait(&mut h, "both caches unlinked", |app| {
        !app.data.ops[1].running()
            && app.data.link(&primary()).is_none()
            && app.data.link(&secondary()).is_none()
            && state(app, &primary()) == Some(ProvisioningState::Succeeded)
            && state(app, &secondary()) == Some(ProvisioningState::Succeeded)
    })
    .await;
    assert_eq!(h.app.data.ops[1].state, OperationState::Succeeded);

    // The secondary is writable again, with the primary's data.
    let dp = |id: &ResourceId| h.app.data.cache(id).and_then(|c| c.properties.data_plane.clone()).expect("data plane");
    let (p, s) = (dp(&primary()), dp(&secondary()));
    assert!(s.writable, "the former secondary is writable");
    assert_eq!(s.dataset_bytes, p.dataset_bytes, "it kept the replicated data");
    assert_eq!(s.dataset_bytes, 2_400_000_000);
    h.app.open_cache(secondary(), MenuItem::Overview);
    let screen = h.screen(W, H);
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
    assert!(b.screen(W, H).contains("contoso-prod-eus is not linked"));

    to_link_dialog(&mut a, SECONDARY).await;
    a.key(KeyCode::Right);
    a.key(KeyCode::Enter);
    wait(&mut a, "the backend to accept the link", |app| app.data.ops[0].lro.is_some()).await;
    let accepted = Instant::now();

    // B's poller asks every 200 ms while idle; allow for the requests themselves on a busy machine.
    let within = INTERVALS.idle + Duration::from_millis(800);
    let seen = b
        .until(within, |app| {
            state(app, &primary()) == Some(ProvisioningState::Linking) && app.data.link(&primary()).is_some()
        })
        .await;
    assert!(seen, "B saw nothing {:?} after the link was accepted:\n{}", accepted.elapsed(), b.screen(W, H));
    assert!(b.app.data.ops.is_empty(), "B started nothing");
    let screen = b.screen(W, H);
    assert!(screen.contains("Linking contoso-prod-eus → contoso-dr-weu"), "{screen}");
    assert!(screen.contains("Started from another console or client"), "{screen}");

    // B opens the secondary while it links: its Overview says Linking too.
    b.app.open_cache(secondary(), MenuItem::Overview);
    let screen = b.screen(W, H);
    assert!(screen.contains("Status          Linking"), "{screen}");
    assert!(screen.contains("Role            Secondary"), "{screen}");

    // Both see it succeed.
    let linked = |app: &App| {
        state(app, &primary()) == Some(ProvisioningState::Succeeded)
            && app.data.link(&primary()).is_some_and(|l| l.entry.state() == georep::arm::LinkState::Succeeded)
    };
    wait(&mut a, "A to see the link succeed", linked).await;
    wait(&mut b, "B to see the link succeed", linked).await;
    // B can unlink what A linked.
    b.app.stack.pop();
    b.key(KeyCode::Char('u'));
    assert!(b.app.unlink_dialog().is_some(), "{}", b.screen(W, H));
    b.key(KeyCode::Esc);
    assert!(b.app.dialog.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incompatible_link_through_the_api_changes_nothing() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;
    open_by_filter(&mut h, PRIMARY);
    h.key(KeyCode::Down);
    let before = h.screen(W, H);
    let caches_before = h.app.data.caches.clone();

    // A Standard cache cannot be a secondary: the backend refuses it.
    let client = ArmClient::new(&emu.url(), None).expect("client");
    let standard = ResourceId::cache(SUB, "rg-contoso-web", "contoso-web-std");
    let refused = client.create_link(&primary(), &standard, "East US").await;
    let err = refused.expect_err("an incompatible link is refused");
    assert_eq!(err.status(), Some(400), "{err}");

    // Several polls later the console shows exactly what it showed.
    let polls = h.until(INTERVALS.idle * 5, |_| false).await;
    assert!(!polls);
    assert_eq!(h.app.data.caches, caches_before);
    assert!(h.app.data.link(&primary()).is_none());
    assert!(h.app.banner.is_none(), "someone else's refused request is not this console's error");
    assert!(h.app.data.ops.is_empty());
    assert_eq!(h.screen(W, H), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_error_shows_a_banner_and_the_console_keeps_working() {
    let emu = start_emulator().await;
    let addr = emu.addr;
    let mut h = console(&emu.url());
    loaded(&mut h).await;

    // The backend goes away.
    emu.shutdown().await;
    wait(&mut h, "the error banner", |app| app.banner.is_some()).await;
    let banner = h.app.banner.clone().expect("banner");
    assert_eq!(banner.code, "ConnectionFailed");
    assert!(banner.from_poller);
    let screen = h.screen(W, H);
    assert!(screen.contains("⚠ ConnectionFailed:"), "{screen}");
    assert!(screen.contains("retrying"), "{screen}");
    assert!(screen.contains("x dismiss error"), "the hint bar says how to dismiss it:\n{screen}");

    // The keys still work on what the console already knows.
    let selected = h.app.home.selected;
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert_eq!(h.app.home.selected, selected + 2);
    h.key(KeyCode::Enter);
    assert!(matches!(h.app.top(), Blade::Cache(_)));
    assert!(h.screen(W, H).contains("Essentials"));
    h.key(KeyCode::Esc);
    assert!(h.app.stack.is_empty());

    // The backend is back on the same address: the banner goes by itself.
    let emu = start_emulator_on(addr).await;
    wait(&mut h, "the banner to clear once the backend answers again", |app| app.banner.is_none()).await;
    assert!(!h.screen(W, H).contains('⚠'));
    drop(emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_on_a_closed_port_says_so_and_still_answers_keys() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let mut h = console(&url);
    wait(&mut h, "the error banner", |app| app.banner.is_some()).await;
    let screen = h.screen(W, H);
    assert!(screen.contains("⚠ ConnectionFailed:"), "{screen}");
    assert!(screen.contains("Loading caches…"), "{screen}");
    h.key(KeyCode::Char('?'));
    assert!(h.app.help.is_some());
    h.key(KeyCode::Esc);
    assert!(h.app.help.is_none());
    h.key(KeyCode::Char('x'));
    assert!(h.app.banner.is_none(), "x dismisses the banner");
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_walks_back_to_home_and_q_quits() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;
    to_link_dialog(&mut h, "contoso-dr-wus2").await;
    let depth = |h: &Headless| h.app.stack.len();
    assert_eq!(depth(&h), 2);

    h.key(KeyCode::Esc);
    assert!(h.app.dialog.is_none(), "Esc closes the dialog");
    assert!(matches!(h.app.top(), Blade::Compatible(c) if c.menu.is_none()));
    h.key(KeyCode::Char('m'));
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.top(), Blade::Compatible(c) if c.menu.is_none()), "Esc closes the context menu");
    // View details, then back out of every blade.
    h.key(KeyCode::Char('m'));
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    assert!(matches!(h.app.top(), Blade::Details(id) if id.name == "contoso-dr-wus2"));
    assert!(h.screen(W, H).contains("contoso-dr-wus2 · Overview (read-only)"));
    assert_eq!(depth(&h), 3);
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.top(), Blade::Compatible(_)));
    h.key(KeyCode::Esc);
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::GeoReplication)));
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.top(), Blade::Home));
    assert!(h.screen(W, H).contains("Azure Cache for Redis · 1 of 22"), "Home keeps its filter");
    h.key(KeyCode::Esc);
    assert!(h.app.home.filter.is_empty(), "Esc on Home clears the filter");
    assert!(!h.app.quit);
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit, "q quits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mouse_opens_selects_and_confirms() {
    let emu = start_emulator().await;
    let mut h = console(&emu.url());
    loaded(&mut h).await;

    // A click on a Home row opens that cache.
    let at = find(&h.screen(W, H), PRIMARY).expect("contoso-prod-eus on Home");
    click(&mut h, (at.0 + 2, at.1));
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::Overview)), "{}", h.screen(W, H));

    // A click on the resource menu's Geo-replication.
    let screen = h.screen(W, H);
    let at = find(&screen, "  Geo-replication").expect("the menu item");
    click(&mut h, (at.0 + 3, at.1));
    assert_eq!(top_cache(&h.app), Some((PRIMARY, MenuItem::GeoReplication)), "{}", h.screen(W, H));

    // A click on "Add cache replication link", a right-click on a candidate, a click on its menu item.
    let at = find(&h.screen(W, H), "[ + Add cache replication link ]").expect("the button");
    click(&mut h, (at.0 + 4, at.1));
    assert!(matches!(h.app.top(), Blade::Compatible(_)), "{}", h.screen(W, H));
    let at = find(&h.screen(W, H), "contoso-dr-wus2").expect("a candidate");
    mouse(&mut h, MouseButton::Right, (at.0 + 1, at.1));
    let Blade::Compatible(c) = h.app.top() else { unreachable!() };
    assert_eq!(c.rows[c.selected].id.name, "contoso-dr-wus2");
    assert!(c.menu.is_some(), "right-click opens the context menu:\n{}", h.screen(W, H));
    let at = find(&h.screen(W, H), "Link as secondary").expect("the menu item");
    click(&mut h, (at.0 + 1, at.1));
    assert!(h.app.link_dialog().is_some(), "{}", h.screen(W, H));

    // A click on the dialog's [ Link ] button confirms.
    let at = find(&h.screen(W, H), "[ Link ]").expect("the Link button");
    click(&mut h, (at.0 + 2, at.1));
    assert!(h.app.dialog.is_none());
    assert_eq!(h.app.data.ops.len(), 1);
    wait(&mut h, "the link the click started to run", |app| state(app, &primary()) == Some(ProvisioningState::Linking))
        .await;

    // The breadcrumb's Home goes back to Home.
    let at = find(&h.screen(W, H), " Home > ").expect("the breadcrumb");
    click(&mut h, (at.0 + 1, at.1));
    assert!(matches!(h.app.top(), Blade::Home), "{}", h.screen(W, H));
}
