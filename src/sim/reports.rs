//! Status reports the network owes the modem (TS 23.040 §9.2.2.3 SMS-STATUS-REPORT, asked
//! for with TP-SRR in the SMS-SUBMIT): one per +CMGS that asked, `delay` after it, with the
//! TP-MR the modem answered, the destination as TP-RA and the configured TP-ST. A per-number
//! rule can give a sequence (a temporary report, then the final one), each `delay` apart.
//! How a due report reaches the host (+CDS, stored with +CDSI, or not at all) depends on
//! +CNMI's `<ds>` at that moment and is `device`'s business.

use super::rules::ReportRule;
use chrono::NaiveDateTime;
use std::time::{Duration, Instant};

/// Reports pending at once at most; past it the oldest are dropped (a network that never
/// gets to deliver them would otherwise grow this without bound).
const MAX_PENDING: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportConfig {
    pub delay: Duration,
    pub default_status: u8,
    pub per_number: Vec<ReportRule>,
}

/// A report on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pending {
    pub due: Instant,
    pub mr: u8,
    pub recipient: String,
    /// When the SC took the message (TP-SCTS).
    pub scts: NaiveDateTime,
    pub status: u8,
}

#[derive(Debug)]
pub(super) struct Reports {
    cfg: ReportConfig,
    pending: Vec<Pending>,
}

impl Reports {
    pub(super) fn new(cfg: ReportConfig) -> Reports {
        Reports {
            cfg,
            pending: Vec::new(),
        }
    }

    /// A +CMGS with TP-SRR set was answered with `mr`.
    pub(super) fn schedule(&mut self, now: Instant, scts: NaiveDateTime, mr: u8, to: &str) {
        let statuses = self
            .cfg
            .per_number
            .iter()
            .find(|r| r.number == to)
            .map_or_else(|| vec![self.cfg.default_status], |r| r.statuses.clone());
        let mut due = now;
        for status in statuses {
            due += self.cfg.delay;
            self.pending.push(Pending {
                due,
                mr,
                recipient: to.to_string(),
                scts,
                status,
            });
        }
        if self.pending.len() > MAX_PENDING {
            let excess = self.pending.len() - MAX_PENDING;
            self.pending.drain(..excess);
        }
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.due).min()
    }

    /// The reports due at `now`, oldest first.
    pub(super) fn take_due(&mut self, now: Instant) -> Vec<Pending> {
        let (mut due, later): (Vec<Pending>, Vec<Pending>) =
            self.pending.drain(..).partition(|p| p.due <= now);
        self.pending = later;
        due.sort_by_key(|p| p.due);
        due
    }

    /// The `report_status` control op: the default TP-ST, or a number's sequence; and the
    /// delay, when given.
    pub(super) fn configure(
        &mut self,
        number: Option<&str>,
        statuses: Vec<u8>,
        delay: Option<Duration>,
    ) {
        match number {
            None => {
                if let Some(first) = statuses.first() {
                    self.cfg.default_status = *first;
                }
            }
            Some(n) => {
                self.cfg.per_number.retain(|r| r.number != n);
                self.cfg.per_number.push(ReportRule {
                    number: n.to_string(),
                    statuses,
                });
            }
        }
        if let Some(d) = delay {
            self.cfg.delay = d;
        }
    }

    pub(super) fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_one_report_per_status_in_order() {
        let now = Instant::now();
        let wall = NaiveDateTime::default();
        let ms = Duration::from_millis;
        let mut r = Reports::new(ReportConfig {
            delay: ms(100),
            default_status: 0,
            per_number: vec![ReportRule {
                number: "+2".into(),
                statuses: vec![0x20, 0x00],
            }],
        });
        r.schedule(now, wall, 5, "+1");
        r.schedule(now, wall, 6, "+2");
        assert_eq!(r.deadline(), Some(now + ms(100)));
        let first: Vec<(u8, u8)> = r
            .take_due(now + ms(100))
            .iter()
            .map(|p| (p.mr, p.status))
            .collect();
        assert_eq!(first, vec![(5, 0), (6, 0x20)]);
        let second = r.take_due(now + ms(200));
        assert_eq!((second[0].mr, second[0].status), (6, 0));
        assert_eq!(r.deadline(), None);
        r.configure(None, vec![0x41], Some(ms(5)));
        r.schedule(now, wall, 7, "+1");
        assert_eq!(r.take_due(now + ms(5))[0].status, 0x41);
    }
}
