//! The metrics poller: reads the health of the linked pair on screen (the Geo-replication dashboard or
//! blade) from Azure Monitor (or the emulator's metrics route, the same call), and reports to the app
//! only when a new point arrived. Nothing on screen needs metrics: it asks for nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::client::{ArmClient, ClientError, MetricsQuery};

use super::action::Action;
use super::health::{GEO_METRICS, GeoHealth, MetricsWatch};

/// Both sides' metrics over the watched window: the offset from the primary, the rest from the
/// secondary, one series per shard.
pub async fn fetch(client: &ArmClient, w: &MetricsWatch) -> Result<GeoHealth, ClientError> {
    let (start, end) = GeoHealth::span(w.window, Utc::now());
    let query = |primary: bool| MetricsQuery {
        names: GEO_METRICS.iter().filter(|m| m.on_primary() == primary).map(|m| m.rest_name().to_string()).collect(),
        start,
        end,
        interval: w.window.interval().to_string(),
        aggregations: vec!["average".into(), "total".into()],
        filter: Some("ShardId eq '*'".to_string()),
    };
    let (on_secondary, on_primary) = (query(false), query(true));
    let (secondary, primary) =
        tokio::join!(client.metrics(&w.secondary, &on_secondary), client.metrics(&w.primary, &on_primary));
    Ok(GeoHealth::from_responses(w.clone(), &secondary?, &primary?))
}

/// What a metrics poller can be asked to watch: a linked pair ([`MetricsWatch`]) or a Managed Redis
/// cluster ([`super::managed_health::ManagedWatch`]); how it is read, and the action its reading is.
pub trait Watched: Clone + Eq + std::hash::Hash + Send + Sync + 'static {
    type Reading: Clone + PartialEq + Send + Sync + 'static;
    fn fetch(&self, client: &ArmClient)
    -> impl std::future::Future<Output = Result<Self::Reading, ClientError>> + Send;
    fn loaded(reading: Result<Self::Reading, String>) -> Action;
}

impl Watched for MetricsWatch {
    type Reading = GeoHealth;

    async fn fetch(&self, client: &ArmClient) -> Result<GeoHealth, ClientError> {
        fetch(client, self).await
    }

    fn loaded(reading: Result<GeoHealth, String>) -> Action {
        Action::MetricsLoaded(reading.map(Box::new))
    }
}

impl Watched for super::managed_health::ManagedWatch {
    type Reading = super::managed_health::ManagedHealth;

    async fn fetch(&self, client: &ArmClient) -> Result<Self::Reading, ClientError> {
        super::managed_health::fetch(client, self).await
    }

    fn loaded(reading: Result<Self::Reading, String>) -> Action {
        Action::ManagedMetricsLoaded(reading.map(Box::new))
    }
}

/// What was last read for each watch, shared by the consoles of a process (the sessions of
/// `georep ssh`): sessions that show the same pair (or cluster) cost the backend the reads of one.
#[derive(Debug)]
pub struct MetricsCache<W: Watched = MetricsWatch> {
    entries: tokio::sync::Mutex<HashMap<W, Answer<W::Reading>>>,
}

impl<W: Watched> Default for MetricsCache<W> {
    fn default() -> Self {
        MetricsCache { entries: Default::default() }
    }
}

/// When a watch was read, and what it read.
type Answer<R> = (Instant, Result<R, String>);

impl<W: Watched> MetricsCache<W> {
    /// What `w` reads now: the answer read less than `fresh_for` ago, else a new one. One read at a
    /// time, so that sessions asking together wait for one answer rather than each asking.
    pub async fn read(&self, client: &ArmClient, w: &W, fresh_for: Duration) -> Result<W::Reading, String> {
        let mut entries = self.entries.lock().await;
        if let Some((at, answer)) = entries.get(w)
            && at.elapsed() < fresh_for
        {
            return answer.clone();
        }
        let answer = w.fetch(client).await.map_err(|e| e.to_string());
        if let Err(why) = &answer {
            tracing::warn!(error = %why, "metrics read failed");
        }
        // What nobody has asked for in a while goes.
        entries.retain(|_, (at, _)| at.elapsed() < fresh_for * 4);
        entries.insert(w.clone(), (Instant::now(), answer.clone()));
        answer
    }
}

/// Reads what `watched` names every `every`, and at once when it changes; sends
/// [`Action::MetricsLoaded`] when the answer differs from the last one sent.
pub async fn poller<W: Watched>(
    client: ArmClient,
    tx: UnboundedSender<Action>,
    mut watched: watch::Receiver<Option<W>>,
    every: Duration,
    cache: Arc<MetricsCache<W>>,
) {
    // A little under the period, so that this console's next round reads anew.
    let fresh_for = every.mul_f64(0.9);
    let mut last: Option<Result<W::Reading, String>> = None;
    loop {
        let current = watched.borrow_and_update().clone();
        if let Some(w) = current {
            let got = cache.read(&client, &w, fresh_for).await;
            if last.as_ref() != Some(&got) {
                last = Some(got.clone());
                if tx.send(W::loaded(got)).is_err() {
                    return;
                }
            }
        } else {
            last = None;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = watched.changed() => if changed.is_err() { return },
        }
        if tx.is_closed() {
            return;
        }
    }
}
