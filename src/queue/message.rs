//! The message record: what the queue stores for each outbound SMS, and its states.
//!
//! Stored as [`schema::encode_with`]: the fields of the first format, then [`Extra`], the
//! fields added since; records written before `Extra` existed still read (see the test
//! `a_record_of_the_first_format_still_reads`).

use crate::store::schema::{self, RecordError};
use crate::store::Sealed;
use serde::{Deserialize, Serialize};

/// Where a message is in its life.
///
/// ```text
/// queued -> sending -> sent -> delivered
///    ^         |         \-> failed (status report)
///    +---------+ (retry)
/// queued/sending -> failed | expired
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Queued,
    Sending,
    Sent,
    Delivered,
    Failed,
    Expired,
}

impl State {
    /// The queue has no more sending work for a message in this state.
    pub fn is_done_sending(self) -> bool {
        !matches!(self, State::Queued | State::Sending)
    }
}

/// Dispatch priority: lower goes first. OTPs go before anything else.
pub const PRIORITY_OTP: u8 = 0;
/// Priority of ordinary messages.
pub const PRIORITY_NORMAL: u8 = 5;

/// One SMS part as handed to the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// 1-based part number.
    pub seq: u8,
    /// TP-MR the modem gave it; it matches the part's status report.
    pub message_ref: u8,
    /// The modem that sent it.
    pub modem: String,
    /// When it was accepted by the network (unix ms).
    pub sent_ms: u64,
    /// What the status reports said of it.
    pub status: PartStatus,
}

/// A part's delivery, as status reports tell it (TS 23.040 §9.2.3.15). (Stored with postcard,
/// which has no internally tagged enums; the API shows its own view of it.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartStatus {
    /// Accepted by the network; no final report yet (a temporary one may have come).
    Pending {
        /// The last temporary report, e.g. "congestion, still trying".
        note: Option<String>,
    },
    /// The handset has it.
    Delivered { at_ms: u64 },
    /// The network gave up on it.
    Failed { at_ms: u64, reason: String },
}

/// A voice OTP (Octopush `voice_sms`): a call that speaks the code instead of an SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voice {
    /// A `voice_language` tag (`fr-FR`, ...).
    pub language: String,
    /// `male` or `female`.
    pub gender: String,
    /// The calls failed and the configuration allows an SMS instead: it now goes as one.
    pub fallen_back: bool,
}

/// How one call attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallResult {
    /// Answered, and the code was played.
    Answered,
    Busy,
    /// Rang until the ring timeout (or the network's `NO ANSWER`).
    NoAnswer,
    /// Refused or cut before it was answered (`NO CARRIER`).
    Rejected,
    /// Could not be placed, or broke during playback.
    Failed,
}

impl CallResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CallResult::Answered => "answered",
            CallResult::Busy => "busy",
            CallResult::NoAnswer => "no-answer",
            CallResult::Rejected => "rejected",
            CallResult::Failed => "failed",
        }
    }
}

/// One call placed for a voice OTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAttempt {
    pub at_ms: u64,
    pub modem: String,
    pub result: CallResult,
    pub reason: Option<String>,
    /// From answer to hang-up.
    pub talk_ms: u64,
}

/// A state change, kept for the operator (`GET /v1/messages/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: u64,
    pub state: State,
    pub note: Option<String>,
}

