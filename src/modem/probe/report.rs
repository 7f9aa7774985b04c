//! What the probe found, and how it is shown: a readable report, or one JSON object
//! (`--json`). Pure: the caller prints.

use super::answers::{Backend, SmsService, Storage};
use super::ProbeError;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write;

/// The SIM as the probe left it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SimState {
    #[default]
    Ready,
    PinRequired,
    /// The `--pin` given was refused (and not tried again).
    PinRejected,
    PukRequired,
    Absent,
    /// Another `+CPIN` state (`PH-SIM PIN`, ...) or error, verbatim.
    Other(String),
}

impl SimState {
    pub fn text(&self) -> String {
        match self {
            SimState::Ready => "ready".into(),
            SimState::PinRequired => "PIN required".into(),
            SimState::PinRejected => "PIN rejected".into(),
            SimState::PukRequired => "PUK required (blocked)".into(),
            SimState::Absent => "no SIM".into(),
            SimState::Other(s) => format!("not ready: {s}"),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            SimState::Ready => "ready",
            SimState::PinRequired => "pin-required",
            SimState::PinRejected => "pin-rejected",
            SimState::PukRequired => "puk-required",
            SimState::Absent => "absent",
            SimState::Other(_) => "other",
        }
    }
}

impl Serialize for SimState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SimReport {
    pub state: SimState,
    /// Why, when `state` is `other`.
    pub detail: Option<String>,
    /// The `--pin` was entered (once) and accepted.
    pub pin_entered: bool,
    pub imsi: Option<String>,
    pub iccid: Option<String>,
}

/// A `<stat>` of `+CREG`/`+CEREG` (27.007 §7.2).
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    pub stat: u8,
    pub text: &'static str,
    pub registered: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkReport {
    /// Circuit-switched (`+CREG?`): 2G/3G, and SMS over it.
    pub cs: Option<Registration>,
    /// EPS (`+CEREG?`): LTE.
    pub eps: Option<Registration>,
    pub operator: Option<String>,
    /// `+CSQ` `<rssi>` (0-31); unknown (99) is `None`.
    pub rssi: Option<u8>,
    pub signal_dbm: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SmsReport {
    pub service: Option<SmsService>,
    /// `AT+CMGF=?` lists 0: PDU mode, which the gateway uses.
    pub pdu_mode: Option<bool>,
    pub text_mode: Option<bool>,
    pub storage: Option<Storage>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VoiceReport {
    /// `AT+CLCC=?` answered OK (27.007 §7.18).
    pub clcc: bool,
    /// `AT+FCLASS=?` values (8 is voice), when it answered.
    pub fclass: Option<Vec<u16>>,
    /// The modem can place voice calls, by either test.
    pub calls: bool,
    /// Vendor audio commands whose test form answered OK.
    pub vendor_commands: Vec<String>,
    pub backends: Vec<Backend>,
}

/// Everything the probe found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub device: String,
    pub baud: u32,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub imei: Option<String>,
    /// The built-in profile the daemon would choose for it (its quirks are not applied:
    /// the probe changes nothing on the modem).
    pub profile: String,
    pub sim: SimReport,
    pub network: NetworkReport,
    pub sms: SmsReport,
    pub voice: VoiceReport,
}

/// The `--json` object: the report's fields (when the modem answered), `ok`, and `error`
/// (`{"kind", "message", "hint"}` or null).
pub fn json(device: &str, report: Option<&Report>, error: Option<&ProbeError>) -> Value {
    let mut v = match report.map(serde_json::to_value) {
        Some(Ok(v)) => v,
        _ => json!({ "device": device }),
    };
    if let Some(obj) = v.as_object_mut() {
        obj.insert("ok".into(), json!(error.is_none()));
        obj.insert(
            "error".into(),
            error.map_or(
                Value::Null,
                |e| json!({"kind": e.kind(), "message": e.to_string(), "hint": e.hint(device)}),
            ),
        );
    }
    v
}

fn or_unknown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("unknown")
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn maybe(b: Option<bool>) -> &'static str {
    b.map_or("unknown", yes)
}

