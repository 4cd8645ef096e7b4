//! What one poll reads, and how its reads stay bounded whatever the fleet's size: the caches through
//! one Resource Graph query (or one list per subscription where Resource Graph is refused or not
//! wanted), then linked-server details only for the caches on screen, the caches whose links changed
//! or run an operation, and a few of the others, oldest first ([`DETAILS_PER_POLL`]).

use std::collections::{HashMap, HashSet};

use crate::arm::{LinkedServer, ProvisioningState, RedisResource, ResourceId, Subscription};
use crate::client::{ArmClient, CacheSource, ClientError};
use crate::geo::LinkPhase;

/// Linked-server reads a poll makes beyond the caches on screen: those whose links appeared, changed
/// or run an operation first, then the longest unread. A fleet's roles are all known after
/// `linked caches / DETAILS_PER_POLL` polls; a poll never costs more than this many reads for them.
pub const DETAILS_PER_POLL: usize = 48;

/// A link whose cache shows no change is read again after this many polls (when the budget allows):
/// a link's state can change without its cache's.
const REREAD_AFTER_POLLS: u64 = 10;

/// After Resource Graph refused a query, how many polls go through the per-subscription lists before
/// it is asked again (its permission may be granted meanwhile).
const GRAPH_RETRY_AFTER_POLLS: u64 = 20;

/// Which caches the console shows: `--subscription` (each given; all listed when empty), through
/// Resource Graph unless `--no-resource-graph`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub subscriptions: Vec<String>,
    pub resource_graph: bool,
}

impl Default for Scope {
    fn default() -> Self {
        Scope { subscriptions: Vec::new(), resource_graph: true }
    }
}

/// A cache's linked servers as last read, and what the cache listed then.
#[derive(Clone, Debug)]
struct Detail {
    entries: Vec<LinkedServer>,
    listed: Vec<String>,
    /// The poll that read them.
    read_in: u64,
}

/// What the poller keeps from poll to poll.
#[derive(Debug, Default)]
pub struct Reader {
    scope: Scope,
    polls: u64,
    /// The poll in which Resource Graph last refused, if it did.
    graph_refused_in: Option<u64>,
    details: HashMap<ResourceId, Detail>,
    managed: super::poll_managed::ManagedReader,
}

impl Reader {
    pub fn new(scope: Scope) -> Self {
        Reader { scope, ..Reader::default() }
    }

    /// The subscriptions in scope and every cache in them.
    pub async fn caches(&mut self, client: &ArmClient) -> Result<(Vec<Subscription>, Vec<RedisResource>), ClientError> {
        self.polls += 1;
        let listed = client.list_subscriptions().await?;
        let subs: Vec<Subscription> = if self.scope.subscriptions.is_empty() {
            listed
        } else {
            self.scope.subscriptions.iter().map(|want| Subscription::from_list(&listed, want)).collect()
        };
        if subs.is_empty() {
            return Ok((subs, Vec::new()));
        }
        let ids: Vec<String> = subs.iter().map(|s| s.subscription_id.clone()).collect();
        let retry = self.graph_refused_in.is_none_or(|p| self.polls >= p + GRAPH_RETRY_AFTER_POLLS);
        let use_graph = self.scope.resource_graph && retry;
        let (caches, source) = client.caches_in(&ids, use_graph).await?;
        match source {
            CacheSource::PerSubscription if use_graph => self.graph_refused_in = Some(self.polls),
            CacheSource::ResourceGraph => self.graph_refused_in = None,
            CacheSource::PerSubscription => {}
        }
        Ok((subs, caches))
    }

    /// Azure Managed Redis in the same subscriptions: on failure the last read is kept (a backend
    /// without Managed Redis still shows its caches).
    pub async fn managed(
        &mut self,
        client: &ArmClient,
        subs: &[Subscription],
        last: Option<&std::sync::Arc<super::managed::ManagedFleet>>,
    ) -> std::sync::Arc<super::managed::ManagedFleet> {
        let ids: Vec<String> = subs.iter().map(|s| s.subscription_id.clone()).collect();
        let name = |id: &str| {
            let found = subs.iter().find(|s| s.subscription_id.eq_ignore_ascii_case(id));
            found.map_or_else(|| id.to_string(), |s| s.display_name.clone())
        };
        match self.managed.read(client, &ids, self.scope.resource_graph, name).await {
            Ok(fleet) => match last {
                Some(l) if **l == fleet => l.clone(),
                _ => std::sync::Arc::new(fleet),
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot read Azure Managed Redis");
                last.cloned().unwrap_or_default()
            }
        }
    }

