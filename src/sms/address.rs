//! Address fields (23.040 §9.1.2.5): TP-DA we send, TP-OA and TP-RA we receive, and the
//! SMSC address field that prefixes every PDU in 27.005 PDU mode (24.011 §8.2.5.1).
//!
//! Numbers are semi-octets, low nibble first, an odd count padded with `F`. The TP-address
//! length counts useful semi-octets; the SMSC length counts octets, type-of-address included.

use super::cursor::Cursor;
use super::{gsm7, DecodeError, EncodeError};

/// TON international, NPI ISDN/E.164: a number written with `+`.
const TOA_INTERNATIONAL: u8 = 0x91;
/// TON unknown, NPI ISDN: the number as dialled, national format included.
const TOA_UNKNOWN: u8 = 0x81;
const TON_INTERNATIONAL: u8 = 1;
const TON_ALPHANUMERIC: u8 = 5;
/// TP-address values are at most 10 octets, so 20 semi-octets.
const MAX_SEMI_OCTETS: usize = 20;
/// RP-address: type-of-address plus at most 10 octets.
const MAX_SMSC_OCTETS: usize = 11;

/// An address as decoded from a PDU.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    /// Type-of-address octet: type of number in bits 6-4, numbering plan in bits 3-0.
    pub toa: u8,
    /// `+` and digits when the type of number is international; the digits as sent
    /// otherwise (`*`, `#`, `a`, `b`, `c` included); for an alphanumeric address (a sender
    /// name such as a bank's), its text.
    pub value: String,
}

impl Address {
    /// Type of number (23.040 §9.1.2.5): 0 unknown, 1 international, 2 national,
    /// 5 alphanumeric, ...
    pub fn ton(&self) -> u8 {
        (self.toa >> 4) & 0x07
    }

    pub fn is_international(&self) -> bool {
        self.ton() == TON_INTERNATIONAL
    }

    pub fn is_alphanumeric(&self) -> bool {
        self.ton() == TON_ALPHANUMERIC
    }
}

/// TP-DA for `to`: an optional `+` then 1 to 20 digits, nothing else (the caller
/// normalises). `+` gives TON international, otherwise TON unknown.
pub(crate) fn encode_destination(to: &str) -> Result<Vec<u8>, EncodeError> {
    let (toa, digits) = match to.strip_prefix('+') {
        Some(rest) => (TOA_INTERNATIONAL, rest),
        None => (TOA_UNKNOWN, to),
    };
    let valid =
        (1..=MAX_SEMI_OCTETS).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(EncodeError::BadNumber(to.to_string()));
    }
    let mut out = Vec::with_capacity(2 + digits.len().div_ceil(2));
    // At most 20: fits.
    out.push(digits.len() as u8);
    out.push(toa);
    for pair in digits.as_bytes().chunks(2) {
        let lo = pair.first().map_or(0xF, |d| d - b'0');
        let hi = pair.get(1).map_or(0xF, |d| d - b'0');
        out.push(hi << 4 | lo);
    }
    Ok(out)
}

/// Reads a TP-OA, TP-DA or TP-RA field.
pub(crate) fn read_address(cur: &mut Cursor, field: &'static str) -> Result<Address, DecodeError> {
    let len = usize::from(cur.u8(field)?);
    if len > MAX_SEMI_OCTETS {
        return Err(DecodeError::TooLong {
            field,
            len,
            max: MAX_SEMI_OCTETS,
        });
    }
    let toa = cur.u8(field)?;
    let octets = cur.take(len.div_ceil(2), field)?;
    let value = if (toa >> 4) & 0x07 == TON_ALPHANUMERIC {
        // The length counts semi-octets of packed septets.
        gsm7::decode_septets(&gsm7::unpack(octets, len * 4 / 7, 0)?)
    } else {
        number(toa, octets, len, field)?
    };
    Ok(Address { toa, value })
}

/// Reads the SMSC address field; `None` when its length is 0 (the SIM's SMSC).
pub(crate) fn read_smsc(cur: &mut Cursor) -> Result<Option<Address>, DecodeError> {
    const FIELD: &str = "SMSC address";
    let len = usize::from(cur.u8(FIELD)?);
    if len == 0 {
        return Ok(None);
    }
    if len > MAX_SMSC_OCTETS {
        return Err(DecodeError::TooLong {
            field: FIELD,
            len,
            max: MAX_SMSC_OCTETS,
        });
    }
    let toa = cur.u8(FIELD)?;
    let octets = cur.take(len - 1, FIELD)?;
    let nibbles = if octets.last().is_some_and(|b| b >> 4 == 0xF) {
        octets.len() * 2 - 1
    } else {
        octets.len() * 2
    };
    Ok(Some(Address {
        toa,
        value: number(toa, octets, nibbles, FIELD)?,
    }))
}

