//! `otpgate modem-sim` options ([`SimOptions`]): every flag, with its default. The crate docs
//! of [`crate::sim`] say what each behaviour looks like on the wire.

use super::rules::{CallScript, ErrorRate, ErrorRule, PreloadSms, ReportRule};
use super::vendor::Vendor;
use std::path::PathBuf;

/// `otpgate modem-sim` options; also built in code (`..SimOptions::default()`) by the daemon's
/// demo mode and the benchmarks.
#[derive(Debug, Clone, clap::Args)]
pub struct SimOptions {
    /// Where to symlink the pty's slave (the daemon's `device`).
    #[arg(long)]
    pub link: PathBuf,
    /// Append each SMS the phone receives to this file, one JSON line each.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// The network's delay before answering +CMGS.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Seeds the identity numbers, the noise and the error rate.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value = "OTPGATE")]
    pub manufacturer: String,
    #[arg(long, default_value = "SIM-GSM")]
    pub model: String,
    /// The SIM starts locked behind this PIN (+CPIN: SIM PIN).
    #[arg(long)]
    pub pin: Option<String>,
    /// The modem never registers (+CREG: x,2 forever; +CMGS fails with +CMS ERROR: 331).
    #[arg(long)]
    pub no_registration: bool,
    /// Emit harmless unsolicited lines at random line boundaries.
    #[arg(long)]
    pub urc_noise: bool,
    /// Every SMS to NUMBER fails with +CMS ERROR: CODE (repeatable).
    #[arg(long, value_name = "NUMBER:CODE")]
    pub cms_error_to: Vec<ErrorRule>,
    /// The first SMS to NUMBER fails with +CMS ERROR: CODE; later ones go (repeatable).
    #[arg(long, value_name = "NUMBER:CODE")]
    pub cms_error_once: Vec<ErrorRule>,
    /// This fraction of all SMS fails with +CMS ERROR: CODE (seeded).
    #[arg(long, value_name = "FRACTION:CODE")]
    pub cms_error_rate: Option<ErrorRate>,
    /// After N command lines, answer nothing more (not even echo): a hung modem.
    #[arg(long, value_name = "N")]
    pub stop_after: Option<u64>,
    /// After N command lines, close the pty and remove the link: an unplugged modem.
    #[arg(long, value_name = "N")]
    pub close_after: Option<u64>,
    /// With --close-after: plug back in (new pty, same link) this many ms later.
    #[arg(long, value_name = "MS", requires = "close_after")]
    pub reopen_after_ms: Option<u64>,
    /// Answer OK when ESC cancels an AT+CMGS prompt (default: answer nothing).
    #[arg(long)]
    pub esc_answers_ok: bool,
    /// Serve JSON-lines control requests on this Unix socket (the ops: `otpgate::sim` docs).
    #[arg(long)]
    pub control: Option<PathBuf>,

    /// The modem family: boot lines, SMS index base, "SR" memory, audio commands.
    #[arg(long, value_enum, default_value_t = Vendor::Generic)]
    pub vendor: Vendor,
    /// After a reboot or a replug the modem is silent this long, then prints its boot lines.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub boot_ms: u64,
    /// Reboot (unsolicited) after N command lines, once.
    #[arg(long, value_name = "N")]
    pub reboot_after: Option<u64>,
    /// The Nth PDU sent with +CMGS gets no answer: the modem reboots instead, once.
    #[arg(long, value_name = "N")]
    pub reboot_mid_cmgs: Option<u64>,
    /// With --reboot-mid-cmgs: that SMS never reached the network (default: it did).
    #[arg(long, requires = "reboot_mid_cmgs")]
    pub reboot_unsent: bool,
    /// The modem starts without a SIM (+CPIN: NOT INSERTED, +CME ERROR: 10).
    #[arg(long)]
    pub sim_absent: bool,
    /// After power-up (start, reboot, replug) the SIM takes this long to start: +CPIN?
    /// answers +CPIN: NOT READY, the PIN entry and +CIMI +CME ERROR: 14 (SIM busy), SMS
    /// commands +CMS ERROR: 314; its +CPIN: line comes when it is done.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub sim_busy_ms: u64,
    /// SMS commands answer +CMS ERROR: 314 (SIM busy) this long after power-up: the SMS
    /// service comes up after the SIM ("SMS Ready").
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub sms_busy_ms: u64,

