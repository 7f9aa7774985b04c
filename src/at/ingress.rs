//! Ingress: sorts the framed lines into the answer of the command in flight, the `+CMGS`
//! prompt, and unsolicited result codes — with no I/O, so every rule here is table-tested,
//! byte by byte.
//!
//! The rules, in order, for each line:
//! 1. The PDU line owed by a `+CMT`/`+CDS`/`+CBM` header completes that URC.
//! 2. The echo of the command (or of the PDU we sent) is dropped, whether or not `ATE0` took
//!    effect; so is a late echo when no command is in flight.
//! 3. A final result code ends the command in flight; with none in flight, `NO CARRIER`,
//!    `BUSY` and `NO ANSWER` are call events and a stray `OK`/`ERROR` is dropped. The
//!    call-ending codes end only a dial or answer command (`ATD`, `ATA`: V.250 §6.3.1); while
//!    any other command waits they are call events too (a caller hanging up on the SIM
//!    mid-`+CMGS` must not end the send). A command answered by a result code alone also
//!    takes the numeric `0` (OK) and `4` (ERROR) of a modem left in `ATV0` (V.250 §6.2.6),
//!    so bring-up can reach it to switch it back.
//! 4. A line starting with the command's answer prefix (`+CSQ:` for `AT+CSQ`) is part of the
//!    answer — except a one-field `+CREG: <stat>` while `AT+CREG?` waits, which is the URC.
//!    A hex line right after a prefix line is that line's PDU (`+CMGR`, `+CMGL`).
//! 5. Commands answered by bare text (`AT+CGMI`, `AT+CGSN`, ...) take any line that is not
//!    unsolicited.
//! 6. Everything else is a URC.

use super::digest::{Digester, Token};
use super::result::{parse_final, ErrorCode, FinalResult};
use super::urc::{self, Body, PduUrc, Urc, REGISTRATION_PREFIXES};

/// How a command is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The command line without its CR, e.g. `AT+CSQ`.
    pub text: String,
    /// Prefix of the information lines that answer it (`+CSQ:`), if any.
    pub prefix: Option<String>,
    /// Answered by bare text lines (identity commands).
    pub bare: bool,
    /// Waits for the `> ` prompt (`+CMGS`) or `CONNECT` (`+QFUPL`) before its data.
    pub prompt: bool,
    /// Holds a secret (a SIM PIN): never logged.
    pub sensitive: bool,
}

impl CommandSpec {
    /// A command answered by a final result code only.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            prefix: None,
            bare: false,
            prompt: false,
            sensitive: false,
        }
    }

    /// A command whose information lines start with `prefix`.
    pub fn prefixed(text: impl Into<String>, prefix: &str) -> Self {
        Self {
            prefix: Some(prefix.to_string()),
            ..Self::plain(text)
        }
    }

    /// A command answered by bare text lines (also accepted with the `prefix`, which some
    /// firmware adds: `+CGMI: Quectel`).
    pub fn bare(text: impl Into<String>, prefix: &str) -> Self {
        Self {
            bare: true,
            ..Self::prefixed(text, prefix)
        }
    }

    /// A command that asks for data after the `> ` prompt.
    pub fn with_prompt(text: impl Into<String>, prefix: &str) -> Self {
        Self {
            prompt: true,
            ..Self::prefixed(text, prefix)
        }
    }

    /// Whether `NO CARRIER`, `BUSY`, `NO ANSWER` and `NO DIALTONE` end this command: only
    /// dialling and answering (V.250 §6.3.1, §6.3.5) have them as results — and hanging up
    /// (`ATH`), which some modems answer with `NO CARRIER`.
    pub fn places_calls(&self) -> bool {
        starts_ci(&self.text, "ATD")
            || starts_ci(&self.text, "ATH")
            || self.text.eq_ignore_ascii_case("ATA")
    }

    /// Answered by a final result code alone (no information lines, no data).
    fn result_only(&self) -> bool {
        self.prefix.is_none() && !self.bare && !self.prompt
    }

    /// Marks the command as holding a secret.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// How the command may be logged.
    pub fn loggable(&self) -> &str {
        if self.sensitive {
            "<command with a secret>"
        } else {
            &self.text
        }
    }
}

/// What the ingress saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Urc(Urc),
    /// The command in flight got its `> ` prompt: send the data.
    Prompt,
    /// The command in flight ended: its information lines, or the error.
    Done(Result<Vec<String>, ErrorCode>),
}

#[derive(Debug)]
struct Pending {
    spec: CommandSpec,
    lines: Vec<String>,
    awaiting_prompt: bool,
    data_echo: Option<String>,
    after_prefix_line: bool,
}

/// The ingress state: the digester, the command in flight, a URC waiting for its PDU line.
#[derive(Debug, Default)]
pub struct Ingress {
    digester: Digester,
    pending: Option<Pending>,
    urc_body: Option<PduUrc>,
}

impl Ingress {
    pub fn new() -> Self {
        Self::default()
    }