/// The first `count` semi-octets of `octets` as text; `+` first for an international number.
fn number(
    toa: u8,
    octets: &[u8],
    count: usize,
    field: &'static str,
) -> Result<String, DecodeError> {
    let mut out = String::with_capacity(count + 1);
    if (toa >> 4) & 0x07 == TON_INTERNATIONAL {
        out.push('+');
    }
    let nibbles = octets.iter().flat_map(|b| [b & 0x0F, b >> 4]).take(count);
    for nibble in nibbles {
        out.push(match nibble {
            0..=9 => char::from(b'0' + nibble),
            0xA => '*',
            0xB => '#',
            0xC => 'a',
            0xD => 'b',
            0xE => 'c',
            _ => return Err(DecodeError::BadSemiOctet { field, nibble }),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_destinations() {
        let cases: &[(&str, &str)] = &[
            // The classic SMS-SUBMIT example (dreamfabric.com/sms).
            ("+46708251358", "0B916407281553F8"),
            // python-gsmmodem test/test_pdu.py TestSmsPduAddressFields.
            ("+9876543210", "0A918967452301"),
            ("+27829135934", "0B917228195339F4"),
            ("0708251358", "0A817080523185"),
            ("1", "0181F1"),
        ];
        for (to, hex) in cases {
            assert_eq!(hex::encode_upper(encode_destination(to).unwrap()), *hex);
        }
    }

    #[test]
    fn rejects_anything_but_plus_and_digits() {
        let too_long = "1".repeat(21);
        for bad in [
            "", "+", "++33", "+33 6", "06-12", "(06)", "06.12", "+33a", &too_long, "١٢",
        ] {
            assert_eq!(
                encode_destination(bad),
                Err(EncodeError::BadNumber(bad.to_string())),
                "{bad:?}"
            );
        }
        assert!(encode_destination(&"9".repeat(20)).is_ok());
    }

    fn read(hex: &str) -> Result<Address, DecodeError> {
        let bytes = hex::decode(hex).unwrap();
        read_address(&mut Cursor::new(&bytes), "TP-OA")
    }

    #[test]
    fn decodes_addresses() {
        let cases: &[(&str, u8, &str)] = &[
            ("0B916407281553F8", 0x91, "+46708251358"),
            ("0AA11092997856", 0xA1, "0129998765"),
            ("0681BADC1E", 0x81, "*#abc1"),
            // Alphanumeric: python-gsmmodem TestSmsPduAddressFields, qotto/smspdudecoder
            // fields.py doctests.
            ("06D061F118", 0xD0, "abc"),
            ("0ED04669D0397C26A7", 0xD0, "FRANCOIS"),
            ("14D0E10D6FE3DBA036A94D19", 0xD0, "a[]{}€"),
            ("0BD0CDE6DB5DCE03", 0xD0, "MMoney"),
            ("14D0C4F23C7D760390EF7619", 0xD0, "Design@Home"),
        ];
        for (hex, toa, value) in cases {
            let a = read(hex).unwrap();
            assert_eq!((a.toa, a.value.as_str()), (*toa, *value), "{hex}");
        }
        assert!(read("06D061F118").unwrap().is_alphanumeric());
        assert!(read("0B916407281553F8").unwrap().is_international());
    }

    #[test]
    fn refuses_malformed_addresses() {
        let field = "TP-OA";
        assert_eq!(read(""), Err(DecodeError::Truncated(field)));
        assert_eq!(read("0B91640728"), Err(DecodeError::Truncated(field)));
        assert_eq!(
            read("15910000000000000000000000"),
            Err(DecodeError::TooLong {
                field,
                len: 21,
                max: 20
            })
        );
        assert_eq!(
            read("0391F1F2"),
            Err(DecodeError::BadSemiOctet { field, nibble: 0xF })
        );
    }

    #[test]
    fn decodes_smsc_fields() {
        let smsc = |hex: &str| {
            let bytes = hex::decode(hex).unwrap();
            read_smsc(&mut Cursor::new(&bytes))
        };
        assert_eq!(smsc("00"), Ok(None));
        // python-gsmmodem TestSmsPduSmscFields.
        let cases = [
            ("07917283010010F5", "+27381000015"),
            ("06918967452301", "+9876543210"),
            ("069189674523F1", "+987654321"),
            ("038121F3", "123"),
        ];
        for (hex, value) in cases {
            assert_eq!(smsc(hex).unwrap().unwrap().value, value);
        }
        assert_eq!(
            smsc("07917283"),
            Err(DecodeError::Truncated("SMSC address"))
        );
        assert!(matches!(
            smsc("0C91"),
            Err(DecodeError::TooLong { len: 12, .. })
        ));
        assert!(matches!(
            smsc("0391F123"),
            Err(DecodeError::BadSemiOctet { nibble: 0xF, .. })
        ));
    }
}
