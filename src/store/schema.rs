//! The key schema, in one place.
//!
//! | tree        | key                      | value                                   |
//! |-------------|--------------------------|-----------------------------------------|
//! | `messages`  | message id, u64 BE       | [`crate::queue::Message`] as JSON       |
//! | `accounts`  | account name (= login)   | [`crate::accounts::Account`] as JSON    |
//! | `otps`      | OTP token (24 hex chars) | [`crate::otp::OtpRecord`] as JSON       |
//! | `otp_latest`| account `\0` E.164 number | token of the last OTP sent there        |
//!
//! Ids come from sled's `generate_id`, so big-endian keys iterate in creation order.

/// Outbound messages, one record each, in every state.
pub const MESSAGES: &str = "messages";

/// API accounts.
pub const ACCOUNTS: &str = "accounts";
/// OTP records by token.
pub const OTPS: &str = "otps";
/// The last OTP per (account, number): validation by number alone checks this one.
pub const OTP_LATEST: &str = "otp_latest";
/// The key of the latest-OTP index.
pub fn latest_key(account: &str, number: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(account.len() + 1 + number.len());
    key.extend_from_slice(account.as_bytes());
    key.push(0);
    key.extend_from_slice(number.as_bytes());
    key
}

/// The key of a message record.
pub fn message_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The id back from a key; `None` for a key of the wrong size.
pub fn message_id(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}
