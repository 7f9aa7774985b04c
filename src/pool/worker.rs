//! One worker per modem: opens the port, brings the modem up, and sends what the queue hands it.
//!
//! The worker owns the modem's life cycle: open the device, run the bring-up, then loop
//! leasing messages. A closed port, an unsolicited reboot (`RDY`, `^BOOT`, `+CPIN: NOT READY`)
//! or a command that got no answer sends it back to the start after a bounded exponential
//! backoff; the message in flight goes back to the queue for any modem. A PIN the SIM rejected
//! is never tried again (a SIM locks after three wrong PINs).

use crate::at::{ErrorClass, Urc};
use crate::modem::{self, AtError, BringUpConfig, BringUpError, EngineConfig, ModemHandle};
use crate::queue::{Lease, Outcome, Part, PartStatus, Queue};
use crate::sms::{self, SubmitOptions};
use crate::status::{ModemState, StatusBoard};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a worker needs to know about its modem.
#[derive(Debug, Clone)]
pub struct ModemSpec {
    pub id: String,
    pub device: PathBuf,
    pub baud: u32,
    pub pin: Option<String>,
    pub engine: EngineConfig,
    pub registration_timeout: Duration,
    pub status_reports: bool,
    /// Ceiling of the reconnect backoff.
    pub max_backoff: Duration,
    /// Destination prefixes this modem serves first (`+3361`, ...).
    pub routes: Vec<String>,
}

/// Why the send loop stopped.
enum Exit {
    Cancelled,
    /// The modem must be brought up again (closed port, reboot, hang).
    Reinit(String),
}

/// Runs the worker until `cancel` fires.
pub async fn run(spec: ModemSpec, queue: Queue, board: StatusBoard, cancel: CancellationToken) {
    let mut backoff = Duration::from_millis(250);
    let mut pin_rejected = false;
    while !cancel.is_cancelled() {
        board.set_state(&spec.id, ModemState::Starting, None);
        let reason = match session(&spec, &queue, &board, &cancel, &mut pin_rejected).await {
            Ok(Exit::Cancelled) => break,
            Ok(Exit::Reinit(reason)) => {
                backoff = Duration::from_millis(250);
                reason
            }
            Err((state, reason)) => {
                board.set_state(&spec.id, state, Some(reason.clone()));
                reason
            }
        };
        tracing::warn!(modem = %spec.id, %reason, retry_in = ?backoff, "modem not usable");
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(spec.max_backoff);
    }
    board.set_state(&spec.id, ModemState::Offline, Some("stopped".into()));
}

/// One open-bring-up-send session on the port.
async fn session(
    spec: &ModemSpec,
    queue: &Queue,
    board: &StatusBoard,
    cancel: &CancellationToken,
    pin_rejected: &mut bool,
) -> Result<Exit, (ModemState, String)> {
    let port = modem::open_serial(&spec.device, spec.baud)
        .map_err(|e| (ModemState::Offline, e.to_string()))?;
    let engine_cancel = cancel.child_token();
    let _stop_engine = engine_cancel.clone().drop_guard();
    let (handle, urcs) = modem::spawn(port, spec.engine.clone(), engine_cancel);
    let cfg = BringUpConfig {
        pin: if *pin_rejected {
            None
        } else {
            spec.pin.clone()
        },
        registration_timeout: spec.registration_timeout,
        status_reports: spec.status_reports,
    };
    let info = match modem::bring_up(&handle, &cfg).await {
        Ok(info) => info,
        Err(e) => {
            if matches!(e, BringUpError::PinRejected) {
                *pin_rejected = true;
            }
            // Once rejected, the PIN is withheld; keep saying why rather than "PIN required".
            let e = match e {
                BringUpError::PinRequired if *pin_rejected => BringUpError::PinRejected,
                other => other,
            };
            let state = match e {
                BringUpError::PinRejected
                | BringUpError::PinRequired
                | BringUpError::PukRequired
                | BringUpError::NoSim => ModemState::SimLocked,
                _ => ModemState::Offline,
            };
            return Err((state, e.to_string()));
        }
    };
    tracing::info!(modem = %spec.id, manufacturer = %info.manufacturer, model = %info.model, "modem ready");
    board.set_ready(&spec.id, info);
    send_loop(spec, queue, board, cancel, &handle, urcs).await
}

