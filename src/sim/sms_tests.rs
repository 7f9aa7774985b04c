//! Status reports (TS 27.005 §3.4.1 <ds>, TS 23.040 §9.2.2.3) and inbound SMS (<mt>,
//! +CMGR, +CMGL, +CMGD, +CPMS) as byte tables over time.

use super::config::Config;
use super::machine::{Machine, Step};
use super::pdu_out::{self, Inbound};
use super::rules::{PreloadSms, ReportRule};
use super::test_util::{run, urc, Act::*};
use super::vendor::Vendor;
use std::time::{Duration, Instant};

/// Part 2 of 2 to 0612345678, TP-SRR set; 25 TPDU octets; then Ctrl-Z.
const SRR_PART: &[u8] = b"0061000A81602143658700000E050003CC0202C26E32887E7F03\x1a";
/// To +46708251358, no TP-SRR; then Ctrl-Z.
const HELLO: &[u8] = b"0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a";

fn cfg() -> Config {
    let mut cfg = Config::default();
    cfg.reports.delay = Duration::from_secs(2);
    cfg
}

/// The status report for SRR_PART with this TP-MR and TP-ST, discharged `secs` after 10:00.
fn report(mr: u8, secs: u8, st: u8) -> String {
    format!(
        "07913306091093F006{mr:02X}0A816021436587421020010000004210200100{:02X}00{st:02X}",
        (secs % 10) << 4 | (secs / 10)
    )
}

fn set_registered(on: bool) -> impl Fn(&mut Machine, Instant, &mut Step) {
    move |m, now, step| m.with_device(now, step, |d, _, ev| d.set_registered(now, on, ev))
}

#[test]
fn reports_route_per_cnmi_ds() {
    let cds = urc(&format!("+CDS: 24\r\n{}", report(0, 2, 0)));
    run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CNMI=2,1,0,1,0\r"),
                "ATE0;+CNMI=2,1,0,1,0\r\r\nOK\r\n",
            ),
            (0, Feed(b"AT+CMGS=25\r"), "\r\n> "),
            (0, Feed(SRR_PART), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            // No TP-SRR: no report.
            (10, Feed(b"AT+CMGS=23\r"), "\r\n> "),
            (10, Feed(HELLO), "\r\n+CMGS: 1\r\n\r\nOK\r\n"),
            (1999, Tick, ""),
            (2000, Tick, &cds),
            (9000, Tick, ""),
        ],
    );
    // <ds> 0 and <mode> 0 route nothing.
    for cnmi in ["2,1,0,0,0", "0,1,0,1,0"] {
        let set = format!("ATE0;+CNMI={cnmi}\r");
        let (m, _) = run(
            cfg(),
            &[
                (0, Feed(set.as_bytes()), &format!("{set}\r\nOK\r\n")),
                (0, Feed(b"AT+CMGS=25\r"), "\r\n> "),
                (0, Feed(SRR_PART), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
                (5000, Tick, ""),
            ],
        );
        assert_eq!(m.device().store.to_json().as_array().map(Vec::len), Some(0));
    }
}

