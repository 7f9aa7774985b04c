//! Final result codes (3GPP TS 27.007 §5.1, V.250 §5.7) and the `+CME ERROR` / `+CMS ERROR`
//! values (27.007 §9.2, 27.005 §3.2.5), with the class that decides what a failure does to a
//! message.
//!
//! Modems report errors three ways depending on `AT+CMEE`: a bare `ERROR` (CMEE=0), a number
//! (CMEE=1, what we ask for at bring-up) or a text (CMEE=2, and what some modems send
//! whatever the setting). Both forms are understood; a text we do not know is kept verbatim.

use std::fmt;

/// A final result code: the line that ends a command's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalResult {
    Ok,
    /// `CONNECT` (data calls; ends the command phase).
    Connect,
    Error(ErrorCode),
}

/// A failing final result code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// Plain `ERROR`: the modem does not say why.
    Plain,
    /// `+CME ERROR: n` — equipment / network errors (27.007 §9.2).
    Cme(ErrorValue),
    /// `+CMS ERROR: n` — SMS errors (27.005 §3.2.5; below 256 they are TS 24.011 RP causes
    /// and TS 23.040 TP-FCS values passed through from the network).
    Cms(ErrorValue),
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
}

/// An error value as the modem sent it: a number, or a text (verbose mode) we could not map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorValue {
    Code(u16),
    Text(String),
}

/// What an error means for the message being sent and for the modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The message can never go (invalid destination, barred, bad PDU): fail it with the reason.
    Permanent,
    /// The network or modem had a passing problem: retry the message with backoff.
    Temporary,
    /// The modem or SIM is busy right now: retry soon.
    Busy,
    /// This modem cannot send anything (SIM locked or missing, no SMSC, no service): the
    /// message goes back to the queue for any modem, and this one is brought up again.
    ModemFatal,
}

/// Parses a final result code; `None` when `line` is not one.
pub fn parse_final(line: &str) -> Option<FinalResult> {
    let line = line.trim();
    let code = match line {
        "OK" => return Some(FinalResult::Ok),
        "ERROR" => ErrorCode::Plain,
        "NO CARRIER" => ErrorCode::NoCarrier,
        "BUSY" => ErrorCode::Busy,
        "NO ANSWER" => ErrorCode::NoAnswer,
        "NO DIALTONE" | "NO DIAL TONE" => ErrorCode::NoDialtone,
        // Huawei's final answers to a command it does not know or cannot parse (E-series
        // and MU509 AT specifications §1.3), with no OK or ERROR after them.
        "COMMAND NOT SUPPORT" => ErrorCode::Cme(ErrorValue::Code(4)),
        "TOO MANY PARAMETERS" => ErrorCode::Cme(ErrorValue::Text(line.to_string())),
        _ if line == "CONNECT" || line.starts_with("CONNECT ") => {
            return Some(FinalResult::Connect)
        }
        _ => {
            if let Some(rest) = strip_prefix_ci(line, "+CME ERROR:") {
                ErrorCode::Cme(parse_value(rest, cme_code_of_text))
            } else if let Some(rest) = strip_prefix_ci(line, "+CMS ERROR:") {
                ErrorCode::Cms(parse_value(rest, cms_code_of_text))
            } else {
                return None;
            }
        }
    };
    Some(FinalResult::Error(code))
}

fn strip_prefix_ci<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| line.get(prefix.len()..).unwrap_or(""))
}

fn parse_value(rest: &str, of_text: fn(&str) -> Option<u16>) -> ErrorValue {
    let rest = rest.trim().trim_matches('"').trim();
    if let Ok(n) = rest.parse::<u16>() {
        return ErrorValue::Code(n);
    }
    match of_text(rest) {
        Some(n) => ErrorValue::Code(n),
        None => ErrorValue::Text(rest.to_string()),
    }
}

