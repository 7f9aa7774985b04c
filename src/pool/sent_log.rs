//! What each capped modem sent in the last day, on disk — so a restart (or a crash loop)
//! does not hand a SIM a fresh daily allowance its plan never gave it.
//!
//! Tree `modem_sent`: key modem id `\0` minute (unix minutes, u64 BE), value the parts sent in
//! that minute (u32 BE). A start reads the last 24 hours back into the in-memory
//! [`super::caps::Counter`], counting each part at the end of its minute (a restored part
//! leaves a window at most a minute late, never early: the cap errs on the strict side); the
//! first part of each new minute drops that modem's minutes older than a day (a modem taken
//! out of the configuration leaves at most a day of minutes behind). Counts are not flushed
//! on their own: they reach the disk with the store's next flush, so a crash can forget the
//! last moment's parts. Modems without caps record nothing.

use super::caps::Caps;
use crate::store::{schema, Store, StoreError};

const MINUTE_MS: u64 = 60_000;
const DAY_MINUTES: u64 = 24 * 60;

/// The persisted send counts; cheap to clone.
#[derive(Clone)]
pub struct SentLog {
    tree: sled::Tree,
}

impl SentLog {
    pub fn open(store: &Store) -> Result<Self, StoreError> {
        Ok(Self {
            tree: store.tree(schema::MODEM_SENT)?,
        })
    }

    /// Counts one part `modem` sent at `now_ms`, when it has caps.
    pub fn sent(&self, modem: &str, caps: Caps, now_ms: u64) {
        if caps == Caps::default() {
            return;
        }
        let minute = now_ms / MINUTE_MS;
        let bump = |old: Option<&[u8]>| {
            let n = old.map_or(0, read_count).saturating_add(1);
            Some(n.to_be_bytes().to_vec())
        };
        match self.tree.update_and_fetch(key(modem, minute), bump) {
            // The first part of a new minute: minutes older than a day go.
            Ok(Some(v)) if read_count(&v) == 1 => self.forget_before(modem, minute),
            Ok(_) => {}
            Err(e) => tracing::warn!(modem, error = %e, "cannot record a sent part for the caps"),
        }
    }

    fn forget_before(&self, modem: &str, minute: u64) {
        let old = key(modem, 0)..key(modem, minute.saturating_sub(DAY_MINUTES));
        for k in self.tree.range(old).keys().flatten() {
            let _ = self.tree.remove(k);
        }
    }

    /// The send times to restore for `modem` (the end of each minute, once per part), oldest
    /// first; minutes older than a day are deleted.
    pub fn recent(&self, modem: &str, now_ms: u64) -> Vec<u64> {
        let now_minute = now_ms / MINUTE_MS;
        let oldest = now_minute.saturating_sub(DAY_MINUTES);
        let mut times = Vec::new();
        for (k, v) in self.tree.scan_prefix(prefix(modem)).flatten() {
            let Some(minute) = minute_of(&k) else {
                continue;
            };
            if minute < oldest {
                let _ = self.tree.remove(k);
                continue;
            }
            let at = (minute * MINUTE_MS + MINUTE_MS - 1).min(now_ms);
            times.extend(std::iter::repeat_n(at, read_count(&v) as usize));
        }
        times
    }
}

fn prefix(modem: &str) -> Vec<u8> {
    let mut p = modem.as_bytes().to_vec();
    p.push(0);
    p
}

fn key(modem: &str, minute: u64) -> Vec<u8> {
    let mut k = prefix(modem);
    k.extend_from_slice(&minute.to_be_bytes());
    k
}

fn minute_of(key: &[u8]) -> Option<u64> {
    let tail = key.get(key.len().checked_sub(8)?..)?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

fn read_count(v: &[u8]) -> u32 {
    v.try_into().map(u32::from_be_bytes).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPPED: Caps = Caps {
        per_minute: None,
        per_day: Some(100),
    };

    #[tokio::test]
    async fn counts_per_modem_and_a_day_ages_them_out() {
        // (Across a restart: tests/it/pool.rs, a_modem_stops_at_its_send_cap_and_says_so.)
        let dir = tempfile::tempdir().unwrap();
        let t0 = 1_800_000_000_000;
        let log = SentLog::open(&Store::open(dir.path()).unwrap()).unwrap();
        log.sent("m0", CAPPED, t0);
        log.sent("m0", CAPPED, t0 + 1);
        log.sent("m0", CAPPED, t0 + MINUTE_MS);
        log.sent("m1", CAPPED, t0);
        log.sent("m2", Caps::default(), t0);
        let now = t0 + 2 * MINUTE_MS;
        let m0 = log.recent("m0", now);
        assert_eq!(m0.len(), 3);
        assert!(m0.iter().all(|&t| t >= t0 && t <= now), "{m0:?}");
        assert!(m0.windows(2).all(|w| w[0] <= w[1]), "oldest first");
        assert_eq!(log.recent("m1", now).len(), 1, "per modem");
        assert!(log.recent("m2", now).is_empty(), "no caps, no log");
        // A day later they are gone, from the answer and from the disk...
        let later = t0 + (DAY_MINUTES + 2) * MINUTE_MS;
        assert!(log.recent("m0", later).is_empty());
        assert_eq!(log.tree.scan_prefix(prefix("m0")).count(), 0);
        // ...also for a daemon that never restarts: a new minute drops what is a day old.
        log.sent("m1", CAPPED, later);
        assert_eq!(
            log.tree.scan_prefix(prefix("m1")).count(),
            1,
            "only the new minute"
        );
    }
}
