use reqwest::header::HeaderMap;

use crate::arm::{ErrorDetail, ErrorResponse};

/// What went wrong talking to ARM. Never carries the token.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error (an ARM error body when it sent one).
    #[error("{code}: {message}{}", request_id.as_ref().map(|r| format!(" (request {r})")).unwrap_or_default())]
    Arm { status: u16, code: String, message: String, request_id: Option<String>, details: Vec<ErrorDetail> },
    /// The request never got an answer: `endpoint` is the origin it went to (no path, no token),
    /// `reason` a few words (`connection refused`), `detail` the whole chain of errors.
    #[error("cannot reach {endpoint} ({reason})")]
    Transport { endpoint: String, reason: String, detail: String },
    /// No answer in time: `within` is the bound that ran out (a request's, or the command's).
    #[error("no answer from {endpoint} within {}", seconds(*within))]
    Timeout { endpoint: String, within: std::time::Duration, detail: String },
    /// An operation followed with a deadline had not ended when it passed (the service answered).
    #[error("the operation did not end within {}", seconds(*within))]
    OperationTimeout { within: std::time::Duration },
    /// A name that cannot be sent: it would not stay one segment of the resource's path.
    #[error("{0}")]
    InvalidName(String),
    #[error("{0}")]
    Decode(String),
    #[error("{0}")]
    Config(String),
    /// No token could be had (neither `AZURE_ACCESS_TOKEN` nor `az account get-access-token`).
    #[error("{0}")]
    Auth(String),
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-ms-request-id").and_then(|v| v.to_str().ok()).map(str::to_string)
}

impl ClientError {
    pub(crate) async fn from_response(resp: reqwest::Response) -> Self {
        let status = resp.status();
        let request_id = request_id(resp.headers());
        let bytes = resp.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorResponse>(&bytes) {
            Ok(body) => ClientError::Arm {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
                request_id,
                details: body.error.details,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                ClientError::Arm {
                    status: status.as_u16(),
                    code: status.canonical_reason().unwrap_or("HttpError").replace(' ', ""),
                    message: if text.is_empty() { format!("HTTP {status}") } else { text.chars().take(300).collect() },
                    request_id,
                    details: Vec::new(),
                }
            }
        }
    }

    /// A request to `url` that got no answer; `within` is the bound the request had.
    pub(crate) fn from_reqwest(e: reqwest::Error, url: &str, within: std::time::Duration) -> Self {
        // reqwest's Display can include the URL (and its signed query), never headers: left out.
        let e = e.without_url();
        let endpoint = origin(url);
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        let mut io_kind = None;
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                io_kind = Some(io.kind());
            }
            source = s.source();
        }
        if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
            return ClientError::Timeout { endpoint, within, detail };
        }
        if e.is_decode() {
            return ClientError::Decode(detail);
        }
        let lower = detail.to_ascii_lowercase();
        let reason = match io_kind {
            Some(std::io::ErrorKind::ConnectionRefused) => "connection refused",
            Some(std::io::ErrorKind::ConnectionReset) => "connection reset",
            Some(std::io::ErrorKind::ConnectionAborted) => "connection aborted",
            Some(std::io::ErrorKind::HostUnreachable) | Some(std::io::ErrorKind::NetworkUnreachable) => {
                "no route to the host"
            }
            _ if lower.contains("dns error") || lower.contains("failed to lookup address") => "host name not found",
            _ if lower.contains("certificate") || lower.contains("tls") => "TLS handshake failed",
            _ if lower.contains("connection closed") || lower.contains("incomplete message") => {
                "the connection closed before an answer"
            }
            _ => "no answer",
        };
        ClientError::Transport { endpoint, reason: reason.to_string(), detail }
    }

    /// The ARM error code, or a short label for transport errors.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Arm { code, .. } => code,
            ClientError::Transport { .. } => "ConnectionFailed",
            ClientError::Timeout { .. } => "Timeout",
            ClientError::InvalidName(_) => "InvalidName",
            ClientError::OperationTimeout { .. } => "OperationTimeout",
            ClientError::Decode(_) => "InvalidResponse",
            ClientError::Config(_) => "InvalidConfiguration",
            ClientError::Auth(_) => "CredentialUnavailable",
        }
    }

    /// The message without the code.
    pub fn message(&self) -> String {
        match self {
            ClientError::Arm { message, .. } => message.clone(),
            ClientError::Transport { .. } | ClientError::Timeout { .. } | ClientError::OperationTimeout { .. } => {
                self.to_string()
            }
            ClientError::InvalidName(m) | ClientError::Decode(m) | ClientError::Config(m) | ClientError::Auth(m) => {
                m.clone()
            }
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ClientError::Arm { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again later may work: no answer, a timeout, throttling or a server error.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport { .. } | ClientError::Timeout { .. } => true,
            ClientError::Arm { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Adds a hint to an ARM error's message (what to do about a 401).
    pub(crate) fn with_hint(self, hint: Option<String>) -> Self {
        match (self, hint) {
            (ClientError::Arm { status, code, message, request_id, details }, Some(hint)) => {
                ClientError::Arm { status, code, message: format!("{message} ({hint})"), request_id, details }
            }
            (other, _) => other,
        }
    }

    /// Everything known about the error: for transport errors the whole chain of causes, else the
    /// message (what `--verbose` shows).
    pub fn detail(&self) -> String {
        match self {
            ClientError::Transport { detail, .. } | ClientError::Timeout { detail, .. } => detail.clone(),
            other => other.to_string(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Arm { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// `scheme://host[:port]` of `url`, for messages: never a path, a query or userinfo.
pub(crate) fn origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or_default();
            let host =
                if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() };
            match u.port() {
                Some(p) => format!("{}://{host}:{p}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        Err(_) => "the endpoint".to_string(),
    }
}

/// `1 s`, `1.5 s`, `60 s`.
pub fn seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if (s - s.round()).abs() < 0.001 { format!("{} s", s.round() as u64) } else { format!("{s:.1} s") }
}
