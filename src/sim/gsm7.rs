//! The simulated phone's own reading and writing of the GSM 7-bit default alphabet (3GPP
//! TS 23.038 §6.1.2 and §6.2.1): septet packing and unpacking and the default + extension
//! tables (writing is for the SMS-DELIVER PDUs of inbound messages).
//!
//! Written independently of otpgate's `sms` codec on purpose: the simulator checks what the
//! daemon encodes, so it must not share the daemon's tables or its packing code.

/// The GSM 7-bit default alphabet (TS 23.038 §6.2.1), indexed by septet value. 0x1B is the
/// escape to the extension table and is never looked up here.
const DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

const ESCAPE: u8 = 0x1B;

/// The extension table (TS 23.038 §6.2.1.1) as a phone displays it.
fn extension(septet: u8) -> Option<char> {
    Some(match septet {
        0x0A => '\u{0C}', // form feed (page break)
        0x14 => '^',
        0x28 => '{',
        0x29 => '}',
        0x2F => '\\',
        0x3C => '[',
        0x3D => '~',
        0x3E => ']',
        0x40 => '|',
        0x65 => '€',
        _ => return None,
    })
}

/// Unpacks `count` septets starting `skip` septets into `octets` (TS 23.038 §6.1.2.1.1:
/// septets are packed least significant bit first). Missing octets read as zero bits; the
/// caller has already checked that `octets` is long enough for the declared UDL.
pub(super) fn unpack(octets: &[u8], skip: usize, count: usize) -> Vec<u8> {
    (skip..skip + count)
        .map(|i| {
            let bit = i * 7;
            let lo = u16::from(octets.get(bit / 8).copied().unwrap_or(0));
            let hi = u16::from(octets.get(bit / 8 + 1).copied().unwrap_or(0));
            // Mask first: the cast to u8 then only drops bits that are already zero.
            (((lo | (hi << 8)) >> (bit % 8)) & 0x7F) as u8
        })
        .collect()
}

/// Septets to text as a phone shows them. An escape followed by a septet the extension table
/// does not define shows the default-table character (TS 23.038 §6.2.1.1 note); a dangling
/// escape at the end of a part shows a space, which makes an encoder that splits an escape
/// sequence across two parts visible in the reassembled text.
pub(super) fn decode(septets: &[u8]) -> String {
    let mut text = String::with_capacity(septets.len());
    let mut iter = septets.iter().copied();
    while let Some(s) = iter.next() {
        if s == ESCAPE {
            match iter.next() {
                Some(next) => text.push(extension(next).unwrap_or_else(|| default_char(next))),
                None => text.push(' '),
            }
        } else {
            text.push(default_char(s));
        }
    }
    text
}

/// Text to septets, an extension character as the escape and its septet; `None` when a
/// character is in neither table (the text then needs UCS-2).
pub(super) fn encode(text: &str) -> Option<Vec<u8>> {
    let mut septets = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(s) = default_septet(c) {
            septets.push(s);
        } else {
            septets.extend([ESCAPE, extension_septet(c)?]);
        }
    }
    Some(septets)
}

fn default_septet(c: char) -> Option<u8> {
    // 0x1B is the escape, not a character: its slot in the table is never a match.
    (0u8..128)
        .filter(|&s| s != ESCAPE)
        .find(|&s| DEFAULT.get(usize::from(s)) == Some(&c))
}

fn extension_septet(c: char) -> Option<u8> {
    (0u8..128).find(|&s| extension(s) == Some(c))
}

/// Packs septets least significant bit first after `fill_bits` zero bits (TS 23.038
/// §6.1.2.1.1; the fill bits align text after a user data header on a septet boundary).
pub(super) fn pack(septets: &[u8], fill_bits: usize) -> Vec<u8> {
    let bits = fill_bits + septets.len() * 7;
    let mut out = vec![0u8; bits.div_ceil(8)];
    for (i, s) in septets.iter().enumerate() {
        let at = fill_bits + i * 7;
        let value = u16::from(s & 0x7F) << (at % 8);
        let [lo, hi] = value.to_le_bytes();
        if let Some(o) = out.get_mut(at / 8) {
            *o |= lo;
        }
        if let Some(o) = out.get_mut(at / 8 + 1) {
            *o |= hi;
        }
    }
    out
}

fn default_char(septet: u8) -> char {
    DEFAULT
        .get(usize::from(septet & 0x7F))
        .copied()
        .unwrap_or(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs septets the textbook way, bit by bit, to check `pack` and build fixtures.
    fn pack_bits(septets: &[u8], fill_bits: usize) -> Vec<u8> {
        let bits = fill_bits + septets.len() * 7;
        let mut out = vec![0u8; bits.div_ceil(8)];
        for (i, s) in septets.iter().enumerate() {
            for b in 0..7 {
                if s >> b & 1 == 1 {
                    let at = fill_bits + i * 7 + b;
                    out[at / 8] |= 1 << (at % 8);
                }
            }
        }
        out
    }

    #[test]
    fn encodes_and_packs() {
        assert_eq!(
            hex::encode_upper(pack(&encode("hellohello").unwrap(), 0)),
            "E8329BFD4697D9EC37"
        );
        assert_eq!(encode("@ A"), Some(vec![0x00, 0x20, 0x41]));
        assert_eq!(encode("€["), Some(vec![0x1B, 0x65, 0x1B, 0x3C]));
        assert_eq!(encode("Ж"), None);
        let septets: Vec<u8> = (0..=127u8).collect();
        for fill in 0..7 {
            assert_eq!(
                pack(&septets, fill),
                pack_bits(&septets, fill),
                "fill {fill}"
            );
        }
    }

    #[test]
    fn every_table_character_round_trips() {
        let text: String = (0..128u8)
            .filter(|&s| s != ESCAPE)
            .map(default_char)
            .chain("^{}\\[~]|€\u{0C}".chars())
            .collect();
        let septets = encode(&text).unwrap();
        assert_eq!(decode(&septets), text);
        assert_eq!(unpack(&pack(&septets, 0), 0, septets.len()), septets);
    }

    #[test]
    fn unpacks_known_octets() {
        // "hellohello" from the classic TS 23.040 example PDU.
        let octets = hex::decode("E8329BFD4697D9EC37").unwrap();
        assert_eq!(decode(&unpack(&octets, 0, 10)), "hellohello");
    }

    #[test]
    fn unpack_round_trips_with_offsets() {
        let septets: Vec<u8> = (0..=127u8).collect();
        for skip in 0..8 {
            let octets = pack_bits(&[vec![0u8; skip], septets.clone()].concat(), 0);
            assert_eq!(unpack(&octets, skip, septets.len()), septets, "skip {skip}");
        }
    }

    #[test]
    fn decodes_default_and_extension_tables() {
        let cases: &[(&[u8], &str)] = &[
            (&[0x00, 0x01, 0x02, 0x03], "@£$¥"),
            (&[0x1B, 0x65, 0x1B, 0x28, 0x1B, 0x29], "€{}"),
            (&[0x1B, 0x3C, 0x1B, 0x3E, 0x1B, 0x2F, 0x1B, 0x3D], "[]\\~"),
            (&[0x1B, 0x14, 0x1B, 0x40, 0x1B, 0x0A], "^|\u{0C}"),
            (&[0x1B, 0x41], "A"),
            (&[0x41, 0x1B], "A "),
            (&[0x10, 0x5F, 0x60, 0x7F], "Δ§¿à"),
        ];
        for (septets, want) in cases {
            assert_eq!(decode(septets), *want, "{septets:02X?}");
        }
    }
}
