//! Faults as byte tables over time: reboots (settings forgotten, boot silence, vendor boot
//! lines, a +CMGS caught in the middle), the network lost and found, the SIM pulled out.

use super::config::Config;
use super::machine::{Effect, Machine, Step};
use super::test_util::{run, Act::*};
use super::vendor::Vendor;
use std::time::{Duration, Instant};

const HELLO: &[u8] = b"0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a";

fn cfg() -> Config {
    Config {
        boot: Duration::from_millis(100),
        ..Config::default()
    }
}

fn reboot(sent: bool) -> impl Fn(&mut Machine, Instant, &mut Step) {
    move |m, now, step| m.reboot(now, sent, step)
}

fn registered(on: bool) -> impl Fn(&mut Machine, Instant, &mut Step) {
    move |m, now, step| m.with_device(now, step, |d, _, ev| d.set_registered(now, on, ev))
}

fn sim_present(on: bool) -> impl Fn(&mut Machine, Instant, &mut Step) {
    move |m, now, step| m.with_device(now, step, |d, c, ev| d.set_sim(c, now, on, ev))
}

fn records(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Record(_)))
        .count()
}

#[test]
fn a_reboot_forgets_the_settings_and_boots_after_a_silence() {
    let settings = b"AT+CMEE?;+CNMI?;+CMGF?;+COLP?\r";
    let answer = "AT+CMEE?;+CNMI?;+CMGF?;+COLP?\r\r\n+CMEE: 0\r\n\r\n+CNMI: 0,0,0,0,0\r\n\
                  \r\n+CMGF: 0\r\n\r\n+COLP: 0,1\r\n\r\nOK\r\n";
    run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CMEE=1;+CNMI=2,1,0,2,0;+CMGF=1;+COLP=1\r"),
                "ATE0;+CMEE=1;+CNMI=2,1,0,2,0;+CMGF=1;+COLP=1\r\r\nOK\r\n",
            ),
            (10, Do(&reboot(true)), ""),
            (50, Feed(b"AT\r"), ""),
            (109, Tick, ""),
            (110, Tick, "\r\nRDY\r\n\r\n+CPIN: READY\r\n"),
            (110, Feed(settings), answer),
        ],
    );
}

#[test]
fn vendors_boot_with_their_own_lines_and_the_pin_locks_again() {
    let cases: &[(Vendor, Option<&str>, &str)] = &[
        (
            Vendor::Simcom,
            Some("1234"),
            "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n",
        ),
        (
            Vendor::Quectel,
            None,
            "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n",
        ),
        (
            Vendor::Huawei,
            None,
            "\r\n^BOOT:20121031,0,0,0,72\r\n\r\n^SIMST:1\r\n",
        ),
    ];
    for (vendor, pin, boot) in cases {
        let cfg = Config {
            vendor: *vendor,
            pin: pin.map(String::from),
            ..cfg()
        };
        let unlock = pin.map_or("AT\r".to_string(), |p| format!("AT+CPIN={p}\r"));
        run(
            cfg,
            &[
                (0, Feed(unlock.as_bytes()), &format!("{unlock}\r\nOK\r\n")),
                (0, Do(&reboot(true)), ""),
                (100, Tick, boot),
            ],
        );
    }
}

#[test]
fn a_reboot_mid_cmgs_leaves_it_unanswered_sent_or_not() {
    for sent in [true, false] {
        let cfg = Config {
            latency: Duration::from_millis(500),
            ..cfg()
        };
        let (_, effects) = run(
            cfg,
            &[
                (0, Feed(b"ATE0;+CMGS=23\r"), "ATE0;+CMGS=23\r\r\n> "),
                (0, Feed(HELLO), ""),
                (200, Do(&reboot(sent)), ""),
                (300, Tick, "\r\nRDY\r\n\r\n+CPIN: READY\r\n"),
                (900, Tick, ""),
            ],
        );
        assert_eq!(records(&effects), usize::from(sent), "sent: {sent}");
    }
    // --reboot-mid-cmgs 2: the second PDU reboots the modem; --reboot-after 1 fires too.
    let mid = Config {
        reboot_mid_cmgs: Some((2, false)),
        ..cfg()
    };
    let (_, effects) = run(
        mid,
        &[
            (0, Feed(b"ATE0\r"), "ATE0\r\r\nOK\r\n"),
            (0, Feed(b"AT+CMGS=23\r"), "\r\n> "),
            (0, Feed(HELLO), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            (0, Feed(b"AT+CMGS=23\r"), "\r\n> "),
            (0, Feed(HELLO), ""),
            (100, Tick, "\r\nRDY\r\n\r\n+CPIN: READY\r\n"),
        ],
    );
    assert_eq!(records(&effects), 1);
    let after = Config {
        reboot_after: Some(2),
        ..cfg()
    };
    run(
        after,
        &[
            (0, Feed(b"ATE0\r"), "ATE0\r\r\nOK\r\n"),
            (0, Feed(b"AT\r"), "\r\nOK\r\n"),
            (50, Feed(b"AT\r"), ""),
            (
                100,
                Feed(b"AT\r"),
                "\r\nRDY\r\n\r\n+CPIN: READY\r\nAT\r\r\nOK\r\n",
            ),
        ],
    );
}

#[test]
fn the_network_is_lost_and_found() {
    run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CMEE=1;+CREG=2;+CEREG=1\r"),
                "ATE0;+CMEE=1;+CREG=2;+CEREG=1\r\r\nOK\r\n",
            ),
            (
                0,
                Do(&registered(false)),
                "\r\n+CREG: 2\r\n\r\n+CEREG: 2\r\n",
            ),
            (0, Feed(b"AT+CREG?\r"), "\r\n+CREG: 2,2\r\n\r\nOK\r\n"),
            (0, Feed(b"AT+COPS?\r"), "\r\n+COPS: 0\r\n\r\nOK\r\n"),
            (0, Feed(b"AT+CMGS=23\r"), "\r\n> "),
            (0, Feed(HELLO), "\r\n+CMS ERROR: 331\r\n"),
            (0, Feed(b"ATD+33612345678;\r"), "\r\nNO CARRIER\r\n"),
            (
                10,
                Do(&registered(true)),
                "\r\n+CREG: 1,\"1A2B\",\"01C3D4E5\"\r\n\r\n+CEREG: 1\r\n",
            ),
            (10, Feed(b"AT+CMGS=23\r"), "\r\n> "),
            (10, Feed(HELLO), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
        ],
    );
}

