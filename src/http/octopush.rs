//! The Octopush dialect: `POST /v1/public/service/otp/generate`,
//! `PUT /v1/public/service/otp/validate`, headers `api-login` / `api-key`.
//!
//! Input is read leniently, as the provider documents: values are cast (`"6"` is 6, `"true"`
//! and `1` are true), out-of-range numbers are brought into range, characters a field may not
//! hold are stripped, unknown or unreadable fields are ignored, and the OTP is still sent.
//! Only what cannot be fixed (no usable phone number, a body with no fields to read) is
//! refused.
//!
//! Answers: success `{"code": 0, ...}`; errors HTTP 400/401/403/405/413/429/500 with
//! `{"code": N, "message"}`. Validation codes per the provider: 194 number or token missing,
//! 195 code missing, 196 maximum wrong attempts reached, 197 expired, 198 not found, 199 wrong
//! code (with `remaining_number_of_attempts`). Other errors use the gateway's own codes, listed
//! in the README: 100 invalid phone number, 101 channel unavailable, 102 unreadable body (not
//! JSON, JSON that is not an object: HTTP 400; over 64 KiB: HTTP 413), in both endpoints; and
//! HTTP-level refusals carry their status as code: 401, 403, 405, 429, 500.

use super::fields::Fields;
use super::{auth, AppState};
use crate::otp::limits::LimitHit;
use crate::otp::{self, Alphabet};
use crate::otp_service::{CreateRequest, ServiceError, VerifyBy};
use crate::queue::Voice;
use crate::voice::{Gender, Language};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

const DEFAULT_LENGTH: i64 = 6;
const DEFAULT_VALIDITY: i64 = 600;
const DEFAULT_MAX_WRONG: i64 = 3;

fn error(status: StatusCode, code: u16, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message.into()})),
    )
        .into_response()
}

/// A method the route does not serve: HTTP 405, code 405 (HTTP-level refusals carry their
/// status as code, as 401 and 429 do).
pub fn wrong_method(used: &Method, allowed: &Method) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        405,
        super::wrong_method_message(used, allowed),
    )
}

fn begin(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, Fields), Response> {
    let account = auth::octopush(headers)
        .and_then(|(login, key)| state.accounts.authenticate(&login, &key))
        .ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                401,
                "Unauthorized: wrong or missing api-login / api-key",
            )
        })?;
    let bytes = body.map_err(|e| error(e.status(), 102, e.body_text()))?;
    // Leniency is for fields: a body that is not JSON, or JSON that is not an object, has
    // none to read, so it is refused as unreadable (102) rather than read as `{}` and answered
    // "phone_number: missing". An empty body is an empty object.
    let fields =
        Fields::parse(&bytes).map_err(|e| error(StatusCode::BAD_REQUEST, 102, e.to_string()))?;
    Ok((account, fields))
}

/// Keeps a sender to what an SMS sender may hold: 3 to 11 of a-zA-Z0-9.
fn clean_sender(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(11)
        .collect();
    (s.len() >= 3).then_some(s)
}

/// The expiry as the local wall-clock time, for `{hh:mm:ss}`.
fn local_hms(unix_ms: u64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(unix_ms as i64) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%H:%M:%S").to_string()
        }
        chrono::LocalResult::None => String::from("--:--:--"),
    }
}

#[utoipa::path(post, path = "/v1/public/service/otp/generate", operation_id = "octopush_generate", security(("api-login" = [], "api-key" = [])), tag = "octopush", request_body = super::openapi::OctopushGenerate,
    responses((status = 200, description = "sent: code 0, ticket_number, otp_request_token", body = super::openapi::OctopushAnswer),
        (status = 400, description = "100 invalid phone number, 101 channel unavailable, 102 unreadable body", body = super::openapi::OctopushAnswer),
        (status = 401, description = "wrong or missing api-login / api-key", body = super::openapi::OctopushAnswer),
        (status = 403, description = "numbers of that country are not allowed", body = super::openapi::OctopushAnswer),
        (status = 413, description = "102: body over 64 KiB", body = super::openapi::OctopushAnswer),
        (status = 429, description = "a limit was hit: see Retry-After", body = super::openapi::OctopushAnswer),
        (status = 500, description = "internal error", body = super::openapi::OctopushAnswer)))]