/// The readable report.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Device    {} at {} baud", r.device, r.baud);
    let _ = writeln!(
        out,
        "Modem     {} {}, firmware {}, IMEI {}",
        or_unknown(&r.manufacturer),
        or_unknown(&r.model),
        or_unknown(&r.firmware),
        or_unknown(&r.imei)
    );
    let _ = writeln!(out, "Profile   {}", r.profile);
    let pin = if r.sim.pin_entered {
        " (PIN entered)"
    } else {
        ""
    };
    let _ = writeln!(out, "SIM       {}{pin}", r.sim.state.text());
    let _ = writeln!(
        out,
        "          IMSI {}, ICCID {}",
        or_unknown(&r.sim.imsi),
        or_unknown(&r.sim.iccid)
    );
    let reg = |x: &Option<Registration>| x.as_ref().map_or("unknown", |x| x.text);
    let n = &r.network;
    let _ = writeln!(
        out,
        "Network   CS: {}; LTE (EPS): {}",
        reg(&n.cs),
        reg(&n.eps)
    );
    let signal = match (n.signal_dbm, n.rssi) {
        (Some(dbm), Some(rssi)) => format!("{dbm} dBm (+CSQ {rssi})"),
        _ => "unknown".into(),
    };
    let _ = writeln!(
        out,
        "          operator {}, signal {signal}",
        or_unknown(&n.operator)
    );
    let s = &r.sms;
    let service = s.service.map_or("unknown".to_string(), |x| {
        format!("send {}, receive {}", yes(x.mo), yes(x.mt))
    });
    let storage = s.storage.as_ref().map_or("unknown".to_string(), |x| {
        format!("{} {}/{}", x.memory, x.used, x.total)
    });
    let _ = writeln!(
        out,
        "SMS       PDU mode {}, text mode {}; {service}; storage {storage}",
        maybe(s.pdu_mode),
        maybe(s.text_mode)
    );
    let v = &r.voice;
    let vendor = if v.vendor_commands.is_empty() {
        "none".to_string()
    } else {
        v.vendor_commands.join(", ")
    };
    let _ = writeln!(
        out,
        "Voice     calls {}; vendor audio commands: {vendor}",
        yes(v.calls)
    );
    let backends = if v.backends.is_empty() {
        "none (no modem-side audio found)".to_string()
    } else {
        let names: Vec<&str> = v.backends.iter().map(|b| b.name()).collect();
        names.join(", ")
    };
    let _ = writeln!(
        out,
        "          voice backends that look possible: {backends}"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            device: "/dev/ttyUSB2".into(),
            baud: 115_200,
            manufacturer: Some("Quectel".into()),
            model: Some("EC25".into()),
            firmware: Some("EC25EFAR06A06M4G".into()),
            imei: Some("867698040000001".into()),
            profile: "quectel-ec2x (Quectel EC25/EG25, EC21, EG91, EG95)".into(),
            sim: SimReport {
                pin_entered: true,
                iccid: Some("8933".into()),
                ..SimReport::default()
            },
            network: NetworkReport {
                cs: Some(Registration {
                    stat: 1,
                    text: "registered, home network",
                    registered: true,
                }),
                eps: None,
                operator: Some("Orange F".into()),
                rssi: Some(20),
                signal_dbm: Some(-73),
            },
            sms: SmsReport {
                service: Some(SmsService {
                    service: 0,
                    mt: true,
                    mo: true,
                    bm: true,
                }),
                pdu_mode: Some(true),
                text_mode: Some(true),
                storage: None,
            },
            voice: VoiceReport {
                clcc: true,
                fclass: None,
                calls: true,
                vendor_commands: vec!["+QWTTS".into(), "+QPSND".into()],
                backends: vec![Backend::ModemTts, Backend::ModemFile],
            },
        }
    }

    #[test]
    fn readable_report() {
        let t = text(&report());
        for needle in [
            "Device    /dev/ttyUSB2 at 115200 baud",
            "Modem     Quectel EC25, firmware EC25EFAR06A06M4G, IMEI 867698040000001",
            "SIM       ready (PIN entered)",
            "IMSI unknown, ICCID 8933",
            "CS: registered, home network; LTE (EPS): unknown",
            "operator Orange F, signal -73 dBm (+CSQ 20)",
            "PDU mode yes, text mode yes; send yes, receive yes; storage unknown",
            "calls yes; vendor audio commands: +QWTTS, +QPSND",
            "voice backends that look possible: modem-tts, modem-file",
        ] {
            assert!(t.contains(needle), "{needle:?} in\n{t}");
        }
    }

    #[test]
    fn json_object() {
        let v = json("/dev/ttyUSB2", Some(&report()), None);
        assert_eq!(v["ok"], true);
        assert_eq!(v["error"], Value::Null);
        assert_eq!(v["sim"]["state"], "ready");
        assert_eq!(v["network"]["signal_dbm"], -73);
        assert_eq!(v["sms"]["pdu_mode"], true);
        assert_eq!(v["voice"]["backends"], json!(["modem-tts", "modem-file"]));

        let e = ProbeError::PinRequired;
        let mut r = report();
        r.sim.state = SimState::PinRequired;
        let v = json("/dev/ttyUSB2", Some(&r), Some(&e));
        assert_eq!(v["ok"], false);
        assert_eq!(v["sim"]["state"], "pin-required");
        assert_eq!(v["error"]["kind"], "pin-required");
        assert!(v["error"]["hint"].as_str().unwrap().contains("--pin"));

        let e = ProbeError::NoAnswer {
            device: "/dev/ttyUSB0".into(),
            baud: 9600,
        };
        let v = json("/dev/ttyUSB0", None, Some(&e));
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["device", "error", "ok"]
        );
        assert_eq!(v["error"]["kind"], "no-answer");
    }
}
