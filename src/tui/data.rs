//! What the console knows about the backend: caches, their links, and the operations it follows.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::arm::{LinkState, LinkedServer, OperationState, RedisResource, ResourceId, Subscription};
use crate::client::Lro;
use crate::client::failover::Step;
use crate::geo::LinkPhase;

use super::snapshot::Snapshot;

/// The role a cache plays in geo-replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Secondary,
    /// The cache lists a link whose details were not read yet.
    Linked,
    NotLinked,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Primary => "Primary",
            Role::Secondary => "Secondary",
            Role::Linked => "Linked",
            Role::NotLinked => "Not linked",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Link,
    Unlink,
    /// Unlink, then link the other way round ([`crate::client::failover`]).
    Failover,
}

impl OpKind {
    /// "Linking", "Unlinking".
    pub fn verb(self) -> &'static str {
        match self {
            OpKind::Link => "Linking",
            OpKind::Unlink => "Unlinking",
            OpKind::Failover => "Failing over",
        }
    }
}

/// An operation this console started.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedOp {
    pub id: u64,
    pub kind: OpKind,
    pub primary: ResourceId,
    pub secondary: ResourceId,
    /// Console clock when the backend accepted it (or when it was asked, until then).
    pub started: Duration,
    pub finished: Option<Duration>,
    /// Set when the backend accepted the request; `None` until then.
    pub lro: Option<Lro>,
    pub accepted: bool,
    pub state: OperationState,
    /// `None` where the backend gives no percentage.
    pub percent: Option<f64>,
    pub error: Option<String>,
    /// A failover's step now (`None` before the backend accepted it, and for links and unlinks).
    pub step: Option<Step>,
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
    /// The phase, when the state is one georep knows.
    pub phase: Option<LinkPhase>,
}

impl LinkView<'_> {
    pub fn state(&self) -> LinkState {
        self.entry.state()
    }

    pub fn in_flight(&self) -> bool {
        self.phase.is_some_and(LinkPhase::in_flight)
    }

    /// (primary, secondary) of the pair, given this cache's id.
    pub fn pair(&self, me: &ResourceId) -> (ResourceId, ResourceId) {
        if self.role == Role::Secondary { (self.peer.clone(), me.clone()) } else { (me.clone(), self.peer.clone()) }
    }
}

/// Progress of a link or unlink as this console sees it: its own operation, or the backend's state
/// for one started elsewhere (then the elapsed time counts from when this console first saw it).
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub kind: OpKind,
    pub percent: Option<f64>,
    pub elapsed: Duration,
    pub running: bool,
    /// Started by this console.
    pub own: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    /// What the backend said, shared with the poller and the other consoles of the process.
    snap: Arc<Snapshot>,
    pub ops: Vec<TrackedOp>,
    /// Console clock when each cache was first seen with an operation in flight that this console did
    /// not start (cleared when it settles).
    pub seen_busy: HashMap<ResourceId, Duration>,
    pub loaded: bool,
    /// Time since the console started.
    pub clock: Duration,
    pub wall: chrono::DateTime<chrono::Utc>,
    /// Operations other sessions of this process follow, newest last.
    pub shared: Vec<crate::tui::action::SharedOp>,
    /// Geo-replication health of the pairs shown (`health.rs`).
    pub health: Vec<crate::tui::health::GeoHealth>,
    /// Why the metrics of the pair shown could not be read, when the last try failed.
    pub health_error: Option<String>,
    /// The Managed Redis operations this console started.
    pub managed_ops: Vec<super::managed::ManagedOp>,
    /// The health of the Managed Redis cache on screen, as last read, or why it could not be.
    pub managed_health: Option<Result<super::managed_health::ManagedHealth, String>>,
}

