//! The console's commands and messages (issue 9), on the demo fleet, through actions only: the hint
//! bar and help come from one registry; a disabled command says why; dialogs follow the world;
//! quitting with an operation running asks first; one message per event, "started" only once the
//! backend accepted; `/` matches any column; `c` copies the whole az command; notification times are
//! wall-clock times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use chrono::{Local, TimeZone, Utc};
use georep::client::ClientError;
use georep::tui::action::{Action, Effect};
use georep::tui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use support::demo::{self, console, console_on, crumb, fleet_state, hint_bar, notice, open};
use support::headless::{Offline, WALL_START};

// ------------------------------------------------------------------------ hint bar and help agree

/// The help overlay's key entries, (first key, label), read from a screen tall enough to show all;
/// `None` when `?` does not open help.
fn help_entries(o: &mut Offline) -> Option<Vec<(String, String)>> {
    let size = o.size;
    o.key(KeyCode::Char('?'));
    o.resize(size.0, 150);
    let screen = o.screen();
    o.resize(size.0, size.1);
    let (x0, _) = support::headless::find(&screen, "Keys here")?;
    let mut out = Vec::new();
    let mut in_keys = false;
    for line in screen.lines() {
        let content: String = line.chars().skip(x0 as usize).take(96).collect();
        if content.starts_with("Keys here") || content.starts_with("Keys everywhere") {
            in_keys = true;
            continue;
        }
        if content.starts_with("Geo-replication FAQ") || content.starts_with("  mouse") {
            in_keys = false;
        }
        if !in_keys || !content.starts_with("  ") {
            continue;
        }
        let keys: String = content.chars().skip(2).take(20).collect();
        let what: String = content.chars().skip(22).collect();
        let (keys, what) = (keys.trim(), what.trim());
        if keys.is_empty() || what.is_empty() {
            continue;
        }
        let label = what.split(" (off now:").next().unwrap_or(what).trim();
        let first = keys.split("  ").next().unwrap_or(keys);
        out.push((first.to_string(), label.to_string()));
    }
    o.key(KeyCode::Esc);
    Some(out)
}

/// Splits the hint bar into entries that help lists ("↑↓ move" is ↑'s and ↓'s first keys with ↓'s
/// label); says which hint help does not list.
fn hints_in_help(o: &mut Offline, what: &str) -> Result<(), String> {
    let screen = o.screen();
    let hints = hint_bar(&screen);
    let Some(help) = help_entries(o) else {
        return Err(format!("{what}: the hint bar offers \"? help\" but ? does not open help:\n{}", o.screen()));
    };
    if help.is_empty() {
        return Err(format!("{what}: help lists no keys"));
    }
    let mut candidates: Vec<String> = help.iter().map(|(k, l)| format!(" {k} {l} ")).collect();
    for (k1, _) in &help {
        for (k2, l2) in &help {
            candidates.push(format!(" {k1}{k2} {l2} "));
        }
    }
    let bar = format!("{hints} ");
    let mut rest = bar.as_str();
    while !rest.trim().is_empty() {
        let Some(c) = candidates.iter().filter(|c| rest.starts_with(c.as_str())).max_by_key(|c| c.len()) else {
            return Err(format!(
                "{what}: the hint bar offers {rest:?}, which help does not list.\n  hint bar: {hints}\n  help: {help:?}"
            ));
        };
        rest = &rest[c.len()..];
    }
    // Closing help left the screen as it was.
    if o.screen() != screen {
        return Err(format!("{what}: Esc did not close help back to the same screen:\n{}", o.screen()));
    }
    Ok(())
}

