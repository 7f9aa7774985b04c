//! The simulator's own SMS-SUBMIT decoder (3GPP TS 23.040 §9.2.2.2 and §9.2.3, TS 27.005
//! §3.5.1 for the PDU-mode framing with its leading SMSC field).
//!
//! Independent of otpgate's `sms` codec on purpose: the simulator checks the daemon's
//! encoder, so it decodes with its own code. It is stricter than a real SMSC: anything a
//! careful encoder would not produce (length mismatch, trailing octets, a concatenation IE
//! with a sequence number out of range, an odd UCS-2 length) is an error, which the modem
//! answers with `+CMS ERROR: 304` (invalid PDU mode parameter).

use super::gsm7;

/// The alphabet a part's TP-DCS selects (TS 23.038 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Alphabet {
    Gsm7,
    Eight,
    Ucs2,
}

impl Alphabet {
    /// The name the phone's record uses.
    pub(super) fn name(self) -> &'static str {
        match self {
            Alphabet::Gsm7 => "gsm7",
            Alphabet::Eight => "binary",
            Alphabet::Ucs2 => "ucs2",
        }
    }
}

/// A concatenation information element (TS 23.040 §9.2.3.24.1 with IEI 0x00, 8-bit reference;
/// §9.2.3.24.8 with IEI 0x08, 16-bit reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Concat {
    pub reference: u16,
    pub wide: bool,
    pub total: u8,
    pub seq: u8,
}

/// One decoded SMS-SUBMIT, as much of it as the phone and the tests care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Submit {
    /// The SMSC given in the PDU's first field, if any (`None` = the modem's +CSCA).
    pub smsc: Option<String>,
    /// TP-SRR: the sender asked for a status report.
    pub status_report: bool,
    /// TP-MR as the daemon wrote it (the modem assigns its own and answers it in +CMGS).
    pub reference: u8,
    /// TP-DA: "+digits" for an international number, digits otherwise.
    pub to: String,
    pub pid: u8,
    pub dcs: u8,
    pub alphabet: Alphabet,
    pub concat: Option<Concat>,
    /// The part's text; for 8-bit data, its octets in lower-case hex.
    pub text: String,
}

