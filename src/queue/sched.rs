//! Dispatch order, in memory: OTPs before anything else, oldest first, backoff respected.
//!
//! Two ordered sets: `ready` by (priority, id) — ids grow with time, so this is "oldest
//! first" — and `delayed` by (due time, priority, id). Rebuilt from sled at start.

use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Default)]
pub(super) struct Schedule {
    ready: BTreeSet<(u8, u64)>,
    delayed: BTreeSet<(u64, u8, u64)>,
}

impl Schedule {
    pub(super) fn insert(&mut self, priority: u8, id: u64, due_ms: u64, now_ms: u64) {
        if due_ms <= now_ms {
            self.ready.insert((priority, id));
        } else {
            self.delayed.insert((due_ms, priority, id));
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ready.len() + self.delayed.len()
    }

    /// The next id due now, or how long until one is.
    pub(super) fn pop_due(&mut self, now_ms: u64) -> (Option<u64>, Option<Duration>) {
        while let Some(&(due, priority, id)) = self.delayed.first() {
            if due > now_ms {
                break;
            }
            self.delayed.pop_first();
            self.ready.insert((priority, id));
        }
        if let Some((_, id)) = self.ready.pop_first() {
            return (Some(id), None);
        }
        let wait = self
            .delayed
            .first()
            .map(|&(due, _, _)| Duration::from_millis(due.saturating_sub(now_ms)));
        (None, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_then_age_then_backoff() {
        let mut s = Schedule::default();
        s.insert(5, 1, 0, 100);
        s.insert(0, 3, 0, 100);
        s.insert(0, 2, 0, 100);
        s.insert(0, 4, 150, 100);
        assert_eq!(s.pop_due(100).0, Some(2));
        assert_eq!(s.pop_due(100).0, Some(3));
        assert_eq!(s.pop_due(100).0, Some(1));
        assert_eq!(s.pop_due(100), (None, Some(Duration::from_millis(50))));
        assert_eq!(s.pop_due(150).0, Some(4));
        assert_eq!(s.len(), 0);
    }
}