#[test]
fn every_key_in_the_hint_bar_is_listed_in_help() {
    let mut errors = Vec::new();
    let mut check = |o: &mut Offline, what: &str| {
        if let Err(e) = hints_in_help(o, what) {
            errors.push(e);
        }
    };
    let mut o = console();
    check(&mut o, "Home");
    o.key(KeyCode::Char('/'));
    o.text("contoso");
    o.key(KeyCode::Enter);
    check(&mut o, "Home, filtered");
    demo::home(&mut o);
    open(&mut o, "contoso-prod-eus", '1');
    check(&mut o, "Overview");
    o.key(KeyCode::Tab);
    check(&mut o, "the resource menu");
    o.key(KeyCode::Char('2'));
    check(&mut o, "Geo-replication, not linked");
    o.key(KeyCode::Char('a'));
    check(&mut o, "Compatible caches");
    o.key(KeyCode::Char('m'));
    check(&mut o, "the context menu");
    o.key(KeyCode::Enter);
    assert!(o.screen().contains("[ Link ]"), "{}", o.screen());
    check(&mut o, "the Link dialog");
    demo::home(&mut o);
    open(&mut o, "contoso-inventory-eus", '2');
    check(&mut o, "Geo-replication, linked");
    o.send(Action::PollFailed {
        error: ClientError::Transport {
            endpoint: "http://127.0.0.1:18080".into(),
            reason: "connection refused".into(),
            detail: String::new(),
        },
        retry_in: Duration::from_secs(4),
    });
    assert!(hint_bar(&o.screen()).contains("dismiss"), "{}", o.screen());
    // The banner says where and why in plain words, and when it tries again.
    let banner = o.screen();
    assert!(banner.contains("cannot reach http://127.0.0.1:18080 (connection refused)"), "{banner}");
    assert!(banner.contains("retrying in 4 s"), "{banner}");
    check(&mut o, "with the error banner");
    o.key(KeyCode::Char('u'));
    check(&mut o, "the Unlink dialog");
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
}

// ------------------------------------------------------------------------ why a command is off

#[test]
fn unlink_on_a_cache_that_is_not_linked_says_so() {
    let mut o = console();
    open(&mut o, "contoso-prod-eus", '1');
    let before = crumb(&o.screen());
    let from = o.effects.len();
    o.key(KeyCode::Char('u'));
    let screen = o.screen();
    assert!(notice(&screen).contains("contoso-prod-eus is not linked"), "{screen}");
    assert!(!screen.contains("Unlink caches ─"), "no dialog:\n{screen}");
    assert_eq!(crumb(&screen), before);
    assert!(o.effects[from..].is_empty());
}

#[test]
fn add_link_on_a_secondary_names_the_secondary() {
    let mut o = console();
    open(&mut o, "contoso-inventory-weu", '1');
    o.key(KeyCode::Char('a'));
    let screen = o.screen();
    let n = notice(&screen);
    assert!(n.contains("contoso-inventory-weu is the secondary of a link"), "{screen}");
    assert!(!n.contains("primary is already linked"), "{screen}");
    assert!(!crumb(&screen).contains("Compatible caches"), "nothing opened:\n{screen}");
}

// ------------------------------------------------------------------------ dialogs follow the world

#[test]
fn a_link_dialog_whose_primary_gets_linked_elsewhere_turns_its_button_off() {
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    assert!(!o.screen().contains('✕'), "nothing is wrong yet:\n{}", o.screen());
    // Another console links the primary to contoso-dr-wus2.
    let elsewhere =
        demo::with_link_syncing(fleet_state(), &demo::prod_eus(), &demo::id("rg-contoso-dr", "contoso-dr-wus2"));
    demo::load(&mut o, &elsewhere);
    let screen = o.screen();
    assert!(screen.contains("Link caches"), "the dialog stays open:\n{screen}");
    assert!(screen.contains("✕ "), "the dialog says why it cannot be done:\n{screen}");
    let from = o.effects.len();
    o.keys(&[KeyCode::Right, KeyCode::Enter]);
    assert!(
        !o.effects[from..].iter().any(|e| matches!(e, Effect::StartLink { .. })),
        "Link started anyway: {:?}",
        &o.effects[from..]
    );
}

// ------------------------------------------------------------------------ quitting

#[test]
fn quit_with_an_operation_running_asks_first() {
    let mut o = demo::mid_link(Theme::azure());
    let from = o.effects.len();
    o.key(KeyCode::Char('q'));
    let screen = o.screen();
    assert!(screen.contains("Quit georep"), "q asks first:\n{screen}");
    assert!(screen.contains("contoso-dr-weu"), "and says what runs:\n{screen}");
    assert!(!o.effects[from..].contains(&Effect::Quit) && !o.app.quit_requested());
    o.key(KeyCode::Esc);
    let screen = o.screen();
    assert!(!screen.contains("Quit georep"), "Esc keeps the console:\n{screen}");
    assert!(!o.effects[from..].contains(&Effect::Quit) && !o.app.quit_requested());
    // q in the question cancels it too; confirming quits.
    o.keys(&[KeyCode::Char('q'), KeyCode::Char('q')]);
    assert!(!o.screen().contains("Quit georep") && !o.app.quit_requested());
    o.keys(&[KeyCode::Char('q'), KeyCode::Right, KeyCode::Enter]);
    assert!(o.effects[from..].contains(&Effect::Quit) && o.app.quit_requested());
}

