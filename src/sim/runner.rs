//! The simulator's thread: one poll(2) loop over the pty master, the audio port's pty
//! master (`--audio-link`), a wake pipe (requests and shutdown from the handle) and the
//! control socket, with the machine's next timer as the timeout. It does every I/O the pure
//! machine asks for: one write per answer, one append per recorded SMS, PCM to the call's
//! WAV file, closing and re-creating the ptys. Control requests are `requests`'.

use super::control::{ControlServer, Request};
use super::machine::{Effect, Machine, Step};
use super::pty::{self, Pty};
use super::recorder::Recorder;
use super::{ReceivedSms, SimError};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use serde_json::Value;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Output kept for a daemon that does not read (a real modem's UART would simply drop it).
const MAX_PENDING_OUT: usize = 256 * 1024;
/// Audio frames kept for a host that does not read the audio port: a second's worth.
const MAX_PENDING_AUDIO: usize = 16_000;
/// How often the slave's exclusive-open flag is cleared.
const RELEASE_EVERY: Duration = Duration::from_millis(250);

/// Between the last answer and the unplug: a reader polling the slave sees POLLHUP, and
/// `serialport` reports it before any data still buffered, so the answer needs a head start.
const UNPLUG_GRACE: Duration = Duration::from_millis(100);

/// What the handle reads without a round trip to the thread.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub commands: AtomicU64,
    pub received: Mutex<Vec<ReceivedSms>>,
}

