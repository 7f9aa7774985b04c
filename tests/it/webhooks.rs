//! Issue 4, webhooks: the daemon POSTs every state change of a message to a receiver the test
//! runs on loopback, retries failures with the same event id, signs bodies, and resumes from
//! its outbox after a restart.

use super::harness::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "hook-secret";
const LONG: Duration = Duration::from_secs(60);

/// One request as the receiver saw it, and what it answered.
#[derive(Debug, Clone)]
struct Hit {
    head: String,
    body: Vec<u8>,
    status: u16,
}

impl Hit {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("an event body is JSON")
    }

    fn event_id(&self) -> String {
        self.header("x-otpgate-event-id").expect("event id header")
    }
}

/// A tiny HTTP/1.1 receiver: keep-alive, content-length bodies, an answer per request.
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    /// `answer(n, accepting)`: the status for the n-th request (0-based).
    fn start(accepting: Arc<AtomicBool>, answer: fn(usize, bool) -> u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/otpgate/events",
            listener.local_addr().expect("addr")
        );
        let hits = Arc::new(Mutex::new(Vec::new()));
        let shared = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (hits, accepting) = (shared.clone(), accepting.clone());
                std::thread::spawn(move || serve(stream, &hits, &accepting, answer));
            }
        });
        Receiver { url, hits }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("lock").clone()
    }

    /// Waits until events in every one of `states` were answered 2xx; returns every hit.
    fn wait_delivered(&self, states: &[&str]) -> Vec<Hit> {
        wait_for(&format!("webhook events {states:?}"), LONG, || {
            let hits = self.hits();
            let ok: BTreeSet<String> = hits
                .iter()
                .filter(|h| h.status == 200)
                .filter_map(|h| h.json()["state"].as_str().map(String::from))
                .collect();
            states.iter().all(|s| ok.contains(*s)).then_some(hits)
        })
    }
}

fn serve(
    stream: TcpStream,
    hits: &Mutex<Vec<Hit>>,
    accepting: &AtomicBool,
    answer: fn(usize, bool) -> u16,
) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut hit = Hit {
            head,
            body: Vec::new(),
            status: 0,
        };
        let len: usize = hit
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        hit.body = vec![0u8; len];
        if reader.read_exact(&mut hit.body).is_err() {
            return;
        }
        let status = {
            let mut hits = hits.lock().expect("lock");
            hit.status = answer(hits.len(), accepting.load(Ordering::SeqCst));
            hits.push(hit);
            hits.last().map_or(500, |h| h.status)
        };
        let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn webhook_toml(url: &str) -> String {
    format!(
        "[webhook]\nurl = \"{url}\"\nsecret = \"{SECRET}\"\ntimeout_ms = 2000\nmax_backoff_ms = 1000\n"
    )
}

