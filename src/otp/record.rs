//! The stored OTP record and its verify state machine.
//!
//! ```text
//!            right code                      wrong code (or IP mismatch) on the last attempt
//!   Used <-------------- Live ---------------------------------------------------> Locked
//!                          |  a newer OTP to the same number (set by the service)
//!                          +------------------------------------------------------> Replaced
//! ```
//! Used, Locked and Replaced are final. Expiry is not a state: it is read from the clock on
//! every attempt, before the code, so an expired OTP neither verifies nor counts attempts.
//! The caller persists the record after every attempt (compare-and-swap), so two concurrent
//! attempts can neither both use a code nor lose a wrong-attempt count.

use super::secret::ct_eq;
use super::CodeHasher;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtpState {
    Live,
    Used,
    Locked,
    Replaced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OtpRecord {
    /// HMAC of the code (see [`CodeHasher::digest`]); the code itself is never stored.
    pub digest: Vec<u8>,
    /// The opaque request id the client names the OTP by; also bound into the digest.
    pub token: String,
    pub account: String,
    pub dialect: String,
    /// E.164 with the `+`.
    pub number: String,
    /// Whether the code was drawn from both cases; otherwise it is compared upper-cased.
    pub case_sensitive: bool,
    pub created_ms: u64,
    pub expires_ms: u64,
    /// Wrong attempts allowed before the OTP locks.
    pub max_attempts: u32,
    pub wrong_attempts: u32,
    pub state: OtpState,
    /// Octopush's `recipient_ip`: when set, a verification must come with the same address.
    pub recipient_ip: Option<String>,
    /// The queued SMS that carries the code.
    pub message_id: Option<u64>,
    pub channel: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    /// A wrong code; `remaining` attempts are left (0: this one locked the OTP).
    Wrong {
        remaining: u32,
    },
    TooManyAttempts,
    Expired,
    AlreadyUsed,
    Replaced,
    /// The request came from another address than `recipient_ip`; counted as a wrong attempt.
    IpMismatch,
}

impl OtpRecord {
    /// Applies one attempt with `code` from `ip` at `now_ms` and says how it went.
    ///
    /// Checks in order: used, replaced, locked, expired, recipient IP, code. Only the last two
    /// count an attempt; the code is compared by digest, in constant time.
    pub fn verify(
        &mut self,
        hasher: &CodeHasher,
        code: &str,
        ip: Option<&str>,
        now_ms: u64,
    ) -> VerifyOutcome {
        match self.state {
            OtpState::Used => return VerifyOutcome::AlreadyUsed,
            OtpState::Replaced => return VerifyOutcome::Replaced,
            OtpState::Locked => return VerifyOutcome::TooManyAttempts,
            OtpState::Live => {}
        }
        if self.wrong_attempts >= self.max_attempts {
            self.state = OtpState::Locked;
            return VerifyOutcome::TooManyAttempts;
        }
        if now_ms >= self.expires_ms {
            return VerifyOutcome::Expired;
        }
        if let Some(expected) = &self.recipient_ip {
            if !ip.is_some_and(|ip| same_ip(expected, ip)) {
                self.count_wrong();
                return VerifyOutcome::IpMismatch;
            }
        }
        let digest = hasher.digest(&self.token, code, self.case_sensitive);
        if ct_eq(&digest, &self.digest) {
            self.state = OtpState::Used;
            VerifyOutcome::Verified
        } else {
            VerifyOutcome::Wrong {
                remaining: self.count_wrong(),
            }
        }
    }

    /// Counts a wrong attempt, locks on the last one, and returns the attempts left.
    fn count_wrong(&mut self) -> u32 {
        self.wrong_attempts = self.wrong_attempts.saturating_add(1);
        let remaining = self.max_attempts.saturating_sub(self.wrong_attempts);
        if remaining == 0 {
            self.state = OtpState::Locked;
        }
        remaining
    }
}

/// Same address: compared as addresses when both parse (`::1` equals `0:0:0:0:0:0:0:1`),
/// otherwise as trimmed strings.
fn same_ip(expected: &str, got: &str) -> bool {
    let (expected, got) = (expected.trim(), got.trim());
    match (expected.parse::<IpAddr>(), got.parse::<IpAddr>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => expected == got,
    }
}

#[cfg(test)]
mod tests;
