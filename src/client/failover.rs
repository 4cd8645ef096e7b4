//! Failover of a passive geo-replication link, the one orchestration the console and `georep failover`
//! run, against any backend.
//!
//! ARM has no failover call for `Microsoft.Cache/redis`: the portal's Failover is the documented
//! sequence, done here. The link is removed (its entries go `Deleting`; the secondary becomes
//! writable with what it replicated), then created again the other way round (`Creating`, `Syncing`,
//! `Succeeded`), so the former secondary is the primary and the geo-primary URLs point to it. The
//! unlink carries [`crate::arm::FAILOVER_HEADER`], which Azure ignores and georep's emulator with real
//! redis-servers uses to hand the role over without losing a write.

use std::time::Duration;

use futures::StreamExt;

use crate::arm::{LinkedServer, OperationState, RedisResource, ReplicationRole, ResourceId};
use crate::geo::failover_blockers;

use super::{ArmClient, ClientError, Follow, Lro, LroStatus};

/// The two caches of a link, by their roles before the failover.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub primary: ResourceId,
    pub primary_cache: RedisResource,
    pub secondary: ResourceId,
    pub secondary_cache: RedisResource,
}

/// The failover's two steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// 1/2: the link goes away; the secondary is writable.
    Unlink,
    /// 2/2: the old primary becomes the secondary of the new one.
    LinkBack,
}

impl Step {
    /// `unlinking b from a`, `linking a as secondary of b`.
    pub fn label(self, pair: &Pair) -> String {
        match self {
            Step::Unlink => format!("unlinking {} from {}", pair.secondary.name, pair.primary.name),
            Step::LinkBack => format!("linking {} as secondary of {}", pair.primary.name, pair.secondary.name),
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Step::Unlink => 1,
            Step::LinkBack => 2,
        }
    }
}

/// What the failover reports while it runs.
#[derive(Clone, Debug)]
pub enum Event {
    /// The service accepted a step's request; its operation is `lro`.
    Accepted { step: Step, lro: Lro },
    /// A step's operation, as last polled.
    Status { step: Step, status: LroStatus },
}

/// Why the failover did not happen, or did not finish.
#[derive(Clone, Debug)]
pub enum FailoverError {
    /// Refused before anything was changed: a rule, or a link in the wrong shape.
    Refused { code: &'static str, message: String },
    /// A request failed; `what` says what it was and where that leaves the caches.
    Client { what: String, error: ClientError },
    /// A step's operation ended other than Succeeded.
    Operation { what: String, status: LroStatus, request_id: Option<String> },
}

impl FailoverError {
    fn refused(code: &'static str, message: impl Into<String>) -> Self {
        FailoverError::Refused { code, message: message.into() }
    }
}

impl std::fmt::Display for FailoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailoverError::Refused { message, .. } => f.write_str(message),
            FailoverError::Client { what, error } => write!(f, "{what}: {error}"),
            FailoverError::Operation { what, status, .. } => match &status.error {
                Some(e) => write!(f, "{what}: {e}"),
                None => write!(f, "{what}: the operation ended {}", status.state),
            },
        }
    }
}

