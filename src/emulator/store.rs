//! The emulator's state: caches, links and operations, and its atomic persistence (`--state FILE`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::arm::{
    CACHE_TYPE, DataPlaneInfo, ErrorDetail, LINKED_SERVER_TYPE, LinkedServer, LinkedServerProperties, LinkedServerRef,
    OperationState, OperationStatus, ProvisioningState, RedisResource, ReplicationRole, ResourceId, Subscription,
};
use crate::geo::{LinkEntry, LinkEvent, Topology};

use super::fleet::{Fleet, FleetError};
use super::live::{self, LiveCache};

/// What a cache holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub bytes: u64,
    pub keys: u64,
}

/// One cache: its ARM resource as created (state that links impose is added when rendered), and its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheRecord {
    pub resource: RedisResource,
    pub dataset: Dataset,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// What the data plane measures now (the real one); never persisted.
    #[serde(skip)]
    pub live: Option<LiveCache>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationKind {
    Link,
    Unlink,
}

/// A long-running link or unlink operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: Uuid,
    pub kind: OperationKind,
    pub subscription: String,
    /// The region the operation is filed under: the primary's.
    pub location: String,
    pub secondary_location: String,
    pub primary: ResourceId,
    pub secondary: ResourceId,
    pub status: OperationState,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub percent_complete: f64,
    pub bytes_total: u64,
    pub bytes_done: u64,
    /// The secondary's data before the link replaced it (restored if the link fails).
    #[serde(default)]
    pub secondary_before: Dataset,
    pub error: Option<ErrorDetail>,
    /// An unlink that is the first half of a failover ([`crate::arm::FAILOVER_HEADER`]): the data
    /// plane hands the primary role to the secondary rather than only detaching it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failover: bool,
}

impl Operation {
    /// A new operation, in progress from now: the one way to make one. It is filed under `subscription`
    /// (the addressed cache's) and the primary's region; `bytes_total` is what the link will copy (0 for
    /// an unlink), `secondary_before` the secondary's data now (what a failed link restores).
    pub fn begin(
        kind: OperationKind,
        subscription: &str,
        (primary, location): (&ResourceId, &str),
        (secondary, secondary_location): (&ResourceId, &str),
        bytes_total: u64,
        secondary_before: Dataset,
    ) -> Self {
        Operation {
            id: Uuid::new_v4(),
            kind,
            subscription: subscription.to_string(),
            location: location.to_string(),
            secondary_location: secondary_location.to_string(),
            primary: primary.clone(),
            secondary: secondary.clone(),
            status: OperationState::InProgress,
            start_time: Utc::now(),
            end_time: None,
            percent_complete: 0.0,
            bytes_total,
            bytes_done: 0,
            secondary_before,
            error: None,
            failover: false,
        }
    }

    pub fn status_body(&self) -> OperationStatus {
        OperationStatus {
            id: Some(format!(
                "/subscriptions/{}/providers/Microsoft.Cache/locations/{}/asyncOperations/{}",
                self.subscription, self.location, self.id
            )),
            name: Some(self.id.to_string()),
            status: self.status.clone(),
            start_time: Some(self.start_time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            end_time: self.end_time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            percent_complete: Some((self.percent_complete * 10.0).round() / 10.0),
            properties: None,
            error: self.error.clone(),
        }
    }
}

/// Everything the emulator knows; what `--state FILE` holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    pub subscriptions: Vec<Subscription>,
    /// Keyed by [`ResourceId::key`].
    pub caches: BTreeMap<String, CacheRecord>,
    pub topology: Topology,
    pub operations: Vec<Operation>,
    /// Azure Managed Redis: clusters, databases, groups and their operations.
    #[serde(default)]
    pub enterprise: super::enterprise::EnterpriseState,
}

/// Finished operations kept for status queries.
const KEEP_FINISHED: usize = 500;

impl State {
    pub const FORMAT: u32 = 1;

