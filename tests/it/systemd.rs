//! Issue 6 acceptance, the systemd part: the daemon speaks `sd_notify` (READY, watchdog pings,
//! STOPPING) to a socket the test binds as systemd would; the unit passes `systemd-analyze`;
//! SIGTERM in the middle of a burst of sends exits 0 in time and loses nothing; SIGINT too, and
//! a client that never finishes its request cannot hold the shutdown.

use super::harness::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(60);

fn unit_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/otpgate.service")
}

/// The unit's `TimeoutStopSec=`: how long systemd waits after SIGTERM before SIGKILL. The
/// stop tests hold the daemon to it (it covers SHUTDOWN_GRACE, 10 s, plus the flush and the
/// exit, with room for a slow box).
fn timeout_stop() -> Duration {
    let unit = std::fs::read_to_string(unit_path()).expect("read the unit");
    let value = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .expect("the unit sets TimeoutStopSec=");
    let secs: u64 = value
        .trim()
        .strip_suffix('s')
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("TimeoutStopSec={value}: expected seconds, e.g. 20s"));
    assert!(
        secs > 10,
        "TimeoutStopSec must leave room for SHUTDOWN_GRACE (10 s)"
    );
    Duration::from_secs(secs)
}

fn signal(d: &Daemon, sig: libc::c_int) {
    let pid = d.pid().expect("the daemon runs") as libc::pid_t;
    // SAFETY: kill(2) on our own child's pid; plain integers.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig})");
}

/// Stops the daemon with `sig`; asserts it exits 0 within the unit's stop timeout. Answers
/// how long it took.
fn stop_with(d: &mut Daemon, sig: libc::c_int) -> Duration {
    let start = Instant::now();
    signal(d, sig);
    let bound = timeout_stop();
    let status = d.wait_exit(bound).unwrap_or_else(|| {
        panic!(
            "still running {bound:?} after signal {sig}; log:\n{}",
            d.all_logs()
        )
    });
    assert!(
        status.success(),
        "signal {sig}: exit {status}; log:\n{}",
        d.all_logs()
    );
    start.elapsed()
}

/// Notifications received on `socket` until one of them has the line `line`; all of them.
fn until_line(socket: &UnixDatagram, line: &str, got: &mut Vec<String>) {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while !got.iter().any(|m| m.lines().any(|l| l == line)) {
        let n = socket
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("waiting for {line:?} (got {got:?}): {e}"));
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        assert!(start.elapsed() < LONG, "no {line:?} in {got:?}");
    }
}

#[test]
fn plays_systemd_ready_then_watchdog_pings_then_stopping() {
    let dir = tempdir();
    let sock_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&sock_path).expect("bind the notify socket");
    socket.set_read_timeout(Some(LONG)).expect("read timeout");
    let sim = Sim::start(dir.path(), "m0", &[]);
    let sock = sock_path.to_str().expect("utf-8 path");
    let mut d = Daemon::start_modems_env(
        dir.path(),
        &[(&sim, "")],
        "",
        &[("NOTIFY_SOCKET", sock), ("WATCHDOG_USEC", "500000")],
    );

    let mut got = Vec::new();
    until_line(&socket, "READY=1", &mut got);
    // Nothing claims to be watched before the daemon said it is ready.
    assert_eq!(got.len(), 1, "READY=1 comes first: {got:?}");
    assert!(
        got[0]
            .lines()
            .any(|l| l.starts_with("STATUS=serving on http://127.0.0.1:")),
        "{got:?}"
    );
    // READY=1 means the API answers.
    let (status, v) = d.get("/healthz");
    assert_eq!(status, 200, "{v}");

    // Pings at half of WATCHDOG_USEC, each after a healthy database flush.
    let mut pings = Vec::new();
    let mut buf = [0u8; 4096];
    while pings.len() < 2 {
        let n = socket.recv(&mut buf).expect("a watchdog ping");
        let m = String::from_utf8_lossy(&buf[..n]).into_owned();
        if m == "WATCHDOG=1" {
            pings.push(Instant::now());
        }
        got.push(m);
    }
    // The STATUS= line follows the modems (refreshed when it changes).
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");

    let took = stop_with(&mut d, libc::SIGTERM);
    let mut after = Vec::new();
    let socket_rest = {
        // Everything the daemon sent is already queued on our socket.
        socket.set_nonblocking(true).expect("nonblocking");
        while let Ok(n) = socket.recv(&mut buf) {
            after.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        after
    };
    assert!(
        socket_rest
            .iter()
            .any(|m| m.lines().next() == Some("STOPPING=1")),
        "STOPPING=1 at SIGTERM: {socket_rest:?}"
    );
    println!("stopped in {took:?}; notifications: {got:?} then {socket_rest:?}");
}

