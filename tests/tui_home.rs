//! Home's subscription filter (the portal's pill): `s` (or a click on it) shows one subscription, the
//! next, then all again, and composes with `/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ratatui::crossterm::event::KeyCode;

use support::demo::console;
use support::headless::find;

fn title(screen: &str) -> String {
    screen.lines().find(|l| l.contains("Azure Cache for Redis · ")).unwrap_or_default().to_string()
}

/// The SUBSCRIPTION column of every listed row.
fn subscriptions(screen: &str) -> Vec<String> {
    let header = screen.lines().find(|l| l.contains("NAME ") && l.contains("SUBSCRIPTION")).unwrap_or_default();
    let (col, end) = (header.find("SUBSCRIPTION").unwrap(), header.find("RESOURCE GROUP").unwrap());
    screen
        .lines()
        .skip_while(|l| !l.contains("SUBSCRIPTION"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .filter_map(|l| l.get(col..end).map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn s_steps_through_the_subscriptions_and_back_to_all() {
    let mut o = console();
    let all = o.screen();
    assert!(title(&all).contains("22 of 22"), "{all}");
    assert!(all.contains("Subscription: [ All (2) ▾ ]"), "{all}");
    let mut seen = Vec::new();
    for _ in 0..2 {
        o.key(KeyCode::Char('s'));
        let screen = o.screen();
        let subs = subscriptions(&screen);
        assert!(!subs.is_empty(), "{screen}");
        assert!(subs.iter().all(|s| *s == subs[0]), "one subscription only: {subs:?}\n{screen}");
        assert!(screen.contains(&format!("[ {} ▾ ]", subs[0])), "{screen}");
        seen.push((subs[0].clone(), subs.len()));
    }
    assert_ne!(seen[0].0, seen[1].0, "the second press shows the other subscription");
    assert_eq!(seen[0].1 + seen[1].1, 22, "{seen:?}");
    o.key(KeyCode::Char('s'));
    assert!(title(&o.screen()).contains("22 of 22"), "all again:\n{}", o.screen());
}

#[test]
fn the_pill_is_clickable_and_composes_with_the_text_filter() {
    let mut o = console();
    let screen = o.screen();
    let (x, y) = find(&screen, "[ All (2) ▾ ]").unwrap();
    o.click(ratatui::crossterm::event::MouseButton::Left, (x + 2, y));
    let one = subscriptions(&o.screen());
    assert!(one.iter().all(|s| *s == one[0]), "{}", o.screen());
    o.key(KeyCode::Char('/'));
    o.text("dr-");
    o.key(KeyCode::Enter);
    let screen = o.screen();
    let rows = subscriptions(&screen);
    assert!(rows.iter().all(|s| *s == one[0]), "the text filter keeps the subscription:\n{screen}");
}
