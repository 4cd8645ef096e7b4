//! `georep serve`: an ARM-compatible emulator of `Microsoft.Cache/redis` and its linked servers.

mod access_log;
pub mod chaos;
pub mod data_plane;
mod edge;
pub mod enterprise;
mod errors;
pub mod fleet;
pub mod live;
pub mod metrics;
pub mod operations;
mod persist;
pub mod read_limit;
pub mod redis;
mod resource_graph;
mod routes;
pub mod server;
pub mod store;
pub mod synthetic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use tokio::net::TcpListener;
use tokio::sync::watch;

use access_log::AccessLog;
pub use chaos::{Chaos, ChaosSpec};
pub use data_plane::{DataPlane, DataPlaneChoice, Simulated};
pub use errors::ArmError;
pub use read_limit::{ReadLimit, ReadLimiter};
pub use redis::{RedisDataPlane, RedisOptions};
pub use server::Limits;
use store::{State, StateFileError};

/// The demo's time scale: a showcase link takes about 20 seconds instead of minutes.
pub const DEMO_TIME_SCALE: f64 = 8.0;

/// How the emulator runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The fleet file's text.
    pub fleet: String,
    /// Keep state here across restarts.
    pub state_file: Option<PathBuf>,
    /// Require `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Model seconds per real second.
    pub time_scale: f64,
    /// Caches per page of a list.
    pub page_size: usize,
    /// The URL clients reach the emulator at, for `nextLink`, `Location` and `Azure-AsyncOperation`
    /// (`--public-url`); else `http://` and the address it listens on. Never the request's `Host`.
    pub public_url: Option<String>,
    /// Answer long-running requests as the real service was observed to (shared/azure-rest/observed):
    /// PUT link 201 with only `Azure-AsyncOperation`; DELETE 202 with `Azure-AsyncOperation` and an equal
    /// `Location`; no `Retry-After`; operation status with `percentComplete`, `startTime` and `endTime`
    /// null; `linkedRedisCacheId` in another letter case than the cache's own id.
    pub azure_like: bool,
    /// Answer every Nth request with 429 and `Retry-After: 1` (throttling, as ARM does).
    pub throttle_every: Option<u32>,
    /// Timeouts and caps on connections.
    pub limits: Limits,
    /// Faults to inject into answers (`--chaos`).
    pub chaos: Option<ChaosSpec>,
    /// ARM's read limits per subscription (`--read-limit`); `None`: reads are not limited.
    pub read_limit: Option<ReadLimit>,
    /// A line per request appended to this file (`--access-log`).
    pub access_log: Option<PathBuf>,
    /// Serve Azure Resource Graph's `resources` query; without it the route is not found (as for a
    /// credential Resource Graph refuses), so that clients' fallback can be tried.
    pub resource_graph: bool,
    /// Regions that are down at start (`--region-down`): Managed Redis members there stop replicating.
    pub regions_down: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            fleet: fleet::DEMO_FLEET.to_string(),
            state_file: None,
            token: None,
            time_scale: 1.0,
            page_size: 100,
            public_url: None,
            azure_like: false,
            throttle_every: None,
            limits: Limits::default(),
            chaos: None,
            read_limit: None,
            access_log: None,
            resource_graph: true,
            regions_down: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(transparent)]
    Fleet(#[from] fleet::FleetError),
    #[error(transparent)]
    State(#[from] StateFileError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(
        "refusing to listen on {0}, which is not a loopback address, without --token: anyone who can reach it could link and unlink caches"
    )]
    RemoteWithoutToken(SocketAddr),
    #[error("the token is empty: give --token (or GEOREP_SERVE_TOKEN) a value, or leave it unset on loopback")]
    BlankToken,
    #[error(
        "--public-url '{0}' is not an http:// or https:// URL of a host (no user, query or fragment), e.g. https://georep.example:8443"
    )]
    PublicUrl(String),
    #[error("--time-scale must be a positive number, not {0}")]
    TimeScale(f64),
    #[error("data plane: {0}")]
    DataPlane(String),
    #[error("cannot open the access log {path}: {source}")]
    AccessLog { path: PathBuf, source: std::io::Error },
}

pub(crate) struct Inner {
    pub config: Config,
    pub state: Mutex<State>,
    pub data_plane: Box<dyn DataPlane>,
    /// Writes the state file, when there is one.
    writer: Option<persist::Writer>,
    /// Requests seen, for `throttle_every`.
    pub requests: std::sync::atomic::AtomicU64,
    /// The fault injector of `--chaos`.
    pub chaos: Option<Arc<Chaos>>,
    /// `http://ADDR` of the address bound, the public URL when `--public-url` is not given.
    bound_url: OnceLock<String>,
    /// The Azure Monitor metrics history (its own lock: queries never wait for the state's).
    pub metrics: metrics::Metrics,
    /// ARM's read limits, when modelled.
    pub read_limiter: Option<ReadLimiter>,
    /// `--access-log`.
    pub access_log: Option<AccessLog>,
}

