//! Issue 6: modem profiles. A simulated modem that claims a model gets that model's
//! profile at bring-up, and its quirks, timeouts and voice backend are used; a profile from
//! `profiles_dir` is matched the same way.

use super::harness::*;
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

/// The command lines a simulated modem received.
fn command_log(sim: &Sim) -> Vec<String> {
    let v = sim.control(json!({"op": "command_log"}));
    v["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("command_log: {v}"))
        .iter()
        .filter_map(|l| l.as_str().map(String::from))
        .collect()
}

fn position(log: &[String], line: &str) -> Option<usize> {
    log.iter().position(|l| l == line)
}

#[test]
fn a_modem_claiming_a_model_runs_with_its_profile() {
    let dir = tempdir();
    // Two Quectel EC25s whose URCs go to another USB port (the setting a previous user left
    // in their non-volatile memory): only AT+QURCCFG="urcport","usbat" brings the status
    // reports back to the port otpgate holds.
    let quectel = [
        "--vendor",
        "quectel",
        "--manufacturer",
        "Quectel",
        "--model",
        "EC25",
        "--urc-port",
        "usbmodem",
        "--report-delay-ms",
        "100",
    ];
    let ec25 = Sim::start(dir.path(), "ec25", &quectel);
    let forced = Sim::start(dir.path(), "forced", &quectel);
    // A model of our own, described by a profile in profiles_dir.
    let acme = Sim::start(
        dir.path(),
        "acme",
        &["--manufacturer", "ACME Wireless", "--model", "M1-X"],
    );
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).expect("profiles dir");
    std::fs::write(
        profiles.join("acme.toml"),
        "name = \"acme-m1\"\ndescription = \"ACME M1\"\n[match]\nmanufacturer = [\"acme\"]\n\
         model = [\"M1\"]\n[quirks]\ninit = [\"ATS0=0\", \"AT+ACMEX=1\"]\n[timeouts]\nsubmit_ms = 7000\n",
    )
    .expect("write profile");
    let d = Daemon::start_modems(
        dir.path(),
        &[
            // A pseudo-terminal is on no USB interface: say which one a real EC25's AT
            // port is (if02), as sysfs would.
            (
                &ec25,
                "routes = [\"+3361\"]\nvoice = \"auto\"\nusb_interface = 2",
            ),
            (
                &forced,
                "routes = [\"+3362\"]\nprofile = \"generic\"\nusb_interface = 2",
            ),
            (&acme, "routes = [\"+3363\"]\nvoice = \"auto\""),
        ],
        &format!("profiles_dir = \"{}\"", profiles.display()),
    );
    let ready = |id: &str| d.wait_modem(id, "ready", |m| m["state"] == "ready");
    let (m0, m1, m2) = (ready("m0"), ready("m1"), ready("m2"));

    // Chosen by +CGMI/+CGMM; the [[modem]]'s own command_timeout_ms (2000, from the
    // harness) wins over the profile, the profile's submit timeout over the default.
    assert_eq!(m0["profile"], "quectel-ec2x", "{m0}");
    assert_eq!(
        m0["timeouts"],
        json!({"command_ms": 2000, "submit_ms": 120000, "registration_s": 5}),
        "{m0}"
    );
    // voice = "auto": the profile's backend.
    assert_eq!(m0["voice"], "modem-file", "{m0}");
    assert_eq!(m1["profile"], "generic", "{m1}");
    assert_eq!(m1["timeouts"]["submit_ms"], 60000, "{m1}");
    assert_eq!(m2["profile"], "acme-m1", "{m2}");
    assert_eq!(m2["timeouts"]["submit_ms"], 7000, "{m2}");
    assert_eq!(m2["voice"], "none", "{m2}");

    // The setting was read once the modem said what it is, and written because it was
    // wrong, before the SIM was looked at.
    const READ: &str = "AT+QURCCFG=\"urcport\"";
    const SET: &str = "AT+QURCCFG=\"urcport\",\"usbat\"";
    let log = command_log(&ec25);
    let read = position(&log, READ).expect("QURCCFG read");
    let set = position(&log, SET).expect("QURCCFG set");
    let cgmm = position(&log, "AT+CGMM").expect("CGMM");
    let cpin = position(&log, "AT+CPIN?").expect("CPIN");
    assert!(cgmm < read && read < set && set < cpin, "{log:?}");
    assert_eq!(
        position(&command_log(&forced), "AT+QURCCFG=\"urcport\",\"usbat\""),
        None
    );
    // An init command the modem refuses is skipped; bring-up went on (m2 is ready).
    let log = command_log(&acme);
    assert!(
        position(&log, "ATS0=0").is_some() && position(&log, "AT+ACMEX=1").is_some(),
        "{log:?}"
    );

    // And it matters: the EC25 set right gets its status report...
    let id = d.send("+33612345678", "profile test", json!({}));
    d.wait_state(&id, "delivered", LONG);
    // ...the one held to the generic profile does not: its report went to the other port.
    let id = d.send("+33622345678", "profile test", json!({}));
    d.wait_state(&id, "sent", LONG);
    wait_for("the report to leave the network", LONG, || {
        (forced.control(json!({"op": "status"}))["reports_pending"] == 0).then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    let (_, v): (u16, Value) = d.get(&format!("/v1/messages/{id}"));
    assert_eq!(v["state"], "sent", "no report can have arrived: {v}");
    let id = d.send("+33632345678", "profile test", json!({}));
    d.wait_state(&id, "sent", LONG);

    // The setting lives in the modem's flash: after a restart it is read again, and not
    // written again.
    let before = d.wait_modem("m0", "ready", |m| m["state"] == "ready")["since_ms"].clone();
    ec25.control(json!({"op": "reboot"}));
    d.wait_modem("m0", "ready again", |m| {
        m["state"] == "ready" && m["since_ms"] != before
    });
    let log = command_log(&ec25);
    let count = |line: &str| log.iter().filter(|l| *l == line).count();
    assert_eq!((count(READ), count(SET)), (2, 1), "{log:?}");
}

/// `otpgate serve` on `config` fails at start; answers what it said.
fn refused(config: &std::path::Path) -> String {
    let out = std::process::Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unknown_profile_or_a_bad_profile_file_is_a_config_error() {
    let dir = tempdir();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let config = write(
        "unknown.toml",
        "[[modem]]\nid = \"a\"\ndevice = \"/dev/null\"\nprofile = \"quectel-ec99\"\n",
    );
    let err = refused(&config);
    assert!(
        err.contains("quectel-ec99") && err.contains("quectel-ec2x"),
        "{err}"
    );

    std::fs::create_dir_all(dir.path().join("p")).expect("dir");
    write("p/bad.toml", "name = \"x\"\ndescription = \"no match\"\n");
    let config = write(
        "bad.toml",
        &format!(
            "profiles_dir = \"{}\"\n[[modem]]\nid = \"a\"\ndevice = \"/dev/null\"\n",
            dir.path().join("p").display()
        ),
    );
    let err = refused(&config);
    assert!(
        err.contains("bad.toml") && err.contains("manufacturer"),
        "{err}"
    );
}
