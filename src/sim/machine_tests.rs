//! The modem machine as tables of bytes: each session is a list of (input, expected output)
//! steps, run once with each input whole and once fed a byte at a time.

use super::commands::Identity;
use super::config::Config;
use super::machine::{Effect, Machine, Step};
use super::network::Faults;
use super::ReceivedSms;
use std::time::Instant;

const HELLO: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
const PART1: &str = "0041000A816021436587000010050003CC0201E061391DF4769741";
const PART2: &str = "0061000A81602143658700000E050003CC0202C26E32887E7F03";

fn cfg() -> Config {
    Config::default()
}

fn send(pdu: &str) -> Vec<u8> {
    [pdu.as_bytes(), b"\x1a"].concat()
}

/// Runs `steps`, whole then byte by byte; returns the effects of the whole run.
fn session(config: Config, steps: &[(&[u8], &str)]) -> Vec<Effect> {
    let now = Instant::now();
    let mut effects = Vec::new();
    for bytewise in [false, true] {
        let mut m = Machine::new(config.clone());
        for (i, (input, want)) in steps.iter().enumerate() {
            let mut step = Step::default();
            if bytewise {
                for b in input.iter() {
                    m.feed(now, std::slice::from_ref(b), &mut step);
                }
            } else {
                m.feed(now, input, &mut step);
            }
            let got = String::from_utf8_lossy(&step.out);
            assert_eq!(
                got,
                *want,
                "step {i} {:?} (bytewise: {bytewise})",
                String::from_utf8_lossy(input)
            );
            if !bytewise {
                effects.extend(step.effects);
            }
        }
    }
    effects
}

fn recorded(effects: &[Effect]) -> Vec<ReceivedSms> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn basic_commands_and_echo() {
    let id = Identity::from_seed(1, "OTPGATE", "SIM-GSM");
    let imei = format!("AT+CGSN\r\r\n{}\r\n\r\nOK\r\n", id.imei);
    session(
        cfg(),
        &[
            (b"AT\r", "AT\r\r\nOK\r\n"),
            // The CR ends the line at once; the LF behind it is echoed and otherwise ignored.
            (b"at\r\n", "at\r\r\nOK\r\n\n"),
            (b"AT\n", "AT\n\r\nOK\r\n"),
            (b"\r", "\r"),
            (b"hello\r", "hello\r"),
            (b"AT+FOO\r", "AT+FOO\r\r\nERROR\r\n"),
            (b"AT+CGMI\r", "AT+CGMI\r\r\nOTPGATE\r\n\r\nOK\r\n"),
            (b"AT+GMM\r", "AT+GMM\r\r\nSIM-GSM\r\n\r\nOK\r\n"),
            (b"AT+CGMR\r", "AT+CGMR\r\r\nSIM 1.0\r\n\r\nOK\r\n"),
            (b"AT+CGSN\r", &imei),
            (
                b"AT+CSX\x08Q\r",
                "AT+CSX\x08Q\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
            ),
            (b"ATE0\r", "ATE0\r\r\nOK\r\n"),
            (b"AT\r", "\r\nOK\r\n"),
            (b"AT+CMEE=1;+CMEE?\r", "\r\n+CMEE: 1\r\n\r\nOK\r\n"),
            (b"ATZ\r", "\r\nOK\r\n"),
            (b"AT+CMEE?\r", "AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n"),
            (b"AT&F\r", "AT&F\r\r\nOK\r\n"),
            (b"ATE0V1\r", "ATE0V1\r\r\nOK\r\n"),
            (
                b"AT+CREG?;+CGREG?;+CEREG?\r",
                "\r\n+CREG: 0,1\r\n\r\n+CGREG: 0,1\r\n\r\n+CEREG: 0,1\r\n\r\nOK\r\n",
            ),
            (b"AT+CREG=2\r", "\r\nOK\r\n"),
            (
                b"AT+CREG?\r",
                "\r\n+CREG: 2,1,\"1A2B\",\"01C3D4E5\"\r\n\r\nOK\r\n",
            ),
            (b"AT+CREG=9\r", "\r\nERROR\r\n"),
            (b"AT+COPS?\r", "\r\n+COPS: 0,0,\"SIMNET\",7\r\n\r\nOK\r\n"),
            (
                b"AT+CSCA?\r",
                "\r\n+CSCA: \"+33609001390\",145\r\n\r\nOK\r\n",
            ),
            (b"AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n"),
            (b"AT+CFUN?\r", "\r\n+CFUN: 1\r\n\r\nOK\r\n"),
            (b"AT+CMGF?\r", "\r\n+CMGF: 0\r\n\r\nOK\r\n"),
            (b"AT+CNMI=2,1,0,2,0\r", "\r\nOK\r\n"),
            (b"AT+CNMI?\r", "\r\n+CNMI: 2,1,0,2,0\r\n\r\nOK\r\n"),
            (
                b"AT+CPMS?\r",
                "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n",
            ),
            (b"AT+CSMS=0\r", "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n"),
            (
                b"AT^ICCID?\r",
                &format!("\r\n+CCID: {}\r\n\r\nOK\r\n", id.iccid),
            ),
            (b"AT+CIMI\r", &format!("\r\n{}\r\n\r\nOK\r\n", id.imsi)),
            (b"AT+CLCC\r", "\r\nOK\r\n"),
            (b"ATH\r", "\r\nOK\r\n"),
            (b"AT+CMGF=?\r", "\r\n+CMGF: (0,1)\r\n\r\nOK\r\n"),
            (b"AT+CREG=?\r", "\r\n+CREG: (0-2)\r\n\r\nOK\r\n"),
            (b"AT+CPIN=?\r", "\r\nOK\r\n"),
            (b"AT+XYZ=?\r", "\r\nERROR\r\n"),
            (b"ATD+33612345678;\r", "\r\nOK\r\n"),
            (
                b"AT+CLCC\r",
                "\r\n+CLCC: 1,0,2,0,0,\"+33612345678\",145\r\n\r\nOK\r\n",
            ),
            (b"AT+CHUP\r", "\r\nOK\r\n"),
            (b"AT+CLCC\r", "\r\nOK\r\n"),
        ],
    );
}

