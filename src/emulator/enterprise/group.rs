//! The changes to Managed Redis databases and groups: create (into a group), force-unlink, force-link
//! and flush. Each checks the request against the state and the group rules of
//! [`crate::geo::join_reasons`] (one place for each rule) and refuses with every reason; nothing changes
//! on a refusal.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use crate::arm::ErrorDetail;
use crate::arm::enterprise::{
    Database, EnterpriseId, EnterpriseProvisioningState, FlushParameters, ForceLinkParameters, ForceUnlinkParameters,
    GeoReplication, LinkState,
};
use crate::geo::{ActiveGroup, GroupMember, JoinBy, JoinCandidate, join_reasons};

use super::super::errors::ArmError;
use super::state::{Busy, DatabaseRecord, EnterpriseOperation, EnterpriseOperationKind, EnterpriseState, PairLink};

pub(crate) fn database_not_found(id: &EnterpriseId) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.Cache/redisEnterprise/{}/databases/{}' under resource group '{}' was not found.",
            id.cluster,
            id.database.as_deref().unwrap_or_default(),
            id.resource_group
        ),
    )
}

pub(crate) fn cluster_not_found(id: &EnterpriseId) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.Cache/redisEnterprise/{}' under resource group '{}' was not found.",
            id.cluster, id.resource_group
        ),
    )
}

/// A refusal by the group rules: 400 with every reason in `details`.
fn rules_refuse(target: &EnterpriseId, nickname: &str, reasons: Vec<crate::geo::GroupIncompatibility>) -> ArmError {
    let details: Vec<ErrorDetail> =
        reasons.iter().map(|r| ErrorDetail::new(r.code(), r.message()).with_target(target.to_string())).collect();
    let first = reasons.first().map(|r| r.message()).unwrap_or_default();
    let more = if reasons.len() > 1 { format!(" ({} reasons in details)", reasons.len()) } else { String::new() };
    ArmError::bad_request(
        "ActiveGeoReplicationNotAllowed",
        format!("The database '{target}' cannot join the group '{nickname}': {first}{more}"),
    )
    .with_target(&target.to_string())
    .with_details(details)
}

/// The members a request names besides `own`, checked: ids of databases that exist and that form the
/// group `nickname` exactly. Returns the group's members (empty: a new group).
fn named_group(
    state: &EnterpriseState,
    own: &EnterpriseId,
    geo: &GeoReplication,
) -> Result<(String, Vec<EnterpriseId>), ArmError> {
    let nickname = geo.group_nickname.as_deref().map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
        ArmError::bad_request("InvalidGeoReplication", "geoReplication.groupNickname is required.")
            .with_target("geoReplication.groupNickname")
    })?;
    let mut others = Vec::new();
    for l in geo.linked() {
        let raw = l.id.as_deref().unwrap_or_default();
        let id = l.database_id().ok_or_else(|| {
            ArmError::bad_request(
                "InvalidLinkedDatabase",
                format!("'{raw}' is not the id of a Microsoft.Cache/redisEnterprise database."),
            )
            .with_target("geoReplication.linkedDatabases")
        })?;
        if id != *own && !others.contains(&id) {
            others.push(id);
        }
    }
    let Some(first) = others.first() else { return Ok((nickname.to_string(), Vec::new())) };
    for id in &others {
        if state.database(id).is_none() {
            return Err(ArmError::bad_request(
                "LinkedDatabaseNotFound",
                format!("The linked database '{id}' does not exist."),
            )
            .with_target("geoReplication.linkedDatabases"));
        }
    }
    let record = state
        .database(first)
        .filter(|r| !r.force_unlinked && r.group.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(nickname)));
    let members = if record.is_some() { state.group_members(first) } else { Vec::new() };
    let missing: Vec<String> = members.iter().filter(|m| !others.contains(m)).map(|m| m.to_string()).collect();
    let extra: Vec<String> = others.iter().filter(|o| !members.contains(o)).map(|o| o.to_string()).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut why = Vec::new();
        if !extra.is_empty() {
            why.push(format!("not members of '{nickname}': {}", extra.join(", ")));
        }
        if !missing.is_empty() {
            why.push(format!("members of '{nickname}' not listed: {}", missing.join(", ")));
        }
        return Err(ArmError::bad_request(
            "LinkedDatabasesMismatch",
            format!(
                "linkedDatabases must list this database and every member of the group '{nickname}': {}.",
                why.join("; ")
            ),
        )
        .with_target("geoReplication.linkedDatabases"));
    }
    Ok((nickname.to_string(), members))
}

