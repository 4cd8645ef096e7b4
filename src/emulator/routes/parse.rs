//! Stage 1: the HTTP request as typed values. Nothing here looks at the emulator's state.

use axum::http::{HeaderMap, Method, Uri};

use crate::arm::LinkedServerCreateParameters;

use super::super::Emulator;
use super::super::errors::ArmError;

/// Largest request body accepted (a link request is a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// The request as the handlers need it.
pub(crate) struct Req {
    pub method: Method,
    /// The path's segments, percent-decoded.
    pub segs: Vec<String>,
    pub query: Vec<(String, String)>,
    /// Where clients reach the emulator (`http://host:port`), for the URLs it hands out.
    pub base: String,
    /// The request carries [`crate::arm::FAILOVER_HEADER`]: `true`.
    pub failover: bool,
}

impl Req {
    pub fn parse(emu: &Emulator, method: Method, uri: &Uri, headers: &HeaderMap) -> Self {
        let segs = uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
        // Never from the request's Host header: a client could make the emulator hand out its URLs.
        let base = emu.public_base().to_string();
        let failover = headers
            .get(crate::arm::FAILOVER_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Req { method, segs, query, base, failover }
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn seg_is(&self, i: usize, want: &str) -> bool {
        self.segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(want))
    }
}

/// The body of a link request (`PUT .../linkedServers/{name}`).
pub(super) fn link_body(body: &[u8]) -> Result<LinkedServerCreateParameters, ArmError> {
    serde_json::from_slice(body).map_err(ArmError::invalid_content)
}
