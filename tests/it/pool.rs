//! Issue 4 acceptance: several simulated modems over pseudo-terminals — failover, reconnect,
//! hangs, reboots, status reports, inbound SMS, readiness.

use super::harness::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

fn modem(d: &Daemon, id: &str) -> Value {
    let (_, v) = d.get("/v1/modems");
    v.as_array()
        .and_then(|a| a.iter().find(|m| m["id"] == id))
        .cloned()
        .unwrap_or_default()
}

fn texts(sims: &[&Sim]) -> Vec<String> {
    sims.iter()
        .flat_map(|s| s.received())
        .map(|r| r.text)
        .collect()
}

#[test]
fn three_modems_300_messages_one_unplugged_mid_run() {
    let dir = tempdir();
    let a = Sim::start(dir.path(), "a", &["--latency-ms", "20"]);
    let b = Sim::start(dir.path(), "b", &["--latency-ms", "20"]);
    // ~15 commands of bring-up, then some 40 sends; unplugged for 2 s, then back.
    let c = Sim::start(
        dir.path(),
        "c",
        &[
            "--latency-ms",
            "20",
            "--close-after",
            "60",
            "--reopen-after-ms",
            "2000",
        ],
    );
    let fast = "reconnect_max_ms = 500";
    let d = Daemon::start_modems(dir.path(), &[(&a, fast), (&b, fast), (&c, fast)], "");
    for id in ["m0", "m1", "m2"] {
        d.wait_modem(id, "ready", |m| m["state"] == "ready");
    }
    let mut want = BTreeSet::new();
    for i in 0..300 {
        let text = format!("failover {i:03}");
        d.send(&format!("+3360{i:07}"), &text, json!({}));
        want.insert(text);
    }
    let got = wait_for("all 300 at the phones", LONG, || {
        let got = texts(&[&a, &b, &c]);
        let seen: BTreeSet<String> = got.iter().cloned().collect();
        seen.is_superset(&want).then_some(got)
    });
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &got {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.len() <= 1,
        "a duplicate only for the one caught mid-send: {doubled:?}"
    );
    assert!(
        c.received().len() >= 10,
        "c sent its share before the unplug"
    );
    let logs = d.all_logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("modem not usable") && l.contains("m2")),
        "c's port really went away mid-run"
    );
    // c's device path comes back and c is brought up again...
    let back = d.wait_modem("m2", "back after the replug", |m| m["state"] == "ready");
    assert!(back["sent"].as_u64().unwrap_or(0) > 0, "{back}");
    // ...and sends again.
    let before = c.received().len();
    for i in 0..60 {
        d.send(&format!("+3361{i:07}"), &format!("after {i}"), json!({}));
    }
    wait_for("c to send after its return", LONG, || {
        (c.received().len() > before).then_some(())
    });
}

#[test]
fn a_modem_that_stops_answering_goes_offline_and_its_message_goes_elsewhere() {
    let dir = tempdir();
    let hung = Sim::start(dir.path(), "hung", &[]);
    let good = Sim::start(dir.path(), "good", &[]);
    let d = Daemon::start_modems(
        dir.path(),
        // The hung modem is the preferred route for +3399..., so the message goes to it first.
        &[
            (&hung, "routes = [\"+3399\"]\ncommand_timeout_ms = 1000"),
            (&good, ""),
        ],
        "[queue]\nroute_fallback_ms = 500",
    );
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    d.wait_modem("m1", "ready", |m| m["state"] == "ready");
    assert_eq!(hung.control(json!({"op": "hang"}))["ok"], true);
    let sent_at = Instant::now();
    let id = d.send("+33991234567", "rerouted", json!({}));
    let m = d.wait_modem("m0", "offline", |m| m["state"] == "offline");
    assert!(
        sent_at.elapsed() < Duration::from_millis(1000 + 3000),
        "offline within its 1 s timeout (plus a margin): {:?}",
        sent_at.elapsed()
    );
    assert!(
        m["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer"),
        "{m}"
    );
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(
        v["parts"][0]["modem"], "m1",
        "re-dispatched to the good modem: {v}"
    );
    assert_eq!(good.received().len(), 1);
    assert!(hung.received().is_empty());
}

