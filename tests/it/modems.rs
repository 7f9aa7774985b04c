//! Issue 2: what the daemon does with modems that do not come up, or come up in a bad state,
//! through its real serial path to simulated modems.

use super::harness::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(60);

fn reason(m: &Value) -> String {
    m["reason"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_modem_that_cannot_come_up_says_why() {
    let dir = tempdir();
    let locked = Sim::start(dir.path(), "locked", &["--pin", "1234"]);
    let unregistered = Sim::start(dir.path(), "unreg", &["--no-registration"]);
    let mute = Sim::start(dir.path(), "mute", &["--stop-after", "0"]);
    let ok = Sim::start(dir.path(), "ok", &[]);
    let d = Daemon::start_modems(
        dir.path(),
        &[
            (&locked, ""),
            (&unregistered, "registration_timeout_s = 1"),
            (&mute, "command_timeout_ms = 500"),
            (&ok, ""),
        ],
        "",
    );
    let m = d.wait_modem("m0", "SIM PIN required", |m| {
        reason(m).contains("SIM PIN required")
    });
    assert_eq!(m["state"], "sim-locked", "{m}");
    let m = d.wait_modem("m1", "not registered", |m| {
        reason(m).contains("not registered")
    });
    assert_eq!(m["state"], "offline", "{m}");
    let m = d.wait_modem("m2", "no answer", |m| reason(m).contains("no answer"));
    assert_eq!(m["state"], "offline", "{m}");
    let m = d.wait_modem("m3", "ready", |m| m["state"] == "ready");
    assert_eq!(m["manufacturer"], "OTPGATE", "{m}");
    assert!(m["imei"].as_str().is_some_and(|i| i.len() == 15), "{m}");
    // The ready modem carries the traffic.
    let id = d.send("+33612345678", "through the good one", json!({}));
    d.wait_state(&id, "sent", LONG);
    assert_eq!(ok.received().len(), 1);
}

#[test]
fn a_pin_is_entered_and_a_wrong_pin_is_never_tried_twice() {
    let dir = tempdir();
    let good = Sim::start(dir.path(), "good", &["--pin", "1234"]);
    let bad = Sim::start(dir.path(), "bad", &["--pin", "1234"]);
    let mut d = Daemon::start_modems(
        dir.path(),
        &[(&good, "pin = \"1234\""), (&bad, "pin = \"0000\"")],
        "",
    );
    d.wait_modem("m0", "ready with its PIN", |m| m["state"] == "ready");
    let m = d.wait_modem("m1", "PIN rejected", |m| reason(m).contains("rejected"));
    assert_eq!(m["state"], "sim-locked", "{m}");
    // The worker keeps retrying bring-up (250 ms, 500 ms, 1 s, 2 s ...). Had it entered the PIN
    // again, the third wrong PIN would have locked the SIM behind its PUK.
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let (_, v) = d.get("/v1/modems");
        let m = v
            .as_array()
            .and_then(|a| a.iter().find(|m| m["id"] == "m1"))
            .cloned()
            .unwrap_or_default();
        assert!(!reason(&m).contains("PUK"), "the PIN was tried again: {m}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let m = d.wait_modem("m1", "still rejected", |m| reason(m).contains("rejected"));
    assert!(reason(&m).contains("not tried again"), "{m}");
    // Nor by the next runs of the daemon: three restarts would be three more wrong PINs and a
    // blocked SIM (the simulated SIM keeps its count across them, as a real one does).
    for run in 0..3 {
        d.restart();
        let m = d.wait_modem("m1", "rejected after a restart", |m| {
            reason(m).contains("rejected") || reason(m).contains("PUK")
        });
        assert!(
            !reason(&m).contains("PUK"),
            "restart {run} entered the PIN again: {m}"
        );
        d.wait_modem("m0", "the good one ready", |m| m["state"] == "ready");
    }
}

#[test]
fn a_sim_and_an_sms_service_still_starting_are_waited_for() {
    let dir = tempdir();
    // After every power-up: +CPIN: NOT READY (and SIM busy to the PIN) for 2 s, SMS commands
    // +CMS ERROR: 314 for 4 s — what EC2x and SIM800 modems do before "SMS Ready".
    let sim = Sim::start(
        dir.path(),
        "slow",
        &[
            "--pin",
            "1234",
            "--sim-busy-ms",
            "2000",
            "--sms-busy-ms",
            "4000",
        ],
    );
    let d = Daemon::start_modems(dir.path(), &[(&sim, "pin = \"1234\"")], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    // A restart: the next bring-up meets both starting, whatever the timing of the first.
    assert_eq!(sim.control(json!({"op": "reboot"}))["ok"], true);
    wait_for("the daemon to see the restart", LONG, || {
        d.all_logs().contains("modem rebooted").then_some(())
    });
    let m = d.wait_modem("m0", "ready again", |m| m["state"] == "ready");
    assert_eq!(m["status_reports"], true, "indications set up: {m}");
    // Waited for, not failed and retried: no bring-up gave up on the SIM or SMS, and the
    // PIN was neither rejected nor left unconfirmed.
    let logs = d.all_logs();
    for never in [
        "SIM not ready",
        "SMS service not ready",
        "rejected",
        "unconfirmed",
    ] {
        assert!(!logs.contains(never), "{never:?} in the daemon's log");
    }
    let id = d.send("+33612345678", "after a slow start", json!({}));
    d.wait_state(&id, "sent", LONG);
    assert_eq!(sim.wait_received(1, LONG)[0].text, "after a slow start");
}

#[test]
fn a_pin_entry_that_got_no_answer_is_not_made_again_until_a_restart() {
    let dir = tempdir();
    // The modem hangs right after answering AT+CPIN? (the tenth command it answers: AT,
    // ATZ, ATV1, ATE0, AT+CMEE=1, four identity commands, AT+CPIN?), so the PIN entry gets
    // no answer: the SIM may or may not have counted a try.
    let sim = Sim::start(dir.path(), "m0", &["--pin", "1234", "--stop-after", "10"]);
    let mut d = Daemon::start_modems(dir.path(), &[(&sim, "pin = \"1234\"")], "");
    // The entry waits 20 s for its answer.
    let m = wait_for("the PIN entry to go unconfirmed", LONG, || {
        let (_, v) = d.get("/v1/modems");
        let m = v[0].clone();
        reason(&m).contains("unconfirmed").then_some(m)
    });
    assert_eq!(m["state"], "sim-locked", "{m}");
    assert!(!reason(&m).contains("1234"), "the PIN is never shown: {m}");
    // The modem answers again; the PIN is still withheld (not rejected: it may be right).
    assert_eq!(sim.control(json!({"op": "resume"}))["ok"], true);
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        let (_, v) = d.get("/v1/modems");
        let m = v[0].clone();
        assert_ne!(m["state"], "ready", "the PIN was entered again: {m}");
        assert!(!reason(&m).contains("rejected"), "{m}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let m = d.wait_modem("m0", "still unconfirmed", |m| {
        reason(m).contains("unconfirmed")
    });
    assert_eq!(m["state"], "sim-locked", "{m}");
    // A restart tries it once more; it was right.
    d.restart();
    d.wait_modem("m0", "ready with its PIN", |m| m["state"] == "ready");
}

#[test]
fn bring_up_escapes_a_prompt_left_open_by_a_crash() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    // A previous owner of the port died inside +CMGS: the modem waits for PDU text.
    {
        let mut port = serialport::new(sim.link.to_string_lossy(), 115_200)
            .timeout(Duration::from_millis(100))
            .open()
            .expect("open the simulated modem");
        port.write_all(b"AT+CMGS=20\r").expect("write");
        let mut got = Vec::new();
        let until = Instant::now() + Duration::from_secs(5);
        while !String::from_utf8_lossy(&got).contains('>') {
            assert!(
                Instant::now() < until,
                "no prompt: {:?}",
                String::from_utf8_lossy(&got)
            );
            let mut buf = [0u8; 64];
            if let Ok(n) = port.read(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
        }
    }
    let d = Daemon::start(dir.path(), &[&sim], "");
    let id = d.send("+33612345678", "after the crash", json!({}));
    d.wait_state(&id, "sent", LONG);
    let got = sim.wait_received(1, LONG);
    assert_eq!(got[0].text, "after the crash");
}

#[test]
fn a_send_that_times_out_after_ctrl_z_is_retried_and_flagged_maybe_duplicate() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "3000"]);
    let d = Daemon::start_modems(
        dir.path(),
        &[(&sim, "submit_timeout_ms = 800")],
        "[queue]\nbackoff_base_ms = 100",
    );
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let id = d.send("+33612345678", "maybe twice", json!({}));
    // The first attempt gives up 800 ms after Ctrl-Z while the network still works on it.
    wait_for("a timed-out attempt", LONG, || {
        let (_, v) = d.get(&format!("/v1/messages/{id}"));
        (v["maybe_duplicate"] == true).then_some(())
    });
    assert_eq!(sim.control(json!({"op": "latency", "ms": 0}))["ok"], true);
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(v["maybe_duplicate"], true, "{v}");
    assert!(v["attempts"].as_u64().unwrap_or(0) >= 2, "{v}");
    // The phone got it (twice, as the flag warned).
    let got = sim.wait_received(1, LONG);
    assert!(got.iter().all(|r| r.text == "maybe twice"));
}

