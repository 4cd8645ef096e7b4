//! `georep amr force-unlink`, `georep amr force-link` and `georep amr flush`: the long-running actions
//! on a database of an active geo-replication group, waited for with the same progress as `georep link`
//! (or not, with `--no-wait`), then the database as it ends up.

use clap::Args;

use crate::arm::OperationState;
use crate::arm::enterprise::{EnterpriseId, ForceLinkParameters, LinkedDatabase};
use crate::client::{ClientError, Lro};

use super::super::{Common, Failure, Session, WaitArgs, eprint, output, progress};
use super::group::{details, read_group};
use super::{MemberArg, Target, member, member_ids, resolve};

#[derive(Args, Debug)]
pub struct ForceUnlinkArgs {
    /// A member that stays: the request goes to its database.
    #[command(flatten)]
    pub target: Target,
    /// The members to remove (unreachable ones): database resource ids, or their clusters' names.
    #[arg(long, value_name = "ID_OR_CLUSTER", num_args = 1.., required = true)]
    pub unlink_ids: Vec<String>,
    /// Return once the service accepted the request, without waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct ForceLinkArgs {
    /// The cache whose database joins the group: its data is discarded.
    #[command(flatten)]
    pub target: Target,
    /// The group to join (its nickname).
    #[arg(long, value_name = "NICKNAME")]
    pub group_nickname: String,
    /// The databases expected in the group: resource ids (`id=` prefix allowed, as az takes them), or
    /// clusters' names (database default, in --cluster's resource group unless the database lists them).
    /// The joining database is added when not named.
    #[arg(long, value_name = "ID_OR_CLUSTER", num_args = 1.., required = true)]
    pub linked_databases: Vec<String>,
    /// Return once the service accepted the request, without waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct FlushArgs {
    /// The database to clear.
    #[command(flatten)]
    pub target: Target,
    /// The linked databases to clear with it: resource ids, or their clusters' names.
    #[arg(long, value_name = "ID_OR_CLUSTER", num_args = 1..)]
    pub linked_ids: Vec<String>,
    /// Return once the service accepted the request, without waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub common: Common,
}

fn members(flag: &str, values: &[String]) -> Result<Vec<MemberArg>, Failure> {
    values.iter().map(|v| member(flag, v)).collect()
}

/// `a, b`: the clusters' names of `ids`.
fn names(ids: &[EnterpriseId]) -> String {
    ids.iter().map(|i| i.cluster.as_str()).collect::<Vec<_>>().join(", ")
}

/// Where an accepted operation can be followed, for `--no-wait`.
fn operation_note(lro: &Lro) -> String {
    let url = lro.async_operation.as_deref().or(lro.location.as_deref()).unwrap_or(&lro.resource);
    let request = lro.request_id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default();
    format!("  operation: {url}{request}\n")
}

/// Waits for `lro` (unless `no_wait`) and prints the database and its group as they end up.
async fn finish(
    session: &mut Session,
    command: &str,
    id: &EnterpriseId,
    started: Result<Option<Lro>, ClientError>,
    label: &str,
    no_wait: bool,
    output: super::super::Output,
) -> Result<(), Failure> {
    let lro = started.map_err(|e| Failure::client(format!("cannot start {label}"), e))?;
    if let Some(lro) = lro {
        if no_wait {
            eprint(&format!("georep {command}: {label}: accepted, not waiting\n{}", operation_note(&lro)));
            return Ok(());
        }
        let status = progress::wait(session, &lro, label)
            .await
            .map_err(|e| Failure::client(format!("lost track of the operation; {label} may still be running"), e))?;
        session.after_wait();
        if status.state != OperationState::Succeeded {
            return Err(Failure::operation(format!("{label} failed"), &status, lro.request_id.clone()));
        }
    }
    let db = session
        .client
        .get_database(id)
        .await
        .map_err(|e| Failure::client(format!("{label} succeeded, but reading the database back failed"), e))?;
    let view = read_group(session, db).await;
    output::emit(output, &view, || details(id, &view))
}

pub async fn force_unlink(args: ForceUnlinkArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    args.target.check()?;
    let given = members("--unlink-ids", &args.unlink_ids)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (id, db) = args.target.find(&session).await?;
    let ids = resolve("--unlink-ids", &given, &member_ids(&db), &id)?;
    if ids.contains(&id) {
        return Err(Failure::usage(format!(
            "--unlink-ids: {} is the database the request goes to: name a member that stays with --cluster",
            id.cluster
        )));
    }
    let label = format!("force-unlinking {} from {}", names(&ids), group_label(&db, &id));
    let started = session.client.force_unlink(&id, &ids).await;
    finish(&mut session, "amr force-unlink", &id, started, &label, args.no_wait, args.common.output).await
}

pub async fn force_link(args: ForceLinkArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    args.target.check()?;
    let nickname = args.group_nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > 256 || nickname.chars().any(char::is_control) {
        return Err(Failure::usage(format!(
            "--group-nickname: '{}' is not valid: a group nickname is 1 to 256 characters, none of them control \
             characters",
            nickname.escape_debug()
        )));
    }
    let given = members("--linked-databases", &args.linked_databases)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (id, db) = args.target.find(&session).await?;
    let mut ids = resolve("--linked-databases", &given, &member_ids(&db), &id)?;
    if !ids.contains(&id) {
        ids.insert(0, id.clone());
    }
    let linked: Vec<LinkedDatabase> = ids.iter().map(|i| LinkedDatabase::new(i, None)).collect();
    let label = format!("force-linking {} into group '{nickname}' (its data discarded)", id.cluster);
    let started = session.client.force_link(&id, &ForceLinkParameters::new(nickname, linked)).await;
    finish(&mut session, "amr force-link", &id, started, &label, args.no_wait, args.common.output).await
}

pub async fn flush(args: FlushArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    args.target.check()?;
    let given = members("--linked-ids", &args.linked_ids)?;
    let mut session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (id, db) = args.target.find(&session).await?;
    let ids: Vec<EnterpriseId> =
        resolve("--linked-ids", &given, &member_ids(&db), &id)?.into_iter().filter(|i| *i != id).collect();
    let cleared = if ids.is_empty() { id.cluster.clone() } else { format!("{} and {}", id.cluster, names(&ids)) };
    let label = format!("flushing {cleared}");
    let started = session.client.flush(&id, &ids).await;
    finish(&mut session, "amr flush", &id, started, &label, args.no_wait, args.common.output).await
}

/// `group 'orders' (via amr-eus)`, or the database alone when it is in no group.
fn group_label(db: &crate::arm::enterprise::Database, id: &EnterpriseId) -> String {
    match db.group_nickname() {
        Some(n) => format!("group '{n}' (via {})", id.cluster),
        None => format!("the group of {}", id.cluster),
    }
}
