//! The simulator on a real pseudo-terminal, driven through the `serialport` crate as the
//! daemon's serial code will: sending an SMS, the daemon reconnecting, unplug and replug, the
//! control socket.

use super::port_util::{chat, open, read_until, wait, Control};
use super::{spawn, ReceivedSms, SimOptions};
use serde_json::json;
use std::io::Read;
use std::time::{Duration, Instant};

const HELLO: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";

#[test]
fn a_serial_port_sends_an_sms_and_the_phone_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let record = dir.path().join("m0.jsonl");
    let sim = spawn(SimOptions {
        link: link.clone(),
        record: Some(record.clone()),
        ..SimOptions::default()
    })
    .unwrap();
    assert!(link.exists());
    let mut port = open(&link);
    assert_eq!(chat(&mut *port, b"ATE0\r", "OK\r\n"), "ATE0\r\r\nOK\r\n");
    assert_eq!(chat(&mut *port, b"AT+CMGS=23\r", "> "), "\r\n> ");
    let pdu = [HELLO.as_bytes(), b"\x1a"].concat();
    assert_eq!(
        chat(&mut *port, &pdu, "OK\r\n"),
        "\r\n+CMGS: 0\r\n\r\nOK\r\n"
    );
    let want = ReceivedSms {
        to: "+46708251358".into(),
        text: "hellohello".into(),
        parts: 1,
        encoding: "gsm7".into(),
        status_report: false,
    };
    let lines = std::fs::read_to_string(&record).unwrap();
    let got: Vec<ReceivedSms> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got,
        vec![want.clone()],
        "recorded before +CMGS was answered"
    );
    assert_eq!(sim.received(), vec![want]);
    wait("two commands counted", || sim.commands() == 2);
    sim.shutdown();
    assert!(std::fs::symlink_metadata(&link).is_err(), "link removed");
}

#[test]
fn the_daemon_can_close_and_reopen_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let sim = spawn(SimOptions {
        link: link.clone(),
        ..SimOptions::default()
    })
    .unwrap();
    for round in 0..3 {
        let mut port = open(&link);
        let got = chat(&mut *port, b"AT\r", "OK\r\n");
        assert!(got.ends_with("\r\nOK\r\n"), "round {round}: {got:?}");
    }
    // The counter is updated right after the answer is written: wait for it, not race it.
    wait("three commands counted", || sim.commands() == 3);
    drop(sim);
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "Drop removes the link too"
    );
}

#[test]
fn close_after_unplugs_and_reopen_after_plugs_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let sim = spawn(SimOptions {
        link: link.clone(),
        close_after: Some(2),
        reopen_after_ms: Some(300),
        ..SimOptions::default()
    })
    .unwrap();
    let first = std::fs::read_link(&link).unwrap();
    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0\r", "OK\r\n");
    assert_eq!(
        chat(&mut *port, b"AT\r", "OK\r\n"),
        "\r\nOK\r\n",
        "answered before closing"
    );
    wait("the link to go", || {
        std::fs::symlink_metadata(&link).is_err()
    });
    // The daemon's descriptor sees the hangup: a read error or end of file, not silence.
    let mut buf = [0u8; 16];
    let dead = (0..40).any(|_| match port.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::TimedOut,
    });
    assert!(dead, "the old port is dead");
    wait("the link to come back", || link.exists());
    let mut port = open(&link);
    assert_eq!(
        read_until(&mut *port, "READY\r\n"),
        "\r\nRDY\r\n\r\n+CPIN: READY\r\n",
        "boots first"
    );
    assert_eq!(
        chat(&mut *port, b"AT\r", "OK\r\n"),
        "AT\r\r\nOK\r\n",
        "powered up again: echo on"
    );
    let _ = first;
    drop(sim);
}

