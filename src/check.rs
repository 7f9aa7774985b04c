//! `otpgate check-config`: every problem of a configuration file, one per line as
//! `PATH:LINE:COL: message`, before the daemon meets them.
//!
//! Beyond what `otpgate serve` checks when it reads the file (syntax, types, values: see
//! [`crate::config`]), this looks at the machine: each modem's `device` and `voice_device`
//! must be a character device (after symlinks: `/dev/serial/by-id/` names are links) that the
//! user running the check may read and write, the `[tls]` files must load and match, and
//! `data_dir` must be writable or creatable. Devices are checked with stat(2) and access(2),
//! never opened: opening a modem's port can toggle DTR and disturb a daemon using it.
//! Simulated modems are exempt (the daemon creates their link). The daemon itself does not
//! require its devices at start: a modem may be plugged in later.

use crate::config::problem::{KeyPath, Located, Locator, Problem};
use crate::config::{Config, ConfigError, FileConfig, DEFAULT_LISTEN};
use nix::errno::Errno;
use nix::unistd::{access, AccessFlags, Gid, Group, User};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where `otpgate check-config` looks without `--config` (the systemd unit's file).
pub const DEFAULT_PATH: &str = "/etc/otpgate/otpgate.toml";

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems that stop the daemon or a modem, sorted by line.
    pub errors: Vec<Located>,
    /// Worth a look, not wrong.
    pub warnings: Vec<Located>,
    /// For a valid file: what the daemon will use, one line each.
    pub summary: Vec<String>,
}

/// Checks the file at `path` and the machine it describes.
pub fn check(path: &Path) -> Report {
    let mut report = Report::default();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            report
                .errors
                .push(unlocated(format!("cannot read it: {e}")));
            return report;
        }
    };
    let file = match FileConfig::parse(&text, path) {
        Ok(file) => file,
        Err(ConfigError::Parse { problem, .. }) => {
            report.errors.push(problem);
            return report;
        }
        Err(e) => {
            report.errors.push(unlocated(e.to_string()));
            return report;
        }
    };
    let locator = Locator::new(&text);
    let machine = machine(&file);
    report.errors = locator.locate(machine.errors);
    report.warnings = locator.locate(machine.warnings);
    match Config::from_file(file, &text, path) {
        Ok(config) => report.summary = summary(&config, &machine.devices),
        Err(ConfigError::Invalid { problems, .. }) => report.errors.extend(problems),
        Err(e) => report.errors.push(unlocated(e.to_string())),
    }
    // Stable: problems on one key keep their order. Those without a line come first.
    report.errors.sort_by_key(|p| p.at);
    report.warnings.sort_by_key(|p| p.at);
    report
}

/// Runs the command: problems on stderr, the summary on stdout; exit 0 when valid, else 1.
pub fn run_command(path: &Path) -> ExitCode {
    let report = check(path);
    for w in &report.warnings {
        eprintln!("{}", warning(w).render(path));
    }
    for e in &report.errors {
        eprintln!("{}", e.render(path));
    }
    if report.errors.is_empty() {
        println!("{}: OK", path.display());
        for line in &report.summary {
            println!("  {line}");
        }
        ExitCode::SUCCESS
    } else {
        let n = report.errors.len();
        let s = if n == 1 { "" } else { "s" };
        eprintln!("{}: {n} problem{s}", path.display());
        ExitCode::FAILURE
    }
}

fn unlocated(message: String) -> Located {
    Located { at: None, message }
}

fn warning(w: &Located) -> Located {
    Located {
        at: w.at,
        message: format!("warning: {}", w.message),
    }
}

/// What the machine says about the file's paths.
#[derive(Default)]
struct Machine {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Modem index → where its device resolves.
    devices: HashMap<usize, PathBuf>,
}

