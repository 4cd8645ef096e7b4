use reqwest::header::HeaderMap;

use crate::arm::{ErrorDetail, ErrorResponse};

/// What went wrong talking to ARM. Never carries the token.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error (an ARM error body when it sent one).
    #[error("{code}: {message}{}", request_id.as_ref().map(|r| format!(" (request {r})")).unwrap_or_default())]
    Arm { status: u16, code: String, message: String, request_id: Option<String>, details: Vec<ErrorDetail> },
    /// The request never got an answer.
    #[error("{0}")]
    Transport(String),
    #[error("request timed out: {0}")]
    Timeout(String),
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

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        // reqwest's Display can include the URL, never headers: tokens stay out.
        let e = e.without_url();
        if e.is_timeout() {
            ClientError::Timeout(e.to_string())
        } else if e.is_decode() {
            ClientError::Decode(e.to_string())
        } else {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            ClientError::Transport(msg)
        }
    }

    /// The ARM error code, or a short label for transport errors.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Arm { code, .. } => code,
            ClientError::Transport(_) => "ConnectionFailed",
            ClientError::Timeout(_) => "Timeout",
            ClientError::Decode(_) => "InvalidResponse",
            ClientError::Config(_) => "InvalidConfiguration",
            ClientError::Auth(_) => "CredentialUnavailable",
        }
    }

    /// The message without the code.
    pub fn message(&self) -> String {
        match self {
            ClientError::Arm { message, .. } => message.clone(),
            ClientError::Transport(m)
            | ClientError::Timeout(m)
            | ClientError::Decode(m)
            | ClientError::Config(m)
            | ClientError::Auth(m) => m.clone(),
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
            ClientError::Transport(_) | ClientError::Timeout(_) => true,
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

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Arm { status, .. } => Some(*status),
            _ => None,
        }
    }
}
