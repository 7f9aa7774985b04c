//! TLS: the daemon with `[tls]` serves HTTPS with a certificate generated here, refuses plain
//! HTTP on that port, is not held up by a silent client, and refuses to start on bad files.
//! Without TLS: a request whose body stalls is cut off while others are served.

use super::harness::{self, Daemon, Sim, BIN};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files in `dir`;
/// the key as the README advises (0640). Returns (cert path, key path, the certificate).
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf, rcgen::Certificate) {
    use std::os::unix::fs::PermissionsExt;
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("generate a certificate");
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, made.cert.pem()).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    (cert, key, made.cert)
}

/// A client that trusts only `cert`.
fn agent(cert: &rcgen::Certificate) -> ureq::Agent {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(cert.der().clone())
        .expect("trust the certificate");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .timeout(Duration::from_secs(10))
        .build()
}

fn get(agent: &ureq::Agent, d: &Daemon, path: &str) -> (u16, Value) {
    let r = agent
        .get(&format!("{}{path}", d.base))
        .call()
        .unwrap_or_else(|e| panic!("HTTPS GET {path}: {e}"));
    (r.status(), r.into_json().expect("JSON"))
}

fn tls_section(cert: &Path, key: &Path) -> String {
    format!(
        "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        key.display()
    )
}

#[test]
fn https_works_and_plain_http_to_the_tls_port_gets_no_answer() {
    let dir = harness::tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let (cert, key, certificate) = certificate(dir.path(), "server");
    let d = Daemon::start(dir.path(), &[&sim], &tls_section(&cert, &key));
    let addr = d
        .base
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("the daemon says it serves https: {}", d.base))
        .to_string();
    let https = agent(&certificate);

    let (status, v) = get(&https, &d, "/healthz");
    assert_eq!(status, 200, "{v}");
    // An OTP over HTTPS, all the way to the phone.
    let r = https
        .post(&format!("{}/2fa/create", d.base))
        .set("authorization", &d.basic())
        .send_json(json!({"to": "33612345678", "type": "NUMERIC", "length": 6}))
        .expect("HTTPS OTP create");
    assert_eq!(r.status(), 200);
    let v: Value = r.into_json().expect("JSON");
    let code = v["data"]["token"].as_str().expect("the code").to_string();
    let got = sim.wait_received(1, Duration::from_secs(30));
    assert!(got[0].text.contains(&code), "{got:?}");

    // A client that does not trust the certificate is refused.
    let untrusting = agent(&certificate_for_nobody());
    let r = untrusting.get(&format!("{}/healthz", d.base)).call();
    assert!(
        matches!(r, Err(ureq::Error::Transport(_))),
        "an untrusted certificate must fail the handshake: {r:?}"
    );

    // A silent client (no handshake) does not hold up the others.
    let _silent = TcpStream::connect(&addr).expect("connect");

    // Plain HTTP to the TLS port: no HTTP answer. The server either closes the connection or
    // sends a TLS alert record (content type 21) before closing; either way the bytes back do
    // not begin with "HTTP/", and the connection ends (EOF, not a timeout).
    let mut plain = TcpStream::connect(&addr).expect("connect");
    plain
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .expect("write");
    let mut back = Vec::new();
    plain
        .read_to_end(&mut back)
        .expect("the server closes the connection");
    assert!(!back.starts_with(b"HTTP/"), "an HTTP answer: {back:?}");
    assert!(
        back.is_empty() || back[0] == 21,
        "neither nothing nor a TLS alert: {back:?}"
    );
    // And as an HTTP client sees it: a transport error, never a status.
    let r = ureq::get(&format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(10))
        .call();
    assert!(
        matches!(r, Err(ureq::Error::Transport(_))),
        "plain HTTP must not get an HTTP answer: {r:?}"
    );

    // The daemon keeps serving HTTPS.
    let (status, _) = get(&https, &d, "/healthz");
    assert_eq!(status, 200);
    // Failed handshakes are the clients' problem: debug, not error, and no clear-text warning.
    let log = d.all_logs();
    assert!(log.contains("TLS handshake failed"), "{log}");
    for line in log.lines().filter(|l| l.contains("handshake")) {
        assert!(line.contains("DEBUG"), "logged above debug: {line}");
    }
    assert!(!log.contains("without TLS"), "{log}");
}