/// Checks `candidate` (its cluster, and the database's settings) against the group of `members`.
fn check_rules(
    state: &EnterpriseState,
    nickname: &str,
    members: &[EnterpriseId],
    own: &EnterpriseId,
    database: &Database,
    by: JoinBy,
) -> Result<(), ArmError> {
    let rendered: Vec<_> =
        members.iter().filter_map(|m| Some((state.cluster(m)?, state.render_database(state.database(m)?)))).collect();
    let group_members: Vec<GroupMember> =
        rendered.iter().map(|(cluster, database)| GroupMember { cluster, database }).collect();
    let cluster = state.cluster(own).ok_or_else(|| cluster_not_found(own))?;
    let group = ActiveGroup { nickname, members: &group_members };
    let reasons = join_reasons(&group, &JoinCandidate { cluster, database: Some(database) }, by);
    if reasons.is_empty() { Ok(()) } else { Err(rules_refuse(own, nickname, reasons)) }
}

/// Links `own` to every member, Linking from `now`, `own` taking their data.
fn link_to(state: &mut EnterpriseState, own: &EnterpriseId, members: &[EnterpriseId], now: DateTime<Utc>) {
    for m in members {
        let link = PairLink {
            a: m.clone(),
            b: own.clone(),
            state: LinkState::Linking,
            since: now,
            joining: Some(own.clone()),
        };
        state.links.insert(PairLink::key(m, own), link);
    }
}

/// `PUT .../databases/{db}`: creates a database, into a group when `geoReplication` is given. `Ok(None)`:
/// the database exists and the request changes nothing georep models (answered with 200).
pub(crate) fn create(
    state: &mut EnterpriseState,
    id: &EnterpriseId,
    requested: Database,
    now: DateTime<Utc>,
) -> Result<Option<EnterpriseOperation>, ArmError> {
    let cluster = state.cluster(id).ok_or_else(|| cluster_not_found(id))?;
    let location = cluster.location.clone();
    let geo = requested.properties.geo_replication.clone();
    let mut settings = requested;
    settings.id = Some(id.to_string());
    settings.name = None;
    settings.resource_type = None;
    settings.properties.provisioning_state = None;
    settings.properties.resource_state = None;
    settings.properties.geo_replication = None;
    settings.properties.data_plane = None;
    if let Some(existing) = state.database(id) {
        let Some(geo) = geo else {
            return Ok(None);
        };
        let (nickname, members) = named_group(state, id, &geo)?;
        let existing = state.render_database(existing);
        let by = JoinBy::Create { replacing: Some(&existing) };
        check_rules(state, &nickname, &members, id, &settings, by)?;
        // The rules always refuse an existing database; this is not reached.
        return Err(ArmError::bad_request("GeoReplicationCreateOnly", "geoReplication is set only at create."));
    }
    let (group, members) = match &geo {
        Some(geo) => {
            if !geo.linked().iter().any(|l| l.database_id().is_some_and(|i| i == *id)) {
                return Err(ArmError::bad_request(
                    "InvalidGeoReplication",
                    format!("geoReplication.linkedDatabases must include the database being created, '{id}'."),
                )
                .with_target("geoReplication.linkedDatabases"));
            }
            let (nickname, members) = named_group(state, id, geo)?;
            check_rules(state, &nickname, &members, id, &settings, JoinBy::Create { replacing: None })?;
            (Some(nickname), members)
        }
        None => (None, Vec::new()),
    };
    let record = DatabaseRecord {
        database: settings,
        keys: 0,
        bytes: 0,
        group,
        force_unlinked: false,
        busy: Some(Busy { state: EnterpriseProvisioningState::Creating, since: now }),
    };
    state.databases.insert(id.key(), record);
    link_to(state, id, &members, now);
    let op = EnterpriseOperation::begin(EnterpriseOperationKind::Create, id, &location, Vec::new());
    state.push_operation(op.clone());
    Ok(Some(op))
}

/// The database and its running state for a POST action: it exists and nothing runs on it.
fn ready<'s>(state: &'s EnterpriseState, id: &EnterpriseId) -> Result<&'s DatabaseRecord, ArmError> {
    let record = state.database(id).ok_or_else(|| database_not_found(id))?;
    if let Some(busy) = &record.busy {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "OperationInProgress",
            format!("The database '{id}' is {}: wait for its running operation to finish.", busy.state),
        ));
    }
    Ok(record)
}

/// Parses the `ids` of a request: database ids, each a member of `id`'s group other than itself.
fn members_named(state: &EnterpriseState, id: &EnterpriseId, ids: &[String]) -> Result<Vec<EnterpriseId>, ArmError> {
    let members = state.group_members(id);
    let mut out = Vec::new();
    for raw in ids {
        let other = EnterpriseId::parse(raw).ok().filter(|i| i.database.is_some()).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidLinkedDatabase",
                format!("'{raw}' is not the id of a Microsoft.Cache/redisEnterprise database."),
            )
            .with_target("ids")
        })?;
        if other == *id || !members.contains(&other) {
            return Err(ArmError::bad_request(
                "NotInGroup",
                format!("'{other}' is not another member of the geo-replication group of '{id}'."),
            )
            .with_target("ids"));
        }
        if !out.contains(&other) {
            out.push(other);
        }
    }
    Ok(out)
}

