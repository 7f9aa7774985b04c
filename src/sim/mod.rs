//! The simulated GSM modem: a 3GPP TS 27.005/27.007 modem on a real pseudo-terminal, for
//! tests, CI, benchmarks and the demo. The daemon opens the pty's slave through the symlink at
//! `--link` with its real serial code and talks AT to it; the "phone" at the far end records
//! every complete SMS as one JSON line in `--record` and in [`SimHandle::received`]. It also
//! plays the network's other side: status reports, SMS sent *to* the modem, lost coverage,
//! voice calls answered or not, and the sound a call carries.
//!
//! It owns its own PDU code (`pdu` decodes SMS-SUBMIT, `pdu_out` encodes SMS-DELIVER and
//! SMS-STATUS-REPORT, `gsm7` both ways): it checks otpgate's codec, so it must not reuse it.
//!
//! # Layout
//! - `machine` (+ `machine_input`): the modem as a pure state machine (bytes + time → bytes +
//!   effects + next deadline): command line, echo, +CMGS prompt, waiting ATD, upload data,
//!   boot silence, unsolicited lines at line boundaries only.
//! - `device`: what the modem is and keeps; routes each command. Tables: `commands` (basic,
//!   network, SIM, SMS settings), `sms_store` (+CPMS/+CMGR/+CMGL/+CMGD), `voice` + `calls`
//!   (ATD/ATH/+CHUP/+CLCC/+COLP), `audio` (TTS, playback, ^DDSETEX), `files` (QFUPL, FS*).
//! - `settings`: vendor settings that change behaviour (Quectel's URC port, Huawei's
//!   ^CURC, SIMCom's +CVHU), which otpgate's modem profiles set.
//! - `reports`: status reports owed; `network`/`phone`: what follows Ctrl-Z and the handset;
//!   `noise`: harmless URCs; `vendor`: per-family lines and traits; `media`: WAV/AMR.
//! - `syntax`/`errors`/`identity`: the command line, final results, +CGSN and friends.
//! - `config`/`options`/`rules`: [`SimOptions`] and what the machine makes of them.
//! - `pty`, `runner` (poll loop), `recorder` (WAV files), `requests` (control ops),
//!   `control` (the socket), `handle`: [`spawn`], [`run`], [`SimHandle`].
//! - Tests: tables fed whole and byte-wise (`machine_tests`, `timing_tests`, `sms_tests`,
//!   `fault_tests`, `call_tests`, `audio_tests`, `pdu_tests`, `pdu_out_tests`), and real
//!   ptys opened with `serialport` (`port_tests`, `port_sms_tests`, `port_voice_tests`).
//!
//! The record format, one line per message:
//! `{"to":"+33612345678","text":"...","parts":1,"encoding":"gsm7","status_report":false}`
//! (`encoding` is "gsm7", "ucs2" or "binary"; binary text is the data in hex).
//!
//! # Flags (`otpgate modem-sim`, or [`SimOptions`] in code)
//! Port and identity: `--link PATH` (required), `--record FILE`, `--control SOCKET`,
//! `--seed N` (1), `--manufacturer` ("OTPGATE"), `--model` ("SIM-GSM"), `--urc-noise`.
//!
//! `--vendor generic|quectel|simcom|huawei` (generic) chooses:
//!
//! | vendor  | boot lines                                      | SMS index | "SR" | audio |
//! |---------|-------------------------------------------------|-----------|------|-------|
//! | generic | RDY, +CPIN: …                                   | from 1    | no   | none (ERROR) |
//! | quectel | RDY, +CFUN: 1, +CPIN: …, +QUSIM: 1, +QIND: SMS DONE | from 0 | yes | QTTS, QWTTS, QFUPL/QFLST/QFDEL/QFLDS, QPSND |
//! | simcom  | RDY, +CFUN: 1, +CPIN: …, Call Ready, SMS Ready  | from 1    | yes  | CTTS, CDTAM, CREC, FSCREATE/FSWRITE/FSLS/FSDEL/FSFLSIZE |
//! | huawei  | ^BOOT:20121031,0,0,0,72, ^SIMST:1               | from 0    | no   | ^DDSETEX, ^CVOICE, the audio port; ^ORIG/^CONF/^CONN/^CEND |
//!
//! SMS out: `--latency-ms` (0) before +CMGS answers; `--cms-error-to NUMBER:CODE`,
//! `--cms-error-once NUMBER:CODE`, `--cms-error-rate FRACTION:CODE`; `--esc-answers-ok`.
//!
//! Status reports (TS 27.005 §3.4.1, TS 23.040 §9.2.2.3): every successful +CMGS whose PDU
//! has TP-SRR gets one, `--report-delay-ms` (500) later, TP-MR as +CMGS answered, TP-RA the
//! destination, TP-SCTS the +CMGS time, TP-DT now (UTC, zone 00), TP-ST `--report-status`
//! (0 = delivered; "0x41" or 65). `--report-status-to NUMBER:ST[,ST...]` (repeatable): one
//! report per listed status, each a delay apart ("0x20,0x00": congestion then delivered).
//! Routed per +CNMI `<ds>` when due: 1 `+CDS: <len>` + PDU line; 2 stored ("SR" if the
//! vendor has it, else "SM") with `+CDSI: "<mem>",<index>`; 0 dropped. `<mode>` 0 routes
//! nothing. Reports (and inbound SMS) wait while the modem is not registered.
//!
//! SMS in: `--sm-capacity N` (30) messages in "SM" (and "SR"); `--preload-sms FROM:TEXT`
//! (repeatable) on the SIM at power-up, unread. Arrivals routed per +CNMI `<mt>`: 1 or 3
//! stored with `+CMTI: "SM",<index>` per part; 2 `+CMT: ,<len>` + PDU, not stored; 0 stored
//! silently; a full "SM" holds them at the network until a slot frees. +CMGR/+CMGL in PDU
//! mode only (text mode: `+CMS ERROR: 302`), reading marks REC UNREAD (0) as REC READ (1);
//! an empty or out-of-range index is `+CMS ERROR: 321`; +CMGD flags 0-4.
//!
//! Faults: `--pin PIN`; `--sim-absent`; `--sim-busy-ms MS` (0): after power-up the SIM
//! is still starting that long — `+CPIN?` answers `+CPIN: NOT READY`, the PIN entry, `+CIMI`
//! and `+CCID` `+CME ERROR: 14`, SMS commands `+CMS ERROR: 314` — and says its `+CPIN:`
//! line when done (not among the boot lines); `--sms-busy-ms MS` (0): SMS commands (any
//! form, `=?` too) answer `+CMS ERROR: 314` that long after power-up; `--no-registration`;
//! `--stop-after N` (hang);
//! `--close-after N` (with `--reopen-after-ms MS`) (unplug, replug); `--reboot-after N`;
//! `--reboot-mid-cmgs N` (with `--reboot-unsent`): the Nth PDU gets no +CMGS answer, the modem
//! reboots (the SMS counts as sent unless `--reboot-unsent`); `--boot-ms MS` (300): after a
//! reboot or a replug the modem is silent and deaf that long, then prints its boot lines
//! with echo on, CMEE 0, CNMI 0, CMGF 0, COLP 0 and the SIM locked again if it has a PIN.
//!
//! Calls (`ATD<number>;`): `--answer-ms` (1000) until the callee answers; `--call-busy N`,
//! `--call-no-answer N`, `--call-reject N` (repeatable); `--call-hangup-after-ms MS` (the
//! callee hangs up that long after answering); `--call-script NUMBER:OUTCOME[,...]`
//! (repeatable; NUMBER "*" for any other number; outcomes `answer`, `answer/MS` (hangs up
//! after MS), `busy`, `no-answer`, `reject`; the last one repeats). +CLCC shows
//! `+CLCC: 1,0,<stat>,0,0,"<number>",<145|129>`, stat 2 dialing, 3 alerting (200 ms in),
//! 0 active. With +COLP=0, ATD answers OK at once; BUSY (busy, at 200 ms) and NO CARRIER
//! (rejected at `--answer-ms`, or hung up by the callee) come unsolicited, an answer only
//! shows in +CLCC. With +COLP=1, ATD's final result waits: `+COLP: "<number>",<type>` + OK,
//! BUSY or NO CARRIER, and any character aborts the wait (NO CARRIER). ATH and AT+CHUP
//! hang up (OK). ATD without ';', or unregistered: NO CARRIER; SIM locked or absent:
//! +CME ERROR 11/10; a second call: +CME ERROR 3; ATA: NO CARRIER.
//!
//! Audio: `--audio-link PATH` links a second pty, the Huawei audio port: after
//! `AT^DDSETEX=2` in an active call (ERROR otherwise) it takes 8 kHz 16-bit LE mono PCM and
//! sends 320 octets of silence every 20 ms; PCM outside that window is dropped.
//! `--audio-dir DIR` writes each call's PCM to `DIR/call-<id>.wav` (one DIR per modem).
//! `--tts-ms-per-char` (80): how long TTS text plays. See `audio` for QTTS/QWTTS/CTTS/
//! QPSND/CREC and `files` for QFUPL/FS*: each sound is recorded on its call (or as local).
//!
//! # Control requests (`--control` socket, one JSON object per line; or [`SimHandle::request`])
//! Every answer is one line, `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
//! - `{"op":"received"}` → `{"ok":true,"received":[<record>...]}`
//! - `{"op":"commands"}` → `{"ok":true,"commands":N}`
//! - `{"op":"command_log"}` → `{"ok":true,"lines":["AT+CGMI",...]}`: the last 512 command
//!   lines as received (in memory only; PDU and upload data not included)
//! - `{"op":"status"}` → `open`, `slave`, `link`, `audio_link`, `vendor`, `commands`,
//!   `received`, `incomplete`, `registered`, `sim_present`, `reports_pending`,
//!   `inbound_waiting`
//! - `{"op":"urc","line":"RDY"}`: any unsolicited line at the next boundary
//! - `{"op":"latency","ms":200}`; `{"op":"hang"}` / `{"op":"resume"}`
//! - `{"op":"close"}` (unplug) / `{"op":"reopen"}` (plug in: new ptys, boots)
//! - `{"op":"reboot","sent":true}`: reboot now; `sent` (default true) says whether an SMS
//!   whose +CMGS is still unanswered reached the network (it gets no answer either way)
//! - `{"op":"network","registered":false}`: lose (or regain) the network: +CREG/+CGREG/
//!   +CEREG unsolicited lines where `<n>` ≥ 1 (stat 2, or 1), the call drops (NO CARRIER)
//! - `{"op":"sim_removed","removed":true}` (default true; false puts it back, locked if it
//!   has a PIN): `+CPIN: NOT INSERTED` (Huawei `^SIMST:255`), the call drops
//! - `{"op":"deliver","from":"+33612345678","text":"...","encoding":"gsm7"|"ucs2"|"auto",
//!   "parts":2}` → `{"ok":true,"parts":N}`: an SMS to the modem (`encoding`, `parts`
//!   optional; alphanumeric `from` up to 11 characters); works before the port is opened
//! - `{"op":"storage"}` → `{"ok":true,"storage":[{"memory":"SM","index":0,"stat":"REC UNREAD",
//!   "pdu":"07...","kind":"deliver","from":"+336...","text":"this part's text",
//!   "concat":{"ref":1,"total":2,"seq":1}|null}, {"memory":"SR","index":0,"stat":...,"pdu":...,
//!   "kind":"status_report","mr":0,"recipient":"+336...","status":0}]}`
//! - `{"op":"report_status","status":"0x41"}` (or a number) sets the default TP-ST;
//!   with `"number":"+336..."` that number's sequence (`"status":"0x20,0x00"`);
//!   `"delay_ms":N` (optional) the delay
//! - `{"op":"call_script","number":"+336...","script":"busy,no-answer,answer/3000"}`
//! - `{"op":"callee_hangup"}`: the called party hangs up now (NO CARRIER); fails if no call
//! - `{"op":"calls"}` → `{"ok":true,"calls":[<call>...],"local":[<sound>...]}` where a call is
//!   `{"id":1,"number":"+336...","outcome":"pending|answered|busy|rejected|no-answer|failed",
//!   "state":"dialing|alerting|active|ended","answered_ms":1000|null,"duration_ms":N|null,
//!   "hung_up_by":"caller|callee|network|modem"|null,"played":[<sound>...],
//!   "audio_port":bool,"pcm_bytes":N,"pcm_ms":N,"wav":"DIR/call-1.wav"|null}` and a sound
//!   `{"kind":"tts"|"file","via":"QWTTS|QTTS|CTTS|QPSND|CREC","text":...,"file":...,
//!   "remote":bool (the callee hears it),"completed":bool,"duration_ms":N,
//!   "format":"wav|amr|unknown" (files)}`; `local` holds sounds played outside any call
//! - `{"op":"files"}` → `{"ok":true,"files":[{"name":"code.wav","size":N,"checksum":"1a2b",
//!   "format":"wav","duration_ms":N}]}`

