//! `georep`: the console (default), `georep serve` (the ARM emulator).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use georep::emulator::{self, Config, Emulator};

#[derive(Parser, Debug)]
#[command(
    name = "georep",
    version,
    about = "A terminal console for Redis geo-replication, shaped like the Azure portal"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    console: ConsoleArgs,
}

#[derive(Args, Debug)]
struct ConsoleArgs {
    /// An ARM endpoint to use instead of the embedded demo emulator (e.g. http://127.0.0.1:8080).
    #[arg(long, global = true)]
    endpoint: Option<String>,
    /// Bearer token for --endpoint (as `georep serve --token`).
    #[arg(long, env = "GEOREP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Log file (default: georep.log under the user's state directory).
    #[arg(long, global = true)]
    log: Option<PathBuf>,
    /// Time scale of the embedded demo emulator.
    #[arg(long, default_value_t = emulator::DEMO_TIME_SCALE)]
    time_scale: f64,
    /// Fleet file for the embedded demo emulator.
    #[arg(long)]
    fleet: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the ARM-compatible emulator of Microsoft.Cache/redis.
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
struct ServeArgs {
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
    /// Caches per page of a list (nextLink beyond).
    #[arg(long, default_value_t = 100)]
    page_size: usize,
}

fn read_fleet(path: &Option<PathBuf>) -> Result<String, String> {
    match path {
        None => Ok(emulator::fleet::DEMO_FLEET.to_string()),
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("cannot read the fleet file {}: {e}", p.display())),
    }
}

fn init_logging(path: Option<PathBuf>, default_name: &str) -> Option<PathBuf> {
    let path =
        path.or_else(|| dirs::state_dir().or_else(dirs::cache_dir).map(|d| d.join("georep").join(default_name)))?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("GEOREP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_writer(std::sync::Mutex::new(file)).with_ansi(false).with_env_filter(filter).init();
    Some(path)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("georep: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Some(Command::Serve(args)) => {
            init_logging(cli.console.log, "serve.log");
            runtime.block_on(serve(args))
        }
        None => {
            let log = init_logging(cli.console.log.clone(), "georep.log");
            runtime.block_on(georep::tui::run(georep::tui::Options {
                endpoint: cli.console.endpoint,
                token: cli.console.token,
                time_scale: cli.console.time_scale,
                fleet: match read_fleet(&cli.console.fleet) {
                    Ok(f) => f,
                    Err(e) => {
                        eprintln!("georep: {e}");
                        return ExitCode::from(2);
                    }
                },
                log,
            }))
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let fleet = match read_fleet(&args.fleet) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("georep serve: {e}");
            return ExitCode::from(2);
        }
    };
    let config = Config {
        fleet,
        state_file: args.state,
        token: args.token,
        time_scale: args.time_scale,
        page_size: args.page_size,
        public_url: None,
    };
    let running = match Emulator::simulated(config) {
        Ok(emu) => emu.bind(args.listen).await,
        Err(e) => Err(e),
    };
    let running = match running {
        Ok(r) => r,
        Err(e) => {
            eprintln!("georep serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "georep serve: Microsoft.Cache ARM emulator on {} (api-version {}, {} data plane, time scale {})",
        running.url(),
        georep::arm::API_VERSION,
        running.emulator.data_plane_name(),
        args.time_scale
    );
    wait_for_signal().await;
    println!("georep serve: stopping");
    running.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
