//! Everything the modem is and keeps besides its command line: settings and SIM (`Modem`),
//! the message memories, the status reports and inbound messages the network has on their
//! way, the call, the sounds, the files. It routes each command to its table and turns its
//! timers into unsolicited lines. Pure like `machine`, which frames what it says.
//!
//! Network-side traffic (status reports, inbound SMS) waits while the modem is not
//! registered (TS 27.005 §3.4.1 routing then applies as +CNMI stands when it arrives):
//! `<mt>` 1 (or 3) stores in "SM" and says `+CMTI: "SM",<index>`, 2 sends
//! `+CMT: ,<length>` with the PDU unstored, 0 stores silently; a full "SM" holds messages
//! back at the network until a slot frees. `<ds>` 1 sends `+CDS: <length>` with the PDU, 2
//! stores it ("SR" where the vendor has it, else "SM") and says `+CDSI: <mem>,<index>`,
//! 0 drops it.
//!
//! After power-up the SIM may take a while to start (`--sim-busy-ms`) and the SMS service
//! longer (`--sms-busy-ms`): meanwhile `+CPIN?` answers `+CPIN: NOT READY`, the PIN entry and
//! the SIM's files `+CME ERROR: 14`, SMS commands `+CMS ERROR: 314` (TS 27.007 §9.2, TS
//! 27.005 §3.2.5: SIM busy), and the SIM's `+CPIN:` line comes when it is done.

use super::audio::{self, Audio, Ctx};
use super::calls::Calls;
use super::commands::{self, Modem, Next};
use super::config::Config;
use super::errors::Final;
use super::files::{self, Files};
use super::machine::Effect;
use super::pdu_out::{self, Coding, DeliverPart, Inbound, StatusReport};
use super::reports::{Pending, Reports};
use super::settings::VendorSettings;
use super::sms_store::{Mem, SmsStore, Stored, Summary};
use super::syntax::{Cmd, Form};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Inbound parts the network holds at most; more are refused.
const MAX_INBOUND: usize = 1024;

/// What timers and outside events produced, for `machine` to send and apply.
#[derive(Debug, Default)]
pub(super) struct Events {
    pub urcs: Vec<String>,
    /// The final result of an ATD that waited for its call (+COLP=1).
    pub dial: Option<(Vec<String>, Final)>,
    pub effects: Vec<Effect>,
    /// Octets for the audio port.
    pub audio_out: Vec<u8>,
}

#[derive(Debug)]
pub(super) struct Device {
    pub modem: Modem,
    pub store: SmsStore,
    pub reports: Reports,
    pub calls: Calls,
    pub audio: Audio,
    pub files: Files,
    inbound: VecDeque<(Instant, DeliverPart)>,
    next_ref: u8,
    /// Until when the SIM is still starting (cleared, with its `+CPIN:` line, when done).
    pub sim_busy_until: Option<Instant>,
    /// Until when SMS commands are refused as busy.
    pub sms_busy_until: Option<Instant>,
    /// Effects of commands (a call ended by ATH), collected by the machine.
    pub effects: Vec<Effect>,
    /// Vendor settings kept across reboots (the URC port is in non-volatile memory).
    pub vendor_settings: VendorSettings,
}

