//! Modem profiles: what otpgate knows about a model, matched on what the modem says it is.
//!
//! A profile is one TOML file (`hw/profiles/*.toml`, built into the binary; more, or
//! replacements, from the configuration's `profiles_dir`). It names the `+CGMI`
//! (manufacturer) and `+CGMM` (model) answers it matches, and carries:
//! - quirks: AT commands sent right after identification (a setting the model needs, such
//!   as where it sends its URCs), the `AT+CNMI` values to try first, whether to ask for
//!   status reports;
//! - timeouts: for a command, for `+CMGS` after the PDU, for registration;
//! - voice: the backend the model can use, the maker whose commands it speaks, and which USB
//!   interface carries its audio port.
//!
//! Bring-up reads `+CGMI`/`+CGMM`, and [`Catalog::select`] picks the profile: among those
//! whose manufacturer pattern occurs in the `+CGMI` answer, one whose model pattern occurs
//! in `+CGMM` beats one without model patterns, and a longer pattern beats a shorter one
//! (`SIM7600` over `SIM7`). Patterns are compared without regard to case. No match: the
//! `generic` profile, plain 27.005/27.007, which is always there. A `[[modem]]` may also name
//! its profile (`profile = "..."`), and whatever it sets itself (`command_timeout_ms`,
//! `status_reports`...) wins over the profile ([`Profile::settings`]).
//!
//! Parsing and matching are pure; [`Catalog::load`] is the one function that reads files.

use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The profiles shipped in `hw/profiles/`, built in.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "generic.toml",
        include_str!("../../hw/profiles/generic.toml"),
    ),
    (
        "quectel-ec2x.toml",
        include_str!("../../hw/profiles/quectel-ec2x.toml"),
    ),
    (
        "simcom-sim7600.toml",
        include_str!("../../hw/profiles/simcom-sim7600.toml"),
    ),
    (
        "simcom-sim800.toml",
        include_str!("../../hw/profiles/simcom-sim800.toml"),
    ),
    (
        "huawei-voice.toml",
        include_str!("../../hw/profiles/huawei-voice.toml"),
    ),
];

/// The fall-back profile's name.
pub const GENERIC: &str = "generic";

/// Longest AT command a profile may send (27.005/27.007 modems take at least 80 characters
/// on a line; V.250 asks for 40).
const MAX_INIT_LEN: usize = 120;

/// A profile file that cannot be used, with where it came from.
#[derive(Debug, thiserror::Error)]
#[error("modem profile {source_name}: {message}")]
pub struct ProfileError {
    /// The file (or `built-in NAME`).
    pub source_name: String,
    pub message: String,
}

/// A profile as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    description: String,
    /// USB `vendor:product` ids of the model (documentation; the udev rules use them).
    #[serde(default)]
    usb_ids: Vec<String>,
    #[serde(rename = "match", default)]
    matching: MatchSection,
    #[serde(default)]
    quirks: Quirks,
    #[serde(default)]
    timeouts: TimeoutSection,
    #[serde(default)]
    voice: VoiceHints,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSection {
    #[serde(default)]
    manufacturer: Vec<String>,
    #[serde(default)]
    model: Vec<String>,
}

/// What the model needs beyond plain 27.005/27.007.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quirks {
    /// Sent once identified, before the SIM is looked at; an error is logged and bring-up
    /// goes on (the setting is a help, not a condition).
    #[serde(default)]
    pub init: Vec<String>,
    /// `AT+CNMI` values tried before those chosen from `AT+CNMI=?`.
    pub cnmi: Option<Vec<i32>>,
    /// Ask for status reports (the `[[modem]]` `status_reports` wins).
    pub status_reports: Option<bool>,
    /// Settings read first and written only when they differ (one that lives in
    /// non-volatile memory must not be rewritten at every bring-up).
    #[serde(default)]
    pub ensure: Vec<Ensure>,
}

/// A setting to read, and write only when the answer lacks `expect`; optionally only for an
/// AT port on one USB interface, or on a UART.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ensure {
    pub query: String,
    /// Text an answer line holds when the setting is already right.
    pub expect: String,
    pub set: String,
    /// Only when the AT port is this USB interface.
    pub usb_interface: Option<u8>,
    /// Only when the AT port is not on USB (a UART).
    #[serde(default)]
    pub uart: bool,
}

