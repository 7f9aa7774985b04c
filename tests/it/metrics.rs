//! Issue 6: `GET /metrics` parsed with a Prometheus text-format parser, its numbers matched
//! to what the test did; request ids answered and carried into the modem worker's log lines;
//! JSON logs.

use super::harness::*;
use prometheus_parse::{Scrape, Value as Metric};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(60);

fn setup(extra: &str) -> (tempfile::TempDir, Sim, Daemon) {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let extra = format!("[otp]\nresend_cooldown_s = 0\nper_number_per_hour = 1000\n{extra}");
    let d = Daemon::start(dir.path(), &[&sim], &extra);
    (dir, sim, d)
}

/// `GET /metrics`, parsed.
fn scrape(d: &Daemon) -> (Scrape, String) {
    let r = ureq::get(&format!("{}/metrics", d.base))
        .timeout(Duration::from_secs(10))
        .call()
        .expect("GET /metrics");
    assert!(
        r.content_type().contains("openmetrics-text"),
        "{}",
        r.content_type()
    );
    let text = r.into_string().expect("body");
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
    (scrape, text)
}

/// The single value of the sample `name` whose labels include `labels` (0 when absent).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let hits: Vec<f64> = s
        .samples
        .iter()
        .filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => *v,
            other => panic!("{name}: not a single value: {other:?}"),
        })
        .collect();
    assert!(hits.len() <= 1, "{name} {labels:?} matches {hits:?}");
    hits.first().copied().unwrap_or(0.0)
}

/// Requests the latency histogram counted for this route, method and status.
fn requests(s: &Scrape, route: &str, method: &str, status: &str) -> f64 {
    let labels = [("route", route), ("method", method), ("status", status)];
    let Some(h) = s.samples.iter().find(|x| {
        x.metric == "otpgate_http_request_duration_seconds"
            && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
    }) else {
        return 0.0;
    };
    let Metric::Histogram(buckets) = &h.value else {
        panic!("not a histogram: {h:?}")
    };
    assert!(buckets.len() > 2, "buckets: {buckets:?}");
    // Cumulative: each bucket holds at least the one below it; +Inf holds them all.
    assert!(buckets.windows(2).all(|w| w[0].count <= w[1].count));
    buckets
        .iter()
        .find(|b| b.less_than.is_infinite())
        .expect("+Inf bucket")
        .count
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no 6-digit code in {text:?}"))
        .to_string()
}

fn sms_to(sim: &Sim, number: &str) -> String {
    wait_for(&format!("an SMS to {number}"), LONG, || {
        sim.received()
            .into_iter()
            .find(|r| r.to == number)
            .map(|r| r.text)
    })
}

