//! One poller per process, followed by every console on it: the local console, or each session of
//! `georep ssh`. The poller reads the backend (at the busy pace while an operation runs anywhere, else
//! the idle one) and publishes what it read; each console follows the publication and turns what
//! changed into actions. So thirty viewers cost the backend the reads of one, and a poller nobody
//! follows reads nothing.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Notify, watch};

use crate::arm::ResourceId;
use crate::client::{ArmClient, ClientError};

use super::action::Action;
use super::poll::{Reader, Scope};
use super::snapshot::Snapshot;
use super::tasks::PollIntervals;

/// What the poller last published.
#[derive(Debug, Default)]
pub struct Polled {
    /// The last successful read, ready to show.
    pub fetched: Option<Arc<Snapshot>>,
    /// The last read failed (and when the next one is due); `None` after a success.
    pub failure: Option<(ClientError, Duration)>,
}

/// The caches each console shows, by console: the poller reads their links every poll.
#[derive(Debug, Default)]
struct Wanted {
    by_console: Mutex<HashMap<u64, Vec<ResourceId>>>,
    next: AtomicU64,
    /// A console wants caches it did not: read their links now.
    wake: Notify,
}

impl Wanted {
    fn union(&self) -> HashSet<ResourceId> {
        match self.by_console.lock() {
            Ok(m) => m.values().flatten().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().flatten().cloned().collect(),
        }
    }
}

/// One console's say in what the poller reads in detail; withdrawn when dropped.
#[derive(Debug)]
pub struct Interest {
    id: u64,
    wanted: Arc<Wanted>,
}

impl Interest {
    /// The caches this console shows now.
    pub fn set(&self, caches: Vec<ResourceId>) {
        let mut map = self.wanted.by_console.lock().unwrap_or_else(|p| p.into_inner());
        let new = caches.iter().any(|c| !map.values().flatten().any(|k| k == c));
        map.insert(self.id, caches);
        drop(map);
        if new {
            self.wanted.wake.notify_one();
        }
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        let mut map = self.wanted.by_console.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&self.id);
    }
}

/// A console's way to the process's poller.
#[derive(Clone, Debug)]
pub struct Feed {
    /// Each follower subscribes: the poller counts them.
    tx: Arc<watch::Sender<Arc<Polled>>>,
    /// Poll now (the `r` key, an operation that started or ended).
    pub refresh: Arc<Notify>,
    /// The poller waits for a follower.
    parked: Arc<AtomicBool>,
    wanted: Arc<Wanted>,
    /// The metrics the consoles read, shared likewise.
    pub metrics: Arc<super::metrics_poll::MetricsCache>,
    /// The Managed Redis clusters' metrics, likewise.
    pub managed_metrics: Arc<super::metrics_poll::MetricsCache<super::managed_health::ManagedWatch>>,
}

/// The poller's task: stops when dropped.
pub struct FeedTask(tokio::task::JoinHandle<()>);

impl Drop for FeedTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Feed {
    /// Starts the poller of `client` over `scope`. Must be called inside a tokio runtime.
    pub fn start(client: ArmClient, intervals: PollIntervals, scope: Scope) -> (Feed, FeedTask) {
        let tx = Arc::new(watch::Sender::new(Arc::new(Polled::default())));
        let refresh = Arc::new(Notify::new());
        let parked = Arc::new(AtomicBool::new(false));
        let wanted = Arc::new(Wanted::default());
        let poller =
            Poller { client, tx: tx.clone(), refresh: refresh.clone(), parked: parked.clone(), wanted: wanted.clone() };
        let task = tokio::spawn(poller.run(Reader::new(scope), intervals));
        let feed = Feed { tx, refresh, parked, wanted, metrics: Arc::default(), managed_metrics: Arc::default() };
        (feed, FeedTask(task))
    }

    /// Follows the poller for one console, sending its actions to `tx`, until the console is gone.
    pub fn follow(&self, tx: UnboundedSender<Action>) -> impl std::future::Future<Output = ()> + Send + 'static {
        let rx = self.tx.subscribe();
        // A poller parked for want of followers polls at once for this one.
        if self.parked.load(Ordering::Acquire) {
            self.refresh.notify_one();
        }
        follow(rx, tx)
    }

    /// A console's say in which caches' links are read every poll.
    pub fn interest(&self) -> Interest {
        Interest { id: self.wanted.next.fetch_add(1, Ordering::Relaxed), wanted: self.wanted.clone() }
    }
}

struct Poller {
    client: ArmClient,
    tx: Arc<watch::Sender<Arc<Polled>>>,
    refresh: Arc<Notify>,
    parked: Arc<AtomicBool>,
    wanted: Arc<Wanted>,
}

