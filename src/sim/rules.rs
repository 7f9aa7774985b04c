//! The values of the simulator's repeatable options, parsed from the command line or built in
//! code: injected `+CMS ERROR`s, status-report outcomes (TS 23.040 §9.2.3.15 TP-ST), SMS
//! preloaded on the SIM, and the scripted fate of voice calls per number.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// `NUMBER:CODE`: SMS to NUMBER (the decoded destination, e.g. "+33600000001") answer
/// `+CMS ERROR: CODE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRule {
    pub number: String,
    pub code: u16,
}

impl FromStr for ErrorRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (number, code) = s.rsplit_once(':').ok_or("expected NUMBER:CODE")?;
        if number.is_empty() {
            return Err("the number is empty".into());
        }
        Ok(ErrorRule {
            number: number.to_string(),
            code: cms_code(code)?,
        })
    }
}

/// `FRACTION:CODE`: that fraction (0 to 1) of all SMS answer `+CMS ERROR: CODE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRate {
    pub fraction: f64,
    pub code: u16,
}

impl FromStr for ErrorRate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (fraction, code) = s.split_once(':').ok_or("expected FRACTION:CODE")?;
        let fraction: f64 = fraction.parse().map_err(|e| format!("fraction: {e}"))?;
        if !(0.0..=1.0).contains(&fraction) {
            return Err("the fraction must be between 0 and 1".into());
        }
        Ok(ErrorRate {
            fraction,
            code: cms_code(code)?,
        })
    }
}

fn cms_code(code: &str) -> Result<u16, String> {
    match code.parse::<u16>() {
        Ok(c) if c <= 511 => Ok(c),
        _ => Err(format!("{code:?} is not a +CMS ERROR code (0-511)")),
    }
}

/// A TP-ST value, "0x41" or "65". 0x00 delivered; 0x20-0x3F temporary, the SC still trying
/// (0x20 congestion); 0x40-0x4F permanent (0x41 incompatible destination); 0x60-0x6F
/// temporary, the SC gave up.
pub fn parse_status(s: &str) -> Result<u8, String> {
    let s = s.trim();
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("{s:?} is not a TP-ST octet (0-255, or 0x00-0xFF)"))
}

/// `NUMBER:ST[,ST...]`: the status reports for SMS to NUMBER, in order: "0x20,0x00" is a
/// temporary report first, then the final one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRule {
    pub number: String,
    pub statuses: Vec<u8>,
}

impl FromStr for ReportRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (number, statuses) = s.rsplit_once(':').ok_or("expected NUMBER:ST[,ST...]")?;
        if number.is_empty() {
            return Err("the number is empty".into());
        }
        Ok(ReportRule {
            number: number.to_string(),
            statuses: parse_statuses(statuses)?,
        })
    }
}

/// A comma-separated list of TP-ST values, at least one.
pub fn parse_statuses(s: &str) -> Result<Vec<u8>, String> {
    let statuses = s
        .split(',')
        .map(parse_status)
        .collect::<Result<Vec<u8>, String>>()?;
    if statuses.len() > 8 {
        return Err("at most 8 reports per message".into());
    }
    Ok(statuses)
}

/// `FROM:TEXT`: an SMS already on the SIM at power-up (received, unread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadSms {
    pub from: String,
    pub text: String,
}

impl FromStr for PreloadSms {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (from, text) = s.split_once(':').ok_or("expected FROM:TEXT")?;
        if from.is_empty() {
            return Err("the sender is empty".into());
        }
        Ok(PreloadSms {
            from: from.to_string(),
            text: text.to_string(),
        })
    }
}

/// What the called party does with one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallOutcome {
    /// Answers after `--answer-ms`; hangs up this many ms later if given ("answer/3000").
    Answer { hangup_after_ms: Option<u64> },
    /// The line is busy: BUSY.
    Busy,
    /// Rings until the caller gives up.
    NoAnswer,
    /// Rejects the call while it rings: NO CARRIER.
    Reject,
}

impl FromStr for CallOutcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (word, hangup) = match s.split_once('/') {
            Some((w, ms)) => {
                let ms = ms
                    .parse::<u64>()
                    .map_err(|_| format!("{ms:?}: expected answer/MS"))?;
                (w, Some(ms))
            }
            None => (s, None),
        };
        Ok(match (word, hangup) {
            ("answer", hangup_after_ms) => CallOutcome::Answer { hangup_after_ms },
            ("busy", None) => CallOutcome::Busy,
            ("no-answer", None) => CallOutcome::NoAnswer,
            ("reject", None) => CallOutcome::Reject,
            _ => {
                return Err(format!(
                    "{s:?}: expected answer[/MS], busy, no-answer or reject"
                ))
            }
        })
    }
}

/// `NUMBER:OUTCOME[,OUTCOME...]`: the fate of successive calls to NUMBER ("*" for every
/// number without a script of its own); the last outcome repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallScript {
    pub number: String,
    pub outcomes: Vec<CallOutcome>,
}

impl CallScript {
    pub fn new(number: &str, outcomes: &str) -> Result<CallScript, String> {
        if number.is_empty() {
            return Err("the number is empty".into());
        }
        let outcomes = outcomes
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<CallOutcome>, String>>()?;
        Ok(CallScript {
            number: number.to_string(),
            outcomes,
        })
    }
}

impl FromStr for CallScript {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (number, outcomes) = s.split_once(':').ok_or("expected NUMBER:OUTCOME[,...]")?;
        CallScript::new(number, outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statuses_and_scripts() {
        assert_eq!(parse_status("0x41"), Ok(0x41));
        assert_eq!(parse_status("65"), Ok(65));
        assert!(parse_status("0x100").is_err() && parse_status("").is_err());
        assert_eq!(
            "+33612345678:0x20,0x00".parse::<ReportRule>(),
            Ok(ReportRule {
                number: "+33612345678".into(),
                statuses: vec![0x20, 0],
            })
        );
        assert!(":0".parse::<ReportRule>().is_err());
        assert_eq!(
            "+331:hi: there".parse::<PreloadSms>(),
            Ok(PreloadSms {
                from: "+331".into(),
                text: "hi: there".into()
            })
        );
        let script: CallScript = "+331:busy,no-answer,answer/2500,reject".parse().unwrap();
        assert_eq!(
            script.outcomes,
            vec![
                CallOutcome::Busy,
                CallOutcome::NoAnswer,
                CallOutcome::Answer {
                    hangup_after_ms: Some(2500)
                },
                CallOutcome::Reject
            ]
        );
        for bad in [
            "+331:",
            "+331:ring",
            ":answer",
            "+331:busy/5",
            "+331:answer/x",
        ] {
            assert!(bad.parse::<CallScript>().is_err(), "{bad}");
        }
    }
}
