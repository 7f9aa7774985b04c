//! Unsolicited result codes: lines a modem sends on its own, at any moment — before, inside or
//! after the answer to a command.
//!
//! Standard ones come from 27.005 §3.4.1 (`+CMTI`, `+CMT`, `+CDS`, `+CDSI`, `+CBM`) and 27.007
//! (`RING`, `+CRING`, `+CLIP`, `+CREG`/`+CGREG`/`+CEREG`, `+CIEV`, `+CUSD`); vendors add their
//! own: Huawei's `^RSSI`, `^BOOT`, `^MODE`, `^SRVST`, `^HCSQ`; Quectel's `RDY`, `+QIND`;
//! SIMCom's `Call Ready`, `SMS Ready`, `+CPIN: READY` after a restart. We recognise every line
//! that starts with `+` or `^` and is not the answer we are waiting for as unsolicited, and
//! keep the ones we act on typed.

use super::result::{parse_final, ErrorCode, FinalResult};

/// An unsolicited result code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Urc {
    /// `+CMTI: <mem>,<index>`: an SMS was stored.
    NewMessage { mem: String, index: u32 },
    /// `+CMT: [<alpha>],<length>` + PDU line: an SMS routed straight to us (PDU mode).
    Deliver { pdu: String },
    /// `+CDS: <length>` + PDU line: a status report routed straight to us (PDU mode).
    StatusReport { pdu: String },
    /// `+CDSI: <mem>,<index>`: a status report was stored.
    StatusReportStored { mem: String, index: u32 },
    /// `+CBM: <length>` + PDU line: a cell broadcast.
    Broadcast { pdu: String },
    /// `RING` / `+CRING: <type>`: an incoming call.
    Ring,
    /// `+CLIP: "<number>",<type>,...`: the caller's number.
    CallerId { number: String },
    /// A call ended or failed while no dial command was waiting: `NO CARRIER`, `BUSY`,
    /// `NO ANSWER`, `NO DIALTONE`.
    CallEnded(ErrorCode),
    /// `+CREG`/`+CGREG`/`+CEREG: <stat>[,...]`: the registration state changed.
    Registration { domain: &'static str, stat: u8 },
    /// `^RSSI: <rssi>` (Huawei): signal level, same scale as `+CSQ`.
    Rssi(u8),
    /// `^BOOT:...` (Huawei): the modem is (re)booting, or its periodic heartbeat.
    Boot,
    /// `RDY` (Quectel) / `+PBREADY` / `START`: the modem restarted.
    Ready,
    /// `+CPIN: NOT READY` / `+CPIN: NOT INSERTED` / `+SIM: removed`: the SIM went away.
    SimNotReady,
    /// `+CPIN: READY`, `Call Ready`, `SMS Ready` (SIM800), `SMS DONE`, `PB DONE` (SIM7600).
    ServiceReady(String),
    /// Anything else, verbatim.
    Other(String),
}

/// What a URC header line asks of the line after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A complete URC.
    None,
    /// The next line is the PDU of a `+CMT`, `+CDS` or `+CBM` (PDU mode).
    Pdu(PduUrc),
}

/// The URCs whose PDU comes on the following line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduUrc {
    Deliver,
    StatusReport,
    Broadcast,
}

impl PduUrc {
    /// The URC once its PDU line arrived.
    pub fn with_pdu(self, pdu: String) -> Urc {
        match self {
            PduUrc::Deliver => Urc::Deliver { pdu },
            PduUrc::StatusReport => Urc::StatusReport { pdu },
            PduUrc::Broadcast => Urc::Broadcast { pdu },
        }
    }
}

/// Names of the registration URCs and the read commands that share their prefix.
pub const REGISTRATION_PREFIXES: [(&str, &str); 3] =
    [("+CREG:", "CS"), ("+CGREG:", "GPRS"), ("+CEREG:", "EPS")];

