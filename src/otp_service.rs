//! The OTP service: creates OTPs (code, digest, record, SMS) and verifies them, with the abuse
//! limits. The three HTTP dialects are thin shells over this.
//!
//! A create writes the OTP record, the latest-OTP index and the queued SMS, then one group
//! flush makes all three durable before the caller answers; a restart keeps the OTP valid.
//! The code itself exists only in memory, in the SMS body (sealed at rest, dropped once sent)
//! and in the answer the provider's contract requires (Nomado's `data.token`).
//! Verification updates the record with compare-and-swap, so two concurrent attempts can
//! neither both use a code nor lose a wrong-attempt count.

use crate::otp::{self, Alphabet, CodeHasher, LimitHit, Limiter, LimitsConfig, Number};
use crate::otp::{OtpRecord, OtpState, VerifyOutcome};
use crate::queue::{now_ms, NewMessage, Queue, QueueError, PRIORITY_OTP};
use crate::store::{schema, Store, StoreError};
use rand::RngCore;
use std::sync::{Arc, Mutex};

/// Errors of the OTP service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("rate limited: {0:?}")]
    Limited(LimitHit),
    #[error("no such OTP request")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("corrupt OTP record: {0}")]
    Corrupt(#[source] schema::RecordError),
}

impl From<sled::Error> for ServiceError {
    fn from(e: sled::Error) -> Self {
        ServiceError::Store(StoreError::Db(e))
    }
}

/// Service-wide settings.
#[derive(Debug, Clone)]
pub struct OtpConfig {
    /// Wrong attempts allowed where the dialect has no field for it (Nomado, MonSMSPro).
    pub default_max_attempts: u32,
    /// Validity where the dialect has no field for it (MonSMSPro), seconds.
    pub default_ttl_s: u64,
    pub limits: LimitsConfig,
}

impl Default for OtpConfig {
    fn default() -> Self {
        Self {
            default_max_attempts: 3,
            default_ttl_s: 600,
            limits: LimitsConfig::default(),
        }
    }
}

/// Builds the SMS text from the code and the expiry (unix ms).
pub type Render = Box<dyn FnOnce(&str, u64) -> String + Send>;

/// What a dialect asks for.
pub struct CreateRequest {
    pub account: String,
    pub dialect: &'static str,
    pub number: Number,
    pub alphabet: Alphabet,
    pub length: usize,
    pub ttl_s: u64,
    pub max_attempts: u32,
    pub recipient_ip: Option<String>,
    pub channel: String,
    /// Sender asked for; a SIM-originated SMS always shows the SIM's number, so it is only
    /// recorded.
    pub sender: Option<String>,
    /// Builds the SMS text from the code and the expiry (unix ms).
    pub render: Render,
    /// A voice OTP: a call speaks the code (the SMS text is its fallback).
    pub voice: Option<crate::queue::Voice>,
    /// The API call's request id, carried with the message into the worker's logs.
    pub request_id: Option<String>,
}

/// A created OTP.
pub struct Created {
    pub token: String,
    /// The code: only for answers whose contract carries it. Never log it.
    pub code: String,
    pub text: String,
    pub expires_ms: u64,
    pub message_id: u64,
    pub parts: usize,
}

/// How the caller names the OTP to verify.
pub enum VerifyBy {
    Token(String),
    /// The last OTP this account sent to the number.
    Number(Number),
}

/// A request token: 12 bytes as 24 lower-case hex characters (MonSMSPro's client library
/// insists on that shape). The first 4 bytes are the creation time in seconds, so new records
/// land at the end of the `otps` tree instead of on a random leaf (sled then keeps the hot
/// pages in cache); the other 8 are random. The token names a request, it is not the secret:
/// the code is, and it is never derivable from the token.
fn new_token(now_ms: u64, rng: &mut impl RngCore) -> String {
    let mut raw = [0u8; 12];
    let secs = u32::try_from(now_ms / 1000).unwrap_or(u32::MAX);
    raw[..4].copy_from_slice(&secs.to_be_bytes());
    rng.fill_bytes(&mut raw[4..]);
    hex::encode(raw)
}

