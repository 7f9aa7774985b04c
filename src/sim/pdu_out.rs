//! The simulator's own encoder for what the network sends to the modem: SMS-DELIVER (TS 23.040
//! §9.2.2.1) for inbound messages, split and concatenated with an 8-bit reference UDH
//! (§9.2.3.24.1) when long, and SMS-STATUS-REPORT (§9.2.2.3). Each PDU carries the SMSC field
//! first, as TS 27.005 §3.1 `<pdu>` shows it in +CMT, +CMGR, +CMGL and +CDS.
//!
//! Independent of otpgate's `sms` codec on purpose: the daemon's decoder is what these PDUs
//! test, so they must come from other code.

use super::gsm7;
use chrono::{Datelike, NaiveDateTime, Timelike};

/// GSM 7-bit septets in one part: alone, and with the 6-octet concatenation header (7
/// septets with the fill bit).
const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
/// UTF-16 code units in one part: alone, and after the header.
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

/// The alphabet of inbound text (TS 23.038 §4: TP-DCS 0x00 and 0x08).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coding {
    Gsm7,
    Ucs2,
}

/// One encoded PDU: octets including the SMSC field, and the TPDU length that +CMT, +CMGR,
/// +CMGL and +CDS announce (the octets after the SMSC field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pdu {
    pub octets: Vec<u8>,
    pub tpdu_len: usize,
}

impl Pdu {
    pub(super) fn hex(&self) -> String {
        hex::encode_upper(&self.octets)
    }
}

/// One part of an inbound message, with what the storage listing shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DeliverPart {
    pub pdu: Pdu,
    pub from: String,
    pub text: String,
    /// (reference, total, sequence) of the concatenation header, if any.
    pub concat: Option<(u8, u8, u8)>,
}

/// What an inbound message is made of.
#[derive(Debug, Clone)]
pub(super) struct Inbound<'a> {
    pub smsc: &'a str,
    pub from: &'a str,
    pub text: &'a str,
    /// `None`: GSM 7-bit when every character has a septet, else UCS-2.
    pub coding: Option<Coding>,
    /// Split into exactly this many parts (each with the header when more than one).
    pub parts: Option<usize>,
    pub reference: u8,
    pub scts: NaiveDateTime,
}

/// Encodes an inbound message as one SMS-DELIVER per part.
pub(super) fn deliver(msg: &Inbound) -> Result<Vec<DeliverPart>, String> {
    let gsm = gsm7::encode(msg.text);
    let coding = match (msg.coding, &gsm) {
        (Some(Coding::Gsm7), None) => {
            return Err("the text has characters outside the GSM 7-bit alphabet".into())
        }
        (Some(c), _) => c,
        (None, Some(_)) => Coding::Gsm7,
        (None, None) => Coding::Ucs2,
    };
    let chars: Vec<char> = msg.text.chars().collect();
    let cost = |c: &char| match coding {
        Coding::Gsm7 => gsm7::encode(c.encode_utf8(&mut [0; 4])).map_or(2, |s| s.len()),
        Coding::Ucs2 => c.len_utf16(),
    };
    let (single, part) = match coding {
        Coding::Gsm7 => (GSM7_SINGLE, GSM7_PART),
        Coding::Ucs2 => (UCS2_SINGLE, UCS2_PART),
    };
    let chunks = match msg.parts {
        Some(n) => even_chunks(&chars, n)?,
        None if chars.iter().map(cost).sum::<usize>() <= single => vec![chars.clone()],
        None => greedy_chunks(&chars, part, &cost),
    };
    let total = u8::try_from(chunks.len()).map_err(|_| "more than 255 parts")?;
    let budget = if total == 1 { single } else { part };
    let mut out = Vec::with_capacity(chunks.len());
    for (seq, chunk) in (1u8..).zip(&chunks) {
        if chunk.iter().map(cost).sum::<usize>() > budget {
            return Err(format!("part {seq} of {total} is too long for one SMS"));
        }
        let text: String = chunk.iter().collect();
        let concat = (total > 1).then_some((msg.reference, total, seq));
        out.push(DeliverPart {
            pdu: deliver_pdu(msg, coding, &text, concat)?,
            from: msg.from.to_string(),
            text,
            concat,
        });
    }
    Ok(out)
}

