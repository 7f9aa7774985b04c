//! A voice OTP on this modem: dial, play the code through the modem's backend, hang up, and
//! record the call on the message. What a failed call does next (another call after the voice
//! delay, failure, or — only when configured — an SMS instead) is the queue's rule.

use super::session::Session;
use super::End;
use crate::at::Urc;
use crate::modem::voice::call::{self, Dialled, Ending};
use crate::modem::voice::{CallCtx, Playback, Speech, VoiceError};
use crate::queue::{now_ms, CallAttempt, CallResult, Lease, Outcome, VoiceBody};
use crate::voice::{Gender, Language, Script};
use tokio::sync::mpsc;

impl Session<'_> {
    pub(super) async fn call(
        &mut self,
        mut lease: Lease,
        urcs: &mut mpsc::Receiver<Urc>,
    ) -> Option<End> {
        let body: VoiceBody = match serde_json::from_str(&lease.text) {
            Ok(body) => body,
            Err(_) => {
                self.finish(lease, Outcome::Failed("unreadable voice OTP record".into()));
                return None;
            }
        };
        let voice = lease.message.voice.clone();
        let language = voice
            .as_ref()
            .and_then(|v| v.language.parse().ok())
            .unwrap_or(Language::EnUs);
        let gender = voice
            .as_ref()
            .and_then(|v| v.gender.parse().ok())
            .unwrap_or(Gender::Female);
        let script = match Script::new(language, &body.code) {
            Ok(script) => script,
            Err(e) => {
                self.finish(
                    lease,
                    Outcome::Failed(format!("the code cannot be spoken: {e}")),
                );
                return None;
            }
        };
        let speech = Speech { script, gender };
        let Some(backend) = self.backend.as_mut() else {
            self.finish(
                lease,
                Outcome::Requeue("this modem has no voice backend".into()),
            );
            return None;
        };
        let ring_timeout = self.pool.voice.ring_timeout;
        let mut ctx = CallCtx {
            modem: &self.modem,
            urcs,
            deferred: Vec::new(),
        };
        let at_ms = now_ms();
        let (result, reason, talk_ms, failure) =
            match call::dial(&mut ctx, &lease.message.to, ring_timeout).await {
                Err(e) => (CallResult::Failed, Some(e.to_string()), 0, Some(e)),
                Ok(Dialled::NotAnswered(ending, why)) => (result_of(ending), Some(why), 0, None),
                Ok(Dialled::Answered) => {
                    let answered = std::time::Instant::now();
                    let played = backend.play(&mut ctx, &speech).await;
                    // The callee may have hung up already; a failed hang-up of a dead modem is
                    // reported by what comes next.
                    let hung_up = call::hang_up(&mut ctx).await;
                    let talk = u64::try_from(answered.elapsed().as_millis()).unwrap_or(u64::MAX);
                    match (played, hung_up) {
                        (Ok(()), Ok(())) => (CallResult::Answered, None, talk, None),
                        (Ok(()), Err(e)) | (Err(e), _) => {
                            (CallResult::Failed, Some(e.to_string()), talk, Some(e))
                        }
                    }
                }
            };
        let deferred = std::mem::take(&mut ctx.deferred);
        let attempt = CallAttempt {
            at_ms,
            modem: self.spec.id.clone(),
            result,
            reason: reason.clone(),
            talk_ms,
        };
        tracing::info!(modem = %self.spec.id, id = lease.message.id, result = result.as_str(), "call ended");
        if let Err(e) = self.pool.queue.call_placed(&mut lease, attempt) {
            tracing::error!(error = %e, "cannot record a call");
        }
        let modem_failed = failure.as_ref().is_some_and(VoiceError::modem_failed);
        let outcome = match (result, reason) {
            (CallResult::Answered, _) => Outcome::Sent,
            // Not the message's fault: another modem (or this one, back) calls again.
            (_, Some(reason)) if modem_failed => Outcome::Requeue(reason),
            (_, reason) => Outcome::Retry {
                reason: reason.unwrap_or_else(|| result.as_str().to_string()),
                maybe_sent: false,
            },
        };
        self.finish(lease, outcome);
        for urc in deferred {
            if let Some(end) = self.on_urc(urc).await {
                return Some(end);
            }
        }
        match failure {
            Some(e) if modem_failed => Some(self.lost(format!("during a call: {e}"))),
            _ => None,
        }
    }
}

fn result_of(ending: Ending) -> CallResult {
    match ending {
        Ending::Busy => CallResult::Busy,
        Ending::NoAnswer => CallResult::NoAnswer,
        Ending::Rejected => CallResult::Rejected,
        Ending::Failed => CallResult::Failed,
    }
}
