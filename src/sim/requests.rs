//! What each control request does, on the simulator's thread (the same for the control
//! socket and [`SimHandle::request`](super::SimHandle::request)): it changes the machine or
//! the ports, then the machine's timers run once so the consequences (unsolicited lines,
//! effects) go out at once.

use super::control::{self, Request, StatusValue};
use super::machine::Step;
use super::pdu_out::Coding;
use super::rules::{parse_statuses, CallScript};
use super::runner::Runner;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

impl Runner {
    pub(super) fn handle(&mut self, req: Request) -> Value {
        let now = Instant::now();
        let mut step = Step::default();
        let answer = self.answer(now, req, &mut step);
        self.machine.tick(now, &mut step);
        self.apply(step);
        answer
    }

    fn answer(&mut self, now: Instant, req: Request, step: &mut Step) -> Value {
        let m = &mut self.machine;
        match req {
            Request::Received => control::ok(json!({"received": *self.shared.received()})),
            Request::Commands => control::ok(json!({"commands": m.commands()})),
            Request::CommandLog => control::ok(json!({"lines": m.command_log()})),
            Request::Urc { line } if line.contains(['\r', '\n']) => {
                control::failed("one line only")
            }
            Request::Urc { .. } if self.pty.is_none() => control::failed("the port is closed"),
            Request::Urc { line } => {
                m.inject(line);
                control::ok(json!({}))
            }
            Request::Close => {
                self.close_port();
                self.reopen_at = None;
                control::ok(json!({}))
            }
            Request::Reopen => match self.reopen() {
                Ok(slave) => control::ok(json!({"slave": slave})),
                Err(e) => control::failed(e),
            },
            Request::Latency { ms } => {
                m.set_latency(Duration::from_millis(ms));
                control::ok(json!({}))
            }
            Request::Hang => {
                m.hang();
                control::ok(json!({}))
            }
            Request::Resume => {
                m.resume();
                control::ok(json!({}))
            }
            Request::Reboot { .. } if self.pty.is_none() => control::failed("the port is closed"),
            Request::Reboot { sent } => {
                m.reboot(now, sent, step);
                control::ok(json!({}))
            }
            Request::Status => self.status(),
            Request::Deliver {
                from,
                text,
                encoding,
                parts,
            } => {
                let coding = match encoding.as_deref() {
                    None | Some("auto") => None,
                    Some("gsm7") => Some(Coding::Gsm7),
                    Some("ucs2") => Some(Coding::Ucs2),
                    Some(other) => return control::failed(format!("unknown encoding {other:?}")),
                };
                let delivered = m.with_device(now, step, |dev, cfg, _| {
                    dev.deliver(cfg, now, &from, &text, coding, parts)
                });
                match delivered {
                    Ok(n) => control::ok(json!({"parts": n})),
                    Err(e) => control::failed(e),
                }
            }
            Request::Storage => control::ok(json!({"storage": m.device().store.to_json()})),
            Request::ReportStatus {
                status,
                number,
                delay_ms,
            } => {
                let statuses = match status {
                    StatusValue::Number(n) => Ok(vec![n]),
                    StatusValue::Text(t) => parse_statuses(&t),
                };
                let statuses = match statuses {
                    Ok(s) if number.is_some() || s.len() == 1 => s,
                    Ok(_) => return control::failed("one status without a number"),
                    Err(e) => return control::failed(e),
                };
                let delay = delay_ms.map(Duration::from_millis);
                m.with_device(now, step, |dev, _, _| {
                    dev.reports.configure(number.as_deref(), statuses, delay)
                });
                control::ok(json!({}))
            }
            Request::Network { registered } => {
                m.with_device(now, step, |dev, _, ev| {
                    dev.set_registered(now, registered, ev)
                });
                control::ok(json!({}))
            }
            Request::SimRemoved { removed } => {
                m.with_device(now, step, |dev, cfg, ev| {
                    dev.set_sim(cfg, now, !removed, ev)
                });
                control::ok(json!({}))
            }
            Request::CallScript { number, script } => match CallScript::new(&number, &script) {
                Ok(script) => {
                    m.with_device(now, step, |dev, _, _| dev.calls.set_script(script));
                    control::ok(json!({}))
                }
                Err(e) => control::failed(e),
            },
            Request::CalleeHangup => {
                let hung = m.with_device(now, step, |dev, cfg, ev| dev.callee_hangup(cfg, now, ev));
                if hung {
                    control::ok(json!({}))
                } else {
                    control::failed("no call")
                }
            }
            Request::Calls => control::ok(m.device().calls_json(now)),
            Request::Files => control::ok(json!({"files": m.device().files.to_json()})),
        }
    }

    fn status(&self) -> Value {
        let m = &self.machine;
        let dev = m.device();
        control::ok(json!({
            "open": self.pty.is_some(),
            "slave": self.pty.as_ref().map(|p| p.slave_path().to_path_buf()),
            "link": self.link,
            "audio_link": self.audio.as_ref().map(|a| &a.link),
            "vendor": m.config().vendor.name(),
            "commands": m.commands(),
            "received": self.shared.received().len(),
            "incomplete": m.incomplete_messages(),
            "registered": dev.modem.registers,
            "sim_present": dev.modem.sim_present,
            "reports_pending": dev.reports.pending(),
            "inbound_waiting": dev.inbound_waiting(),
        }))
    }
}
