//! systemd's service notification protocol (`sd_notify(3)`): `READY=1`, `STATUS=`,
//! `STOPPING=1` and the watchdog's `WATCHDOG=1` pings.
//!
//! The unit is `Type=notify`: systemd passes `NOTIFY_SOCKET` (a path, or `@name` for an
//! abstract socket) and, with `WatchdogSec=`, `WATCHDOG_USEC` (and maybe `WATCHDOG_PID`, which
//! must then be ours). Each notification is one datagram of `KEY=value` lines, sent on an
//! unbound socket to that address (not a connected one: the address stays right across a
//! `systemctl daemon-reexec`). Without `NOTIFY_SOCKET` everything here is a no-op, so the
//! daemon runs the same by hand, in tests and under `Type=simple`.
//!
//! std's `UnixDatagram` rather than the `sd-notify` crate: its 0.5 takes `NOTIFY_SOCKET` for a
//! file path only, so an abstract `@name` (systemd in containers, other service managers)
//! would silently go nowhere; with std this is a dozen lines and no dependency.
//!
//! **What the watchdog proves.** [`Notifier::supervise`] pings at half of `WATCHDOG_USEC`
//! (what `sd_watchdog_enabled(3)` recommends), from a task on the daemon's runtime, which is
//! single-threaded: a task that blocks or spins wedges every task, the pings included, and
//! systemd restarts the daemon. Before each ping it also asks the one part every request and
//! every send goes through, the database: a sled flush (through the group-commit flusher) must
//! complete within a quarter of the timeout; a hung disk, a wedged flusher or a flush error
//! means no ping for that round. A ping is skipped, never faked, so the daemon is restarted
//! only after a whole `WatchdogSec` without a healthy round. Modems are deliberately not part
//! of it: a dead modem is the worker's business (it reconnects with backoff, and `/readyz`
//! says so), and restarting the daemon would not revive it.
//!
//! The parsing of the environment ([`parse_socket`], [`parse_watchdog`]) is pure; the sending
//! is in [`Notifier`].

use std::ffi::OsStr;
use std::future::Future;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the `STATUS=` line is refreshed when there is no watchdog to set the pace.
const STATUS_EVERY: Duration = Duration::from_secs(10);
/// How long one notification may block the runtime thread if systemd's queue is full.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// Where `NOTIFY_SOCKET` says notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A socket in the file system (`/run/systemd/notify`).
    Path(PathBuf),
    /// A Linux abstract socket: `@name` in the variable, the name without the `@` here.
    Abstract(Vec<u8>),
}

/// Reads `NOTIFY_SOCKET`'s value: a path, or `@` and an abstract name. `None` for an empty
/// value or one of another kind (systemd's `vsock:` addresses are not supported).
pub fn parse_socket(value: &OsStr) -> Option<Target> {
    let bytes = value.as_bytes();
    match bytes.first()? {
        b'/' => Some(Target::Path(PathBuf::from(value))),
        b'@' if bytes.len() > 1 => Some(Target::Abstract(bytes[1..].to_vec())),
        _ => None,
    }
}

/// The watchdog timeout from `WATCHDOG_USEC` and `WATCHDOG_PID`, if it is meant for the
/// process `own_pid`: as `sd_watchdog_enabled(3)`, a `WATCHDOG_PID` that is set must be ours,
/// and a zero or unreadable value means no watchdog.
pub fn parse_watchdog(usec: Option<&str>, pid: Option<&str>, own_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid {
        let pid: u32 = pid.trim().parse().ok()?;
        if pid != own_pid {
            return None;
        }
    }
    Some(Duration::from_micros(usec))
}

/// The ping period for a watchdog `timeout`: half of it.
pub fn ping_interval(timeout: Duration) -> Duration {
    timeout / 2
}

