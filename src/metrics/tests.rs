use super::*;
use crate::queue::{NewMessage, Outcome, RetryPolicy, Wants, PRIORITY_NORMAL};
use crate::store::Store;
use prometheus_parse::{Scrape, Value};

fn new(to: &str) -> NewMessage {
    NewMessage {
        to: to.into(),
        text: "hello 123456".into(),
        sensitive: true,
        priority: PRIORITY_NORMAL,
        not_after_ms: None,
        origin: None,
        voice: None,
        request_id: Some("req-1".into()),
    }
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of the sample `name` whose labels include every pair of `labels`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{name}: not a single value: {other:?}"),
        })
}

#[tokio::test]
async fn a_scrape_renders_what_the_parts_hold_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let queue = Queue::open(store.clone(), RetryPolicy::default(), Default::default()).unwrap();
    let board = StatusBoard::default();
    let spec = crate::config::Config::embedded_default().modems[0]
        .spec
        .clone();
    board.register(&spec, Wants::default());
    board.set_health(&spec.id, |i| i.signal_dbm = Some(-73));
    board.count_part(&spec.id);
    let metrics = Metrics::new(queue.clone(), board.clone());

    for to in ["+33612345678", "+33612345679", "+33612345670"] {
        queue.enqueue(new(to)).await.unwrap();
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    let lease = queue
        .lease(&spec.id, &Wants::default(), &cancel)
        .await
        .unwrap();
    queue.finish(lease, Outcome::Sent).unwrap();

    let otp = metrics.otp();
    otp.created("nomado");
    otp.created("nomado");
    otp.verified("nomado", VerifyOutcome::Verified);
    otp.verified("octopush", VerifyOutcome::Wrong { remaining: 2 });
    otp.verified("octopush", VerifyOutcome::Expired);
    otp.verified("octopush", VerifyOutcome::AlreadyUsed);
    metrics.observe_http("/2fa/create", "POST", 200, Duration::from_millis(3));
    metrics.observe_http("/2fa/create", "POST", 200, Duration::from_millis(30));

    let text = metrics.render().unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(
        !text.contains("3361234567"),
        "a phone number in the metrics:\n{text}"
    );
    assert!(
        !text.contains("req-1"),
        "a request id in the metrics:\n{text}"
    );
    let s = parse(&text);

    let m = |state: &str, modem: &str| {
        value(
            &s,
            "otpgate_messages",
            &[("state", state), ("modem", modem)],
        )
    };
    assert_eq!(m("queued", ""), Some(2.0));
    assert_eq!(m("sent", "sim0"), Some(1.0));
    let depth = |channel| value(&s, "otpgate_queue_depth", &[("channel", channel)]);
    assert_eq!((depth("sms"), depth("voice")), (Some(2.0), Some(0.0)));

    let state = |st| {
        value(
            &s,
            "otpgate_modem_state",
            &[("modem", "sim0"), ("state", st)],
        )
    };
    assert_eq!(state("starting"), Some(1.0));
    assert_eq!(state("ready"), Some(0.0));
    assert_eq!(state("sim-locked"), Some(0.0));
    assert_eq!(
        value(&s, "otpgate_modem_signal_dbm", &[("modem", "sim0")]),
        Some(-73.0)
    );
    assert_eq!(
        value(&s, "otpgate_modem_parts_sent_total", &[("modem", "sim0")]),
        Some(1.0)
    );

    let otp = |name, dialect| value(&s, name, &[("dialect", dialect)]);
    assert_eq!(otp("otpgate_otps_created_total", "nomado"), Some(2.0));
    assert_eq!(otp("otpgate_otps_created_total", "monsmspro"), Some(0.0));
    assert_eq!(otp("otpgate_otps_verified_total", "nomado"), Some(1.0));
    assert_eq!(otp("otpgate_otps_failed_total", "octopush"), Some(1.0));
    assert_eq!(otp("otpgate_otps_expired_total", "octopush"), Some(1.0));

    let h = s
        .samples
        .iter()
        .find(|x| x.metric == "otpgate_http_request_duration_seconds")
        .expect("the latency histogram");
    assert_eq!(h.labels.get("route"), Some("/2fa/create"));
    assert_eq!(h.labels.get("status"), Some("200"));
    let Value::Histogram(buckets) = &h.value else {
        panic!("not a histogram: {:?}", h.value)
    };
    let le = |bound: f64| {
        buckets
            .iter()
            .find(|b| b.less_than == bound)
            .map(|b| b.count)
    };
    assert_eq!(le(0.005), Some(1.0));
    assert_eq!(le(0.05), Some(2.0));
    assert_eq!(le(f64::INFINITY), Some(2.0));
}

#[tokio::test]
async fn message_counts_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    // A second queue on the same database reads it as a restart would (sled allows one
    // process, and the store's flusher keeps this one's handle open).
    let store = Store::open(dir.path()).unwrap();
    {
        let queue = Queue::open(store.clone(), RetryPolicy::default(), Default::default()).unwrap();
        queue.enqueue(new("+33612345678")).await.unwrap();
        queue.enqueue(new("+33612345679")).await.unwrap();
        let cancel = tokio_util::sync::CancellationToken::new();
        let lease = queue.lease("m1", &Wants::default(), &cancel).await.unwrap();
        queue
            .finish(lease, Outcome::Failed("barred".into()))
            .unwrap();
        // Left in `sending` by a crash: the reopen puts it back in the queue.
        let _caught = queue.lease("m1", &Wants::default(), &cancel).await.unwrap();
    }
    let queue = Queue::open(store, RetryPolicy::default(), Default::default()).unwrap();
    let mut counts = queue.counts();
    counts.retain(|(_, n)| *n > 0);
    assert_eq!(
        counts,
        vec![
            ((State::Queued, String::new()), 1),
            ((State::Failed, "m1".to_string()), 1)
        ]
    ); // The retention sweep takes the finished one away, and its count with it.
    assert_eq!(queue.purge_finished(u64::MAX).unwrap(), 1);
    let failed = queue
        .counts()
        .into_iter()
        .find(|(k, _)| k.0 == State::Failed)
        .map(|(_, n)| n);
    assert_eq!(failed, Some(0));
}

#[test]
fn modem_state_names_are_the_api_names() {
    for s in ModemState::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}
