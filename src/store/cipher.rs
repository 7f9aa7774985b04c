//! At-rest encryption of message bodies (ChaCha20-Poly1305).
//!
//! A body may hold an OTP code, and codes are never stored in clear. The 256-bit key lives in
//! `<data_dir>/body.key`, created on first start with mode 0600. Each body gets a random 96-bit
//! nonce; the message id is bound in as associated data, so a sealed body cannot be moved to
//! another message.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// Errors of the body cipher.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    #[error(transparent)]
    Key(#[from] super::keyfile::KeyFileError),
    #[error("a sealed body failed authentication (wrong key or corrupt record)")]
    Open,
    #[error("encryption failed")]
    Seal,
}

/// A sealed body: nonce and ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    nonce: Vec<u8>,
    data: Vec<u8>,
}

/// The body cipher; cheap to clone.
#[derive(Clone)]
pub struct BodyCipher {
    aead: Arc<ChaCha20Poly1305>,
}

impl BodyCipher {
    /// Loads the key at `path`, creating it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, CipherError> {
        Ok(Self::from_key(&super::keyfile::load_or_create(path)?))
    }

    fn from_key(key: &[u8]) -> Self {
        Self {
            aead: Arc::new(ChaCha20Poly1305::new(Key::from_slice(key))),
        }
    }

    /// Seals `plain` for the record `id`.
    pub fn seal(&self, id: u64, plain: &str) -> Result<Sealed, CipherError> {
        let mut nonce = [0u8; 12];
        // Random 96-bit nonces from the thread's CSPRNG: no reuse in practice under one key.
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = id.to_be_bytes();
        let data = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| CipherError::Seal)?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            data,
        })
    }

    /// Opens a body sealed for the record `id`.
    pub fn open(&self, id: u64, sealed: &Sealed) -> Result<String, CipherError> {
        if sealed.nonce.len() != 12 {
            return Err(CipherError::Open);
        }
        let aad = id.to_be_bytes();
        let plain = self
            .aead
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.data,
                    aad: &aad,
                },
            )
            .map_err(|_| CipherError::Open)?;
        String::from_utf8(plain).map_err(|_| CipherError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let c = BodyCipher::from_key(&[7u8; 32]);
        let s = c.seal(5, "code 123456").unwrap();
        assert_eq!(c.open(5, &s).unwrap(), "code 123456");
        assert!(c.open(6, &s).is_err(), "bound to its record id");
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("123456"));
    }

    #[test]
    fn key_file_created_0600_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.key");
        let a = BodyCipher::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let b = BodyCipher::load_or_create(&path).unwrap();
        let s = a.seal(1, "x").unwrap();
        assert_eq!(b.open(1, &s).unwrap(), "x");
    }

    #[test]
    fn short_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.key");
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            BodyCipher::load_or_create(&path),
            Err(CipherError::Key(super::super::keyfile::KeyFileError::Size(
                _
            )))
        ));
    }
}
