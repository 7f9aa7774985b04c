//! The SMS PDU codec: SMS-SUBMIT encoding for `AT+CMGS`, and decoding of the SMS-DELIVER,
//! SMS-STATUS-REPORT and stored SMS-SUBMIT PDUs a modem reports (3GPP TS 23.040, TS 23.038,
//! AT interface per TS 27.005). Pure: no I/O, no clock, no tokio.
//!
//! # PDU mode, not text mode
//!
//! A 27.005 modem offers two message formats, chosen with `AT+CMGF`. In text mode (`+CMGF=1`)
//! the modem builds the TPDU itself from the parameters of `AT+CSMP` (first octet, validity,
//! PID, DCS) and from text in whatever character set `AT+CSCS` selects. That is convenient
//! for a terminal but useless for a gateway: vendors disagree on the character conversions
//! (`"GSM"` vs `"IRA"` vs `"UCS2"` hex), there is no way to send a concatenated message, and
//! the status-report request and validity period are per-modem settings, not per message.
//!
//! In PDU mode (`+CMGF=0`) the modem is a pipe: `AT+CMGS=<length>` where `<length>` counts
//! the TPDU octets *without* the SMSC address field (27.005 §3.5.1), then, after the `> `
//! prompt, the whole PDU in hex followed by Ctrl-Z. Everything the network sees is decided
//! here, so the same bytes go out whatever the modem brand. [`SubmitPart`] carries exactly
//! those two things. Incoming messages arrive the same way (`+CMT`, `+CMGR`, `+CMGL`,
//! `+CDS`): a length line, then the hex PDU, which starts with the SMSC address field.
//!
//! # What an SMS-SUBMIT from us contains (23.040 §9.2.2.2)
//!
//! - SMSC address field `00`: zero length, so the modem uses the SMSC stored on the SIM
//!   (`AT+CSCA`). Operators change SMSCs; the SIM is the one place kept up to date.
//! - TP-MTI `01` (SMS-SUBMIT). TP-RP 0: no reply path.
//! - TP-RD 0: we do not ask the SC to reject duplicates. TP-MR wraps at 256 and the modem
//!   picks it, so an unlucky match with a message still held by the SC would silently drop a
//!   legitimate code; a duplicate OTP is harmless, a missing one is not.
//! - TP-MR 0: modems overwrite it with their own counter and answer `+CMGS: <mr>`; that is
//!   the value a status report quotes back.
//! - TP-SRR from [`SubmitOptions::status_report`]: ask for an SMS-STATUS-REPORT (`+CDS`).
//! - TP-VPF relative with TP-VP from [`SubmitOptions::validity`] (§9.2.3.12.1), rounded *up*
//!   to the next value TP-VP can express (5 minutes at least, 63 weeks at most), so the SC
//!   stops retrying once the code has expired but never gives up on a code still valid. With
//!   no validity TP-VPF says "absent" and the SC applies its default.
//! - TP-PID 0: an ordinary SME-to-SME message, no interworking, no "replace" semantics.
//! - TP-DCS `0x00` (GSM 7-bit) or `0x08` (UCS-2): general data coding group, uncompressed,
//!   no message class, so the handset stores and shows the message the ordinary way (class 0
//!   would make a "flash" message that many phones discard once read).
//! - TP-UDHI and a user data header only when the text needs several parts.
//!
//! # Alphabet and length
//!
//! A text made only of the GSM 7-bit default alphabet and its extension table (23.038
//! §6.2.1: `€ [ ] { } \ ~ ^ |` and form feed, each sent as escape `0x1B` plus a code, so
//! costing two septets) is sent in 7-bit: 160 septets fit in the 140 octets of user data.
//! Anything else turns the whole message into UCS-2, actually UTF-16BE since characters
//! beyond the BMP go as surrogate pairs, which handsets have accepted for years: 70 units.
//! National language shift tables are not used: they need their own header element and
//! handset support is patchy.
//!
//! A longer text is split into parts carrying a concatenation header (§9.2.3.24.1, IEI
//! `0x00`, 8-bit reference): the 6-octet header leaves 153 septets (one fill bit brings the
//! first septet to a septet boundary) or 134 octets, 67 UTF-16 units. A part never ends in
//! the middle of an escape sequence or of a surrogate pair. The caller supplies the
//! reference and keeps it with the message, so parts resent after a restart carry the same
//! reference as those already delivered and the handset can still reassemble them.
//!
//! # Decoding
//!
//! [`decode`], [`decode_deliver`], [`decode_status_report`] and [`decode_submit`] take the
//! hex a modem prints in PDU mode, SMSC field included (`00` when absent). TP-MTI does not
//! say which way a PDU travelled: `01` is an SMS-SUBMIT stored on the SIM as well as an
//! SMS-SUBMIT-REPORT; [`MessageType`] names the codes as they appear in modem listings.
//! Every malformed input is a [`DecodeError`]; none panics.
//!
//! # Layout
//!
//! - `gsm7`: the GSM 03.38 tables, septet packing with fill bits.
//! - `ucs2`: UTF-16BE user data.
//! - `address`: TP-DA/TP-OA/TP-RA and the SMSC field (semi-octets, alphanumeric).
//! - `scts`: service-centre time stamps ([`Timestamp`]) and the relative validity period.
//! - `dcs`: TP-DCS ([`Dcs`]).
//! - `udh`: the user data header, [`Concat`], user data decoding shared by all PDU types.
//! - `submit`: the encoder, [`plan`] and the segmentation rules; `submit_decode`: [`Submit`].
//! - `deliver`: [`Deliver`]; `status_report`: [`StatusReport`] and [`DeliveryOutcome`].
//! - `cursor`: the bounds-checked reader every decoder uses.

