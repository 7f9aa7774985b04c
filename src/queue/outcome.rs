//! How a sending attempt ends: parts accepted one by one, then an [`Outcome`] that the error
//! classes chose (see the module docs of [`crate::queue`]).

use super::message::{CallAttempt, Message, Part, State};
use super::{drop_body, now_ms, Lease, Outcome, Queue, QueueError, RetryPolicy};
use crate::store::{schema, StoreError};
use std::time::Duration;

impl Queue {
    /// Records that one part was accepted by the network (so a retry skips it), and where its
    /// status report will come from.
    pub fn part_sent(&self, lease: &mut Lease, part: Part, total: u8) -> Result<(), QueueError> {
        let key = schema::part_ref_key(&part.modem, part.message_ref);
        let value = schema::part_ref_value(lease.message.id, part.seq);
        self.inner
            .part_refs
            .insert(key, &value[..])
            .map_err(StoreError::from)?;
        lease.message.parts.retain(|p| p.seq != part.seq);
        lease.message.parts.push(part.clone());
        lease.message.total_parts = total;
        self.modify(lease.message.id, |m| {
            m.parts.retain(|p| p.seq != part.seq);
            m.parts.push(part.clone());
            m.total_parts = total;
        })?;
        Ok(())
    }

    /// Records one call placed for a voice OTP.
    pub fn call_placed(&self, lease: &mut Lease, call: CallAttempt) -> Result<(), QueueError> {
        lease.message.calls.push(call.clone());
        self.modify(lease.message.id, |m| {
            if m.calls.len() >= 32 {
                m.calls.remove(0);
            }
            m.calls.push(call.clone());
        })?;
        Ok(())
    }

    /// Ends an attempt.
    pub fn finish(&self, lease: Lease, outcome: Outcome) -> Result<(), QueueError> {
        let now = now_ms();
        let policy = &self.inner.policy;
        let done = self.modify(lease.message.id, |msg| apply(msg, &outcome, policy, now))?;
        if let Some((msg, ())) = done {
            if msg.state == State::Queued {
                self.schedule_msg(&msg);
            }
        }
        Ok(())
    }
}

fn apply(msg: &mut Message, outcome: &Outcome, policy: &RetryPolicy, now: u64) {
    if msg.is_call() {
        return apply_call(msg, outcome, policy, now);
    }
    match outcome {
        Outcome::Sent => {
            msg.last_error = None;
            msg.set_state(State::Sent, now, None);
            drop_body(msg);
            // Reports that came while the last parts were going out.
            msg.settle(now);
        }
        Outcome::Failed(reason) => {
            msg.set_state(State::Failed, now, Some(reason.clone()));
            msg.last_error = Some(reason.clone());
            drop_body(msg);
        }
        Outcome::Retry { reason, maybe_sent } if msg.attempts >= policy.max_attempts => {
            msg.maybe_duplicate |= maybe_sent;
            let note = format!("gave up after {} attempts: {reason}", msg.attempts);
            msg.set_state(State::Failed, now, Some(note));
            msg.last_error = Some(reason.clone());
            drop_body(msg);
        }
        Outcome::Retry { reason, maybe_sent } => {
            msg.maybe_duplicate |= maybe_sent;
            let shift = msg.attempts.saturating_sub(1).min(16);
            let delay = policy
                .backoff_base
                .saturating_mul(1 << shift)
                .min(policy.backoff_max);
            requeue(msg, now, delay, reason);
        }
        Outcome::Busy(reason) => requeue(msg, now, policy.busy_delay, reason),
        Outcome::Requeue(reason) => {
            // Not the message's fault: the attempt does not count.
            msg.attempts = msg.attempts.saturating_sub(1);
            requeue(msg, now, Duration::ZERO, reason);
        }
    }
}

fn requeue(msg: &mut Message, now: u64, delay: Duration, reason: &str) {
    msg.next_try_ms = now + u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    msg.set_state(State::Queued, now, Some(format!("retry: {reason}")));
    msg.last_error = Some(reason.to_string());
}

/// A voice OTP's attempt: answered is delivered (the callee heard the code); a failed call is
/// retried after the voice delay, up to the voice attempts, then fails — or, when the
/// configuration asks for it, goes out as an SMS instead. Never silently an SMS otherwise.
fn apply_call(msg: &mut Message, outcome: &Outcome, policy: &RetryPolicy, now: u64) {
    match outcome {
        Outcome::Sent => {
            msg.last_error = None;
            msg.set_state(
                State::Delivered,
                now,
                Some("call answered, code played".into()),
            );
            drop_body(msg);
        }
        Outcome::Retry { reason, .. } if msg.attempts >= policy.voice_max_attempts => {
            if policy.voice_sms_fallback {
                if let Some(v) = msg.voice.as_mut() {
                    v.fallen_back = true;
                }
                msg.attempts = 0;
                let note = format!(
                    "{} calls failed ({reason}): sending an SMS instead",
                    msg.calls.len()
                );
                msg.last_error = Some(reason.clone());
                msg.next_try_ms = now;
                msg.set_state(State::Queued, now, Some(note));
            } else {
                let note = format!("gave up after {} calls: {reason}", msg.attempts);
                msg.set_state(State::Failed, now, Some(note));
                msg.last_error = Some(reason.clone());
                drop_body(msg);
            }
        }
        Outcome::Retry { reason, .. } => requeue(msg, now, policy.voice_retry_delay, reason),
        Outcome::Failed(reason) => {
            msg.set_state(State::Failed, now, Some(reason.clone()));
            msg.last_error = Some(reason.clone());
            drop_body(msg);
        }
        Outcome::Busy(reason) => requeue(msg, now, policy.busy_delay, reason),
        Outcome::Requeue(reason) => {
            msg.attempts = msg.attempts.saturating_sub(1);
            requeue(msg, now, Duration::ZERO, reason);
        }
    }
}
