//! Configuration: the TOML file (or the embedded default) turned into a validated [`Config`].
//!
//! Read in two stages, as the user wrote it ([`FileConfig`], serde, unknown keys rejected so a
//! typo is an error rather than a silent default) and then what the program needs
//! ([`Config`], defaults applied, values checked). Nothing else in the crate reads a config
//! file or the environment.
//!
//! Validation reports every problem it finds, not just the first, each about a key of the
//! file ([`problem::KeyPath`]); [`problem::Locator`] turns those into line numbers, so errors
//! read `PATH:LINE:COL: message` both at `otpgate serve` and in `otpgate check-config`.

pub mod problem;

use crate::modem::profile::{Catalog, Overrides, Settings};
use crate::modem::voice::{BackendConfig, Vendor};
use crate::modem::EngineConfig;
use crate::otp::limits::LimitsConfig;
use crate::otp_service::OtpConfig;
use crate::pool::{Caps, ModemSpec};
use crate::queue::{RetryPolicy, Routing};
use problem::{KeyPath, Located, Locator, Problem};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the API listens when the file has no `listen`: this machine only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The example configuration shipped in the repository and shown in the README.
pub const EXAMPLE: &str = include_str!("../otpgate.example.toml");

/// Errors of loading a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax, a wrong type, an unknown key: the parser stops at the first.
    #[error("{}", .problem.render(.path))]
    Parse { path: PathBuf, problem: Located },
    /// Every problem validation found, one per line.
    #[error("{}", problem::render_all(.path, .problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Located>,
    },
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address the HTTP API listens on.
    pub listen: Option<String>,
    /// Where the database and the body key live.
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub queue: QueueSection,
    #[serde(default)]
    pub otp: OtpSection,
    #[serde(default)]
    pub voice: VoiceSection,
    #[serde(default)]
    pub retention: RetentionSection,
    #[serde(default, rename = "modem")]
    pub modems: Vec<ModemSection>,
    /// `[webhook]`: optional; see [`crate::webhook::WebhookSection`].
    pub webhook: Option<crate::webhook::WebhookSection>,
    /// `[tls]`: serve HTTPS with this certificate and key; absent: plain HTTP.
    pub tls: Option<TlsSection>,
    /// More modem profiles (`*.toml`), beside and over the built-in ones.
    pub profiles_dir: Option<PathBuf>,
    #[serde(default)]
    pub log: LogSection,
}

/// `[log]`: the shape of log lines (see [`crate::logging`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// `text` (default; journald-friendly when stdout is the journal) or `json`.
    pub format: Option<crate::logging::LogFormat>,
}

/// `[tls]`: both files, PEM. Read at start (see [`crate::listen::tls`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// The certificate chain, the server's own certificate first.
    pub cert: PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1), unencrypted; may be root:otpgate 0640.
    pub key: PathBuf,
}

/// `[queue]`: retry policy.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSection {
    pub max_attempts: Option<u32>,
    /// How long a routed message waits for one of its modems before any modem may take it.
    pub route_fallback_ms: Option<u64>,
    pub backoff_base_ms: Option<u64>,
    pub backoff_max_ms: Option<u64>,
}

/// `[otp]`: OTP defaults and abuse limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtpSection {
    /// Wrong attempts where the dialect has no field for it (Nomado, MonSMSPro). Default 3.
    pub max_attempts: Option<u32>,
    /// Validity where the dialect has no field for it (MonSMSPro), seconds. Default 600.
    pub ttl_s: Option<u64>,
    /// Seconds before another code may go to the same number. Default 30.
    pub resend_cooldown_s: Option<u64>,
    /// Codes per destination number per hour. Default 5.
    pub per_number_per_hour: Option<u32>,
    /// Sustained requests per second per account. Default 200.
    pub per_account_per_second: Option<u32>,
    /// Burst allowance per account. Default 400.
    pub per_account_burst: Option<u32>,
    /// Country calling codes codes may be sent to (SMS-pumping defence). Default: all.
    pub allowed_country_codes: Option<Vec<u16>>,
}

/// `[retention]`: how long records are kept (0: forever).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Finished messages, days after creation (default 30).
    pub messages_days: Option<u64>,
    /// OTP records, hours after expiry (default 24).
    pub otps_hours: Option<u64>,
    /// Received SMS, days after arrival (default 90).
    pub inbox_days: Option<u64>,
}

