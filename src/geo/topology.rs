use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::arm::{LinkState, ProvisioningState, RedisResource, ReplicationRole, ResourceId};

use super::{Incompatibility, World, compatibility, geo_primary_host_name, host_name};

/// The state of one link, as its linked-server entries show it (`provisioningState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkPhase {
    Creating,
    Syncing,
    Succeeded,
    Failed,
    Deleting,
}

impl LinkPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPhase::Creating => "Creating",
            LinkPhase::Syncing => "Syncing",
            LinkPhase::Succeeded => "Succeeded",
            LinkPhase::Failed => "Failed",
            LinkPhase::Deleting => "Deleting",
        }
    }

    /// The wire state of this phase (what a linked server entry's `provisioningState` says).
    pub fn state(self) -> LinkState {
        match self {
            LinkPhase::Creating => LinkState::Creating,
            LinkPhase::Syncing => LinkState::Syncing,
            LinkPhase::Succeeded => LinkState::Succeeded,
            LinkPhase::Failed => LinkState::Failed,
            LinkPhase::Deleting => LinkState::Deleting,
        }
    }

    /// The phase a linked server entry's state means; `None` for a value georep does not know (shown
    /// as sent, never acted on).
    pub fn of(state: &LinkState) -> Option<LinkPhase> {
        Some(match state {
            LinkState::Creating => LinkPhase::Creating,
            LinkState::Syncing => LinkPhase::Syncing,
            LinkState::Succeeded => LinkPhase::Succeeded,
            LinkState::Failed => LinkPhase::Failed,
            LinkState::Deleting => LinkPhase::Deleting,
            LinkState::Other(_) => return None,
        })
    }

    /// A link or unlink operation is running.
    pub fn in_flight(self) -> bool {
        matches!(self, LinkPhase::Creating | LinkPhase::Syncing | LinkPhase::Deleting)
    }

    /// What both caches' `provisioningState` shows while the link is in this phase.
    pub fn cache_state(self) -> Option<ProvisioningState> {
        match self {
            LinkPhase::Creating | LinkPhase::Syncing => Some(ProvisioningState::Linking),
            LinkPhase::Deleting => Some(ProvisioningState::Unlinking),
            LinkPhase::Succeeded | LinkPhase::Failed => None,
        }
    }
}

/// A geo-replication link between two caches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub primary: ResourceId,
    pub secondary: ResourceId,
    pub primary_location: String,
    pub secondary_location: String,
    pub phase: LinkPhase,
    /// While `Deleting`: the phase the unlink started from, which a failed unlink returns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_before_unlink: Option<LinkPhase>,
}

impl Link {
    pub fn involves(&self, cache: &ResourceId) -> bool {
        &self.primary == cache || &self.secondary == cache
    }

    /// The other cache of the link, and its role.
    pub fn peer_of(&self, cache: &ResourceId) -> Option<(&ResourceId, &str, ReplicationRole)> {
        if &self.primary == cache {
            Some((&self.secondary, &self.secondary_location, ReplicationRole::Secondary))
        } else if &self.secondary == cache {
            Some((&self.primary, &self.primary_location, ReplicationRole::Primary))
        } else {
            None
        }
    }
}

/// What happens to a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkEvent {
    /// Creating -> Syncing: the secondary is provisioned and the initial sync starts.
    SyncStarted,
    /// Syncing -> Succeeded.
    Synced,
    /// Creating | Syncing -> Failed.
    LinkFailed,
    /// Succeeded | Failed -> Deleting.
    UnlinkStarted,
    /// Deleting -> (gone).
    Unlinked,
    /// Deleting -> the phase the unlink started from (Succeeded or Failed): the unlink did not happen.
    UnlinkFailed,
}

/// Why a transition was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TransitionError {
    #[error("the caches cannot be linked: {}", .0.iter().map(|r| r.message()).collect::<Vec<_>>().join(" "))]
    Incompatible(Vec<Incompatibility>),
    #[error("there is no link between these caches")]
    NoSuchLink,
    #[error("a link cannot go from {from:?} on {event:?}")]
    Illegal { from: LinkPhase, event: LinkEvent },
}

/// One linked-server entry as a cache sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEntry {
    /// The other cache; the entry is named after it.
    pub peer: ResourceId,
    pub peer_location: String,
    /// The peer's role (`serverRole`).
    pub server_role: ReplicationRole,
    pub phase: LinkPhase,
    pub geo_replicated_primary_host_name: String,
    pub primary_host_name: String,
}

/// Every link, and the only way to change them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Links")]
pub struct Topology {
    links: Vec<Link>,
    /// Each linked cache's link, by position in `links`: a fleet of 10,000 caches is rendered without
    /// searching its links for every cache.
    #[serde(skip)]
    by_cache: HashMap<ResourceId, usize>,
}

/// What is saved of a topology: its links (the index is made again when read).
#[derive(Deserialize)]
struct Links {
    links: Vec<Link>,
}

impl From<Links> for Topology {
    fn from(saved: Links) -> Self {
        let mut t = Topology { links: saved.links, by_cache: HashMap::new() };
        t.reindex();
        t
    }
}