impl Device {
    pub(super) fn new(cfg: &Config) -> Device {
        let mut dev = Device {
            modem: Modem::power_up(cfg.pin.clone(), cfg.registers, cfg.sim_present),
            store: SmsStore::new(
                cfg.sm_capacity,
                cfg.vendor.has_sr_memory(),
                cfg.vendor.first_index(),
            ),
            reports: Reports::new(cfg.reports.clone()),
            calls: Calls::new(cfg.calls.clone()),
            audio: Audio::default(),
            files: Files::default(),
            inbound: VecDeque::new(),
            next_ref: 1,
            sim_busy_until: None,
            sms_busy_until: None,
            effects: Vec::new(),
            vendor_settings: VendorSettings::new(&cfg.urc_port),
        };
        // The modem is on from the start: the SIM starts now.
        dev.starts_at(cfg, cfg.clock.origin);
        for sms in &cfg.preload {
            match dev.encode(cfg, cfg.clock.origin, &sms.from, &sms.text, None, None) {
                Ok(parts) => {
                    for part in parts {
                        let _ = dev.store.store(Mem::Sm, stored(part));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "simulated modem: cannot preload an SMS"),
            }
        }
        dev
    }

    /// Runs one command: the tables of the store, calls, audio and files first, then the
    /// basic one.
    pub(super) fn execute(
        &mut self,
        cfg: &Config,
        now: Instant,
        cmd: &Cmd,
        lines: &mut Vec<String>,
        after: &mut Vec<String>,
    ) -> Next {
        let name = cmd.name.as_str();
        if let Some(next) = self.starting(now, cmd, lines) {
            return next;
        }
        match name {
            "+CPMS" | "+CMGR" | "+CMGL" | "+CMGD" => self.store.execute(&self.modem, cmd, lines),
            "D" | "H" | "A" | "+CHUP" | "+CLCC" | "+COLP" => {
                self.call_command(cfg, now, cmd, lines, after)
            }
            _ if audio::handles(cfg.vendor, name) => {
                let ctx = Ctx {
                    now,
                    tts_per_char: cfg.tts_per_char,
                    calls: &mut self.calls,
                    files: &self.files,
                };
                self.audio.execute(ctx, cmd, lines)
            }
            _ if files::handles(cfg.vendor, name) => self.files.execute(now, cmd, lines),
            _ if VendorSettings::handles(cfg.vendor, name) => {
                self.vendor_settings.execute(cmd, lines)
            }
            _ => commands::execute(&mut self.modem, &cfg.identity, cmd, lines, after),
        }
    }

    /// The SIM and the SMS service start (again) once the modem talks at `at`.
    pub(super) fn starts_at(&mut self, cfg: &Config, at: Instant) {
        let until = |d: Duration| (!d.is_zero()).then(|| at + d);
        self.sim_busy_until = until(cfg.sim_busy);
        self.sms_busy_until = until(cfg.sms_busy);
    }

    /// What a command answers while the SIM or the SMS service is still starting; `None`
    /// when it runs as usual.
    fn starting(&self, now: Instant, cmd: &Cmd, lines: &mut Vec<String>) -> Option<Next> {
        let busy = |until: Option<Instant>| until.is_some_and(|t| now < t);
        let sim = self.modem.sim_present && busy(self.sim_busy_until);
        let sms = sim || busy(self.sms_busy_until);
        match (cmd.name.as_str(), cmd.form) {
            ("+CPIN", Form::Query) if sim => {
                lines.push("+CPIN: NOT READY".into());
                Some(Next::Continue)
            }
            ("+CPIN", Form::Set(_)) | ("+CIMI" | "+CCID" | "+ICCID" | "^ICCID", _) if sim => {
                Some(Next::Stop(Final::Cme(14)))
            }
            (
                "+CMGF" | "+CNMI" | "+CPMS" | "+CMGS" | "+CMGR" | "+CMGL" | "+CMGD" | "+CSCA"
                | "+CSMS" | "+CSMP" | "+CNMA",
                _,
            ) if sms => Some(Next::Stop(Final::Cms(314))),
            _ => None,
        }
    }

    /// Whether the network can reach the modem (reports, inbound SMS).
    fn reachable(&self) -> bool {
        self.modem.reg_stat() == 1
    }

    fn inbound_ready(&self) -> Option<Instant> {
        let (at, _) = self.inbound.front()?;
        let routed_direct = self.modem.settings.cnmi_mt() == 2;
        (routed_direct || self.store.has_room(Mem::Sm)).then_some(*at)
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        let network = if self.reachable() {
            [self.reports.deadline(), self.inbound_ready()]
        } else {
            [None, None]
        };
        [
            self.calls.deadline(),
            self.audio.deadline(),
            self.sim_busy_until,
        ]
        .into_iter()
        .chain(network)
        .flatten()
        .min()
    }

    pub(super) fn tick(&mut self, cfg: &Config, now: Instant, ev: &mut Events) {
        if self.sim_busy_until.is_some_and(|t| now >= t) {
            self.sim_busy_until = None;
            if self.modem.sim_present {
                ev.urcs.push(cfg.vendor.sim_change_line(self.sim_state()));
            }
        }
        // A late tick may owe several steps of the call (answered, then hung up).
        for _ in 0..4 {
            let call_events = self.calls.tick(now);
            if call_events.is_empty() {
                break;
            }
            for event in call_events {
                self.call_event(cfg, event, ev);
            }
        }
        if self.reachable() {
            for report in self.reports.take_due(now) {
                self.report(cfg, now, report, &mut ev.urcs);
            }
            self.route_inbound(&mut ev.urcs);
        }
        self.audio
            .tick(now, &mut self.calls, &mut ev.urcs, &mut ev.audio_out);
        ev.effects.append(&mut self.effects);
    }

    /// A due status report, routed per +CNMI `<ds>`.
    fn report(&mut self, cfg: &Config, now: Instant, p: Pending, urcs: &mut Vec<String>) {
        let smsc = smsc_number(&self.modem.settings.csca);
        let pdu = pdu_out::status_report(&StatusReport {
            smsc: &smsc,
            mr: p.mr,
            recipient: &p.recipient,
            scts: p.scts,
            discharge: cfg.clock.at(now),
            status: p.status,
        });
        let pdu = match pdu {
            Ok(pdu) => pdu,
            Err(e) => {
                tracing::warn!(error = %e, "simulated modem: cannot encode a status report");
                return;
            }
        };
        match self.modem.settings.cnmi_ds() {
            1 => urcs.push(format!("+CDS: {}\r\n{}", pdu.tpdu_len, pdu.hex())),
            2 => {
                let mem = self.store.report_mem();
                let summary = Summary::Report {
                    mr: p.mr,
                    recipient: p.recipient,
                    status: p.status,
                };
                if let Some(i) = self.store.store(mem, Stored::unread(pdu, summary)) {
                    urcs.push(format!("+CDSI: \"{}\",{i}", mem.name()));
                }
            }
            _ => {}
        }
    }

    fn route_inbound(&mut self, urcs: &mut Vec<String>) {
        while self.inbound_ready().is_some() {
            let Some((_, part)) = self.inbound.pop_front() else {
                break;
            };
            match self.modem.settings.cnmi_mt() {
                2 => urcs.push(format!(
                    "+CMT: ,{}\r\n{}",
                    part.pdu.tpdu_len,
                    part.pdu.hex()
                )),
                mt => {
                    let index = self.store.store(Mem::Sm, stored(part));
                    if let Some(i) = index.filter(|_| mt == 1 || mt == 3) {
                        urcs.push(format!("+CMTI: \"SM\",{i}"));
                    }
                }
            }
        }
    }

    /// The `deliver` control op: the network takes an SMS for the modem; answers how many
    /// parts it made. They arrive at the next tick (or once the modem is reachable).
    pub(super) fn deliver(
        &mut self,
        cfg: &Config,
        now: Instant,
        from: &str,
        text: &str,
        coding: Option<Coding>,
        parts: Option<usize>,
    ) -> Result<usize, String> {
        let encoded = self.encode(cfg, now, from, text, coding, parts)?;
        if self.inbound.len() + encoded.len() > MAX_INBOUND {
            return Err("the network already holds too many messages for this modem".into());
        }
        let n = encoded.len();
        self.inbound.extend(encoded.into_iter().map(|p| (now, p)));
        Ok(n)
    }

    fn encode(
        &mut self,
        cfg: &Config,
        now: Instant,
        from: &str,
        text: &str,
        coding: Option<Coding>,
        parts: Option<usize>,
    ) -> Result<Vec<DeliverPart>, String> {
        let smsc = smsc_number(&self.modem.settings.csca);
        let parts = pdu_out::deliver(&Inbound {
            smsc: &smsc,
            from,
            text,
            coding,
            parts,
            reference: self.next_ref,
            scts: cfg.clock.at(now),
        })?;
        if parts.len() > 1 {
            self.next_ref = self.next_ref.wrapping_add(1);
        }
        Ok(parts)
    }

    /// Messages the network still holds for the modem.
    pub(super) fn inbound_waiting(&self) -> usize {
        self.inbound.len()
    }
}

fn stored(part: DeliverPart) -> Stored {
    let summary = Summary::Deliver {
        from: part.from,
        text: part.text,
        concat: part.concat,
    };
    Stored::unread(part.pdu, summary)
}

/// The number in a +CSCA value (`"+33609001390",145`).
fn smsc_number(csca: &str) -> String {
    csca.split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches('"')
        .to_string()
}