pub async fn generate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match generate_inner(&state, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn generate_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, headers, body)?;
    let bad = |code, m: String| error(StatusCode::BAD_REQUEST, code, m);
    let phone = f
        .string_lenient("phone_number")
        .ok_or_else(|| bad(100, "phone_number: missing".into()))?;
    let number = otp::number::parse(&phone).map_err(|e| bad(100, format!("phone_number: {e}")))?;
    let channel = match f
        .string_lenient("channel")
        .map(|c| c.trim().to_ascii_lowercase())
    {
        Some(c) if c == "voice_sms" || c == "voice" => "voice_sms",
        _ => "sms",
    };
    let voice = if channel == "voice_sms" {
        if !state.board.any_voice() {
            return Err(bad(
                101,
                "channel voice_sms: no modem of this gateway has a voice backend configured".into(),
            ));
        }
        // Lenient, as the provider: an unknown language or gender falls back to the default.
        let language = f
            .string_lenient("voice_language")
            .and_then(|l| l.parse::<Language>().ok())
            .unwrap_or(Language::EnUs);
        let gender = f
            .string_lenient("voice_gender")
            .and_then(|g| g.parse::<Gender>().ok())
            .unwrap_or(Gender::Female);
        Some(Voice {
            language: language.tag().to_string(),
            gender: gender.as_str().to_string(),
            fallen_back: false,
        })
    } else {
        None
    };
    let length = f
        .int_lenient("code_length")
        .unwrap_or(DEFAULT_LENGTH)
        .clamp(3, 32) as usize;
    let alphabet = Alphabet {
        digits: f.bool_lenient("allow_digits").unwrap_or(false),
        upper: f.bool_lenient("allow_upper_case").unwrap_or(false),
        lower: f.bool_lenient("allow_lower_case").unwrap_or(false),
        special: f.bool_lenient("allow_special_chars").unwrap_or(false),
        remove_confusing: f
            .bool_lenient("remove_confusing_characters")
            .unwrap_or(false),
    };
    let validity = f
        .int_lenient("validity_period")
        .unwrap_or(DEFAULT_VALIDITY)
        .clamp(3, 10_000_000) as u64;
    let max_wrong = f
        .int_lenient("max_wrong_attempts")
        .unwrap_or(DEFAULT_MAX_WRONG)
        .clamp(1, 1000) as u32;
    // Bounded once rendered, placeholders included: see `otp::template::octopush`.
    let text = f.string_lenient("text");
    let sender = f.string_lenient("sender").and_then(|s| clean_sender(&s));
    let recipient_ip = f
        .string_lenient("recipient_ip")
        .map(|ip| ip.trim().to_string())
        .filter(|ip| !ip.is_empty());
    let created = state
        .otp
        .create(CreateRequest {
            account,
            dialect: "octopush",
            number,
            alphabet,
            length,
            ttl_s: validity,
            max_attempts: max_wrong,
            recipient_ip,
            channel: channel.into(),
            voice,
            request_id: super::observe::of(headers),
            sender,
            render: Box::new(move |code, expires_ms| {
                otp::template::octopush(text.as_deref(), code, &local_hms(expires_ms))
            }),
        })
        .await
        .map_err(service_error)?;
    Ok(Json(json!({
        "code": 0,
        "message": "OTP sent",
        "ticket_number": created.message_id.to_string(),
        "otp_request_token": created.token,
    }))
    .into_response())
}

#[utoipa::path(put, path = "/v1/public/service/otp/validate", operation_id = "octopush_validate", security(("api-login" = [], "api-key" = [])), tag = "octopush", request_body = super::openapi::OctopushValidate,
    responses((status = 200, description = "code 0: the code is right", body = super::openapi::OctopushAnswer),
        (status = 400, description = "102 unreadable body, 194-199 (see the README)", body = super::openapi::OctopushAnswer),
        (status = 401, description = "wrong or missing api-login / api-key", body = super::openapi::OctopushAnswer),
        (status = 413, description = "102: body over 64 KiB", body = super::openapi::OctopushAnswer),
        (status = 500, description = "internal error", body = super::openapi::OctopushAnswer)))]
pub async fn validate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match validate_inner(&state, &headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn validate_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let (account, f) = begin(state, headers, body)?;
    let bad = |code, m: &str| error(StatusCode::BAD_REQUEST, code, m);
    let token = f
        .string_lenient("otp_request_token")
        .filter(|t| !t.trim().is_empty());
    let phone = f
        .string_lenient("phone_number")
        .filter(|p| !p.trim().is_empty());
    let by = match (token, phone) {
        (Some(t), _) => VerifyBy::Token(t.trim().to_string()),
        (None, Some(p)) => match otp::number::parse(&p) {
            Ok(n) => VerifyBy::Number(n),
            Err(_) => return Err(bad(198, "OTP request not found")),
        },
        (None, None) => return Err(bad(194, "phone_number or otp_request_token is missing")),
    };
    let code = f
        .string_lenient("code")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| bad(195, "code is missing"))?;
    let ip = f.string_lenient("recipient_ip");
    use crate::otp::record::VerifyOutcome as V;
    let outcome = state
        .otp
        .verify(&account, by, code.trim(), ip.as_deref().map(str::trim))
        .await;
    match outcome {
        Ok((_, V::Verified)) => Ok(Json(json!({"code": 0, "message": "success"})).into_response()),
        Ok((_, V::Wrong { remaining })) => {
            Err((
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "code": 199,
                    "message": "wrong code",
                    "remaining_number_of_attempts": remaining,
                })),
            )
                .into_response())
        }
        Ok((record, V::IpMismatch)) => Err((
            StatusCode::BAD_REQUEST,
            Json(json!({
                "code": 199,
                "message": "wrong code",
                "remaining_number_of_attempts": record.max_attempts.saturating_sub(record.wrong_attempts),
            })),
        )
            .into_response()),
        Ok((_, V::TooManyAttempts)) => Err(bad(196, "maximum wrong attempts reached")),
        Ok((_, V::Expired)) => Err(bad(197, "OTP request expired")),
        Ok((_, V::AlreadyUsed)) | Ok((_, V::Replaced)) => Err(bad(198, "OTP request not found")),
        Err(ServiceError::NotFound) => Err(bad(198, "OTP request not found")),
        Err(e) => Err(service_error(e)),
    }
}

fn service_error(e: ServiceError) -> Response {
    match e {
        // An account not allowed to do this: 403, as the provider documents.
        ServiceError::Limited(hit @ LimitHit::CountryNotAllowed { .. }) => {
            error(StatusCode::FORBIDDEN, 403, super::limit_message(&hit))
        }
        ServiceError::Limited(hit) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                429,
                super::limit_message(&hit),
            );
            super::retry_after(&mut r, &hit);
            r
        }
        ServiceError::NotFound => error(StatusCode::BAD_REQUEST, 198, "OTP request not found"),
        other => {
            tracing::error!(error = %other, "octopush: internal error");
            error(StatusCode::INTERNAL_SERVER_ERROR, 500, "internal error")
        }
    }
}