/// A handle on the emulator's state; cheap to clone.
#[derive(Clone)]
pub struct Emulator {
    pub(crate) inner: Arc<Inner>,
}

/// A running emulator. Dropping it stops the server and its operation driver.
pub struct Running {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    driver: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, waits for the server and the operation driver to finish, and writes the state
    /// file one last time. Once this returns nothing of this emulator touches the state file again,
    /// so a new emulator can be started on it.
    pub async fn shutdown(self) {
        let mut this = self;
        this.stop.send_replace(true);
        let _ = (&mut this.server).await;
        let _ = (&mut this.driver).await;
        let emu = this.emulator.clone();
        let ticket = emu.stage(&emu.lock());
        if let Err(why) = emu.durable(ticket).await {
            tracing::error!(%why, "the state file could not take the last state");
        }
        if let Some(writer) = &emu.inner.writer {
            writer.close();
        }
        // Stopping the data plane waits for its processes to exit: not on a runtime thread.
        let _ = tokio::task::spawn_blocking(move || emu.inner.data_plane.shutdown()).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl Emulator {
    /// Builds the emulator from the state file when there is one, else from the fleet.
    pub fn new(mut config: Config, data_plane: Box<dyn DataPlane>) -> Result<Self, EmulatorError> {
        if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
            return Err(EmulatorError::TimeScale(config.time_scale));
        }
        if config.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(EmulatorError::BlankToken);
        }
        if let Some(url) = &config.public_url {
            config.public_url = Some(check_public_url(url)?);
        }
        let chaos = config.chaos.clone().map(|spec| Arc::new(Chaos::new(spec)));
        let access_log = match &config.access_log {
            Some(path) => {
                Some(AccessLog::open(path).map_err(|source| EmulatorError::AccessLog { path: path.clone(), source })?)
            }
            None => None,
        };
        let read_limiter = config.read_limit.map(ReadLimiter::new);
        let state = match &config.state_file {
            Some(path) => match store::remove_stale_temps(path).and_then(|()| store::read_state(path))? {
                Some(state) => state,
                None => {
                    let state = State::from_fleet(fleet::load(&config.fleet)?)?;
                    store::write_state(path, &state)?;
                    state
                }
            },
            None => State::from_fleet(fleet::load(&config.fleet)?)?,
        };
        let mut state = state;
        for region in &config.regions_down {
            state.enterprise.set_region_down(region, true, chrono::Utc::now());
        }
        data_plane.attach(&state).map_err(EmulatorError::DataPlane)?;
        let writer = match &config.state_file {
            Some(path) => Some(
                persist::Writer::start(path.clone())
                    .map_err(|source| StateFileError::Write { path: path.clone(), source })?,
            ),
            None => None,
        };
        let metrics = metrics::Metrics::new(&metrics::sample::observe(&state), config.time_scale, chrono::Utc::now());
        Ok(Emulator {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                data_plane,
                writer,
                requests: std::sync::atomic::AtomicU64::new(0),
                chaos,
                bound_url: OnceLock::new(),
                metrics,
                read_limiter,
                access_log,
            }),
        })
    }

    /// An emulator on the data plane `choice` (`--data-plane`). With a state file, the real data plane
    /// records its redis-servers next to it (see [`redis::children`]). Blocking (it reads the state
    /// file and runs `redis-server --version`): in async code use [`Emulator::open`].
    pub fn with_data_plane(config: Config, choice: &DataPlaneChoice) -> Result<Self, EmulatorError> {
        let mut choice = choice.clone();
        if let (DataPlaneChoice::Redis(options), Some(state)) = (&mut choice, &config.state_file) {
            options.children_file.get_or_insert_with(|| redis::children::record_path(state));
        }
        let plane = choice.build(config.time_scale).map_err(EmulatorError::DataPlane)?;
        Self::new(config, plane)
    }

    /// [`Emulator::with_data_plane`] off the async runtime's threads.
    pub async fn open(config: Config, choice: &DataPlaneChoice) -> Result<Self, EmulatorError> {
        let choice = choice.clone();
        tokio::task::spawn_blocking(move || Self::with_data_plane(config, &choice))
            .await
            .map_err(|e| EmulatorError::DataPlane(format!("start-up failed: {e}")))?
    }

    /// A simulated emulator on the given config.
    pub fn simulated(config: Config) -> Result<Self, EmulatorError> {
        let scale = config.time_scale;
        Self::new(config, Box::new(Simulated { time_scale: scale }))
    }

    /// Bytes the metrics history takes.
    pub fn metrics_bytes(&self) -> usize {
        self.inner.metrics.bytes()
    }

    pub fn data_plane_name(&self) -> &'static str {
        self.inner.data_plane.name()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-changed in a way later requests
        // trip over (every change is a few assignments), so a poisoned lock is still used.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the whole state (tests, tools).
    pub fn snapshot(&self) -> State {
        self.lock().clone()
    }

    /// The base of the URLs the emulator hands out: `--public-url`, else the address it listens on.
    pub(crate) fn public_base(&self) -> &str {
        match (&self.inner.config.public_url, self.inner.bound_url.get()) {
            (Some(url), _) => url,
            (None, Some(bound)) => bound,
            (None, None) => "http://127.0.0.1",
        }
    }

    /// The fault injector, when `--chaos` is on: its seed and what it injected so far.
    pub fn chaos(&self) -> Option<&Chaos> {
        self.inner.chaos.as_deref()
    }

    /// The whole HTTP application: the limits, token, faults and throttling of [`edge`], then the
    /// routes. `bind` serves it; tests can call it in-process.
    pub fn router(&self) -> axum::Router {
        let emu = self.clone();
        axum::Router::new()
            .fallback(move |method, uri, headers: HeaderMap, body| {
                let emu = emu.clone();
                async move { routes::dispatch(emu, method, uri, &headers, body).await }
            })
            .layer(axum::middleware::from_fn_with_state(self.clone(), edge::edge))
    }

    fn check_token(&self, headers: &HeaderMap) -> Result<(), ArmError> {
        let Some(token) = &self.inner.config.token else { return Ok(()) };
        let got = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").trim();
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` is as good as `Bearer`.
        let ok = got
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
            .is_some_and(|(_, t)| constant_time_eq(t.trim().as_bytes(), token.as_bytes()));
        if ok {
            Ok(())
        } else {
            Err(ArmError::new(
                StatusCode::UNAUTHORIZED,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or does not carry the expected bearer token.",
            ))
        }
    }

    /// Seconds clients are asked to wait between polls of an operation.
    fn retry_after_seconds(&self) -> u64 {
        if let Some(seconds) = self.inner.data_plane.retry_after_seconds() {
            return seconds;
        }
        (10.0 / self.inner.config.time_scale).round().clamp(1.0, 60.0) as u64
    }

    /// One pass of the operation driver.
    pub fn tick(&self) {
        let now = chrono::Utc::now();
        let mut state = self.lock();
        let mut changes = operations::advance(&mut state, self.inner.data_plane.as_ref(), now);
        changes.structural |= enterprise::advance::advance(&mut state.enterprise, now, self.inner.config.time_scale);
        enterprise::metrics::record(&mut state.enterprise, now);
        // After `advance`: an operation that ends in this pass shows with the figures of its end.
        operations::observe(&mut state, self.inner.data_plane.as_ref());
        // Queued for the writer, not waited for: the driver runs on the runtime.
        if changes.structural {
            let _ = self.stage(&state);
        } else if changes.progress && self.progress_due() {
            self.stage_progress(&state);
        }
        // The caches the history keeps, and any linked one (a new link gets rings now).
        let tracked = self.inner.metrics.tracked();
        let metrics = &self.inner.metrics;
        let seen = metrics::sample::observe_where(&state, |key, linked| metrics.watches(&tracked, key, linked));
        drop(state);
        self.inner.metrics.record(&seen, now);
    }

    /// Listens on `addr` and serves until the returned handle is shut down or dropped.
    pub async fn bind(self, addr: SocketAddr) -> Result<Running, EmulatorError> {
        if !addr.ip().is_loopback() && self.inner.config.token.is_none() {
            return Err(EmulatorError::RemoteWithoutToken(addr));
        }
        let listener = TcpListener::bind(addr).await.map_err(|source| EmulatorError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { addr, source })?;
        let _ = self.inner.bound_url.set(format!("http://{addr}"));
        // What backs the caches (the real data plane's processes and data) is up before the first request.
        self.inner.data_plane.ready().await.map_err(EmulatorError::DataPlane)?;
        operations::observe(&mut self.lock(), self.inner.data_plane.as_ref());
        let (stop, stopped) = watch::channel(false);

        let driver = self.clone();
        let mut driver_stop = stop.subscribe();
        let driver = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                // `biased`: once stopped, never tick again (a tick after shutdown would write the
                // state file under whichever emulator was started on it next).
                tokio::select! {
                    biased;
                    _ = driver_stop.wait_for(|s| *s) => break,
                    _ = every.tick() => driver.tick(),
                }
            }
        });

        let app = self.router();
        let (limits, chaos) = (self.inner.config.limits.clone(), self.inner.chaos.clone());
        let server = tokio::spawn(server::serve(listener, app, limits, chaos, stopped));
        tracing::info!(%addr, data_plane = self.data_plane_name(), "emulator listening");
        Ok(Running { addr, emulator: self, stop, server, driver })
    }
}

/// `--public-url`, checked and without a trailing `/`.
fn check_public_url(url: &str) -> Result<String, EmulatorError> {
    let bad = || EmulatorError::PublicUrl(url.to_string());
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| bad())?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !ok {
        return Err(bad());
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
