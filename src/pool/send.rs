//! Sending one message: every part not yet accepted, one `AT+CMGS` each, and what an AT error
//! means for the message and for the modem.

use super::session::Session;
use super::End;
use crate::at::ErrorClass;
use crate::modem::AtError;
use crate::queue::{now_ms, Lease, Message, Outcome, Part, PartStatus};
use crate::sms::{self, SubmitOptions};

/// The span around one attempt at a message: the worker's logs about it (parts, outcome,
/// retries) carry the id of the API call that queued it.
pub(super) fn span(modem: &str, msg: &Message) -> tracing::Span {
    let request_id = msg.extra.request_id.as_deref().unwrap_or("-");
    tracing::info_span!("message", modem = %modem, id = msg.id, request_id = %request_id)
}

impl Session<'_> {
    /// Sends every missing part of the leased message and records the outcome. Answers how
    /// the session ends when the modem itself failed.
    pub(super) async fn send(&mut self, mut lease: Lease) -> Option<End> {
        // A voice OTP whose calls failed goes as the SMS its record carries.
        if lease.message.voice.is_some() {
            match serde_json::from_str::<crate::queue::VoiceBody>(&lease.text) {
                Ok(body) => lease.text = body.sms,
                Err(_) => {
                    self.finish(lease, Outcome::Failed("unreadable voice OTP record".into()));
                    return None;
                }
            }
        }
        let msg = &lease.message;
        let opts = SubmitOptions {
            validity: msg.not_after_ms.map(|t| {
                u32::try_from((t.saturating_sub(now_ms()) / 1000).max(60)).unwrap_or(u32::MAX)
            }),
            status_report: self.reports,
        };
        let parts = match sms::encode_submit(&msg.to, &lease.text, &opts, msg.concat_ref) {
            Ok(parts) => parts,
            Err(e) => {
                self.finish(lease, Outcome::Failed(format!("cannot encode: {e}")));
                return None;
            }
        };
        // A handset joins the parts of a concatenated SMS per sender. Parts that another
        // modem (another SIM, another number) sent before it failed cannot complete this
        // message: from here it goes out whole, through this modem.
        let modem = self.spec.id.as_str();
        for part in &parts {
            if lease.message.part_sent_by(part.seq, modem) {
                continue;
            }
            match self.modem.send_pdu(part.tpdu_len, &part.hex).await {
                Ok(mr) => {
                    tracing::info!(part = part.seq, of = part.total, mr, "part sent");
                    self.pool.board.count_part(&self.spec.id);
                    self.counter.sent(now_ms());
                    self.pool.sent.sent(&self.spec.id, self.spec.caps, now_ms());
                    let record = Part {
                        seq: part.seq,
                        message_ref: mr,
                        modem: self.spec.id.clone(),
                        sent_ms: now_ms(),
                        status: PartStatus::Pending { note: None },
                    };
                    let queue = &self.pool.queue;
                    if let Err(e) = queue.part_sent(&mut lease, record, part.total) {
                        tracing::error!(error = %e, "cannot record a sent part");
                    }
                }
                Err(e) => {
                    let (outcome, modem_failed) = classify(&e);
                    self.finish(lease, outcome);
                    return modem_failed.map(|why| self.lost(why));
                }
            }
        }
        self.finish(lease, Outcome::Sent);
        None
    }

    pub(super) fn finish(&self, lease: Lease, outcome: Outcome) {
        let id = lease.message.id;
        match &outcome {
            Outcome::Sent => tracing::info!(attempt = lease.message.attempts, "sent"),
            Outcome::Failed(reason) => tracing::warn!(%reason, "failed"),
            Outcome::Retry { reason, maybe_sent } => {
                tracing::info!(%reason, maybe_sent, attempt = lease.message.attempts, "to retry")
            }
            Outcome::Busy(reason) => tracing::info!(%reason, "modem busy: to retry soon"),
            Outcome::Requeue(reason) => tracing::info!(%reason, "back to the queue"),
        }
        let board = &self.pool.board;
        board.record(&self.spec.id, &outcome, self.modem.commands_sent());
        if let Err(e) = self.pool.queue.finish(lease, outcome) {
            tracing::error!(id, error = %e, "cannot record the outcome of a message");
        }
    }
}

/// Maps an AT error to what happens to the message and, when the modem itself failed, why it
/// must be brought up again.
pub(super) fn classify(e: &AtError) -> (Outcome, Option<String>) {
    let reason = e.to_string();
    match e {
        // After Ctrl-Z the PDU may have gone out: a retry may duplicate, and it counts.
        AtError::Timeout {
            maybe_sent: true, ..
        } => (
            Outcome::Retry {
                reason: reason.clone(),
                maybe_sent: true,
            },
            Some(format!("no answer: {reason}")),
        ),
        // Before the prompt nothing went out: the message is not at fault.
        AtError::Timeout { .. } => (
            Outcome::Requeue(reason.clone()),
            Some(format!("no answer: {reason}")),
        ),
        AtError::Closed | AtError::Io(_) => (Outcome::Requeue(reason.clone()), Some(reason)),
        // Gone after Ctrl-Z: as a timeout there, the SMS may have gone out.
        AtError::LostAfterData { .. } => (
            Outcome::Retry {
                reason: reason.clone(),
                maybe_sent: true,
            },
            Some(reason),
        ),
        // The modem restarted under the command: after Ctrl-Z the SMS may have gone out.
        AtError::Rebooted { maybe_sent, .. } => (
            if *maybe_sent {
                Outcome::Retry {
                    reason: reason.clone(),
                    maybe_sent: true,
                }
            } else {
                Outcome::Requeue(reason.clone())
            },
            Some(reason),
        ),
        _ => match e.class() {
            ErrorClass::Permanent => (Outcome::Failed(reason), None),
            ErrorClass::Temporary => (
                Outcome::Retry {
                    reason,
                    maybe_sent: false,
                },
                None,
            ),
            ErrorClass::Busy => (Outcome::Busy(reason), None),
            ErrorClass::ModemFatal => (Outcome::Requeue(reason.clone()), Some(reason)),
        },
    }
}
