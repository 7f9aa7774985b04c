//! Integration tests: the real daemon binary, simulated modems on real pseudo-terminals, HTTP
//! over loopback. One test binary with modules (fast to link, one place for the harness).

mod it;
