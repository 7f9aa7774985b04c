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
        "AT" | "ATZ" | "ATE0" | "AT+CMEE=1" | "AT+CMGF=0" => OK.into(),
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
            if let Ok(mut l) = log.0.lock() {
                l.push(cmd.clone());
            }
            let line = Line {
                cmd: &cmd,
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
        registration_timeout: Duration::from_secs(5),
        status_reports: true,
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