impl Ensure {
    /// Whether it applies to an AT port of this kind.
    pub fn applies(&self, port: PortKind) -> bool {
        match (self.usb_interface, self.uart) {
            (None, false) => true,
            (Some(n), uart) => port == PortKind::Usb(n) || (uart && port == PortKind::Uart),
            (None, true) => port == PortKind::Uart,
        }
    }
}

/// Where the AT port sits, for [`Ensure`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PortKind {
    /// A USB interface, by number.
    Usb(u8),
    /// A serial port not on USB.
    Uart,
    /// Not known (a pseudo-terminal, no sysfs entry).
    #[default]
    Unknown,
}

/// Whether a `+CGMM` answer (lower case) names the model `pattern` (lower case): the pattern
/// occurs not followed by a digit, so "eg91" names "eg91-e" but not "eg912u".
fn names_model(model: &str, pattern: &str) -> bool {
    model.match_indices(pattern).any(|(at, _)| {
        !model[at + pattern.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeoutSection {
    command_ms: Option<u64>,
    submit_ms: Option<u64>,
    registration_s: Option<u64>,
}

/// Voice: what the model can do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceHints {
    /// pcm-serial | modem-tts | modem-file | none: what `voice = "auto"` becomes.
    pub backend: Option<String>,
    /// quectel | simcom | huawei: whose voice commands the model speaks.
    pub vendor: Option<String>,
    /// pcm-serial: the USB interface of the audio port, by the stick's USB id
    /// (`"12d1:1001" = 1`): the interface numbers belong to the USB composition, not the
    /// model. The port is found next to the AT port (sysfs).
    #[serde(default)]
    pub audio_interfaces: std::collections::BTreeMap<String, u8>,
}

/// One model's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub usb_ids: Vec<String>,
    /// Lower-case manufacturer patterns.
    manufacturer: Vec<String>,
    /// Lower-case model patterns.
    model: Vec<String>,
    pub quirks: Quirks,
    pub command_timeout: Option<Duration>,
    pub submit_timeout: Option<Duration>,
    pub registration_timeout: Option<Duration>,
    pub voice: VoiceHints,
    /// Where it was read from.
    pub source: String,
}

/// What a `[[modem]]` set itself; `None` takes the profile's value, then the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub command_timeout: Option<Duration>,
    pub submit_timeout: Option<Duration>,
    pub registration_timeout: Option<Duration>,
    pub status_reports: Option<bool>,
}

/// The values a modem runs with: its `[[modem]]`, else its profile, else the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub command_timeout: Duration,
    pub submit_timeout: Duration,
    pub registration_timeout: Duration,
    pub status_reports: bool,
}

impl Settings {
    /// The defaults, where neither the `[[modem]]` nor the profile says.
    pub const DEFAULT: Settings = Settings {
        command_timeout: Duration::from_secs(5),
        submit_timeout: Duration::from_secs(60),
        registration_timeout: Duration::from_secs(60),
        status_reports: true,
    };
}

