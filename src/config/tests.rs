use std::path::Path;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style};

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/cfg/config.toml"))
}

/// The error's line, column and message; fails the test if the text parsed.
fn error(text: &str) -> (Option<(usize, usize)>, String) {
    match parse(text) {
        Ok(_) => panic!("parsed:\n{text}"),
        Err(ConfigError::Invalid { at, message, .. }) => (at, message),
        Err(e) => panic!("not an Invalid error: {e}"),
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn a_good_file_sets_keys_theme_endpoint_and_poll() {
    let config = parse(
        r##"
[keys]
refresh = ["ctrl-r", "f5"]
quit = "Q"

[theme]
border_focused = { fg = "#0078D4", bold = true }
banner = { fg = "white", bg = "dark-gray" }

[backend]
endpoint = "http://127.0.0.1:18080"

[poll]
idle = "2m"
busy = 0.5
"##,
    )
    .expect("config");
    let keymap = config.keymap();
    assert_eq!(keymap.command(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)), Some(Command::Refresh));
    assert_eq!(keymap.command(&key(KeyCode::Char('r'))), None, "refresh's default keys are replaced");
    assert_eq!(keymap.command(&key(KeyCode::Char('Q'))), Some(Command::Quit));
    assert_eq!(keymap.command(&key(KeyCode::Char('a'))), Some(Command::AddLink), "others keep their defaults");

    let theme = config.theme(false);
    assert_eq!(theme.border_focused, Style::new().fg(Color::Rgb(0, 120, 212)).add_modifier(Modifier::BOLD));
    assert_eq!(theme.banner, Style::new().fg(Color::White).bg(Color::DarkGray));
    assert_eq!(theme.header, Theme::azure().header, "the rest is the default theme");
    assert_eq!(format!("{:?}", config.theme(true)), format!("{:?}", Theme::mono()), "NO_COLOR wins");

    assert_eq!(config.endpoint(), Some("http://127.0.0.1:18080"));
    let poll = config.poll_intervals(PollIntervals::azure());
    assert_eq!((poll.idle, poll.busy), (Duration::from_secs(120), Duration::from_millis(500)));
    assert_eq!(config.source(), Some(Path::new("/cfg/config.toml")));
}

#[test]
fn an_empty_file_is_the_defaults_and_unset_intervals_are_the_backends() {
    let config = parse("").expect("config");
    assert_eq!(config.keymap(), Keymap::default());
    assert_eq!(format!("{:?}", config.theme(false)), format!("{:?}", Theme::azure()));
    assert_eq!(config.endpoint(), None);
    let poll = config.poll_intervals(PollIntervals::azure());
    assert_eq!((poll.idle, poll.busy), (PollIntervals::azure().idle, PollIntervals::azure().busy));
    let only_busy = parse("[poll]\nbusy = \"2s\"").expect("config").poll_intervals(PollIntervals::azure());
    assert_eq!((only_busy.idle, only_busy.busy), (Duration::from_secs(30), Duration::from_secs(2)));
}

#[test]
fn syntax_errors_and_unknown_fields_name_their_line() {
    let (at, message) = error("[keys]\nup = [\"k\"\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    let (at, message) = error("[keys]\nup = \"k\"\n\n[colours]\nx = 1\n");
    assert_eq!(at.map(|a| a.0), Some(4), "{message}");
    assert!(message.contains("colours"), "{message}");
    let (at, message) = error("[poll]\nidle = \"3s\"\nfast = \"1s\"\n");
    assert_eq!(at, Some((3, 1)), "{message}");
    let (at, message) = error("[theme]\nheader = { fg = \"red\", blink = true }\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    assert!(message.contains("blink"), "{message}");
    let (at, message) = error("[theme]\n\nheader = \"red\"\n");
    assert_eq!(at.map(|a| a.0), Some(3), "{message}");
    assert!(message.contains("expected a style such as { fg = \"blue\""), "{message}");
    let (at, message) = error("[keys]\nup = 3\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
}

#[test]
fn bad_keys_name_the_entry_and_its_line() {
    let (at, message) = error("[keys]\nup = \"k\"\nlaunch = \"l\"\n");
    assert_eq!(at, Some((3, 1)), "{message}");
    assert!(message.contains("`launch` is not a command") && message.contains("add-link"), "{message}");

    let (at, message) = error("[keys]\n\nrefresh = [\"r\", \"hyper-x\"]\n");
    assert_eq!(at, Some((3, 17)), "points at the bad key: {message}");
    assert!(message.contains("refresh") && message.contains("'hyper-x' is not a key"), "{message}");

    let (at, message) = error("[keys]\nquit = []\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    assert!(message.contains("quit has no key"), "{message}");

    let (at, message) = error("[keys]\nhelp = [\"?\", \"?\"]\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn a_key_conflict_points_at_the_entry_that_made_it() {
    // With a default: `u` is unlink's.
    let (at, message) = error("[keys]\nup = \"k\"\n\nrefresh = \"u\"\n");
    assert_eq!(at.map(|a| a.0), Some(4), "{message}");
    assert!(message.contains("'u' is bound to both unlink and refresh"), "{message}");
    assert!(message.contains("unlink keeps its default keys"), "{message}");
    // Between two entries: the later command of the registry is named.
    let (at, message) = error("[keys]\nquit = \"z\"\nup = \"z\"\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    // Moving a default away first is fine.
    assert!(parse("[keys]\nunlink = \"U\"\nrefresh = \"u\"\n").is_ok());
}

#[test]
fn bad_colours_endpoints_and_intervals_name_their_line() {
    let (at, message) = error("[theme]\nok = { fg = \"green\" }\nbad = { fg = \"crimson\" }\n");
    assert_eq!(at.map(|a| a.0), Some(3), "{message}");
    assert!(message.contains("`crimson` is not a colour"), "{message}");
    let (at, message) = error("[theme]\nborder_focussed = { bold = true }\n");
    assert_eq!(at, Some((2, 1)), "{message}");
    assert!(message.contains("border_focused"), "lists the names: {message}");

    let (at, message) = error("[backend]\nendpoint = \"127.0.0.1:8080\"\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    assert!(message.contains("not an http(s) URL"), "{message}");

    for (text, why) in [
        ("idle = \"50ms\"", "not between"),
        ("idle = \"11m\"", "not between"),
        ("idle = -1", "not a duration"),
        ("idle = \"3 parsecs\"", "not a duration"),
        ("idle = true", "not a duration"),
        ("idle = \"1s\"\nbusy = \"2s\"", "busy must not be longer than idle"),
    ] {
        let (at, message) = error(&format!("[poll]\n{text}\n"));
        assert!(message.contains(why), "{text}: {message}");
        assert!(matches!(at, Some((2 | 3, _))), "{text}: {at:?}");
    }
}

#[test]
fn of_several_problems_the_first_in_the_file_is_named() {
    let (at, message) = error("[poll]\nidle = \"1h\"\n[keys]\nlaunch = \"l\"\n[theme]\nok = { fg = \"nope\" }\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
    let (at, message) = error("[theme]\nok = { fg = \"nope\" }\n[keys]\nlaunch = \"l\"\n");
    assert_eq!(at.map(|a| a.0), Some(2), "{message}");
}

#[test]
fn the_error_names_the_file_line_and_column() {
    let e = parse("[keys]\nlaunch = \"l\"\n").err().map(|e| e.to_string());
    assert!(e.as_deref().is_some_and(|e| e.starts_with("/cfg/config.toml:2:1: [keys]: `launch`")), "{e:?}");
}

#[test]
fn durations_parse() {
    for (s, d) in [("500ms", 500), ("3s", 3000), ("1.5s", 1500), ("2m", 120_000), ("3", 3000), (" 4 s", 4000)] {
        assert_eq!(parse_duration(s), Some(Duration::from_millis(d)), "{s}");
    }
    for bad in ["", "s", "3h", "-1s", "1e3", "3 s s"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn the_default_file_parses_back_to_the_defaults() {
    let text = default_file();
    let config = parse(&text).expect("the default file parses");
    assert_eq!(config.keymap(), Keymap::default());
    assert_eq!(format!("{:?}", config.theme(false)), format!("{:?}", Theme::azure()));
    assert_eq!(config.endpoint(), None);
    // Unset: the backend's own defaults apply (Azure polls more slowly).
    let azure = config.poll_intervals(PollIntervals::azure());
    assert_eq!((azure.idle, azure.busy), (PollIntervals::azure().idle, PollIntervals::azure().busy));

    // Every command is listed with its description, and the commented settings are right too.
    for command in Command::ALL {
        assert!(text.contains(&format!("# {}\n{} = [", command.describe(), command.name())), "{}", command.name());
    }
    let uncommented: String = text
        .lines()
        .map(|l| l.strip_prefix("# ").filter(|l| l.starts_with("idle =") || l.starts_with("busy =")).unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let poll = parse(&uncommented).expect("uncommented").poll_intervals(PollIntervals::azure());
    assert_eq!((poll.idle, poll.busy), (PollIntervals::default().idle, PollIntervals::default().busy));
    let with_endpoint = text.replace("# endpoint =", "endpoint =");
    assert_eq!(parse(&with_endpoint).expect("endpoint").endpoint(), Some("http://127.0.0.1:8080"));
}

#[test]
fn the_theme_table_knows_every_style_of_the_theme() {
    // The top-level fields of Theme, from its Debug output (4 spaces deep in the pretty form).
    let debug = format!("{:#?}", Theme::azure());
    let fields: Vec<&str> = debug
        .lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .filter_map(|l| l.trim().split_once(':').map(|(name, _)| name))
        .filter(|name| *name != "no_color")
        .collect();
    assert_eq!(fields, style::FIELDS, "a Theme style is missing from config/style.rs, or one is gone");
}

#[test]
fn the_default_path_honours_xdg_config_home() {
    let home = Some(PathBuf::from("/home/u"));
    let path = |xdg: Option<&str>| default_path_from(xdg.map(OsString::from), home.clone(), None);
    if cfg!(windows) {
        return;
    }
    assert_eq!(path(None), Some(PathBuf::from("/home/u/.config/georep/config.toml")));
    assert_eq!(path(Some("/xdg")), Some(PathBuf::from("/xdg/georep/config.toml")));
    assert_eq!(path(Some("relative")), Some(PathBuf::from("/home/u/.config/georep/config.toml")), "ignored");
    assert_eq!(default_path_from(None, None, None), None);
}

#[test]
fn a_missing_given_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.toml");
    assert!(matches!(Config::load(Some(&missing)), Err(ConfigError::Read { .. })));
    let e = Config::load(Some(&missing)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("nope.toml"), "{e}");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[keys]\nquit = \"Q\"\n").expect("write");
    assert_eq!(Config::load(Some(&good)).expect("load").source(), Some(good.as_path()));
}

#[test]
fn the_readme_example_is_a_good_file() {
    let readme = include_str!("../../README.md");
    let section = readme.split("### Configuration file").nth(1).expect("the README has the section");
    let example = section.split("```toml\n").nth(1).and_then(|s| s.split("```").next()).expect("an example");
    let config = parse(example).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.keymap().command(&key(KeyCode::Char('u'))), Some(Command::Quit));
    assert_eq!(config.endpoint(), Some("http://127.0.0.1:8080"));
}
