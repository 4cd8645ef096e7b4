//! The Managed Redis routes (api-version 2025-07-01):
//!
//! - `GET /subscriptions/{s}/providers/Microsoft.Cache/redisEnterprise` and
//!   `GET .../resourceGroups/{g}/providers/Microsoft.Cache/redisEnterprise`: clusters;
//! - `GET .../redisEnterprise/{c}`, `GET .../redisEnterprise/{c}/databases`, `GET|PUT .../databases/{d}`;
//! - `POST .../databases/{d}/forceUnlink|forceLinkToReplicationGroup|flush`;
//! - `GET /subscriptions/{s}/providers/Microsoft.Cache/locations/{l}/operationsStatus/{id}`;
//! - `GET .../redisEnterprise/{c}/providers/Microsoft.Insights/metrics` (see [`super::metrics`]).

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::arm::Page;
use crate::arm::enterprise::{
    Database, ENTERPRISE_API_VERSION, EnterpriseId, FlushParameters, ForceLinkParameters, ForceUnlinkParameters,
};

use super::super::Emulator;
use super::super::errors::ArmError;
use super::super::routes::parse::Req;
use super::super::routes::validate::api_version;
use super::super::routes::{json, method_not_allowed};
use super::group::{self, cluster_not_found, database_not_found};
use super::state::EnterpriseOperation;

/// Whether the path is one of these routes (so the caller hands the request here).
pub(crate) fn matches(req: &Req) -> bool {
    let n = req.segs.len();
    let rp = |i: usize| req.seg_is(i, "providers") && req.seg_is(i + 1, "Microsoft.Cache");
    req.seg_is(0, "subscriptions")
        && ((n == 5 && rp(2) && req.seg_is(4, "redisEnterprise"))
            || (n == 8 && rp(2) && req.seg_is(4, "locations") && req.seg_is(6, "operationsStatus"))
            || (n >= 7 && req.seg_is(2, "resourceGroups") && rp(4) && req.seg_is(6, "redisEnterprise")))
}

/// A name that can be a cluster's or a database's: 1 to 60 letters, digits and hyphens. Anything else
/// (`/`, `?`, `#`, `%`, `..` once decoded) names nothing here.
fn valid_name(s: &str) -> bool {
    (1..=60).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn valid_group(s: &str) -> bool {
    (1..=90).contains(&s.len())
        && s != "."
        && !s.contains("..")
        && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
}

pub(crate) async fn handle(emu: &Emulator, req: &Req, body: Body) -> Result<Response, ArmError> {
    let n = req.segs.len();
    let sub = req.segs[1].as_str();
    if n == 5 {
        return only(req, Method::GET).and_then(|_| list_clusters(emu, req, sub, None));
    }
    if n == 8 && req.seg_is(4, "locations") {
        return only(req, Method::GET).and_then(|_| get_operation(emu, req, sub, &req.segs[7]));
    }
    let rg = req.segs[3].as_str();
    if n == 7 {
        return only(req, Method::GET).and_then(|_| list_clusters(emu, req, sub, Some(rg)));
    }
    let cluster_name = req.segs[7].as_str();
    let cluster = EnterpriseId::cluster(sub, rg, cluster_name);
    let ok_names = valid_group(rg) && valid_name(cluster_name);
    match n {
        8 if ok_names => only(req, Method::GET).and_then(|_| get_cluster(emu, req, &cluster)),
        9 if ok_names && req.seg_is(8, "databases") => {
            only(req, Method::GET).and_then(|_| list_databases(emu, req, &cluster))
        }
        10 if req.seg_is(8, "databases") => {
            let db_name = req.segs[9].as_str();
            if !(ok_names && valid_name(db_name)) {
                return Err(not_found_name(req));
            }
            let id = cluster.database(db_name);
            match req.method {
                Method::GET => get_database(emu, req, &id),
                Method::PUT => match super::super::edge::read_body(body).await {
                    Ok(bytes) => put_database(emu, req, &id, &bytes).await,
                    Err(too_large) => Ok(super::super::edge::closing(too_large)),
                },
                _ => Err(method_not_allowed(req, "GET, PUT")),
            }
        }
        11 if req.seg_is(8, "databases") => {
            let db_name = req.segs[9].as_str();
            let action =
                ["forceUnlink", "forceLinkToReplicationGroup", "flush"].into_iter().find(|a| req.seg_is(10, a));
            let Some(action) = action.filter(|_| ok_names && valid_name(db_name)) else {
                return Err(not_found_name(req));
            };
            only(req, Method::POST)?;
            let bytes = match super::super::edge::read_body(body).await {
                Ok(bytes) => bytes,
                Err(too_large) => return Ok(super::super::edge::closing(too_large)),
            };
            post_action(emu, req, &cluster.database(db_name), action, &bytes).await
        }
        11 if ok_names
            && req.seg_is(8, "providers")
            && req.seg_is(9, "Microsoft.Insights")
            && req.seg_is(10, "metrics") =>
        {
            only(req, Method::GET).and_then(|_| super::metrics::list_metrics(emu, req, &cluster))
        }
        _ => Err(not_found_name(req)),
    }
}

fn only(req: &Req, method: Method) -> Result<(), ArmError> {
    if req.method == method {
        Ok(())
    } else {
        Err(method_not_allowed(req, if method == Method::POST { "POST" } else { "GET" }))
    }
}

fn not_found_name(req: &Req) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!("No Microsoft.Cache/redisEnterprise resource is at '/{}'.", req.segs.join("/")),
    )
}

