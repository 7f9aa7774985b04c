//! The gateway's numbers for Prometheus: what `GET /metrics` answers, in the text exposition
//! format (the OpenMetrics 1.0 flavour `prometheus-client` writes, which Prometheus asks for
//! first).
//!
//! This module owns the registry and the metrics only it keeps: HTTP latency histograms and
//! the OTP counters (incremented by [`crate::otp_service`]). What other parts already hold is
//! read at scrape time and never copied: messages by state and modem and the queue depth
//! from [`crate::queue`] (counts kept as it writes, no scan of sled), each modem's state,
//! signal and counts from the [`crate::status`] board. A scrape is a few locks and a string.
//!
//! No label or value carries a phone number, a code, a token, a key or a raw path: labels are
//! route templates, methods, status codes, dialects, states and the configured modem ids.

use crate::otp::VerifyOutcome;
use crate::queue::{Queue, State};
use crate::status::{ModemState, ModemStatus, StatusBoard};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

/// The `Content-Type` of a scrape's answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The dialects, so their OTP counters exist (at 0) from the start.
const DIALECTS: [&str; 3] = ["nomado", "monsmspro", "octopush"];

/// Upper bounds of the latency buckets, seconds: an answer takes tens of microseconds to a
/// few milliseconds (a group flush); the tail shows a slow disk.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DialectLabels {
    dialect: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    /// The route template (`/v1/messages/{id}`), `unmatched` for a path no route serves.
    route: String,
    method: String,
    status: String,
}

/// The OTP counters, per dialect; cheap to clone. [`OtpMetrics::default`] makes counters of
/// their own (tests); [`Metrics::otp`] hands out the registered ones.
#[derive(Clone, Debug)]
pub struct OtpMetrics {
    created: Family<DialectLabels, Counter>,
    verified: Family<DialectLabels, Counter>,
    failed: Family<DialectLabels, Counter>,
    expired: Family<DialectLabels, Counter>,
    expired_unused: Family<DialectLabels, Counter>,
}

impl Default for OtpMetrics {
    fn default() -> Self {
        let m = Self {
            created: Family::default(),
            verified: Family::default(),
            failed: Family::default(),
            expired: Family::default(),
            expired_unused: Family::default(),
        };
        for dialect in DIALECTS {
            let labels = DialectLabels {
                dialect: dialect.into(),
            };
            for family in [
                &m.created,
                &m.verified,
                &m.failed,
                &m.expired,
                &m.expired_unused,
            ] {
                let _ = family.get_or_create(&labels);
            }
        }
        m
    }
}

impl OtpMetrics {
    /// An OTP was created (and its SMS or call queued).
    pub fn created(&self, dialect: &str) {
        self.count(&self.created, dialect);
    }

    /// A verification attempt on an existing OTP ended with `outcome`.
    pub fn verified(&self, dialect: &str, outcome: VerifyOutcome) {
        let family = match outcome {
            VerifyOutcome::Verified => &self.verified,
            VerifyOutcome::Wrong { .. } | VerifyOutcome::IpMismatch => &self.failed,
            VerifyOutcome::Expired => &self.expired,
            VerifyOutcome::TooManyAttempts
            | VerifyOutcome::AlreadyUsed
            | VerifyOutcome::Replaced => return,
        };
        self.count(family, dialect);
    }

    /// An OTP that was never used (not verified, locked or replaced) was deleted by the
    /// retention sweep, after its expiry.
    pub fn expired_unused(&self, dialect: &str) {
        self.count(&self.expired_unused, dialect);
    }

    fn count(&self, family: &Family<DialectLabels, Counter>, dialect: &str) {
        family
            .get_or_create(&DialectLabels {
                dialect: dialect.into(),
            })
            .inc();
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "otpgate_otps_created",
            "OTPs created, per dialect",
            self.created.clone(),
        );
        registry.register(
            "otpgate_otps_verified",
            "Verification attempts with the right code, per dialect",
            self.verified.clone(),
        );
        registry.register(
            "otpgate_otps_failed",
            "Verification attempts with a wrong code (or from another address than \
             Octopush's recipient_ip), per dialect",
            self.failed.clone(),
        );
        registry.register(
            "otpgate_otps_expired",
            "Verification attempts on an expired OTP, per dialect (for OTPs that expire \
             unused, see otpgate_otps_expired_unused)",
            self.expired.clone(),
        );
        registry.register(
            "otpgate_otps_expired_unused",
            "OTPs that expired without being used (never verified, locked or replaced), per \
             dialect; counted when the retention sweep deletes the record ([retention] \
             otps_hours after expiry, default 24 h), so each is counted once",
            self.expired_unused.clone(),
        );
    }
}

/// The metrics and their registry; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http: Family<HttpLabels, Histogram, fn() -> Histogram>,
    otp: OtpMetrics,
}

