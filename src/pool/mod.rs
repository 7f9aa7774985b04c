//! The modem pool: one worker per configured modem, each owning its modem's life cycle —
//! open the device, bring the modem up, keep it healthy, send what the queue hands it, read
//! what it receives — and reporting on the status board.
//!
//! Dispatch is pull-based: an idle, healthy worker leases the next message it may send from
//! the shared queue (OTPs first, oldest first, its routes preferred). Adding modems adds
//! workers pulling from the same queue, so throughput scales with the number of modems, and a
//! modem that fails simply stops pulling: the message it held goes back to the queue (see
//! [`send`]) and out through another.
//!
//! - [`session`]: one session on an open port: bring-up, then the loop over URCs, health
//!   polls and leases.
//! - [`send`]: one message, part by part, and what each AT error means for it.
//! - [`inbound`]: `+CMTI`/`+CMT` (received SMS) and `+CDS`/`+CDSI` (status reports).
//! - [`health`]: periodic `+CSQ`, `+CREG`/`+CEREG`, `+COPS?`, `+CPIN?`.
//! - [`caps`]: per-modem send caps; [`sent_log`] keeps their counts across restarts.
//! - [`voice`]: a voice OTP: the call, the code played, the result on the message.
//!
//! Faults and what the worker does: the device vanishes (USB unplug) or an I/O error — the
//! modem task ends, the worker closes the port and reopens the same path with a bounded
//! exponential backoff (a `/dev/serial/by-id/` link that comes back later included); no answer
//! within a command's timeout — the modem is marked offline at once and brought up again; an
//! unsolicited reboot (`RDY`, `+CPIN: NOT READY`, a `^BOOT` after which the modem lost its
//! settings) — brought up again; the network
//! lost — it stops leasing until registration returns; a rejected PIN is never entered again.

pub mod caps;
mod health;
mod inbound;
pub mod pins;
mod send;
pub mod sent_log;
mod session;
mod voice;

pub use caps::Caps;

use crate::inbox::Inbox;
use crate::modem::EngineConfig;
use crate::queue::Queue;
use crate::status::{ModemState, StatusBoard};
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What a worker needs to know about its modem.
#[derive(Debug, Clone)]
pub struct ModemSpec {
    pub id: String,
    pub device: PathBuf,
    pub baud: u32,
    pub pin: Option<String>,
    /// Timeouts until the modem's profile is known.
    pub engine: EngineConfig,
    /// What the `[[modem]]` set itself: wins over its profile.
    pub overrides: crate::modem::profile::Overrides,
    /// The profile the `[[modem]]` names; `None`: chosen at bring-up by `+CGMI`/`+CGMM`.
    pub profile: Option<String>,
    /// The USB interface of the AT port as configured; `None`: read from sysfs.
    pub usb_interface: Option<u8>,
    /// Ceiling of the reconnect backoff.
    pub max_backoff: Duration,
    /// Destination prefixes this modem serves first (`+3361`, ...).
    pub routes: Vec<String>,
    pub caps: Caps,
    /// How often an idle modem's signal, registration and SIM are read.
    pub health_interval: Duration,
    /// The voice backend (none: this modem takes no voice OTPs).
    pub voice: crate::modem::voice::BackendConfig,
}

/// What every worker shares.
#[derive(Clone)]
pub struct Pool {
    pub queue: Queue,
    pub board: StatusBoard,
    pub inbox: Inbox,
    pub voice: crate::config::VoiceSettings,
    /// PINs the SIMs rejected, across restarts.
    pub pins: pins::Pins,
    /// What the capped modems sent in the last day, across restarts.
    pub sent: sent_log::SentLog,
    /// The modem profiles bring-up chooses from.
    pub profiles: std::sync::Arc<crate::modem::profile::Catalog>,
}

/// The first reconnect delay; doubles up to [`ModemSpec::max_backoff`].
const MIN_BACKOFF: Duration = Duration::from_millis(250);

/// How a session on the port ended.
enum End {
    Cancelled,
    /// The modem was up and went away (closed port, reboot, hang): reconnect soon.
    Lost(String),
    /// It did not come up.
    Failed(ModemState, String),
}

/// Runs the worker until `cancel` fires.
pub async fn run(spec: ModemSpec, pool: Pool, cancel: CancellationToken) {
    let mut backoff = MIN_BACKOFF;
    // A PIN this SIM rejected before — even in an earlier run — is never entered again.
    let mut pin_rejected = spec
        .pin
        .as_deref()
        .is_some_and(|pin| pool.pins.rejected(&spec.id, pin));
    let sent = pool.sent.recent(&spec.id, crate::queue::now_ms());
    let mut counter = caps::Counter::with_history(spec.caps, sent);
    loop {
        let (state, reason) =
            match session::run(&spec, &pool, &cancel, &mut pin_rejected, &mut counter).await {
                End::Cancelled => break,
                End::Lost(reason) => {
                    backoff = MIN_BACKOFF;
                    (ModemState::Offline, reason)
                }
                End::Failed(state, reason) => (state, reason),
            };
        tracing::warn!(modem = %spec.id, %reason, retry_in = ?backoff, "modem not usable");
        pool.board.set_state(&spec.id, state, Some(reason));
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(spec.max_backoff.max(MIN_BACKOFF));
    }
    pool.board
        .set_state(&spec.id, ModemState::Offline, Some("stopped".into()));
}
