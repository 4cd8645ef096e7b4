//! The ARM routes. ARM paths are case-insensitive in their fixed segments (`resourcegroups`,
//! `Microsoft.Cache/Redis` ...), so requests are matched here segment by segment rather than by a
//! case-sensitive router.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use uuid::Uuid;

use crate::arm::{
    API_VERSION, LinkedServerCreateParameters, OperationState, Page, ReplicationRole, ResourceId,
    SUBSCRIPTIONS_API_VERSION,
};
use crate::geo::{Incompatibility, LinkPhase, TransitionError, World, same_region};

use super::Emulator;
use super::errors::ArmError;
use super::store::{Operation, OperationKind};

/// Largest request body accepted (a link request is a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// How much of a too-large body is read (and dropped) before answering 413.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

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

const ALREADY_LINKED: &str = "Cannot create geo-replication link, since this cache is already linked to another cache.";

/// The request as the handlers need it.
struct Req {
    method: Method,
    segs: Vec<String>,
    query: Vec<(String, String)>,
    base: String,
}

impl Req {
    fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn seg_is(&self, i: usize, want: &str) -> bool {
        self.segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(want))
    }
}

/// Entry point for every request.
pub async fn dispatch(emu: Emulator, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let throttled = emu.inner.config.throttle_every.filter(|n| *n > 0).is_some_and(|n| {
        let seen = emu.inner.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        seen.is_multiple_of(u64::from(n))
    });
    let result = if throttled { Err(too_many_requests()) } else { handle(&emu, method, uri, &headers, body).await };
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

async fn handle(
    emu: &Emulator,
    method: Method,
    uri: Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ArmError> {
    emu.check_token(headers)?;
    let segs: Vec<String> = uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let base = emu.inner.config.public_url.clone().unwrap_or_else(|| format!("http://{host}"));
    let req = Req { method, segs, query, base };

    let n = req.segs.len();
    if req.seg_is(0, "subscriptions") && n == 1 {
        return only_get(&req).and_then(|_| list_subscriptions(emu, &req));
    }
    let rp = |i: usize| req.seg_is(i, "providers") && req.seg_is(i + 1, "Microsoft.Cache");
    if req.seg_is(0, "subscriptions") && n >= 5 && rp(2) {
        let sub = &req.segs[1];
        if n == 5 && req.seg_is(4, "redis") {
            return only_get(&req).and_then(|_| list_caches(emu, &req, sub, None));
        }
        if n == 8 && req.seg_is(4, "locations") && req.seg_is(6, "asyncOperations") {
            return only_get(&req).and_then(|_| get_operation(emu, &req, sub, &req.segs[7]));
        }
    }
    if req.seg_is(0, "subscriptions") && req.seg_is(2, "resourceGroups") && n >= 7 && rp(4) && req.seg_is(6, "redis") {
        let (sub, rg) = (&req.segs[1], &req.segs[3]);
        match n {
            7 => return only_get(&req).and_then(|_| list_caches(emu, &req, sub, Some(rg))),
            8 => {
                return only_get(&req).and_then(|_| get_cache(emu, &req, &ResourceId::cache(sub, rg, &req.segs[7])));
            }
            9 if req.seg_is(8, "linkedServers") => {
                return only_get(&req)
                    .and_then(|_| list_linked_servers(emu, &req, &ResourceId::cache(sub, rg, &req.segs[7])));
            }
            10 if req.seg_is(8, "linkedServers") => {
                let id = ResourceId::cache(sub, rg, &req.segs[7]).linked_server(&req.segs[9]);
                return match req.method {
                    Method::GET => get_linked_server(emu, &req, &id),
                    Method::PUT => {
                        let bytes = match read_body(body).await {
                            Ok(b) => b,
                            Err(too_large) => return Ok(too_large),
                        };
                        put_linked_server(emu, &req, &id, &bytes)
                    }
                    Method::DELETE => delete_linked_server(emu, &req, &id),
                    _ => Err(method_not_allowed(&req, "GET, PUT, DELETE")),
                };
            }
            _ => {}
        }
    }
    Err(ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("No route matches '{} {}' on this emulator of Microsoft.Cache.", req.method, uri.path()),
    ))
}

/// Reads a request body of at most [`MAX_BODY`] bytes. A larger one is answered 413, after reading
/// and dropping the rest up to [`DRAIN_LIMIT`]: closing a socket with unread data resets the connection,
/// and the client could lose the 413 (or, having pooled the connection, its next request) to that.
async fn read_body(body: Body) -> Result<Vec<u8>, Response> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(ArmError::invalid_content("the request body could not be read").into_response());
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen <= MAX_BODY {
        return Ok(buf);
    }
    let mut resp = ArmError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request content is larger than the {MAX_BODY} bytes allowed."),
    )
    .into_response();
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    Err(resp)
}

