//! What a voice call says: the language and gender a caller asks for, and the script that
//! speaks a code. Pure: no I/O.
//!
//! A script is "Your code is: 4, 8, 2, 1. I repeat: 4, 8, 2, 1." in the requested language:
//! the code said one character at a time with a pause after each, so a listener can write it
//! down; letters spelled as letters, never read as a word ("ON" is "O, N", not "on"); the
//! case of every letter said when the code mixes upper and lower case (a one-case code is
//! verified case-insensitively, see [`crate::otp::Alphabet::case_sensitive`], so saying it
//! would only slow the listener down); `! # $ % & ? @` named in the language; the whole said
//! twice with a longer pause between.
//!
//! It comes in three forms, all from the same [`Token`] list:
//! - [`Script::ssml`] for espeak-ng's `-m` mode. espeak-ng 1.51 honours `<speak>`,
//!   `<break time="..ms"/>` and `<say-as interpret-as="characters">`, which names a letter in
//!   the voice's own language ("i griega" for Spanish `y`, "Ypsilon" in German). Checked with
//!   its `-x` phoneme output. One trap found that way: a `.` right after a `<break/>` is read
//!   aloud as "dot", so the pauses here are breaks and no punctuation follows them.
//! - [`Script::plain_text`] for a modem's own TTS engine, which takes plain text: characters
//!   separated by commas, the readings by a full stop.
//! - [`Script::tokens`] for a backend that plays one pre-rendered clip per token
//!   ([`Token::clip_name`], [`Token::clips`], [`token_ssml`]).
//!
//! The code is a secret: [`Script`] and [`Token`] print it as `*` in `Debug`, and no error
//! carries a character of it. The SSML and plain text do hold it and must not be logged.

use std::fmt;

pub use super::language::{Gender, Language};
use super::words::{Words, SPECIALS};

/// The longest code a script speaks; OTPs are far shorter, and a longer one is a caller bug
/// that would otherwise hold a voice channel for minutes.
pub const MAX_CODE_LEN: usize = 32;

/// What the script layer refuses. Never holds a character of a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    #[error(
        "unknown voice language {0:?}: expected one of en-US, en-GB, el-GR, pl-PL, hu-HU, \
         sv-SE, de-DE, es-ES, es-LA, fr-FR, it-IT, pt-BR, ru-RU"
    )]
    UnknownLanguage(String),
    #[error("unknown voice gender {0:?}: expected male or female")]
    UnknownGender(String),
    #[error("the code to speak is empty")]
    EmptyCode,
    #[error("the code to speak has {len} characters, more than {MAX_CODE_LEN}")]
    CodeTooLong { len: usize },
    #[error(
        "character {position} of the code cannot be spoken: not an ASCII letter, a digit or \
         one of ! # $ % & ? @"
    )]
    Unspeakable { position: usize },
}

/// Which case word goes with a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    Upper,
    Lower,
}

/// A pause, by its place in the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pause {
    /// After "Your code is:" / "I repeat:".
    AfterOpening,
    /// After each character but the last of a reading.
    BetweenChars,
    /// Between the two readings.
    BetweenReadings,
}

impl Pause {
    /// Long enough to write a character down; the readings are set apart by three times that.
    pub fn millis(self) -> u32 {
        match self {
            Pause::AfterOpening => 300,
            Pause::BetweenChars => 400,
            Pause::BetweenReadings => 1200,
        }
    }
}

/// One unit of a script. `Debug` hides the character.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// "Your code is:"
    Intro,
    /// "I repeat:"
    Repeat,
    /// One character of the code; `case` is set when its case must be said.
    Char {
        ch: char,
        case: Option<Case>,
    },
    Pause(Pause),
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Intro => f.write_str("Intro"),
            Token::Repeat => f.write_str("Repeat"),
            Token::Char { case, .. } => write!(f, "Char {{ ch: '*', case: {case:?} }}"),
            Token::Pause(p) => write!(f, "Pause({p:?})"),
        }
    }
}

impl Token {
    /// A file name for the pre-rendered clip of this token, the same in every language
    /// (`intro`, `repeat`, `digit_4`, `letter_b`, `upper_b`, `lower_b`, `sym_at`...); `None`
    /// for a pause, which is silence, not a clip. The name reveals the character: a backend
    /// that sends it to a modem must not log that command.
    pub fn clip_name(&self) -> Option<String> {
        let name = match *self {
            Token::Intro => "intro".to_string(),
            Token::Repeat => "repeat".to_string(),
            Token::Char { ch, .. } if ch.is_ascii_digit() => format!("digit_{ch}"),
            Token::Char { ch, case } if ch.is_ascii_alphabetic() => {
                let kind = match case {
                    None => "letter",
                    Some(Case::Upper) => "upper",
                    Some(Case::Lower) => "lower",
                };
                format!("{kind}_{}", ch.to_ascii_lowercase())
            }
            Token::Char { ch, .. } => {
                const NAMES: [&str; 7] =
                    ["excl", "hash", "dollar", "percent", "amp", "quest", "at"];
                let i = SPECIALS.iter().position(|&s| s == ch)?;
                format!("sym_{}", NAMES.get(i)?)
            }
            Token::Pause(_) => return None,
        };
        Some(name)
    }

    /// Every clip any script can need: the two openings, the ten digits, each letter plain,
    /// with "capital" and with "small", and the seven special characters (87 clips).
    pub fn clips() -> Vec<Token> {
        let mut all = vec![Token::Intro, Token::Repeat];
        all.extend(('0'..='9').map(|ch| Token::Char { ch, case: None }));
        for case in [None, Some(Case::Upper), Some(Case::Lower)] {
            all.extend(('a'..='z').map(|ch| Token::Char { ch, case }));
        }
        all.extend(SPECIALS.iter().map(|&ch| Token::Char { ch, case: None }));
        all
    }
}

