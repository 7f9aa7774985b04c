//! Per-modem send caps: at most N parts a minute and M a day (a SIM plan's fair-use limit, an
//! operator's anti-spam threshold). Pure: times come from the caller.
//!
//! Rolling windows (the last 60 s, the last 24 h), kept in memory; [`super::sent_log`] keeps
//! the counts on disk so a restart starts from what the modem sent in the last day.

use std::collections::VecDeque;
use std::time::Duration;

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

/// The caps of one modem; `None` is no cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub per_minute: Option<u32>,
    pub per_day: Option<u32>,
}

/// The parts a modem sent recently.
#[derive(Debug, Default)]
pub struct Counter {
    caps: Caps,
    minute: VecDeque<u64>,
    day: VecDeque<u64>,
}

impl Counter {
    pub fn new(caps: Caps) -> Self {
        Self {
            caps,
            ..Self::default()
        }
    }

    /// A counter that already saw the parts sent at `times` (oldest first).
    pub fn with_history(caps: Caps, times: impl IntoIterator<Item = u64>) -> Self {
        let mut counter = Self::new(caps);
        for t in times {
            counter.sent(t);
        }
        counter
    }

    /// Counts one part sent at `now_ms`.
    pub fn sent(&mut self, now_ms: u64) {
        if self.caps.per_minute.is_some() {
            self.minute.push_back(now_ms);
        }
        if self.caps.per_day.is_some() {
            self.day.push_back(now_ms);
        }
    }

    /// `None` when a part may go now; else how long until one may.
    pub fn wait(&mut self, now_ms: u64) -> Option<Duration> {
        let minute = wait_in(&mut self.minute, self.caps.per_minute, MINUTE_MS, now_ms);
        let day = wait_in(&mut self.day, self.caps.per_day, DAY_MS, now_ms);
        minute.max(day).map(Duration::from_millis)
    }

    /// Parts counted in the last minute and the last day.
    pub fn counts(&self) -> (usize, usize) {
        (self.minute.len(), self.day.len())
    }
}

fn wait_in(times: &mut VecDeque<u64>, cap: Option<u32>, window: u64, now: u64) -> Option<u64> {
    let cap = usize::try_from(cap?).unwrap_or(usize::MAX);
    while times
        .front()
        .is_some_and(|&t| now.saturating_sub(t) >= window)
    {
        times.pop_front();
    }
    if times.len() < cap {
        return None;
    }
    // The oldest of the last `cap` sends must leave the window.
    let idx = times.len() - cap;
    times
        .get(idx)
        .map(|&t| (t + window).saturating_sub(now).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_minute_and_per_day() {
        let mut c = Counter::new(Caps {
            per_minute: Some(2),
            per_day: Some(3),
        });
        assert_eq!(c.wait(0), None);
        c.sent(0);
        c.sent(10);
        assert_eq!(c.wait(20), Some(Duration::from_millis(59_980)));
        assert_eq!(c.wait(60_000), None, "the first left the minute");
        c.sent(60_000);
        // Three in the day: the day cap now holds until the first send is a day old.
        assert_eq!(
            c.wait(120_000),
            Some(Duration::from_millis(DAY_MS - 120_000))
        );
        assert_eq!(c.wait(DAY_MS), None);
        assert_eq!(c.counts().1, 3 - 1);
    }

    #[test]
    fn no_caps_no_memory() {
        let mut c = Counter::new(Caps::default());
        for t in 0..1000 {
            c.sent(t);
        }
        assert_eq!(c.wait(1000), None);
        assert_eq!(c.counts(), (0, 0));
    }
}
