//! End to end: the `georep` binary in a real terminal (tmux), on its embedded demo emulator, driven with
//! `send-keys` and read with `capture-pane`: Home -> filter -> contoso-prod-eus -> Geo-replication ->
//! Compatible caches -> context menu -> Link as secondary -> confirm -> progress -> Succeeded -> Unlink
//! -> confirm -> not linked -> `q`, and the shell is back with exit status 0.
//!
//! tmux runs on a private socket (`tmux -L georep-e2e-<pid>`), never the user's, and the guard kills
//! that server when the test ends. Without tmux the test prints why and passes as skipped, unless
//! `GEOREP_REQUIRE_TMUX=1` (as .ci/run sets), when it fails.
//!
//! The binary is `$GEOREP_E2E_BIN` when set, else `target/release/georep` when it is newer than every
//! source it is built from, else the binary cargo built for this test run (the debug one under
//! `cargo test`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::tmux::{self, Tmux, sh_quote};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// 200 model seconds per second: the demo's showcase link takes about one second.
const TIME_SCALE: &str = "200";
const WIDTH: u16 = 120;
const HEIGHT: u16 = 36;
/// The longest wait for one screen; generous for a debug binary on a busy machine.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const PRIMARY: &str = "contoso-prod-eus";

/// The newest modification time under `path` (a file or a directory tree).
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path).ok()?.filter_map(|e| e.ok()).filter_map(|e| newest(&e.path())).max()
}

