//! The basic AT command table of the simulated modem: what each command does to the modem's
//! settings and SIM, and what it answers (V.250 basic commands, 3GPP TS 27.007 for the
//! general/network/SIM commands, TS 27.005 §3.2/§3.3/§3.5.1 for the SMS settings and
//! +CMGS). Pure: no I/O, no timing. The message store (`sms_store`), calls (`calls`), audio
//! and files (`audio`, `files`) have tables of their own; `device` routes between them and
//! `machine` frames the answers.

use super::errors::Final;
use super::files::Upload;
pub(super) use super::identity::Identity;
use super::syntax::{number, params, Cmd, Form};

/// The SIM's lock (TS 27.007 §8.3 +CPIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lock {
    Ready,
    Pin,
    Puk,
}

/// Settings that ATZ / AT&F put back to their power-up values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Settings {
    pub echo: bool,
    /// +CMEE: 0 plain ERROR, 1 numeric, 2 verbose (TS 27.007 §9.1).
    pub cmee: u8,
    /// +CMGF: 0 PDU mode, 1 text mode (TS 27.005 §3.2.3).
    pub cmgf: u8,
    /// The `<n>` of +CREG, +CGREG, +CEREG (TS 27.007 §7.2, §10.1.20, §10.1.22).
    pub reg_n: [u8; 3],
    /// +CNMI <mode>,<mt>,<bm>,<ds>,<bfr> (TS 27.005 §3.4.1).
    pub cnmi: [u8; 5],
    /// +COLP: 1 makes ATD's final result wait for the call to connect (TS 27.007 §7.8).
    pub colp: bool,
    pub csca: String,
    pub cscs: String,
}

impl Settings {
    /// Where new-message indications go: `<mt>` when the TA may send URCs at all.
    /// `<mode>` 0 would buffer them in the TA: the simulator has no such buffer and routes
    /// nothing then.
    pub(super) fn cnmi_mt(&self) -> u8 {
        let [mode, mt, ..] = self.cnmi;
        if mode == 0 {
            0
        } else {
            mt
        }
    }

    /// `<ds>`: where status reports go (0 nowhere, 1 +CDS, 2 stored with +CDSI).
    pub(super) fn cnmi_ds(&self) -> u8 {
        let [mode, _, _, ds, _] = self.cnmi;
        if mode == 0 {
            0
        } else {
            ds
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            echo: true,
            cmee: 0,
            cmgf: 0,
            reg_n: [0; 3],
            cnmi: [0; 5],
            colp: false,
            csca: "\"+33609001390\",145".into(),
            cscs: "IRA".into(),
        }
    }
}

/// The modem's state that commands read and change.
#[derive(Debug, Clone)]
pub(super) struct Modem {
    pub settings: Settings,
    pub lock: Lock,
    pub wrong_pins: u8,
    /// +CFUN: 1 full functionality, 0/4 radio off.
    pub cfun: u8,
    pub pin: Option<String>,
    /// False with `--no-registration` or while the network is "lost": the modem searches.
    pub registers: bool,
    /// False with `--sim-absent` or after the SIM was pulled out.
    pub sim_present: bool,
}

impl Modem {
    /// The modem as it powers up: SIM locked when it has a PIN.
    pub(super) fn power_up(pin: Option<String>, registers: bool, sim_present: bool) -> Modem {
        Modem {
            sim_present,
            settings: Settings::default(),
            lock: if pin.is_some() {
                Lock::Pin
            } else {
                Lock::Ready
            },
            wrong_pins: 0,
            cfun: 1,
            pin,
            registers,
        }
    }

    /// `<stat>` of +CREG and friends: 0 not searching, 1 home, 2 searching.
    pub(super) fn reg_stat(&self) -> u8 {
        if !self.sim_present || self.lock != Lock::Ready || self.cfun != 1 {
            0
        } else if !self.registers {
            2
        } else {
            1
        }
    }

    /// The `+CMS ERROR` that refuses SMS with the SIM in this state (TS 27.005 §3.2.5).
    pub(super) fn sms_blocked(&self) -> Option<u16> {
        if !self.sim_present {
            return Some(310);
        }
        match self.lock {
            Lock::Ready => None,
            Lock::Pin => Some(311),
            Lock::Puk => Some(316),
        }
    }
}