/// `n` runs of characters whose lengths differ by one at most.
fn even_chunks(chars: &[char], n: usize) -> Result<Vec<Vec<char>>, String> {
    if n == 0 || n > chars.len().max(1) {
        return Err(format!(
            "cannot split {} characters in {n} parts",
            chars.len()
        ));
    }
    let (base, extra) = (chars.len() / n, chars.len() % n);
    let mut rest = chars;
    let mut chunks = Vec::with_capacity(n);
    for i in 0..n {
        let (head, tail) = rest.split_at((base + usize::from(i < extra)).min(rest.len()));
        chunks.push(head.to_vec());
        rest = tail;
    }
    Ok(chunks)
}

/// As many characters per part as fit: an escape pair or a surrogate pair never splits,
/// since a character's whole cost goes to one part.
fn greedy_chunks(chars: &[char], budget: usize, cost: &dyn Fn(&char) -> usize) -> Vec<Vec<char>> {
    let mut chunks: Vec<Vec<char>> = vec![Vec::new()];
    let mut used = 0;
    for c in chars {
        if used + cost(c) > budget {
            chunks.push(Vec::new());
            used = 0;
        }
        used += cost(c);
        if let Some(last) = chunks.last_mut() {
            last.push(*c);
        }
    }
    chunks
}

fn deliver_pdu(
    msg: &Inbound,
    coding: Coding,
    text: &str,
    concat: Option<(u8, u8, u8)>,
) -> Result<Pdu, String> {
    let udh: Vec<u8> = concat.map_or(Vec::new(), |(r, total, seq)| {
        vec![0x05, 0x00, 0x03, r, total, seq]
    });
    let (dcs, udl, ud) = match coding {
        Coding::Gsm7 => {
            let septets = gsm7::encode(text).ok_or("not GSM 7-bit")?;
            // The text starts on the septet boundary after the header (fill bits).
            let header_septets = (udh.len() * 8).div_ceil(7);
            let fill = header_septets * 7 - udh.len() * 8;
            let packed = gsm7::pack(&septets, fill);
            (
                0x00,
                header_septets + septets.len(),
                [udh.clone(), packed].concat(),
            )
        }
        Coding::Ucs2 => {
            let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            (0x08, udh.len() + units.len(), [udh.clone(), units].concat())
        }
    };
    // TP-MTI 00 SMS-DELIVER, TP-MMS 1 (no more messages), TP-UDHI with a header.
    let first = 0x04 | if udh.is_empty() { 0 } else { 0x40 };
    let mut tpdu = vec![first];
    tpdu.extend(address(msg.from)?);
    tpdu.extend([0x00, dcs]);
    tpdu.extend(timestamp(msg.scts));
    tpdu.push(u8::try_from(udl).map_err(|_| "user data too long")?);
    tpdu.extend(ud);
    Ok(with_smsc(msg.smsc, tpdu))
}

/// What a status report says (TS 23.040 §9.2.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StatusReport<'a> {
    pub smsc: &'a str,
    /// TP-MR: the reference the modem gave in +CMGS.
    pub mr: u8,
    /// TP-RA: the destination of the submitted message.
    pub recipient: &'a str,
    /// TP-SCTS: when the SC took the message.
    pub scts: NaiveDateTime,
    /// TP-DT: when it was delivered, or the status last changed.
    pub discharge: NaiveDateTime,
    /// TP-ST.
    pub status: u8,
}

