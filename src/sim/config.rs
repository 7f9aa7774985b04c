//! The simulated modem's fixed traits as the pure machine sees them, built from
//! [`SimOptions`]: timings, scripted faults and outcomes, and the clock that stamps PDUs
//! (the machine has no clock of its own: an `Instant` plus the wall time it stands for).

use super::calls::CallConfig;
use super::commands::Identity;
use super::network::Faults;
use super::reports::ReportConfig;
use super::rules::{CallOutcome, CallScript, PreloadSms};
use super::vendor::Vendor;
use super::SimOptions;
use chrono::NaiveDateTime;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Maps the machine's instants to the wall time in SCTS/DT stamps.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    pub origin: Instant,
    pub wall: NaiveDateTime,
}

impl Clock {
    pub(super) fn at(&self, now: Instant) -> NaiveDateTime {
        let since = now.checked_duration_since(self.origin).unwrap_or_default();
        let since = chrono::Duration::from_std(since).unwrap_or_default();
        self.wall.checked_add_signed(since).unwrap_or(self.wall)
    }
}

/// The modem's fixed traits (see `SimOptions`).
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub identity: Identity,
    pub pin: Option<String>,
    pub registers: bool,
    pub latency: Duration,
    pub urc_noise: bool,
    pub stop_after: Option<u64>,
    pub close_after: Option<u64>,
    pub esc_answers_ok: bool,
    pub faults: Faults,
    pub seed: u64,
    pub vendor: Vendor,
    /// Silence after a reboot or replug before the boot lines.
    pub boot: Duration,
    pub reboot_after: Option<u64>,
    /// The Nth +CMGS PDU reboots the modem instead of being answered; the flag says whether
    /// it reached the network.
    pub reboot_mid_cmgs: Option<(u64, bool)>,
    pub sim_present: bool,
    /// How long the SIM, and the SMS service, take to start after power-up.
    pub sim_busy: Duration,
    pub sms_busy: Duration,
    pub reports: ReportConfig,
    pub sm_capacity: usize,
    pub preload: Vec<PreloadSms>,
    pub calls: CallConfig,
    pub audio_dir: Option<PathBuf>,
    pub tts_per_char: Duration,
    /// Quectel: the URC port at power-up (`--urc-port`).
    pub urc_port: String,
    pub clock: Clock,
}

impl Config {
    pub(super) fn from_options(opts: &SimOptions, clock: Clock) -> Config {
        let rule = |r: &super::ErrorRule| (r.number.clone(), r.code);
        let mut scripts = opts.call_script.clone();
        let fixed = [
            (&opts.call_busy, CallOutcome::Busy),
            (&opts.call_no_answer, CallOutcome::NoAnswer),
            (&opts.call_reject, CallOutcome::Reject),
        ];
        for (numbers, outcome) in fixed {
            scripts.extend(numbers.iter().map(|n| CallScript {
                number: n.clone(),
                outcomes: vec![outcome],
            }));
        }
        Config {
            identity: Identity::from_seed(opts.seed, &opts.manufacturer, &opts.model),
            pin: opts.pin.clone(),
            registers: !opts.no_registration,
            latency: Duration::from_millis(opts.latency_ms),
            urc_noise: opts.urc_noise,
            stop_after: opts.stop_after,
            close_after: opts.close_after,
            esc_answers_ok: opts.esc_answers_ok,
            faults: Faults {
                always: opts.cms_error_to.iter().map(rule).collect(),
                once: opts.cms_error_once.iter().map(rule).collect(),
                rate: opts.cms_error_rate.map(|r| (r.fraction, r.code)),
            },
            seed: opts.seed,
            vendor: opts.vendor,
            boot: Duration::from_millis(opts.boot_ms),
            reboot_after: opts.reboot_after,
            reboot_mid_cmgs: opts.reboot_mid_cmgs.map(|n| (n, !opts.reboot_unsent)),
            sim_present: !opts.sim_absent,
            sim_busy: Duration::from_millis(opts.sim_busy_ms),
            sms_busy: Duration::from_millis(opts.sms_busy_ms),
            reports: ReportConfig {
                delay: Duration::from_millis(opts.report_delay_ms),
                default_status: opts.report_status,
                per_number: opts.report_status_to.clone(),
            },
            sm_capacity: opts.sm_capacity.clamp(1, 255),
            preload: opts.preload_sms.clone(),
            calls: CallConfig {
                answer_after: Duration::from_millis(opts.answer_ms),
                hangup_after: opts.call_hangup_after_ms.map(Duration::from_millis),
                scripts,
            },
            audio_dir: opts.audio_dir.clone(),
            tts_per_char: Duration::from_millis(opts.tts_ms_per_char),
            urc_port: opts.urc_port.clone(),
            clock,
        }
    }
}

impl Default for Config {
    /// The defaults of `SimOptions` with no boot silence, on a fixed clock: what the table
    /// tests start from.
    fn default() -> Config {
        let wall = chrono::NaiveDate::from_ymd_opt(2024, 1, 2)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        let clock = Clock {
            origin: Instant::now(),
            wall,
        };
        let mut cfg = Config::from_options(&SimOptions::default(), clock);
        cfg.boot = Duration::ZERO;
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_the_machine_config() {
        let opts = SimOptions {
            call_busy: vec!["+1".into()],
            call_reject: vec!["+2".into()],
            call_script: vec![CallScript {
                number: "+3".into(),
                outcomes: vec![CallOutcome::NoAnswer],
            }],
            reboot_mid_cmgs: Some(4),
            reboot_unsent: true,
            sm_capacity: 0,
            ..SimOptions::default()
        };
        let cfg = Config::from_options(&opts, Config::default().clock);
        let scripts: Vec<(&str, CallOutcome)> = cfg
            .calls
            .scripts
            .iter()
            .map(|s| (s.number.as_str(), s.outcomes[0]))
            .collect();
        assert_eq!(
            scripts,
            [
                ("+3", CallOutcome::NoAnswer),
                ("+1", CallOutcome::Busy),
                ("+2", CallOutcome::Reject)
            ]
        );
        assert_eq!(cfg.reboot_mid_cmgs, Some((4, false)));
        assert_eq!(cfg.sm_capacity, 1, "a SIM holds at least one message");
        assert_eq!(cfg.boot, Duration::from_millis(300));
        let clock = cfg.clock;
        assert_eq!(
            clock.at(clock.origin + Duration::from_secs(61)).to_string(),
            "2024-01-02 10:01:01"
        );
    }
}
