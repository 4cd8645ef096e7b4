//! Flow tests of Azure Managed Redis in the console, against the in-process emulator over real HTTP
//! on 127.0.0.1: Home ▸ Azure Managed Redis, a cache's Overview and Active geo-replication, Force
//! unlink of a member, Add cache to group (force-link and a database created into the group), and
//! Flush, each through its confirmation and watched to its end. What a test checks is read from the
//! screen; every wait is bounded and says what it waited for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use georep::client::ArmClient;
use georep::emulator::{Config, Running};
use georep::tui::AppOptions;
use georep::tui::action::Effect;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use support::demo::{crumb, notice};
use support::headless::Console;

const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(200), busy: Duration::from_millis(100) };
const BOUND: Duration = Duration::from_secs(30);
/// The demo's group and its members.
const GROUP: &str = "orders-geo";
const MEMBERS: [&str; 3] = ["amr-orders-eus", "amr-orders-sea", "amr-orders-weu"];

async fn start_emulator() -> Running {
    support::emulator::start(Config { time_scale: 200.0, ..Default::default() }).await
}

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

/// The member rows of the Active geo-replication table: (name, state) of each `☐`/`☑` line.
fn members(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter(|l| l.contains('☐') || l.contains('☑'))
        .filter_map(|l| {
            let rest = l.split(['☐', '☑']).nth(1)?;
            let mut words = rest.split_whitespace();
            let name = words.next()?.to_string();
            let state = rest
                .split_whitespace()
                .find(|w| ["Linked", "Linking", "Unlinking", "LinkFailed", "UnlinkFailed"].contains(w))
                .unwrap_or("")
                .to_string();
            Some((name, state))
        })
        .collect()
}

