//! `georep links list --name CACHE --resource-group RG` and `georep links show ... --linked-server-name N`.

use clap::{Args, Subcommand};

use crate::arm::{LinkedServer, ResourceId};

use super::output::{self, or_dash};
use super::{Common, Failure, Session, args as check};

#[derive(Subcommand, Debug)]
pub enum LinksCommand {
    /// The linked servers of a cache: its geo-replication link, seen from it.
    List(LinksListArgs),
    /// One linked server of a cache.
    Show(LinksShowArgs),
}

#[derive(Args, Debug)]
pub struct LinksListArgs {
    /// The cache.
    #[arg(long, short = 'n', value_name = "CACHE")]
    pub name: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct LinksShowArgs {
    /// The cache.
    #[arg(long, short = 'n', value_name = "CACHE")]
    pub name: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    /// The linked server: the name of the cache on the other end of the link.
    #[arg(long, value_name = "N")]
    pub linked_server_name: String,
    #[command(flatten)]
    pub common: Common,
}

pub async fn list(args: LinksListArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    let session = Session::open(&args.common, endpoint, None).await?;
    let what = format!("cannot list the linked servers of '{}' in resource group '{}'", args.name, args.resource_group);
    let (_, entries) = session
        .in_first_subscription(&what, |sub| {
            let id = ResourceId::cache(&sub, &args.resource_group, &args.name);
            let client = &session.client;
            async move { client.list_linked_servers(&id).await }
        })
        .await?;
    output::emit(args.common.output, &entries, || {
        if entries.is_empty() { format!("{} has no geo-replication link\n", args.name) } else { table(&entries) }
    })
}

pub async fn show(args: LinksShowArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    check::cache("--linked-server-name", &args.linked_server_name)?;
    let session = Session::open(&args.common, endpoint, None).await?;
    let what = format!("cannot get the linked server '{}' of '{}'", args.linked_server_name, args.name);
    let (_, entry) = session
        .in_first_subscription(&what, |sub| {
            let id = ResourceId::cache(&sub, &args.resource_group, &args.name);
            let client = &session.client;
            let linked = args.linked_server_name.clone();
            async move { client.get_linked_server(&id, &linked).await }
        })
        .await?;
    output::emit(args.common.output, &entry, || details(&entry))
}

/// One row per entry: the cache on the other end and its role.
pub fn table(entries: &[LinkedServer]) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let p = &e.properties;
            vec![
                e.name().to_string(),
                p.linked_redis_cache_location.clone(),
                p.server_role.to_string(),
                or_dash(p.provisioning_state.as_ref()),
                or_dash(p.geo_replicated_primary_host_name.as_deref()),
            ]
        })
        .collect();
    output::table(&["LINKED SERVER", "LOCATION", "ITS ROLE", "STATE", "GEO-PRIMARY HOST NAME"], &rows)
}

/// An entry as `key  value` lines.
pub fn details(e: &LinkedServer) -> String {
    let p = &e.properties;
    output::fields(&[
        ("name", e.name().to_string()),
        ("id", or_dash(e.id.as_deref())),
        ("linked cache", p.linked_redis_cache_id.clone()),
        ("location", p.linked_redis_cache_location.clone()),
        ("its role", p.server_role.to_string()),
        ("state", or_dash(p.provisioning_state.as_ref())),
        ("geo-primary host name", or_dash(p.geo_replicated_primary_host_name.as_deref())),
        ("primary host name", or_dash(p.primary_host_name.as_deref())),
    ])
}
