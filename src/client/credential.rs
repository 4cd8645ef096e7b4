//! Where the bearer token comes from: nowhere (an open emulator), a fixed token (`--token`,
//! `AZURE_ACCESS_TOKEN`), or the Azure CLI (`az account get-access-token`), refreshed before it expires.
//!
//! A token is held in a [`Secret`], whose `Debug` prints `***` and which has no `Display`: it reaches
//! nothing but the `Authorization` header (which reqwest marks sensitive). Error messages never quote
//! what `az` printed on stdout, where the token is.

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::ClientError;

/// The ARM resource a token is asked for.
pub const ARM_RESOURCE: &str = "https://management.azure.com/";
/// The variable read for a ready-made token.
pub const TOKEN_VARIABLE: &str = "AZURE_ACCESS_TOKEN";
/// A token from `az` is fetched again this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long `az account get-access-token` may take.
const AZ_TIMEOUT: Duration = Duration::from_secs(60);

/// A bearer token. `Debug` never shows it; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(token: impl Into<String>) -> Self {
        Secret(token.into())
    }

    /// The token itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a client's token comes from.
#[derive(Clone, Debug, Default)]
pub enum Credential {
    /// No `Authorization` header (an emulator without `--token`).
    #[default]
    None,
    /// One token for the life of the client; `source` names where it came from, for messages.
    Static { token: Secret, source: &'static str },
    /// `az account get-access-token`, cached until shortly before it expires.
    AzureCli(Arc<AzureCli>),
}

impl Credential {
    /// A fixed token (`--token`), or none.
    pub fn fixed(token: Option<String>) -> Self {
        match token.filter(|t| !t.trim().is_empty()) {
            Some(t) => Credential::Static { token: Secret::new(t.trim()), source: "--token" },
            None => Credential::None,
        }
    }

    /// What real Azure uses: `AZURE_ACCESS_TOKEN` when it is set, else the Azure CLI.
    pub fn azure_from_env() -> Self {
        Self::azure(std::env::var(TOKEN_VARIABLE).ok(), AzureCli::new("az"))
    }

    /// `env_token` when it is set and not empty, else `az`.
    pub fn azure(env_token: Option<String>, az: AzureCli) -> Self {
        match env_token.filter(|t| !t.trim().is_empty()) {
            Some(t) => Credential::Static { token: Secret::new(t.trim()), source: TOKEN_VARIABLE },
            None => Credential::AzureCli(Arc::new(az)),
        }
    }

    /// The token to send now, if any.
    pub async fn token(&self) -> Result<Option<Secret>, ClientError> {
        match self {
            Credential::None => Ok(None),
            Credential::Static { token, .. } => Ok(Some(token.clone())),
            Credential::AzureCli(az) => az.token().await.map(Some),
        }
    }

    /// Forgets a cached token the service refused, so the next request fetches a new one. Says whether
    /// there is anything to gain by trying again.
    pub fn invalidate(&self) -> bool {
        match self {
            Credential::AzureCli(az) => az.invalidate(),
            _ => false,
        }
    }

    /// A hint for a 401, naming the source of the token that was refused (never the token).
    pub fn refused_hint(&self) -> Option<String> {
        match self {
            Credential::None => Some("no token was sent: pass --token, or --azure for Azure".into()),
            Credential::Static { source, .. } => Some(format!("the token from {source} was refused (expired?)")),
            Credential::AzureCli(_) => {
                Some("the token from `az account get-access-token` was refused: run `az login` again".into())
            }
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Credential::None)
    }
}

/// `az account get-access-token --resource https://management.azure.com/`, run when there is no token
/// yet or the one held expires within the refresh margin.
pub struct AzureCli {
    program: OsString,
    resource: String,
    margin: Duration,
    cached: tokio::sync::Mutex<Option<CachedToken>>,
    /// Bumped by [`AzureCli::invalidate`]; a cached token from an older generation is not used.
    generation: std::sync::atomic::AtomicU64,
    runs: std::sync::atomic::AtomicU64,
}

struct CachedToken {
    token: Secret,
    expires: DateTime<Utc>,
    generation: u64,
}

impl std::fmt::Debug for AzureCli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureCli")
            .field("program", &self.program)
            .field("resource", &self.resource)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

/// What `az account get-access-token` prints (`--output json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AzToken {
    access_token: String,
    /// Local time, `2025-01-22 16:50:47.000000` (every az version).
    #[serde(default)]
    expires_on: Option<String>,
    /// POSIX seconds (az 2.54 and later).
    #[serde(rename = "expires_on", default)]
    expires_on_posix: Option<Value>,
}

