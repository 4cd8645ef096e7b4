//! The composition root: which backend georep talks to — Azure Resource Manager (`--azure`), an ARM
//! endpoint (`--endpoint`), or the emulator started in-process — decided in this one place, for the
//! console (`georep`), `georep ssh` (whose sessions share it) and the scripting commands (`--demo`).
//! The console and the CLI get a client from here and never start the emulator themselves.

use crate::client::{ArmClient, ClientError};
use crate::emulator::{self, Emulator, Running};
use crate::tui::poll::Scope;
use crate::tui::tasks::PollIntervals;

/// The console's backend flags (`georep` and `georep ssh`).
#[derive(Clone, Debug)]
pub struct BackendOptions {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    /// Real Azure: `endpoint` defaults to management.azure.com, the token comes from
    /// `AZURE_ACCESS_TOKEN` or `az`, and only `subscription` is listed.
    pub azure: bool,
    /// `--subscription`, each given: the console shows these (every one listed when empty).
    pub subscriptions: Vec<String>,
    /// `--no-resource-graph`: list each subscription instead of one Resource Graph query.
    pub no_resource_graph: bool,
    /// The embedded emulator's time scale, fleet and data plane.
    pub time_scale: f64,
    pub fleet: String,
    pub data_plane: emulator::DataPlaneChoice,
}

/// The backend chosen.
#[derive(Clone, Debug)]
pub enum Target {
    /// Azure Resource Manager at `endpoint` (default management.azure.com), its token from
    /// `AZURE_ACCESS_TOKEN` or `az`; `subscription` the one to work in (all listed when `None`).
    Azure { endpoint: Option<String>, subscription: Option<String> },
    /// An ARM endpoint (a `georep serve`), with a bearer token when it needs one.
    Endpoint { url: String, token: Option<String> },
    /// The emulator, started in-process on 127.0.0.1.
    Embedded { time_scale: f64, fleet: String, data_plane: emulator::DataPlaneChoice },
}

impl Target {
    /// The embedded demo emulator as the scripting commands' `--demo` starts it: the demo fleet, the
    /// demo time scale, the simulated data plane.
    pub fn demo() -> Self {
        Target::Embedded {
            time_scale: emulator::DEMO_TIME_SCALE,
            fleet: emulator::fleet::DEMO_FLEET.to_string(),
            data_plane: emulator::DataPlaneChoice::Simulated,
        }
    }
}

impl BackendOptions {
    /// The console's rule: `--azure`, else `--endpoint`, else the embedded emulator.
    pub fn target(&self) -> Result<Target, BackendError> {
        for s in self.scope().subscriptions {
            if let Some(problem) = crate::client::names::subscription_problem(&s) {
                return Err(BackendError::Usage(format!("--subscription '{s}': {problem}")));
            }
        }
        if self.azure {
            // The console lists every subscription in scope itself ([`Self::scope`]).
            return Ok(Target::Azure { endpoint: self.endpoint.clone(), subscription: None });
        }
        if let Some(url) = &self.endpoint {
            return Ok(Target::Endpoint { url: url.clone(), token: self.token.clone() });
        }
        Ok(Target::Embedded {
            time_scale: self.time_scale,
            fleet: self.fleet.clone(),
            data_plane: self.data_plane.clone(),
        })
    }
}

impl BackendOptions {
    /// What the console shows: the subscriptions given (all when none), through Resource Graph unless
    /// refused.
    pub fn scope(&self) -> Scope {
        let mut subscriptions: Vec<String> = Vec::new();
        for s in self.subscriptions.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !subscriptions.iter().any(|k| k.eq_ignore_ascii_case(s)) {
                subscriptions.push(s.to_string());
            }
        }
        Scope { subscriptions, resource_graph: !self.no_resource_graph }
    }
}

