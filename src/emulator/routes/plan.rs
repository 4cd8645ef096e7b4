//! Stage 3: what the state machine makes of a valid request. Either nothing to do (the link asked for
//! exists), a refusal carrying every reason, or the link's new phase and the operation that will carry
//! it out, with what undoes the phase if the data plane refuses to start.

use axum::http::StatusCode;

use crate::arm::{ErrorDetail, LinkedServer, ResourceId};
use crate::geo::{Incompatibility, Link, LinkEvent, LinkPhase, TransitionError, World};

use super::super::errors::ArmError;
use super::super::store::{CacheRecord, Operation, OperationKind, State};
use super::validate::{ValidLink, linked_server_not_found};

const ALREADY_LINKED: &str = "Cannot create geo-replication link, since this cache is already linked to another cache.";

/// An operation the state machine has accepted (the link's phase has moved), not started yet.
pub(super) struct Planned {
    pub op: Operation,
    pub primary: CacheRecord,
    pub secondary: CacheRecord,
    /// The cache the request addressed.
    pub cache_id: ResourceId,
    /// Applied to the link, in order, if the data plane refuses to start the operation.
    pub undo: &'static [LinkEvent],
}

pub(super) enum LinkPlan {
    /// The link exists already (PUT is idempotent): answer with its entry.
    Exists(Box<LinkedServer>),
    Start(Box<Planned>),
}

/// Plans a link. The link is `Creating` once this returns [`LinkPlan::Start`].
pub(super) fn link(state: &mut State, v: ValidLink) -> Result<LinkPlan, ArmError> {
    let ValidLink { cache_id, linked_id, wanted, primary, secondary } = v;
    // PUT is idempotent: asking again for the link that exists answers with it. Not while it is being
    // deleted: that is an operation in flight (409 below), not the link the caller asked for.
    if let Some(link) = state.topology.link_between(&cache_id, &linked_id)
        && link.primary == cache_id
        && link.phase != LinkPhase::Deleting
    {
        let entry = state.linked_servers(&cache_id).into_iter().find(|l| l.name().eq_ignore_ascii_case(&wanted));
        if let Some(entry) = entry {
            return Ok(LinkPlan::Exists(Box::new(entry)));
        }
    }
    let p = state.render(&primary);
    let s = state.render(&secondary);
    // The state machine applies every rule; a refusal carries all the reasons, which decide the answer.
    match state.topology.begin_link(&p, &s) {
        Ok(_) => {}
        Err(TransitionError::Incompatible(reasons)) => {
            let busy = if state.topology.has_operation(&p) { &cache_id } else { &linked_id };
            return Err(refusal(&reasons, busy, &cache_id, &linked_id));
        }
        Err(other) => return Err(ArmError::bad_request("BadRequest", other.to_string())),
    }
    let op = Operation::begin(
        OperationKind::Link,
        &cache_id.subscription,
        (&cache_id, &p.location),
        (&linked_id, &s.location),
        primary.dataset.bytes,
        secondary.dataset,
    );
    let undo = &[LinkEvent::LinkFailed, LinkEvent::UnlinkStarted, LinkEvent::Unlinked];
    Ok(LinkPlan::Start(Box::new(Planned { op, primary, secondary, cache_id, undo })))
}

/// The answer to a link the rules refuse: 409 when a cache is busy, else 400 with every reason.
fn refusal(reasons: &[Incompatibility], busy: &ResourceId, primary: &ResourceId, secondary: &ResourceId) -> ArmError {
    if reasons.iter().any(|r| matches!(r, Incompatibility::OperationInProgress { .. })) {
        return ArmError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "The cache '{}' is busy with another geo-replication operation. Try again when it has finished.",
                busy.name
            ),
        );
    }
    let details = reasons.iter().map(|r| ErrorDetail::new(r.code(), r.message())).collect();
    let (code, message) = if reasons.iter().any(|r| matches!(r, Incompatibility::AlreadyLinked { .. })) {
        ("BadRequest", ALREADY_LINKED.to_string())
    } else {
        (
            "GeoReplicationPrerequisitesNotMet",
            format!(
                "'{}' cannot be linked as secondary to '{}': {}",
                secondary.name,
                primary.name,
                reasons.iter().map(|r| r.message()).collect::<Vec<_>>().join(" ")
            ),
        )
    };
    ArmError::bad_request(code, message).with_details(details)
}

/// Plans the unlink of `link`, asked for on the cache `id`. The link is `Deleting` once this returns.
pub(super) fn unlink(state: &mut State, id: &ResourceId, link: Link) -> Result<Planned, ArmError> {
    if link.phase.in_flight() {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "The link between '{}' and '{}' is {}: wait for that operation to finish.",
                link.primary.name,
                link.secondary.name,
                link.phase.as_str()
            ),
        ));
    }
    let (Some(primary), Some(secondary)) = (state.cache(&link.primary).cloned(), state.cache(&link.secondary).cloned())
    else {
        return Err(linked_server_not_found(id));
    };
    let cache_id = id.cache_id();
    state
        .topology
        .apply(&cache_id, LinkEvent::UnlinkStarted)
        .map_err(|e| ArmError::new(StatusCode::CONFLICT, "Conflict", e.to_string()))?;
    let op = Operation::begin(
        OperationKind::Unlink,
        &cache_id.subscription,
        (&link.primary, &link.primary_location),
        (&link.secondary, &link.secondary_location),
        0,
        secondary.dataset,
    );
    Ok(Planned { op, primary, secondary, cache_id, undo: &[LinkEvent::UnlinkFailed] })
}
