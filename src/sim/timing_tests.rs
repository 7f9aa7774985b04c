//! The machine over time: the network's latency, URC noise at line boundaries only, hung and
//! unplugged modems, injected lines, the message reference, and arbitrary input.

use super::commands::Identity;
use super::config::Config;
use super::machine::{Effect, Machine, Step};
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const HELLO: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
const NOISE: &[&str] = &[
    "+CREG: 1",
    "+CGREG: 1",
    "+CEREG: 1",
    "^RSSI: 17",
    "^HCSQ: \"LTE\",50,40,120,20",
    "+CIEV: 2,3",
    "^MODE: 5,4",
    "^SRVST: 2",
    "+QIND: \"csq\",20,99",
];

fn cfg() -> Config {
    Config {
        identity: Identity::from_seed(3, "OTPGATE", "SIM-GSM"),
        seed: 3,
        ..Config::default()
    }
}

fn feed(m: &mut Machine, now: Instant, input: &[u8]) -> String {
    let mut step = Step::default();
    m.feed(now, input, &mut step);
    String::from_utf8_lossy(&step.out).into_owned()
}

fn tick(m: &mut Machine, now: Instant) -> String {
    let mut step = Step::default();
    m.tick(now, &mut step);
    String::from_utf8_lossy(&step.out).into_owned()
}

fn send() -> Vec<u8> {
    [HELLO.as_bytes(), b"\x1a"].concat()
}