    /// The state a fleet describes: its caches, and its links established and in sync.
    pub fn from_fleet(fleet: Fleet) -> Result<Self, FleetError> {
        let caches = fleet
            .caches
            .into_iter()
            .map(|c| (ResourceId::parse(c.resource.id()).map(|i| i.key()).unwrap_or_default(), c))
            .collect();
        let mut state = State {
            format: Self::FORMAT,
            subscriptions: fleet.subscriptions,
            caches,
            topology: Topology::default(),
            operations: Vec::new(),
            enterprise: fleet.enterprise,
        };
        for (p, s) in fleet.links {
            let bad = |why: String| FleetError::Link { primary: p.name.clone(), secondary: s.name.clone(), why };
            let (Some(pr), Some(sr)) = (state.cache(&p), state.cache(&s)) else {
                return Err(bad("no such cache".into()));
            };
            let (pr, sr) = (state.render(pr), state.render(sr));
            state.topology.begin_link(&pr, &sr).map_err(|e| bad(e.to_string()))?;
            for event in [LinkEvent::SyncStarted, LinkEvent::Synced] {
                state.topology.apply(&p, event).map_err(|e| bad(e.to_string()))?;
            }
            let data = state.cache(&p).map(|c| c.dataset).unwrap_or_default();
            if let Some(c) = state.cache_mut(&s) {
                c.dataset = data;
            }
        }
        for (p, s) in fleet.linking {
            state.start_link(&p, &s)?;
        }
        Ok(state)
    }

    /// A link being made from now, with its operation in progress, as a link request starts one: for
    /// fleets with links that are not in sync yet at start.
    fn start_link(&mut self, p: &ResourceId, s: &ResourceId) -> Result<(), FleetError> {
        let bad = |why: String| FleetError::Link { primary: p.name.clone(), secondary: s.name.clone(), why };
        let (Some(pr), Some(sr)) = (self.cache(p).cloned(), self.cache(s).cloned()) else {
            return Err(bad("no such cache".into()));
        };
        let (primary, secondary) = (self.render(&pr), self.render(&sr));
        self.topology.begin_link(&primary, &secondary).map_err(|e| bad(e.to_string()))?;
        self.push_operation(Operation::begin(
            OperationKind::Link,
            &p.subscription,
            (p, &primary.location),
            (s, &secondary.location),
            pr.dataset.bytes,
            sr.dataset,
        ));
        Ok(())
    }

    pub fn cache(&self, id: &ResourceId) -> Option<&CacheRecord> {
        self.caches.get(&id.cache_id().key())
    }

    pub fn cache_mut(&mut self, id: &ResourceId) -> Option<&mut CacheRecord> {
        self.caches.get_mut(&id.cache_id().key())
    }

    pub fn has_subscription(&self, sub: &str) -> bool {
        self.subscriptions.iter().any(|s| s.subscription_id.eq_ignore_ascii_case(sub))
    }

    pub fn has_resource_group(&self, sub: &str, rg: &str) -> bool {
        self.caches.values().any(|c| {
            ResourceId::parse(c.resource.id())
                .is_ok_and(|i| i.subscription.eq_ignore_ascii_case(sub) && i.resource_group.eq_ignore_ascii_case(rg))
        })
    }

    /// The cache as the API shows it: with the state its link imposes, its linked servers and its data.
    pub fn render(&self, record: &CacheRecord) -> RedisResource {
        let mut r = record.resource.clone();
        let Ok(id) = ResourceId::parse(record.resource.id()) else { return r };
        r.id = Some(id.to_string());
        r.kind = Some(CACHE_TYPE.to_string());
        if let Some(state) = self.topology.cache_state(&id) {
            r.properties.provisioning_state = Some(state);
        }
        let entries = self.topology.entries(&id);
        r.properties.linked_servers =
            Some(entries.iter().map(|e| LinkedServerRef { id: id.linked_server(&e.peer.name).to_string() }).collect());
        let read_only = entries.iter().any(|e| e.server_role == ReplicationRole::Primary);
        r.properties.data_plane = Some(DataPlaneInfo {
            dataset_bytes: record.dataset.bytes,
            dataset_keys: record.dataset.keys,
            writable: !read_only && r.properties.provisioning_state != Some(ProvisioningState::Failed),
            ..Default::default()
        });
        if let Some(measured) = &record.live {
            live::apply(&mut r, measured);
        }
        r
    }

    /// What a client reads of the whole state: every cache as the API shows it, and the linked-server
    /// entries of each linked cache (for tests and benchmarks that feed a console directly).
    pub fn listed(&self) -> (Vec<RedisResource>, std::collections::HashMap<ResourceId, Vec<LinkedServer>>) {
        let caches = self.caches.values().map(|r| self.render(r)).collect();
        let linked = self
            .caches
            .values()
            .filter_map(|r| {
                let id = ResourceId::parse(r.resource.id()).ok()?;
                let entries = self.linked_servers(&id);
                (!entries.is_empty()).then_some((id, entries))
            })
            .collect();
        (caches, linked)
    }

