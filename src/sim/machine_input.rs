//! The machine's input side, mode by mode: the command line (V.250 §5.2 framing, echo,
//! backspace), the +CMGS prompt and the network's verdict, the bytes of a file upload, an
//! ATD waiting for its call, and the PCM of the audio port.

use super::super::commands::Next;
use super::super::errors::Final;
use super::super::network::{Outcome, Verdict};
use super::super::syntax;
use super::{info, Effect, Machine, Mode, Step};
use std::time::Instant;

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;
/// A command line or a PDU longer than this is refused (real modems keep a few hundred
/// bytes; the UCS-2 hex of a long TTS text needs more).
const MAX_LINE: usize = 2048;
/// Input that arrives while the modem is busy and that it keeps, as a UART FIFO would.
const MAX_DEFERRED: usize = 64 * 1024;
/// Quectel's upload ack mode: an "A" after every this many octets.
const ACK_EVERY: usize = 1024;

impl Machine {
    /// Bytes from the port.
    pub(in super::super) fn feed(&mut self, now: Instant, input: &[u8], step: &mut Step) {
        self.timers(now, step);
        self.flush(step);
        let mut rest = input;
        while !rest.is_empty() {
            let used = match self.mode {
                Mode::Command => self.command_bytes(now, rest, step),
                Mode::Prompt { tpdu_len } => self.prompt_bytes(now, tpdu_len, rest, step),
                Mode::Busy { .. } => {
                    let room = MAX_DEFERRED.saturating_sub(self.deferred.len());
                    self.deferred.extend(rest.iter().take(room));
                    break;
                }
                Mode::Dialing => self.dialing_bytes(now, rest, step),
                Mode::Data(_) => self.data_bytes(now, rest, step),
                Mode::Booting { .. } | Mode::Hung | Mode::Closed => break,
            };
            rest = rest.get(used..).unwrap_or_default();
        }
        self.flush(step);
    }

    /// Bytes from the audio port: PCM for the call it carries, if any.
    pub(in super::super) fn feed_audio(&mut self, input: &[u8], step: &mut Step) {
        if self.powered() {
            step.effects.extend(self.dev.feed_audio(&self.cfg, input));
        }
    }

    /// The LF of a CR LF that ended the previous command line: echoed, nothing more.
    fn trailing_lf(&mut self, chunk: &[u8], step: &mut Step) -> bool {
        if std::mem::take(&mut self.after_cr) && chunk.first() == Some(&b'\n') {
            if self.dev.modem.settings.echo {
                step.out.push(b'\n');
            }
            return true;
        }
        false
    }

    /// Command mode: consumes up to and including one line end; returns bytes used.
    fn command_bytes(&mut self, now: Instant, chunk: &[u8], step: &mut Step) -> usize {
        let end = chunk
            .iter()
            .position(|&b| matches!(b, b'\r' | b'\n' | 0x08 | 0x7F));
        let (text, term) = match end {
            Some(p) => (chunk.get(..p).unwrap_or_default(), chunk.get(p).copied()),
            None => (chunk, None),
        };
        let echo_len = text.len() + usize::from(term.is_some());
        if self.dev.modem.settings.echo {
            step.out
                .extend_from_slice(chunk.get(..echo_len).unwrap_or_default());
        }
        if !text.is_empty() {
            self.after_cr = false;
            let room = MAX_LINE.saturating_sub(self.line.len());
            // Control characters other than the line end and backspace (an ESC sent to get
            // out of a prompt that was not there, a stray Ctrl-Z) are ignored, V.250 §5.2.1.
            self.line
                .extend(text.iter().filter(|&&b| b >= 0x20).take(room + 1));
        }
        match term {
            Some(b'\r') => {
                self.after_cr = true;
                self.end_of_line(now, step);
            }
            Some(b'\n') if std::mem::take(&mut self.after_cr) => {}
            Some(b'\n') => self.end_of_line(now, step),
            Some(_) => {
                self.after_cr = false;
                self.line.pop();
            }
            None => {}
        }
        echo_len
    }

