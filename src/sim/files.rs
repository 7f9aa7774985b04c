//! The modem's own file system, where the host uploads sound clips to play into calls.
//!
//! Quectel (FILE AT Commands Manual): `AT+QFUPL=<name>[,<size>[,<timeout>[,<ackmode>]]]`
//! answers CONNECT, takes exactly `<size>` raw octets (ack mode: an "A" after every 1024),
//! then `+QFUPL: <size>,<checksum>` and OK — the checksum is the XOR of the data as 16-bit
//! words, in lower-case hex; data that stops for `<timeout>` seconds ends the upload with
//! what came. `AT+QFLST[=<pattern>]`, `AT+QFDEL=<name>`, `AT+QFLDS`. Names are "UFS:" (the
//! default, flash: kept over a reboot) or "RAM:" (lost at a reboot).
//!
//! SIMCom SIM800 (AT Command Manual, file system): `AT+FSCREATE=<file>`, then
//! `AT+FSWRITE=<file>,<mode>,<size>,<timeout>` (mode 0 from the start, 1 append; at most
//! 10240 octets a time) answers the prompt "> ", takes `<size>` octets, then OK;
//! `AT+FSLS=<dir>`, `AT+FSDEL=<file>`, `AT+FSFLSIZE=<file>`.

use super::commands::Next;
use super::errors::Final;
use super::media;
use super::syntax::{number, params, Cmd, Form};
use super::vendor::Vendor;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// All files together hold at most this much.
const CAPACITY: usize = 8 << 20;
/// AT+FSWRITE takes at most this many octets per command.
const FSWRITE_MAX: usize = 10240;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UploadKind {
    Qfupl,
    Fswrite { append: bool },
}

/// A file upload in progress: the machine feeds it raw octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Upload {
    pub name: String,
    pub size: usize,
    pub data: Vec<u8>,
    /// No data for this long ends the upload.
    pub timeout: Duration,
    pub last: Instant,
    /// Quectel ack mode: "A" after every 1024 octets.
    pub ack: bool,
    pub kind: UploadKind,
}

impl Upload {
    /// What the modem says before the data may come.
    pub(super) fn intro(&self) -> &'static [u8] {
        match self.kind {
            UploadKind::Qfupl => b"\r\nCONNECT\r\n",
            UploadKind::Fswrite { .. } => b"\r\n> ",
        }
    }
}

/// Whether `name` is a file command of this vendor.
pub(super) fn handles(vendor: Vendor, name: &str) -> bool {
    match vendor {
        Vendor::Quectel => matches!(name, "+QFUPL" | "+QFLST" | "+QFDEL" | "+QFLDS"),
        Vendor::Simcom => matches!(
            name,
            "+FSCREATE" | "+FSWRITE" | "+FSLS" | "+FSDEL" | "+FSFLSIZE"
        ),
        Vendor::Generic | Vendor::Huawei => false,
    }
}

/// A Quectel file name as stored: "UFS:" dropped, "RAM:" kept; `None` if unusable.
pub(super) fn quectel_name(arg: &str) -> Option<String> {
    let arg = arg.trim().trim_matches('"');
    let (prefix, bare) = match arg.get(..4).map(str::to_ascii_uppercase).as_deref() {
        Some("UFS:") => ("", arg.get(4..)?),
        Some("RAM:") => ("RAM:", arg.get(4..)?),
        _ => ("", arg),
    };
    let ok = !bare.is_empty()
        && bare.len() <= 80
        && !bare.contains(['*', '"', ','])
        && !bare.chars().any(char::is_control);
    ok.then(|| format!("{prefix}{bare}"))
}

/// A SIMCom file argument: a path, or a record id 1-10 meaning C:\User\<id>.amr.
pub(super) fn simcom_name(arg: &str) -> Option<String> {
    let arg = arg.trim().trim_matches('"');
    if arg.is_empty() || arg.len() > 240 || arg.chars().any(char::is_control) {
        return None;
    }
    Some(match number(arg) {
        Some(id) => format!("C:\\User\\{id}.amr"),
        None => arg.to_string(),
    })
}

