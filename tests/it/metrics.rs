//! Issue 6: `GET /metrics` parsed with a Prometheus text-format parser, its numbers matched
//! to what the test did; request ids answered and carried into the modem worker's log lines;
//! JSON logs.

use super::harness::*;
use prometheus_parse::{Scrape, Value as Metric};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
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
    // prometheus-parse skips what it cannot read: the strict check is what fails on a bad line.
    strict(&text);
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
    (scrape, text)
}

/// One sample line, as [`strict`] read it.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    /// The TYPE of the family it belongs to.
    kind: String,
}

/// Checks the exposition against the OpenMetrics 1.0 text grammar, strictly: every line is a
/// `# HELP`/`# TYPE`/`# UNIT` descriptor or a sample `name{label="value",...} value
/// [timestamp]`; each family has one HELP and one TYPE before its samples; each sample's name
/// is its family's name plus a suffix its type allows; the body ends with `# EOF`. Panics
/// with the offending line; answers the samples.
fn strict(text: &str) -> Vec<Sample> {
    fn name_ok(n: &str) -> bool {
        let mut c = n.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
    }
    fn label_name_ok(n: &str) -> bool {
        name_ok(n) && !n.contains(':')
    }
    fn number_ok(v: &str) -> bool {
        matches!(v, "+Inf" | "-Inf" | "NaN")
            || (v.parse::<f64>().is_ok_and(f64::is_finite)
                && v.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)))
    }
    /// `{a="x",b="y"}` (the braces included) and what follows it.
    fn labels(line: &str, rest: &str) -> (BTreeMap<String, String>, String) {
        let mut out = BTreeMap::new();
        let mut chars = rest.chars().peekable();
        assert_eq!(chars.next(), Some('{'));
        loop {
            if chars.peek() == Some(&'}') {
                chars.next();
                break;
            }
            let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
            assert!(label_name_ok(&name), "label name {name:?}: {line:?}");
            assert_eq!(chars.next(), Some('='), "{line:?}");
            assert_eq!(chars.next(), Some('"'), "{line:?}");
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => panic!("escape {other:?}: {line:?}"),
                    },
                    Some('\n') | None => panic!("unterminated label value: {line:?}"),
                    Some(c) => value.push(c),
                }
            }
            assert!(out.insert(name, value).is_none(), "label twice: {line:?}");
            match chars.next() {
                Some(',') => {}
                Some('}') => break,
                other => panic!("{other:?} after a label: {line:?}"),
            }
        }
        (out, chars.collect())
    }

    assert!(text.ends_with("\n# EOF\n"), "no final # EOF: {text:?}");
    let body = &text[..text.len() - "# EOF\n".len()];
    // family name -> (help seen, type)
    let mut families: HashMap<String, (bool, Option<String>)> = HashMap::new();
    let mut current: Option<String> = None;
    let mut samples = Vec::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let (what, name) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let arg = words.next();
            assert!(name_ok(name), "metric name {name:?}: {line:?}");
            if current.as_deref() != Some(name) {
                assert!(!families.contains_key(name), "family split: {line:?}");
                current = Some(name.to_string());
            }
            let family = families.entry(name.to_string()).or_default();
            match (what, arg) {
                ("HELP", Some(_)) => {
                    assert!(!family.0, "second HELP: {line:?}");
                    family.0 = true;
                }
                ("TYPE", Some(t)) => {
                    assert!(family.1.is_none(), "second TYPE: {line:?}");
                    assert!(
                        [
                            "counter",
                            "gauge",
                            "histogram",
                            "gaugehistogram",
                            "stateset",
                            "info",
                            "summary",
                            "unknown"
                        ]
                        .contains(&t),
                        "type {t:?}: {line:?}"
                    );
                    family.1 = Some(t.to_string());
                }
                ("UNIT", Some(_)) => {}
                _ => panic!("not a descriptor: {line:?}"),
            }
            continue;
        }
        let end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..end];
        assert!(name_ok(name), "sample name {name:?}: {line:?}");
        let (labels, rest) = if line[end..].starts_with('{') {
            labels(line, &line[end..])
        } else {
            (BTreeMap::new(), line[end..].to_string())
        };
        let parts: Vec<&str> = rest.strip_prefix(' ').unwrap_or("").split(' ').collect();
        assert!(
            matches!(parts.len(), 1 | 2) && parts.iter().all(|p| number_ok(p)),
            "value [timestamp]: {line:?}"
        );
        let family = current
            .as_deref()
            .unwrap_or_else(|| panic!("sample before any descriptor: {line:?}"));
        let (help, kind) = &families[family];
        let kind = kind
            .clone()
            .unwrap_or_else(|| panic!("no TYPE for {family}: {line:?}"));
        assert!(help, "no HELP for {family}: {line:?}");
        let suffixes: &[&str] = match kind.as_str() {
            "counter" => &["_total", "_created"],
            "histogram" | "gaugehistogram" => &["_bucket", "_count", "_sum", "_created"],
            "summary" => &["", "_count", "_sum", "_created"],
            _ => &[""],
        };
        assert!(
            suffixes.iter().any(|s| name == format!("{family}{s}")),
            "{name} is not a sample of the {kind} {family}"
        );
        samples.push(Sample {
            name: name.to_string(),
            labels,
            kind,
        });
    }
    for (name, (help, kind)) in &families {
        assert!(*help && kind.is_some(), "{name}: HELP and TYPE");
    }
    samples
}

