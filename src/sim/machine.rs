//! The simulated modem as a state machine: bytes in plus the current time give bytes out,
//! effects (an SMS for the record, closing the port) and the next timer deadline. No I/O and
//! no clock of its own, so every behaviour is a table of bytes in tests.
//!
//! What it models (ITU-T V.250 for the command line, 3GPP TS 27.005 §3.5.1 for AT+CMGS):
//! - a command line ends with CR (S3); LF also ends one, and an LF right after a CR is part of
//!   the same end; backspace edits; a line not starting with "AT" is ignored, as a real modem
//!   does with line noise;
//! - echo (E1 at power-up) sends back every byte as it is processed, the PDU and Ctrl-Z too;
//! - `AT+CMGS=<n>` answers the prompt `\r\n> ` and collects hex until Ctrl-Z (send) or ESC
//!   (cancel); the network takes `latency` to answer, during which input waits unprocessed as
//!   in a UART's buffer while unsolicited lines may still come;
//! - unsolicited "noise" only at line boundaries, so it never splits an answer line or echo.
//!
//! Later additions fit as more `Mode`s and timers: a delayed +CDS is a timer that injects a
//! line; +CMTI and AT+CMGR/+CMGL a message store beside `Modem`; voice calls a call state
//! driven by ATD and timers.

use super::commands::{execute, Identity, Modem, Next};
use super::errors::Final;
use super::network::{Faults, Network, Outcome, Verdict, MAX_PDU};
use super::noise::Noise;
use super::syntax;
use super::ReceivedSms;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;
/// A command line or a PDU longer than this is refused (real modems keep a few hundred bytes).
const MAX_LINE: usize = 1024;
/// Input that arrives while the modem is busy and that it keeps, as a UART FIFO would.
const MAX_DEFERRED: usize = 64 * 1024;

/// The modem's fixed traits, from the command line (see `SimOptions`).
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub identity: Identity,
    pub pin: Option<String>,
    pub registers: bool,
    pub latency: Duration,
    pub urc_noise: bool,
    pub stop_after: Option<u64>,
    pub close_after: Option<u64>,
    pub esc_answers_ok: bool,
    pub faults: Faults,
    pub seed: u64,
}

/// What the runner must do besides writing the output bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Effect {
    /// A complete SMS reached the phone: record it (before the +CMGS answer is written).
    Record(ReceivedSms),
    /// Close the port, as an unplugged USB modem (after writing the output).
    Close,
}

/// The result of one call: bytes for one write, then effects.
#[derive(Debug, Default)]
pub(super) struct Step {
    pub out: Vec<u8>,
    pub effects: Vec<Effect>,
}

#[derive(Debug)]
enum Mode {
    Command,
    Prompt { tpdu_len: usize },
    Busy { until: Instant, verdict: Verdict },
    Hung,
    Closed,
}

pub(super) struct Machine {
    cfg: Config,
    modem: Modem,
    mode: Mode,
    line: Vec<u8>,
    after_cr: bool,
    pdu: Vec<u8>,
    deferred: Vec<u8>,
    injected: VecDeque<String>,
    noise: Noise,
    network: Network,
    commands: u64,
    stop_fired: bool,
    close_fired: bool,
}

impl Machine {
    pub(super) fn new(cfg: Config) -> Machine {
        Machine {
            modem: Modem::power_up(cfg.pin.clone(), cfg.registers),
            noise: Noise::new(cfg.urc_noise, cfg.seed),
            network: Network::new(cfg.faults.clone(), cfg.seed),
            cfg,
            mode: Mode::Command,
            line: Vec::new(),
            after_cr: false,
            pdu: Vec::new(),
            deferred: Vec::new(),
            injected: VecDeque::new(),
            commands: 0,
            stop_fired: false,
            close_fired: false,
        }
    }

    /// AT command lines received so far (PDU lines not counted).
    pub(super) fn commands(&self) -> u64 {
        self.commands
    }

    /// Concatenated messages still waiting for parts at the phone.
    pub(super) fn incomplete_messages(&self) -> usize {
        self.network.incomplete()
    }

