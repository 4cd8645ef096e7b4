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

/// What was last read for each pair and window, shared by the consoles of a process (the sessions of
/// `georep ssh`): sessions that show the same pair cost the backend the reads of one.
#[derive(Debug, Default)]
pub struct MetricsCache {
    entries: tokio::sync::Mutex<HashMap<MetricsWatch, Answer>>,
}

/// When a pair was read, and what it read.
type Answer = (Instant, Result<GeoHealth, String>);

impl MetricsCache {
    /// What `w` reads now: the answer read less than `fresh_for` ago, else a new one. One read at a
    /// time, so that sessions asking together wait for one answer rather than each asking.
    pub async fn read(&self, client: &ArmClient, w: &MetricsWatch, fresh_for: Duration) -> Result<GeoHealth, String> {
        let mut entries = self.entries.lock().await;
        if let Some((at, answer)) = entries.get(w)
            && at.elapsed() < fresh_for
        {
            return answer.clone();
        }
        let answer = fetch(client, w).await.map_err(|e| e.to_string());
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
pub async fn poller(
    client: ArmClient,
    tx: UnboundedSender<Action>,
    mut watched: watch::Receiver<Option<MetricsWatch>>,
    every: Duration,
    cache: Arc<MetricsCache>,
) {
    // A little under the period, so that this console's next round reads anew.
    let fresh_for = every.mul_f64(0.9);
    let mut last: Option<Result<GeoHealth, String>> = None;
    loop {
        let current = watched.borrow_and_update().clone();
        if let Some(w) = current {
            let got = cache.read(&client, &w, fresh_for).await;
            if last.as_ref() != Some(&got) {
                last = Some(got.clone());
                if tx.send(Action::MetricsLoaded(got.map(Box::new))).is_err() {
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
