//! The configuration file through the binary: `georep config --print-default`, and a bad file stopping
//! the console before it starts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs georep without a terminal (stdin and stdout are not ttys), with `XDG_CONFIG_HOME` at `xdg`.
fn georep(args: &[&str], xdg: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_georep"))
        .args(args)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run georep")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_printed_default_file_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = georep(&["config", "--print-default"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("[keys]") && text.contains("add-link = [\"a\", \"+\"]"), "{text}");
    let file = dir.path().join("printed.toml");
    std::fs::write(&file, &text).expect("write");
    let config = georep::config::Config::load(Some(&file)).expect("the printed file loads");
    assert_eq!(config.keymap(), georep::tui::command::Keymap::default());

    // And the binary agrees.
    let out = georep(&["--config", file.to_str().expect("path"), "config"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is good"));
}

#[test]
fn a_bad_file_stops_the_console_before_the_terminal_is_needed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[keys]\nquit = \"q\"\n\nrefresh = \"u\"\n").expect("write");
    let bad_arg = bad.to_str().expect("path");
    for args in [vec!["--config", bad_arg], vec!["ssh", "--config", bad_arg], vec!["config", "--config", bad_arg]] {
        let out = georep(&args, dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(&format!("georep: {bad_arg}:4:")), "{args:?}: names the file and line: {err}");
        assert!(err.contains("'u' is bound to both unlink and refresh"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one message: {err}");
        assert!(!err.contains("terminal"), "{args:?}: failed on the config first: {err}");
    }

    let out = georep(&["--config", dir.path().join("missing.toml").to_str().expect("path")], dir.path());
    assert_eq!(out.status.code(), Some(2), "a missing --config file is an error");
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));
}

#[test]
fn the_default_file_is_found_under_xdg_config_home() {
    let dir = tempfile::tempdir().expect("tempdir");
    // None there yet: the defaults.
    let out = georep(&["config"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the defaults apply"));

    let file = dir.path().join("georep").join("config.toml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "[poll]\nidle = \"1s\"\nbusy = \"5s\"\n").expect("write");
    let out = georep(&[], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with(&format!("georep: {}:3:", file.display())), "{err}");
    assert!(err.contains("busy must not be longer than idle"), "{err}");
}

#[test]
fn config_is_refused_where_it_is_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = georep(&["--config", "x.toml", "caches", "list"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--config is read by the console"), "{}", stderr(&out));
}