#[derive(Debug, Default)]
pub(super) struct Files {
    map: BTreeMap<String, Vec<u8>>,
}

impl Files {
    pub(super) fn get(&self, name: &str) -> Option<&[u8]> {
        self.map.get(name).map(Vec::as_slice)
    }

    /// A reboot empties RAM:.
    pub(super) fn power_up(&mut self) {
        self.map.retain(|name, _| !name.starts_with("RAM:"));
    }

    fn used(&self) -> usize {
        self.map.values().map(Vec::len).sum()
    }

    fn free(&self) -> usize {
        CAPACITY.saturating_sub(self.used())
    }

    pub(super) fn execute(&mut self, now: Instant, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
        let arg = match cmd.form {
            Form::Set(v) => v,
            Form::Test => return Next::Continue,
            _ => "",
        };
        match (cmd.name.as_str(), cmd.form) {
            ("+QFUPL", Form::Set(_)) => self.qfupl(now, arg),
            ("+QFLST", Form::Exec | Form::Set(_)) => self.qflst(arg, lines),
            ("+QFDEL", Form::Set(_)) => self.qfdel(arg),
            ("+QFLDS", Form::Exec | Form::Set(_)) => {
                lines.push(format!("+QFLDS: {},{}", self.free(), CAPACITY));
                Next::Continue
            }
            ("+FSCREATE", Form::Set(_)) => match simcom_name(arg) {
                Some(name) if !self.map.contains_key(&name) => {
                    self.map.insert(name, Vec::new());
                    Next::Continue
                }
                _ => Next::Stop(Final::Error),
            },
            ("+FSWRITE", Form::Set(_)) => self.fswrite(now, arg),
            ("+FSDEL", Form::Set(_)) => match simcom_name(arg).and_then(|n| self.map.remove(&n)) {
                Some(_) => Next::Continue,
                None => Next::Stop(Final::Error),
            },
            ("+FSFLSIZE", Form::Set(_)) => match simcom_name(arg).and_then(|n| self.map.get(&n)) {
                Some(data) => {
                    lines.push(format!("+FSFLSIZE: {}", data.len()));
                    Next::Continue
                }
                None => Next::Stop(Final::Error),
            },
            ("+FSLS", Form::Set(_)) => {
                let dir = arg.trim().trim_matches('"').to_ascii_uppercase();
                for name in self.map.keys() {
                    let rest = name
                        .to_ascii_uppercase()
                        .strip_prefix(&dir)
                        .map(|r| r.len());
                    if let Some(len) = rest.filter(|_| !dir.is_empty()) {
                        let base = name.get(name.len() - len..).unwrap_or_default();
                        if !base.is_empty() && !base.contains('\\') {
                            lines.push(base.to_string());
                        }
                    }
                }
                Next::Continue
            }
            _ => Next::Stop(Final::Error),
        }
    }

    fn qfupl(&mut self, now: Instant, args: &str) -> Next {
        let p = params(args);
        let Some(name) = p.first().and_then(|n| quectel_name(n)) else {
            return Next::Stop(Final::Cme(400));
        };
        if self.map.contains_key(&name) {
            return Next::Stop(Final::Cme(407));
        }
        let arg = |i: usize, default: u32| match p.get(i).filter(|v| !v.is_empty()) {
            None => Some(default),
            Some(v) => number(v),
        };
        let (Some(size), Some(timeout), Some(ack @ 0..=1)) = (arg(1, 10240), arg(2, 5), arg(3, 0))
        else {
            return Next::Stop(Final::Cme(400));
        };
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if size == 0 || timeout == 0 || timeout > 65535 {
            return Next::Stop(Final::Cme(400));
        }
        if size > self.free() {
            return Next::Stop(Final::Cme(421));
        }
        Next::Upload(Box::new(Upload {
            name,
            size,
            data: Vec::new(),
            timeout: Duration::from_secs(u64::from(timeout)),
            last: now,
            ack: ack == 1,
            kind: UploadKind::Qfupl,
        }))
    }

