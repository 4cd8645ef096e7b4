//! Long-running operations: poll `Azure-AsyncOperation`, else `Location`, else the resource itself.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::Value;

use crate::arm::{ErrorDetail, OperationState, OperationStatus};

use super::{ArmClient, ClientError};

/// Where to ask how an operation is going.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lro {
    pub async_operation: Option<String>,
    pub location: Option<String>,
    /// The resource the operation acts on (the request URL).
    pub resource: String,
    pub retry_after: Option<Duration>,
    /// `x-ms-request-id` of the request that started the operation (what support asks for).
    pub request_id: Option<String>,
}

/// One poll's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct LroStatus {
    pub state: OperationState,
    /// `None` where the service gives no percentage (real Azure).
    pub percent: Option<f64>,
    pub error: Option<ErrorDetail>,
    pub retry_after: Option<Duration>,
}

pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

impl Lro {
    pub fn from_headers(headers: &HeaderMap, request_url: &str) -> Self {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        Lro {
            async_operation: get("azure-asyncoperation"),
            location: headers.get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string),
            resource: request_url.to_string(),
            retry_after: retry_after(headers),
            request_id: super::error::request_id(headers),
        }
    }
}

pub(crate) async fn poll(client: &ArmClient, lro: &Lro) -> Result<LroStatus, ClientError> {
    if let Some(url) = &lro.async_operation {
        let resp = client.get_response(url).await?;
        let after = retry_after(resp.headers());
        let status: OperationStatus = super::decode(resp).await?;
        return Ok(LroStatus {
            state: status.status,
            percent: status.percent_complete,
            error: status.error,
            retry_after: after,
        });
    }
    if let Some(url) = &lro.location {
        // 202 while running; the final answer may carry an operation status or the resource itself
        // (the emulator's Location points at one or the other), else it is just done.
        let resp = client.get_response(url).await?;
        let after = retry_after(resp.headers());
        if resp.status() == StatusCode::ACCEPTED {
            return Ok(LroStatus { state: OperationState::InProgress, percent: None, error: None, retry_after: after });
        }
        let bytes = resp.bytes().await.map_err(ClientError::from_reqwest)?;
        let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
        let status = status_of_body(&body).unwrap_or(LroStatus {
            state: OperationState::Succeeded,
            percent: None,
            error: None,
            retry_after: None,
        });
        return Ok(LroStatus { retry_after: after, ..status });
    }
    // No operation to follow: read the resource's provisioningState. A DELETE whose resource is gone
    // has succeeded.
    match client.get_response(&lro.resource).await {
        Ok(resp) => {
            let after = retry_after(resp.headers());
            let body: Value = super::decode(resp).await?;
            let status = status_of_body(&body).unwrap_or(LroStatus {
                state: OperationState::Succeeded,
                percent: None,
                error: None,
                retry_after: None,
            });
            Ok(LroStatus { retry_after: after, ..status })
        }
        Err(ClientError::Arm { status: 404, .. }) => {
            Ok(LroStatus { state: OperationState::Succeeded, percent: None, error: None, retry_after: None })
        }
        Err(e) => Err(e),
    }
}

/// What a body says about an operation: an operation status (`status`), or a resource's
/// `properties.provisioningState`. `None` when it says neither.
fn status_of_body(body: &Value) -> Option<LroStatus> {
    if body.get("status").is_some_and(Value::is_string)
        && let Ok(op) = serde_json::from_value::<OperationStatus>(body.clone())
    {
        return Some(LroStatus { state: op.status, percent: op.percent_complete, error: op.error, retry_after: None });
    }
    let state = body.pointer("/properties/provisioningState").and_then(Value::as_str)?;
    let state = match state {
        s if s.eq_ignore_ascii_case("Succeeded") => OperationState::Succeeded,
        s if s.eq_ignore_ascii_case("Failed") => OperationState::Failed,
        s if s.eq_ignore_ascii_case("Canceled") => OperationState::Canceled,
        _ => OperationState::InProgress,
    };
    Some(LroStatus { state, percent: None, error: None, retry_after: None })
}
