//! TP-UD with its optional user data header (23.040 §9.2.3.24): the concatenation header we
//! write, and the reading of user data shared by every PDU type we decode.
//!
//! With 7-bit text the header is counted in septets: the text starts at the first septet
//! boundary after it, the bits in between being fill bits.

use super::cursor::Cursor;
use super::{gsm7, ucs2, Dcs, DecodeError, Encoding};

/// Concatenated short message, 8-bit reference (§9.2.3.24.1).
const IEI_CONCAT_8: u8 = 0x00;
/// Concatenated short message, 16-bit reference (§9.2.3.24.8).
const IEI_CONCAT_16: u8 = 0x08;
/// User data is at most 140 octets, so 160 septets.
const MAX_OCTETS: usize = 140;
const MAX_SEPTETS: usize = 160;

/// Where a part sits in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Concat {
    /// Same for every part of one message (from one originator).
    pub reference: u16,
    pub total: u8,
    /// 1-based.
    pub seq: u8,
}

/// The message content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Text(String),
    /// 8-bit data (TP-DCS alphabet `01`), user data header removed.
    Binary(Vec<u8>),
}

impl Body {
    /// The text, `None` for 8-bit data.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            Self::Binary(_) => None,
        }
    }
}

/// The user data header of one part of `total`: a single 8-bit reference concatenation
/// element. 6 octets, UDHL included.
pub(crate) fn concat_header(reference: u8, total: u8, seq: u8) -> [u8; 6] {
    [5, IEI_CONCAT_8, 3, reference, total, seq]
}

/// Septets a header of `octets` occupies, fill bits included.
pub(crate) fn header_septets(octets: usize) -> usize {
    (octets * 8).div_ceil(7)
}

/// Decoded TP-UDL + TP-UD.
pub(crate) struct UserData {
    pub concat: Option<Concat>,
    pub body: Body,
}

/// Reads TP-UDL and TP-UD. `udhi` is TP-UDHI from the first octet.
pub(crate) fn read_user_data(
    cur: &mut Cursor,
    udhi: bool,
    dcs: &Dcs,
) -> Result<UserData, DecodeError> {
    if dcs.compressed {
        return Err(DecodeError::Compressed(dcs.raw));
    }
    let udl = usize::from(cur.u8("TP-UDL")?);
    let septets = dcs.encoding == Encoding::Gsm7;
    let (octets, max) = if septets {
        ((udl * 7).div_ceil(8), MAX_SEPTETS)
    } else {
        (udl, MAX_OCTETS)
    };
    if udl > max {
        return Err(DecodeError::TooLong {
            field: "TP-UDL",
            len: udl,
            max,
        });
    }
    let data = cur.take(octets, "TP-UD")?;
    let (header_octets, concat) = if udhi { read_header(data)? } else { (0, None) };
    let body = if septets {
        let skip = header_septets(header_octets);
        if skip > udl {
            return Err(DecodeError::BadUdh("header longer than the user data"));
        }
        Body::Text(gsm7::decode_septets(&gsm7::unpack(data, udl, skip)?))
    } else {
        let rest = data.get(header_octets..).unwrap_or_default();
        match dcs.encoding {
            Encoding::Binary => Body::Binary(rest.to_vec()),
            _ => Body::Text(ucs2::decode(rest)?),
        }
    };
    Ok(UserData { concat, body })
}

