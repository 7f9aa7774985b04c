//! The gateway's own error shape: `{"error": {"code": "kebab-case", "message": "..."}}`.
//!
//! The detail of an internal error is logged once and never sent to the client.

use axum::extract::rejection::JsonRejection;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Errors of the gateway's own endpoints.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("missing or wrong credentials (Basic login:key, or api-login / api-key headers)")]
    Unauthorized,
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("method {used} is not allowed here: use {allowed}")]
    MethodNotAllowed { used: Method, allowed: Method },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge(super::BODY_LIMIT);
        }
        ApiError::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid-request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large"),
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal-error")
            }
        };
        let body = json!({"error": {"code": code, "message": self.to_string()}});
        (status, Json(body)).into_response()
    }
}

/// A method the route does not serve, on one of the gateway's own endpoints: HTTP 405.
pub fn method_not_allowed(used: &Method, allowed: &Method) -> Response {
    ApiError::MethodNotAllowed {
        used: used.clone(),
        allowed: allowed.clone(),
    }
    .into_response()
}