/// Reads the link from the side of `secondary` (the cache that is to become the primary) and checks
/// that it may fail over: it is the secondary of a link that has finished, with a cache of its size.
pub async fn prepare(client: &ArmClient, secondary: &ResourceId) -> Result<Pair, FailoverError> {
    let get = |what: String| move |error| FailoverError::Client { what, error };
    let secondary_cache = client.get_cache(secondary).await.map_err(get(format!("cannot get {}", secondary.name)))?;
    let secondary = ResourceId::parse(secondary_cache.id()).unwrap_or_else(|_| secondary.clone());
    let entries = client
        .list_linked_servers(&secondary)
        .await
        .map_err(get(format!("cannot list the links of {}", secondary.name)))?;
    let Some(entry) = entries.first() else {
        return Err(FailoverError::refused(
            "NotLinked",
            format!("{} has no geo-replication link: there is nothing to fail over", secondary.name),
        ));
    };
    match &entry.properties.server_role {
        ReplicationRole::Primary => {}
        ReplicationRole::Secondary => {
            return Err(FailoverError::refused(
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
            return Err(FailoverError::refused(
                "UnknownRole",
                format!("the link's role '{r}' is not one georep knows"),
            ));
        }
    }
    // Ids come back in any letter case (`resourcegroups`, `microsoft.cache/redis`): parse, don't compare text.
    let primary = ResourceId::parse(&entry.properties.linked_redis_cache_id).map_err(|e| {
        FailoverError::refused(
            "InvalidResponse",
            format!("the link names its primary with an id georep cannot read: {e}"),
        )
    })?;
    let primary_cache = client.get_cache(&primary).await.map_err(get(format!("cannot get {}", primary.name)))?;
    let primary = ResourceId::parse(primary_cache.id()).unwrap_or(primary);
    if let Some(b) = failover_blockers(&primary_cache, &secondary_cache, &entry.state()).first() {
        return Err(FailoverError::refused(
            b.code(),
            format!("cannot fail over from {} to {}: {}", primary.name, secondary.name, b.message()),
        ));
    }
    Ok(Pair { primary, primary_cache, secondary, secondary_cache })
}

/// Follows `lro` to its end, reporting every status as `step`'s.
async fn follow(
    client: &ArmClient,
    step: Step,
    lro: &Lro,
    options: Follow,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<LroStatus, ClientError> {
    let stream = client.follow(lro, options);
    futures::pin_mut!(stream);
    let mut last = None;
    while let Some(item) = stream.next().await {
        let status = item?;
        on_event(Event::Status { step, status: status.clone() });
        last = Some(status);
    }
    last.ok_or_else(|| ClientError::Decode("the operation's status stream ended without an answer".into()))
}

/// How the failover runs: how operations are followed, and (for a client whose deadline counts from
/// its creation) a fresh budget for the requests after each wait.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub follow: Follow,
    pub renew_deadline: Option<Duration>,
}

/// Runs the failover of `pair` to its end: the new link's entry on the new primary.
pub async fn run(
    client: &ArmClient,
    pair: &Pair,
    options: Options,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<LinkedServer, FailoverError> {
    let (p, s) = (&pair.primary, &pair.secondary);
    let renew = |c: &ArmClient| match options.renew_deadline {
        Some(t) => c.clone().with_deadline(Some(t)),
        None => c.clone(),
    };
    let lro = client.delete_link_for(p, &s.name, true).await.map_err(|error| FailoverError::Client {
        what: format!("cannot unlink {} from {}; nothing changed", s.name, p.name),
        error,
    })?;
    let Some(lro) = lro else {
        return Err(FailoverError::refused("NotLinked", format!("{} and {} are no longer linked", p.name, s.name)));
    };
    on_event(Event::Accepted { step: Step::Unlink, lro: lro.clone() });
    let lost = |step: Step| {
        move |error| FailoverError::Client {
            what: format!("lost track of the operation; {} may still be running", step.label(pair)),
            error,
        }
    };
    let status =
        follow(client, Step::Unlink, &lro, options.follow.clone(), on_event).await.map_err(lost(Step::Unlink))?;
    if status.state != OperationState::Succeeded {
        let what = format!("unlinking {} from {} failed; the link is as it was", s.name, p.name);
        return Err(FailoverError::Operation { what, status, request_id: lro.request_id.clone() });
    }
    let client = renew(client);
    let relink_hint = format!(
        "{} and {} are unlinked now, and both writable. To link them again: georep link --name {} --resource-group {} \
         --server-to-link {}",
        p.name, s.name, s.name, s.resource_group, p
    );
    let (_, lro) = client.create_link(s, p, &pair.primary_cache.location).await.map_err(|error| {
        FailoverError::Client { what: format!("the unlink succeeded, but linking back failed. {relink_hint}"), error }
    })?;
    on_event(Event::Accepted { step: Step::LinkBack, lro: lro.clone() });
    let status =
        follow(&client, Step::LinkBack, &lro, options.follow.clone(), on_event).await.map_err(lost(Step::LinkBack))?;
    if status.state != OperationState::Succeeded {
        let what = format!("the unlink succeeded, but the link back failed. {relink_hint}");
        return Err(FailoverError::Operation { what, status, request_id: lro.request_id.clone() });
    }
    renew(&client).get_linked_server(s, &p.name).await.map_err(|error| FailoverError::Client {
        what: "the failover succeeded, but reading the new link back failed".into(),
        error,
    })
}
