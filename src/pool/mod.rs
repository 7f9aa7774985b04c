//! The modem pool: one worker per configured modem, each owning its modem's life cycle —
//! open the device, bring the modem up, keep it healthy, send what the queue hands it, read
//! what it receives — and reporting on the status board.
//!
//! Dispatch is pull-based: an idle, healthy worker leases the next message it may send from
//! the shared queue (OTPs first, oldest first, its routes preferred). Adding modems adds
//! workers pulling from the same queue, so throughput scales with the number of modems.

pub mod worker;

pub use worker::{run, ModemSpec};