pub(super) fn status_report(report: &StatusReport) -> Result<Pdu, String> {
    // TP-MTI 10 SMS-STATUS-REPORT, TP-MMS 1, TP-SRQ 0 (the report of an SMS-SUBMIT).
    let mut tpdu = vec![0x06, report.mr];
    tpdu.extend(address(report.recipient)?);
    tpdu.extend(timestamp(report.scts));
    tpdu.extend(timestamp(report.discharge));
    tpdu.push(report.status);
    Ok(with_smsc(report.smsc, tpdu))
}

fn with_smsc(smsc: &str, tpdu: Vec<u8>) -> Pdu {
    let field = smsc_field(smsc);
    Pdu {
        tpdu_len: tpdu.len(),
        octets: [field, tpdu].concat(),
    }
}

/// The SMSC field (TS 24.011 §8.2.5.2 RP address): its length counts octets, type included;
/// an empty number is the single octet 00.
fn smsc_field(number: &str) -> Vec<u8> {
    let Some((toa, digits)) = numeric(number) else {
        return vec![0x00];
    };
    let bcd = semi_octets(&digits);
    let len = u8::try_from(bcd.len() + 1).unwrap_or(0);
    [vec![len, toa], bcd].concat()
}

/// TP-OA / TP-RA (TS 23.040 §9.1.2.5): a count of useful semi-octets, the type of address and
/// the value; a sender with letters is alphanumeric (TON 101, packed GSM 7-bit).
fn address(number: &str) -> Result<Vec<u8>, String> {
    if let Some((toa, digits)) = numeric(number) {
        if digits.len() > 20 {
            return Err(format!("{number:?} has more than 20 digits"));
        }
        let count = u8::try_from(digits.len()).unwrap_or(0);
        return Ok([vec![count, toa], semi_octets(&digits)].concat());
    }
    let septets = gsm7::encode(number)
        .filter(|s| !s.is_empty() && s.len() <= 11)
        .ok_or_else(|| format!("{number:?} is neither a number nor an 11-character name"))?;
    let count = u8::try_from((septets.len() * 7).div_ceil(4)).unwrap_or(0);
    Ok([vec![count, 0xD0], gsm7::pack(&septets, 0)].concat())
}

/// "+digits" is international (TOA 0x91), bare digits unknown numbering (0x81).
fn numeric(number: &str) -> Option<(u8, Vec<u8>)> {
    let (toa, digits) = match number.strip_prefix('+') {
        Some(rest) => (0x91, rest),
        None => (0x81, number),
    };
    let digits: Vec<u8> = digits.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    (!digits.is_empty() && digits.iter().all(|d| *d <= 9)).then_some((toa, digits))
}

/// Swapped BCD with an F filler (TS 23.040 §9.1.2.3).
fn semi_octets(digits: &[u8]) -> Vec<u8> {
    digits
        .chunks(2)
        .map(|pair| match pair {
            [a, b] => a | (b << 4),
            [a] => a | 0xF0,
            _ => 0xFF,
        })
        .collect()
}

/// TP-SCTS / TP-DT (TS 23.040 §9.2.3.11): year to second in swapped BCD, then the time zone
/// in quarter hours (the simulator's network clock is UTC: 00).
fn timestamp(t: NaiveDateTime) -> [u8; 7] {
    let bcd = |v: u32| {
        let v = u8::try_from(v % 100).unwrap_or(0);
        (v % 10) << 4 | (v / 10)
    };
    let year = u32::try_from(t.year().rem_euclid(100)).unwrap_or(0);
    [
        bcd(year),
        bcd(t.month()),
        bcd(t.day()),
        bcd(t.hour()),
        bcd(t.minute()),
        bcd(t.second()),
        0x00,
    ]
}

/// Decodes UCS-2 hex ("0041004200" style, as in AT+CTTS=1 and AT+QWTTS mode 1); `None` if
/// it is not whole UTF-16 code units of hex.
pub(super) fn ucs2_hex(text: &str) -> Option<String> {
    let octets = hex::decode(text.trim()).ok()?;
    if octets.len() % 2 != 0 {
        return None;
    }
    let units = octets
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_be_bytes);
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}
