//! Typing a list's filter (Home, Compatible caches): one set of keys for every list that filters.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::command::{Command, CommandInfo};

/// What a key did to a filter being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typed {
    /// The text changed, or typing ended (Enter keeps it, Esc clears it): filter again.
    Filter,
    /// Up or Down: move the selection, the text unchanged.
    Move(Command),
    Ignored,
}

/// Applies `key` to the filter `text` being typed (`editing`).
pub fn type_key(text: &mut String, editing: &mut bool, key: &KeyEvent) -> Typed {
    match key.code {
        KeyCode::Enter => *editing = false,
        KeyCode::Esc => {
            *editing = false;
            text.clear();
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !c.is_control() => text.push(c),
        KeyCode::Up => return Typed::Move(Command::Up),
        KeyCode::Down => return Typed::Move(Command::Down),
        _ => return Typed::Ignored,
    }
    Typed::Filter
}

/// The keys while a filter is typed.
pub fn commands() -> Vec<CommandInfo> {
    vec![CommandInfo::new(Command::Enter, "done"), CommandInfo::new(Command::Back, "clear filter")]
}
