//! Phone numbers: what the APIs accept as a destination, normalised to E.164.
//!
//! Input is the international number with or without its `+` (Nomado's `32412345678`,
//! MonSMSPro's `+2250708517414` / `2250708517414`), or with the `00` international prefix;
//! spaces, dots, dashes and parentheses are ignored. Without `+` the digits are read as E.164,
//! country code first: a national-format number (`0612345678`) is refused, since the country
//! cannot be known.
//!
//! Acceptance is by length, from libphonenumber's metadata as shipped by the `phonenumber`
//! crate: the country code must exist and the national significant number must have a length
//! that some kind of number of that country has (ITU-T E.164 §6; libphonenumber's
//! "possible number"). Two reasons not to call `phonenumber::parse` / `is_valid`:
//! - strictness: `is_valid` refuses Nomado's own example `+32412345678` (no Belgian range
//!   starts with 41), and stale range tables would refuse newly allocated numbers;
//! - cost: the crate matches through one process-wide LRU of 100 compiled regexes behind a
//!   mutex, so a mix of countries recompiles regexes on almost every call. Measured here, in
//!   release: parse of French numbers 1.5 us, of numbers from all 244 regions 100 us, with
//!   `is_valid` 2 to 3.5 ms, far from 12 000 creates/s.
//!
//! The metadata is read once into a small table (lengths as a bit set, the trunk prefix) and
//! a parse is then a few hash lookups: 0.2 us in release over every region's example (see
//! `parse_cost` in the tests). Loading the metadata takes about 100 ms, once: [`warm_up`]
//! lets the daemon pay it at start rather than on the first request.

use phonenumber::metadata::{Database, Descriptor, DATABASE};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Longer input is not a phone number; checked before anything is copied.
const MAX_INPUT: usize = 64;

/// Country code (3) plus the longest national number libphonenumber knows (17).
const MAX_DIGITS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// E.164 with the `+`.
    pub e164: String,
    pub country_code: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NumberError(pub String);

/// What the metadata says about one country calling code (all its regions together).
#[derive(Debug)]
struct Country {
    /// Bit `n` set: a national significant number of `n` digits is possible.
    lengths: u32,
    /// The trunk (national) prefix, such as `0` in France, which has no place after the
    /// country code but is often written there (`+33 06 ...`).
    trunk: Option<String>,
    /// Some numbers of this code start with the trunk digits (Russia's 8 00 toll-free
    /// numbers): strip the prefix only when the length leaves no other reading.
    trunk_in_numbers: bool,
}

static COUNTRIES: LazyLock<HashMap<u16, Country>> = LazyLock::new(|| countries(&DATABASE));

/// Loads the metadata now rather than on the first request (it takes some milliseconds).
pub fn warm_up() {
    LazyLock::force(&COUNTRIES);
}

fn countries(db: &Database) -> HashMap<u16, Country> {
    let mut out = HashMap::new();
    for code in 1..=999u16 {
        let Some(metas) = db.by_code(&code) else {
            continue;
        };
        let trunk = metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .or(metas.first())
            .and_then(|m| m.national_prefix())
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .map(String::from);
        let mut country = Country {
            lengths: 0,
            trunk,
            trunk_in_numbers: false,
        };
        for meta in &metas {
            let d = meta.descriptors();
            // Short codes, emergency and carrier-specific numbers are not dialled in E.164.
            let kinds = [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            for desc in kinds.into_iter().flatten() {
                country.add(desc);
            }
        }
        if country.lengths != 0 {
            out.insert(code, country);
        }
    }
    out
}

impl Country {
    fn add(&mut self, desc: &Descriptor) {
        for &len in desc.possible_length() {
            if len < 32 {
                self.lengths |= 1 << len;
            }
        }
        if let (Some(trunk), Some(example)) = (&self.trunk, desc.example()) {
            self.trunk_in_numbers |= example.starts_with(trunk.as_str());
        }
    }

    fn possible(&self, len: usize) -> bool {
        len < 32 && self.lengths & (1 << len) != 0
    }

    /// The national number without a trunk prefix written after the country code.
    fn strip_trunk<'a>(&self, national: &'a str) -> &'a str {
        let Some((trunk, rest)) = self
            .trunk
            .as_deref()
            .and_then(|t| Some((t, national.strip_prefix(t)?)))
        else {
            return national;
        };
        // Where numbers never start with the trunk digits, a rest that still does is no
        // number either: leaving it makes a parse of the result give the result again.
        let needed = if self.trunk_in_numbers {
            !self.possible(national.len())
        } else {
            !rest.starts_with(trunk)
        };
        if needed && self.possible(rest.len()) {
            rest
        } else {
            national
        }
    }

    /// The possible lengths in words: `9`, `7, 9 or 10`, `5 to 15`.
    fn describe(&self) -> String {
        let lens: Vec<u32> = (0..32).filter(|n| self.lengths & (1 << n) != 0).collect();
        match lens.as_slice() {
            [] => String::from("none"),
            [one] => one.to_string(),
            [first, .., last] if lens.len() >= 3 && (last - first) as usize == lens.len() - 1 => {
                format!("{first} to {last}")
            }
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(u32::to_string).collect();
                format!("{} or {last}", init.join(", "))
            }
        }
    }
}