impl Data {
    /// What the backend said last.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snap
    }

    pub fn subscriptions(&self) -> &[Subscription] {
        &self.snap.subscriptions
    }

    /// Sorted by name.
    pub fn caches(&self) -> &[RedisResource] {
        &self.snap.caches
    }

    /// Parsed ids of [`Self::caches`], same order.
    pub fn ids(&self) -> &[ResourceId] {
        &self.snap.ids
    }

    /// What each cache's row says, lower-cased, for the filters (made once per poll, not per key).
    pub fn search(&self) -> &[String] {
        &self.snap.search
    }

    pub fn linked(&self) -> &HashMap<ResourceId, Vec<LinkedServer>> {
        &self.snap.linked
    }

    /// Azure Managed Redis: clusters, databases, groups.
    pub fn managed(&self) -> &super::managed::ManagedFleet {
        &self.snap.managed
    }

    /// The newest Managed Redis operation of this console that changes the cluster `id`.
    pub fn managed_op_for(&self, id: &crate::arm::enterprise::EnterpriseId) -> Option<&super::managed::ManagedOp> {
        self.managed_ops.iter().rev().find(|o| o.call.involves(id))
    }

    /// Takes a poll's snapshot: one pointer, and the clocks of operations seen on the backend.
    /// Returns the one it replaces, for the caller to free off the input path.
    pub fn apply(&mut self, snap: Arc<Snapshot>) -> Arc<Snapshot> {
        let old = std::mem::replace(&mut self.snap, snap);
        self.loaded = true;
        self.note_busy();
        old
    }

    pub fn set_caches(&mut self, caches: Vec<RedisResource>) {
        let s = &self.snap;
        let snap = Snapshot::build_at(s.subscriptions.clone(), caches, s.linked.clone(), Some(s), self.wall);
        self.apply(Arc::new(snap));
    }

    pub fn set_linked(&mut self, linked: HashMap<ResourceId, Vec<LinkedServer>>) {
        let snap = self.snap.with(self.snap.subscriptions.clone(), linked, self.wall);
        self.snap = Arc::new(snap);
        self.note_busy();
    }

    pub fn set_subscriptions(&mut self, subscriptions: Vec<Subscription>) {
        let snap = self.snap.with(subscriptions, self.snap.linked.clone(), self.wall);
        self.snap = Arc::new(snap);
    }

    /// Starts (or stops) the clock of operations seen on the backend.
    fn note_busy(&mut self) {
        let clock = self.clock;
        let busy = &self.snap.busy;
        self.seen_busy.retain(|id, _| busy.contains(id));
        for id in busy {
            if !self.seen_busy.contains_key(id) {
                self.seen_busy.insert(id.clone(), clock);
            }
        }
    }

    pub fn cache(&self, id: &ResourceId) -> Option<&RedisResource> {
        self.snap.cache(id)
    }

    pub fn subscription_name<'a>(&'a self, sub: &'a str) -> &'a str {
        self.snap.subscription_name(sub)
    }

    /// The cache's link, if its entries are known.
    pub fn link(&self, id: &ResourceId) -> Option<LinkView<'_>> {
        self.snap.link(id)
    }

    pub fn role(&self, id: &ResourceId) -> Role {
        self.snap.role(id)
    }

    /// The newest operation this console started on the cache.
    pub fn op_for(&self, id: &ResourceId) -> Option<&TrackedOp> {
        self.ops.iter().rev().find(|o| o.involves(id))
    }

    pub fn running_op_for(&self, id: &ResourceId) -> Option<&TrackedOp> {
        self.op_for(id).filter(|o| o.running())
    }

    /// The backend says an operation runs on the cache: Linking/Unlinking, or its link in flight.
    pub fn backend_busy(&self, id: &ResourceId) -> bool {
        self.snap.backend_busy(id)
    }

    /// The progress to show for the cache: this console's running operation, else one the backend
    /// reports, else this console's last finished one.
    pub fn progress(&self, id: &ResourceId) -> Option<Progress> {
        if let Some(o) = self.running_op_for(id) {
            return Some(Progress {
                kind: o.kind,
                percent: o.percent,
                elapsed: o.elapsed(self.clock),
                running: true,
                own: true,
            });
        }
        // A peer's word counts while the backend still shows the operation: a session that went away
        // mid-operation must not leave this one animating a gauge forever.
        let peer = self.shared.iter().rev().find(|s| s.running && (&s.primary == id || &s.secondary == id));
        if let Some(s) = peer.filter(|_| self.backend_busy(id)) {
            let elapsed = (self.wall - s.started).to_std().unwrap_or_default();
            return Some(Progress { kind: s.kind, percent: s.percent, elapsed, running: true, own: false });
        }
        if let Some(since) = self.seen_busy.get(id) {
            let unlinking = self.link(id).is_some_and(|l| l.phase == Some(LinkPhase::Deleting))
                || self.cache(id).is_some_and(|c| c.provisioning_state() == crate::arm::ProvisioningState::Unlinking);
            return Some(Progress {
                kind: if unlinking { OpKind::Unlink } else { OpKind::Link },
                percent: None,
                elapsed: self.clock.saturating_sub(*since),
                running: true,
                own: false,
            });
        }
        self.op_for(id).map(|o| Progress {
            kind: o.kind,
            percent: o.percent,
            elapsed: o.elapsed(self.clock),
            running: false,
            own: true,
        })
    }

    /// Something about this cache moves on screen (a spinner, a gauge, a clock).
    pub fn moving(&self, id: &ResourceId) -> bool {
        self.running_op_for(id).is_some() || self.backend_busy(id)
    }

    /// Keeps what a peer says of an operation (the newest word on each pair).
    pub fn observe(&mut self, op: crate::tui::action::SharedOp) {
        self.shared.retain(|s| !(s.primary == op.primary && s.secondary == op.secondary));
        self.shared.push(op);
        if self.shared.len() > 64 {
            self.shared.remove(0);
        }
    }

    /// Any operation of this console still running.
    pub fn any_running(&self) -> Option<&TrackedOp> {
        self.ops.iter().find(|o| o.running() && o.accepted)
    }
}