/// `[voice]`: voice OTPs (Octopush `voice_sms`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSection {
    /// Calls placed before a voice OTP fails (default 3).
    pub max_attempts: Option<u32>,
    /// Seconds between two calls (default 60).
    pub retry_delay_s: Option<u64>,
    /// Seconds a call may ring before it counts as not answered (default 45).
    pub ring_timeout_s: Option<u64>,
    /// After the last failed call, send the code by SMS instead (default false: a voice OTP
    /// never silently becomes an SMS).
    pub sms_fallback: Option<bool>,
    /// The espeak-ng program (default `espeak-ng` on the PATH).
    pub tts_program: Option<PathBuf>,
}

/// One `[[modem]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModemSection {
    pub id: String,
    pub device: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// SIM PIN, entered once at bring-up (never retried when rejected).
    pub pin: Option<String>,
    /// Run a simulated modem in-process and symlink its pseudo-terminal at `device`.
    #[serde(default)]
    pub simulated: bool,
    /// Simulated modems only: delay before the network accepts an SMS.
    pub sim_latency_ms: Option<u64>,
    pub command_timeout_ms: Option<u64>,
    pub submit_timeout_ms: Option<u64>,
    pub registration_timeout_s: Option<u64>,
    /// Ask the network for a status report on every part (default true).
    pub status_reports: Option<bool>,
    /// Destination prefixes this modem sends first (e.g. a SIM per operator).
    #[serde(default)]
    pub routes: Vec<String>,
    /// Parts this modem may send per minute / per day (a SIM plan's fair-use limit).
    pub max_per_minute: Option<u32>,
    pub max_per_day: Option<u32>,
    /// Seconds between health polls of an idle modem (default 30).
    pub health_interval_s: Option<u64>,
    /// Ceiling of the reconnect backoff, milliseconds (default 30000).
    pub reconnect_max_ms: Option<u64>,
    /// Voice backend: pcm-serial | modem-tts | modem-file | none (default none).
    pub voice: Option<String>,
    /// pcm-serial only: the modem's audio serial port.
    pub voice_device: Option<PathBuf>,
    /// modem-tts / modem-file: quectel | simcom (default: the profile's, else from +CGMI).
    pub voice_vendor: Option<String>,
    /// The modem profile to use, by name (default: chosen by what +CGMI/+CGMM answer).
    pub profile: Option<String>,
    /// The USB interface number of the AT port, when sysfs cannot tell (default: read there).
    pub usb_interface: Option<u8>,
}

fn default_baud() -> u32 {
    115_200
}

/// A modem to run: the worker's spec, and whether the daemon simulates it.
#[derive(Debug, Clone)]
pub struct ModemConfig {
    pub spec: ModemSpec,
    /// `Some(latency)` for a simulated modem run in-process.
    pub simulated: Option<Duration>,
}

/// Voice settings the pool needs.
#[derive(Debug, Clone)]
pub struct VoiceSettings {
    pub ring_timeout: Duration,
    pub tts: crate::voice::Tts,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub retry: RetryPolicy,
    pub routing: Routing,
    pub modems: Vec<ModemConfig>,
    pub otp: OtpConfig,
    /// Voice OTP settings shared by the modems.
    pub voice: VoiceSettings,
    pub retention: crate::retention::RetentionConfig,
    /// Where state changes are POSTed, if anywhere.
    pub webhook: Option<crate::webhook::WebhookConfig>,
    /// HTTPS instead of HTTP.
    pub tls: Option<TlsSection>,
    /// The shape of log lines.
    pub log_format: crate::logging::LogFormat,
    /// The modem profiles: built in, plus `profiles_dir`.
    pub profiles: std::sync::Arc<Catalog>,
    /// Create the demo account at first start (embedded default only).
    pub demo_account: bool,
    /// Where the configuration came from, for messages.
    pub source: String,
}