mod address;
mod cursor;
mod dcs;
mod deliver;
mod gsm7;
mod scts;
mod status_report;
mod submit;
mod submit_decode;
mod ucs2;
mod udh;

#[cfg(test)]
mod tests;

pub use address::Address;
pub use dcs::Dcs;
pub use deliver::{decode_deliver, Deliver};
pub use scts::{relative_validity_seconds, relative_vp, Timestamp};
pub use status_report::{decode_status_report, status_text, DeliveryOutcome, StatusReport};
pub use submit::{encode_submit, plan};
pub use submit_decode::{decode_submit, Submit, Validity};
pub use udh::{Body, Concat};

/// Text encoding of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Gsm7,
    Ucs2,
    /// 8-bit data (decoding only).
    Binary,
}

/// Options of an SMS-SUBMIT.
#[derive(Debug, Clone, Default)]
pub struct SubmitOptions {
    /// Relative validity period, seconds (rounded to what TP-VP can express).
    pub validity: Option<u32>,
    /// Ask for a status report (TP-SRR).
    pub status_report: bool,
}

/// One part, ready for `AT+CMGS=<tpdu_len>` then `hex` + Ctrl-Z.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitPart {
    /// 1-based.
    pub seq: u8,
    pub total: u8,
    /// TPDU length in octets (without the SMSC field), as `+CMGS` wants it.
    pub tpdu_len: usize,
    /// The whole PDU in upper-case hex, starting with the SMSC field (`00`: the SIM's SMSC).
    pub hex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("invalid destination number {0:?}")]
    BadNumber(String),
    #[error("text needs {0} parts, more than 255")]
    TooLong(usize),
}

/// TP-MTI, the two low bits of the first TPDU octet (23.040 §9.2.3.1), named as the codes
/// appear in what a modem reports: received messages, status reports and stored messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// `00`: SMS-DELIVER, a message received from the SC.
    Deliver,
    /// `01`: an SMS-SUBMIT stored on the SIM (`+CMGL` of outgoing messages). The
    /// SMS-SUBMIT-REPORT shares the code; modems do not list it.
    Submit,
    /// `10`: SMS-STATUS-REPORT, the SC telling what became of a message we sent.
    StatusReport,
    /// `11`: reserved.
    Reserved,
}

impl MessageType {
    fn from_first_octet(octet: u8) -> Self {
        match octet & 0b11 {
            0 => Self::Deliver,
            1 => Self::Submit,
            2 => Self::StatusReport,
            _ => Self::Reserved,
        }
    }
}

/// Why a PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("PDU is not valid hex")]
    Hex(#[from] hex::FromHexError),
    #[error("PDU ends inside {0}")]
    Truncated(&'static str),
    #[error("PDU is a {found:?}, expected a {expected:?}")]
    WrongType {
        expected: MessageType,
        found: MessageType,
    },
    #[error("reserved message type (TP-MTI 11)")]
    ReservedType,
    #[error("{field} length {len} exceeds the maximum of {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("invalid semi-octet {nibble:#x} in {field}")]
    BadSemiOctet { field: &'static str, nibble: u8 },
    #[error("{field} value {value} out of range")]
    OutOfRange { field: &'static str, value: u8 },
    #[error("compressed user data (TP-DCS {0:#04x}) is not supported")]
    Compressed(u8),
    #[error("malformed user data header: {0}")]
    BadUdh(&'static str),
    #[error("UCS-2 text has an odd number of octets ({0})")]
    OddUcs2(usize),
}

/// A PDU the modem reported, decoded according to its TP-MTI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Deliver(Deliver),
    StatusReport(StatusReport),
    Submit(Submit),
}

/// Reads the TP-MTI of a PDU (SMSC field included) without decoding the rest.
pub fn message_type(hex: &str) -> Result<MessageType, DecodeError> {
    let bytes = hex::decode(hex.trim())?;
    let mut cur = cursor::Cursor::new(&bytes);
    address::read_smsc(&mut cur)?;
    Ok(MessageType::from_first_octet(cur.peek("first octet")?))
}

/// Decodes whichever PDU type the hex holds.
pub fn decode(hex: &str) -> Result<Incoming, DecodeError> {
    match message_type(hex)? {
        MessageType::Deliver => decode_deliver(hex).map(Incoming::Deliver),
        MessageType::StatusReport => decode_status_report(hex).map(Incoming::StatusReport),
        MessageType::Submit => decode_submit(hex).map(Incoming::Submit),
        MessageType::Reserved => Err(DecodeError::ReservedType),
    }
}

/// Decodes the hex, skips the SMSC field and checks TP-MTI: the common start of every decoder.
fn open(
    hex: &str,
    expected: MessageType,
) -> Result<(Vec<u8>, Option<Address>, usize), DecodeError> {
    let bytes = hex::decode(hex.trim())?;
    let mut cur = cursor::Cursor::new(&bytes);
    let smsc = address::read_smsc(&mut cur)?;
    let found = MessageType::from_first_octet(cur.peek("first octet")?);
    if found != expected {
        return Err(DecodeError::WrongType { expected, found });
    }
    let start = cur.position();
    Ok((bytes, smsc, start))
}