/// A certificate unrelated to the daemon's.
fn certificate_for_nobody() -> rcgen::Certificate {
    rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()])
        .expect("generate")
        .cert
}

#[test]
fn bad_tls_files_stop_the_start_naming_the_file() {
    let dir = harness::tempdir();
    let (cert, key, _) = certificate(dir.path(), "good");
    let (_, other_key, _) = certificate(dir.path(), "other");
    let missing = dir.path().join("missing.crt");
    let garbage = dir.path().join("garbage.key");
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nsecret-bytes*not*base64\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    for (cert, key, named, needle) in [
        (&missing, &key, &missing, "cannot read it"),
        (&cert, &garbage, &garbage, "base64"),
        (
            &cert,
            &other_key,
            &other_key,
            "is not the key of the certificate",
        ),
    ] {
        let config = dir.path().join("bad.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n{}[[modem]]\nid = \"m0\"\ndevice = \"{}\"\n",
                dir.path().join("data").display(),
                tls_section(cert, key),
                dir.path().join("no-such.tty").display()
            ),
        )
        .expect("write config");
        let mut guard = KillOnDrop(
            Command::new(BIN)
                .args(["serve", "--config"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn otpgate serve"),
        );
        let child = &mut guard.0;
        let status = harness::wait_for("the daemon to give up", Duration::from_secs(20), || {
            child.try_wait().expect("wait")
        });
        let mut stderr = String::new();
        let mut stdout = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read");
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut stdout)
            .expect("read");
        assert!(!status.success(), "started with {named:?}: {stderr}");
        assert!(
            stderr.contains(&named.display().to_string()) && stderr.contains(needle),
            "{needle:?} about {named:?} in: {stderr}"
        );
        assert!(
            !stderr.contains("secret-bytes"),
            "key contents in: {stderr}"
        );
        assert!(!stdout.contains("listening on"), "{stdout}");
    }
}

#[test]
fn listening_beyond_loopback_without_tls_warns() {
    let dir = harness::tempdir();
    let config = dir.path().join("open.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"0.0.0.0:0\"\ndata_dir = \"{}\"\n[[modem]]\nid = \"sim\"\ndevice = \"{}\"\nsimulated = true\n",
            dir.path().join("data").display(),
            dir.path().join("sim.tty").display()
        ),
    )
    .expect("write config");
    let log = dir.path().join("daemon.log");
    let out = std::fs::File::create(&log).expect("log");
    let child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("dup"))
        .stderr(out)
        .spawn()
        .expect("spawn otpgate serve");
    let _daemon = KillOnDrop(child);
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    harness::wait_for("the daemon to listen", Duration::from_secs(20), || {
        read()
            .contains("listening on http://0.0.0.0:")
            .then_some(())
    });
    let warning = harness::wait_for("the clear-text warning", Duration::from_secs(10), || {
        read()
            .lines()
            .find(|l| l.contains("without TLS"))
            .map(str::to_string)
    });
    assert!(warning.contains("WARN"), "{warning}");
}

/// Kills a daemon started by hand when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client that sends a request's head and one byte of a 1000-byte body gets a 408 and a
/// closed connection once the request bound passes (shortened here through the test-only
/// `OTPGATE_TEST_REQUEST_TIMEOUT_MS`; 30 s in service), and others are served meanwhile.
#[test]
fn a_stalled_request_body_is_cut_off_while_others_are_served() {
    let dir = harness::tempdir();
    let sim = Sim::start(dir.path(), "sim", &[]);
    let d = Daemon::start_modems_env(
        dir.path(),
        &[(&sim, "")],
        "",
        &[("OTPGATE_TEST_REQUEST_TIMEOUT_MS", "1500")],
    );
    let addr = d.base.trim_start_matches("http://").to_string();
    let mut slow = TcpStream::connect(&addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    slow.write_all(
        b"POST /2fa/create HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 1000\r\n\r\n{",
    )
    .expect("send head");
    // Served while the slow request is open.
    let (status, _) = d.get("/healthz");
    assert_eq!(status, 200);
    let mut answer = String::new();
    slow.read_to_string(&mut answer)
        .expect("the daemon closes the stalled connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (status, _) = d.get("/healthz");
    assert_eq!(status, 200);
}
