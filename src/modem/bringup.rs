//! Bring-up: from a freshly opened port to a modem that can send SMS in PDU mode.
//!
//! The sequence, and why:
//! 1. ESC — a modem left in a `+CMGS` prompt by a crash would take our next command for PDU
//!    text (27.005 §3.5.1).
//! 2. `AT` until it answers (three short tries), then `ATZ` (known profile), `ATE0` (echo off;
//!    we cope either way) and `AT+CMEE=1` (numeric error values, 27.007 §9.1).
//! 3. Identity: `+CGMI`, `+CGMM`, `+CGMR`, `+CGSN` (27.007 §5); none is required. The
//!    modem's profile ([`super::profile`]) is chosen from the first two (or named by the
//!    configuration): its timeouts apply from here on, and its `init` commands are sent.
//! 4. SIM: `AT+CPIN?` (27.007 §8.3), asked again every 500 ms (`POLL`) while the SIM is
//!    still starting — `+CPIN: NOT READY` (what modems answer for a moment after power-up)
//!    or `+CME ERROR: 14` (SIM busy, §9.2) — for up to 15 s (`SIM_READY_TIMEOUT`), then
//!    [`BringUpError::Sim`] saying what it still answered. Then the PIN if the SIM asks for it
//!    (the rule below), then `+CIMI` and `+CCID`.
//! 5. Network: `AT+CREG?` and `AT+CEREG?` polled until either domain is registered (home,
//!    roaming or SMS-only) or the registration timeout. "Registration denied" ends the wait
//!    early only when every domain that answers says so: a data-only SIM is denied on CS
//!    (`+CREG: 0,3`) and registered on EPS (`+CEREG: 0,1`). `AT+CSQ` and `AT+COPS?` for the
//!    operator's view.
//! 6. SMS: `AT+CMGF=0` (PDU mode: the only mode that carries UCS-2 and concatenation
//!    reliably across vendors) and `AT+CNMI` so new SMS are announced (`+CMTI`) and status
//!    reports routed to us (`+CDS`). The `AT+CNMI` values are chosen from the modem's own
//!    `AT+CNMI=?` list ([`command::choose_indications`]), then fixed combinations follow
//!    for modems whose list is missing or wrong. Modems refuse SMS commands with a busy error
//!    (`+CMS ERROR: 314`, SIM busy) until their SMS service is up, a while after the SIM:
//!    a command answered with an error of class [`ErrorClass::Busy`] is asked again every
//!    `POLL` for up to 10 s (`SMS_READY_TIMEOUT`, one budget for the whole step); still
//!    busy then, bring-up fails ([`BringUpError::SmsNotReady`]) rather than run without
//!    indications until the next bring-up. Any other refusal of one `AT+CNMI` setting moves
//!    on to the next; when all are refused the modem runs without indications (and says so).
//!
//! # The SIM PIN rule
//! A SIM blocks after three wrong PINs, so the configured PIN is entered only while no attempt
//! can have been spent without our knowing:
//! - `+CME ERROR: 16` (incorrect password) or `12` (PUK required) is a definite rejection:
//!   [`BringUpError::PinRejected`]; the caller remembers it (across restarts) and stops
//!   passing the PIN. So is a SIM that still asks for its PIN `SIM_READY_TIMEOUT` after the
//!   modem answered `OK` to the entry (it is asked every `POLL` meanwhile: some modems report
//!   the old state for a moment): the modem took the PIN and the SIM did not open.
//! - SIM busy (`+CME ERROR: 14`, an error of class [`ErrorClass::Busy`]) means the SIM did
//!   not look at the PIN, so no attempt was spent: bring-up waits `POLL`, reads `+CPIN?`
//!   again (the SIM may have opened, or want its PUK) and enters the PIN again while it still
//!   asks for it, until `SIM_READY_TIMEOUT`. Still busy then, the bring-up fails with
//!   [`BringUpError::Sim`]: nothing was spent, so the next bring-up may try again.
//! - Anything else — no answer in time, a restart or a closed port in the middle, an error we
//!   cannot read as one of the above — leaves it unknown whether the SIM counted an attempt:
//!   [`BringUpError::PinUnconfirmed`]. The PIN is not entered again in this bring-up, and
//!   the caller must not pass it to another one before the SIM is seen unlocked (or an
//!   operator restarts the daemon), but it is not remembered as rejected: it may be right.
//!   When the modem answered with an error, `+CPIN?` is read first: a SIM that opened
//!   anyway is a success, one that wants its PUK is [`BringUpError::PukRequired`]. (A modem
//!   that refused `AT+CMEE=1` answers a wrong PIN with a plain `ERROR` too: unconfirmed, so
//!   such a modem may try a wrong PIN once per start of the daemon.)
//! - `+CME ERROR: 10` (no SIM) is [`BringUpError::NoSim`]: nothing to unlock.

