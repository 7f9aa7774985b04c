//! Text-to-speech on the appliance: espeak-ng run as a child process, its WAV read back and
//! resampled to the 8 kHz 16-bit mono of a voice channel.
//!
//! espeak-ng is the Debian package `espeak-ng` (1.51 in bookworm). It is run once per
//! rendering, as `espeak-ng -v <voice> -m -b 1 -s <wpm> --stdin --stdout`:
//! - the SSML goes in on standard input, never on the command line, so the code does not
//!   show in `ps` or `/proc/<pid>/cmdline`; `-b 1` says it is UTF-8 (Greek, Russian);
//! - the voice is named by its file under `espeak-ng-data/lang/` (`gmw/en`, `roa/fr`...)
//!   plus a variant from `voices/!v`: `+m3` (male, pitch 80-122 Hz) or `+f3` (female,
//!   140-240 Hz). Not by language name: espeak-ng 1.51 silently drops the variant of a voice
//!   it finds by name rather than by file (`en-gb+f3` and `fr-fr+f3` come out as plain
//!   `en-gb` and `fr-fr`, male);
//! - `--stdout` streams a WAV whose data size is a placeholder, which [`super::wav`] reads;
//! - a timeout kills the child; its stderr is kept for the error, minus any line that quotes
//!   the input.
//!
//! Never log a [`Request`]'s SSML: it says the code.

use std::path::PathBuf;
use std::process::{ExitStatus, Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::pcm::{Pcm, TELEPHONY_RATE};
use super::resample::{self, ResampleError};
use super::script::{token_ssml, Gender, Language, Script, Token};
use super::wav::{self, WavError};

/// What a rendering can fail with. Never holds the text or the code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TtsError {
    #[error(
        "{program} is not installed: install the espeak-ng package (apt-get install espeak-ng)"
    )]
    NotInstalled {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not run {program}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not hand the text to {program}")]
    Input {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} ran longer than {timeout:?} and was killed")]
    Timeout { program: String, timeout: Duration },
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        program: String,
        status: ExitStatus,
        /// Its standard error, without lines quoting the input, cut to a few hundred bytes.
        stderr: String,
    },
    #[error("{program} did not write a usable WAV")]
    Wav {
        program: String,
        #[source]
        source: WavError,
    },
    #[error("resampling {program}'s audio to 8 kHz")]
    Resample {
        program: String,
        #[source]
        source: ResampleError,
    },
    #[error("{program} rendered silence")]
    Silent { program: String },
    #[error("the task decoding the audio failed")]
    Task(#[source] tokio::task::JoinError),
}

/// Speak one script in one voice.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub script: &'a Script,
    pub gender: Gender,
}

/// A pre-rendered clip for a backend that plays files: its name (see [`Token::clip_name`])
/// and an 8 kHz 16-bit mono WAV.
#[derive(Clone, PartialEq, Eq)]
pub struct Clip {
    pub name: String,
    pub wav: Vec<u8>,
}

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Clip {{ name: {:?}, wav: {} bytes }}",
            self.name,
            self.wav.len()
        )
    }
}

/// The espeak-ng voice of a language, by its file under `espeak-ng-data/lang/`.
pub fn voice_file(language: Language) -> &'static str {
    match language {
        Language::EnUs => "gmw/en-US",
        Language::EnGb => "gmw/en",
        Language::ElGr => "grk/el",
        Language::PlPl => "zlw/pl",
        Language::HuHu => "urj/hu",
        Language::SvSe => "gmq/sv",
        Language::DeDe => "gmw/de",
        Language::EsEs => "roa/es",
        Language::EsLa => "roa/es-419",
        Language::FrFr => "roa/fr",
        Language::ItIt => "roa/it",
        Language::PtBr => "roa/pt-BR",
        Language::RuRu => "zle/ru",
    }
}

/// The variant in `espeak-ng-data/voices/!v` for a gender.
pub fn variant(gender: Gender) -> &'static str {
    match gender {
        Gender::Male => "m3",
        Gender::Female => "f3",
    }
}

/// The argument of espeak-ng's `-v`: `gmw/en-US+f3`.
pub fn voice_arg(language: Language, gender: Gender) -> String {
    format!("{}+{}", voice_file(language), variant(gender))
}

/// How espeak-ng is run.
#[derive(Debug, Clone)]
pub struct Tts {
    /// The program: a path, or a name looked up in `PATH`.
    pub program: PathBuf,
    /// How long one rendering may take before the child is killed. A 32-character code in
    /// the slowest language renders in well under a second; the margin covers a loaded box.
    pub timeout: Duration,
    /// Speaking rate in words per minute (`-s`). Slower than espeak-ng's 175: a listener is
    /// writing the code down.
    pub words_per_minute: u32,
}

impl Default for Tts {
    fn default() -> Self {
        Tts {
            program: PathBuf::from("espeak-ng"),
            timeout: Duration::from_secs(20),
            words_per_minute: 150,
        }
    }
}

impl Tts {
    /// The script, spoken, at 8 kHz.
    pub async fn render(&self, request: &Request<'_>) -> Result<Pcm, TtsError> {
        let script = request.script;
        let ssml = script.ssml();
        self.run(
            script.language(),
            request.gender,
            &ssml,
            &script.code(),
            false,
        )
        .await
    }

