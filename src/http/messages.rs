//! The gateway's own message endpoints: queue an SMS, read its state.
//!
//! `POST /v1/messages` answers only once the message is durable on disk. The body is never
//! returned: it may hold a code, and it is dropped once a sensitive message is sent.

use super::{ApiError, AppState};
use crate::queue::{now_ms, Message, NewMessage, PRIORITY_NORMAL, PRIORITY_OTP};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

/// Longest text accepted: ten concatenated parts of GSM-7.
pub const MAX_TEXT_CHARS: usize = 1530;

/// `POST /v1/messages` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMessage {
    /// Destination: E.164 with or without `+`, or national digits.
    pub to: String,
    pub text: String,
    /// The text holds a secret: its body is dropped once the message ends.
    #[serde(default)]
    pub sensitive: bool,
    /// `"otp"` goes before anything else; default `"normal"`.
    #[serde(default)]
    pub priority: Option<String>,
    /// Not sent after this many seconds (the message ends `expired`).
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
}

/// What the API shows of a message.
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: String,
    pub to: String,
    pub state: crate::queue::State,
    pub attempts: u32,
    /// `sms`, or `voice` for a voice OTP (still `voice` after an SMS fallback: see `voice`).
    pub channel: &'static str,
    pub voice: Option<crate::queue::Voice>,
    /// The calls placed for a voice OTP.
    pub calls: Vec<CallView>,
    pub total_parts: u8,
    pub parts: Vec<PartView>,
    pub maybe_duplicate: bool,
    pub last_error: Option<String>,
    pub created_ms: u64,
    pub not_after_ms: Option<u64>,
    /// Who asked for it (dialect and account), and the sender it asked for, if any.
    pub origin: Option<String>,
    pub history: Vec<crate::queue::message::Event>,
}

/// A call as the API shows it.
#[derive(Debug, Serialize)]
pub struct CallView {
    pub at_ms: u64,
    pub modem: String,
    /// `answered`, `busy`, `no-answer`, `rejected` or `failed`.
    pub result: &'static str,
    pub reason: Option<String>,
    pub talk_ms: u64,
}

/// A part as the API shows it.
#[derive(Debug, Serialize)]
pub struct PartView {
    pub seq: u8,
    /// TP-MR: what the part's status report refers to.
    pub message_ref: u8,
    pub modem: String,
    pub sent_ms: u64,
    /// `pending`, `delivered` or `failed`.
    pub status: &'static str,
    /// When the report came (delivered or failed).
    pub report_ms: Option<u64>,
    /// Why it failed, or the last temporary report.
    pub reason: Option<String>,
}

impl From<crate::queue::Part> for PartView {
    fn from(p: crate::queue::Part) -> Self {
        use crate::queue::PartStatus as S;
        let (status, report_ms, reason) = match p.status {
            S::Pending { note } => ("pending", None, note),
            S::Delivered { at_ms } => ("delivered", Some(at_ms), None),
            S::Failed { at_ms, reason } => ("failed", Some(at_ms), Some(reason)),
        };
        Self {
            seq: p.seq,
            message_ref: p.message_ref,
            modem: p.modem,
            sent_ms: p.sent_ms,
            status,
            report_ms,
            reason,
        }
    }
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.to_string(),
            to: m.to,
            state: m.state,
            attempts: m.attempts,
            total_parts: m.total_parts,
            parts: m.parts.into_iter().map(PartView::from).collect(),
            channel: if m.voice.is_some() { "voice" } else { "sms" },
            voice: m.voice,
            calls: m
                .calls
                .into_iter()
                .map(|c| CallView {
                    at_ms: c.at_ms,
                    modem: c.modem,
                    result: c.result.as_str(),
                    reason: c.reason,
                    talk_ms: c.talk_ms,
                })
                .collect(),
            maybe_duplicate: m.maybe_duplicate,
            last_error: m.last_error,
            created_ms: m.created_ms,
            not_after_ms: m.not_after_ms,
            origin: m.origin,
            history: m.history,
        }
    }
}

/// Checks a destination number: optional `+`, then 3 to 20 digits (spaces, dots, dashes and
/// parentheses are dropped). Returns it normalised.
pub fn normalise_number(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    if !(3..=20).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::BadRequest(format!(
            "to: {raw:?} is not a phone number (an optional + then 3 to 20 digits)"
        )));
    }
    Ok(format!("{plus}{digits}"))
}

#[utoipa::path(post, path = "/v1/messages", operation_id = "messages_create", security(("basic" = []), ("api-login" = [], "api-key" = [])), tag = "gateway", request_body = super::openapi::MessageCreate,
    responses((status = 202, description = "queued and durable"), (status = 400, description = "bad field", body = super::openapi::GatewayError),
        (status = 401, description = "wrong or missing credentials", body = super::openapi::GatewayError), (status = 413, description = "body over 64 KiB", body = super::openapi::GatewayError),
        (status = 500, description = "internal error", body = super::openapi::GatewayError)))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CreateMessage>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let account = super::auth::any(&state.accounts, &headers).ok_or(ApiError::Unauthorized)?;
    let Json(req) = body?;
    let to = normalise_number(&req.to)?;
    if req.text.is_empty() {
        return Err(ApiError::BadRequest("text: must not be empty".into()));
    }
    if req.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::BadRequest(format!(
            "text: longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    let priority = match req.priority.as_deref() {
        None | Some("normal") => PRIORITY_NORMAL,
        Some("otp") => PRIORITY_OTP,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "priority: {other:?} is neither \"otp\" nor \"normal\""
            )))
        }
    };
    let not_after_ms = req
        .ttl_seconds
        .map(|ttl| now_ms().saturating_add(ttl.saturating_mul(1000)));
    let msg = state
        .queue
        .enqueue(NewMessage {
            to,
            text: req.text,
            sensitive: req.sensitive,
            priority,
            not_after_ms,
            origin: Some(format!("api account {account}")),
            voice: None,
            request_id: super::observe::of(&headers),
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::ACCEPTED, Json(msg.into())))
}

#[utoipa::path(get, path = "/v1/messages/{id}", operation_id = "messages_get", security(("basic" = []), ("api-login" = [], "api-key" = [])), tag = "gateway", params(("id" = String, Path, description = "message id (Octopush ticket_number)")),
    responses((status = 200, description = "state, parts, history"), (status = 400, description = "the id is not valid UTF-8", body = super::openapi::GatewayError),
        (status = 401, description = "wrong or missing credentials", body = super::openapi::GatewayError),
        (status = 404, description = "no such message", body = super::openapi::GatewayError), (status = 500, description = "internal error", body = super::openapi::GatewayError)))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<MessageView>, ApiError> {
    super::auth::any(&state.accounts, &headers).ok_or(ApiError::Unauthorized)?;
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let not_found = || ApiError::NotFound(format!("no message {id:?}"));
    let numeric: u64 = id.parse().map_err(|_| not_found())?;
    match state
        .queue
        .get(numeric)
        .map_err(|e| ApiError::Internal(e.into()))?
    {
        Some(msg) => Ok(Json(msg.into())),
        None => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(
            normalise_number("+33 6 12-34.56(78)").unwrap(),
            "+33612345678"
        );
        assert_eq!(normalise_number("0612345678").unwrap(), "0612345678");
        assert!(normalise_number("+").is_err());
        assert!(normalise_number("12ab").is_err());
        assert!(normalise_number("++33612345678").is_err());
    }
}
