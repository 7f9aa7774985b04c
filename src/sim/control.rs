//! Remote control of a simulated modem for tests: a Unix socket (`--control PATH`) taking one
//! JSON request per line and answering one JSON line, plus the same requests through
//! [`SimHandle::request`](super::SimHandle::request) in-process.
//!
//! The requests ([`Request`], tagged by `op`) and their answers are listed in the docs of
//! [`crate::sim`]. Errors answer `{"ok":false,"error":"..."}`.
//!
//! The socket is served from the simulator's own poll loop: no thread, no lock.

use super::SimError;
use nix::poll::PollFlags;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// A control request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    Received,
    Commands,
    CommandLog,
    Urc {
        line: String,
    },
    Close,
    Reopen,
    Latency {
        ms: u64,
    },
    Hang,
    Resume,
    /// `sent`: whether an SMS whose +CMGS was not answered yet reached the network.
    Reboot {
        #[serde(default = "yes")]
        sent: bool,
    },
    Status,
    /// An SMS from a phone to the modem; `encoding` "gsm7" or "ucs2" (default: whichever
    /// fits), `parts` forces a split into that many parts.
    Deliver {
        from: String,
        text: String,
        #[serde(default)]
        encoding: Option<String>,
        #[serde(default)]
        parts: Option<usize>,
    },
    Storage,
    /// The TP-ST of status reports from now on (`status`: 65, "0x41"); with `number`, that
    /// number's sequence ("0x20,0x00"); `delay_ms` changes the delay.
    ReportStatus {
        status: StatusValue,
        #[serde(default)]
        number: Option<String>,
        #[serde(default)]
        delay_ms: Option<u64>,
    },
    Network {
        registered: bool,
    },
    SimRemoved {
        #[serde(default = "yes")]
        removed: bool,
    },
    /// The fate of successive calls to `number` ("*": any other number), e.g.
    /// "busy,no-answer,answer/3000".
    CallScript {
        number: String,
        script: String,
    },
    CalleeHangup,
    Calls,
    Files,
}

/// A TP-ST given as a number or as text ("0x41", "0x20,0x00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusValue {
    Number(u8),
    Text(String),
}

fn yes() -> bool {
    true
}

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNS: usize = 16;
/// A request line longer than this drops its connection.
const MAX_REQUEST: usize = 64 * 1024;

/// `{"ok":true}` merged with `extra`'s fields.
pub(super) fn ok(extra: Value) -> Value {
    let mut v = json!({"ok": true});
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v
}

pub(super) fn failed(error: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": error.to_string()})
}

#[derive(Debug)]
struct Conn {
    stream: UnixStream,
    input: Vec<u8>,
    output: Vec<u8>,
    eof: bool,
    broken: bool,
}

#[derive(Debug)]
pub(super) struct ControlServer {
    path: PathBuf,
    listener: UnixListener,
    conns: Vec<Conn>,
}

impl ControlServer {
    /// Binds `path`, replacing a stale socket left by a killed simulator.
    pub(super) fn bind(path: &Path) -> Result<ControlServer, SimError> {
        let err = |source| SimError::Control {
            path: path.to_path_buf(),
            source,
        };
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
            std::fs::remove_file(path).map_err(err)?;
        }
        let listener = UnixListener::bind(path).map_err(err)?;
        listener.set_nonblocking(true).map_err(err)?;
        Ok(ControlServer {
            path: path.to_path_buf(),
            listener,
            conns: Vec::new(),
        })
    }

    /// What to poll, listener first, then each connection in order.
    pub(super) fn poll_set(&self) -> Vec<(BorrowedFd<'_>, PollFlags)> {
        let mut set = vec![(self.listener.as_fd(), PollFlags::POLLIN)];
        for c in &self.conns {
            let mut flags = PollFlags::POLLIN;
            if !c.output.is_empty() {
                flags |= PollFlags::POLLOUT;
            }
            set.push((c.stream.as_fd(), flags));
        }
        set
    }

    /// Serves what `poll` reported, in `poll_set`'s order; `handle` answers each request.
    pub(super) fn service(
        &mut self,
        revents: &[PollFlags],
        handle: &mut dyn FnMut(Request) -> Value,
    ) {
        let any = PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR;
        for (conn, ready) in self.conns.iter_mut().zip(revents.iter().skip(1)) {
            if ready.intersects(any) {
                conn.read();
                conn.answer(handle);
            }
            if !conn.output.is_empty() {
                conn.flush();
            }
        }
        self.conns
            .retain(|c| !(c.broken || (c.eof && c.output.is_empty())));
        if revents.first().is_some_and(|r| r.intersects(any)) {
            self.accept();
        }
    }

    fn accept(&mut self) {
        while self.conns.len() < MAX_CONNS {
            match self.listener.accept() {
                Ok((stream, _)) if stream.set_nonblocking(true).is_ok() => self.conns.push(Conn {
                    stream,
                    input: Vec::new(),
                    output: Vec::new(),
                    eof: false,
                    broken: false,
                }),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Conn {
    fn read(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self
                    .input
                    .extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.broken = true;
                    break;
                }
            }
        }
    }

    fn answer(&mut self, handle: &mut dyn FnMut(Request) -> Value) {
        while let Some(end) = self.input.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.input.drain(..=end).collect();
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let reply = match serde_json::from_slice::<Request>(line) {
                Ok(req) => handle(req),
                Err(e) => failed(format!("bad request: {e}")),
            };
            self.output.extend_from_slice(reply.to_string().as_bytes());
            self.output.push(b'\n');
        }
        if self.input.len() > MAX_REQUEST {
            self.broken = true;
        }
    }

    fn flush(&mut self) {
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(0) => {
                    self.broken = true;
                    break;
                }
                Ok(n) => {
                    self.output.drain(..n.min(self.output.len()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.broken = true;
                    break;
                }
            }
        }
    }
}
