//! The ARM client (reqwest): caches, linked servers, long-running operations.
//!
//! GETs are retried with backoff on connection errors, 429 and 5xx (honouring `Retry-After`); PUT and
//! DELETE are sent once. ARM error bodies become [`ClientError::Arm`] with their code, message and
//! `x-ms-request-id`.

mod error;
mod lro;

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

pub use error::ClientError;
pub use lro::{Lro, LroStatus};

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
    token: Option<String>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("ArmClient")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl ArmClient {
    /// A client for the ARM endpoint at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: Option<String>) -> Result<Self, ClientError> {
        Self::with_policy(base, token, RetryPolicy::default())
    }

    pub fn with_policy(base: &str, token: Option<String>, retry: RetryPolicy) -> Result<Self, ClientError> {
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
        let http = reqwest::Client::builder()
            .timeout(retry.timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("georep/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(ArmClient { http, base, token, retry })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str, api_version: &str) -> String {
        format!("{}{}?api-version={}", self.base, path, api_version)
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, url).header(header::ACCEPT, "application/json");
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    /// GET with retries; returns the raw response when it is a success.
    async fn get_response(&self, url: &str) -> Result<reqwest::Response, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts;
            let wait = self.retry.backoff * 2u32.saturating_pow(attempt - 1);
            match self.request(Method::GET, url).send().await {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let retryable = resp.status() == StatusCode::TOO_MANY_REQUESTS || resp.status().is_server_error();
                    let after = lro::retry_after(resp.headers());
                    let err = ClientError::from_response(resp).await;
                    if !retryable || last {
                        return Err(err);
                    }
                    tracing::debug!(%url, error = %err, "retrying GET");
                    tokio::time::sleep(after.unwrap_or(wait).min(Duration::from_secs(60))).await;
                }
                Err(e) => {
                    let err = ClientError::from_reqwest(e);
                    if last {
                        return Err(err);
                    }
                    tracing::debug!(%url, error = %err, "retrying GET");
                    tokio::time::sleep(wait).await;
                }
            }
        }
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
        let resp = self.request(Method::PUT, &url).json(&body).send().await.map_err(ClientError::from_reqwest)?;
        if !resp.status().is_success() {
            return Err(ClientError::from_response(resp).await);
        }
        let lro = Lro::from_headers(resp.headers(), &url);
        let entry: LinkedServer = decode(resp).await?;
        Ok((entry, lro))
    }

    /// Starts removing the link `cache` has with `linked`. `None` when there was nothing to remove.
    pub async fn delete_link(&self, cache: &ResourceId, linked: &str) -> Result<Option<Lro>, ClientError> {
        let url = self.url(&format!("{}/linkedServers/{linked}", Self::cache_path(cache)), API_VERSION);
        let resp = self.request(Method::DELETE, &url).send().await.map_err(ClientError::from_reqwest)?;
        match resp.status() {
            StatusCode::NO_CONTENT => Ok(None),
            StatusCode::OK => Ok(None),
            s if s.is_success() => Ok(Some(Lro::from_headers(resp.headers(), &url))),
            _ => Err(ClientError::from_response(resp).await),
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
