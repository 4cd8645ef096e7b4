//! The backend a scripting command talks to, and finding caches by name in it.

use std::future::Future;
use std::time::Duration;

use crate::arm::{RedisResource, ResourceId};
use crate::backend::{self, BackendError, Embedded, Target};
use crate::client::{ArmClient, ClientError, Follow};

use super::{Common, Failure};

const NO_BACKEND: &str = "no backend: pass --endpoint URL (a `georep serve`, e.g. http://127.0.0.1:8080), \
--azure (Azure Resource Manager; token from AZURE_ACCESS_TOKEN or `az login`, subscription from --subscription \
or AZURE_SUBSCRIPTION_ID), or --demo (the embedded demo emulator)";

/// A connected backend.
pub struct Session {
    pub client: ArmClient,
    /// Real Azure (`--azure`): names are only looked up in one subscription.
    pub azure: bool,
    /// `--timeout` (or its default), and whether it was given (then it bounds waits for operations too).
    timeout: Duration,
    timeout_given: bool,
    /// `--subscription`, each given.
    given: Vec<String>,
    /// The embedded demo emulator, kept running while the session lives.
    _demo: Option<Embedded>,
}

impl Session {
    /// Opens the backend `common` and `endpoint` select. `poll_interval` overrides the client's default
    /// wait between polls of an operation.
    pub async fn open(
        common: &Common,
        endpoint: Option<&str>,
        poll_interval: Option<Duration>,
    ) -> Result<Self, Failure> {
        let subscriptions = common.subscriptions();
        for s in &subscriptions {
            super::args::subscription(Some(s))?;
        }
        let endpoint = endpoint.map(str::trim).filter(|e| !e.is_empty());
        // One subscription scopes the client; several are searched in turn ([`Self::subscriptions`]).
        let subscription = match subscriptions.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let target = match (common.demo, common.azure, endpoint) {
            (true, true, _) | (true, _, Some(_)) => {
                return Err(Failure::usage("--demo starts its own backend: leave out --endpoint and --azure"));
            }
            (true, false, None) => Target::demo(),
            (false, true, endpoint) => Target::Azure { endpoint: endpoint.map(str::to_string), subscription: None },
            (false, false, Some(url)) => Target::Endpoint { url: url.to_string(), token: common.token.clone() },
            (false, false, None) => return Err(Failure::usage(NO_BACKEND)),
        };
        let backend = backend::open(target, |_| {}, std::future::pending()).await.map_err(|e| match e {
            BackendError::Usage(m) => Failure::usage(m),
            BackendError::Credential(e) => Failure::client("cannot get an Azure access token", e),
            BackendError::Embedded(m) => Failure::failed("cannot start the demo backend", "DemoUnavailable", m),
            BackendError::Stopped => Failure::failed("cannot start the demo backend", "DemoUnavailable", e.to_string()),
        })?;
        let (client, demo) = (backend.client, backend.embedded);
        let mut client = client.with_subscription(subscription).with_deadline(Some(common.timeout()));
        if let Some(interval) = poll_interval {
            client = client.with_poll_interval(interval);
        }
        Ok(Session {
            client,
            azure: common.azure,
            timeout: common.timeout(),
            timeout_given: common.timeout.is_some(),
            given: subscriptions,
            _demo: demo,
        })
    }

    /// How to follow an operation: bounded by `--timeout` when it was given; else for as long as it
    /// runs, each poll bounded by the default timeout.
    pub fn follow_options(&self) -> Follow {
        if self.timeout_given {
            Follow { deadline: self.client.deadline(), ..Follow::default() }
        } else {
            Follow { poll_bound: Some(self.timeout), ..Follow::default() }
        }
    }

    /// The budget each request after a wait gets afresh ([`Self::after_wait`]), for work that waits
    /// several times on its own (the failover): `None` with `--timeout`, which bounds the whole command.
    pub fn renewed_deadline(&self) -> Option<std::time::Duration> {
        (!self.timeout_given).then_some(self.timeout)
    }

    /// After waiting for an operation without `--timeout`: the next requests get a full default
    /// timeout of their own.
    pub fn after_wait(&mut self) {
        if !self.timeout_given {
            self.client = self.client.clone().with_deadline(Some(self.timeout));
        }
    }

    /// The subscriptions to look for caches in: `--subscription` (each given), else every one listed (on Azure only
    /// when there is just one: with several, which one is meant must be said).
    pub async fn subscriptions(&self) -> Result<Vec<String>, Failure> {
        if !self.given.is_empty() {
            return Ok(self.given.clone());
        }
        let subs =
            self.client.list_subscriptions().await.map_err(|e| Failure::client("cannot list the subscriptions", e))?;
        if subs.is_empty() {
            return Err(Failure::failed(
                "no subscription to look in",
                "SubscriptionNotFound",
                "the backend lists no subscriptions: pass --subscription ID",
            ));
        }
        if self.azure && subs.len() > 1 {
            let listed: Vec<String> = subs
                .iter()
                .map(|s| {
                    if s.display_name.is_empty() {
                        s.subscription_id.clone()
                    } else {
                        format!("{} ({})", s.subscription_id, s.display_name)
                    }
                })
                .collect();
            return Err(Failure::usage(format!(
                "the token sees {} subscriptions: pass --subscription ID or set AZURE_SUBSCRIPTION_ID; they are: {}",
                subs.len(),
                listed.join(", ")
            )));
        }
        Ok(subs.into_iter().map(|s| s.subscription_id).collect())
    }

