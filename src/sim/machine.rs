//! The simulated modem as a state machine: bytes in plus the current time give bytes out,
//! effects (an SMS for the record, PCM for a call's recording, closing the port) and the
//! next timer deadline. No I/O and no clock of its own, so every behaviour is a table of
//! bytes in tests.
//!
//! What it models (ITU-T V.250 for the command line, 3GPP TS 27.005 §3.5.1 for AT+CMGS):
//! - a command line ends with CR (S3); LF also ends one, and an LF right after a CR is part of
//!   the same end; backspace edits; a line not starting with "AT" is ignored, as a real modem
//!   does with line noise;
//! - echo (E1 at power-up) sends back every byte as it is processed, the PDU and Ctrl-Z too;
//! - `AT+CMGS=<n>` answers the prompt `\r\n> ` and collects hex until Ctrl-Z (send) or ESC
//!   (cancel); the network takes `latency` to answer, during which input waits unprocessed as
//!   in a UART's buffer while unsolicited lines may still come;
//! - an ATD that waits for its call (+COLP=1), aborted by any character; a file upload
//!   (raw octets after CONNECT or a prompt, no echo);
//! - a reboot: silence for `boot`, input lost, then the vendor's boot lines;
//! - unsolicited lines (the modem's own, and noise) only at line boundaries, so they never
//!   split an answer line, the echo of a half-typed command, a prompt or an upload.
//!
//! What the modem knows and does lives in `device`; this frames it on the wire.

#[path = "machine_input.rs"]
mod input;

use super::config::Config;
use super::device::{Device, Events};
use super::errors::Final;
use super::files::Upload;
use super::network::{Network, Outcome, Verdict};
use super::noise::Noise;
use super::ReceivedSms;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Unsolicited lines a silent modem (hung, mid-prompt) keeps at most.
const MAX_URCS: usize = 256;
/// Command lines the `command_log` control request keeps.
const COMMAND_LOG: usize = 512;

/// What the runner must do besides writing the output bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Effect {
    /// A complete SMS reached the phone: record it (before the +CMGS answer is written).
    Record(ReceivedSms),
    /// Close the port, as an unplugged USB modem (after writing the output).
    Close,
    /// PCM the audio port carried for this call: append it to its recording.
    Audio { call: u32, pcm: Vec<u8> },
    /// This call is over: its recording is complete.
    CallEnded(u32),
}

/// The result of one call: bytes for one write (and for the audio port), then effects.
#[derive(Debug, Default)]
pub(super) struct Step {
    pub out: Vec<u8>,
    pub effects: Vec<Effect>,
    pub audio: Vec<u8>,
}

#[derive(Debug)]
enum Mode {
    Command,
    Prompt {
        tpdu_len: usize,
    },
    Busy {
        until: Instant,
        verdict: Verdict,
    },
    /// ATD waits for its call's outcome.
    Dialing,
    Data(Box<Upload>),
    Booting {
        until: Instant,
    },
    Hung,
    Closed,
}

pub(super) struct Machine {
    cfg: Config,
    dev: Device,
    mode: Mode,
    line: Vec<u8>,
    after_cr: bool,
    pdu: Vec<u8>,
    deferred: Vec<u8>,
    /// The modem's own unsolicited lines, waiting for a line boundary.
    urcs: VecDeque<String>,
    /// Lines a test asked for (they go out even from a hung modem).
    injected: VecDeque<String>,
    noise: Noise,
    network: Network,
    commands: u64,
    /// The last command lines, for the `command_log` control request.
    log: VecDeque<String>,
    submissions: u64,
    stop_fired: bool,
    close_fired: bool,
    reboot_fired: bool,
    mid_cmgs_fired: bool,
}

impl Machine {
    pub(super) fn new(cfg: Config) -> Machine {
        // `--stop-after 0` is a modem that never answers at all.
        let silent = cfg.stop_after == Some(0);
        Machine {
            dev: Device::new(&cfg),
            noise: Noise::new(cfg.urc_noise, cfg.seed),
            network: Network::new(cfg.faults.clone(), cfg.seed),
            cfg,
            mode: if silent { Mode::Hung } else { Mode::Command },
            line: Vec::new(),
            after_cr: false,
            pdu: Vec::new(),
            deferred: Vec::new(),
            urcs: VecDeque::new(),
            injected: VecDeque::new(),
            commands: 0,
            log: VecDeque::new(),
            submissions: 0,
            stop_fired: silent,
            close_fired: false,
            reboot_fired: false,
            mid_cmgs_fired: false,
        }
    }