fn signature(body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The first 2xx-answered hit of each state, for message `id`.
fn delivered_states(hits: &[Hit], id: &str) -> Vec<String> {
    let mut states: Vec<String> = Vec::new();
    for h in hits.iter().filter(|h| h.status == 200) {
        let v = h.json();
        if v["message_id"] == id {
            let s = v["state"].as_str().unwrap_or_default().to_string();
            if !states.contains(&s) {
                states.push(s);
            }
        }
    }
    states
}

#[test]
fn state_changes_are_posted_signed_and_retried_with_the_same_id() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let receiver = Receiver::start(Arc::new(AtomicBool::new(true)), |n, _| {
        if n < 2 {
            500
        } else {
            200
        }
    });
    let d = Daemon::start(dir.path(), &[&sim], &webhook_toml(&receiver.url));
    let text = "webhook body must stay private";
    let id = d.send("+33612345678", text, json!({}));
    d.wait_state(&id, "sent", LONG);
    let hits = receiver.wait_delivered(&["queued", "sending", "sent"]);

    // The two 500s were the first event; its retry carried the same id and the same bytes.
    assert!(hits.len() >= 4, "{hits:?}");
    assert_eq!(hits[0].status, 500);
    assert_eq!(hits[1].status, 500);
    assert_eq!(hits[2].status, 200);
    assert_eq!(hits[0].event_id(), hits[1].event_id());
    assert_eq!(hits[0].event_id(), hits[2].event_id());
    assert_eq!(hits[0].body, hits[2].body);

    let mut ids = BTreeSet::new();
    for h in &hits {
        assert!(
            h.head.starts_with("POST /otpgate/events HTTP/1.1"),
            "{}",
            h.head
        );
        assert_eq!(
            h.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(h.header("x-otpgate-signature"), Some(signature(&h.body)));
        let v = h.json();
        assert_eq!(v["id"].as_str(), Some(h.event_id().as_str()), "{v}");
        assert_eq!(v["type"], "message.state");
        assert_eq!(v["message_id"], id.as_str());
        assert_eq!(v["to"], "+33612345678");
        assert!(v["at_ms"].as_u64().is_some_and(|t| t > 0), "{v}");
        let keys: BTreeSet<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let want: BTreeSet<&str> = [
            "id",
            "type",
            "message_id",
            "state",
            "at_ms",
            "to",
            "parts",
            "last_error",
            "maybe_duplicate",
            "origin",
        ]
        .into();
        assert_eq!(keys, want);
        assert!(!String::from_utf8_lossy(&h.body).contains(text));
        if h.status == 200 {
            assert!(ids.insert(h.event_id()), "an id delivered twice: {hits:?}");
        }
    }

    // In order; `delivered` follows when the status report arrives (see the test below).
    let states = delivered_states(&hits, &id);
    assert_eq!(
        states.get(..3),
        Some(
            &[
                "queued".to_string(),
                "sending".to_string(),
                "sent".to_string()
            ][..]
        )
    );
    if let Some(fourth) = states.get(3) {
        assert_eq!(fourth, "delivered", "{states:?}");
    }
    // One warning for the streak of two failures, not one per try.
    let logs = d.all_logs();
    assert_eq!(
        logs.matches("webhook delivery failing").count(),
        1,
        "{logs}"
    );
    assert!(logs.contains("webhook delivered again"), "{logs}");
    let sent = hits
        .iter()
        .map(Hit::json)
        .find(|v| v["state"] == "sent")
        .expect("a sent event");
    assert_eq!(sent["parts"][0]["seq"], 1, "{sent}");
    assert_eq!(sent["parts"][0]["modem"], "m0", "{sent}");
    assert!(sent["parts"][0]["message_ref"].is_u64(), "{sent}");
}

/// The simulator sends a `+CDS` status report ~500 ms after each SMS with TP-SRR; the pool's
/// report handling lands with main's pool work. Enable then.
#[test]
fn a_status_report_becomes_a_delivered_event() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let receiver = Receiver::start(Arc::new(AtomicBool::new(true)), |_, _| 200);
    let d = Daemon::start(dir.path(), &[&sim], &webhook_toml(&receiver.url));
    let id = d.send("+33612345678", "report me", json!({}));
    d.wait_state(&id, "delivered", LONG);
    let hits = receiver.wait_delivered(&["queued", "sending", "sent", "delivered"]);
    assert_eq!(
        delivered_states(&hits, &id),
        ["queued", "sending", "sent", "delivered"]
    );
    let last = hits
        .iter()
        .map(Hit::json)
        .find(|v| v["state"] == "delivered")
        .expect("delivered");
    assert_eq!(last["parts"][0]["status"], "delivered", "{last}");
}

#[test]
fn events_waiting_in_the_outbox_go_out_after_a_restart() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let accepting = Arc::new(AtomicBool::new(false));
    let receiver = Receiver::start(accepting.clone(), |_, ok| if ok { 204 } else { 503 });
    let mut d = Daemon::start(dir.path(), &[&sim], &webhook_toml(&receiver.url));
    let id = d.send("+33612345678", "while the receiver is down", json!({}));
    d.wait_state(&id, "sent", LONG);
    // Events are not flushed on their own: give sled's periodic flush (1 s) time, then die
    // without any chance to flush.
    std::thread::sleep(Duration::from_millis(2500));
    d.kill9();
    let refused: BTreeSet<String> = receiver.hits().iter().map(Hit::event_id).collect();
    assert!(
        !refused.is_empty(),
        "the first event was tried before the kill"
    );

    accepting.store(true, Ordering::SeqCst);
    d.restart();
    let hits = wait_for("the waiting events after the restart", LONG, || {
        let hits = receiver.hits();
        let states: BTreeSet<String> = hits
            .iter()
            .filter(|h| h.status == 204)
            .filter_map(|h| h.json()["state"].as_str().map(String::from))
            .collect();
        (states.contains("sending") && states.contains("sent")).then_some(hits)
    });
    let accepted: Vec<&Hit> = hits.iter().filter(|h| h.status == 204).collect();
    // What was refused before the kill went out after the restart with the same ids.
    for id in &refused {
        assert!(
            accepted.iter().any(|h| &h.event_id() == id),
            "event {id} not resent: {hits:?}"
        );
    }
    assert_eq!(
        accepted.first().map(|h| h.json()["state"].clone()),
        Some(json!("queued")),
        "oldest first"
    );
    assert!(d
        .all_logs()
        .contains("webhook events waiting from before the restart"));
}
