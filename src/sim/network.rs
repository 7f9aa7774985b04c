//! The network and the handset behind the simulated modem: what happens to a PDU after
//! Ctrl-Z. The network judges it (the simulator's own decoder, registration, the injected
//! `+CMS ERROR`s), assigns the TP-MR that +CMGS reports (TS 27.005 §3.5.1: 0-255, wrapping)
//! and delivers it to the phone, which reassembles and records complete messages.

use super::pdu::{self, PduError, Submit};
use super::phone::Phone;
use super::ReceivedSms;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

/// Hex digits of the longest PDU: SMSC field (12 octets) + a 176-octet SMS-SUBMIT, rounded up.
pub(super) const MAX_PDU: usize = 2 * 200;

/// Errors to inject into SMS submissions, matched on the decoded destination.
#[derive(Debug, Clone, Default)]
pub(super) struct Faults {
    /// Every SMS to this number fails with this +CMS ERROR.
    pub always: Vec<(String, u16)>,
    /// Only the first SMS to this number fails.
    pub once: Vec<(String, u16)>,
    /// This fraction of all SMS fails.
    pub rate: Option<(f64, u16)>,
}

/// What the network will answer to a submitted PDU, once its latency has passed.
#[derive(Debug)]
pub(super) enum Verdict {
    Sent(Box<Submit>),
    Refused(u16),
}

/// The network's answer: the message reference, a complete message for the record and the
/// destination when TP-SRR asked for a status report; or the `+CMS ERROR` code.
#[derive(Debug)]
pub(super) enum Outcome {
    Sent {
        mr: u8,
        complete: Option<ReceivedSms>,
        report_to: Option<String>,
    },
    Refused(u16),
}

#[derive(Debug)]
pub(super) struct Network {
    faults: Faults,
    faulted_once: HashSet<String>,
    /// Its own stream, so the error rate does not shift with the noise.
    rng: StdRng,
    next_mr: u8,
    phone: Phone,
}

impl Network {
    pub(super) fn new(faults: Faults, seed: u64) -> Network {
        Network {
            faults,
            faulted_once: HashSet::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5EED_F00D),
            next_mr: 0,
            phone: Phone::default(),
        }
    }

    /// Judges the hex that followed `AT+CMGS=<tpdu_len>` (line ends already removed).
    pub(super) fn judge(&mut self, hex: &[u8], tpdu_len: usize, registered: bool) -> Verdict {
        let decoded = match hex.len() {
            0..=MAX_PDU => pdu::decode_submit(hex, tpdu_len),
            n => Err(PduError::Length {
                declared: tpdu_len,
                actual: n / 2,
            }),
        };
        match decoded {
            Err(e) => {
                // The PDU may carry a code: only the reason is logged.
                tracing::debug!(error = %e, "simulated modem refused a PDU");
                Verdict::Refused(304)
            }
            Ok(_) if !registered => Verdict::Refused(331),
            Ok(submit) => self
                .fault(&submit.to)
                .map_or(Verdict::Sent(Box::new(submit)), Verdict::Refused),
        }
    }

    fn fault(&mut self, to: &str) -> Option<u16> {
        let faults = &self.faults;
        if let Some((_, code)) = faults.always.iter().find(|(n, _)| n == to) {
            return Some(*code);
        }
        let once = faults.once.iter().find(|(n, _)| n == to).map(|(_, c)| *c);
        if let Some(code) = once.filter(|_| self.faulted_once.insert(to.to_string())) {
            return Some(code);
        }
        let (fraction, code) = faults.rate?;
        self.rng.gen_bool(fraction.clamp(0.0, 1.0)).then_some(code)
    }

    /// Carries out a verdict when its answer is due.
    pub(super) fn complete(&mut self, verdict: Verdict) -> Outcome {
        match verdict {
            Verdict::Sent(submit) => {
                let mr = self.next_mr;
                self.next_mr = self.next_mr.wrapping_add(1);
                let report_to = submit.status_report.then(|| submit.to.clone());
                Outcome::Sent {
                    mr,
                    complete: self.phone.deliver(*submit),
                    report_to,
                }
            }
            Verdict::Refused(code) => Outcome::Refused(code),
        }
    }

    /// Concatenated messages still waiting for parts at the phone.
    pub(super) fn incomplete(&self) -> usize {
        self.phone.incomplete()
    }
}
