//! One session on an open port: bring the modem up, read what waits on its SIM, then loop —
//! URCs first (a reboot must stop sending at once), health polls when due, and a lease from
//! the queue whenever the modem can send.

use super::caps::Counter;
use super::{End, ModemSpec, Pool};
use crate::at::Urc;
use crate::modem::profile::PortKind;
use crate::modem::voice::Backend;
use crate::modem::{self, BringUpConfig, BringUpError, ModemHandle};
use crate::queue::{now_ms, Wants};
use crate::status::ModemState;
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// A session's state between events.
pub(super) struct Session<'a> {
    pub spec: &'a ModemSpec,
    pub pool: &'a Pool,
    pub modem: ModemHandle,
    pub counter: &'a mut Counter,
    /// Status reports reach us (`AT+CNMI` took a `<ds>` that routes them): only then does a
    /// part ask for one.
    pub reports: bool,
    /// Registered on the network (as the last URC or poll said).
    pub registered: bool,
    /// Why the modem is degraded, besides the send cap (weak signal).
    pub warning: Option<String>,
    /// The memory `+CMGR`/`+CMGD` read from (`AT+CPMS` `<mem1>`), when known.
    pub mem1: Option<String>,
    /// How this modem speaks a voice OTP; `None`: it takes none.
    pub backend: Option<Backend>,
    wants: Wants,
}

/// What one turn of the session loop saw.
enum Step {
    End(End),
    Urc(Option<Urc>),
    Health,
    CapOver,
    Lease(Option<Box<crate::queue::Lease>>),
}

pub(super) async fn run(
    spec: &ModemSpec,
    pool: &Pool,
    cancel: &CancellationToken,
    pin_rejected: &mut bool,
    counter: &mut Counter,
) -> End {
    let port = match modem::open_serial(&spec.device, spec.baud) {
        Ok(port) => port,
        Err(e) => return End::Failed(ModemState::Offline, e.to_string()),
    };
    // An entry that went unconfirmed earlier in this run withholds the PIN too.
    let withheld = spec.pin.as_ref().and_then(|_| pool.pins.withheld(&spec.id));
    let engine_cancel = cancel.child_token();
    let _stop_engine = engine_cancel.clone().drop_guard();
    let (handle, mut urcs) = modem::spawn(port, spec.engine.clone(), engine_cancel);
    let cfg = BringUpConfig {
        pin: if *pin_rejected || withheld.is_some() {
            None
        } else {
            spec.pin.clone()
        },
        overrides: spec.overrides.clone(),
        profiles: pool.profiles.clone(),
        profile: spec.profile.clone(),
        port: match spec.usb_interface {
            Some(n) => PortKind::Usb(n),
            None => modem::usb::port_kind(Path::new("/sys"), &spec.device),
        },
    };
    let info = match modem::bring_up(&handle, &cfg).await {
        Ok(info) => info,
        Err(e) => {
            if let (BringUpError::PinRejected, Some(pin)) = (&e, &spec.pin) {
                if let Err(err) = pool.pins.reject(&spec.id, pin).await {
                    tracing::error!(modem = %spec.id, error = %err, "cannot remember the PIN rejection");
                }
            }
            if let BringUpError::PinUnconfirmed(why) = &e {
                pool.pins.unconfirmed(&spec.id, why);
            }
            // Withheld after an unconfirmed entry: keep saying why, not "PIN required".
            let e = match (e, withheld) {
                (BringUpError::PinRequired, Some(why)) if !*pin_rejected => {
                    BringUpError::PinUnconfirmed(why)
                }
                (e, _) => e,
            };
            return bring_up_failed(e, pin_rejected);
        }
    };
    if spec.pin.is_some() && !*pin_rejected {
        pool.pins.accepted(&spec.id);
    }
    tracing::info!(modem = %spec.id, manufacturer = %info.manufacturer, model = %info.model, profile = %info.profile, "modem ready");
    let hints = pool
        .profiles
        .get(&info.profile)
        .map(|p| p.voice.clone())
        .unwrap_or_default();
    let voice = spec.voice.resolve(&hints, |by_id| {
        modem::usb::audio_port(Path::new("/sys"), &spec.device, by_id)
    });
    if let Ok(v) = &voice {
        pool.board.set_voice(&spec.id, v.name());
    }
    let backend =
        match voice.and_then(|v| Backend::new(&v, &info.manufacturer, pool.voice.tts.clone())) {
            Ok(b) => {
                pool.board.set_voice_ok(&spec.id, b.is_some());
                b
            }
            Err(e) => {
                tracing::warn!(modem = %spec.id, error = %e, "no voice on this modem");
                pool.board.note_error(&spec.id, format!("voice: {e}"));
                pool.board.set_voice_ok(&spec.id, false);
                None
            }
        };
    let reports = info.status_reports;
    pool.board.set_ready(&spec.id, info);
    let mut session = Session {
        spec,
        pool,
        modem: handle,
        counter,
        reports,
        registered: true,
        warning: None,
        mem1: None,
        wants: pool.queue.wants(&spec.routes, backend.is_some()),
        backend,
    };
    // What the modem said while it was brought up. A modem still booting says RDY and
    // +CPIN: NOT READY before answering, so such notices are not taken at their word: one
    // check tells whether the modem restarted after bring-up set it up (its settings are
    // gone) and one whether the SIM is still there.
    let (mut restarted, mut sim) = (false, false);
    let mut early = Vec::new();
    while let Ok(urc) = urcs.try_recv() {
        match urc {
            Urc::Ready | Urc::Boot => restarted = true,
            Urc::SimNotReady => sim = true,
            other => early.push(other),
        }
    }
    if restarted {
        if let Some(end) = session.boot_notice().await {
            return end;
        }
    }
    if sim {
        if let Some(end) = session.health().await {
            return end;
        }
    }
    for urc in early {
        if let Some(end) = session.on_urc(urc).await {
            return end;
        }
    }
    if let Err(end) = session.sweep_storage().await {
        return end;
    }
    session.serve(urcs, cancel).await
}

