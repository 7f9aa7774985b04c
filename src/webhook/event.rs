//! What a webhook says, pure: the event a state change becomes, its signature, and the retry
//! backoff. No I/O here; the outbox and the delivery task do that.
//!
//! An event never carries the message's text: a body may hold an OTP code, and a code is
//! never written anywhere in clear. The receiver gets the state, the destination and the
//! parts, and reads nothing else it could leak.

use crate::queue::{Message, PartStatus, State};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::time::Duration;

/// The `type` of every event this version sends.
pub const MESSAGE_STATE: &str = "message.state";

/// One webhook event, as POSTed (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Unique per event, also sent as `X-Otpgate-Event-Id`: a retried event keeps it, so the
    /// receiver drops duplicates by it (delivery is at-least-once).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The message's id as the API shows it (`GET /v1/messages/{id}`).
    pub message_id: String,
    pub state: State,
    /// When the message entered `state` (unix ms).
    pub at_ms: u64,
    pub to: String,
    pub parts: Vec<EventPart>,
    pub last_error: Option<String>,
    pub maybe_duplicate: bool,
    pub origin: Option<String>,
}

/// A part as an event shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventPart {
    pub seq: u8,
    /// TP-MR: what the part's status report refers to.
    pub message_ref: u8,
    pub modem: String,
    /// `pending`, `delivered` or `failed`.
    pub status: &'static str,
    /// Why it failed, or the last temporary report.
    pub reason: Option<String>,
}

/// The event for `msg` as it is now; `id` comes from the store's id generator.
pub fn build(id: u64, msg: &Message, now_ms: u64) -> Event {
    // The history's last entry is the change that caused this event.
    let at_ms = msg
        .history
        .last()
        .filter(|h| h.state == msg.state)
        .map_or(now_ms, |h| h.at_ms);
    Event {
        id: id.to_string(),
        kind: MESSAGE_STATE,
        message_id: msg.id.to_string(),
        state: msg.state,
        at_ms,
        to: msg.to.clone(),
        parts: msg
            .parts
            .iter()
            .map(|p| {
                let (status, reason) = match &p.status {
                    PartStatus::Pending { note } => ("pending", note.clone()),
                    PartStatus::Delivered { .. } => ("delivered", None),
                    PartStatus::Failed { reason, .. } => ("failed", Some(reason.clone())),
                };
                EventPart {
                    seq: p.seq,
                    message_ref: p.message_ref,
                    modem: p.modem.clone(),
                    status,
                    reason,
                }
            })
            .collect(),
        last_error: msg.last_error.clone(),
        maybe_duplicate: msg.maybe_duplicate,
        origin: msg.origin.clone(),
    }
}

/// The wait before the next try after `failures` failed tries in a row: `first`, doubling,
/// at most `max`. Zero before any failure.
pub fn backoff(failures: u32, first: Duration, max: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let shift = (failures - 1).min(31);
    first.saturating_mul(1u32 << shift).min(max)
}

/// Signs bodies with the configured secret: HMAC-SHA256 (RFC 2104), hex, in
/// `X-Otpgate-Signature: sha256=<hex>` (the scheme GitHub's webhooks made familiar).
#[derive(Clone)]
pub struct Signer {
    keyed: Hmac<Sha256>,
}

impl Signer {
    /// `None` for an empty secret (HMAC takes a key of any length, so nothing else fails).
    pub fn new(secret: &str) -> Option<Self> {
        if secret.is_empty() {
            return None;
        }
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
        Some(Self { keyed })
    }

    /// The header value for `body`: `sha256=<64 lowercase hex digits>`.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.keyed.clone();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::message::Event as HistoryEntry;
    use crate::queue::{Part, PRIORITY_OTP};
    use serde_json::json;

    fn message(state: State, parts: Vec<Part>) -> Message {
        Message {
            id: 42,
            to: "+33612345678".into(),
            body: None,
            sensitive: true,
            priority: PRIORITY_OTP,
            state,
            created_ms: 1,
            not_after_ms: None,
            attempts: 1,
            next_try_ms: 1,
            last_error: None,
            maybe_duplicate: false,
            total_parts: 2,
            concat_ref: 42,
            parts,
            origin: Some("api account shop".into()),
            history: vec![HistoryEntry {
                at_ms: 1000,
                state,
                note: None,
            }],
            voice: None,
            calls: Vec::new(),
            extra: Default::default(),
        }
    }