    fn qflst(&self, args: &str, lines: &mut Vec<String>) -> Next {
        let pattern = args.trim().trim_matches('"');
        let ram = pattern.eq_ignore_ascii_case("RAM:*");
        if pattern.is_empty() || pattern == "*" || ram || pattern.eq_ignore_ascii_case("UFS:*") {
            for (name, data) in &self.map {
                if name.starts_with("RAM:") == ram {
                    lines.push(format!("+QFLST: \"{name}\",{}", data.len()));
                }
            }
            return Next::Continue;
        }
        match quectel_name(pattern).and_then(|n| self.map.get_key_value(&n)) {
            Some((name, data)) => {
                lines.push(format!("+QFLST: \"{name}\",{}", data.len()));
                Next::Continue
            }
            None => Next::Stop(Final::Cme(405)),
        }
    }

    fn qfdel(&mut self, args: &str) -> Next {
        let pattern = args.trim().trim_matches('"');
        let ram = pattern.eq_ignore_ascii_case("RAM:*");
        if pattern == "*" || ram || pattern.eq_ignore_ascii_case("UFS:*") {
            self.map.retain(|name, _| name.starts_with("RAM:") != ram);
            return Next::Continue;
        }
        match quectel_name(pattern).and_then(|n| self.map.remove(&n)) {
            Some(_) => Next::Continue,
            None => Next::Stop(Final::Cme(405)),
        }
    }

    fn fswrite(&mut self, now: Instant, args: &str) -> Next {
        let p = params(args);
        let name = p.first().and_then(|n| simcom_name(n));
        let nums = |i: usize| p.get(i).and_then(|v| number(v));
        let (Some(name), Some(mode @ 0..=1), Some(size), Some(timeout)) =
            (name, nums(1), nums(2), nums(3))
        else {
            return Next::Stop(Final::Error);
        };
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let fits = (1..=FSWRITE_MAX).contains(&size) && size <= self.free();
        if !self.map.contains_key(&name) || !fits || timeout == 0 {
            return Next::Stop(Final::Error);
        }
        Next::Upload(Box::new(Upload {
            name,
            size,
            data: Vec::new(),
            timeout: Duration::from_secs(u64::from(timeout)),
            last: now,
            ack: false,
            kind: UploadKind::Fswrite { append: mode == 1 },
        }))
    }

    /// Stores what an upload received (all of it, or what came before the timeout); answers
    /// the lines and final result that end it.
    pub(super) fn finish(&mut self, upload: Upload) -> (Vec<String>, Final) {
        let Upload {
            name, data, kind, ..
        } = upload;
        match kind {
            UploadKind::Qfupl => {
                let line = format!("+QFUPL: {},{:x}", data.len(), media::xor16(&data));
                self.map.insert(name, data);
                (vec![line], Final::Ok)
            }
            UploadKind::Fswrite { append } => {
                let file = self.map.entry(name).or_default();
                if !append {
                    file.clear();
                }
                file.extend(data);
                (Vec::new(), Final::Ok)
            }
        }
    }

    /// The `files` control answer.
    pub(super) fn to_json(&self) -> Value {
        let files: Vec<Value> = self
            .map
            .iter()
            .map(|(name, data)| {
                let sound = media::sound(data);
                json!({
                    "name": name,
                    "size": data.len(),
                    "checksum": format!("{:x}", media::xor16(data)),
                    "format": sound.format,
                    "duration_ms": u64::try_from(sound.duration.as_millis()).unwrap_or(u64::MAX),
                })
            })
            .collect();
        Value::Array(files)
    }
}