/// The stored record of an outbound SMS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub id: u64,
    /// Destination as accepted ("+33612345678" or national digits).
    pub to: String,
    /// The text, sealed; `None` once dropped (a sensitive body is dropped when the message ends).
    pub body: Option<Sealed>,
    /// The body holds a secret (an OTP code): drop it as soon as it is no longer needed.
    pub sensitive: bool,
    pub priority: u8,
    pub state: State,
    pub created_ms: u64,
    /// Not sent after this instant (an OTP's expiry): it ends `expired` instead.
    pub not_after_ms: Option<u64>,
    /// Sending attempts made so far.
    pub attempts: u32,
    /// Not retried before this instant (backoff).
    pub next_try_ms: u64,
    pub last_error: Option<String>,
    /// A `+CMGS` timed out after the PDU went out, or a crash caught the message in `sending`:
    /// the phone may get it twice.
    pub maybe_duplicate: bool,
    /// Number of parts the text needs (known once first encoded).
    pub total_parts: u8,
    /// 8-bit concatenation reference; kept so a retry of the missing parts still reassembles.
    pub concat_ref: u8,
    /// Parts accepted by the network so far.
    pub parts: Vec<Part>,
    /// Who asked for it (API dialect, account); free text for the operator.
    pub origin: Option<String>,
    pub history: Vec<Event>,
    /// Set for a voice OTP: the body then holds the code and the fallback SMS text.
    pub voice: Option<Voice>,
    /// The calls placed for a voice OTP.
    pub calls: Vec<CallAttempt>,
    /// Fields added after the first format; stored after the others (see [`Message::encode`]).
    #[serde(skip)]
    pub extra: Extra,
}

/// What a message record gained after its first format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    /// The id of the API call that queued it (`x-request-id`), carried into the worker's logs.
    pub request_id: Option<String>,
    /// The modem that last took it from the queue.
    pub modem: Option<String>,
}

impl Message {
    /// The record as stored.
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        schema::encode_with(self, &self.extra)
    }

    /// A record back from its stored bytes (either format).
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let (mut msg, extra): (Message, Extra) = schema::decode_with(bytes)?;
        msg.extra = extra;
        Ok(msg)
    }

    /// The modem a message is on, for the metrics: none while queued; otherwise the modem that
    /// last took it (records of the first format: the one that sent its last part or call).
    pub fn on_modem(&self) -> Option<&str> {
        if self.state == State::Queued {
            return None;
        }
        self.extra
            .modem
            .as_deref()
            .or_else(|| {
                self.parts
                    .iter()
                    .max_by_key(|p| p.sent_ms)
                    .map(|p| p.modem.as_str())
            })
            .or_else(|| self.calls.last().map(|c| c.modem.as_str()))
    }

    /// Records a state change with an optional note.
    pub fn set_state(&mut self, state: State, now_ms: u64, note: Option<String>) {
        self.state = state;
        // The history is for the operator; keep it bounded on a message retried many times.
        if self.history.len() >= 32 {
            self.history.remove(1);
        }
        self.history.push(Event {
            at_ms: now_ms,
            state,
            note,
        });
    }

    /// Whether this message is (still) a call rather than an SMS.
    pub fn is_call(&self) -> bool {
        self.voice.as_ref().is_some_and(|v| !v.fallen_back)
    }

    /// Whether part `seq` has already been accepted by the network through `modem` (parts
    /// sent by another SIM do not count: see the pool's send).
    pub fn part_sent_by(&self, seq: u8, modem: &str) -> bool {
        self.parts.iter().any(|p| p.seq == seq && p.modem == modem)
    }

    /// The state the parts' reports add up to once the message is sent: delivered when every
    /// part is, failed as soon as one part failed, else unchanged.
    pub fn settle(&mut self, now_ms: u64) {
        if self.state != State::Sent {
            return;
        }
        if let Some((seq, reason)) = self.parts.iter().find_map(|p| match &p.status {
            PartStatus::Failed { reason, .. } => Some((p.seq, reason.clone())),
            _ => None,
        }) {
            let note = if self.total_parts > 1 {
                format!("part {seq}/{}: {reason}", self.total_parts)
            } else {
                reason
            };
            self.last_error = Some(note.clone());
            self.set_state(State::Failed, now_ms, Some(note));
            return;
        }
        let delivered = self
            .parts
            .iter()
            .filter(|p| matches!(p.status, PartStatus::Delivered { .. }))
            .count();
        if self.total_parts > 0 && delivered == usize::from(self.total_parts) {
            self.set_state(State::Delivered, now_ms, None);
        }
    }
}

