//! TP-DCS, the data coding scheme (23.038 §4): which alphabet the user data uses, whether
//! it is compressed, and the message class.

use super::Encoding;

/// TP-DCS as decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dcs {
    /// The octet as received.
    pub raw: u8,
    pub encoding: Encoding,
    /// Message class when the DCS gives one: 0 "flash" (shown, not stored), 1 ME-specific,
    /// 2 SIM-specific, 3 TE-specific.
    pub class: Option<u8>,
    /// Compressed user data (23.042). We cannot read it.
    pub compressed: bool,
}

impl Dcs {
    pub fn parse(raw: u8) -> Self {
        let alphabet = |bits: u8| match bits & 0b11 {
            0b01 => Encoding::Binary,
            0b10 => Encoding::Ucs2,
            // 0b11 is reserved: "assumed to be the GSM 7 bit default alphabet" (23.038 §4).
            _ => Encoding::Gsm7,
        };
        let (encoding, class, compressed) = match raw >> 4 {
            // General data coding (00xx) and marked for automatic deletion (01xx): bit 5
            // compressed, bit 4 "bits 1-0 are a class", bits 3-2 the alphabet.
            0x0..=0x7 => (
                alphabet(raw >> 2),
                (raw & 0x10 != 0).then_some(raw & 0b11),
                raw & 0x20 != 0,
            ),
            // Reserved coding groups: read as the default alphabet, as 23.038 asks.
            0x8..=0xB => (Encoding::Gsm7, None, false),
            // Message waiting indication, discard or store: 7-bit text.
            0xC | 0xD => (Encoding::Gsm7, None, false),
            // Message waiting indication, store, UCS-2 text.
            0xE => (Encoding::Ucs2, None, false),
            // Data coding / message class: bit 2 picks 8-bit over 7-bit, bits 1-0 the class.
            _ => (
                if raw & 0x04 != 0 {
                    Encoding::Binary
                } else {
                    Encoding::Gsm7
                },
                Some(raw & 0b11),
                false,
            ),
        };
        Self {
            raw,
            encoding,
            class,
            compressed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Encoding::*;
        let cases: &[(u8, Encoding, Option<u8>, bool)] = &[
            (0x00, Gsm7, None, false),
            (0x04, Binary, None, false),
            (0x08, Ucs2, None, false),
            (0x0C, Gsm7, None, false),
            (0x10, Gsm7, Some(0), false),
            (0x11, Gsm7, Some(1), false),
            (0x18, Ucs2, Some(0), false),
            // oFono unicode_deliver uses 0x19: UCS-2, class 1.
            (0x19, Ucs2, Some(1), false),
            (0x16, Binary, Some(2), false),
            (0x20, Gsm7, None, true),
            (0x28, Ucs2, None, true),
            (0x48, Ucs2, None, false),
            (0x5A, Ucs2, Some(2), false),
            (0x80, Gsm7, None, false),
            (0xC8, Gsm7, None, false),
            (0xD0, Gsm7, None, false),
            (0xE0, Ucs2, None, false),
            (0xF0, Gsm7, Some(0), false),
            (0xF1, Gsm7, Some(1), false),
            (0xF6, Binary, Some(2), false),
            (0xFF, Binary, Some(3), false),
        ];
        for &(raw, encoding, class, compressed) in cases {
            let dcs = Dcs::parse(raw);
            assert_eq!(
                (dcs.encoding, dcs.class, dcs.compressed),
                (encoding, class, compressed),
                "{raw:#04x}"
            );
            assert_eq!(dcs.raw, raw);
        }
    }
}
