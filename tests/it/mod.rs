mod api;
mod foundation;
pub mod harness;
mod modems;
mod otp;
mod pool;
mod probe;
mod voice;
mod webhooks;
