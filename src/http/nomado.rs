//! The Nomado dialect: `POST /2fa/create`, `POST /2fa/verify`, Basic authentication.
//!
//! Shapes per ../shared/spec (000_… and README): success `{"code": 200, "message": "OK", ...}`;
//! errors `{"code": <status>, "message": <reason>}` with the same HTTP status (400, 401, 405,
//! 413, 429, 500);
//! a failed verify is HTTP 400 with `"verify": false`, so no client can read it as success.
//! The create answer carries the code in `data.token`: that is the provider's contract.

use super::fields::Fields;
use super::{auth, AppState};
use crate::otp::limits::LimitHit;
use crate::otp::{self, Alphabet};
use crate::otp_service::{CreateRequest, ServiceError, VerifyBy};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

const DEFAULT_LENGTH: i64 = 4;
const DEFAULT_EXPIRY: i64 = 7200;
/// Longest expiry accepted: 30 days.
const MAX_EXPIRY: i64 = 30 * 24 * 3600;

/// Which endpoint answers: verify's failures all carry `"verify": false`.
#[derive(Clone, Copy)]
enum Endpoint {
    Create,
    Verify,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    answer(Endpoint::Create, status, message)
}

fn verify_failed(message: impl Into<String>) -> Response {
    answer(Endpoint::Verify, StatusCode::BAD_REQUEST, message)
}

fn answer(endpoint: Endpoint, status: StatusCode, message: impl Into<String>) -> Response {
    let mut body = json!({"code": status.as_u16(), "message": message.into()});
    if let Endpoint::Verify = endpoint {
        body["verify"] = json!(false);
    }
    (status, Json(body)).into_response()
}

/// A method `/2fa/create` does not serve: HTTP 405 in Nomado's shape.
pub fn create_wrong_method(used: &Method, allowed: &Method) -> Response {
    answer(
        Endpoint::Create,
        StatusCode::METHOD_NOT_ALLOWED,
        super::wrong_method_message(used, allowed),
    )
}

/// A method `/2fa/verify` does not serve: HTTP 405 with `"verify": false`, as every failed
/// verify.
pub fn verify_wrong_method(used: &Method, allowed: &Method) -> Response {
    answer(
        Endpoint::Verify,
        StatusCode::METHOD_NOT_ALLOWED,
        super::wrong_method_message(used, allowed),
    )
}

/// Reads the body and the account, or answers in Nomado's shape.
fn begin(
    state: &AppState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, Fields), Response> {
    let account = auth::basic(headers)
        .and_then(|(login, key)| state.accounts.authenticate(&login, &key))
        .ok_or_else(|| {
            answer(
                endpoint,
                StatusCode::UNAUTHORIZED,
                "Invalid credentials or incorrect authentication method",
            )
        })?;
    let bytes = body.map_err(|e| answer(endpoint, e.status(), e.body_text()))?;
    let fields = Fields::parse(&bytes)
        .map_err(|e| answer(endpoint, StatusCode::BAD_REQUEST, e.to_string()))?;
    Ok((account, fields))
}

