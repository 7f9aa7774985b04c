//! The MonSMSPro dialect: `POST /v1/auth/otp/get`, `POST /v1/auth/otp/verify`, `apiKey` in the
//! body.
//!
//! Every answer is HTTP 200 with the envelope `{"success", "data", "error"}`, failures
//! included, as the provider does (clients read `success` and `error`, never the status).
//! Error strings are kebab-case: `wrong-otp`, `otp-expired`, `too-many-attempts`,
//! `unknown-token`, `invalid-api-key`, `invalid-phone-number`, ... (listed in the README).

use super::fields::Fields;
use super::AppState;
use crate::otp::limits::LimitHit;
use crate::otp::{self, Alphabet};
use crate::otp_service::{CreateRequest, ServiceError, VerifyBy};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

fn fail(error: &str) -> Response {
    Json(json!({"success": false, "data": null, "error": error})).into_response()
}

fn ok(data: Value) -> Response {
    Json(json!({"success": true, "data": data, "error": null})).into_response()
}

/// A method the route does not serve: HTTP 200 and `method-not-allowed`, as every MonSMSPro
/// failure (axum adds the `Allow` header).
pub fn wrong_method(_used: &Method, _allowed: &Method) -> Response {
    fail("method-not-allowed")
}

/// Reads the body and the account from `apiKey`.
fn begin(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, Fields), Response> {
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            fail("payload-too-large")
        } else {
            fail("invalid-request")
        }
    })?;
    let f = Fields::parse(&bytes).map_err(|_| fail("invalid-json"))?;
    let key = match f.string("apiKey") {
        Ok(Some(k)) if !k.is_empty() => k,
        Ok(_) => return Err(fail("missing-api-key")),
        Err(_) => return Err(fail("invalid-api-key")),
    };
    let account = state
        .accounts
        .authenticate_key(&key)
        .ok_or_else(|| fail("invalid-api-key"))?;
    Ok((account, f))
}

/// `phoneNumber`, with or without `+`.
fn phone_number(f: &Fields) -> Result<otp::Number, Response> {
    match f.string_lenient("phoneNumber") {
        Some(p) if !p.trim().is_empty() => {
            otp::number::parse(&p).map_err(|_| fail("invalid-phone-number"))
        }
        _ => Err(fail("missing-phone-number")),
    }
}

/// The number as the provider echoes it: country code and digits, no `+`.
fn bare(e164: &str) -> String {
    e164.trim_start_matches('+').to_string()
}

#[utoipa::path(post, path = "/v1/auth/otp/get", operation_id = "monsmspro_get", tag = "monsmspro", request_body = super::openapi::MonSmsProGet,
    responses((status = 200, description = "every answer, errors included", body = super::openapi::MonSmsProEnvelope)))]
pub async fn get(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match get_inner(&state, super::observe::of(&headers), body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn get_inner(
    state: &AppState,
    request_id: Option<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, body)?;
    let number = phone_number(&f)?;
    let length = f
        .int("length")
        .map_err(|_| fail("invalid-length"))?
        .unwrap_or(4);
    if !(4..=10).contains(&length) {
        return Err(fail("invalid-length"));
    }
    let alphabet = match f
        .string("mode")
        .map_err(|_| fail("invalid-mode"))?
        .as_deref()
    {
        None => Alphabet::NUMERIC,
        Some(m) => match m.to_ascii_uppercase().as_str() {
            "NUMERIC" => Alphabet::NUMERIC,
            "ALPHABET" | "ALPHA" => Alphabet::ALPHA,
            "ALPHA_NUMERIC" | "ALPHANUMERIC" => Alphabet::ALPHANUMERIC,
            _ => return Err(fail("invalid-mode")),
        },
    };
    let sender = f
        .string("senderId")
        .map_err(|_| fail("invalid-sender-id"))?;
    let app_name = f.string("appName").map_err(|_| fail("invalid-app-name"))?;
    let ttl_s = state.otp.config().default_ttl_s;
    let created = state
        .otp
        .create(CreateRequest {
            account,
            dialect: "monsmspro",
            number: number.clone(),
            alphabet,
            length: length as usize,
            ttl_s,
            max_attempts: state.otp.config().default_max_attempts,
            recipient_ip: None,
            channel: "sms".into(),
            voice: None,
            request_id,
            sender,
            render: Box::new(move |code, _| {
                otp::template::monsmspro(app_name.as_deref(), code, ttl_s.div_ceil(60))
            }),
        })
        .await
        .map_err(service_error)?;
    Ok(ok(json!({
        "token": created.token,
        "status": "PENDING",
        "phoneNumber": bare(&number.e164),
    })))
}

#[utoipa::path(post, path = "/v1/auth/otp/verify", operation_id = "monsmspro_verify", tag = "monsmspro", request_body = super::openapi::MonSmsProVerify,
    responses((status = 200, description = "every answer, errors included", body = super::openapi::MonSmsProEnvelope)))]
pub async fn verify(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match verify_inner(&state, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn verify_inner(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, body)?;
    let number = phone_number(&f)?;
    let token = match f.string("token") {
        Ok(Some(t)) if !t.is_empty() => t,
        Ok(_) => return Err(fail("missing-token")),
        Err(_) => return Err(fail("unknown-token")),
    };
    let code = match f.string_lenient("otp") {
        Some(c) if !c.is_empty() => c,
        _ => return Err(fail("missing-otp")),
    };
    // The token must belong to this number: check before the attempt counts.
    match state.otp.get(&token) {
        Ok(Some(r)) if r.account == account && r.number == number.e164 => {}
        Ok(Some(r)) if r.account == account => return Err(fail("phone-number-mismatch")),
        Ok(_) => return Err(fail("unknown-token")),
        Err(e) => return Err(service_error(e)),
    }
    use crate::otp::record::VerifyOutcome as V;
    let (_, outcome) = state
        .otp
        .verify(&account, VerifyBy::Token(token.clone()), &code, None)
        .await
        .map_err(service_error)?;
    match outcome {
        V::Verified => Ok(ok(json!({
            "token": token,
            "status": "VERIFIED",
            "phoneNumber": bare(&number.e164),
        }))),
        V::Wrong { .. } | V::IpMismatch => Err(fail("wrong-otp")),
        V::TooManyAttempts => Err(fail("too-many-attempts")),
        V::Expired => Err(fail("otp-expired")),
        V::AlreadyUsed => Err(fail("otp-already-used")),
        V::Replaced => Err(fail("otp-replaced")),
    }
}

fn service_error(e: ServiceError) -> Response {
    match e {
        ServiceError::Limited(LimitHit::CountryNotAllowed { .. }) => fail("country-not-allowed"),
        ServiceError::Limited(_) => fail("too-many-requests"),
        ServiceError::NotFound => fail("unknown-token"),
        other => {
            tracing::error!(error = %other, "monsmspro: internal error");
            fail("internal-error")
        }
    }
}
