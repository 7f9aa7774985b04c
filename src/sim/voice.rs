//! The call commands and what happens to a call, on the wire (3GPP TS 27.007 §7.8 +COLP,
//! §7.18 +CLCC, §6.5 +CHUP; ITU-T V.250 §6.3.1 D, §6.3.5 A, §6.3.6 H), plus the outside
//! events that end calls: the network lost, the SIM pulled, a power cycle.
//!
//! `ATD<number>;` with +COLP=0 answers OK at once; BUSY, NO CARRIER (rejected, or hung up
//! by the callee) follow as unsolicited lines, and an answer shows only in +CLCC. With
//! +COLP=1 the final result waits (SIMCom/Quectel "ATD ... returns OK after the call is
//! established"): `+COLP: "<number>",<type>` then OK, or BUSY, or NO CARRIER; any character
//! from the host meanwhile aborts the call (NO CARRIER). ATD without ';' (data) answers
//! NO CARRIER. Huawei modems also report progress with ^ORIG, ^CONF, ^CONN and
//! `^CEND:<id>,<seconds>,<end_status>,<cc_cause>` (cause 16 normal, 17 busy, 21 rejected).

use super::calls::{toa, CallEvent, Party};
use super::commands::{Lock, Modem, Next};
use super::config::Config;
use super::device::{Device, Events};
use super::errors::Final;
use super::machine::Effect;
use super::media;
use super::syntax::{number, Cmd, Form};
use super::vendor::SimState;
use serde_json::{json, Value};
use std::time::Instant;

impl Device {
    pub(super) fn call_command(
        &mut self,
        cfg: &Config,
        now: Instant,
        cmd: &Cmd,
        lines: &mut Vec<String>,
        after: &mut Vec<String>,
    ) -> Next {
        let huawei = cfg.vendor.call_progress_lines();
        match (cmd.name.as_str(), cmd.form) {
            ("D", Form::Set(dial)) => return self.dial(cfg, now, dial, after),
            ("H", _) | ("+CHUP", Form::Exec) => {
                if let Some(h) = self.calls.hang_up(now, Party::Caller) {
                    self.ended(h.id);
                    if huawei {
                        after.push("^CEND:1,0,104,16".into());
                    }
                }
            }
            ("A", _) => return Next::Stop(Final::NoCarrier),
            ("+CLCC", Form::Exec) => lines.extend(self.calls.clcc()),
            ("+COLP", Form::Set(v)) => match number(v) {
                Some(n @ 0..=1) => self.modem.settings.colp = n == 1,
                _ => return Next::Stop(Final::Error),
            },
            ("+COLP", Form::Query) => {
                lines.push(format!("+COLP: {},1", u8::from(self.modem.settings.colp)))
            }
            ("+COLP", Form::Test) => lines.push("+COLP: (0,1)".into()),
            ("+CLCC" | "+CHUP", Form::Test) => {}
            _ => return Next::Stop(Final::Error),
        }
        Next::Continue
    }

