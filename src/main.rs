//! `georep`: the console (default), `georep serve` (the ARM emulator), `georep ssh` (the console over SSH).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod serve_command;
use georep::emulator;
use serve_command::{ServeArgs, serve};

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
    /// Log file (default: georep.log under the user's state directory).
    #[arg(long, global = true)]
    log: Option<PathBuf>,
    /// Configuration file of the console and `georep ssh` [default: $XDG_CONFIG_HOME/georep/config.toml,
    /// ~/.config/georep/config.toml]; `georep config --print-default` writes one.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    backend: BackendArgs,
}

/// The backend of a console (`georep`, and every session of `georep ssh`), beside `--endpoint`.
#[derive(Args, Debug)]
struct BackendArgs {
    /// Bearer token for --endpoint (as `georep serve --token`).
    #[arg(long, env = "GEOREP_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Time scale of the embedded demo emulator.
    #[arg(long, default_value_t = emulator::DEMO_TIME_SCALE)]
    time_scale: f64,
    /// Fleet file for the embedded demo emulator.
    #[arg(long)]
    fleet: Option<PathBuf>,
    /// Real Azure: https://management.azure.com (or --endpoint), token from AZURE_ACCESS_TOKEN or
    /// `az account get-access-token`; shows every subscription the token sees unless --subscription.
    #[arg(long)]
    azure: bool,
    /// A subscription to show (repeatable); every one listed when not given.
    #[arg(long, env = "AZURE_SUBSCRIPTION_ID", value_name = "ID")]
    subscription: Vec<String>,
    /// List each subscription's caches instead of one Azure Resource Graph query.
    #[arg(long)]
    no_resource_graph: bool,
    #[command(flatten)]
    data_plane: DataPlaneArgs,
}

impl BackendArgs {
    fn options(&self, endpoint: Option<String>) -> Result<georep::backend::BackendOptions, String> {
        Ok(georep::backend::BackendOptions {
            endpoint,
            token: self.token.clone(),
            azure: self.azure,
            subscriptions: self.subscription.clone(),
            no_resource_graph: self.no_resource_graph,
            time_scale: self.time_scale,
            fleet: read_fleet(&self.fleet)?,
            data_plane: self.data_plane.choice(),
        })
    }
}

/// Where link data moves, for an emulator (`georep serve`, or the console's embedded one).
#[derive(Args, Debug)]
struct DataPlaneArgs {
    /// `simulated`: modelled from the clock; `redis`: a real redis-server per shard, linked with REPLICAOF.
    #[arg(long, value_enum, default_value_t = DataPlaneKind::Simulated)]
    data_plane: DataPlaneKind,
    /// With --data-plane redis: most data written into each cache at start (32MiB, 1GB, unlimited);
    /// a larger fleet size is scaled down, its key count in proportion.
    #[arg(long, default_value = "32MiB", value_name = "SIZE", value_parser = MaxFill::parse)]
    redis_max_fill: MaxFill,
    /// With --data-plane redis: the redis-server binary.
    #[arg(long, env = "GEOREP_REDIS_SERVER", default_value = "redis-server", value_name = "PATH")]
    redis_server: PathBuf,
}

/// A fill cap; `None`: unlimited.
#[derive(Clone, Copy, Debug)]
struct MaxFill(Option<u64>);

