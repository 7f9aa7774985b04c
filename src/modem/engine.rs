//! The modem task: the only code that reads and writes a modem port.
//!
//! A [`ModemHandle`] sends requests over a bounded channel, each with a oneshot for its answer;
//! the task runs them one at a time (a modem handles one command at a time) and, between
//! requests, keeps reading so URCs reach their channel at once. What the bytes mean is decided
//! by the pure [`Ingress`]; this task only does I/O and time.
//!
//! After a timeout the modem may still answer the abandoned command later. Before the next
//! command the task waits for the line to go quiet and drops what came, so a late `OK` cannot
//! answer the wrong command.
//!
//! The task stops when the port closes or fails, when every handle is gone, or when its
//! cancellation token fires — the last only between exchanges, never inside a `+CMGS`. The URC
//! channel closing tells the owner the port is gone.

use super::{AtError, EngineConfig};
use crate::at::command::{self, Command};
use crate::at::{Event, Ingress, Urc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// ESC (IRA 27): cancels a `+CMGS` waiting for its PDU (27.005 §3.5.1).
const ESC: u8 = 0x1B;
/// Ctrl-Z (IRA 26): ends the PDU.
const CTRL_Z: u8 = 0x1A;
/// Silence that counts as "the modem has finished talking" when resynchronising.
const QUIET: Duration = Duration::from_millis(100);
/// Longest a resynchronisation waits for silence.
const QUIET_MAX: Duration = Duration::from_secs(1);

enum Request {
    Command {
        cmd: Command,
        reply: oneshot::Sender<Result<Vec<String>, AtError>>,
    },
    /// A command that answers a prompt (`> `, or `CONNECT`) and then takes data.
    Data {
        cmd: Command,
        data: Vec<u8>,
        /// What the modem's echo of the data looks like (dropped), if it echoes.
        echo: Option<String>,
        /// For the answer after the data; `None` is the engine's submit timeout.
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<Vec<String>, AtError>>,
    },
    Escape {
        reply: oneshot::Sender<Result<(), AtError>>,
    },
    /// New default timeouts (the modem's profile is known once it said what it is).
    Timeouts { command: Duration, submit: Duration },
}

/// A handle on the modem task; cheap to clone.
#[derive(Clone)]
pub struct ModemHandle {
    tx: mpsc::Sender<Request>,
    commands: Arc<AtomicU64>,
}

impl ModemHandle {
    /// Runs one command; its information lines on `OK`.
    pub async fn command(&self, cmd: Command) -> Result<Vec<String>, AtError> {
        let (reply, rx) = oneshot::channel();
        self.call(Request::Command { cmd, reply }, rx).await
    }

    /// Sends one SMS part in PDU mode: `AT+CMGS=<tpdu_len>`, the `> ` prompt, `hex` and
    /// Ctrl-Z; answers the message reference the network gave it. One command exchange.
    pub async fn send_pdu(&self, tpdu_len: usize, hex: &str) -> Result<u8, AtError> {
        let cmd = command::send_pdu(tpdu_len);
        let text = cmd.spec.text.clone();
        let mut data = Vec::with_capacity(hex.len() + 1);
        data.extend_from_slice(hex.as_bytes());
        data.push(CTRL_Z);
        let lines = self
            .command_with_data(cmd, data, Some(hex.to_string()), None)
            .await?;
        command::parse_message_ref(&lines).ok_or_else(|| AtError::Unexpected {
            command: text,
            detail: "OK without +CMGS: <mr>".into(),
        })
    }

    /// Runs a command that prompts for data (`> ` or `CONNECT`), writes `data`, and answers
    /// the command's lines. A timeout after the data is `maybe_sent`.
    pub async fn command_with_data(
        &self,
        cmd: Command,
        data: Vec<u8>,
        echo: Option<String>,
        timeout: Option<Duration>,
    ) -> Result<Vec<String>, AtError> {
        let (reply, rx) = oneshot::channel();
        let request = Request::Data {
            cmd,
            data,
            echo,
            timeout,
            reply,
        };
        self.call(request, rx).await
    }

    /// Sends ESC (out of a prompt a crash may have left) and drops what the modem says next.
    pub async fn escape(&self) -> Result<(), AtError> {
        let (reply, rx) = oneshot::channel();
        self.call(Request::Escape { reply }, rx).await
    }

    /// Sets the default command timeout and the `+CMGS` timeout after the PDU for the
    /// commands that follow. No I/O; fails only when the task is gone.
    pub async fn set_timeouts(&self, command: Duration, submit: Duration) -> Result<(), AtError> {
        self.tx
            .send(Request::Timeouts { command, submit })
            .await
            .map_err(|_| AtError::Closed)
    }

    /// AT commands written on this port so far.
    pub fn commands_sent(&self) -> u64 {
        self.commands.load(Ordering::Relaxed)
    }

    async fn call<T>(
        &self,
        request: Request,
        rx: oneshot::Receiver<Result<T, AtError>>,
    ) -> Result<T, AtError> {
        self.tx.send(request).await.map_err(|_| AtError::Closed)?;
        rx.await.unwrap_or(Err(AtError::Closed))
    }
}

/// Starts the task on `port`. URCs arrive on the returned receiver, which closes when the port
/// does.
pub fn spawn<P>(
    port: P,
    config: EngineConfig,
    cancel: CancellationToken,
) -> (ModemHandle, mpsc::Receiver<Urc>)
where
    P: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(16);
    let (urc_tx, urc_rx) = mpsc::channel(config.urc_capacity.max(1));
    let commands = Arc::new(AtomicU64::new(0));
    let engine = Engine {
        port,
        ingress: Ingress::new(),
        urcs: urc_tx,
        config,
        buf: vec![0u8; 4096],
        commands: commands.clone(),
        dirty: false,
    };
    tokio::spawn(engine.run(rx, cancel));
    (ModemHandle { tx, commands }, urc_rx)
}