impl Config {
    /// Loads and validates `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates configuration text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::from_file(FileConfig::parse(text, path)?, text, path)
    }

    /// Validates a parsed file; `text` is what it was parsed from, for line numbers.
    pub fn from_file(file: FileConfig, text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::validate(file, path).map_err(|problems| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: Locator::new(text).locate(problems),
        })
    }

    /// The embedded default: data in `./otpgate-data`, 127.0.0.1:8080, one simulated modem.
    pub fn embedded_default() -> Self {
        let file = FileConfig {
            listen: None,
            data_dir: None,
            queue: QueueSection::default(),
            otp: OtpSection::default(),
            voice: VoiceSection::default(),
            retention: RetentionSection::default(),
            modems: vec![ModemSection {
                id: "sim0".into(),
                device: PathBuf::from("otpgate-data/sim0.tty"),
                baud: default_baud(),
                pin: None,
                simulated: true,
                sim_latency_ms: Some(0),
                command_timeout_ms: None,
                submit_timeout_ms: None,
                registration_timeout_s: None,
                status_reports: None,
                routes: Vec::new(),
                max_per_minute: None,
                max_per_day: None,
                health_interval_s: None,
                reconnect_max_ms: None,
                voice: None,
                voice_device: None,
                voice_vendor: None,
                profile: None,
                usb_interface: None,
            }],
            webhook: None,
            tls: None,
            log: LogSection::default(),
            profiles_dir: None,
        };
        let mut config = Self::validate(file, Path::new("<embedded default>"))
            .unwrap_or_else(|e| unreachable!("the embedded default is valid: {e:?}"));
        config.source = "embedded default (simulated modem, no hardware)".into();
        config.demo_account = true;
        config
    }

    /// Checks the file and applies defaults; every problem found, each about a key.
    fn validate(file: FileConfig, path: &Path) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let root = KeyPath::root();
        let listen_text = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen_text.parse().unwrap_or_else(|e| {
            problems.push(Problem::new(
                root.key("listen"),
                format!("listen = {listen_text:?}: {e} (write an address and a port, like \"127.0.0.1:8080\")"),
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let data_dir = file
            .data_dir
            .unwrap_or_else(|| PathBuf::from("otpgate-data"));
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_attempts: file
                .queue
                .max_attempts
                .unwrap_or(defaults.max_attempts)
                .max(1),
            backoff_base: file
                .queue
                .backoff_base_ms
                .map_or(defaults.backoff_base, Duration::from_millis),
            backoff_max: file
                .queue
                .backoff_max_ms
                .map_or(defaults.backoff_max, Duration::from_millis),
            busy_delay: defaults.busy_delay,
            voice_max_attempts: file
                .voice
                .max_attempts
                .unwrap_or(defaults.voice_max_attempts)
                .max(1),
            voice_retry_delay: file
                .voice
                .retry_delay_s
                .map_or(defaults.voice_retry_delay, Duration::from_secs),
            voice_sms_fallback: file.voice.sms_fallback.unwrap_or(false),
        };
        let mut tts = crate::voice::Tts::default();
        if let Some(program) = &file.voice.tts_program {
            tts.program = program.clone();
        }
        let voice = VoiceSettings {
            ring_timeout: Duration::from_secs(file.voice.ring_timeout_s.unwrap_or(45).max(1)),
            tts,
        };
        let profiles = match &file.profiles_dir {
            None => Catalog::built_in(),
            Some(dir) => Catalog::load(dir).unwrap_or_else(|e| {
                problems.push(Problem::new(root.key("profiles_dir"), e.to_string()));
                Catalog::built_in()
            }),
        };
        if file.modems.is_empty() {
            problems.push(Problem::new(
                root.key("modem"),
                "no [[modem]] configured: at least one is needed",
            ));
        }
        let mut modems = Vec::new();
        for (i, m) in file.modems.into_iter().enumerate() {
            let at = root.key("modem").index(i);
            let mut bad =
                |key: &str, message: String| problems.push(Problem::new(at.key(key), message));
            if m.id.is_empty()
                || !m
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                bad(
                    "id",
                    format!("modem id {:?}: use letters, digits, - _ .", m.id),
                );
            }
            if modems.iter().any(|x: &ModemConfig| x.spec.id == m.id) {
                bad("id", format!("modem id {:?} appears twice", m.id));
            }
            if m.baud == 0 {
                bad("baud", format!("modem {}: baud must be positive", m.id));
            }
            if let Some(pin) = &m.pin {
                if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
                    bad("pin", format!("modem {}: pin must be 4 to 8 digits", m.id));
                }
            }
            if let Some(name) = &m.profile {
                if profiles.get(name).is_none() {
                    let known: Vec<&str> = profiles.profiles().map(|p| p.name.as_str()).collect();
                    problems.push(Problem::new(
                        at.key("profile"),
                        format!(
                            "modem {}: profile {name:?} is not known (known: {})",
                            m.id,
                            known.join(", ")
                        ),
                    ));
                }
            }
            for (j, route) in m.routes.iter().enumerate() {
                let digits = route.trim_start_matches('+');
                if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                    problems.push(Problem::new(
                        at.key("routes").index(j),
                        format!("routes: {route:?} is not a number prefix like \"+3361\""),
                    ));
                }
            }
            let overrides = Overrides {
                command_timeout: m.command_timeout_ms.map(Duration::from_millis),
                submit_timeout: m.submit_timeout_ms.map(Duration::from_millis),
                registration_timeout: m.registration_timeout_s.map(Duration::from_secs),
                status_reports: m.status_reports,
            };
            // Until the modem said what it is: its own settings, else the defaults.
            let first = Settings::DEFAULT;
            let engine = EngineConfig {
                command_timeout: overrides.command_timeout.unwrap_or(first.command_timeout),
                submit_timeout: overrides.submit_timeout.unwrap_or(first.submit_timeout),
                ..EngineConfig::default()
            };
            let voice = voice_backend(&m, &at).unwrap_or_else(|p| {
                problems.push(p);
                BackendConfig::None
            });
            let spec = ModemSpec {
                id: m.id,
                device: m.device,
                baud: m.baud,
                pin: m.pin,
                engine,
                overrides,
                profile: m.profile,
                usb_interface: m.usb_interface,
                max_backoff: Duration::from_millis(m.reconnect_max_ms.unwrap_or(30_000)),
                routes: m.routes,
                caps: Caps {
                    per_minute: m.max_per_minute,
                    per_day: m.max_per_day,
                },
                health_interval: Duration::from_secs(m.health_interval_s.unwrap_or(30).max(1)),
                voice,
            };
            let simulated = m
                .simulated
                .then(|| Duration::from_millis(m.sim_latency_ms.unwrap_or(0)));
            modems.push(ModemConfig { spec, simulated });
        }
        let otp = otp_config(&file.otp);
        let webhook = match file
            .webhook
            .as_ref()
            .map(crate::webhook::WebhookConfig::from_section)
        {
            None => None,
            Some(Ok(w)) => Some(w),
            Some(Err(e)) => {
                problems.push(Problem::new(
                    root.key("webhook").key(webhook_key(&e)),
                    format!("[webhook] {e}"),
                ));
                None
            }
        };
        let mut prefixes: Vec<String> = modems.iter().flat_map(|m| m.spec.routes.clone()).collect();
        prefixes.sort();
        prefixes.dedup();
        let routing = Routing {
            prefixes,
            fallback: file
                .queue
                .route_fallback_ms
                .map_or(Routing::default().fallback, Duration::from_millis),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            listen,
            data_dir,
            retry,
            routing,
            modems,
            otp,
            voice,
            retention: retention_config(&file.retention),
            webhook,
            tls: file.tls,
            log_format: file.log.format.unwrap_or_default(),
            profiles: std::sync::Arc::new(profiles),
            demo_account: false,
            source: path.display().to_string(),
        })
    }
}

