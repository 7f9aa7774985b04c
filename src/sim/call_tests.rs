//! Voice calls as byte tables over time: ATD with +COLP 0 and 1, +CLCC through dialing,
//! alerting and active, busy, rejected, unanswered, hung up by either side, scripted
//! sequences, Huawei's progress lines, and the call records.

use super::config::Config;
use super::machine::Machine;
use super::rules::{CallOutcome, CallScript};
use super::test_util::{run, Act::*};
use super::vendor::Vendor;
use serde_json::Value;
use std::time::Instant;

const NUMBER: &str = "+33612345678";

fn clcc(stat: u8) -> String {
    format!("\r\n+CLCC: 1,0,{stat},0,0,\"{NUMBER}\",145\r\n\r\nOK\r\n")
}

fn with(outcomes: &[CallOutcome]) -> Config {
    let mut cfg = Config::default();
    cfg.calls.scripts = vec![CallScript {
        number: NUMBER.into(),
        outcomes: outcomes.to_vec(),
    }];
    cfg
}

fn answer() -> CallOutcome {
    CallOutcome::Answer {
        hangup_after_ms: None,
    }
}

fn calls(m: &Machine) -> Value {
    m.device().calls_json(Instant::now())["calls"].clone()
}

#[test]
fn an_answered_call_without_colp() {
    let (dialing, alerting, active) = (clcc(2), clcc(3), clcc(0));
    let (m, _) = run(
        Config::default(),
        &[
            (0, Feed(b"ATE0\r"), "ATE0\r\r\nOK\r\n"),
            (0, Feed(b"ATD+33612345678;\r"), "\r\nOK\r\n"),
            (100, Feed(b"AT+CLCC\r"), &dialing),
            (200, Feed(b"AT+CLCC\r"), &alerting),
            (999, Tick, ""),
            (1000, Tick, ""),
            (1000, Feed(b"AT+CLCC\r"), &active),
            (4000, Feed(b"ATH\r"), "\r\nOK\r\n"),
            (4000, Feed(b"AT+CLCC\r"), "\r\nOK\r\n"),
        ],
    );
    let c = calls(&m);
    assert_eq!(c[0]["number"], NUMBER);
    assert_eq!(c[0]["outcome"], "answered");
    assert_eq!(c[0]["state"], "ended");
    assert_eq!(c[0]["answered_ms"], 1000);
    assert_eq!(c[0]["duration_ms"], 3000);
    assert_eq!(c[0]["hung_up_by"], "caller");
}

#[test]
fn colp_makes_atd_wait_for_the_outcome() {
    let colp = format!("\r\n+COLP: \"{NUMBER}\",145\r\n\r\nOK\r\n");
    let start = || {
        [
            (0, Feed(b"ATE0;+COLP=1\r"), "ATE0;+COLP=1\r\r\nOK\r\n"),
            (0, Feed(b"ATD+33612345678;\r\n"), ""),
        ]
    };
    let mut rows = Vec::from(start());
    rows.extend([
        (500, Tick, ""),
        (1000, Tick, colp.as_str()),
        (1000, Feed(b"AT+CHUP\r"), "\r\nOK\r\n"),
    ]);
    run(Config::default(), &rows);

    let mut rows = Vec::from(start());
    rows.push((200, Tick, "\r\nBUSY\r\n"));
    rows.push((200, Feed(b"AT+CLCC\r"), "\r\nOK\r\n"));
    run(with(&[CallOutcome::Busy]), &rows);

    let mut rows = Vec::from(start());
    rows.push((1000, Tick, "\r\nNO CARRIER\r\n"));
    run(with(&[CallOutcome::Reject]), &rows);

    // Unanswered: any character aborts the wait; that character is not a command.
    let mut rows = Vec::from(start());
    rows.extend([
        (30_000, Tick, ""),
        (30_000, Feed(b"AT\r"), "\r\nNO CARRIER\r\n"),
        (30_000, Feed(b"AT\r"), "\r\nOK\r\n"),
    ]);
    let (m, _) = run(with(&[CallOutcome::NoAnswer]), &rows);
    let c = calls(&m);
    assert_eq!(
        (&c[0]["outcome"], &c[0]["hung_up_by"]),
        (&"no-answer".into(), &"caller".into())
    );
}