/// Which binary to run, and why.
fn binary() -> (PathBuf, &'static str) {
    if let Some(bin) = std::env::var_os("GEOREP_E2E_BIN") {
        return (PathBuf::from(bin), "GEOREP_E2E_BIN");
    }
    let built = PathBuf::from(env!("CARGO_BIN_EXE_georep"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The release binary next to the one cargo built, if nothing it is built from changed since.
    let release = built.parent().and_then(Path::parent).map(|target| target.join("release").join("georep"));
    if let Some(release) = release
        && release != built
        && let Some(bin_time) = std::fs::metadata(&release).and_then(|m| m.modified()).ok()
    {
        let sources = ["src", "assets", "Cargo.toml", "Cargo.lock"].map(|p| newest(&root.join(p)));
        if sources.iter().all(|s| s.is_some_and(|s| s < bin_time)) {
            return (release, "target/release/georep, newer than its sources");
        }
    }
    (built, "the binary cargo built for this test run")
}

/// The line of the Geo-replication table that shows `name`.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(&format!("│ {name} ")) && (l.contains("Primary") || l.contains("Secondary")))
}

#[test]
fn console_links_and_unlinks_in_tmux() {
    match tmux::version() {
        Some(v) => eprintln!("tui_e2e: using {v}"),
        None if tmux::required() => panic!("GEOREP_REQUIRE_TMUX=1 but tmux is not installed (or `tmux -V` fails)"),
        None => {
            eprintln!(
                "SKIPPED tui_e2e: tmux is not installed, so the console cannot be driven in a real terminal \
                 (install tmux, or set GEOREP_REQUIRE_TMUX=1 to make this a failure)"
            );
            return;
        }
    }
    let (bin, why) = binary();
    eprintln!("tui_e2e: running {} ({why})", bin.display());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("georep.log");
    let mut tmux = Tmux::new(&format!("georep-e2e-{}", std::process::id()), (WIDTH, HEIGHT), STEP_TIMEOUT);
    // The pane keeps showing the shell's output after georep exits (the sleep), so the exit status and
    // the screen it leaves behind can be read; the guard ends it with the server.
    // A configuration file that moves "Add cache replication link" to `+` alone: the console must take
    // its keys from the file (and the developer's own ~/.config must not change what this test sees).
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nadd-link = [\"+\"]\n").expect("write the config file");
    let script = format!(
        "{} --config {} --time-scale {TIME_SCALE} --log {}; echo EXITED:$?; exec sleep 600",
        sh_quote(&bin.to_string_lossy()),
        sh_quote(&config.to_string_lossy()),
        sh_quote(&log.to_string_lossy())
    );
    tmux.run("e2e", &script);
    let mut seen = Vec::new();

    // Home lists the caches.
    let home = tmux.wait_seen("e2e", "Home listing the demo caches", &mut seen, |s| {
        s.contains("Azure Cache for Redis · 22 of 22") && s.contains(PRIMARY) && s.contains("contoso-dr-weu")
    });
    assert!(home.contains("Home > Azure Cache for Redis"), "no breadcrumb:\n{home}");
    assert_eq!(tmux.display("e2e", "#{pane_width}x#{pane_height}"), format!("{WIDTH}x{HEIGHT}"));

    // `/` filters by name.
    tmux.keys("e2e", &["/"]);
    tmux.wait_seen("e2e", "the filter prompt", &mut seen, |s| s.contains("Filter: "));
    tmux.literal("e2e", "prod-eus");
    tmux.keys("e2e", &["Enter"]);
    let filtered = tmux
        .wait_seen("e2e", "the filtered list", &mut seen, |s| s.contains("· 1 of 22") && s.contains("(/ to change"));
    assert!(filtered.contains(PRIMARY) && !filtered.contains("contoso-dr-weu"), "filter not applied:\n{filtered}");

    // Enter opens the cache on its Overview.
    tmux.keys("e2e", &["Enter"]);
    tmux.wait_seen("e2e", "contoso-prod-eus's Overview", &mut seen, |s| {
        s.contains(&format!("Home > Azure Cache for Redis > {PRIMARY}")) && s.contains("Essentials")
    });

    // Down to Geo-replication in the resource menu.
    tmux.keys("e2e", &["Down"]);
    tmux.wait_seen("e2e", "the Geo-replication blade", &mut seen, |s| {
        s.contains(&format!("{PRIMARY} > Geo-replication")) && s.contains(&format!("{PRIMARY} is not linked"))
    });

    // The hint bar shows the file's key for Add; `a` does nothing now, `+` is Add cache replication link.
    let geo = tmux.wait_seen("e2e", "the file's key in the hint bar", &mut seen, |s| s.contains("+ add link"));
    assert!(!geo.contains(" a add link"), "the default key is still offered:\n{geo}");
    tmux.keys("e2e", &["a"]);
    tmux.keys("e2e", &["+"]);
    let compatible = tmux.wait_seen("e2e", "the Compatible caches blade", &mut seen, |s| {
        s.contains(&format!("Compatible caches · {PRIMARY}")) && s.contains("NAME")
    });
    assert!(compatible.contains("contoso-dr-weu"), "contoso-dr-weu should be compatible:\n{compatible}");

    // Enter opens the context menu, Enter again chooses "Link as secondary".
    tmux.keys("e2e", &["Enter"]);
    tmux.wait_seen("e2e", "the context menu", &mut seen, |s| {
        s.contains("Link as secondary") && s.contains("View details")
    });
    tmux.keys("e2e", &["Enter"]);
    let dialog = tmux.wait_seen("e2e", "the Link dialog", &mut seen, |s| {
        s.contains("Link caches") && s.contains("[ Link ]") && s.contains("[ Cancel ]")
    });
    assert!(dialog.contains("az redis server-link create"), "no equivalent command:\n{dialog}");
    // "contoso-prod-eus (East US, primary)  →  SECONDARY (Region, secondary)"
    let secondary = dialog
        .lines()
        .find_map(|l| l.split_once(&format!("{PRIMARY} (East US, primary)")))
        .and_then(|(_, rest)| rest.trim_start().strip_prefix('→'))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the Link dialog does not say primary -> secondary:\n{dialog}"))
        .to_string();
    eprintln!("tui_e2e: linking {secondary} to {PRIMARY}");

    // Right to [Link], Enter confirms; the Geo-replication blade shows the progress, then Succeeded.
    tmux.keys("e2e", &["Right"]);
    tmux.keys("e2e", &["Enter"]);
    let first_progress = seen.len();
    // The table follows the poller and the result line the operation's own polling: wait for both, as
    // Unlink stays disabled until the console has seen the operation end.
    let linked = tmux.wait_seen("e2e", "the link to succeed", &mut seen, |s| {
        s.contains("Link Succeeded in")
            && row(s, &secondary).is_some_and(|r| r.contains("Secondary") && r.contains("Succeeded"))
            && row(s, PRIMARY).is_some_and(|r| r.contains("Primary") && r.contains("Succeeded"))
    });
    assert!(linked.contains(&format!("{PRIMARY} > Geo-replication")), "not on Geo-replication:\n{linked}");
    let progress: Vec<&String> =
        seen[first_progress..].iter().filter(|s| s.contains(&format!("Linking {PRIMARY} → {secondary}"))).collect();
    assert!(!progress.is_empty(), "the link's progress never showed; screens:\n{}", seen[first_progress..].join("\n"));
    eprintln!("tui_e2e: {} screens of link progress, then:\n{linked}", progress.len());

    // `u`: the Unlink dialog; Right to [Unlink], Enter; until the cache is not linked.
    tmux.keys("e2e", &["u"]);
    let unlink =
        tmux.wait_seen("e2e", "the Unlink dialog", &mut seen, |s| s.contains("[ Unlink ]") && s.contains("[ Cancel ]"));
    assert!(unlink.contains("az redis server-link delete"), "no equivalent command:\n{unlink}");
    assert!(unlink.contains(&secondary), "the Unlink dialog does not name {secondary}:\n{unlink}");
    tmux.keys("e2e", &["Right"]);
    tmux.keys("e2e", &["Enter"]);
    tmux.wait_seen("e2e", "the unlink to finish", &mut seen, |s| {
        !s.contains("[ Unlink ]") && s.contains(&format!("{PRIMARY} is not linked")) && row(s, &secondary).is_none()
    });

    // `q` quits: the shell is back, on the normal screen, and georep exited with 0.
    tmux.keys("e2e", &["q"]);
    let after = tmux.wait_seen("e2e", "georep to exit", &mut seen, |s| s.contains("EXITED:"));
    assert!(after.contains("EXITED:0"), "georep did not exit with status 0:\n{after}");
    assert!(!after.contains("Microsoft Azure"), "the console is still on screen after quitting:\n{after}");
    assert_eq!(tmux.display("e2e", "#{alternate_on}"), "0", "the alternate screen was not left");

    // Logs went to the file, never to the screen.
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("no log at {}: {e}", log.display()));
    assert!(text.contains("console starting"), "log:\n{text}");
    assert!(text.contains("link started") && text.contains("unlink started"), "log:\n{text}");
    if let Some(s) = seen.iter().find(|s| s.contains(" INFO ") || s.contains(" WARN ")) {
        panic!("a log line reached the screen:\n{s}");
    }
}
