//! What a modem receives: SMS (`+CMTI` stored, `+CMT` routed) and status reports (`+CDS`
//! routed, `+CDSI` stored), 27.005 §3.4.1.
//!
//! A stored SMS is read with `AT+CMGR`, kept in the [`crate::inbox`] and flushed, and only then
//! deleted with `AT+CMGD`: a crash in between reads it again, never loses it. Messages already
//! stored when a session starts are swept with `AT+CMGL=4`, in every memory the modem offers. A status report is matched to
//! its part by (modem, TP-MR) in the queue.

use super::session::Session;
use super::End;
use crate::at::command;
use crate::modem::AtError;
use crate::queue::ReportOutcome;
use crate::sms::{self, DeliveryOutcome, Incoming};

impl Session<'_> {
    /// Reads and clears what waits on the modem: every memory it offers for reading (`SM`
    /// the SIM, `ME` the modem, `SR` status reports; `MT` is `SM` and `ME` together), so an
    /// SMS stored in a memory other than the one last selected is not missed. A modem that
    /// does not answer `AT+CPMS=?` has its current memory swept.
    pub(super) async fn sweep_storage(&mut self) -> Result<(), End> {
        let offered = match self.modem.command(command::storage_options()).await {
            Ok(lines) => command::parse_storage_options(&lines),
            Err(e) => {
                self.soft(e, "cannot ask for the SMS memories")?;
                Vec::new()
            }
        };
        let memories: Vec<&str> = ["SM", "ME", "SR"]
            .into_iter()
            .filter(|m| offered.iter().any(|o| o.eq_ignore_ascii_case(m)))
            .collect();
        if memories.is_empty() {
            return self.sweep_current("").await;
        }
        for mem in memories {
            match self.modem.command(command::message_storage(mem)).await {
                Ok(_) => self.mem1 = Some(mem.to_string()),
                Err(e) => {
                    self.soft(e, &format!("cannot select memory {mem}"))?;
                    continue;
                }
            }
            self.sweep_current(mem).await?;
        }
        Ok(())
    }

    /// `AT+CMGL=4` on the selected memory; each message read, kept and deleted.
    async fn sweep_current(&mut self, mem: &str) -> Result<(), End> {
        let lines = match self.modem.command(command::list_messages()).await {
            Ok(lines) => lines,
            // Some modems list status reports with +CMGR only.
            Err(AtError::Failed { .. }) if mem == "SR" => return Ok(()),
            Err(e) => return self.soft(e, &format!("cannot list stored SMS {mem}")),
        };
        for (index, pdu) in command::parse_list(&lines) {
            self.process_stored(index, &pdu).await?;
        }
        Ok(())
    }

    /// `+CMTI`/`+CDSI`: one stored message, in `mem` at `index`.
    pub(super) async fn read_stored(&mut self, mem: &str, index: u32) -> Result<(), End> {
        if self.mem1.as_deref() != Some(mem) {
            match self.modem.command(command::message_storage(mem)).await {
                Ok(_) => self.mem1 = Some(mem.to_string()),
                Err(e) => return self.soft(e, &format!("cannot select memory {mem}")),
            }
        }
        let lines = match self.modem.command(command::read_message(index)).await {
            Ok(lines) => lines,
            Err(e) => return self.soft(e, &format!("cannot read SMS {mem}/{index}")),
        };
        match command::parse_read(&lines) {
            Some(pdu) => self.process_stored(index, &pdu).await,
            None => Ok(()),
        }
    }

    async fn process_stored(&mut self, index: u32, pdu: &str) -> Result<(), End> {
        let done = match sms::decode(pdu) {
            Ok(Incoming::Deliver(d)) => self.keep(&d).await,
            Ok(Incoming::StatusReport(r)) => {
                self.apply_report(&r);
                true
            }
            // A message we stored ourselves, not ours to delete.
            Ok(Incoming::Submit(_)) => false,
            Err(e) => {
                // Left on the SIM for the operator rather than destroyed.
                self.note(format!(
                    "undecodable SMS at index {index} left on the SIM: {e}"
                ));
                false
            }
        };
        if done {
            if let Err(e) = self.modem.command(command::delete_message(index)).await {
                return self.soft(e, &format!("cannot delete SMS {index}"));
            }
        }
        Ok(())
    }

    /// `+CMT`: an SMS routed straight to us (not stored on the SIM).
    pub(super) async fn receive_pdu(&mut self, pdu: &str) {
        match sms::decode_deliver(pdu) {
            Ok(d) => {
                self.keep(&d).await;
            }
            Err(e) => self.note(format!("undecodable +CMT: {e}")),
        }
    }

    /// Stores a received SMS durably; `true` once it may be deleted from the SIM.
    async fn keep(&mut self, d: &sms::Deliver) -> bool {
        let inbox = &self.pool.inbox;
        let stored = inbox.receive(&self.spec.id, d);
        match (stored, inbox.flush().await) {
            (Ok(whole), Ok(())) => {
                if let Some(msg) = whole {
                    self.pool.board.count_received(&self.spec.id);
                    tracing::info!(modem = %self.spec.id, id = msg.id, parts = msg.parts, "SMS received");
                }
                true
            }
            (Err(e), _) => {
                self.note(format!("cannot store a received SMS: {e}"));
                false
            }
            (_, Err(e)) => {
                self.note(format!("cannot store a received SMS: {e}"));
                false
            }
        }
    }

    /// `+CDS`: a status report routed straight to us.
    pub(super) fn apply_report_pdu(&mut self, pdu: &str) {
        match sms::decode_status_report(pdu) {
            Ok(r) => self.apply_report(&r),
            Err(e) => self.note(format!("undecodable status report: {e}")),
        }
    }

    fn apply_report(&mut self, r: &sms::StatusReport) {
        self.pool.board.count_report(&self.spec.id);
        let outcome = match r.outcome() {
            DeliveryOutcome::Delivered => ReportOutcome::Delivered,
            DeliveryOutcome::Pending => ReportOutcome::Pending(sms::status_text(r.status)),
            DeliveryOutcome::Failed(reason) => ReportOutcome::Failed(reason),
        };
        match self
            .pool
            .queue
            .report(&self.spec.id, r.message_ref, &outcome)
        {
            Ok(Some(m)) => {
                let request_id = m.extra.request_id.as_deref().unwrap_or("-");
                tracing::debug!(modem = %self.spec.id, id = m.id, request_id, mr = r.message_ref, ?outcome, "status report")
            }
            Ok(None) => {
                tracing::debug!(modem = %self.spec.id, mr = r.message_ref, "status report for no known part")
            }
            Err(e) => self.note(format!("cannot record a status report: {e}")),
        }
    }

    /// A command failed: a dead modem ends the session; an error answer is noted and skipped.
    fn soft(&mut self, e: AtError, what: &str) -> Result<(), End> {
        match e {
            AtError::Timeout { .. } | AtError::Closed | AtError::Io(_) => {
                Err(self.lost(format!("{what}: {e}")))
            }
            other => {
                self.note(format!("{what}: {other}"));
                Ok(())
            }
        }
    }

    fn note(&mut self, error: String) {
        tracing::warn!(modem = %self.spec.id, %error);
        self.pool.board.note_error(&self.spec.id, error);
    }
}
