//! The simulated modem's wire: a pseudo-terminal pair (openpty(3)) whose slave the daemon opens
//! like a USB serial port, found through a symlink at `--link`.
//!
//! Both sides are put in raw mode (cfmakeraw) so the line discipline neither echoes nor
//! translates CR/LF: echo is the modem's job. The simulator keeps its own descriptor on the
//! slave open for the pty's whole life: without it the master reads EIO (and poll reports
//! POLLHUP) every time the daemon closes the port, as it does when it reconnects.

use super::SimError;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

nix::ioctl_none_bad!(tiocnxcl, libc::TIOCNXCL);

/// An open pseudo-terminal pair.
#[derive(Debug)]
pub(super) struct Pty {
    master: File,
    /// Held only to keep the slave side alive between the daemon's opens.
    slave: OwnedFd,
    slave_path: PathBuf,
}

impl Pty {
    /// Opens a pair in raw mode; the master is non-blocking, both are close-on-exec (the
    /// simulator also runs inside the daemon, which must not leak them to children).
    pub(super) fn open() -> Result<Pty, SimError> {
        let pair = nix::pty::openpty(None, None).map_err(|e| sys("openpty", e))?;
        for fd in [&pair.master, &pair.slave] {
            let mut t = tcgetattr(fd).map_err(|e| sys("tcgetattr", e))?;
            cfmakeraw(&mut t);
            tcsetattr(fd, SetArg::TCSANOW, &t).map_err(|e| sys("tcsetattr", e))?;
            fcntl(fd.as_raw_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
                .map_err(|e| sys("fcntl(FD_CLOEXEC)", e))?;
        }
        let flags =
            fcntl(pair.master.as_raw_fd(), FcntlArg::F_GETFL).map_err(|e| sys("fcntl", e))?;
        let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
        fcntl(pair.master.as_raw_fd(), FcntlArg::F_SETFL(flags))
            .map_err(|e| sys("fcntl(O_NONBLOCK)", e))?;
        let slave_path = nix::unistd::ttyname(&pair.slave).map_err(|e| sys("ttyname", e))?;
        Ok(Pty {
            master: File::from(pair.master),
            slave: pair.slave,
            slave_path,
        })
    }

    /// Clears TIOCEXCL on the slave. serialport sets it when the daemon opens the port, and
    /// since the simulator keeps the slave open, the flag would outlive a killed daemon and a
    /// restarted one (not root) would get EBUSY. A real device node loses it on the last close.
    pub(super) fn release_exclusive(&self) {
        // SAFETY: TIOCNXCL takes no argument and only clears a flag on a descriptor we own.
        if let Err(e) = unsafe { tiocnxcl(self.slave.as_raw_fd()) } {
            tracing::debug!(error = %e, "TIOCNXCL failed");
        }
    }

    /// The slave's path, e.g. /dev/pts/7.
    pub(super) fn slave_path(&self) -> &Path {
        &self.slave_path
    }

    pub(super) fn fd(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }

    /// One read of what the daemon wrote; `WouldBlock` when there is nothing.
    pub(super) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.master).read(buf)
    }

    /// One write; may be short or `WouldBlock` when the daemon does not read.
    pub(super) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        (&self.master).write(buf)
    }
}

fn sys(what: &'static str, source: nix::errno::Errno) -> SimError {
    SimError::Sys { what, source }
}

/// Points `link` at `target` atomically: a symlink under a temporary name, then rename(2)
/// over the link, so a daemon watching the path never sees it missing or half made.
pub(super) fn link(target: &Path, link: &Path) -> Result<(), SimError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = link.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let made = std::os::unix::fs::symlink(target, &tmp).and_then(|()| std::fs::rename(&tmp, link));
    made.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        SimError::Link {
            link: link.to_path_buf(),
            source,
        }
    })
}

/// Removes `link` if it still points at `target` (another simulator may have taken the path).
pub(super) fn unlink(target: &Path, link: &Path) {
    if std::fs::read_link(link).is_ok_and(|t| t == target) {
        let _ = std::fs::remove_file(link);
    }
}