#[test]
fn stored_reports_go_to_sr_where_the_vendor_has_it() {
    let cmgr = |stat: u8| format!("\r\n+CMGR: {stat},,24\r\n{}\r\n\r\nOK\r\n", report(0, 2, 0));
    let (unread, read) = (cmgr(0), cmgr(1));
    let start = || {
        [
            (
                0,
                Feed(b"ATE0;+CMEE=1;+CNMI=2,1,0,2,0\r"),
                "ATE0;+CMEE=1;+CNMI=2,1,0,2,0\r\r\nOK\r\n",
            ),
            (0, Feed(b"AT+CMGS=25\r"), "\r\n> "),
            (0, Feed(SRR_PART), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
        ]
    };
    let quectel = Config {
        vendor: Vendor::Quectel,
        ..cfg()
    };
    let mut rows = Vec::from(start());
    rows.extend([
        (2000, Tick, "\r\n+CDSI: \"SR\",0\r\n"),
        (2000, Feed(b"AT+CMGR=0\r"), "\r\n+CMS ERROR: 321\r\n"),
        (
            2000,
            Feed(b"AT+CPMS=\"SR\",\"SM\",\"SM\"\r"),
            "\r\n+CPMS: 1,30,0,30,0,30\r\n\r\nOK\r\n",
        ),
        (
            2000,
            Feed(b"AT+CPMS?\r"),
            "\r\n+CPMS: \"SR\",1,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n",
        ),
        (2000, Feed(b"AT+CMGR=0\r"), &unread),
        (2000, Feed(b"AT+CMGR=0\r"), &read),
        (2000, Feed(b"AT+CMGD=0\r"), "\r\nOK\r\n"),
        (2000, Feed(b"AT+CMGR=0\r"), "\r\n+CMS ERROR: 321\r\n"),
    ]);
    run(quectel, &rows);

    let mut rows = Vec::from(start());
    rows.extend([
        (2000, Tick, "\r\n+CDSI: \"SM\",1\r\n"),
        (2000, Feed(b"AT+CPMS=\"SR\"\r"), "\r\n+CMS ERROR: 302\r\n"),
        (2000, Feed(b"AT+CMGR=1\r"), &unread),
    ]);
    run(cfg(), &rows);
}

#[test]
fn a_number_can_get_a_temporary_report_then_the_final_one() {
    let mut cfg = cfg();
    cfg.reports.per_number = vec![ReportRule {
        number: "0612345678".into(),
        statuses: vec![0x20, 0x00],
    }];
    let first = urc(&format!("+CDS: 24\r\n{}", report(0, 2, 0x20)));
    let second = urc(&format!("+CDS: 24\r\n{}", report(0, 4, 0)));
    run(
        cfg,
        &[
            (
                0,
                Feed(b"ATE0;+CNMI=2,1,0,1,0\r"),
                "ATE0;+CNMI=2,1,0,1,0\r\r\nOK\r\n",
            ),
            (0, Feed(b"AT+CMGS=25\r"), "\r\n> "),
            (0, Feed(SRR_PART), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            (2000, Tick, &first),
            (4000, Tick, &second),
        ],
    );
}

#[test]
fn reports_wait_while_the_network_is_lost() {
    let cds = urc(&format!("+CDS: 24\r\n{}", report(0, 3, 0)));
    run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CNMI=2,1,0,1,0;+CREG=1\r"),
                "ATE0;+CNMI=2,1,0,1,0;+CREG=1\r\r\nOK\r\n",
            ),
            (0, Feed(b"AT+CMGS=25\r"), "\r\n> "),
            (0, Feed(SRR_PART), "\r\n+CMGS: 0\r\n\r\nOK\r\n"),
            (1000, Do(&set_registered(false)), "\r\n+CREG: 2\r\n"),
            (2000, Tick, ""),
            (2500, Feed(b"AT+CMEE=1;+CMGS=25\r"), "\r\n> "),
            (2500, Feed(SRR_PART), "\r\n+CMS ERROR: 331\r\n"),
            (3000, Do(&set_registered(true)), "\r\n+CREG: 1\r\n"),
            (3000, Tick, &cds),
        ],
    );
}

/// The SMS-DELIVER PDUs the simulator makes for this message at 10:00:00.
fn delivered(from: &str, text: &str, reference: u8) -> Vec<(usize, String)> {
    let wall = Config::default().clock.wall;
    let parts = pdu_out::deliver(&Inbound {
        smsc: "+33609001390",
        from,
        text,
        coding: None,
        parts: None,
        reference,
        scts: wall,
    })
    .unwrap();
    parts
        .iter()
        .map(|p| (p.pdu.tpdu_len, p.pdu.hex()))
        .collect()
}

fn one(from: &str, text: &str) -> (usize, String) {
    let mut parts = delivered(from, text, 1);
    assert_eq!(parts.len(), 1);
    parts.remove(0)
}

fn deliver<'a>(from: &'a str, text: &'a str) -> impl Fn(&mut Machine, Instant, &mut Step) + 'a {
    move |m, now, step| {
        let n = m.with_device(now, step, |d, cfg, _| {
            d.deliver(cfg, now, from, text, None, None)
        });
        assert!(n.is_ok(), "{n:?}");
        m.tick(now, step);
    }
}