fn only_get(req: &Req) -> Result<(), ArmError> {
    if req.method == Method::GET { Ok(()) } else { Err(method_not_allowed(req, "GET")) }
}

fn method_not_allowed(req: &Req, allow: &'static str) -> ArmError {
    let mut e = ArmError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("The HTTP method '{}' is not supported on this resource: use {allow}.", req.method),
    );
    e.allow = Some(allow);
    e
}

fn check_api_version(req: &Req, want: &str) -> Result<(), ArmError> {
    match req.query("api-version") {
        Some(v) if v == want => Ok(()),
        Some(v) => Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{v}' is invalid. The supported version is '{want}'."),
        )),
        None => Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version query parameter (?api-version=) is required for all requests. The supported version is '{want}'."
            ),
        )),
    }
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

fn list_subscriptions(emu: &Emulator, req: &Req) -> Result<Response, ArmError> {
    check_api_version(req, SUBSCRIPTIONS_API_VERSION)?;
    let state = emu.lock();
    Ok(json(StatusCode::OK, &Page { value: state.subscriptions.clone(), next_link: None }))
}

fn subscription_not_found(sub: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "SubscriptionNotFound",
        format!("The subscription '{sub}' could not be found."),
    )
}

fn list_caches(emu: &Emulator, req: &Req, sub: &str, rg: Option<&str>) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let skip: usize = match req.query("$skipToken") {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| ArmError::bad_request("InvalidSkipToken", format!("The $skipToken '{t}' is not valid.")))?,
    };
    let state = emu.lock();
    if !state.has_subscription(sub) {
        return Err(subscription_not_found(sub));
    }
    if let Some(rg) = rg
        && !state.has_resource_group(sub, rg)
    {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        ));
    }
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

fn get_cache(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let state = emu.lock();
    let c = state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))?;
    Ok(json(StatusCode::OK, &state.render(c)))
}

fn list_linked_servers(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let state = emu.lock();
    state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))?;
    let value = state.linked_servers(id).into_iter().map(|e| shown(emu, e)).collect();
    Ok(json(StatusCode::OK, &Page { value, next_link: None }))
}

fn linked_server_not_found(id: &ResourceId) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.Cache/Redis/{}/linkedServers/{}' under resource group '{}' was not found.",
            id.name,
            id.linked_server.as_deref().unwrap_or(""),
            id.resource_group
        ),
    )
}

fn get_linked_server(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let state = emu.lock();
    state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))?;
    let wanted = id.linked_server.as_deref().unwrap_or("");
    let entry = state
        .linked_servers(&id.cache_id())
        .into_iter()
        .find(|l| l.name().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| linked_server_not_found(id))?;
    Ok(json(StatusCode::OK, &shown(emu, entry)))
}

/// 429, as ARM throttles: an ARM error body and `Retry-After`.
fn too_many_requests() -> ArmError {
    ArmError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "The request was throttled (emulated: --throttle-every). Retry after the delay in the Retry-After header.",
    )
    .with_retry_after(1)
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