#[test]
fn quit_with_nothing_running_quits_and_q_in_a_dialog_cancels() {
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    o.key(KeyCode::Char('q'));
    assert!(!o.screen().contains("[ Link ]"), "q closes the dialog:\n{}", o.screen());
    assert!(!o.effects.contains(&Effect::Quit) && !o.app.quit_requested());
    o.key(KeyCode::Char('q'));
    assert_eq!(o.effects.last(), Some(&Effect::Quit));
    assert!(o.app.quit_requested());
}

#[test]
fn ctrl_c_quits_from_a_dialog_and_asks_once_while_an_operation_runs() {
    let ctrl_c = || Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    // Nothing running: Ctrl-C in the Link dialog quits (it does not just cancel the dialog).
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    o.send(ctrl_c());
    assert!(o.app.quit_requested() && o.effects.contains(&Effect::Quit));
    // A link running: the first Ctrl-C asks, the second quits.
    let mut o = demo::mid_link(Theme::azure());
    o.send(ctrl_c());
    assert!(o.screen().contains("Quit georep") && !o.app.quit_requested());
    o.send(ctrl_c());
    assert!(o.app.quit_requested());
}

// ------------------------------------------------------------------------ one message per event

/// The notification entries in the open panel (each starts with its level's mark).
fn notification_count(screen: &str) -> usize {
    screen.lines().filter(|l| ["│ ℹ ", "│ ✓ ", "│ ✕ "].iter().any(|m| l.contains(m))).count()
}

#[test]
fn a_refused_link_is_one_notification_and_no_banner() {
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    let op = demo::confirm(&mut o);
    let error = ClientError::Arm {
        status: 409,
        code: "Conflict".into(),
        message: "contoso-dr-weu is already linked to another cache.".into(),
        request_id: None,
        details: Vec::new(),
    };
    o.send(Action::OperationRejected { op, error });
    let screen = o.screen();
    assert_eq!(screen.matches("already linked to another cache").count(), 1, "said once:\n{screen}");
    assert!(!screen.contains('⚠') && !hint_bar(&screen).contains("dismiss"), "no banner:\n{screen}");
    assert!(!screen.contains("started"), "it never started:\n{screen}");
    assert!(screen.contains("🔔 1 "), "one notification:\n{screen}");
    o.key(KeyCode::Char('n'));
    let screen = o.screen();
    assert_eq!(notification_count(&screen), 1, "{screen}");
    assert!(screen.contains("│ ✕ "), "an error:\n{screen}");
}

#[test]
fn started_is_said_only_once_the_backend_accepted() {
    let mut o = console();
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    let op = demo::confirm(&mut o);
    let screen = o.screen();
    assert!(!screen.contains("started") && screen.contains("🔔 0 "), "before the backend answered:\n{screen}");
    demo::accept(&mut o, op);
    let screen = o.screen();
    assert!(notice(&screen).contains("Linking contoso-dr-weu to contoso-prod-eus started"), "{screen}");
    assert!(screen.contains("🔔 1 "), "{screen}");

    demo::home(&mut o);
    open(&mut o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('u'));
    let op = demo::confirm(&mut o);
    let screen = o.screen();
    assert!(!notice(&screen).contains("Unlinking"), "before the backend answered:\n{screen}");
    demo::accept(&mut o, op);
    let screen = o.screen();
    assert!(notice(&screen).contains("Unlinking contoso-inventory-weu from contoso-inventory-eus started"), "{screen}");
}

// ------------------------------------------------------------------------ Home's filter

/// The names in Home's list (the first column under the header).
fn home_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !(l.contains("NAME") && l.contains("LOCATION")))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .filter_map(|l| l.trim_start_matches('│').split_whitespace().next().map(str::to_string))
        .filter(|n| !n.is_empty() && n != "│")
        .collect()
}

