//! Outgoing voice calls and the called party's scripted behaviour (3GPP TS 27.007 §6.5
//! +CLCC, §7.8 +COLP; ITU-T V.250 §6.3.1 D and §6.3.6 H). One call at a time: dialing
//! (+CLCC stat 2), alerting (3) a moment later, then answered (0, active), busy, rejected,
//! or ringing until the caller gives up; an answered call may be hung up by the callee.
//! Every call leaves a record: outcome, timings, who hung up, and what audio it carried
//! (filled in by `audio` and the audio port).

use super::errors::Final;
use super::rules::{CallOutcome, CallScript};
use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long the network takes to reach the called party (dialing → alerting, or BUSY).
const ALERT_AFTER: Duration = Duration::from_millis(200);
/// Call records kept at most (the oldest go first).
const MAX_RECORDS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CallConfig {
    pub answer_after: Duration,
    pub hangup_after: Option<Duration>,
    pub scripts: Vec<CallScript>,
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Party {
    /// The host: ATH, AT+CHUP, or a character aborting a waiting ATD.
    Caller,
    Callee,
    /// A busy line, or the network lost.
    Network,
    /// A reboot, an unplug, a SIM pulled out.
    Modem,
}

impl Party {
    fn name(self) -> &'static str {
        match self {
            Party::Caller => "caller",
            Party::Callee => "callee",
            Party::Network => "network",
            Party::Modem => "modem",
        }
    }
}

/// What happened to the live call at a timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CallEvent {
    Alerting,
    Answered { number: String, blocking: bool },
    Busy { id: u32, blocking: bool },
    Rejected { id: u32, blocking: bool },
    CalleeHungUp { id: u32, seconds: u64 },
}

/// One sound played during a call or locally (TTS text or a file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Played {
    pub kind: &'static str,
    pub via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The called party hears it (played into the uplink of an active call).
    pub remote: bool,
    pub completed: bool,
    pub duration_ms: u64,
    /// For files: "wav", "amr" or "unknown" (what the modem could make of the bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct CallRecord {
    pub id: u32,
    pub number: String,
    /// "pending", "answered", "busy", "rejected", "no-answer", "failed".
    pub outcome: &'static str,
    /// "dialing", "alerting", "active", "ended".
    pub state: &'static str,
    pub answered_ms: Option<u64>,
    pub duration_ms: Option<u64>,
    pub hung_up_by: Option<&'static str>,
    pub played: Vec<Played>,
    /// AT^DDSETEX=2 switched the audio port on during the call.
    pub audio_port: bool,
    pub pcm_bytes: u64,
    pub pcm_ms: u64,
    pub wav: Option<String>,
}

#[derive(Debug)]
struct Live {
    id: u32,
    number: String,
    outcome: CallOutcome,
    dialed: Instant,
    alert_at: Instant,
    /// When the callee answers, or the network says busy, or the callee rejects.
    decide_at: Option<Instant>,
    answered: Option<Instant>,
    hangup_at: Option<Instant>,
    /// ATD is still waiting for its final result (+COLP=1).
    blocking: bool,
}

#[derive(Debug)]
pub(super) struct Calls {
    cfg: CallConfig,
    /// Per number: the script and how far along it is.
    cursors: Vec<usize>,
    live: Option<Live>,
    records: Vec<CallRecord>,
    next_id: u32,
}

impl Calls {
    pub(super) fn new(cfg: CallConfig) -> Calls {
        Calls {
            cursors: vec![0; cfg.scripts.len()],
            cfg,
            live: None,
            records: Vec::new(),
            next_id: 1,
        }
    }

