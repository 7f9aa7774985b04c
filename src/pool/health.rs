//! Health polls of an idle modem: SIM (`+CPIN?`), signal (`+CSQ`), registration (`+CREG?`,
//! `+CEREG?`) and operator (`+COPS?`) — what `/v1/modems` shows, and whether the modem may
//! send. A modem that does not answer a poll is brought up again.

use super::session::Session;
use super::End;
use crate::at::command::{self, Domain, PinState};
use crate::modem::AtError;

/// `+CSQ` `<rssi>` at or below this (-103 dBm) makes the modem degraded.
const WEAK_RSSI: u8 = 5;

impl Session<'_> {
    pub(super) async fn health(&mut self) -> Option<End> {
        match self.modem.command(command::pin_state()).await {
            Ok(lines) => match command::parse_pin_state(&lines) {
                Some(PinState::Ready) | None => {}
                Some(other) => return Some(self.lost(format!("SIM not ready: {other:?}"))),
            },
            Err(e) => return self.poll_failed(e),
        }
        match self.modem.command(command::signal()).await {
            Ok(lines) => {
                let rssi = command::parse_signal(&lines).filter(|r| *r != 99);
                self.pool.board.set_health(&self.spec.id, |i| {
                    i.rssi = rssi;
                    i.signal_dbm = rssi.and_then(command::rssi_dbm);
                });
                self.warning = match rssi {
                    Some(r) if r <= WEAK_RSSI => Some(format!(
                        "weak signal ({} dBm)",
                        command::rssi_dbm(r).unwrap_or(-113)
                    )),
                    None => Some("signal unknown".into()),
                    _ => None,
                };
            }
            Err(e) => return self.poll_failed(e),
        }
        let mut best = None;
        for domain in [Domain::Cs, Domain::Eps] {
            match self.modem.command(command::registration(domain)).await {
                Ok(lines) => {
                    if let Some(stat) = command::parse_registration(&lines) {
                        if best.is_none() || command::is_registered(stat) {
                            best = Some(stat);
                        }
                        if command::is_registered(stat) {
                            break;
                        }
                    }
                }
                Err(AtError::Failed { .. }) => {}
                Err(e) => return self.poll_failed(e),
            }
        }
        if let Some(stat) = best {
            self.set_registered(stat);
        }
        if let Ok(lines) = self.modem.command(command::operator()).await {
            let operator = command::parse_operator(&lines);
            self.pool
                .board
                .set_health(&self.spec.id, |i| i.operator = operator);
        }
        None
    }

    fn poll_failed(&mut self, e: AtError) -> Option<End> {
        match e {
            AtError::Failed { .. } | AtError::Unexpected { .. } => None,
            other => Some(self.lost(format!("no answer to a health poll: {other}"))),
        }
    }
}