#[test]
fn urc_noise_with_several_modems_loses_nothing() {
    let dir = tempdir();
    let a = Sim::start(dir.path(), "a", &["--urc-noise", "--seed", "3"]);
    let b = Sim::start(dir.path(), "b", &["--urc-noise", "--seed", "4"]);
    let d = Daemon::start(dir.path(), &[&a, &b], "");
    let mut want = BTreeSet::new();
    for i in 0..60 {
        let text = format!("pool {i}");
        d.send(&format!("+3361000{i:04}"), &text, json!({}));
        want.insert(text);
    }
    let got = wait_for("60 SMS over two modems", LONG, || {
        let all: Vec<String> = a
            .received()
            .into_iter()
            .chain(b.received())
            .map(|r| r.text)
            .collect();
        (all.len() >= 60).then_some(all)
    });
    assert_eq!(got.len(), 60, "no duplicates");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn an_sms_waiting_in_a_memory_not_selected_is_swept_at_start() {
    let dir = tempdir();
    let sim = Sim::start(
        dir.path(),
        "m0",
        &[
            "--vendor",
            "quectel",
            "--preload-sms",
            "+33699999999:left in SM",
        ],
    );
    // Whoever used the port last left the status-report memory selected.
    {
        let mut port = serialport::new(sim.link.to_string_lossy(), 115_200)
            .timeout(Duration::from_millis(100))
            .open()
            .expect("open the simulated modem");
        port.write_all(b"AT+CPMS=\"SR\"\r").expect("write");
        let mut got = Vec::new();
        let until = Instant::now() + Duration::from_secs(5);
        while !String::from_utf8_lossy(&got).contains("OK") {
            assert!(
                Instant::now() < until,
                "{:?}",
                String::from_utf8_lossy(&got)
            );
            let mut buf = [0u8; 64];
            if let Ok(n) = port.read(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
        }
    }
    let d = Daemon::start(dir.path(), &[&sim], "");
    let got = wait_for("the SMS in the inbox", LONG, || {
        let (_, v) = d.get("/v1/inbox");
        let list = v.as_array()?.clone();
        (!list.is_empty()).then_some(list)
    });
    assert_eq!(got[0]["text"], "left in SM");
    // Kept first, then deleted (AT+CMGD): the inbox can show it a moment before the SIM is
    // empty.
    wait_for("the SMS deleted from the SIM", LONG, || {
        let storage = sim.control(json!({"op": "storage"}));
        (storage["storage"] == json!([])).then_some(())
    });
}