    /// The next outcome for `number`: its script, else the "*" script, else answer.
    fn outcome(&mut self, number: &str) -> CallOutcome {
        let i = (self.cfg.scripts.iter().position(|s| s.number == number))
            .or_else(|| self.cfg.scripts.iter().position(|s| s.number == "*"));
        let Some(i) = i else {
            return CallOutcome::Answer {
                hangup_after_ms: None,
            };
        };
        let (Some(script), Some(cursor)) = (self.cfg.scripts.get(i), self.cursors.get_mut(i))
        else {
            return CallOutcome::NoAnswer;
        };
        let at = (*cursor).min(script.outcomes.len().saturating_sub(1));
        *cursor += 1;
        script
            .outcomes
            .get(at)
            .copied()
            .unwrap_or(CallOutcome::NoAnswer)
    }

    /// Replaces a number's script (the `call_script` control op).
    pub(super) fn set_script(&mut self, script: CallScript) {
        match self
            .cfg
            .scripts
            .iter()
            .position(|s| s.number == script.number)
        {
            Some(i) => {
                if let (Some(s), Some(c)) = (self.cfg.scripts.get_mut(i), self.cursors.get_mut(i)) {
                    *s = script;
                    *c = 0;
                }
            }
            None => {
                self.cfg.scripts.push(script);
                self.cursors.push(0);
            }
        }
    }

    /// ATD<number>; — starts a call, or refuses while one is up.
    pub(super) fn dial(
        &mut self,
        now: Instant,
        number: &str,
        blocking: bool,
    ) -> Result<u32, Final> {
        if self.live.is_some() {
            return Err(Final::Cme(3));
        }
        let outcome = self.outcome(number);
        let answer = now + self.cfg.answer_after;
        let decide_at = match outcome {
            CallOutcome::Answer { .. } | CallOutcome::Reject => Some(answer),
            CallOutcome::Busy => Some(now + ALERT_AFTER.min(self.cfg.answer_after)),
            CallOutcome::NoAnswer => None,
        };
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.live = Some(Live {
            id,
            number: number.to_string(),
            outcome,
            dialed: now,
            alert_at: now + ALERT_AFTER.min(self.cfg.answer_after),
            decide_at,
            answered: None,
            hangup_at: None,
            blocking,
        });
        self.records.push(CallRecord {
            id,
            number: number.to_string(),
            outcome: "pending",
            state: "dialing",
            answered_ms: None,
            duration_ms: None,
            hung_up_by: None,
            played: Vec::new(),
            audio_port: false,
            pcm_bytes: 0,
            pcm_ms: 0,
            wav: None,
        });
        if self.records.len() > MAX_RECORDS {
            self.records.remove(0);
        }
        Ok(id)
    }

    /// The id of the call in progress if it is answered (audio can flow).
    pub(super) fn active(&self) -> Option<u32> {
        self.live
            .as_ref()
            .filter(|l| l.answered.is_some())
            .map(|l| l.id)
    }

    /// AT+CLCC's line for the call in progress (TS 27.007 §7.18): id 1, mobile originated,
    /// voice, not multiparty.
    pub(super) fn clcc(&self) -> Option<String> {
        let live = self.live.as_ref()?;
        let stat = match self.record(live.id).map(|r| r.state) {
            Some("active") => 0,
            Some("alerting") => 3,
            _ => 2,
        };
        Some(format!(
            "+CLCC: 1,0,{stat},0,0,\"{}\",{}",
            live.number,
            toa(&live.number)
        ))
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        let live = self.live.as_ref()?;
        if live.answered.is_some() {
            return live.hangup_at;
        }
        let alert = Some(live.alert_at).filter(|_| self.state(live.id) == Some("dialing"));
        [alert, live.decide_at].into_iter().flatten().min()
    }