impl Profile {
    /// Parses one profile file (`source` names it in errors).
    pub fn parse(text: &str, source: &str) -> Result<Profile, ProfileError> {
        let fail = |message: String| ProfileError {
            source_name: source.to_string(),
            message,
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        if file.name.is_empty()
            || !file
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(fail(format!(
                "name {:?}: use letters, digits, - _ .",
                file.name
            )));
        }
        let lower = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|p| p.trim().to_ascii_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        let manufacturer = lower(file.matching.manufacturer);
        let model = lower(file.matching.model);
        if file.name != GENERIC && manufacturer.is_empty() {
            return Err(fail(
                "[match] manufacturer is empty: a profile matches on what +CGMI answers".into(),
            ));
        }
        if file.name == GENERIC && !(manufacturer.is_empty() && model.is_empty()) {
            return Err(fail(
                "the generic profile matches every modem: it takes no [match]".into(),
            ));
        }
        let ensured = file.quirks.ensure.iter().flat_map(|e| [&e.query, &e.set]);
        for cmd in file.quirks.init.iter().chain(ensured) {
            let ok = cmd.len() <= MAX_INIT_LEN
                && cmd.get(..2).is_some_and(|at| at.eq_ignore_ascii_case("AT"))
                && cmd.chars().all(|c| (' '..='~').contains(&c));
            if !ok {
                return Err(fail(format!(
                    "[quirks] init {cmd:?}: one AT command of printable ASCII, at most \
                     {MAX_INIT_LEN} characters"
                )));
            }
        }
        if let Some(cnmi) = &file.quirks.cnmi {
            if cnmi.is_empty() || cnmi.len() > 5 || cnmi.iter().any(|v| !(0..=3).contains(v)) {
                return Err(fail(format!(
                    "[quirks] cnmi {cnmi:?}: one to five values of 0-3 (<mode>,<mt>,<bm>,<ds>,<bfr>)"
                )));
            }
        }
        if let Some(backend) = &file.voice.backend {
            if !["none", "pcm-serial", "modem-tts", "modem-file"].contains(&backend.as_str()) {
                return Err(fail(format!(
                    "[voice] backend {backend:?}: use pcm-serial, modem-tts, modem-file or none"
                )));
            }
        }
        if let Some(vendor) = &file.voice.vendor {
            if !["quectel", "simcom", "huawei"].contains(&vendor.as_str()) {
                return Err(fail(format!(
                    "[voice] vendor {vendor:?}: use quectel, simcom or huawei"
                )));
            }
        }
        let positive = |what: &str, v: Option<u64>| match v {
            Some(0) => Err(fail(format!("[timeouts] {what} must be positive"))),
            other => Ok(other),
        };
        let t = &file.timeouts;
        Ok(Profile {
            name: file.name,
            description: file.description,
            usb_ids: file.usb_ids,
            manufacturer,
            model,
            quirks: file.quirks,
            command_timeout: positive("command_ms", t.command_ms)?.map(Duration::from_millis),
            submit_timeout: positive("submit_ms", t.submit_ms)?.map(Duration::from_millis),
            registration_timeout: positive("registration_s", t.registration_s)?
                .map(Duration::from_secs),
            voice: file.voice,
            source: source.to_string(),
        })
    }

    /// The generic profile without its file: plain 27.007, the default settings.
    fn fallback() -> Profile {
        Profile {
            name: GENERIC.into(),
            description: "any 27.005/27.007 modem".into(),
            usb_ids: Vec::new(),
            manufacturer: Vec::new(),
            model: Vec::new(),
            quirks: Quirks::default(),
            command_timeout: None,
            submit_timeout: None,
            registration_timeout: None,
            voice: VoiceHints::default(),
            source: "built-in".into(),
        }
    }

    /// How well this profile fits a modem that answered `manufacturer` and `model`; `None`
    /// when it does not. A model match outranks a maker-only match; longer patterns outrank
    /// shorter ones.
    fn fit(&self, manufacturer: &str, model: &str) -> Option<(bool, usize)> {
        let (manufacturer, model) = (
            manufacturer.to_ascii_lowercase(),
            model.to_ascii_lowercase(),
        );
        let maker = self
            .manufacturer
            .iter()
            .filter(|p| manufacturer.contains(p.as_str()))
            .map(String::len)
            .max()?;
        if self.model.is_empty() {
            return Some((false, maker));
        }
        let model = self
            .model
            .iter()
            .filter(|p| names_model(&model, p))
            .map(String::len)
            .max()?;
        Some((true, model))
    }

    /// The values a modem with this profile runs with, given what its `[[modem]]` set.
    pub fn settings(&self, overrides: &Overrides) -> Settings {
        let d = Settings::DEFAULT;
        Settings {
            command_timeout: overrides
                .command_timeout
                .or(self.command_timeout)
                .unwrap_or(d.command_timeout),
            submit_timeout: overrides
                .submit_timeout
                .or(self.submit_timeout)
                .unwrap_or(d.submit_timeout),
            registration_timeout: overrides
                .registration_timeout
                .or(self.registration_timeout)
                .unwrap_or(d.registration_timeout),
            status_reports: overrides
                .status_reports
                .or(self.quirks.status_reports)
                .unwrap_or(d.status_reports),
        }
    }
}