/// The service; cheap to clone.
#[derive(Clone)]
pub struct OtpService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    queue: Queue,
    otps: sled::Tree,
    latest: sled::Tree,
    hasher: CodeHasher,
    limiter: Mutex<Limiter>,
    config: OtpConfig,
    metrics: crate::metrics::OtpMetrics,
}

impl OtpService {
    /// Opens the service; `metrics` counts what it creates and verifies.
    pub fn open(
        store: Store,
        queue: Queue,
        config: OtpConfig,
        metrics: crate::metrics::OtpMetrics,
    ) -> Result<Self, ServiceError> {
        Ok(Self {
            inner: Arc::new(Inner {
                otps: store.tree(schema::OTPS)?,
                latest: store.tree(schema::OTP_LATEST)?,
                hasher: CodeHasher::new(store.hmac_key()),
                limiter: Mutex::new(Limiter::new(config.limits.clone())),
                store,
                queue,
                config,
                metrics,
            }),
        })
    }

    pub fn config(&self) -> &OtpConfig {
        &self.inner.config
    }

    /// Creates an OTP and queues its SMS; durable when this returns.
    pub async fn create(&self, req: CreateRequest) -> Result<Created, ServiceError> {
        let now = now_ms();
        self.inner
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check(&req.account, &req.number, now)
            .map_err(ServiceError::Limited)?;
        // The thread's CSPRNG (ChaCha12, seeded and periodically reseeded from the OS): as
        // unpredictable as OsRng without a system call per character.
        let (code, token) = {
            let mut rng = rand::thread_rng();
            let code = otp::generate(&req.alphabet, req.length, &mut rng);
            (code, new_token(now, &mut rng))
        };
        let expires_ms = now + req.ttl_s.saturating_mul(1000);
        let text = (req.render)(&code, expires_ms);
        let case_sensitive = req.alphabet.case_sensitive();
        // A voice OTP's record holds the code to speak and the SMS text for a fallback.
        let body = match &req.voice {
            Some(_) => serde_json::to_string(&crate::queue::VoiceBody {
                code: code.clone(),
                sms: text.clone(),
            })
            .unwrap_or_default(),
            None => text.clone(),
        };
        let message = self.inner.queue.insert(NewMessage {
            to: req.number.e164.clone(),
            text: body,
            sensitive: true,
            priority: PRIORITY_OTP,
            not_after_ms: Some(expires_ms),
            // The requested sender is recorded with the message: a SIM always sends from its
            // own number, so it cannot be honoured.
            origin: Some(match &req.sender {
                Some(sender) => format!(
                    "{} account {}, sender {sender:?} requested (a SIM sends from its own number)",
                    req.dialect, req.account
                ),
                None => format!("{} account {}", req.dialect, req.account),
            }),
            voice: req.voice.clone(),
            request_id: req.request_id,
        })?;
        let record = OtpRecord {
            digest: self
                .inner
                .hasher
                .digest(&token, &code, case_sensitive)
                .to_vec(),
            token: token.clone(),
            account: req.account.clone(),
            dialect: req.dialect.to_string(),
            number: req.number.e164.clone(),
            case_sensitive,
            created_ms: now,
            expires_ms,
            max_attempts: req.max_attempts,
            wrong_attempts: 0,
            state: OtpState::Live,
            recipient_ip: req.recipient_ip,
            message_id: Some(message.id),
            channel: req.channel,
        };
        let value = schema::encode(&record).map_err(ServiceError::Corrupt)?;
        self.inner.otps.insert(token.as_bytes(), value)?;
        let latest_key = schema::latest_key(&req.account, &req.number.e164);
        let previous = self.inner.latest.insert(latest_key, token.as_bytes())?;
        if let Some(previous) = previous {
            // One live OTP per account and number: the new one replaces the previous.
            self.update(&previous, |r| {
                if r.state == OtpState::Live {
                    r.state = OtpState::Replaced;
                }
            })?;
        }
        self.inner.store.flush().await?;
        self.inner.queue.release(&message);
        self.inner.metrics.created(req.dialect);
        Ok(Created {
            token,
            code,
            parts: crate::sms::plan(&text).1,
            text,
            expires_ms,
            message_id: message.id,
        })
    }

