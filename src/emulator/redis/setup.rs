//! Start-up of the real data plane: what `attach` plans from the state, and what `ready` does with it
//! (stop a previous run's survivors, start the servers and record them, fill them, bring up the fleet's
//! links, resume operations).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use tokio::runtime::Handle;

use super::fill::{self, FillPlan};
use super::link::{self, Job};
use super::node::{self, Node};
use super::{ProcessError, RedisServer, Shared, children, lock};
use crate::arm::ResourceId;
use crate::emulator::data_plane::Progress;
use crate::emulator::live::Endpoint;
use crate::emulator::store::{CacheRecord, Operation};

/// How many redis-servers start at once.
const START_CONCURRENCY: usize = 4;
/// How many shards are filled at once.
const FILL_CONCURRENCY: usize = 2;
/// How long start-up waits for the fleet's existing links to be in sync.
const INITIAL_SYNC_TIMEOUT: Duration = Duration::from_secs(300);

/// One cache as start-up will set it up.
pub(super) struct PlannedCache {
    key: String,
    name: String,
    shards: u32,
    /// From the fleet: existing servers, one per shard. Empty: georep starts its own.
    endpoints: Vec<Endpoint>,
    fill: Option<FillPlan>,
}

/// What `attach` found in the state, for `ready` to set up.
pub(super) struct Plan {
    pub caches: Vec<PlannedCache>,
    /// Links that replicate when the emulator starts: (primary, secondary).
    pub links: Vec<(ResourceId, ResourceId)>,
    /// Operations to resume.
    pub operations: Vec<Operation>,
}

pub(super) fn plan_cache(
    key: &str,
    record: &CacheRecord,
    fill_it: bool,
    max_fill: Option<u64>,
) -> Result<PlannedCache, String> {
    let name = record.resource.name().to_string();
    let shards = record.resource.shards().unwrap_or(1);
    let endpoints = record.endpoints.iter().map(|e| Endpoint::parse(e)).collect::<Result<Vec<_>, _>>();
    let endpoints = endpoints.map_err(|e| format!("cache '{name}': endpoints: {e}"))?;
    if !endpoints.is_empty() && endpoints.len() != shards as usize {
        return Err(format!(
            "cache '{name}': endpoints names {} address(es), but the cache has {shards} shard(s): name one per shard",
            endpoints.len()
        ));
    }
    // The fleet's own servers keep their data: georep writes only into the servers it starts.
    let fill = if fill_it && endpoints.is_empty() { FillPlan::new(&name, record.dataset, max_fill) } else { None };
    Ok(PlannedCache { key: key.to_string(), name, shards, endpoints, fill })
}

/// A cache name as a directory name.
fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

impl Shared {
    /// Starts the servers, fills them, sets up the fleet's links and resumes operations.
    pub(super) async fn setup(self: Arc<Self>) -> Result<(), String> {
        let _ = self.handle.set(Handle::current());
        if *self.stop.borrow() {
            return Err("the data plane was stopped before it started".into());
        }
        let Some(plan) = lock(&self.plan).take() else { return Ok(()) };
        self.stop_survivors().await;
        let parent = self.options.data_dir.clone().unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("georep-redis-")
            .tempdir_in(&parent)
            .map_err(|e| format!("cannot make a data directory in {}: {e}", parent.display()))?;
        let root = dir.path().to_path_buf();
        *lock(&self.dir) = Some(dir);
        let record = children::Record { dir: Some(root.clone()), children: Vec::new() };
        *lock(&self.record) = record.clone();
        self.write_record(record).await;

        let servers = self.start_servers(&plan, &root).await?;
        self.adopt(&plan, servers)?;
        self.fill(&plan).await?;
        self.initial_links(&plan).await?;
        for op in &plan.operations {
            if let Err(e) = self.spawn_job(op) {
                tracing::warn!(op = %op.id, error = %e.message, "cannot resume an operation");
            }
        }
        // The first answers show the data just written.
        let nodes: Vec<Arc<Node>> =
            self.caches.read().unwrap_or_else(|e| e.into_inner()).values().flatten().cloned().collect();
        futures::stream::iter(nodes)
            .map(|n| async move { n.refresh().await })
            .buffer_unordered(8)
            .collect::<()>()
            .await;
        Ok(())
    }

    /// Starts a redis-server for every shard of every cache the fleet does not give endpoints for, and
    /// records each. Keyed by (cache index in the plan, shard).
    async fn start_servers(&self, plan: &Plan, root: &Path) -> Result<HashMap<(usize, u32), RedisServer>, String> {
        let own: Vec<(usize, u32)> = plan
            .caches
            .iter()
            .enumerate()
            .filter(|(_, c)| c.endpoints.is_empty())
            .flat_map(|(i, c)| (0..c.shards).map(move |s| (i, s)))
            .collect();
        tracing::info!(servers = own.len(), dir = %root.display(), "starting redis-server processes");
        let binary = self.options.binary.clone();
        futures::stream::iter(own)
            .map(|(i, s)| {
                let dir = root.join(format!("{}-{s}", safe_name(&plan.caches[i].name)));
                let binary = binary.clone();
                async move {
                    let server = RedisServer::start(&binary, &dir).await?;
                    self.note_child(&server).await;
                    Ok::<_, ProcessError>(((i, s), server))
                }
            })
            .buffer_unordered(START_CONCURRENCY)
            .try_collect()
            .await
            .map_err(|e| e.to_string())
    }

