//! Bring-up against a scripted modem on an in-memory pipe, on paused time: a SIM that takes
//! seconds to start, PIN entries answered busy or not at all, an SMS service that is not up
//! yet, `AT+CNMI=?` lists, registration on one domain only. The simulated modem over a real
//! pty is exercised by the integration tests (`tests/it/modems.rs`).

use super::*;
use crate::modem::{self, EngineConfig};
use std::sync::{Arc, Mutex};
use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_util::sync::CancellationToken;

const OK: &str = "\r\nOK\r\n";
const ERROR: &str = "\r\nERROR\r\n";
/// Nothing at all: the command times out.
const SILENCE: &str = "";

fn answer(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(&format!("\r\n{l}\r\n"));
    }
    out + OK
}

fn error(e: &str) -> String {
    format!("\r\n{e}\r\n")
}

/// A modem that works: what every command answers unless the test's script says otherwise.
fn usual(cmd: &str) -> String {
    match cmd {
        "AT" | "ATZ" | "ATV1" | "ATE0" | "AT+CMEE=1" | "AT+CMGF=0" => OK.into(),
        "AT+CGMI" => answer(&["Quectel"]),
        "AT+CGMM" => answer(&["EC25"]),
        "AT+CGMR" => answer(&["EC25EFAR06A08M4G"]),
        "AT+CGSN" => answer(&["860000000000001"]),
        "AT+CIMI" => answer(&["208011234567890"]),
        "AT+CCID" => answer(&["+CCID: 89330000000000000000"]),
        "AT+CPIN?" => answer(&["+CPIN: READY"]),
        "AT+CREG?" => answer(&["+CREG: 0,1"]),
        "AT+CEREG?" => answer(&["+CEREG: 0,1"]),
        "AT+CSQ" => answer(&["+CSQ: 20,99"]),
        "AT+COPS?" => answer(&["+COPS: 0,0,\"Orange F\",7"]),
        "AT+CNMI=?" => answer(&["+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)"]),
        c if c.starts_with("AT+CNMI=") => OK.into(),
        _ => ERROR.into(),
    }
}

/// What the scripted modem was sent, in order (the PIN too: it is a test PIN).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn all(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn count(&self, prefix: &str) -> usize {
        self.all().iter().filter(|c| c.starts_with(prefix)).count()
    }
}

/// The script's view of one command line.
struct Line<'a> {
    cmd: &'a str,
    /// How many times this exact line was sent, this one included.
    nth: usize,
    /// Since the modem was started.
    at: Duration,
}

/// Starts a scripted modem; `script` answers a command (`None`: as [`usual`]).
fn modem(script: impl Fn(&Line) -> Option<String> + Send + 'static) -> (ModemHandle, Log, Instant) {
    let (port, peer) = duplex(4096);
    let log = Log::default();
    let start = Instant::now();
    tokio::spawn(serve(peer, script, log.clone(), start));
    let config = EngineConfig {
        command_timeout: Duration::from_millis(400),
        submit_timeout: Duration::from_secs(20),
        urc_capacity: 64,
    };
    let (handle, urcs) = modem::spawn(port, config, CancellationToken::new());
    // URCs are not the point here; keep the channel from filling up.
    tokio::spawn(async move {
        let mut urcs = urcs;
        while urcs.recv().await.is_some() {}
    });
    (handle, log, start)
}

