//! What each cache's shards measure now, for the metrics history: taken from the state (the link's
//! phase and operation, the dataset, and what the real data plane last recorded) in one short look
//! under the state lock, then turned into per-shard figures without it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::arm::{OperationState, ProvisioningState, ResourceId};
use crate::geo::LinkPhase;

use super::super::live::{Health, LiveShard};
use super::super::store::{OperationKind, State};
use super::catalog::MetricName;
use super::history::{EMPTY, Sample};
use super::model;

/// A cache's side of a link.
#[derive(Clone, Debug)]
pub struct LinkSide {
    pub primary: bool,
    pub phase: LinkPhase,
    pub peer: String,
    /// The running link operation: when it started, bytes to copy, bytes copied.
    pub sync: Option<(DateTime<Utc>, u64, u64)>,
}

/// One cache as the sampler sees it.
#[derive(Clone, Debug)]
pub struct Observed {
    pub key: String,
    pub shards: usize,
    pub dataset: u64,
    /// The region's display name.
    pub location: String,
    pub down: bool,
    pub link: Option<LinkSide>,
    /// The real data plane's per-shard figures (empty on the simulated one).
    pub live: Vec<LiveShard>,
}

/// Every cache, read from the state (no I/O, a few small copies).
pub fn observe(state: &State) -> Vec<Observed> {
    observe_where(state, |_, _| true)
}