fn bring_up_failed(e: BringUpError, pin_rejected: &mut bool) -> End {
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
        | BringUpError::PinUnconfirmed(_)
        | BringUpError::PinRequired
        | BringUpError::PukRequired
        | BringUpError::NoSim => ModemState::SimLocked,
        _ => ModemState::Offline,
    };
    End::Failed(state, e.to_string())
}

impl Session<'_> {
    async fn serve(&mut self, mut urcs: mpsc::Receiver<Urc>, cancel: &CancellationToken) -> End {
        let queue = self.pool.queue.clone();
        let mut health = tokio::time::interval(self.spec.health_interval);
        health.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        health.tick().await;
        loop {
            let capped = self.counter.wait(now_ms());
            self.show_state(capped);
            let can_send = self.registered && capped.is_none();
            let cap_sleep = tokio::time::sleep(capped.unwrap_or(Duration::from_secs(3600)));
            let wants = self.wants.clone();
            let step = tokio::select! {
                biased;
                _ = cancel.cancelled() => Step::End(End::Cancelled),
                urc = urcs.recv() => Step::Urc(urc),
                _ = health.tick() => Step::Health,
                _ = cap_sleep, if capped.is_some() => Step::CapOver,
                lease = queue.lease(&self.spec.id, &wants, cancel), if can_send => {
                    Step::Lease(lease.map(Box::new))
                }
            };
            let end = match step {
                Step::End(end) => Some(end),
                Step::Urc(None) => Some(End::Lost("port closed".into())),
                Step::Urc(Some(urc)) => self.on_urc(urc).await,
                Step::Health => self.health().await,
                Step::CapOver => None,
                Step::Lease(None) => Some(End::Cancelled),
                Step::Lease(Some(lease)) if lease.message.is_call() => {
                    let span = super::send::span(&self.spec.id, &lease.message);
                    self.call(*lease, &mut urcs).instrument(span).await
                }
                Step::Lease(Some(lease)) => {
                    let span = super::send::span(&self.spec.id, &lease.message);
                    self.send(*lease).instrument(span).await
                }
            };
            if let Some(end) = end {
                return end;
            }
        }
    }

    /// Ready, or degraded and why.
    fn show_state(&self, capped: Option<Duration>) {
        if !self.registered {
            return;
        }
        let reason = match (capped, &self.warning) {
            (Some(wait), _) => Some(format!(
                "send cap reached: sending again in {} s",
                wait.as_secs().max(1)
            )),
            (None, Some(w)) => Some(w.clone()),
            (None, None) => None,
        };
        let board = &self.pool.board;
        match reason {
            Some(r) => board.set_state(&self.spec.id, crate::status::ModemState::Degraded, Some(r)),
            None if board.state(&self.spec.id) != Some(ModemState::Ready) => {
                board.set_state(&self.spec.id, ModemState::Ready, None)
            }
            None => {}
        }
    }

    pub(super) async fn on_urc(&mut self, urc: Urc) -> Option<End> {
        match urc {
            Urc::Ready => Some(End::Lost("modem rebooted (RDY)".into())),
            Urc::Boot => self.boot_notice().await,
            Urc::SimNotReady => Some(End::Lost("SIM not ready (+CPIN: NOT READY)".into())),
            Urc::NewMessage { mem, index } | Urc::StatusReportStored { mem, index } => {
                self.read_stored(&mem, index).await.err()
            }
            Urc::StatusReport { pdu } => {
                self.apply_report_pdu(&pdu);
                None
            }
            Urc::Deliver { pdu } => {
                self.receive_pdu(&pdu).await;
                None
            }
            // One domain's word is not the modem's: an LTE modem on EPS may say `+CGREG: 0`
            // or `+CREG: 0` and still send. A loss is checked on every domain first.
            Urc::Registration { stat, .. } if crate::at::command::is_registered(stat) => {
                self.set_registered(stat);
                None
            }
            Urc::Registration { .. } => self.health().await,
            other => {
                tracing::trace!(modem = %self.spec.id, ?other, "URC");
                None
            }
        }
    }

    /// `^BOOT`: Huawei sticks send it when they start and then every few seconds as a
    /// heartbeat. A modem that restarted lost what bring-up set, so ask for one setting:
    /// `+CMEE: 1` still there is a heartbeat; anything else is a restart. (Also the check of
    /// an `RDY` heard during bring-up.)
    async fn boot_notice(&mut self) -> Option<End> {
        match self.modem.command(crate::at::command::error_mode()).await {
            Ok(lines) if crate::at::command::parse_error_mode(&lines) == Some(1) => None,
            // A modem without CMEE cannot tell: its ^BOOT is taken for a heartbeat.
            Err(crate::modem::AtError::Failed { .. }) => None,
            Ok(_) => Some(self.lost("modem restarted (^BOOT, settings lost)".into())),
            Err(e) => Some(self.lost(format!("modem restarted (^BOOT, then {e})"))),
        }
    }

    /// Follows the network: lost, the modem stops leasing (and says so) until it is back.
    pub(super) fn set_registered(&mut self, stat: u8) {
        let now = crate::at::command::is_registered(stat);
        let text = crate::at::command::registration_text(stat);
        self.pool
            .board
            .set_health(&self.spec.id, |i| i.registration = text.to_string());
        if self.registered && !now {
            tracing::warn!(modem = %self.spec.id, registration = text, "network lost");
            self.pool.board.set_state(
                &self.spec.id,
                ModemState::Offline,
                Some(format!("not registered: {text}")),
            );
        }
        self.registered = now;
    }

    /// The modem stopped answering or its port died: mark it offline now (not after the next
    /// bring-up attempt), and end the session.
    pub(super) fn lost(&self, why: String) -> End {
        self.pool
            .board
            .set_state(&self.spec.id, ModemState::Offline, Some(why.clone()));
        End::Lost(why)
    }
}
