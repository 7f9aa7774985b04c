//! Issue 4, `otpgate modem probe DEVICE`: the real binary against simulated modems of each
//! vendor, locked and blocked SIMs, silent modems and a missing device — what it prints and
//! the exit code of each outcome.

use super::harness::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn probe(device: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["modem", "probe"])
        .arg(device)
        .args(["--timeout-ms", "1000"])
        .args(args)
        .output()
        .expect("run otpgate modem probe")
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("--json prints one object ({e}): {}", stdout(out)))
}

/// One AT exchange on the simulator's port, outside the daemon: answers everything up to
/// the final result.
fn at(device: &Path, command: &str) -> String {
    let mut port = serialport::new(device.to_string_lossy(), 115_200)
        .timeout(Duration::from_millis(100))
        .open()
        .expect("open the simulated modem");
    port.write_all(format!("{command}\r").as_bytes())
        .expect("write");
    let mut got = String::new();
    let start = Instant::now();
    while !(got.contains("OK\r\n") || got.contains("ERROR")) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{command}: {got:?}"
        );
        let mut buf = [0u8; 256];
        if let Ok(n) = port.read(&mut buf) {
            got.push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or_default()));
        }
    }
    got
}

#[test]
fn each_vendor_is_reported_with_its_voice_backends() {
    let dir = tempdir();
    let cases: &[(&str, Value, Value)] = &[
        (
            "quectel",
            json!(["+QWTTS", "+QPSND"]),
            json!(["modem-tts", "modem-file"]),
        ),
        (
            "simcom",
            json!(["+CTTS", "+CREC"]),
            json!(["modem-tts", "modem-file"]),
        ),
        ("huawei", json!(["^DDSETEX"]), json!(["pcm-serial"])),
        ("generic", json!([]), json!([])),
    ];
    for (vendor, commands, backends) in cases {
        let sim = Sim::start(dir.path(), vendor, &["--vendor", vendor]);
        let out = probe(&sim.link, &["--json"]);
        assert_eq!(code(&out), 0, "{vendor}: {}", stderr(&out));
        let v = json_of(&out);
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["error"], Value::Null);
        assert_eq!(v["manufacturer"], "OTPGATE");
        assert_eq!(v["model"], "SIM-GSM");
        assert!(
            v["profile"]
                .as_str()
                .is_some_and(|p| p.starts_with("generic ")),
            "{v}"
        );
        assert!(v["imei"].as_str().is_some_and(|i| i.len() == 15), "{v}");
        assert_eq!(v["sim"]["state"], "ready");
        assert!(v["sim"]["iccid"].as_str().is_some(), "{v}");
        assert_eq!(v["network"]["cs"]["registered"], true, "{v}");
        assert_eq!(v["network"]["operator"], "SIMNET");
        assert_eq!(v["network"]["signal_dbm"], -73);
        assert_eq!(v["sms"]["pdu_mode"], true);
        assert_eq!(v["sms"]["service"]["mo"], true);
        assert_eq!(v["sms"]["storage"]["memory"], "SM");
        assert_eq!(v["voice"]["calls"], true);
        assert_eq!(v["voice"]["vendor_commands"], *commands, "{vendor}");
        assert_eq!(v["voice"]["backends"], *backends, "{vendor}");
    }
}

#[test]
fn the_readable_report_and_a_read_only_probe() {
    let dir = tempdir();
    let sim = Sim::start(
        dir.path(),
        "m",
        &[
            "--vendor",
            "quectel",
            "--manufacturer",
            "Quectel",
            "--model",
            "EC25",
        ],
    );
    // Text mode, set by someone else: the probe must leave it (and +CNMI) alone.
    at(&sim.link, "AT+CMGF=1");
    let out = probe(&sim.link, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "Modem     Quectel EC25",
        "Profile   quectel-ec2x (Quectel EC25/EG25, EC21, EG91, EG95)",
        "SIM       ready",
        "CS: registered, home network",
        "operator SIMNET, signal -73 dBm (+CSQ 20)",
        "PDU mode yes",
        "vendor audio commands: +QWTTS, +QPSND",
        "voice backends that look possible: modem-tts, modem-file",
    ] {
        assert!(text.contains(needle), "{needle:?} in\n{text}");
    }
    assert!(at(&sim.link, "AT+CMGF?").contains("+CMGF: 1"));
    assert!(at(&sim.link, "AT+CNMI?").contains("+CNMI: 0,0,0,0,0"));
}

#[test]
fn a_locked_sim_needs_pin_which_is_tried_once_per_run_until_the_puk() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m", &["--pin", "1234"]);
    let out = probe(&sim.link, &[]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("SIM       PIN required"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("--pin"), "{}", stderr(&out));

    // A wrong PIN is entered once: after one rejected run, the right PIN still works.
    let out = probe(&sim.link, &["--pin", "0000"]);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("rejected"), "{}", stderr(&out));
    let out = probe(&sim.link, &["--pin", "1234", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["sim"]["state"], "ready");
    assert_eq!(v["sim"]["pin_entered"], true);

    // A SIM that three wrong PINs blocked says PUK.
    let sim = Sim::start(dir.path(), "blocked", &["--pin", "1234"]);
    for _ in 0..3 {
        assert_eq!(code(&probe(&sim.link, &["--pin", "9999"])), 8);
    }
    let out = probe(&sim.link, &["--json"]);
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    assert_eq!(json_of(&out)["error"]["kind"], "puk-required");
    assert!(stderr(&out).contains("PUK"), "{}", stderr(&out));
}

#[test]
fn no_sim() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m", &["--sim-absent"]);
    let out = probe(&sim.link, &[]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("SIM       no SIM"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("Insert a SIM"), "{}", stderr(&out));
}

#[test]
fn a_silent_modem_is_no_answer() {
    let dir = tempdir();
    // Hung from the start: nothing answers AT.
    let hung = Sim::start(dir.path(), "hung", &[]);
    assert_eq!(hung.control(json!({"op": "hang"}))["ok"], true);
    let out = probe(&hung.link, &["--json"]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "no-answer");
    let err = stderr(&out);
    assert!(err.contains("no answer at 115200 baud"), "{err}");
    assert!(err.contains("wrong port"), "{err}");
    assert!(err.contains("--baud"), "{err}");

    // `--stop-after 0`: the simulator answers its first command, then nothing.
    let mute = Sim::start(dir.path(), "mute", &["--stop-after", "0"]);
    let out = probe(&mute.link, &[]);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("answer"), "{}", stderr(&out));
}

#[test]
fn a_missing_device_says_where_to_look() {
    let dir = tempdir();
    let missing = dir.path().join("no-such-modem");
    let out = probe(&missing, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("no such device"), "{err}");
    assert!(err.contains("ls -l /dev/serial/by-id/"), "{err}");
    let out = probe(&missing, &["--json"]);
    assert_eq!(code(&out), 3);
    let v = json_of(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "not-found");
    assert_eq!(v["device"], missing.display().to_string());
}

#[test]
fn a_malformed_pin_never_reaches_the_sim() {
    let out = probe(Path::new("/dev/null"), &["--pin", "12"]);
    assert_eq!(code(&out), 2, "clap's usage error");
    assert!(stderr(&out).contains("4 to 8 digits"), "{}", stderr(&out));
}
