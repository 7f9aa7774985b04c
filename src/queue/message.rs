//! The message record: what the queue stores for each outbound SMS, and its states.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Message {
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

    /// Whether part `seq` has already been accepted by the network.
    pub fn part_sent(&self, seq: u8) -> bool {
        self.parts.iter().any(|p| p.seq == seq)
    }
}

/// The current time in unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
