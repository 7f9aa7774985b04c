//! Messages by state and modem, kept as the queue writes them, so `/metrics` reads counts
//! instead of scanning sled. Built from every record when the queue opens (the open reads each
//! one anyway), then moved by one on every insert, state change and purge: correct across
//! restarts.

use super::message::{Message, State};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The key of a message: its state and the modem it is on (`""`: none, see
/// [`Message::on_modem`]).
pub type Key = (State, String);

fn key(msg: &Message) -> Key {
    (msg.state, msg.on_modem().unwrap_or_default().to_string())
}

/// The counts; a key once seen stays (at 0), so a series does not vanish between scrapes.
#[derive(Default)]
pub(crate) struct Counts(Mutex<BTreeMap<Key, u64>>);

impl Counts {
    pub(crate) fn add(&self, msg: &Message) {
        *self.lock().entry(key(msg)).or_default() += 1;
    }

    pub(crate) fn remove(&self, msg: &Message) {
        if let Some(n) = self.lock().get_mut(&key(msg)) {
            *n = n.saturating_sub(1);
        }
    }

    /// A stored message changed from `before` (its key, read before the change) to `after`.
    pub(crate) fn moved(&self, before: Key, after: &Message) {
        let after = key(after);
        if before == after {
            return;
        }
        let mut counts = self.lock();
        if let Some(n) = counts.get_mut(&before) {
            *n = n.saturating_sub(1);
        }
        *counts.entry(after).or_default() += 1;
    }

    pub(crate) fn key_of(msg: &Message) -> Key {
        key(msg)
    }

    pub(crate) fn snapshot(&self) -> Vec<(Key, u64)> {
        self.lock().iter().map(|(k, n)| (k.clone(), *n)).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, u64>> {
        // Plain counters: a panic elsewhere cannot leave them half-updated.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
