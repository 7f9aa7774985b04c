//! The modem's message memories and the TS 27.005 commands that read them: "SM" on the SIM
//! (received SMS-DELIVERs, and status reports when there is no "SR") and "SR" for status
//! reports where the vendor has it. +CPMS (§3.2.2) selects `<mem1>` (read, list, delete);
//! received messages go to `<mem3>`, always "SM" here. +CMGR (§3.4.3), +CMGL (§3.4.2) and
//! +CMGD (§3.5.4) in PDU mode; reading a REC UNREAD message makes it REC READ.
//!
//! Indexes start at the vendor's first index (0 or 1). Text mode (+CMGF=1) reads answer
//! `+CMS ERROR: 302`: the simulator stores PDUs and speaks PDU mode only.

use super::commands::{Modem, Next};
use super::errors::Final;
use super::pdu_out::Pdu;
use super::syntax::{number, params, Cmd, Form};
use serde_json::{json, Value};

/// <stat> in PDU mode (TS 27.005 §3.1): 0 REC UNREAD, 1 REC READ.
const REC_UNREAD: u8 = 0;
const REC_READ: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mem {
    Sm,
    Sr,
}

impl Mem {
    pub(super) fn name(self) -> &'static str {
        match self {
            Mem::Sm => "SM",
            Mem::Sr => "SR",
        }
    }
}

