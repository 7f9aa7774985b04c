//! Every way a probe can fail: a stable kind for scripts, an exit code, and what to do.

use super::report::SimState;
use crate::modem::{AtError, OpenError};

/// Why a probe failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{device}: no answer at {baud} baud")]
    NoAnswer { device: String, baud: u32 },
    #[error("the modem answered AT, then stopped answering ({0} got no answer)")]
    StoppedAnswering(String),
    #[error("SIM PIN required")]
    PinRequired,
    #[error("SIM PIN rejected (not tried again)")]
    PinRejected,
    #[error("SIM PUK required: the SIM is blocked")]
    PukRequired,
    #[error("no SIM")]
    NoSim,
    #[error("SIM not ready: {0}")]
    SimNotReady(String),
    #[error("the modem port failed: {0}")]
    At(#[from] AtError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl ProbeError {
    /// A stable name for scripts (`--json`'s `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ProbeError::Open(OpenError::NotFound(_)) => "not-found",
            ProbeError::Open(OpenError::Permission(_)) => "permission-denied",
            ProbeError::Open(OpenError::Busy(_)) => "busy",
            ProbeError::Open(_) => "open-failed",
            ProbeError::NoAnswer { .. } => "no-answer",
            ProbeError::StoppedAnswering(_) => "stopped-answering",
            ProbeError::PinRequired => "pin-required",
            ProbeError::PinRejected => "pin-rejected",
            ProbeError::PukRequired => "puk-required",
            ProbeError::NoSim => "no-sim",
            ProbeError::SimNotReady(_) => "sim-not-ready",
            ProbeError::At(_) | ProbeError::Runtime(_) => "failed",
        }
    }

    /// The process exit code (see the module docs).
    pub fn exit_code(&self) -> u8 {
        match self.kind() {
            "not-found" => 3,
            "permission-denied" => 4,
            "busy" => 5,
            "no-answer" | "stopped-answering" => 6,
            "pin-required" => 7,
            "pin-rejected" => 8,
            "puk-required" => 9,
            "no-sim" => 10,
            "sim-not-ready" => 11,
            _ => 1,
        }
    }

    /// What to do about it.
    pub fn hint(&self, device: &str) -> Option<String> {
        Some(match self.kind() {
            "not-found" => "Is the modem plugged in and powered? List serial devices by their stable \
                names with `ls -l /dev/serial/by-id/` (a USB modem has several ports: -if00, -if01, ...)."
                .into(),
            "permission-denied" => "Your user may not open serial ports. Add it to the `dialout` group: \
                `sudo usermod -aG dialout $USER`, then log out and in again (or run \
                `newgrp dialout`). The daemon's own user needs the group too."
                .into(),
            "busy" => format!(
                "Another program holds the port: often ModemManager, or a running otpgate. \
                 Find it with `sudo fuser -v {device}` or `sudo lsof {device}`; stop ModemManager \
                 (`sudo systemctl stop ModemManager`) or make it ignore the modem \
                 (ID_MM_DEVICE_IGNORE=1 in a udev rule, see hw/README.md)."
            ),
            "no-answer" => "Nothing answered AT. It may be the wrong port of a multi-port modem (try \
                its other ports in /dev/serial/by-id/: the AT port is often -if02 or -if03), a wrong \
                --baud (115200 is usual; try 9600 or 921600), or the modem is off or still booting \
                (wait 10-20 s after plugging it in)."
                .into(),
            "stopped-answering" => "It may be rebooting, or hung: wait, or power-cycle it (unplug it), \
                and probe again."
                .into(),
            "pin-required" => "Run again with --pin PIN. It is entered once: three wrong PINs lock \
                the SIM behind its PUK."
                .into(),
            "pin-rejected" => "Check the PIN before trying again: after three wrong PINs the SIM \
                needs its PUK."
                .into(),
            "puk-required" => "Three wrong PINs blocked the SIM. Unblock it with the PUK from the \
                operator (in a phone, for instance); otpgate never enters a PUK."
                .into(),
            "no-sim" => "Insert a SIM (with the modem powered off) and check that it is seated.".into(),
            "sim-not-ready" => "Wait a few seconds and probe again.".into(),
            _ => return None,
        })
    }

    pub(super) fn from_sim(state: &SimState) -> Option<Self> {
        Some(match state {
            SimState::Ready => return None,
            SimState::PinRequired => ProbeError::PinRequired,
            SimState::PinRejected => ProbeError::PinRejected,
            SimState::PukRequired => ProbeError::PukRequired,
            SimState::Absent => ProbeError::NoSim,
            SimState::Other(s) => ProbeError::SimNotReady(s.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_failure_has_its_exit_code_and_a_hint() {
        let p = || Path::new("/dev/ttyUSB9").to_path_buf();
        let cases: Vec<(ProbeError, u8, &str)> = vec![
            (OpenError::NotFound(p()).into(), 3, "/dev/serial/by-id"),
            (OpenError::Permission(p()).into(), 4, "usermod -aG dialout"),
            (OpenError::Busy(p()).into(), 5, "fuser -v /dev/ttyUSB9"),
            (
                ProbeError::NoAnswer {
                    device: "x".into(),
                    baud: 1,
                },
                6,
                "wrong port",
            ),
            (
                ProbeError::StoppedAnswering("AT+CGMI".into()),
                6,
                "power-cycle",
            ),
            (ProbeError::PinRequired, 7, "--pin"),
            (ProbeError::PinRejected, 8, "PUK"),
            (ProbeError::PukRequired, 9, "PUK"),
            (ProbeError::NoSim, 10, "Insert a SIM"),
            (ProbeError::SimNotReady("x".into()), 11, "again"),
        ];
        for (e, code, hint) in cases {
            assert_eq!(e.exit_code(), code, "{e}");
            let h = e.hint("/dev/ttyUSB9").unwrap_or_default();
            assert!(h.contains(hint), "{e}: {h}");
        }
        assert_eq!(ProbeError::At(AtError::Closed).exit_code(), 1);
    }
}
