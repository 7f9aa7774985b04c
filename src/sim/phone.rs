//! The far end: the handset that receives what the simulated modem sent. It reassembles
//! concatenated parts per (destination, concatenation reference) as a phone does
//! (TS 23.040 §9.2.3.24.1) and hands back each complete message for the record.

use super::pdu::Submit;
use super::ReceivedSms;
use std::collections::HashMap;

/// Incomplete messages kept at most; past it the oldest is dropped, as a handset gives up on
/// parts that never complete.
const MAX_PENDING: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    to: String,
    reference: u16,
    wide: bool,
}

#[derive(Debug)]
struct Partial {
    parts: Vec<Option<Submit>>,
    arrival: u64,
}

/// Parts waiting for their siblings.
#[derive(Debug, Default)]
pub(super) struct Phone {
    pending: HashMap<Key, Partial>,
    arrivals: u64,
}

impl Phone {
    /// Takes one delivered part; returns the message when it is complete. A part sent again
    /// (a retry) replaces the earlier copy; a different part count under the same reference
    /// starts the message over.
    pub(super) fn deliver(&mut self, part: Submit) -> Option<ReceivedSms> {
        let Some(concat) = part.concat.filter(|c| c.total > 1) else {
            return Some(record(vec![part]));
        };
        let key = Key {
            to: part.to.clone(),
            reference: concat.reference,
            wide: concat.wide,
        };
        self.arrivals += 1;
        let total = usize::from(concat.total);
        let entry = self.pending.entry(key.clone()).or_insert_with(|| Partial {
            parts: Vec::new(),
            arrival: 0,
        });
        if entry.parts.len() != total {
            entry.parts = vec![None; total];
        }
        entry.arrival = self.arrivals;
        if let Some(slot) = entry
            .parts
            .get_mut(usize::from(concat.seq).saturating_sub(1))
        {
            *slot = Some(part);
        }
        if entry.parts.iter().all(Option::is_some) {
            let done = self.pending.remove(&key)?;
            return Some(record(done.parts.into_iter().flatten().collect()));
        }
        self.evict();
        None
    }

    /// Messages still missing parts.
    pub(super) fn incomplete(&self) -> usize {
        self.pending.len()
    }

    fn evict(&mut self) {
        if self.pending.len() <= MAX_PENDING {
            return;
        }
        let oldest = self
            .pending
            .iter()
            .min_by_key(|(_, p)| p.arrival)
            .map(|(k, _)| k.clone());
        if let Some(key) = oldest {
            self.pending.remove(&key);
        }
    }
}

fn record(parts: Vec<Submit>) -> ReceivedSms {
    let first = parts.first();
    ReceivedSms {
        to: first.map(|p| p.to.clone()).unwrap_or_default(),
        text: parts.iter().map(|p| p.text.as_str()).collect(),
        parts: u8::try_from(parts.len()).unwrap_or(u8::MAX),
        encoding: first
            .map(|p| p.alphabet.name())
            .unwrap_or("gsm7")
            .to_string(),
        status_report: parts.iter().any(|p| p.status_report),
    }
}

#[cfg(test)]
mod tests {
    use super::super::pdu::{Alphabet, Concat};
    use super::*;

    fn part(to: &str, text: &str, concat: Option<(u16, u8, u8)>) -> Submit {
        Submit {
            smsc: None,
            status_report: false,
            reference: 0,
            to: to.into(),
            pid: 0,
            dcs: 0,
            alphabet: Alphabet::Gsm7,
            concat: concat.map(|(reference, total, seq)| Concat {
                reference,
                wide: false,
                total,
                seq,
            }),
            text: text.into(),
        }
    }

    #[test]
    fn single_part_is_complete_at_once() {
        let mut phone = Phone::default();
        let got = phone.deliver(part("+1", "hi", None)).unwrap();
        assert_eq!((got.text.as_str(), got.parts), ("hi", 1));
    }

    #[test]
    fn parts_in_any_order_per_destination_and_reference() {
        let mut phone = Phone::default();
        // Two messages with the same reference to different numbers, interleaved.
        assert!(phone.deliver(part("+1", "c", Some((7, 3, 3)))).is_none());
        assert!(phone.deliver(part("+2", "B", Some((7, 2, 2)))).is_none());
        assert!(phone.deliver(part("+1", "a", Some((7, 3, 1)))).is_none());
        // A retried part replaces its first copy.
        assert!(phone.deliver(part("+1", "a", Some((7, 3, 1)))).is_none());
        let one = phone.deliver(part("+1", "b", Some((7, 3, 2)))).unwrap();
        assert_eq!(
            (one.to.as_str(), one.text.as_str(), one.parts),
            ("+1", "abc", 3)
        );
        let two = phone.deliver(part("+2", "A", Some((7, 2, 1)))).unwrap();
        assert_eq!((two.text.as_str(), two.parts), ("AB", 2));
        assert_eq!(phone.incomplete(), 0);
    }

    #[test]
    fn status_report_if_any_part_asked_for_one() {
        let mut phone = Phone::default();
        let mut last = part("+1", "b", Some((1, 2, 2)));
        last.status_report = true;
        assert!(phone.deliver(part("+1", "a", Some((1, 2, 1)))).is_none());
        assert!(phone.deliver(last).unwrap().status_report);
    }

    #[test]
    fn forgets_the_oldest_incomplete_message_past_the_limit() {
        let mut phone = Phone::default();
        for r in 0..=MAX_PENDING as u16 {
            assert!(phone.deliver(part("+1", "x", Some((r, 2, 1)))).is_none());
        }
        assert_eq!(phone.incomplete(), MAX_PENDING);
        // Reference 0 was the oldest: its second part starts a new, incomplete message.
        assert!(phone.deliver(part("+1", "y", Some((0, 2, 2)))).is_none());
    }
}