fn with_headers(mut resp: Response, headers: Vec<(header::HeaderName, String)>) -> Response {
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

fn put_linked_server(emu: &Emulator, req: &Req, id: &ResourceId, body: &[u8]) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let params: LinkedServerCreateParameters = serde_json::from_slice(body).map_err(ArmError::invalid_content)?;
    let props = &params.properties;
    match &props.server_role {
        ReplicationRole::Secondary => {}
        ReplicationRole::Primary => {
            return Err(ArmError::bad_request(
                "InvalidParameter",
                "Create the link on the primary cache with serverRole 'Secondary': the linked cache becomes the secondary.",
            )
            .with_target("properties.serverRole"));
        }
        ReplicationRole::Other(r) => {
            return Err(ArmError::invalid_content(format!(
                "serverRole '{r}' is not a replication role: expected 'Secondary'"
            ))
            .with_target("properties.serverRole"));
        }
    }
    let linked_id = ResourceId::parse(&props.linked_redis_cache_id).map_err(|e| {
        ArmError::bad_request("InvalidParameter", e.to_string()).with_target("properties.linkedRedisCacheId")
    })?;
    // The id of a cache, not of one of its linked-server entries: an entry id would otherwise name
    // the cache it belongs to here, but not match the link the operation driver looks for.
    if linked_id.linked_server.is_some() {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!("'{}' is the id of a linked server, not of a cache.", props.linked_redis_cache_id),
        )
        .with_target("properties.linkedRedisCacheId"));
    }
    let wanted = id.linked_server.clone().unwrap_or_default();
    if !linked_id.name.eq_ignore_ascii_case(&wanted) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!("The linked server name '{wanted}' must be the name of the linked cache '{}'.", linked_id.name),
        )
        .with_target("linkedServerName"));
    }

    let mut state = emu.lock();
    let primary = state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))?.clone();
    let secondary = state
        .cache(&linked_id)
        .ok_or_else(|| {
            ArmError::cache_not_found(&linked_id.resource_group, &linked_id.name)
                .with_target("properties.linkedRedisCacheId")
        })?
        .clone();
    if !same_region(&props.linked_redis_cache_location, &secondary.resource.location) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!(
                "linkedRedisCacheLocation '{}' does not match the location of '{}', which is '{}'.",
                props.linked_redis_cache_location, linked_id.name, secondary.resource.location
            ),
        )
        .with_target("properties.linkedRedisCacheLocation"));
    }
    let cache_id = id.cache_id();
    // PUT is idempotent: asking again for the link that exists answers with it. Not while it is being
    // deleted: that is an operation in flight (409 below), not the link the caller asked for.
    if let Some(link) = state.topology.link_between(&cache_id, &linked_id)
        && link.primary == cache_id
        && link.phase != LinkPhase::Deleting
    {
        let entry = state.linked_servers(&cache_id).into_iter().find(|l| l.name().eq_ignore_ascii_case(&wanted));
        if let Some(entry) = entry {
            return Ok(json(StatusCode::OK, &shown(emu, entry)));
        }
    }
    let p = state.render(&primary);
    let s = state.render(&secondary);
    // The state machine applies every rule; a refusal carries all the reasons, which decide the answer.
    match state.topology.begin_link(&p, &s) {
        Ok(_) => {}
        Err(TransitionError::Incompatible(reasons)) => {
            if reasons.iter().any(|r| matches!(r, Incompatibility::OperationInProgress { .. })) {
                let busy = if state.topology.has_operation(&p) { &cache_id } else { &linked_id };
                return Err(ArmError::new(
                    StatusCode::CONFLICT,
                    "Conflict",
                    format!(
                        "The cache '{}' is busy with another geo-replication operation. Try again when it has finished.",
                        busy.name
                    ),
                ));
            }
            let details = reasons.iter().map(|r| crate::arm::ErrorDetail::new(r.code(), r.message())).collect();
            let (code, message) = if reasons.iter().any(|r| matches!(r, Incompatibility::AlreadyLinked { .. })) {
                ("BadRequest", ALREADY_LINKED.to_string())
            } else {
                (
                    "GeoReplicationPrerequisitesNotMet",
                    format!(
                        "'{}' cannot be linked as secondary to '{}': {}",
                        linked_id.name,
                        cache_id.name,
                        reasons.iter().map(|r| r.message()).collect::<Vec<_>>().join(" ")
                    ),
                )
            };
            return Err(ArmError::bad_request(code, message).with_details(details));
        }
        Err(other) => return Err(ArmError::bad_request("BadRequest", other.to_string())),
    }
    let op = Operation {
        id: Uuid::new_v4(),
        kind: OperationKind::Link,
        subscription: cache_id.subscription.clone(),
        location: p.location.clone(),
        secondary_location: s.location.clone(),
        primary: cache_id.clone(),
        secondary: linked_id.clone(),
        status: OperationState::InProgress,
        start_time: Utc::now(),
        end_time: None,
        percent_complete: 0.0,
        bytes_total: primary.dataset.bytes,
        bytes_done: 0,
        secondary_before: secondary.dataset,
        error: None,
    };
    if let Err(e) = emu.inner.data_plane.start(&op, &primary, &secondary) {
        let _ = state.topology.apply(&cache_id, crate::geo::LinkEvent::LinkFailed);
        let _ = state.topology.apply(&cache_id, crate::geo::LinkEvent::UnlinkStarted);
        let _ = state.topology.apply(&cache_id, crate::geo::LinkEvent::Unlinked);
        return Err(ArmError::from_detail(StatusCode::BAD_REQUEST, e));
    }
    state.push_operation(op.clone());
    let snapshot = emu.snapshot_for_file(&state);
    let entry = state.linked_servers(&cache_id).into_iter().find(|l| l.name().eq_ignore_ascii_case(&wanted));
    drop(state);
    emu.persist(snapshot);
    let entry = entry.ok_or_else(|| linked_server_not_found(id))?;
    tracing::info!(primary = %cache_id, secondary = %linked_id, op = %op.id, "link started");
    let resource_url = format!("{}{}?api-version={API_VERSION}", req.base, id);
    Ok(with_headers(json(StatusCode::CREATED, &shown(emu, entry)), lro_headers(emu, req, &op, &resource_url)))
}

