//! What one poll reads of Azure Managed Redis: the clusters through Resource Graph (or one list per
//! subscription where it is refused or not wanted), then the databases of a bounded number of
//! clusters: those never read, those whose group was busy when last read, then the longest unread.
//! A fleet of a few dozen clusters is read whole every poll; a larger one within
//! `clusters / DETAILS_PER_POLL` polls, and a poll never costs more than that many database reads.

use std::collections::HashMap;

use crate::arm::enterprise::{Cluster, Database, EnterpriseId, LinkState as MemberState, ResourceState};
use crate::client::{ArmClient, CacheSource, ClientError};

use super::managed::{ManagedFleet, cluster_id};
use super::poll::DETAILS_PER_POLL;

/// Databases read, and the poll that read them.
#[derive(Debug, Default)]
pub struct ManagedReader {
    polls: u64,
    /// The poll in which Resource Graph last refused, if it did.
    graph_refused_in: Option<u64>,
    read: HashMap<EnterpriseId, (Vec<Database>, u64)>,
}

/// After Resource Graph refused, how many polls go through the per-subscription lists first.
const GRAPH_RETRY_AFTER_POLLS: u64 = 20;

impl ManagedReader {
    /// The clusters of `subscriptions` and the databases this poll reads, ready to show.
    pub async fn read(
        &mut self,
        client: &ArmClient,
        subscriptions: &[String],
        use_graph: bool,
        subscription_name: impl Fn(&str) -> String,
    ) -> Result<ManagedFleet, ClientError> {
        self.polls += 1;
        if subscriptions.is_empty() {
            return Ok(ManagedFleet::default());
        }
        let retry = self.graph_refused_in.is_none_or(|p| self.polls >= p + GRAPH_RETRY_AFTER_POLLS);
        let ask_graph = use_graph && retry;
        let (clusters, source) = client.clusters_in(subscriptions, ask_graph).await?;
        match source {
            CacheSource::PerSubscription if ask_graph => self.graph_refused_in = Some(self.polls),
            CacheSource::ResourceGraph => self.graph_refused_in = None,
            CacheSource::PerSubscription => {}
        }
        let ids: Vec<EnterpriseId> = clusters.iter().filter_map(cluster_id).collect();
        self.read.retain(|id, _| ids.contains(id));
        let plan = self.plan(&clusters);
        let reads = futures::future::join_all(plan.iter().map(|id| client.list_databases(id))).await;
        for (id, read) in plan.into_iter().zip(reads) {
            match read {
                Ok(dbs) => {
                    self.read.insert(id, (dbs, self.polls));
                }
                Err(ClientError::Arm { status: 404, .. }) => {
                    self.read.remove(&id);
                }
                // Kept as last read; asked again next poll.
                Err(e) => tracing::warn!(cluster = %id, error = %e, "cannot read the databases"),
            }
        }
        let databases = self.read.iter().map(|(id, (dbs, _))| (id.clone(), dbs.clone())).collect();
        Ok(ManagedFleet::build(clusters, databases, subscription_name))
    }

    /// The clusters whose databases this poll reads: never read first, then busy, then oldest.
    fn plan(&self, clusters: &[Cluster]) -> Vec<EnterpriseId> {
        let mut ranked: Vec<(u8, u64, EnterpriseId)> = clusters
            .iter()
            .filter_map(cluster_id)
            .map(|id| match self.read.get(&id) {
                None => (0, 0, id),
                Some((dbs, at)) if busy(dbs) => (1, *at, id),
                Some((_, at)) => (2, *at, id),
            })
            .collect();
        ranked.sort_by(|a, b| (a.0, a.1, &a.2.cluster).cmp(&(b.0, b.1, &b.2.cluster)));
        ranked.into_iter().take(DETAILS_PER_POLL).map(|(_, _, id)| id).collect()
    }
}

/// A database list that shows something moving: a link in flight, or a database not running.
fn busy(dbs: &[Database]) -> bool {
    dbs.iter().any(|d| {
        let linking =
            d.linked_databases().iter().any(|l| matches!(l.state, Some(MemberState::Linking | MemberState::Unlinking)));
        let state = !matches!(d.properties.resource_state, None | Some(ResourceState::Running));
        linking || state
    })
}