#[test]
fn inbound_sms_is_stored_read_listed_and_deleted() {
    let (len, pdu) = one("+33612345678", "Hello");
    let listed = format!("\r\n+CMGL: 1,0,,{len}\r\n{pdu}\r\n\r\nOK\r\n");
    let read = format!("\r\n+CMGR: 1,,{len}\r\n{pdu}\r\n\r\nOK\r\n");
    let hello = deliver("+33612345678", "Hello");
    let (m, _) = run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CMEE=1;+CNMI=2,1,0,0,0\r"),
                "ATE0;+CMEE=1;+CNMI=2,1,0,0,0\r\r\nOK\r\n",
            ),
            (0, Do(&hello), "\r\n+CMTI: \"SM\",1\r\n"),
            (
                0,
                Feed(b"AT+CPMS?\r"),
                "\r\n+CPMS: \"SM\",1,30,\"SM\",1,30,\"SM\",1,30\r\n\r\nOK\r\n",
            ),
            (0, Feed(b"AT+CMGL=0\r"), &listed),
            (0, Feed(b"AT+CMGL=0\r"), "\r\nOK\r\n"),
            (0, Feed(b"AT+CMGR=1\r"), &read),
            (0, Feed(b"AT+CMGR=31\r"), "\r\n+CMS ERROR: 321\r\n"),
            (0, Feed(b"AT+CMGL=\"ALL\"\r"), "\r\n+CMS ERROR: 304\r\n"),
            (0, Feed(b"AT+CMGF=1;+CMGR=1\r"), "\r\n+CMS ERROR: 302\r\n"),
            (0, Feed(b"AT+CMGF=0;+CMGD=1\r"), "\r\nOK\r\n"),
            (0, Feed(b"AT+CMGR=1\r"), "\r\n+CMS ERROR: 321\r\n"),
            (0, Feed(b"AT+CMGD=99\r"), "\r\n+CMS ERROR: 321\r\n"),
        ],
    );
    assert_eq!(m.device().store.to_json(), serde_json::json!([]));
}

#[test]
fn cnmi_mt_routes_inbound_sms() {
    let (len, pdu) = one("+33612345678", "Hello");
    let cmt = format!("\r\n+CMT: ,{len}\r\n{pdu}\r\n");
    let hello = deliver("+33612345678", "Hello");
    let (m, _) = run(
        cfg(),
        &[
            (
                0,
                Feed(b"ATE0;+CNMI=2,2,0,0,0\r"),
                "ATE0;+CNMI=2,2,0,0,0\r\r\nOK\r\n",
            ),
            (0, Do(&hello), &cmt),
            (0, Feed(b"AT+CNMI=2,0\r"), "\r\nOK\r\n"),
            (0, Do(&hello), ""),
            (0, Feed(b"AT+CNMI?\r"), "\r\n+CNMI: 2,0,0,0,0\r\n\r\nOK\r\n"),
            (0, Feed(b"AT+CNMI=2,4\r"), "\r\nERROR\r\n"),
        ],
    );
    let stored = m.device().store.to_json();
    assert_eq!(
        stored.as_array().map(Vec::len),
        Some(1),
        "+CMT is not stored: {stored}"
    );
    assert_eq!(stored[0]["from"], "+33612345678");
    assert_eq!(stored[0]["text"], "Hello");
}

#[test]
fn long_sms_arrives_in_parts_and_a_full_sim_holds_messages_back() {
    let text = "x".repeat(200);
    let parts = delivered("+331", &text, 1);
    assert_eq!(parts.len(), 2);
    let long = deliver("+331", &text);
    let short = deliver("+332", "later");
    let cfg = Config {
        sm_capacity: 2,
        vendor: Vendor::Quectel,
        ..cfg()
    };
    let (m, _) = run(
        cfg,
        &[
            (0, Feed(b"ATE0;+CNMI=2,1\r"), "ATE0;+CNMI=2,1\r\r\nOK\r\n"),
            (
                0,
                Do(&long),
                "\r\n+CMTI: \"SM\",0\r\n\r\n+CMTI: \"SM\",1\r\n",
            ),
            (0, Do(&short), ""),
            (0, Feed(b"AT+CMGD=0\r"), "\r\nOK\r\n"),
            (0, Tick, "\r\n+CMTI: \"SM\",0\r\n"),
            (0, Feed(b"AT+CMGD=0,4\r"), "\r\nOK\r\n"),
        ],
    );
    assert_eq!(m.device().store.to_json(), serde_json::json!([]));
}

#[test]
fn a_preloaded_sim_lists_its_messages_at_power_up() {
    let (len, pdu) = one("+331", "waiting");
    let listed = format!("\r\n+CMGL: 1,0,,{len}\r\n{pdu}\r\n\r\nOK\r\n");
    let cfg = Config {
        preload: vec![PreloadSms {
            from: "+331".into(),
            text: "waiting".into(),
        }],
        ..cfg()
    };
    let (m, _) = run(
        cfg,
        &[(0, Feed(b"AT+CMGL=4\r"), &format!("AT+CMGL=4\r{listed}"))],
    );
    let stored = m.device().store.to_json();
    assert_eq!(stored[0]["stat"], "REC READ");
    assert_eq!(stored[0]["kind"], "deliver");
}
