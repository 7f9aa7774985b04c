//! What the modem plays, and the PCM audio port; the three ways a host gets a voice into a
//! call, each vendor's own (`--vendor`), each recorded on the call.
//!
//! - Text to speech. Quectel EC2x AT Commands Manual §12: `AT+QTTS=<mode>[,<text>]` plays
//!   locally only; `AT+QWTTS=<ulmute>,<dlmute>,<mode>,<text>` plays during a call, heard by
//!   the far end when `<ulmute>` is 1 (uplink not muted); outside a call it answers
//!   `+CME ERROR: 903`. `<mode>` 0 stops, 1 UCS-2 hex text, 2 ASCII. End: `+QTTS: 0` /
//!   `+QWTTS: 0`. SIMCom: `AT+CTTS=<mode>[,<text>]` (same modes), end `+CTTS: 0`; heard by
//!   the far end during an active call (`AT+CDTAM` is kept but changes nothing here).
//! - Files. Quectel `AT+QPSND=<control>,<file>,<repeat>[,<ulmute>[,<dlmute>]]`, end
//!   `+QPSND: 0`, heard by the far end when `<ulmute>` is 1; SIMCom
//!   `AT+CREC=4,<file>,<channel>,<volume>[,<repeat>]`, `AT+CREC=5` stops, end `+CREC: 0`,
//!   heard by the far end on channel 0 during a call. A file plays as long as its WAV or
//!   AMR data lasts.
//! - The audio port (Huawei E-series: `AT^DDSETEX=2` during an active call): from then on
//!   the modem takes 8 kHz 16-bit mono PCM on its second serial port and sends the far end's
//!   (silence here) back, 320 octets every 20 ms. PCM outside that window is dropped.
//!
//! TTS lasts `tts_per_char` per character. One sound plays at a time; another while one
//! plays answers `+CME ERROR: 3`. A sound cut short by the end of its call ends silently.

use super::calls::{Calls, Played};
use super::commands::Next;
use super::errors::Final;
use super::files::{quectel_name, simcom_name, Files};
use super::media;
use super::pdu_out::ucs2_hex;
use super::syntax::{head_and_text, number, params, Cmd, Form};
use super::vendor::Vendor;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Whether `name` is an audio command of this vendor.
pub(super) fn handles(vendor: Vendor, name: &str) -> bool {
    match vendor {
        Vendor::Quectel => matches!(name, "+QTTS" | "+QWTTS" | "+QPSND"),
        Vendor::Simcom => matches!(name, "+CTTS" | "+CREC" | "+CDTAM"),
        Vendor::Huawei => matches!(name, "^DDSETEX" | "^CVOICE"),
        Vendor::Generic => false,
    }
}

/// Where a sound's record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Call(u32, usize),
    Local(usize),
}

#[derive(Debug)]
struct Player {
    via: &'static str,
    end_line: &'static str,
    /// `None`: repeats until stopped.
    until: Option<Instant>,
    target: Target,
}

/// What the command needs besides its arguments.
pub(super) struct Ctx<'a> {
    pub now: Instant,
    pub tts_per_char: Duration,
    pub calls: &'a mut Calls,
    pub files: &'a Files,
}

#[derive(Debug, Default)]
pub(super) struct Audio {
    player: Option<Player>,
    local: Vec<Played>,
    /// The call whose PCM the audio port carries.
    streaming: Option<u32>,
    next_frame: Option<Instant>,
    cdtam: u8,
}

impl Audio {
    pub(super) fn execute(&mut self, ctx: Ctx, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
        let name = cmd.name.as_str();
        match (name, cmd.form) {
            ("+QTTS", Form::Test) => lines.push("+QTTS: (0-2),<text>".into()),
            ("+QWTTS", Form::Test) => lines.push("+QWTTS: (0,1),(0,1),(0-2),<text>".into()),
            ("+QPSND", Form::Test) => {
                lines.push("+QPSND: (0,1),\"filename\",(0,1),(0,1),(0,1)".into())
            }
            (_, Form::Test) => {}
            ("+QTTS" | "+QWTTS" | "+QPSND" | "+CTTS" | "+CREC", Form::Query) => {
                let busy = self.player.as_ref().is_some_and(|p| p.via == via(name));
                lines.push(format!("{name}: {}", u8::from(busy)));
            }
            ("+QTTS", Form::Set(v)) => return self.tts(ctx, "+QTTS", v, lines),
            ("+QWTTS", Form::Set(v)) => return self.tts(ctx, "+QWTTS", v, lines),
            ("+CTTS", Form::Set(v)) => return self.tts(ctx, "+CTTS", v, lines),
            ("+QPSND", Form::Set(v)) => return self.qpsnd(ctx, v),
            ("+CREC", Form::Set(v)) => return self.crec(ctx, v),
            ("+CDTAM", Form::Set(v)) => match number(v) {
                Some(n @ 0..=1) => self.cdtam = n as u8,
                _ => return Next::Stop(Final::Error),
            },
            ("+CDTAM", Form::Query) => lines.push(format!("+CDTAM: {}", self.cdtam)),
            ("^DDSETEX", Form::Set(v)) => match (number(v), ctx.calls.active()) {
                (Some(2), Some(id)) => {
                    self.streaming = Some(id);
                    self.next_frame = Some(ctx.now + media::FRAME_EVERY);
                    if let Some(r) = ctx.calls.record_mut(id) {
                        r.audio_port = true;
                    }
                }
                _ => return Next::Stop(Final::Error),
            },
            ("^CVOICE", Form::Query) => lines.push("^CVOICE:0,8000,16,20".into()),
            ("^CVOICE", Form::Set(_)) => {}
            _ => return Next::Stop(Final::Error),
        }
        Next::Continue
    }