fn error(message: impl Into<String>) -> NumberError {
    NumberError(message.into())
}

/// Parses a destination number into E.164; the error says why in plain words.
pub fn parse(raw: &str) -> Result<Number, NumberError> {
    if raw.len() > MAX_INPUT {
        return Err(error("not a number: far too long to be a phone number"));
    }
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect();
    let digits = cleaned
        .strip_prefix('+')
        .or_else(|| cleaned.strip_prefix("00"))
        .unwrap_or(&cleaned);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(
            "not a number: only digits, a leading +, spaces, dots, dashes and parentheses are allowed",
        ));
    }
    if digits.starts_with('0') {
        return Err(error(
            "no country code: give the number in international form, e.g. +33 6 12 34 56 78",
        ));
    }
    if digits.len() > MAX_DIGITS {
        return Err(error(format!(
            "too long to be a phone number ({} digits)",
            digits.len()
        )));
    }
    let (code, country, national) = split_country(digits)?;
    let national = country.strip_trunk(national);
    let len = national.len();
    if !country.possible(len) {
        let lowest = country.lengths.trailing_zeros() as usize;
        let highest = 31 - country.lengths.leading_zeros() as usize;
        let what = if len < lowest {
            format!("too short for +{code}")
        } else if len > highest {
            format!("too long for +{code}")
        } else {
            format!("not a valid number for +{code}")
        };
        return Err(error(format!(
            "{what}: {len} digit(s) after the country code, {} expected",
            country.describe()
        )));
    }
    Ok(Number {
        e164: format!("+{code}{national}"),
        country_code: code,
    })
}

