//! What the simulated modem says about itself (TS 27.007 §5: +CGMI, +CGMM, +CGMR, +CGSN,
//! +CIMI, +CCID): the numbers derive from `--seed`, so a test can expect them, and are well
//! formed (an IMEI and an ICCID with their Luhn check digit, TS 23.003 §6.2.1).

use rand::{Rng, SeedableRng};

/// What the modem reports about itself; the numbers derive from `--seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub manufacturer: String,
    pub model: String,
    pub revision: String,
    pub imei: String,
    pub imsi: String,
    pub iccid: String,
}

impl Identity {
    /// The identity of the modem started with `--seed`: stable numbers a test can expect.
    pub(super) fn from_seed(seed: u64, manufacturer: &str, model: &str) -> Identity {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut digits = |prefix: &str, n: usize| -> String {
            let tail: String = (0..n)
                .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                .collect();
            format!("{prefix}{tail}")
        };
        let imei = luhn(&digits("35", 12));
        let imsi = digits("20801", 10);
        let iccid = luhn(&digits("89330", 14));
        Identity {
            manufacturer: manufacturer.to_string(),
            model: model.to_string(),
            revision: "SIM 1.0".to_string(),
            imei,
            imsi,
            iccid,
        }
    }
}

/// Appends the Luhn check digit (ISO/IEC 7812-1), as IMEIs (TS 23.003 §6.2.1) and ICCIDs carry.
fn luhn(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .map(|b| u32::from(b.wrapping_sub(b'0')))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}
