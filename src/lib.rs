//! otpgate: an on-premises SMS gateway that sends one-time passwords through GSM modems.
//!
//! # Layout
//!
//! Pure protocol code (no I/O, no tokio):
//! - [`at`]: AT command framing (the digester), result codes, `+CME`/`+CMS` errors and their
//!   classes, typed URCs (3GPP TS 27.007 / 27.005).
//! - [`sms`]: SMS PDUs: SMS-SUBMIT encoding, SMS-DELIVER and SMS-STATUS-REPORT decoding,
//!   GSM 03.38, UCS-2, concatenation (TS 23.040 / 23.038).
//!
//! The edges:
//! - [`modem`]: one task per serial port behind a cloneable handle; modem bring-up.
//! - [`store`]: sled, the key schema, group-commit flushes, at-rest encryption of bodies.
//! - [`queue`]: the durable outbound queue, retries, and one worker per modem.
//! - [`status`]: what each modem worker last reported.
//! - [`otp`] (pure): codes, their HMAC digests, the verify state machine, templates, phone
//!   numbers, abuse limits.
//! - [`retention`]: how long records are kept; the hourly sweep.
//! - [`inbox`]: received SMS, reassembled, in sled.
//! - [`pool`]: one worker per modem: bring-up, health, sending, status reports, inbound SMS.
//! - [`otp_service`]: OTPs in sled and their SMS in the queue; what the dialects call.
//! - [`accounts`]: API logins and hashed keys. [`control`]: the socket the `keys` CLI uses.
//! - [`listen`]: the API's listener: TCP, TLS (rustls) when configured, per-request and
//!   connection-count bounds, bounded graceful stop.
//! - [`http`]: the axum API: the Nomado, MonSMSPro and Octopush dialects and our own; request
//!   ids.
//! - [`metrics`]: `GET /metrics` (Prometheus): HTTP latency and OTP counters it keeps, the
//!   queue's and the status board's numbers read at scrape time.
//! - [`sim`]: the simulated modem on a real pseudo-terminal (its own PDU decoder, on purpose).
//! - [`webhook`]: state changes as events in a sled outbox, POSTed to a configured URL.
//! - [`voice`]: what a `voice_sms` call says and its audio: the script of a code in 13
//!   languages, espeak-ng run as a child process, WAV, resampling to 8 kHz.
//!
//! Wiring:
//! - [`config`]: the TOML file or the embedded default, validated; errors with line numbers.
//! - [`check`]: `otpgate check-config`: the file, its devices, TLS files and data_dir.
//! - [`app`]: builds the parts, owns cancellation and the shutdown order.
//! - [`logging`]: text, journald or JSON log lines.
//! - [`systemd`]: `sd_notify(3)`: READY, STATUS, STOPPING and the watchdog pings.
//!
//! Dependencies point one way: `at` and `sms` depend on nothing here; `modem` knows only `at`;
//! `queue` drives `modem` with `sms`; `http` talks to `queue` and `status`; only `app` names
//! every concrete part.

pub mod accounts;
pub mod app;
pub mod at;
pub mod check;
pub mod config;
pub mod control;
pub mod http;
pub mod inbox;
pub mod listen;
pub mod logging;
pub mod metrics;
pub mod modem;
pub mod otp;
pub mod otp_service;
pub mod pool;
pub mod queue;
pub mod retention;
pub mod sim;
pub mod sms;
pub mod status;
pub mod store;
pub mod systemd;
pub mod voice;
pub mod webhook;