    /// AT command lines received so far (PDU lines not counted).
    pub(super) fn commands(&self) -> u64 {
        self.commands
    }

    /// The last command lines received, oldest first.
    pub(super) fn command_log(&self) -> Vec<String> {
        self.log.iter().cloned().collect()
    }

    fn log_command(&mut self, line: &str) {
        if self.log.len() == COMMAND_LOG {
            self.log.pop_front();
        }
        self.log.push_back(line.to_string());
    }

    /// Concatenated messages still waiting for parts at the phone.
    pub(super) fn incomplete_messages(&self) -> usize {
        self.network.incomplete()
    }

    pub(super) fn config(&self) -> &Config {
        &self.cfg
    }

    pub(super) fn device(&self) -> &Device {
        &self.dev
    }

    /// Control ops that change the device from outside, with their unsolicited lines.
    pub(super) fn with_device<T>(
        &mut self,
        now: Instant,
        step: &mut Step,
        f: impl FnOnce(&mut Device, &Config, &mut Events) -> T,
    ) -> T {
        let mut ev = Events::default();
        let out = f(&mut self.dev, &self.cfg, &mut ev);
        self.apply(now, ev, step);
        self.flush(step);
        out
    }

    /// Timers: the boot, the network's answer, an upload's timeout, the device's timers,
    /// noise. Call when `next_deadline` passes (or any time).
    pub(super) fn tick(&mut self, now: Instant, step: &mut Step) {
        self.timers(now, step);
        if self.live() {
            // The timer runs on; a line due mid-line is skipped, not queued.
            if let Some(line) = self.noise.idle(now).filter(|_| self.at_boundary()) {
                info(line, &mut step.out);
            }
        }
        self.flush(step);
    }

    fn timers(&mut self, now: Instant, step: &mut Step) {
        let due = match &self.mode {
            Mode::Booting { until } => now >= *until,
            Mode::Busy { until, .. } => now >= *until,
            Mode::Data(up) => now >= up.last + up.timeout,
            _ => false,
        };
        if due {
            match std::mem::replace(&mut self.mode, Mode::Command) {
                Mode::Booting { .. } => {
                    let lines = self.cfg.vendor.boot_lines(self.dev.sim_state());
                    self.urcs.extend(lines);
                }
                Mode::Busy { verdict, .. } => {
                    self.finish(now, verdict, step);
                    let deferred = std::mem::take(&mut self.deferred);
                    self.feed(now, &deferred, step);
                }
                Mode::Data(up) => {
                    self.mode = Mode::Data(up);
                    self.finish_upload(now, step);
                }
                other => self.mode = other,
            }
        }
        if self.powered() {
            let mut ev = Events::default();
            self.dev.tick(&self.cfg, now, &mut ev);
            self.apply(now, ev, step);
        }
    }

    fn apply(&mut self, now: Instant, ev: Events, step: &mut Step) {
        // A Quectel told to send its URCs to another port says nothing here.
        if self.dev.vendor_settings.urcs_here() {
            self.urcs.extend(ev.urcs);
        }
        while self.urcs.len() > MAX_URCS {
            self.urcs.pop_front();
        }
        step.effects.extend(ev.effects);
        step.audio.extend(ev.audio_out);
        if let Some((lines, fin)) = ev.dial {
            if matches!(self.mode, Mode::Dialing) {
                self.mode = Mode::Command;
                self.answer(&lines, fin, &[], step);
                self.command_done(now, step);
            }
        }
    }