/// Every profile the daemon knows; always holds [`GENERIC`].
#[derive(Debug, Clone)]
pub struct Catalog {
    profiles: Vec<Arc<Profile>>,
}

impl Catalog {
    /// The built-in profiles.
    pub fn built_in() -> Catalog {
        let mut catalog = Catalog {
            profiles: Vec::new(),
        };
        for (file, text) in BUILT_IN {
            match Profile::parse(text, &format!("built-in {file}")) {
                Ok(p) => catalog.insert(p),
                // The built-in files are checked by a unit test; never fail the daemon.
                Err(e) => tracing::error!(error = %e, "skipping a built-in modem profile"),
            }
        }
        if catalog.get(GENERIC).is_none() {
            catalog.insert(Profile::fallback());
        }
        catalog
    }

    /// The built-in profiles plus every `*.toml` in `dir`; a file whose `name` is a built-in
    /// profile's replaces it.
    pub fn load(dir: &Path) -> Result<Catalog, ProfileError> {
        let fail = |message: String| ProfileError {
            source_name: dir.display().to_string(),
            message,
        };
        let mut catalog = Catalog::built_in();
        let entries = std::fs::read_dir(dir).map_err(|e| fail(e.to_string()))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut seen: Vec<String> = Vec::new();
        for path in paths {
            let source = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| ProfileError {
                source_name: source.clone(),
                message: e.to_string(),
            })?;
            let profile = Profile::parse(&text, &source)?;
            if seen.contains(&profile.name) {
                return Err(ProfileError {
                    source_name: source,
                    message: format!(
                        "another file in {} is also named {:?}",
                        dir.display(),
                        profile.name
                    ),
                });
            }
            seen.push(profile.name.clone());
            catalog.insert(profile);
        }
        Ok(catalog)
    }

    fn insert(&mut self, profile: Profile) {
        self.profiles.retain(|p| p.name != profile.name);
        self.profiles.push(Arc::new(profile));
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The profile named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Profile>> {
        self.profiles.iter().find(|p| p.name == name).cloned()
    }

    /// Every profile, by name.
    pub fn profiles(&self) -> impl Iterator<Item = &Arc<Profile>> {
        self.profiles.iter()
    }

    /// The profile for a modem that answered `manufacturer` (`+CGMI`) and `model` (`+CGMM`):
    /// the best fit, or [`GENERIC`]. Ties go to the first name in order.
    pub fn select(&self, manufacturer: &str, model: &str) -> Arc<Profile> {
        let mut best: Option<((bool, usize), &Arc<Profile>)> = None;
        for p in &self.profiles {
            if let Some(fit) = p.fit(manufacturer, model) {
                if best.as_ref().is_none_or(|(b, _)| fit > *b) {
                    best = Some((fit, p));
                }
            }
        }
        match best {
            Some((_, p)) => p.clone(),
            None => self.generic(),
        }
    }

    /// The fall-back profile.
    pub fn generic(&self) -> Arc<Profile> {
        self.get(GENERIC)
            .unwrap_or_else(|| Arc::new(Profile::fallback()))
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::built_in()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_parses() {
        for (file, text) in BUILT_IN {
            let p = Profile::parse(text, file).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                format!("{}.toml", p.name),
                *file,
                "file name = profile name"
            );
        }
        assert_eq!(Catalog::built_in().profiles().count(), BUILT_IN.len());
    }

    #[test]
    fn selection_by_what_the_modem_answers() {
        let c = Catalog::built_in();
        for (maker, model, want) in [
            ("Quectel", "EC25", "quectel-ec2x"),
            ("QUECTEL", "EG25-G", "quectel-ec2x"),
            ("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom-sim7600"),
            ("SIMCOM_Ltd", "SIMCOM_SIM800L", "simcom-sim800"),
            ("huawei", "E1550", "huawei-voice"),
            ("huawei", "E173", "huawei-voice"),
            ("huawei", "E1750", "huawei-voice"),
            ("Quectel", "EG91-E", "quectel-ec2x"),
            // Another platform whose name starts the same: not ours.
            ("Quectel", "EG912U", "generic"),
            // A maker we know, a model we do not: plain 27.007.
            ("huawei", "ME909s-120", "generic"),
            ("Quectel", "BG96", "generic"),
            ("OTPGATE", "SIM-GSM", "generic"),
            ("", "", "generic"),
        ] {
            assert_eq!(c.select(maker, model).name, want, "{maker} {model}");
        }
    }

    #[test]
    fn a_longer_model_pattern_wins_and_model_beats_maker_only() {
        let mut c = Catalog::built_in();
        let p = |name: &str, model: &str| {
            Profile::parse(
                &format!(
                    "name = \"{name}\"\ndescription = \"x\"\n[match]\nmanufacturer = [\"acme\"]\nmodel = [{model}]\n"
                ),
                "test",
            )
            .unwrap()
        };
        c.insert(p("acme-any", ""));
        c.insert(p("acme-m1", "\"M1\""));
        c.insert(p("acme-m100", "\"M100\""));
        assert_eq!(c.select("ACME Corp", "M100-X").name, "acme-m100");
        assert_eq!(c.select("ACME Corp", "M1-X").name, "acme-m1");
        assert_eq!(c.select("ACME Corp", "Z9").name, "acme-any");
    }

    #[test]
    fn the_modem_section_wins_over_the_profile() {
        let c = Catalog::built_in();
        let quectel = c.get("quectel-ec2x").unwrap();
        let s = quectel.settings(&Overrides::default());
        assert_eq!(s.submit_timeout, Duration::from_secs(120));
        let s = quectel.settings(&Overrides {
            submit_timeout: Some(Duration::from_secs(7)),
            status_reports: Some(false),
            ..Overrides::default()
        });
        assert_eq!(
            (s.submit_timeout, s.status_reports),
            (Duration::from_secs(7), false)
        );
        assert_eq!(
            c.generic().settings(&Overrides::default()),
            Settings::DEFAULT
        );
    }

    #[test]
    fn bad_profiles_say_what_is_wrong() {
        for (text, needle) in [
            ("name = \"x\"\ndescription = \"\"\n", "manufacturer is empty"),
            ("name = \"a b\"\ndescription = \"\"\n", "name"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n[quirks]\ninit = [\"ATZ\\r\"]\n", "init"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n[quirks]\ninit = [\"+CMGF=0\"]\n", "init"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n[quirks]\ncnmi = [2,1,0,9]\n", "cnmi"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n[voice]\nbackend = \"sip\"\n", "backend"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n[timeouts]\nsubmit_ms = 0\n", "submit_ms"),
            ("name = \"x\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\nbaud = 9600\n", "baud"),
            ("name = \"generic\"\ndescription = \"\"\n[match]\nmanufacturer = [\"a\"]\n", "no [match]"),
        ] {
            let e = Profile::parse(text, "t.toml").unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains("t.toml"), "{text}: {e}");
        }
    }

    #[test]
    fn a_directory_adds_and_replaces_profiles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "name = \"acme-m1\"\ndescription = \"ours\"\n[match]\nmanufacturer = [\"acme\"]\n[timeouts]\nsubmit_ms = 9000\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("generic.toml"),
            "name = \"generic\"\ndescription = \"slow network\"\n[timeouts]\nregistration_s = 300\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
        let c = Catalog::load(dir.path()).unwrap();
        assert_eq!(
            c.select("ACME", "M1").submit_timeout,
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            c.generic().registration_timeout,
            Some(Duration::from_secs(300))
        );
        assert_eq!(c.select("Quectel", "EC25").name, "quectel-ec2x");
        std::fs::write(
            dir.path().join("other.toml"),
            "name = \"acme-m1\"\ndescription = \"twice\"\n[match]\nmanufacturer = [\"acme\"]\n",
        )
        .unwrap();
        let e = Catalog::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("also named"), "{e}");
        let e = Catalog::load(&dir.path().join("missing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
    }
}
