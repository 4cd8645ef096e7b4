//! `GET {cacheId}/providers/Microsoft.Insights/metrics`: Azure Monitor's `Metrics_List` for a cache,
//! answered from the emulator's metrics history.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::arm::ResourceId;
use crate::arm::metrics::{METRICS_API_VERSION, METRICS_API_VERSION_SDK};

use super::super::Emulator;
use super::super::errors::ArmError;
use super::super::metrics::answer;
use super::super::metrics::query::{self, Target};
use super::parse::Req;
use super::validate;

pub(super) fn list_metrics(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    match req.query("api-version") {
        Some(v) if v == METRICS_API_VERSION || v == METRICS_API_VERSION_SDK => {}
        _ => validate::api_version(req, METRICS_API_VERSION)?,
    }
    let now = Utc::now();
    let q = query::parse(|k| req.query(k), now).map_err(|why| ArmError::bad_request("BadRequest", why))?;
    let key = id.cache_id().key();
    let (shown_id, region, observed) = {
        let state = emu.lock();
        let record = validate::cache(&state, id)?;
        let shown = ResourceId::parse(record.resource.id()).map(|i| i.to_string()).unwrap_or_else(|_| id.to_string());
        let mut observed = super::super::metrics::sample::observe_where(&state, |k, _| k == key);
        // Its peer too: a link's made-up past needs both sides.
        if let Some(peer) = observed.first().and_then(|c| c.link.as_ref()).map(|l| l.peer.clone()) {
            observed.extend(super::super::metrics::sample::observe_where(&state, |k, _| k == peer));
        }
        (shown, record.resource.location.to_ascii_lowercase().replace(' ', ""), observed)
    };
    // A cache first asked for gets its rings (its past made up by the model), and is kept from now on.
    emu.inner.metrics.track(&observed);
    let target = Target { id: &shown_id, key: &key, region };
    let recorder = emu.inner.metrics.lock();
    // The newest complete model minute is shown as the real minute before the current one, so time
    // stamps move when a new minute is recorded or the real minute turns, never in between.
    let shift = recorder.history.newest().map_or(0, |n| n + 1 - now.timestamp().div_euclid(60));
    let body = answer::answer(&q, &target, &recorder.history, shift);
    drop(recorder);
    Ok((StatusCode::OK, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}
