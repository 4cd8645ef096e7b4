//! Scripting subcommands, mirroring `az redis server-link` and `New/Get/Remove-AzRedisCacheLink`:
//! `georep caches list`, `georep links list|show`, `georep link`, `georep unlink`, `georep failover`;
//! and for Azure Managed Redis, mirroring `az redisenterprise`: `georep amr list|group show|force-unlink|
//! force-link|flush` ([`amr`]).
//!
//! Each command talks to one backend ([`backend::Session`]): `--endpoint URL` (a `georep serve`),
//! `--azure` (Azure Resource Manager), or `--demo` (the embedded demo emulator). Results go to stdout,
//! as a table or as the ARM resource bodies (`--output json`); progress and errors go to stderr.
//!
//! Exit codes: 0 success, 1 the operation failed (the ARM error's code, message and request id are
//! printed; a backend that cannot be reached or does not answer within `--timeout` is one line, the
//! details with `--verbose`), 2 usage (clap's own errors, a missing backend, a name Azure would refuse,
//! a malformed id).
//!
//! Every name is checked against Azure's rules before anything is sent ([`args`]), and the client
//! encodes every path segment: no name can address another resource.

mod amr;
mod args;
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
    /// Azure Managed Redis and its active geo-replication groups (`az redisenterprise`).
    Amr {
        #[command(subcommand)]
        command: amr::AmrCommand,
    },
}

/// Options every scripting subcommand takes (`--endpoint` is `georep`'s global one).
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Talk to Azure Resource Manager (https://management.azure.com, or --endpoint); the token comes from
    /// AZURE_ACCESS_TOKEN, else `az account get-access-token`.
    #[arg(long)]
    pub azure: bool,
    /// Subscription of the caches (repeatable: look in each). Needed on Azure when the token sees
    /// several, except for `caches list`, which then lists them all; on an emulator every listed
    /// subscription is searched when it is not given.
    #[arg(long, env = "AZURE_SUBSCRIPTION_ID", value_name = "ID")]
    pub subscription: Vec<String>,
    /// Bearer token for --endpoint (as `georep serve --token`).
    #[arg(long, env = "GEOREP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start the embedded demo emulator for this command (a fresh demo fleet every time).
    #[arg(long)]
    pub demo: bool,
    /// How to print results.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Give up on the backend after this long: bounds the whole command, every request and retry
    /// included [default: 60]. Link, unlink and failover then wait for the operation as long as it runs
    /// (links take 5 to 30 minutes), each poll bounded by it, unless --timeout is given: then it bounds
    /// the wait too.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// On failure, say everything known (the step that failed, the whole chain of errors).
    #[arg(long)]
    pub verbose: bool,
}

/// Without `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Common {
    /// The subscriptions given, trimmed, without blanks or repeats.
    pub fn subscriptions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in self.subscription.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                out.push(s.to_string());
            }
        }
        out
    }

    /// The bound on the command (`--timeout`, else [`DEFAULT_TIMEOUT`]).
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{s}' is not a number of seconds between 0 and 86400")),
    }
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
    /// Exit 1: the service (or the operation) said no.
    Failed { what: String, code: String, message: String, request_id: Option<String>, details: Vec<ErrorDetail> },
    /// Exit 1: the backend could not be reached, or did not answer in time (`error` is a
    /// [`ClientError::Transport`] or [`ClientError::Timeout`]); `what` is the step that failed.
    Unreachable { what: String, error: Box<ClientError> },
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// A request that failed.
    pub fn client(what: impl Into<String>, e: ClientError) -> Self {
        if matches!(e, ClientError::Transport { .. } | ClientError::Timeout { .. }) {
            return Failure::Unreachable { what: what.into(), error: Box::new(e) };
        }
        if let ClientError::InvalidName(m) = &e {
            return Failure::Usage(m.clone());
        }
        let message = match &e {
            // The only deadline on an operation is the command's.
            ClientError::OperationTimeout { .. } => format!("{e} (--timeout)"),
            _ => e.message(),
        };
        let details = match &e {
            ClientError::Arm { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        Failure::Failed {
            what: what.into(),
            code: e.code().to_string(),
            message,
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
            Failure::Failed { .. } | Failure::Unreachable { .. } => ExitCode::from(1),
        }
    }

    /// What goes to stderr; `verbose` adds what is known beyond the first line of an unreachable
    /// backend; `timeout` is the command's, named when it is the bound that ran out.
    pub fn report(&self, command: &str, verbose: bool, timeout: Duration) -> String {
        match self {
            Failure::Usage(m) => format!("georep {command}: {m}\n"),
            Failure::Unreachable { what, error } => {
                let hint = match error.as_ref() {
                    ClientError::Timeout { within, .. } if *within == timeout => " (--timeout)",
                    _ => "",
                };
                let mut s = format!("georep: {error}{hint}\n");
                if verbose {
                    s.push_str(&format!("  command:    georep {command}\n  step:       {what}\n"));
                    s.push_str(&format!("  detail:     {}\n", error.detail()));
                }
                s
            }
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
    /// The options every subcommand takes.
    pub fn common(&self) -> &Common {
        match self {
            Command::Caches { command: caches::CachesCommand::List(a) } => &a.common,
            Command::Links { command: links::LinksCommand::List(a) } => &a.common,
            Command::Links { command: links::LinksCommand::Show(a) } => &a.common,
            Command::Link(a) => &a.common,
            Command::Unlink(a) => &a.common,
            Command::Failover(a) => &a.common,
            Command::Amr { command } => command.common(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::Caches { command: caches::CachesCommand::List(_) } => "caches list",
            Command::Links { command: links::LinksCommand::List(_) } => "links list",
            Command::Links { command: links::LinksCommand::Show(_) } => "links show",
            Command::Link(_) => "link",
            Command::Unlink(_) => "unlink",
            Command::Failover(_) => "failover",
            Command::Amr { command } => command.name(),
        }
    }
}

/// Runs a scripting subcommand; `endpoint` is `georep --endpoint`.
pub async fn run(command: Command, endpoint: Option<String>) -> ExitCode {
    let name = command.name();
    let (verbose, timeout) = (command.common().verbose, command.common().timeout());
    let endpoint = endpoint.as_deref();
    let result = match command {
        Command::Caches { command: caches::CachesCommand::List(args) } => caches::list(args, endpoint).await,
        Command::Links { command: links::LinksCommand::List(args) } => links::list(args, endpoint).await,
        Command::Links { command: links::LinksCommand::Show(args) } => links::show(args, endpoint).await,
        Command::Link(args) => link::link(args, endpoint).await,
        Command::Unlink(args) => link::unlink(args, endpoint).await,
        Command::Failover(args) => failover::failover(args, endpoint).await,
        Command::Amr { command } => command.run(endpoint).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            tracing::info!(command = name, failure = ?f, "command failed");
            eprint(&f.report(name, verbose, timeout));
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
