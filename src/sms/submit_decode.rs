//! SMS-SUBMIT decoding (23.040 §9.2.2.2): what `+CMGR`/`+CMGL` show for an outgoing
//! message stored on the SIM, and the check our own encoder is tested against.

use super::address::read_address;
use super::cursor::Cursor;
use super::scts::{self, read_timestamp};
use super::udh::read_user_data;
use super::{Address, Body, Concat, Dcs, DecodeError, MessageType, Timestamp};

/// TP-VP as sent, by TP-VPF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    None,
    /// TP-VP relative; see [`Validity::seconds`].
    Relative(u8),
    Absolute(Timestamp),
    /// Enhanced format (§9.2.3.12.3), kept raw.
    Enhanced([u8; 7]),
}

impl Validity {
    /// The length of a relative validity period.
    pub fn seconds(&self) -> Option<u32> {
        match self {
            Self::Relative(vp) => Some(scts::relative_validity_seconds(*vp)),
            _ => None,
        }
    }
}

/// A decoded SMS-SUBMIT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit {
    pub smsc: Option<Address>,
    /// TP-MR as stored; 0 in what we send, the modem picks the real one.
    pub message_ref: u8,
    pub destination: Address,
    pub pid: u8,
    pub dcs: Dcs,
    pub validity: Validity,
    /// TP-SRR.
    pub status_report_request: bool,
    /// TP-RD.
    pub reject_duplicates: bool,
    /// TP-RP.
    pub reply_path: bool,
    pub concat: Option<Concat>,
    pub body: Body,
}

/// Decodes an SMS-SUBMIT from the hex of PDU mode (SMSC field first).
pub fn decode_submit(hex: &str) -> Result<Submit, DecodeError> {
    let (bytes, smsc, start) = super::open(hex, MessageType::Submit)?;
    let mut cur = Cursor::at(&bytes, start);
    let first = cur.u8("first octet")?;
    let message_ref = cur.u8("TP-MR")?;
    let destination = read_address(&mut cur, "TP-DA")?;
    let pid = cur.u8("TP-PID")?;
    let dcs = Dcs::parse(cur.u8("TP-DCS")?);
    let validity = match (first >> 3) & 0b11 {
        0b00 => Validity::None,
        0b10 => Validity::Relative(cur.u8("TP-VP")?),
        0b11 => Validity::Absolute(read_timestamp(&mut cur, "TP-VP")?),
        _ => Validity::Enhanced(
            <[u8; 7]>::try_from(cur.take(7, "TP-VP")?)
                .map_err(|_| DecodeError::Truncated("TP-VP"))?,
        ),
    };
    let ud = read_user_data(&mut cur, first & 0x40 != 0, &dcs)?;
    Ok(Submit {
        smsc,
        message_ref,
        destination,
        pid,
        dcs,
        validity,
        status_report_request: first & 0x20 != 0,
        reject_duplicates: first & 0x04 != 0,
        reply_path: first & 0x80 != 0,
        concat: ud.concat,
        body: ud.body,
    })
}
