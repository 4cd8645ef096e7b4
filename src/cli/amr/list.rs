//! `georep amr list [--resource-group RG] [--subscription ID]... [--no-resource-graph]`: the Managed
//! Redis clusters (one Resource Graph query across subscriptions, as `caches list`; ARM's lists for a
//! resource group), each with its databases (one request per cluster, a few at a time) for the group
//! column.

use clap::Args;
use futures::StreamExt;
use serde::Serialize;

use crate::arm::enterprise::{Cluster, Database, EnterpriseId};

use super::super::output::{self, or_dash};
use super::super::{Common, Failure, Session, args as check};

/// Clusters whose databases are read at once.
const CONCURRENT_READS: usize = 8;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only this resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: Option<String>,
    /// List each subscription with ARM's own lists instead of one Azure Resource Graph query (the
    /// lists are also used when Resource Graph refuses, with 403 or 404).
    #[arg(long)]
    pub no_resource_graph: bool,
    #[command(flatten)]
    pub common: Common,
}

/// One cluster and its databases, as the service returns them (`--output json`).
#[derive(Debug, Serialize)]
pub struct Listed {
    pub cluster: Cluster,
    pub databases: Vec<Database>,
}

pub async fn list(args: ListArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    let rg = args.resource_group.as_deref().map(str::trim).filter(|g| !g.is_empty());
    if let Some(rg) = rg {
        check::resource_group("--resource-group", rg)?;
    }
    let session = Session::open(&args.common, endpoint, None).await?;
    let clusters = match rg {
        None => {
            let subs = session.all_subscriptions().await?;
            let (clusters, source) = session
                .client
                .clusters_in(&subs, !args.no_resource_graph)
                .await
                .map_err(|e| Failure::client("cannot list the clusters", e))?;
            tracing::debug!(?source, clusters = clusters.len(), subscriptions = subs.len(), "clusters listed");
            clusters
        }
        Some(rg) => in_group(&session, rg).await?,
    };
    let client = &session.client;
    let mut listed: Vec<Listed> = futures::stream::iter(clusters)
        .map(|cluster| async move {
            let id = cluster.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok());
            let databases = match id {
                Some(id) => client.list_databases(&id).await.map_err(|e| {
                    Failure::client(format!("cannot list the databases of '{}'", cluster.cluster_name()), e)
                })?,
                None => Vec::new(),
            };
            Ok::<_, Failure>(Listed { cluster, databases })
        })
        .buffered(CONCURRENT_READS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    listed.sort_by_cached_key(|l| l.cluster.cluster_name().to_ascii_lowercase());
    output::emit(args.common.output, &listed, || table(&listed))
}

/// The clusters of resource group `rg` in each subscription to look in (the group is in one of them).
async fn in_group(session: &Session, rg: &str) -> Result<Vec<Cluster>, Failure> {
    let subs = session.subscriptions().await?;
    let client = &session.client;
    let lists = futures::future::join_all(subs.iter().map(|s| client.list_clusters_in_group(s, rg))).await;
    let mut clusters = Vec::new();
    let mut first_error = None;
    let mut found_group = false;
    for list in lists {
        match list {
            Ok(list) => {
                found_group = true;
                clusters.extend(list);
            }
            Err(e) if subs.len() > 1 && e.status() == Some(404) => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(Failure::client("cannot list the clusters", e)),
        }
    }
    match (found_group, first_error) {
        (false, Some(e)) => Err(Failure::client("cannot list the clusters", e)),
        _ => Ok(clusters),
    }
}

/// `orders (3 members)`, or `-` outside any group.
fn group_cell(databases: &[Database]) -> String {
    let groups: Vec<String> = databases
        .iter()
        .filter_map(|d| d.group_nickname().map(|n| format!("{n} ({} members)", d.linked_databases().len())))
        .collect();
    if groups.is_empty() { "-".into() } else { groups.join(", ") }
}

fn table(listed: &[Listed]) -> String {
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|l| {
            let c = &l.cluster;
            let id = c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok());
            vec![
                c.cluster_name().to_string(),
                or_dash(id.map(|i| i.resource_group)),
                c.location.clone(),
                c.sku.label(),
                c.properties
                    .resource_state
                    .as_ref()
                    .map_or_else(|| c.provisioning_state().to_string(), ToString::to_string),
                if l.databases.is_empty() { "none".into() } else { l.databases.len().to_string() },
                group_cell(&l.databases),
            ]
        })
        .collect();
    output::table(&["NAME", "RESOURCE GROUP", "LOCATION", "SKU", "STATE", "DATABASES", "GEO-REPLICATION GROUP"], &rows)
}
