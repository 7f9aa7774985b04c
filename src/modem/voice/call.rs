//! Call control: dial, wait for the answer, hang up.
//!
//! `ATD<number>;` places a voice call (the `;`, V.250 §6.3.1 / 27.007 §6.2). With `+COLP`
//! off — the default, and what we rely on — modems answer `OK` at once; the call's fate then
//! shows in `AT+CLCC` (27.007 §7.18: `<stat>` 2 dialing, 3 alerting, 0 active) and in the
//! result codes that end it: `BUSY`, `NO ANSWER`, `NO CARRIER` (refused, or cut). We poll
//! `+CLCC` every half second and watch the URCs; a call that rings past the ring timeout is
//! hung up and counts as no answer. `AT+CHUP` ends the call (27.007 §6.5), `ATH` where a
//! modem does not know it.

use super::{CallCtx, VoiceError};
use crate::at::command::Command;
use crate::at::{CommandSpec, ErrorCode, Urc};
use crate::modem::AtError;
use std::time::Duration;
use tokio::time::Instant;

/// How often `+CLCC` is read while the call rings.
const POLL: Duration = Duration::from_millis(500);

/// How dialling ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialled {
    Answered,
    /// Not answered: how, and why in words.
    NotAnswered(Ending, String),
}

/// How an unanswered call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Busy,
    NoAnswer,
    /// `NO CARRIER` before an answer: refused, or cut by the network.
    Rejected,
    Failed,
}

/// `<stat>` of our call in a `+CLCC` answer (`+CLCC: <id>,<dir>,<stat>,<mode>,...`), voice
/// calls (`<mode>` 0) we placed (`<dir>` 0) only.
pub fn call_state(lines: &[String]) -> Option<u8> {
    lines.iter().find_map(|l| {
        let rest = l.strip_prefix("+CLCC:")?;
        let f: Vec<&str> = rest.split(',').map(str::trim).collect();
        let (dir, stat, mode) = (f.get(1)?, f.get(2)?, f.get(3)?);
        (*dir == "0" && *mode == "0").then(|| stat.parse().ok())?
    })
}

/// Dials `number` and waits until the call is answered, refused, or rings out.
pub async fn dial(
    call: &mut CallCtx<'_>,
    number: &str,
    ring_timeout: Duration,
) -> Result<Dialled, VoiceError> {
    let digits: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let atd = Command::raw(&format!("ATD{digits};")).with_timeout(Duration::from_secs(30));
    match call.modem.command(atd).await {
        Ok(_) => {}
        Err(AtError::Failed { code, .. }) => return Ok(not_answered(&code)),
        Err(e) => return Err(e.into()),
    }
    let deadline = Instant::now() + ring_timeout;
    let mut seen = false;
    loop {
        while let Ok(urc) = call.urcs.try_recv() {
            match urc {
                Urc::CallEnded(code) => return Ok(not_answered(&code)),
                Urc::Ready => return Err(VoiceError::Rebooted),
                other => call.deferred.push(other),
            }
        }
        let lines = call.modem.command(clcc()).await?;
        match call_state(&lines) {
            Some(0) => return Ok(Dialled::Answered),
            Some(_) => seen = true,
            // Gone from the list without a result code: refused or cut.
            None if seen => {
                return Ok(Dialled::NotAnswered(
                    Ending::Rejected,
                    "the call ended before it was answered".into(),
                ))
            }
            None => {}
        }
        if Instant::now() >= deadline {
            hang_up(call).await?;
            return Ok(Dialled::NotAnswered(
                Ending::NoAnswer,
                format!("no answer within {} s", ring_timeout.as_secs()),
            ));
        }
        let wake = (Instant::now() + POLL).min(deadline);
        // Sleep, but wake for a URC (BUSY arrives between polls).
        if let Ok(Some(urc)) = tokio::time::timeout_at(wake, call.urcs.recv()).await {
            match urc {
                Urc::CallEnded(code) => return Ok(not_answered(&code)),
                Urc::Ready => return Err(VoiceError::Rebooted),
                other => call.deferred.push(other),
            }
        }
    }
}

fn not_answered(code: &ErrorCode) -> Dialled {
    let result = match code {
        ErrorCode::Busy => Ending::Busy,
        ErrorCode::NoAnswer => Ending::NoAnswer,
        ErrorCode::NoCarrier => Ending::Rejected,
        _ => Ending::Failed,
    };
    let reason = match result {
        Ending::Busy => "busy".to_string(),
        Ending::NoAnswer => "no answer".to_string(),
        Ending::Rejected => "refused or cut before it was answered (NO CARRIER)".to_string(),
        _ => format!("the call could not be placed: {code}"),
    };
    Dialled::NotAnswered(result, reason)
}

fn clcc() -> Command {
    Command {
        spec: CommandSpec::prefixed("AT+CLCC", "+CLCC:"),
        timeout: None,
    }
}

/// Ends the call: `AT+CHUP`, or `ATH` where the modem does not know `+CHUP`.
pub async fn hang_up(call: &mut CallCtx<'_>) -> Result<(), VoiceError> {
    match call.modem.command(Command::raw("AT+CHUP")).await {
        Ok(_) => Ok(()),
        Err(AtError::Failed { .. }) => {
            call.modem.command(Command::raw("ATH")).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn clcc_states() {
        assert_eq!(
            call_state(&lines(&["+CLCC: 1,0,3,0,0,\"+33612345678\",145"])),
            Some(3)
        );
        assert_eq!(
            call_state(&lines(&["+CLCC: 1,0,0,0,0,\"+33612345678\",145"])),
            Some(0)
        );
        // An incoming call (dir 1) or a data call (mode 1) is not ours.
        assert_eq!(call_state(&lines(&["+CLCC: 2,1,4,0,0,\"+331\",145"])), None);
        assert_eq!(call_state(&lines(&["+CLCC: 1,0,0,1,0"])), None);
        assert_eq!(call_state(&[]), None);
    }

    #[test]
    fn result_codes() {
        assert_eq!(
            not_answered(&ErrorCode::Busy),
            Dialled::NotAnswered(Ending::Busy, "busy".into())
        );
        assert!(matches!(
            not_answered(&ErrorCode::NoCarrier),
            Dialled::NotAnswered(Ending::Rejected, _)
        ));
    }
}
