//! Time in the simulated Managed Redis data plane: links go Linking -> Linked (the joining member takes
//! the group's data as they do), Unlinking -> gone; a member whose region is down makes its group
//! unhealthy at once and its links LinkFailed after [`LINK_FAIL_SECONDS`]; when the region is back,
//! failed links link again. Operations end when what they wait for has happened.

use chrono::{DateTime, Utc};

use crate::arm::ErrorDetail;
use crate::arm::enterprise::{EnterpriseId, LinkState};

use super::state::{EnterpriseOperationKind, EnterpriseState};
use super::{CREATE_SECONDS, FLUSH_SECONDS, LINK_FAIL_SECONDS, LINK_SECONDS, UNLINK_SECONDS};

/// Model seconds from `since` to `now`.
fn elapsed(since: DateTime<Utc>, now: DateTime<Utc>, time_scale: f64) -> f64 {
    (now - since).num_milliseconds().max(0) as f64 / 1000.0 * time_scale
}

/// Advances links, databases and operations to `now`. Returns whether a state changed (worth
/// persisting at once).
pub fn advance(state: &mut EnterpriseState, now: DateTime<Utc>, time_scale: f64) -> bool {
    let mut changed = advance_links(state, now, time_scale);
    changed |= settle_databases(state, now, time_scale);
    changed |= finish_operations(state, now, time_scale);
    changed
}

fn advance_links(state: &mut EnterpriseState, now: DateTime<Utc>, time_scale: f64) -> bool {
    let mut changed = false;
    let keys: Vec<String> = state.links.keys().cloned().collect();
    for key in keys {
        let Some(link) = state.links.get(&key).cloned() else { continue };
        let down_since = [&link.a, &link.b]
            .into_iter()
            .filter(|m| state.is_down(m))
            .filter_map(|m| state.cluster(m).and_then(|c| state.regions_down.get(&crate::geo::region_key(&c.location))))
            .min()
            .copied();
        let age = elapsed(link.since, now, time_scale);
        let next = match (&link.state, down_since) {
            (LinkState::Unlinking, _) if age >= UNLINK_SECONDS => None,
            (LinkState::Linked | LinkState::Linking, Some(since))
                if elapsed(since, now, time_scale) >= LINK_FAIL_SECONDS =>
            {
                Some(LinkState::LinkFailed)
            }
            (LinkState::LinkFailed, None) => Some(LinkState::Linking),
            (LinkState::Linking, None) if age >= LINK_SECONDS => Some(LinkState::Linked),
            (LinkState::Linking, None) => {
                sync_progress(
                    state,
                    &link.joining,
                    link.peer(link.joining.as_ref().unwrap_or(&link.a)),
                    age / LINK_SECONDS,
                );
                continue;
            }
            _ => continue,
        };
        changed = true;
        match next {
            None => {
                state.links.remove(&key);
            }
            Some(s) => {
                if s == LinkState::Linked {
                    sync_progress(state, &link.joining, link.peer(link.joining.as_ref().unwrap_or(&link.a)), 1.0);
                }
                if let Some(l) = state.links.get_mut(&key) {
                    l.state = s;
                    l.since = now;
                }
            }
        }
    }
    changed
}

/// The joining member holds `fraction` of its peer's data.
fn sync_progress(
    state: &mut EnterpriseState,
    joining: &Option<EnterpriseId>,
    peer: Option<&EnterpriseId>,
    fraction: f64,
) {
    let (Some(joining), Some(peer)) = (joining, peer) else { return };
    let Some((keys, bytes)) = state.database(peer).map(|r| (r.keys, r.bytes)) else { return };
    let f = fraction.clamp(0.0, 1.0);
    if let Some(r) = state.database_mut(joining) {
        r.keys = r.keys.max((keys as f64 * f) as u64).min(keys);
        r.bytes = r.bytes.max((bytes as f64 * f) as u64).min(bytes);
    }
}

/// A creating or force-linked database is running once all its links are Linked (alone: after a while).
fn settle_databases(state: &mut EnterpriseState, now: DateTime<Utc>, time_scale: f64) -> bool {
    let mut settled = Vec::new();
    for (key, record) in &state.databases {
        let Some(busy) = &record.busy else { continue };
        let Some(id) = record.database.database_id() else { continue };
        let links: Vec<_> = state.links_of(&id).collect();
        let done = if links.is_empty() {
            elapsed(busy.since, now, time_scale) >= CREATE_SECONDS
        } else {
            links.iter().all(|l| l.state == LinkState::Linked)
        };
        if done {
            settled.push(key.clone());
        }
    }
    for key in &settled {
        if let Some(r) = state.databases.get_mut(key) {
            r.busy = None;
        }
    }
    !settled.is_empty()
}

fn finish_operations(state: &mut EnterpriseState, now: DateTime<Utc>, time_scale: f64) -> bool {
    let mut changed = false;
    for i in 0..state.operations.len() {
        let op = &state.operations[i];
        if op.status.is_terminal() {
            continue;
        }
        let (kind, db, start, targets) = (op.kind, op.database.clone(), op.start_time, op.others.clone());
        let outcome = match kind {
            EnterpriseOperationKind::Create | EnterpriseOperationKind::ForceLink => {
                if state.links_of(&db).any(|l| l.state == LinkState::LinkFailed) {
                    Some(Some(ErrorDetail::new(
                        "LinkFailed",
                        "A member of the group could not be reached: the link failed.",
                    )))
                } else {
                    state.database(&db).is_none_or(|r| r.busy.is_none()).then_some(None)
                }
            }
            EnterpriseOperationKind::ForceUnlink => {
                let pending = state.links.values().any(|l| targets.iter().any(|t| l.involves(t)));
                if !pending {
                    for t in &targets {
                        if let Some(r) = state.database_mut(t) {
                            r.force_unlinked = true;
                        }
                    }
                }
                (!pending).then_some(None)
            }
            EnterpriseOperationKind::Flush => (elapsed(start, now, time_scale) >= FLUSH_SECONDS).then_some(None),
        };
        if let Some(error) = outcome {
            state.operations[i].finish(now, error);
            changed = true;
        }
    }
    changed
}
