//! Opening a modem's serial device (USB CDC-ACM, USB serial, UART, or the simulator's
//! pseudo-terminal) with tokio-serial, and saying what went wrong in words an operator can act
//! on: no such device, permission (the `dialout` group), busy (ModemManager or another program
//! holds it).

use std::path::{Path, PathBuf};
use tokio_serial::{SerialPortBuilderExt, SerialStream};

/// Why a device could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    #[error("{0}: no such device (unplugged? check `ls -l /dev/serial/by-id/`)")]
    NotFound(PathBuf),
    #[error("{0}: permission denied (add the daemon's user to the `dialout` group)")]
    Permission(PathBuf),
    #[error("{0}: device busy (another program, e.g. ModemManager, holds it)")]
    Busy(PathBuf),
    #[error("{path}: {message}")]
    Other { path: PathBuf, message: String },
}

/// Opens `path` at `baud`, 8N1, no flow control, exclusive.
pub fn open_serial(path: &Path, baud: u32) -> Result<SerialStream, OpenError> {
    // Fail early with a clear message (serialport's own errors are terse).
    if let Err(e) = std::fs::metadata(path) {
        return Err(io_error(path, &e));
    }
    let name = path.to_string_lossy().into_owned();
    tokio_serial::new(name, baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(tokio_serial::Parity::None)
        .stop_bits(tokio_serial::StopBits::One)
        .flow_control(tokio_serial::FlowControl::None)
        .open_native_async()
        .map_err(|e| match e.kind() {
            tokio_serial::ErrorKind::NoDevice => OpenError::NotFound(path.to_path_buf()),
            tokio_serial::ErrorKind::Io(kind) => {
                io_error(path, &std::io::Error::new(kind, e.description.clone()))
            }
            _ => OpenError::Other {
                path: path.to_path_buf(),
                message: e.to_string(),
            },
        })
}

fn io_error(path: &Path, e: &std::io::Error) -> OpenError {
    let path = path.to_path_buf();
    match e.kind() {
        std::io::ErrorKind::NotFound => OpenError::NotFound(path),
        std::io::ErrorKind::PermissionDenied => OpenError::Permission(path),
        std::io::ErrorKind::ResourceBusy => OpenError::Busy(path),
        _ if e.raw_os_error() == Some(libc::EBUSY) => OpenError::Busy(path),
        _ => OpenError::Other {
            path,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_device_says_so() {
        let e = open_serial(Path::new("/dev/otpgate-no-such-modem"), 115_200).unwrap_err();
        assert!(matches!(e, OpenError::NotFound(_)), "{e}");
        assert!(e.to_string().contains("no such device"));
    }

    #[test]
    fn not_a_tty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _guard = rt.enter();
        assert!(open_serial(&file, 115_200).is_err());
    }
}
