//! The durable outbound queue: accepting messages, ordering them, and recording every outcome.
//!
//! A message is written to sled and flushed (group commit, see [`crate::store::Flusher`])
//! before [`Queue::enqueue`] returns, so nothing accepted is lost. Dispatch order lives in
//! memory ([`sched::Schedule`]) and is rebuilt from sled at start: a restart resumes the queue.
//!
//! Delivery is **at-least-once**. A message caught in `sending` by a crash is sent again after
//! the restart, and a `+CMGS` that timed out after its PDU went out is retried; both are flagged
//! `maybe_duplicate`. The alternative (at-most-once) would lose OTPs, which is worse than a
//! second copy of one.
//!
//! Error classes ([`crate::at::ErrorClass`]) decide what a failure does: permanent fails the
//! message with the reason; temporary retries with exponential backoff; modem busy retries
//! soon; modem-fatal puts the message back untouched while the modem reports why.

mod counts;
pub mod message;
mod outcome;
mod reports;
mod sched;

pub use counts::Key as CountKey;
pub use message::{
    now_ms, CallAttempt, CallResult, Extra, Message, Part, PartStatus, State, Voice,
    PRIORITY_NORMAL, PRIORITY_OTP,
};
pub use reports::ReportOutcome;
pub use sched::Wants;

use crate::store::{schema, Store, StoreError};
use sched::Schedule;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Errors of the queue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("corrupt message record {id}: {source}")]
    Corrupt {
        id: u64,
        #[source]
        source: schema::RecordError,
    },
    #[error("invalid message: {0}")]
    Invalid(String),
}

/// Routing by destination prefix (see [`sched`]).
#[derive(Debug, Clone)]
pub struct Routing {
    /// Every prefix any modem routes (`+3361`, ...).
    pub prefixes: Vec<String>,
    /// How long a routed message waits for one of its modems before any modem may take it.
    pub fallback: Duration,
}

impl Default for Routing {
    fn default() -> Self {
        Self {
            prefixes: Vec::new(),
            fallback: Duration::from_secs(10),
        }
    }
}

/// Retry policy.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts (temporary errors) before a message fails for good.
    pub max_attempts: u32,
    /// First backoff after a temporary error; doubles each time.
    pub backoff_base: Duration,
    /// Backoff ceiling.
    pub backoff_max: Duration,
    /// Wait after a "modem busy" answer.
    pub busy_delay: Duration,
    /// Calls placed for a voice OTP before it fails (or falls back to SMS).
    pub voice_max_attempts: u32,
    /// Wait between two calls of a voice OTP (busy, no answer, ...).
    pub voice_retry_delay: Duration,
    /// After the last failed call, send the code by SMS instead.
    pub voice_sms_fallback: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
            busy_delay: Duration::from_millis(500),
            voice_max_attempts: 3,
            voice_retry_delay: Duration::from_secs(60),
            voice_sms_fallback: false,
        }
    }
}

/// What a caller asks the queue to send.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub to: String,
    pub text: String,
    pub sensitive: bool,
    pub priority: u8,
    pub not_after_ms: Option<u64>,
    pub origin: Option<String>,
    /// A voice OTP: the text is then [`VoiceBody`] as JSON.
    pub voice: Option<Voice>,
    /// The API call that asked for it (`x-request-id`), for the logs.
    pub request_id: Option<String>,
}

/// The sealed body of a voice OTP: the code to speak and the SMS to send should the calls fail
/// and the configuration allow a fallback.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VoiceBody {
    pub code: String,
    pub sms: String,
}

/// A message handed to one worker; the worker reports back through [`Queue::finish`].
#[derive(Debug)]
pub struct Lease {
    pub message: Message,
    /// The opened body.
    pub text: String,
}

/// How a sending attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every part accepted by the network.
    Sent,
    /// Never going to work.
    Failed(String),
    /// A temporary failure: retry with backoff (counts as an attempt).
    Retry { reason: String, maybe_sent: bool },
    /// The modem is busy: retry soon.
    Busy(String),
    /// The modem cannot send at all: back to the queue as it was, for any modem.
    Requeue(String),
}

/// Told of every message whose state changed (webhooks). Called synchronously right after the
/// change is written, so it must not block: persist and hand off.
pub trait Listener: Send + Sync {
    fn changed(&self, message: &Message);
}

/// The queue; cheap to clone.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    messages: sled::Tree,
    part_refs: sled::Tree,
    schedule: Mutex<Schedule>,
    wake: Notify,
    policy: RetryPolicy,
    listener: std::sync::OnceLock<Arc<dyn Listener>>,
    counts: counts::Counts,
}