/// `POST .../forceUnlink`: drops `ids` from the database's group; they end up force-unlinked.
pub(crate) fn force_unlink(
    state: &mut EnterpriseState,
    id: &EnterpriseId,
    params: &ForceUnlinkParameters,
    now: DateTime<Utc>,
) -> Result<EnterpriseOperation, ArmError> {
    ready(state, id)?;
    if params.ids.is_empty() {
        return Err(ArmError::bad_request("InvalidRequestContent", "ids must name at least one database to unlink.")
            .with_target("ids"));
    }
    let targets = members_named(state, id, &params.ids)?;
    if let Some(busy) =
        state.links.values().find(|l| targets.iter().any(|t| l.involves(t)) && l.state == LinkState::Unlinking)
    {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "OperationInProgress",
            format!("The link between '{}' and '{}' is being unlinked already.", busy.a, busy.b),
        ));
    }
    for link in state.links.values_mut().filter(|l| targets.iter().any(|t| l.involves(t))) {
        link.state = LinkState::Unlinking;
        link.since = now;
        link.joining = None;
    }
    let location = state.cluster(id).map(|c| c.location.clone()).unwrap_or_default();
    let op = EnterpriseOperation::begin(EnterpriseOperationKind::ForceUnlink, id, &location, targets);
    state.push_operation(op.clone());
    Ok(op)
}

/// `POST .../forceLinkToReplicationGroup`: recreates the database into the group, its data discarded.
pub(crate) fn force_link(
    state: &mut EnterpriseState,
    id: &EnterpriseId,
    params: &ForceLinkParameters,
    now: DateTime<Utc>,
) -> Result<EnterpriseOperation, ArmError> {
    let record = ready(state, id)?;
    let rendered = state.render_database(record);
    let (nickname, members) = named_group(state, id, &params.geo_replication)?;
    if members.is_empty() {
        return Err(ArmError::bad_request(
            "InvalidGeoReplication",
            "geoReplication.linkedDatabases must name the members of the group to link to.",
        )
        .with_target("geoReplication.linkedDatabases"));
    }
    check_rules(state, &nickname, &members, id, &rendered, JoinBy::ForceLink)?;
    let location = state.cluster(id).map(|c| c.location.clone()).unwrap_or_default();
    if let Some(r) = state.database_mut(id) {
        r.keys = 0;
        r.bytes = 0;
        r.group = Some(nickname);
        r.force_unlinked = false;
        r.busy = Some(Busy { state: EnterpriseProvisioningState::Updating, since: now });
    }
    link_to(state, id, &members, now);
    let op = EnterpriseOperation::begin(EnterpriseOperationKind::ForceLink, id, &location, members);
    state.push_operation(op.clone());
    Ok(op)
}

/// `POST .../flush`: clears the database and the members named in `ids`.
pub(crate) fn flush(
    state: &mut EnterpriseState,
    id: &EnterpriseId,
    params: &FlushParameters,
) -> Result<EnterpriseOperation, ArmError> {
    ready(state, id)?;
    let others = members_named(state, id, params.ids.as_deref().unwrap_or_default())?;
    for db in std::iter::once(id).chain(&others) {
        if let Some(r) = state.database_mut(db) {
            r.keys = 0;
            r.bytes = 0;
        }
    }
    let location = state.cluster(id).map(|c| c.location.clone()).unwrap_or_default();
    let op = EnterpriseOperation::begin(EnterpriseOperationKind::Flush, id, &location, others);
    state.push_operation(op.clone());
    Ok(op)
}

/// A command sent to a database's data plane. FLUSHALL and FLUSHDB are refused on a member of a group,
/// as the service refuses them (flush goes through the API); elsewhere they clear it. DBSIZE answers
/// its key count.
pub fn command(state: &mut EnterpriseState, id: &EnterpriseId, command: &str) -> Result<String, String> {
    let in_group = !state.group_members(id).is_empty() && state.database(id).is_some_and(|r| !r.force_unlinked);
    let record = state.database_mut(id).ok_or_else(|| format!("ERR no database {id}"))?;
    let word = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
    match word.as_str() {
        "FLUSHALL" | "FLUSHDB" if in_group => Err(format!(
            "ERR {word} is not allowed on a database in an active geo-replication group: use the flush operation (az redisenterprise database flush)"
        )),
        "FLUSHALL" | "FLUSHDB" => {
            record.keys = 0;
            record.bytes = 0;
            Ok("OK".into())
        }
        "DBSIZE" => Ok(record.keys.to_string()),
        _ => Err(format!("ERR unknown command '{word}' (the simulated data plane answers FLUSHALL, FLUSHDB, DBSIZE)")),
    }
}
