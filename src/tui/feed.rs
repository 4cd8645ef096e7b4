//! One poller per process, followed by every console on it: the local console, or each session of
//! `georep ssh`. The poller reads the backend (at the busy pace while an operation runs anywhere, else
//! the idle one) and publishes what it read; each console follows the publication and turns what
//! changed into actions. So thirty viewers cost the backend the reads of one, and a poller nobody
//! follows reads nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Notify, watch};

use crate::arm::{LinkedServer, ProvisioningState, RedisResource, ResourceId, Subscription};
use crate::client::{ArmClient, ClientError};

use super::action::Action;
use super::tasks::{PollIntervals, fetch};

/// One successful read. Each part is shared, and kept (the same `Arc`) while it does not change, so
/// a follower tells what changed without comparing the values.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub subscriptions: Arc<Vec<Subscription>>,
    pub caches: Arc<Vec<RedisResource>>,
    pub linked: Arc<HashMap<ResourceId, Vec<LinkedServer>>>,
}

/// What the poller last published.
#[derive(Debug, Default)]
pub struct Polled {
    /// The last successful read.
    pub fetched: Option<Fetched>,
    /// The last read failed (and when the next one is due); `None` after a success.
    pub failure: Option<(ClientError, Duration)>,
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
    /// The metrics the consoles read, shared likewise.
    pub metrics: Arc<super::metrics_poll::MetricsCache>,
}

/// The poller's task: stops when dropped.
pub struct FeedTask(tokio::task::JoinHandle<()>);

impl Drop for FeedTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Feed {
    /// Starts the poller of `client`. Must be called inside a tokio runtime.
    pub fn start(client: ArmClient, intervals: PollIntervals) -> (Feed, FeedTask) {
        let tx = Arc::new(watch::Sender::new(Arc::new(Polled::default())));
        let refresh = Arc::new(Notify::new());
        let parked = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(poll(client, tx.clone(), refresh.clone(), parked.clone(), intervals));
        (Feed { tx, refresh, parked, metrics: Arc::default() }, FeedTask(task))
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
}

/// Keeps the previous part when the new one is equal, so that followers see it unchanged.
fn keep<T: PartialEq>(old: Option<&Arc<T>>, new: T) -> Arc<T> {
    match old {
        Some(o) if **o == new => o.clone(),
        _ => Arc::new(new),
    }
}

async fn poll(
    client: ArmClient,
    tx: Arc<watch::Sender<Arc<Polled>>>,
    refresh: Arc<Notify>,
    parked: Arc<AtomicBool>,
    intervals: PollIntervals,
) {
    loop {
        // Nobody follows: no reads until someone does (they wake the poller).
        if tx.receiver_count() == 0 {
            parked.store(true, Ordering::Release);
            refresh.notified().await;
            parked.store(false, Ordering::Release);
            continue;
        }
        let last = tx.borrow().clone();
        let previous = last.fetched.as_ref();
        let (polled, wait) = match fetch(&client).await {
            Ok((subs, caches, linked)) => {
                let busy = caches.iter().any(|c| {
                    matches!(
                        c.properties.provisioning_state,
                        Some(ProvisioningState::Linking | ProvisioningState::Unlinking)
                    )
                });
                let fetched = Fetched {
                    subscriptions: keep(previous.map(|p| &p.subscriptions), subs),
                    caches: keep(previous.map(|p| &p.caches), caches),
                    linked: keep(previous.map(|p| &p.linked), linked),
                };
                let wait = if busy { intervals.busy } else { intervals.idle };
                (Polled { fetched: Some(fetched), failure: None }, wait)
            }
            Err(e) => {
                tracing::warn!(error = %e, "poll failed");
                let fetched = last.fetched.clone();
                (Polled { fetched, failure: Some((e, intervals.busy)) }, intervals.busy)
            }
        };
        tx.send_replace(Arc::new(polled));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = refresh.notified() => {}
        }
    }
}

fn same<T>(a: Option<&Arc<T>>, b: &Arc<T>) -> bool {
    a.is_some_and(|a| Arc::ptr_eq(a, b))
}

/// Turns what the poller publishes into one console's actions: what changed since this console last
/// saw it, every failure (its banner counts down to the next try), and the recovery after them.
async fn follow(mut rx: watch::Receiver<Arc<Polled>>, tx: UnboundedSender<Action>) {
    let mut seen: Option<Fetched> = None;
    let mut failed = false;
    loop {
        let polled = rx.borrow_and_update().clone();
        let mut actions = Vec::new();
        match (&polled.failure, &polled.fetched) {
            (Some((error, retry_in)), _) => {
                failed = true;
                actions.push(Action::PollFailed { error: error.clone(), retry_in: *retry_in });
            }
            (None, Some(f)) => {
                if std::mem::take(&mut failed) {
                    actions.push(Action::BackendRecovered);
                }
                if !same(seen.as_ref().map(|s| &s.subscriptions), &f.subscriptions) {
                    actions.push(Action::SubscriptionsLoaded((*f.subscriptions).clone()));
                }
                // Linked servers first, so the caches arrive with their links known.
                if !same(seen.as_ref().map(|s| &s.linked), &f.linked) {
                    actions.push(Action::LinkedServersLoaded((*f.linked).clone()));
                }
                if !same(seen.as_ref().map(|s| &s.caches), &f.caches) {
                    actions.push(Action::CachesLoaded((*f.caches).clone()));
                }
                seen = Some(f.clone());
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
