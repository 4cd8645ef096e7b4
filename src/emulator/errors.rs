//! ARM error responses: `{"error": {code, message, target, details}}` with a fitting status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::arm::{ErrorDetail, ErrorResponse};

#[derive(Debug)]
pub struct ArmError {
    pub status: StatusCode,
    pub detail: Box<ErrorDetail>,
    /// The methods a resource answers to, sent as `Allow` with a 405.
    pub allow: Option<&'static str>,
    /// Seconds sent as `Retry-After` (a 429).
    pub retry_after: Option<u32>,
}

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ArmError { status, detail: Box::new(ErrorDetail::new(code, message)), allow: None, retry_after: None }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid_content(why: impl std::fmt::Display) -> Self {
        Self::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {why}"),
        )
    }

    pub fn cache_not_found(rg: &str, name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.Cache/Redis/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    pub fn with_target(mut self, target: &str) -> Self {
        self.detail.target = Some(target.to_string());
        self
    }

    /// From a data plane's error detail.
    pub fn from_detail(status: StatusCode, detail: ErrorDetail) -> Self {
        ArmError { status, detail: Box::new(detail), allow: None, retry_after: None }
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_details(mut self, details: Vec<ErrorDetail>) -> Self {
        self.detail.details = details;
        self
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(ErrorResponse { error: *self.detail })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        resp
    }
}
