//! Status reports: matching a report to the part it is about, and what it does to the message.
//!
//! A report names the modem's message reference (TP-MR, 0-255, 23.040 §9.2.3.6), which the
//! modem handed out in its `+CMGS: <mr>` answer. References wrap after 256 parts, so the index
//! `part_refs` maps (modem, reference) to the part that most recently got it; a report for a
//! reference that was reused since is matched to the newer part, which is the one whose report
//! the network can still send (reports come within seconds to hours; a modem sending 256 parts
//! in that time makes the older one ambiguous by design of the protocol).

use super::message::{Message, PartStatus};
use super::{now_ms, Queue, QueueError};
use crate::store::{schema, StoreError};

/// What one report says of its part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportOutcome {
    Delivered,
    /// A temporary state (the SC keeps trying): noted, nothing decided.
    Pending(String),
    Failed(String),
}

impl Queue {
    /// Applies a status report from `modem` for message reference `mr`. Answers the updated
    /// message, or `None` when no part is known by that reference.
    pub fn report(
        &self,
        modem: &str,
        mr: u8,
        outcome: &ReportOutcome,
    ) -> Result<Option<Message>, QueueError> {
        let key = schema::part_ref_key(modem, mr);
        let Some(value) = self.inner.part_refs.get(&key).map_err(StoreError::from)? else {
            return Ok(None);
        };
        let Some((id, seq)) = schema::part_ref_parse(&value) else {
            return Ok(None);
        };
        let now = now_ms();
        let updated = self.modify(id, |m| {
            let Some(part) = m
                .parts
                .iter_mut()
                .find(|p| p.seq == seq && p.message_ref == mr && p.modem == modem)
            else {
                return false;
            };
            // A final state is final: a late temporary report must not undo it.
            if !matches!(part.status, PartStatus::Pending { .. }) {
                return true;
            }
            part.status = match outcome {
                ReportOutcome::Delivered => PartStatus::Delivered { at_ms: now },
                ReportOutcome::Pending(note) => PartStatus::Pending {
                    note: Some(note.clone()),
                },
                ReportOutcome::Failed(reason) => PartStatus::Failed {
                    at_ms: now,
                    reason: reason.clone(),
                },
            };
            m.settle(now);
            true
        })?;
        Ok(match updated {
            Some((m, true)) => Some(m),
            _ => None,
        })
    }
}

impl Queue {
    /// Deletes messages that finished (sent, delivered, failed, expired) and were created
    /// before `before_ms`; answers how many. A message still waiting is never touched, however
    /// old. Ids grow with time, so the scan stops at the first message created after the
    /// cut-off.
    pub fn purge_finished(&self, before_ms: u64) -> Result<usize, QueueError> {
        let mut purged = 0;
        for item in self.inner.messages.iter() {
            let (key, value) = item.map_err(StoreError::from)?;
            let Ok(msg) = super::decode(&value) else {
                continue;
            };
            if msg.created_ms >= before_ms {
                break;
            }
            if msg.state.is_done_sending() {
                // Only if unchanged since read: a late report's update is not lost.
                let gone = self
                    .inner
                    .messages
                    .compare_and_swap(&key, Some(&value), None as Option<&[u8]>)
                    .map_err(StoreError::from)?;
                if gone.is_ok() {
                    self.inner.counts.remove(&msg);
                    purged += 1;
                }
            }
        }
        Ok(purged)
    }
}
