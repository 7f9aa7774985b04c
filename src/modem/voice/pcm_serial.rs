//! The `pcm-serial` backend: the call's audio through the modem's own audio serial port, as on
//! Huawei voice-capable sticks. `AT^DDSETEX=2` routes the call's voice to that port; we then
//! write 8 kHz 16-bit little-endian mono PCM in real time — 320-byte frames every 20 ms — from
//! our own TTS. The port is opened for the call and closed after it.

use super::{CallCtx, Playback, Speech, VoiceError};
use crate::at::command::Command;
use crate::modem::open_serial;
use crate::voice::{Request, Tts, FRAME_BYTES};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// One 20 ms frame at 8 kHz, 16-bit mono.
const FRAME: Duration = Duration::from_millis(20);
/// A frame the port does not take within this is a dead port.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct PcmSerial {
    device: PathBuf,
    baud: u32,
    tts: Tts,
}

impl PcmSerial {
    pub fn new(device: PathBuf, baud: u32, tts: Tts) -> Self {
        Self { device, baud, tts }
    }

    fn port_error(&self, message: String) -> VoiceError {
        VoiceError::AudioPort {
            path: self.device.clone(),
            message,
        }
    }
}

impl Playback for PcmSerial {
    async fn play(&mut self, call: &mut CallCtx<'_>, speech: &Speech) -> Result<(), VoiceError> {
        let pcm = self
            .tts
            .render(&Request {
                script: &speech.script,
                gender: speech.gender,
            })
            .await?;
        let mut port =
            open_serial(&self.device, self.baud).map_err(|e| self.port_error(e.to_string()))?;
        call.modem.command(Command::raw("AT^DDSETEX=2")).await?;
        let mut tick = tokio::time::interval(FRAME);
        // Behind schedule (a busy machine): catch up, so the sound keeps its length.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for frame in pcm.frames(FRAME_BYTES) {
            tick.tick().await;
            call.check_hangup()?;
            match tokio::time::timeout(WRITE_TIMEOUT, port.write_all(&frame)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(self.port_error(e.to_string())),
                Err(_) => return Err(self.port_error("the audio port does not take data".into())),
            }
        }
        // Let the last frame play before the caller hangs up.
        tick.tick().await;
        let _ = port.flush().await;
        call.check_hangup()
    }
}
