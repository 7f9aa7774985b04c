//! Retention: how long finished messages, expired OTP records and received SMS are kept, and
//! the task that deletes what is older — so an appliance's disk does not fill over the years.
//!
//! Each store deletes its own records ([`Queue::purge_finished`], [`OtpService::purge_expired`],
//! [`Inbox::purge`]); this module only says up to when, and runs the sweep off the runtime
//! thread once a minute after start and then every hour. Nothing still waiting to be sent is
//! ever deleted, however old. Deletions are not flushed: one lost in a crash is redone at the
//! next sweep.

use crate::inbox::Inbox;
use crate::otp_service::OtpService;
use crate::queue::{now_ms, Queue};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long records are kept; `None` keeps them forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Finished messages (sent, delivered, failed, expired), from their creation.
    pub messages: Option<Duration>,
    /// OTP records, from their expiry.
    pub otps: Option<Duration>,
    /// Received SMS, from their arrival.
    pub inbox: Option<Duration>,
}

const DAY: Duration = Duration::from_secs(86_400);

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            messages: Some(DAY * 30),
            otps: Some(DAY),
            inbox: Some(DAY * 90),
        }
    }
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub messages: usize,
    pub otps: usize,
    pub inbox: usize,
}

/// The stores a sweep works on.
#[derive(Clone)]
pub struct Stores {
    pub queue: Queue,
    pub otp: OtpService,
    pub inbox: Inbox,
}

fn cutoff(now_ms: u64, keep: Option<Duration>) -> Option<u64> {
    keep.map(|k| now_ms.saturating_sub(u64::try_from(k.as_millis()).unwrap_or(u64::MAX)))
}

/// One sweep at `now_ms`.
pub fn sweep(config: &RetentionConfig, stores: &Stores, now_ms: u64) -> anyhow::Result<Swept> {
    let mut swept = Swept::default();
    if let Some(before) = cutoff(now_ms, config.messages) {
        swept.messages = stores.queue.purge_finished(before)?;
    }
    if let Some(before) = cutoff(now_ms, config.otps) {
        swept.otps = stores.otp.purge_expired(before)?;
    }
    if let Some(before) = cutoff(now_ms, config.inbox) {
        swept.inbox = stores.inbox.purge(before)?;
    }
    Ok(swept)
}

/// Sweeps a minute after start, then every hour, until `cancel` fires.
pub async fn run(config: RetentionConfig, stores: Stores, cancel: CancellationToken) {
    let mut wait = Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = Duration::from_secs(3600);
        let (config, stores) = (config.clone(), stores.clone());
        match tokio::task::spawn_blocking(move || sweep(&config, &stores, now_ms())).await {
            Ok(Ok(s)) if s != Swept::default() => {
                tracing::info!(
                    messages = s.messages,
                    otps = s.otps,
                    inbox = s.inbox,
                    "retention: old records deleted"
                )
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "retention sweep failed"),
            Err(e) => tracing::error!(error = %e, "retention sweep panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::{Alphabet, LimitsConfig};
    use crate::otp_service::{CreateRequest, OtpConfig, VerifyBy};
    use crate::queue::{NewMessage, Outcome, RetryPolicy, State, PRIORITY_NORMAL};
    use crate::store::Store;

    fn new(to: &str) -> NewMessage {
        NewMessage {
            to: to.into(),
            text: "hello".into(),
            sensitive: false,
            priority: PRIORITY_NORMAL,
            not_after_ms: None,
            origin: None,
            voice: None,
            request_id: None,
        }
    }

    #[tokio::test]
    async fn old_records_go_waiting_messages_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let queue = Queue::open(store.clone(), RetryPolicy::default(), Default::default()).unwrap();
        let otp_config = OtpConfig {
            limits: LimitsConfig {
                resend_cooldown_ms: 0,
                ..LimitsConfig::default()
            },
            ..OtpConfig::default()
        };
        let metrics =
            crate::metrics::Metrics::new(queue.clone(), crate::status::StatusBoard::default());
        let otp =
            OtpService::open(store.clone(), queue.clone(), otp_config, metrics.otp()).unwrap();
        let inbox = Inbox::open(store.clone()).unwrap();
        // One message sent, one still waiting.
        let sent = queue.enqueue(new("+33611111111")).await.unwrap();
        let waiting = queue.enqueue(new("+33622222222")).await.unwrap();
        let cancel = CancellationToken::new();
        let lease = queue
            .lease("m0", &queue.wants(&[], false), &cancel)
            .await
            .unwrap();
        assert_eq!(lease.message.id, sent.id);
        queue.finish(lease, Outcome::Sent).unwrap();
        // Two OTPs (their SMS wait in the queue too): one left unused, one verified.
        let number = crate::otp::number::parse("+33633333333").unwrap();
        let used = crate::otp::number::parse("+33633333334").unwrap();
        let create = |number: crate::otp::number::Number| {
            otp.create(CreateRequest {
                account: "a".into(),
                dialect: "test",
                number,
                alphabet: Alphabet::NUMERIC,
                length: 6,
                ttl_s: 60,
                max_attempts: 3,
                recipient_ip: None,
                channel: "sms".into(),
                sender: None,
                render: Box::new(|code, _| code.to_string()),
                voice: None,
                request_id: None,
            })
        };
        let used_code = create(used.clone()).await.unwrap().code;
        let (_, outcome) = otp
            .verify("a", VerifyBy::Number(used), &used_code, None)
            .await
            .unwrap();
        assert_eq!(outcome, crate::otp::VerifyOutcome::Verified);
        create(number.clone()).await.unwrap();
        let sms = crate::sms::decode_deliver(
            "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
        )
        .unwrap();
        inbox.receive("m0", &sms).unwrap().expect("a whole SMS");
        let config = RetentionConfig {
            messages: Some(DAY),
            otps: Some(DAY),
            inbox: Some(DAY),
        };
        let stores = Stores {
            queue: queue.clone(),
            otp: otp.clone(),
            inbox,
        };
        // Now: nothing is old enough.
        assert_eq!(sweep(&config, &stores, now_ms()).unwrap(), Swept::default());
        // Three days on.
        let later = now_ms() + 3 * 86_400_000;
        let swept = sweep(&config, &stores, later).unwrap();
        assert_eq!(
            (swept.messages, swept.otps, swept.inbox),
            (1, 2, 1),
            "{swept:?}"
        );
        // The unused OTP is counted as expired unused, the verified one is not; once.
        let unused = "otpgate_otps_expired_unused_total{dialect=\"test\"} ";
        let text = metrics.render().unwrap();
        assert!(text.contains(&format!("{unused}1\n")), "{text}");
        assert_eq!(sweep(&config, &stores, later).unwrap(), Swept::default());
        let text = metrics.render().unwrap();
        assert!(text.contains(&format!("{unused}1\n")), "{text}");
        assert!(stores.inbox.list(10).unwrap().is_empty());
        assert!(
            queue.get(sent.id).unwrap().is_none(),
            "the sent message is gone"
        );
        let kept = queue
            .get(waiting.id)
            .unwrap()
            .expect("a waiting message is never deleted");
        assert_eq!(kept.state, State::Queued);
        let by_number = otp
            .verify("a", VerifyBy::Number(number), "000000", None)
            .await;
        assert!(
            matches!(by_number, Err(crate::otp_service::ServiceError::NotFound)),
            "the number's index went with the record"
        );
    }
}
