//! `otpgate check-config`: a valid file with a real device (a simulated modem's
//! pseudo-terminal) passes; syntax and semantic problems come back with their lines, all of
//! them, and exit 1.

use super::harness::{self, Sim, BIN};
use std::path::Path;
use std::process::Command;

/// Writes `text` as `dir/otpgate.toml` and runs check-config on it: (exit code, stdout,
/// stderr).
fn check(dir: &Path, text: &str) -> (i32, String, String) {
    let config = dir.join("otpgate.toml");
    std::fs::write(&config, text).expect("write config");
    let out = Command::new(BIN)
        .args(["check-config", "--config"])
        .arg(&config)
        .output()
        .expect("run otpgate check-config");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `PATH:LINE:` prefix of every problem line of `stderr` (warnings left out), in order.
fn error_lines(dir: &Path, stderr: &str) -> Vec<usize> {
    let prefix = format!("{}:", dir.join("otpgate.toml").display());
    stderr
        .lines()
        .filter(|l| !l.contains(": warning: "))
        .filter_map(|l| l.strip_prefix(&prefix)?.split(':').next()?.parse().ok())
        .collect()
}

#[test]
fn a_valid_file_with_a_real_device_passes_with_a_summary() {
    let dir = harness::tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    // No `listen`: this machine only. A simulated modem's device need not exist.
    let text = format!(
        "data_dir = \"{}\"\n\n[[modem]]\nid = \"usb0\"\ndevice = \"{}\"\npin = \"1234\"\n\n\
         [[modem]]\nid = \"sim\"\ndevice = \"{}\"\nsimulated = true\n",
        dir.path().join("data").display(),
        sim.link.display(),
        dir.path().join("not-yet.tty").display()
    );
    let (code, out, err) = check(dir.path(), &text);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.is_empty(), "{err}");
    assert!(out.contains(": OK"), "{out}");
    assert!(
        out.contains("listen    127.0.0.1:8080 (plain HTTP, this machine only)"),
        "{out}"
    );
    // The link resolved to the pseudo-terminal behind it.
    let real = std::fs::canonicalize(&sim.link).expect("the link resolves");
    assert!(real.starts_with("/dev/pts"), "{real:?}");
    assert!(
        out.contains(&format!(
            "modem usb0  {} -> {}",
            sim.link.display(),
            real.display()
        )),
        "{out}"
    );
    assert!(out.contains("(simulated)"), "{out}");

    // Listening on every address without TLS is allowed, with a warning on its line.
    let (code, out, err) = check(
        dir.path(),
        &format!("# exposed\nlisten = \"0.0.0.0:8080\"\n{text}"),
    );
    assert_eq!(code, 0, "{out}{err}");
    let config = dir.path().join("otpgate.toml");
    assert!(
        err.contains(&format!("{}:2:1: warning: ", config.display())) && err.contains("TLS"),
        "{err}"
    );
    assert!(out.contains("reachable from the network"), "{out}");
}

#[test]
fn a_syntax_error_reports_its_line_and_column() {
    let dir = harness::tempdir();
    let (code, out, err) = check(
        dir.path(),
        "data_dir = \"/tmp\"\n[[modem]]\nid = \"a\"\ndevice = \"/dev/null\"\nbaud = 115200x\n",
    );
    assert_eq!(code, 1, "{out}{err}");
    let config = dir.path().join("otpgate.toml");
    assert!(
        // Column 14: the `x` after the number.
        err.starts_with(&format!("{}:5:14: ", config.display())),
        "{err}"
    );
    assert_eq!(error_lines(dir.path(), &err), [5], "{err}");
    assert!(out.is_empty(), "{out}");
}

/// A PIN written as a number is a type error at its line; the message never quotes it.
#[test]
fn a_type_error_names_the_line_but_not_the_value() {
    let dir = harness::tempdir();
    let (code, out, err) = check(
        dir.path(),
        "data_dir = \"/tmp\"\n[[modem]]\nid = \"a\"\ndevice = \"/dev/null\"\npin = 918273\n",
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(error_lines(dir.path(), &err), [5], "{err}");
    assert!(
        err.contains("invalid type: integer, expected a string"),
        "{err}"
    );
    assert!(
        !err.contains("918273") && !out.contains("918273"),
        "{out}{err}"
    );
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let dir = harness::tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let missing = dir.path().join("ttyUSB9");
    let text = format!(
        "data_dir = \"{data}\"\n\
         \n\
         [[modem]]\n\
         id = \"a\"\n\
         device = \"{ok}\"\n\
         pin = \"12\"\n\
         \n\
         [[modem]]\n\
         id = \"b\"\n\
         device = \"{missing}\"\n\
         \n\
         [[modem]]\n\
         id = \"a\"\n\
         device = \"{ok}\"\n",
        data = dir.path().join("data").display(),
        ok = sim.link.display(),
        missing = missing.display(),
    );
    let (code, out, err) = check(dir.path(), &text);
    assert_eq!(code, 1, "{out}{err}");
    // The bad pin (line 6), the missing device (line 10), the duplicate id (line 13).
    assert_eq!(error_lines(dir.path(), &err), [6, 10, 13], "{err}");
    let config = dir.path().join("otpgate.toml").display().to_string();
    for needle in [
        format!("{config}:6:1: modem a: pin must be 4 to 8 digits"),
        format!(
            "{config}:10:1: modem b: device {}: does not exist",
            missing.display()
        ),
        format!("{config}:13:1: modem id \"a\" appears twice"),
        format!("{config}: 3 problems"),
    ] {
        assert!(err.contains(&needle), "{needle:?} not in:\n{err}");
    }
    assert!(out.is_empty(), "no summary for an invalid file: {out}");

    // `otpgate serve` names the same lines (the devices are its modems' business).
    let serve = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(dir.path().join("otpgate.toml"))
        .output()
        .expect("run otpgate serve");
    assert!(!serve.status.success());
    let err = String::from_utf8_lossy(&serve.stderr);
    assert!(
        err.contains(&format!("{config}:6:1: modem a: pin")),
        "{err}"
    );
    assert!(err.contains(&format!("{config}:13:1: modem id")), "{err}");
}