/// What a command asks of the machine after it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Next {
    Continue,
    Stop(Final),
    /// AT+CMGS in PDU mode: prompt for a TPDU of this many octets.
    Prompt(usize),
    /// ATD with +COLP=1: the final result waits for the call's outcome.
    Dial,
    /// A file upload: raw bytes follow the intermediate result (CONNECT or the prompt).
    Upload(Box<Upload>),
}

/// Runs one command; information lines go to `lines`, unsolicited lines that follow the final
/// result (a registration after the PIN) to `after`.
pub(super) fn execute(
    modem: &mut Modem,
    id: &Identity,
    cmd: &Cmd,
    lines: &mut Vec<String>,
    after: &mut Vec<String>,
) -> Next {
    use Form::*;
    let fixed = |lines: &mut Vec<String>, text: &str| {
        lines.push(text.to_string());
        Next::Continue
    };
    match (cmd.name.as_str(), cmd.form) {
        (_, Test) => test_answer(&cmd.name, lines),
        // V.250 §6.2.4 (E), §6.2.6 (V), §6.1.1 (Z), §6.1.2 (&F), §6.1.3 (I).
        ("E", Exec) => set(&mut modem.settings.echo, true),
        ("E", Set(v)) => match number(v) {
            Some(n @ 0..=1) => set(&mut modem.settings.echo, n == 1),
            _ => Next::Stop(Final::Error),
        },
        ("V", Exec) | ("V", Set("1")) | ("Q", Exec) | ("Q", Set("0")) => Next::Continue,
        ("X" | "&C" | "&D" | "&K" | "&W", _) | ("S0" | "S3" | "S4" | "S7", Set(_)) => {
            Next::Continue
        }
        ("Z" | "&F", Exec) | ("Z" | "&F", Set("0")) => {
            set(&mut modem.settings, Settings::default())
        }
        ("I", Exec) | ("I", Set("0")) => {
            lines.push(format!("Manufacturer: {}", id.manufacturer));
            lines.push(format!("Model: {}", id.model));
            lines.push(format!("Revision: {}", id.revision));
            fixed(lines, &format!("IMEI: {}", id.imei))
        }
        // TS 27.007 §5: identification.
        ("+CGMI" | "+GMI", Exec) => fixed(lines, &id.manufacturer),
        ("+CGMM" | "+GMM", Exec) => fixed(lines, &id.model),
        ("+CGMR" | "+GMR", Exec) => fixed(lines, &id.revision),
        ("+CGSN" | "+GSN", Exec) => fixed(lines, &id.imei),
        ("+GCAP", Exec) => fixed(lines, "+GCAP: +CGSM"),
        ("+CIMI" | "+CCID" | "+ICCID" | "^ICCID", _) if !modem.sim_present => {
            Next::Stop(Final::Cme(10))
        }
        ("+CIMI", Exec) => match modem.lock {
            Lock::Ready => fixed(lines, &id.imsi),
            Lock::Pin => Next::Stop(Final::Cme(11)),
            Lock::Puk => Next::Stop(Final::Cme(12)),
        },
        ("+CCID" | "+ICCID" | "^ICCID", Exec | Query) => {
            fixed(lines, &format!("+CCID: {}", id.iccid))
        }
        // TS 27.007 §9.1.
        ("+CMEE", Set(v)) => match number(v) {
            Some(n @ 0..=2) => set(&mut modem.settings.cmee, n as u8),
            _ => Next::Stop(Final::Error),
        },
        ("+CMEE", Query) => fixed(lines, &format!("+CMEE: {}", modem.settings.cmee)),
        ("+CPIN", _) => cpin(modem, cmd.form, lines, after),
        ("+CREG" | "+CGREG" | "+CEREG", _) => registration(modem, cmd, lines),
        ("+CSQ", Exec) => fixed(lines, "+CSQ: 20,99"),
        ("+COPS", Query) if modem.reg_stat() == 1 => fixed(lines, "+COPS: 0,0,\"SIMNET\",7"),
        ("+COPS", Query) => fixed(lines, "+COPS: 0"),
        ("+COPS", Set(_)) => Next::Continue,
        ("+CFUN", Query) => fixed(lines, &format!("+CFUN: {}", modem.cfun)),
        ("+CFUN", Set(v)) => match number(params(v).first().unwrap_or(&"")) {
            Some(n @ (0 | 1 | 4)) => set(&mut modem.cfun, n as u8),
            _ => Next::Stop(Final::Error),
        },
        ("+CSCS", Query) => fixed(lines, &format!("+CSCS: \"{}\"", modem.settings.cscs)),
        ("+CSCS", Set(v)) => set(
            &mut modem.settings.cscs,
            v.trim().trim_matches('"').to_string(),
        ),
        _ => sms(modem, cmd, lines),
    }
}