    /// `--subscription` (each given), else every subscription listed, on Azure too: for the commands
    /// that go through all of them at once (`caches list`).
    pub async fn all_subscriptions(&self) -> Result<Vec<String>, Failure> {
        if !self.given.is_empty() {
            return Ok(self.given.clone());
        }
        let subs =
            self.client.list_subscriptions().await.map_err(|e| Failure::client("cannot list the subscriptions", e))?;
        Ok(subs.into_iter().map(|s| s.subscription_id).collect())
    }

    /// Runs `f` in each subscription to look in and returns the first success. When every one fails,
    /// the most telling error: one that is not a 404, else the first 404.
    pub async fn in_first_subscription<T, F, Fut>(&self, what: &str, f: F) -> Result<(String, T), Failure>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let subs = self.subscriptions().await?;
        if subs.len() == 1 {
            let sub = subs.into_iter().next().unwrap_or_default();
            return f(sub.clone()).await.map(|v| (sub, v)).map_err(|e| Failure::client(what, e));
        }
        let results = futures::future::join_all(subs.iter().map(|s| f(s.clone()))).await;
        let mut not_found = None;
        let mut other = None;
        for (sub, result) in subs.into_iter().zip(results) {
            match result {
                Ok(v) => return Ok((sub, v)),
                Err(e) if e.status() == Some(404) => {
                    not_found.get_or_insert(e);
                }
                Err(e) => {
                    other.get_or_insert(e);
                }
            }
        }
        let e = other.or(not_found).unwrap_or_else(|| ClientError::Decode("no subscription answered".into()));
        Err(Failure::client(what, e))
    }

    /// The cache `name` in resource group `rg`.
    pub async fn find_cache(&self, rg: &str, name: &str) -> Result<(ResourceId, RedisResource), Failure> {
        let what = format!("cannot get the cache '{name}' in resource group '{rg}'");
        let (sub, cache) = self
            .in_first_subscription(&what, |sub| {
                let id = ResourceId::cache(&sub, rg, name);
                async move { self.client.get_cache(&id).await }
            })
            .await?;
        // The id as the service spells it, when it says.
        let id = ResourceId::parse(cache.id()).unwrap_or_else(|_| ResourceId::cache(&sub, rg, name));
        Ok((id, cache))
    }

    /// The cache to link to `primary`: a resource id (any letter case), or a name, looked up first in
    /// the primary's resource group and then in its whole subscription (geo-replication needs both in
    /// one subscription).
    pub async fn resolve_peer(
        &self,
        primary: &ResourceId,
        name_or_id: &str,
    ) -> Result<(ResourceId, RedisResource), Failure> {
        let name_or_id = name_or_id.trim();
        if name_or_id.starts_with('/') {
            let id = ResourceId::parse(name_or_id).map_err(|e| Failure::usage(format!("--server-to-link: {e}")))?;
            if id.linked_server.is_some() {
                return Err(Failure::usage(format!(
                    "--server-to-link: '{name_or_id}' is the id of a linked server, not of a cache"
                )));
            }
            let cache = self
                .client
                .get_cache(&id)
                .await
                .map_err(|e| Failure::client(format!("cannot get the cache '{}'", id.name), e))?;
            let id = ResourceId::parse(cache.id()).unwrap_or(id);
            return Ok((id, cache));
        }
        if name_or_id.is_empty() {
            return Err(Failure::usage("--server-to-link: give the name or resource id of a cache"));
        }
        let here = ResourceId::cache(&primary.subscription, &primary.resource_group, name_or_id);
        let not_here = match self.client.get_cache(&here).await {
            Ok(cache) => return Ok((ResourceId::parse(cache.id()).unwrap_or(here), cache)),
            Err(e) if e.status() == Some(404) => e,
            Err(e) => return Err(Failure::client(format!("cannot get the cache '{name_or_id}'"), e)),
        };
        let all = self
            .client
            .list_caches(&primary.subscription)
            .await
            .map_err(|e| Failure::client("cannot list the caches of the subscription", e))?;
        let mut found: Vec<RedisResource> =
            all.into_iter().filter(|c| c.name().eq_ignore_ascii_case(name_or_id)).collect();
        match found.len() {
            0 => Err(Failure::client(
                format!("no cache named '{name_or_id}' in subscription {}", primary.subscription),
                not_here,
            )),
            1 => {
                let cache = found.remove(0);
                let id = ResourceId::parse(cache.id()).map_err(|e| {
                    Failure::failed("the service returned a cache without a valid id", "InvalidResponse", e.to_string())
                })?;
                Ok((id, cache))
            }
            _ => Err(Failure::usage(format!(
                "several caches are named '{name_or_id}': pass the resource id of the one to link ({})",
                found.iter().map(|c| c.id().to_string()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}
