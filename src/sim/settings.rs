//! Vendor settings the modem keeps that change how it behaves, and that otpgate's modem
//! profiles set at bring-up:
//! - Quectel `AT+QURCCFG="urcport"[,"usbat"|"usbmodem"|"uart1"]` (EC2x AT Commands Manual):
//!   which port carries URCs. Kept in non-volatile memory, so it survives a reboot; while it
//!   is not "usbat" (the port we play), this port hears no URC at all (`--urc-port`).
//! - Huawei `AT^CURC=<0|1>`: periodic unsolicited reports (^RSSI here) on or off.
//! - SIMCom `AT+CVHU=<0|1>`: with 1 ATH answers OK and leaves a voice call up.
//!
//! Pure: a command in, lines and a final result out.

use super::commands::Next;
use super::errors::Final;
use super::syntax::{number, params, Cmd, Form};
use super::vendor::Vendor;

/// The settings (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VendorSettings {
    /// Quectel: "usbat", "usbmodem" or "uart1".
    pub urc_port: String,
    /// Huawei: periodic reports on (1) or off (0).
    pub curc: u8,
    /// SIMCom: 0 ATH ends voice calls, 1 it does not.
    pub cvhu: u8,
}

impl VendorSettings {
    pub(super) fn new(urc_port: &str) -> VendorSettings {
        VendorSettings {
            urc_port: urc_port.to_string(),
            curc: 1,
            cvhu: 1,
        }
    }

    /// Whether URCs reach the port we play.
    pub(super) fn urcs_here(&self) -> bool {
        self.urc_port == "usbat"
    }

    /// Whether `name` is one of these commands for `vendor`.
    pub(super) fn handles(vendor: Vendor, name: &str) -> bool {
        matches!(
            (vendor, name),
            (Vendor::Quectel, "+QURCCFG") | (Vendor::Huawei, "^CURC") | (Vendor::Simcom, "+CVHU")
        )
    }

    pub(super) fn execute(&mut self, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
        match (cmd.name.as_str(), cmd.form) {
            ("+QURCCFG", Form::Set(args)) => {
                let p = params(args);
                match p.as_slice() {
                    [kind] if kind.eq_ignore_ascii_case("urcport") => {
                        lines.push(format!("+QURCCFG: \"urcport\",\"{}\"", self.urc_port));
                        Next::Continue
                    }
                    [kind, port]
                        if kind.eq_ignore_ascii_case("urcport")
                            && ["usbat", "usbmodem", "uart1"].contains(port) =>
                    {
                        self.urc_port = port.to_string();
                        Next::Continue
                    }
                    _ => Next::Stop(Final::Error),
                }
            }
            ("+QURCCFG", Form::Test) => {
                lines.push("+QURCCFG: \"urcport\",(\"usbat\",\"usbmodem\",\"uart1\")".into());
                Next::Continue
            }
            ("^CURC", Form::Set(v)) => match number(v) {
                Some(n @ 0..=1) => {
                    self.curc = n as u8;
                    Next::Continue
                }
                _ => Next::Stop(Final::Error),
            },
            ("^CURC", Form::Query) => {
                lines.push(format!("^CURC: {}", self.curc));
                Next::Continue
            }
            ("+CVHU", Form::Set(v)) => match number(v) {
                Some(n @ 0..=1) => {
                    self.cvhu = n as u8;
                    Next::Continue
                }
                _ => Next::Stop(Final::Error),
            },
            ("+CVHU", Form::Query) => {
                lines.push(format!("+CVHU: {}", self.cvhu));
                Next::Continue
            }
            ("+CVHU", Form::Test) => {
                lines.push("+CVHU: (0-1)".into());
                Next::Continue
            }
            _ => Next::Stop(Final::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::syntax::parse;

    fn run(s: &mut VendorSettings, line: &str) -> (Vec<String>, bool) {
        let cmds = parse(line.strip_prefix("AT").unwrap()).unwrap();
        let mut lines = Vec::new();
        let ok = matches!(s.execute(&cmds[0], &mut lines), Next::Continue);
        (lines, ok)
    }

    #[test]
    fn urc_port_is_set_and_read() {
        let mut s = VendorSettings::new("usbmodem");
        assert!(!s.urcs_here());
        assert_eq!(
            run(&mut s, "AT+QURCCFG=\"urcport\"").0,
            ["+QURCCFG: \"urcport\",\"usbmodem\""]
        );
        assert!(run(&mut s, "AT+QURCCFG=\"urcport\",\"usbat\"").1);
        assert!(s.urcs_here());
        assert!(!run(&mut s, "AT+QURCCFG=\"urcport\",\"pcie\"").1);
        assert!(run(&mut s, "AT+CVHU=0").1);
        assert_eq!(run(&mut s, "AT+CVHU?").0, ["+CVHU: 0"]);
        assert!(run(&mut s, "AT^CURC=0").1);
        assert!(!run(&mut s, "AT^CURC=7").1);
    }
}
