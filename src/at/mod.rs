//! The AT protocol, pure: no I/O, no tokio, no serial port.
//!
//! - [`digest`]: bytes into lines and the `> ` prompt (V.250 framing).
//! - [`ingress`]: lines into the answer of the command in flight, the prompt, and URCs.
//! - [`result`]: final result codes, `+CME`/`+CMS ERROR` values and their [`ErrorClass`].
//! - [`urc`]: typed unsolicited result codes.
//! - [`command`]: the commands otpgate sends (built with the `at-commands` crate where it fits)
//!   and parsers for their answers.
//!
//! The modem task in [`crate::modem`] owns the port and the timeouts; everything it decides
//! about bytes is decided here.

pub mod command;
pub mod digest;
pub mod ingress;
pub mod result;
pub mod urc;

pub use command::Command;
pub use ingress::{CommandSpec, Event, Ingress};
pub use result::{ErrorClass, ErrorCode, ErrorValue, FinalResult};
pub use urc::Urc;