#[utoipa::path(post, path = "/2fa/create", operation_id = "nomado_create", security(("basic" = [])), tag = "nomado", request_body = super::openapi::NomadoCreate,
    responses((status = 200, description = "sent: the code in data.token, the text in data.text", body = super::openapi::NomadoAnswer),
        (status = 400, description = "bad or missing field, or a country not allowed", body = super::openapi::NomadoAnswer),
        (status = 401, description = "wrong or missing credentials", body = super::openapi::NomadoAnswer),
        (status = 413, description = "body over 64 KiB", body = super::openapi::NomadoAnswer),
        (status = 429, description = "a limit was hit: see Retry-After", body = super::openapi::NomadoAnswer),
        (status = 500, description = "internal error", body = super::openapi::NomadoAnswer)))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match create_inner(&state, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn create_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, Endpoint::Create, headers, body)?;
    let bad = |m: String| error(StatusCode::BAD_REQUEST, m);
    let to = f
        .string("to")
        .map_err(bad)?
        .ok_or_else(|| bad("to: missing".into()))?;
    let number = otp::number::parse(&to).map_err(|e| bad(format!("to: {e}")))?;
    let template = f.string("template").map_err(bad)?;
    otp::template::nomado(template.as_deref(), "").map_err(|e| bad(format!("template: {e}")))?;
    let alphabet = match f.string("type").map_err(bad)?.as_deref() {
        None => Alphabet::ALPHANUMERIC,
        Some(t) => match t.to_ascii_uppercase().as_str() {
            "NUMERIC" => Alphabet::NUMERIC,
            "ALPHA" => Alphabet::ALPHA,
            "ALPHANUMERIC" => Alphabet::ALPHANUMERIC,
            _ => {
                return Err(bad(format!(
                    "type: {t:?} is not ALPHA, NUMERIC or ALPHANUMERIC"
                )))
            }
        },
    };
    let length = f.int("length").map_err(bad)?.unwrap_or(DEFAULT_LENGTH);
    if !(1..=20).contains(&length) {
        return Err(bad(format!("length: {length} is outside 1..20")));
    }
    let expiry = f.int("expiry").map_err(bad)?.unwrap_or(DEFAULT_EXPIRY);
    if !(1..=MAX_EXPIRY).contains(&expiry) {
        return Err(bad(format!(
            "expiry: {expiry} is outside 1..{MAX_EXPIRY} seconds"
        )));
    }
    let created = state
        .otp
        .create(CreateRequest {
            account,
            dialect: "nomado",
            number,
            alphabet,
            length: length as usize,
            ttl_s: expiry as u64,
            max_attempts: state.otp.config().default_max_attempts,
            recipient_ip: None,
            channel: "sms".into(),
            voice: None,
            request_id: super::observe::of(headers),
            sender: None,
            render: Box::new(move |code, _| {
                otp::template::nomado(template.as_deref(), code).unwrap_or_else(|_| code.into())
            }),
        })
        .await
        .map_err(service_error)?;
    let mut data = serde_json::Map::new();
    data.insert(to.clone(), json!({"code": 200, "status": "SENT"}));
    data.insert("text".into(), Value::String(created.text));
    data.insert("token".into(), Value::String(created.code));
    data.insert("expiry".into(), json!(expiry));
    data.insert("total_messages".into(), json!(created.parts));
    Ok(Json(json!({"code": 200, "message": "OK", "data": data})).into_response())
}

#[utoipa::path(post, path = "/2fa/verify", operation_id = "nomado_verify", security(("basic" = [])), tag = "nomado", request_body = super::openapi::NomadoVerify,
    responses((status = 200, description = "verified: verify true", body = super::openapi::NomadoAnswer),
        (status = 400, description = "wrong, expired, used or unknown code, or a bad field: verify false", body = super::openapi::NomadoAnswer),
        (status = 401, description = "wrong or missing credentials: verify false", body = super::openapi::NomadoAnswer),
        (status = 413, description = "body over 64 KiB: verify false", body = super::openapi::NomadoAnswer),
        (status = 500, description = "internal error", body = super::openapi::NomadoAnswer)))]
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match verify_inner(&state, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn verify_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, Endpoint::Verify, headers, body)?;
    let bad = |m: String| verify_failed(m);
    let number = f
        .string_lenient("number")
        .ok_or_else(|| bad("number: missing".into()))?;
    let number = otp::number::parse(&number).map_err(|e| bad(format!("number: {e}")))?;
    let code = f
        .string_lenient("token")
        .ok_or_else(|| bad("token: missing".into()))?;
    let outcome = state
        .otp
        .verify(&account, VerifyBy::Number(number), &code, None)
        .await;
    use crate::otp::VerifyOutcome as V;
    match outcome {
        Ok((_, V::Verified)) => {
            Ok(Json(json!({"code": 200, "message": "OK", "verify": true})).into_response())
        }
        Ok((_, V::Wrong { remaining })) => Err(verify_failed(format!(
            "wrong code, {remaining} attempt(s) left"
        ))),
        Ok((_, V::TooManyAttempts)) => Err(verify_failed(
            "too many wrong attempts: the code is no longer valid",
        )),
        Ok((_, V::Expired)) => Err(verify_failed("the code has expired")),
        Ok((_, V::AlreadyUsed)) => Err(verify_failed("the code was already used")),
        Ok((_, V::Replaced)) => Err(verify_failed("a newer code was sent to this number")),
        Ok((_, V::IpMismatch)) => Err(verify_failed("wrong code")),
        Err(ServiceError::NotFound) => Err(verify_failed("no code was sent to this number")),
        Err(e) => Err(service_error(e)),
    }
}

fn service_error(e: ServiceError) -> Response {
    match e {
        ServiceError::Limited(hit @ LimitHit::CountryNotAllowed { .. }) => {
            error(StatusCode::BAD_REQUEST, super::limit_message(&hit))
        }
        ServiceError::Limited(hit) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, super::limit_message(&hit));
            super::retry_after(&mut r, &hit);
            r
        }
        ServiceError::NotFound => error(StatusCode::BAD_REQUEST, "no such OTP"),
        other => {
            tracing::error!(error = %other, "nomado: internal error");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
