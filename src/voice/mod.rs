//! Voice calls that speak a code (Octopush's `voice_sms`): what is said, and how it becomes
//! the 8 kHz 16-bit mono PCM a GSM voice channel carries. Call control and the modem voice
//! backends live in [`crate::modem`]; this module only renders.
//!
//! Layout:
//! - [`script`] (pure): the 13 `voice_language` values, `voice_gender`, and the script of a
//!   code as SSML for espeak-ng, as plain text for a modem's own TTS, or as clip tokens;
//! - `words` (pure, private): each language's sentences, case words and symbol names.

pub mod script;
mod words;

pub use script::{Case, Gender, Language, Pause, Script, ScriptError, Token};