    /// +QTTS / +QWTTS / +CTTS: mode 0 stops, 1 UCS-2 hex, 2 ASCII.
    fn tts(&mut self, ctx: Ctx, name: &'static str, args: &str, lines: &mut Vec<String>) -> Next {
        // QWTTS has <ulmute>,<dlmute> before the mode; the text may hold commas.
        let (head, text) = head_and_text(args, if name == "+QWTTS" { 3 } else { 1 });
        let mode = head.last().and_then(|m| number(m));
        let mutes = (
            head.first().and_then(|u| number(u)),
            head.get(1).and_then(|d| number(d)),
        );
        if mode == Some(0) {
            let was = self.player.as_ref().is_some_and(|pl| pl.via == via(name));
            if was {
                self.stop(ctx.calls, false);
                if name == "+CTTS" {
                    lines.push("+CTTS: 0".into());
                }
            }
            return Next::Continue;
        }
        let invalid = if name == "+QWTTS" {
            Final::Cme(902)
        } else {
            Final::Error
        };
        let text = match (mode, text) {
            (Some(1), Some(t)) => ucs2_hex(t),
            (Some(2), Some(t)) => Some(t.to_string()),
            _ => None,
        };
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Next::Stop(invalid);
        };
        let call = ctx.calls.active();
        let remote = match (name, mutes) {
            ("+QTTS", _) => false,
            ("+QWTTS", (Some(ul @ 0..=1), Some(dl @ 0..=1))) => {
                if call.is_none() || ul + dl == 0 {
                    return Next::Stop(Final::Cme(903));
                }
                ul == 1
            }
            ("+QWTTS", _) => return Next::Stop(invalid),
            _ => call.is_some(),
        };
        let per_char = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let duration = ctx.tts_per_char.saturating_mul(per_char);
        let played = Played {
            kind: "tts",
            via: via(name),
            text: Some(text),
            file: None,
            remote,
            completed: false,
            duration_ms: ms(duration),
            format: None,
        };
        let call = if name == "+QTTS" { None } else { call };
        self.start(ctx, call, played, Some(duration), end_line(name))
    }

    /// AT+QPSND=1,<file>,<repeat>[,<ulmute>[,<dlmute>]] / AT+QPSND=0.
    fn qpsnd(&mut self, ctx: Ctx, args: &str) -> Next {
        let p = params(args);
        match p.first().and_then(|c| number(c)) {
            Some(0) => {
                if self.player.as_ref().is_some_and(|pl| pl.via == "QPSND") {
                    self.stop(ctx.calls, false);
                }
                return Next::Continue;
            }
            Some(1) => {}
            _ => return Next::Stop(Final::Cme(902)),
        }
        let Some(name) = p.get(1).and_then(|n| quectel_name(n)) else {
            return Next::Stop(Final::Cme(902));
        };
        let repeat = p.get(2).and_then(|r| number(r));
        let ul = p.get(3).and_then(|u| number(u));
        let call = ctx.calls.active();
        let remote = call.is_some() && ul == Some(1);
        self.play_file(
            ctx,
            &name,
            "QPSND",
            repeat == Some(1),
            remote,
            Final::Cme(405),
        )
    }

    /// AT+CREC=4,<file>,<channel>,<volume>[,<repeat>] / AT+CREC=5.
    fn crec(&mut self, ctx: Ctx, args: &str) -> Next {
        let p = params(args);
        match p.first().and_then(|c| number(c)) {
            Some(5) => {
                if self.player.as_ref().is_some_and(|pl| pl.via == "CREC") {
                    self.stop(ctx.calls, false);
                }
                Next::Continue
            }
            Some(4) => {
                let (Some(name), Some(channel)) = (
                    p.get(1).and_then(|n| simcom_name(n)),
                    p.get(2).and_then(|c| number(c)),
                ) else {
                    return Next::Stop(Final::Error);
                };
                let repeat = p.get(4).and_then(|r| number(r)) == Some(1);
                let remote = channel == 0 && ctx.calls.active().is_some();
                self.play_file(ctx, &name, "CREC", repeat, remote, Final::Error)
            }
            _ => Next::Stop(Final::Error),
        }
    }

    fn play_file(
        &mut self,
        ctx: Ctx,
        name: &str,
        via: &'static str,
        repeat: bool,
        remote: bool,
        missing: Final,
    ) -> Next {
        let Some(data) = ctx.files.get(name) else {
            return Next::Stop(missing);
        };
        let sound = media::sound(data);
        let played = Played {
            kind: "file",
            via,
            text: None,
            file: Some(name.to_string()),
            remote,
            completed: false,
            duration_ms: ms(sound.duration),
            format: Some(sound.format),
        };
        let call = ctx.calls.active();
        let until = (!repeat).then_some(sound.duration);
        let end = if via == "CREC" {
            "+CREC: 0"
        } else {
            "+QPSND: 0"
        };
        self.start(ctx, call, played, until, end)
    }

    fn start(
        &mut self,
        ctx: Ctx,
        call: Option<u32>,
        played: Played,
        length: Option<Duration>,
        end_line: &'static str,
    ) -> Next {
        if self.player.is_some() {
            return Next::Stop(Final::Cme(3));
        }
        let via = played.via;
        let target = match call.and_then(|id| ctx.calls.record_mut(id).map(|r| (id, r))) {
            Some((id, r)) => {
                r.played.push(played);
                Target::Call(id, r.played.len() - 1)
            }
            None => {
                self.local.push(played);
                Target::Local(self.local.len() - 1)
            }
        };
        self.player = Some(Player {
            via,
            end_line,
            until: length.map(|d| ctx.now + d),
            target,
        });
        Next::Continue
    }

    fn stop(&mut self, calls: &mut Calls, completed: bool) {
        let Some(player) = self.player.take() else {
            return;
        };
        let played = match player.target {
            Target::Call(id, i) => calls.record_mut(id).and_then(|r| r.played.get_mut(i)),
            Target::Local(i) => self.local.get_mut(i),
        };
        if let Some(p) = played {
            p.completed = completed;
        }
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        let player = self.player.as_ref().and_then(|p| p.until);
        let frame = self.next_frame.filter(|_| self.streaming.is_some());
        [player, frame].into_iter().flatten().min()
    }

    /// Ends a sound whose time is up; sends the audio port's frames that are due.
    pub(super) fn tick(
        &mut self,
        now: Instant,
        calls: &mut Calls,
        urcs: &mut Vec<String>,
        out: &mut Vec<u8>,
    ) {
        if let Some(p) = self
            .player
            .as_ref()
            .filter(|p| p.until.is_some_and(|t| now >= t))
        {
            urcs.push(p.end_line.to_string());
            self.stop(calls, true);
        }
        if let (Some(_), Some(mut at)) = (self.streaming, self.next_frame) {
            // A late loop catches up a little, not without bound.
            let mut frames = 0;
            while at <= now && frames < 5 {
                out.extend([0u8; media::FRAME]);
                at += media::FRAME_EVERY;
                frames += 1;
            }
            self.next_frame = Some(if at <= now {
                now + media::FRAME_EVERY
            } else {
                at
            });
        }
    }

    /// The call `id` ended: its sound stops unfinished, the audio port goes quiet.
    pub(super) fn call_ended(&mut self, id: u32, calls: &mut Calls) {
        if matches!(self.player.as_ref().map(|p| p.target), Some(Target::Call(c, _)) if c == id) {
            self.stop(calls, false);
        }
        if self.streaming == Some(id) {
            self.streaming = None;
            self.next_frame = None;
        }
    }

    /// Power off: nothing plays, the port is closed, settings forgotten.
    pub(super) fn power_off(&mut self, calls: &mut Calls) {
        self.stop(calls, false);
        self.streaming = None;
        self.next_frame = None;
        self.cdtam = 0;
    }

    /// PCM from the audio port: the call it belongs to, if the port carries one.
    pub(super) fn streaming(&self) -> Option<u32> {
        self.streaming
    }

    pub(super) fn local_json(&self) -> Value {
        serde_json::to_value(&self.local).unwrap_or(Value::Null)
    }
}

fn via(name: &str) -> &'static str {
    match name {
        "+QTTS" => "QTTS",
        "+QWTTS" => "QWTTS",
        "+CTTS" => "CTTS",
        "+QPSND" => "QPSND",
        _ => "CREC",
    }
}

fn end_line(name: &str) -> &'static str {
    match name {
        "+QTTS" => "+QTTS: 0",
        "+QWTTS" => "+QWTTS: 0",
        _ => "+CTTS: 0",
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
