//! The key schema, in one place.
//!
//! | tree        | key                      | value                                   |
//! |-------------|--------------------------|-----------------------------------------|
//! | `messages`  | message id, u64 BE       | [`crate::queue::Message`] ([`encode`])   |
//! | `accounts`  | account name (= login)   | [`crate::accounts::Account`] as JSON    |
//! | `otps`      | OTP token (24 hex chars) | [`crate::otp::OtpRecord`] ([`encode`])  |
//! | `otp_latest`| account `\0` E.164 number | token of the last OTP sent there        |
//! | `part_refs` | modem `\0` TP-MR          | message id (u64 BE) and part number     |
//! | `inbox`     | id, u64 BE               | [`crate::inbox::InboxMessage`]          |
//! | `modem_pins`| modem id                 | HMAC of the PIN its SIM rejected        |
//! | `modem_sent`| modem `\0` minute, u64 BE | parts a capped modem sent (u32 BE)     |
//! | `inbox_parts`| modem, sender, ref, total | parts received so far                 |
//! | `webhook_outbox` | event id, u64 BE    | the event's JSON body as POSTed ([`crate::webhook`]) |
//!
//! Ids come from sled's `generate_id`, so big-endian keys iterate in creation order.
//!
//! Messages and OTP records are written on every request, so they are stored compactly:
//! a format byte, then postcard (serde's compact binary form). Compared with JSON this
//! roughly halves what sled copies on each insert and writes to its log.
//! Accounts (rare writes, read by operators) stay JSON.
//!
//! postcard is not self-describing: a field added to a record would make every older record
//! unreadable. So fields added later go in an extension record after the original ones, under
//! format byte 2 ([`encode_with`]); a format-1 record reads with the extension's default.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The format byte in front of every [`encode`]d record.
const FORMAT_V1: u8 = 1;
/// The format byte of a record with an extension ([`encode_with`]).
const FORMAT_V2: u8 = 2;

/// Why a stored record could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    #[error("unknown record format {0}")]
    Format(u8),
    #[error("empty record")]
    Empty,
    #[error(transparent)]
    Postcard(#[from] postcard::Error),
}

/// A record as stored: the format byte, then postcard.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::with_capacity(192);
    out.push(FORMAT_V1);
    Ok(postcard::to_extend(value, out)?)
}

/// A record back from its stored bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RecordError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, rest)) => Ok(postcard::from_bytes(rest)?),
        Some((&other, _)) => Err(RecordError::Format(other)),
        None => Err(RecordError::Empty),
    }
}

/// A record with an extension: format byte 2, the record as [`encode`] writes it, then the
/// extension (postcard).
pub fn encode_with<T: Serialize, E: Serialize>(value: &T, ext: &E) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::with_capacity(224);
    out.push(FORMAT_V2);
    let out = postcard::to_extend(value, out)?;
    Ok(postcard::to_extend(ext, out)?)
}

/// A record and its extension back from bytes of either format (format 1: the default
/// extension).
pub fn decode_with<T, E>(bytes: &[u8]) -> Result<(T, E), RecordError>
where
    T: DeserializeOwned,
    E: DeserializeOwned + Default,
{
    match bytes.split_first() {
        Some((&FORMAT_V1, rest)) => Ok((postcard::from_bytes(rest)?, E::default())),
        Some((&FORMAT_V2, rest)) => {
            let (value, rest) = postcard::take_from_bytes(rest)?;
            Ok((value, postcard::from_bytes(rest)?))
        }
        Some((&other, _)) => Err(RecordError::Format(other)),
        None => Err(RecordError::Empty),
    }
}

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

/// Per modem id: the HMAC of the SIM PIN its SIM rejected (see `crate::pool::pins`).
pub const MODEM_PINS: &str = "modem_pins";

/// Per modem and minute: parts a capped modem sent (see `crate::pool::sent_log`).
pub const MODEM_SENT: &str = "modem_sent";

/// Received SMS, whole, by id (u64 BE).
pub const INBOX: &str = "inbox";
/// Parts of received concatenated SMS waiting for the rest.
pub const INBOX_PARTS: &str = "inbox_parts";

/// (modem, message reference) → the part that got it: status reports name only these.
pub const PART_REFS: &str = "part_refs";

/// The key of the part-reference index: the modem id, a NUL, the reference.
pub fn part_ref_key(modem: &str, mr: u8) -> Vec<u8> {
    let mut key = Vec::with_capacity(modem.len() + 2);
    key.extend_from_slice(modem.as_bytes());
    key.push(0);
    key.push(mr);
    key
}

/// The value of the part-reference index: message id (u64 BE) and part number.
pub fn part_ref_value(id: u64, seq: u8) -> [u8; 9] {
    let mut v = [0u8; 9];
    v[..8].copy_from_slice(&id.to_be_bytes());
    v[8] = seq;
    v
}

/// Reads a part-reference value; `None` for a value of the wrong size.
pub fn part_ref_parse(value: &[u8]) -> Option<(u64, u8)> {
    let id: [u8; 8] = value.get(..8)?.try_into().ok()?;
    Some((u64::from_be_bytes(id), *value.get(8)?))
}

/// Webhook events not yet taken by the receiver, oldest first (see [`crate::webhook`]).
pub const WEBHOOK_OUTBOX: &str = "webhook_outbox";

/// The key of a message record.
pub fn message_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The id back from a key; `None` for a key of the wrong size.
pub fn message_id(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct R {
        a: u64,
        b: Option<String>,
        c: Vec<u8>,
    }

    #[test]
    fn round_trip_and_refusals() {
        let r = R {
            a: 7,
            b: Some("x".into()),
            c: vec![1, 2],
        };
        let bytes = encode(&r).unwrap();
        assert_eq!(bytes[0], FORMAT_V1);
        assert_eq!(decode::<R>(&bytes).unwrap(), r);
        assert!(matches!(decode::<R>(&[]), Err(RecordError::Empty)));
        assert!(matches!(decode::<R>(&[9, 0]), Err(RecordError::Format(9))));
        assert!(matches!(
            decode::<R>(&bytes[..2]),
            Err(RecordError::Postcard(_))
        ));
    }

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ext {
        d: Option<String>,
    }

    #[test]
    fn an_extension_rides_after_the_record_and_old_records_read_with_its_default() {
        let r = R {
            a: 7,
            b: None,
            c: vec![3],
        };
        let ext = Ext {
            d: Some("req-1".into()),
        };
        let bytes = encode_with(&r, &ext).unwrap();
        assert_eq!(bytes[0], FORMAT_V2);
        assert_eq!(decode_with::<R, Ext>(&bytes).unwrap(), (r, ext));
        let old = encode(&R {
            a: 1,
            b: None,
            c: vec![],
        })
        .unwrap();
        let (back, ext) = decode_with::<R, Ext>(&old).unwrap();
        assert_eq!((back.a, ext), (1, Ext::default()));
        assert!(matches!(
            decode_with::<R, Ext>(&[3, 0]),
            Err(RecordError::Format(3))
        ));
    }
}