use super::profile::{Catalog, Ensure, Overrides, PortKind, Profile, Settings};
use super::{AtError, ModemHandle};
use crate::at::command::{self, Command, Domain, Identity, PinState};
use crate::at::{ErrorClass, ErrorCode};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

#[cfg(test)]
mod tests;

/// What bring-up needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct BringUpConfig {
    /// The SIM PIN; `None` once it was rejected (or its entry went unconfirmed).
    pub pin: Option<String>,
    /// What the `[[modem]]` set itself: it wins over the profile.
    pub overrides: Overrides,
    /// The profiles to choose from once the modem said what it is.
    pub profiles: Arc<Catalog>,
    /// The profile the `[[modem]]` names (`profile = "..."`) instead of choosing by identity.
    pub profile: Option<String>,
    /// Where the AT port sits (which settings of the profile apply).
    pub port: PortKind,
}

/// Why a modem could not come up, in the words its status shows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BringUpError {
    #[error("no answer")]
    NoAnswer,
    #[error("SIM PIN required")]
    PinRequired,
    #[error("SIM PIN rejected (not tried again: a SIM locks after three wrong PINs)")]
    PinRejected,
    /// The PIN entry got no answer we can read as accepted or rejected (see the module docs).
    #[error(
        "SIM PIN entry unconfirmed ({0}); not entered again until the SIM is seen unlocked \
         or otpgate restarts (a SIM locks after three wrong PINs)"
    )]
    PinUnconfirmed(String),
    #[error("SIM PUK required")]
    PukRequired,
    #[error("no SIM")]
    NoSim,
    #[error("SIM not ready: {0}")]
    Sim(String),
    #[error("not registered: {0}")]
    NotRegistered(String),
    /// The SMS service stayed busy (`+CMS ERROR: 314` and the like) past its deadline.
    #[error("SMS service not ready: {0}")]
    SmsNotReady(String),
    #[error("{0}")]
    At(#[from] AtError),
}

/// What the modem told us about itself.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ModemInfo {
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub imei: Option<String>,
    pub imsi: Option<String>,
    pub iccid: Option<String>,
    pub operator: Option<String>,
    /// `+CSQ` `<rssi>` (0-31, 99 unknown).
    pub rssi: Option<u8>,
    pub signal_dbm: Option<i32>,
    /// The registration state in words.
    pub registration: String,
    /// Whether the modem accepted routing status reports to us.
    pub status_reports: bool,
    /// The profile bring-up chose (by name, or by `+CGMI`/`+CGMM`).
    pub profile: String,
    /// The timeouts it runs with: its `[[modem]]`, else its profile, else the defaults.
    pub timeouts: Timeouts,
}

/// [`ModemInfo::timeouts`].
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Timeouts {
    pub command_ms: u64,
    pub submit_ms: u64,
    pub registration_s: u64,
}