struct Engine<P> {
    port: P,
    ingress: Ingress,
    urcs: mpsc::Sender<Urc>,
    config: EngineConfig,
    buf: Vec<u8>,
    commands: Arc<AtomicU64>,
    /// A command timed out: resynchronise before the next one.
    dirty: bool,
}

/// What one turn of the idle loop saw.
enum Step {
    Stop,
    Request(Option<Request>),
    Read(std::io::Result<usize>),
}

impl<P: AsyncRead + AsyncWrite + Unpin> Engine<P> {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>, cancel: CancellationToken) {
        loop {
            let step = tokio::select! {
                biased;
                _ = cancel.cancelled() => Step::Stop,
                req = rx.recv() => Step::Request(req),
                r = self.port.read(&mut self.buf) => Step::Read(r),
            };
            match step {
                Step::Stop | Step::Request(None) => break,
                Step::Request(Some(req)) => {
                    if self.handle(req).await.is_err() {
                        break;
                    }
                }
                Step::Read(Ok(0)) => break,
                Step::Read(Err(e)) => {
                    tracing::debug!(error = %e, "modem port read failed");
                    break;
                }
                Step::Read(Ok(n)) => {
                    self.feed(n);
                    // Nothing is in flight: every event is a URC (or dropped).
                    while let Some(event) = self.ingress.next_event() {
                        if let Event::Urc(urc) = event {
                            self.forward(urc);
                        }
                    }
                }
            }
        }
        tracing::debug!("modem task stopped");
    }

    /// Runs one request. `Err` when the port is gone (the task must stop).
    async fn handle(&mut self, req: Request) -> Result<(), ()> {
        match req {
            Request::Command { cmd, reply } => {
                let result = self.command(&cmd).await;
                let gone = port_gone(&result);
                let _ = reply.send(result);
                gone
            }
            Request::Data {
                cmd,
                data,
                echo,
                timeout,
                reply,
            } => {
                let result = self.with_data(&cmd, &data, echo.as_deref(), timeout).await;
                let gone = port_gone(&result);
                let _ = reply.send(result);
                gone
            }
            Request::Escape { reply } => {
                let result = self.escape().await;
                let gone = port_gone(&result);
                let _ = reply.send(result);
                gone
            }
            Request::Timeouts { command, submit } => {
                self.config.command_timeout = command;
                self.config.submit_timeout = submit;
                Ok(())
            }
        }
    }

    async fn command(&mut self, cmd: &Command) -> Result<Vec<String>, AtError> {
        let timeout = cmd.timeout.unwrap_or(self.config.command_timeout);
        self.begin(cmd).await?;
        match self.wait(Instant::now() + timeout).await {
            Ok(Event::Done(Ok(lines))) => Ok(lines),
            Ok(Event::Done(Err(code))) => Err(AtError::Failed {
                command: cmd.spec.loggable().to_string(),
                code,
            }),
            Ok(_) => Err(self.unexpected(cmd, "a prompt")),
            Err(e) => Err(self.timed_out(cmd, e, timeout, false)),
        }
    }

    async fn with_data(
        &mut self,
        cmd: &Command,
        data: &[u8],
        echo: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<Vec<String>, AtError> {
        let prompt_timeout = cmd.timeout.unwrap_or(self.config.command_timeout);
        self.begin(cmd).await?;
        match self.wait(Instant::now() + prompt_timeout).await {
            Ok(Event::Prompt) => {}
            Ok(Event::Done(Err(code))) => {
                return Err(AtError::Failed {
                    command: cmd.spec.loggable().to_string(),
                    code,
                })
            }
            Ok(_) => {
                // A late answer ended the wait; the prompt may still come: cancel it.
                self.write(&[ESC]).await?;
                return Err(self.unexpected(cmd, "OK without a prompt"));
            }
            Err(e) => {
                // The modem may be sitting in the prompt after all: get it out, or it would
                // take our next command for data.
                if matches!(e, AtError::Timeout { .. }) {
                    self.write(&[ESC]).await?;
                }
                return Err(self.timed_out(cmd, e, prompt_timeout, false));
            }
        }
        self.ingress.data_sent(echo.unwrap_or(""));
        self.write(data).await?;
        let timeout = timeout.unwrap_or(self.config.submit_timeout);
        match self.wait(Instant::now() + timeout).await {
            Ok(Event::Done(Ok(lines))) => Ok(lines),
            Ok(Event::Done(Err(code))) => Err(AtError::Failed {
                command: cmd.spec.loggable().to_string(),
                code,
            }),
            Ok(_) => Err(self.unexpected(cmd, "a second prompt")),
            Err(e @ (AtError::Closed | AtError::Io(_))) => Err(AtError::LostAfterData {
                command: cmd.spec.loggable().to_string(),
                cause: e.to_string(),
            }),
            Err(e) => Err(self.timed_out(cmd, e, timeout, true)),
        }
    }

    async fn escape(&mut self) -> Result<(), AtError> {
        self.write(&[ESC]).await?;
        self.ingress.abandon();
        self.dirty = true;
        self.resync().await
    }

    /// Writes a command line and tells the ingress it is in flight.
    async fn begin(&mut self, cmd: &Command) -> Result<(), AtError> {
        if self.dirty {
            self.resync().await?;
        }
        tracing::trace!(command = cmd.spec.loggable(), "AT >");
        self.ingress.start(cmd.spec.clone());
        let mut line = Vec::with_capacity(cmd.spec.text.len() + 1);
        line.extend_from_slice(cmd.spec.text.as_bytes());
        line.push(b'\r');
        self.commands.fetch_add(1, Ordering::Relaxed);
        self.write(&line).await
    }

    /// Waits for the next event that is not a URC (URCs are forwarded on the way). A restart
    /// announced meanwhile ends the wait: the command will never be answered.
    async fn wait(&mut self, deadline: Instant) -> Result<Event, AtError> {
        loop {
            while let Some(event) = self.ingress.next_event() {
                match event {
                    Event::Urc(urc) => {
                        // Not `^BOOT`: Huawei sticks repeat it as a heartbeat (the session
                        // checks whether the modem really restarted).
                        let restart = matches!(urc, Urc::Ready);
                        let text = format!("{urc:?}");
                        self.forward(urc);
                        if restart {
                            return Err(AtError::Rebooted {
                                command: String::new(),
                                urc: text,
                                maybe_sent: false,
                            });
                        }
                    }
                    other => return Ok(other),
                }
            }
            match tokio::time::timeout_at(deadline, self.port.read(&mut self.buf)).await {
                Err(_) => {
                    return Err(AtError::Timeout {
                        command: String::new(),
                        timeout: Duration::ZERO,
                        maybe_sent: false,
                    })
                }
                Ok(Ok(0)) => return Err(AtError::Closed),
                Ok(Ok(n)) => self.feed(n),
                Ok(Err(e)) => return Err(AtError::Io(e)),
            }
        }
    }

    /// Drops what the modem says until it has been quiet for a moment.
    async fn resync(&mut self) -> Result<(), AtError> {
        let stop = Instant::now() + QUIET_MAX;
        loop {
            let quiet_until = (Instant::now() + QUIET).min(stop);
            match tokio::time::timeout_at(quiet_until, self.port.read(&mut self.buf)).await {
                Err(_) => break,
                Ok(Ok(0)) => return Err(AtError::Closed),
                Ok(Ok(_)) if Instant::now() < stop => continue,
                Ok(Ok(_)) => break,
                Ok(Err(e)) => return Err(AtError::Io(e)),
            }
        }
        self.ingress.clear();
        self.dirty = false;
        Ok(())
    }

    /// Writes to the port, within the command timeout. No `flush`: the ports are unbuffered
    /// (the bytes are in the kernel once written), and tokio-serial's flush is a blocking
    /// `tcdrain` that a hung USB modem with flow control would never release — on this
    /// single-threaded runtime, the whole daemon. A write that cannot finish in time is an
    /// I/O error: the port is given up and reopened.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), AtError> {
        let limit = self.config.command_timeout;
        match tokio::time::timeout(limit, self.port.write_all(bytes)).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(AtError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the port took no data for {} ms", limit.as_millis()),
            ))),
        }
    }

    fn feed(&mut self, n: usize) {
        if let Some(bytes) = self.buf.get(..n) {
            self.ingress.push(bytes);
        }
    }

    fn forward(&mut self, urc: Urc) {
        tracing::trace!(?urc, "URC");
        if let Err(mpsc::error::TrySendError::Full(urc)) = self.urcs.try_send(urc) {
            tracing::warn!(?urc, "URC dropped: the worker is not reading them");
        }
    }

    fn unexpected(&mut self, cmd: &Command, detail: &str) -> AtError {
        self.ingress.abandon();
        self.dirty = true;
        AtError::Unexpected {
            command: cmd.spec.loggable().to_string(),
            detail: detail.to_string(),
        }
    }

    /// Turns a wait error into the command's error, marking the line for resynchronisation.
    fn timed_out(
        &mut self,
        cmd: &Command,
        e: AtError,
        timeout: Duration,
        maybe_sent: bool,
    ) -> AtError {
        self.ingress.abandon();
        match e {
            AtError::Rebooted { urc, .. } => {
                self.dirty = true;
                AtError::Rebooted {
                    command: cmd.spec.loggable().to_string(),
                    urc,
                    maybe_sent,
                }
            }
            AtError::Timeout { .. } => {
                self.dirty = true;
                AtError::Timeout {
                    command: cmd.spec.loggable().to_string(),
                    timeout,
                    maybe_sent,
                }
            }
            other => other,
        }
    }
}

fn port_gone<T>(result: &Result<T, AtError>) -> Result<(), ()> {
    match result {
        Err(AtError::Closed | AtError::Io(_) | AtError::LostAfterData { .. }) => Err(()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