async fn serve(
    mut peer: DuplexStream,
    script: impl Fn(&Line) -> Option<String>,
    log: Log,
    start: Instant,
) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 512];
    let mut seen = std::collections::HashMap::<String, usize>::new();
    loop {
        let n = match peer.read(&mut tmp).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&tmp[..n]);
        while let Some(pos) = buf.iter().position(|&b| b == b'\r') {
            let raw: Vec<u8> = buf.drain(..=pos).collect();
            let cmd = String::from_utf8_lossy(&raw)
                .trim_matches(|c: char| c.is_control())
                .to_string();
            if cmd.is_empty() {
                continue;
            }
            let nth = {
                let k = seen.entry(cmd.clone()).or_default();
                *k += 1;
                *k
            };
            if let Ok(mut l) = log.0.lock() {
                l.push(cmd.clone());
            }
            let line = Line {
                cmd: &cmd,
                nth,
                at: start.elapsed(),
            };
            let out = script(&line).unwrap_or_else(|| usual(&cmd));
            if peer.write_all(out.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

fn config(pin: Option<&str>) -> BringUpConfig {
    BringUpConfig {
        pin: pin.map(String::from),
        // The scripted modem's engine timeouts, whatever profile it matches.
        overrides: Overrides {
            command_timeout: Some(Duration::from_millis(400)),
            submit_timeout: Some(Duration::from_secs(20)),
            registration_timeout: Some(Duration::from_secs(5)),
            status_reports: Some(true),
        },
        ..BringUpConfig::default()
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

// ---- 1. The SIM still starting after power-up.

#[tokio::test(start_paused = true)]
async fn a_sim_not_ready_after_power_up_is_waited_for() {
    // +CPIN: NOT READY for two seconds (EC2x, SIM7600, u-blox), then SIM busy for one.
    let (m, log, start) = modem(|l| match l.cmd {
        "AT+CPIN?" if l.at < secs(2) => Some(answer(&["+CPIN: NOT READY"])),
        "AT+CPIN?" if l.at < secs(3) => Some(error("+CME ERROR: 14")),
        _ => None,
    });
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert_eq!(info.imsi.as_deref(), Some("208011234567890"));
    assert!(start.elapsed() >= secs(3), "{:?}", start.elapsed());
    assert!(log.count("AT+CPIN?") >= 5, "{:?}", log.all());
}

#[tokio::test(start_paused = true)]
async fn a_sim_that_never_gets_ready_fails_after_the_timeout_saying_why() {
    let (m, log, start) = modem(|l| (l.cmd == "AT+CPIN?").then(|| answer(&["+CPIN: NOT READY"])));
    let err = bring_up(&m, &config(None)).await.expect_err("no SIM");
    let text = err.to_string();
    assert!(matches!(err, BringUpError::Sim(_)), "{err:?}");
    assert!(
        text.contains("NOT READY") && text.contains("after 15 s"),
        "{text}"
    );
    let waited = start.elapsed();
    assert!(
        waited >= SIM_READY_TIMEOUT && waited < secs(20),
        "{waited:?}"
    );
    // Asked every POLL, not in a tight loop.
    let asked = log.count("AT+CPIN?");
    assert!((20..=40).contains(&asked), "{asked}");
}

// ---- 2. SIM busy at the PIN entry.

/// A SIM with PIN 1234 that answers the entry with `busy` for `busy_for`, then judges it.
fn pin_sim(
    busy_for: Duration,
    busy: &'static str,
) -> impl Fn(&Line) -> Option<String> + Send + 'static {
    let open = Arc::new(Mutex::new(false));
    move |l| {
        let is_open = || open.lock().map(|o| *o).unwrap_or(false);
        match l.cmd {
            "AT+CPIN?" if is_open() => Some(answer(&["+CPIN: READY"])),
            "AT+CPIN?" => Some(answer(&["+CPIN: SIM PIN"])),
            _ if l.cmd.starts_with("AT+CPIN=") && l.at < busy_for => Some(error(busy)),
            "AT+CPIN=\"1234\"" => {
                if let Ok(mut o) = open.lock() {
                    *o = true;
                }
                Some(OK.into())
            }
            _ if l.cmd.starts_with("AT+CPIN=") => Some(error("+CME ERROR: 16")),
            _ => None,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_pin_entry_answered_sim_busy_is_made_again_once_the_sim_is_free() {
    for busy in ["+CME ERROR: 14", "+CMS ERROR: 314", "+CME ERROR: SIM busy"] {
        let (m, log, _) = modem(pin_sim(secs(2), busy));
        let info = bring_up(&m, &config(Some("1234"))).await;
        assert!(info.is_ok(), "{busy}: {info:?}");
        let entries = log.count("AT+CPIN=");
        assert!((2..=6).contains(&entries), "{busy}: {entries} entries");
    }
}

#[tokio::test(start_paused = true)]
async fn a_wrong_pin_is_rejected_after_the_sim_was_busy_and_entered_no_more() {
    let (m, log, _) = modem(pin_sim(secs(1), "+CME ERROR: 14"));
    let err = bring_up(&m, &config(Some("0000")))
        .await
        .expect_err("wrong");
    assert!(matches!(err, BringUpError::PinRejected), "{err:?}");
    // Every entry but the last was answered busy: the SIM judged one.
    assert!(log.count("AT+CPIN=") >= 2, "{:?}", log.all());
    assert_eq!(
        log.all().last().map(String::as_str),
        Some("AT+CPIN=\"0000\"")
    );
}

#[tokio::test(start_paused = true)]
async fn a_sim_busy_past_the_deadline_is_not_a_rejected_pin() {
    let (m, log, start) = modem(pin_sim(secs(3600), "+CME ERROR: 14"));
    let err = bring_up(&m, &config(Some("1234"))).await.expect_err("busy");
    assert!(matches!(err, BringUpError::Sim(_)), "{err:?}");
    assert!(err.to_string().contains("SIM busy"), "{err}");
    assert!(start.elapsed() < secs(20), "{:?}", start.elapsed());
    assert!(log.count("AT+CPIN=") <= 31, "{}", log.count("AT+CPIN="));
}

#[tokio::test(start_paused = true)]
async fn a_definite_rejection_is_entered_once() {
    // Incorrect password; PUK required (that was the SIM's last try).
    for answer_to_entry in [
        "+CME ERROR: 16",
        "+CME ERROR: 12",
        "+CME ERROR: incorrect password",
    ] {
        let (m, log, _) = modem(move |l| match l.cmd {
            "AT+CPIN?" => Some(answer(&["+CPIN: SIM PIN"])),
            c if c.starts_with("AT+CPIN=") => Some(error(answer_to_entry)),
            _ => None,
        });
        let err = bring_up(&m, &config(Some("1234")))
            .await
            .expect_err("rejected");
        assert!(matches!(err, BringUpError::PinRejected), "{err:?}");
        assert_eq!(log.count("AT+CPIN="), 1, "{answer_to_entry}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_unconfirmed_pin_entry_is_not_made_again_nor_taken_for_a_rejection() {
    // No answer at all; an error that says nothing about the PIN.
    for answer_to_entry in [SILENCE, "+CME ERROR: 100", "ERROR"] {
        let (m, log, _) = modem(move |l| match l.cmd {
            "AT+CPIN?" => Some(answer(&["+CPIN: SIM PIN"])),
            c if c.starts_with("AT+CPIN=") => Some(answer_to_entry.to_string()),
            _ => None,
        });
        let err = bring_up(&m, &config(Some("1234")))
            .await
            .expect_err("unknown");
        assert!(
            matches!(err, BringUpError::PinUnconfirmed(_)),
            "{answer_to_entry:?}: {err:?}"
        );
        assert!(err.to_string().contains("not entered again"), "{err}");
        assert_eq!(log.count("AT+CPIN="), 1, "{answer_to_entry:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_entry_refused_by_a_sim_that_opened_anyway_is_a_success() {
    // CME 3: operation not allowed — the SIM had opened meanwhile.
    let (m, log, _) = modem(|l| match l.cmd {
        "AT+CPIN?" if l.nth == 1 => Some(answer(&["+CPIN: SIM PIN"])),
        c if c.starts_with("AT+CPIN=") => Some(error("+CME ERROR: 3")),
        _ => None,
    });
    assert!(bring_up(&m, &config(Some("1234"))).await.is_ok());
    assert_eq!(log.count("AT+CPIN="), 1);
}

#[tokio::test(start_paused = true)]
async fn a_sim_still_asking_for_its_pin_a_moment_after_ok_is_not_a_rejection() {
    let (m, log, _) = modem(|l| match l.cmd {
        // Before the entry, and once right after it (the modem's old state).
        "AT+CPIN?" if l.nth <= 2 => Some(answer(&["+CPIN: SIM PIN"])),
        c if c.starts_with("AT+CPIN=") => Some(OK.into()),
        _ => None,
    });
    let r = bring_up(&m, &config(Some("1234"))).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(log.count("AT+CPIN="), 1);
}

#[tokio::test(start_paused = true)]
async fn a_sim_still_asking_for_its_pin_long_after_ok_took_a_wrong_pin() {
    let (m, log, start) = modem(|l| match l.cmd {
        "AT+CPIN?" => Some(answer(&["+CPIN: SIM PIN"])),
        c if c.starts_with("AT+CPIN=") => Some(OK.into()),
        _ => None,
    });
    let err = bring_up(&m, &config(Some("1234")))
        .await
        .expect_err("still locked");
    assert!(matches!(err, BringUpError::PinRejected), "{err:?}");
    assert!(start.elapsed() >= SIM_READY_TIMEOUT);
    assert_eq!(log.count("AT+CPIN="), 1);
}

#[test]
fn pin_entry_errors_are_classified() {
    use crate::at::ErrorValue::{Code, Text};
    let cases = [
        (ErrorCode::Cme(Code(16)), PinEntry::Rejected),
        (ErrorCode::Cme(Code(12)), PinEntry::Rejected),
        (ErrorCode::Cms(Code(316)), PinEntry::Rejected),
        (ErrorCode::Cme(Code(14)), PinEntry::Busy),
        (ErrorCode::Cms(Code(314)), PinEntry::Busy),
        (ErrorCode::Cme(Code(10)), PinEntry::NoSim),
        (ErrorCode::Cms(Code(310)), PinEntry::NoSim),
        (ErrorCode::Cme(Code(3)), PinEntry::Unconfirmed),
        (ErrorCode::Cme(Code(100)), PinEntry::Unconfirmed),
        (
            ErrorCode::Cme(Text("frobnicated".into())),
            PinEntry::Unconfirmed,
        ),
        // RP cause 16 of a +CMS ERROR is not "incorrect password".
        (ErrorCode::Cms(Code(16)), PinEntry::Unconfirmed),
        (ErrorCode::Plain, PinEntry::Unconfirmed),
        (ErrorCode::Busy, PinEntry::Unconfirmed),
    ];
    for (code, want) in cases {
        assert_eq!(pin_entry(&code), want, "{code}");
    }
}

// ---- 3. The SMS service not up yet; AT+CNMI from AT+CNMI=?.

#[tokio::test(start_paused = true)]
async fn sms_commands_answered_busy_are_asked_again() {
    // SIMCom before "SMS Ready": +CMS ERROR: 314 to SMS commands for a while.
    let (m, log, start) = modem(|l| {
        let sms = l.cmd.starts_with("AT+CMGF") || l.cmd.starts_with("AT+CNMI");
        (sms && l.at < secs(3)).then(|| error("+CMS ERROR: 314"))
    });
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert!(
        info.status_reports,
        "indications set once the service is up"
    );
    assert!(start.elapsed() >= secs(3));
    assert!(log.count("AT+CMGF=0") >= 2, "{:?}", log.all());
    assert_eq!(
        log.all().last().map(String::as_str),
        Some("AT+CNMI=2,1,0,1,0")
    );
}

#[tokio::test(start_paused = true)]
async fn an_sms_service_busy_past_the_deadline_fails_bring_up() {
    let (m, _, start) = modem(|l| {
        l.cmd
            .starts_with("AT+CNMI=")
            .then(|| error("+CMS ERROR: 314"))
    });
    let err = bring_up(&m, &config(None)).await.expect_err("never up");
    assert!(matches!(err, BringUpError::SmsNotReady(_)), "{err:?}");
    assert!(err.to_string().contains("SIM busy"), "{err}");
    let waited = start.elapsed();
    assert!(
        waited >= SMS_READY_TIMEOUT && waited < secs(15),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn cnmi_values_come_from_the_modems_own_list() {
    // Neither mode 2 nor +CDS: the fixed settings would be refused three times first.
    let (m, log, _) = modem(|l| match l.cmd {
        "AT+CNMI=?" => Some(answer(&["+CNMI: (0,1),(0-3),(0,2),(0,2),(0,1)"])),
        "AT+CNMI=1,1,0,2,0" => Some(OK.into()),
        c if c.starts_with("AT+CNMI=") => Some(error("+CMS ERROR: 303")),
        _ => None,
    });
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert!(info.status_reports);
    let cnmi: Vec<String> = log
        .all()
        .into_iter()
        .filter(|c| c.starts_with("AT+CNMI"))
        .collect();
    assert_eq!(cnmi, ["AT+CNMI=?", "AT+CNMI=1,1,0,2,0"]);
}

#[tokio::test(start_paused = true)]
async fn without_a_cnmi_list_the_fixed_settings_are_tried_in_turn() {
    let (m, log, _) = modem(|l| match l.cmd {
        "AT+CNMI=?" => Some(ERROR.into()),
        "AT+CNMI=1,1,0,2,0" => Some(OK.into()),
        c if c.starts_with("AT+CNMI=") => Some(ERROR.into()),
        _ => None,
    });
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert!(info.status_reports);
    assert_eq!(log.count("AT+CNMI="), 5, "{:?}", log.all());

    // A modem that refuses them all still comes up, without reports.
    let (m, _, _) = modem(|l| l.cmd.starts_with("AT+CNMI").then(|| ERROR.into()));
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert!(!info.status_reports);
}

// ---- 4. Registration on one domain only.

#[tokio::test(start_paused = true)]
async fn denied_on_cs_and_registered_on_eps_is_registered() {
    // A data-only SIM: CS denied, EPS registered (from the second poll on).
    let (m, _, _) = modem(|l| match l.cmd {
        "AT+CREG?" => Some(answer(&["+CREG: 0,3"])),
        "AT+CEREG?" if l.nth == 1 => Some(answer(&["+CEREG: 0,2"])),
        _ => None,
    });
    let info = bring_up(&m, &config(None))
        .await
        .expect("registered on EPS");
    assert_eq!(info.registration, "registered, home network");
}

#[tokio::test(start_paused = true)]
async fn denied_everywhere_fails_at_once_and_denied_on_one_waits_for_the_timeout() {
    let cases: &[(&str, &str, bool, &str)] = &[
        // Both denied, or CS denied on a modem without EPS: no point waiting.
        ("+CREG: 0,3", "+CEREG: 0,3", true, "registration denied"),
        ("+CREG: 0,3", "", true, "registration denied"),
        // CS denied, EPS still searching: wait, then say both.
        (
            "+CREG: 0,3",
            "+CEREG: 0,2",
            false,
            "CS: registration denied, EPS: not registered, searching",
        ),
    ];
    for &(creg, cereg, at_once, want) in cases {
        let (m, _, start) = modem(move |l| match l.cmd {
            "AT+CREG?" => Some(answer(&[creg])),
            "AT+CEREG?" if cereg.is_empty() => Some(ERROR.into()),
            "AT+CEREG?" => Some(answer(&[cereg])),
            _ => None,
        });
        let err = bring_up(&m, &config(None))
            .await
            .expect_err("not registered");
        assert!(matches!(err, BringUpError::NotRegistered(_)), "{err:?}");
        assert_eq!(err.to_string(), format!("not registered: {want}"));
        let waited = start.elapsed() >= secs(5);
        assert_eq!(waited, !at_once, "{creg} {cereg:?}: {:?}", start.elapsed());
    }
}

// ---- A stored profile with numeric result codes (ATV0).

#[tokio::test(start_paused = true)]
async fn a_modem_whose_profile_says_atv0_is_switched_to_verbose() {
    // V.250 §6.2.6: `<code><CR>`, 0 OK and 4 ERROR, until ATV1 (answered in the new form).
    let verbose = Arc::new(Mutex::new(false));
    let v = verbose.clone();
    let (m, log, _) = modem(move |l| {
        let mut on = v.lock().map(|g| *g).unwrap_or(false);
        match l.cmd {
            "ATV1" => on = true,
            "ATZ" => on = false,
            _ => {}
        }
        if let Ok(mut g) = v.lock() {
            *g = on;
        }
        if on {
            return None;
        }
        Some(
            if usual(l.cmd).ends_with(OK) {
                "0\r"
            } else {
                "4\r"
            }
            .to_string(),
        )
    });
    let info = bring_up(&m, &config(None)).await.expect("comes up");
    assert_eq!(info.manufacturer, "Quectel");
    let sent = log.all();
    let z = sent.iter().position(|c| c == "ATZ").expect("ATZ");
    assert_eq!(
        sent.get(z + 1).map(String::as_str),
        Some("ATV1"),
        "{sent:?}"
    );
    assert!(*verbose.lock().unwrap());
}

#[tokio::test(start_paused = true)]
async fn a_domain_that_fails_one_poll_keeps_its_last_state() {
    // CS denied throughout (a data-only SIM); EPS searching, one ERROR, then registered.
    let (m, _, _) = modem(|l| match l.cmd {
        "AT+CREG?" => Some(answer(&["+CREG: 0,3"])),
        "AT+CEREG?" if l.nth == 1 => Some(answer(&["+CEREG: 0,2"])),
        "AT+CEREG?" if l.nth == 2 => Some(ERROR.into()),
        _ => None,
    });
    let info = bring_up(&m, &config(None)).await.expect("registers on EPS");
    assert!(
        info.registration.contains("registered"),
        "{}",
        info.registration
    );
}

// ---- Modem profiles.

/// A Quectel whose URC port (kept in its flash) is `port`.
fn urc_port(port: &'static str) -> impl Fn(&Line) -> Option<String> {
    move |l| match l.cmd {
        "AT+QURCCFG=\"urcport\"" => Some(answer(&[&format!("+QURCCFG: \"urcport\",\"{port}\"")])),
        c if c.starts_with("AT+QURCCFG=") => Some(OK.into()),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn the_profile_chosen_by_identity_sets_what_it_needs_before_the_sim() {
    // The usual scripted modem says Quectel EC25; on USB interface 2 its URCs must go to
    // "usbat". Set elsewhere: read, then written, before the SIM is looked at.
    let set = "AT+QURCCFG=\"urcport\",\"usbat\"";
    let (m, log, _) = modem(urc_port("usbmodem"));
    let cfg = BringUpConfig {
        port: PortKind::Usb(2),
        ..config(None)
    };
    let info = bring_up(&m, &cfg).await.expect("comes up");
    assert_eq!(info.profile, "quectel-ec2x");
    let all = log.all();
    let at = |c: &str| all.iter().position(|l| l == c).unwrap_or(usize::MAX);
    assert!(at("AT+CGSN") < at("AT+QURCCFG=\"urcport\""), "{all:?}");
    assert!(
        at("AT+QURCCFG=\"urcport\"") < at(set) && at(set) < at("AT+CPIN?"),
        "{all:?}"
    );
    // The [[modem]]'s own timeouts win over the profile's 120 s for +CMGS.
    assert_eq!(info.timeouts.submit_ms, 20_000);

    // Already right: read, not rewritten (the setting lives in flash).
    let (m, log, _) = modem(urc_port("usbat"));
    bring_up(&m, &cfg).await.expect("comes up");
    assert_eq!(log.count("AT+QURCCFG=\"urcport\""), 1, "{:?}", log.all());
    assert_eq!(log.count(set), 0, "{:?}", log.all());

    // On USB interface 3 the right value is "usbmodem"; on a port it cannot place, nothing.
    let (m, log, _) = modem(urc_port("usbmodem"));
    let on3 = BringUpConfig {
        port: PortKind::Usb(3),
        ..config(None)
    };
    bring_up(&m, &on3).await.expect("comes up");
    assert_eq!(log.count("AT+QURCCFG=\"urcport\","), 0, "{:?}", log.all());
    let (m, log, _) = modem(urc_port("uart1"));
    bring_up(&m, &config(None)).await.expect("comes up");
    assert_eq!(log.count("AT+QURCCFG"), 0, "{:?}", log.all());

    // A modem that refuses the read (older firmware) is left alone and still comes up.
    let (m, log, _) = modem(|_| None);
    bring_up(&m, &cfg).await.expect("comes up");
    assert_eq!(log.count(set), 0, "{:?}", log.all());

    // Named by the configuration instead: the generic profile, no quirk.
    let (m, log, _) = modem(urc_port("usbmodem"));
    let generic = BringUpConfig {
        profile: Some("generic".into()),
        ..cfg
    };
    let info = bring_up(&m, &generic).await.expect("comes up");
    assert_eq!(info.profile, "generic");
    assert_eq!(log.count("AT+QURCCFG"), 0, "{:?}", log.all());
}

#[tokio::test(start_paused = true)]
async fn a_profile_s_cnmi_values_are_tried_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ec25.toml"),
        "name = \"quectel-ec2x\"\ndescription = \"CNMI=? lies\"\n[match]\nmanufacturer = [\"quectel\"]\n\
         model = [\"EC25\"]\n[quirks]\ncnmi = [1, 1, 0, 1, 0]\n[timeouts]\nsubmit_ms = 90000\n",
    )
    .expect("write");
    let profiles = Arc::new(Catalog::load(dir.path()).expect("catalog"));
    let (m, log, _) = modem(|_| None);
    let mut cfg = BringUpConfig {
        profiles: profiles.clone(),
        ..config(None)
    };
    cfg.overrides.submit_timeout = None;
    let info = bring_up(&m, &cfg).await.expect("comes up");
    let cnmi: Vec<String> = log
        .all()
        .into_iter()
        .filter(|c| c.starts_with("AT+CNMI="))
        .collect();
    assert_eq!(cnmi, ["AT+CNMI=?", "AT+CNMI=1,1,0,1,0"]);
    assert!(info.status_reports);
    assert_eq!(
        info.timeouts.submit_ms, 90_000,
        "the profile's, none configured"
    );

    // Without status reports the profile's <ds> is cleared.
    let (m, log, _) = modem(|_| None);
    let mut cfg = BringUpConfig {
        profiles,
        ..config(None)
    };
    cfg.overrides.status_reports = Some(false);
    let info = bring_up(&m, &cfg).await.expect("comes up");
    assert_eq!(log.count("AT+CNMI=1,1,0,0,0"), 1, "{:?}", log.all());
    assert!(!info.status_reports);
}
