//! Azure Monitor metrics of a cache (`GET {cacheId}/providers/Microsoft.Insights/metrics`): on Azure,
//! Azure Monitor on the same ARM endpoint; on the emulator, its metrics history. One code path.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::arm::ResourceId;
use crate::arm::metrics::{METRICS_API_VERSION, Response};

use super::{ArmClient, ClientError};

/// What a query value may hold unescaped.
const VALUE: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b':').remove(b',');

/// What to ask Azure Monitor for.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsQuery {
    /// `metricnames`, e.g. `GeoReplicationDataSyncOffset`.
    pub names: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// ISO 8601 duration (`PT1M`, `PT15M`, `PT1H` ...) or `FULL`.
    pub interval: String,
    /// `average`, `minimum`, `maximum`, `total`, `count`; empty: each metric's default.
    pub aggregations: Vec<String>,
    /// `$filter`, e.g. `ShardId eq '*'` for one series per shard.
    pub filter: Option<String>,
}

impl MetricsQuery {
    /// `names` over the `span` before `now`, one point per `interval`, one series per shard.
    pub fn per_shard(names: &[&str], now: DateTime<Utc>, span: Duration, interval: &str) -> Self {
        MetricsQuery {
            names: names.iter().map(|n| n.to_string()).collect(),
            start: now - span,
            end: now,
            interval: interval.to_string(),
            aggregations: Vec::new(),
            filter: Some("ShardId eq '*'".to_string()),
        }
    }

    fn query_string(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, VALUE).to_string();
        let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut q = format!(
            "&metricnames={}&timespan={}&interval={}",
            enc(&self.names.join(",")),
            enc(&format!("{}/{}", stamp(self.start), stamp(self.end))),
            enc(&self.interval)
        );
        if !self.aggregations.is_empty() {
            q.push_str(&format!("&aggregation={}", enc(&self.aggregations.join(","))));
        }
        if let Some(f) = &self.filter {
            q.push_str(&format!("&%24filter={}", enc(f)));
        }
        q
    }
}

impl ArmClient {
    /// The metrics of the cache `cache`.
    pub async fn metrics(&self, cache: &ResourceId, query: &MetricsQuery) -> Result<Response, ClientError> {
        let path = format!("{}/providers/Microsoft.Insights/metrics", Self::cache_path(cache)?);
        let url = format!("{}{}", self.url(&path, METRICS_API_VERSION), query.query_string());
        self.get_json(&url).await
    }

    /// Azure Monitor metrics of a Managed Redis cluster (`geoReplicationHealthy` is its geo metric).
    pub async fn cluster_metrics(
        &self,
        cluster: &crate::arm::enterprise::EnterpriseId,
        query: &MetricsQuery,
    ) -> Result<Response, ClientError> {
        let path = format!("{}/providers/Microsoft.Insights/metrics", Self::cluster_path(cluster)?);
        let url = format!("{}{}", self.url(&path, METRICS_API_VERSION), query.query_string());
        self.get_json(&url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_escapes_the_filter_and_the_timespan() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        let q = MetricsQuery::per_shard(&["A", "B"], now, Duration::minutes(30), "PT1M");
        assert_eq!(
            q.query_string(),
            "&metricnames=A,B&timespan=2026-01-02T02:34:05Z%2F2026-01-02T03:04:05Z&interval=PT1M&%24filter=ShardId%20eq%20%27%2A%27"
        );
    }
}