    /// When `tick` next has something to do.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let mode = match &self.mode {
            Mode::Busy { until, .. } | Mode::Booting { until } => Some(*until),
            Mode::Data(up) => Some(up.last + up.timeout),
            _ => None,
        };
        let dev = self.dev.deadline().filter(|_| self.powered());
        let noise = self.noise.deadline().filter(|_| self.live());
        [mode, dev, noise].into_iter().flatten().min()
    }

    /// Queues an unsolicited line for the next line boundary (a test's "RDY", a +CMTI...).
    pub(super) fn inject(&mut self, line: String) {
        self.injected.push_back(line);
    }

    pub(super) fn set_latency(&mut self, latency: Duration) {
        self.cfg.latency = latency;
    }

    /// A hung modem: no echo, no answer, no unsolicited line, until `resume`.
    pub(super) fn hang(&mut self) {
        if !matches!(self.mode, Mode::Closed) {
            self.mode = Mode::Hung;
        }
    }

    pub(super) fn resume(&mut self) {
        if matches!(self.mode, Mode::Hung) {
            self.mode = Mode::Command;
        }
    }

    /// A reboot: an SMS in the network's hands (+CMGS not answered yet) went out or not per
    /// `sent`, without an answer; the call drops; silence for `boot`, then the boot lines.
    pub(super) fn reboot(&mut self, now: Instant, sent: bool, step: &mut Step) {
        if let Mode::Busy { verdict, .. } = std::mem::replace(&mut self.mode, Mode::Command) {
            if sent {
                if let Outcome::Sent {
                    complete,
                    mr,
                    report_to,
                } = self.network.complete(verdict)
                {
                    step.effects.extend(complete.map(Effect::Record));
                    self.schedule_report(now, mr, report_to);
                }
            }
        }
        self.power_cycle(now, step);
        self.mode = Mode::Booting {
            until: now + self.cfg.boot,
        };
    }

    /// The port was closed from outside (unplugged): off until `power_up`.
    pub(super) fn unplugged(&mut self, now: Instant, step: &mut Step) {
        self.power_cycle(now, step);
        self.mode = Mode::Closed;
    }

    /// Plugged in again: boots like a reboot.
    pub(super) fn power_up(&mut self, now: Instant, step: &mut Step) {
        self.power_cycle(now, step);
        self.mode = Mode::Booting {
            until: now + self.cfg.boot,
        };
    }

    fn power_cycle(&mut self, now: Instant, step: &mut Step) {
        let mut ev = Events::default();
        self.dev.power_cycle(&self.cfg, now, &mut ev);
        step.effects.extend(ev.effects);
        self.line.clear();
        self.pdu.clear();
        self.deferred.clear();
        self.urcs.clear();
        self.after_cr = false;
    }

    fn schedule_report(&mut self, now: Instant, mr: u8, to: Option<String>) {
        if let Some(to) = to {
            let scts = self.cfg.clock.at(now);
            self.dev.reports.schedule(now, scts, mr, &to);
        }
    }

    /// Powered: not booting, not unplugged. The network and timers run.
    fn powered(&self) -> bool {
        !matches!(self.mode, Mode::Booting { .. } | Mode::Closed)
    }

    /// Talking: powered, not hung.
    fn live(&self) -> bool {
        self.powered() && !matches!(self.mode, Mode::Hung)
    }

    /// Where an unsolicited line cannot split an answer or the echo of a half-typed command.
    fn at_boundary(&self) -> bool {
        match self.mode {
            Mode::Command => self.line.is_empty() || !self.dev.modem.settings.echo,
            Mode::Busy { .. } | Mode::Dialing => true,
            _ => false,
        }
    }

    /// Frames an answer, with noise at its boundaries when enabled.
    fn answer(&mut self, lines: &[String], fin: Final, after: &[String], step: &mut Step) {
        self.maybe_noise(step);
        for l in lines {
            info(l, &mut step.out);
        }
        if !lines.is_empty() {
            self.maybe_noise(step);
        }
        fin.write(self.dev.modem.settings.cmee, &mut step.out);
        for l in after {
            info(l, &mut step.out);
        }
        self.maybe_noise(step);
    }

    /// After a command's final result: `--stop-after`, `--close-after` and `--reboot-after`
    /// count from here.
    fn command_done(&mut self, now: Instant, step: &mut Step) {
        let reached = |limit: Option<u64>| limit.is_some_and(|n| self.commands >= n);
        if !self.stop_fired && reached(self.cfg.stop_after) {
            self.stop_fired = true;
            self.mode = Mode::Hung;
        }
        if !self.close_fired && reached(self.cfg.close_after) {
            self.close_fired = true;
            self.mode = Mode::Closed;
            step.effects.push(Effect::Close);
        }
        if !self.reboot_fired && reached(self.cfg.reboot_after) {
            self.reboot_fired = true;
            self.reboot(now, true, step);
        }
    }

    fn maybe_noise(&mut self, step: &mut Step) {
        if let Some(line) = self.noise.maybe() {
            info(line, &mut step.out);
        }
    }

    /// The modem's lines at a boundary while it talks; a test's lines even from a hung one.
    fn flush(&mut self, step: &mut Step) {
        while self.live() && self.at_boundary() {
            let Some(line) = self.urcs.pop_front() else {
                break;
            };
            info(&line, &mut step.out);
        }
        while self.at_boundary() || matches!(self.mode, Mode::Hung) {
            let Some(line) = self.injected.pop_front() else {
                break;
            };
            info(&line, &mut step.out);
        }
    }
}

/// An information or unsolicited line: `\r\n<text>\r\n` (V.250 §5.7.1 with V1).
fn info(line: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
}