#[test]
fn the_strict_check_fails_on_what_prometheus_parse_skips() {
    let good = "# HELP a A.\n# TYPE a counter\na_total{x=\"{id}\"} 1\n# EOF\n";
    assert_eq!(strict(good)[0].labels["x"], "{id}");
    let bad = [
        good.replace("\n# EOF", ""),
        good.replace("a_total{", "a_total {"),
        good.replace("} 1", "} one"),
        good.replace("} 1", "}1"),
        good.replace("# HELP a A.\n", ""),
        good.replace("# TYPE a counter\n", ""),
        good.replace("counter", "gauge"),
        good.replace("\"{id}\"", "{id}"),
        good.replace("# EOF", "# EOF\nb 1"),
    ];
    for text in bad {
        let failed = std::panic::catch_unwind(|| strict(&text)).is_err();
        assert!(failed, "accepted: {text:?}");
    }
}

/// The TYPE of the family each sample named `name` belongs to (one answer, some sample).
fn kind_of(samples: &[Sample], name: &str) -> String {
    let kinds: std::collections::BTreeSet<&str> = samples
        .iter()
        .filter(|s| s.name == name)
        .map(|s| s.kind.as_str())
        .collect();
    assert_eq!(kinds.len(), 1, "{name}: {kinds:?}");
    kinds.into_iter().next().unwrap_or_default().to_string()
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
        assert!(text.contains(&format!(
            "otpgate_otps_expired_unused_total{{dialect=\"{dialect}\"}} 0"
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

    // Each sample in the family of the type it should be.
    let samples = strict(&text);
    let expect = [
        ("otpgate_otps_created_total", "counter"),
        ("otpgate_otps_verified_total", "counter"),
        ("otpgate_otps_failed_total", "counter"),
        ("otpgate_otps_expired_total", "counter"),
        ("otpgate_otps_expired_unused_total", "counter"),
        ("otpgate_modem_parts_sent_total", "counter"),
        ("otpgate_modem_messages_sent_total", "counter"),
        ("otpgate_modem_messages_failed_total", "counter"),
        ("otpgate_messages", "gauge"),
        ("otpgate_queue_depth", "gauge"),
        ("otpgate_modem_state", "gauge"),
        ("otpgate_modem_signal_dbm", "gauge"),
        ("otpgate_http_request_duration_seconds_bucket", "histogram"),
        ("otpgate_http_request_duration_seconds_count", "histogram"),
        ("otpgate_http_request_duration_seconds_sum", "histogram"),
    ];
    for (name, kind) in expect {
        assert_eq!(kind_of(&samples, name), kind, "{name}");
    }
    let route = samples.iter().any(|x| {
        x.name == "otpgate_http_request_duration_seconds_count"
            && x.labels.get("route").map(String::as_str) == Some("/v1/messages/{id}")
    });
    assert!(route, "the {{id}} route template, read by the strict check");

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

#[test]
fn on_the_journal_lines_carry_a_syslog_priority_and_no_timestamp() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    // The harness sends the first start's stdout to daemon.1.log (truncated, same inode):
    // name that file's device and inode as systemd names the journal stream.
    let log = dir.path().join("daemon.1.log");
    std::fs::write(&log, "").expect("log file");
    let meta = std::fs::metadata(&log).expect("stat");
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    let d = Daemon::start_modems_env(
        dir.path(),
        &[(&sim, "")],
        "",
        &[("JOURNAL_STREAM", stream.as_str())],
    );
    let id = d.send("+33699999999", "hello", json!({}));
    d.wait_state(&id, "sent", LONG);
    assert_eq!(d.log, log);

    let logs = std::fs::read_to_string(&log).expect("log");
    let complete = logs.rfind('\n').map_or("", |end| &logs[..end]);
    let mut seen = Vec::new();
    for line in complete.lines().filter(|l| !l.is_empty()) {
        assert!(!line.contains('\x1b'), "ANSI codes: {line:?}");
        let prio = line
            .strip_prefix('<')
            .and_then(|r| r.split_once('>'))
            .unwrap_or_else(|| panic!("no <N> prefix: {line:?}\n{logs}"));
        let level = prio.1.split_whitespace().next().unwrap_or("");
        let expected = match level {
            "ERROR" => "3",
            "WARN" => "4",
            "INFO" => "6",
            "DEBUG" | "TRACE" => "7",
            _ => panic!("no level right after the prefix (a timestamp?): {line:?}"),
        };
        assert_eq!(prio.0, expected, "{line:?}");
        seen.push(prio.0.to_string());
    }
    assert!(
        complete
            .lines()
            .any(|l| l.starts_with("<6> INFO") && l.contains("listening on")),
        "{logs}"
    );
    assert!(seen.iter().any(|p| p == "7"), "debug lines at <7>: {logs}");
}

#[test]
fn a_stale_journal_stream_is_not_the_journal() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    // Inherited from a parent whose output was the journal; ours goes to a file.
    let d = Daemon::start_modems_env(dir.path(), &[(&sim, "")], "", &[("JOURNAL_STREAM", "1:1")]);
    let logs = std::fs::read_to_string(&d.log).expect("log");
    let line = logs
        .lines()
        .find(|l| l.contains("listening on"))
        .expect("the listening line");
    assert!(!line.starts_with('<'), "{line:?}");
    // A file gets the timestamped text lines: `2026-11-23T11:24:56.123456Z  INFO ...`.
    let stamp = line.split_whitespace().next().unwrap_or("");
    assert!(
        stamp.len() > 20 && stamp.as_bytes()[4] == b'-' && stamp.contains('T'),
        "{line:?}"
    );
}
