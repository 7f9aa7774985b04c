//! One task per modem port, behind a cloneable handle; opening serial devices; bring-up.
//!
//! - [`engine`]: the task that owns the port. It writes one command at a time, feeds every byte
//!   read to the pure [`crate::at::Ingress`], answers the caller with the command's lines or
//!   error, and sends URCs to their own channel. Every command has a timeout; `+CMGS` has a
//!   long one after the PDU.
//! - [`serial`]: opening a device with tokio-serial, with errors an operator can act on.
//! - [`usb`]: the tty of another USB interface of a modem (its audio port), from sysfs.
//! - [`bringup`]: from a freshly opened port to a modem ready to send SMS.
//! - [`probe`]: `otpgate modem probe`: a read-only bring-up that reports what it found.
//! - [`profile`]: what otpgate knows about each modem model (quirks, timeouts, voice),
//!   matched on `+CGMI`/`+CGMM` at bring-up.
//!
//! This module knows the AT protocol and ports, nothing of the queue, sled or HTTP.

pub mod bringup;
pub mod engine;
pub mod probe;
pub mod profile;
pub mod serial;
pub mod usb;
pub mod voice;

pub use bringup::{bring_up, BringUpConfig, BringUpError, ModemInfo};
pub use engine::{spawn, ModemHandle};
pub use serial::{open_serial, OpenError};

use crate::at::{ErrorClass, ErrorCode};
use std::time::Duration;

/// Timeouts and sizes of the modem task.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Default time for a command's final result code (and for the `+CMGS` prompt).
    pub command_timeout: Duration,
    /// Time for `+CMGS: <mr>` after the PDU's Ctrl-Z: the network round trip (27.005 leaves
    /// it open; real networks take from 1 to well over 10 seconds under load).
    pub submit_timeout: Duration,
    /// URCs held for the worker before new ones are dropped (and logged).
    pub urc_capacity: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            command_timeout: Duration::from_secs(5),
            submit_timeout: Duration::from_secs(60),
            urc_capacity: 256,
        }
    }
}

/// Errors of one AT exchange.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AtError {
    /// No final result code in time. `maybe_sent`: the PDU of a `+CMGS` went out (after
    /// Ctrl-Z), so the SMS may have been sent even though the modem did not say so.
    #[error("{command}: no answer within {timeout:?}")]
    Timeout {
        command: String,
        timeout: Duration,
        maybe_sent: bool,
    },
    #[error("the modem port is closed")]
    Closed,
    /// The port closed or failed after the data of a `+CMGS` went out: the SMS may have been
    /// sent.
    #[error("{command}: the modem port went away after the PDU was sent ({cause})")]
    LostAfterData { command: String, cause: String },
    /// The modem announced a restart (`RDY`, `^BOOT`) while the command waited: it will never
    /// answer. `maybe_sent` as for a timeout.
    #[error("{command}: the modem restarted ({urc})")]
    Rebooted {
        command: String,
        urc: String,
        maybe_sent: bool,
    },
    #[error("I/O error on the modem port: {0}")]
    Io(#[from] std::io::Error),
    /// The modem answered with an error result code.
    #[error("{command}: {code}")]
    Failed { command: String, code: ErrorCode },
    /// The modem said OK but not what the command must answer.
    #[error("{command}: unexpected answer: {detail}")]
    Unexpected { command: String, detail: String },
}

impl AtError {
    /// What the error means for a message being sent.
    pub fn class(&self) -> ErrorClass {
        match self {
            AtError::Failed { code, .. } => code.class(),
            AtError::Unexpected { .. } => ErrorClass::Temporary,
            AtError::Timeout { .. }
            | AtError::Closed
            | AtError::LostAfterData { .. }
            | AtError::Io(_)
            | AtError::Rebooted { .. } => ErrorClass::ModemFatal,
        }
    }

    /// The modem's error code, when it answered one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            AtError::Failed { code, .. } => Some(code),
            _ => None,
        }
    }
}
