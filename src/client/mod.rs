//! The ARM client (reqwest): caches, linked servers, long-running operations.
//!
//! GETs are retried with backoff on connection errors, 429 and 5xx (honouring `Retry-After`); PUT and
//! DELETE are sent once. ARM error bodies become [`ClientError::Arm`] with their code, message and
//! `x-ms-request-id`.

mod credential;
mod error;
mod lro;

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

pub use credential::{ARM_RESOURCE, AzureCli, Credential, DEFAULT_REFRESH_MARGIN, Secret, TOKEN_VARIABLE};
pub use error::ClientError;
pub use lro::{Lro, LroStatus};

/// Azure Resource Manager.
pub const AZURE_ENDPOINT: &str = "https://management.azure.com";
/// Between polls of an operation when the service sends no `Retry-After` (as Azure's own SDKs and the
/// Azure CLI do: the observed exchange polls every ~30 s).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Polls of an operation that may fail in a row (connection lost, 5xx after retries) before waiting
/// gives up: links take up to half an hour, and a network blip must not end the wait.
const POLL_FAILURES_TOLERATED: u32 = 5;

use crate::arm::{
    API_VERSION, LinkedServer, LinkedServerCreateParameters, LinkedServerCreateProperties, Page, RedisResource,
    ReplicationRole, ResourceId, SUBSCRIPTIONS_API_VERSION, Subscription,
};

/// How hard to try.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts for an idempotent GET, the first included.
    pub attempts: u32,
    /// First backoff; doubles each time.
    pub backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 4, backoff: Duration::from_millis(250), timeout: Duration::from_secs(30) }
    }
}

#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    base: String,
    credential: Credential,
    retry: RetryPolicy,
    poll_interval: Duration,
    subscription: Option<String>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential's Debug never prints a token.
        f.debug_struct("ArmClient")
            .field("base", &self.base)
            .field("credential", &self.credential)
            .field("poll_interval", &self.poll_interval)
            .field("subscription", &self.subscription)
            .finish()
    }
}