    /// Reads the linked servers this poll should (see [`DETAILS_PER_POLL`]; every one of `wanted`,
    /// and only those when `only_wanted`), and returns every cache's entries known now.
    pub async fn details(
        &mut self,
        client: &ArmClient,
        caches: &[RedisResource],
        wanted: &HashSet<ResourceId>,
        only_wanted: bool,
    ) -> HashMap<ResourceId, Vec<LinkedServer>> {
        let linked: HashMap<ResourceId, &RedisResource> = caches
            .iter()
            .filter(|c| c.linked_server_ids().next().is_some())
            .filter_map(|c| Some((ResourceId::parse(c.id()).ok()?, c)))
            .collect();
        // A cache that no longer lists links (or is gone) has none to show.
        self.details.retain(|id, _| linked.contains_key(id));
        let plan = if only_wanted {
            let polls = self.polls;
            let stale = |id: &&ResourceId| self.details.get(*id).is_none_or(|d| d.read_in < polls);
            wanted.iter().filter(|id| linked.contains_key(*id)).filter(stale).cloned().collect()
        } else {
            self.plan(&linked, wanted)
        };
        let reads = futures::future::join_all(plan.iter().map(|id| client.list_linked_servers(id))).await;
        for (id, read) in plan.into_iter().zip(reads) {
            let listed = linked.get(&id).map(|c| listed(c)).unwrap_or_default();
            match read {
                Ok(entries) => {
                    self.details.insert(id, Detail { entries, listed, read_in: self.polls });
                }
                // The cache went away between the two calls: it has no links to show.
                Err(ClientError::Arm { status: 404, .. }) => {
                    self.details.remove(&id);
                }
                // Kept as last read; the next poll asks again (a throttled read, a blip).
                Err(e) => tracing::warn!(cache = %id, error = %e, "cannot read linked servers"),
            }
        }
        self.details.iter().map(|(id, d)| (id.clone(), d.entries.clone())).collect()
    }

    /// The caches whose links a full poll reads: every wanted one, then up to [`DETAILS_PER_POLL`]
    /// others — new or changed links first, then running operations, then the longest unread.
    fn plan(&self, linked: &HashMap<ResourceId, &RedisResource>, wanted: &HashSet<ResourceId>) -> Vec<ResourceId> {
        let mut must: Vec<ResourceId> = Vec::new();
        let mut ranked: Vec<(u8, u64, &ResourceId)> = Vec::new();
        for (id, cache) in linked {
            if wanted.contains(id) {
                must.push(id.clone());
                continue;
            }
            let rank = match self.details.get(id) {
                None => (0, 0),
                Some(d) if d.listed != listed(cache) => (0, d.read_in),
                Some(d) if busy(cache) || in_flight(&d.entries) => (1, d.read_in),
                Some(d) if d.read_in + REREAD_AFTER_POLLS <= self.polls => (2, d.read_in),
                Some(_) => continue,
            };
            ranked.push((rank.0, rank.1, id));
        }
        ranked.sort_unstable_by(|a, b| (a.0, a.1, a.2.name.as_str()).cmp(&(b.0, b.1, b.2.name.as_str())));
        must.extend(ranked.into_iter().take(DETAILS_PER_POLL).map(|(_, _, id)| id.clone()));
        must
    }
}

fn listed(cache: &RedisResource) -> Vec<String> {
    cache.linked_server_ids().map(str::to_ascii_lowercase).collect()
}

fn busy(cache: &RedisResource) -> bool {
    matches!(cache.properties.provisioning_state, Some(ProvisioningState::Linking | ProvisioningState::Unlinking))
}

fn in_flight(entries: &[LinkedServer]) -> bool {
    entries.iter().any(|e| LinkPhase::of(&e.state()).is_some_and(LinkPhase::in_flight))
}