mod audio;
mod calls;
mod commands;
mod config;
mod control;
mod device;
mod errors;
mod files;
mod gsm7;
mod handle;
mod identity;
mod machine;
mod media;
mod network;
mod noise;
mod options;
mod pdu;
mod pdu_out;
mod phone;
mod pty;
mod recorder;
mod reports;
mod requests;
mod rules;
mod runner;
mod settings;
mod sms_store;
mod syntax;
mod vendor;
mod voice;

#[cfg(test)]
mod audio_tests;
#[cfg(test)]
mod call_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod pdu_out_tests;
#[cfg(test)]
mod pdu_tests;
#[cfg(test)]
mod port_sms_tests;
#[cfg(test)]
mod port_tests;
#[cfg(test)]
mod port_util;
#[cfg(test)]
mod port_voice_tests;
#[cfg(test)]
mod sms_tests;
#[cfg(test)]
mod test_util;
#[cfg(test)]
mod timing_tests;

pub use control::{Request, StatusValue};
pub use handle::{run, spawn, SimHandle};
pub use options::SimOptions;
pub use rules::{CallOutcome, CallScript, ErrorRate, ErrorRule, PreloadSms, ReportRule};
pub use vendor::Vendor;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("{what} failed")]
    Sys {
        what: &'static str,
        #[source]
        source: nix::errno::Errno,
    },
    #[error("cannot link {link}")]
    Link {
        link: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the record file {path}")]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serve the control socket {path}")]
    Control {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the simulated modem's thread is gone")]
    Gone,
}

/// An SMS as the simulated phone received it (all parts reassembled).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceivedSms {
    pub to: String,
    pub text: String,
    pub parts: u8,
    pub encoding: String,
    pub status_report: bool,
}
