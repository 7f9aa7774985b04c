//! The GSM 7-bit default alphabet and its extension table (23.038 §6.2.1, §6.2.1.1), and
//! the packing of septets into octets (23.038 §6.1.2.1.1; fill bits after a user data
//! header per 23.040 §9.2.3.24).

use super::DecodeError;

/// Escape to the extension table. On its own a receiver shows it as a space.
pub(crate) const ESC: u8 = 0x1B;

/// The default alphabet, indexed by septet. Slot 0x1B is the escape, never looked up.
#[rustfmt::skip]
const DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É',
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// The extension table: code after the escape, character. Other codes are undefined.
pub(crate) const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// How one character is sent in 7-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gsm {
    Basic(u8),
    /// Escape then this code: two septets.
    Ext(u8),
}

impl Gsm {
    pub(crate) fn septets(self) -> usize {
        match self {
            Self::Basic(_) => 1,
            Self::Ext(_) => 2,
        }
    }

    pub(crate) fn push_to(self, out: &mut Vec<u8>) {
        match self {
            Self::Basic(s) => out.push(s),
            Self::Ext(s) => out.extend([ESC, s]),
        }
    }
}

/// The septet(s) of `c`, or `None` when the character needs UCS-2.
pub(crate) fn lookup(c: char) -> Option<Gsm> {
    if let Some(i) = DEFAULT
        .iter()
        .enumerate()
        .position(|(i, &d)| d == c && i != usize::from(ESC))
    {
        return u8::try_from(i).ok().map(Gsm::Basic);
    }
    EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(code, _)| Gsm::Ext(code))
}

fn default_char(septet: u8) -> char {
    DEFAULT[usize::from(septet & 0x7F)]
}

/// Septets to text. An escape followed by a code the extension table does not define shows
/// the default-table character of that code (23.038 §6.2.1.1); a trailing escape or an
/// escape-escape (reserved for a further table) shows a space.
pub(crate) fn decode_septets(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut iter = septets.iter().map(|s| s & 0x7F);
    while let Some(s) = iter.next() {
        if s != ESC {
            out.push(default_char(s));
            continue;
        }
        match iter.next() {
            None | Some(ESC) => out.push(' '),
            Some(code) => out.push(
                EXTENSION
                    .iter()
                    .find(|&&(c, _)| c == code)
                    .map_or_else(|| default_char(code), |&(_, ch)| ch),
            ),
        }
    }
    out
}

/// Packs septets into octets, septet `i` at bit `(skip + i) * 7`, least significant bit
/// first. The first `skip` septets' worth of bits stay zero for the caller's user data
/// header (and its fill bits).
pub(crate) fn pack(septets: &[u8], skip: usize) -> Vec<u8> {
    let total_bits = (skip + septets.len()) * 7;
    let mut out = vec![0u8; total_bits.div_ceil(8)];
    for (i, &s) in septets.iter().enumerate() {
        let bit = (skip + i) * 7;
        let (byte, shift) = (bit / 8, bit % 8);
        let wide = u16::from(s & 0x7F) << shift;
        if let Some(b) = out.get_mut(byte) {
            *b |= wide as u8;
        }
        if let Some(b) = out.get_mut(byte + 1) {
            *b |= (wide >> 8) as u8;
        }
    }
    out
}

/// Unpacks septets `skip..count` from `data`, which must hold all `count` septets.
pub(crate) fn unpack(data: &[u8], count: usize, skip: usize) -> Result<Vec<u8>, DecodeError> {
    if (count * 7).div_ceil(8) > data.len() {
        return Err(DecodeError::Truncated("TP-UD"));
    }
    let octet = |i: usize| u16::from(data.get(i).copied().unwrap_or(0));
    Ok((skip..count)
        .map(|i| {
            let bit = i * 7;
            let (byte, shift) = (bit / 8, bit % 8);
            let wide = octet(byte) | (octet(byte + 1) << 8);
            ((wide >> shift) & 0x7F) as u8
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_character_round_trips_except_the_escape() {
        for s in 0u8..128 {
            if s == ESC {
                continue;
            }
            let c = default_char(s);
            assert_eq!(lookup(c), Some(Gsm::Basic(s)), "{c:?}");
            assert_eq!(decode_septets(&[s]), c.to_string());
        }
        // U+001B is not in the alphabet: it must not map onto the escape septet.
        assert_eq!(lookup('\u{1B}'), None);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        for (code, c) in EXTENSION {
            let g = lookup(c).unwrap();
            assert_eq!(g, Gsm::Ext(code));
            assert_eq!(g.septets(), 2);
            assert_eq!(decode_septets(&[ESC, code]), c.to_string());
        }
    }

    #[test]
    fn odd_escapes_decode_as_the_spec_says() {
        let cases: &[(&[u8], &str)] = &[
            (&[ESC], " "),
            (&[0x41, ESC], "A "),
            (&[ESC, ESC, 0x41], " A"),
            // 0x41 is undefined in the extension table: shown as the default 'A'.
            (&[ESC, 0x41], "A"),
        ];
        for (septets, text) in cases {
            assert_eq!(decode_septets(septets), *text, "{septets:02X?}");
        }
    }

    #[test]
    fn packs_published_examples() {
        // "hellohello" from the classic SMS-SUBMIT example (dreamfabric.com/sms, 23.040).
        let hello: Vec<u8> = "hellohello"
            .chars()
            .map(|c| match lookup(c) {
                Some(Gsm::Basic(s)) => s,
                _ => unreachable!(),
            })
            .collect();
        let packed = pack(&hello, 0);
        assert_eq!(hex::encode_upper(&packed), "E8329BFD4697D9EC37");
        assert_eq!(unpack(&packed, 10, 0).unwrap(), hello);
        // Eight septets fill exactly seven octets.
        assert_eq!(pack(&[0x7F; 8], 0), vec![0xFF; 7]);
    }

    #[test]
    fn skip_leaves_room_for_a_header_and_fill_bit() {
        // 7 skipped septets = 49 bits: a 6-octet UDH plus one fill bit.
        let packed = pack(&[0x7F], 7);
        assert_eq!(packed, vec![0, 0, 0, 0, 0, 0, 0xFE]);
        assert_eq!(unpack(&packed, 8, 7).unwrap(), vec![0x7F]);
    }

    #[test]
    fn unpack_refuses_a_count_past_the_data() {
        assert_eq!(
            unpack(&[0xE8, 0x32], 3, 0),
            Err(DecodeError::Truncated("TP-UD"))
        );
        assert_eq!(unpack(&[], 0, 0), Ok(vec![]));
    }
}