#[test]
fn the_control_socket_drives_the_modem() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let socket = dir.path().join("m0.ctl");
    let sim = spawn(SimOptions {
        link: link.clone(),
        control: Some(socket.clone()),
        ..SimOptions::default()
    })
    .unwrap();
    let mut ctl = Control::connect(&socket);
    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0\r", "OK\r\n");
    assert_eq!(
        ctl.call(r#"{"op":"commands"}"#),
        json!({"ok": true, "commands": 1})
    );
    assert_eq!(ctl.call(r#"{"op":"urc","line":"RDY"}"#)["ok"], true);
    assert_eq!(read_until(&mut *port, "RDY\r\n"), "\r\nRDY\r\n");
    assert_eq!(ctl.call(r#"{"op":"hang"}"#)["ok"], true);
    assert_eq!(chat(&mut *port, b"AT\r", "OK"), "", "hung");
    assert_eq!(ctl.call(r#"{"op":"resume"}"#)["ok"], true);
    assert_eq!(chat(&mut *port, b"AT\r", "OK\r\n"), "\r\nOK\r\n");
    assert_eq!(ctl.call(r#"{"op":"latency","ms":300}"#)["ok"], true);
    let _ = chat(&mut *port, b"AT+CMGS=23\r", "> ");
    let started = Instant::now();
    let answer = chat(&mut *port, &[HELLO.as_bytes(), b"\x1a"].concat(), "OK\r\n");
    assert!(answer.contains("+CMGS: 0"), "{answer:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let received = ctl.call(r#"{"op":"received"}"#);
    assert_eq!(received["received"][0]["text"], "hellohello");
    assert_eq!(ctl.call(r#"{"op":"nonsense"}"#)["ok"], false);
    assert_eq!(ctl.call("not json")["ok"], false);
    assert_eq!(ctl.call(r#"{"op":"close"}"#)["ok"], true);
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "unplugged at once"
    );
    assert_eq!(ctl.call(r#"{"op":"urc","line":"RDY"}"#)["ok"], false);
    let status = ctl.call(r#"{"op":"status"}"#);
    assert_eq!(status["open"], false);
    let reopened = ctl.call(r#"{"op":"reopen"}"#);
    assert_eq!(reopened["ok"], true, "{reopened}");
    let mut port = open(&link);
    let _ = read_until(&mut *port, "+CPIN: READY\r\n");
    assert_eq!(chat(&mut *port, b"AT\r", "OK\r\n"), "AT\r\r\nOK\r\n");
    // The same requests in-process.
    assert_eq!(sim.inject_urc("+CMTI: \"SM\",3").unwrap()["ok"], true);
    assert_eq!(read_until(&mut *port, "3\r\n"), "\r\n+CMTI: \"SM\",3\r\n");
    assert_eq!(
        sim.request(super::Request::Commands).unwrap()["commands"],
        4,
        "lines sent to the hung modem are not counted"
    );
    drop(sim);
    assert!(!socket.exists(), "the socket file is removed");
}

/// A rough throughput figure: `cargo test --release -- --ignored --nocapture throughput`.
#[test]
#[ignore]
fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let record = dir.path().join("m0.jsonl");
    let sim = spawn(SimOptions {
        link: link.clone(),
        record: Some(record),
        ..SimOptions::default()
    })
    .unwrap();
    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0\r", "OK\r\n");
    let pdu = [HELLO.as_bytes(), b"\x1a"].concat();
    let n = 20_000;
    let started = Instant::now();
    for _ in 0..n {
        let _ = chat(&mut *port, b"AT+CMGS=23\r", "> ");
        let _ = chat(&mut *port, &pdu, "OK\r\n");
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(sim.received_count(), n);
    println!("{n} SMS in {secs:.2} s: {:.0} SMS/s", n as f64 / secs);
}

nix::ioctl_read_bad!(tiocgexcl, libc::TIOCGEXCL, libc::c_int);

#[test]
fn exclusive_open_does_not_outlive_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("m0.tty");
    let _sim = spawn(SimOptions {
        link: link.clone(),
        ..SimOptions::default()
    })
    .unwrap();
    // Let the simulator's loop run a while first, so what clears the flag is its periodic
    // release, not the first turn of its loop.
    std::thread::sleep(Duration::from_millis(100));
    // serialport sets TIOCEXCL on open and clears it in Drop; a killed daemon never runs
    // Drop: its descriptor is simply closed.
    let port = serialport::new(link.to_string_lossy(), 115_200)
        .open_native()
        .unwrap();
    let fd = std::os::fd::IntoRawFd::into_raw_fd(port);
    // SAFETY: `fd` was just released by the port and is closed once.
    drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    let probe = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&link)
        .unwrap();
    wait("the exclusive flag to be cleared", || {
        let mut excl: libc::c_int = 1;
        // SAFETY: TIOCGEXCL writes one int through the pointer we pass.
        unsafe { tiocgexcl(std::os::fd::AsRawFd::as_raw_fd(&probe), &mut excl) }.unwrap();
        excl == 0
    });
}
