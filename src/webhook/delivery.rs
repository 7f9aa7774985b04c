//! The delivery task: POSTs the outbox's events one at a time, oldest first, and removes each
//! once the receiver answered 2xx. Anything else — another status, a timeout, a refused or
//! broken connection — retries the same event (same id, same bytes) after an exponential
//! backoff, so the order the receiver sees is the order of the changes. A streak of failures
//! is logged once at `warn` when it starts and once at `info` when it ends.
//!
//! The client is hyper's connection-level HTTP/1.1 client over one keep-alive connection,
//! reopened when the receiver closed it. A request on a reused connection that fails before
//! any answer is tried once more on a fresh connection at once: the receiver may simply have
//! closed an idle connection.

use super::config::WebhookConfig;
use super::event::backoff;
use super::outbox::Outbox;
use super::WebhookError;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{header, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// First wait after a failed try; it doubles up to `max_backoff`.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest a connection attempt may take (within the request timeout): a receiver on the
/// LAN accepts in milliseconds, and an address nobody answers should not eat the whole budget.
const CONNECT_TIMEOUT_MAX: Duration = Duration::from_secs(3);
/// The receiver's answer body is read (to keep the connection usable) up to this size.
const MAX_ANSWER: usize = 64 * 1024;
/// Wait after the outbox itself could not be read.
const STORE_RETRY: Duration = Duration::from_secs(1);

/// The delivery task; run it once with [`Delivery::run`].
pub struct Delivery {
    pub(super) outbox: Outbox,
    pub(super) wake: Arc<Notify>,
    pub(super) config: WebhookConfig,
    /// The first backoff step (tests shorten it).
    pub(super) first_backoff: Duration,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl Delivery {
    pub(super) fn new(outbox: Outbox, wake: Arc<Notify>, config: WebhookConfig) -> Self {
        Self {
            outbox,
            wake,
            config,
            first_backoff: FIRST_BACKOFF,
            conn: None,
        }
    }

    /// Delivers until `cancel` fires. An event in flight then stays in the outbox and goes
    /// out again at the next start.
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut failures = 0u32;
        let wake = self.wake.clone();
        loop {
            // `notify_one` leaves a permit when nobody waits, so an event recorded between
            // the look below and the wait still wakes us.
            let woken = wake.notified();
            let next = match self.outbox.first() {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the webhook outbox");
                    if sleep_or_cancel(STORE_RETRY, &cancel).await {
                        return;
                    }
                    continue;
                }
            };
            let Some((id, body)) = next else {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = woken => continue,
                }
            };
            let result = tokio::select! {
                _ = cancel.cancelled() => return,
                r = self.post(id, &body) => r,
            };
            match result {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(event = id, tries = failures + 1, url = %self.config.url, "webhook delivered again");
                    }
                    failures = 0;
                    if let Err(e) = self.outbox.remove(id) {
                        // It will be sent again: at-least-once, the receiver drops it by id.
                        tracing::error!(event = id, error = %e, "cannot remove a delivered webhook event");
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff(failures, self.first_backoff, self.config.max_backoff);
                    if failures == 1 {
                        tracing::warn!(event = id, url = %self.config.url, error = %e, "webhook delivery failing; retrying with backoff until the receiver takes it");
                    } else {
                        tracing::debug!(event = id, error = %e, try_no = failures, retry_in = ?wait, "webhook delivery failed");
                    }
                    if sleep_or_cancel(wait, &cancel).await {
                        return;
                    }
                }
            }
        }
    }

    /// One delivery try: `Ok` on a 2xx answer within the timeout.
    async fn post(&mut self, id: u64, body: &[u8]) -> Result<(), WebhookError> {
        let timeout = self.config.timeout;
        let status = tokio::time::timeout(timeout, self.exchange(id, body))
            .await
            .map_err(|_| WebhookError::Timeout(timeout))??;
        if status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(status.as_u16()))
        }
    }

    async fn exchange(&mut self, id: u64, body: &[u8]) -> Result<StatusCode, WebhookError> {
        if let Some(mut conn) = self.conn.take() {
            if conn.ready().await.is_ok() {
                match self.send(&mut conn, id, body).await {
                    Ok((status, reusable)) => {
                        if reusable {
                            self.conn = Some(conn);
                        }
                        return Ok(status);
                    }
                    // A stale keep-alive connection: try a fresh one now.
                    Err(WebhookError::Http(e)) => {
                        tracing::debug!(error = %e, "webhook keep-alive connection failed")
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let mut conn = self.connect().await?;
        let (status, reusable) = self.send(&mut conn, id, body).await?;
        if reusable {
            self.conn = Some(conn);
        }
        Ok(status)
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, WebhookError> {
        let target = &self.config.target;
        let limit = self.config.timeout.min(CONNECT_TIMEOUT_MAX);
        let stream = tokio::time::timeout(
            limit,
            tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| WebhookError::ConnectTimeout(limit))?
        .map_err(WebhookError::Connect)?;
        // Small requests, one at a time: do not let Nagle hold the body back.
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(WebhookError::Http)?;
        // Drives the connection; it ends when the sender is dropped or the peer closes.
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "webhook connection ended");
            }
        });
        Ok(sender)
    }

    /// Sends one event; answers the status and whether the connection can be used again.
    async fn send(
        &self,
        conn: &mut SendRequest<Full<Bytes>>,
        id: u64,
        body: &[u8],
    ) -> Result<(StatusCode, bool), WebhookError> {
        let mut req = Request::post(self.config.target.path.as_str())
            .header(header::HOST, self.config.target.authority.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::USER_AGENT,
                concat!("otpgate/", env!("CARGO_PKG_VERSION")),
            )
            .header("x-otpgate-event-id", id.to_string());
        if let Some(signer) = &self.config.signer {
            req = req.header("x-otpgate-signature", signer.sign(body));
        }
        let req = req
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| WebhookError::Request(e.to_string()))?;
        let answer = conn.send_request(req).await.map_err(WebhookError::Http)?;
        let status = answer.status();
        let reusable = Limited::new(answer.into_body(), MAX_ANSWER)
            .collect()
            .await
            .is_ok();
        Ok((status, reusable))
    }
}

/// Sleeps `wait`; `true` when `cancel` fired first.
async fn sleep_or_cancel(wait: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => true,
        _ = tokio::time::sleep(wait) => false,
    }
}
