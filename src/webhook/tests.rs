//! The listener and the delivery task against a tiny HTTP/1.1 receiver on loopback.

use super::*;
use crate::queue::{Part, PartStatus, State, PRIORITY_NORMAL};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// A request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Answers request `n` (0-based, over every connection) with `status(n)`; `None`: no answer
/// (the connection is held open and silent).
fn receiver(status: fn(usize) -> Option<u16>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || serve(stream, &log, status));
        }
    });
    (url, seen)
}

fn serve(stream: std::net::TcpStream, log: &Mutex<Vec<Seen>>, status: fn(usize) -> Option<u16>) {
    let mut writer = stream.try_clone().unwrap();
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
        let seen = Seen {
            head,
            body: Vec::new(),
        };
        let len: usize = seen
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).unwrap();
        let n = {
            let mut log = log.lock().unwrap();
            log.push(Seen { body, ..seen });
            log.len() - 1
        };
        match status(n) {
            Some(code) => {
                let answer = format!("HTTP/1.1 {code} X\r\ncontent-length: 2\r\n\r\nok");
                writer.write_all(answer.as_bytes()).unwrap();
            }
            None => std::thread::sleep(Duration::from_secs(30)),
        }
    }
}

fn config(url: &str, secret: Option<&str>, timeout_ms: u64) -> WebhookConfig {
    WebhookConfig::from_section(&WebhookSection {
        url: url.into(),
        secret: secret.map(String::from),
        timeout_ms: Some(timeout_ms),
        max_backoff_ms: Some(100),
    })
    .unwrap()
}

fn message(id: u64, state: State) -> Message {
    Message {
        id,
        to: "+33612345678".into(),
        body: None,
        sensitive: false,
        priority: PRIORITY_NORMAL,
        state,
        created_ms: 1,
        not_after_ms: None,
        attempts: 1,
        next_try_ms: 1,
        last_error: None,
        maybe_duplicate: false,
        total_parts: 1,
        concat_ref: 0,
        parts: vec![Part {
            seq: 1,
            message_ref: 3,
            modem: "m0".into(),
            sent_ms: 2,
            status: PartStatus::Pending { note: None },
        }],
        origin: None,
        history: Vec::new(),
        voice: None,
        calls: Vec::new(),
        extra: Default::default(),
    }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn events_go_out_in_order_and_a_retry_keeps_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (url, seen) = receiver(|n| Some(if n < 2 { 500 } else { 200 }));
    let (hook, mut delivery) = open(&store, config(&url, Some("s3cret"), 2000)).unwrap();
    delivery.first_backoff = Duration::from_millis(10);
    let ids: Vec<u64> = [State::Sending, State::Sent, State::Delivered]
        .into_iter()
        .map(|s| hook.record(&message(7, s)).unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let cancel = CancellationToken::new();
    let task = tokio::spawn(delivery.run(cancel.clone()));
    let outbox = Outbox::open(&store).unwrap();
    wait_until("an empty outbox", || outbox.is_empty()).await;
    cancel.cancel();
    task.await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let got: Vec<String> = seen
        .iter()
        .map(|s| s.header("x-otpgate-event-id").unwrap())
        .collect();
    let want: Vec<String> = [ids[0], ids[0], ids[0], ids[1], ids[2]]
        .iter()
        .map(u64::to_string)
        .collect();
    assert_eq!(
        got, want,
        "two 500s retry the first event, then the rest in order"
    );
    let signer = Signer::new("s3cret").unwrap();
    for (s, state) in seen.iter().skip(2).zip(["sending", "sent", "delivered"]) {
        assert!(s.head.starts_with("POST /hook HTTP/1.1"), "{}", s.head);
        assert_eq!(
            s.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(s.header("x-otpgate-signature"), Some(signer.sign(&s.body)));
        let v: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        assert_eq!(v["state"], state);
        assert_eq!(v["id"].as_str(), s.header("x-otpgate-event-id").as_deref());
        assert_eq!(v["message_id"], "7");
    }
    assert_eq!(seen[0].body, seen[2].body, "a retry sends the same bytes");
}

#[tokio::test]
async fn a_silent_receiver_times_out_and_the_event_waits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (url, seen) = receiver(|n| if n == 0 { None } else { Some(204) });
    let (hook, mut delivery) = open(&store, config(&url, None, 200)).unwrap();
    delivery.first_backoff = Duration::from_millis(10);
    let id = hook.record(&message(1, State::Sent)).unwrap();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(delivery.run(cancel.clone()));
    let outbox = Outbox::open(&store).unwrap();
    wait_until("delivery after the timeout", || outbox.is_empty()).await;
    cancel.cancel();
    task.await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen
        .iter()
        .all(|s| s.header("x-otpgate-event-id") == Some(id.to_string())));
    assert!(
        seen[0].header("x-otpgate-signature").is_none(),
        "no secret, no signature"
    );
}

#[tokio::test]
async fn nobody_listening_keeps_the_event_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (hook, mut delivery) = open(&store, config(&url, None, 200)).unwrap();
    delivery.first_backoff = Duration::from_millis(10);
    hook.record(&message(1, State::Sent)).unwrap();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(delivery.run(cancel.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    cancel.cancel();
    task.await.unwrap();
    assert_eq!(Outbox::open(&store).unwrap().len(), 1);
}
