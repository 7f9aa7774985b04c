//! Abuse limits on sending codes: allowed countries, a request rate per account, and per
//! destination number a resend cooldown and an hourly cap.
//!
//! The per-number limits count across all accounts: SMS pumping (toll fraud through premium
//! or inflated-termination numbers) and SMS bombing of one victim both send many codes to
//! numbers, whoever asks. The allowed-country list is the other pumping defence.
//!
//! The limiter runs under one mutex on the create path (12 000/s), so a check is a couple of
//! hash lookups. Memory stays bounded on a daemon that runs for months: entries that can no
//! longer limit anything (last send older than the hour and the cooldown, a refilled bucket)
//! are pruned when the maps have doubled since the last prune, and every ten minutes; each
//! prune is linear, so the cost per check is O(1) amortised (measured: 0.3 us per check in
//! release, distinct numbers). What is left is the numbers sent to within the last hour (plus
//! up to ten minutes), bounded by the account rates: 200/s for one hour is 720 000 numbers
//! at roughly 120 bytes each (a `u64` key and a small deque of send times), some 90 MB.

use super::Number;
use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

const HOUR_MS: u64 = 3_600_000;
/// Below this many entries pruning is not worth a pass.
const MIN_PRUNE_AT: usize = 1024;
const PRUNE_EVERY_MS: u64 = 600_000;
/// Token amounts are kept in thousandths, so a rate per second refills per millisecond in
/// whole units.
const MILLI: u64 = 1000;

#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Time before another code may go to the same number; 0 disables the cooldown.
    pub resend_cooldown_ms: u64,
    /// Codes per number in any sliding hour; 0 disables the cap.
    pub per_number_per_hour: u32,
    /// Sustained creates per second per account; 0 disables the account rate.
    pub per_account_per_second: u32,
    /// Creates an account may make at once after a quiet time (at least 1 is used).
    pub per_account_burst: u32,
    /// Country calling codes codes may be sent to; `None` allows all.
    pub allowed_country_codes: Option<Vec<u16>>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            resend_cooldown_ms: 30_000,
            per_number_per_hour: 5,
            per_account_per_second: 200,
            per_account_burst: 400,
            allowed_country_codes: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitHit {
    Cooldown { retry_after_ms: u64 },
    HourlyCap { retry_after_ms: u64 },
    AccountRate { retry_after_ms: u64 },
    CountryNotAllowed { country_code: u16 },
}

/// An account's token bucket, in thousandths of a token.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    milli_tokens: u64,
    last_ms: u64,
}

pub struct Limiter {
    config: LimitsConfig,
    accounts: HashMap<String, Bucket>,
    /// Send times per number (key: [`number_key`]), oldest first, at most the hourly cap.
    numbers: HashMap<u64, Sends>,
    prune_at: usize,
    next_prune_ms: u64,
}

impl Limiter {
    pub fn new(config: LimitsConfig) -> Self {
        Self {
            config,
            accounts: HashMap::new(),
            numbers: HashMap::new(),
            prune_at: MIN_PRUNE_AT,
            next_prune_ms: 0,
        }
    }

    /// Checks and, when allowed, counts one code sent by `account` to `number`.
    ///
    /// In order: allowed country, account rate, number cooldown, number hourly cap. A refused
    /// request counts nowhere.
    pub fn check(
        &mut self,
        account: &str,
        number: &super::Number,
        now_ms: u64,
    ) -> Result<(), LimitHit> {
        if let Some(allowed) = &self.config.allowed_country_codes {
            if !allowed.contains(&number.country_code) {
                return Err(LimitHit::CountryNotAllowed {
                    country_code: number.country_code,
                });
            }
        }
        self.maybe_prune(now_ms);
        let bucket = self.refilled(account, now_ms);
        if let Some(bucket) = bucket {
            if bucket.milli_tokens < MILLI {
                let rate = u64::from(self.config.per_account_per_second);
                return Err(LimitHit::AccountRate {
                    retry_after_ms: (MILLI - bucket.milli_tokens).div_ceil(rate),
                });
            }
        }
        let key = number_key(number);
        self.check_number(key, now_ms)?;
        if let Some(mut bucket) = bucket {
            bucket.milli_tokens -= MILLI;
            match self.accounts.get_mut(account) {
                Some(b) => *b = bucket,
                None => {
                    self.accounts.insert(account.to_string(), bucket);
                }
            }
        }
        self.record(key, now_ms);
        Ok(())
    }

    /// Entries held (accounts and numbers); for tests and status.
    pub fn tracked(&self) -> usize {
        self.accounts.len() + self.numbers.len()
    }

    /// Drops every entry that can no longer limit anything at `now_ms`.
    pub fn prune(&mut self, now_ms: u64) {
        let keep_ms = self.number_memory_ms();
        self.numbers.retain(|_, times| {
            times
                .last()
                .is_some_and(|last| now_ms.saturating_sub(last) < keep_ms)
        });
        let capacity = self.capacity();
        let rate = u64::from(self.config.per_account_per_second);
        self.accounts
            .retain(|_, b| refill(*b, rate, capacity, now_ms).milli_tokens < capacity);
        self.next_prune_ms = now_ms.saturating_add(PRUNE_EVERY_MS);
    }

