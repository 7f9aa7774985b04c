//! Received SMS: every SMS-DELIVER a modem hands over is stored here, concatenated parts
//! reassembled, and shown to the operator (`GET /v1/inbox`) — replies such as STOP included.
//!
//! Parts of a concatenated message wait in `inbox_parts`, keyed by (modem, originator,
//! concatenation reference, total) — the reference alone repeats across senders — until the
//! last one arrives; the whole message then moves to `inbox`. A part seen twice (a modem that
//! re-announces a stored SMS after a restart) is stored once. The worker deletes an SMS from
//! the SIM only after it is stored here and flushed, so a crash in between reads it again
//! rather than losing it.

use crate::queue::now_ms;
use crate::sms::Deliver;
use crate::store::{schema, Store, StoreError};
use serde::{Deserialize, Serialize};

/// Errors of the inbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("corrupt inbox record: {0}")]
    Corrupt(#[from] schema::RecordError),
}

impl From<sled::Error> for InboxError {
    fn from(e: sled::Error) -> Self {
        InboxError::Store(StoreError::Db(e))
    }
}

/// A received SMS, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub id: u64,
    /// The modem that received it.
    pub modem: String,
    /// The sender: `+` and digits, national digits, or an alphanumeric name.
    pub from: String,
    pub text: String,
    pub parts: u8,
    /// When the SMSC stamped it (unix seconds, from the first part).
    pub sent_s: i64,
    pub received_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Pending {
    /// (seq, text) of the parts so far.
    parts: Vec<(u8, String)>,
    sent_s: i64,
    first_ms: u64,
}

/// The inbox; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    store: Store,
    done: sled::Tree,
    pending: sled::Tree,
}

impl Inbox {
    pub fn open(store: Store) -> Result<Self, InboxError> {
        Ok(Self {
            done: store.tree(schema::INBOX)?,
            pending: store.tree(schema::INBOX_PARTS)?,
            store,
        })
    }

