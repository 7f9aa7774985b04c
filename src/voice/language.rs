//! The caller's choice of voice: Octopush's 13 `voice_language` values and `voice_gender`,
//! parsed as leniently as Octopush's API promises ("we will try to understand it anyway"),
//! without guessing a language it does not offer. Pure.

use std::fmt;
use std::str::FromStr;

use super::script::ScriptError;
use super::words::{self, Words};

/// The 13 `voice_language` values of Octopush's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    EnUs,
    EnGb,
    ElGr,
    PlPl,
    HuHu,
    SvSe,
    DeDe,
    EsEs,
    /// Latin American Spanish (`es-LA` in Octopush's list, `es-419` in BCP 47).
    EsLa,
    FrFr,
    ItIt,
    PtBr,
    RuRu,
}

impl Language {
    pub const ALL: [Language; 13] = [
        Language::EnUs,
        Language::EnGb,
        Language::ElGr,
        Language::PlPl,
        Language::HuHu,
        Language::SvSe,
        Language::DeDe,
        Language::EsEs,
        Language::EsLa,
        Language::FrFr,
        Language::ItIt,
        Language::PtBr,
        Language::RuRu,
    ];

    /// The tag as Octopush spells it.
    pub fn tag(self) -> &'static str {
        match self {
            Language::EnUs => "en-US",
            Language::EnGb => "en-GB",
            Language::ElGr => "el-GR",
            Language::PlPl => "pl-PL",
            Language::HuHu => "hu-HU",
            Language::SvSe => "sv-SE",
            Language::DeDe => "de-DE",
            Language::EsEs => "es-ES",
            Language::EsLa => "es-LA",
            Language::FrFr => "fr-FR",
            Language::ItIt => "it-IT",
            Language::PtBr => "pt-BR",
            Language::RuRu => "ru-RU",
        }
    }

    pub(crate) fn words(self) -> &'static Words {
        match self {
            Language::EnUs => &words::EN_US,
            Language::EnGb => &words::EN_GB,
            Language::ElGr => &words::EL_GR,
            Language::PlPl => &words::PL_PL,
            Language::HuHu => &words::HU_HU,
            Language::SvSe => &words::SV_SE,
            Language::DeDe => &words::DE_DE,
            Language::EsEs => &words::ES_ES,
            Language::EsLa => &words::ES_LA,
            Language::FrFr => &words::FR_FR,
            Language::ItIt => &words::IT_IT,
            Language::PtBr => &words::PT_BR,
            Language::RuRu => &words::RU_RU,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// Leniently, as Octopush's API promises to be: any case, `_` or `-`, surrounding spaces, a
/// bare language (`en` is en-US, `es` is es-ES, `pt` is pt-BR: the first of the list), and
/// BCP 47's `es-419` for es-LA. Any other region is refused rather than guessed.
impl FromStr for Language {
    type Err = ScriptError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().replace('_', "-").to_ascii_lowercase();
        let lang = match norm.as_str() {
            "en-us" | "en" => Language::EnUs,
            "en-gb" => Language::EnGb,
            "el-gr" | "el" => Language::ElGr,
            "pl-pl" | "pl" => Language::PlPl,
            "hu-hu" | "hu" => Language::HuHu,
            "sv-se" | "sv" => Language::SvSe,
            "de-de" | "de" => Language::DeDe,
            "es-es" | "es" => Language::EsEs,
            "es-la" | "es-419" => Language::EsLa,
            "fr-fr" | "fr" => Language::FrFr,
            "it-it" | "it" => Language::ItIt,
            "pt-br" | "pt" => Language::PtBr,
            "ru-ru" | "ru" => Language::RuRu,
            _ => return Err(ScriptError::UnknownLanguage(clip_input(s))),
        };
        Ok(lang)
    }
}

/// Octopush's `voice_gender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub const ALL: [Gender; 2] = [Gender::Male, Gender::Female];

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any case and surrounding spaces; `m` and `f` too.
impl FromStr for Gender {
    type Err = ScriptError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" => Ok(Gender::Male),
            "female" | "f" => Ok(Gender::Female),
            _ => Err(ScriptError::UnknownGender(clip_input(s))),
        }
    }
}

/// Keeps an error message bounded whatever a client sent.
fn clip_input(s: &str) -> String {
    s.chars().take(24).collect()
}
