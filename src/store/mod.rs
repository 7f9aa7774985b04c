//! Durable storage: sled behind a small interface.
//!
//! This module owns the database handle, the key schema ([`schema`]), the group-commit flusher
//! ([`Flusher`]) and the at-rest encryption of message bodies ([`BodyCipher`]). Nothing else
//! opens sled or touches a key file: the queue (and later the OTP service) call the typed
//! functions here.
//!
//! Durability contract: a write is durable once [`Store::flush`] returned. Many concurrent
//! callers share one `flush_async` (group commit), so awaiting durability before answering an
//! HTTP request does not cost throughput.

mod cipher;
mod flusher;
pub mod keyfile;
pub mod schema;

pub use cipher::{BodyCipher, CipherError, Sealed};
pub use flusher::Flusher;

use std::path::{Path, PathBuf};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
    #[error("cannot create or read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Cipher(#[from] CipherError),
    #[error("the flusher has stopped")]
    FlusherGone,
}

/// The opened database and the parts that go with it.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    flusher: Flusher,
    cipher: BodyCipher,
    hmac_key: [u8; 32],
}

impl Store {
    /// Opens (or creates) the database under `data_dir`, with its body key.
    ///
    /// Must be called inside a tokio runtime: it starts the flusher task.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let cipher = BodyCipher::load_or_create(&data_dir.join("body.key"))?;
        let hmac_key =
            keyfile::load_or_create(&data_dir.join("hmac.key")).map_err(CipherError::from)?;
        let db = sled::Config::new()
            .path(data_dir.join("db"))
            // sled's own periodic flush stays on as a safety net; durability for callers
            // comes from the explicit group flush.
            .flush_every_ms(Some(1000))
            .cache_capacity(8 * 1024 * 1024)
            .open()?;
        let flusher = Flusher::start(db.clone());
        Ok(Self {
            db,
            flusher,
            cipher,
            hmac_key,
        })
    }

    /// A named tree of the schema.
    pub fn tree(&self, name: &'static str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Waits until everything written before this call is on disk.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.flusher.flush().await
    }

    /// A unique, monotonically increasing id (persisted by sled across restarts).
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// The server key for OTP code digests (`<data_dir>/hmac.key`).
    pub fn hmac_key(&self) -> [u8; 32] {
        self.hmac_key
    }

    /// The body cipher (key loaded from the data directory).
    pub fn cipher(&self) -> &BodyCipher {
        &self.cipher
    }

    /// Flushes synchronously; used at shutdown.
    pub fn flush_blocking(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}