/// Parses the header at the start of `data`: its length with UDHL, and the concatenation
/// element if any. Other elements are skipped.
fn read_header(data: &[u8]) -> Result<(usize, Option<Concat>), DecodeError> {
    let mut cur = Cursor::new(data);
    let udhl = usize::from(cur.u8("TP-UDH")?);
    let header = cur
        .take(udhl, "TP-UDH")
        .map_err(|_| DecodeError::BadUdh("header longer than the user data"))?;
    let mut ies = Cursor::new(header);
    let mut concat = None;
    while !ies.rest().is_empty() {
        let iei = ies.u8("TP-UDH")?;
        let len = usize::from(
            ies.u8("TP-UDH")
                .map_err(|_| DecodeError::BadUdh("element cut off by the header length"))?,
        );
        let ie = ies
            .take(len, "TP-UDH")
            .map_err(|_| DecodeError::BadUdh("element cut off by the header length"))?;
        let parsed = match (iei, ie) {
            (IEI_CONCAT_8, &[reference, total, seq]) => Some((u16::from(reference), total, seq)),
            (IEI_CONCAT_16, &[hi, lo, total, seq]) => {
                Some((u16::from_be_bytes([hi, lo]), total, seq))
            }
            (IEI_CONCAT_8 | IEI_CONCAT_16, _) => {
                return Err(DecodeError::BadUdh(
                    "concatenation element of the wrong length",
                ))
            }
            _ => None,
        };
        // A repeated element: the last one counts (§9.2.3.24). A sequence number of 0 or
        // past the total means "ignore the element" (§9.2.3.24.1).
        if let Some((reference, total, seq)) = parsed {
            concat = (seq != 0 && seq <= total).then_some(Concat {
                reference,
                total,
                seq,
            });
        }
    }
    Ok((1 + udhl, concat))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(udhi: bool, dcs: u8, hex: &str) -> Result<UserData, DecodeError> {
        let bytes = hex::decode(hex).unwrap();
        read_user_data(&mut Cursor::new(&bytes), udhi, &Dcs::parse(dcs))
    }

    #[test]
    fn concatenation_elements() {
        let concat = |hex: &str| read(true, 0x04, hex).map(|ud| ud.concat);
        let c = |reference, total, seq| {
            Some(Concat {
                reference,
                total,
                seq,
            })
        };
        // python-gsmmodem TestUdhConcatenation: 8-bit reference 23, part 1 of 3; 16-bit
        // reference 384, part 2 of 4.
        assert_eq!(concat("06050003170301"), Ok(c(23, 3, 1)));
        assert_eq!(concat("0706080401800402"), Ok(c(384, 4, 2)));
        // Another element first (application port, skipped), then concatenation.
        assert_eq!(concat("0C0B050404D214660003170202"), Ok(c(23, 2, 2)));
        assert_eq!(concat("06050003170300"), Ok(None), "seq 0 is ignored");
        assert_eq!(
            concat("06050003170304"),
            Ok(None),
            "seq past total is ignored"
        );
        assert_eq!(concat("0100"), Ok(None), "empty header");
        let bad = |hex: &str| concat(hex).err();
        assert!(matches!(bad("050400021703"), Some(DecodeError::BadUdh(_))));
        assert!(matches!(
            bad("0605000417030100"),
            Some(DecodeError::BadUdh(_))
        ));
        assert!(matches!(bad("03050003"), Some(DecodeError::BadUdh(_))));
        assert!(matches!(bad("0101"), Some(DecodeError::BadUdh(_))));
        assert!(matches!(bad("020100FF"), Some(DecodeError::BadUdh(_))));
    }

    #[test]
    fn seven_bit_text_after_a_header_skips_the_fill_bits() {
        // UDL 8: the 6-octet header is 7 septets (1 fill bit), then one septet 'A' (0x41)
        // at bit 49: 0x41 << 1 = 0x82 in octet 6.
        let ud = read(true, 0x00, "0805000301010182").unwrap();
        assert_eq!(ud.body, Body::Text("A".into()));
        assert_eq!(
            ud.concat,
            Some(Concat {
                reference: 1,
                total: 1,
                seq: 1
            })
        );
        // A header that claims more septets than TP-UDL.
        assert!(matches!(
            read(true, 0x00, "0605000301010182"),
            Err(DecodeError::BadUdh(_))
        ));
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(
            read(false, 0x00, "").err(),
            Some(DecodeError::Truncated("TP-UDL"))
        );
        assert_eq!(
            read(false, 0x00, "0AE832").err(),
            Some(DecodeError::Truncated("TP-UD"))
        );
        assert_eq!(
            read(false, 0x08, "030041").err(),
            Some(DecodeError::Truncated("TP-UD"))
        );
        assert_eq!(
            read(false, 0x08, "03004100").err(),
            Some(DecodeError::OddUcs2(3))
        );
        assert!(matches!(
            read(false, 0x08, "8D").err(),
            Some(DecodeError::TooLong { len: 141, .. })
        ));
        assert!(matches!(
            read(false, 0x00, "A1").err(),
            Some(DecodeError::TooLong { len: 161, .. })
        ));
        assert_eq!(
            read(false, 0x24, "00").err(),
            Some(DecodeError::Compressed(0x24))
        );
        assert_eq!(
            read(false, 0x00, "00").unwrap().body,
            Body::Text(String::new())
        );
        assert_eq!(
            read(false, 0x04, "02FF00").unwrap().body,
            Body::Binary(vec![0xFF, 0])
        );
    }
}
