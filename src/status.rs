//! The status board: what each modem worker last reported, for `/v1/modems`, `/readyz` and
//! `/healthz`.
//!
//! Workers write, HTTP handlers read; nothing here touches a port.

use crate::modem::ModemInfo;
use crate::pool::ModemSpec;
use crate::queue::{now_ms, Outcome, Wants};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A modem's life-cycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModemState {
    /// First bring-up in progress.
    Starting,
    /// Sending.
    Ready,
    /// Can send, with a warning (weak signal, send cap reached for now): see `reason`.
    Degraded,
    /// Cannot send: no device, no answer, not registered (see `reason`); retried with backoff.
    Offline,
    /// The SIM wants a PIN or PUK the gateway will not (or may not) give.
    SimLocked,
}

impl ModemState {
    /// Every state, for the metrics' one-gauge-per-state idiom.
    pub const ALL: [ModemState; 5] = [
        ModemState::Starting,
        ModemState::Ready,
        ModemState::Degraded,
        ModemState::Offline,
        ModemState::SimLocked,
    ];

    /// The state's name, as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModemState::Starting => "starting",
            ModemState::Ready => "ready",
            ModemState::Degraded => "degraded",
            ModemState::Offline => "offline",
            ModemState::SimLocked => "sim-locked",
        }
    }

    /// Whether a modem in this state sends (now, or as soon as a cap allows).
    pub fn can_send(self) -> bool {
        matches!(self, ModemState::Ready | ModemState::Degraded)
    }
}

/// What the board shows of one modem.
#[derive(Debug, Clone, Serialize)]
pub struct ModemStatus {
    pub id: String,
    pub device: String,
    pub state: ModemState,
    /// Why it is not ready, in the operator's words ("SIM PIN required", "no answer", ...).
    pub reason: Option<String>,
    /// When the state last changed (unix ms).
    pub since_ms: u64,
    /// Identity, SIM, operator, signal and registration as last read.
    #[serde(flatten)]
    pub info: ModemInfo,
    /// Destination prefixes it serves first.
    pub routes: Vec<String>,
    /// Its voice backend (`none`: it takes no voice OTPs).
    pub voice: &'static str,
    /// Whether that backend started at the last bring-up (`None`: not yet known).
    pub voice_ok: Option<bool>,
    /// Messages it could take now (filled in when read).
    pub queue_depth: usize,
    pub sent: u64,
    pub failed: u64,
    /// SMS parts the network accepted from it.
    pub parts_sent: u64,
    /// SMS received.
    pub received: u64,
    /// Status reports received.
    pub reports: u64,
    pub last_error: Option<String>,
    /// AT command exchanges on the current port session.
    pub at_commands: u64,
    #[serde(skip)]
    pub wants: Wants,
}

/// Shared board; cheap to clone.
#[derive(Clone, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<BTreeMap<String, ModemStatus>>>,
}

impl StatusBoard {
    /// Registers a modem before its worker starts.
    pub fn register(&self, spec: &ModemSpec, wants: Wants) {
        self.write().insert(
            spec.id.clone(),
            ModemStatus {
                id: spec.id.clone(),
                device: spec.device.display().to_string(),
                state: ModemState::Starting,
                reason: None,
                since_ms: now_ms(),
                info: ModemInfo::default(),
                routes: spec.routes.clone(),
                voice: spec.voice.name(),
                voice_ok: None,
                queue_depth: 0,
                sent: 0,
                failed: 0,
                parts_sent: 0,
                received: 0,
                reports: 0,
                last_error: None,
                at_commands: 0,
                wants,
            },
        );
    }

    /// The voice backend a modem resolved at bring-up (`voice = "auto"`: its profile's).
    pub fn set_voice(&self, id: &str, backend: &'static str) {
        self.with(id, |s| s.voice = backend);
    }

    pub fn set_state(&self, id: &str, state: ModemState, reason: Option<String>) {
        self.with(id, |s| {
            if s.state != state {
                s.since_ms = now_ms();
            }
            s.state = state;
            s.reason = reason;
        });
    }

    /// The modem came up: its identity and a clean state.
    pub fn set_ready(&self, id: &str, info: ModemInfo) {
        self.with(id, |s| {
            if s.state != ModemState::Ready {
                s.since_ms = now_ms();
            }
            s.state = ModemState::Ready;
            s.reason = None;
            s.info = info;
        });
    }

    /// A health poll's readings.
    pub fn set_health(&self, id: &str, f: impl FnOnce(&mut ModemInfo)) {
        self.with(id, |s| f(&mut s.info));
    }

    /// Counts the outcome of one attempt.
    pub fn record(&self, id: &str, outcome: &Outcome, at_commands: u64) {
        self.with(id, |s| {
            s.at_commands = at_commands;
            match outcome {
                Outcome::Sent => s.sent += 1,
                Outcome::Failed(e) => {
                    s.failed += 1;
                    s.last_error = Some(e.clone());
                }
                Outcome::Retry { reason: e, .. } | Outcome::Busy(e) | Outcome::Requeue(e) => {
                    s.last_error = Some(e.clone())
                }
            }
        });
    }

    /// Counts a part the network accepted.
    pub fn count_part(&self, id: &str) {
        self.with(id, |s| s.parts_sent += 1);
    }

    /// Counts a received SMS.
    pub fn count_received(&self, id: &str) {
        self.with(id, |s| s.received += 1);
    }

    /// Counts a status report.
    pub fn count_report(&self, id: &str) {
        self.with(id, |s| s.reports += 1);
    }

    /// Notes an error that did not end an attempt (a failed health poll, an unreadable SMS).
    pub fn note_error(&self, id: &str, error: String) {
        self.with(id, |s| s.last_error = Some(error));
    }

    pub fn state(&self, id: &str) -> Option<ModemState> {
        self.read().get(id).map(|s| s.state)
    }

    pub fn snapshot(&self) -> Vec<ModemStatus> {
        self.read().values().cloned().collect()
    }

    /// At least one modem has a voice backend that did not fail to start.
    pub fn any_voice(&self) -> bool {
        self.read()
            .values()
            .any(|s| s.voice != "none" && s.voice_ok != Some(false))
    }

    /// Whether the modem's voice backend started at its last bring-up.
    pub fn set_voice_ok(&self, id: &str, ok: bool) {
        self.with(id, |s| s.voice_ok = Some(ok));
    }

    /// At least one modem can send.
    pub fn any_can_send(&self) -> bool {
        self.read().values().any(|s| s.state.can_send())
    }

    fn with(&self, id: &str, f: impl FnOnce(&mut ModemStatus)) {
        if let Some(s) = self.write().get_mut(id) {
            f(s);
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ModemStatus>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ModemStatus>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }
}
