//! Voice calls that speak a code: call control over AT and the backends that put the sound
//! into the call, behind one trait.
//!
//! - [`call`]: `ATD<number>;`, answer detection by `AT+CLCC` polling and the call-ending result
//!   codes (`BUSY`, `NO ANSWER`, `NO CARRIER`), a ring timeout, `AT+CHUP` (falling back to
//!   `ATH`) — 27.007 §6.2, §7.18; V.250 §6.3.1.
//! - The backends ([`Playback`]), chosen per modem in the configuration:
//!   - [`pcm_serial`]: the modem's audio serial port (Huawei voice sticks, `AT^DDSETEX=2`):
//!     our own TTS rendered to 8 kHz 16-bit mono PCM, streamed in real time, 320-byte frames
//!     every 20 ms;
//!   - [`modem_tts`]: the modem's own TTS played into the call — Quectel `AT+QWTTS` (plain
//!     `AT+QTTS` is heard only locally), SIMCom `AT+CTTS`;
//!   - [`modem_file`]: the most portable: per-character WAV clips rendered by our TTS,
//!     uploaded once (`AT+QFUPL` on Quectel, `AT+FSCREATE`/`AT+FSWRITE` on SIMCom) and played
//!     into the call one after another (`AT+QPSND`, `AT+CREC`), each to its end notification;
//!   - none: the modem takes no voice OTPs.
//!
//! The code is spoken, so it is in the TTS text, the PCM and the clip names: none of those is
//! ever logged (the commands that carry them are marked sensitive).

pub mod call;
pub mod modem_file;
pub mod modem_tts;
pub mod pcm_serial;

use super::{AtError, ModemHandle};
use crate::at::Urc;
use crate::voice::{Gender, Script, TtsError};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The modem makers whose voice commands we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Quectel,
    Simcom,
    Huawei,
}

impl Vendor {
    /// From a configuration value or a `+CGMI` answer.
    pub fn detect(text: &str) -> Option<Vendor> {
        let t = text.to_ascii_lowercase();
        if t.contains("quectel") {
            Some(Vendor::Quectel)
        } else if t.contains("simcom") {
            Some(Vendor::Simcom)
        } else if t.contains("huawei") {
            Some(Vendor::Huawei)
        } else {
            None
        }
    }
}

/// A modem's voice backend, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BackendConfig {
    #[default]
    None,
    PcmSerial {
        device: PathBuf,
        baud: u32,
    },
    /// `vendor: None` = detected from `+CGMI` at bring-up.
    ModemTts {
        vendor: Option<Vendor>,
    },
    ModemFile {
        vendor: Option<Vendor>,
    },
    /// `voice = "auto"`: the backend the modem's profile names, decided at bring-up
    /// ([`BackendConfig::resolve`]).
    Auto {
        /// The audio port, if the configuration names it (pcm-serial).
        device: Option<PathBuf>,
        baud: u32,
        vendor: Option<Vendor>,
    },
}

impl BackendConfig {
    pub fn name(&self) -> &'static str {
        match self {
            BackendConfig::None => "none",
            BackendConfig::PcmSerial { .. } => "pcm-serial",
            BackendConfig::ModemTts { .. } => "modem-tts",
            BackendConfig::ModemFile { .. } => "modem-file",
            BackendConfig::Auto { .. } => "auto",
        }
    }

    /// What this becomes for a modem whose profile says `hints`: `auto` takes the profile's
    /// backend (and, for pcm-serial without a configured audio port, the port
    /// `find_audio(audio interfaces by USB id)` finds); a vendor left open takes the profile's. Answers why
    /// when the profile's backend cannot be set up.
    pub fn resolve(
        &self,
        hints: &crate::modem::profile::VoiceHints,
        find_audio: impl FnOnce(&std::collections::BTreeMap<String, u8>) -> Result<PathBuf, String>,
    ) -> Result<BackendConfig, VoiceError> {
        let profile_vendor = hints.vendor.as_deref().and_then(Vendor::detect);
        Ok(match self {
            BackendConfig::ModemTts { vendor: None } => BackendConfig::ModemTts {
                vendor: profile_vendor,
            },
            BackendConfig::ModemFile { vendor: None } => BackendConfig::ModemFile {
                vendor: profile_vendor,
            },
            BackendConfig::Auto {
                device,
                baud,
                vendor,
            } => {
                let vendor = vendor.or(profile_vendor);
                match hints.backend.as_deref() {
                    None | Some("none") => BackendConfig::None,
                    Some("modem-tts") => BackendConfig::ModemTts { vendor },
                    Some("modem-file") => BackendConfig::ModemFile { vendor },
                    Some("pcm-serial") => {
                        let device = match device {
                            Some(d) => d.clone(),
                            None if hints.audio_interfaces.is_empty() => {
                                return Err(VoiceError::Unsupported(
                                    "the profile names no audio interface: set voice_device".into(),
                                ))
                            }
                            None => find_audio(&hints.audio_interfaces).map_err(|e| {
                                VoiceError::Unsupported(format!(
                                    "cannot find the audio port: {e}; set voice_device"
                                ))
                            })?,
                        };
                        BackendConfig::PcmSerial {
                            device,
                            baud: *baud,
                        }
                    }
                    Some(other) => {
                        return Err(VoiceError::Unsupported(format!(
                            "the profile's voice backend {other:?} is not known"
                        )))
                    }
                }
            }
            other => other.clone(),
        })
    }
}