    /// A command was written: lines from now on may answer it.
    pub fn start(&mut self, spec: CommandSpec) {
        self.pending = Some(Pending {
            awaiting_prompt: spec.prompt,
            spec,
            lines: Vec::new(),
            data_echo: None,
            after_prefix_line: false,
        });
    }

    /// The data after the prompt was written (its echo is dropped).
    pub fn data_sent(&mut self, data: &str) {
        if let Some(p) = &mut self.pending {
            p.awaiting_prompt = false;
            p.data_echo = Some(data.to_string());
        }
    }

    /// Gives up on the command in flight (timeout): later lines are URCs or dropped.
    pub fn abandon(&mut self) {
        self.pending = None;
    }

    /// Whether a command is in flight.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Drops buffered bytes (resynchronisation).
    pub fn clear(&mut self) {
        self.digester.clear();
        self.urc_body = None;
    }

    /// Bytes from the port.
    pub fn push(&mut self, bytes: &[u8]) {
        self.digester.push(bytes);
    }

    /// The next event, or `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<Event> {
        loop {
            let expect_prompt = self.pending.as_ref().is_some_and(|p| p.awaiting_prompt);
            match self.digester.next(expect_prompt)? {
                Token::Prompt => {
                    if let Some(p) = &mut self.pending {
                        p.awaiting_prompt = false;
                    }
                    return Some(Event::Prompt);
                }
                Token::Line(line) => {
                    if let Some(event) = self.line(line) {
                        return Some(event);
                    }
                }
            }
        }
    }

    fn line(&mut self, line: String) -> Option<Event> {
        if let Some(kind) = self.urc_body.take() {
            if is_hex(&line) {
                return Some(Event::Urc(kind.with_pdu(line)));
            }
            // The PDU never came: the header alone is useless; read this line afresh.
        }
        if self.is_echo(&line) {
            return None;
        }
        if let Some(result) = parse_final(&line).or_else(|| self.numeric_result(&line)) {
            return self.final_result(result, line);
        }
        if let Some(p) = &mut self.pending {
            if p.is_answer(&line) {
                p.after_prefix_line = p.spec.prefix.as_ref().is_some_and(|x| starts_ci(&line, x));
                p.lines.push(line);
                return None;
            }
            p.after_prefix_line = false;
        }
        match urc::parse(&line) {
            Some((_, Body::Pdu(kind))) => {
                self.urc_body = Some(kind);
                None
            }
            Some((urc, Body::None)) => Some(Event::Urc(urc)),
            None => Some(Event::Urc(Urc::Other(line))),
        }
    }

    fn is_echo(&self, line: &str) -> bool {
        match &self.pending {
            Some(p) => {
                line.eq_ignore_ascii_case(&p.spec.text)
                    || p.data_echo.as_deref().is_some_and(|d| line == d)
            }
            // A late echo, or a command typed by someone else on the port.
            None => starts_ci(line, "AT"),
        }
    }

    /// `0` / `4`: OK / ERROR in numeric form (`ATV0`), for a command answered by them alone.
    fn numeric_result(&self, line: &str) -> Option<FinalResult> {
        let p = self.pending.as_ref().filter(|p| p.spec.result_only())?;
        match line {
            "0" => Some(FinalResult::Ok),
            "4" if !p.awaiting_prompt => Some(FinalResult::Error(ErrorCode::Plain)),
            _ => None,
        }
    }

    fn final_result(&mut self, result: FinalResult, line: String) -> Option<Event> {
        // A call ending while some other command waits is an event, not that command's end.
        if let (FinalResult::Error(code), Some(p)) = (&result, &self.pending) {
            if is_call_result(code) && !p.spec.places_calls() {
                return Some(Event::Urc(Urc::CallEnded(code.clone())));
            }
        }
        // `CONNECT` to a command waiting for its data (a file upload) is its prompt.
        if let (FinalResult::Connect, Some(p)) = (&result, &mut self.pending) {
            if p.awaiting_prompt {
                p.awaiting_prompt = false;
                return Some(Event::Prompt);
            }
        }
        match self.pending.take() {
            Some(p) => Some(Event::Done(match result {
                FinalResult::Ok | FinalResult::Connect => Ok(p.lines),
                FinalResult::Error(code) => Err(code),
            })),
            // A stray OK/ERROR (the late answer of a command that timed out) is dropped.
            None => urc::parse(&line).map(|(urc, _)| Event::Urc(urc)),
        }
    }
}

impl Pending {
    fn is_answer(&self, line: &str) -> bool {
        if let Some(prefix) = &self.spec.prefix {
            if starts_ci(line, prefix) {
                let registration = REGISTRATION_PREFIXES
                    .iter()
                    .any(|(p, _)| p.eq_ignore_ascii_case(prefix));
                return !registration || urc::is_registration_answer(line);
            }
            if self.after_prefix_line && is_hex(line) {
                return true;
            }
        }
        self.spec.bare && urc::parse(line).is_none()
    }
}

fn is_call_result(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::NoCarrier | ErrorCode::Busy | ErrorCode::NoAnswer | ErrorCode::NoDialtone
    )
}

fn starts_ci(line: &str, prefix: &str) -> bool {
    line.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

fn is_hex(line: &str) -> bool {
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests;