    /// Stores one received PDU's content; answers the whole message once it is complete.
    /// Not yet durable: call [`Inbox::flush`] before deleting the SMS from the SIM.
    pub fn receive(&self, modem: &str, sms: &Deliver) -> Result<Option<InboxMessage>, InboxError> {
        let text = match sms.body.text() {
            Some(t) => t.to_string(),
            // 8-bit data (WAP push, ...): kept visible rather than dropped.
            None => "<binary data>".to_string(),
        };
        let sent_s = sms.timestamp.unix_seconds();
        let from = sms.originator.value.clone();
        let Some(concat) = sms.concat.filter(|c| c.total > 1) else {
            return self.complete(modem, from, text, 1, sent_s).map(Some);
        };
        let key = pending_key(modem, &from, concat.reference, concat.total);
        let whole = self.pending.transaction(|tx| {
            let mut pending: Pending = match tx.get(&key)? {
                Some(v) => schema::decode(&v).unwrap_or_default(),
                None => Pending {
                    sent_s,
                    first_ms: now_ms(),
                    ..Pending::default()
                },
            };
            if !pending.parts.iter().any(|(s, _)| *s == concat.seq) {
                pending.parts.push((concat.seq, text.clone()));
            }
            if pending.parts.len() >= usize::from(concat.total) {
                tx.remove(key.as_slice())?;
                pending.parts.sort_by_key(|(s, _)| *s);
                return Ok(Some(pending));
            }
            let value = schema::encode(&pending)
                .map_err(sled::transaction::ConflictableTransactionError::Abort)?;
            tx.insert(key.as_slice(), value)?;
            Ok(None)
        });
        let whole = match whole {
            Ok(w) => w,
            Err(sled::transaction::TransactionError::Abort(e)) => return Err(e.into()),
            Err(sled::transaction::TransactionError::Storage(e)) => return Err(e.into()),
        };
        match whole {
            Some(p) => {
                let text: String = p.parts.iter().map(|(_, t)| t.as_str()).collect();
                self.complete(modem, from, text, concat.total, p.sent_s)
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn complete(
        &self,
        modem: &str,
        from: String,
        text: String,
        parts: u8,
        sent_s: i64,
    ) -> Result<InboxMessage, InboxError> {
        let id = self.store.generate_id()?;
        let msg = InboxMessage {
            id,
            modem: modem.to_string(),
            from,
            text,
            parts,
            sent_s,
            received_ms: now_ms(),
        };
        self.done
            .insert(schema::message_key(id), schema::encode(&msg)?)?;
        Ok(msg)
    }

    /// Makes what was received durable.
    pub async fn flush(&self) -> Result<(), InboxError> {
        Ok(self.store.flush().await?)
    }

    /// The newest `limit` messages, newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<InboxMessage>, InboxError> {
        let mut out = Vec::new();
        for item in self.done.iter().rev().take(limit) {
            let (_, v) = item?;
            out.push(schema::decode(&v)?);
        }
        Ok(out)
    }

    /// Deletes received SMS stored before `before_ms`, and parts still waiting for the rest of
    /// their message since then; answers how many.
    pub fn purge(&self, before_ms: u64) -> Result<usize, InboxError> {
        let mut purged = 0;
        for item in self.done.iter() {
            let (key, value) = item?;
            let Ok(msg) = schema::decode::<InboxMessage>(&value) else {
                continue;
            };
            if msg.received_ms >= before_ms {
                break;
            }
            self.done.remove(key)?;
            purged += 1;
        }
        for item in self.pending.iter() {
            let (key, value) = item?;
            if schema::decode::<Pending>(&value).is_ok_and(|p| p.first_ms < before_ms) {
                self.pending.remove(key)?;
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// Parts waiting for the rest of their message.
    pub fn incomplete(&self) -> usize {
        self.pending.len()
    }
}

fn pending_key(modem: &str, from: &str, reference: u16, total: u8) -> Vec<u8> {
    let mut key = Vec::with_capacity(modem.len() + from.len() + 5);
    key.extend_from_slice(modem.as_bytes());
    key.push(0);
    key.extend_from_slice(from.as_bytes());
    key.push(0);
    key.extend_from_slice(&reference.to_be_bytes());
    key.push(total);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two parts of one concatenated GSM 7-bit message and a single-part one, from oFono's and
    // the classic public examples (see src/sms/tests for their sources).
    fn deliver(text: &str, concat: Option<(u16, u8, u8)>, from: &str) -> Deliver {
        let mut d = crate::sms::decode_deliver(
            "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
        )
        .unwrap();
        d.body = crate::sms::Body::Text(text.into());
        d.originator.value = from.into();
        d.concat = concat.map(|(reference, total, seq)| crate::sms::Concat {
            reference,
            total,
            seq,
        });
        d
    }

    #[tokio::test]
    async fn parts_reassemble_once_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = Inbox::open(Store::open(dir.path()).unwrap()).unwrap();
        assert!(inbox
            .receive("m0", &deliver("world", Some((7, 2, 2)), "+331"))
            .unwrap()
            .is_none());
        // The same part again (re-announced) and another sender's part with the same ref.
        assert!(inbox
            .receive("m0", &deliver("world", Some((7, 2, 2)), "+331"))
            .unwrap()
            .is_none());
        assert!(inbox
            .receive("m0", &deliver("other", Some((7, 2, 1)), "+332"))
            .unwrap()
            .is_none());
        let whole = inbox
            .receive("m0", &deliver("hello ", Some((7, 2, 1)), "+331"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (whole.text.as_str(), whole.parts, whole.from.as_str()),
            ("hello world", 2, "+331")
        );
        let single = inbox
            .receive("m1", &deliver("STOP", None, "+333"))
            .unwrap()
            .unwrap();
        assert_eq!(single.text, "STOP");
        let listed = inbox.list(10).unwrap();
        assert_eq!(
            listed.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
            ["STOP", "hello world"]
        );
        assert_eq!(inbox.incomplete(), 1, "the other sender's part waits");
    }
}