    fn part(seq: u8, status: PartStatus) -> Part {
        Part {
            seq,
            message_ref: 10 + seq,
            modem: "m0".into(),
            sent_ms: 5,
            status,
        }
    }

    #[test]
    fn event_shape_is_the_documented_one() {
        let msg = message(
            State::Sent,
            vec![
                part(1, PartStatus::Delivered { at_ms: 7 }),
                part(
                    2,
                    PartStatus::Pending {
                        note: Some("congestion".into()),
                    },
                ),
            ],
        );
        let v = serde_json::to_value(build(9, &msg, 5000)).unwrap();
        assert_eq!(
            v,
            json!({
                "id": "9", "type": "message.state", "message_id": "42", "state": "sent",
                "at_ms": 1000, "to": "+33612345678",
                "parts": [
                    {"seq": 1, "message_ref": 11, "modem": "m0", "status": "delivered", "reason": null},
                    {"seq": 2, "message_ref": 12, "modem": "m0", "status": "pending", "reason": "congestion"}
                ],
                "last_error": null, "maybe_duplicate": false, "origin": "api account shop"
            })
        );
    }

    #[test]
    fn every_state_and_part_status() {
        let failed = PartStatus::Failed {
            at_ms: 3,
            reason: "barred".into(),
        };
        let cases: &[(State, Option<PartStatus>, &str, Option<&str>)] = &[
            (State::Queued, None, "queued", None),
            (State::Sending, None, "sending", None),
            (
                State::Sent,
                Some(PartStatus::Pending { note: None }),
                "sent",
                None,
            ),
            (
                State::Delivered,
                Some(PartStatus::Delivered { at_ms: 3 }),
                "delivered",
                None,
            ),
            (State::Failed, Some(failed), "failed", Some("barred")),
            (State::Expired, None, "expired", None),
        ];
        for (state, status, name, reason) in cases {
            let parts = status.iter().map(|s| part(1, s.clone())).collect();
            let v = serde_json::to_value(build(1, &message(*state, parts), 0)).unwrap();
            assert_eq!(v["state"], *name, "{v}");
            if status.is_some() {
                assert_eq!(v["parts"][0]["reason"].as_str(), *reason, "{v}");
            }
        }
    }

    #[test]
    fn at_ms_falls_back_to_now_without_a_matching_history_entry() {
        let mut msg = message(State::Sending, vec![]);
        msg.history.clear();
        assert_eq!(build(1, &msg, 777).at_ms, 777);
        msg.history.push(HistoryEntry {
            at_ms: 5,
            state: State::Queued,
            note: None,
        });
        assert_eq!(build(1, &msg, 777).at_ms, 777, "the entry is another state");
    }

    #[test]
    fn never_the_body_even_when_present() {
        let dir = tempfile::tempdir().unwrap();
        let cipher = crate::store::BodyCipher::load_or_create(&dir.path().join("k")).unwrap();
        let mut msg = message(State::Sent, vec![]);
        msg.body = Some(cipher.seal(42, "code 123456").unwrap());
        let v = serde_json::to_value(build(1, &msg, 0)).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert!(!keys
            .iter()
            .any(|k| k.contains("body") || k.contains("text")));
        assert_eq!(keys.len(), 10, "{keys:?}");
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let ms = Duration::from_millis;
        let cases = [
            (0, 0),
            (1, 500),
            (2, 1000),
            (3, 2000),
            (7, 32_000),
            (8, 60_000),
            (9, 60_000),
            (40, 60_000),
            (u32::MAX, 60_000),
        ];
        for (failures, want) in cases {
            assert_eq!(
                backoff(failures, ms(500), ms(60_000)),
                ms(want),
                "{failures}"
            );
        }
        // A ceiling below the first step wins.
        assert_eq!(backoff(1, ms(500), ms(100)), ms(100));
    }

    #[test]
    fn signature_matches_rfc_4231_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let s = Signer::new("Jefe").unwrap();
        assert_eq!(
            s.sign(b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(Signer::new("").is_none());
        assert!(!format!("{s:?}").contains("Jefe"));
    }
}