fn list_clusters(emu: &Emulator, req: &Req, sub: &str, rg: Option<&str>) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let state = emu.lock();
    if !state.has_subscription(sub) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ));
    }
    if let Some(rg) = rg
        && !(state.has_resource_group(sub, rg) || state.enterprise.has_resource_group(sub, rg))
    {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        ));
    }
    Ok(json(StatusCode::OK, &Page { value: state.enterprise.clusters_in(sub, rg), next_link: None }))
}

fn get_cluster(emu: &Emulator, req: &Req, id: &EnterpriseId) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let state = emu.lock();
    let c = state.enterprise.cluster(id).ok_or_else(|| cluster_not_found(id))?;
    Ok(json(StatusCode::OK, &state.enterprise.render_cluster(c)))
}

fn list_databases(emu: &Emulator, req: &Req, id: &EnterpriseId) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let state = emu.lock();
    state.enterprise.cluster(id).ok_or_else(|| cluster_not_found(id))?;
    Ok(json(StatusCode::OK, &Page { value: state.enterprise.databases_of(id), next_link: None }))
}

fn get_database(emu: &Emulator, req: &Req, id: &EnterpriseId) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let state = emu.lock();
    state.enterprise.cluster(id).ok_or_else(|| cluster_not_found(id))?;
    let r = state.enterprise.database(id).ok_or_else(|| database_not_found(id))?;
    Ok(json(StatusCode::OK, &state.enterprise.render_database(r)))
}

async fn put_database(emu: &Emulator, req: &Req, id: &EnterpriseId, body: &[u8]) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let requested: Database = serde_json::from_slice(body).map_err(ArmError::invalid_content)?;
    let (op, shown, ticket) = {
        let mut state = emu.lock();
        let op = group::create(&mut state.enterprise, id, requested, chrono::Utc::now())?;
        let shown = state.enterprise.database(id).map(|r| state.enterprise.render_database(r));
        let ticket = op.is_some().then(|| emu.stage(&state));
        (op, shown, ticket)
    };
    if let Some(ticket) = ticket {
        emu.durable(ticket).await.map_err(not_saved)?;
    }
    let shown = shown.ok_or_else(|| database_not_found(id))?;
    let Some(op) = op else { return Ok(json(StatusCode::OK, &shown)) };
    tracing::info!(database = %id, op = %op.id, "Managed Redis database create started");
    Ok(with_lro_headers(emu, req, json(StatusCode::CREATED, &shown), &op, false))
}

async fn post_action(
    emu: &Emulator,
    req: &Req,
    id: &EnterpriseId,
    action: &str,
    body: &[u8],
) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let now = chrono::Utc::now();
    // Flush's body is optional; the others' are required.
    let parse_err = ArmError::invalid_content;
    let (op, ticket) = {
        let mut state = emu.lock();
        state.enterprise.cluster(id).ok_or_else(|| cluster_not_found(id))?;
        let e = &mut state.enterprise;
        let op = match action {
            "forceUnlink" => {
                let p: ForceUnlinkParameters = serde_json::from_slice(body).map_err(parse_err)?;
                group::force_unlink(e, id, &p, now)?
            }
            "forceLinkToReplicationGroup" => {
                let p: ForceLinkParameters = serde_json::from_slice(body).map_err(parse_err)?;
                group::force_link(e, id, &p, now)?
            }
            _ => {
                let p: FlushParameters = if body.iter().all(u8::is_ascii_whitespace) {
                    FlushParameters::default()
                } else {
                    serde_json::from_slice(body).map_err(parse_err)?
                };
                group::flush(e, id, &p)?
            }
        };
        let ticket = emu.stage(&state);
        (op, ticket)
    };
    emu.durable(ticket).await.map_err(not_saved)?;
    tracing::info!(database = %id, action, op = %op.id, "Managed Redis operation started");
    Ok(with_lro_headers(emu, req, (StatusCode::ACCEPTED, Body::empty()).into_response(), &op, true))
}

fn get_operation(emu: &Emulator, req: &Req, sub: &str, op_id: &str) -> Result<Response, ArmError> {
    api_version(req, ENTERPRISE_API_VERSION)?;
    let not_found =
        || ArmError::new(StatusCode::NOT_FOUND, "ResourceNotFound", format!("The operation '{op_id}' was not found."));
    let id = Uuid::parse_str(op_id).map_err(|_| not_found())?;
    let state = emu.lock();
    let op =
        state.enterprise.operation(id).filter(|o| o.subscription.eq_ignore_ascii_case(sub)).ok_or_else(not_found)?;
    Ok(json(StatusCode::OK, &op.status_body()))
}

fn not_saved(why: String) -> ArmError {
    ArmError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "StateNotSaved",
        format!("The emulator could not save its state ({why}); the request is not acknowledged. Try again."),
    )
    .with_retry_after(5)
}

/// `Azure-AsyncOperation` (the operation's status URL), `Retry-After`, and for POSTs a `Location` equal
/// to it (the spec's 202 answers carry both).
fn with_lro_headers(
    emu: &Emulator,
    req: &Req,
    mut resp: Response,
    op: &EnterpriseOperation,
    location: bool,
) -> Response {
    let url = format!("{}{}?api-version={ENTERPRISE_API_VERSION}", req.base, op.status_path());
    let mut headers = vec![(header::HeaderName::from_static("azure-asyncoperation"), url.clone())];
    if location {
        headers.push((header::LOCATION, url));
    }
    headers.push((header::RETRY_AFTER, emu.retry_after_seconds().to_string()));
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}