/// How long the SIM may take to start (`+CPIN: NOT READY`, SIM busy), and to open after the
/// PIN (it reads its files first).
const SIM_READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the SMS service may stay busy once the SIM is ready (SIMCom's "SMS Ready" and
/// Quectel's "+QIND: SMS DONE" come a few seconds after the SIM).
const SMS_READY_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(500);
const SYNC_TRIES: usize = 3;
const SYNC_TIMEOUT: Duration = Duration::from_millis(1500);

/// Brings the modem up; see the module docs for the sequence.
pub async fn bring_up(
    modem: &ModemHandle,
    config: &BringUpConfig,
) -> Result<ModemInfo, BringUpError> {
    modem.escape().await?;
    sync(modem).await?;
    modem.command(command::reset()).await?;
    // A modem that does not know V answers ERROR: it is verbose anyway.
    let _ = modem.command(command::verbose_results()).await;
    modem.command(command::echo_off()).await?;
    // Old modems without CMEE still work; their errors are plain ERROR.
    let _ = modem.command(command::numeric_errors()).await;
    let mut info = ModemInfo {
        manufacturer: ident(modem, Identity::Manufacturer)
            .await
            .unwrap_or_default(),
        model: ident(modem, Identity::Model).await.unwrap_or_default(),
        firmware: ident(modem, Identity::Revision).await.unwrap_or_default(),
        imei: ident(modem, Identity::Imei).await,
        ..ModemInfo::default()
    };
    let profile = choose_profile(config, &info);
    let settings = profile.settings(&config.overrides);
    info.profile = profile.name.clone();
    info.timeouts = Timeouts {
        command_ms: settings.command_timeout.as_millis() as u64,
        submit_ms: settings.submit_timeout.as_millis() as u64,
        registration_s: settings.registration_timeout.as_secs(),
    };
    apply_profile(modem, &profile, &settings, config.port).await?;
    unlock_sim(modem, config).await?;
    info.imsi = ident(modem, Identity::Imsi).await;
    info.iccid = bare(modem, command::iccid()).await;
    info.registration = register(modem, settings.registration_timeout).await?;
    if let Ok(lines) = modem.command(command::signal()).await {
        info.rssi = command::parse_signal(&lines).filter(|r| *r != 99);
        info.signal_dbm = info.rssi.and_then(command::rssi_dbm);
    }
    if let Ok(lines) = modem.command(command::operator()).await {
        info.operator = command::parse_operator(&lines);
    }
    let sms_deadline = Instant::now() + SMS_READY_TIMEOUT;
    while_busy(modem, command::pdu_mode(), sms_deadline)
        .await
        .map_err(sms_error)?;
    info.status_reports = indications(
        modem,
        settings.status_reports,
        profile.quirks.cnmi.as_deref(),
        sms_deadline,
    )
    .await?;
    Ok(info)
}

/// The profile the `[[modem]]` names, else the one that fits what the modem answered.
pub fn choose_profile(config: &BringUpConfig, info: &ModemInfo) -> Arc<Profile> {
    if let Some(name) = &config.profile {
        match config.profiles.get(name) {
            Some(p) => return p,
            // The configuration is checked against the catalog; this is a catalog changed
            // under us. Choose as if unnamed rather than fail the modem.
            None => tracing::warn!(profile = %name, "no such modem profile; choosing by identity"),
        }
    }
    config.profiles.select(&info.manufacturer, &info.model)
}

/// The profile's timeouts for every command from now on, its `init` commands, then the
/// settings it ensures for this kind of port. A refused command is logged and skipped: it is
/// a help, not a condition (older firmware may not know it).
async fn apply_profile(
    modem: &ModemHandle,
    profile: &Profile,
    settings: &Settings,
    port: PortKind,
) -> Result<(), BringUpError> {
    modem
        .set_timeouts(settings.command_timeout, settings.submit_timeout)
        .await?;
    for text in &profile.quirks.init {
        setting(modem, profile, text).await?;
    }
    for ensure in profile.quirks.ensure.iter().filter(|e| e.applies(port)) {
        ensure_setting(modem, profile, ensure).await?;
    }
    Ok(())
}

/// `AT` until it answers (three short tries); ERROR counts as an answer.
pub async fn sync(modem: &ModemHandle) -> Result<(), BringUpError> {
    for _ in 0..SYNC_TRIES {
        match modem
            .command(command::attention().with_timeout(SYNC_TIMEOUT))
            .await
        {
            Ok(_) => return Ok(()),
            // A modem still booting says RDY (or nothing) first.
            Err(AtError::Timeout { .. } | AtError::Rebooted { .. }) => continue,
            // Answering ERROR is answering: the line works.
            Err(AtError::Failed { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
    Err(BringUpError::NoAnswer)
}

/// An identity command's value; `None` when it fails or answers nothing.
pub async fn ident(modem: &ModemHandle, which: Identity) -> Option<String> {
    bare(modem, command::identity(which)).await
}

/// A bare-text answer's value; `None` when it fails or answers nothing.
pub async fn bare(modem: &ModemHandle, cmd: Command) -> Option<String> {
    let lines = modem.command(cmd).await.ok()?;
    let value = command::bare_value(lines.first()?);
    (!value.is_empty()).then_some(value)
}

/// `AT+CPIN?`, asked again while the SIM is still starting (`+CPIN: NOT READY`, SIM busy),
/// for up to `SIM_READY_TIMEOUT`. Never answers [`PinState::NotReady`].
pub async fn pin_state(modem: &ModemHandle) -> Result<PinState, BringUpError> {
    pin_state_until(modem, Instant::now() + SIM_READY_TIMEOUT).await
}

/// [`pin_state`] with its own deadline; still starting at `deadline` is [`BringUpError::Sim`].
async fn pin_state_until(modem: &ModemHandle, deadline: Instant) -> Result<PinState, BringUpError> {
    let started = Instant::now();
    loop {
        let starting = match modem.command(command::pin_state()).await {
            Ok(lines) => match command::parse_pin_state(&lines) {
                Some(PinState::NotReady) => "+CPIN: NOT READY".to_string(),
                Some(state) => return Ok(state),
                None => return Err(BringUpError::Sim("unreadable +CPIN answer".into())),
            },
            Err(AtError::Failed { code, .. }) => match sim_error(&code) {
                None => code.to_string(),
                Some(e) => return Err(e),
            },
            Err(e) => return Err(e.into()),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(BringUpError::Sim(format!(
                "still {starting} after {} s (a SIM still starting, or none inserted)",
                now.duration_since(started).as_secs()
            )));
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// The bring-up error an error value means for the SIM; `None` for "busy, ask again".
fn sim_error(code: &ErrorCode) -> Option<BringUpError> {
    if code.class() == ErrorClass::Busy {
        return None;
    }
    Some(match code.code() {
        Some(10 | 310) => BringUpError::NoSim,
        Some(11 | 311) => BringUpError::PinRequired,
        Some(12 | 316) => BringUpError::PukRequired,
        _ => BringUpError::Sim(code.to_string()),
    })
}

/// What an error answer to `AT+CPIN="<pin>"` says about the PIN (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinEntry {
    /// Incorrect password, or the SIM now wants its PUK: the PIN is wrong.
    Rejected,
    /// The SIM did not look at it: no attempt spent.
    Busy,
    NoSim,
    /// We cannot tell whether the SIM counted an attempt.
    Unconfirmed,
}

fn pin_entry(code: &ErrorCode) -> PinEntry {
    match code {
        ErrorCode::Cme(_) | ErrorCode::Cms(_) if code.class() == ErrorClass::Busy => PinEntry::Busy,
        ErrorCode::Cme(_) => match code.code() {
            Some(16 | 12) => PinEntry::Rejected,
            Some(10) => PinEntry::NoSim,
            _ => PinEntry::Unconfirmed,
        },
        ErrorCode::Cms(_) => match code.code() {
            Some(316) => PinEntry::Rejected,
            Some(310) => PinEntry::NoSim,
            _ => PinEntry::Unconfirmed,
        },
        _ => PinEntry::Unconfirmed,
    }
}

/// Enters the PIN if the SIM asks for it and `config` has one — by the rule of the module
/// docs — and waits for the SIM to open.
pub async fn unlock_sim(modem: &ModemHandle, config: &BringUpConfig) -> Result<(), BringUpError> {
    let deadline = Instant::now() + SIM_READY_TIMEOUT;
    match pin_state_until(modem, deadline).await? {
        PinState::Ready => return Ok(()),
        PinState::SimPin => {}
        other => return Err(locked(other)),
    }
    let Some(pin) = &config.pin else {
        return Err(BringUpError::PinRequired);
    };
    loop {
        let code = match modem.command(command::enter_pin(pin)).await {
            Ok(_) => break,
            Err(AtError::Failed { code, .. }) => code,
            // The modem may or may not have passed the PIN to the SIM.
            Err(e) => return Err(BringUpError::PinUnconfirmed(e.to_string())),
        };
        match pin_entry(&code) {
            PinEntry::Rejected => return Err(BringUpError::PinRejected),
            PinEntry::NoSim => return Err(BringUpError::NoSim),
            PinEntry::Busy if Instant::now() >= deadline => {
                return Err(BringUpError::Sim(format!(
                    "SIM busy for {} s, the PIN could not be entered ({code})",
                    SIM_READY_TIMEOUT.as_secs()
                )))
            }
            PinEntry::Busy => {
                tracing::debug!(%code, "SIM busy at PIN entry; asking again");
                tokio::time::sleep(POLL).await;
                // Look before entering it again: the SIM may have opened, or locked.
                match pin_state_until(modem, deadline).await? {
                    PinState::Ready => return Ok(()),
                    PinState::SimPin => continue,
                    other => return Err(locked(other)),
                }
            }
            PinEntry::Unconfirmed => {
                tracing::warn!(%code, "SIM PIN entry failed; not entering it again");
                // The modem answered: the SIM may have opened anyway, or locked.
                return match pin_state_until(modem, deadline).await {
                    Ok(PinState::Ready) => Ok(()),
                    Ok(PinState::SimPuk) | Err(BringUpError::PukRequired) => {
                        Err(BringUpError::PukRequired)
                    }
                    Err(BringUpError::NoSim) => Err(BringUpError::NoSim),
                    _ => Err(BringUpError::PinUnconfirmed(code.to_string())),
                };
            }
        }
    }
    // The modem took the PIN: wait for the SIM to open.
    let deadline = Instant::now() + SIM_READY_TIMEOUT;
    loop {
        let state = pin_state_until(modem, deadline).await?;
        let settled = Instant::now() >= deadline;
        match state {
            PinState::Ready => return Ok(()),
            PinState::SimPin if settled => return Err(BringUpError::PinRejected),
            PinState::SimPuk => return Err(BringUpError::PukRequired),
            PinState::Other(s) if settled => return Err(BringUpError::Sim(s)),
            // The old state for a moment, or PH-SIM and the like on the way.
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// The error of a SIM state other than READY and SIM PIN.
fn locked(state: PinState) -> BringUpError {
    match state {
        PinState::Ready | PinState::SimPin => BringUpError::Sim(format!("{state:?}")),
        PinState::SimPuk => BringUpError::PukRequired,
        PinState::NotReady => BringUpError::Sim("NOT READY".into()),
        PinState::Other(s) => BringUpError::Sim(s),
    }
}

/// Polls registration until the modem can send; answers the state in words.
async fn register(modem: &ModemHandle, timeout: Duration) -> Result<String, BringUpError> {
    let deadline = Instant::now() + timeout;
    // The last state each domain told; a domain that fails one poll keeps its last word.
    let mut last: Vec<(Domain, u8)> = Vec::new();
    loop {
        for domain in [Domain::Cs, Domain::Eps] {
            // 2G/3G-only modems answer ERROR to +CEREG?: not a problem.
            let lines = match modem.command(command::registration(domain)).await {
                Ok(lines) => lines,
                Err(AtError::Failed { .. } | AtError::Timeout { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(stat) = command::parse_registration(&lines) else {
                continue;
            };
            if command::is_registered(stat) {
                return Ok(command::registration_text(stat).to_string());
            }
            match last.iter_mut().find(|(d, _)| *d == domain) {
                Some(entry) => entry.1 = stat,
                None => last.push((domain, stat)),
            }
        }
        // Denied on every domain that answers: waiting will not change it. Denied on one
        // only (a data-only SIM on CS), the others may still register.
        if !last.is_empty() && last.iter().all(|(_, stat)| *stat == 3) {
            return Err(BringUpError::NotRegistered(registration_words(&last)));
        }
        if Instant::now() >= deadline {
            return Err(BringUpError::NotRegistered(registration_words(&last)));
        }
        tokio::time::sleep(POLL.min(timeout)).await;
    }
}

/// "registration denied" when every domain says the same; "CS: registration denied, EPS:
/// not registered, searching" when they differ.
fn registration_words(seen: &[(Domain, u8)]) -> String {
    match seen {
        [] => "no registration state".into(),
        [(_, first), rest @ ..] if rest.iter().all(|(_, s)| s == first) => {
            command::registration_text(*first).into()
        }
        _ => seen
            .iter()
            .map(|(d, s)| format!("{}: {}", d.label(), command::registration_text(*s)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// One setting command of a profile; only a port gone or a modem restarting is an error.
async fn setting(modem: &ModemHandle, profile: &Profile, text: &str) -> Result<bool, BringUpError> {
    match modem.command(Command::raw(text)).await {
        Ok(_) => {
            tracing::debug!(profile = %profile.name, command = %text, "profile setting applied");
            Ok(true)
        }
        Err(e @ (AtError::Closed | AtError::Io(_) | AtError::Rebooted { .. })) => Err(e.into()),
        Err(e) => {
            tracing::warn!(
                profile = %profile.name, command = %text, error = %e,
                "the modem refused a setting of its profile; going on without it"
            );
            Ok(false)
        }
    }
}

/// Reads a setting and writes it only when the answer lacks the expected value: settings
/// kept in non-volatile memory are not rewritten at every bring-up.
async fn ensure_setting(
    modem: &ModemHandle,
    profile: &Profile,
    ensure: &Ensure,
) -> Result<(), BringUpError> {
    match modem.command(Command::read_setting(&ensure.query)).await {
        Ok(lines) if lines.iter().any(|l| l.contains(&ensure.expect)) => Ok(()),
        Ok(lines) => {
            tracing::info!(profile = %profile.name, was = ?lines, command = %ensure.set, "changing a modem setting its profile needs");
            setting(modem, profile, &ensure.set).await.map(drop)
        }
        Err(e @ (AtError::Closed | AtError::Io(_) | AtError::Rebooted { .. })) => Err(e.into()),
        Err(e) => {
            tracing::warn!(profile = %profile.name, command = %ensure.query, error = %e, "cannot read a setting of the profile; leaving it");
            Ok(())
        }
    }
}

/// Runs `cmd`, again every `POLL` while the modem answers an error of class
/// [`ErrorClass::Busy`] (SIM busy, SMS service reserved) and `deadline` has not passed.
async fn while_busy(
    modem: &ModemHandle,
    cmd: Command,
    deadline: Instant,
) -> Result<Vec<String>, AtError> {
    loop {
        match modem.command(cmd.clone()).await {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                tracing::debug!(error = %e, "modem busy; asking again");
                tokio::time::sleep(POLL).await;
            }
            other => return other,
        }
    }
}

fn is_busy(e: &AtError) -> bool {
    e.code().is_some_and(|c| c.class() == ErrorClass::Busy)
}

/// An SMS set-up command that failed: still busy at the deadline is [`BringUpError::SmsNotReady`].
fn sms_error(e: AtError) -> BringUpError {
    if is_busy(&e) {
        BringUpError::SmsNotReady(format!(
            "still busy after {} s ({e})",
            SMS_READY_TIMEOUT.as_secs()
        ))
    } else {
        e.into()
    }
}

/// `AT+CNMI`: the values chosen from `AT+CNMI=?` first, then fixed ones — mode 2 (buffer
/// indications while the link is busy), mt 1 (`+CMTI` for stored SMS), bm 0, ds 1 (`+CDS`
/// status reports), bfr 0, with mode 1 and ds 2 (`+CDSI` stored reports) for modems that
/// refuse those. Answers whether reports are routed; busy past `deadline` is an error.
async fn indications(
    modem: &ModemHandle,
    status_reports: bool,
    preferred: Option<&[i32]>,
    deadline: Instant,
) -> Result<bool, BringUpError> {
    let mut tries: Vec<Vec<i32>> = Vec::new();
    // The profile's values first: a model whose AT+CNMI=? answer is known to mislead.
    if let Some(params) = preferred {
        let mut params = params.to_vec();
        if !status_reports && params.len() > 3 {
            params[3] = 0;
        }
        tries.push(params);
    }
    match while_busy(modem, command::supported_indications(), deadline).await {
        Ok(lines) => {
            let supported = command::parse_supported(&lines, "+CNMI:");
            match supported.and_then(|s| command::choose_indications(&s, status_reports)) {
                Some(params) => tries.push(params),
                None => tracing::debug!(?lines, "no usable AT+CNMI=? answer; fixed settings"),
            }
        }
        Err(e) if is_busy(&e) => return Err(sms_error(e)),
        Err(e) => tracing::debug!(error = %e, "AT+CNMI=? failed; fixed settings"),
    }
    let ds = i32::from(status_reports);
    for fixed in [
        [2, 1, 0, ds, 0],
        [1, 1, 0, ds, 0],
        [2, 1, 0, 2 * ds, 0],
        [1, 1, 0, 2 * ds, 0],
    ] {
        if !tries.iter().any(|t| t[..] == fixed[..]) {
            tries.push(fixed.to_vec());
        }
    }
    for params in tries {
        match while_busy(modem, command::new_message_indications(&params), deadline).await {
            Ok(_) => return Ok(command::indications_route_reports(&params)),
            Err(e) if is_busy(&e) => return Err(sms_error(e)),
            Err(e) => tracing::debug!(error = %e, "AT+CNMI setting refused; trying the next"),
        }
    }
    tracing::warn!("the modem refused every AT+CNMI setting: no +CMTI/+CDS indications");
    Ok(false)
}