    /// The network's delay between a +CMGS that asked for a status report and the report.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub report_delay_ms: u64,
    /// TP-ST of status reports: 0x00 delivered, 0x20 congestion (still trying), 0x41
    /// incompatible destination (permanent)...
    #[arg(long, value_name = "ST", value_parser = super::rules::parse_status, default_value = "0")]
    pub report_status: u8,
    /// Status reports for SMS to NUMBER, one per listed TP-ST, in order (repeatable).
    #[arg(long, value_name = "NUMBER:ST[,ST...]")]
    pub report_status_to: Vec<ReportRule>,
    /// Messages the SIM's "SM" memory holds (and "SR" if the vendor has it).
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub sm_capacity: usize,
    /// An SMS already on the SIM at power-up, unread (repeatable).
    #[arg(long, value_name = "FROM:TEXT")]
    pub preload_sms: Vec<PreloadSms>,

    /// How long the called party takes to answer.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub answer_ms: u64,
    /// Calls to NUMBER find it busy (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub call_busy: Vec<String>,
    /// Calls to NUMBER ring until the caller hangs up (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub call_no_answer: Vec<String>,
    /// Calls to NUMBER are rejected while ringing (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub call_reject: Vec<String>,
    /// The called party hangs up this long after answering (default: never).
    #[arg(long, value_name = "MS")]
    pub call_hangup_after_ms: Option<u64>,
    /// Successive calls to NUMBER: answer[/MS], busy, no-answer, reject; the last repeats.
    #[arg(long, value_name = "NUMBER:OUTCOME[,...]")]
    pub call_script: Vec<CallScript>,