/// A backend ready to use.
pub struct Backend {
    /// For the header: `demo backend`, a host name.
    pub label: String,
    pub client: ArmClient,
    /// How often a console asks (slower on Azure, which throttles reads).
    pub intervals: PollIntervals,
    /// The in-process emulator, when that is the backend: shut it down when done (it stops its data
    /// plane's redis-servers).
    pub embedded: Option<Embedded>,
}

/// The emulator running in-process: it serves while this lives.
pub struct Embedded(Running);

impl Embedded {
    /// Where it listens (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        self.0.url()
    }

    /// Stops it, and its data plane (a real one's redis-servers are reaped here).
    pub async fn shutdown(self) {
        self.0.shutdown().await
    }
}

/// Why there is no backend.
#[derive(Debug)]
pub enum BackendError {
    /// The flags do not make sense (exit 2).
    Usage(String),
    /// The embedded emulator could not be started.
    Embedded(String),
    /// Stopped (SIGTERM, Ctrl-C) while the embedded emulator was starting.
    Stopped,
    /// No Azure token could be had.
    Credential(ClientError),
}

impl BackendError {
    /// Whether this is a usage error (exit 2) rather than a failure (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, BackendError::Usage(_))
    }
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::Usage(m) => f.write_str(m),
            BackendError::Embedded(e) => write!(f, "cannot start the demo backend: {e}"),
            BackendError::Stopped => f.write_str("stopped while starting the demo backend"),
            BackendError::Credential(e) => write!(f, "{e}"),
        }
    }
}

fn host(url: &str) -> String {
    url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/').to_string()
}

/// Connects to the backend the console's options name ([`BackendOptions::target`]).
pub async fn connect(
    options: &BackendOptions,
    starting: impl FnOnce(&str),
    stop: impl std::future::Future<Output = ()>,
) -> Result<Backend, BackendError> {
    open(options.target()?, starting, stop).await
}

/// Opens `target`: a client for Azure (its token fetched now, so that a missing one is said before a
/// terminal is taken over) or an endpoint, or the embedded emulator started on 127.0.0.1:0. `starting`
/// is said before a slow start (real Redis); `stop` abandons the start-up, stopping whatever was
/// started so far.
pub async fn open(
    target: Target,
    starting: impl FnOnce(&str),
    stop: impl std::future::Future<Output = ()>,
) -> Result<Backend, BackendError> {
    let usage = |e: ClientError| BackendError::Usage(e.to_string());
    match target {
        Target::Azure { endpoint, subscription } => {
            let client = ArmClient::azure(endpoint.as_deref(), subscription).map_err(usage)?;
            client.check_credential().await.map_err(BackendError::Credential)?;
            let label = host(client.base());
            Ok(Backend { label, client, intervals: PollIntervals::azure(), embedded: None })
        }
        Target::Endpoint { url, token } => {
            let client = ArmClient::new(&url, token).map_err(usage)?;
            Ok(Backend { label: host(client.base()), client, intervals: PollIntervals::default(), embedded: None })
        }
        Target::Embedded { time_scale, fleet, data_plane } => {
            let config = emulator::Config { fleet, time_scale, ..Default::default() };
            let real = matches!(data_plane, emulator::DataPlaneChoice::Redis(_));
            let failed = |e: emulator::EmulatorError| BackendError::Embedded(e.to_string());
            let emu = Emulator::open(config, &data_plane).await.map_err(failed)?;
            if real {
                starting("starting a redis-server for every shard and filling the caches…");
            }
            let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let running = tokio::select! {
                r = emu.bind(loopback) => r.map_err(failed)?,
                _ = stop => return Err(BackendError::Stopped),
            };
            let client = match ArmClient::new(&running.url(), None) {
                Ok(c) => c,
                Err(e) => {
                    running.shutdown().await;
                    return Err(BackendError::Embedded(e.to_string()));
                }
            };
            let label = if real { "demo backend · real Redis" } else { "demo backend" };
            Ok(Backend {
                label: label.into(),
                client,
                intervals: PollIntervals::default(),
                embedded: Some(Embedded(running)),
            })
        }
    }
}
