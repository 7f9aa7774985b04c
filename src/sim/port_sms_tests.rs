//! Status reports, inbound SMS and faults through a real pty (the `serialport` crate) and
//! the control socket, as the daemon's tests will drive them.

use super::port_util::{chat, open, read_line_after, read_until, start};
use super::{PreloadSms, SimOptions, Vendor};
use serde_json::json;
use std::io::Write;
use std::time::Duration;

/// To 0612345678, TP-SRR set, 25 TPDU octets, then Ctrl-Z.
const SRR_PART: &[u8] = b"0061000A81602143658700000E050003CC0202C26E32887E7F03\x1a";
const HELLO: &[u8] = b"0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a";

#[test]
fn inbound_sms_and_status_reports_through_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, mut ctl, link) = start(
        dir.path(),
        SimOptions {
            vendor: Vendor::Quectel,
            report_delay_ms: 100,
            preload_sms: vec![PreloadSms {
                from: "+33611111111".into(),
                text: "before".into(),
            }],
            ..SimOptions::default()
        },
    );
    // Before anyone opens the port: stored silently (+CNMI is off at power-up).
    let long = "x".repeat(200);
    let delivered =
        ctl.call(&json!({"op": "deliver", "from": "+33612345678", "text": long}).to_string());
    assert_eq!(delivered, json!({"ok": true, "parts": 2}));
    let storage = ctl.call(r#"{"op":"storage"}"#);
    let indexes: Vec<_> = storage["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["index"].clone())
        .collect();
    assert_eq!(indexes, [0, 1, 2], "{storage}");
    assert_eq!(
        storage["storage"][2]["concat"],
        json!({"ref": 1, "total": 2, "seq": 2})
    );

    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0;+CMEE=1;+CNMI=2,1,0,1,0\r", "OK\r\n");
    let listed = chat(&mut *port, b"AT+CMGL=4\r", "OK\r\n");
    for i in 0..3 {
        assert!(listed.contains(&format!("+CMGL: {i},0,,")), "{listed}");
    }
    assert_eq!(chat(&mut *port, b"AT+CMGD=0,4\r", "OK\r\n"), "\r\nOK\r\n");
    assert_eq!(ctl.call(r#"{"op":"storage"}"#)["storage"], json!([]));

    // While connected: +CMTI, then read it.
    let ucs2 = json!({"op": "deliver", "from": "Bank", "text": "Ваш код 4821", "encoding": "ucs2"});
    assert_eq!(ctl.call(&ucs2.to_string())["ok"], true);
    assert_eq!(
        read_until(&mut *port, "\",0\r\n"),
        "\r\n+CMTI: \"SM\",0\r\n"
    );
    let read = chat(&mut *port, b"AT+CMGR=0\r", "OK\r\n");
    assert!(read.starts_with("\r\n+CMGR: 0,,"), "{read}");
    assert!(read.contains("0008"), "UCS-2 TP-DCS: {read}");

    // A status report for each +CMGS that asked, with the TP-ST set at runtime.
    let _ = chat(&mut *port, b"AT+CMGS=25\r", "> ");
    assert_eq!(
        chat(&mut *port, SRR_PART, "OK\r\n"),
        "\r\n+CMGS: 0\r\n\r\nOK\r\n"
    );
    let cds = read_line_after(&mut *port, "+CDS: 24\r\n");
    assert!(
        cds.starts_with("+CDS: 24\r\n07913306091093F006000A816021436587"),
        "{cds}"
    );
    assert!(cds.ends_with("00"), "delivered: {cds}");
    assert_eq!(
        ctl.call(r#"{"op":"report_status","status":"0x41"}"#)["ok"],
        true
    );
    let bad = ctl.call(r#"{"op":"report_status","status":"0x20,0x00"}"#);
    assert_eq!(bad["ok"], false, "a sequence needs a number");
    let _ = chat(&mut *port, b"AT+CMGS=25\r", "> ");
    let _ = chat(&mut *port, SRR_PART, "OK\r\n");
    let cds = read_line_after(&mut *port, "+CDS: 24\r\n");
    assert!(cds.ends_with("41"), "incompatible destination: {cds}");
}

#[test]
fn reboots_and_lost_network_and_sim_through_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, mut ctl, link) = start(
        dir.path(),
        SimOptions {
            vendor: Vendor::Simcom,
            latency_ms: 500,
            boot_ms: 100,
            ..SimOptions::default()
        },
    );
    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0\r", "OK\r\n");
    let _ = chat(&mut *port, b"AT+CMGS=23\r", "> ");
    port.write_all(HELLO).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(ctl.call(r#"{"op":"reboot","sent":false}"#)["ok"], true);
    let boot = read_until(&mut *port, "SMS Ready\r\n");
    assert_eq!(
        boot, "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n",
        "no +CMGS answer, the boot lines instead"
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(sim.received_count(), 0, "sent: false");
    assert_eq!(
        chat(&mut *port, b"AT\r", "OK\r\n"),
        "AT\r\r\nOK\r\n",
        "echo is back on"
    );

    let _ = chat(&mut *port, b"ATE0;+CMEE=1;+CREG=1\r", "OK\r\n");
    assert_eq!(
        ctl.call(r#"{"op":"network","registered":false}"#)["ok"],
        true
    );
    assert_eq!(read_until(&mut *port, "+CREG: 2\r\n"), "\r\n+CREG: 2\r\n");
    assert_eq!(
        chat(&mut *port, b"ATD123;\r", "CARRIER\r\n"),
        "\r\nNO CARRIER\r\n"
    );
    assert_eq!(
        ctl.call(r#"{"op":"network","registered":true}"#)["ok"],
        true
    );
    assert_eq!(read_until(&mut *port, "+CREG: 1\r\n"), "\r\n+CREG: 1\r\n");
    assert_eq!(ctl.call(r#"{"op":"sim_removed"}"#)["ok"], true);
    let lines = read_until(&mut *port, "+CREG: 0\r\n");
    assert_eq!(lines, "\r\n+CPIN: NOT INSERTED\r\n\r\n+CREG: 0\r\n");
    assert_eq!(
        chat(&mut *port, b"AT+CPIN?\r", "10\r\n"),
        "\r\n+CME ERROR: 10\r\n"
    );
    let status = ctl.call(r#"{"op":"status"}"#);
    assert_eq!(
        (&status["vendor"], &status["sim_present"]),
        (&json!("simcom"), &json!(false))
    );
}
