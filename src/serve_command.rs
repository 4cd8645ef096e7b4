//! `georep serve`: its flags and its run, from the checks to the orderly stop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use georep::emulator::{self, Config, Emulator};

use super::{DataPlaneArgs, read_fleet};

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on. A non-loopback address requires --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Require `Authorization: Bearer <TOKEN>` on every request.
    #[arg(long, env = "GEOREP_SERVE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Model seconds per real second: 1 models real link times (minutes); 8 makes a demo link ~20 s.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Keep caches, links and running operations in FILE across restarts.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Fleet file (default: the embedded assets/demo-fleet.json).
    #[arg(long)]
    fleet: Option<PathBuf>,
    /// Generate a fleet instead: CACHES:SUBSCRIPTIONS[:SEED], e.g. 10000:100 (the same fleet for the
    /// same spec: tiers, sizes, shards, versions, persistence, regions, links, a few caches busy).
    #[arg(long, value_name = "CACHES:SUBSCRIPTIONS[:SEED]", conflicts_with = "fleet")]
    synthetic_fleet: Option<emulator::synthetic::SyntheticSpec>,
    /// Caches per page of a list (nextLink beyond).
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Answer as the real service was observed to: no Location or Retry-After on links, no percentComplete.
    #[arg(long)]
    azure_like: bool,
    /// Answer every Nth request with 429 and Retry-After (throttling).
    #[arg(long, value_name = "N")]
    throttle_every: Option<u32>,
    /// The URL clients reach this emulator at, for the operation URLs it hands out (Location,
    /// Azure-AsyncOperation, nextLink) [default: http:// and the --listen address].
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// ARM's read limits: a bucket of READS per subscription (and one for the tenant), refilled at
    /// PER_SECOND; reads past it get 429 with Retry-After. Every read says what is left in
    /// x-ms-ratelimit-remaining-subscription-reads (or -tenant-reads).
    #[arg(long, value_name = "READS:PER_SECOND", default_value = "250:25")]
    read_limit: emulator::ReadLimit,
    /// Do not limit reads (tests and benchmarks that hammer the emulator).
    #[arg(long)]
    no_read_limit: bool,
    /// Append a line per request to FILE: time, method, path, status, duration, subscription.
    #[arg(long, value_name = "FILE")]
    access_log: Option<PathBuf>,
    /// Inject faults into answers, e.g. `5xx=0.05,429=0.05,drop=0.01,latency=0-800ms,seed=7`.
    #[arg(long, value_name = "SPEC")]
    chaos: Option<emulator::ChaosSpec>,
    /// Close a connection that does not send a whole request head within this (idle ones too).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = emulator::server::parse_timeout)]
    header_timeout: std::time::Duration,
    /// Answer 408 when a request's body does not arrive whole within this.
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = emulator::server::parse_timeout)]
    body_timeout: std::time::Duration,
    /// Connections open at once; more wait until one closes [default: half the open-file limit, at most 1024].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
    /// Mark an Azure region as down (repeatable): Managed Redis members there stop replicating, their
    /// group's geoReplicationHealthy turns 0 and its links LinkFailed after a while.
    #[arg(long, value_name = "REGION", value_parser = known_region)]
    region_down: Vec<String>,
    #[command(flatten)]
    pub(crate) data_plane: DataPlaneArgs,
}

/// `--region-down`: a region georep knows, in any spelling ("West Europe", "westeurope").
fn known_region(s: &str) -> Result<String, String> {
    georep::geo::known_regions()
        .find(|r| georep::geo::same_region(r, s))
        .map(str::to_string)
        .ok_or_else(|| format!("'{s}' is not an Azure region georep knows (e.g. \"West Europe\" or westeurope)"))
}

pub(crate) async fn serve(args: ServeArgs) -> ExitCode {
    let fleet = match (args.synthetic_fleet, read_fleet(&args.fleet)) {
        (Some(spec), _) => emulator::synthetic::generate(spec),
        (None, Ok(f)) => f,
        (None, Err(e)) => {
            eprintln!("georep serve: {e}");
            return ExitCode::from(2);
        }
    };
    // As `georep ssh` refuses an empty --demo-password: a blank token would lock everyone out (or, if
    // taken for "no token", open a public address to anyone).
    if args.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        eprintln!("georep serve: {}", emulator::EmulatorError::BlankToken);
        return ExitCode::from(2);
    }
    if !args.listen.ip().is_loopback() && args.token.is_none() {
        eprintln!("georep serve: {}", emulator::EmulatorError::RemoteWithoutToken(args.listen));
        return ExitCode::from(2);
    }
    let config = Config {
        fleet,
        state_file: args.state,
        token: args.token,
        time_scale: args.time_scale,
        page_size: args.page_size,
        public_url: args.public_url,
        azure_like: args.azure_like,
        throttle_every: args.throttle_every,
        limits: emulator::Limits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            max_connections: args.max_connections.map(|n| n as usize),
        },
        chaos: args.chaos,
        read_limit: (!args.no_read_limit).then_some(args.read_limit),
        access_log: args.access_log,
        resource_graph: true,
        regions_down: args.region_down.clone(),
    };
    let choice = args.data_plane.choice();
    let running = match Emulator::open(config, &choice).await {
        // SIGTERM and Ctrl-C during start-up stop it, and the redis-servers started so far.
        Ok(emu) => tokio::select! {
            r = async {
                if let emulator::DataPlaneChoice::Redis(options) = &choice {
                    let cap = match options.max_fill {
                        Some(b) => format!("up to {:.1} MiB each", b as f64 / (1024.0 * 1024.0)),
                        None => "in full".into(),
                    };
                    georep::say!("georep serve: starting a redis-server for every shard and filling the caches ({cap})");
                }
                emu.bind(args.listen).await
            } => r,
            _ = georep::signals::stop_requested() => {
                georep::say!("georep serve: stopped while starting");
                return ExitCode::FAILURE;
            }
        },
        Err(e) => Err(e),
    };
    let running = match running {
        Ok(r) => r,
        Err(e @ (emulator::EmulatorError::PublicUrl(_) | emulator::EmulatorError::BlankToken)) => {
            eprintln!("georep serve: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("georep serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    georep::say!(
        "georep serve: Microsoft.Cache ARM emulator on {} (api-version {}, redisEnterprise {}, {} data plane, time scale {}{})",
        running.url(),
        georep::arm::API_VERSION,
        georep::arm::enterprise::ENTERPRISE_API_VERSION,
        running.emulator.data_plane_name(),
        args.time_scale,
        if args.azure_like { ", Azure-like" } else { "" }
    );
    if let Some(chaos) = running.emulator.chaos() {
        georep::say!("georep serve: injecting faults ({}), seed {}", chaos.spec, chaos.seed);
    }
    if !args.region_down.is_empty() {
        georep::say!("georep serve: regions down: {}", args.region_down.join(", "));
    }
    georep::signals::stop_requested().await;
    // After SIGHUP the terminal is gone: say! ignores the failed write, which must not come before
    // the shutdown below.
    georep::say!("georep serve: stopping");
    running.shutdown().await;
    ExitCode::SUCCESS
}
