//! Where the logs go and in what shape: human-readable lines, lines for journald, or one JSON
//! object per line.
//!
//! - On a terminal or into a file: text lines with a timestamp (colours on a terminal).
//! - When stdout is the journal (systemd sets `JOURNAL_STREAM` to the device and inode of
//!   the stream it gave us, systemd.exec(5)): no timestamp (journald stamps each line), no
//!   colours, and each line starts with its syslog priority, `<3>` error to `<7>` debug
//!   (sd-daemon(3)), so `journalctl -p warning` works.
//! - `[log] format = "json"`: one JSON object per line (timestamp, level, target, fields, the
//!   current span and the span list — where `request_id` is).
//!
//! Which events: `OTPGATE_LOG` (an `EnvFilter` directive such as `info` or
//! `otpgate=debug`), default `info`. Codes, keys and tokens are never logged by any module.

use serde::Deserialize;
use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::registry::LookupSpan;

/// `[log] format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Text lines (journald-friendly when stdout is the journal).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether `JOURNAL_STREAM` (`<device>:<inode>`, decimal) names the stream whose device and
/// inode are `dev` and `ino`: then our output is the journal. A stale variable inherited by a
/// child whose output was redirected elsewhere does not match.
pub fn is_journal(journal_stream: &str, dev: u64, ino: u64) -> bool {
    let Some((d, i)) = journal_stream.trim().split_once(':') else {
        return false;
    };
    d.parse() == Ok(dev) && i.parse() == Ok(ino)
}

/// Whether stdout is connected to the journal.
fn stdout_is_journal() -> bool {
    let Ok(stream) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    match nix::sys::stat::fstat(libc::STDOUT_FILENO) {
        Ok(st) => is_journal(&stream, st.st_dev, st.st_ino),
        Err(_) => false,
    }
}

/// The syslog priority of a level (sd-daemon(3): `<3>` err, `<4>` warning, `<6>` info,
/// `<7>` debug).
pub fn priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// Puts the syslog priority in front of each line of another format.
struct SyslogPrefix<F>(F);

impl<S, N, F> FormatEvent<S, N> for SyslogPrefix<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "<{}>", priority(event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

/// Sets the global subscriber: the daemon logs to stdout (journald takes it), the other
/// commands to stderr (stdout is their output).
pub fn init(format: LogFormat, to_stdout: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OTPGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let terminal = if to_stdout {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    } else {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    };
    let writer = move || -> Box<dyn std::io::Write> {
        if to_stdout {
            Box::new(std::io::stdout())
        } else {
            Box::new(std::io::stderr())
        }
    };
    let result = match format {
        LogFormat::Json => builder.json().with_writer(writer).try_init(),
        LogFormat::Text if to_stdout && stdout_is_journal() => {
            let lines = tracing_subscriber::fmt::format()
                .without_time()
                .with_ansi(false);
            builder
                .with_ansi(false)
                .event_format(SyslogPrefix(lines))
                .with_writer(writer)
                .try_init()
        }
        LogFormat::Text => builder.with_ansi(terminal).with_writer(writer).try_init(),
    };
    if let Err(e) = result {
        eprintln!("otpgate: cannot set up logging: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_is_recognised_by_device_and_inode() {
        assert!(is_journal("8:123456", 8, 123456));
        assert!(is_journal("8:123456\n", 8, 123456));
        assert!(!is_journal("8:123457", 8, 123456), "another stream");
        assert!(!is_journal("9:123456", 8, 123456));
        for bad in ["", "8", ":", "8:", "x:1", "8:123456:1"] {
            assert!(!is_journal(bad, 8, 123456), "{bad:?}");
        }
    }

    #[test]
    fn levels_map_to_syslog_priorities() {
        let got: Vec<u8> = [
            Level::ERROR,
            Level::WARN,
            Level::INFO,
            Level::DEBUG,
            Level::TRACE,
        ]
        .iter()
        .map(priority)
        .collect();
        assert_eq!(got, [3, 4, 6, 7, 7]);
    }

    #[test]
    fn journal_lines_carry_their_priority_and_no_timestamp() {
        use std::sync::{Arc, Mutex};
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let writer = move || -> Box<dyn std::io::Write> { Box::new(Sink(sink.clone())) };
        let lines = tracing_subscriber::fmt::format()
            .without_time()
            .with_ansi(false);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .event_format(SyslogPrefix(lines))
            .with_writer(writer)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(modem = "m0", "weak signal");
            tracing::info!("listening");
        });
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("<4> WARN"), "{text}");
        assert!(lines[0].ends_with("weak signal modem=\"m0\""), "{text}");
        assert!(lines[1].starts_with("<6> INFO"), "{text}");
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_format_reads_from_toml() {
        #[derive(Deserialize)]
        struct T {
            format: LogFormat,
        }
        let t: T = toml::from_str("format = \"json\"").unwrap();
        assert_eq!(t.format, LogFormat::Json);
        assert!(toml::from_str::<T>("format = \"xml\"").is_err());
    }
}
