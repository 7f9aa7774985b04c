//! Where a serial port sits on USB, read from sysfs: the tty of another interface of the
//! same USB device. A Huawei voice stick's audio port is the tty of one interface, its AT
//! port that of another; knowing the AT port and the audio port's interface number (from the
//! modem's profile), the audio port is found without the operator naming it.
//!
//! The layout read (Linux sysfs ABI): `/sys/class/tty/<tty>/device` links to the port's
//! device; somewhere above it is the USB interface directory (it has `bInterfaceNumber`, two
//! hex digits), whose parent is the USB device. A USB-serial driver (option, usb_wwan) puts
//! `ttyUSB<n>` directly in the interface directory; cdc_acm puts it under `tty/`.

use std::path::{Path, PathBuf};

/// The tty of USB interface `interface` of the USB device that `device` (a tty, or a link
/// to one such as `/dev/serial/by-id/...`) belongs to, as a path beside the resolved
/// `device` (normally `/dev/ttyUSB<n>`). `sys` is the sysfs mount (`/sys`).
pub fn sibling_tty(sys: &Path, device: &Path, interface: u8) -> Result<PathBuf, String> {
    let real = std::fs::canonicalize(device)
        .map_err(|e| format!("cannot resolve {}: {e}", device.display()))?;
    let (Some(name), Some(dev_dir)) = (real.file_name(), real.parent()) else {
        return Err(format!("{} is not a device file", real.display()));
    };
    let link = sys.join("class/tty").join(name).join("device");
    let port = std::fs::canonicalize(&link).map_err(|e| {
        format!(
            "{} has no device in sysfs ({}: {e}); is it a USB port?",
            real.display(),
            link.display()
        )
    })?;
    let own = port
        .ancestors()
        .find(|dir| dir.join("bInterfaceNumber").is_file())
        .ok_or_else(|| format!("{} is not on a USB interface", real.display()))?;
    let usb_device = own
        .parent()
        .ok_or_else(|| format!("{} has no USB device above it", own.display()))?;
    let entries = std::fs::read_dir(usb_device)
        .map_err(|e| format!("cannot read {}: {e}", usb_device.display()))?;
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(number) = std::fs::read_to_string(dir.join("bInterfaceNumber")) else {
            continue;
        };
        if u8::from_str_radix(number.trim(), 16).ok() != Some(interface) {
            continue;
        }
        return tty_in(&dir)
            .map(|tty| dev_dir.join(tty))
            .ok_or_else(|| format!("USB interface {interface} of {} has no tty", real.display()));
    }
    Err(format!(
        "the USB device of {} has no interface {interface}",
        real.display()
    ))
}

/// The tty name in an interface directory: `ttyUSB<n>` in it, or `tty/<name>` (cdc_acm).
fn tty_in(interface_dir: &Path) -> Option<String> {
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|r| {
                r.flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.starts_with("tty") && n != "tty")
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    names(interface_dir)
        .into_iter()
        .next()
        .or_else(|| names(&interface_dir.join("tty")).into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A stick with three interfaces (if00 PPP, if01 audio, if02 AT) as the option driver
    /// shows it, and an ACM modem with two, under a fake /sys and /dev.
    fn tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let usb = r.join("sys/devices/pci0000:00/usb1/1-1");
        for (i, tty) in [(0, "ttyUSB0"), (1, "ttyUSB1"), (2, "ttyUSB2")] {
            let iface = usb.join(format!("1-1:1.{i}"));
            std::fs::create_dir_all(iface.join(tty).join("tty").join(tty)).unwrap();
            std::fs::write(iface.join("bInterfaceNumber"), format!("{i:02x}\n")).unwrap();
            std::fs::create_dir_all(r.join("sys/class/tty").join(tty)).unwrap();
            symlink(
                iface.join(tty),
                r.join("sys/class/tty").join(tty).join("device"),
            )
            .unwrap();
        }
        let acm = r.join("sys/devices/pci0000:00/usb1/1-2");
        for (i, tty) in [(0, "ttyACM0"), (2, "ttyACM1")] {
            let iface = acm.join(format!("1-2:1.{i}"));
            std::fs::create_dir_all(iface.join("tty").join(tty)).unwrap();
            std::fs::write(iface.join("bInterfaceNumber"), format!("{i:02x}\n")).unwrap();
            std::fs::create_dir_all(r.join("sys/class/tty").join(tty)).unwrap();
            symlink(&iface, r.join("sys/class/tty").join(tty).join("device")).unwrap();
        }
        std::fs::create_dir_all(r.join("dev/otpgate")).unwrap();
        for tty in [
            "ttyUSB0", "ttyUSB1", "ttyUSB2", "ttyACM0", "ttyACM1", "ttyS0",
        ] {
            std::fs::write(r.join("dev").join(tty), "").unwrap();
        }
        symlink("../ttyUSB2", r.join("dev/otpgate/huawei-usb1-1-at")).unwrap();
        root
    }

    #[test]
    fn the_audio_port_beside_the_at_port() {
        let root = tree();
        let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
        let found = sibling_tty(&sys, &dev.join("otpgate/huawei-usb1-1-at"), 1).unwrap();
        assert_eq!(found, std::fs::canonicalize(&dev).unwrap().join("ttyUSB1"));
        let found = sibling_tty(&sys, &dev.join("ttyACM0"), 2).unwrap();
        assert_eq!(found, std::fs::canonicalize(&dev).unwrap().join("ttyACM1"));
    }

    #[test]
    fn what_cannot_be_found_says_why() {
        let root = tree();
        let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
        let e = sibling_tty(&sys, &dev.join("ttyUSB2"), 4).unwrap_err();
        assert!(e.contains("no interface 4"), "{e}");
        let e = sibling_tty(&sys, &dev.join("ttyS0"), 1).unwrap_err();
        assert!(e.contains("USB port"), "{e}");
        let e = sibling_tty(&sys, &dev.join("ttyUSB9"), 1).unwrap_err();
        assert!(e.contains("cannot resolve"), "{e}");
    }
}