fn filter_home(o: &mut Offline, text: &str) -> Vec<String> {
    // The selection is elsewhere first, so that "the first match" is not where it already was.
    o.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    o.key(KeyCode::Char('/'));
    o.text(text);
    o.key(KeyCode::Enter);
    home_rows(&o.screen())
}

#[test]
fn home_filter_matches_region_and_resource_group_and_selects_the_first_match() {
    let state = fleet_state();
    let mut o = console_on(&state, Theme::azure());
    let japan: Vec<String> = state
        .caches
        .values()
        .map(|r| state.render(r))
        .filter(|c| c.location.to_ascii_lowercase().contains("japan"))
        .map(|c| c.name().to_string())
        .collect();
    assert!(!japan.is_empty());
    let rows = filter_home(&mut o, "japan");
    let mut want = japan.clone();
    want.sort();
    let mut got = rows.clone();
    got.sort();
    assert_eq!(got, want, "the caches in Japan:\n{}", o.screen());
    o.key(KeyCode::Enter);
    assert!(crumb(&o.screen()).ends_with(&format!("> {}", rows[0])), "the first match opens:\n{}", o.screen());

    demo::home(&mut o);
    // A resource group with several caches, none of them named after it: the selection (the fourth
    // row before filtering) goes to the first match.
    let group = "rg-contoso-prod";
    let in_group: Vec<String> = state
        .caches
        .values()
        .map(|r| state.render(r))
        .filter(|c| c.id().contains(&format!("/resourceGroups/{group}/")))
        .map(|c| c.name().to_string())
        .collect();
    assert!(in_group.len() >= 4, "{in_group:?}");
    let rows = filter_home(&mut o, group);
    let (mut got, mut want) = (rows.clone(), in_group.clone());
    got.sort();
    want.sort();
    assert_eq!(got, want, "the caches of {group}:\n{}", o.screen());
    assert!(rows.iter().all(|name| !name.contains(group)), "matched by resource group, not by name");
    o.key(KeyCode::Enter);
    assert!(crumb(&o.screen()).ends_with(&format!("> {}", rows[0])), "the first match opens:\n{}", o.screen());
}

// ------------------------------------------------------------------------ copying the az command

#[test]
fn c_in_the_link_dialog_copies_the_whole_az_command() {
    let mut o = console();
    o.resize(80, 24);
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    let from = o.effects.len();
    o.key(KeyCode::Char('c'));
    let copied: Vec<&String> =
        o.effects[from..].iter().filter_map(|e| if let Effect::Copy(s) = e { Some(s) } else { None }).collect();
    let [text] = copied.as_slice() else { panic!("one copy: {:?}", &o.effects[from..]) };
    assert!(!text.contains('…'), "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(
        text.as_str(),
        format!(
            "az redis server-link create --name contoso-prod-eus --resource-group rg-contoso-prod --server-to-link {} \
             --replication-role Secondary",
            demo::dr_weu()
        )
    );
    assert!(o.screen().contains("Link caches"), "the dialog stays open");
}

// ------------------------------------------------------------------------ notification times

#[test]
fn notification_times_are_wall_clock_times() {
    let local = |secs: u64| {
        Utc.timestamp_opt(WALL_START + secs as i64, 0)
            .single()
            .expect("time")
            .with_timezone(&Local)
            .format("%H:%M:%S")
            .to_string()
    };
    let mut o = console();
    o.at(Duration::from_secs(72));
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    let op = demo::confirm(&mut o);
    demo::accept(&mut o, op);
    o.at(Duration::from_secs(3_725));
    demo::progress(&mut o, op, georep::arm::OperationState::Succeeded, Some(100.0));
    o.key(KeyCode::Char('n'));
    let screen = o.screen();
    assert_eq!(notification_count(&screen), 2, "{screen}");
    for (secs, since_start) in [(72, "00:01:12"), (3_725, "01:02:05")] {
        assert!(screen.contains(&format!(" {} ", local(secs))), "{} is shown:\n{screen}", local(secs));
        assert!(!screen.contains(since_start), "not the time since start:\n{screen}");
    }
}