    /// Bytes from the port.
    pub(super) fn feed(&mut self, now: Instant, input: &[u8], step: &mut Step) {
        let mut rest = input;
        while !rest.is_empty() {
            let used = match self.mode {
                Mode::Command => self.command_bytes(rest, step),
                Mode::Prompt { tpdu_len } => self.prompt_bytes(now, tpdu_len, rest, step),
                Mode::Busy { .. } => {
                    let room = MAX_DEFERRED.saturating_sub(self.deferred.len());
                    self.deferred.extend(rest.iter().take(room));
                    break;
                }
                Mode::Hung | Mode::Closed => break,
            };
            rest = rest.get(used..).unwrap_or_default();
        }
        self.flush_injected(step);
    }

    /// Timers: the network's answer, noise. Call when `next_deadline` passes (or any time).
    pub(super) fn tick(&mut self, now: Instant, step: &mut Step) {
        if let Mode::Busy { until, .. } = self.mode {
            if now >= until {
                if let Mode::Busy { verdict, .. } = std::mem::replace(&mut self.mode, Mode::Command)
                {
                    self.finish(verdict, step);
                }
                let deferred = std::mem::take(&mut self.deferred);
                self.feed(now, &deferred, step);
            }
        }
        if self.live() {
            // The timer runs on; a line due mid-line is skipped, not queued.
            if let Some(line) = self.noise.idle(now).filter(|_| self.at_boundary()) {
                info(line, &mut step.out);
            }
        }
        self.flush_injected(step);
    }