    /// One token alone, at 8 kHz, without espeak-ng's closing pause so that clips can be
    /// played back to back; a pause token is its length of silence. `.to_wav()` makes the file.
    pub async fn render_clip(
        &self,
        language: Language,
        gender: Gender,
        token: &Token,
    ) -> Result<Pcm, TtsError> {
        if let Token::Pause(p) = *token {
            let len = TELEPHONY_RATE as usize * p.millis() as usize / 1000;
            return Ok(Pcm::new(TELEPHONY_RATE, vec![0; len]));
        }
        let ssml = token_ssml(language, token).unwrap_or_default();
        self.run(language, gender, &ssml, "", true).await
    }

    /// Every clip of [`Token::clips`] in one voice, named, as WAV: what a `modem-file`
    /// backend uploads once.
    pub async fn render_clips(
        &self,
        language: Language,
        gender: Gender,
    ) -> Result<Vec<Clip>, TtsError> {
        let mut clips = Vec::new();
        for token in Token::clips() {
            let Some(name) = token.clip_name() else {
                continue;
            };
            let pcm = self.render_clip(language, gender, &token).await?;
            clips.push(Clip {
                name,
                wav: pcm.to_wav(),
            });
        }
        Ok(clips)
    }

    fn program_name(&self) -> String {
        self.program.display().to_string()
    }

    /// Runs espeak-ng on `ssml` and decodes what it wrote. `secret` is withheld from the
    /// error if its stderr quotes it.
    async fn run(
        &self,
        language: Language,
        gender: Gender,
        ssml: &str,
        secret: &str,
        no_final_pause: bool,
    ) -> Result<Pcm, TtsError> {
        let program = self.program_name();
        let output = self.speak(language, gender, ssml, no_final_pause).await?;
        if !output.status.success() {
            return Err(TtsError::Failed {
                program,
                status: output.status,
                stderr: scrub(&output.stderr, secret),
            });
        }
        // Resampling a 15 s clip is milliseconds of arithmetic: off the runtime's thread.
        tokio::task::spawn_blocking(move || decode(program, &output.stdout))
            .await
            .map_err(TtsError::Task)?
    }

    /// The child's output: its stdin fed the SSML and closed, stdout and stderr read to their
    /// end, within the timeout.
    async fn speak(
        &self,
        language: Language,
        gender: Gender,
        ssml: &str,
        no_final_pause: bool,
    ) -> Result<Output, TtsError> {
        let program = self.program_name();
        let mut child = Command::new(&self.program)
            .args(["-v", &voice_arg(language, gender), "-m", "-b", "1"])
            .args(["-s", &self.words_per_minute.to_string()])
            .args(["--stdin", "--stdout"])
            .args(no_final_pause.then_some("-z"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => TtsError::NotInstalled {
                    program: program.clone(),
                    source,
                },
                _ => TtsError::Spawn {
                    program: program.clone(),
                    source,
                },
            })?;
        let stdin = child.stdin.take();
        let input = ssml.as_bytes().to_vec();
        let feed = async move {
            if let Some(mut stdin) = stdin {
                stdin.write_all(&input).await?;
                // Dropping it closes the pipe: the end of the text.
                stdin.shutdown().await?;
            }
            Ok::<(), std::io::Error>(())
        };
        // Written while the output is read, so neither pipe can fill and stall the other.
        let both = async { tokio::join!(feed, child.wait_with_output()) };
        // On timeout the future, and with it the child, is dropped: kill_on_drop kills it.
        let (fed, output) = tokio::time::timeout(self.timeout, both)
            .await
            .map_err(|_| TtsError::Timeout {
                program: program.clone(),
                timeout: self.timeout,
            })?;
        let output = output.map_err(|source| TtsError::Spawn {
            program: program.clone(),
            source,
        })?;
        // A child that failed may have closed stdin early: its status says more than EPIPE.
        if output.status.success() {
            fed.map_err(|source| TtsError::Input { program, source })?;
        }
        Ok(output)
    }
}

/// espeak-ng's WAV at 8 kHz, refused if silent.
fn decode(program: String, stdout: &[u8]) -> Result<Pcm, TtsError> {
    let pcm = match wav::parse(stdout) {
        Ok(pcm) => pcm,
        Err(source) => return Err(TtsError::Wav { program, source }),
    };
    let pcm = match resample::to_telephony(&pcm) {
        Ok(pcm) => pcm,
        Err(source) => return Err(TtsError::Resample { program, source }),
    };
    if pcm.is_silent() {
        return Err(TtsError::Silent { program });
    }
    Ok(pcm)
}

/// The child's stderr for an error message: lines quoting markup or the code withheld, the
/// rest joined and cut short.
fn scrub(stderr: &[u8], secret: &str) -> String {
    const WITHHELD: &str = "[a line quoting the input, withheld]";
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let quotes = l.contains(['<', '>']) || (!secret.is_empty() && l.contains(secret));
            if quotes {
                WITHHELD
            } else {
                l
            }
        })
        .collect();
    let joined = lines.join(" | ");
    match joined.char_indices().nth(300) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None => joined,
    }
}

/// [`Tts::render`] with the defaults: `espeak-ng` from `PATH`, 20 s, 150 words per minute.
pub async fn render(request: &Request<'_>) -> Result<Pcm, TtsError> {
    Tts::default().render(request).await
}

/// [`Tts::render_clip`] with the defaults.
pub async fn render_clip(
    language: Language,
    gender: Gender,
    token: &Token,
) -> Result<Pcm, TtsError> {
    Tts::default().render_clip(language, gender, token).await
}

#[cfg(test)]
mod tests;