/// Why a call or its playback failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VoiceError {
    #[error(transparent)]
    Modem(#[from] AtError),
    #[error("the callee hung up during playback")]
    HungUp,
    #[error("the modem restarted during the call")]
    Rebooted,
    #[error("no {what} within {timeout:?}")]
    Timeout {
        what: &'static str,
        timeout: Duration,
    },
    #[error("text to speech: {0}")]
    Tts(#[from] TtsError),
    #[error("audio port {path}: {message}")]
    AudioPort { path: PathBuf, message: String },
    #[error("{0}")]
    Unsupported(String),
}

impl VoiceError {
    /// The modem itself failed (no answer, port gone): it must be brought up again.
    pub fn modem_failed(&self) -> bool {
        matches!(
            self,
            VoiceError::Modem(
                AtError::Timeout { .. }
                    | AtError::Closed
                    | AtError::Io(_)
                    | AtError::LostAfterData { .. }
            ) | VoiceError::Rebooted
        )
    }
}

/// What the call must say.
pub struct Speech {
    pub script: Script,
    pub gender: Gender,
}

/// A call in progress: the modem, its URCs, and the URCs that are not the call's business
/// (a `+CMTI` during the call), kept for the worker to handle afterwards.
pub struct CallCtx<'a> {
    pub modem: &'a ModemHandle,
    pub urcs: &'a mut mpsc::Receiver<Urc>,
    pub deferred: Vec<Urc>,
}

impl CallCtx<'_> {
    /// Waits for a URC `want` accepts. A call-ending result code, a restart or the port closing
    /// ends the wait with an error; other URCs are kept for later.
    pub async fn wait_for(
        &mut self,
        what: &'static str,
        timeout: Duration,
        want: impl Fn(&Urc) -> bool,
    ) -> Result<Urc, VoiceError> {
        let deadline = Instant::now() + timeout;
        loop {
            let urc = match tokio::time::timeout_at(deadline, self.urcs.recv()).await {
                Err(_) => return Err(VoiceError::Timeout { what, timeout }),
                Ok(None) => return Err(VoiceError::Modem(AtError::Closed)),
                Ok(Some(urc)) => urc,
            };
            if want(&urc) {
                return Ok(urc);
            }
            match urc {
                Urc::CallEnded(_) => return Err(VoiceError::HungUp),
                Urc::Ready => return Err(VoiceError::Rebooted),
                other => self.deferred.push(other),
            }
        }
    }

    /// Takes the URCs that arrived so far without blocking: a hang-up ends playback.
    pub fn check_hangup(&mut self) -> Result<(), VoiceError> {
        while let Ok(urc) = self.urcs.try_recv() {
            match urc {
                Urc::CallEnded(_) => return Err(VoiceError::HungUp),
                Urc::Ready => return Err(VoiceError::Rebooted),
                other => self.deferred.push(other),
            }
        }
        Ok(())
    }
}

/// A backend: puts the speech into an answered call and returns when it has been said.
pub trait Playback {
    fn play(
        &mut self,
        call: &mut CallCtx<'_>,
        speech: &Speech,
    ) -> impl std::future::Future<Output = Result<(), VoiceError>> + Send;
}

/// The configured backend of one modem session.
pub enum Backend {
    PcmSerial(pcm_serial::PcmSerial),
    ModemTts(modem_tts::ModemTts),
    ModemFile(modem_file::ModemFile),
}

impl Backend {
    /// The backend for `config`, or `None` when the modem does no voice. `manufacturer` (from
    /// `+CGMI`) picks the vendor's commands when the configuration does not say.
    pub fn new(
        config: &BackendConfig,
        manufacturer: &str,
        tts: crate::voice::Tts,
    ) -> Result<Option<Backend>, VoiceError> {
        let vendor = |v: &Option<Vendor>| {
            v.or_else(|| Vendor::detect(manufacturer)).ok_or_else(|| {
                VoiceError::Unsupported(format!(
                    "cannot tell the maker of {manufacturer:?}: set voice_vendor"
                ))
            })
        };
        Ok(Some(match config {
            // Resolved at bring-up; unresolved, it does nothing.
            BackendConfig::None | BackendConfig::Auto { .. } => return Ok(None),
            BackendConfig::PcmSerial { device, baud } => {
                Backend::PcmSerial(pcm_serial::PcmSerial::new(device.clone(), *baud, tts))
            }
            BackendConfig::ModemTts { vendor: v } => {
                Backend::ModemTts(modem_tts::ModemTts::new(vendor(v)?)?)
            }
            BackendConfig::ModemFile { vendor: v } => {
                Backend::ModemFile(modem_file::ModemFile::new(vendor(v)?, tts)?)
            }
        }))
    }
}

impl Playback for Backend {
    async fn play(&mut self, call: &mut CallCtx<'_>, speech: &Speech) -> Result<(), VoiceError> {
        match self {
            Backend::PcmSerial(b) => b.play(call, speech).await,
            Backend::ModemTts(b) => b.play(call, speech).await,
            Backend::ModemFile(b) => b.play(call, speech).await,
        }
    }
}