#[test]
fn identity_numbers_are_well_formed_and_seeded() {
    let a = Identity::from_seed(1, "M", "X");
    assert_eq!(a, Identity::from_seed(1, "M", "X"));
    assert_ne!(a.imei, Identity::from_seed(2, "M", "X").imei);
    assert!(a.imei.len() == 15 && a.imei.bytes().all(|b| b.is_ascii_digit()));
    assert!(a.iccid.len() == 20 && a.iccid.starts_with("89"));
    assert_eq!(a.imsi.len(), 15);
    // Luhn: doubling every second digit from the right sums to a multiple of ten.
    for n in [&a.imei, &a.iccid] {
        let sum: u32 = n
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    (d * 2) / 10 + (d * 2) % 10
                } else {
                    d
                }
            })
            .sum();
        assert_eq!(sum % 10, 0, "{n}");
    }
}

#[test]
fn pin_locking() {
    let config = Config {
        pin: Some("1234".into()),
        ..cfg()
    };
    session(
        config,
        &[
            (b"ATE0\r", "ATE0\r\r\nOK\r\n"),
            (b"AT+CPIN?\r", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"),
            (b"AT+CREG?\r", "\r\n+CREG: 0,0\r\n\r\nOK\r\n"),
            (b"AT+CIMI\r", "\r\nERROR\r\n"),
            (b"AT+CMEE=1\r", "\r\nOK\r\n"),
            (b"AT+CIMI\r", "\r\n+CME ERROR: 11\r\n"),
            (b"AT+CMGS=23\r", "\r\n+CMS ERROR: 311\r\n"),
            (b"AT+CPIN=\"0000\"\r", "\r\n+CME ERROR: 16\r\n"),
            (b"AT+CMEE=2\r", "\r\nOK\r\n"),
            (b"AT+CPIN=0000\r", "\r\n+CME ERROR: incorrect password\r\n"),
            (b"AT+CREG=1\r", "\r\nOK\r\n"),
            (b"AT+CPIN=\"1234\"\r", "\r\nOK\r\n\r\n+CREG: 1\r\n"),
            (b"AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n"),
            (b"AT+CREG?\r", "\r\n+CREG: 1,1\r\n\r\nOK\r\n"),
        ],
    );
    let config = Config {
        pin: Some("1234".into()),
        ..cfg()
    };
    session(
        config,
        &[
            (b"ATE0;+CMEE=1\r", "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (b"AT+CPIN=1\r", "\r\n+CME ERROR: 16\r\n"),
            (b"AT+CPIN=2\r", "\r\n+CME ERROR: 16\r\n"),
            (b"AT+CPIN=3\r", "\r\n+CME ERROR: 16\r\n"),
            (b"AT+CPIN?\r", "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"),
            (b"AT+CPIN=1234\r", "\r\n+CME ERROR: 12\r\n"),
        ],
    );
}

#[test]
fn sends_a_pdu_with_and_without_echo() {
    let effects = session(
        cfg(),
        &[
            (b"AT+CMGS=23\r", "AT+CMGS=23\r\r\n> "),
            (
                &send(HELLO),
                &format!("{HELLO}\x1a\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            ),
            (b"ATE0\r", "ATE0\r\r\nOK\r\n"),
            (b"AT+CMGS=23\r", "\r\n> "),
            (&send(HELLO), "\r\n+CMGS: 1\r\n\r\nOK\r\n"),
            // The PDU may arrive with the command in one write, and with a line end.
            (
                &[b"AT+CMGS=23\r", HELLO.as_bytes(), b"\r\n\x1a"].concat(),
                "\r\n> \r\n+CMGS: 2\r\n\r\nOK\r\n",
            ),
        ],
    );
    let got = recorded(&effects);
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[0],
        ReceivedSms {
            to: "+46708251358".into(),
            text: "hellohello".into(),
            parts: 1,
            encoding: "gsm7".into(),
            status_report: false,
        }
    );
}

#[test]
fn reassembles_concatenated_parts() {
    let effects = session(
        cfg(),
        &[
            (b"ATE0\r", "ATE0\r\r\nOK\r\n"),
            (b"AT+CMGS=25\r", "\r\n> "),
            (&send(PART2), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            (b"AT+CMGS=26\r", "\r\n> "),
            (&send(PART1), "\r\n+CMGS: 1\r\n\r\nOK\r\n"),
        ],
    );
    let got = recorded(&effects);
    assert_eq!(got.len(), 1, "recorded once, when complete");
    assert_eq!(
        (got[0].text.as_str(), got[0].parts),
        ("part one and two", 2)
    );
    assert_eq!(got[0].to, "0612345678");
    assert!(got[0].status_report, "TP-SRR on a part");
}

#[test]
fn refuses_bad_submissions() {
    let effects = session(
        Config {
            esc_answers_ok: false,
            ..cfg()
        },
        &[
            (b"ATE0;+CMEE=1\r", "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (b"AT+CMGS=22\r", "\r\n> "),
            (&send(HELLO), "\r\n+CMS ERROR: 304\r\n"),
            (b"AT+CMGS=2\r", "\r\n> "),
            (b"00ZZ\x1a", "\r\n+CMS ERROR: 304\r\n"),
            (b"AT+CMGS=23\r", "\r\n> "),
            (&[HELLO.as_bytes(), b"\x1b"].concat(), ""),
            (b"AT+CMGS=x\r", "\r\nERROR\r\n"),
            (b"AT+CMGF=1\r", "\r\nOK\r\n"),
            (b"AT+CMGS=\"+3312\"\r", "\r\n+CMS ERROR: 302\r\n"),
        ],
    );
    assert!(recorded(&effects).is_empty());
    session(
        Config {
            esc_answers_ok: true,
            ..cfg()
        },
        &[
            (b"AT+CMGS=23\r", "AT+CMGS=23\r\r\n> "),
            (b"00\x1b", "00\r\nOK\r\n"),
        ],
    );
    session(
        Config {
            registers: false,
            ..cfg()
        },
        &[
            (
                b"ATE0;+CMEE=1;+CREG?\r",
                "ATE0;+CMEE=1;+CREG?\r\r\n+CREG: 0,2\r\n\r\nOK\r\n",
            ),
            (b"AT+COPS?\r", "\r\n+COPS: 0\r\n\r\nOK\r\n"),
            (b"AT+CMGS=23\r", "\r\n> "),
            (&send(HELLO), "\r\n+CMS ERROR: 331\r\n"),
        ],
    );
}

#[test]
fn injects_cms_errors_by_number_and_rate() {
    let faults = Faults {
        always: vec![("+46708251358".into(), 1)],
        once: vec![("+1234".into(), 500)],
        rate: None,
    };
    let abc = "0001000491214300000361F118";
    let effects = session(
        Config { faults, ..cfg() },
        &[
            (b"ATE0;+CMEE=1\r", "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (b"AT+CMGS=23\r", "\r\n> "),
            (&send(HELLO), "\r\n+CMS ERROR: 1\r\n"),
            (b"AT+CMGS=23\r", "\r\n> "),
            (&send(HELLO), "\r\n+CMS ERROR: 1\r\n"),
            (b"AT+CMGS=12\r", "\r\n> "),
            (&send(abc), "\r\n+CMS ERROR: 500\r\n"),
            (b"AT+CMGS=12\r", "\r\n> "),
            (&send(abc), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
        ],
    );
    let got = recorded(&effects);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].to.as_str(), got[0].text.as_str()), ("+1234", "abc"));

    let mut m = Machine::new(Config {
        faults: Faults {
            rate: Some((0.5, 42)),
            ..Faults::default()
        },
        ..cfg()
    });
    let now = Instant::now();
    let mut step = Step::default();
    m.feed(now, b"ATE0;+CMEE=1\r", &mut step);
    for _ in 0..400 {
        m.feed(now, b"AT+CMGS=23\r", &mut step);
        m.feed(now, &send(HELLO), &mut step);
    }
    let out = String::from_utf8_lossy(&step.out);
    let failed = out.matches("+CMS ERROR: 42").count();
    assert_eq!(failed + out.matches("+CMGS: ").count(), 400);
    assert!((140..260).contains(&failed), "about half failed: {failed}");
}
