//! `georep caches list [--resource-group RG] [--subscription ID]... [--no-resource-graph]`.

use clap::{Args, Subcommand};

use crate::arm::{RedisResource, ResourceId};

use super::output::{self, or_dash};
use super::{Common, Failure, Session, args as check};

#[derive(Subcommand, Debug)]
pub enum CachesCommand {
    /// List the caches of a resource group, or of the subscription(s).
    List(CachesListArgs),
}

#[derive(Args, Debug)]
pub struct CachesListArgs {
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

pub async fn list(args: CachesListArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    let rg = args.resource_group.as_deref().map(str::trim).filter(|g| !g.is_empty());
    if let Some(rg) = rg {
        check::resource_group("--resource-group", rg)?;
    }
    let session = Session::open(&args.common, endpoint, None).await?;
    let Some(rg) = rg else {
        // Every subscription in scope: one Resource Graph query, as the portal lists caches.
        let subs = session.all_subscriptions().await?;
        let (caches, source) = session
            .client
            .caches_in(&subs, !args.no_resource_graph)
            .await
            .map_err(|e| Failure::client("cannot list the caches", e))?;
        tracing::debug!(?source, caches = caches.len(), subscriptions = subs.len(), "caches listed");
        return output::emit(args.common.output, &caches, || table(&caches));
    };
    let subs = session.subscriptions().await?;
    let client = &session.client;
    let lists = futures::future::join_all(subs.iter().map(|s| client.list_caches_in_group(s, rg))).await;
    let mut caches = Vec::new();
    let mut first_error = None;
    let mut found_group = false;
    for list in lists {
        match list {
            Ok(list) => {
                found_group = true;
                caches.extend(list);
            }
            // Searching every subscription: the group is in one of them.
            Err(e) if subs.len() > 1 && e.status() == Some(404) => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(Failure::client("cannot list the caches", e)),
        }
    }
    if !found_group && let Some(e) = first_error {
        return Err(Failure::client("cannot list the caches", e));
    }
    output::emit(args.common.output, &caches, || table(&caches))
}

fn table(caches: &[RedisResource]) -> String {
    let mut sorted: Vec<&RedisResource> = caches.iter().collect();
    sorted.sort_by_cached_key(|c| c.name().to_ascii_lowercase());
    let rows: Vec<Vec<String>> = sorted
        .into_iter()
        .map(|c| {
            let id = ResourceId::parse(c.id()).ok();
            let sku = &c.properties.sku;
            let linked: Vec<String> = c
                .linked_server_ids()
                .map(|l| ResourceId::parse(l).ok().and_then(|i| i.linked_server).unwrap_or_else(|| l.to_string()))
                .collect();
            vec![
                c.name().to_string(),
                or_dash(id.map(|i| i.resource_group)),
                c.location.clone(),
                format!("{} {}", sku.name, sku.label()),
                or_dash(c.shards()),
                or_dash(c.properties.redis_version.as_deref()),
                or_dash(c.properties.provisioning_state.as_ref()),
                if linked.is_empty() { "-".into() } else { linked.join(", ") },
            ]
        })
        .collect();
    output::table(&["NAME", "RESOURCE GROUP", "LOCATION", "SKU", "SHARDS", "VERSION", "STATE", "LINKED WITH"], &rows)
}
