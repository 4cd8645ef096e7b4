//! Stop signals (SIGINT, SIGTERM, SIGHUP) are latched for the whole process: one that arrives while
//! nobody waits (between `georep serve`'s wait during start-up and its wait while serving) is not lost.
//! Alone in its test binary, since it signals its own process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn a_stop_signal_between_two_waits_is_not_lost() {
    // A first wait catches the signals, and ends without one (as the start-up wait does when the
    // emulator comes up).
    let first = tokio::time::timeout(Duration::from_millis(50), georep::signals::stop_requested()).await;
    assert!(first.is_err(), "no signal was sent yet");
    // Nobody waits while the signal arrives.
    let sent = Command::new("kill").args(["-TERM", &std::process::id().to_string()]).status().expect("kill");
    assert!(sent.success());
    // The next wait sees it.
    tokio::time::timeout(Duration::from_secs(10), georep::signals::stop_requested())
        .await
        .expect("the stop signal was lost");
    // And so does every later one.
    tokio::time::timeout(Duration::from_secs(1), georep::signals::stop_requested()).await.expect("latched");
}
