//! The `GET` routes: subscriptions, caches, linked servers and operations, as the state shows them now.

use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::arm::{
    API_VERSION, Page, QueryRequest, RESOURCE_GRAPH_API_VERSION, RESOURCE_GRAPH_SDK_API_VERSION, ResourceId,
    SUBSCRIPTIONS_API_VERSION,
};

use super::super::Emulator;
use super::super::errors::ArmError;
use super::parse::Req;
use super::validate::{self, api_version, api_versions};
use super::{json, shown};

/// What to escape in a path segment of a URL the emulator hands out (`nextLink`).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

pub(super) fn list_subscriptions(emu: &Emulator, req: &Req) -> Result<Response, ArmError> {
    api_version(req, SUBSCRIPTIONS_API_VERSION)?;
    let state = emu.lock();
    Ok(json(StatusCode::OK, &Page { value: state.subscriptions.clone(), next_link: None }))
}

pub(super) fn list_caches(emu: &Emulator, req: &Req, sub: &str, rg: Option<&str>) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let skip = validate::skip_token(req)?;
    let state = emu.lock();
    validate::scope(&state, sub, rg)?;
    let page_size = emu.inner.config.page_size.max(1);
    let mut matching = state.caches.values().filter(|c| {
        ResourceId::parse(c.resource.id()).is_ok_and(|id| {
            id.subscription.eq_ignore_ascii_case(sub) && rg.is_none_or(|rg| id.resource_group.eq_ignore_ascii_case(rg))
        })
    });
    let value: Vec<_> = matching.by_ref().skip(skip).take(page_size).map(|c| state.render(c)).collect();
    let more = matching.next().is_some();
    let next_link = more.then(|| {
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string();
        let path = match rg {
            Some(rg) => {
                format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redis", enc(sub), enc(rg))
            }
            None => format!("/subscriptions/{}/providers/Microsoft.Cache/redis", enc(sub)),
        };
        format!("{}{}?api-version={API_VERSION}&$skipToken={}", req.base, path, skip + page_size)
    });
    Ok(json(StatusCode::OK, &Page { value, next_link }))
}

pub(super) fn get_cache(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let state = emu.lock();
    let c = validate::cache(&state, id)?;
    Ok(json(StatusCode::OK, &state.render(c)))
}

pub(super) fn list_linked_servers(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let state = emu.lock();
    validate::cache(&state, id)?;
    let value = state.linked_servers(id).into_iter().map(|e| shown(emu, e)).collect();
    Ok(json(StatusCode::OK, &Page { value, next_link: None }))
}

pub(super) fn get_linked_server(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let state = emu.lock();
    validate::cache(&state, id)?;
    let wanted = id.linked_server.as_deref().unwrap_or("");
    let entry = state
        .linked_servers(&id.cache_id())
        .into_iter()
        .find(|l| l.name().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| validate::linked_server_not_found(id))?;
    Ok(json(StatusCode::OK, &shown(emu, entry)))
}

pub(super) fn get_operation(emu: &Emulator, req: &Req, sub: &str, op_id: &str) -> Result<Response, ArmError> {
    api_version(req, API_VERSION)?;
    let not_found =
        || ArmError::new(StatusCode::NOT_FOUND, "ResourceNotFound", format!("The operation '{op_id}' was not found."));
    let id = Uuid::parse_str(op_id).map_err(|_| not_found())?;
    let state = emu.lock();
    let op = state.operation(id).filter(|o| o.subscription.eq_ignore_ascii_case(sub)).ok_or_else(not_found)?;
    let mut body = op.status_body();
    if emu.inner.config.azure_like {
        // As observed: no percentage, no times; only the status (and an error when it failed).
        body.percent_complete = None;
        body.start_time = None;
        body.end_time = None;
    }
    Ok(json(StatusCode::OK, &body))
}

/// `POST /providers/Microsoft.ResourceGraph/resources`: a query over the caches (see
/// [`super::super::resource_graph`]).
pub(super) fn resource_graph(emu: &Emulator, req: &Req, body: &[u8]) -> Result<Response, ArmError> {
    api_versions(req, &[RESOURCE_GRAPH_API_VERSION, RESOURCE_GRAPH_SDK_API_VERSION])?;
    let request: QueryRequest = serde_json::from_slice(body).map_err(ArmError::invalid_content)?;
    let state = emu.lock();
    let answer = super::super::resource_graph::answer(&state, &request)?;
    drop(state);
    Ok(json(StatusCode::OK, &answer))
}
