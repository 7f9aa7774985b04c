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

mod commands;
mod control;
mod errors;
mod gsm7;
mod handle;
mod machine;
mod network;
mod noise;
mod pdu;
mod phone;
mod pty;
mod runner;
mod syntax;

#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod pdu_tests;
#[cfg(test)]
mod port_tests;
#[cfg(test)]
mod timing_tests;

pub use control::Request;
pub use handle::{run, spawn, SimHandle};

use std::path::PathBuf;
use std::str::FromStr;

/// `otpgate modem-sim` options; also built in code (`..SimOptions::default()`) by the daemon's
/// demo mode and the benchmarks.
#[derive(Debug, Clone, clap::Args)]
pub struct SimOptions {
    /// Where to symlink the pty's slave (the daemon's `device`).
    #[arg(long)]
    pub link: PathBuf,
    /// Append each SMS the phone receives to this file, one JSON line each.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// The network's delay before answering +CMGS.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Seeds the identity numbers, the noise and the error rate.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value = "OTPGATE")]
    pub manufacturer: String,
    #[arg(long, default_value = "SIM-GSM")]
    pub model: String,
    /// The SIM starts locked behind this PIN (+CPIN: SIM PIN).
    #[arg(long)]
    pub pin: Option<String>,
    /// The modem never registers (+CREG: x,2 forever; +CMGS fails with +CMS ERROR: 331).
    #[arg(long)]
    pub no_registration: bool,
    /// Emit harmless unsolicited lines at random line boundaries.
    #[arg(long)]
    pub urc_noise: bool,
    /// Every SMS to NUMBER fails with +CMS ERROR: CODE (repeatable).
    #[arg(long, value_name = "NUMBER:CODE")]
    pub cms_error_to: Vec<ErrorRule>,
    /// The first SMS to NUMBER fails with +CMS ERROR: CODE; later ones go (repeatable).
    #[arg(long, value_name = "NUMBER:CODE")]
    pub cms_error_once: Vec<ErrorRule>,
    /// This fraction of all SMS fails with +CMS ERROR: CODE (seeded).
    #[arg(long, value_name = "FRACTION:CODE")]
    pub cms_error_rate: Option<ErrorRate>,
    /// After N command lines, answer nothing more (not even echo): a hung modem.
    #[arg(long, value_name = "N")]
    pub stop_after: Option<u64>,
    /// After N command lines, close the pty and remove the link: an unplugged modem.
    #[arg(long, value_name = "N")]
    pub close_after: Option<u64>,
    /// With --close-after: plug back in (new pty, same link) this many ms later.
    #[arg(long, value_name = "MS", requires = "close_after")]
    pub reopen_after_ms: Option<u64>,
    /// Answer OK when ESC cancels an AT+CMGS prompt (default: answer nothing).
    #[arg(long)]
    pub esc_answers_ok: bool,
    /// Serve JSON-lines control requests on this Unix socket (see [`Request`]).
    #[arg(long)]
    pub control: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            link: PathBuf::new(),
            record: None,
            latency_ms: 0,
            seed: 1,
            manufacturer: "OTPGATE".into(),
            model: "SIM-GSM".into(),
            pin: None,
            no_registration: false,
            urc_noise: false,
            cms_error_to: Vec::new(),
            cms_error_once: Vec::new(),
            cms_error_rate: None,
            stop_after: None,
            close_after: None,
            reopen_after_ms: None,
            esc_answers_ok: false,
            control: None,
        }
    }
}

/// `NUMBER:CODE`: SMS to NUMBER (the decoded destination, e.g. "+33600000001") answer
/// `+CMS ERROR: CODE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRule {
    pub number: String,
    pub code: u16,
}

impl FromStr for ErrorRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (number, code) = s.rsplit_once(':').ok_or("expected NUMBER:CODE")?;
        if number.is_empty() {
            return Err("the number is empty".into());
        }
        Ok(ErrorRule {
            number: number.to_string(),
            code: cms_code(code)?,
        })
    }
}

/// `FRACTION:CODE`: that fraction (0 to 1) of all SMS answer `+CMS ERROR: CODE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRate {
    pub fraction: f64,
    pub code: u16,
}

impl FromStr for ErrorRate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (fraction, code) = s.split_once(':').ok_or("expected FRACTION:CODE")?;
        let fraction: f64 = fraction.parse().map_err(|e| format!("fraction: {e}"))?;
        if !(0.0..=1.0).contains(&fraction) {
            return Err("the fraction must be between 0 and 1".into());
        }
        Ok(ErrorRate {
            fraction,
            code: cms_code(code)?,
        })
    }
}

fn cms_code(code: &str) -> Result<u16, String> {
    match code.parse::<u16>() {
        Ok(c) if c <= 511 => Ok(c),
        _ => Err(format!("{code:?} is not a +CMS ERROR code (0-511)")),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimOptions,
    }

    #[test]
    fn parses_the_command_line() {
        let cli = Cli::try_parse_from([
            "modem-sim",
            "--link",
            "/tmp/m0.tty",
            "--cms-error-to",
            "+33600000002:1",
            "--cms-error-to",
            "0612:42",
            "--cms-error-once",
            "+33600000001:500",
            "--cms-error-rate",
            "0.25:41",
            "--urc-noise",
            "--pin",
            "1234",
            "--close-after",
            "5",
            "--reopen-after-ms",
            "200",
        ])
        .unwrap();
        let o = cli.sim;
        assert_eq!(o.link, PathBuf::from("/tmp/m0.tty"));
        let rule = |n: &str, code| ErrorRule {
            number: n.into(),
            code,
        };
        assert_eq!(
            o.cms_error_to,
            vec![rule("+33600000002", 1), rule("0612", 42)]
        );
        assert_eq!(o.cms_error_once, vec![rule("+33600000001", 500)]);
        assert_eq!(
            o.cms_error_rate,
            Some(ErrorRate {
                fraction: 0.25,
                code: 41
            })
        );
        assert!(o.urc_noise && !o.no_registration && !o.esc_answers_ok);
        assert_eq!(
            (o.pin.as_deref(), o.close_after, o.reopen_after_ms),
            (Some("1234"), Some(5), Some(200))
        );
        assert_eq!((o.latency_ms, o.seed, o.model.as_str()), (0, 1, "SIM-GSM"));
    }

    #[test]
    fn refuses_bad_options() {
        let bad: &[&[&str]] = &[
            &["--cms-error-to", "+336"],
            &["--cms-error-to", ":1"],
            &["--cms-error-to", "+336:x"],
            &["--cms-error-to", "+336:512"],
            &["--cms-error-rate", "1.5:1"],
            &["--reopen-after-ms", "100"],
        ];
        for args in bad {
            let all = [&["modem-sim", "--link", "x"][..], args].concat();
            assert!(Cli::try_parse_from(&all).is_err(), "{args:?}");
        }
    }
}