    /// Makes the nodes of every cache (started servers and the fleet's endpoints) and their monitors.
    fn adopt(&self, plan: &Plan, mut servers: HashMap<(usize, u32), RedisServer>) -> Result<(), String> {
        let mut caches = HashMap::new();
        for (i, c) in plan.caches.iter().enumerate() {
            let mut nodes = Vec::new();
            for s in 0..c.shards {
                let node = match servers.remove(&(i, s)) {
                    Some(server) => Node::new(&c.name, s, server.endpoint.clone(), Some(server))?,
                    None => {
                        let e = c
                            .endpoints
                            .get(s as usize)
                            .cloned()
                            .ok_or_else(|| format!("cache '{}': no endpoint", c.name))?;
                        Node::new(&c.name, s, e, None)?
                    }
                };
                nodes.push(Arc::new(node));
            }
            caches.insert(c.key.clone(), nodes);
        }
        for node in caches.values().flatten() {
            tokio::spawn(node::monitor(node.clone(), self.stop.subscribe()));
        }
        *self.caches.write().unwrap_or_else(|e| e.into_inner()) = caches;
        Ok(())
    }

    /// Writes every cache's data into its shards.
    async fn fill(&self, plan: &Plan) -> Result<(), String> {
        let started = Instant::now();
        let shards: Vec<(Arc<Node>, FillPlan, u32, u32)> = plan
            .caches
            .iter()
            .filter_map(|c| Some((c, c.fill.clone()?, self.nodes_by_key(&c.key)?)))
            .flat_map(|(c, f, nodes)| nodes.into_iter().map(move |n| (n.clone(), f.clone(), n.shard, c.shards)))
            .collect();
        let bytes: u64 = plan.caches.iter().filter_map(|c| c.fill.as_ref()).map(FillPlan::bytes).sum();
        futures::stream::iter(shards)
            .map(|(node, plan, shard, of)| async move {
                let conn =
                    node.connect_with(Duration::from_secs(60)).await.map_err(|e| format!("{}: {e}", node.label()))?;
                fill::fill(&conn, &plan, plan.shard_range(shard, of))
                    .await
                    .map_err(|e| format!("filling {}: {e}", node.label()))
            })
            .buffer_unordered(FILL_CONCURRENCY)
            .try_collect::<()>()
            .await?;
        tracing::info!(bytes, seconds = started.elapsed().as_secs_f64(), "caches filled");
        Ok(())
    }

    /// The fleet's links replicate from the start, and are in sync before the emulator serves.
    async fn initial_links(&self, plan: &Plan) -> Result<(), String> {
        let mut initial = Vec::new();
        for (p, s) in &plan.links {
            let pairs = self.pairs(p, s).map_err(|e| e.message)?;
            let job = Arc::new(Job::new(pairs, Progress::Provisioning));
            initial.push((p.clone(), s.clone(), job.clone()));
            tokio::spawn(link::run_link(job, self.stop.subscribe()));
        }
        let deadline = Instant::now() + INITIAL_SYNC_TIMEOUT;
        for (p, s, job) in initial {
            loop {
                match job.progress() {
                    Progress::Linked => break,
                    Progress::Failed(e) => return Err(format!("the link {} -> {}: {}", p.name, s.name, e.message)),
                    _ if Instant::now() >= deadline => {
                        return Err(format!("the link {} -> {} did not come up in time", p.name, s.name));
                    }
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            lock(&self.linked).insert(p.key(), s.key());
        }
        Ok(())
    }

    /// Adds a started child to the record (and the record file, if any).
    async fn note_child(&self, server: &RedisServer) {
        let child = children::RecordedChild { pid: server.pid(), port: server.endpoint.port };
        let record = {
            let mut r = lock(&self.record);
            r.children.push(child);
            r.clone()
        };
        self.write_record(record).await;
    }

    async fn write_record(&self, record: children::Record) {
        let Some(path) = self.options.children_file.clone() else { return };
        let written = tokio::task::spawn_blocking(move || children::write(&path, &record)).await;
        if let Ok(Err(e)) = written {
            tracing::warn!(error = %e, "cannot record the redis-servers started");
        }
    }

    /// Stops what a previous run on the same state left running (a `kill -9` of georep).
    async fn stop_survivors(&self) {
        let Some(path) = self.options.children_file.clone() else { return };
        let binary = self.options.binary.clone();
        match tokio::task::spawn_blocking(move || children::stop_survivors(&path, &binary)).await {
            Ok(Ok(pids)) if !pids.is_empty() => tracing::warn!(?pids, "stopped redis-servers of a previous run"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot stop the redis-servers of a previous run"),
            Err(e) => tracing::warn!(error = %e, "cannot stop the redis-servers of a previous run"),
        }
    }
}