/// From Home to `name`'s Active geo-replication blade: `t`, filter, Enter, `2`.
async fn open_active(c: &mut Console, name: &str) {
    c.key(KeyCode::Char('t'));
    wait(c, "the Managed Redis list", |s| s.contains("Azure Managed Redis ·") && !s.contains("reading…")).await;
    c.key(KeyCode::Char('/'));
    c.text(name);
    c.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('2')]);
    let screen = c.screen();
    assert_eq!(crumb(&screen), format!("Home > Azure Managed Redis > {name} > Active geo-replication"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_overview_and_the_group() {
    let emu = start_emulator().await;
    let mut c = console(&emu.url());
    wait(&mut c, "Home", |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
    assert!(c.screen().contains("Azure Managed Redis ▸ t"), "Home names the other list:\n{}", c.screen());

    c.key(KeyCode::Char('t'));
    wait(&mut c, "every cluster's databases", |s| s.contains("Azure Managed Redis ·") && !s.contains("reading…")).await;
    let screen = c.screen();
    assert_eq!(crumb(&screen), "Home > Azure Managed Redis", "{screen}");
    for m in MEMBERS {
        let row = screen.lines().find(|l| l.contains(m)).unwrap_or_else(|| panic!("{m} listed:\n{screen}"));
        assert!(row.contains(GROUP), "{m}'s geo column names the group: {row}");
    }
    assert!(screen.lines().any(|l| l.contains("amr-orders-jpe") && l.contains("no database")), "{screen}");

    // The filter matches the group's name.
    c.key(KeyCode::Char('/'));
    c.text(GROUP);
    c.key(KeyCode::Enter);
    assert!(c.screen().contains("Azure Managed Redis · 3 of"), "{}", c.screen());

    // Overview: the essentials and the group.
    c.key(KeyCode::Enter);
    let screen = c.screen();
    assert!(crumb(&screen).ends_with("> amr-orders-eus"), "{screen}");
    for text in ["Balanced B5", "Clustering policy", "RediSearch", "Configured", GROUP, "3 of 5"] {
        assert!(screen.contains(text), "Overview says {text:?}:\n{screen}");
    }

    // Active geo-replication: the three members, all Linked.
    c.key(KeyCode::Char('2'));
    wait(&mut c, "three linked members", |s| members(s).iter().filter(|(_, st)| st == "Linked").count() == 3).await;
    let mut names: Vec<String> = members(&c.screen()).into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(names, MEMBERS);

    // Force unlink with nothing checked: off, saying why.
    c.key(KeyCode::Char('u'));
    assert!(notice(&c.screen()).contains("Check (Space)"), "{}", c.screen());
    // Esc goes back along the breadcrumb.
    c.keys(&[KeyCode::Esc, KeyCode::Esc]);
    assert_eq!(crumb(&c.screen()), "Home > Azure Managed Redis");
    c.key(KeyCode::Char('t'));
    assert_eq!(crumb(&c.screen()), "Home > Azure Cache for Redis");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_unlink_then_add_the_member_back_then_flush() {
    let emu = start_emulator().await;
    let mut c = console(&emu.url());
    wait(&mut c, "Home", |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
    open_active(&mut c, "amr-orders-eus").await;
    wait(&mut c, "three members", |s| members(s).len() == 3).await;

    // Check amr-orders-sea: Down from the buttons to the first row, then to its row, Space.
    let at = members(&c.screen()).iter().position(|(n, _)| n == "amr-orders-sea").expect("a member");
    c.key(KeyCode::Down);
    for _ in 0..at {
        c.key(KeyCode::Down);
    }
    c.key(KeyCode::Char(' '));
    let screen = c.screen();
    assert!(screen.lines().any(|l| l.contains("amr-orders-sea") && l.contains('☑')), "{screen}");

    // Force unlink: the dialog says what it does and how the cache rejoins; confirm.
    c.key(KeyCode::Char('u'));
    let screen = c.screen();
    for text in ["Force unlink", "amr-orders-sea", "force-link", "recreate", "az redisenterprise database force-unlink"]
    {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }
    c.keys(&[KeyCode::Right, KeyCode::Enter]);
    assert!(c.effects.iter().any(|e| matches!(e, Effect::Managed { .. })), "the call was made");
    wait(&mut c, "the member to go", |s| members(s).len() == 2 && !s.contains("amr-orders-sea")).await;
    wait(&mut c, "the notification", |s| s.contains("succeeded") || s.contains("🔔 2")).await;

    // Add cache to group: amr-orders-sea (force-unlinked) rejoins by force-link, its data discarded.
    c.key(KeyCode::Char('a'));
    let screen = c.screen();
    assert!(crumb(&screen).ends_with("Add cache to group"), "{screen}");
    assert!(screen.contains("amr-catalog-cus"), "a running cache outside any group is listed:\n{screen}");
    assert!(screen.contains("amr-orders-jpe"), "an empty cluster is listed:\n{screen}");
    let row = screen.lines().position(|l| l.contains("amr-orders-sea")).expect("the unlinked member is listed");
    let first = screen.lines().position(|l| l.contains("CACHE ")).expect("header") + 1;
    for _ in first..row {
        c.key(KeyCode::Down);
    }
    c.key(KeyCode::Enter);
    let screen = c.screen();
    for text in ["Add cache to group", "All data in amr-orders-sea is discarded", "force-link-to-replication-group"] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }
    c.keys(&[KeyCode::Right, KeyCode::Enter]);
    assert_eq!(crumb(&c.screen()), "Home > Azure Managed Redis > amr-orders-eus > Active geo-replication");
    wait(&mut c, "the member back, linked", |s| {
        let m = members(s);
        m.len() == 3 && m.iter().all(|(_, st)| st == "Linked")
    })
    .await;

    // Flush caches: the dialog lists every cache that will be cleared.
    c.key(KeyCode::Char('F'));
    let screen = c.screen();
    for text in ["Flush caches", "amr-orders-eus", "will be deleted", "az redisenterprise database flush"] {
        assert!(screen.contains(text), "the dialog says {text:?}:\n{screen}");
    }
    c.keys(&[KeyCode::Right, KeyCode::Enter]);
    wait(&mut c, "the flush to end", |s| s.contains("Flush: Succeeded")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_geo_replication_healthy() {
    let emu = start_emulator().await;
    let mut c = console(&emu.url());
    wait(&mut c, "Home", |s| s.contains("Azure Cache for Redis · 22 of 22")).await;
    open_active(&mut c, "amr-orders-eus").await;
    c.key(KeyCode::Char('4'));
    let screen = c.screen();
    assert!(crumb(&screen).ends_with("amr-orders-eus > Geo-replication dashboard"), "{screen}");
    wait(&mut c, "the metric", |s| s.contains("Healthy (1)") && s.contains("Geo Replication Healthy")).await;
    assert!(c.screen().contains("in group orders-geo"), "{}", c.screen());
    // A cache outside any group has no geo metrics.
    c.keys(&[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')]);
    c.text("amr-catalog-cus");
    c.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('4')]);
    assert!(c.screen().contains("no geo metrics"), "{}", c.screen());
}
