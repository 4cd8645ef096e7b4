//! Sending requests: the token only to the endpoint's origin, retries with backoff (honouring
//! `Retry-After`), reads spaced out as ARM's remaining-reads count falls ([`super::pacing`]), a new token after a 401, every attempt bounded by the client's deadline, and paths
//! built from encoded segments.

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::arm::{Page, ResourceId};

use super::names::segment;
use super::{ArmClient, ClientError, error, lro};

/// A bound on everything a client sends: nothing is sent after `until`, and no attempt outlives it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    pub until: Instant,
    /// The bound as it was given, for messages ("no answer within 60 s").
    pub budget: Duration,
}

impl ArmClient {
    /// `{base}{path}?api-version=...`; `path` is made of [`ArmClient::path`]'s encoded segments.
    pub(crate) fn url(&self, path: &str, api_version: &str) -> String {
        format!("{}{}?api-version={}", self.base, path, api_version)
    }

    /// `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/redis/{n}`, every name
    /// percent-encoded (a name with `/`, `?`, `#` or `%` stays one segment), `.`/`..`/empty refused.
    pub(crate) fn cache_path(id: &ResourceId) -> Result<String, ClientError> {
        Ok(format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redis/{}",
            segment(&id.subscription)?,
            segment(&id.resource_group)?,
            segment(&id.name)?
        ))
    }

    /// Whether `url` is on the endpoint's own origin (scheme, host and port). URLs from responses
    /// (`nextLink`, `Azure-AsyncOperation`, `Location`) could name any host: the token goes only here.
    pub(crate) fn same_origin(&self, url: &str) -> bool {
        match (reqwest::Url::parse(url), reqwest::Url::parse(&self.base)) {
            (Ok(a), Ok(b)) => {
                a.scheme() == b.scheme()
                    && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
                    && a.port_or_known_default() == b.port_or_known_default()
            }
            _ => false,
        }
    }

    async fn request(&self, method: Method, url: &str) -> Result<reqwest::RequestBuilder, ClientError> {
        let mut rb = self.http.request(method, url).header(header::ACCEPT, "application/json");
        if !self.same_origin(url) {
            tracing::warn!("a URL from the service points at another origin: sending it without the token");
            return Ok(rb);
        }
        if let Some(t) = self.credential.token().await? {
            // bearer_auth marks the header sensitive: it is left out of reqwest's and hyper's Debug.
            rb = rb.bearer_auth(t.expose());
        }
        Ok(rb)
    }

    /// How long the next attempt may take: the per-request timeout, cut to what is left before the
    /// deadline. `Err` when the deadline has passed.
    fn attempt_bound(&self, url: &str) -> Result<Duration, ClientError> {
        let Some(d) = self.deadline else { return Ok(self.retry.timeout) };
        let left = d.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ClientError::Timeout {
                endpoint: error::origin(url),
                within: d.budget,
                detail: "the deadline passed before the request was sent".into(),
            });
        }
        Ok(left.min(self.retry.timeout))
    }

    /// Whether sleeping `wait` before the next attempt still leaves time for it.
    fn time_for(&self, wait: Duration) -> bool {
        self.deadline.is_none_or(|d| Instant::now() + wait < d.until)
    }

    /// Sends a request: retried on connection errors, 429 and 5xx when `idempotent` (GET), on 429 only
    /// otherwise (the service did not act on a throttled request); honours `Retry-After`; after a 401
    /// fetches a new token once when the credential can. Returns the response when it is a success.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<reqwest::Response, ClientError> {
        self.send_with(method, url, body, idempotent, &[]).await
    }

    /// [`Self::send`] with extra request headers.
    pub(crate) async fn send_with(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
        headers: &[(&'static str, &'static str)],
    ) -> Result<reqwest::Response, ClientError> {
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts;
            let wait = self.retry.backoff * 2u32.saturating_pow(attempt - 1);
            if idempotent {
                self.pacer.wait(url).await;
            }
            let bound = self.attempt_bound(url)?;
            let mut rb = self.request(method.clone(), url).await?.timeout(bound);
            for (name, value) in headers {
                rb = rb.header(*name, *value);
            }
            if let Some(body) = body {
                rb = rb.json(body);
            }
            let sent = rb.send().await;
            if let Ok(resp) = &sent {
                self.pacer.observe(url, resp.headers());
            }
            match sent {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let status = resp.status();
                    let after = lro::retry_after(resp.headers());
                    let err = ClientError::from_response(resp).await;
                    if status == StatusCode::UNAUTHORIZED {
                        if !reauthenticated && self.credential.invalidate() {
                            reauthenticated = true;
                            attempt -= 1;
                            tracing::debug!(%url, "401: fetching a new token");
                            continue;
                        }
                        return Err(err.with_hint(self.credential.refused_hint()));
                    }
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS || (idempotent && status.is_server_error());
                    let wait = after.unwrap_or(wait).min(Duration::from_secs(60));
                    if !retryable || last || !self.time_for(wait) {
                        return Err(err);
                    }
                    tracing::debug!(%url, %method, error = %err, retry_after = ?after, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    // Cut short by the deadline: say the deadline's bound, not what was left of it.
                    let within = match self.deadline {
                        Some(d) if bound < self.retry.timeout => d.budget,
                        _ => bound,
                    };
                    let err = ClientError::from_reqwest(e, url, within);
                    if !idempotent || last || !self.time_for(wait) {
                        return Err(err);
                    }
                    tracing::debug!(%url, error = %err, "retrying GET");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// GET with retries; returns the raw response when it is a success.
    pub(crate) async fn get_response(&self, url: &str) -> Result<reqwest::Response, ClientError> {
        self.send(Method::GET, url, None, true).await
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ClientError> {
        let resp = self.get_response(url).await?;
        self.decode(resp).await
    }

    /// Every item of a paged list, following `nextLink`.
    pub(crate) async fn get_all<T: DeserializeOwned>(&self, first: String) -> Result<Vec<T>, ClientError> {
        let mut out = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next {
            pages += 1;
            if pages > 10_000 {
                return Err(ClientError::Decode("the list did not end after 10,000 pages".into()));
            }
            let page: Page<T> = self.get_json(&url).await?;
            out.extend(page.value);
            next = page.next_link.filter(|l| !l.is_empty());
        }
        Ok(out)
    }
}

impl ArmClient {
    /// The body of a response, read within the request's bound.
    pub(crate) async fn body(&self, resp: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let url = resp.url().to_string();
        let within = self.deadline.map_or(self.retry.timeout, |d| d.budget);
        resp.bytes().await.map(|b| b.to_vec()).map_err(|e| ClientError::from_reqwest(e, &url, within))
    }

    /// The body of a successful response as `T`.
    pub(crate) async fn decode<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T, ClientError> {
        let request_id = error::request_id(resp.headers());
        let bytes = self.body(resp).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::Decode(format!(
                "unexpected response body{}: {e}",
                request_id.map(|r| format!(" (request {r})")).unwrap_or_default()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ArmClient;

    #[test]
    fn the_token_goes_only_to_the_endpoints_origin() {
        let c = ArmClient::new("http://127.0.0.1:8080", Some("t0ken".into())).expect("a client");
        assert!(c.same_origin("http://127.0.0.1:8080/subscriptions?api-version=2022-12-01"));
        assert!(!c.same_origin("http://127.0.0.1:8081/subscriptions"));
        assert!(!c.same_origin("https://127.0.0.1:8080/subscriptions"));
        assert!(!c.same_origin("http://elsewhere.example/subscriptions"));
        assert!(!c.same_origin("not a url"));
    }
}