impl ArmClient {
    /// A client for the ARM endpoint at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: Option<String>) -> Result<Self, ClientError> {
        Self::with_policy(base, token, RetryPolicy::default())
    }

    pub fn with_policy(base: &str, token: Option<String>, retry: RetryPolicy) -> Result<Self, ClientError> {
        Self::with_credential(base, Credential::fixed(token), retry)
    }

    /// A client whose token comes from `credential` (see [`Credential::azure_from_env`] for Azure).
    pub fn with_credential(base: &str, credential: Credential, retry: RetryPolicy) -> Result<Self, ClientError> {
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Config(format!("the endpoint '{base}' must start with http:// or https://")));
        }
        match reqwest::Url::parse(&base) {
            Ok(url)
                if url.host_str().is_some_and(|h| !h.is_empty())
                    && url.query().is_none()
                    && url.fragment().is_none() => {}
            Ok(_) => {
                return Err(ClientError::Config(format!(
                    "the endpoint '{base}' must be a plain http(s) URL with a host and no query, e.g. http://127.0.0.1:8080"
                )));
            }
            Err(e) => {
                return Err(ClientError::Config(format!("the endpoint '{base}' is not a valid URL: {e}")));
            }
        }
        let mut builder = reqwest::Client::builder()
            .timeout(retry.timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("georep/", env!("CARGO_PKG_VERSION")));
        if base.starts_with("http://") {
            // A plain-http endpoint (an emulator) hands out only http URLs: skip loading the system's
            // certificate store, which is most of a short command's start-up time.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder.build().map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(ArmClient { http, base, credential, retry, poll_interval: DEFAULT_POLL_INTERVAL, subscription: None })
    }

    /// A client for real Azure: `endpoint` (default [`AZURE_ENDPOINT`]), the token from
    /// `AZURE_ACCESS_TOKEN` or the Azure CLI ([`Credential::azure_from_env`]), scoped to `subscription`.
    pub fn azure(endpoint: Option<&str>, subscription: Option<String>) -> Result<Self, ClientError> {
        Ok(Self::with_credential(
            endpoint.unwrap_or(AZURE_ENDPOINT),
            Credential::azure_from_env(),
            RetryPolicy::default(),
        )?
        .with_subscription(subscription))
    }

    /// Wait this long between polls of an operation when the service sends no `Retry-After`
    /// (default [`DEFAULT_POLL_INTERVAL`]; tests scale it down).
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Work in this subscription only ([`ArmClient::subscriptions_in_scope`]).
    pub fn with_subscription(mut self, subscription: Option<String>) -> Self {
        self.subscription = subscription.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    pub fn subscription(&self) -> Option<&str> {
        self.subscription.as_deref()
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Gets a token now (from `az` when that is the source), so that a missing one is reported before
    /// anything else happens.
    pub async fn check_credential(&self) -> Result<(), ClientError> {
        self.credential.token().await.map(|_| ())
    }

    fn url(&self, path: &str, api_version: &str) -> String {
        format!("{}{}?api-version={}", self.base, path, api_version)
    }

    /// Whether `url` is on the endpoint's own origin (scheme, host and port). URLs from responses
    /// (`nextLink`, `Azure-AsyncOperation`, `Location`) could name any host: the token goes only here.
    fn same_origin(&self, url: &str) -> bool {
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

    /// Sends a request: retried on connection errors, 429 and 5xx when `idempotent` (GET), on 429 only
    /// otherwise (the service did not act on a throttled request); honours `Retry-After`; after a 401
    /// fetches a new token once when the credential can. Returns the response when it is a success.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<reqwest::Response, ClientError> {
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts;
            let wait = self.retry.backoff * 2u32.saturating_pow(attempt - 1);
            let mut rb = self.request(method.clone(), url).await?;
            if let Some(body) = body {
                rb = rb.json(body);
            }
            match rb.send().await {
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
                    if !retryable || last {
                        return Err(err);
                    }
                    tracing::debug!(%url, %method, error = %err, retry_after = ?after, "retrying");
                    tokio::time::sleep(after.unwrap_or(wait).min(Duration::from_secs(60))).await;
                }
                Err(e) => {
                    let err = ClientError::from_reqwest(e);
                    if !idempotent || last {
                        return Err(err);
                    }
                    tracing::debug!(%url, error = %err, "retrying GET");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// GET with retries; returns the raw response when it is a success.
    async fn get_response(&self, url: &str) -> Result<reqwest::Response, ClientError> {
        self.send(Method::GET, url, None, true).await
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ClientError> {
        let resp = self.get_response(url).await?;
        decode(resp).await
    }

    /// Every item of a paged list, following `nextLink`.
    async fn get_all<T: DeserializeOwned>(&self, first: String) -> Result<Vec<T>, ClientError> {
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

    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, ClientError> {
        self.get_all(self.url("/subscriptions", SUBSCRIPTIONS_API_VERSION)).await
    }

    /// The subscriptions to work in: the one set with [`ArmClient::with_subscription`] (as listed, or a
    /// bare entry when the list does not show it), else every one listed.
    pub async fn subscriptions_in_scope(&self) -> Result<Vec<Subscription>, ClientError> {
        let Some(only) = &self.subscription else { return self.list_subscriptions().await };
        let listed = self.list_subscriptions().await?;
        Ok(vec![listed.into_iter().find(|s| s.subscription_id.eq_ignore_ascii_case(only)).unwrap_or_else(|| {
            Subscription {
                id: format!("/subscriptions/{only}"),
                subscription_id: only.clone(),
                display_name: String::new(),
                state: String::new(),
                extra: Default::default(),
            }
        })])
    }

    /// Every cache of a subscription.
    pub async fn list_caches(&self, subscription: &str) -> Result<Vec<RedisResource>, ClientError> {
        self.get_all(self.url(&format!("/subscriptions/{subscription}/providers/Microsoft.Cache/redis"), API_VERSION))
            .await
    }

    /// Every cache of a resource group.
    pub async fn list_caches_in_group(
        &self,
        subscription: &str,
        group: &str,
    ) -> Result<Vec<RedisResource>, ClientError> {
        self.get_all(self.url(
            &format!("/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Cache/redis"),
            API_VERSION,
        ))
        .await
    }

    fn cache_path(id: &ResourceId) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redis/{}",
            id.subscription, id.resource_group, id.name
        )
    }

    pub async fn get_cache(&self, id: &ResourceId) -> Result<RedisResource, ClientError> {
        self.get_json(&self.url(&Self::cache_path(id), API_VERSION)).await
    }

    pub async fn list_linked_servers(&self, cache: &ResourceId) -> Result<Vec<LinkedServer>, ClientError> {
        self.get_all(self.url(&format!("{}/linkedServers", Self::cache_path(cache)), API_VERSION)).await
    }

    pub async fn get_linked_server(&self, cache: &ResourceId, name: &str) -> Result<LinkedServer, ClientError> {
        self.get_json(&self.url(&format!("{}/linkedServers/{name}", Self::cache_path(cache)), API_VERSION)).await
    }

    /// Starts linking `secondary` (id and location) as secondary of `primary`. Returns the new entry and
    /// the operation to poll.
    pub async fn create_link(
        &self,
        primary: &ResourceId,
        secondary: &ResourceId,
        secondary_location: &str,
    ) -> Result<(LinkedServer, Lro), ClientError> {
        let url = self.url(&format!("{}/linkedServers/{}", Self::cache_path(primary), secondary.name), API_VERSION);
        let body = LinkedServerCreateParameters {
            properties: LinkedServerCreateProperties {
                linked_redis_cache_id: secondary.to_string(),
                linked_redis_cache_location: secondary_location.to_string(),
                server_role: ReplicationRole::Secondary,
            },
        };
        let body = serde_json::to_value(&body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let resp = self.send(Method::PUT, &url, Some(&body), false).await?;
        let lro = Lro::from_headers(resp.headers(), &url);
        let entry: LinkedServer = decode(resp).await?;
        Ok((entry, lro))
    }

    /// Starts removing the link `cache` has with `linked`. `None` when there was nothing to remove.
    pub async fn delete_link(&self, cache: &ResourceId, linked: &str) -> Result<Option<Lro>, ClientError> {
        let url = self.url(&format!("{}/linkedServers/{linked}", Self::cache_path(cache)), API_VERSION);
        let resp = self.send(Method::DELETE, &url, None, false).await?;
        match resp.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(None),
            _ => Ok(Some(Lro::from_headers(resp.headers(), &url))),
        }
    }

    /// One poll of a long-running operation.
    pub async fn poll(&self, lro: &Lro) -> Result<LroStatus, ClientError> {
        lro::poll(self, lro).await
    }

    /// Polls until the operation ends, waiting `Retry-After` (or `default_interval`) between polls.
    pub async fn wait(&self, lro: &Lro, default_interval: Duration) -> Result<LroStatus, ClientError> {
        loop {
            let status = self.poll(lro).await?;
            if status.state.is_terminal() {
                return Ok(status);
            }
            tokio::time::sleep(status.retry_after.unwrap_or(default_interval)).await;
        }
    }

    /// How long to wait before the next poll: the last answer's `Retry-After`, else the one the request
    /// was accepted with, else the client's poll interval.
    pub fn next_poll_in(&self, lro: &Lro, last: Option<&LroStatus>) -> Duration {
        last.and_then(|s| s.retry_after)
            .or(lro.retry_after)
            .unwrap_or(self.poll_interval)
            .max(Duration::from_millis(10))
    }

    /// Waits for the operation to end as the Azure SDKs do: first poll after the delay the request was
    /// accepted with (else the poll interval), then `Retry-After` or the poll interval between polls.
    /// Calls `on_status` with every answer. Tolerates a few failed polls in a row (the operation runs on
    /// regardless); fails when the failures go on.
    pub async fn wait_with(&self, lro: &Lro, mut on_status: impl FnMut(&LroStatus)) -> Result<LroStatus, ClientError> {
        let mut last: Option<LroStatus> = None;
        let mut failures = 0;
        loop {
            tokio::time::sleep(self.next_poll_in(lro, last.as_ref())).await;
            match self.poll(lro).await {
                Ok(status) => {
                    failures = 0;
                    on_status(&status);
                    if status.state.is_terminal() {
                        return Ok(status);
                    }
                    last = Some(status);
                }
                Err(e) if e.is_transient() && failures + 1 < POLL_FAILURES_TOLERATED => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "polling the operation failed; trying again");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ClientError> {
    let request_id = error::request_id(resp.headers());
    let bytes = resp.bytes().await.map_err(ClientError::from_reqwest)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ClientError::Decode(format!(
            "unexpected response body{}: {e}",
            request_id.map(|r| format!(" (request {r})")).unwrap_or_default()
        ))
    })
}

#[cfg(test)]
mod origin_tests {
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
