//! Long-running operations: poll `Azure-AsyncOperation`, else `Location`, else the resource itself;
//! and the one loop that follows an operation to its end ([`ArmClient::follow`]), used by the CLI,
//! the console and the tests.

use std::time::Duration;

use futures::{Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::Value;
use tokio::time::Instant;

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
        let status: OperationStatus = client.decode(resp).await?;
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
        let http = resp.status();
        let kind = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no type").to_string();
        let request_id = super::error::request_id(resp.headers());
        let bytes = client.body(resp).await?;
        // No body (a 204, or a 200 without one) is the end of a DELETE. A body that is not JSON is not
        // an answer from the service (a proxy's or a captive portal's page): done it is not.
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                ClientError::Decode(format!(
                    "the operation's Location answered {http} with a body that is not JSON ({kind}, {} bytes: {e}){}",
                    bytes.len(),
                    request_id.map(|r| format!(" (request {r})")).unwrap_or_default()
                ))
            })?
        };
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
            let body: Value = client.decode(resp).await?;
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

/// Polls of an operation that may fail in a row (connection lost, 5xx after retries) before following
/// it gives up: links take up to half an hour, and a network blip must not end the wait.
pub const POLL_FAILURES_TOLERATED: u32 = 5;

/// How to follow an operation ([`ArmClient::follow`]).
#[derive(Clone, Debug)]
pub struct Follow {
    /// Transient failures in a row (no answer, 429, 5xx) tolerated before the error ends the stream.
    pub tolerated_failures: u32,
    /// Give up at this moment (and the bound it came from, for the message): the stream ends with
    /// [`ClientError::OperationTimeout`], or a request's [`ClientError::Timeout`].
    pub deadline: Option<(Instant, Duration)>,
    /// Bound each poll (retries included) by this, when the client has no deadline of its own.
    pub poll_bound: Option<Duration>,
    /// Waits between polls are kept in this range (`Retry-After: 0` is not a busy loop, an hour-long
    /// one does not stall).
    pub min_interval: Duration,
    pub max_interval: Duration,
}

impl Default for Follow {
    fn default() -> Self {
        Follow {
            tolerated_failures: POLL_FAILURES_TOLERATED,
            deadline: None,
            poll_bound: None,
            min_interval: Duration::from_millis(10),
            max_interval: Duration::from_secs(120),
        }
    }
}

/// Where the stream is.
struct Following {
    client: ArmClient,
    lro: Lro,
    options: Follow,
    last: Option<LroStatus>,
    failures: u32,
    done: bool,
}

impl Following {
    /// The next item: the next status, or the error that ends the stream; `None` after the end.
    async fn next(&mut self) -> Option<Result<LroStatus, ClientError>> {
        if self.done {
            return None;
        }
        loop {
            let wait = self
                .client
                .next_poll_in(&self.lro, self.last.as_ref())
                .clamp(self.options.min_interval, self.options.max_interval.max(self.options.min_interval));
            if let Some((until, budget)) = self.options.deadline
                && Instant::now() + wait >= until
            {
                tokio::time::sleep_until(until).await;
                self.done = true;
                return Some(Err(ClientError::OperationTimeout { within: budget }));
            }
            tokio::time::sleep(wait).await;
            let client = match (self.options.deadline, self.options.poll_bound) {
                (Some((until, budget)), _) => self.client.until(until, budget),
                (None, Some(bound)) => self.client.until(Instant::now() + bound, bound),
                (None, None) => self.client.clone(),
            };
            match client.poll(&self.lro).await {
                Ok(status) => {
                    self.failures = 0;
                    self.done = status.state.is_terminal();
                    self.last = Some(status.clone());
                    return Some(Ok(status));
                }
                Err(e) if e.is_transient() && self.failures + 1 < self.options.tolerated_failures => {
                    self.failures += 1;
                    tracing::warn!(error = %e, failures = self.failures, "polling the operation failed; trying again");
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl ArmClient {
    /// How long to wait before the next poll: the last answer's `Retry-After`, else the one the request
    /// was accepted with, else the client's poll interval.
    pub fn next_poll_in(&self, lro: &Lro, last: Option<&LroStatus>) -> Duration {
        last.and_then(|s| s.retry_after)
            .or(lro.retry_after)
            .unwrap_or(self.poll_interval)
            .max(Duration::from_millis(10))
    }

    /// Follows an operation to its end, as the Azure SDKs do: the first poll after the delay the
    /// request was accepted with (else the poll interval), then `Retry-After` or the poll interval
    /// between polls. Yields every answer; ends after a terminal one (Succeeded, Failed, Canceled), or
    /// with the error that ended the wait: a transient failure past the tolerated ones in a row, any
    /// other failure at once, or the deadline passing.
    pub fn follow(&self, lro: &Lro, options: Follow) -> impl Stream<Item = Result<LroStatus, ClientError>> + Send {
        let state = Following { client: self.clone(), lro: lro.clone(), options, last: None, failures: 0, done: false };
        futures::stream::unfold(state, |mut s| async move { s.next().await.map(|item| (item, s)) })
    }

    /// Follows the operation ([`ArmClient::follow`], with the client's own deadline if it has one)
    /// and returns its last status, calling `on_status` with every answer.
    pub async fn wait_with(&self, lro: &Lro, mut on_status: impl FnMut(&LroStatus)) -> Result<LroStatus, ClientError> {
        let options = Follow { deadline: self.deadline(), ..Follow::default() };
        let stream = self.follow(lro, options);
        futures::pin_mut!(stream);
        let mut last = None;
        while let Some(item) = stream.next().await {
            let status = item?;
            on_status(&status);
            last = Some(status);
        }
        last.ok_or_else(|| ClientError::Decode("the operation's status stream ended without an answer".into()))
    }

    /// [`ArmClient::wait_with`] without a callback.
    pub async fn wait(&self, lro: &Lro) -> Result<LroStatus, ClientError> {
        self.wait_with(lro, |_| {}).await
    }
}