fn mon(d: &Daemon, path: &str, mut body: Value) -> Value {
    body["apiKey"] = json!(d.key);
    let (status, v) = d.call("POST", path, &[], Some(&body.to_string()));
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn metrics_count_what_the_test_did() {
    let (_dir, sim, d) = setup("");
    let (s, text) = scrape(&d);
    assert!(text.ends_with("# EOF\n"));
    // Every dialect's counters exist from the start, at 0.
    for dialect in ["nomado", "monsmspro", "octopush"] {
        assert_eq!(
            value(&s, "otpgate_otps_created_total", &[("dialect", dialect)]),
            0.0
        );
        assert!(text.contains(&format!(
            "otpgate_otps_expired_total{{dialect=\"{dialect}\"}} 0"
        )));
    }

    // Octopush, 3 s validity: sent, then verified after it expired.
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33644444444", "code_length": 6, "validity_period": 3}),
    );
    let created = Instant::now();
    assert_eq!(status, 200, "{v}");
    let expired_token = v["otp_request_token"].as_str().expect("token").to_string();
    let expired_code = code_in(&sms_to(&sim, "+33644444444"));

    // Nomado: one right verify, one wrong.
    let (status, v) = d.post(
        "/2fa/create",
        json!({"to": "+33611111111", "type": "NUMERIC", "length": 6}),
    );
    assert_eq!(status, 200, "{v}");
    let code = v["data"]["token"].as_str().expect("code").to_string();
    let (status, _) = d.post(
        "/2fa/verify",
        json!({"number": "33611111111", "token": code}),
    );
    assert_eq!(status, 200);
    let (status, v) = d.post(
        "/2fa/create",
        json!({"to": "+33622222222", "type": "NUMERIC", "length": 6}),
    );
    assert_eq!(status, 200, "{v}");
    let wrong = if v["data"]["token"] == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, _) = d.post(
        "/2fa/verify",
        json!({"number": "33622222222", "token": wrong}),
    );
    assert_eq!(status, 400);

    // MonSMSPro: one wrong, then the right code.
    let v = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+33633333333", "length": 6}),
    );
    let token = v["data"]["token"].as_str().expect("token").to_string();
    let code = code_in(&sms_to(&sim, "+33633333333"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v = mon(
        &d,
        "/v1/auth/otp/verify",
        json!({"phoneNumber": "33633333333", "token": token, "otp": wrong}),
    );
    assert_eq!(v["error"], "wrong-otp", "{v}");
    let v = mon(
        &d,
        "/v1/auth/otp/verify",
        json!({"phoneNumber": "33633333333", "token": token, "otp": code}),
    );
    assert_eq!(v["success"], true, "{v}");

    // Two plain sends.
    let plain = [
        d.send("+33655555555", "hello", json!({})),
        d.send("+33655555556", "hello again", json!({})),
    ];

    // A few HTTP errors: no such path, no credentials, a wrong method.
    let (status, _) = d.call("GET", "/no/such/path", &[], None);
    assert_eq!(status, 404);
    let (status, _) = d.call("POST", "/2fa/create", &[], Some("{}"));
    assert_eq!(status, 401);
    let (status, _) = d.call(
        "DELETE",
        "/v1/messages/12",
        &[("authorization", &d.basic())],
        None,
    );
    assert_eq!(status, 405);

    // The expired one, verified once it expired.
    if let Some(left) = Duration::from_millis(3500).checked_sub(created.elapsed()) {
        std::thread::sleep(left);
    }
    let (status, v) = octo_validate(&d, &expired_token, &expired_code);
    assert_eq!((status, v["code"].clone()), (400, json!(197)), "{v}");

    // Six SMS in all; wait until the worker finished each (sent or already delivered).
    for id in &plain {
        d.wait_state(id, "sent", LONG);
    }
    let done = |s: &Scrape| {
        value(s, "otpgate_messages", &[("state", "sent"), ("modem", "m0")])
            + value(
                s,
                "otpgate_messages",
                &[("state", "delivered"), ("modem", "m0")],
            )
    };
    let s = wait_for("six messages sent through m0", LONG, || {
        let (s, _) = scrape(&d);
        (done(&s) == 6.0).then_some(s)
    });

    let otp = |name: &str, dialect: &str| value(&s, name, &[("dialect", dialect)]);
    let counted: Vec<(&str, [f64; 4])> = ["nomado", "monsmspro", "octopush"]
        .into_iter()
        .map(|dialect| {
            (
                dialect,
                [
                    otp("otpgate_otps_created_total", dialect),
                    otp("otpgate_otps_verified_total", dialect),
                    otp("otpgate_otps_failed_total", dialect),
                    otp("otpgate_otps_expired_total", dialect),
                ],
            )
        })
        .collect();
    assert_eq!(
        counted,
        vec![
            ("nomado", [2.0, 1.0, 1.0, 0.0]),
            ("monsmspro", [1.0, 1.0, 1.0, 0.0]),
            ("octopush", [1.0, 0.0, 0.0, 1.0]),
        ],
        "created, verified, failed, expired"
    );

    // Messages: nothing waiting, nothing failed, every one on m0.
    for state in ["queued", "sending", "failed", "expired"] {
        for modem in ["", "m0"] {
            let n = value(
                &s,
                "otpgate_messages",
                &[("state", state), ("modem", modem)],
            );
            assert_eq!(n, 0.0, "{state} on {modem:?}");
        }
    }
    assert_eq!(value(&s, "otpgate_queue_depth", &[("channel", "sms")]), 0.0);
    assert_eq!(
        value(&s, "otpgate_queue_depth", &[("channel", "voice")]),
        0.0
    );

    // The modem.
    let m0 = [("modem", "m0")];
    assert_eq!(value(&s, "otpgate_modem_parts_sent_total", &m0), 6.0);
    assert_eq!(value(&s, "otpgate_modem_messages_sent_total", &m0), 6.0);
    assert_eq!(value(&s, "otpgate_modem_messages_failed_total", &m0), 0.0);
    for (state, up) in [("ready", 1.0), ("starting", 0.0), ("offline", 0.0)] {
        let n = value(
            &s,
            "otpgate_modem_state",
            &[("modem", "m0"), ("state", state)],
        );
        assert_eq!(n, up, "state {state}");
    }
    let dbm = value(&s, "otpgate_modem_signal_dbm", &m0);
    assert!((-113.0..=-51.0).contains(&dbm), "signal {dbm} dBm");

    // HTTP, by route template.
    assert_eq!(requests(&s, "/2fa/create", "POST", "200"), 2.0);
    assert_eq!(requests(&s, "/2fa/create", "POST", "401"), 1.0);
    assert_eq!(requests(&s, "/2fa/verify", "POST", "200"), 1.0);
    assert_eq!(requests(&s, "/2fa/verify", "POST", "400"), 1.0);
    assert_eq!(requests(&s, "/v1/auth/otp/verify", "POST", "200"), 2.0);
    assert_eq!(
        requests(&s, "/v1/public/service/otp/validate", "PUT", "400"),
        1.0
    );
    assert_eq!(requests(&s, "/v1/messages", "POST", "202"), 2.0);
    assert_eq!(requests(&s, "unmatched", "GET", "404"), 1.0);
    // prometheus-parse ends a label set at the first `}`, even inside a quoted value: the
    // route with `{id}` is checked on the text itself.
    let (_, text) = scrape(&d);
    assert!(
        text.contains(
            "otpgate_http_request_duration_seconds_count{route=\"/v1/messages/{id}\",method=\"DELETE\",status=\"405\"} 1\n"
        ),
        "{text}"
    );

    // Nothing secret or personal in it.
    for secret in [
        "3364444444",
        "3361111111",
        "3363333333",
        d.key.as_str(),
        &expired_token,
    ] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
}

#[test]
fn a_request_id_is_answered_and_carried_into_the_modem_log() {
    let (_dir, sim, d) = setup("");
    let auth = d.basic();
    let body = json!({"to": "+33677777777", "text": "hello"}).to_string();
    let (status, echoed, v) = d.call_header(
        "POST",
        "/v1/messages",
        &[("authorization", &auth), ("x-request-id", "it-req.42_a")],
        Some(&body),
        "x-request-id",
    );
    assert_eq!(status, 202, "{v}");
    assert_eq!(echoed.as_deref(), Some("it-req.42_a"));
    let id = v["id"].as_str().expect("id").to_string();
    sim.wait_received(1, LONG);
    d.wait_state(&id, "sent", LONG);

    // An id we would not put in a log line is replaced by one of ours.
    let (_, replaced, _) = d.call_header(
        "GET",
        "/healthz",
        &[("x-request-id", "no spaces allowed")],
        None,
        "x-request-id",
    );
    let replaced = replaced.expect("an id is always answered");
    assert_eq!(replaced.len(), 32, "{replaced}");
    assert!(replaced.chars().all(|c| c.is_ascii_hexdigit()));
    let (_, generated, _) = d.call_header("GET", "/readyz", &[], None, "x-request-id");
    assert_ne!(generated.as_deref(), Some(replaced.as_str()));

    let logs = wait_for("the worker's send line", LONG, || {
        let logs = d.all_logs();
        logs.lines().any(|l| l.contains("sent")).then_some(logs)
    });
    let tagged = |what: &str| {
        logs.lines()
            .any(|l| l.contains(what) && l.contains("request_id=it-req.42_a"))
    };
    assert!(tagged("part sent"), "the modem-side send line:\n{logs}");
    assert!(tagged(&format!("id={id}")), "{logs}");
    assert!(tagged("POST"), "the API call's own span:\n{logs}");
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request_id() {
    let (_dir, sim, d) = setup("[log]\nformat = \"json\"\n");
    let body = json!({"to": "+33688888888", "text": "hello"}).to_string();
    let auth = d.basic();
    let (status, _, v) = d.call_header(
        "POST",
        "/v1/messages",
        &[("authorization", &auth), ("x-request-id", "json-req-7")],
        Some(&body),
        "x-request-id",
    );
    assert_eq!(status, 202, "{v}");
    let id = v["id"].as_str().expect("id").to_string();
    sim.wait_received(1, LONG);
    d.wait_state(&id, "sent", LONG);

    let lines: Vec<Value> = wait_for("the worker's send line", LONG, || {
        let logs = d.all_logs();
        // A line still being written is left for the next look.
        let complete = logs.rfind('\n').map_or("", |end| &logs[..end]);
        let lines: Vec<Value> = complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect();
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "sent")
            .then_some(lines)
    });
    let sent = lines
        .iter()
        .find(|l| l["fields"]["message"] == "part sent")
        .expect("a part sent line");
    assert_eq!(sent["span"]["request_id"], "json-req-7", "{sent}");
    assert_eq!(
        sent["span"]["id"].as_u64().map(|n| n.to_string()),
        Some(id),
        "{sent}"
    );
    assert!(
        sent["timestamp"].is_string() && sent["level"] == "INFO",
        "{sent}"
    );
}
