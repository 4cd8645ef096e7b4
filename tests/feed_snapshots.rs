//! The process's poller and a console following it hold no more snapshots than needed: once a console
//! has the next poll's snapshot, only the console itself still holds the one before (it lets go of it
//! when it folds the new one). A follower that kept it until the poll after kept a third copy of the
//! fleet alive while the poller read the next (~40 MB at 10,000 caches).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::Config;
use georep::tui::action::Action;
use georep::tui::feed::Feed;
use georep::tui::snapshot::Snapshot;
use georep::tui::tasks::PollIntervals;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const BOUND: Duration = Duration::from_secs(20);

async fn next_snapshot(rx: &mut UnboundedReceiver<Action>) -> Arc<Snapshot> {
    loop {
        match tokio::time::timeout(BOUND, rx.recv()).await.expect("a poll in time").expect("the follower") {
            Action::Polled(snap) => return snap,
            _ => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_a_console_has_the_next_snapshot_nobody_else_holds_the_one_before() {
    let emu = support::emulator::start(Config::default()).await;
    let client = ArmClient::new(&emu.url(), None).expect("client");
    // Polls only when asked: the next one is minutes away.
    let intervals = PollIntervals { idle: Duration::from_secs(600), busy: Duration::from_secs(600) };
    let (feed, _task) = Feed::start(client.clone(), intervals, Default::default());
    let (tx, mut rx) = unbounded_channel();
    let _follower = tokio::spawn(feed.follow(tx));
    let first = next_snapshot(&mut rx).await;

    // The backend changes (a link is being made), and the console asks for a poll.
    let primary = support::demo::prod_eus();
    let secondary = support::demo::dr_weu();
    let weu = first.cache(&secondary).expect("the secondary").location.clone();
    client.create_link(&primary, &secondary, &weu).await.expect("the link is accepted");
    feed.refresh.notify_one();
    let second = next_snapshot(&mut rx).await;
    assert!(!Arc::ptr_eq(&first, &second));

    // This test is the console: it still holds the first. The poller and the follower must not.
    let started = Instant::now();
    while Arc::strong_count(&first) > 1 {
        assert!(started.elapsed() < BOUND, "the first snapshot is still held {} times", Arc::strong_count(&first));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    emu.shutdown().await;
}
