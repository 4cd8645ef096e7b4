//! Which backend a console talks to: `--azure`, `--endpoint`, or the emulator started in-process. One
//! place for the choice, used by the console and by `georep ssh` (whose sessions share it).

use crate::client::ArmClient;
use crate::emulator::{self, Emulator, Running};

use super::tasks::PollIntervals;

/// The backend flags.
#[derive(Clone, Debug)]
pub struct BackendOptions {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    /// Real Azure: `endpoint` defaults to management.azure.com, the token comes from
    /// `AZURE_ACCESS_TOKEN` or `az`, and only `subscription` is listed.
    pub azure: bool,
    pub subscription: Option<String>,
    /// The embedded emulator's time scale, fleet and data plane.
    pub time_scale: f64,
    pub fleet: String,
    pub data_plane: emulator::DataPlaneChoice,
}

/// A backend ready to use.
pub struct Backend {
    /// For the header: `demo backend`, a host name.
    pub label: String,
    pub client: ArmClient,
    pub intervals: PollIntervals,
    /// The in-process emulator, when that is the backend; shut it down when done.
    pub embedded: Option<Running>,
}

/// Why there is no backend.
#[derive(Debug)]
pub enum BackendError {
    /// The flags do not make sense (exit 2).
    Usage(String),
    /// It could not be started or reached (exit 1).
    Failed(String),
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::Usage(m) | BackendError::Failed(m) => f.write_str(m),
        }
    }
}

fn host(url: &str) -> String {
    url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/').to_string()
}

/// Connects to the backend the options name, starting the embedded emulator when none is named.
/// `starting` is said before a slow start (real Redis); `stop` abandons the start-up (SIGTERM, Ctrl-C),
/// stopping whatever was started so far.
pub async fn connect(
    options: &BackendOptions,
    starting: impl FnOnce(&str),
    stop: impl std::future::Future<Output = ()>,
) -> Result<Backend, BackendError> {
    if options.azure {
        let Some(subscription) = options.subscription.clone().filter(|s| !s.trim().is_empty()) else {
            return Err(BackendError::Usage(
                "--azure needs --subscription ID (or AZURE_SUBSCRIPTION_ID): the subscription to show".into(),
            ));
        };
        let client = ArmClient::azure(options.endpoint.as_deref(), Some(subscription))
            .map_err(|e| BackendError::Usage(e.to_string()))?;
        // Said on the shell, before a terminal is taken over.
        client.check_credential().await.map_err(|e| BackendError::Failed(e.to_string()))?;
        let label = host(client.base());
        return Ok(Backend { label, client, intervals: PollIntervals::azure(), embedded: None });
    }
    if let Some(endpoint) = &options.endpoint {
        let client = ArmClient::new(endpoint, options.token.clone()).map_err(|e| BackendError::Usage(e.to_string()))?;
        return Ok(Backend { label: host(endpoint), client, intervals: PollIntervals::default(), embedded: None });
    }
    let config =
        emulator::Config { fleet: options.fleet.clone(), time_scale: options.time_scale, ..Default::default() };
    let real = matches!(options.data_plane, emulator::DataPlaneChoice::Redis(_));
    let failed = |e: emulator::EmulatorError| BackendError::Failed(format!("cannot start the demo backend: {e}"));
    let emu = Emulator::with_data_plane(config, &options.data_plane).map_err(failed)?;
    if real {
        starting("starting a redis-server for every shard and filling the caches…");
    }
    let running = tokio::select! {
        r = emu.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))) => r.map_err(failed)?,
        _ = stop => return Err(BackendError::Failed("stopped while starting the demo backend".into())),
    };
    let client = ArmClient::new(&running.url(), None).map_err(|e| BackendError::Failed(e.to_string()))?;
    let label = if real { "demo backend · real Redis" } else { "demo backend" };
    Ok(Backend { label: label.into(), client, intervals: PollIntervals::default(), embedded: Some(running) })
}
