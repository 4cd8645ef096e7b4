//! A Managed Redis cache's geo-replication health as the console keeps it: `geoReplicationHealthy`
//! (1 healthy, 0 not; its only geo-replication metric) over a window, read from Azure Monitor (or the
//! emulator's metrics route) by the metrics poller while its dashboard is on screen.

use chrono::{DateTime, Utc};

use crate::arm::enterprise::EnterpriseId;
use crate::arm::metrics::Response;
use crate::client::{ArmClient, ClientError, MetricsQuery};

use super::health::Window;

/// The metric's name in Azure Monitor.
pub const HEALTHY_METRIC: &str = "geoReplicationHealthy";

/// What the poller is asked to read: a cluster, over a window.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ManagedWatch {
    pub cluster: EnterpriseId,
    pub window: Window,
}

/// The cluster's health over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedHealth {
    pub watch: ManagedWatch,
    /// (minutes relative to the newest point, value), oldest first; the lowest of a minute's values.
    pub points: Vec<(f64, f64)>,
    /// The newest value.
    pub latest: Option<f64>,
    pub newest: Option<DateTime<Utc>>,
}

impl ManagedHealth {
    pub fn from_response(watch: ManagedWatch, resp: &Response) -> Self {
        let mut timed: Vec<(DateTime<Utc>, f64)> = resp
            .metric(HEALTHY_METRIC)
            .into_iter()
            .flat_map(|m| m.timeseries.iter())
            .flat_map(|t| t.data.iter())
            .filter_map(|p| {
                let t = DateTime::parse_from_rfc3339(&p.time_stamp).ok()?.with_timezone(&Utc);
                Some((t, p.minimum.or(p.average).or(p.maximum)?))
            })
            .collect();
        timed.sort_by_key(|(t, _)| *t);
        let newest = timed.last().map(|(t, _)| *t);
        let rel = |t: DateTime<Utc>| newest.map_or(0.0, |n| (t - n).num_seconds() as f64 / 60.0);
        let points = timed.iter().map(|(t, v)| (rel(*t), *v)).collect();
        ManagedHealth { watch, points, latest: timed.last().map(|(_, v)| *v), newest }
    }
}

/// Reads `w`.
pub async fn fetch(client: &ArmClient, w: &ManagedWatch) -> Result<ManagedHealth, ClientError> {
    let end = Utc::now();
    let start = end - chrono::Duration::minutes(w.window.minutes());
    let query = MetricsQuery {
        names: vec![HEALTHY_METRIC.to_string()],
        start,
        end,
        interval: w.window.interval().to_string(),
        aggregations: vec!["minimum".into(), "average".into()],
        filter: None,
    };
    Ok(ManagedHealth::from_response(w.clone(), &client.cluster_metrics(&w.cluster, &query).await?))
}
