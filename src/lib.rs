//! otpgate: an on-premises SMS gateway that sends one-time passwords through GSM modems.
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod at;
pub mod http;
pub mod modem;
pub mod queue;
pub mod sim;
pub mod sms;
pub mod store;
