//! The `modem-tts` backend: the modem's own text-to-speech played into the call.
//!
//! - Quectel (EC2x/EG9x AT manual, `AT+QWTTS`): `AT+QWTTS=<ulmute>,<dlmute>,<mode>,<text>` —
//!   `<ulmute>` 1 sends the speech up the call to the far end (plain `AT+QTTS` plays only on
//!   the modem's own speaker), `<mode>` 2 ASCII text, 1 UCS-2 hex; `+QWTTS: 0` when done.
//! - SIMCom (SIM7600/SIM800 TTS application notes, `AT+CTTS`): `AT+CTTS=<mode>,<text>`, mode 2
//!   ASCII, 1 UCS-2 hex; `+CTTS: 0` when done. The SIM7600 plays it to the far end only after
//!   `AT+CDTAM=1`, which we send first (an error from a SIM800, which does not need it, is
//!   ignored).
//!
//! The modem's engine gets [`crate::voice::Script::plain_text`], in the requested language;
//! how well it reads a language is the modem's business (several only speak English and
//! Chinese — hw/ says which).

use super::{CallCtx, Playback, Speech, Vendor, VoiceError};
use crate::at::command::Command;
use crate::at::{CommandSpec, Urc};
use std::time::Duration;

pub struct ModemTts {
    vendor: Vendor,
}

impl ModemTts {
    pub fn new(vendor: Vendor) -> Result<Self, VoiceError> {
        match vendor {
            Vendor::Huawei => Err(VoiceError::Unsupported(
                "Huawei modems have no TTS into the call: use voice = \"pcm-serial\"".into(),
            )),
            v => Ok(Self { vendor: v }),
        }
    }
}

/// The text as a quoted AT string argument: ASCII as is (mode 2), anything else as UCS-2 hex
/// (mode 1). Quotes never reach the modem.
fn text_arg(text: &str) -> (u8, String) {
    let clean: String = text
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.is_ascii() {
        (2, clean)
    } else {
        let hex: String = clean.encode_utf16().map(|u| format!("{u:04X}")).collect();
        (1, hex)
    }
}

impl Playback for ModemTts {
    async fn play(&mut self, call: &mut CallCtx<'_>, speech: &Speech) -> Result<(), VoiceError> {
        let text = speech.script.plain_text();
        let (mode, arg) = text_arg(&text);
        let (line, done) = match self.vendor {
            Vendor::Quectel => (format!("AT+QWTTS=1,0,{mode},\"{arg}\""), "+QWTTS: 0"),
            _ => (format!("AT+CTTS={mode},\"{arg}\""), "+CTTS: 0"),
        };
        let cmd = Command {
            spec: CommandSpec::plain(line).sensitive(),
            timeout: Some(Duration::from_secs(10)),
        };
        if self.vendor == Vendor::Simcom {
            // SIM7600: TTS goes to the far end only with AT+CDTAM=1 (local audio to the
            // call); SIM800 plays into a call anyway and may not know the command.
            let _ = call.modem.command(Command::raw("AT+CDTAM=1")).await;
        }
        call.modem.command(cmd).await?;
        // Speech runs at about 150 words a minute: a generous bound per character.
        let chars = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
        let timeout = Duration::from_millis(chars.saturating_mul(200).saturating_add(15_000));
        call.wait_for(
            "end of the modem's speech",
            timeout,
            |u| matches!(u, Urc::Other(l) if l.trim() == done),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_modes() {
        assert_eq!(
            text_arg("Your code is: 4, 2."),
            (2, "Your code is: 4, 2.".into())
        );
        assert_eq!(text_arg("say \"x\""), (2, "say x".into()));
        assert_eq!(text_arg("Код 4"), (1, "041A043E043400200034".into()));
    }
}