#[test]
fn a_modem_that_reboots_mid_send_is_brought_up_again_and_keeps_working() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "1500"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let id = d.send("+33612345678", "through a reboot", json!({}));
    wait_for("the send to start", LONG, || {
        let (_, v) = d.get(&format!("/v1/messages/{id}"));
        (v["state"] == "sending").then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    // The modem restarts before answering +CMGS; the SMS did not go out.
    assert_eq!(
        sim.control(json!({"op": "reboot", "sent": false}))["ok"],
        true
    );
    let v = d.wait_state(&id, "sent", LONG);
    assert!(v["attempts"].as_u64().unwrap_or(0) >= 2, "{v}");
    assert!(v["history"].to_string().contains("restarted"), "{v}");
    d.wait_modem("m0", "ready again", |m| m["state"] == "ready");
    let next = d.send("+33612345679", "after the reboot", json!({}));
    d.wait_state(&next, "sent", LONG);
    let got: Vec<String> = sim.received().into_iter().map(|r| r.text).collect();
    assert_eq!(got, ["through a reboot", "after the reboot"]);
}

#[test]
fn status_reports_turn_messages_delivered_or_failed() {
    let dir = tempdir();
    let sim = Sim::start(
        dir.path(),
        "m0",
        &[
            "--report-delay-ms",
            "300",
            "--report-status-to",
            "+33600000009:0x41",
            "--report-status-to",
            "+33600000008:0x20,0x00",
        ],
    );
    let d = Daemon::start(dir.path(), &[&sim], "");
    let long: String = "A two-part message needs more than 160 characters. ".repeat(5);
    let multi = d.send("+33612345678", &long, json!({}));
    let fails = d.send("+33600000009", "never delivered", json!({}));
    let later = d.send("+33600000008", "delivered after a delay", json!({}));
    let v = d.wait_state(&multi, "delivered", LONG);
    assert_eq!(v["total_parts"], 2, "{v}");
    let parts = v["parts"].as_array().cloned().unwrap_or_default();
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p["status"] == "delivered"), "{v}");
    // Delivered only after both parts: the history shows sent first.
    let states: Vec<String> = v["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|e| e["state"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let sent_at = states.iter().position(|s| s == "sent");
    let delivered_at = states.iter().position(|s| s == "delivered");
    assert!(sent_at < delivered_at, "{states:?}");
    let v = d.wait_state(&fails, "failed", LONG);
    assert!(
        v["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("incompatible destination"),
        "{v}"
    );
    assert_eq!(v["parts"][0]["status"], "failed");
    let v = d.wait_state(&later, "delivered", LONG);
    assert_eq!(v["parts"][0]["status"], "delivered", "{v}");
}

#[test]
fn an_inbound_two_part_sms_shows_once_whole_and_leaves_the_sim() {
    let dir = tempdir();
    let sim = Sim::start(
        dir.path(),
        "m0",
        &["--preload-sms", "+33699999999:already waiting"],
    );
    let d = Daemon::start(dir.path(), &[&sim], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let text: String = "STOP sending me codes, this reply is long enough for two parts. ".repeat(3);
    let r = sim.control(json!({"op": "deliver", "from": "+33611112222", "text": text, "parts": 2}));
    assert_eq!(r["parts"], 2, "{r}");
    let inbox = wait_for("both SMS in the inbox", LONG, || {
        let (_, v) = d.get("/v1/inbox");
        let list = v.as_array().cloned().unwrap_or_default();
        (list.len() >= 2).then_some(list)
    });
    assert_eq!(inbox.len(), 2, "once each: {inbox:?}");
    let whole = inbox
        .iter()
        .find(|m| m["from"] == "+33611112222")
        .expect("the reply");
    assert_eq!(whole["text"], text.as_str());
    assert_eq!(whole["parts"], 2);
    assert_eq!(whole["modem"], "m0");
    let preloaded = inbox
        .iter()
        .find(|m| m["from"] == "+33699999999")
        .expect("the preloaded one");
    assert_eq!(preloaded["text"], "already waiting");
    let storage = wait_for("the SIM emptied", LONG, || {
        let v = sim.control(json!({"op": "storage"}));
        v["storage"]
            .as_array()
            .is_some_and(|s| s.is_empty())
            .then_some(v)
    });
    assert_eq!(storage["ok"], true);
    assert_eq!(modem(&d, "m0")["received"], 2);
}

#[test]
fn readyz_follows_the_modems() {
    let dir = tempdir();
    let a = Sim::start(dir.path(), "a", &[]);
    let b = Sim::start(dir.path(), "b", &[]);
    let d = Daemon::start_modems(
        dir.path(),
        &[
            (&a, "reconnect_max_ms = 300"),
            (&b, "reconnect_max_ms = 300"),
        ],
        "",
    );
    let ready = || d.call("GET", "/readyz", &[], None).0;
    wait_for("ready", LONG, || (ready() == 200).then_some(()));
    a.control(json!({"op": "close"}));
    b.control(json!({"op": "close"}));
    wait_for("not ready with every modem gone", LONG, || {
        (ready() == 503).then_some(())
    });
    b.control(json!({"op": "reopen"}));
    wait_for("ready again when one returns", LONG, || {
        (ready() == 200).then_some(())
    });
    assert_eq!(modem(&d, "m1")["state"], "ready");
    assert_ne!(modem(&d, "m0")["state"], "ready");
}

#[test]
fn a_modem_stops_at_its_send_cap_and_says_so() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let mut d = Daemon::start_modems(dir.path(), &[(&sim, "max_per_minute = 2")], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let ids: Vec<String> = (0..4)
        .map(|i| {
            d.send(
                &format!("+3361000{i:04}"),
                &format!("capped {i}"),
                json!({}),
            )
        })
        .collect();
    sim.wait_received(2, LONG);
    let m = d.wait_modem("m0", "degraded by its cap", |m| m["state"] == "degraded");
    assert!(
        m["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("send cap"),
        "{m}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sim.received().len(), 2, "no more than 2 a minute");
    let (_, v) = d.get(&format!("/v1/messages/{}", ids[3]));
    assert_eq!(v["state"], "queued", "the rest wait, nothing is lost: {v}");
    assert!(
        d.call("GET", "/readyz", &[], None).0 == 200,
        "a capped modem still counts as able to send"
    );
    // A restart does not hand the SIM a fresh allowance.
    d.kill9();
    d.restart();
    d.wait_modem("m0", "capped after the restart", |m| {
        m["state"] == "degraded"
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sim.received().len(), 2, "the cap held across the restart");
}

#[test]
fn a_multipart_sms_cut_short_by_a_failed_modem_goes_out_whole_through_another() {
    let dir = tempdir();
    // m0 serves +3370 first; its parts take 1.5 s each.
    let slow = Sim::start(dir.path(), "m0", &["--latency-ms", "1500"]);
    let other = Sim::start(dir.path(), "m1", &[]);
    let d = Daemon::start_modems(
        dir.path(),
        &[(&slow, "routes = [\"+3370\"]"), (&other, "")],
        "[queue]\nroute_fallback_ms = 300",
    );
    for id in ["m0", "m1"] {
        d.wait_modem(id, "ready", |m| m["state"] == "ready");
    }
    let text = "0123456789".repeat(20); // 200 GSM-7 characters: two parts
    let id = d.send("+33700000001", &text, json!({}));
    wait_for("part 1 through m0", LONG, || {
        let (_, v) = d.get(&format!("/v1/messages/{id}"));
        (v["parts"].as_array().map_or(0, Vec::len) == 1).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    // m0 is unplugged while part 2 waits for its +CMGS answer.
    assert_eq!(slow.control(json!({"op": "close"}))["ok"], true);
    let v = d.wait_state(&id, "sent", LONG);
    // The handset joins parts per sender: m1 sent both, and its phone has the whole text.
    let got = other.wait_received(1, LONG);
    assert_eq!(got[0].text, text, "{v}");
    assert_eq!(got[0].parts, 2);
    let modems: Vec<&str> = v["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter_map(|p| p["modem"].as_str())
        .collect();
    assert_eq!(modems, ["m1", "m1"], "{v}");
    assert!(slow.received().is_empty(), "m0 never completed it");
}

#[test]
fn huawei_boot_heartbeats_are_not_restarts_but_a_real_restart_is_caught() {
    let dir = tempdir();
    let sim = Sim::start(
        dir.path(),
        "m0",
        &["--vendor", "huawei", "--latency-ms", "400"],
    );
    let d = Daemon::start(dir.path(), &[&sim], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let id = d.send("+33612345678", "through heartbeats", json!({}));
    wait_for("the send to start", LONG, || {
        let (_, v) = d.get(&format!("/v1/messages/{id}"));
        (v["state"] == "sending").then_some(())
    });
    // E-series sticks repeat ^BOOT every few seconds, also while +CMGS waits.
    let beat = json!({"op": "urc", "line": "^BOOT:20121031,0,0,0,72"});
    assert_eq!(sim.control(beat.clone())["ok"], true);
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(v["attempts"], 1, "the send was not cut: {v}");
    assert_eq!(v["maybe_duplicate"], false, "{v}");
    assert_eq!(sim.control(beat)["ok"], true);
    let next = d.send("+33612345679", "after a heartbeat", json!({}));
    d.wait_state(&next, "sent", LONG);
    assert!(
        !d.all_logs().contains("modem not usable"),
        "a heartbeat is no restart"
    );
    // A real restart (its settings back to defaults) is brought up again.
    assert_eq!(sim.control(json!({"op": "reboot"}))["ok"], true);
    wait_for("the restart noticed", LONG, || {
        d.all_logs()
            .lines()
            .any(|l| l.contains("modem not usable") && l.contains("settings lost"))
            .then_some(())
    });
    d.wait_modem("m0", "ready again", |m| m["state"] == "ready");
    let last = d.send("+33612345670", "after the restart", json!({}));
    d.wait_state(&last, "sent", LONG);
    let got: Vec<String> = sim.received().into_iter().map(|r| r.text).collect();
    assert_eq!(
        got,
        [
            "through heartbeats",
            "after a heartbeat",
            "after the restart"
        ]
    );
}

#[test]
fn a_caller_hanging_up_on_the_sim_mid_send_does_not_cut_the_send() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "1000"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let id = d.send("+33612345678", "not cut by a call", json!({}));
    wait_for("the send to start", LONG, || {
        let (_, v) = d.get(&format!("/v1/messages/{id}"));
        (v["state"] == "sending").then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    // Someone rings the SIM and gives up while +CMGS waits for the network.
    for line in ["RING", "NO CARRIER"] {
        assert_eq!(sim.control(json!({"op": "urc", "line": line}))["ok"], true);
    }
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(v["attempts"], 1, "{v}");
    assert_eq!(v["maybe_duplicate"], false, "{v}");
    let next = d.send("+33612345679", "and the next", json!({}));
    d.wait_state(&next, "sent", LONG);
    let got: Vec<String> = sim.received().into_iter().map(|r| r.text).collect();
    assert_eq!(got, ["not cut by a call", "and the next"], "sent once each");
}

#[test]
fn one_domain_saying_lost_does_not_stop_a_registered_modem() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start_modems(dir.path(), &[(&sim, "health_interval_s = 5")], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    // GPRS detached (an LTE modem on EPS, or PS simply off): SMS still go over CS.
    assert_eq!(
        sim.control(json!({"op": "urc", "line": "+CGREG: 0"}))["ok"],
        true
    );
    std::thread::sleep(Duration::from_millis(500));
    let (_, v) = d.get("/v1/modems");
    assert_eq!(v[0]["state"], "ready", "{v}");
    let id = d.send("+33612345678", "still sending", json!({}));
    d.wait_state(&id, "sent", LONG);
    // A real loss is confirmed by the poll and stops the modem.
    assert_eq!(
        sim.control(json!({"op": "network", "registered": false}))["ok"],
        true
    );
    d.wait_modem("m0", "offline", |m| m["state"] == "offline");
}
