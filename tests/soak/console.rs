//! The soak's console: link and unlink of [`CONSOLE_PAIR`] with keys only, outcomes read off the
//! rendered screen.

use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::tui::AppOptions;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use super::support::headless::Console;
use super::{CONSOLE_PAIR, Soak};

/// A console of 120x36 on `url`, its poller running.
fn console(url: &str) -> Console {
    let client = ArmClient::new(url, None).expect("client");
    let intervals = PollIntervals { idle: Duration::from_millis(500), busy: Duration::from_millis(200) };
    Console::start(AppOptions::new("soak", Theme::azure()), client, intervals)
}

/// From wherever the console is to contoso-prod-eus's Geo-replication blade, with keys only.
async fn to_geo_blade(h: &mut Console) -> bool {
    for _ in 0..8 {
        h.key(KeyCode::Esc);
    }
    if !h.until(Duration::from_secs(30), |s| s.contains("contoso-prod-eus")).await {
        return false;
    }
    h.key(KeyCode::Char('/'));
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.text(CONSOLE_PAIR.primary.1);
    h.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('2')]);
    h.screen().contains("contoso-prod-eus > Geo-replication")
}

/// Whether the Geo-replication blade of contoso-prod-eus shows `linked` (and nothing in flight).
fn shows(s: &str, linked: bool) -> bool {
    let on_blade = s.contains("contoso-prod-eus > Geo-replication");
    let busy = s.contains("Linking contoso-prod-eus") || s.contains("Unlinking contoso-prod-eus");
    let says = if linked {
        s.contains("contoso-dr-weu is read-only while linked") && !s.contains("is not linked")
    } else {
        s.contains("contoso-prod-eus is not linked.")
    };
    on_blade && !busy && says
}

/// Whether the screen says how the console's unlink (`linked`) or link ended.
fn reported(s: &str, linked: bool) -> bool {
    let what = if linked {
        "Unlinking contoso-dr-weu from contoso-prod-eus"
    } else {
        "Linking contoso-dr-weu to contoso-prod-eus"
    };
    ["succeeded", "failed", "ended"].iter().any(|end| s.contains(&format!("{what} {end}")))
}

/// Starts a link or an unlink of [`CONSOLE_PAIR`] as a user would; false when the screen did not lead
/// there (the console still loading after a restart): nothing was sent.
async fn console_act(h: &mut Console, linked: bool) -> bool {
    if linked {
        h.key(KeyCode::Char('u'));
        if !h.screen().contains("az redis server-link delete") {
            return false;
        }
    } else {
        h.key(KeyCode::Char('a'));
        if !h.until(Duration::from_secs(10), |s| s.contains("contoso-dr-weu")).await {
            return false;
        }
        // The compatible caches are listed by name: contoso-dr-sea, then contoso-dr-weu.
        h.keys(&[KeyCode::Home, KeyCode::Down, KeyCode::Enter, KeyCode::Enter]);
        let s = h.screen();
        if !(s.contains("az redis server-link create") && s.contains("contoso-dr-weu")) {
            return false;
        }
    }
    h.keys(&[KeyCode::Right, KeyCode::Enter]);
    true
}

#[derive(Default, Debug)]
pub struct ConsoleStats {
    pub actions: u64,
    pub skipped: u64,
}

/// Link, unlink, link... of [`CONSOLE_PAIR`] from a headless console; outcomes read off its screen.
pub async fn console_actor(soak: &Soak) -> ConsoleStats {
    let mut stats = ConsoleStats::default();
    let mut h = console(&soak.url);
    let mut expected: Option<bool> = None;
    while Instant::now() < soak.deadline {
        let linked = match soak.settle(CONSOLE_PAIR).await {
            Ok(l) => l,
            Err(e) => {
                soak.fail(format!("console pair: {e}"));
                return stats;
            }
        };
        if expected.is_some_and(|e| e != linked) {
            soak.fail(format!("the console pair went from linked={expected:?} to {linked} with no action"));
        }
        // An old notice about the same kind of operation goes first (it would read as this one's).
        h.until(Duration::from_secs(30), |s| !reported(s, linked)).await;
        if !to_geo_blade(&mut h).await
            || !h.until(Duration::from_secs(30), |s| shows(s, linked)).await
            || !console_act(&mut h, linked).await
        {
            stats.skipped += 1;
            expected = Some(linked);
            continue;
        }
        stats.actions += 1;
        // The console says how its operation ended (succeeded, failed, ended ...) in a notice.
        if !h.until(Duration::from_secs(120), |s| reported(s, linked)).await {
            soak.fail(format!("the console never said how its operation ended:\n{}", h.screen()));
        }
        let now = match soak.settle(CONSOLE_PAIR).await {
            Ok(l) => l,
            Err(e) => {
                soak.fail(format!("after a console action: {e}"));
                return stats;
            }
        };
        let mut right = h.until(Duration::from_secs(30), |s| shows(s, now)).await;
        if !right && to_geo_blade(&mut h).await {
            right = h.until(Duration::from_secs(30), |s| shows(s, now)).await;
        }
        if !right {
            soak.fail(format!("the console does not show linked={now} after 60 s:\n{}", h.screen()));
        }
        expected = Some(now);
    }
    stats
}
