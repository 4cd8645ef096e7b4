//! `georep link` and `georep unlink` (`az redis server-link create|delete`).

use clap::{Args, ValueEnum};

use crate::arm::{OperationState, ResourceId};
use crate::client::Lro;

use super::{Common, Failure, Session, WaitArgs, args as check, eprint, links, output, progress};

/// The role the linked cache takes: the service only accepts Secondary (the cache the command names
/// stays the primary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplicationRole {
    #[value(name = "Secondary")]
    Secondary,
}

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// The primary cache.
    #[arg(long, short = 'n', value_name = "PRIMARY")]
    pub name: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    /// The cache to link as secondary: a name (looked up in the primary's resource group, then in its
    /// subscription) or a resource id.
    #[arg(long, value_name = "SECONDARY_NAME_OR_ID")]
    pub server_to_link: String,
    /// Role of the linked cache.
    #[arg(long, value_enum, ignore_case = true, default_value_t = ReplicationRole::Secondary)]
    pub replication_role: ReplicationRole,
    /// Return once the service accepted the link, without waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct UnlinkArgs {
    /// A cache of the link (the primary or the secondary).
    #[arg(long, short = 'n', value_name = "CACHE")]
    pub name: String,
    /// Its resource group.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: String,
    /// The linked server to remove: the name of the cache on the other end.
    #[arg(long, value_name = "N")]
    pub linked_server_name: String,
    /// Return once the service accepted the request, without waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

/// Where an accepted operation can be followed, for `--no-wait`.
fn operation_note(lro: &Lro) -> String {
    let url = lro.async_operation.as_deref().or(lro.location.as_deref()).unwrap_or(&lro.resource);
    let request = lro.request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default();
    format!("  operation: {url}{request}\n")
}

pub async fn link(args: LinkArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    check::peer(&args.server_to_link)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (primary, _) = session.find_cache(&args.resource_group, &args.name).await?;
    let (secondary, secondary_cache) = session.resolve_peer(&primary, &args.server_to_link).await?;
    let ReplicationRole::Secondary = args.replication_role;
    let label = format!("linking {} as secondary of {}", secondary.name, primary.name);
    let (entry, lro) =
        session.client.create_link(&primary, &secondary, &secondary_cache.location).await.map_err(|e| {
            Failure::client(format!("cannot link {} as secondary of {}", secondary.name, primary.name), e)
        })?;
    if args.no_wait {
        eprint(&format!("georep link: {label}: accepted, not waiting\n{}", operation_note(&lro)));
        return output::emit(args.common.output, &entry, || links::details(&entry));
    }
    let status = progress::wait(&session, &lro, &label)
        .await
        .map_err(|e| Failure::client(format!("lost track of the link operation; {label} may still be running"), e))?;
    session.after_wait();
    if status.state != OperationState::Succeeded {
        return Err(Failure::operation(
            format!("the link of {} as secondary of {} failed", secondary.name, primary.name),
            &status,
            lro.request_id.clone(),
        ));
    }
    let entry = session
        .client
        .get_linked_server(&primary, &secondary.name)
        .await
        .map_err(|e| Failure::client("the link succeeded, but reading it back failed", e))?;
    output::emit(args.common.output, &entry, || links::details(&entry))
}

pub async fn unlink(args: UnlinkArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    check::cache("--linked-server-name", &args.linked_server_name)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (cache, _) = session.find_cache(&args.resource_group, &args.name).await?;
    remove(&mut session, &cache, &args.linked_server_name, args.no_wait, "unlink").await
}

/// Removes the link `cache` has with `linked`, waiting for it unless `no_wait`.
pub async fn remove(
    session: &mut Session,
    cache: &ResourceId,
    linked: &str,
    no_wait: bool,
    command: &str,
) -> Result<(), Failure> {
    let label = format!("unlinking {linked} from {}", cache.name);
    let lro = session
        .client
        .delete_link(cache, linked)
        .await
        .map_err(|e| Failure::client(format!("cannot unlink {linked} from {}", cache.name), e))?;
    let Some(lro) = lro else {
        eprint(&format!("georep {command}: {} has no link with {linked}: nothing to remove\n", cache.name));
        return Ok(());
    };
    if no_wait {
        eprint(&format!("georep {command}: {label}: accepted, not waiting\n{}", operation_note(&lro)));
        return Ok(());
    }
    let status = progress::wait(session, &lro, &label)
        .await
        .map_err(|e| Failure::client(format!("lost track of the unlink operation; {label} may still be running"), e))?;
    session.after_wait();
    if status.state != OperationState::Succeeded {
        return Err(Failure::operation(
            format!("unlinking {linked} from {} failed", cache.name),
            &status,
            lro.request_id.clone(),
        ));
    }
    Ok(())
}
