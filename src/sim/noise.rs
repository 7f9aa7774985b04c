//! `--urc-noise`: the unsolicited chatter of a real modem (registration, signal, mode
//! reports; TS 27.007 §7.2 +CREG, §8.10 +CIEV, and the Huawei ^RSSI/^HCSQ/^MODE/^SRVST and
//! Quectel +QIND vendor URCs) that an AT client must tell apart from answers. Only lines that
//! mean nothing to an SMS gateway: no +CMTI, RDY, ^BOOT or +CPIN, which do. The machine decides
//! where a line may go (boundaries only); this decides when and which, from a seeded stream.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const LINES: &[&str] = &[
    "+CREG: 1",
    "+CGREG: 1",
    "+CEREG: 1",
    "^RSSI: 17",
    "^HCSQ: \"LTE\",50,40,120,20",
    "+CIEV: 2,3",
    "^MODE: 5,4",
    "^SRVST: 2",
    "+QIND: \"csq\",20,99",
];

/// The chance of a line at each answer boundary: with three boundaries an answer, a few
/// hundred SMS meet hundreds of lines.
const CHANCE: f64 = 0.3;

#[derive(Debug)]
pub(super) struct Noise {
    enabled: bool,
    rng: StdRng,
    /// When an idle line is next due.
    next: Option<Instant>,
}

impl Noise {
    pub(super) fn new(enabled: bool, seed: u64) -> Noise {
        Noise {
            enabled,
            rng: StdRng::seed_from_u64(seed),
            next: None,
        }
    }

    /// A line at an answer boundary, by chance.
    pub(super) fn maybe(&mut self) -> Option<&'static str> {
        (self.enabled && self.rng.gen_bool(CHANCE)).then(|| self.pick())
    }

    /// The idle timer: a line if it is due (and `now` suits the caller), the next one
    /// scheduled 20-250 ms later.
    pub(super) fn idle(&mut self, now: Instant) -> Option<&'static str> {
        if !self.enabled {
            return None;
        }
        match self.next {
            Some(at) if now >= at => {
                self.schedule(now);
                Some(self.pick())
            }
            None => {
                self.schedule(now);
                None
            }
            Some(_) => None,
        }
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.next.filter(|_| self.enabled)
    }

    fn schedule(&mut self, now: Instant) {
        self.next = Some(now + Duration::from_millis(self.rng.gen_range(20..250)));
    }

    fn pick(&mut self) -> &'static str {
        LINES
            .get(self.rng.gen_range(0..LINES.len()))
            .copied()
            .unwrap_or("+CREG: 1")
    }
}