impl Metrics {
    /// The registry, with the queue and the status board read at each scrape.
    pub fn new(queue: Queue, board: StatusBoard) -> Self {
        let mut registry = Registry::default();
        let http: Family<HttpLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "otpgate_http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by route template, method \
             and status code",
            http.clone(),
        );
        let otp = OtpMetrics::default();
        otp.register(&mut registry);
        registry.register_collector(Box::new(Live { queue, board }));
        Self {
            inner: Arc::new(Inner {
                registry,
                http,
                otp,
            }),
        }
    }

    /// The OTP counters, for the OTP service.
    pub fn otp(&self) -> OtpMetrics {
        self.inner.otp.clone()
    }

    /// Records one answered request.
    pub fn observe_http(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.inner
            .http
            .get_or_create(&HttpLabels {
                route: route.to_string(),
                method: method.to_string(),
                status: status.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The exposition: every metric, then `# EOF`.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(8192);
        prometheus_client::encoding::text::encode(&mut out, &self.inner.registry)?;
        Ok(out)
    }
}

/// What is read at scrape time from the parts that hold it.
struct Live {
    queue: Queue,
    board: StatusBoard,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counts = self.queue.counts();
        let rows = counts.iter().map(|((state, modem), n)| {
            let labels = vec![("state", state_name(*state)), ("modem", modem.as_str())];
            (labels, gauge(*n))
        });
        family(
            &mut encoder,
            "otpgate_messages",
            "Messages on record (until the retention sweep deletes them) by state and the \
             modem they are on (\"\": queued, or never taken by a modem)",
            MetricType::Gauge,
            rows,
        )?;
        let (sms, voice) = self.queue.depth_by_channel();
        let rows = [("sms", sms), ("voice", voice)]
            .into_iter()
            .map(|(channel, n)| (vec![("channel", channel)], gauge(n as u64)));
        family(
            &mut encoder,
            "otpgate_queue_depth",
            "Messages waiting for a modem (ready or in backoff), by channel",
            MetricType::Gauge,
            rows,
        )?;
        modems(&mut encoder, &self.board.snapshot())
    }
}

/// The per-modem families, from the status board.
fn modems(encoder: &mut DescriptorEncoder, modems: &[ModemStatus]) -> Result<(), std::fmt::Error> {
    let states = modems.iter().flat_map(|m| {
        ModemState::ALL.into_iter().map(move |s| {
            let labels = vec![("modem", m.id.as_str()), ("state", s.as_str())];
            (labels, gauge(u64::from(m.state == s)))
        })
    });
    family(
        encoder,
        "otpgate_modem_state",
        "1 for each modem's current state, 0 for the others",
        MetricType::Gauge,
        states,
    )?;
    let signal = modems.iter().filter_map(|m| {
        let dbm = m.info.signal_dbm?;
        Some((
            vec![("modem", m.id.as_str())],
            ConstGauge::new(i64::from(dbm)),
        ))
    });
    family(
        encoder,
        "otpgate_modem_signal_dbm",
        "Signal strength the last health poll read (+CSQ, in dBm); absent while unknown",
        MetricType::Gauge,
        signal,
    )?;
    type Pick = fn(&ModemStatus) -> u64;
    let counters: [(&str, &str, Pick); 5] = [
        (
            "otpgate_modem_parts_sent",
            "SMS parts the network accepted from this modem (+CMGS answered)",
            |m| m.parts_sent,
        ),
        (
            "otpgate_modem_messages_sent",
            "Messages (or voice calls) this modem completed",
            |m| m.sent,
        ),
        (
            "otpgate_modem_messages_failed",
            "Messages that failed for good on this modem",
            |m| m.failed,
        ),
        (
            "otpgate_modem_sms_received",
            "SMS received by this modem",
            |m| m.received,
        ),
        (
            "otpgate_modem_status_reports",
            "Status reports received by this modem",
            |m| m.reports,
        ),
    ];
    for (name, help, pick) in counters {
        let rows = modems
            .iter()
            .map(|m| (vec![("modem", m.id.as_str())], ConstCounter::new(pick(m))));
        family(encoder, name, help, MetricType::Counter, rows)?;
    }
    Ok(())
}

fn gauge(n: u64) -> ConstGauge {
    ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX))
}

/// One family: its descriptor, then one sample per label set.
fn family<'a, M: EncodeMetric>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    rows: impl Iterator<Item = (Vec<(&'a str, &'a str)>, M)>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in rows {
        value.encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Queued => "queued",
        State::Sending => "sending",
        State::Sent => "sent",
        State::Delivered => "delivered",
        State::Failed => "failed",
        State::Expired => "expired",
    }
}

#[cfg(test)]
mod tests;