/// Splits off the country code; codes are prefix-free (ITU-T E.164), so one reading at most.
fn split_country(digits: &str) -> Result<(u16, &'static Country, &str), NumberError> {
    for n in 1..=3 {
        let (Some(head), Some(rest)) = (digits.get(..n), digits.get(n..)) else {
            break;
        };
        if let Some((code, country)) = head
            .parse::<u16>()
            .ok()
            .and_then(|c| COUNTRIES.get(&c).map(|country| (c, country)))
        {
            return Ok((code, country, rest));
        }
    }
    let head = digits.get(..3).unwrap_or(digits);
    Err(error(format!("unknown country code +{head}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepted() {
        let cases: &[(&str, &str, u16)] = &[
            // The specs' examples, with and without `+`.
            ("32412345678", "+32412345678", 32),
            ("+32412345678", "+32412345678", 32),
            ("+2250708517414", "+2250708517414", 225),
            ("2250708517414", "+2250708517414", 225),
            // The acceptance tests' numbers.
            ("+33612345678", "+33612345678", 33),
            ("33612345678", "+33612345678", 33),
            ("+33600000001", "+33600000001", 33),
            ("+33611111111", "+33611111111", 33),
            ("+33699999999", "+33699999999", 33),
            ("+33610000011", "+33610000011", 33),
            ("+33612121212", "+33612121212", 33),
            ("+33620000001", "+33620000001", 33),
            (" +33 6 99 99 99 99 ", "+33699999999", 33),
            // Separators, the 00 prefix, a trunk prefix written after the country code.
            ("+33 6.12-34.56.78", "+33612345678", 33),
            ("+33 (0)6 12 34 56 78", "+33612345678", 33),
            ("0033612345678", "+33612345678", 33),
            ("+330612345678", "+33612345678", 33),
            ("+49 0151 23456789", "+4915123456789", 49),
            ("+44 07912 345678", "+447912345678", 44),
            ("+1 (650) 253-0000", "+16502530000", 1),
            ("+1 1 650 253 0000", "+16502530000", 1),
            // Russia: 8 is the trunk prefix and also starts toll-free numbers.
            ("+7 800 123 45 67", "+78001234567", 7),
            ("+7 8 999 123 45 67", "+79991234567", 7),
            ("+79991234567", "+79991234567", 7),
            // Italy keeps its leading 0 (no trunk prefix).
            ("+39 02 1234 5678", "+390212345678", 39),
            ("+80012345678", "+80012345678", 800),
        ];
        for (raw, e164, code) in cases {
            let n = parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!((n.e164.as_str(), n.country_code), (*e164, *code), "{raw}");
        }
    }

    #[test]
    fn refused_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "not a number"),
            ("   ", "not a number"),
            ("+", "not a number"),
            ("garbage", "not a number"),
            ("not a number", "not a number"),
            ("+33 6 12 34 56 7x", "not a number"),
            ("++33612345678", "not a number"),
            ("+33612345678;", "not a number"),
            ("\u{ff13}3612345678", "not a number"),
            ("0612345678", "no country code"),
            ("+0612345678", "no country code"),
            ("+999123", "unknown country code +999"),
            ("999123456789", "unknown country code +999"),
            ("12", "too short for +1"),
            ("+33612", "too short for +33: 3 digit(s) after the country code, 9 expected"),
            ("+336123456789", "too long for +33"),
            ("+3361234567", "too short for +33"),
            ("+4412345678", "not a valid number for +44: 8 digit(s) after the country code, 7, 9 or 10 expected"),
            ("+123456789012345678901", "too long to be a phone number"),
        ];
        for (raw, want) in cases {
            let err = parse(raw).expect_err(raw);
            assert!(err.0.starts_with(want), "{raw}: {err}");
        }
        let long = "1".repeat(100_000);
        assert!(parse(&long).is_err());
    }

    #[test]
    fn length_descriptions() {
        let c = |lengths: u32| Country {
            lengths,
            trunk: None,
            trunk_in_numbers: false,
        };
        assert_eq!(c(1 << 9).describe(), "9");
        assert_eq!(c(1 << 9 | 1 << 10).describe(), "9 or 10");
        assert_eq!(c(1 << 7 | 1 << 9 | 1 << 10).describe(), "7, 9 or 10");
        assert_eq!(c((5..=15).map(|n| 1u32 << n).sum()).describe(), "5 to 15");
    }

    /// Run with `--nocapture` to see it; a parse must stay far below the 80 us a create may
    /// spend at 12 000/s on 2 cores. Numbers of every region, so no cache can hide a cost.
    #[test]
    fn parse_cost() {
        warm_up();
        let numbers: Vec<String> = DATABASE
            .iter()
            .filter_map(|m| {
                Some(format!(
                    "+{}{}",
                    m.country_code(),
                    m.descriptors().mobile()?.example()?
                ))
            })
            .collect();
        let mut accepted = 0;
        let rounds = 20;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            for n in &numbers {
                accepted += usize::from(parse(n).is_ok());
            }
        }
        let per = start.elapsed() / (rounds * numbers.len()) as u32;
        println!(
            "parse: {per:?} per number over {} regions' examples",
            numbers.len()
        );
        assert_eq!(
            accepted,
            rounds * numbers.len(),
            "every region's example mobile is accepted"
        );
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,40}") {
            let _ = parse(&raw);
        }

        /// A parsed number parses again to itself, with or without its `+`.
        #[test]
        fn e164_round_trips(digits in "[1-9][0-9]{6,14}") {
            if let Ok(n) = parse(&digits) {
                prop_assert_eq!(parse(&n.e164), Ok(n.clone()));
                prop_assert_eq!(parse(&n.e164[1..]), Ok(n.clone()));
                let prefix = format!("+{}", n.country_code);
                prop_assert!(n.e164.starts_with(&prefix));
            }
        }
    }
}