    /// A second pty for the modem's PCM audio port (Huawei voice sticks), symlinked here.
    #[arg(long, value_name = "PATH")]
    pub audio_link: Option<PathBuf>,
    /// Write the PCM each call carried on the audio port to `DIR/call-<n>.wav`.
    #[arg(long, value_name = "DIR")]
    pub audio_dir: Option<PathBuf>,
    /// How long the modem's text-to-speech takes per character of text.
    #[arg(long, value_name = "MS", default_value_t = 80)]
    pub tts_ms_per_char: u64,
    /// Quectel: where the modem sends URCs until told otherwise (AT+QURCCFG="urcport"):
    /// usbat (this port), usbmodem or uart1 (another port: this one hears no URC).
    #[arg(long, value_name = "PORT", default_value = "usbat", value_parser = ["usbat", "usbmodem", "uart1"])]
    pub urc_port: String,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            link: PathBuf::new(),
            record: None,
            latency_ms: 0,
            seed: 1,
            manufacturer: "OTPGATE".into(),
            model: "SIM-GSM".into(),
            pin: None,
            no_registration: false,
            urc_noise: false,
            cms_error_to: Vec::new(),
            cms_error_once: Vec::new(),
            cms_error_rate: None,
            stop_after: None,
            close_after: None,
            reopen_after_ms: None,
            esc_answers_ok: false,
            control: None,
            vendor: Vendor::Generic,
            boot_ms: 300,
            reboot_after: None,
            reboot_mid_cmgs: None,
            reboot_unsent: false,
            sim_absent: false,
            sim_busy_ms: 0,
            sms_busy_ms: 0,
            report_delay_ms: 500,
            report_status: 0,
            report_status_to: Vec::new(),
            sm_capacity: 30,
            preload_sms: Vec::new(),
            answer_ms: 1000,
            call_busy: Vec::new(),
            call_no_answer: Vec::new(),
            call_reject: Vec::new(),
            call_hangup_after_ms: None,
            call_script: Vec::new(),
            audio_link: None,
            audio_dir: None,
            tts_ms_per_char: 80,
            urc_port: "usbat".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::CallOutcome;
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimOptions,
    }

    fn parse(args: &[&str]) -> Result<SimOptions, clap::Error> {
        let all = [&["modem-sim", "--link", "/tmp/m0.tty"][..], args].concat();
        Cli::try_parse_from(&all).map(|c| c.sim)
    }

    #[test]
    fn parses_the_command_line() {
        let o = parse(&[
            "--cms-error-to",
            "+33600000002:1",
            "--cms-error-to",
            "0612:42",
            "--cms-error-once",
            "+33600000001:500",
            "--cms-error-rate",
            "0.25:41",
            "--urc-noise",
            "--pin",
            "1234",
            "--close-after",
            "5",
            "--reopen-after-ms",
            "200",
        ])
        .unwrap();
        assert_eq!(o.link, PathBuf::from("/tmp/m0.tty"));
        let rule = |n: &str, code| ErrorRule {
            number: n.into(),
            code,
        };
        assert_eq!(
            o.cms_error_to,
            vec![rule("+33600000002", 1), rule("0612", 42)]
        );
        assert_eq!(o.cms_error_once, vec![rule("+33600000001", 500)]);
        assert_eq!(
            o.cms_error_rate,
            Some(ErrorRate {
                fraction: 0.25,
                code: 41
            })
        );
        assert!(o.urc_noise && !o.no_registration && !o.esc_answers_ok);
        assert_eq!(
            (o.pin.as_deref(), o.close_after, o.reopen_after_ms),
            (Some("1234"), Some(5), Some(200))
        );
        assert_eq!((o.latency_ms, o.seed, o.model.as_str()), (0, 1, "SIM-GSM"));
        assert_eq!(
            (o.vendor, o.boot_ms, o.report_delay_ms),
            (Vendor::Generic, 300, 500)
        );
    }

    #[test]
    fn parses_the_new_flags() {
        let o = parse(&[
            "--vendor",
            "huawei",
            "--report-status",
            "0x41",
            "--report-status-to",
            "+331:0x20,0",
            "--preload-sms",
            "+336:hello: you",
            "--call-busy",
            "+332",
            "--call-script",
            "+333:busy,answer/500",
            "--reboot-mid-cmgs",
            "2",
            "--reboot-unsent",
            "--audio-link",
            "/tmp/a.tty",
            "--sim-busy-ms",
            "1500",
            "--sms-busy-ms",
            "4000",
        ])
        .unwrap();
        assert_eq!((o.sim_busy_ms, o.sms_busy_ms), (1500, 4000));
        assert_eq!((o.vendor, o.report_status), (Vendor::Huawei, 0x41));
        assert_eq!(o.report_status_to[0].statuses, vec![0x20, 0]);
        assert_eq!(o.preload_sms[0].text, "hello: you");
        assert_eq!(o.call_busy, vec!["+332".to_string()]);
        assert_eq!(
            o.call_script[0].outcomes[1],
            CallOutcome::Answer {
                hangup_after_ms: Some(500)
            }
        );
        assert_eq!((o.reboot_mid_cmgs, o.reboot_unsent), (Some(2), true));
    }

    #[test]
    fn refuses_bad_options() {
        let bad: &[&[&str]] = &[
            &["--cms-error-to", "+336"],
            &["--cms-error-to", ":1"],
            &["--cms-error-to", "+336:x"],
            &["--cms-error-to", "+336:512"],
            &["--cms-error-rate", "1.5:1"],
            &["--reopen-after-ms", "100"],
            &["--vendor", "nokia"],
            &["--report-status", "0x1FF"],
            &["--call-script", "+33:ring"],
            &["--reboot-unsent"],
        ];
        for args in bad {
            assert!(parse(args).is_err(), "{args:?}");
        }
    }
}