/// The caches `keep(key, linked)` wants, read from the state. The links are indexed once, so this is
/// linear in the caches and links, whatever the fleet's size.
pub fn observe_where(state: &State, keep: impl Fn(&str, bool) -> bool) -> Vec<Observed> {
    let links: HashMap<String, &crate::geo::Link> =
        state.topology.links().iter().flat_map(|l| [(l.primary.key(), l), (l.secondary.key(), l)]).collect();
    state
        .caches
        .iter()
        .filter(|(key, _)| keep(key, links.contains_key(key.as_str())))
        .map(|(key, record)| {
            let id = ResourceId::parse(record.resource.id()).ok();
            let link = id.as_ref().and_then(|id| {
                let link = *links.get(key.as_str())?;
                let primary = &link.primary == id;
                let peer = if primary { &link.secondary } else { &link.primary };
                let sync = state
                    .operations
                    .iter()
                    .rev()
                    .find(|o| {
                        o.kind == OperationKind::Link
                            && o.status == OperationState::InProgress
                            && o.primary == link.primary
                            && o.secondary == link.secondary
                    })
                    .map(|o| (o.start_time, o.bytes_total, o.bytes_done));
                Some(LinkSide { primary, phase: link.phase, peer: peer.key(), sync })
            });
            let live = record.live.as_ref();
            Observed {
                key: key.clone(),
                shards: record.resource.shards().unwrap_or(1).max(1) as usize,
                dataset: record.dataset.bytes,
                location: record.resource.location.clone(),
                down: record.resource.properties.provisioning_state == Some(ProvisioningState::Failed)
                    || live.is_some_and(|l| matches!(l.health, Health::Failed(_))),
                link,
                live: live.map(|l| l.shards.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// What the sampler remembers between looks: to see events (a full sync starting or ending) and rates.
#[derive(Debug, Default)]
pub struct Tracker {
    /// Secondary cache key -> the link phase seen last.
    phases: HashMap<String, LinkPhase>,
    /// (cache key, shard) -> what its last figures were, and when.
    shards: HashMap<(String, usize), (LiveShard, DateTime<Utc>)>,
    /// (cache key, shard) -> when its link was last seen up.
    last_up: HashMap<(String, usize), DateTime<Utc>>,
    /// (cache key, shard) -> its `sync_full` at the last look.
    full_seen: HashMap<(String, usize), u64>,
}

/// When a look happens.
#[derive(Clone, Copy, Debug)]
pub struct Now {
    /// Model minute (minutes since the epoch, model time).
    pub minute: i64,
    pub wall: DateTime<Utc>,
    /// Model seconds per real second.
    pub scale: f64,
}

pub(super) fn set(s: &mut Sample, m: MetricName, v: f64) {
    s[m.index()] = v as f32;
}

/// The figures of every shard now: gauges as values, events as how many happened since the last look.
pub fn measure(caches: &[Observed], now: Now, tracker: &mut Tracker) -> HashMap<String, Vec<Sample>> {
    let by_key: HashMap<&str, &Observed> = caches.iter().map(|c| (c.key.as_str(), c)).collect();
    let mut out = HashMap::with_capacity(caches.len());
    for c in caches {
        let mut samples = vec![EMPTY; c.shards];
        let peer = c.link.as_ref().and_then(|l| by_key.get(l.peer.as_str()).copied());
        let (started, finished) = phase_events(c, tracker);
        for (shard, s) in samples.iter_mut().enumerate() {
            match c.live.get(shard) {
                Some(live) => real(c, shard, live, peer, now.wall, tracker, s),
                None => simulated(c, shard, now, peer, s),
            }
            if c.link.as_ref().is_some_and(|l| !l.primary) {
                let live = c.live.get(shard).is_some();
                // The real data plane counts full syncs from INFO (in `real`); the simulated one from
                // the link's phases.
                if !live {
                    set(s, MetricName::FullSyncStarted, started);
                    set(s, MetricName::FullSyncFinished, finished);
                }
            }
        }
        out.insert(c.key.clone(), samples);
    }
    for c in caches {
        for (shard, live) in c.live.iter().enumerate() {
            if let Some(n) = live.full_syncs {
                tracker.full_seen.insert((c.key.clone(), shard), n);
            }
        }
    }
    out
}

/// Full syncs started and finished since the last look, from the phases of the link of which `c` is the
/// secondary (both at once when a sync began and ended between two looks).
fn phase_events(c: &Observed, tracker: &mut Tracker) -> (f64, f64) {
    let Some(link) = c.link.as_ref().filter(|l| !l.primary) else {
        tracker.phases.remove(&c.key);
        return (0.0, 0.0);
    };
    let before = tracker.phases.insert(c.key.clone(), link.phase);
    let was_syncing = matches!(before, Some(LinkPhase::Syncing));
    let was_creating = matches!(before, None | Some(LinkPhase::Creating));
    match link.phase {
        LinkPhase::Syncing if was_creating => (1.0, 0.0),
        LinkPhase::Succeeded if was_syncing => (0.0, 1.0),
        // Seen first as in sync: a link found at start-up (its sync is in the made-up history).
        LinkPhase::Succeeded if was_creating && before.is_some() => (1.0, 1.0),
        _ => (0.0, 0.0),
    }
}

/// A shard of the simulated data plane, from the model.
pub(super) fn simulated(c: &Observed, shard: usize, now: Now, peer: Option<&Observed>, s: &mut Sample) {
    let minute = now.minute;
    let rate = model::write_rate(&c.key, c.dataset, c.shards, shard, minute);
    set(s, MetricName::CacheWrite, rate);
    set(s, MetricName::UsedMemory, model::used_memory(c.dataset, c.shards));
    let Some(link) = &c.link else { return };
    let down = c.down || peer.is_some_and(|p| p.down);
    let shards = c.shards as f64;
    if link.primary {
        let offset = match (link.phase, link.sync) {
            (LinkPhase::Succeeded, _) => model::steady_offset(&c.key, c.dataset, c.shards, shard, minute),
            (_, Some((_, total, done))) => total.saturating_sub(done) as f64 / shards,
            _ => c.dataset as f64 / shards,
        };
        set(s, MetricName::DataSyncOffset, offset);
        return;
    }
    let healthy = link.phase == LinkPhase::Succeeded && !down;
    set(s, MetricName::Healthy, if healthy { 1.0 } else { 0.0 });
    let lag = match (healthy, link.sync) {
        (true, _) => model::steady_lag(&c.key, shard, minute),
        (false, Some((start, _, _))) => (now.wall - start).num_milliseconds().max(0) as f64 / 1000.0 * now.scale,
        (false, None) => 60.0,
    };
    set(s, MetricName::ConnectivityLag, lag.round());
    set(s, MetricName::FullSyncStarted, 0.0);
    set(s, MetricName::FullSyncFinished, 0.0);
}

/// A shard of the real data plane, from its last `INFO` (and its peer's).
fn real(
    c: &Observed,
    shard: usize,
    live: &LiveShard,
    peer: Option<&Observed>,
    wall: DateTime<Utc>,
    tracker: &mut Tracker,
    s: &mut Sample,
) {
    let id = (c.key.clone(), shard);
    let before = tracker.shards.insert(id.clone(), (live.clone(), wall));
    if let Some(used) = live.used_memory {
        set(s, MetricName::UsedMemory, used as f64);
    }
    if let (Some((prev, at)), Some(now_in)) = (&before, live.input_bytes) {
        let secs = (wall - *at).num_milliseconds() as f64 / 1000.0;
        if secs > 0.0
            && let Some(was) = prev.input_bytes
        {
            set(s, MetricName::CacheWrite, now_in.saturating_sub(was) as f64 / secs);
        }
    }
    let Some(link) = &c.link else { return };
    let peer_shard = peer.and_then(|p| p.live.get(shard));
    if link.primary {
        let offset = match (live.repl_offset, peer_shard.and_then(|p| p.replica_offset)) {
            (Some(p), Some(s)) => p.saturating_sub(s),
            (Some(p), None) => p,
            _ => return,
        };
        set(s, MetricName::DataSyncOffset, offset as f64);
        return;
    }
    set(s, MetricName::Healthy, if live.link_up { 1.0 } else { 0.0 });
    if live.link_up {
        tracker.last_up.insert(id.clone(), wall);
    }
    let lag = match (live.link_up, live.last_io_seconds, tracker.last_up.get(&id)) {
        (true, Some(io), _) => io as f64,
        (false, _, Some(up)) => (wall - *up).num_seconds().max(0) as f64,
        _ => 0.0,
    };
    set(s, MetricName::ConnectivityLag, lag);
    // A full sync served by the primary's shard starts one here; one ends when the replica's sync
    // finishes with its link up.
    let full = peer_shard.and_then(|p| p.full_syncs);
    let full_before = tracker.full_seen.get(&(link.peer.clone(), shard)).copied();
    let started = match (full_before, full) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    let finished = before.is_some_and(|(p, _)| p.sync_in_progress) && !live.sync_in_progress && live.link_up;
    set(s, MetricName::FullSyncStarted, started as f64);
    set(s, MetricName::FullSyncFinished, if finished { 1.0 } else { 0.0 });
}
