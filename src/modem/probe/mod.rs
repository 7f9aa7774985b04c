//! `otpgate modem probe DEVICE`: opens a device with the daemon's own serial code, brings the
//! modem up **read-only** and tells what it found — identity, SIM, network, SMS and voice
//! support — or, in words an operator can act on, why it could not.
//!
//! Read-only means the modem is left as the daemon (or anything else) would find it, apart
//! from volatile settings every AT program sets: ESC (out of a `+CMGS` prompt a crash may
//! have left), `AT` until it answers, `ATE0` (V.250 §6.2.4), `AT+CMEE=1` (27.007 §9.1). No
//! `ATZ`, never `AT&W`, no `+CMGF`/`+CNMI` change: PDU-mode support is read from
//! `AT+CMGF=?`, and vendor audio from the test form (`=?`) of each command. The one write is
//! the SIM PIN, and only when `--pin` is given and the SIM asks: entered once, again only
//! after a SIM-busy answer (which spends no try), never after a rejection or an answer that
//! leaves it unknown (three wrong PINs lock a SIM behind its PUK; see
//! [`super::bringup`]).
//!
//! The sequence: ESC, sync, `ATE0`, `AT+CMEE=1`; `+CGMI`/`+CGMM`/`+CGMR`/`+CGSN` (27.007 §5);
//! `AT+CPIN?` (§8.3, asked again while the SIM is still starting; and the PIN); `+CIMI`,
//! `+CCID`; `+CREG?` (§7.2) and `+CEREG?` (§10.1.22); `+COPS?` (§7.3); `+CSQ` (§8.5);
//! `AT+CSMS?` (27.005 §3.2.1), `AT+CMGF=?` (§3.2.3), `AT+CPMS?` (§3.2.2); `AT+CLCC=?`
//! (27.007 §7.18), `AT+FCLASS=?` (V.250 / T.31: 8 is voice), then the vendor audio commands
//! of [`answers::VENDOR_AUDIO`].
//!
//! A command the modem lacks answers ERROR and is reported as unsupported; a command that
//! gets no answer at all is followed by an `AT`, and if that goes unanswered too the probe
//! stops: the modem went silent (rebooting, hung).
//!
//! Exit codes: 0 found a usable modem; 3 no such device; 4 permission denied; 5 busy; 6 no
//! answer (or stopped answering); 7 SIM PIN required; 8 PIN rejected; 9 PUK required; 10 no
//! SIM; 11 SIM not ready; 1 anything else (2 is the command line's own usage error).

pub mod answers;
mod error;
pub mod report;

pub use error::ProbeError;

use super::bringup::{self, BringUpConfig, BringUpError};
use super::{AtError, EngineConfig, ModemHandle};
use crate::at::command::{self, Command, Domain, Identity, PinState};
use crate::at::CommandSpec;
use report::{NetworkReport, Registration, Report, SimReport, SimState, SmsReport, VoiceReport};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// `otpgate modem probe` options.
#[derive(Clone, clap::Args)]
pub struct ProbeArgs {
    /// The serial device, e.g. /dev/serial/by-id/usb-Quectel_EC25-if02-port0.
    pub device: PathBuf,
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// SIM PIN: entered once, only if the SIM asks for it (never retried).
    #[arg(long, value_parser = parse_pin)]
    pub pin: Option<String>,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Time for each AT command's answer.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_ms: u64,
}

fn parse_pin(s: &str) -> Result<String, String> {
    // A malformed PIN would still use up one of the SIM's three tries.
    if (4..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("a PIN is 4 to 8 digits".into())
    }
}

