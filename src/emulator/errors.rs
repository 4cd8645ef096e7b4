//! ARM error responses: `{"error": {code, message, target, details}}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::arm::{ErrorDetail, ErrorResponse};

#[derive(Debug)]
pub struct ArmError {
    pub status: StatusCode,
    pub detail: Box<ErrorDetail>,
}

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ArmError { status, detail: Box::new(ErrorDetail::new(code, message)) }
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

    pub fn with_details(mut self, details: Vec<ErrorDetail>) -> Self {
        self.detail.details = details;
        self
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(ErrorResponse { error: *self.detail })).into_response()
    }
}