impl FileConfig {
    /// Parses configuration text as written (`path` names it in errors): TOML syntax, types,
    /// unknown keys. The parser stops at the first such problem.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            problem: Located {
                at: e.span().map(|s| problem::position(text, s.start)),
                // One line per problem: toml's message may run over several. Values it
                // quotes (a PIN, a secret) are left out.
                message: e
                    .message()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(problem::without_values)
                    .collect::<Vec<_>>()
                    .join("; "),
            },
        })
    }
}

/// The `[webhook]` key a webhook error is about.
fn webhook_key(e: &crate::webhook::WebhookError) -> &'static str {
    use crate::webhook::WebhookError as E;
    match e {
        E::EmptySecret => "secret",
        E::Zero(key) => key,
        _ => "url",
    }
}

fn retention_config(s: &RetentionSection) -> crate::retention::RetentionConfig {
    let d = crate::retention::RetentionConfig::default();
    let keep = |v: Option<u64>, unit: u64, default: Option<Duration>| match v {
        None => default,
        Some(0) => None,
        Some(n) => Some(Duration::from_secs(n.saturating_mul(unit))),
    };
    crate::retention::RetentionConfig {
        messages: keep(s.messages_days, 86_400, d.messages),
        otps: keep(s.otps_hours, 3_600, d.otps),
        inbox: keep(s.inbox_days, 86_400, d.inbox),
    }
}

