//! Server key files: 32 random bytes in the data directory, created on first start, mode 0600.

use rand::RngCore;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Errors of reading or creating a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {0} does not hold 32 bytes")]
    Size(String),
}

/// Reads the 32-byte key at `path`, creating it (mode 0600, synced) when it does not exist.
pub fn load_or_create(path: &Path) -> Result<[u8; 32], KeyFileError> {
    let err = |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(err)?;
            file.write_all(&key).map_err(err)?;
            file.sync_all().map_err(err)?;
            return Ok(key);
        }
        Err(e) => return Err(err(e)),
    };
    bytes
        .try_into()
        .map_err(|_| KeyFileError::Size(path.display().to_string()))
}