fn set<T>(slot: &mut T, value: T) -> Next {
    *slot = value;
    Next::Continue
}

/// AT+CPIN (TS 27.007 §8.3): three wrong PINs in a row block the SIM behind its PUK.
fn cpin(modem: &mut Modem, form: Form, lines: &mut Vec<String>, after: &mut Vec<String>) -> Next {
    if !modem.sim_present {
        return Next::Stop(Final::Cme(10));
    }
    let state = match modem.lock {
        Lock::Ready => "READY",
        Lock::Pin => "SIM PIN",
        Lock::Puk => "SIM PUK",
    };
    match (form, modem.lock) {
        (Form::Query, _) => lines.push(format!("+CPIN: {state}")),
        (Form::Set(_), Lock::Ready) => return Next::Stop(Final::Cme(3)),
        (Form::Set(_), Lock::Puk) => return Next::Stop(Final::Cme(12)),
        (Form::Set(v), Lock::Pin) => {
            let given = params(v).first().copied().unwrap_or("");
            if modem.pin.as_deref() == Some(given) {
                modem.lock = Lock::Ready;
                modem.wrong_pins = 0;
                // The modem registers once the SIM opens; report it where asked to.
                for (name, n) in ["+CREG", "+CGREG", "+CEREG"]
                    .iter()
                    .zip(modem.settings.reg_n)
                {
                    if n > 0 {
                        after.push(format!("{name}: {}", modem.reg_stat()));
                    }
                }
            } else {
                modem.wrong_pins += 1;
                if modem.wrong_pins >= 3 {
                    modem.lock = Lock::Puk;
                }
                return Next::Stop(Final::Cme(16));
            }
        }
        _ => return Next::Stop(Final::Error),
    }
    Next::Continue
}

/// AT+CREG / +CGREG / +CEREG (TS 27.007 §7.2, §10.1.20, §10.1.22).
fn registration(modem: &mut Modem, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
    let index = match cmd.name.as_str() {
        "+CREG" => 0,
        "+CGREG" => 1,
        _ => 2,
    };
    let Some(n) = modem.settings.reg_n.get_mut(index) else {
        return Next::Stop(Final::Error);
    };
    match cmd.form {
        Form::Set(v) => match number(v) {
            Some(value @ 0..=2) => *n = value as u8,
            _ => return Next::Stop(Final::Error),
        },
        Form::Query => {
            let (n, stat) = (*n, modem.reg_stat());
            lines.push(if n == 2 && stat == 1 {
                format!("{}: {n},{stat},\"1A2B\",\"01C3D4E5\"", cmd.name)
            } else {
                format!("{}: {n},{stat}", cmd.name)
            });
        }
        _ => return Next::Stop(Final::Error),
    }
    Next::Continue
}

