//! SMS-DELIVER decoding (23.040 §9.2.2.1): a message received from the SC, as `+CMT` or
//! `+CMGR` show it in PDU mode.

use super::address::read_address;
use super::cursor::Cursor;
use super::scts::read_timestamp;
use super::udh::read_user_data;
use super::{Address, Body, Concat, Dcs, DecodeError, MessageType, Timestamp};

/// A decoded SMS-DELIVER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliver {
    /// The SMSC that delivered it, when the modem reports one.
    pub smsc: Option<Address>,
    /// TP-OA: a number, or a sender name (alphanumeric).
    pub originator: Address,
    /// TP-PID.
    pub pid: u8,
    pub dcs: Dcs,
    /// TP-SCTS: when the SC received the message.
    pub timestamp: Timestamp,
    /// Present when this is one part of a concatenated message.
    pub concat: Option<Concat>,
    pub body: Body,
    /// TP-MMS clear: the SC has more messages waiting for us.
    pub more_messages: bool,
    /// TP-SRI: the sender asked for a status report.
    pub status_report_indication: bool,
    /// TP-RP.
    pub reply_path: bool,
}

impl Deliver {
    /// The text, `None` for 8-bit data.
    pub fn text(&self) -> Option<&str> {
        self.body.text()
    }
}

/// Decodes an SMS-DELIVER from the hex of PDU mode (SMSC field first).
pub fn decode_deliver(hex: &str) -> Result<Deliver, DecodeError> {
    let (bytes, smsc, start) = super::open(hex, MessageType::Deliver)?;
    let mut cur = Cursor::at(&bytes, start);
    let first = cur.u8("first octet")?;
    let originator = read_address(&mut cur, "TP-OA")?;
    let pid = cur.u8("TP-PID")?;
    let dcs = Dcs::parse(cur.u8("TP-DCS")?);
    let timestamp = read_timestamp(&mut cur, "TP-SCTS")?;
    let ud = read_user_data(&mut cur, first & 0x40 != 0, &dcs)?;
    Ok(Deliver {
        smsc,
        originator,
        pid,
        dcs,
        timestamp,
        concat: ud.concat,
        body: ud.body,
        more_messages: first & 0x04 == 0,
        status_report_indication: first & 0x20 != 0,
        reply_path: first & 0x80 != 0,
    })
}