/// Parses a line as a URC, assuming no command claims it. `None` for lines that are not
/// unsolicited (plain text, hex, a final result code other than the call-ending ones).
pub fn parse(line: &str) -> Option<(Urc, Body)> {
    let line = line.trim();
    let (head, rest) = split_head(line);
    let urc = match head {
        "+CMTI" => stored(rest).map(|(mem, index)| Urc::NewMessage { mem, index }),
        "+CDSI" => stored(rest).map(|(mem, index)| Urc::StatusReportStored { mem, index }),
        "+CMT" if has_length(without_alpha(rest), 2) => {
            return Some((Urc::Other(line.into()), pdu(PduUrc::Deliver)))
        }
        "+CDS" if has_length(rest, 1) => {
            return Some((Urc::Other(line.into()), pdu(PduUrc::StatusReport)))
        }
        "+CBM" if has_length(rest, 1) => {
            return Some((Urc::Other(line.into()), pdu(PduUrc::Broadcast)))
        }
        "RING" | "+CRING" => Some(Urc::Ring),
        "+CLIP" => Some(Urc::CallerId {
            number: fields(rest).next().unwrap_or_default().to_string(),
        }),
        "+CREG" | "+CGREG" | "+CEREG" => registration(head, rest),
        "^RSSI" => rest.trim().parse().ok().map(Urc::Rssi),
        "^BOOT" => Some(Urc::Boot),
        "RDY" | "+PBREADY" | "START" => Some(Urc::Ready),
        "+CPIN" => {
            let state = rest.trim();
            if state.eq_ignore_ascii_case("READY") {
                Some(Urc::ServiceReady(line.into()))
            } else if state.starts_with("NOT") {
                Some(Urc::SimNotReady)
            } else {
                Some(Urc::Other(line.into()))
            }
        }
        "+SIM" if rest.trim().eq_ignore_ascii_case("removed") => Some(Urc::SimNotReady),
        // SIM800: Call Ready / SMS Ready; SIM7600: SMS DONE / PB DONE (with no prefix, so
        // they must be known, or an identity command waiting for bare text would take them).
        _ if ["Call Ready", "SMS Ready", "SMS DONE", "PB DONE"]
            .iter()
            .any(|r| line.eq_ignore_ascii_case(r)) =>
        {
            Some(Urc::ServiceReady(line.into()))
        }
        _ => None,
    };
    if let Some(urc) = urc {
        return Some((urc, Body::None));
    }
    match parse_final(line) {
        Some(FinalResult::Error(
            code @ (ErrorCode::NoCarrier
            | ErrorCode::Busy
            | ErrorCode::NoAnswer
            | ErrorCode::NoDialtone),
        )) => Some((Urc::CallEnded(code), Body::None)),
        Some(_) => None,
        // Vendors prefix their notifications with + or ^ (and a few with *, #, %).
        None if line.starts_with(['+', '^', '*', '%', '#']) => {
            Some((Urc::Other(line.into()), Body::None))
        }
        None => None,
    }
}

fn pdu(kind: PduUrc) -> Body {
    Body::Pdu(kind)
}

/// Splits `+CMTI: "SM",3` into (`+CMTI`, ` "SM",3`); a line without `:` is all head.
fn split_head(line: &str) -> (&str, &str) {
    match line.split_once(':') {
        Some((head, rest)) if !head.contains(' ') || head.starts_with(['+', '^']) => {
            (head.trim(), rest)
        }
        _ => (line, ""),
    }
}

/// Comma-separated fields, quotes stripped.
pub fn fields(rest: &str) -> impl Iterator<Item = &str> {
    rest.split(',').map(|f| f.trim().trim_matches('"'))
}

fn stored(rest: &str) -> Option<(String, u32)> {
    let mut f = fields(rest);
    let mem = f.next()?.to_string();
    let index = f.next()?.parse().ok()?;
    Some((mem, index))
}

/// `+CMT: "<alpha>",...` with the quoted alpha emptied: a phonebook name may hold commas.
fn without_alpha(rest: &str) -> &str {
    let t = rest.trim_start();
    let after = t
        .strip_prefix('"')
        .and_then(|r| r.find('"').and_then(|end| r.get(end + 1..)));
    match after {
        Some(after) => after,
        None => rest,
    }
}

/// PDU mode: `+CMT: [<alpha>],<length>` (2 fields), `+CDS: <length>` and `+CBM: <length>`
/// (1 field), the last a length. Text mode has more fields and no separate PDU line.
fn has_length(rest: &str, count: usize) -> bool {
    let all: Vec<&str> = fields(rest).collect();
    all.len() == count
        && all
            .last()
            .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
}

fn registration(head: &str, rest: &str) -> Option<Urc> {
    let domain = REGISTRATION_PREFIXES
        .iter()
        .find(|(p, _)| p.trim_end_matches(':') == head)
        .map(|(_, d)| *d)?;
    // A late answer to `AT+CREG?` (`<n>,<stat>`, its command timed out) still tells the state.
    let skip = usize::from(answer_fields(rest));
    let stat = fields(rest).nth(skip)?.parse().ok()?;
    Some(Urc::Registration { domain, stat })
}

/// Whether a `+CREG:`-style line is the answer to the read command (`<n>,<stat>[,...]`) rather
/// than the URC (`<stat>[,<lac>,<ci>...]`): the answer's second field is an unquoted number.
pub fn is_registration_answer(line: &str) -> bool {
    answer_fields(split_head(line.trim()).1)
}

