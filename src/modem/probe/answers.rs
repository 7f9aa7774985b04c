//! The answers only the probe reads, parsed without I/O: SMS service (`+CSMS`), supported
//! values of a test command (`+CMGF=?`, `+FCLASS=?`), message storage (`+CPMS?`), and which
//! voice backends the vendor audio commands make possible. Modem bytes never panic here.

use serde::Serialize;

/// `+CSMS: <service>,<mt>,<mo>,<bm>` (27.005 §3.2.1): what the message service supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SmsService {
    /// 0: the 27.005 phase 2 syntax; 1: phase 2+.
    pub service: u8,
    /// Mobile-terminated SMS (receiving).
    pub mt: bool,
    /// Mobile-originated SMS (sending): what the gateway needs.
    pub mo: bool,
    /// Cell broadcast.
    pub bm: bool,
}

/// Message storage as `+CPMS?` answers it for `<mem1>` (27.005 §3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Storage {
    pub memory: String,
    pub used: u32,
    pub total: u32,
}

/// A voice backend otpgate can drive (see [`crate::voice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// 8 kHz PCM over the modem's audio serial port (Huawei `^DDSETEX`).
    PcmSerial,
    /// The modem's own text-to-speech into the call (Quectel `+QWTTS`, SIMCom `+CTTS`).
    ModemTts,
    /// Sound files uploaded to the modem and played into the call (Quectel `+QPSND`,
    /// SIMCom `+CREC`).
    ModemFile,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::PcmSerial => "pcm-serial",
            Backend::ModemTts => "modem-tts",
            Backend::ModemFile => "modem-file",
        }
    }
}

/// Vendor audio commands asked with their test form (`AT<cmd>=?`, which changes nothing),
/// the family that has them and the backend each one enables. Sources: Quectel EC2x/EG9x AT
/// Commands Manual (audio: QWTTS — TTS into the call; plain QTTS is heard only locally —
/// and QPSND); SIMCom SIM800 AT Command Manual (CTTS, CREC);
/// Huawei E-series AT Command Interface Specification (^DDSETEX).
pub const VENDOR_AUDIO: &[(&str, &str, Backend)] = &[
    ("+QWTTS", "Quectel", Backend::ModemTts),
    ("+QPSND", "Quectel", Backend::ModemFile),
    ("+CTTS", "SIMCom", Backend::ModemTts),
    ("+CREC", "SIMCom", Backend::ModemFile),
    ("^DDSETEX", "Huawei", Backend::PcmSerial),
];

/// The backends the answered vendor commands make possible, in [`Backend`] order, once the
/// modem can make calls at all.
pub fn backends(calls: bool, answered: &[&str]) -> Vec<Backend> {
    if !calls {
        return Vec::new();
    }
    let mut out: Vec<Backend> = VENDOR_AUDIO
        .iter()
        .filter(|(cmd, _, _)| answered.contains(cmd))
        .map(|(_, _, b)| *b)
        .collect();
    out.sort_by_key(|b| *b as u8);
    out.dedup();
    out
}

/// The text after `prefix` on the first line that has it.
fn after<'a>(lines: &'a [String], prefix: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim))
}

