//! OTP logic, pure (no tokio, sled, serial or HTTP): codes and their alphabets, HMAC digests,
//! the verify state machine of one OTP record, message templates, phone numbers, abuse limits.
//!
//! Layout:
//! - [`code`]: alphabets, unbiased sampling from a CSPRNG, the keyed digest of a code;
//! - [`record`]: the stored record and [`OtpRecord::verify`], the only way a code is accepted;
//! - [`number`]: destination numbers to E.164, checked against libphonenumber's metadata;
//! - [`limits`]: allowed countries, account rate, per-number cooldown and hourly cap;
//! - [`template`]: the SMS text of each dialect;
//! - [`secret`]: constant-time comparison and API key hashing.
//!
//! The security design, in the terms of OWASP's guidance on one-time passwords and the
//! providers' own advice ("never store codes in clear", "limit attempts"):
//! - A code is never stored in clear. The record holds `HMAC-SHA256(server key, domain ||
//!   token || code)`; the code lives only in memory, in the SMS being sent, and in the one
//!   answer whose contract carries it (Nomado's `data.token`). A copy of the database without
//!   the server key cannot be searched for codes, and equal codes of two OTPs do not hash
//!   alike.
//! - A code is single use. A successful verify moves the record to `Used`; a newer OTP to the
//!   same number moves the older one to `Replaced`; the caller writes the record back with
//!   compare-and-swap, so two concurrent attempts cannot both win.
//! - Attempts are limited. Every wrong code (and every attempt from another address than
//!   `recipient_ip`) is counted, and the last allowed one locks the record: with `max`
//!   attempts an attacker's chance is `max / |alphabet|^len`. Expiry is checked before the
//!   code, so an expired OTP tells nothing about the code.
//! - Digests are compared in constant time ([`secret::ct_eq`]), so response timing says
//!   nothing about how close a guess was.
//! - Codes are drawn uniformly from the caller's CSPRNG (the thread-local ChaCha CSPRNG in the service), without the
//!   modulo bias that would make some codes likelier.

pub mod code;
pub mod limits;
pub mod number;
pub mod record;
pub mod secret;
pub mod template;

pub use code::{generate, Alphabet, CodeHasher};
pub use limits::{LimitHit, Limiter, LimitsConfig};
pub use number::Number;
pub use record::{OtpRecord, OtpState, VerifyOutcome};