fn delete_linked_server(emu: &Emulator, req: &Req, id: &ResourceId) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
    let mut state = emu.lock();
    state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))?;
    let cache_id = id.cache_id();
    let wanted = id.linked_server.clone().unwrap_or_default();
    let Some(link) = state
        .topology
        .link_of(&cache_id)
        .filter(|l| l.peer_of(&cache_id).is_some_and(|(peer, _, _)| peer.name.eq_ignore_ascii_case(&wanted)))
    else {
        // Deleting what is not there succeeds at once. The spec allows only 200 and 202 here (the Azure
        // SDK rejects a 204), so: 200 with an empty body.
        return Ok((StatusCode::OK, Body::empty()).into_response());
    };
    let link = link.clone();
    if link.phase.in_flight() {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "The link between '{}' and '{}' is {}: wait for that operation to finish.",
                link.primary.name,
                link.secondary.name,
                link.phase.as_str()
            ),
        ));
    }
    let (Some(primary), Some(secondary)) = (state.cache(&link.primary).cloned(), state.cache(&link.secondary).cloned())
    else {
        return Err(linked_server_not_found(id));
    };
    state
        .topology
        .apply(&cache_id, crate::geo::LinkEvent::UnlinkStarted)
        .map_err(|e| ArmError::new(StatusCode::CONFLICT, "Conflict", e.to_string()))?;
    let op = Operation {
        id: Uuid::new_v4(),
        kind: OperationKind::Unlink,
        subscription: cache_id.subscription.clone(),
        location: link.primary_location.clone(),
        secondary_location: link.secondary_location.clone(),
        primary: link.primary.clone(),
        secondary: link.secondary.clone(),
        status: OperationState::InProgress,
        start_time: Utc::now(),
        end_time: None,
        percent_complete: 0.0,
        bytes_total: 0,
        bytes_done: 0,
        secondary_before: secondary.dataset,
        error: None,
    };
    if let Err(e) = emu.inner.data_plane.start(&op, &primary, &secondary) {
        let _ = state.topology.apply(&cache_id, crate::geo::LinkEvent::UnlinkFailed);
        return Err(ArmError::from_detail(StatusCode::BAD_REQUEST, e));
    }
    state.push_operation(op.clone());
    let snapshot = emu.snapshot_for_file(&state);
    drop(state);
    emu.persist(snapshot);
    tracing::info!(primary = %link.primary, secondary = %link.secondary, op = %op.id, "unlink started");
    let resp = (StatusCode::ACCEPTED, Body::empty()).into_response();
    Ok(with_headers(resp, lro_headers(emu, req, &op, "")))
}

fn get_operation(emu: &Emulator, req: &Req, sub: &str, op_id: &str) -> Result<Response, ArmError> {
    check_api_version(req, API_VERSION)?;
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