fn flag(s: &str) -> Option<bool> {
    match s.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// Parses `+CSMS: 0,1,1,1`.
pub fn parse_csms(lines: &[String]) -> Option<SmsService> {
    let rest = after(lines, "+CSMS:")?;
    let mut it = rest.split(',');
    let service = it.next()?.trim().parse().ok()?;
    Some(SmsService {
        service,
        mt: flag(it.next()?)?,
        mo: flag(it.next()?)?,
        bm: flag(it.next()?)?,
    })
}

/// Values a test command lists for its first parameter: `+CMGF: (0,1)`, `+FCLASS: (0-1,8)`,
/// `+FCLASS: 0,1,8`. Ranges are expanded up to 255; `None` when nothing parses.
pub fn parse_values(lines: &[String], prefix: &str) -> Option<Vec<u16>> {
    let rest = after(lines, prefix)?;
    // The first parenthesised list, or the whole text when there is none.
    let list = match rest.split_once('(') {
        Some((_, tail)) => tail.split(')').next().unwrap_or_default(),
        None => rest,
    };
    crate::at::command::parse_value_list(&format!("({list})")).filter(|v| !v.is_empty())
}

/// `<mem1>,<used1>,<total1>` of `+CPMS: "SM",3,30,"SM",3,30,"SM",3,30`.
pub fn parse_cpms(lines: &[String]) -> Option<Storage> {
    let rest = after(lines, "+CPMS:")?;
    let mut it = rest.split(',');
    let memory = it.next()?.trim().trim_matches('"').to_string();
    if memory.is_empty() || !memory.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Storage {
        memory,
        used: it.next()?.trim().parse().ok()?,
        total: it.next()?.trim().parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    /// service, mt, mo, bm
    type Flags = (u8, bool, bool, bool);

    #[test]
    fn csms() {
        let cases: &[(&str, Option<Flags>)] = &[
            ("+CSMS: 0,1,1,1", Some((0, true, true, true))),
            ("+CSMS: 1,1,0,0", Some((1, true, false, false))),
            ("+CSMS: 0,1,1", None),
            ("+CSMS: x,1,1,1", None),
            ("+CSMS: 0,2,1,1", None),
            ("OK", None),
        ];
        for (line, want) in cases {
            let got = parse_csms(&l(line)).map(|s| (s.service, s.mt, s.mo, s.bm));
            assert_eq!(got, *want, "{line}");
        }
    }

    #[test]
    fn values() {
        let cases: &[(&str, &str, Option<&[u16]>)] = &[
            ("+CMGF: (0,1)", "+CMGF:", Some(&[0, 1])),
            ("+CMGF: (1)", "+CMGF:", Some(&[1])),
            ("+CMGF: (0-1)", "+CMGF:", Some(&[0, 1])),
            ("+FCLASS: (0-1,8)", "+FCLASS:", Some(&[0, 1, 8])),
            ("+FCLASS: 0,1,8", "+FCLASS:", Some(&[0, 1, 8])),
            ("+FCLASS: (0,8),(1)", "+FCLASS:", Some(&[0, 8])),
            ("+FCLASS: ()", "+FCLASS:", None),
            ("+FCLASS: (8-0)", "+FCLASS:", None),
            ("+FCLASS: (0-65535)", "+FCLASS:", None),
            ("+CMGF: (a)", "+CMGF:", None),
            ("+CMGF: (0,1)", "+FCLASS:", None),
        ];
        for (line, prefix, want) in cases {
            assert_eq!(parse_values(&l(line), prefix).as_deref(), *want, "{line}");
        }
    }

    #[test]
    fn cpms() {
        assert_eq!(
            parse_cpms(&l("+CPMS: \"SM\",3,30,\"SM\",3,30,\"SM\",3,30")),
            Some(Storage {
                memory: "SM".into(),
                used: 3,
                total: 30
            })
        );
        assert_eq!(
            parse_cpms(&l("+CPMS: \"ME\",0,255")).map(|s| s.total),
            Some(255)
        );
        for bad in ["+CPMS: \"SM\",3", "+CPMS: ,1,2", "+CPMS: \"SM\",x,30", "OK"] {
            assert_eq!(parse_cpms(&l(bad)), None, "{bad}");
        }
    }

    #[test]
    fn voice_backends() {
        let cases: &[(bool, &[&str], &[Backend])] = &[
            (true, &[], &[]),
            (
                true,
                &["+QWTTS", "+QPSND"],
                &[Backend::ModemTts, Backend::ModemFile],
            ),
            (
                true,
                &["+CREC", "+CTTS", "+QWTTS"],
                &[Backend::ModemTts, Backend::ModemFile],
            ),
            (true, &["^DDSETEX"], &[Backend::PcmSerial]),
            (false, &["^DDSETEX", "+QWTTS"], &[]),
        ];
        for (calls, answered, want) in cases {
            assert_eq!(backends(*calls, answered), *want, "{answered:?}");
        }
        assert_eq!(Backend::PcmSerial.name(), "pcm-serial");
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,60}") {
            let lines = vec![s.clone(), format!("+CSMS:{s}"), format!("+CPMS:{s}"), format!("+CMGF:{s}")];
            let _ = parse_csms(&lines);
            let _ = parse_cpms(&lines);
            let _ = parse_values(&lines, "+CMGF:");
        }
    }
}
