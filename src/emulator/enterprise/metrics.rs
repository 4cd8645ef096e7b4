//! `GET .../redisEnterprise/{cluster}/providers/Microsoft.Insights/metrics`: Azure Monitor's
//! `geoReplicationHealthy` for a Managed Redis cluster (its only geo-replication metric): 1 while every
//! link of its database's group is Linked and no member's region is down, 0 otherwise. The emulator
//! records it per real minute (a day kept); minutes before the first record show the first value.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::arm::enterprise::EnterpriseId;
use crate::arm::metrics::{METRICS_API_VERSION, METRICS_API_VERSION_SDK};

use super::super::Emulator;
use super::super::errors::ArmError;
use super::super::metrics::catalog::MetricName;
use super::super::metrics::query::{self, Aggregation};
use super::super::routes::json as json_response;
use super::super::routes::parse::Req;
use super::super::routes::validate::api_version;
use super::group::cluster_not_found;
use super::state::EnterpriseState;

/// Minutes kept per database.
const KEEP_MINUTES: usize = 24 * 60;

/// One minute's looks: least, most, sum and count of the 0/1 values seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Minute {
    pub min: u8,
    pub max: u8,
    pub sum: u32,
    pub n: u32,
}

/// Health per database key, per minute since the epoch.
pub type HealthHistory = BTreeMap<String, BTreeMap<i64, Minute>>;

/// Records every grouped database's health now.
pub fn record(state: &mut EnterpriseState, now: DateTime<Utc>) {
    let minute = now.timestamp().div_euclid(60);
    let looks: Vec<(String, u8)> = state
        .databases
        .iter()
        .filter_map(|(k, r)| r.database.database_id().and_then(|id| state.healthy(&id)).map(|h| (k.clone(), h)))
        .collect();
    for (key, h) in looks {
        let minutes = state.health.entry(key).or_default();
        let m = minutes.entry(minute).or_insert(Minute { min: h, max: h, sum: 0, n: 0 });
        m.min = m.min.min(h);
        m.max = m.max.max(h);
        m.sum += u32::from(h);
        m.n += 1;
        while minutes.len() > KEEP_MINUTES {
            minutes.pop_first();
        }
    }
}

pub(crate) fn list_metrics(emu: &Emulator, req: &Req, cluster: &EnterpriseId) -> Result<Response, ArmError> {
    match req.query("api-version") {
        Some(v) if v == METRICS_API_VERSION || v == METRICS_API_VERSION_SDK => {}
        _ => api_version(req, METRICS_API_VERSION)?,
    }
    let now = Utc::now();
    let q = query::parse(|k| req.query(k), now).map_err(|why| ArmError::bad_request("BadRequest", why))?;
    if let Some(other) = q.metrics.iter().find(|m| **m != MetricName::Healthy) {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!(
                "Failed to find metric configuration for provider: Microsoft.Cache, resource Type: redisEnterprise, metric: {}, Valid metrics: geoReplicationHealthy",
                other.rest_name()
            ),
        ));
    }
    let state = emu.lock();
    let e = &state.enterprise;
    let c = e.cluster(cluster).ok_or_else(|| cluster_not_found(cluster))?;
    let shown = e.render_cluster(c);
    let id = shown.id.clone().unwrap_or_default();
    let db_key = e
        .databases
        .iter()
        .find(|(_, r)| r.database.database_id().is_some_and(|d| d.cluster_id() == cluster.cluster_id()))
        .map(|(k, _)| k.clone());
    let minutes = db_key.as_ref().and_then(|k| e.health.get(k));
    let grain = q.grain.unwrap_or_else(|| ((q.end - q.start).num_minutes()).max(1));
    let (first, last) = (q.start.timestamp().div_euclid(60), q.end.timestamp().div_euclid(60));
    let aggs = if q.aggregations.is_empty() { vec![Aggregation::Average] } else { q.aggregations.clone() };
    let mut data = Vec::new();
    let mut bucket = first;
    while bucket < last.max(first + 1) {
        data.push(point(minutes, bucket, (bucket + grain).min(last.max(first + 1)), &aggs));
        bucket += grain;
    }
    let body = json!({
        "cost": data.len(),
        "timespan": format!("{}/{}", stamp(q.start), stamp(q.end)),
        "interval": q.grain.map_or("FULL".to_string(), |g| format!("PT{g}M")),
        "namespace": "Microsoft.Cache/redisEnterprise",
        "resourceregion": crate::geo::region_key(&shown.location),
        "value": [{
            "id": format!("{id}/providers/Microsoft.Insights/metrics/geoReplicationHealthy"),
            "type": "Microsoft.Insights/metrics",
            "name": {"value": "geoReplicationHealthy", "localizedValue": "Geo Replication Healthy"},
            "displayDescription": "The health of geo-replication in an Active Geo-Replication group: 0 unhealthy, 1 healthy.",
            "unit": "Count",
            "timeseries": if minutes.is_some() { json!([{"metadatavalues": [], "data": data}]) } else { json!([]) },
            "errorCode": "Success"
        }]
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// One interval `[from, to)` of minutes: the aggregations over the minutes recorded in it (or the
/// value recorded nearest after it, for minutes before the first record).
fn point(minutes: Option<&BTreeMap<i64, Minute>>, from: i64, to: i64, aggs: &[Aggregation]) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("timeStamp".into(), json!(stamp(DateTime::from_timestamp(from * 60, 0).unwrap_or_default())));
    let Some(minutes) = minutes else { return Value::Object(out) };
    let mut acc: Option<Minute> = None;
    for m in minutes.range(from..to).map(|(_, m)| *m) {
        acc = Some(match acc {
            None => m,
            Some(a) => Minute { min: a.min.min(m.min), max: a.max.max(m.max), sum: a.sum + m.sum, n: a.n + m.n },
        });
    }
    // Before the first record: the first value (the emulator did not run then; its model did).
    let acc = acc.or_else(|| minutes.first_key_value().filter(|(k, _)| **k >= to).map(|(_, m)| *m));
    let Some(a) = acc.filter(|a| a.n > 0) else { return Value::Object(out) };
    for agg in aggs {
        let (name, v) = match agg {
            Aggregation::Average => ("average", f64::from(a.sum) / f64::from(a.n)),
            Aggregation::Minimum => ("minimum", f64::from(a.min)),
            Aggregation::Maximum => ("maximum", f64::from(a.max)),
            Aggregation::Total => ("total", f64::from(a.sum) / f64::from(a.n)),
            Aggregation::Count => ("count", f64::from(a.n)),
        };
        out.insert(name.into(), json!(v));
    }
    Value::Object(out)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