#[test]
fn the_network_answers_after_the_latency_and_input_waits() {
    let t0 = Instant::now();
    let mut m = Machine::new(Config {
        latency: Duration::from_millis(100),
        ..cfg()
    });
    assert_eq!(feed(&mut m, t0, b"ATE0\r"), "ATE0\r\r\nOK\r\n");
    assert_eq!(feed(&mut m, t0, b"AT+CMGS=23\r"), "\r\n> ");
    assert_eq!(feed(&mut m, t0, &[send(), b"AT\r".to_vec()].concat()), "");
    assert_eq!(feed(&mut m, t0, b"AT+CSQ\r"), "", "still busy");
    assert_eq!(m.next_deadline(), Some(t0 + Duration::from_millis(100)));
    assert_eq!(tick(&mut m, t0 + Duration::from_millis(99)), "");
    assert_eq!(
        tick(&mut m, t0 + Duration::from_millis(100)),
        "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\nOK\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    );
    assert_eq!(m.next_deadline(), None);
    assert_eq!(m.commands(), 4);
}

/// Removes every framed noise line; returns the rest and how many were removed.
fn strip_noise(mut out: String) -> (String, usize) {
    let mut removed = 0;
    for n in NOISE {
        let framed = format!("\r\n{n}\r\n");
        removed += out.matches(&framed).count();
        out = out.replace(&framed, "");
    }
    (out, removed)
}

#[test]
fn noise_lands_only_on_line_boundaries() {
    let script: Vec<u8> = (0..200)
        .flat_map(|_| {
            [
                b"AT+CSQ\r".to_vec(),
                b"AT+CREG?\r".to_vec(),
                b"AT+CMGS=23\r".to_vec(),
                send(),
            ]
        })
        .flatten()
        .collect();
    let run = |noise: bool| {
        let mut m = Machine::new(Config {
            urc_noise: noise,
            ..cfg()
        });
        let mut now = Instant::now();
        let mut out = String::new();
        // Byte by byte with echo on, the clock moving: idle noise gets its chances mid-line.
        for b in &script {
            now += Duration::from_millis(3);
            out += &tick(&mut m, now);
            out += &feed(&mut m, now, std::slice::from_ref(b));
        }
        out
    };
    let quiet = run(false);
    let noisy = run(true);
    let (stripped, count) = strip_noise(noisy.clone());
    assert_eq!(stripped, quiet, "noise only ever adds whole lines");
    // And only where a line ended: never inside the echo of a half-typed command.
    for n in NOISE {
        for (at, _) in noisy.match_indices(&format!("\r\n{n}\r\n")) {
            let before = noisy[..at].chars().last();
            assert!(
                matches!(before, None | Some('\n' | '\r' | '\x1a')),
                "noise after {:?}",
                &noisy[at.saturating_sub(20)..at]
            );
        }
    }
    assert!(
        count >= 300,
        "hundreds of noise lines in 200 rounds: {count}"
    );
    let between = NOISE
        .iter()
        .map(|n| {
            noisy
                .matches(&format!("+CSQ: 20,99\r\n\r\n{n}\r\n\r\nOK"))
                .count()
        })
        .sum::<usize>();
    assert!(between > 10, "noise between +CSQ and its OK: {between}");
}

#[test]
fn a_hung_modem_says_nothing_until_resumed() {
    let now = Instant::now();
    let mut m = Machine::new(Config {
        stop_after: Some(2),
        urc_noise: true,
        ..cfg()
    });
    let _ = feed(&mut m, now, b"ATE0\r");
    let _ = feed(&mut m, now, b"AT\r");
    assert_eq!(feed(&mut m, now, b"AT\r"), "", "no echo, no answer");
    assert_eq!(m.next_deadline(), None, "no noise either");
    for i in 1..50 {
        assert_eq!(tick(&mut m, now + Duration::from_millis(i * 20)), "");
    }
    m.inject("RDY".into());
    assert_eq!(
        tick(&mut m, now),
        "\r\nRDY\r\n",
        "an injected line still goes out"
    );
    m.resume();
    assert!(feed(&mut m, now, b"AT\r").ends_with("\r\nOK\r\n"));
    assert_eq!(m.commands(), 3, "lines sent to a hung modem are not heard");

    let mut m = Machine::new(cfg());
    m.hang();
    assert_eq!(feed(&mut m, now, b"AT\r"), "");
    m.resume();
    assert_eq!(feed(&mut m, now, b"AT\r"), "AT\r\r\nOK\r\n");
}

#[test]
fn stop_after_zero_never_answers() {
    let now = Instant::now();
    let mut m = Machine::new(Config {
        stop_after: Some(0),
        ..cfg()
    });
    assert_eq!(feed(&mut m, now, b"AT\r"), "", "not even the first command");
    assert_eq!(m.commands(), 0);
}

#[test]
fn close_after_unplugs_once_after_answering() {
    let now = Instant::now();
    let mut m = Machine::new(Config {
        close_after: Some(2),
        ..cfg()
    });
    let mut step = Step::default();
    m.feed(now, b"AT\rAT\rAT\r", &mut step);
    assert_eq!(
        String::from_utf8_lossy(&step.out),
        "AT\r\r\nOK\r\nAT\r\r\nOK\r\n"
    );
    assert_eq!(step.effects, vec![Effect::Close]);
    let mut step = Step::default();
    m.unplugged(now, &mut step);
    m.power_up(now, &mut step);
    m.feed(now, b"AT\r", &mut step);
    assert_eq!(
        String::from_utf8_lossy(&step.out),
        "\r\nRDY\r\n\r\n+CPIN: READY\r\nAT\r\r\nOK\r\n",
        "boot lines first, then the answer"
    );
    assert!(step.effects.is_empty(), "plugged back in, it stays");
}

#[test]
fn reboot_restores_power_up_settings() {
    let now = Instant::now();
    let mut m = Machine::new(Config {
        pin: Some("1111".into()),
        ..cfg()
    });
    let _ = feed(&mut m, now, b"ATE0;+CMEE=1;+CPIN=1111\r");
    assert_eq!(
        feed(&mut m, now, b"AT+CPIN?\r"),
        "\r\n+CPIN: READY\r\n\r\nOK\r\n"
    );
    m.reboot(now, true, &mut Step::default());
    assert_eq!(tick(&mut m, now), "\r\nRDY\r\n\r\n+CPIN: SIM PIN\r\n");
    assert_eq!(
        feed(&mut m, now, b"AT+CPIN?\r"),
        "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    );
}

#[test]
fn injected_lines_wait_for_the_end_of_a_typed_line() {
    let now = Instant::now();
    let mut m = Machine::new(cfg());
    assert_eq!(feed(&mut m, now, b"AT+C"), "AT+C");
    m.inject("+CMTI: \"SM\",1".into());
    assert_eq!(tick(&mut m, now), "");
    assert_eq!(
        feed(&mut m, now, b"SQ\r"),
        "SQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n"
    );
}

#[test]
fn the_message_reference_wraps_after_255() {
    let now = Instant::now();
    let mut m = Machine::new(cfg());
    let _ = feed(&mut m, now, b"ATE0\r");
    let mut last = String::new();
    for _ in 0..257 {
        let _ = feed(&mut m, now, b"AT+CMGS=23\r");
        let answer = feed(&mut m, now, &send());
        if answer.contains("+CMGS: 255") {
            last = answer.clone();
        }
        if !last.is_empty() && answer != last {
            assert_eq!(answer, "\r\n+CMGS: 0\r\n\r\nOK\r\n");
            return;
        }
    }
    panic!("no wrap seen");
}

#[test]
fn arbitrary_input_never_panics() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut m = Machine::new(Config {
        pin: Some("1".into()),
        urc_noise: true,
        latency: Duration::from_millis(5),
        ..cfg()
    });
    let mut now = Instant::now();
    let alphabet = b"AT+CMGS=0123456789ABCDEF?;\"\r\n\x1a\x1b\x08 ,^&EZ";
    for _ in 0..20_000 {
        let len = rng.gen_range(0..40);
        let chunk: Vec<u8> = (0..len)
            .map(|_| {
                if rng.gen_bool(0.9) {
                    alphabet[rng.gen_range(0..alphabet.len())]
                } else {
                    rng.gen()
                }
            })
            .collect();
        now += Duration::from_millis(rng.gen_range(0..10));
        let _ = feed(&mut m, now, &chunk);
        let _ = tick(&mut m, now);
    }
}

#[test]
fn arbitrary_input_never_panics_on_any_vendor() {
    use super::vendor::Vendor;
    let words: &[&[u8]] = &[
        b"AT",
        b"D+336;",
        b"D123",
        b"H",
        b"+CHUP",
        b"+CLCC",
        b"+COLP=1",
        b"+CNMI=2,2,0,2",
        b"+CMGL=4",
        b"+CMGR=0",
        b"+CMGD=1,4",
        b"+CPMS=\"SR\"",
        b"+QFUPL=\"a\",5,1,1",
        b"+QPSND=1,\"a\",0,1,1",
        b"+QWTTS=1,1,1,\"0041",
        b"+QTTS=2,\"x\"",
        b"+CTTS=1,\"00",
        b"+FSCREATE=a",
        b"+FSWRITE=a,1,4,1",
        b"+CREC=4,a,0,9",
        b"^DDSETEX=2",
        b"+QFLST",
        b"+CMGS=23",
        b";",
        b"\r",
        b"\n",
        b"\x1a",
        b"\x1b",
        b"\"",
        b",",
        b"0",
    ];
    for (i, vendor) in [
        Vendor::Quectel,
        Vendor::Simcom,
        Vendor::Huawei,
        Vendor::Generic,
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = rand::rngs::StdRng::seed_from_u64(20 + i as u64);
        let mut cfg = Config {
            vendor,
            latency: Duration::from_millis(3),
            reboot_after: Some(500),
            ..cfg()
        };
        cfg.calls.answer_after = Duration::from_millis(5);
        cfg.calls.hangup_after = Some(Duration::from_millis(40));
        cfg.tts_per_char = Duration::from_millis(1);
        let mut m = Machine::new(cfg);
        let mut now = Instant::now();
        for round in 0..5_000 {
            let mut chunk = Vec::new();
            for _ in 0..rng.gen_range(0..6) {
                chunk.extend_from_slice(words[rng.gen_range(0..words.len())]);
            }
            if rng.gen_bool(0.05) {
                chunk.extend((0..rng.gen_range(0..50)).map(|_| rng.gen::<u8>()));
            }
            now += Duration::from_millis(rng.gen_range(0..15));
            let _ = feed(&mut m, now, &chunk);
            let mut step = Step::default();
            m.feed_audio(&chunk, &mut step);
            if round % 500 == 0 {
                let _ = m.with_device(now, &mut step, |d, c, _| {
                    d.deliver(c, now, "+33612345678", "x".repeat(170).as_str(), None, None)
                });
            }
            let _ = tick(&mut m, now);
        }
    }
}

#[test]
fn an_esc_outside_a_prompt_does_not_spoil_the_next_command() {
    let now = Instant::now();
    let mut m = Machine::new(cfg());
    let _ = feed(&mut m, now, b"\x1b");
    assert!(
        feed(&mut m, now, b"AT\r").ends_with("\r\nOK\r\n"),
        "the first AT after the bring-up's ESC is answered"
    );
}