fn machine(file: &FileConfig) -> Machine {
    let mut found = Machine::default();
    let root = KeyPath::root();
    for (i, m) in file.modems.iter().enumerate() {
        if m.simulated {
            continue;
        }
        let at = root.key("modem").index(i);
        match check_device(&m.device) {
            Ok(real) => {
                found.devices.insert(i, real);
            }
            Err(why) => found.errors.push(Problem::new(
                at.key("device"),
                format!("modem {}: device {}: {why}", m.id, m.device.display()),
            )),
        }
        if let Some(audio) = &m.voice_device {
            if let Err(why) = check_device(audio) {
                found.errors.push(Problem::new(
                    at.key("voice_device"),
                    format!("modem {}: voice_device {}: {why}", m.id, audio.display()),
                ));
            }
        }
    }
    if let Some(tls) = &file.tls {
        if let Err(e) = crate::listen::tls::load(tls) {
            let key = if e.is_about_key() { "key" } else { "cert" };
            found
                .errors
                .push(Problem::new(root.key("tls").key(key), e.to_string()));
        }
        if let Ok(meta) = std::fs::metadata(&tls.key) {
            if meta.mode() & 0o004 != 0 {
                found.warnings.push(Problem::new(
                    root.key("tls").key("key"),
                    format!(
                        "[tls] key {} is readable by every user (mode {:04o}): make it root:otpgate 0640",
                        tls.key.display(),
                        meta.mode() & 0o7777
                    ),
                ));
            }
        }
    }
    let data_dir = file
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("otpgate-data"));
    if let Err(why) = check_data_dir(&data_dir) {
        found.errors.push(Problem::new(
            root.key("data_dir"),
            format!("data_dir {}: {why}", data_dir.display()),
        ));
    }
    let listen = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    if let Ok(addr) = listen.parse::<SocketAddr>() {
        if crate::listen::exposed_in_clear(addr, file.tls.is_some()) {
            found.warnings.push(Problem::new(
                root.key("listen"),
                format!(
                    "listen = {listen:?} is reachable from the network without TLS: API keys \
                     and OTP codes would cross it in clear; configure [tls]"
                ),
            ));
        }
    }
    found
}

/// A modem port: where it resolves, or what is wrong with it.
fn check_device(path: &Path) -> Result<PathBuf, String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match std::fs::read_link(path) {
                Ok(target) => format!(
                    "a link to {}, which does not exist (is the modem plugged in?)",
                    target.display()
                ),
                Err(_) => {
                    "does not exist (is the modem plugged in? see hw/README.md for stable names)"
                        .into()
                }
            })
        }
        Err(e) => return Err(format!("cannot look at it: {e}")),
    };
    if !meta.file_type().is_char_device() {
        return Err(format!(
            "not a character device (it is {})",
            kind_of(&meta.file_type())
        ));
    }
    match access(path, AccessFlags::R_OK | AccessFlags::W_OK) {
        Ok(()) => Ok(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())),
        Err(Errno::EACCES | Errno::EPERM) => {
            let group = Group::from_gid(Gid::from_raw(meta.gid()))
                .ok()
                .flatten()
                .map_or_else(|| meta.gid().to_string(), |g| g.name);
            Err(permission_denied(&current_user(), &group, meta.mode()))
        }
        Err(e) => Err(format!("cannot check access to it: {e}")),
    }
}

/// Why a user cannot use a device owned by `group` with `mode`, and what to do.
fn permission_denied(user: &str, group: &str, mode: u32) -> String {
    let mode = mode & 0o7777;
    if mode & 0o060 == 0o060 {
        format!(
            "permission denied: user {user} cannot read and write it (group {group}, mode \
             {mode:04o}): add the user to group {group} (usermod -aG {group} {user}; it takes \
             effect at the next login)"
        )
    } else {
        format!(
            "permission denied: user {user} cannot read and write it, and its mode {mode:04o} \
             gives its group {group} no read-write either: fix the udev rule (see hw/README.md)"
        )
    }
}