impl Poller {
    async fn run(self, mut reader: Reader, intervals: PollIntervals) {
        // When the next full poll is due; reading the links of caches just opened does not move it.
        let mut due = tokio::time::Instant::now();
        loop {
            // Nobody follows: no reads until someone does (they wake the poller).
            if self.tx.receiver_count() == 0 {
                self.parked.store(true, Ordering::Release);
                self.refresh.notified().await;
                self.parked.store(false, Ordering::Release);
                due = tokio::time::Instant::now();
                continue;
            }
            let full = tokio::select! {
                _ = tokio::time::sleep_until(due) => true,
                _ = self.refresh.notified() => true,
                _ = self.wanted.wake.notified() => false,
            };
            if full {
                let wait = self.poll(&mut reader, intervals).await;
                due = tokio::time::Instant::now() + wait;
            } else {
                self.details(&mut reader).await;
            }
        }
    }

    /// A full poll: the caches, then the links of those on screen and a bounded few others, published
    /// together (a list whose roles were all "Linked" for a moment would flicker). Returns how long to
    /// wait for the next.
    async fn poll(&self, reader: &mut Reader, intervals: PollIntervals) -> Duration {
        let last = self.tx.borrow().fetched.clone();
        let (subs, caches) = match reader.caches(&self.client).await {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(error = %e, "poll failed");
                self.tx.send_replace(Arc::new(Polled { fetched: last, failure: Some((e, intervals.busy)) }));
                return intervals.busy;
            }
        };
        let linked = reader.details(&self.client, &caches, &self.wanted.union(), false).await;
        let managed = reader.managed(&self.client, &subs, last.as_ref().map(|l| &l.managed)).await;
        let prev = last.clone();
        let build = move || Snapshot::build(subs, caches, linked, prev.as_deref()).with_managed(managed);
        let Some(fetched) = self.publish(last, build).await else { return intervals.busy };
        let busy = !fetched.busy.is_empty() || fetched.managed.ids.iter().any(|id| fetched.managed.busy(id));
        if busy { intervals.busy } else { intervals.idle }
    }

    /// Reads the links of caches a console just opened.
    async fn details(&self, reader: &mut Reader) {
        let Some(last) = self.tx.borrow().fetched.clone() else { return };
        let linked = reader.details(&self.client, &last.caches, &self.wanted.union(), true).await;
        if linked != last.linked {
            let prev = last.clone();
            let build = move || prev.with(prev.subscriptions.clone(), linked, chrono::Utc::now());
            self.publish(Some(last), build).await;
        }
    }

    /// Publishes `snap` unless it says what `last` said.
    /// Builds the snapshot on the blocking pool (at 10,000 caches it is tens of milliseconds of CPU,
    /// which on a runtime worker would hold up the sessions' keys), and publishes it unless it says
    /// what `last` said. Returns what is published (`None` if the build panicked: logged, nothing
    /// published).
    async fn publish(
        &self,
        last: Option<Arc<Snapshot>>,
        build: impl FnOnce() -> Snapshot + Send + 'static,
    ) -> Option<Arc<Snapshot>> {
        let prev = last.clone();
        let made = tokio::task::spawn_blocking(move || {
            let snap = build();
            let unchanged = prev.as_ref().is_some_and(|l| {
                l.revs == snap.revs
                    && l.linked == snap.linked
                    && l.subscriptions == snap.subscriptions
                    && Arc::ptr_eq(&l.managed, &snap.managed)
            });
            if unchanged {
                return None;
            }
            // Home ▸ Geo-replication's rows, made here once for every console and off their input
            // paths, while a console shows them.
            snap.prepare_fleet(prev.as_deref());
            Some(Arc::new(snap))
        })
        .await;
        let fetched = match made {
            Ok(Some(snap)) => Some(snap),
            Ok(None) => last,
            Err(e) => {
                tracing::error!(error = %e, "building a poll's snapshot failed");
                return None;
            }
        };
        self.tx.send_replace(Arc::new(Polled { fetched: fetched.clone(), failure: None }));
        fetched
    }
}

/// Turns what the poller publishes into one console's actions: each new snapshot, every failure (its
/// banner counts down to the next try), and the recovery after them.
async fn follow(mut rx: watch::Receiver<Arc<Polled>>, tx: UnboundedSender<Action>) {
    // The last snapshot sent, to send each once. Only that one: the one before it is the console's
    // until it folds this one, and then freed off its input path ([`Action::Polled`] returns it as an
    // `Effect::Release`). Holding it here until the next poll kept a third copy of the fleet alive
    // while the poller read the next one (~40 MB at 10,000 caches).
    let mut seen: Option<Arc<Snapshot>> = None;
    let mut failed = false;
    loop {
        let polled = rx.borrow_and_update().clone();
        let mut actions = Vec::new();
        match (&polled.failure, &polled.fetched) {
            (Some((error, retry_in)), _) => {
                failed = true;
                actions.push(Action::PollFailed { error: error.clone(), retry_in: *retry_in });
            }
            (None, Some(snap)) => {
                if std::mem::take(&mut failed) {
                    actions.push(Action::BackendRecovered);
                }
                if !seen.as_ref().is_some_and(|s| Arc::ptr_eq(s, snap)) {
                    actions.push(Action::Polled(snap.clone()));
                    seen = Some(snap.clone());
                }
            }
            (None, None) => {}
        }
        for a in actions {
            if tx.send(a).is_err() {
                return;
            }
        }
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return },
            _ = tx.closed() => return,
        }
    }
}
