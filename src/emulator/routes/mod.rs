//! The ARM routes. ARM paths are case-insensitive in their fixed segments (`resourcegroups`,
//! `Microsoft.Cache/Redis` ...), so requests are matched here segment by segment rather than by a
//! case-sensitive router.
//!
//! A request goes through four stages, one module each:
//! - [`parse`]: the HTTP request as typed values (path segments, query, a bounded body, a link's body);
//! - [`validate`]: checks that need no decision (api-version, the body's fields, that the caches exist);
//! - [`plan`]: what the state machine makes of it (an existing link, a refusal with every reason, or an
//!   operation to start, built by the one constructor [`super::store::Operation::begin`]);
//! - [`commit`]: starts the operation on the data plane, records it, waits for the state file, answers.
//!
//! Reads (`GET`) need only the first two and are in [`read`]; Azure Monitor's metrics are in [`metrics`].

mod commit;
mod metrics;
pub(crate) mod parse;
mod plan;
mod read;
pub(crate) mod validate;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::arm::ResourceId;

use super::Emulator;
use super::errors::ArmError;
pub(crate) use parse::MAX_BODY;
use parse::Req;

/// Entry point for every request.
///
/// The token, throttling, injected faults and the body's limits were seen to before (`super::edge`).
pub async fn dispatch(emu: Emulator, method: Method, uri: Uri, headers: &HeaderMap, body: Body) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let result = handle(&emu, method, uri, headers, body).await;
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(code = %e.detail.code, status = %e.status, "request failed");
            e.into_response()
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-ms-request-id", v.clone());
        resp.headers_mut().insert("x-ms-correlation-request-id", v);
    }
    resp
}

/// Matches the path and sends the request to its handler.
async fn handle(
    emu: &Emulator,
    method: Method,
    uri: Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ArmError> {
    emu.settled().await;
    let req = Req::parse(emu, method, &uri, headers);
    let n = req.segs.len();
    if super::enterprise::routes::matches(&req) {
        return super::enterprise::routes::handle(emu, &req, body).await;
    }
    if req.seg_is(0, "subscriptions") && n == 1 {
        return only_get(&req).and_then(|_| read::list_subscriptions(emu, &req));
    }
    let rp = |i: usize| req.seg_is(i, "providers") && req.seg_is(i + 1, "Microsoft.Cache");
    if req.seg_is(0, "subscriptions") && n >= 5 && rp(2) {
        let sub = &req.segs[1];
        if n == 5 && req.seg_is(4, "redis") {
            return only_get(&req).and_then(|_| read::list_caches(emu, &req, sub, None));
        }
        if n == 8 && req.seg_is(4, "locations") && req.seg_is(6, "asyncOperations") {
            return only_get(&req).and_then(|_| read::get_operation(emu, &req, sub, &req.segs[7]));
        }
    }
    if req.seg_is(0, "subscriptions") && req.seg_is(2, "resourceGroups") && n >= 7 && rp(4) && req.seg_is(6, "redis") {
        let (sub, rg) = (&req.segs[1], &req.segs[3]);
        let cache = || ResourceId::cache(sub, rg, &req.segs[7]);
        match n {
            7 => return only_get(&req).and_then(|_| read::list_caches(emu, &req, sub, Some(rg))),
            8 => return only_get(&req).and_then(|_| read::get_cache(emu, &req, &cache())),
            11 if req.seg_is(8, "providers") && req.seg_is(9, "Microsoft.Insights") && req.seg_is(10, "metrics") => {
                return only_get(&req).and_then(|_| metrics::list_metrics(emu, &req, &cache()));
            }
            9 if req.seg_is(8, "linkedServers") => {
                return only_get(&req).and_then(|_| read::list_linked_servers(emu, &req, &cache()));
            }
            10 if req.seg_is(8, "linkedServers") => {
                let id = cache().linked_server(&req.segs[9]);
                return match req.method {
                    Method::GET => read::get_linked_server(emu, &req, &id),
                    // The edge middleware has read and bounded the body already; this reads its bytes
                    // (with the same limit when the router is used without the middleware).
                    Method::PUT => match super::edge::read_body(body).await {
                        Ok(bytes) => commit::put_linked_server(emu, &req, &id, &bytes).await,
                        Err(too_large) => Ok(super::edge::closing(too_large)),
                    },
                    Method::DELETE => commit::delete_linked_server(emu, &req, &id).await,
                    _ => Err(method_not_allowed(&req, "GET, PUT, DELETE")),
                };
            }
            _ => {}
        }
    }
    if emu.inner.config.resource_graph
        && n == 3
        && req.seg_is(0, "providers")
        && req.seg_is(1, "Microsoft.ResourceGraph")
        && req.seg_is(2, "resources")
    {
        if req.method != Method::POST {
            return Err(method_not_allowed(&req, "POST"));
        }
        return match super::edge::read_body(body).await {
            Ok(bytes) => read::resource_graph(emu, &req, &bytes),
            Err(too_large) => Ok(super::edge::closing(too_large)),
        };
    }
    Err(ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("No route matches '{} {}' on this emulator of Microsoft.Cache.", req.method, uri.path()),
    ))
}

fn only_get(req: &Req) -> Result<(), ArmError> {
    if req.method == Method::GET { Ok(()) } else { Err(method_not_allowed(req, "GET")) }
}

pub(crate) fn method_not_allowed(req: &Req, allow: &'static str) -> ArmError {
    let mut e = ArmError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("The HTTP method '{}' is not supported on this resource: use {allow}.", req.method),
    );
    e.allow = Some(allow);
    e
}

pub(crate) fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A linked-server entry as shown. Azure-like: `linkedRedisCacheId` in other letter cases than the
/// cache's own id (`resourcegroups`, `microsoft.cache/redis`, the group upper-cased), as ids coming back
/// from ARM often are; clients must compare ids without case.
fn shown(emu: &Emulator, mut entry: crate::arm::LinkedServer) -> crate::arm::LinkedServer {
    if emu.inner.config.azure_like
        && let Ok(id) = ResourceId::parse(&entry.properties.linked_redis_cache_id)
    {
        entry.properties.linked_redis_cache_id = format!(
            "/subscriptions/{}/resourcegroups/{}/providers/microsoft.cache/redis/{}",
            id.subscription,
            id.resource_group.to_ascii_uppercase(),
            id.name
        );
    }
    entry
}