    fn maybe_prune(&mut self, now_ms: u64) {
        let n = self.tracked();
        if n >= self.prune_at || (now_ms >= self.next_prune_ms && n >= MIN_PRUNE_AT) {
            self.prune(now_ms);
            self.prune_at = (2 * self.tracked()).max(MIN_PRUNE_AT);
        }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.config.per_account_burst.max(1)) * MILLI
    }

    /// The account's bucket as of `now_ms`, not yet stored; `None` when the rate is disabled.
    fn refilled(&self, account: &str, now_ms: u64) -> Option<Bucket> {
        let rate = u64::from(self.config.per_account_per_second);
        if rate == 0 {
            return None;
        }
        let capacity = self.capacity();
        Some(match self.accounts.get(account) {
            Some(b) => refill(*b, rate, capacity, now_ms),
            None => Bucket {
                milli_tokens: capacity,
                last_ms: now_ms,
            },
        })
    }

    /// How long a number's last send still matters.
    fn number_memory_ms(&self) -> u64 {
        let window = if self.config.per_number_per_hour > 0 {
            HOUR_MS
        } else {
            0
        };
        window.max(self.config.resend_cooldown_ms)
    }

    fn check_number(&mut self, key: u64, now_ms: u64) -> Result<(), LimitHit> {
        let Some(times) = self.numbers.get_mut(&key) else {
            return Ok(());
        };
        let cooldown = self.config.resend_cooldown_ms;
        if let Some(last) = times.last() {
            let since = now_ms.saturating_sub(last);
            if since < cooldown {
                return Err(LimitHit::Cooldown {
                    retry_after_ms: cooldown - since,
                });
            }
        }
        let cap = self.config.per_number_per_hour as usize;
        if cap > 0 {
            times.expire(now_ms);
            if let (true, Some(oldest)) = (times.len() >= cap, times.first()) {
                return Err(LimitHit::HourlyCap {
                    retry_after_ms: HOUR_MS - now_ms.saturating_sub(oldest),
                });
            }
        }
        Ok(())
    }

    fn record(&mut self, key: u64, now_ms: u64) {
        if self.number_memory_ms() == 0 {
            return;
        }
        let keep = (self.config.per_number_per_hour as usize).max(1);
        match self.numbers.get_mut(&key) {
            Some(times) => {
                // A clock stepped back must not unsort the times.
                let t = times.last().map_or(now_ms, |last| now_ms.max(last));
                times.push(t, keep);
            }
            None => {
                self.numbers.insert(key, Sends::One(now_ms));
            }
        }
    }
}

/// The send times of one number, oldest first. Almost every number gets one code an hour, so
/// a single time is kept inline and the rarer deque boxed: 16 bytes a number in the table
/// instead of ~100 with an inline deque, which matters with hundreds of thousands of numbers
/// in the last hour.
#[derive(Debug)]
// The box is the point: it keeps the enum at two words; the rare case pays one allocation.
#[allow(clippy::box_collection)]
enum Sends {
    One(u64),
    Many(Box<VecDeque<u64>>),
}

impl Sends {
    fn last(&self) -> Option<u64> {
        match self {
            Sends::One(t) => Some(*t),
            Sends::Many(d) => d.back().copied(),
        }
    }

    fn first(&self) -> Option<u64> {
        match self {
            Sends::One(t) => Some(*t),
            Sends::Many(d) => d.front().copied(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Sends::One(_) => 1,
            Sends::Many(d) => d.len(),
        }
    }

    /// Forgets the sends an hour or more before `now_ms`.
    fn expire(&mut self, now_ms: u64) {
        let old = |t: u64| now_ms.saturating_sub(t) >= HOUR_MS;
        match self {
            Sends::One(t) if old(*t) => *self = Sends::Many(Box::default()),
            Sends::One(_) => {}
            Sends::Many(d) => {
                while d.front().is_some_and(|&t| old(t)) {
                    d.pop_front();
                }
            }
        }
    }

    /// Adds a send, keeping the newest `keep`.
    fn push(&mut self, t: u64, keep: usize) {
        let mut d = match std::mem::replace(self, Sends::One(t)) {
            Sends::One(a) => Box::new(VecDeque::from([a])),
            Sends::Many(d) => d,
        };
        d.push_back(t);
        while d.len() > keep {
            d.pop_front();
        }
        *self = match (d.len(), d.front()) {
            (1, Some(&only)) => Sends::One(only),
            _ => Sends::Many(d),
        };
    }
}

fn refill(b: Bucket, rate: u64, capacity: u64, now_ms: u64) -> Bucket {
    let elapsed = now_ms.saturating_sub(b.last_ms);
    Bucket {
        milli_tokens: b
            .milli_tokens
            .saturating_add(elapsed.saturating_mul(rate))
            .min(capacity),
        last_ms: b.last_ms.max(now_ms),
    }
}

/// E.164 digits fit a `u64` (15 digits; at most 20 from [`super::number::parse`]): a third of
/// the memory of the string. Anything else, which `parse` never makes, is hashed.
fn number_key(number: &Number) -> u64 {
    let digits = number.e164.trim_start_matches('+');
    match digits.parse::<u64>() {
        Ok(n) if digits.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => {
            let mut h = DefaultHasher::new();
            number.e164.hash(&mut h);
            h.finish() | 1 << 63
        }
    }
}

#[cfg(test)]
mod tests;
