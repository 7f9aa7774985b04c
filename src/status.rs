//! The status board: what each modem worker last reported, for `/healthz` and the operator.
//!
//! Workers write, HTTP handlers read; nothing here touches a port.

use crate::modem::ModemInfo;
use crate::pool::ModemSpec;
use crate::queue::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A modem's life-cycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModemState {
    Starting,
    Ready,
    Offline,
    SimLocked,
}

/// What the board shows of one modem.
#[derive(Debug, Clone, Serialize)]
pub struct ModemStatus {
    pub id: String,
    pub device: String,
    pub state: ModemState,
    /// Why it is not ready, in the operator's words ("SIM PIN required", "no answer", ...).
    pub reason: Option<String>,
    pub info: Option<ModemInfo>,
    pub sent: u64,
    pub failed: u64,
    pub last_error: Option<String>,
    /// AT command exchanges on the current port session.
    pub at_commands: u64,
}

/// Shared board; cheap to clone.
#[derive(Clone, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<BTreeMap<String, ModemStatus>>>,
}

impl StatusBoard {
    /// Registers a modem before its worker starts.
    pub fn register(&self, spec: &ModemSpec) {
        self.write().insert(
            spec.id.clone(),
            ModemStatus {
                id: spec.id.clone(),
                device: spec.device.display().to_string(),
                state: ModemState::Starting,
                reason: None,
                info: None,
                sent: 0,
                failed: 0,
                last_error: None,
                at_commands: 0,
            },
        );
    }

    pub fn set_state(&self, id: &str, state: ModemState, reason: Option<String>) {
        if let Some(s) = self.write().get_mut(id) {
            s.state = state;
            s.reason = reason;
        }
    }

    pub fn set_ready(&self, id: &str, info: ModemInfo) {
        if let Some(s) = self.write().get_mut(id) {
            s.state = ModemState::Ready;
            s.reason = None;
            s.info = Some(info);
        }
    }

    /// Counts the outcome of one attempt.
    pub fn record(&self, id: &str, outcome: &Outcome, at_commands: u64) {
        if let Some(s) = self.write().get_mut(id) {
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
        }
    }

    pub fn snapshot(&self) -> Vec<ModemStatus> {
        self.read().values().cloned().collect()
    }

    /// At least one modem can send.
    pub fn any_ready(&self) -> bool {
        self.read().values().any(|s| s.state == ModemState::Ready)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ModemStatus>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ModemStatus>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }
}
