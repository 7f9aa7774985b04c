//! Issue 2 acceptance: the queue, the AT engine and the codec through the daemon's real serial
//! path to simulated modems on pseudo-terminals.

use super::harness::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

#[test]
fn healthz_answers() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let (status, v) = d.get("/healthz");
    assert_eq!(status, 200);
    assert_eq!(v["status"], "ok");
}

#[test]
fn ucs2_300_chars_arrive_as_five_concatenated_parts() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    // 300 characters outside GSM-7 (Cyrillic, Greek lower case, CJK): 67 UCS-2 units a part.
    let base = "Ваш код: ζωή 你好 ";
    let text: String = base.chars().cycle().take(300).collect();
    assert_eq!(text.chars().count(), 300);
    let id = d.send("+33612345678", &text, json!({}));
    let got = sim.wait_received(1, LONG);
    assert_eq!(got[0].text, text, "reassembled exactly");
    assert_eq!(got[0].encoding, "ucs2");
    assert_eq!(got[0].parts, 5);
    assert_eq!(got[0].to, "+33612345678");
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(v["total_parts"], 5);
    assert_eq!(v["parts"].as_array().map(Vec::len), Some(5));
}

#[test]
fn gsm7_200_chars_with_euro_and_braces_arrive_as_two_parts() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let mut text = String::from("Price 5€ {promo} ");
    while text.chars().count() < 200 {
        text.push_str("abc 123 ");
    }
    let text: String = text.chars().take(200).collect();
    d.send("0612345678", &text, json!({}));
    let got = sim.wait_received(1, LONG);
    assert_eq!(got[0].text, text);
    assert_eq!(got[0].encoding, "gsm7");
    assert_eq!(got[0].parts, 2, "203 septets: 153 + 50");
    assert_eq!(got[0].to, "0612345678");
}

#[test]
fn two_hundred_sends_under_urc_noise_all_arrive_intact() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--urc-noise"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let mut ids = Vec::new();
    let mut expected = BTreeSet::new();
    for i in 0..200 {
        let text = format!("message {i:03} with some padding to make it real");
        ids.push(d.send(&format!("+3361234{i:04}"), &text, json!({})));
        expected.insert((format!("+3361234{i:04}"), text));
    }
    let got = sim.wait_received(200, Duration::from_secs(120));
    let seen: BTreeSet<_> = got.iter().map(|r| (r.to.clone(), r.text.clone())).collect();
    assert_eq!(got.len(), 200, "no duplicates, nothing extra");
    assert_eq!(seen, expected, "every text intact, to its own number");
    for id in &ids {
        let v = d.wait_state(id, "sent", LONG);
        // A response mixed up with another command's would have failed or retried a send.
        assert_eq!(v["attempts"], 1, "message {id}: {v}");
    }
}

#[test]
fn cms_500_is_retried_and_succeeds() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--cms-error-once", "+33600000001:500"]);
    let d = Daemon::start(dir.path(), &[&sim], "[queue]\nbackoff_base_ms = 200");
    let id = d.send("+33600000001", "retry me", json!({}));
    let v = d.wait_state(&id, "sent", LONG);
    assert_eq!(v["attempts"], 2, "{v}");
    assert!(v["history"].to_string().contains("500"), "{v}");
    assert_eq!(sim.received().len(), 1);
}

#[test]
fn permanent_error_fails_the_message_with_its_reason() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--cms-error-to", "+33600000002:1"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let id = d.send("+33600000002", "never", json!({}));
    let v = d.wait_state(&id, "failed", LONG);
    assert_eq!(v["attempts"], 1);
    let reason = v["last_error"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        reason.contains("unassigned"),
        "reason names the cause: {reason}"
    );
    // A good message after it still goes: the modem is fine.
    let ok = d.send("+33600000003", "fine", json!({}));
    d.wait_state(&ok, "sent", LONG);
    assert_eq!(sim.received().len(), 1);
}

#[test]
fn an_expired_message_is_never_sent() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "1500"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    wait_for("the modem to be ready", LONG, || {
        (d.get("/healthz").1["modems_ready"] == 1).then_some(())
    });
    let first = d.send("+33600000010", "holds the modem", json!({}));
    let late = d.send("+33600000011", "too late", json!({"ttl_seconds": 1}));
    let v = d.wait_state(&late, "expired", LONG);
    assert_eq!(v["attempts"], 0);
    d.wait_state(&first, "sent", LONG);
    std::thread::sleep(Duration::from_millis(300));
    let got = sim.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text, "holds the modem");
}

#[test]
fn kill_9_with_50_queued_then_restart_loses_nothing() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "100"]);
    let mut d = Daemon::start(dir.path(), &[&sim], "");
    let mut expected = BTreeSet::new();
    for i in 0..50 {
        let text = format!("durable {i:02}");
        d.send("+33612340000", &text, json!({}));
        expected.insert(text);
    }
    d.kill9();
    let before = sim.received().len();
    assert!(
        before < 50,
        "the kill came before the queue drained ({before} sent)"
    );
    d.restart();
    let all = wait_for("all 50 at the phone", Duration::from_secs(90), || {
        let got: BTreeSet<String> = sim.received().into_iter().map(|r| r.text).collect();
        got.is_superset(&expected).then_some(got)
    });
    assert_eq!(all, expected, "nothing lost, nothing foreign");
}

#[test]
fn no_code_in_clear_in_the_data_directory_or_the_log() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "400"]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let codes = ["739164", "582047", "316952"];
    let ids: Vec<String> = codes
        .iter()
        .map(|c| {
            d.send(
                "+33612345678",
                &format!("Your code is {c}"),
                json!({"sensitive": true, "priority": "otp"}),
            )
        })
        .collect();
    let check = |when: &str| {
        for code in codes {
            for needle in [code.to_string(), hex::encode(code), hex::encode_upper(code)] {
                let hits = files_containing(&d.data_dir, needle.as_bytes());
                assert!(hits.is_empty(), "{when}: {needle} in clear in {hits:?}");
                assert!(
                    !d.all_logs().contains(&needle),
                    "{when}: {needle} in the log"
                );
            }
        }
    };
    check("while queued");
    for id in &ids {
        d.wait_state(id, "sent", LONG);
    }
    check("after sending");
    assert_eq!(sim.received().len(), 3);
}
