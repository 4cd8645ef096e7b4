//! Stage 4: carries out a planned operation. The data plane starts it (or refuses, and the link's phase
//! is undone), the operation is recorded, and the answer goes out only once the state file holds it:
//! an acknowledged link or unlink survives a `kill -9` that comes right after the answer.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::arm::{API_VERSION, ResourceId};

use super::super::Emulator;
use super::super::errors::ArmError;
use super::super::persist::Ticket;
use super::super::store::{Operation, State};
use super::parse::{self, Req};
use super::plan::{self, LinkPlan, Planned};
use super::validate::{self, api_version};
use super::{json, shown};

/// `PUT .../linkedServers/{name}`: starts a link.
pub(super) async fn put_linked_server(
    emu: &Emulator,
    req: &Req,
    id: &ResourceId,
    body: &[u8],
) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let params = parse::link_body(body)?;
    let linked_id = validate::link_params(id, &params)?;
    let (op, entry, ticket) = {
        let mut state = emu.lock();
        let valid = validate::link(&state, id, linked_id, &params)?;
        let wanted = valid.wanted.clone();
        let planned = match plan::link(&mut state, valid)? {
            LinkPlan::Exists(entry) => return Ok(json(StatusCode::OK, &shown(emu, *entry))),
            LinkPlan::Start(planned) => planned,
        };
        let cache_id = planned.cache_id.clone();
        let (op, ticket) = start(emu, &mut state, *planned)?;
        let entry = state.linked_servers(&cache_id).into_iter().find(|l| l.name().eq_ignore_ascii_case(&wanted));
        (op, entry, ticket)
    };
    emu.durable(ticket).await.map_err(not_saved)?;
    let entry = entry.ok_or_else(|| validate::linked_server_not_found(id))?;
    tracing::info!(primary = %op.primary, secondary = %op.secondary, op = %op.id, "link started");
    let resource_url = format!("{}{}?api-version={API_VERSION}", req.base, id);
    Ok(with_headers(json(StatusCode::CREATED, &shown(emu, entry)), lro_headers(emu, req, &op, &resource_url)))
}

/// `DELETE .../linkedServers/{name}`: starts an unlink.
pub(super) async fn delete_linked_server(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let (op, ticket) = {
        let mut state = emu.lock();
        let Some(link) = validate::unlink(&state, id)? else {
            // Deleting what is not there succeeds at once. The spec allows only 200 and 202 here (the
            // Azure SDK rejects a 204), so: 200 with an empty body.
            return Ok((StatusCode::OK, Body::empty()).into_response());
        };
        let mut planned = plan::unlink(&mut state, id, link)?;
        planned.op.failover = req.failover;
        start(emu, &mut state, planned)?
    };
    emu.durable(ticket).await.map_err(not_saved)?;
    tracing::info!(primary = %op.primary, secondary = %op.secondary, op = %op.id, "unlink started");
    let resp = (StatusCode::ACCEPTED, Body::empty()).into_response();
    Ok(with_headers(resp, lro_headers(emu, req, &op, "")))
}

/// A change the state file could not take is not acknowledged: 503, and the client may try again.
fn not_saved(why: String) -> ArmError {
    ArmError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "StateNotSaved",
        format!("The emulator could not save its state ({why}); the request is not acknowledged. Try again."),
    )
    .with_retry_after(5)
}

/// Starts a planned operation on the data plane and records it; a refusal undoes the link's new phase.
/// Returns the operation and the state file write to wait for before answering.
fn start(emu: &Emulator, state: &mut State, planned: Planned) -> Result<(Operation, Ticket), ArmError> {
    let Planned { op, primary, secondary, cache_id, undo } = planned;
    if let Err(e) = emu.inner.data_plane.start(&op, &primary, &secondary) {
        for event in undo {
            let _ = state.topology.apply(&cache_id, *event);
        }
        return Err(ArmError::from_detail(StatusCode::BAD_REQUEST, e));
    }
    state.push_operation(op.clone());
    Ok((op, emu.stage(state)))
}

/// The async-operation URL and the headers a long-running request answers with.
///
/// Azure-like (as observed on the real service): a PUT answers with `Azure-AsyncOperation` only, a DELETE
/// with `Azure-AsyncOperation` and a `Location` equal to it (`location` empty); neither has `Retry-After`,
/// and the operation URL carries a signed query after the api-version.
fn lro_headers(emu: &Emulator, req: &Req, op: &Operation, location: &str) -> Vec<(header::HeaderName, String)> {
    let azure_like = emu.inner.config.azure_like;
    let signature = if azure_like {
        format!("&t={}&c=georep-emulator&s={}&h={}", op.start_time.timestamp(), Uuid::new_v4().simple(), op.id.simple())
    } else {
        String::new()
    };
    let op_url = format!(
        "{}/subscriptions/{}/providers/Microsoft.Cache/locations/{}/asyncOperations/{}?api-version={API_VERSION}{signature}",
        req.base,
        op.subscription,
        percent_encoding::utf8_percent_encode(&op.location, percent_encoding::NON_ALPHANUMERIC),
        op.id
    );
    let mut headers = vec![(header::HeaderName::from_static("azure-asyncoperation"), op_url.clone())];
    if azure_like {
        if location.is_empty() {
            headers.push((header::LOCATION, op_url));
        }
        return headers;
    }
    let location = if location.is_empty() { op_url } else { location.to_string() };
    headers.push((header::LOCATION, location));
    headers.push((header::RETRY_AFTER, emu.retry_after_seconds().to_string()));
    headers
}

fn with_headers(mut resp: Response, headers: Vec<(header::HeaderName, String)>) -> Response {
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