/// Sends notifications to systemd; a no-op when the daemon was not started by it. Cheap to
/// clone.
#[derive(Clone, Default)]
pub struct Notifier {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    socket: UnixDatagram,
    addr: SocketAddr,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`. Logs (and otherwise ignores)
    /// a value it cannot use: a daemon must start even when its supervisor is odd.
    pub fn from_env() -> Notifier {
        let Some(value) = std::env::var_os("NOTIFY_SOCKET") else {
            return Notifier::default();
        };
        let Some(target) = parse_socket(&value) else {
            tracing::warn!(value = ?value, "NOTIFY_SOCKET is not a path or @name: not notifying systemd");
            return Notifier::default();
        };
        let watchdog = parse_watchdog(
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
            std::process::id(),
        );
        match Notifier::to(&target, watchdog) {
            Ok(n) => {
                tracing::info!(socket = ?target, ?watchdog, "notifying systemd");
                n
            }
            Err(e) => {
                tracing::warn!(socket = ?target, error = %e, "cannot notify systemd");
                Notifier::default()
            }
        }
    }

    /// A notifier for `target`, with an optional watchdog timeout.
    pub fn to(target: &Target, watchdog: Option<Duration>) -> std::io::Result<Notifier> {
        let addr = match target {
            Target::Path(p) => SocketAddr::from_pathname(p)?,
            Target::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(name)?
            }
        };
        let socket = UnixDatagram::unbound()?;
        socket.set_write_timeout(Some(SEND_TIMEOUT))?;
        Ok(Notifier {
            inner: Some(Arc::new(Inner {
                socket,
                addr,
                watchdog,
            })),
        })
    }

    /// Whether a service manager is listening.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The watchdog timeout systemd asked for, if any.
    pub fn watchdog(&self) -> Option<Duration> {
        self.inner.as_ref().and_then(|i| i.watchdog)
    }

    /// Start-up is complete: the API listens and every part is open.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// Shutdown has begun.
    pub fn stopping(&self, status: &str) {
        self.send(&format!("STOPPING=1\nSTATUS={}", one_line(status)));
    }

    /// The line `systemctl status` shows.
    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    fn send(&self, message: &str) {
        let Some(inner) = &self.inner else {
            return;
        };
        if let Err(e) = inner.socket.send_to_addr(message.as_bytes(), &inner.addr) {
            tracing::warn!(error = %e, "cannot notify systemd");
        }
    }

    /// Until `stop` fires: pings the watchdog at half its timeout while `healthy` answers
    /// `Ok` within a quarter of it (see the module doc), and refreshes `STATUS=` with
    /// `status()` when it changed. Returns at once without `NOTIFY_SOCKET`.
    pub async fn supervise<H, F>(
        self,
        mut healthy: H,
        status: impl Fn() -> String,
        stop: CancellationToken,
    ) where
        H: FnMut() -> F,
        F: Future<Output = Result<(), String>>,
    {
        if !self.enabled() {
            return;
        }
        let watchdog = self.watchdog();
        let period = watchdog.map_or(STATUS_EVERY, ping_interval);
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_status = String::new();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Some(timeout) = watchdog {
                let bound = timeout / 4;
                match tokio::time::timeout(bound, healthy()).await {
                    Ok(Ok(())) => self.send("WATCHDOG=1"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "unhealthy: watchdog not pinged"),
                    Err(_) => {
                        tracing::warn!(?bound, "health check timed out: watchdog not pinged")
                    }
                }
            }
            let now = status();
            if now != last_status {
                self.status(&now);
                last_status = now;
            }
        }
    }
}

/// A `STATUS=` value is one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::linux::net::SocketAddrExt;

    #[test]
    fn notify_socket_values() {
        let cases: &[(&str, Option<Target>)] = &[
            (
                "/run/systemd/notify",
                Some(Target::Path("/run/systemd/notify".into())),
            ),
            (
                "@/org/freedesktop/systemd1/notify",
                Some(Target::Abstract(
                    b"/org/freedesktop/systemd1/notify".to_vec(),
                )),
            ),
            ("@", None),
            ("", None),
            ("vsock:2:1234", None),
            ("relative/path", None),
        ];
        for (value, want) in cases {
            assert_eq!(&parse_socket(OsStr::new(value)), want, "{value:?}");
        }
    }

    #[test]
    fn watchdog_values() {
        let ms = Duration::from_millis;
        let cases: &[(Option<&str>, Option<&str>, Option<Duration>)] = &[
            (None, None, None),
            (Some("30000000"), None, Some(ms(30_000))),
            (Some("500000"), Some("42"), Some(ms(500))),
            // Meant for another process (a wrapper's child, say): not ours to ping.
            (Some("500000"), Some("43"), None),
            (Some("500000"), Some("x"), None),
            (Some("0"), None, None),
            (Some("-1"), None, None),
            (Some("soon"), None, None),
        ];
        for (usec, pid, want) in cases {
            assert_eq!(parse_watchdog(*usec, *pid, 42), *want, "{usec:?} {pid:?}");
        }
        assert_eq!(ping_interval(ms(30_000)), ms(15_000));
    }

    #[test]
    fn status_is_one_line() {
        assert_eq!(one_line("a\nb\r\nc"), "a b  c");
    }

    fn receive(socket: &UnixDatagram) -> String {
        let mut buf = [0u8; 4096];
        let n = socket.recv(&mut buf).expect("a notification");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn sends_to_an_abstract_socket() {
        let name = format!(
            "otpgate-test-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        );
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let listener = UnixDatagram::bind_addr(&addr).expect("bind");
        listener
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let target = parse_socket(OsStr::new(&format!("@{name}"))).expect("abstract");
        let n = Notifier::to(&target, None).expect("notifier");
        n.ready("up\nnow");
        assert_eq!(receive(&listener), "READY=1\nSTATUS=up now");
        n.stopping("bye");
        assert_eq!(receive(&listener), "STOPPING=1\nSTATUS=bye");
    }

    #[test]
    fn without_notify_socket_nothing_happens() {
        let n = Notifier::default();
        assert!(!n.enabled());
        assert_eq!(n.watchdog(), None);
        n.ready("ignored");
    }

    #[tokio::test(start_paused = true)]
    async fn pings_only_while_healthy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let n = Notifier::to(&Target::Path(path), Some(Duration::from_secs(2))).expect("n");
        let healthy = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let (healthy, stop) = (healthy.clone(), stop.clone());
            n.supervise(
                move || {
                    let ok = healthy.load(std::sync::atomic::Ordering::SeqCst);
                    async move {
                        if ok {
                            Ok(())
                        } else {
                            // A wedged part: never answers.
                            std::future::pending().await
                        }
                    }
                },
                || "fine".to_string(),
                stop,
            )
        });
        let drain = |listener: &UnixDatagram| {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = listener.recv(&mut buf) {
                got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
            got
        };
        // Ticks at 0, 1 s, 2 s, 3 s.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let got = drain(&listener);
        let pings = got.iter().filter(|m| *m == "WATCHDOG=1").count();
        assert_eq!(pings, 4, "{got:?}");
        assert_eq!(
            got.iter().filter(|m| *m == "STATUS=fine").count(),
            1,
            "sent once: {got:?}"
        );
        healthy.store(false, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let got = drain(&listener);
        assert!(
            !got.iter().any(|m| m == "WATCHDOG=1"),
            "no ping while wedged: {got:?}"
        );
        stop.cancel();
        task.await.expect("supervise ends on stop");
    }
}
