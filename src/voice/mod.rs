//! Voice calls that speak a code (Octopush's `voice_sms`): what is said, and how it becomes
//! the 8 kHz 16-bit mono PCM a GSM voice channel carries. Call control and the modem voice
//! backends live in [`crate::modem`]; this module only renders.
//!
//! Layout:
//! - [`script`] (pure): [`Language`] (the 13 `voice_language` values), [`Gender`], and the
//!   [`Script`] of a code: SSML for espeak-ng, plain text for a modem's own TTS, or tokens
//!   for a backend that plays one clip per character;
//! - [`pcm`] (pure): [`Pcm`], its 20 ms frames for a modem's audio port, RMS and silence;
//! - [`wav`] (pure): RIFF/WAVE 16-bit PCM in (espeak-ng's streamed header included) and out;
//! - [`resample`]: band-limited conversion to 8 kHz with rubato;
//! - [`tts`] (the edge): espeak-ng as a child process, per language and gender, to [`Pcm`]
//!   at 8 kHz; whole scripts, or per-character clips for modems that play files.
//!
//! The code is a secret all the way through: `Debug` of a [`Script`], a [`Token`] or a
//! [`Pcm`] does not show it, no error carries it, and espeak-ng gets it on standard input,
//! never on its command line.

mod language;
pub mod pcm;
pub mod resample;
pub mod script;
pub mod tts;
pub mod wav;
mod words;

pub use pcm::{Pcm, FRAME_BYTES, TELEPHONY_RATE};
pub use resample::ResampleError;
pub use script::{Case, Gender, Language, Pause, Script, ScriptError, Token};
pub use tts::{render, render_clip, Clip, Request, Tts, TtsError};
pub use wav::WavError;
