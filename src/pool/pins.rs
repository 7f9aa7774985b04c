//! Which configured SIM PINs a SIM rejected — remembered across restarts.
//!
//! A SIM blocks after three wrong PINs and then wants its PUK: a wrong PIN must be entered
//! once, never again, not even by the next start of the daemon. So a rejection is stored
//! (tree `modem_pins`, by modem id) before anything else happens, and the worker withholds the
//! PIN while the configuration still holds the rejected one. Only an HMAC of the PIN under the
//! server key is stored; it also tells when the operator puts a new PIN in the configuration,
//! which is then tried — once. A successful unlock forgets the rejection.
//!
//! An entry whose outcome is unknown (no answer, a restart in the middle: see
//! [`crate::modem::bringup`]) may or may not have used up a try, and the PIN may be right:
//! it is remembered for this run only, in memory, and the worker withholds the PIN until the
//! SIM is seen unlocked — so a modem that never answers the entry cannot use up the three
//! tries in three quick bring-ups. A restart of the daemon tries the PIN once more.

use crate::store::{schema, Store, StoreError};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The rejected-PIN memory; cheap to clone.
#[derive(Clone)]
pub struct Pins {
    store: Store,
    tree: sled::Tree,
    /// Modem id → why its last PIN entry went unconfirmed (this run only).
    unconfirmed: Arc<Mutex<HashMap<String, String>>>,
}

impl Pins {
    pub fn open(store: Store) -> Result<Self, StoreError> {
        Ok(Self {
            tree: store.tree(schema::MODEM_PINS)?,
            store,
            unconfirmed: Arc::default(),
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

    /// Forgets a rejection, and an unconfirmed entry (the SIM is unlocked).
    pub fn accepted(&self, modem: &str) {
        if let Err(e) = self.tree.remove(modem.as_bytes()) {
            tracing::warn!(modem, error = %e, "cannot clear a PIN rejection");
        }
        if let Ok(mut u) = self.unconfirmed.lock() {
            u.remove(modem);
        }
    }

    /// Remembers, for this run, that the PIN entry of `modem` went unconfirmed and why.
    pub fn unconfirmed(&self, modem: &str, why: &str) {
        if let Ok(mut u) = self.unconfirmed.lock() {
            u.insert(modem.to_string(), why.to_string());
        }
    }

    /// Why the PIN of `modem` is withheld after an unconfirmed entry in this run, if it is.
    pub fn withheld(&self, modem: &str) -> Option<String> {
        // A poisoned lock cannot tell: withhold, the safe side for the SIM.
        match self.unconfirmed.lock() {
            Ok(u) => u.get(modem).cloned(),
            Err(_) => Some("unknown".into()),
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

    #[tokio::test]
    async fn an_unconfirmed_entry_is_withheld_for_this_run_only() {
        let dir = tempfile::tempdir().unwrap();
        let pins = Pins::open(Store::open(dir.path()).unwrap()).unwrap();
        assert_eq!(pins.withheld("m0"), None);
        pins.unconfirmed("m0", "no answer");
        assert_eq!(pins.withheld("m0").as_deref(), Some("no answer"));
        assert_eq!(pins.withheld("m1"), None, "per modem");
        assert!(!pins.rejected("m0", "1234"), "not a rejection");
        pins.accepted("m0");
        assert_eq!(pins.withheld("m0"), None, "the SIM opened");
        pins.unconfirmed("m0", "no answer");
        assert!(pins.tree.get("m0").unwrap().is_none(), "not stored");
        // A new run (a new Pins on the same store) knows nothing of it.
        let again = Pins::open(pins.store.clone()).unwrap();
        assert_eq!(again.withheld("m0"), None);
    }
}
