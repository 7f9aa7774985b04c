//! API accounts: a login and a key per client application, the key stored only as a hash.
//!
//! Every dialect maps to these accounts: Nomado's Basic `login:key`, MonSMSPro's `apiKey` (key
//! alone), Octopush's `api-login` / `api-key` headers. Keys are 256-bit random strings, so a
//! single SHA-256 is the right hash: there is nothing to brute-force, and a slow KDF would cost
//! every request. Comparisons are constant-time.
//!
//! Accounts live in sled (trees `accounts`, `account_keys`) and are cached in memory; the
//! daemon is the only writer while it runs (the `keys` CLI talks to it over the control socket).

use crate::otp::secret::{ct_eq, hash_key};
use crate::store::{schema, Store, StoreError};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Errors of account management.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("account {0:?} already exists")]
    Exists(String),
    #[error("no account {0:?}")]
    NotFound(String),
    #[error("account name {0:?}: use 1 to 64 letters, digits, or . _ @ -")]
    BadName(String),
    #[error("corrupt account record: {0}")]
    Corrupt(#[source] serde_json::Error),
}

/// A stored account (never the key itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// The name, which is also the login.
    pub name: String,
    #[serde(with = "hex::serde")]
    pub key_hash: Vec<u8>,
    pub created_ms: u64,
    pub revoked: bool,
}

/// A freshly created account's credentials: shown once, never stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub login: String,
    pub key: String,
}

/// The account registry; cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    tree: sled::Tree,
    store: Store,
    /// name -> account, for lookups without touching sled on every request.
    by_name: Arc<RwLock<HashMap<String, Account>>>,
}

impl Accounts {
    /// Loads every account from sled.
    pub fn open(store: Store) -> Result<Self, AccountError> {
        let tree = store.tree(schema::ACCOUNTS)?;
        let mut by_name = HashMap::new();
        for item in tree.iter() {
            let (_, value) = item.map_err(StoreError::from)?;
            let account: Account = serde_json::from_slice(&value).map_err(AccountError::Corrupt)?;
            by_name.insert(account.name.clone(), account);
        }
        Ok(Self {
            tree,
            store,
            by_name: Arc::new(RwLock::new(by_name)),
        })
    }

    /// Creates an account with a new random key; durable when this returns.
    pub async fn add(&self, name: &str) -> Result<Credentials, AccountError> {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        self.add_with_key(name, &hex::encode(raw)).await
    }

    /// Creates an account with a given key (the embedded demo account).
    pub async fn add_with_key(&self, name: &str, key: &str) -> Result<Credentials, AccountError> {
        let valid = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
        if !valid {
            return Err(AccountError::BadName(name.into()));
        }
        let account = Account {
            name: name.to_string(),
            key_hash: hash_key(key).to_vec(),
            created_ms: crate::queue::now_ms(),
            revoked: false,
        };
        let value = serde_json::to_vec(&account).map_err(AccountError::Corrupt)?;
        let inserted = self
            .tree
            .compare_and_swap(name.as_bytes(), None as Option<&[u8]>, Some(value))
            .map_err(StoreError::from)?;
        if inserted.is_err() {
            return Err(AccountError::Exists(name.into()));
        }
        self.store.flush().await?;
        self.write().insert(name.to_string(), account);
        Ok(Credentials {
            login: name.to_string(),
            key: key.to_string(),
        })
    }

    /// Marks an account revoked (kept for the record); durable when this returns.
    pub async fn revoke(&self, name: &str) -> Result<(), AccountError> {
        let mut account = self
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| AccountError::NotFound(name.into()))?;
        account.revoked = true;
        let value = serde_json::to_vec(&account).map_err(AccountError::Corrupt)?;
        self.tree
            .insert(name.as_bytes(), value)
            .map_err(StoreError::from)?;
        self.store.flush().await?;
        self.write().insert(name.to_string(), account);
        Ok(())
    }

    /// Every account, revoked ones included.
    pub fn list(&self) -> Vec<Account> {
        let mut all: Vec<Account> = self.read().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Whether any account exists.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Authenticates a login and key; `Some(login)` when they match a live account.
    pub fn authenticate(&self, login: &str, key: &str) -> Option<String> {
        let hash = hash_key(key);
        let guard = self.read();
        let account = guard.get(login)?;
        (ct_eq(&hash, &account.key_hash) && !account.revoked).then(|| account.name.clone())
    }

    /// Authenticates a key alone (MonSMSPro's `apiKey`); `Some(login)` when it matches.
    ///
    /// Every account's hash is compared, in constant time each, so the answer's timing does
    /// not depend on which account (if any) matched.
    pub fn authenticate_key(&self, key: &str) -> Option<String> {
        let hash = hash_key(key);
        let mut found = None;
        for account in self.read().values() {
            if ct_eq(&hash, &account.key_hash) && !account.revoked {
                found = Some(account.name.clone());
            }
        }
        found
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Account>> {
        self.by_name.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Account>> {
        self.by_name.write().unwrap_or_else(|p| p.into_inner())
    }
}
