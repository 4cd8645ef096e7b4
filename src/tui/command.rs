//! What the user can ask for, and the keys that ask: the one registry of commands.
//!
//! Each blade lists the commands it offers now as [`CommandInfo`]s (label, enabled, why not); the hint
//! bar, the help overlay and the "why is this off" notice are all made from those lists, and the keys
//! shown next to them come from the [`Keymap`] (the defaults here, or the configuration file's). So a
//! key cannot work without being documented, nor be documented without working.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::keys::{KeyBinding, KeyParseError};

/// What the user asked for, whatever the key or click.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    First,
    Last,
    Enter,
    Back,
    NextPane,
    PreviousPane,
    Filter,
    Sort,
    Subscription,
    FleetGeoReplication,
    ManagedRedis,
    AddLink,
    Unlink,
    Failover,
    Flush,
    Check,
    PlanMove,
    ToggleIncompatible,
    NextRegion,
    PreviousRegion,
    AllRegions,
    ContextMenu,
    CopyCommand,
    JumpOverview,
    JumpGeoReplication,
    JumpProperties,
    JumpDashboard,
    NextWindow,
    PreviousWindow,
    Refresh,
    Notifications,
    Dismiss,
    Help,
    Quit,
}

impl Command {
    /// Every command, in the order the help overlay and the default configuration list them.
    pub const ALL: [Command; 40] = [
        Command::Up,
        Command::Down,
        Command::Left,
        Command::Right,
        Command::PageUp,
        Command::PageDown,
        Command::First,
        Command::Last,
        Command::Enter,
        Command::Back,
        Command::NextPane,
        Command::PreviousPane,
        Command::Filter,
        Command::Sort,
        Command::Subscription,
        Command::FleetGeoReplication,
        Command::ManagedRedis,
        Command::AddLink,
        Command::Unlink,
        Command::Failover,
        Command::Flush,
        Command::Check,
        Command::PlanMove,
        Command::ToggleIncompatible,
        Command::NextRegion,
        Command::PreviousRegion,
        Command::AllRegions,
        Command::ContextMenu,
        Command::CopyCommand,
        Command::JumpOverview,
        Command::JumpGeoReplication,
        Command::JumpProperties,
        Command::JumpDashboard,
        Command::NextWindow,
        Command::PreviousWindow,
        Command::Refresh,
        Command::Notifications,
        Command::Dismiss,
        Command::Help,
        Command::Quit,
    ];

    /// The command's name in the configuration file (`[keys]` table).
    pub fn name(self) -> &'static str {
        match self {
            Command::Up => "up",
            Command::Down => "down",
            Command::Left => "left",
            Command::Right => "right",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::First => "first",
            Command::Last => "last",
            Command::Enter => "enter",
            Command::Back => "back",
            Command::NextPane => "next-pane",
            Command::PreviousPane => "previous-pane",
            Command::Filter => "filter",
            Command::Sort => "sort",
            Command::Subscription => "subscription",
            Command::FleetGeoReplication => "fleet-geo-replication",
            Command::ManagedRedis => "managed-redis",
            Command::AddLink => "add-link",
            Command::Unlink => "unlink",
            Command::Failover => "failover",
            Command::Flush => "flush",
            Command::Check => "check",
            Command::PlanMove => "plan-move",
            Command::ToggleIncompatible => "toggle-incompatible",
            Command::NextRegion => "next-region",
            Command::PreviousRegion => "previous-region",
            Command::AllRegions => "all-regions",
            Command::ContextMenu => "context-menu",
            Command::CopyCommand => "copy-command",
            Command::JumpOverview => "jump-overview",
            Command::JumpGeoReplication => "jump-geo-replication",
            Command::JumpProperties => "jump-properties",
            Command::JumpDashboard => "jump-dashboard",
            Command::NextWindow => "next-window",
            Command::PreviousWindow => "previous-window",
            Command::Refresh => "refresh",
            Command::Notifications => "notifications",
            Command::Dismiss => "dismiss",
            Command::Help => "help",
            Command::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What it does, in general (the help overlay's global section and the configuration file's
    /// comments); blades give their own, more specific labels.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Up => "move up",
            Command::Down => "move down",
            Command::Left => "move left (buttons; back to the menu)",
            Command::Right => "move right (buttons; into the blade)",
            Command::PageUp => "up a page",
            Command::PageDown => "down a page",
            Command::First => "to the first row",
            Command::Last => "to the last row",
            Command::Enter => "open or press the selection",
            Command::Back => "close the dialog, menu or blade (back along the breadcrumb)",
            Command::NextPane => "next pane or tab (resource menu / blade; Links / Unprotected)",
            Command::PreviousPane => "previous pane",
            Command::Filter => "filter the list (matches any column)",
            Command::Sort => "sort the list by the next column (Home ▸ Geo-replication)",
            Command::Subscription => "Home: one subscription, the next, then all again",
            Command::FleetGeoReplication => {
                "Home: Geo-replication of the whole fleet (every link, the unprotected caches)"
            }
            Command::ManagedRedis => "Home: Azure Managed Redis (the other list: Azure Cache for Redis)",
            Command::AddLink => "Add cache replication link (Managed Redis: Add cache to group)",
            Command::Unlink => "Unlink caches (Managed Redis: Force unlink the checked members)",
            Command::Failover => "Failover: the geo-secondary becomes the geo-primary",
            Command::Flush => "Managed Redis: Flush caches (this cache and the checked members)",
            Command::Check => "Managed Redis: check or uncheck the selected member",
            Command::PlanMove => "Geo-replication: plan the pair's move to Azure Managed Redis",
            Command::ToggleIncompatible => "show or hide the incompatible caches, with why",
            Command::NextRegion => "Compatible caches: next region on the map, west to east (filters the list)",
            Command::PreviousRegion => "Compatible caches: previous region on the map",
            Command::AllRegions => "Compatible caches: all regions (clears the region filter)",
            Command::ContextMenu => "context menu of the selected row",
            Command::CopyCommand => "copy the equivalent az command (OSC 52 clipboard, works over SSH)",
            Command::JumpOverview => "resource menu: Overview",
            Command::JumpGeoReplication => "resource menu: Geo-replication (Managed Redis: Active geo-replication)",
            Command::JumpProperties => "resource menu: Properties",
            Command::JumpDashboard => "resource menu: Geo-replication dashboard (Monitoring)",
            Command::NextWindow => "dashboard: next time window (30 min, 6 h, 24 h)",
            Command::PreviousWindow => "dashboard: previous time window",
            Command::Refresh => "refresh now",
            Command::Notifications => "notifications",
            Command::Dismiss => "dismiss the error banner",
            Command::Help => "help: keys and the geo-replication FAQ",
            Command::Quit => "quit",
        }
    }