    fn state(&self, id: u32) -> Option<&'static str> {
        self.record(id).map(|r| r.state)
    }

    pub(super) fn tick(&mut self, now: Instant) -> Vec<CallEvent> {
        let mut events = Vec::new();
        let Some(live) = self.live.as_ref() else {
            return events;
        };
        let (id, blocking, outcome) = (live.id, live.blocking, live.outcome);
        let (answered, hangup_at, alert_at, decide_at) =
            (live.answered, live.hangup_at, live.alert_at, live.decide_at);
        if let Some(answered) = answered {
            if hangup_at.is_some_and(|t| now >= t) {
                let seconds = now.saturating_duration_since(answered).as_secs();
                self.end(now, Party::Callee, None);
                events.push(CallEvent::CalleeHungUp { id, seconds });
            }
            return events;
        }
        if outcome != CallOutcome::Busy && now >= alert_at && self.state(id) == Some("dialing") {
            self.set_state(id, "alerting");
            events.push(CallEvent::Alerting);
        }
        let Some(at) = decide_at.filter(|t| now >= *t) else {
            return events;
        };
        match outcome {
            CallOutcome::Answer { hangup_after_ms } => {
                let hangup = hangup_after_ms.map(Duration::from_millis);
                let hangup = hangup.or(self.cfg.hangup_after);
                let Some(live) = self.live.as_mut() else {
                    return events;
                };
                live.answered = Some(at);
                live.blocking = false;
                live.hangup_at = hangup.map(|d| at + d);
                let (number, dialed) = (live.number.clone(), live.dialed);
                if let Some(r) = self.record_mut(id) {
                    r.outcome = "answered";
                    r.state = "active";
                    r.answered_ms = Some(ms(at.saturating_duration_since(dialed)));
                }
                events.push(CallEvent::Answered { number, blocking });
            }
            CallOutcome::Busy => {
                self.end(now, Party::Network, Some("busy"));
                events.push(CallEvent::Busy { id, blocking });
            }
            CallOutcome::Reject => {
                self.end(now, Party::Callee, Some("rejected"));
                events.push(CallEvent::Rejected { id, blocking });
            }
            CallOutcome::NoAnswer => {}
        }
        events
    }

    /// Ends the call in progress; answers whether one was there and if ATD still waited.
    pub(super) fn hang_up(&mut self, now: Instant, by: Party) -> Option<HungUp> {
        let live = self.live.as_ref()?;
        let hung = HungUp {
            id: live.id,
            blocking: live.blocking,
            answered: live.answered.is_some(),
        };
        self.end(now, by, None);
        Some(hung)
    }

    fn end(&mut self, now: Instant, by: Party, outcome: Option<&'static str>) {
        let Some(live) = self.live.take() else { return };
        let Some(r) = self.record_mut(live.id) else {
            return;
        };
        r.state = "ended";
        r.hung_up_by = Some(by.name());
        r.outcome = match (outcome, live.answered, by) {
            (Some(o), _, _) => o,
            (None, Some(_), _) => "answered",
            (None, None, Party::Caller) => "no-answer",
            (None, None, _) => "failed",
        };
        r.duration_ms = live.answered.map(|a| ms(now.saturating_duration_since(a)));
    }

    fn set_state(&mut self, id: u32, state: &'static str) {
        if let Some(r) = self.record_mut(id) {
            r.state = state;
        }
    }

    fn record(&self, id: u32) -> Option<&CallRecord> {
        self.records.iter().rev().find(|r| r.id == id)
    }

    pub(super) fn record_mut(&mut self, id: u32) -> Option<&mut CallRecord> {
        self.records.iter_mut().rev().find(|r| r.id == id)
    }

    /// The `calls` control answer; a live call's duration runs up to `now`.
    pub(super) fn to_json(&self, now: Instant) -> Value {
        let mut records = self.records.clone();
        if let Some((live, answered)) = self.live.as_ref().and_then(|l| l.answered.map(|a| (l, a)))
        {
            if let Some(r) = records.iter_mut().rev().find(|r| r.id == live.id) {
                r.duration_ms = Some(ms(now.saturating_duration_since(answered)));
            }
        }
        serde_json::to_value(records).unwrap_or(Value::Null)
    }
}

/// What `hang_up` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HungUp {
    pub id: u32,
    pub blocking: bool,
    pub answered: bool,
}

/// Type of address (TS 24.008 §10.5.4.7): 145 international, 129 otherwise.
pub(super) fn toa(number: &str) -> u8 {
    if number.starts_with('+') {
        145
    } else {
        129
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
