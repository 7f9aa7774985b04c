//! Where a serial port sits, read from sysfs: on which USB interface (or a UART), and the tty
//! of another interface of the same USB device. A Huawei voice stick's audio port is the tty of one interface, its AT
//! port that of another; knowing the AT port and the audio port's interface number (from the
//! modem's profile), the audio port is found without the operator naming it.
//!
//! The layout read (Linux sysfs ABI): `/sys/class/tty/<tty>/device` links to the port's
//! device; somewhere above it is the USB interface directory (it has `bInterfaceNumber`, two
//! hex digits), whose parent is the USB device. A USB-serial driver (option, usb_wwan) puts
//! `ttyUSB<n>` directly in the interface directory; cdc_acm puts it under `tty/`.

use super::profile::PortKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where `device` (a tty, or a link to one) sits: the USB interface it belongs to, a UART
/// (a tty with a device in sysfs but no USB interface above it), or unknown (no sysfs
/// entry: a pseudo-terminal).
pub fn port_kind(sys: &Path, device: &Path) -> PortKind {
    match located(sys, device) {
        Ok(Located {
            interface: Some((number, _)),
            ..
        }) => PortKind::Usb(number),
        Ok(_) => PortKind::Uart,
        Err(_) => PortKind::Unknown,
    }
}

/// The audio port of the USB modem whose AT port is `device`: the tty of the interface that
/// `by_id` names for the modem's USB id (`"12d1:1001"`), as a path beside the resolved
/// `device` (normally `/dev/ttyUSB<n>`). `sys` is the sysfs mount (`/sys`). Refuses a USB id
/// `by_id` does not know, and an interface that is the AT port's own.
pub fn audio_port(
    sys: &Path,
    device: &Path,
    by_id: &BTreeMap<String, u8>,
) -> Result<PathBuf, String> {
    let at = located(sys, device)?;
    let Some((own_number, own)) = &at.interface else {
        return Err(format!("{} is not on a USB interface", at.real.display()));
    };
    let usb_device = own
        .parent()
        .ok_or_else(|| format!("{} has no USB device above it", own.display()))?;
    let hex = |name: &str| {
        std::fs::read_to_string(usb_device.join(name))
            .map(|v| v.trim().to_ascii_lowercase())
            .map_err(|e| format!("cannot read {name} of {}: {e}", usb_device.display()))
    };
    let id = format!("{}:{}", hex("idVendor")?, hex("idProduct")?);
    let interface = by_id
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&id))
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("the profile does not know where USB id {id} has its audio port"))?;
    if interface == *own_number {
        return Err(format!(
            "USB id {id} has its audio port on interface {interface}, which is the AT port {} \
             itself: is `device` the right port?",
            at.real.display()
        ));
    }
    let dev_dir = at.real.parent().unwrap_or(Path::new("/dev"));
    let entries = std::fs::read_dir(usb_device)
        .map_err(|e| format!("cannot read {}: {e}", usb_device.display()))?;
    for entry in entries.flatten() {
        let dir = entry.path();
        if interface_number(&dir) != Some(interface) {
            continue;
        }
        return tty_in(&dir).map(|tty| dev_dir.join(tty)).ok_or_else(|| {
            format!(
                "USB interface {interface} of {} has no tty",
                at.real.display()
            )
        });
    }
    Err(format!(
        "the USB device of {} has no interface {interface}",
        at.real.display()
    ))
}

/// A tty resolved, and the USB interface directory above it (with its number), if any.
struct Located {
    real: PathBuf,
    interface: Option<(u8, PathBuf)>,
}

fn located(sys: &Path, device: &Path) -> Result<Located, String> {
    let real = std::fs::canonicalize(device)
        .map_err(|e| format!("cannot resolve {}: {e}", device.display()))?;
    let Some(name) = real.file_name() else {
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
    let interface = port
        .ancestors()
        .find_map(|dir| interface_number(dir).map(|n| (n, dir.to_path_buf())));
    Ok(Located { real, interface })
}

fn interface_number(dir: &Path) -> Option<u8> {
    let text = std::fs::read_to_string(dir.join("bInterfaceNumber")).ok()?;
    u8::from_str_radix(text.trim(), 16).ok()
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
        std::fs::create_dir_all(&usb).unwrap();
        std::fs::write(usb.join("idVendor"), "12d1\n").unwrap();
        std::fs::write(usb.join("idProduct"), "1001\n").unwrap();
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
        std::fs::create_dir_all(&acm).unwrap();
        std::fs::write(acm.join("idVendor"), "1e0e\n").unwrap();
        std::fs::write(acm.join("idProduct"), "9001\n").unwrap();
        let uart = r.join("sys/devices/platform/serial8250/tty/ttyS0");
        std::fs::create_dir_all(&uart).unwrap();
        std::fs::create_dir_all(r.join("sys/class/tty/ttyS0")).unwrap();
        symlink(&uart, r.join("sys/class/tty/ttyS0/device")).unwrap();
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

    fn ids(pairs: &[(&str, u8)]) -> BTreeMap<String, u8> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_audio_port_beside_the_at_port() {
        let root = tree();
        let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
        let real_dev = std::fs::canonicalize(&dev).unwrap();
        let huawei = ids(&[("12D1:1001", 1), ("12d1:140c", 2)]);
        let found = audio_port(&sys, &dev.join("otpgate/huawei-usb1-1-at"), &huawei).unwrap();
        assert_eq!(found, real_dev.join("ttyUSB1"));
        let acm = ids(&[("1e0e:9001", 2)]);
        assert_eq!(
            audio_port(&sys, &dev.join("ttyACM0"), &acm).unwrap(),
            real_dev.join("ttyACM1")
        );
        assert_eq!(port_kind(&sys, &dev.join("ttyUSB2")), PortKind::Usb(2));
        assert_eq!(port_kind(&sys, &dev.join("ttyACM1")), PortKind::Usb(2));
        assert_eq!(port_kind(&sys, &dev.join("ttyS0")), PortKind::Uart);
        assert_eq!(port_kind(&sys, &dev.join("ttyUSB9")), PortKind::Unknown);
    }

    #[test]
    fn what_cannot_be_found_says_why() {
        let root = tree();
        let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
        let huawei = ids(&[("12d1:1001", 4)]);
        let e = audio_port(&sys, &dev.join("ttyUSB2"), &huawei).unwrap_err();
        assert!(e.contains("no interface 4"), "{e}");
        let e = audio_port(&sys, &dev.join("ttyUSB2"), &ids(&[("12d1:1001", 2)])).unwrap_err();
        assert!(e.contains("AT port"), "{e}");
        let e = audio_port(&sys, &dev.join("ttyUSB2"), &ids(&[("12d1:14ac", 3)])).unwrap_err();
        assert!(e.contains("12d1:1001"), "{e}");
        let e = audio_port(&sys, &dev.join("ttyS0"), &huawei).unwrap_err();
        assert!(e.contains("not on a USB interface"), "{e}");
        let e = audio_port(&sys, &dev.join("ttyUSB9"), &huawei).unwrap_err();
        assert!(e.contains("cannot resolve"), "{e}");
    }
}
