//! `georep failover --name CURRENT_SECONDARY --resource-group RG`: the documented failover of passive
//! geo-replication. The link is removed (the secondary becomes writable with the data it replicated),
//! then created again the other way round, so that the former secondary is the primary and the former
//! primary its secondary. Refused when the two caches differ in size: the new secondary must be at least
//! as large as the new primary, and the old one was at least as large, so only equal sizes work both ways.

use clap::Args;

use crate::arm::{LinkState, LinkedServer, OperationState, RedisResource, ReplicationRole, ResourceId};

use super::link::remove;
use super::{Common, Failure, Session, WaitArgs, args as check, eprint, links, output, progress};

#[derive(Args, Debug)]
pub struct FailoverArgs {
    /// The current secondary: the cache that becomes the primary.
    #[arg(long, short = 'n', value_name = "CURRENT_SECONDARY")]
    pub name: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

/// `P2`, `P3 · 3 shards`.
fn size(c: &RedisResource) -> String {
    let sku = c.properties.sku.label();
    match c.shards() {
        Some(n) => format!("{sku} with {n} shards"),
        None => sku,
    }
}

/// The entry on the secondary that names its primary.
fn primary_entry<'a>(secondary: &ResourceId, entries: &'a [LinkedServer]) -> Result<&'a LinkedServer, Failure> {
    let what = format!("cannot fail over to {}", secondary.name);
    let Some(entry) = entries.first() else {
        return Err(Failure::failed(
            what,
            "NotLinked",
            format!("{} has no geo-replication link: there is nothing to fail over", secondary.name),
        ));
    };
    match &entry.properties.server_role {
        ReplicationRole::Primary => {}
        ReplicationRole::Secondary => {
            return Err(Failure::failed(
                what,
                "NotTheSecondary",
                format!(
                    "{} is already the primary of its link (with {}): name the current secondary, {}",
                    secondary.name,
                    entry.name(),
                    entry.name()
                ),
            ));
        }
        ReplicationRole::Other(r) => {
            return Err(Failure::failed(what, "UnknownRole", format!("the link's role '{r}' is not one georep knows")));
        }
    }
    let state = entry.state();
    if state != LinkState::Succeeded {
        return Err(Failure::failed(
            what,
            "LinkBusy",
            format!("the link with {} is {state}: wait until it has finished", entry.name()),
        ));
    }
    Ok(entry)
}

pub async fn failover(args: FailoverArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let client = &session.client;
    let (secondary, secondary_cache) = session.find_cache(&args.resource_group, &args.name).await?;
    let entries = client
        .list_linked_servers(&secondary)
        .await
        .map_err(|e| Failure::client(format!("cannot list the links of {}", secondary.name), e))?;
    let entry = primary_entry(&secondary, &entries)?;
    // Ids come back in any letter case (`resourcegroups`, `microsoft.cache/redis`): parse, don't compare text.
    let primary = ResourceId::parse(&entry.properties.linked_redis_cache_id).map_err(|e| {
        Failure::failed("the link names its primary with an id georep cannot read", "InvalidResponse", e.to_string())
    })?;
    let primary_cache =
        client.get_cache(&primary).await.map_err(|e| Failure::client(format!("cannot get {}", primary.name), e))?;
    let primary = ResourceId::parse(primary_cache.id()).unwrap_or(primary);

    let (ps, ss) = (&primary_cache.properties.sku, &secondary_cache.properties.sku);
    if ps.name != ss.name || ps.capacity != ss.capacity || primary_cache.shards() != secondary_cache.shards() {
        return Err(Failure::failed(
            format!("refusing to fail over from {} to {}", primary.name, secondary.name),
            "CacheSizesDiffer",
            format!(
                "{} is {} and {} is {}: after a failover {} would be the secondary of {}, and a secondary must be \
                 at least as large as its primary. Scale them to the same size first (unlinked), or unlink only.",
                primary.name,
                size(&primary_cache),
                secondary.name,
                size(&secondary_cache),
                primary.name,
                secondary.name
            ),
        ));
    }

    eprint(&format!(
        "georep failover: {} becomes the primary, {} its secondary (1/2 unlink, 2/2 link)\n",
        secondary.name, primary.name
    ));
    remove(&mut session, &primary, &secondary.name, false, "failover").await?;
    let client = &session.client;

    let label = format!("linking {} as secondary of {}", primary.name, secondary.name);
    let relink_hint = format!(
        "{} and {} are unlinked now, and both writable. To link them again: georep link --name {} --resource-group {} \
         --server-to-link {}",
        primary.name, secondary.name, secondary.name, secondary.resource_group, primary
    );
    let (_, lro) = client
        .create_link(&secondary, &primary, &primary_cache.location)
        .await
        .map_err(|e| Failure::client(format!("the unlink succeeded, but linking back failed. {relink_hint}"), e))?;
    let status = progress::wait(&session, &lro, &label)
        .await
        .map_err(|e| Failure::client(format!("lost track of the link operation; {label} may still be running"), e))?;
    session.after_wait();
    let client = &session.client;
    if status.state != OperationState::Succeeded {
        return Err(Failure::operation(
            format!("the unlink succeeded, but the link back failed. {relink_hint}"),
            &status,
            lro.request_id.clone(),
        ));
    }
    let entry = client
        .get_linked_server(&secondary, &primary.name)
        .await
        .map_err(|e| Failure::client("the failover succeeded, but reading the new link back failed", e))?;
    output::emit(args.common.output, &entry, || links::details(&entry))
}
