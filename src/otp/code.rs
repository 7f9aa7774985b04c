//! OTP codes: which characters a code may hold, how one is drawn, and the keyed digest that is
//! stored in its place.
//!
//! Sampling is uniform and unbiased: each character is drawn from the caller's CSPRNG with
//! rand's [`Uniform`] over the alphabet's indices. For integers `Uniform` uses Lemire's
//! widening multiply with rejection of the biased zone, so every index is exactly equally
//! likely; a plain `rng % n` would favour the first `2^32 mod n` characters.
//!
//! The digest is HMAC-SHA256 under the 32-byte server key over a domain-separated message
//! (see [`CodeHasher::digest`]). Binding the request token into the message makes equal codes
//! of two OTPs hash differently, so a leaked store reveals nothing by comparison, and the
//! server key makes an offline search of a 6-digit space impossible without it.

use hmac::{Hmac, KeyInit, Mac};
use rand::distributions::{Distribution, Uniform};
use sha2::Sha256;

/// The special characters Octopush's `allow_special_chars` allows.
const SPECIAL: &str = "!#$%&?@";

/// Characters dropped by `remove_confusing`: the groups 0/O/o and 1/l/I/i, which many phone
/// fonts draw alike and which users routinely mistype for each other. Pairs such as 5/S, 2/Z
/// or 8/B are kept: they are distinct in the fonts SMS apps use, and every dropped character
/// costs entropy (a digits-only code keeps 8 of its 10 symbols).
const CONFUSING: &str = "0Oo1lIi";

/// The message prefix; the version lets the format change without ever colliding with a
/// digest computed under the old one.
const DOMAIN: &[u8] = b"otpgate-otp-v1\0";

/// Which characters a code may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alphabet {
    pub digits: bool,
    pub upper: bool,
    pub lower: bool,
    /// `! # $ % & ? @`
    pub special: bool,
    /// Drop characters a reader may mistake for one another (0/O/o, 1/l/I/i).
    pub remove_confusing: bool,
}

impl Alphabet {
    pub const NUMERIC: Alphabet = Alphabet {
        digits: true,
        upper: false,
        lower: false,
        special: false,
        remove_confusing: false,
    };
    pub const ALPHA: Alphabet = Alphabet {
        digits: false,
        upper: true,
        lower: false,
        special: false,
        remove_confusing: false,
    };
    pub const ALPHANUMERIC: Alphabet = Alphabet {
        digits: true,
        upper: true,
        lower: false,
        special: false,
        remove_confusing: false,
    };

    /// Whether codes of this alphabet must be compared case-sensitively.
    ///
    /// Only when both cases can occur: a code of one case is compared case-insensitively, so
    /// a user who types `abc12` for `ABC12` is not refused (no entropy is lost, the code never
    /// held lower case).
    pub fn case_sensitive(&self) -> bool {
        self.upper && self.lower
    }

    /// The characters a code may hold, in a fixed order (digits, upper, lower, special).
    ///
    /// An alphabet with no class selected means digits, as Octopush does when no `allow_*`
    /// flag is set; the result is therefore never empty.
    pub fn chars(&self) -> Vec<char> {
        let digits = self.digits || !(self.upper || self.lower || self.special);
        let classes = [
            (digits, '0'..='9'),
            (self.upper, 'A'..='Z'),
            (self.lower, 'a'..='z'),
        ];
        let mut out: Vec<char> = classes
            .into_iter()
            .filter(|(on, _)| *on)
            .flat_map(|(_, range)| range)
            .collect();
        if self.special {
            out.extend(SPECIAL.chars());
        }
        if self.remove_confusing {
            out.retain(|c| !CONFUSING.contains(*c));
        }
        out
    }
}

