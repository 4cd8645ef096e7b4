//! What the console's screens do beyond how they look (tui_snapshots.rs has how they look): clicks
//! land on what is drawn, the NO_COLOR theme uses no colour, a context menu follows its cache, and an
//! unlink the service finishes at once is notified. Driven through actions only, on the demo fleet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use georep::arm::ProvisioningState;
use georep::tui::action::{Action, Effect};
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;
use std::time::Duration;

use support::demo::{self, compatible_of, console, console_on, fleet_state, open};
use support::headless::{Offline, find};

/// Every cell's colours, for the NO_COLOR theme: styles only, no colour.
fn assert_no_colour(o: &mut Offline, what: &str) {
    for (w, h) in [(120, 36), (80, 24)] {
        o.resize(w, h);
        let buf = o.buffer();
        for y in 0..h {
            for x in 0..w {
                let cell = &buf[(x, y)];
                assert!(
                    cell.fg == Color::Reset && cell.bg == Color::Reset,
                    "{what} at {w}x{h}: cell ({x}, {y}) {:?} has fg {:?} bg {:?}",
                    cell.symbol(),
                    cell.fg,
                    cell.bg
                );
            }
        }
    }
    o.resize(120, 36);
}

#[test]
fn mono_theme_uses_no_colour() {
    let mut o = demo::mid_link(Theme::mono());
    o.send(Action::PollFailed { error: demo::throttled(), retry_in: Duration::from_secs(10) });
    // Add link is off while the link runs: the notice line says why.
    o.key(KeyCode::Char('a'));
    assert!(o.screen().contains("is running; wait for it to finish"), "{}", o.screen());
    assert_no_colour(&mut o, "geo-replication with progress, banner and notice");
    demo::home(&mut o);
    assert_no_colour(&mut o, "home");
    open(&mut o, "contoso-dr-weu", '1');
    assert_no_colour(&mut o, "overview");
    demo::home(&mut o);
    compatible_of(&mut o, "contoso-dr-wus2");
    o.keys(&[KeyCode::Char('i'), KeyCode::Char('m')]);
    assert_no_colour(&mut o, "compatible caches with the context menu");

    let mut o = console_on(&fleet_state(), Theme::mono());
    demo::link_dialog(&mut o, "contoso-prod-eus", "contoso-dr-weu");
    assert_no_colour(&mut o, "link dialog");
    o.key(KeyCode::Esc);
    o.key(KeyCode::Char('n'));
    assert_no_colour(&mut o, "notifications");
    o.key(KeyCode::Esc);
    o.key(KeyCode::Char('?'));
    assert_no_colour(&mut o, "help");
}

/// Clicks where `needle` is drawn, `dx` cells into it; returns the effects the click asked for.
fn click(o: &mut Offline, needle: &str, dx: u16) -> Vec<Effect> {
    let screen = o.screen();
    let (x, y) = find(&screen, needle).unwrap_or_else(|| panic!("{needle:?} is not on the screen:\n{screen}"));
    let from = o.effects.len();
    o.click(ratatui::crossterm::event::MouseButton::Left, (x + dx, y));
    o.effects[from..].to_vec()
}

/// The selected row of a list with the `⋮` marker.
fn selected_row(screen: &str) -> String {
    screen.lines().find(|l| l.contains('⋮')).unwrap_or_default().to_string()
}

#[test]
fn clicks_land_on_what_is_drawn_at_80x24() {
    // Dialogs size themselves to their text: their buttons are where the screen shows them.
    let mut o = console();
    o.resize(80, 24);
    compatible_of(&mut o, "contoso-prod-eus");
    // The intro takes two lines here: a click on a row selects that row.
    click(&mut o, "contoso-dr-wus2", 0);
    assert!(selected_row(&o.screen()).contains("contoso-dr-wus2"), "{}", o.screen());
    // A second click on the selected row opens its menu.
    click(&mut o, "contoso-dr-wus2", 0);
    click(&mut o, "Link as secondary", 0);
    assert!(o.screen().contains("[ Link ]"), "{}", o.screen());
    let fx = click(&mut o, "[ Link ]", 2);
    assert!(matches!(fx.as_slice(), [Effect::StartLink { secondary, .. }] if secondary.name == "contoso-dr-wus2"));

    let mut o = console();
    o.resize(80, 24);
    open(&mut o, "contoso-inventory-eus", '2');
    // The short button labels are where they are drawn, too.
    click(&mut o, "[ ✕ Unlink ]", 3);
    assert!(o.screen().contains("[ Unlink ]"), "{}", o.screen());
    click(&mut o, "[ Cancel ]", 2);
    assert!(!o.screen().contains("[ Unlink ]"), "Cancel closes the dialog");
    let fx = click(&mut o, "[ ↻ Refresh ]", 2);
    assert_eq!(fx, [Effect::Refresh]);
    o.key(KeyCode::Char('u'));
    let fx = click(&mut o, "[ Unlink ]", 2);
    assert!(
        matches!(fx.as_slice(), [Effect::StartUnlink { linked_name, .. }] if linked_name == "contoso-inventory-weu")
    );
}

/// A context menu belongs to its cache: when that cache leaves the Compatible list under it (here it
/// starts scaling), the menu closes instead of acting on the cache that takes its row.
#[test]
fn a_context_menu_closes_when_its_cache_leaves_the_list() {
    let mut state = fleet_state();
    let mut o = console_on(&state, Theme::azure());
    compatible_of(&mut o, "contoso-prod-eus");
    demo::select_row(&mut o, "contoso-dr-weu");
    o.key(KeyCode::Enter);
    let screen = o.screen();
    assert!(screen.contains("Link as secondary"), "the menu is open on contoso-dr-weu:\n{screen}");

    state.cache_mut(&demo::dr_weu()).expect("dr-weu").resource.properties.provisioning_state =
        Some(ProvisioningState::Scaling);
    demo::load(&mut o, &state);
    let screen = o.screen();
    assert!(!screen.contains("contoso-dr-weu"), "contoso-dr-weu is no longer compatible:\n{screen}");
    assert!(!screen.contains("Link as secondary"), "its menu closed with it:\n{screen}");
}

/// An unlink the service finishes at once (200/204, no operation to follow) ends with a notification,
/// as every other operation does.
#[test]
fn an_unlink_done_at_once_is_notified() {
    let mut o = console();
    open(&mut o, "contoso-inventory-eus", '2');
    o.key(KeyCode::Char('u'));
    let op = demo::confirm(&mut o);
    o.send(Action::OperationAccepted { op, lro: None });
    o.key(KeyCode::Char('n'));
    let screen = o.screen();
    assert!(screen.contains("✓"), "a success:\n{screen}");
    assert!(
        screen.contains("Unlinking contoso-inventory-weu from") && screen.contains("contoso-inventory-eus succeeded"),
        "the notification:\n{screen}"
    );
    assert!(!screen.contains("started"), "nothing to follow, so no \"started\":\n{screen}");
}
