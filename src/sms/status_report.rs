//! SMS-STATUS-REPORT decoding (23.040 §9.2.2.3), what `+CDS` carries when TP-SRR was set,
//! and the meaning of TP-ST (§9.2.3.15).
//!
//! TP-ST packs the outcome in its top bits: `000xxxxx` the transaction is complete
//! (delivered), `01xxxxxx` a temporary error with the SC still trying, `10xxxxxx` a permanent
//! error, `11xxxxxx` a temporary error after which the SC gave up. Within each group some
//! values are reserved and some left to each SC; the spec asks that a reserved value be
//! taken as "service rejected" (`0x63`), a final failure.

use super::address::read_address;
use super::cursor::Cursor;
use super::scts::read_timestamp;
use super::{Address, DecodeError, MessageType, Timestamp};

/// A decoded SMS-STATUS-REPORT. Optional fields after TP-ST (TP-PI and what it announces)
/// are not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub smsc: Option<Address>,
    /// TP-MR of the SMS-SUBMIT this reports on, as `+CMGS: <mr>` returned it.
    pub message_ref: u8,
    /// TP-RA: the destination of that message.
    pub recipient: Address,
    /// TP-SCTS: when the SC received the message.
    pub sc_timestamp: Timestamp,
    /// TP-DT: when the status below was reached (delivery, or the last attempt).
    pub discharge_time: Timestamp,
    /// TP-ST, raw.
    pub status: u8,
    /// TP-SRQ: this reports on an SMS-COMMAND rather than an SMS-SUBMIT.
    pub for_command: bool,
    /// TP-MMS clear: the SC has more messages waiting for us.
    pub more_messages: bool,
}

impl StatusReport {
    pub fn outcome(&self) -> DeliveryOutcome {
        DeliveryOutcome::from_status(self.status)
    }
}

/// What TP-ST means for the message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The SC handed the message to the recipient (or replaced one it held).
    Delivered,
    /// A temporary error; the SC is still trying. Another report will follow.
    Pending,
    /// The SC stopped trying; the reason in words.
    Failed(String),
}

impl DeliveryOutcome {
    pub fn from_status(st: u8) -> Self {
        match st {
            0x00..=0x02 | 0x10..=0x1F => Self::Delivered,
            0x20..=0x25 | 0x30..=0x3F => Self::Pending,
            _ => Self::Failed(status_text(st)),
        }
    }
}

/// TP-ST in words, for logs and the API.
pub fn status_text(st: u8) -> String {
    let known = match st {
        0x00 => "short message received by the SME",
        0x01 => "forwarded by the SC to the SME, delivery not confirmed",
        0x02 => "short message replaced by the SC",
        0x20 | 0x60 => "congestion",
        0x21 | 0x61 => "SME busy",
        0x22 | 0x62 => "no response from SME",
        0x23 | 0x63 => "service rejected",
        0x24 | 0x44 | 0x64 => "quality of service not available",
        0x25 | 0x65 => "error in SME",
        0x40 => "remote procedure error",
        0x41 => "incompatible destination",
        0x42 => "connection rejected by SME",
        0x43 => "not obtainable",
        0x45 => "no interworking available",
        0x46 => "validity period expired",
        0x47 => "deleted by the originating SME",
        0x48 => "deleted by SC administration",
        0x49 => "message does not exist in the SC",
        _ => "",
    };
    if !known.is_empty() {
        return with_group(st, known);
    }
    let specific = matches!(st, 0x10..=0x1F | 0x30..=0x3F | 0x50..=0x5F | 0x70..=0x7F);
    if specific {
        with_group(st, &format!("SC-specific status {st:#04x}"))
    } else {
        format!("reserved status {st:#04x}, taken as service rejected")
    }
}

/// Prefixes the group of the temporary errors, whose reasons repeat between "still
/// trying" and "gave up".
fn with_group(st: u8, reason: &str) -> String {
    match st >> 5 {
        0b001 => format!("{reason} (SC still trying)"),
        0b011 => format!("{reason} (SC stopped trying)"),
        _ => reason.to_string(),
    }
}

/// Decodes an SMS-STATUS-REPORT from the hex of PDU mode (SMSC field first).
pub fn decode_status_report(hex: &str) -> Result<StatusReport, DecodeError> {
    let (bytes, smsc, start) = super::open(hex, MessageType::StatusReport)?;
    let mut cur = Cursor::at(&bytes, start);
    let first = cur.u8("first octet")?;
    let message_ref = cur.u8("TP-MR")?;
    let recipient = read_address(&mut cur, "TP-RA")?;
    let sc_timestamp = read_timestamp(&mut cur, "TP-SCTS")?;
    let discharge_time = read_timestamp(&mut cur, "TP-DT")?;
    let status = cur.u8("TP-ST")?;
    Ok(StatusReport {
        smsc,
        message_ref,
        recipient,
        sc_timestamp,
        discharge_time,
        status,
        for_command: first & 0x20 != 0,
        more_messages: first & 0x04 == 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_status_group() {
        use DeliveryOutcome::*;
        let failed = |s: &str| Failed(s.to_string());
        let cases: Vec<(u8, DeliveryOutcome)> = vec![
            (0x00, Delivered),
            (0x01, Delivered),
            (0x02, Delivered),
            (0x1F, Delivered),
            (
                0x03,
                failed("reserved status 0x03, taken as service rejected"),
            ),
            (0x20, Pending),
            (0x25, Pending),
            (0x3A, Pending),
            (
                0x26,
                failed("reserved status 0x26, taken as service rejected"),
            ),
            (0x40, failed("remote procedure error")),
            (0x41, failed("incompatible destination")),
            (0x44, failed("quality of service not available")),
            (0x45, failed("no interworking available")),
            (0x46, failed("validity period expired")),
            (0x49, failed("message does not exist in the SC")),
            (
                0x4A,
                failed("reserved status 0x4a, taken as service rejected"),
            ),
            (0x55, failed("SC-specific status 0x55")),
            (0x60, failed("congestion (SC stopped trying)")),
            (0x62, failed("no response from SME (SC stopped trying)")),
            (0x65, failed("error in SME (SC stopped trying)")),
            (
                0x66,
                failed("reserved status 0x66, taken as service rejected"),
            ),
            (0x7F, failed("SC-specific status 0x7f (SC stopped trying)")),
            (
                0x80,
                failed("reserved status 0x80, taken as service rejected"),
            ),
            (
                0xAB,
                failed("reserved status 0xab, taken as service rejected"),
            ),
        ];
        for (st, outcome) in cases {
            assert_eq!(DeliveryOutcome::from_status(st), outcome, "{st:#04x}");
        }
    }

    #[test]
    fn describes_the_common_values() {
        let cases = [
            (0x00, "short message received by the SME"),
            (0x21, "SME busy (SC still trying)"),
            (0x41, "incompatible destination"),
            (0x45, "no interworking available"),
            (0x65, "error in SME (SC stopped trying)"),
        ];
        for (st, text) in cases {
            assert_eq!(status_text(st), text, "{st:#04x}");
        }
    }
}
