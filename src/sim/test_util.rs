//! A table runner for the machine over time: each step moves the clock to its millisecond,
//! then feeds bytes, runs the timers or does something from outside (a control op), and
//! checks the exact output. Every table runs twice, input whole and a byte at a time.

use super::config::Config;
use super::machine::{Effect, Machine, Step};
use std::time::{Duration, Instant};

/// What a step does at its time.
pub(super) enum Act<'a> {
    Feed(&'a [u8]),
    Tick,
    Do(&'a dyn Fn(&mut Machine, Instant, &mut Step)),
}

/// (milliseconds since the start, what, the exact output).
pub(super) type Row<'a> = (u64, Act<'a>, &'a str);

/// Runs the table whole, then byte by byte; answers the machine of the whole run and the
/// effects it produced.
pub(super) fn run(cfg: Config, rows: &[Row]) -> (Machine, Vec<Effect>) {
    let mut result = None;
    for bytewise in [false, true] {
        let t0 = Instant::now();
        let mut cfg = cfg.clone();
        cfg.clock.origin = t0;
        let mut m = Machine::new(cfg);
        let mut effects = Vec::new();
        for (i, (ms, act, want)) in rows.iter().enumerate() {
            let now = t0 + Duration::from_millis(*ms);
            let mut step = Step::default();
            match act {
                Act::Feed(input) if bytewise => {
                    for b in input.iter() {
                        m.feed(now, std::slice::from_ref(b), &mut step);
                    }
                }
                Act::Feed(input) => m.feed(now, input, &mut step),
                Act::Tick => m.tick(now, &mut step),
                Act::Do(f) => f(&mut m, now, &mut step),
            }
            let got = String::from_utf8_lossy(&step.out);
            assert_eq!(got, *want, "row {i} at {ms} ms (bytewise: {bytewise})");
            effects.extend(step.effects);
        }
        if !bytewise {
            result = Some((m, effects));
        }
    }
    result.unwrap_or_else(|| unreachable!())
}

/// `\r\n<line>\r\n`, for building expected output.
pub(super) fn urc(line: &str) -> String {
    format!("\r\n{line}\r\n")
}
