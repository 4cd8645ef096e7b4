//! Stage 2: checks that need no decision. A request that passes names caches that exist, with a body
//! whose fields make sense; nothing has changed yet.

use axum::http::StatusCode;

use crate::arm::{LinkedServerCreateParameters, ReplicationRole, ResourceId};
use crate::geo::{Link, same_region};

use super::super::errors::ArmError;
use super::super::store::{CacheRecord, State};
use super::parse::Req;

pub(crate) fn api_version(req: &Req, want: &str) -> Result<(), ArmError> {
    api_versions(req, &[want])
}

/// The request's api-version is one of `wants` (the first is the one named when there is only one).
pub(super) fn api_versions(req: &Req, wants: &[&str]) -> Result<(), ArmError> {
    let supported = match wants {
        [one] => format!("The supported version is '{one}'."),
        many => format!("The supported versions are '{}'.", many.join("', '")),
    };
    match req.query("api-version") {
        Some(v) if wants.contains(&v) => Ok(()),
        Some(v) => Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{v}' is invalid. {supported}"),
        )),
        None => Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version query parameter (?api-version=) is required for all requests. {supported}"),
        )),
    }
}

/// Where a page of a list starts (`$skipToken`, handed out in `nextLink`).
pub(crate) fn skip_token(req: &Req) -> Result<usize, ArmError> {
    match req.query("$skipToken") {
        None => Ok(0),
        Some(t) => t
            .parse()
            .map_err(|_| ArmError::bad_request("InvalidSkipToken", format!("The $skipToken '{t}' is not valid."))),
    }
}

/// The subscription (and resource group) a list is asked for exist.
pub(super) fn scope(state: &State, sub: &str, rg: Option<&str>) -> Result<(), ArmError> {
    if !state.has_subscription(sub) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ));
    }
    if let Some(rg) = rg
        && !state.has_resource_group(sub, rg)
    {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        ));
    }
    Ok(())
}

/// The cache `id` names (or whose linked server it names).
pub(super) fn cache<'s>(state: &'s State, id: &ResourceId) -> Result<&'s CacheRecord, ArmError> {
    state.cache(id).ok_or_else(|| ArmError::cache_not_found(&id.resource_group, &id.name))
}

pub(super) fn linked_server_not_found(id: &ResourceId) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.Cache/Redis/{}/linkedServers/{}' under resource group '{}' was not found.",
            id.name,
            id.linked_server.as_deref().unwrap_or(""),
            id.resource_group
        ),
    )
}

/// A link request that names two existing caches, in the roles and region it says.
pub(super) struct ValidLink {
    /// The primary (the cache in the path).
    pub cache_id: ResourceId,
    /// The secondary (`linkedRedisCacheId`).
    pub linked_id: ResourceId,
    /// The linked server's name as the path has it.
    pub wanted: String,
    pub primary: CacheRecord,
    pub secondary: CacheRecord,
}

/// What a link request's body says, checked on its own: the role, and an id of a cache named as in the
/// path. Returns the secondary's id.
pub(super) fn link_params(id: &ResourceId, params: &LinkedServerCreateParameters) -> Result<ResourceId, ArmError> {
    let props = &params.properties;
    match &props.server_role {
        ReplicationRole::Secondary => {}
        ReplicationRole::Primary => {
            return Err(ArmError::bad_request(
                "InvalidParameter",
                "Create the link on the primary cache with serverRole 'Secondary': the linked cache becomes the secondary.",
            )
            .with_target("properties.serverRole"));
        }
        ReplicationRole::Other(r) => {
            return Err(ArmError::invalid_content(format!(
                "serverRole '{r}' is not a replication role: expected 'Secondary'"
            ))
            .with_target("properties.serverRole"));
        }
    }
    let linked_id = ResourceId::parse(&props.linked_redis_cache_id).map_err(|e| {
        ArmError::bad_request("InvalidParameter", e.to_string()).with_target("properties.linkedRedisCacheId")
    })?;
    // The id of a cache, not of one of its linked-server entries: an entry id would otherwise name
    // the cache it belongs to here, but not match the link the operation driver looks for.
    if linked_id.linked_server.is_some() {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!("'{}' is the id of a linked server, not of a cache.", props.linked_redis_cache_id),
        )
        .with_target("properties.linkedRedisCacheId"));
    }
    let wanted = id.linked_server.as_deref().unwrap_or_default();
    if !linked_id.name.eq_ignore_ascii_case(wanted) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!("The linked server name '{wanted}' must be the name of the linked cache '{}'.", linked_id.name),
        )
        .with_target("linkedServerName"));
    }
    Ok(linked_id)
}

/// A link request against the state: both caches exist, and the secondary is where the body says.
pub(super) fn link(
    state: &State,
    id: &ResourceId,
    linked_id: ResourceId,
    params: &LinkedServerCreateParameters,
) -> Result<ValidLink, ArmError> {
    let primary = cache(state, id)?.clone();
    let secondary = cache(state, &linked_id).map_err(|e| e.with_target("properties.linkedRedisCacheId"))?.clone();
    let location = &params.properties.linked_redis_cache_location;
    if !same_region(location, &secondary.resource.location) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!(
                "linkedRedisCacheLocation '{location}' does not match the location of '{}', which is '{}'.",
                linked_id.name, secondary.resource.location
            ),
        )
        .with_target("properties.linkedRedisCacheLocation"));
    }
    let wanted = id.linked_server.clone().unwrap_or_default();
    Ok(ValidLink { cache_id: id.cache_id(), linked_id, wanted, primary, secondary })
}

/// The link an unlink request names, if there is one: `Ok(None)` when the cache exists but has no link
/// to a cache of that name.
pub(super) fn unlink(state: &State, id: &ResourceId) -> Result<Option<Link>, ArmError> {
    cache(state, id)?;
    let cache_id = id.cache_id();
    let wanted = id.linked_server.as_deref().unwrap_or_default();
    Ok(state
        .topology
        .link_of(&cache_id)
        .filter(|l| l.peer_of(&cache_id).is_some_and(|(peer, _, _)| peer.name.eq_ignore_ascii_case(wanted)))
        .cloned())
}
