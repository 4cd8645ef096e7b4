//! Stage 1: the HTTP request as typed values. Nothing here looks at the emulator's state.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::arm::LinkedServerCreateParameters;

use super::super::Emulator;
use super::super::errors::ArmError;

/// Largest request body accepted (a link request is a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// How much of a too-large body is read (and dropped) before answering 413.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// The request as the handlers need it.
pub(super) struct Req {
    pub method: Method,
    /// The path's segments, percent-decoded.
    pub segs: Vec<String>,
    pub query: Vec<(String, String)>,
    /// Where clients reach the emulator (`http://host:port`), for the URLs it hands out.
    pub base: String,
}

impl Req {
    pub fn parse(emu: &Emulator, method: Method, uri: &Uri) -> Self {
        let segs = uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
        // Never from the request's Host header: a client could make the emulator hand out its URLs.
        let base = emu.public_base().to_string();
        Req { method, segs, query, base }
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn seg_is(&self, i: usize, want: &str) -> bool {
        self.segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(want))
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes. A larger one is answered 413, after reading
/// and dropping the rest up to [`DRAIN_LIMIT`]: closing a socket with unread data resets the connection,
/// and the client could lose the 413 (or, having pooled the connection, its next request) to that.
pub(super) async fn read_body(body: Body) -> Result<Vec<u8>, Response> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(ArmError::invalid_content("the request body could not be read").into_response());
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen <= MAX_BODY {
        return Ok(buf);
    }
    let mut resp = ArmError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request content is larger than the {MAX_BODY} bytes allowed."),
    )
    .into_response();
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    Err(resp)
}

/// The body of a link request (`PUT .../linkedServers/{name}`).
pub(super) fn link_body(body: &[u8]) -> Result<LinkedServerCreateParameters, ArmError> {
    serde_json::from_slice(body).map_err(ArmError::invalid_content)
}