/// TS 27.005 §3: message service settings and +CMGS; the message store is `sms_store`'s.
fn sms(modem: &mut Modem, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
    use Form::*;
    let name = cmd.name.as_str();
    let needs_sim = name == "+CMGS";
    if let Some(code) = modem.sms_blocked().filter(|_| needs_sim) {
        return Next::Stop(Final::Cms(code));
    }
    let s = &mut modem.settings;
    match (name, cmd.form) {
        ("+CMGF", Set(v)) => match number(v) {
            Some(n @ 0..=1) => s.cmgf = n as u8,
            _ => return Next::Stop(Final::Error),
        },
        ("+CMGF", Query) => lines.push(format!("+CMGF: {}", s.cmgf)),
        ("+CMGS", Set(_)) if s.cmgf == 1 => return Next::Stop(Final::Cms(302)),
        ("+CMGS", Set(v)) => match number(params(v).first().unwrap_or(&"")) {
            Some(n @ 1..=255) => return Next::Prompt(n as usize),
            _ => return Next::Stop(Final::Error),
        },
        ("+CNMI", Set(v)) => match cnmi(s.cnmi, v) {
            Some(values) => s.cnmi = values,
            None => return Next::Stop(Final::Cms(303)),
        },
        ("+CNMI", Query) => {
            let [mode, mt, bm, ds, bfr] = s.cnmi;
            lines.push(format!("+CNMI: {mode},{mt},{bm},{ds},{bfr}"));
        }
        // Acknowledgements of +CMT/+CDS (TS 27.005 §3.4.4): nothing to resend here.
        ("+CNMA", Exec | Set(_)) => {}
        ("+CSMS", Set(v)) if matches!(number(v), Some(0 | 1)) => lines.push("+CSMS: 1,1,1".into()),
        ("+CSMS", Query) => lines.push("+CSMS: 0,1,1,1".into()),
        ("+CSCA", Query) => lines.push(format!("+CSCA: {}", s.csca)),
        ("+CSCA", Set(v)) if !v.trim().is_empty() => s.csca = v.trim().to_string(),
        ("+CSMP", Query) => lines.push("+CSMP: 17,167,0,0".into()),
        ("+CSMP", Set(_)) => {}
        _ => return Next::Stop(Final::Error),
    }
    Next::Continue
}

/// +CNMI values (TS 27.005 §3.4.1): each given one replaces the current one; ranges
/// `<mode>` 0-3, `<mt>` 0-3, `<bm>` 0-3, `<ds>` 0-2, `<bfr>` 0-1.
fn cnmi(current: [u8; 5], args: &str) -> Option<[u8; 5]> {
    const MAX: [u8; 5] = [3, 3, 3, 2, 1];
    let mut values = current;
    let given = params(args);
    if given.len() > 5 {
        return None;
    }
    for ((slot, max), p) in values.iter_mut().zip(MAX).zip(given) {
        if p.is_empty() {
            continue;
        }
        match u8::try_from(number(p)?) {
            Ok(v) if v <= max => *slot = v,
            _ => return None,
        }
    }
    Some(values)
}

/// `AT+X=?` answers for the commands that have ranges; other known commands answer OK.
fn test_answer(name: &str, lines: &mut Vec<String>) -> Next {
    let line = match name {
        "+CMEE" => "+CMEE: (0-2)",
        "+CMGF" => "+CMGF: (0,1)",
        "+CREG" | "+CGREG" | "+CEREG" => return fixed_test(lines, name, "(0-2)"),
        "+CSQ" => "+CSQ: (0-31,99),(0-7,99)",
        "+CFUN" => "+CFUN: (0,1,4),(0,1)",
        "+CNMI" => "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)",
        "+CSMS" => "+CSMS: (0,1)",
        "+COPS" => "+COPS: (2,\"SIMNET\",\"SIMNET\",\"20801\",7),,(0-4),(0-2)",
        "+CMGS" | "+CPIN" | "+CSCA" | "+CSCS" | "+CGMI" | "+CGMM" | "+CGMR" | "+CGSN" | "+CIMI"
        | "+CCID" | "+CSMP" | "+CNMA" => return Next::Continue,
        _ => return Next::Stop(Final::Error),
    };
    lines.push(line.to_string());
    Next::Continue
}

fn fixed_test(lines: &mut Vec<String>, name: &str, range: &str) -> Next {
    lines.push(format!("{name}: {range}"));
    Next::Continue
}

#[cfg(test)]
mod tests {
    use super::super::syntax::parse;
    use super::*;

    #[test]
    fn refuses_garbage() {
        for line in ["+", "*", "E0!", "+CMEE=1 ?x"] {
            let parsed = parse(line);
            let ok = parsed.as_ref().is_some_and(|cmds| {
                let mut m = Modem::power_up(None, true, true);
                let id = Identity::from_seed(1, "M", "X");
                cmds.iter()
                    .all(|c| execute(&mut m, &id, c, &mut vec![], &mut vec![]) == Next::Continue)
            });
            assert!(!ok, "{line:?} should fail: {parsed:?}");
        }
    }
}
