//! What the console knows about the backend: caches, their links, and the operations it started.

use std::collections::HashMap;
use std::time::Duration;

use crate::arm::{LinkedServer, OperationState, RedisResource, ReplicationRole, ResourceId, Subscription};
use crate::client::Lro;

/// The role a cache plays in geo-replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Secondary,
    NotLinked,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Primary => "Primary",
            Role::Secondary => "Secondary",
            Role::NotLinked => "Not linked",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Link,
    Unlink,
}

/// An operation this console started.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedOp {
    pub id: u64,
    pub kind: OpKind,
    pub primary: ResourceId,
    pub secondary: ResourceId,
    /// Console clock when it was requested.
    pub started: Duration,
    pub finished: Option<Duration>,
    pub lro: Option<Lro>,
    pub state: OperationState,
    /// `None` where the backend gives no percentage.
    pub percent: Option<f64>,
    pub error: Option<String>,
}

impl TrackedOp {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }

    pub fn involves(&self, id: &ResourceId) -> bool {
        &self.primary == id || &self.secondary == id
    }

    pub fn elapsed(&self, now: Duration) -> Duration {
        self.finished.unwrap_or(now).saturating_sub(self.started)
    }
}

/// A cache's link, seen from the cache.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkView<'a> {
    pub entry: &'a LinkedServer,
    pub peer: ResourceId,
    /// This cache's role.
    pub role: Role,
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub subscriptions: Vec<Subscription>,
    /// Sorted by name.
    pub caches: Vec<RedisResource>,
    /// Cache key -> index in `caches`.
    index: HashMap<String, usize>,
    pub linked: HashMap<String, Vec<LinkedServer>>,
    pub ops: Vec<TrackedOp>,
    pub loaded: bool,
    /// Time since the console started.
    pub clock: Duration,
}

impl Data {
    pub fn set_caches(&mut self, mut caches: Vec<RedisResource>) {
        caches.sort_by_cached_key(|c| c.name().to_ascii_lowercase());
        self.index = caches
            .iter()
            .enumerate()
            .filter_map(|(i, c)| ResourceId::parse(c.id()).ok().map(|id| (id.key(), i)))
            .collect();
        self.caches = caches;
        self.loaded = true;
    }

    pub fn cache(&self, id: &ResourceId) -> Option<&RedisResource> {
        self.index.get(&id.cache_id().key()).and_then(|i| self.caches.get(*i))
    }

    pub fn subscription_name<'a>(&'a self, sub: &'a str) -> &'a str {
        self.subscriptions
            .iter()
            .find(|s| s.subscription_id.eq_ignore_ascii_case(sub))
            .map(|s| s.display_name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(sub)
    }

    /// The cache's link, if its entries are known.
    pub fn link(&self, id: &ResourceId) -> Option<LinkView<'_>> {
        let entry = self.linked.get(&id.key())?.first()?;
        let peer = ResourceId::parse(&entry.properties.linked_redis_cache_id).ok()?;
        let role = match entry.properties.server_role {
            ReplicationRole::Secondary => Role::Primary,
            ReplicationRole::Primary => Role::Secondary,
            ReplicationRole::Other(_) => Role::NotLinked,
        };
        Some(LinkView { entry, peer, role })
    }

    pub fn role(&self, id: &ResourceId) -> Role {
        self.link(id).map(|l| l.role).unwrap_or(Role::NotLinked)
    }

    /// The newest operation this console started on the cache.
    pub fn op_for(&self, id: &ResourceId) -> Option<&TrackedOp> {
        self.ops.iter().rev().find(|o| o.involves(id))
    }

    pub fn running_op_for(&self, id: &ResourceId) -> Option<&TrackedOp> {
        self.op_for(id).filter(|o| o.running())
    }

    /// Something about this cache moves on screen (a spinner, a gauge, a clock): an operation this
    /// console runs on it, or a link or unlink in flight on the backend.
    pub fn moving(&self, id: &ResourceId) -> bool {
        self.running_op_for(id).is_some()
            || self.cache(id).is_some_and(|c| crate::geo::World::has_operation(&crate::geo::FromResources, c))
            || self.link(id).is_some_and(|l| l.entry.state().in_flight())
    }
}