/// The script of one code in one language. `Debug` hides the code.
#[derive(Clone, PartialEq, Eq)]
pub struct Script {
    language: Language,
    tokens: Vec<Token>,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self
            .tokens
            .iter()
            .filter(|t| matches!(t, Token::Char { .. }));
        f.debug_struct("Script")
            .field("language", &self.language)
            .field("code", &"*".repeat(chars.count() / 2))
            .finish()
    }
}

impl Script {
    /// The script that says `code`, a code of ASCII letters, digits and `! # $ % & ? @`.
    pub fn new(language: Language, code: &str) -> Result<Self, ScriptError> {
        let len = code.chars().count();
        if len == 0 {
            return Err(ScriptError::EmptyCode);
        }
        if len > MAX_CODE_LEN {
            return Err(ScriptError::CodeTooLong { len });
        }
        if let Some(position) = code.chars().position(|c| !speakable(c)) {
            return Err(ScriptError::Unspeakable { position });
        }
        let mixed_case = code.chars().any(|c| c.is_ascii_uppercase())
            && code.chars().any(|c| c.is_ascii_lowercase());
        let reading = code.chars().map(|ch| {
            let case = match ch {
                _ if !mixed_case => None,
                'A'..='Z' => Some(Case::Upper),
                'a'..='z' => Some(Case::Lower),
                _ => None,
            };
            Token::Char { ch, case }
        });
        let mut tokens = Vec::with_capacity(4 * len + 5);
        for (i, opening) in [Token::Intro, Token::Repeat].into_iter().enumerate() {
            if i > 0 {
                tokens.push(Token::Pause(Pause::BetweenReadings));
            }
            tokens.push(opening);
            tokens.push(Token::Pause(Pause::AfterOpening));
            for (j, ch) in reading.clone().enumerate() {
                if j > 0 {
                    tokens.push(Token::Pause(Pause::BetweenChars));
                }
                tokens.push(ch);
            }
        }
        Ok(Script { language, tokens })
    }

    pub fn language(&self) -> Language {
        self.language
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The code itself, for the one place that must recognise it to withhold it (the TTS
    /// layer's scrubbing of a child's stderr).
    pub(crate) fn code(&self) -> String {
        let chars = self.tokens.iter().filter_map(|t| match t {
            Token::Char { ch, .. } => Some(*ch),
            _ => None,
        });
        // The tokens say the code twice.
        let half = chars.clone().count() / 2;
        chars.take(half).collect()
    }

    /// The SSML document for `espeak-ng -m`. Holds the code: never log it.
    pub fn ssml(&self) -> String {
        let words = self.language.words();
        let body: String = self
            .tokens
            .iter()
            .map(|t| fragment_ssml(words, t))
            .collect();
        format!("<speak>{body}</speak>")
    }

    /// The same sentence as plain text, for a modem's TTS engine. Holds the code: never log it.
    pub fn plain_text(&self) -> String {
        let words = self.language.words();
        let mut text = String::new();
        for token in &self.tokens {
            match token {
                Token::Pause(Pause::AfterOpening) => text.push(' '),
                Token::Pause(Pause::BetweenChars) => text.push_str(", "),
                Token::Pause(Pause::BetweenReadings) => text.push_str(". "),
                _ => text.push_str(&fragment_text(words, token)),
            }
        }
        text.push('.');
        text
    }
}

/// A whole SSML document saying one token alone: what a clip is rendered from. `None` for a
/// pause.
pub fn token_ssml(language: Language, token: &Token) -> Option<String> {
    match token {
        Token::Pause(_) => None,
        _ => Some(format!(
            "<speak>{}</speak>",
            fragment_ssml(language.words(), token)
        )),
    }
}

fn speakable(c: char) -> bool {
    c.is_ascii_alphanumeric() || SPECIALS.contains(&c)
}

fn special_name(words: &Words, ch: char) -> Option<&'static str> {
    let i = SPECIALS.iter().position(|&s| s == ch)?;
    words.specials.get(i).copied()
}

fn fragment_ssml(words: &Words, token: &Token) -> String {
    match *token {
        Token::Intro => escape(words.intro),
        Token::Repeat => escape(words.repeat),
        Token::Pause(p) => format!("<break time=\"{}ms\"/>", p.millis()),
        Token::Char { ch, case } => match special_name(words, ch) {
            Some(name) => escape(name),
            // Lower case inside say-as: some voices would otherwise add their own "capital".
            None => {
                let letter = format!(
                    "<say-as interpret-as=\"characters\">{}</say-as>",
                    ch.to_ascii_lowercase()
                );
                with_case(words, case, &letter, escape)
            }
        },
    }
}

fn fragment_text(words: &Words, token: &Token) -> String {
    match *token {
        Token::Intro => words.intro.to_string(),
        Token::Repeat => words.repeat.to_string(),
        Token::Pause(_) => String::new(),
        Token::Char { ch, case } => match special_name(words, ch) {
            Some(name) => name.to_string(),
            None => with_case(words, case, &ch.to_string(), str::to_string),
        },
    }
}

/// `letter` with its case word, in the language's order; `form` prepares the word for the
/// output (escaping for SSML).
fn with_case(words: &Words, case: Option<Case>, letter: &str, form: fn(&str) -> String) -> String {
    let word = match case {
        None => return letter.to_string(),
        Some(Case::Upper) => form(words.upper),
        Some(Case::Lower) => form(words.lower),
    };
    if words.case_after {
        format!("{letter} {word}")
    } else {
        format!("{word} {letter}")
    }
}

/// XML text escaping. Quotes need none in text content, and espeak-ng would have to decode
/// `&apos;` in "point d'exclamation"; only the three markup characters are replaced.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