fn current_user() -> String {
    let uid = nix::unistd::getuid();
    User::from_uid(uid)
        .ok()
        .flatten()
        .map_or_else(|| uid.to_string(), |u| u.name)
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "a regular file"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_fifo() {
        "a FIFO"
    } else {
        "not a device"
    }
}

/// The data directory: writable, or creatable in a writable parent.
fn check_data_dir(dir: &Path) -> Result<(), String> {
    let writable = |p: &Path| access(p, AccessFlags::W_OK | AccessFlags::X_OK);
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(format!(
            "not a directory (it is {})",
            kind_of(&meta.file_type())
        )),
        Ok(_) => writable(dir)
            .map_err(|e| format!("user {} cannot write in it ({})", current_user(), e.desc())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            match std::fs::metadata(parent) {
                Ok(meta) if meta.is_dir() => writable(parent).map_err(|e| {
                    format!(
                        "does not exist, and user {} cannot create it in {} ({})",
                        current_user(),
                        parent.display(),
                        e.desc()
                    )
                }),
                _ => Err(format!(
                    "neither it nor its parent {} exists",
                    parent.display()
                )),
            }
        }
        Err(e) => Err(format!("cannot look at it: {e}")),
    }
}

fn summary(config: &Config, devices: &HashMap<usize, PathBuf>) -> Vec<String> {
    let reach = if config.listen.ip().is_loopback() {
        "this machine only"
    } else {
        "reachable from the network"
    };
    let scheme = if config.tls.is_some() {
        "HTTPS"
    } else {
        "plain HTTP"
    };
    let mut lines = vec![
        format!("listen    {} ({scheme}, {reach})", config.listen),
        format!("data_dir  {}", config.data_dir.display()),
    ];
    if let Some(tls) = &config.tls {
        lines.push(format!(
            "tls       cert {}, key {}",
            tls.cert.display(),
            tls.key.display()
        ));
    }
    for (i, m) in config.modems.iter().enumerate() {
        let device = m.spec.device.display();
        lines.push(match (m.simulated.is_some(), devices.get(&i)) {
            (true, _) => format!("modem {}  {device} (simulated)", m.spec.id),
            (false, Some(real)) if *real != m.spec.device => {
                format!("modem {}  {device} -> {}", m.spec.id, real.display())
            }
            _ => format!("modem {}  {device}", m.spec.id),
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_advice_names_the_group() {
        let m = permission_denied("alice", "dialout", 0o20660);
        assert!(m.contains("add the user to group dialout"), "{m}");
        assert!(m.contains("usermod -aG dialout alice"), "{m}");
        assert!(m.contains("0660"), "{m}");
        let m = permission_denied("alice", "root", 0o600);
        assert!(m.contains("udev rule"), "{m}");
        assert!(!m.contains("usermod"), "{m}");
    }

    #[test]
    fn devices_are_stat_ed_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("ttyUSB9");
        assert!(check_device(&missing)
            .unwrap_err()
            .contains("does not exist"));
        let dangling = dir.path().join("by-id");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        let e = check_device(&dangling).unwrap_err();
        assert!(e.contains("a link to") && e.contains("ttyUSB9"), "{e}");
        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        assert!(check_device(&file).unwrap_err().contains("a regular file"));
        assert!(check_device(dir.path())
            .unwrap_err()
            .contains("a directory"));
        // /dev/null: a character device everyone may read and write.
        assert_eq!(
            check_device(Path::new("/dev/null")).unwrap(),
            PathBuf::from("/dev/null")
        );
    }

    #[test]
    fn data_dir_writable_or_creatable() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check_data_dir(dir.path()), Ok(()));
        assert_eq!(check_data_dir(&dir.path().join("new")), Ok(()));
        let e = check_data_dir(&dir.path().join("a/b")).unwrap_err();
        assert!(e.contains("neither it nor its parent"), "{e}");
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(check_data_dir(&file)
            .unwrap_err()
            .contains("not a directory"));
    }
}
