//! The ARM client (reqwest): caches, linked servers, long-running operations, and Azure Managed Redis
//! clusters and databases ([`enterprise`]).
//!
//! GETs are retried with backoff on connection errors, 429 and 5xx (honouring `Retry-After`); PUT and
//! DELETE are sent once. ARM error bodies become [`ClientError::Arm`] with their code, message and
//! `x-ms-request-id`.

mod credential;
pub mod enterprise;
mod error;
pub mod failover;
mod graph;
mod lro;
mod metrics;
pub mod names;
mod pacing;
mod transport;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use tokio::time::Instant;

pub use credential::{ARM_RESOURCE, AzureCli, Credential, DEFAULT_REFRESH_MARGIN, Secret, TOKEN_VARIABLE};
pub use enterprise::DEFAULT_DATABASE;
pub use error::{ClientError, seconds};
pub use graph::{CACHES_QUERY, CLUSTERS_QUERY, CacheSource};
pub use lro::{Follow, Lro, LroStatus};
pub use metrics::MetricsQuery;
use names::segment;
pub use pacing::{LOW_READS, REFILL_INTERVAL};
use transport::Deadline;

/// Azure Resource Manager.
pub const AZURE_ENDPOINT: &str = "https://management.azure.com";
/// Between polls of an operation when the service sends no `Retry-After` (as Azure's own SDKs and the
/// Azure CLI do: the observed exchange polls every ~30 s).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);

use crate::arm::{
    API_VERSION, LinkedServer, LinkedServerCreateParameters, LinkedServerCreateProperties, RedisResource,
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
    deadline: Option<Deadline>,
    /// Spaces reads out when ARM says few are left (shared by clones).
    pacer: pacing::Pacer,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential's Debug never prints a token.
        f.debug_struct("ArmClient")
            .field("base", &self.base)
            .field("credential", &self.credential)
            .field("poll_interval", &self.poll_interval)
            .field("subscription", &self.subscription)
            .field("deadline", &self.deadline)
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
            // Userinfo would go in the clear to an http endpoint, and into every message that names it.
            Ok(url) if !url.username().is_empty() || url.password().is_some() => {
                return Err(ClientError::Config(format!(
                    "the endpoint '{}' has a user name or password in it: give the token with --token or \
                     GEOREP_TOKEN instead",
                    error::origin(&base)
                )));
            }
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
        Ok(ArmClient {
            http,
            base,
            credential,
            retry,
            poll_interval: DEFAULT_POLL_INTERVAL,
            subscription: None,
            deadline: None,
            pacer: pacing::Pacer::default(),
        })
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

    /// Send nothing after `budget` from now, and cut every request short at that moment (a command's
    /// `--timeout`). `None`: each request is bounded by the retry policy alone.
    pub fn with_deadline(mut self, budget: Option<Duration>) -> Self {
        self.deadline = budget.map(|budget| Deadline { until: Instant::now() + budget, budget });
        self
    }

    /// The same client, with a deadline at `until` (reported as `budget`).
    pub(crate) fn until(&self, until: Instant, budget: Duration) -> Self {
        ArmClient { deadline: Some(Deadline { until, budget }), ..self.clone() }
    }

    /// The moment nothing is sent after, and the bound it came from.
    pub fn deadline(&self) -> Option<(Instant, Duration)> {
        self.deadline.map(|d| (d.until, d.budget))
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

    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, ClientError> {
        self.get_all(self.url("/subscriptions", SUBSCRIPTIONS_API_VERSION)).await
    }

    /// The subscriptions to work in: the one set with [`ArmClient::with_subscription`] (as listed, or a
    /// bare entry when the list does not show it), else every one listed.
    pub async fn subscriptions_in_scope(&self) -> Result<Vec<Subscription>, ClientError> {
        let Some(only) = &self.subscription else { return self.list_subscriptions().await };
        let listed = self.list_subscriptions().await?;
        Ok(vec![Subscription::from_list(&listed, only)])
    }

    /// Every cache of a subscription.
    pub async fn list_caches(&self, subscription: &str) -> Result<Vec<RedisResource>, ClientError> {
        let path = format!("/subscriptions/{}/providers/Microsoft.Cache/redis", segment(subscription)?);
        self.get_all(self.url(&path, API_VERSION)).await
    }

    /// Every cache of a resource group.
    pub async fn list_caches_in_group(
        &self,
        subscription: &str,
        group: &str,
    ) -> Result<Vec<RedisResource>, ClientError> {
        let path = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redis",
            segment(subscription)?,
            segment(group)?
        );
        self.get_all(self.url(&path, API_VERSION)).await
    }

    fn linked_server_path(cache: &ResourceId, linked: &str) -> Result<String, ClientError> {
        Ok(format!("{}/linkedServers/{}", Self::cache_path(cache)?, segment(linked)?))
    }

    pub async fn get_cache(&self, id: &ResourceId) -> Result<RedisResource, ClientError> {
        self.get_json(&self.url(&Self::cache_path(id)?, API_VERSION)).await
    }

    pub async fn list_linked_servers(&self, cache: &ResourceId) -> Result<Vec<LinkedServer>, ClientError> {
        self.get_all(self.url(&format!("{}/linkedServers", Self::cache_path(cache)?), API_VERSION)).await
    }

    pub async fn get_linked_server(&self, cache: &ResourceId, name: &str) -> Result<LinkedServer, ClientError> {
        self.get_json(&self.url(&Self::linked_server_path(cache, name)?, API_VERSION)).await
    }

    /// Starts linking `secondary` (id and location) as secondary of `primary`. Returns the new entry and
    /// the operation to poll.
    pub async fn create_link(
        &self,
        primary: &ResourceId,
        secondary: &ResourceId,
        secondary_location: &str,
    ) -> Result<(LinkedServer, Lro), ClientError> {
        let url = self.url(&Self::linked_server_path(primary, &secondary.name)?, API_VERSION);
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
        let entry: LinkedServer = self.decode(resp).await?;
        Ok((entry, lro))
    }

    /// Starts removing the link `cache` has with `linked`. `None` when there was nothing to remove.
    pub async fn delete_link(&self, cache: &ResourceId, linked: &str) -> Result<Option<Lro>, ClientError> {
        self.delete_link_for(cache, linked, false).await
    }

    /// [`Self::delete_link`]; `failover`: the unlink is the first half of a failover (see
    /// [`crate::arm::FAILOVER_HEADER`]).
    pub async fn delete_link_for(
        &self,
        cache: &ResourceId,
        linked: &str,
        failover: bool,
    ) -> Result<Option<Lro>, ClientError> {
        let url = self.url(&Self::linked_server_path(cache, linked)?, API_VERSION);
        let headers: &[(&str, &str)] = if failover { &[(crate::arm::FAILOVER_HEADER, "true")] } else { &[] };
        let resp = self.send_with(Method::DELETE, &url, None, false, headers).await?;
        match resp.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(None),
            _ => Ok(Some(Lro::from_headers(resp.headers(), &url))),
        }
    }

    /// One poll of a long-running operation.
    pub async fn poll(&self, lro: &Lro) -> Result<LroStatus, ClientError> {
        lro::poll(self, lro).await
    }
}