/// The current time in unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            id: 7,
            to: "+33612345678".into(),
            body: None,
            sensitive: true,
            priority: PRIORITY_OTP,
            state: State::Sent,
            created_ms: 1,
            not_after_ms: Some(2),
            attempts: 1,
            next_try_ms: 1,
            last_error: None,
            maybe_duplicate: false,
            total_parts: 3,
            concat_ref: 7,
            parts: Vec::new(),
            origin: None,
            history: Vec::new(),
            voice: None,
            calls: Vec::new(),
            extra: Extra::default(),
        }
    }

    fn part(seq: u8, status: PartStatus) -> Part {
        Part {
            seq,
            message_ref: seq,
            modem: "m0".into(),
            sent_ms: 1,
            status,
        }
    }

    #[test]
    fn every_part_status_round_trips_as_stored() {
        let mut m = message();
        m.parts = vec![
            part(
                1,
                PartStatus::Pending {
                    note: Some("congestion".into()),
                },
            ),
            part(2, PartStatus::Delivered { at_ms: 5 }),
            part(
                3,
                PartStatus::Failed {
                    at_ms: 6,
                    reason: "barred".into(),
                },
            ),
        ];
        m.set_state(State::Sent, 3, Some("note".into()));
        m.extra = Extra {
            request_id: Some("req-7".into()),
            modem: Some("m0".into()),
        };
        let back = Message::decode(&m.encode().unwrap()).unwrap();
        assert_eq!(back.parts, m.parts);
        assert_eq!(back.history, m.history);
        assert_eq!(back.extra, m.extra);
    }

    /// A delivered OTP message as the first format stored it (bytes written by the code
    /// before `Extra`), so databases of earlier versions stay readable.
    const FIRST_FORMAT: &str = "012a0c2b33333631323334353637380001000380d095ffbc3101c09fbaffbc31\
        0180d095ffbc310000012a010107026d30e8d795ffbc3101d0df95ffbc3101156e6f6d61646f206163636f75\
        6e742074657374657202e8d795ffbc310200d0df95ffbc3103000000";

    #[test]
    fn a_record_of_the_first_format_still_reads() {
        let bytes = hex::decode(FIRST_FORMAT).unwrap();
        let m = Message::decode(&bytes).unwrap();
        assert_eq!((m.id, m.to.as_str()), (42, "+33612345678"));
        assert_eq!(m.state, State::Delivered);
        assert_eq!(m.origin.as_deref(), Some("nomado account tester"));
        assert_eq!(m.parts.len(), 1);
        assert_eq!(
            m.parts[0].status,
            PartStatus::Delivered {
                at_ms: 1_700_000_002_000
            }
        );
        assert_eq!(m.history.len(), 2);
        assert_eq!(m.extra, Extra::default());
        // Its modem comes from its part.
        assert_eq!(m.on_modem(), Some("m0"));
    }

    #[test]
    fn settle_waits_for_every_part_and_fails_on_any() {
        let mut m = message();
        m.parts = vec![
            part(1, PartStatus::Delivered { at_ms: 5 }),
            part(2, PartStatus::Delivered { at_ms: 5 }),
        ];
        m.settle(10);
        assert_eq!(m.state, State::Sent, "part 3 has no report yet");
        m.parts.push(part(3, PartStatus::Delivered { at_ms: 9 }));
        m.settle(10);
        assert_eq!(m.state, State::Delivered);

        let mut m = message();
        m.parts = vec![part(
            2,
            PartStatus::Failed {
                at_ms: 5,
                reason: "incompatible destination".into(),
            },
        )];
        m.settle(10);
        assert_eq!(m.state, State::Failed);
        assert_eq!(
            m.last_error.as_deref(),
            Some("part 2/3: incompatible destination")
        );
    }
}
