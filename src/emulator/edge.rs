//! What every request meets before the routes, in this order: the limits the emulator sets on the
//! request's head (URI length, header count and size), the token, injected faults (`--chaos`), throttling
//! (`--throttle-every`), ARM's read limits (`--read-limit`, [`super::read_limit`]), then the body, read whole within `--body-timeout` and up to [`MAX_BODY`] bytes.
//! Every refusal here is an ARM error (`{"error":{"code","message"}}`) with a request id, as from the
//! routes. Authentication comes first: a request without the token gets 401, never 429 or a fault.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::Emulator;
use super::chaos::{self, Decision, Fault};
use super::errors::ArmError;
use super::read_limit::{self, Verdict};
use super::routes::MAX_BODY;

/// Longest request target (path and query) the emulator accepts: ARM ids are a few hundred bytes.
/// hyper answers a target longer than 65,534 bytes itself (414, empty body).
pub const MAX_URI: usize = 8 * 1024;
/// Most header fields in a request. hyper is set to parse up to [`super::server::HYPER_MAX_HEADERS`],
/// so 101 to that many get this ARM 431; more get hyper's own (empty) 431.
pub const MAX_HEADERS: usize = 100;
/// Most bytes of header names and values together.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// How much of a too-large body is read (and dropped) before answering 413: closing a socket with
/// unread data resets the connection, and the client could lose the 413 to that.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// The middleware (`axum::middleware::from_fn_with_state`).
pub(crate) async fn edge(State(emu): State<Emulator>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let seen = emu.inner.access_log.as_ref().map(|_| (req.method().clone(), req.uri().path().to_string()));
    let mut resp = match admit(&emu, req).await {
        Ok((req, remaining)) => {
            let mut resp = next.run(req).await;
            if let Some((name, left)) = remaining {
                resp.headers_mut().insert(name, HeaderValue::from(left));
            }
            resp
        }
        Err(refused) => refused,
    };
    if !resp.headers().contains_key("x-ms-request-id")
        && let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        resp.headers_mut().insert("x-ms-request-id", v.clone());
        resp.headers_mut().insert("x-ms-correlation-request-id", v);
    }
    if let (Some(log), Some((method, path))) = (&emu.inner.access_log, seen) {
        log.record(method.as_str(), &path, resp.status().as_u16(), started.elapsed(), read_limit::scope_of(&path));
    }
    resp
}

/// A read's remaining-reads header and value, to add to its answer.
type Remaining = Option<(&'static str, u32)>;

async fn admit(emu: &Emulator, req: Request) -> Result<(Request, Remaining), Response> {
    check_head(&req).map_err(closing)?;
    emu.check_token(req.headers()).map_err(IntoResponse::into_response)?;
    if let Some(chaos) = &emu.inner.chaos
        && let Some(decision) = req.extensions().get::<Decision>()
    {
        let fault = match decision.fault {
            Fault::ServerError(status) => Some(chaos::server_error(status)),
            Fault::Throttle => Some(chaos::throttled()),
            Fault::None | Fault::Drop => None,
        };
        if let Some(e) = fault {
            chaos.record(decision.fault, req.method(), req.uri().path());
            return Err(e.into_response());
        }
    }
    let throttled = emu.inner.config.throttle_every.filter(|n| *n > 0).is_some_and(|n| {
        let seen = emu.inner.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        seen.is_multiple_of(u64::from(n))
    });
    if throttled {
        return Err(too_many_requests().into_response());
    }
    let remaining = take_read(emu, &req).map_err(|(refused, header)| {
        let mut resp = refused.into_response();
        resp.headers_mut().insert(header, HeaderValue::from(0u32));
        resp
    })?;
    let (parts, body) = req.into_parts();
    let bytes = match tokio::time::timeout(emu.inner.config.limits.body_timeout, read_body(body)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(closing(e)),
        Err(_) => {
            let secs = emu.inner.config.limits.body_timeout.as_secs_f64();
            return Err(closing(ArmError::new(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeout",
                format!("The request body did not arrive within {secs} seconds."),
            )));
        }
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), remaining))
}

/// With `--read-limit`: takes a read (a GET, or a Resource Graph query) from its scope's bucket.
/// A refusal names the header that says no read is left.
fn take_read(emu: &Emulator, req: &Request) -> Result<Remaining, (ArmError, &'static str)> {
    let Some(limiter) = &emu.inner.read_limiter else { return Ok(None) };
    let path = req.uri().path();
    let graph = path.trim_end_matches('/').eq_ignore_ascii_case(crate::arm::RESOURCE_GRAPH_PATH);
    let read = req.method() == Method::GET || req.method() == Method::HEAD || (req.method() == Method::POST && graph);
    if !read {
        return Ok(None);
    }
    let scope = read_limit::scope_of(path);
    let header = if scope.is_some() { read_limit::SUBSCRIPTION_READS_HEADER } else { read_limit::TENANT_READS_HEADER };
    match limiter.take(scope.unwrap_or(""), std::time::Instant::now()) {
        Verdict::Allowed(left) => Ok(Some((header, left))),
        Verdict::Throttled(seconds) => {
            let (code, whose) = match scope {
                Some(sub) => ("SubscriptionRequestsThrottled", format!("subscription '{sub}'")),
                None => ("TenantRequestsThrottled", "the tenant".to_string()),
            };
            let message = format!(
                "Number of read requests for {whose} exceeded the limit of {} (refilled at {} a second). Retry after {seconds} seconds.",
                limiter.limit().reads,
                limiter.limit().per_second
            );
            Err((ArmError::new(StatusCode::TOO_MANY_REQUESTS, code, message).with_retry_after(seconds), header))
        }
    }
}

/// An error answer after which the connection is closed (the rest of the request is not read).
pub(crate) fn closing(e: ArmError) -> Response {
    let mut resp = e.into_response();
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The limits on the request's head that the emulator sets itself.
fn check_head(req: &Request) -> Result<(), ArmError> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI {
        return Err(ArmError::new(
            StatusCode::URI_TOO_LONG,
            "RequestUriTooLong",
            format!("The request URI is {target} bytes long; at most {MAX_URI} are accepted."),
        ));
    }
    let headers = req.headers();
    if headers.len() > MAX_HEADERS {
        return Err(ArmError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!("The request has {} header fields; at most {MAX_HEADERS} are accepted.", headers.len()),
        ));
    }
    let bytes: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if bytes > MAX_HEADER_BYTES {
        return Err(ArmError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!("The request's headers are {bytes} bytes; at most {MAX_HEADER_BYTES} are accepted."),
        ));
    }
    Ok(())
}

/// Reads a body of at most [`MAX_BODY`] bytes; a larger one is read and dropped up to [`DRAIN_LIMIT`]
/// and answered 413.
pub(crate) async fn read_body(body: Body) -> Result<Vec<u8>, ArmError> {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ArmError::invalid_content("the request body could not be read"))?;
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
    Err(ArmError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request content is larger than the {MAX_BODY} bytes allowed."),
    ))
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