impl MaxFill {
    fn parse(s: &str) -> Result<Self, String> {
        emulator::redis::fill::parse_size(s).map(MaxFill)
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DataPlaneKind {
    Simulated,
    Redis,
}

impl DataPlaneArgs {
    fn choice(&self) -> emulator::DataPlaneChoice {
        match self.data_plane {
            DataPlaneKind::Simulated => emulator::DataPlaneChoice::Simulated,
            DataPlaneKind::Redis => emulator::DataPlaneChoice::Redis(emulator::RedisOptions {
                binary: self.redis_server.clone(),
                max_fill: self.redis_max_fill.0,
                ..emulator::RedisOptions::default()
            }),
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the ARM-compatible emulator of Microsoft.Cache/redis.
    Serve(ServeArgs),
    #[command(flatten)]
    Scripting(georep::cli::Command),
    /// Serve the console to SSH clients: each gets its own screen, all share one backend.
    Ssh(SshArgs),
    /// Check the configuration file (--config FILE, or the default one), or write the default file.
    Config(ConfigArgs),
}

#[derive(Args, Debug)]
struct ConfigArgs {
    /// Write the default configuration file to stdout (every setting at its default, commented).
    #[arg(long)]
    print_default: bool,
}

#[derive(Args, Debug)]
struct SshArgs {
    /// Address to listen on. A non-loopback address requires --allow-remote.
    #[arg(long, default_value = "127.0.0.1:2222")]
    listen: SocketAddr,
    /// Allow a --listen address beyond loopback (anyone who reaches it can try to sign in).
    #[arg(long)]
    allow_remote: bool,
    #[command(flatten)]
    backend: BackendArgs,
    /// Public keys allowed to sign in, one a line, re-read at each sign-in [default: ~/.ssh/authorized_keys].
    #[arg(long, value_name = "FILE")]
    authorized_keys: Option<PathBuf>,
    /// Also let in anyone with this password (for demo rooms; off unless given).
    #[arg(long, value_name = "PW", env = "GEOREP_DEMO_PASSWORD", hide_env_values = true)]
    demo_password: Option<String>,
    /// The server's host key, generated there on first start and kept
    /// [default: ssh_host_ed25519_key under the user's state directory].
    #[arg(long, value_name = "FILE")]
    host_key: Option<PathBuf>,
    /// Sessions can browse and watch, but not link, unlink or fail over.
    #[arg(long)]
    read_only: bool,
    /// Console sessions at once; more are told to try again later.
    #[arg(long, default_value_t = 32)]
    max_sessions: usize,
    /// Close a session after this long without input (90s, 15m, 2h; 0: never).
    #[arg(long, default_value = "30m", value_parser = georep::ssh::parse_duration)]
    idle_timeout: std::time::Duration,
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

/// The configuration of the console or `georep ssh`, checked whole before anything starts.
fn load_config(path: Option<&Path>) -> Result<georep::config::Config, ExitCode> {
    georep::config::Config::load(path).map_err(|e| {
        eprintln!("georep: {e}");
        ExitCode::from(2)
    })
}

/// `georep config`: writes the default file, or says which file applies and that it is good.
fn config_command(args: &ConfigArgs, path: Option<&Path>) -> ExitCode {
    if args.print_default {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match out.write_all(georep::config::default_file().as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("georep config: cannot write: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match load_config(path) {
        Ok(config) => {
            match (config.source(), georep::config::default_path()) {
                (Some(file), _) => println!("georep config: {} is good", file.display()),
                (None, Some(file)) => println!("georep config: no {}; the defaults apply", file.display()),
                (None, None) => println!("georep config: no home directory; the defaults apply"),
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// Big buffers go back to the system when they are freed. glibc serves blocks of 128 KiB and more with
/// mmap, but raises that threshold to the size of each such block freed (up to 32 MiB): once the first
/// poll of a 10,000-cache fleet has freed its multi-MB vectors, the next polls' vectors come from the
/// heap, whose freed space the process keeps. The console then sat at 115-163 MiB after 30 s of polling
/// instead of 81-96, and `georep ssh` with 50 sessions at 215 MiB instead of 139 (BENCHMARKS.md, issue
/// 12). Setting the threshold fixes it where it is.
fn fix_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets an allocator parameter; called first thing in main, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    fix_mmap_threshold();
    let cli = Cli::parse();
    // The console's and `georep ssh`'s configuration, before anything starts (or fails on the terminal).
    let config = match &cli.command {
        None | Some(Command::Ssh(_)) => match load_config(cli.console.config.as_deref()) {
            Ok(c) => c,
            Err(code) => return code,
        },
        Some(Command::Config(_)) => georep::config::Config::default(),
        Some(_) if cli.console.config.is_some() => {
            eprintln!("georep: --config is read by the console and `georep ssh` only");
            return ExitCode::from(2);
        }
        Some(_) => georep::config::Config::default(),
    };
    // The command line's --endpoint wins over the file's.
    let endpoint = cli.console.endpoint.clone().or_else(|| config.endpoint().map(str::to_string));
    // A script's command is a few requests: one thread starts faster than a pool (see BENCHMARKS.md).
    let runtime = if matches!(cli.command, Some(Command::Scripting(_) | Command::Config(_))) {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    };
    let runtime = match runtime {
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
        Some(Command::Ssh(args)) => {
            init_logging(cli.console.log, "ssh.log");
            tracing::info!(config = ?config.source(), "configuration");
            let backend = match args.backend.options(endpoint) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("georep ssh: {e}");
                    return ExitCode::from(2);
                }
            };
            runtime.block_on(georep::ssh::run(georep::ssh::Options {
                listen: args.listen,
                allow_remote: args.allow_remote,
                backend,
                authorized_keys: args.authorized_keys,
                demo_password: args.demo_password,
                host_key: args.host_key,
                read_only: args.read_only,
                max_sessions: args.max_sessions,
                idle_timeout: args.idle_timeout,
                config,
            }))
        }
        Some(Command::Config(args)) => config_command(&args, cli.console.config.as_deref()),
        Some(Command::Scripting(command)) => {
            // Scripts get a log only when they ask for one (--log FILE).
            if cli.console.log.is_some() {
                init_logging(cli.console.log, "georep.log");
            }
            runtime.block_on(georep::cli::run(command, cli.console.endpoint))
        }
        None => {
            let log = init_logging(cli.console.log.clone(), "georep.log");
            tracing::info!(config = ?config.source(), "configuration");
            match cli.console.backend.options(endpoint) {
                Ok(backend) => runtime.block_on(console(backend, log, &config)),
                Err(e) => {
                    eprintln!("georep: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `georep`: the backend chosen (said on the shell when it fails, before a terminal is taken over),
/// the console on it, then an embedded emulator stopped.
async fn console(
    options: georep::backend::BackendOptions,
    log: Option<PathBuf>,
    config: &georep::config::Config,
) -> ExitCode {
    let backend =
        georep::backend::connect(&options, |what| eprintln!("georep: {what}"), georep::signals::stop_requested()).await;
    let scope = options.scope();
    let georep::backend::Backend { label, client, intervals, embedded } = match backend {
        Ok(b) => b,
        Err(e) => {
            eprintln!("georep: {e}");
            return if e.is_usage() { ExitCode::from(2) } else { ExitCode::FAILURE };
        }
    };
    // The file's poll intervals over the backend's own (Azure's are slower).
    let intervals = config.poll_intervals(intervals);
    let theme = config.theme(georep::config::no_color());
    let keys = config.keymap();
    let options =
        georep::tui::Options { label, client, intervals, scope, embedded: embedded.is_some(), log, theme, keys };
    let code = georep::tui::run(options).await;
    if let Some(embedded) = embedded {
        // Stops the embedded emulator's data plane too: the real one's redis-servers are reaped here.
        embedded.shutdown().await;
    }
    code
}
