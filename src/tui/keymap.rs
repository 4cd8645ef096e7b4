//! Keys to commands. One table, which also feeds the help overlay.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Command;

/// (keys as shown, what they do) for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move the selection"),
    ("← →  h l", "move between buttons (dialogs, Geo-replication)"),
    ("PgUp PgDn Home End", "move by pages, to the first or last row"),
    ("Enter", "open the selected cache, menu item or button"),
    ("Tab  Shift-Tab", "move between the resource menu and the blade"),
    ("Esc", "close the dialog, menu or blade (back along the breadcrumb)"),
    ("/", "filter the list by name (Home)"),
    ("a", "Add cache replication link (Geo-replication)"),
    ("u", "Unlink caches (Geo-replication)"),
    ("m  .", "open the context menu of a compatible cache"),
    ("i", "show incompatible caches too, with the reasons"),
    ("r", "refresh now"),
    ("n", "notifications"),
    ("x", "dismiss the error banner"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
    ("mouse", "click menu items, rows, buttons and the breadcrumb; right-click a compatible cache"),
];

pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'))
}

/// The command a key means, outside text input.
pub fn command(key: &KeyEvent) -> Option<Command> {
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => Command::Up,
        KeyCode::Down | KeyCode::Char('j') => Command::Down,
        KeyCode::Left | KeyCode::Char('h') => Command::Left,
        KeyCode::Right | KeyCode::Char('l') => Command::Right,
        KeyCode::PageUp => Command::PageUp,
        KeyCode::PageDown => Command::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Command::Home,
        KeyCode::End | KeyCode::Char('G') => Command::End,
        KeyCode::Enter => Command::Enter,
        KeyCode::Esc => Command::Back,
        KeyCode::Tab => Command::Tab,
        KeyCode::BackTab => Command::BackTab,
        KeyCode::Char('?') => Command::Help,
        KeyCode::Char('q') => Command::Quit,
        KeyCode::Char('/') => Command::Filter,
        KeyCode::Char('a') | KeyCode::Char('+') => Command::AddLink,
        KeyCode::Char('u') => Command::Unlink,
        KeyCode::Char('r') | KeyCode::F(5) => Command::Refresh,
        KeyCode::Char('i') => Command::ToggleIncompatible,
        KeyCode::Char('m') | KeyCode::Char('.') | KeyCode::Menu => Command::ContextMenu,
        KeyCode::Char('n') => Command::Notifications,
        KeyCode::Char('x') => Command::Dismiss,
        _ => return None,
    })
}
