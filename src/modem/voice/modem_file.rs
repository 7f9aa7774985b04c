//! The `modem-file` backend, the most portable: one WAV clip per character and phrase,
//! rendered by our TTS (8 kHz 16-bit mono), uploaded to the modem's file system the first time
//! it is needed and played into the call one after another, each to its end notification.
//!
//! - Quectel: upload `AT+QFUPL="<name>",<size>,<timeout>` (`CONNECT`, the bytes, then
//!   `+QFUPL: <size>,<checksum>`; `+CME ERROR: 407` means it is already there); play
//!   `AT+QPSND=1,"<name>",0,1` (`<ulmute>` 1: heard by the far end), end `+QPSND: 0`.
//! - SIMCom: upload `AT+FSCREATE="C:\User\<name>"` then `AT+FSWRITE=...` in 10 KiB pieces
//!   (prompt `> `, the bytes); play `AT+CREC=4,"C:\User\<name>",0,<volume>` (channel 0: the
//!   call), end `+CREC: 0`.
//!
//! Which clips a modem holds is remembered for the worker's session; a file the modem already
//! has from an earlier session is recognised by the upload's refusal (Quectel) or rewritten.

use super::{CallCtx, Playback, Speech, Vendor, VoiceError};
use crate::at::command::Command;
use crate::at::{CommandSpec, ErrorCode, Urc};
use crate::modem::AtError;
use crate::voice::{Token, Tts};
use std::collections::HashSet;
use std::time::Duration;

/// The largest SIMCom `AT+FSWRITE` piece.
const FSWRITE_MAX: usize = 10240;

pub struct ModemFile {
    vendor: Vendor,
    tts: Tts,
    uploaded: HashSet<String>,
}

impl ModemFile {
    pub fn new(vendor: Vendor, tts: Tts) -> Result<Self, VoiceError> {
        match vendor {
            Vendor::Huawei => Err(VoiceError::Unsupported(
                "Huawei modems play no files into the call: use voice = \"pcm-serial\"".into(),
            )),
            v => Ok(Self {
                vendor: v,
                tts,
                uploaded: HashSet::new(),
            }),
        }
    }

    fn path(&self, name: &str) -> String {
        match self.vendor {
            Vendor::Simcom => format!("C:\\User\\{name}"),
            _ => name.to_string(),
        }
    }

    async fn ensure(
        &mut self,
        call: &mut CallCtx<'_>,
        name: &str,
        speech: &Speech,
        token: &Token,
    ) -> Result<(), VoiceError> {
        if self.uploaded.contains(name) {
            return Ok(());
        }
        let language = speech.script.language();
        let wav = self
            .tts
            .render_clip(language, speech.gender, token)
            .await?
            .to_wav();
        match self.vendor {
            Vendor::Simcom => self.upload_simcom(call, name, &wav).await?,
            _ => self.upload_quectel(call, name, &wav).await?,
        }
        self.uploaded.insert(name.to_string());
        Ok(())
    }

    async fn upload_quectel(
        &self,
        call: &mut CallCtx<'_>,
        name: &str,
        wav: &[u8],
    ) -> Result<(), VoiceError> {
        let timeout_s = 10 + wav.len() / 10_000;
        let cmd = sensitive(
            format!("AT+QFUPL=\"{name}\",{},{timeout_s}", wav.len()),
            "+QFUPL:",
        );
        let limit = Some(Duration::from_secs(
            u64::try_from(timeout_s).unwrap_or(60) + 5,
        ));
        match call
            .modem
            .command_with_data(cmd, wav.to_vec(), None, limit)
            .await
        {
            Ok(_) => Ok(()),
            // Already on the modem from an earlier session.
            Err(AtError::Failed {
                code: ErrorCode::Cme(crate::at::ErrorValue::Code(407)),
                ..
            }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn upload_simcom(
        &self,
        call: &mut CallCtx<'_>,
        name: &str,
        wav: &[u8],
    ) -> Result<(), VoiceError> {
        let path = self.path(name);
        // Exists already: fine, it is rewritten below.
        let _ = call
            .modem
            .command(Command {
                spec: CommandSpec::plain(format!("AT+FSCREATE=\"{path}\"")).sensitive(),
                timeout: None,
            })
            .await;
        for (i, piece) in wav.chunks(FSWRITE_MAX).enumerate() {
            let mode = u8::from(i > 0);
            let cmd = sensitive(
                format!("AT+FSWRITE=\"{path}\",{mode},{},10", piece.len()),
                "+FSWRITE:",
            );
            call.modem
                .command_with_data(cmd, piece.to_vec(), None, Some(Duration::from_secs(15)))
                .await?;
        }
        Ok(())
    }

    async fn play_clip(&self, call: &mut CallCtx<'_>, name: &str) -> Result<(), VoiceError> {
        let (line, done) = match self.vendor {
            Vendor::Simcom => (
                format!("AT+CREC=4,\"{}\",0,90", self.path(name)),
                "+CREC: 0",
            ),
            _ => (format!("AT+QPSND=1,\"{name}\",0,1"), "+QPSND: 0"),
        };
        call.modem
            .command(Command {
                spec: CommandSpec::plain(line).sensitive(),
                timeout: None,
            })
            .await?;
        call.wait_for(
            "end of a clip",
            Duration::from_secs(20),
            |u| matches!(u, Urc::Other(l) if l.trim() == done),
        )
        .await?;
        Ok(())
    }
}

fn sensitive(line: String, prefix: &str) -> Command {
    Command {
        spec: CommandSpec::with_prompt(line, prefix).sensitive(),
        timeout: None,
    }
}

impl Playback for ModemFile {
    async fn play(&mut self, call: &mut CallCtx<'_>, speech: &Speech) -> Result<(), VoiceError> {
        let lang = speech.script.language().tag().to_ascii_lowercase();
        let gender = speech.gender.as_str();
        for token in speech.script.tokens() {
            call.check_hangup()?;
            if let Token::Pause(p) = token {
                tokio::time::sleep(Duration::from_millis(u64::from(p.millis()))).await;
                continue;
            }
            let Some(clip) = token.clip_name() else {
                continue;
            };
            let name = format!("otpg_{lang}_{gender}_{clip}.wav");
            self.ensure(call, &name, speech, token).await?;
            self.play_clip(call, &name).await?;
        }
        Ok(())
    }
}
