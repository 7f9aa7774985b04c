//! Which configured SIM PINs a SIM rejected — remembered across restarts.
//!
//! A SIM blocks after three wrong PINs and then wants its PUK: a wrong PIN must be entered
//! once, never again, not even by the next start of the daemon. So a rejection is stored
//! (tree `modem_pins`, by modem id) before anything else happens, and the worker withholds the
//! PIN while the configuration still holds the rejected one. Only an HMAC of the PIN under the
//! server key is stored; it also tells when the operator puts a new PIN in the configuration,
//! which is then tried — once. A successful unlock forgets the rejection.

use crate::store::{schema, Store, StoreError};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The rejected-PIN memory; cheap to clone.
#[derive(Clone)]
pub struct Pins {
    store: Store,
    tree: sled::Tree,
}

impl Pins {
    pub fn open(store: Store) -> Result<Self, StoreError> {
        Ok(Self {
            tree: store.tree(schema::MODEM_PINS)?,
            store,
        })
    }

    fn digest(&self, modem: &str, pin: &str) -> Vec<u8> {
        let key = self.store.hmac_key();
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&key) else {
            return Vec::new();
        };
        mac.update(b"otpgate-sim-pin-v1\0");
        mac.update(modem.as_bytes());
        mac.update(b"\0");
        mac.update(pin.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether the SIM of `modem` rejected `pin` before.
    pub fn rejected(&self, modem: &str, pin: &str) -> bool {
        let digest = self.digest(modem, pin);
        matches!(self.tree.get(modem.as_bytes()), Ok(Some(v)) if crate::otp::secret::ct_eq(&v, &digest))
    }

    /// Remembers a rejection; durable when this returns.
    pub async fn reject(&self, modem: &str, pin: &str) -> Result<(), StoreError> {
        self.tree
            .insert(modem.as_bytes(), self.digest(modem, pin))?;
        self.store.flush().await
    }

    /// Forgets a rejection (the SIM took a PIN).
    pub fn accepted(&self, modem: &str) {
        if let Err(e) = self.tree.remove(modem.as_bytes()) {
            tracing::warn!(modem, error = %e, "cannot clear a PIN rejection");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_rejection_survives_and_a_new_pin_is_tried() {
        let dir = tempfile::tempdir().unwrap();
        let pins = Pins::open(Store::open(dir.path()).unwrap()).unwrap();
        assert!(!pins.rejected("m0", "1234"));
        pins.reject("m0", "1234").await.unwrap();
        assert!(pins.rejected("m0", "1234"));
        assert!(
            !pins.rejected("m0", "4321"),
            "a new PIN in the config is tried"
        );
        assert!(!pins.rejected("m1", "1234"), "per modem");
        let stored = pins.tree.get("m0").unwrap().unwrap();
        assert!(
            !stored.windows(4).any(|w| w == b"1234"),
            "never the PIN itself"
        );
        pins.accepted("m0");
        assert!(!pins.rejected("m0", "1234"));
    }
}
