//! `georep failover --name CURRENT_SECONDARY --resource-group RG`: the documented failover of passive
//! geo-replication, run by [`crate::client::failover`] (the orchestration the console runs too): the
//! link is removed, then created again the other way round, so that the former secondary is the
//! primary and the former primary its secondary. Refused when the two caches differ in size or the
//! link has not finished (`geo::failover_blockers`).

use clap::Args;

use crate::client::failover::{self, Event, FailoverError, Options};

use super::progress::{self, StepUpdate};
use super::{Common, Failure, Session, WaitArgs, args as check, eprint, links, output};

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

fn failure(e: FailoverError, what: &str) -> Failure {
    match e {
        FailoverError::Refused { code, message } => Failure::failed(what, code, message),
        FailoverError::Client { what, error } => Failure::client(what, error),
        FailoverError::Operation { what, status, request_id } => Failure::operation(what, &status, request_id),
    }
}

pub async fn failover(args: FailoverArgs, endpoint: Option<&str>) -> Result<(), Failure> {
    check::cache_in_group(&args.name, &args.resource_group)?;
    let session = Session::open(&args.common, endpoint, args.wait.poll_interval).await?;
    let (secondary, _) = session.find_cache(&args.resource_group, &args.name).await?;
    let what = format!("cannot fail over to {}", secondary.name);
    let pair = failover::prepare(&session.client, &secondary).await.map_err(|e| failure(e, &what))?;
    eprint(&format!(
        "georep failover: {} becomes the primary, {} its secondary (1/2 unlink, 2/2 link)\n",
        pair.secondary.name, pair.primary.name
    ));
    let options = Options { follow: session.follow_options(), renew_deadline: session.renewed_deadline() };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut on_event = |e: Event| {
        let _ = tx.send(match e {
            Event::Accepted { step, .. } => StepUpdate::Started(step.label(&pair)),
            Event::Status { status, .. } => StepUpdate::Status(status),
        });
    };
    let work = failover::run(&session.client, &pair, options, &mut on_event);
    let entry = progress::steps(work, rx).await.map_err(|e| failure(e, &what))?;
    output::emit(args.common.output, &entry, || links::details(&entry))
}