impl Shared {
    pub(super) fn received(&self) -> std::sync::MutexGuard<'_, Vec<ReceivedSms>> {
        self.received.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A message from the handle to the thread.
pub(super) enum Msg {
    Request(Request, mpsc::Sender<Value>),
    Shutdown,
}

/// What one poll(2) reported, per source.
struct Polled {
    wake: PollFlags,
    master: Option<PollFlags>,
    audio: Option<PollFlags>,
    control: Vec<PollFlags>,
}

/// The audio port: its pty, where it is linked, and what waits to be written to it.
pub(super) struct AudioPort {
    pub link: PathBuf,
    pub pty: Option<Pty>,
    pub pending: Vec<u8>,
}

pub(super) struct Runner {
    pub machine: Machine,
    pub pty: Option<Pty>,
    pub link: PathBuf,
    pub audio: Option<AudioPort>,
    pub recorder: Recorder,
    pub record: Option<File>,
    pub control: Option<ControlServer>,
    pub wake: OwnedFd,
    pub rx: mpsc::Receiver<Msg>,
    pub shared: Arc<Shared>,
    /// `--reopen-after-ms`: after a `--close-after` unplug, plug back in this much later.
    pub reopen_after: Option<Duration>,
    pub pending_out: Vec<u8>,
    pub reopen_at: Option<Instant>,
    /// A `--close-after` unplug waits this long so the last answer can be read first.
    pub close_at: Option<Instant>,
    /// Next time the slave's exclusive-open flag is cleared (see [`Pty::release_exclusive`]).
    pub release_at: Instant,
    pub stop: bool,
}

impl Runner {
    pub(super) fn run(mut self) {
        let mut buf = vec![0u8; 64 * 1024];
        while !self.stop {
            let now = Instant::now();
            let mut step = Step::default();
            self.machine.tick(now, &mut step);
            self.apply(step);
            if now >= self.release_at {
                let audio = self.audio.as_ref().and_then(|a| a.pty.as_ref());
                for p in self.pty.iter().chain(audio) {
                    p.release_exclusive();
                }
                self.release_at = now + RELEASE_EVERY;
            }
            let polled = match self.poll(now) {
                Ok(p) => p,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "simulated modem: poll failed, stopping");
                    break;
                }
            };
            if !polled.wake.is_empty() {
                self.drain_wake();
                self.messages();
            }
            let ready = polled.master.unwrap_or(PollFlags::empty());
            if ready.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                self.read(&mut buf);
            }
            if ready.contains(PollFlags::POLLOUT) {
                self.flush();
            }
            let audio = polled.audio.unwrap_or(PollFlags::empty());
            if audio.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                self.read_audio(&mut buf);
            }
            if audio.contains(PollFlags::POLLOUT) {
                self.flush_audio();
            }
            if let Some(mut control) = self.control.take() {
                control.service(&polled.control, &mut |req| self.handle(req));
                self.control = Some(control);
            }
            if self.close_at.is_some_and(|at| Instant::now() >= at) {
                self.close_at = None;
                self.close_port();
                self.reopen_at = self.reopen_after.map(|d| Instant::now() + d);
            }
            if self.reopen_at.is_some_and(|at| Instant::now() >= at) {
                self.reopen_at = None;
                if let Err(e) = self.reopen() {
                    tracing::error!(error = %e, "simulated modem: could not plug back in");
                }
            }
        }
        self.close_port();
    }

    /// Waits for the wake pipe, the master, the control socket or the next timer.
    fn poll(&self, now: Instant) -> nix::Result<Polled> {
        let deadline = [
            self.machine.next_deadline(),
            self.close_at,
            self.reopen_at,
            Some(self.release_at),
        ]
        .into_iter()
        .flatten()
        .min();
        let timeout = match deadline {
            None => PollTimeout::NONE,
            // Rounded up to the next millisecond so a timer never spins the loop.
            Some(d) => {
                let ms = d.saturating_duration_since(now).as_micros().div_ceil(1000);
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = vec![PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
        if let Some(p) = &self.pty {
            let mut flags = PollFlags::POLLIN;
            if !self.pending_out.is_empty() {
                flags |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(p.fd(), flags));
        }
        let audio_pty = self
            .audio
            .as_ref()
            .and_then(|a| a.pty.as_ref().map(|p| (a, p)));
        if let Some((a, p)) = audio_pty {
            let mut flags = PollFlags::POLLIN;
            if !a.pending.is_empty() {
                flags |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(p.fd(), flags));
        }
        let control_set = self
            .control
            .as_ref()
            .map(|c| c.poll_set())
            .unwrap_or_default();
        fds.extend(
            control_set
                .into_iter()
                .map(|(fd, flags)| PollFd::new(fd, flags)),
        );
        nix::poll::poll(&mut fds, timeout)?;
        let mut revents = fds
            .iter()
            .map(|f| f.revents().unwrap_or(PollFlags::empty()));
        Ok(Polled {
            wake: revents.next().unwrap_or(PollFlags::empty()),
            master: self.pty.as_ref().and_then(|_| revents.next()),
            audio: audio_pty.and_then(|_| revents.next()),
            control: revents.collect(),
        })
    }

    fn drain_wake(&self) {
        let mut buf = [0u8; 64];
        while matches!(nix::unistd::read(std::os::fd::AsRawFd::as_raw_fd(&self.wake), &mut buf), Ok(n) if n > 0)
        {
        }
    }

    fn messages(&mut self) {
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Request(req, reply) => {
                    let answer = self.handle(req);
                    let _ = reply.send(answer);
                }
                Msg::Shutdown => self.stop = true,
            }
        }
    }

    /// What the daemon wrote: one read, handed whole to the machine (echo in one write).
    fn read(&mut self, buf: &mut [u8]) {
        let Some(pty) = &self.pty else { return };
        match pty.read(buf) {
            Ok(n) => {
                let mut step = Step::default();
                self.machine
                    .feed(Instant::now(), buf.get(..n).unwrap_or_default(), &mut step);
                self.apply(step);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                tracing::warn!(error = %e, "simulated modem: reading the pty failed; unplugging");
                self.close_port();
            }
        }
    }

    /// Records first (a test that saw +CMGS must find the SMS), then the bytes, then a close.
    pub(super) fn apply(&mut self, step: Step) {
        let mut close = false;
        for effect in step.effects {
            match effect {
                Effect::Record(sms) => self.record(sms),
                Effect::Close => close = true,
                Effect::Audio { call, pcm } => self.recorder.append(call, &pcm),
                Effect::CallEnded(call) => self.recorder.close(call),
            }
        }
        if let Some(a) = self.audio.as_mut().filter(|a| a.pty.is_some()) {
            if a.pending.len() + step.audio.len() <= MAX_PENDING_AUDIO {
                a.pending.extend_from_slice(&step.audio);
            }
            self.flush_audio();
        }
        if !step.out.is_empty() && self.pty.is_some() {
            if self.pending_out.len() + step.out.len() <= MAX_PENDING_OUT {
                self.pending_out.extend_from_slice(&step.out);
            }
            self.flush();
        }
        self.shared
            .commands
            .store(self.machine.commands(), Ordering::Relaxed);
        if close {
            self.close_at = Some(Instant::now() + UNPLUG_GRACE);
        }
    }

    fn flush(&mut self) {
        let Some(pty) = &self.pty else { return };
        while !self.pending_out.is_empty() {
            match pty.write(&self.pending_out) {
                Ok(n) => {
                    self.pending_out.drain(..n.min(self.pending_out.len()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    fn flush_audio(&mut self) {
        let Some(a) = self.audio.as_mut() else { return };
        let Some(pty) = &a.pty else { return };
        while !a.pending.is_empty() {
            match pty.write(&a.pending) {
                Ok(n) => {
                    a.pending.drain(..n.min(a.pending.len()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// PCM the host wrote on the audio port.
    fn read_audio(&mut self, buf: &mut [u8]) {
        let Some(pty) = self.audio.as_ref().and_then(|a| a.pty.as_ref()) else {
            return;
        };
        if let Ok(n) = pty.read(buf) {
            let mut step = Step::default();
            self.machine
                .feed_audio(buf.get(..n).unwrap_or_default(), &mut step);
            self.apply(step);
        }
    }

    /// One JSON line in one append-mode write. A reader racing the write can
    /// still see a line without its newline yet: readers take newline-ended lines only.
    fn record(&mut self, sms: ReceivedSms) {
        tracing::debug!(to = %sms.to, parts = sms.parts, "simulated phone received an SMS");
        if let Some(file) = &mut self.record {
            let mut line = serde_json::to_vec(&sms).unwrap_or_default();
            line.push(b'\n');
            if let Err(e) = file.write_all(&line) {
                tracing::warn!(error = %e, "simulated modem: could not append to the record");
            }
        }
        self.shared.received().push(sms);
    }

    /// Unplugs: the daemon's descriptor on the slave sees a hangup, the link disappears.
    pub(super) fn close_port(&mut self) {
        self.close_at = None;
        if let Some(p) = self.pty.take() {
            pty::unlink(p.slave_path(), &self.link);
            tracing::info!(link = %self.link.display(), "simulated modem unplugged");
        }
        if let Some(a) = self.audio.as_mut() {
            if let Some(p) = a.pty.take() {
                pty::unlink(p.slave_path(), &a.link);
            }
            a.pending.clear();
        }
        self.pending_out.clear();
        let mut step = Step::default();
        self.machine.unplugged(Instant::now(), &mut step);
        self.apply(step);
    }

    /// Plugs in (again): a new pty linked at the same path, the modem freshly powered up.
    pub(super) fn reopen(&mut self) -> Result<PathBuf, SimError> {
        self.close_port();
        if let Some(a) = self.audio.as_mut() {
            let p = Pty::open()?;
            pty::link(p.slave_path(), &a.link)?;
            a.pty = Some(p);
        }
        let p = Pty::open()?;
        pty::link(p.slave_path(), &self.link)?;
        let slave = p.slave_path().to_path_buf();
        tracing::info!(pty = %slave.display(), link = %self.link.display(), "simulated modem plugged in");
        self.pty = Some(p);
        let mut step = Step::default();
        self.machine.power_up(Instant::now(), &mut step);
        self.apply(step);
        Ok(slave)
    }
}