#[test]
fn losing_the_network_drops_the_call() {
    let (m, _) = run(
        cfg(),
        &[
            (0, Feed(b"ATE0;+CMEE=1\r"), "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (0, Feed(b"ATD+33612345678;\r"), "\r\nOK\r\n"),
            (1000, Tick, ""),
            (1500, Do(&registered(false)), "\r\nNO CARRIER\r\n"),
        ],
    );
    let calls = m.device().calls_json(Instant::now());
    assert_eq!(calls["calls"][0]["hung_up_by"], "network");
    assert_eq!(calls["calls"][0]["outcome"], "answered");
}

#[test]
fn the_sim_is_pulled_out_and_put_back() {
    let locked = Config {
        pin: Some("1234".into()),
        ..cfg()
    };
    run(
        locked,
        &[
            (
                0,
                Feed(b"ATE0;+CMEE=1;+CPIN=1234\r"),
                "ATE0;+CMEE=1;+CPIN=1234\r\r\nOK\r\n",
            ),
            (0, Do(&sim_present(false)), "\r\n+CPIN: NOT INSERTED\r\n"),
            (0, Feed(b"AT+CPIN?\r"), "\r\n+CME ERROR: 10\r\n"),
            (0, Feed(b"AT+CIMI\r"), "\r\n+CME ERROR: 10\r\n"),
            (0, Feed(b"AT+CMGS=23\r"), "\r\n+CMS ERROR: 310\r\n"),
            (0, Feed(b"AT+CREG?\r"), "\r\n+CREG: 0,0\r\n\r\nOK\r\n"),
            (0, Feed(b"ATD123;\r"), "\r\n+CME ERROR: 10\r\n"),
            (50, Do(&reboot(true)), ""),
            (150, Tick, "\r\nRDY\r\n\r\n+CPIN: NOT INSERTED\r\n"),
            (200, Do(&sim_present(true)), "\r\n+CPIN: SIM PIN\r\n"),
            (
                200,
                Feed(b"AT+CPIN?\r"),
                "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n",
            ),
        ],
    );
    let huawei = Config {
        vendor: Vendor::Huawei,
        ..cfg()
    };
    run(
        huawei,
        &[
            (0, Do(&sim_present(false)), "\r\n^SIMST:255\r\n"),
            (0, Do(&sim_present(true)), "\r\n^SIMST:1\r\n"),
        ],
    );
}

#[test]
fn a_sim_and_an_sms_service_that_take_a_while_to_start() {
    let slow = Config {
        pin: Some("1234".into()),
        sim_busy: Duration::from_millis(500),
        sms_busy: Duration::from_millis(800),
        ..cfg()
    };
    run(
        slow,
        &[
            (0, Feed(b"ATE0;+CMEE=1\r"), "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (
                10,
                Feed(b"AT+CPIN?\r"),
                "\r\n+CPIN: NOT READY\r\n\r\nOK\r\n",
            ),
            (20, Feed(b"AT+CPIN=1234\r"), "\r\n+CME ERROR: 14\r\n"),
            (30, Feed(b"AT+CIMI\r"), "\r\n+CME ERROR: 14\r\n"),
            (40, Feed(b"AT+CMGF=0\r"), "\r\n+CMS ERROR: 314\r\n"),
            (499, Tick, ""),
            // Done starting: the SIM says so, and wants its PIN.
            (500, Tick, "\r\n+CPIN: SIM PIN\r\n"),
            (510, Feed(b"AT+CPIN=1234\r"), "\r\nOK\r\n"),
            // The SMS service takes longer.
            (520, Feed(b"AT+CNMI=?\r"), "\r\n+CMS ERROR: 314\r\n"),
            (
                800,
                Feed(b"AT+CNMI=?\r"),
                "\r\n+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n\r\nOK\r\n",
            ),
            (800, Feed(b"AT+CMGF=0\r"), "\r\nOK\r\n"),
            // A reboot starts it all again once the modem has booted (100 ms): no +CPIN:
            // among the boot lines, the SIM's line when it is done.
            (900, Do(&reboot(true)), ""),
            (1000, Tick, "\r\nRDY\r\n"),
            (
                1000,
                Feed(b"ATE0;+CMEE=1;+CPIN?\r"),
                "ATE0;+CMEE=1;+CPIN?\r\r\n+CPIN: NOT READY\r\n\r\nOK\r\n",
            ),
            (1000, Feed(b"AT+CMGF=0\r"), "\r\n+CMS ERROR: 314\r\n"),
            (1500, Tick, "\r\n+CPIN: SIM PIN\r\n"),
            (1800, Feed(b"AT+CMGF=0\r"), "\r\nOK\r\n"),
        ],
    );
}
