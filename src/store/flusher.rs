//! Group commit: one `flush_async` shared by every caller waiting at the time.
//!
//! Callers write to sled, then call [`Flusher::flush`]. A single task drains all waiting
//! callers, runs one flush and wakes them all. A caller that arrives while a flush runs waits for
//! the next one, because its write may have missed the running flush.

use super::StoreError;
use tokio::sync::{mpsc, oneshot};

type Waiter = oneshot::Sender<Result<(), String>>;

/// Handle to the flusher task.
#[derive(Clone)]
pub struct Flusher {
    tx: mpsc::UnboundedSender<Waiter>,
}

impl Flusher {
    /// Starts the flusher task for `db`.
    pub fn start(db: sled::Db) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Waiter>();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(first) = rx.recv().await {
                batch.push(first);
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let result = db
                    .flush_async()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::error!(error = %e, "database flush failed");
                }
                for waiter in batch.drain(..) {
                    let _ = waiter.send(result.clone());
                }
            }
        });
        Self { tx }
    }

    /// Waits until every write made before this call is durable.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(tx).map_err(|_| StoreError::FlusherGone)?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Db(sled::Error::Io(std::io::Error::other(e)))),
            Err(_) => Err(StoreError::FlusherGone),
        }
    }
}