impl Queue {
    /// Opens the queue on `store` and reloads every unfinished message.
    pub fn open(store: Store, policy: RetryPolicy, routing: Routing) -> Result<Self, QueueError> {
        let queue = Self {
            inner: Arc::new(Inner {
                messages: store.tree(schema::MESSAGES)?,
                part_refs: store.tree(schema::PART_REFS)?,
                store,
                schedule: Mutex::new(Schedule::new(&routing.prefixes, routing.fallback)),
                wake: Notify::new(),
                policy,
                listener: std::sync::OnceLock::new(),
                counts: counts::Counts::default(),
            }),
        };
        queue.recover()?;
        Ok(queue)
    }

    fn recover(&self) -> Result<(), QueueError> {
        let now = now_ms();
        let mut resumed = 0usize;
        for item in self.inner.messages.iter() {
            let (key, value) = item.map_err(StoreError::from)?;
            let mut msg = match decode(&value) {
                Ok(msg) => msg,
                Err(e) => {
                    // One bad record must not keep the gateway from starting; it stays on
                    // disk for the operator to look at.
                    tracing::error!(key = ?schema::message_id(&key), error = %e, "skipping corrupt message record");
                    continue;
                }
            };
            match msg.state {
                State::Queued => self.inner.counts.add(&msg),
                State::Sending => {
                    msg.maybe_duplicate = true;
                    msg.set_state(
                        State::Queued,
                        now,
                        Some("caught in sending by a restart: sent again, may duplicate".into()),
                    );
                    self.persist(&msg)?;
                    self.inner.counts.add(&msg);
                }
                _ => {
                    self.inner.counts.add(&msg);
                    continue;
                }
            }
            self.schedule_msg(&msg);
            resumed += 1;
        }
        if resumed > 0 {
            tracing::info!(resumed, "queue resumed unfinished messages");
        }
        Ok(())
    }

    /// Sets the listener told of state changes (once; later calls are ignored).
    pub fn set_listener(&self, listener: Arc<dyn Listener>) {
        let _ = self.inner.listener.set(listener);
    }

    /// Accepts a message: durable on disk when this returns.
    pub async fn enqueue(&self, new: NewMessage) -> Result<Message, QueueError> {
        let msg = self.insert(new)?;
        self.inner.store.flush().await?;
        self.release(&msg);
        Ok(msg)
    }

    /// First half of [`Queue::enqueue`], for callers that write records of their own beside
    /// the message and share one flush: persists the message (not yet durable, not yet
    /// dispatched). The caller flushes the store, then calls [`Queue::release`]. Should the
    /// process die in between, the restart finds the message queued and sends it.
    pub fn insert(&self, new: NewMessage) -> Result<Message, QueueError> {
        if new.to.is_empty() {
            return Err(QueueError::Invalid("empty destination".into()));
        }
        let store = &self.inner.store;
        let id = store.generate_id()?;
        let now = now_ms();
        let body = store
            .cipher()
            .seal(id, &new.text)
            .map_err(StoreError::from)?;
        let mut msg = Message {
            id,
            to: new.to,
            body: Some(body),
            sensitive: new.sensitive,
            priority: new.priority,
            state: State::Queued,
            created_ms: now,
            not_after_ms: new.not_after_ms,
            attempts: 0,
            next_try_ms: now,
            last_error: None,
            maybe_duplicate: false,
            total_parts: 0,
            concat_ref: (id % 256) as u8,
            parts: Vec::new(),
            origin: new.origin,
            history: Vec::new(),
            voice: new.voice,
            calls: Vec::new(),
            extra: Extra {
                request_id: new.request_id,
                modem: None,
            },
        };
        msg.set_state(State::Queued, now, None);
        self.persist(&msg)?;
        self.inner.counts.add(&msg);
        Ok(msg)
    }

    /// Second half of [`Queue::enqueue`]: hands a durable message to the modems (and tells the
    /// listener it is queued).
    pub fn release(&self, msg: &Message) {
        if let Some(listener) = self.inner.listener.get() {
            listener.changed(msg);
        }
        self.schedule_msg(msg);
    }

    /// Reads a message record.
    pub fn get(&self, id: u64) -> Result<Option<Message>, QueueError> {
        match self
            .inner
            .messages
            .get(schema::message_key(id))
            .map_err(StoreError::from)?
        {
            Some(value) => Ok(Some(decode(&value)?)),
            None => Ok(None),
        }
    }

    /// Messages waiting for a modem (ready or in backoff).
    pub fn depth(&self) -> usize {
        self.lock().len()
    }

    /// Messages waiting for a modem, as (SMS, voice calls).
    pub fn depth_by_channel(&self) -> (usize, usize) {
        self.lock().depth_by_channel()
    }

    /// Every message on record by state and the modem it is on (`""`: none), kept as the
    /// queue writes (no scan).
    pub fn counts(&self) -> Vec<(CountKey, u64)> {
        self.inner.counts.snapshot()
    }

    /// Messages a modem that `wants` these routes could take now.
    pub fn ready_for(&self, wants: &Wants) -> usize {
        self.lock().ready_for(wants)
    }