/// Runs the command: probes, prints, answers the exit code.
pub fn run_command(args: ProbeArgs) -> ExitCode {
    let device = args.device.display().to_string();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ProbeError::Runtime)
        .and_then(|rt| rt.block_on(probe(&args)));
    let (report, error) = match result {
        Ok(r) => {
            let e = ProbeError::from_sim(&r.sim.state);
            (Some(r), e)
        }
        Err(e) => (None, Some(e)),
    };
    if args.json {
        println!("{}", report::json(&device, report.as_ref(), error.as_ref()));
    } else if let Some(r) = &report {
        print!("{}", report::text(r));
    }
    match error {
        None => ExitCode::SUCCESS,
        Some(e) => {
            eprintln!("otpgate: {e}");
            if let Some(hint) = e.hint(&device) {
                eprintln!("{hint}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Opens the device, brings the modem up read-only and gathers the report. A SIM that is not
/// ready is reported (`sim.state`), not an error: the rest is still worth showing.
pub async fn probe(args: &ProbeArgs) -> Result<Report, ProbeError> {
    let port = super::open_serial(&args.device, args.baud)?;
    let cancel = CancellationToken::new();
    let _stop = cancel.clone().drop_guard();
    let engine = EngineConfig {
        command_timeout: Duration::from_millis(args.timeout_ms),
        ..EngineConfig::default()
    };
    // URCs are of no interest here; with the receiver gone the engine drops them quietly.
    let (modem, _) = super::spawn(port, engine, cancel);
    modem.escape().await?;
    match bringup::sync(&modem).await {
        Ok(()) => {}
        Err(BringUpError::At(e)) => return Err(e.into()),
        Err(_) => {
            return Err(ProbeError::NoAnswer {
                device: args.device.display().to_string(),
                baud: args.baud,
            })
        }
    }
    // Volatile settings only (no ATZ, no AT&W): verbose results, no echo, numeric errors.
    ask(&modem, command::verbose_results()).await?;
    ask(&modem, command::echo_off()).await?;
    ask(&modem, command::numeric_errors()).await?;
    let mut r = Report {
        device: args.device.display().to_string(),
        baud: args.baud,
        manufacturer: bringup::ident(&modem, Identity::Manufacturer).await,
        model: bringup::ident(&modem, Identity::Model).await,
        firmware: bringup::ident(&modem, Identity::Revision).await,
        imei: bringup::ident(&modem, Identity::Imei).await,
        ..Report::default()
    };
    r.profile = profile_of(&r);
    r.sim = sim(&modem, args.pin.as_deref()).await?;
    r.sim.imsi = bringup::ident(&modem, Identity::Imsi).await;
    r.sim.iccid = bringup::bare(&modem, command::iccid()).await;
    r.network = network(&modem).await?;
    r.sms = sms(&modem).await?;
    r.voice = voice(&modem).await?;
    Ok(r)
}

/// The built-in profile for what the modem answered, with its description.
fn profile_of(r: &Report) -> String {
    let p = super::profile::Catalog::built_in().select(
        r.manufacturer.as_deref().unwrap_or_default(),
        r.model.as_deref().unwrap_or_default(),
    );
    format!("{} ({})", p.name, p.description)
}

/// One command: its lines on OK, `None` on an error answer (a command the modem lacks); `Err`
/// when the port is gone or the modem stopped answering altogether.
async fn ask(modem: &ModemHandle, cmd: Command) -> Result<Option<Vec<String>>, ProbeError> {
    let text = cmd.spec.loggable().to_string();
    match modem.command(cmd).await {
        Ok(lines) => Ok(Some(lines)),
        Err(AtError::Timeout { .. }) => {
            still_there(modem, &text).await?;
            Ok(None)
        }
        Err(e @ (AtError::Closed | AtError::Io(_))) => Err(e.into()),
        Err(_) => Ok(None),
    }
}

/// After `command` got no answer: a modem that lacks a command says ERROR, so silence may
/// mean it stopped answering altogether. `AT` tells which.
async fn still_there(modem: &ModemHandle, command: &str) -> Result<(), ProbeError> {
    match bringup::sync(modem).await {
        Ok(()) => Ok(()),
        Err(BringUpError::At(e)) => Err(e.into()),
        Err(_) => Err(ProbeError::StoppedAnswering(command.to_string())),
    }
}

/// A read (`AT<name>?`) or test (`AT<name>=?`) command answered by `<name>:` lines.
fn read(name: &str, suffix: &str) -> Command {
    Command {
        spec: CommandSpec::prefixed(format!("AT{name}{suffix}"), &format!("{name}:")),
        timeout: None,
    }
}

async fn sim(modem: &ModemHandle, pin: Option<&str>) -> Result<SimReport, ProbeError> {
    let state = match bringup::pin_state(modem).await {
        Ok(PinState::Ready) => SimState::Ready,
        Ok(PinState::SimPuk) | Err(BringUpError::PukRequired) => SimState::PukRequired,
        Ok(PinState::Other(s)) => SimState::Other(s),
        // pin_state waits it out; kept for completeness.
        Ok(PinState::NotReady) => SimState::Other("NOT READY".into()),
        Ok(PinState::SimPin) | Err(BringUpError::PinRequired) => SimState::PinRequired,
        Err(BringUpError::NoSim) => SimState::Absent,
        Err(BringUpError::At(e @ (AtError::Closed | AtError::Io(_)))) => return Err(e.into()),
        Err(BringUpError::At(AtError::Timeout { command, .. })) => {
            still_there(modem, &command).await?;
            SimState::Other(format!("{command} got no answer"))
        }
        Err(e) => SimState::Other(e.to_string()),
    };
    let mut report = SimReport::default();
    report.state = match (state, pin) {
        (SimState::PinRequired, Some(pin)) => {
            let cfg = BringUpConfig {
                pin: Some(pin.to_string()),
                ..BringUpConfig::default()
            };
            match bringup::unlock_sim(modem, &cfg).await {
                Ok(()) => {
                    report.pin_entered = true;
                    SimState::Ready
                }
                Err(BringUpError::PinRejected) => SimState::PinRejected,
                Err(BringUpError::PukRequired) => SimState::PukRequired,
                Err(BringUpError::NoSim) => SimState::Absent,
                Err(BringUpError::At(e @ (AtError::Closed | AtError::Io(_)))) => {
                    return Err(e.into())
                }
                Err(e) => SimState::Other(e.to_string()),
            }
        }
        (state, _) => state,
    };
    if let SimState::Other(s) = &report.state {
        report.detail = Some(s.clone());
    }
    Ok(report)
}

async fn network(modem: &ModemHandle) -> Result<NetworkReport, ProbeError> {
    let mut n = NetworkReport::default();
    for domain in [Domain::Cs, Domain::Eps] {
        let reg = ask(modem, command::registration(domain))
            .await?
            .and_then(|lines| command::parse_registration(&lines))
            .map(|stat| Registration {
                stat,
                text: command::registration_text(stat),
                registered: command::is_registered(stat),
            });
        match domain {
            Domain::Cs => n.cs = reg,
            _ => n.eps = reg,
        }
    }
    if let Some(lines) = ask(modem, command::operator()).await? {
        n.operator = command::parse_operator(&lines);
    }
    if let Some(lines) = ask(modem, command::signal()).await? {
        n.rssi = command::parse_signal(&lines).filter(|r| *r != 99);
        n.signal_dbm = n.rssi.and_then(command::rssi_dbm);
    }
    Ok(n)
}

async fn sms(modem: &ModemHandle) -> Result<SmsReport, ProbeError> {
    let mut s = SmsReport::default();
    if let Some(lines) = ask(modem, read("+CSMS", "?")).await? {
        s.service = answers::parse_csms(&lines);
    }
    if let Some(lines) = ask(modem, read("+CMGF", "=?")).await? {
        let modes = answers::parse_values(&lines, "+CMGF:");
        s.pdu_mode = modes.as_ref().map(|m| m.contains(&0));
        s.text_mode = modes.as_ref().map(|m| m.contains(&1));
    }
    if let Some(lines) = ask(modem, read("+CPMS", "?")).await? {
        s.storage = answers::parse_cpms(&lines);
    }
    Ok(s)
}

async fn voice(modem: &ModemHandle) -> Result<VoiceReport, ProbeError> {
    let mut v = VoiceReport {
        clcc: ask(modem, read("+CLCC", "=?")).await?.is_some(),
        ..VoiceReport::default()
    };
    if let Some(lines) = ask(modem, read("+FCLASS", "=?")).await? {
        v.fclass = answers::parse_values(&lines, "+FCLASS:");
    }
    v.calls = v.clcc || v.fclass.as_ref().is_some_and(|f| f.contains(&8));
    for (name, _, _) in answers::VENDOR_AUDIO {
        if ask(modem, read(name, "=?")).await?.is_some() {
            v.vendor_commands.push(name.to_string());
        }
    }
    let answered: Vec<&str> = v.vendor_commands.iter().map(String::as_str).collect();
    v.backends = answers::backends(v.calls, &answered);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_checked_before_they_reach_the_sim() {
        for (pin, ok) in [
            ("1234", true),
            ("12345678", true),
            ("123", false),
            ("12a4", false),
        ] {
            assert_eq!(parse_pin(pin).is_ok(), ok, "{pin}");
        }
    }
}