    /// The keys it has unless the configuration says otherwise.
    pub fn default_keys(self) -> &'static [&'static str] {
        match self {
            Command::Up => &["up", "k"],
            Command::Down => &["down", "j"],
            Command::Left => &["left", "h"],
            Command::Right => &["right", "l"],
            Command::PageUp => &["pageup"],
            Command::PageDown => &["pagedown"],
            Command::First => &["home", "g"],
            Command::Last => &["end", "G"],
            Command::Enter => &["enter"],
            Command::Back => &["esc"],
            Command::NextPane => &["tab"],
            Command::PreviousPane => &["backtab"],
            Command::Filter => &["/"],
            Command::Sort => &["o"],
            Command::Subscription => &["s"],
            Command::FleetGeoReplication => &["p"],
            Command::ManagedRedis => &["t"],
            Command::AddLink => &["a", "+"],
            Command::Unlink => &["u"],
            Command::Failover => &["f"],
            Command::Flush => &["F"],
            Command::Check => &["space"],
            Command::PlanMove => &["v"],
            Command::ToggleIncompatible => &["i"],
            Command::NextRegion => &["]"],
            Command::PreviousRegion => &["["],
            Command::AllRegions => &["0"],
            Command::ContextMenu => &["m", ".", "menu"],
            Command::CopyCommand => &["c"],
            Command::JumpOverview => &["1"],
            Command::JumpGeoReplication => &["2"],
            Command::JumpProperties => &["3"],
            Command::JumpDashboard => &["4"],
            Command::NextWindow => &["w"],
            Command::PreviousWindow => &["W"],
            Command::Refresh => &["r", "f5"],
            Command::Notifications => &["n"],
            Command::Dismiss => &["x"],
            Command::Help => &["?"],
            Command::Quit => &["q"],
        }
    }
}

/// A command as a blade offers it now.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandInfo {
    pub command: Command,
    /// What it does here ("add link", "move").
    pub label: &'static str,
    /// `None` when it can be used; otherwise why not, in a sentence the notice line shows.
    pub why_not: Option<String>,
    /// Listed in the key-hint bar (everything is listed in the help overlay).
    pub hint: bool,
}

impl CommandInfo {
    pub fn new(command: Command, label: &'static str) -> Self {
        CommandInfo { command, label, why_not: None, hint: true }
    }

    /// Listed in help, not in the hint bar.
    pub fn quiet(mut self) -> Self {
        self.hint = false;
        self
    }

    /// Off, with the reason (or on when `why_not` is `None`).
    pub fn off(mut self, why_not: Option<String>) -> Self {
        self.why_not = why_not;
        self
    }

    pub fn enabled(&self) -> bool {
        self.why_not.is_none()
    }
}