/// `<n>,<stat>[,...]`: two unquoted numbers first.
fn answer_fields(rest: &str) -> bool {
    let mut raw = rest.split(',').map(str::trim);
    let first = raw.next().unwrap_or_default();
    let second = raw.next();
    !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_digit())
        && second.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_urcs() {
        let cases: &[(&str, Urc)] = &[
            (
                "+CMTI: \"SM\",3",
                Urc::NewMessage {
                    mem: "SM".into(),
                    index: 3,
                },
            ),
            (
                "+CDSI: \"SR\",12",
                Urc::StatusReportStored {
                    mem: "SR".into(),
                    index: 12,
                },
            ),
            ("RING", Urc::Ring),
            ("+CRING: VOICE", Urc::Ring),
            (
                "+CLIP: \"+33612345678\",145,,,,0",
                Urc::CallerId {
                    number: "+33612345678".into(),
                },
            ),
            (
                "+CREG: 1",
                Urc::Registration {
                    domain: "CS",
                    stat: 1,
                },
            ),
            (
                "+CEREG: 5,\"1A2B\",\"01C3D4\",7",
                Urc::Registration {
                    domain: "EPS",
                    stat: 5,
                },
            ),
            (
                // The late answer to an AT+CREG? that timed out: <n>,<stat>.
                "+CREG: 0,1",
                Urc::Registration {
                    domain: "CS",
                    stat: 1,
                },
            ),
            ("NO DIALTONE", Urc::CallEnded(ErrorCode::NoDialtone)),
            ("^RSSI: 17", Urc::Rssi(17)),
            ("^BOOT:38615945,0,0,0,75", Urc::Boot),
            ("RDY", Urc::Ready),
            ("+CPIN: NOT READY", Urc::SimNotReady),
            ("+CPIN: READY", Urc::ServiceReady("+CPIN: READY".into())),
            ("Call Ready", Urc::ServiceReady("Call Ready".into())),
            ("SMS Ready", Urc::ServiceReady("SMS Ready".into())),
            ("PB DONE", Urc::ServiceReady("PB DONE".into())),
            ("NO CARRIER", Urc::CallEnded(ErrorCode::NoCarrier)),
            (
                "^HCSQ: \"LTE\",50,40,120,20",
                Urc::Other("^HCSQ: \"LTE\",50,40,120,20".into()),
            ),
            (
                "+QIND: \"csq\",20,99",
                Urc::Other("+QIND: \"csq\",20,99".into()),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Some((want.clone(), Body::None)), "{line:?}");
        }
    }

    #[test]
    fn pdu_urcs_announce_a_body() {
        assert_eq!(
            parse("+CMT: ,24").map(|u| u.1),
            Some(Body::Pdu(PduUrc::Deliver))
        );
        // A phonebook name with a comma in it.
        assert_eq!(
            parse("+CMT: \"Doe, John\",24").map(|u| u.1),
            Some(Body::Pdu(PduUrc::Deliver))
        );
        // Text mode has no PDU line: <oa>,[<alpha>],<scts> and more.
        assert_eq!(
            parse("+CMT: \"+33612345678\",\"\",\"24/11/23,10:00:00+04\"").map(|u| u.1),
            Some(Body::None)
        );
        assert_eq!(
            parse("+CDS: 25").map(|u| u.1),
            Some(Body::Pdu(PduUrc::StatusReport))
        );
        assert_eq!(
            parse("+CBM: 88").map(|u| u.1),
            Some(Body::Pdu(PduUrc::Broadcast))
        );
        // Text-mode +CDS has no separate body line.
        assert_eq!(
            parse("+CDS: 6,17,\"+33612345678\",145,\"24/01/01,10:00:00+04\",\"24/01/01,10:00:05+04\",0").map(|u| u.1),
            Some(Body::None)
        );
    }

    #[test]
    fn not_urcs() {
        for line in [
            "OK",
            "ERROR",
            "+CMS ERROR: 500",
            "0791FF",
            "SIMCOM_Ltd",
            "",
            "860000000000001",
        ] {
            assert_eq!(parse(line), None, "{line:?}");
        }
    }

    #[test]
    fn registration_answer_or_urc() {
        assert!(is_registration_answer("+CREG: 0,1"));
        assert!(is_registration_answer("+CEREG: 2,1,\"1A2B\",\"01C3\",7"));
        assert!(!is_registration_answer("+CREG: 1"));
        assert!(!is_registration_answer("+CREG: 1,\"1A2B\",\"01C3\""));
    }
}