/// `systemd-analyze` on a copy of the unit that runs the binary under test. Skipped (with a
/// note) where systemd-analyze is not installed; .ci/run installs it.
#[test]
fn the_unit_passes_systemd_analyze_verify_and_security() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let unit = std::fs::read_to_string(unit_path()).expect("read the unit");
    for line in ["Type=notify", "NotifyAccess=main", "Restart=on-failure"] {
        assert!(unit.lines().any(|l| l == line), "the unit has {line}");
    }
    assert!(unit.lines().any(|l| l.starts_with("WatchdogSec=")));
    let exec = "ExecStart=/usr/bin/otpgate ";
    assert!(unit.contains(exec), "the unit runs /usr/bin/otpgate");
    let dir = tempdir();
    let copy = dir.path().join("otpgate.service");
    std::fs::write(&copy, unit.replace(exec, &format!("ExecStart={BIN} "))).expect("copy");

    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("run systemd-analyze verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "verify failed:\n{text}");
    let about_us: Vec<&str> = text.lines().filter(|l| l.contains("otpgate")).collect();
    assert!(about_us.is_empty(), "verify warns about the unit:\n{text}");

    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(&copy)
        .output()
        .expect("run systemd-analyze security");
    let text = String::from_utf8_lossy(&out.stdout);
    let verdict = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for otpgate.service:")
                .nth(1)
        })
        .unwrap_or_else(|| panic!("no overall exposure level in:\n{text}"))
        .trim()
        .to_string();
    let mut words = verdict.split_whitespace();
    let score: f64 = words.next().and_then(|s| s.parse().ok()).expect("a score");
    let rating = words.next().unwrap_or_default();
    println!("systemd-analyze security --offline=yes: {score} {rating}");
    assert!(
        matches!(rating, "OK" | "SAFE") && score < 2.0,
        "rated {verdict}; expected OK or better"
    );
}

#[test]
fn sigterm_during_a_burst_exits_0_in_time_and_a_restart_sends_the_rest() {
    let dir = tempdir();
    // 300 ms of network per +CMGS: the 30 messages take 9 s or more, so the signal lands
    // with sends in flight and most still queued.
    let sim = Sim::start(dir.path(), "m0", &["--latency-ms", "300"]);
    let mut d = Daemon::start(dir.path(), &[&sim], "");
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    let mut ids = BTreeMap::new();
    for i in 0..30 {
        let text = format!("burst message {i:02}");
        ids.insert(d.send(&format!("+336120000{i:02}"), &text, json!({})), text);
    }
    sim.wait_received(3, LONG);
    let took = stop_with(&mut d, libc::SIGTERM);
    let before = sim.received().len();
    assert!(before < 30, "the signal came mid-burst ({before} sent)");
    let log = d.all_logs();
    assert!(
        !log.contains("did not stop within"),
        "the workers stopped in their grace:\n{log}"
    );
    println!("SIGTERM with {before}/30 sent: exit 0 after {took:?}");

    d.restart();
    let got = sim.wait_received(30, LONG);
    let mut copies: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got {
        *copies.entry(r.text.as_str()).or_default() += 1;
    }
    for (id, text) in &ids {
        let v = d.wait_state(id, "sent", LONG);
        let n = copies.get(text.as_str()).copied().unwrap_or(0);
        assert!(n >= 1, "{text} was lost");
        if n > 1 {
            assert_eq!(v["maybe_duplicate"], true, "{text} sent {n} times: {v}");
        }
        // A graceful stop finishes the +CMGS in flight: nothing is left in `sending` for
        // the restart to send again.
        assert_eq!(v["maybe_duplicate"], false, "{text}: {v}");
    }
    assert_eq!(got.len(), 30, "each message once: {copies:?}");
}

#[test]
fn sigint_exits_0_and_a_half_sent_request_cannot_hold_the_shutdown() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let mut d = Daemon::start(dir.path(), &[&sim], "");
    let addr = d.base.trim_start_matches("http://").to_string();
    // A request whose body never comes: its handler waits for it, with no end of its own.
    let mut stuck = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        stuck,
        "POST /v1/messages HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"to\"",
        d.basic()
    )
    .expect("write the head");
    stuck.flush().expect("flush");
    // The daemon has the connection (an answered request proves the accept loop ran past it).
    assert_eq!(d.get("/healthz").0, 200);

    signal(&d, libc::SIGINT);
    // It stops accepting at once, while the stuck request is still open.
    wait_for("new connections to be refused", LONG, || {
        std::net::TcpStream::connect(&addr).is_err().then_some(())
    });
    let start = Instant::now();
    let bound = timeout_stop();
    let status = d
        .wait_exit(bound)
        .unwrap_or_else(|| panic!("still running {bound:?} after SIGINT:\n{}", d.all_logs()));
    assert!(status.success(), "exit {status}:\n{}", d.all_logs());
    let log = d.all_logs();
    assert!(
        log.contains("HTTP connections still busy"),
        "the stuck request was cut at the HTTP grace:\n{log}"
    );
    println!("SIGINT: exit 0, {:?} after refusing", start.elapsed());
    drop(stuck);
}