    /// When `tick` next has something to do.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let busy = match self.mode {
            Mode::Busy { until, .. } => Some(until),
            _ => None,
        };
        let noise = self.noise.deadline().filter(|_| self.live());
        busy.into_iter().chain(noise).min()
    }

    /// Queues an unsolicited line for the next line boundary (a reboot's "RDY", a +CMTI...).
    pub(super) fn inject(&mut self, line: String) {
        self.injected.push_back(line);
    }

    pub(super) fn set_latency(&mut self, latency: Duration) {
        self.cfg.latency = latency;
    }

    /// A hung modem: no echo, no answer, no noise, until `resume`.
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

    /// Power-up state: settings, SIM lock, buffers. The phone and the counters are kept.
    pub(super) fn reboot(&mut self) {
        self.modem = Modem::power_up(self.cfg.pin.clone(), self.cfg.registers);
        self.mode = Mode::Command;
        self.line.clear();
        self.pdu.clear();
        self.deferred.clear();
        self.after_cr = false;
    }

    /// The port was closed from outside (a control request): ignore everything until reboot.
    pub(super) fn unplugged(&mut self) {
        self.mode = Mode::Closed;
    }

    fn live(&self) -> bool {
        !matches!(self.mode, Mode::Hung | Mode::Closed)
    }

    /// Where an unsolicited line cannot split an answer or the echo of a half-typed command.
    fn at_boundary(&self) -> bool {
        match self.mode {
            Mode::Command => self.line.is_empty() || !self.modem.settings.echo,
            Mode::Busy { .. } => true,
            Mode::Prompt { .. } | Mode::Hung | Mode::Closed => false,
        }
    }

    /// Command mode: consumes up to and including one line end; returns bytes used.
    fn command_bytes(&mut self, chunk: &[u8], step: &mut Step) -> usize {
        let end = chunk
            .iter()
            .position(|&b| matches!(b, b'\r' | b'\n' | 0x08 | 0x7F));
        let (text, term) = match end {
            Some(p) => (chunk.get(..p).unwrap_or_default(), chunk.get(p).copied()),
            None => (chunk, None),
        };
        let echo_len = text.len() + usize::from(term.is_some());
        if self.modem.settings.echo {
            step.out
                .extend_from_slice(chunk.get(..echo_len).unwrap_or_default());
        }
        if !text.is_empty() {
            self.after_cr = false;
            let room = MAX_LINE.saturating_sub(self.line.len());
            self.line.extend(text.iter().take(room + 1));
        }
        match term {
            Some(b'\r') => {
                self.after_cr = true;
                self.end_of_line(step);
            }
            Some(b'\n') if std::mem::take(&mut self.after_cr) => {}
            Some(b'\n') => self.end_of_line(step),
            Some(_) => {
                self.after_cr = false;
                self.line.pop();
            }
            None => {}
        }
        echo_len
    }

    fn end_of_line(&mut self, step: &mut Step) {
        let raw = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&raw);
        let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
        let Some(body) = text
            .get(..2)
            .filter(|at| at.eq_ignore_ascii_case("AT"))
            .and_then(|_| text.get(2..))
        else {
            return;
        };
        self.commands += 1;
        let cmds = syntax::parse(body).filter(|_| raw.len() <= MAX_LINE);
        let Some(cmds) = cmds else {
            self.answer(&[], Final::Error, &[], step);
            return self.command_done(step);
        };
        let (mut lines, mut after) = (Vec::new(), Vec::new());
        let mut fin = Final::Ok;
        for cmd in &cmds {
            match execute(
                &mut self.modem,
                &self.cfg.identity,
                cmd,
                &mut lines,
                &mut after,
            ) {
                Next::Continue => {}
                Next::Stop(f) => {
                    fin = f;
                    break;
                }
                Next::Prompt(tpdu_len) => {
                    for l in &lines {
                        info(l, &mut step.out);
                    }
                    step.out.extend_from_slice(b"\r\n> ");
                    self.pdu.clear();
                    self.mode = Mode::Prompt { tpdu_len };
                    return;
                }
            }
        }
        self.answer(&lines, fin, &after, step);
        self.command_done(step);
    }

    /// Prompt mode: PDU hex until Ctrl-Z or ESC; returns bytes used.
    fn prompt_bytes(
        &mut self,
        now: Instant,
        tpdu_len: usize,
        chunk: &[u8],
        step: &mut Step,
    ) -> usize {
        let end = chunk.iter().position(|&b| b == CTRL_Z || b == ESC);
        let text = match end {
            Some(p) => chunk.get(..p).unwrap_or_default(),
            None => chunk,
        };
        let echo = self.modem.settings.echo;
        if echo {
            step.out.extend_from_slice(text);
        }
        // Line ends inside the PDU are tolerated; any other non-hex byte fails the decode.
        let room = MAX_PDU.saturating_sub(self.pdu.len());
        let hex = text.iter().filter(|b| !matches!(b, b'\r' | b'\n'));
        self.pdu.extend(hex.take(room + 1));
        match end {
            Some(p) if chunk.get(p) == Some(&CTRL_Z) => {
                if echo {
                    step.out.push(CTRL_Z);
                }
                self.submit(now, tpdu_len, step);
                p + 1
            }
            Some(p) => {
                self.pdu.clear();
                self.mode = Mode::Command;
                if self.cfg.esc_answers_ok {
                    self.answer(&[], Final::Ok, &[], step);
                }
                self.command_done(step);
                p + 1
            }
            None => chunk.len(),
        }
    }

    /// Ctrl-Z: judge the PDU now, answer after the network's latency.
    fn submit(&mut self, now: Instant, tpdu_len: usize, step: &mut Step) {
        let pdu = std::mem::take(&mut self.pdu);
        let registered = self.modem.reg_stat() == 1;
        let verdict = self.network.judge(&pdu, tpdu_len, registered);
        if self.cfg.latency.is_zero() {
            self.mode = Mode::Command;
            self.finish(verdict, step);
        } else {
            let until = now + self.cfg.latency;
            self.mode = Mode::Busy { until, verdict };
        }
    }

    fn finish(&mut self, verdict: Verdict, step: &mut Step) {
        match self.network.complete(verdict) {
            Outcome::Sent { mr, complete } => {
                step.effects.extend(complete.map(Effect::Record));
                self.answer(&[format!("+CMGS: {mr}")], Final::Ok, &[], step);
            }
            Outcome::Refused(code) => self.answer(&[], Final::Cms(code), &[], step),
        }
        self.command_done(step);
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
        fin.write(self.modem.settings.cmee, &mut step.out);
        for l in after {
            info(l, &mut step.out);
        }
        self.maybe_noise(step);
    }

    /// After a command's final result: `--stop-after` and `--close-after` count from here.
    fn command_done(&mut self, step: &mut Step) {
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
    }

    fn maybe_noise(&mut self, step: &mut Step) {
        if let Some(line) = self.noise.maybe() {
            info(line, &mut step.out);
        }
    }

    /// Injected lines go out even from a hung modem: a test asked for them explicitly.
    fn flush_injected(&mut self, step: &mut Step) {
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
