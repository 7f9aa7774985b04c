//! The outbox: events waiting for the receiver, in sled (`webhook_outbox`, see
//! [`crate::store::schema`]). Keys are event ids (u64 big-endian, from the store's id
//! generator), so iteration order is the order the events were made; values are the JSON
//! bodies exactly as they will be POSTed, so a retry sends the same bytes (and signature).

use crate::store::{schema, Store, StoreError};

/// Events not yet taken by the receiver.
#[derive(Clone)]
pub struct Outbox {
    tree: sled::Tree,
}

impl Outbox {
    pub fn open(store: &Store) -> Result<Self, StoreError> {
        Ok(Self {
            tree: store.tree(schema::WEBHOOK_OUTBOX)?,
        })
    }

    /// Adds an event. Not flushed here: it becomes durable with the store's next flush.
    pub fn push(&self, id: u64, body: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(schema::message_key(id), body)?;
        Ok(())
    }

    /// The oldest event. A record whose key is not an id (which this code never writes) is
    /// logged and removed, so it cannot block the events behind it.
    pub fn first(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        while let Some((key, value)) = self.tree.first()? {
            match schema::message_id(&key) {
                Some(id) => return Ok(Some((id, value.to_vec()))),
                None => {
                    tracing::error!(key = ?key, "dropping a malformed webhook outbox record");
                    self.tree.remove(key)?;
                }
            }
        }
        Ok(None)
    }

    /// Removes a delivered event.
    pub fn remove(&self, id: u64) -> Result<(), StoreError> {
        self.tree.remove(schema::message_key(id))?;
        Ok(())
    }

    /// Events waiting (walks the tree: for tests and diagnostics, not the hot path).
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn oldest_first_and_malformed_keys_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let outbox = Outbox::open(&store).unwrap();
        assert!(outbox.first().unwrap().is_none());
        outbox.push(300, b"c").unwrap();
        outbox.push(2, b"a").unwrap();
        outbox.push(256, b"b").unwrap();
        // Sorts before every 8-byte key; must not be mistaken for an event.
        outbox.tree.insert(b"x", &b"junk"[..]).unwrap();
        let mut seen = Vec::new();
        while let Some((id, body)) = outbox.first().unwrap() {
            seen.push((id, body));
            outbox.remove(id).unwrap();
        }
        assert_eq!(
            seen,
            vec![
                (2, b"a".to_vec()),
                (256, b"b".to_vec()),
                (300, b"c".to_vec())
            ]
        );
        assert!(outbox.is_empty());
    }
}
