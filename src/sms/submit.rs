//! The SMS-SUBMIT encoder (23.040 §9.2.2.2): alphabet choice, segmentation and the PDU of
//! each part. The module docs say which TP fields we set and why.

use super::{address, gsm7, scts, ucs2, udh, EncodeError, Encoding, SubmitOptions, SubmitPart};

/// TP-MTI SMS-SUBMIT.
const MTI_SUBMIT: u8 = 0x01;
/// TP-VPF "relative" in bits 4-3.
const VPF_RELATIVE: u8 = 0x10;
const SRR: u8 = 0x20;
const UDHI: u8 = 0x40;
const DCS_GSM7: u8 = 0x00;
const DCS_UCS2: u8 = 0x08;
/// A lone part: 140 octets of user data.
const SINGLE_SEPTETS: usize = 160;
const SINGLE_UNITS: usize = 70;
/// One part of several: 140 octets less the 6-octet concatenation header.
const MULTI_SEPTETS: usize = 153;
const MULTI_UNITS: usize = 67;
const MAX_PARTS: usize = 255;

/// A text cut into parts in the encoding it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segments {
    /// Septets of each part, escapes included.
    Gsm7(Vec<Vec<u8>>),
    /// UTF-16 code units of each part.
    Ucs2(Vec<Vec<u16>>),
}

impl Segments {
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Gsm7(parts) => parts.len(),
            Self::Ucs2(parts) => parts.len(),
        }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        match self {
            Self::Gsm7(_) => Encoding::Gsm7,
            Self::Ucs2(_) => Encoding::Ucs2,
        }
    }
}

/// Chooses the alphabet and cuts the text. 7-bit when every character is in the default
/// alphabet or its extension table, UCS-2 otherwise; a part never ends inside an escape
/// sequence or a surrogate pair. An empty text is one empty part.
pub(crate) fn segment(text: &str) -> Segments {
    let gsm: Option<Vec<gsm7::Gsm>> = text.chars().map(gsm7::lookup).collect();
    match gsm {
        Some(chars) => {
            let mut flat = Vec::with_capacity(chars.len());
            let lens: Vec<usize> = chars
                .iter()
                .map(|g| {
                    g.push_to(&mut flat);
                    g.septets()
                })
                .collect();
            Segments::Gsm7(split(&flat, &lens, SINGLE_SEPTETS, MULTI_SEPTETS))
        }
        None => {
            let mut flat = Vec::with_capacity(text.len());
            let lens: Vec<usize> = text
                .chars()
                .map(|c| {
                    let mut buf = [0u16; 2];
                    let units = c.encode_utf16(&mut buf);
                    flat.extend_from_slice(units);
                    units.len()
                })
                .collect();
            Segments::Ucs2(split(&flat, &lens, SINGLE_UNITS, MULTI_UNITS))
        }
    }
}

/// Cuts `flat` into parts between characters (`lens`: the units of each character): one
/// part when it all fits in `single`, otherwise parts of at most `multi`.
fn split<T: Copy>(flat: &[T], lens: &[usize], single: usize, multi: usize) -> Vec<Vec<T>> {
    if flat.len() <= single {
        return vec![flat.to_vec()];
    }
    let mut parts = Vec::with_capacity(flat.len().div_ceil(multi));
    let (mut start, mut pos) = (0, 0);
    for len in lens {
        if pos + len - start > multi {
            parts.push(flat.get(start..pos).unwrap_or_default().to_vec());
            start = pos;
        }
        pos += len;
    }
    parts.push(flat.get(start..).unwrap_or_default().to_vec());
    parts
}

/// The encoding a text needs and how many parts it takes.
pub fn plan(text: &str) -> (Encoding, usize) {
    let segments = segment(text);
    (segments.encoding(), segments.len())
}

/// Encodes `text` to `to` as one SMS-SUBMIT per part. `concat_ref` is the concatenation
/// reference, used only when there are several parts.
pub fn encode_submit(
    to: &str,
    text: &str,
    opts: &SubmitOptions,
    concat_ref: u8,
) -> Result<Vec<SubmitPart>, EncodeError> {
    let da = address::encode_destination(to)?;
    let segments = segment(text);
    let count = segments.len();
    let total = match u8::try_from(count) {
        Ok(total) if count <= MAX_PARTS => total,
        _ => return Err(EncodeError::TooLong(count)),
    };
    let header = |seq: u8| (total > 1).then(|| udh::concat_header(concat_ref, total, seq));
    let user_data: Vec<(u8, u8, Vec<u8>)> = match &segments {
        Segments::Gsm7(parts) => (1..=total)
            .zip(parts)
            .map(|(seq, septets)| gsm7_user_data(header(seq), septets))
            .collect(),
        Segments::Ucs2(parts) => (1..=total)
            .zip(parts)
            .map(|(seq, units)| ucs2_user_data(header(seq), units))
            .collect(),
    };
    Ok((1..=total)
        .zip(user_data)
        .map(|(seq, (dcs, udl, ud))| {
            let tpdu = tpdu(&da, opts, total > 1, dcs, udl, &ud);
            SubmitPart {
                seq,
                total,
                tpdu_len: tpdu.len(),
                hex: format!("00{}", hex::encode_upper(&tpdu)),
            }
        })
        .collect())
}

/// TP-DCS, TP-UDL (septets) and TP-UD of a 7-bit part.
fn gsm7_user_data(header: Option<[u8; 6]>, septets: &[u8]) -> (u8, u8, Vec<u8>) {
    let skip = header.map_or(0, |h| udh::header_septets(h.len()));
    let mut ud = gsm7::pack(septets, skip);
    // `pack` left the header's septets zero: the header goes there, fill bits stay 0.
    for (dst, src) in ud.iter_mut().zip(header.iter().flatten()) {
        *dst = *src;
    }
    // At most 160 by construction of the segments.
    (DCS_GSM7, (skip + septets.len()) as u8, ud)
}

/// TP-DCS, TP-UDL (octets) and TP-UD of a UCS-2 part.
fn ucs2_user_data(header: Option<[u8; 6]>, units: &[u16]) -> (u8, u8, Vec<u8>) {
    let mut ud: Vec<u8> = header.iter().flatten().copied().collect();
    ud.extend(ucs2::units_to_octets(units));
    // At most 140 by construction of the segments.
    (DCS_UCS2, ud.len() as u8, ud)
}

fn tpdu(da: &[u8], opts: &SubmitOptions, udhi: bool, dcs: u8, udl: u8, ud: &[u8]) -> Vec<u8> {
    let vp = opts.validity.map(scts::relative_vp);
    let mut first = MTI_SUBMIT;
    if vp.is_some() {
        first |= VPF_RELATIVE;
    }
    if opts.status_report {
        first |= SRR;
    }
    if udhi {
        first |= UDHI;
    }
    // TP-MR 0: the modem assigns it.
    let mut out = vec![first, 0x00];
    out.extend_from_slice(da);
    // TP-PID 0: a plain SME-to-SME message.
    out.extend([0x00, dcs]);
    out.extend(vp);
    out.push(udl);
    out.extend_from_slice(ud);
    out
}
