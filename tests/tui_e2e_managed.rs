//! End to end in a real terminal (tmux), on the embedded demo emulator: open a Managed Redis cache ->
//! Active geo-replication -> check a member -> Force unlink -> watch it leave -> Add cache to group ->
//! force-link it back -> watch it link -> `q`, and the shell is back with exit status 0.
//!
//! tmux runs on a private socket, never the user's; without tmux the test prints why and passes as
//! skipped unless `GEOREP_REQUIRE_TMUX=1` (as .ci/run sets), when it fails. The binary is the one cargo
//! built for this test run, or `$GEOREP_E2E_BIN`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::tmux::{self, Tmux, sh_quote};

const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The member rows (`☐`/`☑` lines) of the Active geo-replication table.
fn members(screen: &str) -> Vec<&str> {
    screen.lines().filter(|l| l.contains('☐') || l.contains('☑')).collect()
}

#[test]
fn force_unlink_and_add_back_in_tmux() {
    match tmux::version() {
        Some(v) => eprintln!("tui_e2e_managed: using {v}"),
        None if tmux::required() => panic!("GEOREP_REQUIRE_TMUX=1 but tmux is not installed (or `tmux -V` fails)"),
        None => {
            eprintln!(
                "SKIPPED tui_e2e_managed: tmux is not installed (set GEOREP_REQUIRE_TMUX=1 to make this a failure)"
            );
            return;
        }
    }
    let bin = std::env::var("GEOREP_E2E_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_georep").to_string());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("an empty configuration");
    let mut tmux = Tmux::new(&format!("georep-e2e-amr-{}", std::process::id()), (120, 36), STEP_TIMEOUT);
    let script = format!(
        "{} --config {} --time-scale 200; echo EXITED:$?; exec sleep 600",
        sh_quote(&bin),
        sh_quote(&config.to_string_lossy())
    );
    tmux.run("amr", &script);
    let mut seen = Vec::new();
    tmux.wait_seen("amr", "Home", &mut seen, |s| s.contains("Azure Cache for Redis · 22 of 22"));

    // Home ▸ Azure Managed Redis, filter, open, Active geo-replication.
    tmux.keys("amr", &["t"]);
    tmux.wait_seen("amr", "the Managed Redis list", &mut seen, |s| {
        s.contains("Home > Azure Managed Redis") && s.contains("amr-orders-eus") && !s.contains("reading…")
    });
    tmux.keys("amr", &["/"]);
    tmux.literal("amr", "amr-orders-eus");
    tmux.keys("amr", &["Enter", "Enter", "2"]);
    tmux.wait_seen("amr", "three linked members", &mut seen, |s| {
        s.contains("amr-orders-eus > Active geo-replication")
            && members(s).len() == 3
            && members(s).iter().all(|l| l.contains("Linked"))
    });

    // Check amr-orders-weu (the last row), Force unlink, confirm.
    let screen = tmux.screen("amr");
    let at = members(&screen).iter().position(|l| l.contains("amr-orders-weu")).expect("amr-orders-weu is a member");
    tmux.keys("amr", &["Down"]);
    for _ in 0..at {
        tmux.keys("amr", &["Down"]);
    }
    tmux.keys("amr", &["Space"]);
    tmux.wait_seen("amr", "amr-orders-weu checked", &mut seen, |s| {
        s.lines().any(|l| l.contains('☑') && l.contains("amr-orders-weu"))
    });
    tmux.keys("amr", &["u"]);
    let dialog = tmux.wait_seen("amr", "the Force unlink dialog", &mut seen, |s| s.contains("[ Force unlink ]"));
    assert!(dialog.contains("force-link") && dialog.contains("recreate"), "{dialog}");
    tmux.keys("amr", &["Right", "Enter"]);
    tmux.wait_seen("amr", "amr-orders-weu to leave the group", &mut seen, |s| {
        members(s).len() == 2 && !s.contains("[ Force unlink ]")
    });

    // Add cache to group: amr-orders-weu is listed (it rejoins by force-link); confirm.
    tmux.keys("amr", &["a"]);
    let list = tmux.wait_seen("amr", "Add cache to group", &mut seen, |s| {
        s.contains("> Add cache to group") && s.contains("amr-orders-weu")
    });
    let rows: Vec<&str> = list.lines().skip_while(|l| !l.contains("CACHE ")).skip(1).collect();
    let at = rows.iter().position(|l| l.contains("amr-orders-weu")).expect("amr-orders-weu can rejoin");
    for _ in 0..at {
        tmux.keys("amr", &["Down"]);
    }
    tmux.keys("amr", &["Enter"]);
    let dialog = tmux.wait_seen("amr", "the force-link dialog", &mut seen, |s| s.contains("[ Force link ]"));
    assert!(dialog.contains("All data in amr-orders-weu is discarded"), "{dialog}");
    tmux.keys("amr", &["Right", "Enter"]);
    tmux.wait_seen("amr", "amr-orders-weu back and linked", &mut seen, |s| {
        s.contains("amr-orders-eus > Active geo-replication")
            && members(s).len() == 3
            && members(s).iter().all(|l| l.contains("Linked"))
    });

    tmux.keys("amr", &["q"]);
    let after = tmux.wait_seen("amr", "georep to exit", &mut seen, |s| s.contains("EXITED:"));
    assert!(after.contains("EXITED:0"), "{after}");
}
