//! What differs between the modem families the simulator can play (`--vendor`): the lines a
//! modem prints while it boots and when its SIM goes, where its SMS indexes start, whether it
//! has a status-report memory, and which vendor audio commands it knows.
//!
//! Sources: Quectel EC2x/EG9x AT Commands Manual (RDY, +CFUN, +CPIN, +QUSIM, +QIND; the
//! audio chapter for QTTS/QWTTS/QPSND) and its FILE AT Commands Manual (QFUPL/QFLST/QFDEL);
//! SIMCom SIM800 AT Command Manual (RDY, Call Ready, SMS Ready; CREC, CTTS, FS*); Huawei
//! E-series AT Command Interface Specification (^BOOT, ^SIMST, ^ORIG/^CONF/^CONN/^CEND,
//! ^DDSETEX, ^CVOICE). The generic modem has only what TS 27.005/27.007 define.

use serde::{Deserialize, Serialize};

/// The modem family to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// TS 27.005/27.007 only: no vendor audio commands.
    #[default]
    Generic,
    /// Quectel EC2x/EG9x: AT+QTTS/QWTTS, AT+QFUPL/QFLST/QFDEL, AT+QPSND.
    Quectel,
    /// SIMCom SIM800/SIM7600: AT+CTTS, AT+CREC, AT+FSCREATE/FSWRITE/FSLS/FSDEL.
    Simcom,
    /// Huawei E-series voice sticks: AT^DDSETEX and the PCM audio port.
    Huawei,
}

/// The SIM as the boot lines and +CPIN report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SimState {
    Ready,
    Pin,
    Puk,
    Absent,
    /// Still starting after power-up (`--sim-busy-ms`): no `+CPIN:` line yet.
    Starting,
}

impl Vendor {
    pub(super) fn name(self) -> &'static str {
        match self {
            Vendor::Generic => "generic",
            Vendor::Quectel => "quectel",
            Vendor::Simcom => "simcom",
            Vendor::Huawei => "huawei",
        }
    }

    /// The unsolicited lines once a (re)booted modem is up, in order.
    pub(super) fn boot_lines(self, sim: SimState) -> Vec<String> {
        // A SIM still starting says nothing yet: its line comes when it is done.
        let cpin = match sim {
            SimState::Ready => Some("+CPIN: READY"),
            SimState::Pin => Some("+CPIN: SIM PIN"),
            SimState::Puk => Some("+CPIN: SIM PUK"),
            SimState::Absent => Some("+CPIN: NOT INSERTED"),
            SimState::Starting => None,
        };
        let ready = sim == SimState::Ready;
        let mut lines: Vec<&str> = match self {
            Vendor::Generic => ["RDY"].into_iter().chain(cpin).collect(),
            Vendor::Quectel => {
                let mut l: Vec<&str> = ["RDY", "+CFUN: 1"].into_iter().chain(cpin).collect();
                if !matches!(sim, SimState::Absent | SimState::Starting) {
                    l.push("+QUSIM: 1");
                }
                l
            }
            Vendor::Simcom => ["RDY", "+CFUN: 1"].into_iter().chain(cpin).collect(),
            // Huawei sticks announce themselves with ^BOOT and the SIM with ^SIMST (1 valid,
            // 255 not present) rather than +CPIN.
            Vendor::Huawei if sim == SimState::Starting => vec!["^BOOT:20121031,0,0,0,72"],
            Vendor::Huawei => vec!["^BOOT:20121031,0,0,0,72", self.simst(sim)],
        };
        match (self, ready) {
            (Vendor::Quectel, true) => lines.push("+QIND: SMS DONE"),
            (Vendor::Simcom, true) => lines.extend(["Call Ready", "SMS Ready"]),
            _ => {}
        }
        lines.into_iter().map(String::from).collect()
    }

    /// What the modem says when the SIM is pulled out (or comes back, or is done starting)
    /// while it runs.
    pub(super) fn sim_change_line(self, sim: SimState) -> String {
        match (self, sim) {
            (Vendor::Huawei, _) => self.simst(sim).to_string(),
            (_, SimState::Starting) => "+CPIN: NOT READY".into(),
            (_, SimState::Absent) => "+CPIN: NOT INSERTED".into(),
            (_, SimState::Ready) => "+CPIN: READY".into(),
            (_, SimState::Pin) => "+CPIN: SIM PIN".into(),
            (_, SimState::Puk) => "+CPIN: SIM PUK".into(),
        }
    }

    fn simst(self, sim: SimState) -> &'static str {
        if sim == SimState::Absent {
            "^SIMST:255"
        } else {
            "^SIMST:1"
        }
    }

    /// The first SMS index: Quectel and Huawei count storage from 0, SIMCom and the
    /// generic modem from 1 (TS 27.005 leaves it to the manufacturer).
    pub(super) fn first_index(self) -> usize {
        match self {
            Vendor::Quectel | Vendor::Huawei => 0,
            Vendor::Simcom | Vendor::Generic => 1,
        }
    }

    /// Whether +CPMS offers the "SR" status-report memory (TS 27.005 §3.2.2).
    pub(super) fn has_sr_memory(self) -> bool {
        matches!(self, Vendor::Quectel | Vendor::Simcom)
    }

    /// Whether a call's progress is also told with Huawei's ^ORIG/^CONF/^CONN/^CEND.
    pub(super) fn call_progress_lines(self) -> bool {
        self == Vendor::Huawei
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_lines_per_vendor() {
        let cases: &[(Vendor, SimState, &[&str])] = &[
            (Vendor::Generic, SimState::Ready, &["RDY", "+CPIN: READY"]),
            (
                Vendor::Quectel,
                SimState::Ready,
                &[
                    "RDY",
                    "+CFUN: 1",
                    "+CPIN: READY",
                    "+QUSIM: 1",
                    "+QIND: SMS DONE",
                ],
            ),
            (
                Vendor::Quectel,
                SimState::Absent,
                &["RDY", "+CFUN: 1", "+CPIN: NOT INSERTED"],
            ),
            (
                Vendor::Simcom,
                SimState::Ready,
                &["RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"],
            ),
            (
                Vendor::Simcom,
                SimState::Pin,
                &["RDY", "+CFUN: 1", "+CPIN: SIM PIN"],
            ),
            (
                Vendor::Huawei,
                SimState::Ready,
                &["^BOOT:20121031,0,0,0,72", "^SIMST:1"],
            ),
            (Vendor::Generic, SimState::Starting, &["RDY"]),
            (Vendor::Quectel, SimState::Starting, &["RDY", "+CFUN: 1"]),
            (Vendor::Simcom, SimState::Starting, &["RDY", "+CFUN: 1"]),
            (
                Vendor::Huawei,
                SimState::Starting,
                &["^BOOT:20121031,0,0,0,72"],
            ),
        ];
        for (vendor, sim, want) in cases {
            assert_eq!(vendor.boot_lines(*sim), *want, "{vendor:?} {sim:?}");
        }
        assert_eq!(
            Vendor::Huawei.sim_change_line(SimState::Absent),
            "^SIMST:255"
        );
        assert_eq!(
            Vendor::Simcom.sim_change_line(SimState::Absent),
            "+CPIN: NOT INSERTED"
        );
    }
}
