//! Helpers for the tests that drive a simulated modem through a real pseudo-terminal with
//! the `serialport` crate, as the daemon does, and through its control socket.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Starts a simulated modem with `opts` on `dir/m0.tty`, its control socket at `dir/m0.ctl`
/// (what `opts` says of those two is replaced), and connects to the socket. Answers the
/// handle (the modem runs while it lives), the control connection and the link to open.
pub(super) fn start(dir: &Path, opts: super::SimOptions) -> (super::SimHandle, Control, PathBuf) {
    let (link, socket) = (dir.join("m0.tty"), dir.join("m0.ctl"));
    let sim = super::spawn(super::SimOptions {
        link: link.clone(),
        control: Some(socket.clone()),
        ..opts
    })
    .unwrap_or_else(|e| panic!("start the simulated modem: {e}"));
    (sim, Control::connect(&socket), link)
}

pub(super) fn open(link: &Path) -> Box<dyn serialport::SerialPort> {
    serialport::new(link.to_string_lossy(), 115_200)
        .timeout(Duration::from_millis(50))
        .open()
        .unwrap_or_else(|e| panic!("open {}: {e}", link.display()))
}

/// Reads until `until` appears or two seconds pass; returns everything read.
pub(super) fn read_until(port: &mut dyn serialport::SerialPort, until: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        match port.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&got)),
        }
        if String::from_utf8_lossy(&got).contains(until) {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

pub(super) fn chat(port: &mut dyn serialport::SerialPort, send: &[u8], until: &str) -> String {
    port.write_all(send).unwrap();
    read_until(port, until)
}

pub(super) fn wait(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) struct Control {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
}

impl Control {
    pub(super) fn connect(path: &Path) -> Control {
        let stream = UnixStream::connect(path).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Control {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    pub(super) fn call(&mut self, request: &str) -> Value {
        self.writer
            .write_all(format!("{request}\n").as_bytes())
            .unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }
}

/// Reads until `prefix` and the end of the line after it; answers that line (from
/// `prefix` on, without the CR LF).
pub(super) fn read_line_after(port: &mut dyn serialport::SerialPort, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut got = String::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline {
        if let Ok(n) = port.read(&mut buf) {
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        if let Some(at) = got.find(prefix) {
            if let Some(end) = got[at + prefix.len()..].find("\r\n") {
                return got[at..at + prefix.len() + end].to_string();
            }
        }
    }
    panic!("no line after {prefix:?} in {got:?}");
}
