mod api;
mod foundation;
pub mod harness;
mod modems;
mod otp;
mod probe;
mod webhooks;