/// What a stored PDU holds, for the `storage` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Summary {
    Deliver {
        from: String,
        text: String,
        concat: Option<(u8, u8, u8)>,
    },
    Report {
        mr: u8,
        recipient: String,
        status: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stored {
    pub stat: u8,
    pub pdu: Pdu,
    pub summary: Summary,
}

impl Stored {
    pub(super) fn unread(pdu: Pdu, summary: Summary) -> Stored {
        Stored {
            stat: REC_UNREAD,
            pdu,
            summary,
        }
    }
}

#[derive(Debug)]
pub(super) struct SmsStore {
    sm: Vec<Option<Stored>>,
    sr: Option<Vec<Option<Stored>>>,
    first_index: usize,
    /// <mem1>, the memory +CMGR/+CMGL/+CMGD work on.
    mem1: Mem,
}

impl SmsStore {
    pub(super) fn new(capacity: usize, has_sr: bool, first_index: usize) -> SmsStore {
        SmsStore {
            sm: vec![None; capacity],
            sr: has_sr.then(|| vec![None; capacity]),
            first_index,
            mem1: Mem::Sm,
        }
    }

    /// Back to the power-up memory selection; the messages stay (they are on the SIM).
    pub(super) fn power_up(&mut self) {
        self.mem1 = Mem::Sm;
    }

    /// Where status reports are stored: "SR" if the modem has it.
    pub(super) fn report_mem(&self) -> Mem {
        if self.sr.is_some() {
            Mem::Sr
        } else {
            Mem::Sm
        }
    }

    pub(super) fn has_room(&self, mem: Mem) -> bool {
        self.slots(mem).iter().any(Option::is_none)
    }

    /// Stores in the first free slot; answers its index as the modem shows it.
    pub(super) fn store(&mut self, mem: Mem, item: Stored) -> Option<usize> {
        let first = self.first_index;
        let slots = self.slots_mut(mem);
        let (i, slot) = slots.iter_mut().enumerate().find(|(_, s)| s.is_none())?;
        *slot = Some(item);
        Some(i + first)
    }

    fn slots(&self, mem: Mem) -> &[Option<Stored>] {
        match (mem, &self.sr) {
            (Mem::Sr, Some(sr)) => sr,
            _ => &self.sm,
        }
    }

    fn slots_mut(&mut self, mem: Mem) -> &mut Vec<Option<Stored>> {
        match (mem, &mut self.sr) {
            (Mem::Sr, Some(sr)) => sr,
            _ => &mut self.sm,
        }
    }

    fn used(&self, mem: Mem) -> usize {
        self.slots(mem).iter().filter(|s| s.is_some()).count()
    }

    /// The slot behind a wire index of <mem1>: `None` when out of range.
    fn slot(&mut self, index: u32) -> Option<&mut Option<Stored>> {
        let i = usize::try_from(index).ok()?.checked_sub(self.first_index)?;
        let mem = self.mem1;
        self.slots_mut(mem).get_mut(i)
    }

    /// +CPMS, +CMGR, +CMGL, +CMGD.
    pub(super) fn execute(&mut self, modem: &Modem, cmd: &Cmd, lines: &mut Vec<String>) -> Next {
        if let Some(code) = modem.sms_blocked().filter(|_| cmd.form != Form::Test) {
            return Next::Stop(Final::Cms(code));
        }
        let pdu_mode = modem.settings.cmgf == 0;
        match (cmd.name.as_str(), cmd.form) {
            ("+CPMS", Form::Test) => {
                let mem1 = if self.sr.is_some() {
                    "(\"SM\",\"SR\")"
                } else {
                    "(\"SM\")"
                };
                lines.push(format!("+CPMS: {mem1},(\"SM\"),(\"SM\")"));
            }
            ("+CPMS", Form::Query) => {
                let part =
                    |m: Mem| format!("\"{}\",{},{}", m.name(), self.used(m), self.capacity(m));
                lines.push(format!(
                    "+CPMS: {},{},{}",
                    part(self.mem1),
                    part(Mem::Sm),
                    part(Mem::Sm)
                ));
            }
            ("+CPMS", Form::Set(v)) => return self.select(v, lines),
            ("+CMGR" | "+CMGL" | "+CMGD", Form::Test) => {}
            ("+CMGR" | "+CMGL", _) if !pdu_mode => return Next::Stop(Final::Cms(302)),
            ("+CMGR", Form::Set(v)) => return self.read(v, lines),
            ("+CMGL", Form::Exec) => return self.list("0", lines),
            ("+CMGL", Form::Set(v)) => return self.list(v, lines),
            ("+CMGD", Form::Set(v)) => return self.delete(v),
            _ => return Next::Stop(Final::Error),
        }
        Next::Continue
    }

    fn capacity(&self, mem: Mem) -> usize {
        self.slots(mem).len()
    }

    /// AT+CPMS=<mem1>[,<mem2>[,<mem3>]]: <mem1> "SM" or "SR", the others "SM" only.
    fn select(&mut self, args: &str, lines: &mut Vec<String>) -> Next {
        let mems = params(args);
        let mem1 = match mems.first().map(|m| m.to_ascii_uppercase()).as_deref() {
            Some("SM") => Mem::Sm,
            Some("SR") if self.sr.is_some() => Mem::Sr,
            _ => return Next::Stop(Final::Cms(302)),
        };
        if mems.len() > 3 || mems.iter().skip(1).any(|m| !m.eq_ignore_ascii_case("SM")) {
            return Next::Stop(Final::Cms(302));
        }
        self.mem1 = mem1;
        let (u1, t1) = (self.used(mem1), self.capacity(mem1));
        let (u, t) = (self.used(Mem::Sm), self.capacity(Mem::Sm));
        lines.push(format!("+CPMS: {u1},{t1},{u},{t},{u},{t}"));
        Next::Continue
    }

    /// AT+CMGR=<index>: `+CMGR: <stat>,,<length>` and the PDU on the next line.
    fn read(&mut self, args: &str, lines: &mut Vec<String>) -> Next {
        let Some(slot) = number(args).and_then(|i| self.slot(i)) else {
            return Next::Stop(Final::Cms(321));
        };
        let Some(item) = slot.as_mut() else {
            return Next::Stop(Final::Cms(321));
        };
        lines.push(format!(
            "+CMGR: {},,{}\r\n{}",
            item.stat,
            item.pdu.tpdu_len,
            item.pdu.hex()
        ));
        if item.stat == REC_UNREAD {
            item.stat = REC_READ;
        }
        Next::Continue
    }

    /// AT+CMGL=<stat>: 0 unread, 1 read, 2 unsent, 3 sent, 4 all; one
    /// `+CMGL: <index>,<stat>,,<length>` + PDU per message.
    fn list(&mut self, args: &str, lines: &mut Vec<String>) -> Next {
        let wanted = match number(args) {
            Some(n @ 0..=4) => n,
            _ => return Next::Stop(Final::Cms(304)),
        };
        let first = self.first_index;
        let mem = self.mem1;
        for (i, slot) in self.slots_mut(mem).iter_mut().enumerate() {
            let Some(item) = slot.as_mut() else { continue };
            if wanted != 4 && u32::from(item.stat) != wanted {
                continue;
            }
            lines.push(format!(
                "+CMGL: {},{},,{}\r\n{}",
                i + first,
                item.stat,
                item.pdu.tpdu_len,
                item.pdu.hex()
            ));
            if item.stat == REC_UNREAD {
                item.stat = REC_READ;
            }
        }
        Next::Continue
    }

    /// AT+CMGD=<index>[,<delflag>]: flag 0 that index; 1 every read message; 2-3 read and
    /// (un)sent ones (none are stored here); 4 everything. An empty slot is fine.
    fn delete(&mut self, args: &str) -> Next {
        let p = params(args);
        let flag = match p.get(1).filter(|f| !f.is_empty()) {
            None => 0,
            Some(f) => match number(f) {
                Some(n @ 0..=4) => n,
                _ => return Next::Stop(Final::Cms(302)),
            },
        };
        if flag > 0 {
            let mem = self.mem1;
            for slot in self.slots_mut(mem).iter_mut() {
                if flag == 4 || slot.as_ref().is_some_and(|s| s.stat == REC_READ) {
                    *slot = None;
                }
            }
            return Next::Continue;
        }
        match p.first().and_then(|i| number(i)).and_then(|i| self.slot(i)) {
            Some(slot) => {
                *slot = None;
                Next::Continue
            }
            None => Next::Stop(Final::Cms(321)),
        }
    }

    /// The `storage` control answer: every stored message, memory by memory.
    pub(super) fn to_json(&self) -> Value {
        let mut out = Vec::new();
        let mems = [Some(Mem::Sm), self.sr.as_ref().map(|_| Mem::Sr)];
        for mem in mems.into_iter().flatten() {
            for (i, slot) in self.slots(mem).iter().enumerate() {
                let Some(item) = slot else { continue };
                let stat = if item.stat == REC_UNREAD {
                    "REC UNREAD"
                } else {
                    "REC READ"
                };
                let mut entry = json!({
                    "memory": mem.name(),
                    "index": i + self.first_index,
                    "stat": stat,
                    "pdu": item.pdu.hex(),
                });
                let extra = match &item.summary {
                    Summary::Deliver { from, text, concat } => json!({
                        "kind": "deliver", "from": from, "text": text,
                        "concat": concat.map(|(r, t, s)| json!({"ref": r, "total": t, "seq": s})),
                    }),
                    Summary::Report {
                        mr,
                        recipient,
                        status,
                    } => json!({
                        "kind": "status_report", "mr": mr, "recipient": recipient, "status": status,
                    }),
                };
                if let (Some(e), Value::Object(more)) = (entry.as_object_mut(), extra) {
                    e.extend(more);
                }
                out.push(entry);
            }
        }
        Value::Array(out)
    }
}
