//! UCS-2 user data (TP-DCS alphabet `10`, 23.038 §5), sent and read as UTF-16BE: characters
//! beyond the BMP travel as surrogate pairs, which handsets accept.

use super::DecodeError;

/// Big-endian octets of UTF-16 code units.
pub(crate) fn units_to_octets(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_be_bytes()).collect()
}

/// Octets to text. An unpaired surrogate (a sender that split a pair across parts) becomes
/// U+FFFD rather than losing the rest of the message; an odd octet count is an error.
pub(crate) fn decode(octets: &[u8]) -> Result<String, DecodeError> {
    if !octets.len().is_multiple_of(2) {
        return Err(DecodeError::OddUcs2(octets.len()));
    }
    let units: Vec<u16> = octets
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            _ => 0,
        })
        .collect();
    Ok(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            // python-gsmmodem test/test_pdu.py TestUcs2.
            ("あ叶葉", "304253F68449"),
            ("はい", "306F3044"),
            // U+1F600 as the surrogate pair D83D DE00.
            ("a😀", "0061D83DDE00"),
        ];
        for (text, hex) in cases {
            let units: Vec<u16> = text.encode_utf16().collect();
            assert_eq!(hex::encode_upper(units_to_octets(&units)), *hex);
            assert_eq!(decode(&hex::decode(hex).unwrap()).unwrap(), *text);
        }
    }

    #[test]
    fn odd_length_and_lone_surrogates() {
        assert_eq!(decode(&[0x00]), Err(DecodeError::OddUcs2(1)));
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x41]).unwrap(), "\u{FFFD}A");
    }
}