impl AzureCli {
    /// `program` is `az`, or a path to it.
    pub fn new(program: impl Into<OsString>) -> Self {
        AzureCli {
            program: program.into(),
            resource: ARM_RESOURCE.to_string(),
            margin: DEFAULT_REFRESH_MARGIN,
            cached: tokio::sync::Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
            runs: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Fetch a new token this long before the held one expires.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How many times `az` has been run.
    pub fn runs(&self) -> u64 {
        self.runs.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn invalidate(&self) -> bool {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        true
    }

    /// The held token, or a new one when it is missing or expires within the margin.
    pub async fn token(&self) -> Result<Secret, ClientError> {
        let mut cached = self.cached.lock().await;
        let generation = self.generation.load(std::sync::atomic::Ordering::Relaxed);
        let margin = chrono::Duration::from_std(self.margin).unwrap_or_else(|_| chrono::Duration::minutes(5));
        if let Some(c) = cached.as_ref()
            && c.generation == generation
            && Utc::now() + margin < c.expires
        {
            return Ok(c.token.clone());
        }
        let (token, expires) = self.fetch().await?;
        tracing::debug!(%expires, "got a token from az account get-access-token");
        *cached = Some(CachedToken { token: token.clone(), expires, generation });
        Ok(token)
    }

    async fn fetch(&self) -> Result<(Secret, DateTime<Utc>), ClientError> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let command = format!("az account get-access-token --resource {}", self.resource);
        let unavailable = |why: String| {
            ClientError::Auth(format!(
                "no Azure access token: {TOKEN_VARIABLE} is not set, and {why}. Run `az login`, or set {TOKEN_VARIABLE} \
                 (e.g. `export {TOKEN_VARIABLE}=$(az account get-access-token --resource {} --query accessToken -o tsv)`).",
                self.resource
            ))
        };
        let child = tokio::process::Command::new(&self.program)
            .args(["account", "get-access-token", "--resource", &self.resource, "--output", "json"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(unavailable("the Azure CLI (`az`) is not installed or not on PATH".into()));
            }
            Err(e) => return Err(unavailable(format!("`{command}` could not be started: {e}"))),
        };
        let out = match tokio::time::timeout(AZ_TIMEOUT, child.wait_with_output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => return Err(unavailable(format!("`{command}` failed: {e}"))),
            Err(_) => return Err(unavailable(format!("`{command}` did not answer within {}s", AZ_TIMEOUT.as_secs()))),
        };
        if !out.status.success() {
            let stderr = redact(&String::from_utf8_lossy(&out.stderr));
            let said = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).take(3).collect::<Vec<_>>().join(" ");
            let said = if said.is_empty() { String::new() } else { format!(": {said}") };
            return Err(unavailable(format!("`{command}` failed ({}){said}", out.status)));
        }
        let parsed: AzToken = serde_json::from_slice(&out.stdout).map_err(|_| {
            // Not the parse error itself: serde quotes what it could not read, which may be the token.
            unavailable(format!("`{command}` printed something other than the expected JSON (accessToken, expiresOn)"))
        })?;
        if parsed.access_token.trim().is_empty() {
            return Err(unavailable(format!("`{command}` printed an empty accessToken")));
        }
        let expires = parsed
            .expires_on_posix
            .as_ref()
            .and_then(posix_seconds)
            .or_else(|| parsed.expires_on.as_deref().and_then(parse_local_time))
            // Unknown expiry: use it for a few minutes only.
            .unwrap_or_else(|| {
                Utc::now() + chrono::Duration::minutes(5) + chrono::Duration::from_std(self.margin).unwrap_or_default()
            });
        Ok((Secret::new(parsed.access_token.trim()), expires))
    }
}

/// `1737564647` or `"1737564647"`.
fn posix_seconds(v: &Value) -> Option<DateTime<Utc>> {
    let secs = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        Value::String(s) => s.trim().parse::<f64>().ok()? as i64,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)
}

/// `expiresOn` as az prints it: the local time, without a zone.
pub fn parse_local_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok());
    match naive {
        Some(n) => Local.from_local_datetime(&n).earliest().map(|t| t.with_timezone(&Utc)),
        None => DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)),
    }
}

/// Replaces anything long and token-like (a JWT, a long opaque string) with `[redacted]`.
fn redact(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            if word.len() >= 40
                && (word.starts_with("eyJ")
                    || !word.contains('/') && word.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 40)
            {
                w.replacen(word, "[redacted]", 1)
            } else {
                w.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_the_token() {
        let s = Secret::new("abc.def.ghi");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let c = Credential::Static { token: s, source: "--token" };
        assert!(!format!("{c:?}").contains("abc.def"));
    }

    #[test]
    fn parses_az_times() {
        let t = parse_local_time("2025-01-22 16:50:47.000000").expect("az format");
        let local = Local
            .from_local_datetime(&NaiveDateTime::parse_from_str("2025-01-22 16:50:47", "%Y-%m-%d %H:%M:%S").unwrap());
        assert_eq!(Some(t), local.earliest().map(|l| l.with_timezone(&Utc)));
        assert!(parse_local_time("2025-01-22T16:50:47Z").is_some());
        assert!(parse_local_time("soon").is_none());
        assert_eq!(posix_seconds(&Value::from(1_737_564_647)).map(|t| t.timestamp()), Some(1_737_564_647));
        assert_eq!(posix_seconds(&Value::from("1737564647")).map(|t| t.timestamp()), Some(1_737_564_647));
    }

    #[test]
    fn redacts_token_like_words() {
        let jwt = format!("eyJ{}", "a".repeat(60));
        let out = redact(&format!("ERROR: bad token {jwt} here"));
        assert!(!out.contains(&jwt));
        assert!(out.contains("[redacted]"));
        assert_eq!(redact("Please run 'az login' to setup account."), "Please run 'az login' to setup account.");
    }

    #[test]
    fn env_token_wins_over_az() {
        assert!(matches!(Credential::azure(Some("t".into()), AzureCli::new("az")), Credential::Static { .. }));
        assert!(matches!(Credential::azure(Some("  ".into()), AzureCli::new("az")), Credential::AzureCli(_)));
        assert!(matches!(Credential::azure(None, AzureCli::new("az")), Credential::AzureCli(_)));
    }
}
