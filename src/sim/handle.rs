//! Starting and stopping a simulated modem: [`spawn`] runs it on its own OS thread (not a
//! tokio task: it must keep answering while the daemon's runtime is busy or being shut down),
//! [`run`] is the `otpgate modem-sim` command, [`SimHandle`] talks to the thread.

use super::config::{Clock, Config};
use super::control::{ControlServer, Request};
use super::machine::Machine;
use super::pty::{self, Pty};
use super::recorder::Recorder;
use super::runner::{AudioPort, Msg, Runner, Shared};
use super::{ReceivedSms, SimError, SimOptions};
use nix::fcntl::OFlag;
use nix::sys::signal::{SigSet, Signal};
use serde_json::Value;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a request waits for the simulator's thread.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A running simulated modem. Dropping it stops the thread, closes the pty and removes the
/// link, like [`SimHandle::shutdown`].
pub struct SimHandle {
    link: PathBuf,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Msg>,
    wake: OwnedFd,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Stops the simulator: the thread ends, the pty closes, the link goes.
    pub fn shutdown(self) {}

    /// AT command lines received so far (the PDU lines after a prompt are not commands).
    pub fn commands(&self) -> u64 {
        self.shared.commands.load(Ordering::Relaxed)
    }

    /// Every complete SMS the phone received, in order.
    pub fn received(&self) -> Vec<ReceivedSms> {
        self.shared.received().clone()
    }

    /// How many complete SMS the phone received (no copy, for polling loops).
    pub fn received_count(&self) -> usize {
        self.shared.received().len()
    }

    /// The path the pty's slave is linked at.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// Sends a control request to the simulator's thread; answers its JSON reply (the same
    /// as the control socket's).
    pub fn request(&self, req: Request) -> Result<Value, SimError> {
        let (reply_tx, reply_rx) = mpsc::channel();
        self.tx
            .send(Msg::Request(req, reply_tx))
            .map_err(|_| SimError::Gone)?;
        self.wake();
        reply_rx
            .recv_timeout(REQUEST_TIMEOUT)
            .map_err(|_| SimError::Gone)
    }

    /// Emits an unsolicited line at the next line boundary (e.g. "RDY" after a reboot).
    pub fn inject_urc(&self, line: &str) -> Result<Value, SimError> {
        self.request(Request::Urc { line: line.into() })
    }

    /// Unplugs the modem: closes the pty and removes the link.
    pub fn unplug(&self) -> Result<Value, SimError> {
        self.request(Request::Close)
    }

    /// Plugs the modem back in: a new pty at the same link, powered up afresh.
    pub fn replug(&self) -> Result<Value, SimError> {
        self.request(Request::Reopen)
    }

    /// Changes the network's +CMGS latency from now on.
    pub fn set_latency(&self, latency: Duration) -> Result<Value, SimError> {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.request(Request::Latency { ms })
    }

    /// The modem stops answering anything until [`SimHandle::resume`].
    pub fn hang(&self) -> Result<Value, SimError> {
        self.request(Request::Hang)
    }

    pub fn resume(&self) -> Result<Value, SimError> {
        self.request(Request::Resume)
    }

    /// Back to the power-up state (echo on, CMEE 0, SIM locked if it has a PIN), same pty,
    /// after `--boot-ms` of silence and the boot lines.
    pub fn reboot(&self) -> Result<Value, SimError> {
        self.request(Request::Reboot { sent: true })
    }

    /// A phone sends `text` to the modem.
    pub fn deliver(&self, from: &str, text: &str) -> Result<Value, SimError> {
        self.request(Request::Deliver {
            from: from.into(),
            text: text.into(),
            encoding: None,
            parts: None,
        })
    }

    /// What the SIM stores (`{"ok":true,"storage":[...]}`).
    pub fn storage(&self) -> Result<Value, SimError> {
        self.request(Request::Storage)
    }

    /// Every call and what it carried (`{"ok":true,"calls":[...],"local":[...]}`).
    pub fn calls(&self) -> Result<Value, SimError> {
        self.request(Request::Calls)
    }

    fn wake(&self) {
        // A full pipe already means a pending wake-up.
        let _ = nix::unistd::write(&self.wake, &[1]);
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Shutdown);
        self.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a simulated modem on its own thread; returns once the link exists (and the control
/// socket, if asked for, is listening).
pub fn spawn(opts: SimOptions) -> Result<SimHandle, SimError> {
    let clock = Clock {
        origin: Instant::now(),
        wall: chrono::Utc::now().naive_utc(),
    };
    let cfg = Config::from_options(&opts, clock);
    let record = match &opts.record {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| SimError::Record {
                    path: path.clone(),
                    source,
                })?,
        ),
        None => None,
    };
    let control = opts
        .control
        .as_deref()
        .map(ControlServer::bind)
        .transpose()?;
    let (wake_rx, wake_tx) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).map_err(|source| {
            SimError::Sys {
                what: "pipe2",
                source,
            }
        })?;
    let audio = match &opts.audio_link {
        Some(link) => {
            let p = Pty::open()?;
            pty::link(p.slave_path(), link)?;
            Some(AudioPort {
                link: link.clone(),
                pty: Some(p),
                pending: Vec::new(),
            })
        }
        None => None,
    };
    let port = Pty::open()?;
    let slave = port.slave_path().to_path_buf();
    // The link comes last: whoever waits for it finds everything else ready.
    pty::link(&slave, &opts.link)?;
    let shared = Arc::new(Shared::default());
    let (tx, rx) = mpsc::channel();
    let runner = Runner {
        machine: Machine::new(cfg),
        pty: Some(port),
        link: opts.link.clone(),
        audio,
        recorder: Recorder::new(opts.audio_dir.clone()),
        record,
        control,
        wake: wake_rx,
        rx,
        shared: shared.clone(),
        reopen_after: opts.reopen_after_ms.map(Duration::from_millis),
        pending_out: Vec::new(),
        reopen_at: None,
        close_at: None,
        release_at: Instant::now(),
        stop: false,
    };
    let thread = std::thread::Builder::new()
        .name("modem-sim".into())
        .spawn(move || runner.run())
        .inspect_err(|_| pty::unlink(&slave, &opts.link))?;
    tracing::info!(pty = %slave.display(), link = %opts.link.display(), "simulated modem ready");
    Ok(SimHandle {
        link: opts.link,
        shared,
        tx,
        wake: wake_tx,
        thread: Some(thread),
    })
}

/// `otpgate modem-sim`: runs the simulator until SIGINT or SIGTERM, then removes the link.
pub fn run(opts: SimOptions) -> Result<(), SimError> {
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    // Blocked before the thread starts, so it inherits the mask and sigwait gets them all.
    signals.thread_block().map_err(|source| SimError::Sys {
        what: "pthread_sigmask",
        source,
    })?;
    let handle = spawn(opts)?;
    let signal = signals.wait().map_err(|source| SimError::Sys {
        what: "sigwait",
        source,
    })?;
    tracing::info!(%signal, "simulated modem stopping");
    handle.shutdown();
    Ok(())
}