/// Modem `m`'s voice backend; `at` is its `[[modem]]`, for the key of a problem.
fn voice_backend(m: &ModemSection, at: &KeyPath) -> Result<BackendConfig, Problem> {
    let vendor = match m.voice_vendor.as_deref() {
        None => None,
        Some(v) => match Vendor::detect(v) {
            Some(vendor @ (Vendor::Quectel | Vendor::Simcom)) => Some(vendor),
            _ => {
                return Err(Problem::new(
                    at.key("voice_vendor"),
                    format!(
                        "modem {}: voice_vendor {v:?}: use \"quectel\" or \"simcom\"",
                        m.id
                    ),
                ))
            }
        },
    };
    Ok(match m.voice.as_deref().unwrap_or("none") {
        "none" => BackendConfig::None,
        "auto" => BackendConfig::Auto {
            device: m.voice_device.clone(),
            baud: m.baud,
            vendor,
        },
        "pcm-serial" => match &m.voice_device {
            Some(device) => BackendConfig::PcmSerial {
                device: device.clone(),
                baud: m.baud,
            },
            None => {
                return Err(Problem::new(
                    at.key("voice"),
                    format!(
                    "modem {}: voice = \"pcm-serial\" needs voice_device (the modem's audio port)",
                    m.id
                ),
                ))
            }
        },
        "modem-tts" => BackendConfig::ModemTts { vendor },
        "modem-file" => BackendConfig::ModemFile { vendor },
        other => {
            return Err(Problem::new(
                at.key("voice"),
                format!(
                "modem {}: voice = {other:?}: use auto, pcm-serial, modem-tts, modem-file or none",
                m.id
            ),
            ))
        }
    })
}

