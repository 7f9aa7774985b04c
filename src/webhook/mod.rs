//! Webhooks: every state change of a message is POSTed to a configured URL, durably and in
//! order, with an id per event so the receiver can drop duplicates.
//!
//! How an event travels:
//! 1. The queue calls [`Webhook`] (its [`crate::queue::Listener`]) synchronously right after
//!    it wrote the change. The listener builds the event ([`event::build`], never the body),
//!    takes an id from the store's generator and writes the JSON to the `webhook_outbox` tree,
//!    then wakes the delivery task. It does not flush: the event becomes durable with the
//!    store's next group flush (or sled's own, within a second). A crash in that instant can
//!    lose the event while the message's own state, written just before, survives — the
//!    state in `GET /v1/messages/{id}` is the truth, the webhook a notification of it.
//! 2. [`Delivery::run`] POSTs the oldest event (`content-type: application/json`,
//!    `X-Otpgate-Event-Id`, and `X-Otpgate-Signature: sha256=<hex>` of the body when a secret
//!    is set) and deletes it from the outbox on a 2xx answer. Anything else retries the same
//!    event after an exponential backoff (0.5 s, doubling, up to `max_backoff_ms`). A restart
//!    resumes from the outbox.
//!
//! Delivery is **at-least-once**: an event whose 2xx answer was lost (a timeout, a crash
//! before the removal reached the disk) is sent again with the same id. Receivers drop
//! duplicates by `id`.
//!
//! - [`config`]: the `[webhook]` section and URL validation (`http://` only).
//! - [`event`] (pure): the event JSON, the signature, the backoff.
//! - [`outbox`]: the sled tree of waiting events.
//! - [`delivery`]: the task and its HTTP/1 client (hyper).

pub mod config;
pub mod delivery;
pub mod event;
pub mod outbox;

pub use config::{WebhookConfig, WebhookSection};
pub use delivery::Delivery;
pub use event::{Event, EventPart, Signer};
pub use outbox::Outbox;

use crate::queue::{now_ms, Listener, Message};
use crate::store::{Store, StoreError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Errors of the webhook layer: configuration, recording, delivery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    #[error("url {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error(
        "url {0:?}: https is not supported; otpgate posts plain HTTP on the LAN, so put a \
         TLS-terminating reverse proxy in front of the receiver and give its http:// address"
    )]
    Https(String),
    #[error("secret must not be empty (leave it out for unsigned events)")]
    EmptySecret,
    #[error("{0} must be positive")]
    Zero(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode an event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("no connection within {0:?}")]
    ConnectTimeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("HTTP: {0}")]
    Http(#[source] hyper::Error),
    #[error("cannot build the request: {0}")]
    Request(String),
    #[error("the receiver answered HTTP {0}")]
    Status(u16),
}

/// Opens the outbox and makes the two halves: the listener for
/// [`crate::queue::Queue::set_listener`] and the task to spawn.
pub fn open(
    store: &Store,
    config: WebhookConfig,
) -> Result<(Arc<Webhook>, Delivery), WebhookError> {
    let outbox = Outbox::open(store)?;
    let wake = Arc::new(Notify::new());
    let waiting = outbox.len();
    if waiting > 0 {
        tracing::info!(waiting, url = %config.url, "webhook events waiting from before the restart");
    }
    let webhook = Webhook {
        store: store.clone(),
        outbox: outbox.clone(),
        wake: wake.clone(),
        order: Mutex::new(()),
    };
    Ok((Arc::new(webhook), Delivery::new(outbox, wake, config)))
}

/// The queue's listener: turns each state change into an event in the outbox.
pub struct Webhook {
    store: Store,
    outbox: Outbox,
    wake: Arc<Notify>,
    /// Held from taking an id to writing the event, so the outbox never shows a later id
    /// before an earlier one (the delivery task could otherwise send them out of order).
    order: Mutex<()>,
}

impl Webhook {
    /// Records the event for `msg`'s current state; answers its id.
    pub fn record(&self, msg: &Message) -> Result<u64, WebhookError> {
        let id = {
            // Nothing inside can leave the unit value inconsistent: go on after a panic.
            let _order = self.order.lock().unwrap_or_else(|p| p.into_inner());
            let id = self.store.generate_id()?;
            let body = serde_json::to_vec(&event::build(id, msg, now_ms()))?;
            self.outbox.push(id, &body)?;
            id
        };
        self.wake.notify_one();
        Ok(id)
    }
}

impl Listener for Webhook {
    fn changed(&self, message: &Message) {
        if let Err(e) = self.record(message) {
            tracing::error!(message = message.id, state = ?message.state, error = %e, "cannot record a webhook event; it is lost");
        }
    }
}

#[cfg(test)]
mod tests;