/// Keys to commands: the defaults, with the configuration file's bindings in place of a command's
/// defaults where it gives any.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    bindings: Vec<(Command, Vec<KeyBinding>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("'{key}' is bound to both {first} and {second}")]
    Conflict { key: String, first: &'static str, second: &'static str },
    #[error("{0} has no key: give it at least one")]
    Unbound(&'static str),
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Command::ALL
            .into_iter()
            .map(|c| {
                let keys = c.default_keys().iter().filter_map(|k| KeyBinding::parse(k).ok()).collect();
                (c, keys)
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` in place; refuses a key bound to two commands, or a command left
    /// without any key (it could not be used, and the help would list it with none).
    pub fn with(overrides: &[(Command, Vec<KeyBinding>)]) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        for (cmd, keys) in overrides {
            if keys.is_empty() {
                return Err(KeymapError::Unbound(cmd.name()));
            }
            if let Some(slot) = map.bindings.iter_mut().find(|(c, _)| c == cmd) {
                slot.1 = keys.clone();
            }
        }
        let mut seen: Vec<(KeyBinding, Command)> = Vec::new();
        for (cmd, keys) in &map.bindings {
            for k in keys {
                if let Some((_, first)) = seen.iter().find(|(s, _)| s == k) {
                    return Err(KeymapError::Conflict { key: k.to_string(), first: first.name(), second: cmd.name() });
                }
                seen.push((*k, *cmd));
            }
        }
        Ok(map)
    }

    /// The command a key means, outside text input.
    pub fn command(&self, key: &KeyEvent) -> Option<Command> {
        self.bindings.iter().find(|(_, keys)| keys.iter().any(|k| k.matches(key))).map(|(c, _)| *c)
    }

    pub fn keys(&self, cmd: Command) -> &[KeyBinding] {
        self.bindings.iter().find(|(c, _)| *c == cmd).map(|(_, k)| k.as_slice()).unwrap_or(&[])
    }

    /// The first key of a command, as shown in the hint bar.
    pub fn first_key(&self, cmd: Command) -> String {
        self.keys(cmd).first().map(|k| k.to_string()).unwrap_or_default()
    }

    /// Every key of a command, as the help overlay lists them: `a  +`.
    pub fn all_keys(&self, cmd: Command) -> String {
        self.keys(cmd).iter().map(|k| k.to_string()).collect::<Vec<_>>().join("  ")
    }
}

/// The README's keys table, made from the registry (a test checks that the README has it as it is).
pub fn markdown_keys_table(keys: &Keymap) -> String {
    let mut out = String::from("| key | what it does |\n|---|---|\n");
    for cmd in Command::ALL {
        let k = keys.keys(cmd).iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" ");
        out.push_str(&format!("| {k} | {} |\n", cmd.describe()));
    }
    out.push_str("| `Ctrl-C` | quit (always, whatever the configuration says) |\n");
    out
}

/// Ctrl-C quits whatever the configuration says, so a console can always be left.
pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn every_default_key_parses_and_means_its_command() {
        let map = Keymap::default();
        for cmd in Command::ALL {
            assert!(!map.keys(cmd).is_empty(), "{} has no key", cmd.name());
            assert_eq!(map.keys(cmd).len(), cmd.default_keys().len(), "{}: a default key did not parse", cmd.name());
            for k in map.keys(cmd) {
                assert_eq!(map.command(&key(k.code, k.modifiers)), Some(cmd), "{k} -> {}", cmd.name());
            }
            assert_eq!(Command::from_name(cmd.name()), Some(cmd));
        }
        assert!(Keymap::with(&[]).is_ok(), "the defaults bind no key twice");
    }

    #[test]
    fn parses_and_shows_keys() {
        for (spec, shown) in [
            ("a", "a"),
            ("G", "G"),
            ("ctrl-r", "Ctrl-R"),
            ("f5", "F5"),
            ("pagedown", "PgDn"),
            ("shift-tab", "Shift-Tab"),
            ("space", "Space"),
            ("-", "-"),
            ("ctrl--", "Ctrl--"),
        ] {
            assert_eq!(KeyBinding::parse(spec).map(|k| k.to_string()), Ok(shown.to_string()), "{spec}");
        }
        for bad in ["", "ctrl-", "hyper-x", "ab", "f99"] {
            assert!(KeyBinding::parse(bad).is_err(), "{bad} parsed");
        }
        let ctrl_r = KeyBinding::parse("ctrl-r").expect("key");
        assert!(ctrl_r.matches(&key(KeyCode::Char('R'), KeyModifiers::CONTROL)));
        assert!(!ctrl_r.matches(&key(KeyCode::Char('r'), KeyModifiers::NONE)));
        assert!(KeyBinding::parse("G").expect("key").matches(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)));
    }

    #[test]
    fn the_readme_lists_every_key_as_the_registry_has_it() {
        let readme = include_str!("../../README.md");
        let table = markdown_keys_table(&Keymap::default());
        assert!(readme.contains(&table), "README.md's keys table differs from the registry; it should read:\n{table}");
    }

    #[test]
    fn overrides_replace_defaults_and_conflicts_are_refused() {
        let r = KeyBinding::parse("ctrl-r").expect("key");
        let map = Keymap::with(&[(Command::Refresh, vec![r])]).expect("keymap");
        assert_eq!(map.command(&key(KeyCode::Char('r'), KeyModifiers::CONTROL)), Some(Command::Refresh));
        assert_eq!(map.command(&key(KeyCode::Char('r'), KeyModifiers::NONE)), None, "the default is replaced");
        let a = KeyBinding::parse("a").expect("key");
        assert!(matches!(Keymap::with(&[(Command::Unlink, vec![a])]), Err(KeymapError::Conflict { .. })));
        assert_eq!(Keymap::with(&[(Command::Quit, vec![])]), Err(KeymapError::Unbound("quit")));
    }
}
