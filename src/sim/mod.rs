//! The simulated GSM modem: a 3GPP TS 27.005/27.007 modem on a real pseudo-terminal, for
//! tests, CI, benchmarks and the demo. The daemon opens the pty's slave through the symlink at
//! `--link` with its real serial code and talks AT to it; the "phone" at the far end records
//! every complete SMS as one JSON line in `--record` and in [`SimHandle::received`].
//!
//! It owns its own SMS-SUBMIT decoder (`pdu`, `gsm7`): it checks what otpgate's encoder
//! produced, so it must not reuse that encoder's code.
//!
//! # Layout
//! - `machine`: the modem as a pure state machine (bytes + time → bytes + effects + timer).
//! - `syntax` / `commands` / `errors`: the command line, the AT command table, final results.
//! - `network` / `noise`: what follows Ctrl-Z (verdict, TP-MR, injected errors); the URCs.
//! - `pdu` / `gsm7` / `phone`: SMS-SUBMIT decoding and the handset's reassembly.
//! - `pty`: the pseudo-terminal and its link. `runner`: the thread's poll loop.
//! - `handle`: [`spawn`], [`run`], [`SimHandle`]. `control`: the JSON-lines control socket
//!   (`--control`) and [`Request`].
//! - Tests: `machine_tests`, `timing_tests`, `pdu_tests` (pure); `port_tests` (a real pty
//!   opened with the `serialport` crate, as the daemon does).
//!
//! The record format, one line per message:
//! `{"to":"+33612345678","text":"...","parts":1,"encoding":"gsm7","status_report":false}`
//! (`encoding` is "gsm7", "ucs2" or "binary"; binary text is the data in hex).

mod audio;
mod calls;
mod commands;
mod config;
mod control;
mod device;
mod errors;
mod files;
mod gsm7;
mod handle;
mod identity;
mod machine;
mod media;
mod network;
mod noise;
mod options;
mod pdu;
mod pdu_out;
mod phone;
mod pty;
mod recorder;
mod reports;
mod requests;
mod rules;
mod runner;
mod sms_store;
mod syntax;
mod vendor;
mod voice;

#[cfg(test)]
mod audio_tests;
#[cfg(test)]
mod call_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod pdu_out_tests;
#[cfg(test)]
mod pdu_tests;
#[cfg(test)]
mod port_sms_tests;
#[cfg(test)]
mod port_tests;
#[cfg(test)]
mod port_util;
#[cfg(test)]
mod port_voice_tests;
#[cfg(test)]
mod sms_tests;
#[cfg(test)]
mod test_util;
#[cfg(test)]
mod timing_tests;

pub use control::{Request, StatusValue};
pub use handle::{run, spawn, SimHandle};
pub use options::SimOptions;
pub use rules::{CallOutcome, CallScript, ErrorRate, ErrorRule, PreloadSms, ReportRule};
pub use vendor::Vendor;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("{what} failed")]
    Sys {
        what: &'static str,
        #[source]
        source: nix::errno::Errno,
    },
    #[error("cannot link {link}")]
    Link {
        link: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the record file {path}")]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serve the control socket {path}")]
    Control {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the simulated modem's thread is gone")]
    Gone,
}

/// An SMS as the simulated phone received it (all parts reassembled).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceivedSms {
    pub to: String,
    pub text: String,
    pub parts: u8,
    pub encoding: String,
    pub status_report: bool,
}