    /// The cache's linked-server entries as the API shows them.
    pub fn linked_servers(&self, cache: &ResourceId) -> Vec<LinkedServer> {
        self.topology.entries(cache).iter().map(|e| linked_server(cache, e)).collect()
    }

    pub fn operation(&self, id: Uuid) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Records a new operation and forgets the oldest finished ones past [`KEEP_FINISHED`].
    pub fn push_operation(&mut self, op: Operation) {
        self.operations.push(op);
        let finished = self.operations.iter().filter(|o| o.status.is_terminal()).count();
        if finished > KEEP_FINISHED {
            let mut drop = finished - KEEP_FINISHED;
            self.operations.retain(|o| {
                if drop > 0 && o.status.is_terminal() {
                    drop -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }
}

/// One linked-server entry of `cache`.
pub fn linked_server(cache: &ResourceId, e: &LinkEntry) -> LinkedServer {
    LinkedServer {
        id: Some(cache.linked_server(&e.peer.name).to_string()),
        name: Some(e.peer.name.clone()),
        kind: Some(LINKED_SERVER_TYPE.to_string()),
        properties: LinkedServerProperties {
            linked_redis_cache_id: e.peer.to_string(),
            linked_redis_cache_location: e.peer_location.clone(),
            server_role: e.server_role.clone(),
            geo_replicated_primary_host_name: Some(e.geo_replicated_primary_host_name.clone()),
            primary_host_name: Some(e.primary_host_name.clone()),
            provisioning_state: Some(e.phase.state()),
            extra: Default::default(),
        },
        extra: Default::default(),
    }
}

/// Why a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("cannot read the state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "the state file {path} is corrupt ({source}); it was left as it is: move it away to start from the fleet again"
    )]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error(
        "the state file {path} has format {found}, this georep reads and writes format {}; it was left as it is",
        State::FORMAT
    )]
    Format { path: PathBuf, found: u32 },
    #[error("cannot write the state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Reads a state file; `Ok(None)` when there is none yet.
pub fn read_state(path: &Path) -> Result<Option<State>, StateFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(StateFileError::Read { path: path.into(), source }),
    };
    // The format first: a file another georep wrote says so, rather than "corrupt" over some field.
    #[derive(Deserialize)]
    struct Head {
        format: u32,
    }
    if let Ok(Head { format }) = serde_json::from_slice::<Head>(&bytes)
        && format != State::FORMAT
    {
        return Err(StateFileError::Format { path: path.into(), found: format });
    }
    let state: State =
        serde_json::from_slice(&bytes).map_err(|source| StateFileError::Corrupt { path: path.into(), source })?;
    if state.format != State::FORMAT {
        return Err(StateFileError::Format { path: path.into(), found: state.format });
    }
    Ok(Some(state))
}

/// Writes the state atomically: a temporary file in the same directory, fsync, rename, fsync the directory.
/// A crash at any point leaves either the old file or the new one, never a torn one.
pub fn write_state(path: &Path, state: &State) -> Result<(), StateFileError> {
    let bytes = serde_json::to_vec(state)
        .map_err(|e| StateFileError::Write { path: path.into(), source: std::io::Error::other(e) })?;
    write_state_bytes(path, &bytes)
}

/// [`write_state`] of a state already serialised (so that the file is written without the state lock).
pub fn write_state_bytes(path: &Path, bytes: &[u8]) -> Result<(), StateFileError> {
    let err = |source| StateFileError::Write { path: path.into(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!("{}{}", temp_prefix(path), std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(err)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The prefix of the temporary files [`write_state_bytes`] writes next to `path` (the writer's pid follows).
fn temp_prefix(path: &Path) -> String {
    format!(".{}.tmp-", path.file_name().and_then(|n| n.to_str()).unwrap_or("state"))
}

/// Removes the temporary files that writes of `path` left behind when their process was killed in the
/// middle (`.state.json.tmp-<pid>`). A file whose process still runs is left alone (it may be writing);
/// this process's own is stale, since the emulator has not started writing yet.
pub fn remove_stale_temps(path: &Path) -> Result<(), StateFileError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = temp_prefix(path);
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(StateFileError::Read { path: dir.into(), source }),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(&prefix)).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || !process_runs(pid) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(file = %entry.path().display(), "removed a temporary state file left by a killed writer")
                }
                Err(e) => {
                    tracing::warn!(file = %entry.path().display(), error = %e, "cannot remove a stale temporary state file")
                }
            }
        }
    }
    Ok(())
}

/// Whether a process with this pid exists.
#[cfg(unix)]
fn process_runs(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is delivered.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_runs(_pid: u32) -> bool {
    true
}