fn otp_config(s: &OtpSection) -> OtpConfig {
    let d = OtpConfig::default();
    let l = d.limits.clone();
    OtpConfig {
        default_max_attempts: s.max_attempts.unwrap_or(d.default_max_attempts).max(1),
        default_ttl_s: s.ttl_s.unwrap_or(d.default_ttl_s).max(1),
        limits: LimitsConfig {
            resend_cooldown_ms: s
                .resend_cooldown_s
                .map_or(l.resend_cooldown_ms, |v| v.saturating_mul(1000)),
            per_number_per_hour: s.per_number_per_hour.unwrap_or(l.per_number_per_hour),
            per_account_per_second: s.per_account_per_second.unwrap_or(l.per_account_per_second),
            per_account_burst: s.per_account_burst.unwrap_or(l.per_account_burst),
            allowed_country_codes: s.allowed_country_codes.clone().or(l.allowed_country_codes),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_is_valid() {
        let c = Config::parse(EXAMPLE, Path::new("otpgate.example.toml")).unwrap();
        assert_eq!(c.modems[0].spec.id, "usb0");
        assert_eq!(c.modems[0].spec.baud, 115_200);
        assert_eq!(
            c.modems[0].spec.pin, None,
            "no PIN a copied example could spend"
        );
    }

    /// toml would say "invalid type: integer `987654`": a PIN or secret must not be echoed.
    #[test]
    fn type_errors_never_quote_the_value() {
        for (text, value) in [
            (
                "[[modem]]\nid = \"m\"\ndevice = \"/dev/x\"\npin = 987654\n",
                "987654",
            ),
            (
                "[webhook]\nurl = \"http://h/\"\nsecret = 55667788\n",
                "55667788",
            ),
            (
                "[webhook]\nurl = \"http://h/\"\nsecret = 5566.7788\n",
                "5566.7788",
            ),
        ] {
            let e = FileConfig::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(!e.contains(value), "{e}");
            assert!(e.contains("invalid type: "), "{e}");
            assert!(e.contains(", expected a string"), "{e}");
            assert!(e.contains("c.toml:"), "{e}");
        }
    }

    #[test]
    fn embedded_default_is_one_simulated_modem() {
        let c = Config::embedded_default();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("otpgate-data"));
        assert_eq!(c.modems.len(), 1);
        assert!(c.modems[0].simulated.is_some());
    }

    #[test]
    fn errors_name_the_problem() {
        let p = Path::new("x.toml");
        let e = Config::parse(
            "listen = \"nope\"\n[[modem]]\nid=\"a\"\ndevice=\"/dev/x\"",
            p,
        );
        assert!(e.unwrap_err().to_string().contains("listen"));
        let e = Config::parse("lisen = \"127.0.0.1:1\"", p).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        let e = Config::parse("", p).unwrap_err();
        assert!(e.to_string().contains("no [[modem]]"));
        let e = Config::parse("[[modem]]\nid=\"a\"\ndevice=\"/d\"\npin=\"12\"", p).unwrap_err();
        assert!(e.to_string().contains("pin"));
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "\
listen = \"nope\"

[[modem]]
id = \"a\"
device = \"/d\"
pin = \"12\"
routes = [\"+33\", \"x1\"]

[[modem]]
id = \"a\"
device = \"/e\"
voice = \"pcm-serial\"

[webhook]
url = \"http://h/e\"
secret = \"\"
";
        let e = Config::parse(text, Path::new("o.toml")).unwrap_err();
        let ConfigError::Invalid { problems, .. } = &e else {
            panic!("{e}")
        };
        let lines: Vec<_> = problems.iter().map(|p| p.at.map(|at| at.line)).collect();
        assert_eq!(
            lines,
            [Some(1), Some(6), Some(7), Some(10), Some(12), Some(16)],
            "{e}"
        );
        let text = e.to_string();
        for needle in [
            "o.toml:1:1: listen",
            "o.toml:6:1: modem a: pin must be 4 to 8 digits",
            "o.toml:7:18: routes: \"x1\"",
            "o.toml:10:1: modem id \"a\" appears twice",
            "o.toml:12:1: modem a: voice = \"pcm-serial\" needs voice_device",
            "o.toml:16:1: [webhook] secret",
        ] {
            assert!(text.contains(needle), "{needle:?} not in:\n{text}");
        }
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let e = Config::parse(
            "[[modem]]\nid = \"a\"\nbaud = \"fast\"\n",
            Path::new("o.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("o.toml:3:8: "), "{e}");
        let e = Config::parse("listen = \n", Path::new("o.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.toml:1:10: "), "{e}");
    }

    #[test]
    fn tls_needs_both_files() {
        let p = Path::new("x.toml");
        let modem = "[[modem]]\nid=\"a\"\ndevice=\"/d\"\n";
        let c = Config::parse(&format!("[tls]\ncert = \"/c\"\nkey = \"/k\"\n{modem}"), p).unwrap();
        assert_eq!(c.tls.unwrap().key, PathBuf::from("/k"));
        assert!(Config::parse(modem, p).unwrap().tls.is_none());
        let e = Config::parse(&format!("[tls]\ncert = \"/c\"\n{modem}"), p).unwrap_err();
        assert!(e.to_string().contains("missing field `key`"), "{e}");
    }

    #[test]
    fn webhook_section() {
        let p = Path::new("x.toml");
        let modem = "[[modem]]\nid=\"a\"\ndevice=\"/d\"\n";
        let parse = |hook: &str| Config::parse(&format!("{hook}\n{modem}"), p);
        assert!(parse("").unwrap().webhook.is_none());
        let c = parse("[webhook]\nurl = \"http://10.0.0.5:8080/otpgate/events\"\nsecret = \"k\"\ntimeout_ms = 2000\nmax_backoff_ms = 30000").unwrap();
        let w = c.webhook.unwrap();
        assert_eq!((w.target.port, w.timeout.as_millis()), (8080, 2000));
        for (hook, needle) in [
            ("[webhook]\nurl = \"https://h/e\"", "reverse proxy"),
            ("[webhook]\nurl = \"h/e\"", "http://"),
            ("[webhook]\nurl = \"http://h/e\"\nretries = 3", "retries"),
            ("[webhook]\nsecret = \"k\"", "url"),
        ] {
            let e = parse(hook).unwrap_err().to_string();
            assert!(e.contains(needle), "{hook}: {e}");
        }
    }
}