    fn end_of_line(&mut self, now: Instant, step: &mut Step) {
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
        self.log_command(text);
        let cmds = syntax::parse(body).filter(|_| raw.len() <= MAX_LINE);
        let Some(cmds) = cmds else {
            self.answer(&[], Final::Error, &[], step);
            return self.command_done(now, step);
        };
        let (mut lines, mut after) = (Vec::new(), Vec::new());
        let mut fin = Final::Ok;
        for cmd in &cmds {
            let next = self
                .dev
                .execute(&self.cfg, now, cmd, &mut lines, &mut after);
            step.effects.append(&mut self.dev.effects);
            let mode = match next {
                Next::Continue => continue,
                Next::Stop(f) => {
                    fin = f;
                    break;
                }
                Next::Prompt(tpdu_len) => {
                    self.pdu.clear();
                    Mode::Prompt { tpdu_len }
                }
                Next::Dial => Mode::Dialing,
                Next::Upload(up) => Mode::Data(up),
            };
            // The command waits for more: its intermediate lines now, the final result later.
            for l in lines.iter().chain(&after) {
                info(l, &mut step.out);
            }
            match &mode {
                Mode::Prompt { .. } => step.out.extend_from_slice(b"\r\n> "),
                Mode::Data(up) => step.out.extend_from_slice(up.intro()),
                _ => {}
            }
            self.mode = mode;
            return;
        }
        self.answer(&lines, fin, &after, step);
        self.command_done(now, step);
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
        let echo = self.dev.modem.settings.echo;
        if echo {
            step.out.extend_from_slice(text);
        }
        // Line ends inside the PDU are tolerated; any other non-hex byte fails the decode.
        let room = super::super::network::MAX_PDU.saturating_sub(self.pdu.len());
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
                self.command_done(now, step);
                p + 1
            }
            None => chunk.len(),
        }
    }

    /// ATD waiting for its call: any character aborts it (V.250 §6.3.1), NO CARRIER.
    fn dialing_bytes(&mut self, now: Instant, chunk: &[u8], step: &mut Step) -> usize {
        if self.trailing_lf(chunk, step) {
            return 1;
        }
        self.dev.abort_dial(now);
        step.effects.append(&mut self.dev.effects);
        self.mode = Mode::Command;
        self.answer(&[], Final::NoCarrier, &[], step);
        self.command_done(now, step);
        1
    }

    /// An upload: raw octets, no echo, up to the announced size.
    fn data_bytes(&mut self, now: Instant, chunk: &[u8], step: &mut Step) -> usize {
        if self.trailing_lf(chunk, step) {
            return 1;
        }
        let Mode::Data(up) = &mut self.mode else {
            return chunk.len();
        };
        let take = chunk.len().min(up.size.saturating_sub(up.data.len()));
        for &b in chunk.get(..take).unwrap_or_default() {
            up.data.push(b);
            if up.ack && up.data.len() % ACK_EVERY == 0 {
                step.out.push(b'A');
            }
        }
        up.last = now;
        if up.data.len() >= up.size {
            self.finish_upload(now, step);
        }
        take
    }

    /// Ctrl-Z: judge the PDU now, answer after the network's latency (or reboot instead).
    fn submit(&mut self, now: Instant, tpdu_len: usize, step: &mut Step) {
        let pdu = std::mem::take(&mut self.pdu);
        let registered = self.dev.modem.reg_stat() == 1;
        let verdict = self.network.judge(&pdu, tpdu_len, registered);
        self.submissions += 1;
        if let Some((n, sent)) = self.cfg.reboot_mid_cmgs {
            if !self.mid_cmgs_fired && self.submissions == n {
                self.mid_cmgs_fired = true;
                self.mode = Mode::Busy {
                    until: now,
                    verdict,
                };
                return self.reboot(now, sent, step);
            }
        }
        if self.cfg.latency.is_zero() {
            self.mode = Mode::Command;
            self.finish(now, verdict, step);
        } else {
            let until = now + self.cfg.latency;
            self.mode = Mode::Busy { until, verdict };
        }
    }

    pub(super) fn finish(&mut self, now: Instant, verdict: Verdict, step: &mut Step) {
        match self.network.complete(verdict) {
            Outcome::Sent {
                mr,
                complete,
                report_to,
            } => {
                step.effects.extend(complete.map(Effect::Record));
                self.schedule_report(now, mr, report_to);
                self.answer(&[format!("+CMGS: {mr}")], Final::Ok, &[], step);
            }
            Outcome::Refused(code) => self.answer(&[], Final::Cms(code), &[], step),
        }
        self.command_done(now, step);
    }

    /// All the data came, or it stopped for the timeout: store what came, answer.
    pub(super) fn finish_upload(&mut self, now: Instant, step: &mut Step) {
        if let Mode::Data(up) = std::mem::replace(&mut self.mode, Mode::Command) {
            let (lines, fin) = self.dev.files.finish(*up);
            self.answer(&lines, fin, &[], step);
            self.command_done(now, step);
        }
    }
}
