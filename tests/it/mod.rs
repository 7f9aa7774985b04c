mod foundation;
pub mod harness;
mod otp;