    /// Applies one verification attempt; durable when this returns.
    pub async fn verify(
        &self,
        account: &str,
        by: VerifyBy,
        code: &str,
        ip: Option<&str>,
    ) -> Result<(OtpRecord, VerifyOutcome), ServiceError> {
        let token = match by {
            VerifyBy::Token(t) => t,
            VerifyBy::Number(n) => {
                let key = schema::latest_key(account, &n.e164);
                let t = self.inner.latest.get(key)?.ok_or(ServiceError::NotFound)?;
                String::from_utf8_lossy(&t).into_owned()
            }
        };
        let now = now_ms();
        let hasher = &self.inner.hasher;
        let mut outcome = None;
        let record = self.update(token.as_bytes(), |r| {
            if r.account == account {
                outcome = Some(r.verify(hasher, code, ip, now));
            }
        })?;
        let (Some(record), Some(outcome)) = (record, outcome) else {
            // Unknown token, or another account's: the same answer for both.
            return Err(ServiceError::NotFound);
        };
        self.inner.store.flush().await?;
        self.inner.metrics.verified(&record.dialect, outcome);
        Ok((record, outcome))
    }

    /// Deletes OTP records that expired before `before_ms` (and the latest-OTP index entries
    /// that still point to them); answers how many. Each deleted record still live (never
    /// verified, locked or replaced) is counted as an OTP that expired unused. Tokens start with their creation second,
    /// so the scan stops at the first record created after the cut-off.
    pub fn purge_expired(&self, before_ms: u64) -> Result<usize, ServiceError> {
        let mut purged = 0;
        for item in self.inner.otps.iter() {
            let (key, value) = item?;
            let Ok(record) = schema::decode::<OtpRecord>(&value) else {
                continue;
            };
            if record.created_ms >= before_ms {
                break;
            }
            if record.expires_ms >= before_ms {
                continue;
            }
            // Judged on the value removed, and only by the call that removed it.
            let removed = self.inner.otps.remove(&key)?;
            let removed = removed.and_then(|v| schema::decode::<OtpRecord>(&v).ok());
            if removed.is_some_and(|r| r.state == OtpState::Live) {
                self.inner.metrics.expired_unused(&record.dialect);
            }
            let latest = schema::latest_key(&record.account, &record.number);
            // Only when it still names this OTP: a newer one stays findable by number.
            let _ =
                self.inner
                    .latest
                    .compare_and_swap(latest, Some(&key), None as Option<&[u8]>)?;
            purged += 1;
        }
        Ok(purged)
    }

    /// Reads an OTP record.
    pub fn get(&self, token: &str) -> Result<Option<OtpRecord>, ServiceError> {
        match self.inner.otps.get(token.as_bytes())? {
            Some(v) => Ok(Some(schema::decode(&v).map_err(ServiceError::Corrupt)?)),
            None => Ok(None),
        }
    }

    /// Read-modify-write of one record with compare-and-swap; `None` when it does not exist.
    fn update(
        &self,
        token: &[u8],
        mut change: impl FnMut(&mut OtpRecord),
    ) -> Result<Option<OtpRecord>, ServiceError> {
        loop {
            let Some(old) = self.inner.otps.get(token)? else {
                return Ok(None);
            };
            let mut record: OtpRecord = schema::decode(&old).map_err(ServiceError::Corrupt)?;
            change(&mut record);
            let new = schema::encode(&record).map_err(ServiceError::Corrupt)?;
            match self
                .inner
                .otps
                .compare_and_swap(token, Some(&old), Some(new))?
            {
                Ok(()) => return Ok(Some(record)),
                Err(_) => continue,
            }
        }
    }
}