impl PartialEq for Topology {
    fn eq(&self, other: &Self) -> bool {
        self.links == other.links
    }
}

impl Topology {
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    fn reindex(&mut self) {
        self.by_cache.clear();
        for (i, l) in self.links.iter().enumerate() {
            self.by_cache.insert(l.primary.clone(), i);
            self.by_cache.insert(l.secondary.clone(), i);
        }
    }

    fn position(&self, cache: &ResourceId) -> Option<usize> {
        let key = match &cache.linked_server {
            None => self.by_cache.get(cache),
            Some(_) => self.by_cache.get(&cache.cache_id()),
        };
        key.copied().filter(|&i| self.links.get(i).is_some_and(|l| l.involves(cache)))
    }

    pub fn link_of(&self, cache: &ResourceId) -> Option<&Link> {
        self.position(cache).and_then(|i| self.links.get(i))
    }

    /// The link between `a` and `b`, in either direction.
    pub fn link_between(&self, a: &ResourceId, b: &ResourceId) -> Option<&Link> {
        self.links.iter().find(|l| l.involves(a) && l.involves(b))
    }

    /// The `provisioningState` a link imposes on the cache, if any.
    pub fn cache_state(&self, cache: &ResourceId) -> Option<ProvisioningState> {
        self.link_of(cache).and_then(|l| l.phase.cache_state())
    }

    /// The cache's linked-server entries (zero or one: a cache is in at most one link).
    pub fn entries(&self, cache: &ResourceId) -> Vec<LinkEntry> {
        self.link_of(cache)
            .into_iter()
            .filter_map(|l| {
                let (peer, loc, role) = l.peer_of(cache)?;
                Some(LinkEntry {
                    peer: peer.clone(),
                    peer_location: loc.to_string(),
                    server_role: role,
                    phase: l.phase,
                    geo_replicated_primary_host_name: geo_primary_host_name(&peer.name),
                    primary_host_name: host_name(&l.primary.name),
                })
            })
            .collect()
    }

    /// Starts a link with `secondary` as secondary of `primary`, if every rule allows it. The link
    /// starts in `Creating`.
    pub fn begin_link(&mut self, primary: &RedisResource, secondary: &RedisResource) -> Result<&Link, TransitionError> {
        let reasons = compatibility(primary, secondary, self);
        if !reasons.is_empty() {
            return Err(TransitionError::Incompatible(reasons));
        }
        let (Ok(p), Ok(s)) = (ResourceId::parse(primary.id()), ResourceId::parse(secondary.id())) else {
            return Err(TransitionError::NoSuchLink);
        };
        self.by_cache.insert(p.clone(), self.links.len());
        self.by_cache.insert(s.clone(), self.links.len());
        self.links.push(Link {
            primary: p,
            secondary: s,
            primary_location: primary.location.clone(),
            secondary_location: secondary.location.clone(),
            phase: LinkPhase::Creating,
            phase_before_unlink: None,
        });
        self.links.last().ok_or(TransitionError::NoSuchLink)
    }

    /// Applies `event` to the link that `cache` is in. Returns the link as it is after the event
    /// (`None` when the event removed it).
    pub fn apply(&mut self, cache: &ResourceId, event: LinkEvent) -> Result<Option<Link>, TransitionError> {
        let i = self.position(cache).ok_or(TransitionError::NoSuchLink)?;
        let from = self.links[i].phase;
        let to = match (from, event) {
            (LinkPhase::Creating, LinkEvent::SyncStarted) => Some(LinkPhase::Syncing),
            (LinkPhase::Syncing, LinkEvent::Synced) => Some(LinkPhase::Succeeded),
            (LinkPhase::Creating | LinkPhase::Syncing, LinkEvent::LinkFailed) => Some(LinkPhase::Failed),
            (LinkPhase::Succeeded | LinkPhase::Failed, LinkEvent::UnlinkStarted) => Some(LinkPhase::Deleting),
            (LinkPhase::Deleting, LinkEvent::Unlinked) => None,
            (LinkPhase::Deleting, LinkEvent::UnlinkFailed) => {
                Some(self.links[i].phase_before_unlink.unwrap_or(LinkPhase::Succeeded))
            }
            _ => return Err(TransitionError::Illegal { from, event }),
        };
        match to {
            Some(phase) => {
                let link = &mut self.links[i];
                link.phase_before_unlink = (phase == LinkPhase::Deleting).then_some(from);
                link.phase = phase;
                Ok(Some(link.clone()))
            }
            None => {
                self.links.remove(i);
                self.reindex();
                Ok(None)
            }
        }
    }
}

impl World for Topology {
    fn is_linked(&self, cache: &RedisResource) -> bool {
        ResourceId::parse(cache.id()).is_ok_and(|id| self.link_of(&id).is_some())
    }
    fn has_operation(&self, cache: &RedisResource) -> bool {
        ResourceId::parse(cache.id()).is_ok_and(|id| self.link_of(&id).is_some_and(|l| l.phase.in_flight()))
    }
}