/// Why a PDU was refused. Every variant becomes `+CMS ERROR: 304` on the wire; the detail is
/// for logs and tests.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum PduError {
    #[error("the PDU is not hexadecimal: {0}")]
    Hex(#[from] hex::FromHexError),
    #[error("AT+CMGS={declared} but the PDU holds {actual} TPDU octets")]
    Length { declared: usize, actual: usize },
    #[error("the PDU ends inside {0}")]
    Truncated(&'static str),
    #[error("{0} octets follow the user data")]
    Trailing(usize),
    #[error("TP-MTI {0} is not SMS-SUBMIT")]
    NotSubmit(u8),
    #[error("address of {0} digits is too long")]
    AddressLength(usize),
    #[error("bad digit {0:#x} in an address")]
    Digit(u8),
    #[error("TP-DCS {0:#04x} is reserved or compressed")]
    Dcs(u8),
    #[error("TP-UDL {0} is too long for the alphabet")]
    UserDataLength(usize),
    #[error("the user data header is malformed")]
    Header,
    #[error("the concatenation element is malformed")]
    Concat,
    #[error("UCS-2 user data of odd length {0}")]
    OddUcs2(usize),
}

/// A bounds-checked cursor over the PDU octets: input from the daemon never panics.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self, what: &'static str) -> Result<u8, PduError> {
        Ok(self.take(1, what)?.first().copied().unwrap_or(0))
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PduError> {
        let end = self.pos.checked_add(n).ok_or(PduError::Truncated(what))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(PduError::Truncated(what))?;
        self.pos = end;
        Ok(slice)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}

/// Decodes the PDU that followed `AT+CMGS=<tpdu_len>`: the SMSC field (TS 24.011 RP address,
/// length in octets) and then exactly `tpdu_len` octets of SMS-SUBMIT.
pub(super) fn decode_submit(hex_text: &[u8], tpdu_len: usize) -> Result<Submit, PduError> {
    let octets = hex::decode(hex_text)?;
    let smsc_len = usize::from(octets.first().copied().unwrap_or(0));
    let actual = octets.len().saturating_sub(1 + smsc_len);
    if octets.is_empty() || actual != tpdu_len || octets.len() < 1 + smsc_len {
        return Err(PduError::Length {
            declared: tpdu_len,
            actual,
        });
    }
    let mut r = Reader {
        bytes: &octets,
        pos: 0,
    };
    let smsc = smsc_address(&mut r)?;
    let first = r.u8("the first octet")?;
    if first & 0x03 != 0x01 {
        return Err(PduError::NotSubmit(first & 0x03));
    }
    let reference = r.u8("TP-MR")?;
    let to = address(&mut r)?;
    let pid = r.u8("TP-PID")?;
    let dcs = r.u8("TP-DCS")?;
    let alphabet = alphabet(dcs)?;
    // TP-VPF, bits 4-3: absent, enhanced (7), relative (1), absolute (7) (TS 23.040 §9.2.3.3).
    let vp_len = [0, 7, 1, 7][usize::from((first >> 3) & 0x03)];
    r.take(vp_len, "TP-VP")?;
    let udl = usize::from(r.u8("TP-UDL")?);
    let (concat, text) = user_data(&mut r, alphabet, first & 0x40 != 0, udl)?;
    if r.remaining() != 0 {
        return Err(PduError::Trailing(r.remaining()));
    }
    Ok(Submit {
        smsc,
        status_report: first & 0x20 != 0,
        reference,
        to,
        pid,
        dcs,
        alphabet,
        concat,
        text,
    })
}

/// The SMSC field: its length counts octets (type included), unlike TP-DA's digit count.
fn smsc_address(r: &mut Reader) -> Result<Option<String>, PduError> {
    let len = usize::from(r.u8("the SMSC length")?);
    if len == 0 {
        return Ok(None);
    }
    let toa = r.u8("the SMSC type")?;
    let octets = r.take(len - 1, "the SMSC address")?;
    let digits = semi_octets(octets, (len - 1) * 2, true)?;
    Ok(Some(with_ton(toa, digits)))
}

/// TP-DA (TS 23.040 §9.1.2.5): a count of semi-octets, the type of address, BCD digits with
/// an F filler when the count is odd.
fn address(r: &mut Reader) -> Result<String, PduError> {
    let count = usize::from(r.u8("the TP-DA length")?);
    if count > 20 {
        return Err(PduError::AddressLength(count));
    }
    let toa = r.u8("the TP-DA type")?;
    let octets = r.take(count.div_ceil(2), "TP-DA")?;
    if (toa >> 4) & 0x07 == 0x05 {
        // Alphanumeric (TS 23.038 GSM 7-bit, count semi-octets of packed septets).
        return Ok(gsm7::decode(&gsm7::unpack(octets, 0, count * 4 / 7)));
    }
    Ok(with_ton(toa, semi_octets(octets, count, false)?))
}

fn with_ton(toa: u8, digits: String) -> String {
    // TON "international" (bits 6-4 = 001, e.g. 0x91) is what a "+" stands for.
    if (toa >> 4) & 0x07 == 0x01 {
        format!("+{digits}")
    } else {
        digits
    }
}

/// Swapped BCD (TS 23.040 §9.1.2.3); `*#abc` for 0xA-0xE (TS 24.008 table 10.5.118).
fn semi_octets(octets: &[u8], count: usize, filler_ends: bool) -> Result<String, PduError> {
    let mut out = String::with_capacity(count);
    let nibbles = octets.iter().flat_map(|o| [o & 0x0F, o >> 4]).take(count);
    for (i, n) in nibbles.enumerate() {
        let c = match n {
            0..=9 => char::from(b'0' + n),
            0x0A => '*',
            0x0B => '#',
            0x0C..=0x0E => char::from(b'a' + n - 0x0C),
            // An SMSC field's length is in octets: an odd number of digits ends with the F
            // filler. TP-DA counts digits, so its filler lies past `count`.
            _ if filler_ends && i + 1 == count => break,
            _ => return Err(PduError::Digit(n)),
        };
        out.push(c);
    }
    Ok(out)
}

/// TP-DCS to an alphabet (TS 23.038 §4): the general coding groups and the message-waiting /
/// message-class groups; compressed text and reserved values are refused.
fn alphabet(dcs: u8) -> Result<Alphabet, PduError> {
    let general = |bits: u8| match bits & 0x03 {
        0 => Ok(Alphabet::Gsm7),
        1 => Ok(Alphabet::Eight),
        2 => Ok(Alphabet::Ucs2),
        _ => Err(PduError::Dcs(dcs)),
    };
    match dcs >> 4 {
        // 00xx / 01xx: general data coding (01xx = marked for automatic deletion).
        0x0..=0x7 if dcs & 0x20 != 0 => Err(PduError::Dcs(dcs)),
        0x0..=0x7 => general(dcs >> 2),
        0xC | 0xD => Ok(Alphabet::Gsm7),
        0xE => Ok(Alphabet::Ucs2),
        0xF if dcs & 0x04 != 0 => Ok(Alphabet::Eight),
        0xF => Ok(Alphabet::Gsm7),
        _ => Err(PduError::Dcs(dcs)),
    }
}

/// TP-UD with its optional header (TS 23.040 §9.2.3.24). For GSM 7-bit, UDL counts septets
/// including the header and the fill bits that align the text on a septet boundary.
fn user_data(
    r: &mut Reader,
    alphabet: Alphabet,
    udhi: bool,
    udl: usize,
) -> Result<(Option<Concat>, String), PduError> {
    let (octet_len, max) = match alphabet {
        Alphabet::Gsm7 => ((udl * 7).div_ceil(8), 160),
        Alphabet::Eight | Alphabet::Ucs2 => (udl, 140),
    };
    if udl > max {
        return Err(PduError::UserDataLength(udl));
    }
    let ud = r.take(octet_len, "TP-UD")?;
    let (concat, header_octets) = if udhi { header(ud)? } else { (None, 0) };
    let text = match alphabet {
        Alphabet::Gsm7 => {
            let skip = (header_octets * 8).div_ceil(7);
            let count = udl.checked_sub(skip).ok_or(PduError::Header)?;
            gsm7::decode(&gsm7::unpack(ud, skip, count))
        }
        Alphabet::Eight => hex::encode(ud.get(header_octets..).unwrap_or_default()),
        Alphabet::Ucs2 => ucs2(ud.get(header_octets..).unwrap_or_default())?,
    };
    Ok((concat, text))
}

/// Walks the UDH's information elements; returns the concatenation IE (if any) and the
/// header's size in octets, UDHL included.
fn header(ud: &[u8]) -> Result<(Option<Concat>, usize), PduError> {
    let udhl = usize::from(*ud.first().ok_or(PduError::Header)?);
    let mut ies = Reader {
        bytes: ud.get(1..1 + udhl).ok_or(PduError::Header)?,
        pos: 0,
    };
    let mut concat = None;
    while ies.remaining() > 0 {
        let iei = ies.u8("an IEI").map_err(|_| PduError::Header)?;
        let len = usize::from(ies.u8("an IEDL").map_err(|_| PduError::Header)?);
        let data = ies.take(len, "an IE").map_err(|_| PduError::Header)?;
        let (reference, wide, rest) = match (iei, data) {
            (0x00, [r, rest @ ..]) if len == 3 => (u16::from(*r), false, rest),
            (0x08, [hi, lo, rest @ ..]) if len == 4 => (u16::from_be_bytes([*hi, *lo]), true, rest),
            (0x00 | 0x08, _) => return Err(PduError::Concat),
            _ => continue,
        };
        let &[total, seq] = rest else {
            return Err(PduError::Concat);
        };
        if total == 0 || seq == 0 || seq > total || concat.is_some() {
            return Err(PduError::Concat);
        }
        concat = Some(Concat {
            reference,
            wide,
            total,
            seq,
        });
    }
    Ok((concat, 1 + udhl))
}

/// UCS-2 as phones read it today: UTF-16BE, surrogate pairs joined within the part. A lone
/// surrogate shows U+FFFD, as on a handset, so a pair split across parts shows up in the text.
fn ucs2(octets: &[u8]) -> Result<String, PduError> {
    if !octets.len().is_multiple_of(2) {
        return Err(PduError::OddUcs2(octets.len()));
    }
    let units = octets
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_be_bytes);
    Ok(char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}
