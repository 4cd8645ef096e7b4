//! Scripting subcommands, mirroring `az redis server-link` and `New/Get/Remove-AzRedisCacheLink`:
//! `georep caches list`, `georep links list|show`, `georep link`, `georep unlink`, `georep failover`.
//!
//! Each command talks to one backend ([`backend::Session`]): `--endpoint URL` (a `georep serve`),
//! `--azure` (Azure Resource Manager), or `--demo` (the embedded demo emulator). Results go to stdout,
//! as a table or as the ARM resource bodies (`--output json`); progress and errors go to stderr.
//!
//! Exit codes: 0 success, 1 the operation failed (the ARM error's code, message and request id are
//! printed), 2 usage (clap's own errors, and a missing backend or a malformed id).

mod backend;
mod caches;
mod failover;
mod link;
mod links;
mod output;
mod progress;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::arm::ErrorDetail;
use crate::client::{ClientError, LroStatus};

pub use backend::Session;

/// The scripting subcommands (flattened into `georep`'s own).
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Caches of a resource group, or of the subscription(s) (`az redis list`).
    Caches {
        #[command(subcommand)]
        command: caches::CachesCommand,
    },
    /// Geo-replication links of a cache (`az redis server-link list|show`).
    Links {
        #[command(subcommand)]
        command: links::LinksCommand,
    },
    /// Link a cache as the geo-secondary of another (`az redis server-link create`).
    Link(link::LinkArgs),
    /// Remove a geo-replication link (`az redis server-link delete`).
    Unlink(link::UnlinkArgs),
    /// Fail over to the current secondary: unlink, then link again the other way round.
    Failover(failover::FailoverArgs),
}

/// Options every scripting subcommand takes (`--endpoint` is `georep`'s global one).
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Talk to Azure Resource Manager (https://management.azure.com, or --endpoint); the token comes from
    /// AZURE_ACCESS_TOKEN, else `az account get-access-token`.
    #[arg(long)]
    pub azure: bool,
    /// Subscription of the caches. Needed on Azure when the token sees several; on an emulator every
    /// listed subscription is searched when it is not given.
    #[arg(long, env = "AZURE_SUBSCRIPTION_ID", value_name = "ID")]
    pub subscription: Option<String>,
    /// Bearer token for --endpoint (as `georep serve --token`).
    #[arg(long, env = "GEOREP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start the embedded demo emulator for this command (a fresh demo fleet every time).
    #[arg(long)]
    pub demo: bool,
    /// How to print results.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// Options of the commands that wait for an operation.
#[derive(Args, Debug, Clone)]
pub struct WaitArgs {
    /// Seconds between polls of the operation when the service sends no Retry-After [default: 30, as
    /// Azure's own tools]. Real links take 5 to 30 minutes.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub poll_interval: Option<Duration>,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{s}' is not a number of seconds between 0 and 3600")),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns, for people.
    Table,
    /// The ARM resource bodies, as the service returns them.
    Json,
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Exit 2: what was asked cannot be done as asked (no backend, a malformed id, an ambiguous name).
    Usage(String),
    /// Exit 1: the service (or the operation) said no, or could not be reached.
    Failed { what: String, code: String, message: String, request_id: Option<String>, details: Vec<ErrorDetail> },
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// A request that failed.
    pub fn client(what: impl Into<String>, e: ClientError) -> Self {
        let details = match &e {
            ClientError::Arm { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        Failure::Failed {
            what: what.into(),
            code: e.code().to_string(),
            message: e.message(),
            request_id: e.request_id().map(str::to_string),
            details,
        }
    }

    /// A check of georep's own that failed (no request id).
    pub fn failed(what: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Failure::Failed {
            what: what.into(),
            code: code.to_string(),
            message: message.into(),
            request_id: None,
            details: Vec::new(),
        }
    }

    /// An operation that ended other than Succeeded; `request_id` is the one of the request that
    /// started it.
    pub fn operation(what: impl Into<String>, status: &LroStatus, request_id: Option<String>) -> Self {
        let (code, message, details) = match &status.error {
            Some(e) => (e.code.clone(), e.message.clone(), e.details.clone()),
            None => (
                format!("Operation{}", status.state),
                format!("the operation ended {} without an error detail", status.state),
                Vec::new(),
            ),
        };
        Failure::Failed { what: what.into(), code, message, request_id, details }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Failed { .. } => ExitCode::from(1),
        }
    }

    /// What goes to stderr.
    pub fn report(&self, command: &str) -> String {
        match self {
            Failure::Usage(m) => format!("georep {command}: {m}\n"),
            Failure::Failed { what, code, message, request_id, details } => {
                let mut s = format!("georep {command}: {what}\n  code:       {code}\n  message:    {message}\n");
                for d in details {
                    s.push_str(&format!("  detail:     {}: {}\n", d.code, d.message));
                }
                if let Some(r) = request_id {
                    s.push_str(&format!("  request id: {r}\n"));
                }
                s
            }
        }
    }
}

impl Command {
    /// The command's name as typed (`links list`), for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Caches { command: caches::CachesCommand::List(_) } => "caches list",
            Command::Links { command: links::LinksCommand::List(_) } => "links list",
            Command::Links { command: links::LinksCommand::Show(_) } => "links show",
            Command::Link(_) => "link",
            Command::Unlink(_) => "unlink",
            Command::Failover(_) => "failover",
        }
    }
}

/// Runs a scripting subcommand; `endpoint` is `georep --endpoint`.
pub async fn run(command: Command, endpoint: Option<String>) -> ExitCode {
    let name = command.name();
    let endpoint = endpoint.as_deref();
    let result = match command {
        Command::Caches { command: caches::CachesCommand::List(args) } => caches::list(args, endpoint).await,
        Command::Links { command: links::LinksCommand::List(args) } => links::list(args, endpoint).await,
        Command::Links { command: links::LinksCommand::Show(args) } => links::show(args, endpoint).await,
        Command::Link(args) => link::link(args, endpoint).await,
        Command::Unlink(args) => link::unlink(args, endpoint).await,
        Command::Failover(args) => failover::failover(args, endpoint).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            tracing::info!(command = name, failure = ?f, "command failed");
            eprint(&f.report(name));
            f.exit_code()
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes to stderr, ignoring failures.
pub(crate) fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