    /// The route groups a modem routing `prefixes` serves.
    pub fn wants(&self, prefixes: &[String], voice: bool) -> Wants {
        let sched = self.lock();
        Wants {
            own: prefixes
                .iter()
                .filter_map(|p| sched.group_of_prefix(p))
                .collect(),
            voice,
        }
    }

    /// Waits for the next message due that `wants` may take, marks it `sending` and hands it
    /// over. `None` once `cancel` fires. Expired messages met on the way end `expired`, never
    /// sent.
    pub async fn lease(
        &self,
        modem: &str,
        wants: &Wants,
        cancel: &CancellationToken,
    ) -> Option<Lease> {
        loop {
            let notified = self.inner.wake.notified();
            let (next, wait) = self.lock().pop_due(now_ms(), wants);
            if let Some(id) = next {
                match self.start(id, modem) {
                    Ok(Some(lease)) => return Some(lease),
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(id, error = %e, "cannot lease message");
                        continue;
                    }
                }
            }
            let sleep = wait.unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                _ = cancel.cancelled() => return None,
                _ = notified => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    fn start(&self, id: u64, modem: &str) -> Result<Option<Lease>, QueueError> {
        let cipher = self.inner.store.cipher().clone();
        let now = now_ms();
        let changed = self.modify(
            id,
            |msg| -> Result<Option<String>, crate::store::CipherError> {
                if msg.state != State::Queued {
                    return Ok(None);
                }
                if msg.not_after_ms.is_some_and(|t| t <= now) {
                    msg.set_state(
                        State::Expired,
                        now,
                        Some("expired before it could be sent".into()),
                    );
                    drop_body(msg);
                    return Ok(None);
                }
                let Some(sealed) = &msg.body else {
                    msg.set_state(State::Failed, now, Some("body missing".into()));
                    return Ok(None);
                };
                let text = cipher.open(id, sealed)?;
                msg.attempts += 1;
                msg.extra.modem = Some(modem.to_string());
                msg.set_state(State::Sending, now, Some(format!("modem {modem}")));
                Ok(Some(text))
            },
        )?;
        match changed {
            Some((msg, Ok(Some(text)))) => Ok(Some(Lease { message: msg, text })),
            Some((msg, Ok(None))) => {
                if msg.state == State::Expired {
                    tracing::info!(id, "message expired unsent");
                }
                Ok(None)
            }
            Some((_, Err(e))) => Err(StoreError::from(e).into()),
            None => Ok(None),
        }
    }

    /// Read-modify-write of one message with compare-and-swap: whoever else updated it in the
    /// meantime (a status report from another modem, say) is not overwritten. `None` when the
    /// message does not exist. `change` may run more than once.
    fn modify<T>(
        &self,
        id: u64,
        mut change: impl FnMut(&mut Message) -> T,
    ) -> Result<Option<(Message, T)>, QueueError> {
        let key = schema::message_key(id);
        loop {
            let Some(old) = self.inner.messages.get(key).map_err(StoreError::from)? else {
                return Ok(None);
            };
            let mut msg = decode(&old)?;
            let before = msg.state;
            let counted = counts::Counts::key_of(&msg);
            let out = change(&mut msg);
            let new = msg
                .encode()
                .map_err(|source| QueueError::Corrupt { id, source })?;
            let swapped = self
                .inner
                .messages
                .compare_and_swap(key, Some(old), Some(new))
                .map_err(StoreError::from)?;
            if swapped.is_ok() {
                self.inner.counts.moved(counted, &msg);
                if msg.state != before {
                    if let Some(listener) = self.inner.listener.get() {
                        listener.changed(&msg);
                    }
                }
                return Ok(Some((msg, out)));
            }
        }
    }

    fn schedule_msg(&self, msg: &Message) {
        self.lock().insert(
            msg.priority,
            msg.id,
            &msg.to,
            msg.is_call(),
            msg.next_try_ms,
            now_ms(),
        );
        // Every idle worker looks: a routed message may suit only some of them.
        self.inner.wake.notify_waiters();
    }

    fn persist(&self, msg: &Message) -> Result<(), QueueError> {
        let value = msg
            .encode()
            .map_err(|source| QueueError::Corrupt { id: msg.id, source })?;
        self.inner
            .messages
            .insert(schema::message_key(msg.id), value)
            .map_err(StoreError::from)?;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // A panic while holding this lock cannot leave the schedule half-updated in a way
        // that matters (each operation is a single set insert/remove): keep going.
        self.inner
            .schedule
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Drops the body of a message whose body holds a secret.
fn drop_body(msg: &mut Message) {
    if msg.sensitive {
        msg.body = None;
    }
}

fn decode(value: &[u8]) -> Result<Message, QueueError> {
    Message::decode(value).map_err(|source| QueueError::Corrupt { id: 0, source })
}