    fn dial(&mut self, cfg: &Config, now: Instant, dial: &str, after: &mut Vec<String>) -> Next {
        let voice = dial.trim_end().ends_with(';');
        let number: String = dial
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '*' | '#'))
            .collect();
        if number.is_empty() {
            return Next::Stop(Final::Error);
        }
        if !self.modem.sim_present {
            return Next::Stop(Final::Cme(10));
        }
        match self.modem.lock {
            Lock::Pin => return Next::Stop(Final::Cme(11)),
            Lock::Puk => return Next::Stop(Final::Cme(12)),
            Lock::Ready => {}
        }
        if !voice || self.modem.reg_stat() != 1 {
            return Next::Stop(Final::NoCarrier);
        }
        let blocking = self.modem.settings.colp;
        if let Err(f) = self.calls.dial(now, &number, blocking) {
            return Next::Stop(f);
        }
        if cfg.vendor.call_progress_lines() {
            after.push("^ORIG:1,0".into());
        }
        if blocking {
            Next::Dial
        } else {
            Next::Continue
        }
    }

    /// A call's timer fired: the unsolicited lines, or the waiting ATD's final result.
    pub(super) fn call_event(&mut self, cfg: &Config, event: CallEvent, ev: &mut Events) {
        let huawei = cfg.vendor.call_progress_lines();
        let (line, cend, id) = match event {
            CallEvent::Alerting => {
                if huawei {
                    ev.urcs.push("^CONF:1".into());
                }
                return;
            }
            CallEvent::Answered { number, blocking } => {
                if blocking {
                    let colp = format!("+COLP: \"{number}\",{}", toa(&number));
                    ev.dial = Some((vec![colp], Final::Ok));
                }
                if huawei {
                    ev.urcs.push("^CONN:1,0".into());
                }
                return;
            }
            CallEvent::Busy { id, blocking } => {
                (ended_line(blocking, Final::Busy, ev), (0, 17), id)
            }
            CallEvent::Rejected { id, blocking } => {
                (ended_line(blocking, Final::NoCarrier, ev), (0, 21), id)
            }
            CallEvent::CalleeHungUp { id, seconds } => (Some("NO CARRIER"), (seconds, 16), id),
        };
        ev.urcs.extend(line.map(String::from));
        if huawei {
            ev.urcs.push(format!("^CEND:1,{},104,{}", cend.0, cend.1));
        }
        self.ended(id);
    }

    /// A call is over: its sounds stop, the runner closes its recording.
    fn ended(&mut self, id: u32) {
        self.audio.call_ended(id, &mut self.calls);
        self.effects.push(Effect::CallEnded(id));
    }

    /// Ends the call in progress from outside (`by` the network or the modem itself).
    fn drop_call(&mut self, now: Instant, by: Party, ev: &mut Events) {
        if let Some(h) = self.calls.hang_up(now, by) {
            if h.blocking {
                ev.dial = Some((Vec::new(), Final::NoCarrier));
            } else if by != Party::Modem {
                ev.urcs.push("NO CARRIER".into());
            }
            self.ended(h.id);
            ev.effects.append(&mut self.effects);
        }
    }

    /// A character aborted the ATD that waited for its call.
    pub(super) fn abort_dial(&mut self, now: Instant) {
        if let Some(h) = self.calls.hang_up(now, Party::Caller) {
            self.ended(h.id);
        }
    }

    /// The callee hangs up now (the `callee_hangup` control op); false if no call.
    pub(super) fn callee_hangup(&mut self, cfg: &Config, now: Instant, ev: &mut Events) -> bool {
        let Some(h) = self.calls.hang_up(now, Party::Callee) else {
            return false;
        };
        let line = ended_line(h.blocking, Final::NoCarrier, ev);
        ev.urcs.extend(line.map(String::from));
        if cfg.vendor.call_progress_lines() {
            ev.urcs.push("^CEND:1,0,104,16".into());
        }
        self.ended(h.id);
        ev.effects.append(&mut self.effects);
        true
    }

    /// Power off and on again (reboot, replug): the call drops, settings and the SIM lock
    /// come back to power-up, RAM files go; the SIM's messages, the network's side and the
    /// SIM's presence stay.
    pub(super) fn power_cycle(&mut self, cfg: &Config, now: Instant, ev: &mut Events) {
        self.drop_call(now, Party::Modem, ev);
        ev.dial = None;
        self.audio.power_off(&mut self.calls);
        let (registers, present) = (self.modem.registers, self.modem.sim_present);
        self.modem = Modem::power_up(cfg.pin.clone(), registers, present);
        self.store.power_up();
        self.files.power_up();
        // It talks again once it has booted; the SIM starts from there.
        self.starts_at(cfg, now + cfg.boot);
    }

    /// The `network` control op.
    pub(super) fn set_registered(&mut self, now: Instant, registered: bool, ev: &mut Events) {
        if self.modem.registers == registered {
            return;
        }
        self.modem.registers = registered;
        if !registered {
            self.drop_call(now, Party::Network, ev);
        }
        ev.urcs.extend(registration_lines(&self.modem));
    }

    /// The `sim_removed` control op: out, or back in (locked again if it has a PIN).
    pub(super) fn set_sim(&mut self, cfg: &Config, now: Instant, present: bool, ev: &mut Events) {
        if self.modem.sim_present == present {
            return;
        }
        self.modem.sim_present = present;
        if present {
            self.modem.lock = if cfg.pin.is_some() {
                Lock::Pin
            } else {
                Lock::Ready
            };
        } else {
            self.drop_call(now, Party::Modem, ev);
        }
        ev.urcs.push(cfg.vendor.sim_change_line(self.sim_state()));
        ev.urcs.extend(registration_lines(&self.modem));
    }

    pub(super) fn sim_state(&self) -> SimState {
        match (self.modem.sim_present, self.modem.lock) {
            (false, _) => SimState::Absent,
            (true, _) if self.sim_busy_until.is_some() => SimState::Starting,
            (true, Lock::Ready) => SimState::Ready,
            (true, Lock::Pin) => SimState::Pin,
            (true, Lock::Puk) => SimState::Puk,
        }
    }

    /// PCM from the audio port: kept for the call it streams, dropped otherwise.
    pub(super) fn feed_audio(&mut self, cfg: &Config, pcm: &[u8]) -> Option<Effect> {
        let id = self.audio.streaming()?;
        let record = self.calls.record_mut(id)?;
        record.pcm_bytes += u64::try_from(pcm.len()).unwrap_or(0);
        record.pcm_ms = record.pcm_bytes / media::BYTES_PER_MS;
        if let Some(dir) = &cfg.audio_dir {
            record.wav = Some(media::wav_path(dir, id).display().to_string());
        }
        Some(Effect::Audio {
            call: id,
            pcm: pcm.to_vec(),
        })
    }

    /// The `calls` control answer.
    pub(super) fn calls_json(&self, now: Instant) -> Value {
        json!({"calls": self.calls.to_json(now), "local": self.audio.local_json()})
    }
}

/// A failed call's result: the waiting ATD's final result, or an unsolicited line.
fn ended_line(blocking: bool, fin: Final, ev: &mut Events) -> Option<&'static str> {
    if blocking {
        ev.dial = Some((Vec::new(), fin));
        return None;
    }
    Some(match fin {
        Final::Busy => "BUSY",
        _ => "NO CARRIER",
    })
}

/// +CREG/+CGREG/+CEREG unsolicited lines where `<n>` asks for them (TS 27.007 §7.2).
pub(super) fn registration_lines(modem: &Modem) -> Vec<String> {
    let stat = modem.reg_stat();
    ["+CREG", "+CGREG", "+CEREG"]
        .iter()
        .zip(modem.settings.reg_n)
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| match (n, stat) {
            (2, 1) => format!("{name}: 1,\"1A2B\",\"01C3D4E5\""),
            _ => format!("{name}: {stat}"),
        })
        .collect()
}