/// (code, verbose text of 27.007 §9.2) — the texts modems send with `AT+CMEE=2`.
const CME: &[(u16, &str)] = &[
    (0, "phone failure"),
    (1, "no connection to phone"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (5, "PH-SIM PIN required"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (17, "SIM PIN2 required"),
    (18, "SIM PUK2 required"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (30, "no network service"),
    (31, "network timeout"),
    (32, "network not allowed - emergency calls only"),
    (100, "unknown"),
];

/// (code, meaning) of `+CMS ERROR` values: 24.011 RP causes (0-127), 23.040 TP-FCS (128-255)
/// and 27.005 §3.2.5 (300-500).
const CMS: &[(u16, &str)] = &[
    (1, "unassigned number"),
    (8, "operator determined barring"),
    (10, "call barred"),
    (21, "short message transfer rejected"),
    (27, "destination out of service"),
    (28, "unidentified subscriber"),
    (29, "facility rejected"),
    (30, "unknown subscriber"),
    (38, "network out of order"),
    (41, "temporary failure"),
    (42, "congestion"),
    (47, "resources unavailable"),
    (50, "requested facility not subscribed"),
    (69, "requested facility not implemented"),
    (81, "invalid short message transfer reference value"),
    (95, "invalid message, unspecified"),
    (96, "invalid mandatory information"),
    (97, "message type non-existent or not implemented"),
    (
        98,
        "message not compatible with short message protocol state",
    ),
    (99, "information element non-existent or not implemented"),
    (111, "protocol error, unspecified"),
    (127, "interworking, unspecified"),
    (128, "telematic interworking not supported"),
    (129, "short message type 0 not supported"),
    (130, "cannot replace short message"),
    (143, "unspecified TP-PID error"),
    (144, "data coding scheme not supported"),
    (145, "message class not supported"),
    (159, "unspecified TP-DCS error"),
    (160, "command cannot be actioned"),
    (161, "command unsupported"),
    (175, "unspecified TP-Command error"),
    (176, "TPDU not supported"),
    (192, "SC busy"),
    (193, "no SC subscription"),
    (194, "SC system failure"),
    (195, "invalid SME address"),
    (196, "destination SME barred"),
    (197, "SM rejected - duplicate SM"),
    (198, "TP-VPF not supported"),
    (199, "TP-VP not supported"),
    (208, "SIM SMS storage full"),
    (209, "no SMS storage capability in SIM"),
    (210, "error in MS"),
    (211, "memory capacity exceeded"),
    (255, "unspecified error cause"),
    (300, "ME failure"),
    (301, "SMS service of ME reserved"),
    (302, "operation not allowed"),
    (303, "operation not supported"),
    (304, "invalid PDU mode parameter"),
    (305, "invalid text mode parameter"),
    (310, "SIM not inserted"),
    (311, "SIM PIN required"),
    (312, "PH-SIM PIN required"),
    (313, "SIM failure"),
    (314, "SIM busy"),
    (315, "SIM wrong"),
    (316, "SIM PUK required"),
    (317, "SIM PIN2 required"),
    (318, "SIM PUK2 required"),
    (320, "memory failure"),
    (321, "invalid memory index"),
    (322, "memory full"),
    (330, "SMSC address unknown"),
    (331, "no network service"),
    (332, "network timeout"),
    (340, "no +CNMA acknowledgement expected"),
    (500, "unknown error"),
];

fn lookup(table: &[(u16, &'static str)], code: u16) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

fn code_of_text(table: &[(u16, &str)], text: &str) -> Option<u16> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = norm(text);
    table
        .iter()
        .find(|(_, t)| norm(t) == wanted)
        .map(|(c, _)| *c)
}

fn cme_code_of_text(text: &str) -> Option<u16> {
    code_of_text(CME, text)
}

fn cms_code_of_text(text: &str) -> Option<u16> {
    code_of_text(CMS, text).or_else(|| code_of_text(CME, text).and_then(cme_to_cms))
}

/// Some modems answer an SMS command with a CME-style text (e.g. "SIM PIN required").
fn cme_to_cms(code: u16) -> Option<u16> {
    Some(match code {
        10 => 310,
        11 => 311,
        12 => 316,
        13 => 313,
        14 => 314,
        15 => 315,
        30 => 331,
        31 => 332,
        100 => 500,
        _ => return None,
    })
}

impl ErrorCode {
    /// What the error means for the message and the modem.
    pub fn class(&self) -> ErrorClass {
        match self {
            // Without CMEE the modem does not say; a retry with backoff is the safe guess.
            ErrorCode::Plain => ErrorClass::Temporary,
            ErrorCode::Cme(ErrorValue::Code(n)) => cme_class(*n),
            ErrorCode::Cms(ErrorValue::Code(n)) => cms_class(*n),
            ErrorCode::Cme(ErrorValue::Text(_)) | ErrorCode::Cms(ErrorValue::Text(_)) => {
                ErrorClass::Temporary
            }
            ErrorCode::NoCarrier | ErrorCode::NoAnswer | ErrorCode::Busy => ErrorClass::Temporary,
            ErrorCode::NoDialtone => ErrorClass::ModemFatal,
        }
    }

    /// The numeric value, when there is one.
    pub fn code(&self) -> Option<u16> {
        match self {
            ErrorCode::Cme(ErrorValue::Code(n)) | ErrorCode::Cms(ErrorValue::Code(n)) => Some(*n),
            _ => None,
        }
    }
}

fn cme_class(n: u16) -> ErrorClass {
    match n {
        5 | 10..=13 | 15 | 17 | 18 | 30 | 32 => ErrorClass::ModemFatal,
        14 => ErrorClass::Busy,
        _ => ErrorClass::Temporary,
    }
}

fn cms_class(n: u16) -> ErrorClass {
    match n {
        // The destination or the message itself is at fault.
        1
        | 8
        | 10
        | 21
        | 28..=30
        | 69
        | 95..=97
        | 128..=130
        | 143..=145
        | 159..=161
        | 175
        | 176
        | 195..=199
        | 304
        | 305 => ErrorClass::Permanent,
        // This modem/SIM cannot send at all; another modem may.
        50 | 193 | 310..=313 | 315..=318 | 330 | 331 => ErrorClass::ModemFatal,
        301 | 314 | 192 => ErrorClass::Busy,
        _ => ErrorClass::Temporary,
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Plain => write!(f, "ERROR"),
            ErrorCode::Cme(v) => write_value(f, "+CME ERROR", v, CME),
            ErrorCode::Cms(v) => write_value(f, "+CMS ERROR", v, CMS),
            ErrorCode::NoCarrier => write!(f, "NO CARRIER"),
            ErrorCode::Busy => write!(f, "BUSY"),
            ErrorCode::NoAnswer => write!(f, "NO ANSWER"),
            ErrorCode::NoDialtone => write!(f, "NO DIALTONE"),
        }
    }
}

fn write_value(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    v: &ErrorValue,
    table: &[(u16, &'static str)],
) -> fmt::Result {
    match v {
        ErrorValue::Code(n) => match lookup(table, *n) {
            Some(text) => write!(f, "{name}: {n} ({text})"),
            None if *n >= 512 => write!(f, "{name}: {n} (manufacturer specific)"),
            None => write!(f, "{name}: {n}"),
        },
        ErrorValue::Text(t) => write!(f, "{name}: {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_codes() {
        let cases: &[(&str, Option<FinalResult>)] = &[
            ("OK", Some(FinalResult::Ok)),
            (" OK ", Some(FinalResult::Ok)),
            ("ERROR", Some(FinalResult::Error(ErrorCode::Plain))),
            ("CONNECT 9600", Some(FinalResult::Connect)),
            ("NO CARRIER", Some(FinalResult::Error(ErrorCode::NoCarrier))),
            ("BUSY", Some(FinalResult::Error(ErrorCode::Busy))),
            ("NO ANSWER", Some(FinalResult::Error(ErrorCode::NoAnswer))),
            (
                "NO DIALTONE",
                Some(FinalResult::Error(ErrorCode::NoDialtone)),
            ),
            (
                "+CMS ERROR: 500",
                Some(FinalResult::Error(ErrorCode::Cms(ErrorValue::Code(500)))),
            ),
            (
                "COMMAND NOT SUPPORT",
                Some(FinalResult::Error(ErrorCode::Cme(ErrorValue::Code(4)))),
            ),
            (
                "TOO MANY PARAMETERS",
                Some(FinalResult::Error(ErrorCode::Cme(ErrorValue::Text(
                    "TOO MANY PARAMETERS".into(),
                )))),
            ),
            (
                "+CME ERROR: SIM PIN required",
                Some(FinalResult::Error(ErrorCode::Cme(ErrorValue::Code(11)))),
            ),
            (
                "+CMS ERROR: SIM PIN required",
                Some(FinalResult::Error(ErrorCode::Cms(ErrorValue::Code(311)))),
            ),
            (
                "+CME ERROR: \"incorrect password\"",
                Some(FinalResult::Error(ErrorCode::Cme(ErrorValue::Code(16)))),
            ),
            (
                "+CME ERROR: frobnicated",
                Some(FinalResult::Error(ErrorCode::Cme(ErrorValue::Text(
                    "frobnicated".into(),
                )))),
            ),
            ("+CMGS: 12", None),
            ("OKAY", None),
            ("", None),
        ];
        for (line, want) in cases {
            assert_eq!(&parse_final(line), want, "{line:?}");
        }
    }

    #[test]
    fn classes() {
        let cms = |n| ErrorCode::Cms(ErrorValue::Code(n)).class();
        assert_eq!(cms(1), ErrorClass::Permanent);
        assert_eq!(cms(304), ErrorClass::Permanent);
        assert_eq!(cms(500), ErrorClass::Temporary);
        assert_eq!(cms(42), ErrorClass::Temporary);
        assert_eq!(cms(38), ErrorClass::Temporary);
        assert_eq!(cms(314), ErrorClass::Busy);
        assert_eq!(cms(311), ErrorClass::ModemFatal);
        assert_eq!(cms(330), ErrorClass::ModemFatal);
        assert_eq!(cms(515), ErrorClass::Temporary);
        let cme = |n| ErrorCode::Cme(ErrorValue::Code(n)).class();
        assert_eq!(cme(11), ErrorClass::ModemFatal);
        assert_eq!(cme(14), ErrorClass::Busy);
        assert_eq!(ErrorCode::Plain.class(), ErrorClass::Temporary);
    }

    #[test]
    fn display_names_the_cause() {
        let e = ErrorCode::Cms(ErrorValue::Code(1));
        assert_eq!(e.to_string(), "+CMS ERROR: 1 (unassigned number)");
        let e = ErrorCode::Cms(ErrorValue::Code(600));
        assert!(e.to_string().contains("manufacturer specific"));
    }
}