#[test]
fn failures_without_colp_come_as_unsolicited_lines() {
    let cases: &[(CallOutcome, u64, &str)] = &[
        (CallOutcome::Busy, 200, "\r\nBUSY\r\n"),
        (CallOutcome::Reject, 1000, "\r\nNO CARRIER\r\n"),
        (
            CallOutcome::Answer {
                hangup_after_ms: Some(500),
            },
            1500,
            "\r\nNO CARRIER\r\n",
        ),
    ];
    for (outcome, at, line) in cases {
        let (m, _) = run(
            with(&[*outcome]),
            &[
                (
                    0,
                    Feed(b"ATE0;D+33612345678;\r"),
                    "ATE0;D+33612345678;\r\r\nOK\r\n",
                ),
                (at - 1, Tick, ""),
                (*at, Tick, line),
                (*at, Feed(b"AT+CLCC\r"), "\r\nOK\r\n"),
            ],
        );
        let c = calls(&m);
        let (outcome, by) = match outcome {
            CallOutcome::Busy => ("busy", "network"),
            CallOutcome::Reject => ("rejected", "callee"),
            _ => ("answered", "callee"),
        };
        assert_eq!(c[0]["outcome"], outcome);
        assert_eq!(c[0]["hung_up_by"], by);
    }
    // The global --call-hangup-after-ms.
    let mut cfg = Config::default();
    cfg.calls.hangup_after = Some(std::time::Duration::from_millis(300));
    run(
        cfg,
        &[
            (0, Feed(b"ATE0;D123;\r"), "ATE0;D123;\r\r\nOK\r\n"),
            (1300, Tick, "\r\nNO CARRIER\r\n"),
        ],
    );
}

#[test]
fn a_script_plays_in_order_and_its_last_outcome_repeats() {
    let script = with(&[CallOutcome::Busy, CallOutcome::NoAnswer, answer()]);
    let dial = b"ATD+33612345678;\r";
    let (m, _) = run(
        script,
        &[
            (0, Feed(b"ATE0\r"), "ATE0\r\r\nOK\r\n"),
            (0, Feed(dial), "\r\nOK\r\n"),
            (200, Tick, "\r\nBUSY\r\n"),
            (300, Feed(dial), "\r\nOK\r\n"),
            (9000, Feed(b"AT+CHUP\r"), "\r\nOK\r\n"),
            (9000, Feed(dial), "\r\nOK\r\n"),
            (10_000, Feed(b"ATH\r"), "\r\nOK\r\n"),
            (10_000, Feed(dial), "\r\nOK\r\n"),
            (11_000, Feed(b"AT+CLCC\r"), &clcc(0)),
            // A second call while one is up is refused (+CME ERROR: 3, plain with CMEE 0).
            (11_000, Feed(b"ATD0612;\r"), "\r\nERROR\r\n"),
        ],
    );
    let outcomes: Vec<Value> = calls(&m)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["busy", "no-answer", "answered", "answered"]);
}

#[test]
fn refused_dials() {
    let cfg = Config {
        pin: Some("1".into()),
        ..Config::default()
    };
    run(
        cfg,
        &[
            (0, Feed(b"ATE0;+CMEE=1\r"), "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (0, Feed(b"ATD123;\r"), "\r\n+CME ERROR: 11\r\n"),
            (0, Feed(b"AT+CPIN=1\r"), "\r\nOK\r\n"),
            (0, Feed(b"ATD123\r"), "\r\nNO CARRIER\r\n"),
            (0, Feed(b"ATD;\r"), "\r\nERROR\r\n"),
            (0, Feed(b"ATA\r"), "\r\nNO CARRIER\r\n"),
            (0, Feed(b"ATD123;\r"), "\r\nOK\r\n"),
            (0, Feed(b"ATD456;\r"), "\r\n+CME ERROR: 3\r\n"),
            (
                0,
                Feed(b"AT+COLP?;+COLP=?\r"),
                "\r\n+COLP: 0,1\r\n\r\n+COLP: (0,1)\r\n\r\nOK\r\n",
            ),
        ],
    );
}

#[test]
fn huawei_reports_call_progress() {
    let cfg = Config {
        vendor: Vendor::Huawei,
        ..with(&[answer(), CallOutcome::Busy])
    };
    run(
        cfg,
        &[
            (
                0,
                Feed(b"ATE0;D+33612345678;\r"),
                "ATE0;D+33612345678;\r\r\nOK\r\n\r\n^ORIG:1,0\r\n",
            ),
            (200, Tick, "\r\n^CONF:1\r\n"),
            (1000, Tick, "\r\n^CONN:1,0\r\n"),
            (
                3000,
                Feed(b"AT+CHUP\r"),
                "\r\nOK\r\n\r\n^CEND:1,0,104,16\r\n",
            ),
            (
                3000,
                Feed(b"ATD+33612345678;\r"),
                "\r\nOK\r\n\r\n^ORIG:1,0\r\n",
            ),
            (3200, Tick, "\r\nBUSY\r\n\r\n^CEND:1,0,104,17\r\n"),
        ],
    );
}