async fn send_loop(
    spec: &ModemSpec,
    queue: &Queue,
    board: &StatusBoard,
    cancel: &CancellationToken,
    handle: &ModemHandle,
    mut urcs: mpsc::Receiver<Urc>,
) -> Result<Exit, (ModemState, String)> {
    let wants = queue.wants(&spec.routes);
    loop {
        let lease = tokio::select! {
            biased;
            urc = urcs.recv() => {
                match urc {
                    None => return Ok(Exit::Reinit("port closed".into())),
                    Some(urc) => {
                        if let Some(why) = reboot_reason(&urc) {
                            return Ok(Exit::Reinit(why.into()));
                        }
                        continue;
                    }
                }
            }
            lease = queue.lease(&spec.id, &wants, cancel) => match lease {
                Some(lease) => lease,
                None => return Ok(Exit::Cancelled),
            },
        };
        let id = lease.message.id;
        let (outcome, reinit) = send(spec, queue, handle, lease).await;
        board.record(&spec.id, &outcome, handle.commands_sent());
        if let Some(why) = reinit {
            tracing::warn!(modem = %spec.id, message = id, %why, "re-initialising modem");
            return Ok(Exit::Reinit(why));
        }
    }
}

/// URCs that mean the modem restarted or lost its SIM: it must be brought up again.
fn reboot_reason(urc: &Urc) -> Option<&'static str> {
    match urc {
        Urc::Ready => Some("modem rebooted (RDY)"),
        Urc::Boot => Some("modem rebooted (^BOOT)"),
        Urc::SimNotReady => Some("SIM not ready (+CPIN: NOT READY)"),
        _ => None,
    }
}

/// Sends every missing part of one message. Returns the outcome it recorded and, when the
/// modem needs a new bring-up, why.
async fn send(
    spec: &ModemSpec,
    queue: &Queue,
    handle: &ModemHandle,
    mut lease: Lease,
) -> (Outcome, Option<String>) {
    let msg = &lease.message;
    let opts = SubmitOptions {
        validity: msg
            .not_after_ms
            .map(|t| (t.saturating_sub(crate::queue::now_ms()) / 1000).max(60) as u32),
        status_report: spec.status_reports,
    };
    let parts = match sms::encode_submit(&msg.to, &lease.text, &opts, msg.concat_ref) {
        Ok(parts) => parts,
        Err(e) => {
            let outcome = Outcome::Failed(format!("cannot encode: {e}"));
            return (finish(queue, lease, outcome.clone()), None);
        }
    };
    lease.message.total_parts = parts.len() as u8;
    for part in &parts {
        if lease.message.part_sent(part.seq) {
            continue;
        }
        match handle.send_pdu(part.tpdu_len, &part.hex).await {
            Ok(mr) => {
                let record = Part {
                    seq: part.seq,
                    message_ref: mr,
                    modem: spec.id.clone(),
                    sent_ms: crate::queue::now_ms(),
                    status: PartStatus::Pending { note: None },
                };
                if let Err(e) = queue.part_sent(&mut lease, record, part.total) {
                    tracing::error!(error = %e, "cannot record a sent part");
                }
            }
            Err(e) => {
                let (outcome, reinit) = classify(&e);
                return (finish(queue, lease, outcome), reinit);
            }
        }
    }
    (finish(queue, lease, Outcome::Sent), None)
}

fn finish(queue: &Queue, lease: Lease, outcome: Outcome) -> Outcome {
    let id = lease.message.id;
    if let Err(e) = queue.finish(lease, outcome.clone()) {
        tracing::error!(id, error = %e, "cannot record the outcome of a message");
    }
    outcome
}

/// Maps an AT error to what happens to the message and to the modem.
fn classify(e: &AtError) -> (Outcome, Option<String>) {
    let reason = e.to_string();
    match e {
        // After Ctrl-Z the PDU may have gone out: a retry may duplicate, and it counts.
        AtError::Timeout {
            maybe_sent: true, ..
        } => (
            Outcome::Retry {
                reason: reason.clone(),
                maybe_sent: true,
            },
            Some(format!("no answer: {reason}")),
        ),
        // Before the prompt nothing went out: the message is not at fault.
        AtError::Timeout { .. } => (
            Outcome::Requeue(reason.clone()),
            Some(format!("no answer: {reason}")),
        ),
        AtError::Closed | AtError::Io(_) => (Outcome::Requeue(reason.clone()), Some(reason)),
        _ => match e.class() {
            ErrorClass::Permanent => (Outcome::Failed(reason), None),
            ErrorClass::Temporary => (
                Outcome::Retry {
                    reason,
                    maybe_sent: false,
                },
                None,
            ),
            ErrorClass::Busy => (Outcome::Busy(reason), None),
            ErrorClass::ModemFatal => (Outcome::Requeue(reason.clone()), Some(reason)),
        },
    }
}