/// A code of `len` characters drawn uniformly from `alphabet`.
pub fn generate(
    alphabet: &Alphabet,
    len: usize,
    rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> String {
    let chars = alphabet.chars();
    // `chars()` is never empty; the guard only keeps this function total.
    let Some(&first) = chars.first() else {
        return String::new();
    };
    let index = Uniform::new(0, chars.len());
    (0..len)
        .map(|_| chars.get(index.sample(rng)).copied().unwrap_or(first))
        .collect()
}

/// HMAC-SHA256 of codes under the server key.
///
/// Holds the HMAC state with the key already absorbed, so a digest costs two SHA-256
/// compressions of the message and the finalisation, never the key schedule again.
#[derive(Clone)]
pub struct CodeHasher {
    keyed: Hmac<Sha256>,
}

impl CodeHasher {
    pub fn new(key: [u8; 32]) -> Self {
        // HMAC pads a key shorter than the block with zeros (RFC 2104 §2); doing it here lets
        // the infallible `KeyInit::new` take a block-sized key.
        let mut block = [0u8; 64];
        for (b, k) in block.iter_mut().zip(key) {
            *b = k;
        }
        Self {
            keyed: <Hmac<Sha256> as KeyInit>::new(&block.into()),
        }
    }

    /// `HMAC(key, "otpgate-otp-v1\0" || token || "\0" || normalise(code))`.
    ///
    /// `normalise` trims surrounding whitespace and, when the code is not case-sensitive,
    /// upper-cases ASCII letters, so the digest made at creation and the one made from what
    /// the user typed agree. The token is hex (no NUL), so the message splits one way only.
    pub fn digest(&self, token: &str, code: &str, case_sensitive: bool) -> [u8; 32] {
        let code = code.trim();
        let mut mac = self.keyed.clone();
        mac.update(DOMAIN);
        mac.update(token.as_bytes());
        mac.update(b"\0");
        if case_sensitive {
            mac.update(code.as_bytes());
        } else {
            mac.update(code.to_ascii_uppercase().as_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::{OsRng, StdRng};
    use rand::SeedableRng;

    fn set(a: &Alphabet) -> String {
        a.chars().into_iter().collect()
    }

    #[test]
    fn alphabets() {
        let none = Alphabet {
            digits: false,
            upper: false,
            lower: false,
            special: false,
            remove_confusing: false,
        };
        let all = Alphabet {
            digits: true,
            upper: true,
            lower: true,
            special: true,
            remove_confusing: false,
        };
        let cases: &[(Alphabet, &str)] = &[
            (Alphabet::NUMERIC, "0123456789"),
            (Alphabet::ALPHA, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            (
                Alphabet::ALPHANUMERIC,
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ),
            (none, "0123456789"),
            (
                Alphabet {
                    remove_confusing: true,
                    ..none
                },
                "23456789",
            ),
            (
                Alphabet {
                    special: true,
                    ..none
                },
                "!#$%&?@",
            ),
            (
                Alphabet {
                    remove_confusing: true,
                    ..Alphabet::ALPHANUMERIC
                },
                "23456789ABCDEFGHJKLMNPQRSTUVWXYZ",
            ),
            (
                Alphabet {
                    remove_confusing: true,
                    ..all
                },
                "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz!#$%&?@",
            ),
        ];
        for (alphabet, want) in cases {
            assert_eq!(set(alphabet), *want, "{alphabet:?}");
        }
    }

    #[test]
    fn case_sensitivity() {
        let both = Alphabet {
            lower: true,
            ..Alphabet::ALPHANUMERIC
        };
        let lower_only = Alphabet {
            upper: false,
            ..both
        };
        for (a, want) in [
            (Alphabet::NUMERIC, false),
            (Alphabet::ALPHA, false),
            (Alphabet::ALPHANUMERIC, false),
            (lower_only, false),
            (both, true),
        ] {
            assert_eq!(a.case_sensitive(), want, "{a:?}");
        }
    }

    #[test]
    fn generate_has_the_length_and_alphabet() {
        let mut rng = OsRng;
        for len in [0, 1, 4, 6, 20, 32] {
            let code = generate(&Alphabet::ALPHANUMERIC, len, &mut rng);
            assert_eq!(code.chars().count(), len);
            assert!(code
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        }
    }

    /// Chi-squared over 10 digits, 100 000 draws: with 9 degrees of freedom the statistic
    /// exceeds 27.9 with probability 0.001, so a fair generator fails this once in a thousand
    /// seeds; the seed is fixed, so the test is deterministic.
    #[test]
    fn generate_is_uniform() {
        let mut rng = StdRng::seed_from_u64(7);
        let code = generate(&Alphabet::NUMERIC, 100_000, &mut rng);
        let mut counts = [0f64; 10];
        for c in code.bytes() {
            counts[usize::from(c - b'0')] += 1.0;
        }
        let expected = 10_000.0;
        let chi2: f64 = counts
            .iter()
            .map(|n| (n - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 27.9, "chi2 = {chi2}, counts {counts:?}");
    }

    #[test]
    fn hmac_key_padding_matches_rfc2104() {
        let key = [0x42u8; 32];
        let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        reference.update(b"message");
        let mut ours = CodeHasher::new(key).keyed;
        ours.update(b"message");
        assert_eq!(
            ours.finalize().into_bytes(),
            reference.finalize().into_bytes()
        );
    }

    /// A stored digest must stay verifiable across upgrades: the message format is frozen.
    /// Expected value computed independently with Python's `hmac` module.
    #[test]
    fn digest_known_answer() {
        let hasher = CodeHasher::new([7u8; 32]);
        let got = hasher.digest("0123456789abcdef01234567", "ab12", false);
        assert_eq!(hex::encode(got), KNOWN);
    }
    const KNOWN: &str = "7281850a44eeb808651ca6b4827006922f2bdbeb95a7d247a91f39d056feb60a";

    #[test]
    fn digest_normalises_and_separates() {
        let h = CodeHasher::new([1u8; 32]);
        let t = "0123456789abcdef01234567";
        assert_eq!(h.digest(t, " ab12\n", false), h.digest(t, "AB12", false));
        assert_ne!(h.digest(t, "ab12", true), h.digest(t, "AB12", true));
        assert_eq!(h.digest(t, " aB12 ", true), h.digest(t, "aB12", true));
        assert_ne!(h.digest(t, "1234", false), h.digest("other", "1234", false));
        assert_ne!(
            h.digest(t, "1234", false),
            CodeHasher::new([2u8; 32]).digest(t, "1234", false)
        );
    }

    proptest! {
        #[test]
        fn generated_codes_stay_in_the_alphabet(
            digits: bool, upper: bool, lower: bool, special: bool, remove_confusing: bool,
            len in 0usize..40, seed: u64,
        ) {
            let a = Alphabet { digits, upper, lower, special, remove_confusing };
            let allowed = a.chars();
            prop_assert!(!allowed.is_empty());
            let code = generate(&a, len, &mut StdRng::seed_from_u64(seed));
            prop_assert_eq!(code.chars().count(), len);
            prop_assert!(code.chars().all(|c| allowed.contains(&c)));
            if remove_confusing {
                prop_assert!(!code.chars().any(|c| CONFUSING.contains(c)));
            }
        }

        /// What the user types back, in either case when the code is case-insensitive,
        /// digests to what was stored.
        #[test]
        fn a_code_round_trips_through_the_digest(seed: u64, lower: bool, len in 1usize..33) {
            let a = Alphabet { lower, ..Alphabet::ALPHANUMERIC };
            let h = CodeHasher::new([9u8; 32]);
            let code = generate(&a, len, &mut StdRng::seed_from_u64(seed));
            let stored = h.digest("tok", &code, a.case_sensitive());
            let typed = if a.case_sensitive() { code.clone() } else { code.to_ascii_lowercase() };
            prop_assert_eq!(h.digest("tok", &typed, a.case_sensitive()), stored);
        }
    }
}
