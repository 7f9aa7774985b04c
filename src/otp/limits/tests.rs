//! Tests of the abuse limits: table-driven scenarios, memory bound, and a property test of
//! the per-number limits.

use super::*;
use proptest::prelude::*;

fn num(e164: &str) -> Number {
    Number {
        e164: e164.into(),
        country_code: 33,
    }
}

fn cfg(cooldown: u64, per_hour: u32, rate: u32, burst: u32) -> LimitsConfig {
    LimitsConfig {
        resend_cooldown_ms: cooldown,
        per_number_per_hour: per_hour,
        per_account_per_second: rate,
        per_account_burst: burst,
        allowed_country_codes: None,
    }
}

use LimitHit::*;

/// Runs `(account, number, now)` requests and returns what each got.
/// A request: account, number, time.
type Step<'a> = (&'a str, &'a str, u64);
type Outcome = Result<(), LimitHit>;

fn run(config: LimitsConfig, steps: &[Step]) -> Vec<Outcome> {
    let mut l = Limiter::new(config);
    steps
        .iter()
        .map(|(a, n, t)| l.check(a, &num(n), *t))
        .collect()
}

#[test]
fn defaults() {
    let d = LimitsConfig::default();
    assert_eq!(
        (
            d.resend_cooldown_ms,
            d.per_number_per_hour,
            d.per_account_per_second,
            d.per_account_burst
        ),
        (30_000, 5, 200, 400)
    );
    assert_eq!(d.allowed_country_codes, None);
}

#[test]
fn scenarios() {
    let (a, b, c) = ("+33600000001", "+33600000002", "+33600000003");
    let cases: Vec<(&str, LimitsConfig, Vec<Step>, Vec<Outcome>)> = vec![
        (
            "cooldown, across accounts",
            cfg(30_000, 0, 0, 0),
            vec![
                ("x", a, 0),
                ("y", a, 10_000),
                ("x", b, 10_000),
                ("x", a, 30_000),
            ],
            vec![
                Ok(()),
                Err(Cooldown {
                    retry_after_ms: 20_000,
                }),
                Ok(()),
                Ok(()),
            ],
        ),
        (
            "hourly cap, sliding",
            cfg(0, 2, 0, 0),
            vec![
                ("x", a, 0),
                ("y", a, 1_000),
                ("x", a, 2_000),
                ("x", a, HOUR_MS - 1),
                ("x", a, HOUR_MS),
                ("x", a, HOUR_MS + 1),
            ],
            vec![
                Ok(()),
                Ok(()),
                Err(HourlyCap {
                    retry_after_ms: HOUR_MS - 2_000,
                }),
                Err(HourlyCap { retry_after_ms: 1 }),
                Ok(()),
                Err(HourlyCap {
                    retry_after_ms: 999,
                }),
            ],
        ),
        (
            "account rate: burst then the rate",
            cfg(0, 0, 1, 2),
            vec![
                ("x", a, 0),
                ("x", b, 0),
                ("x", a, 0),
                ("y", a, 0),
                ("x", a, 400),
                ("x", a, 1_000),
                ("x", a, 1_000),
            ],
            vec![
                Ok(()),
                Ok(()),
                Err(AccountRate {
                    retry_after_ms: 1_000,
                }),
                Ok(()),
                Err(AccountRate {
                    retry_after_ms: 600,
                }),
                Ok(()),
                Err(AccountRate {
                    retry_after_ms: 1_000,
                }),
            ],
        ),
        (
            "burst 0 still lets one through",
            cfg(0, 0, 10, 0),
            vec![("x", a, 0), ("x", a, 0), ("x", a, 100)],
            vec![
                Ok(()),
                Err(AccountRate {
                    retry_after_ms: 100,
                }),
                Ok(()),
            ],
        ),
        (
            "everything disabled",
            cfg(0, 0, 0, 0),
            vec![("x", a, 0), ("x", a, 0), ("x", a, 0)],
            vec![Ok(()), Ok(()), Ok(())],
        ),
        (
            "a refused request counts nowhere",
            cfg(30_000, 0, 1, 1),
            vec![
                ("x", a, 0),
                ("x", b, 0),
                ("y", b, 0),
                ("z", a, 1_000),
                ("z", c, 1_000),
            ],
            vec![
                Ok(()),
                Err(AccountRate {
                    retry_after_ms: 1_000,
                }),
                Ok(()),
                Err(Cooldown {
                    retry_after_ms: 29_000,
                }),
                Ok(()),
            ],
        ),
        (
            "clock stepped back",
            cfg(30_000, 0, 0, 0),
            vec![("x", a, 100_000), ("x", a, 50_000)],
            vec![
                Ok(()),
                Err(Cooldown {
                    retry_after_ms: 30_000,
                }),
            ],
        ),
    ];
    for (name, config, steps, want) in cases {
        assert_eq!(run(config, &steps), want, "{name}");
    }
}

#[test]
fn country_is_checked_first() {
    let mut config = cfg(30_000, 1, 1, 1);
    config.allowed_country_codes = Some(vec![33, 225]);
    let mut l = Limiter::new(config);
    let be = Number {
        e164: "+32412345678".into(),
        country_code: 32,
    };
    assert_eq!(
        l.check("x", &be, 0),
        Err(CountryNotAllowed { country_code: 32 })
    );
    assert_eq!(l.check("x", &num("+33612345678"), 0), Ok(()));
    assert_eq!(
        l.check("x", &be, 0),
        Err(CountryNotAllowed { country_code: 32 })
    );
    assert_eq!(l.tracked(), 2);
}

/// Six hours of ten distinct numbers a second: memory follows the last hour, not the
/// whole run.
#[test]
fn memory_stays_bounded() {
    let mut l = Limiter::new(LimitsConfig::default());
    let mut peak = 0;
    let checks = 6 * 36_000u64;
    for i in 0..checks {
        let n = Number {
            e164: format!("+336{i:08}"),
            country_code: 33,
        };
        assert_eq!(l.check("acme", &n, i * 100), Ok(()));
        peak = peak.max(l.tracked());
    }
    // One hour is 36 000 numbers; doubling before a prune allows twice that.
    assert!((36_000..=2 * 36_001 + 1).contains(&peak), "peak {peak}");
    l.prune(checks * 100 + HOUR_MS);
    assert_eq!(l.tracked(), 0);
}

#[test]
fn number_keys() {
    assert_eq!(number_key(&num("+33612345678")), 33_612_345_678);
    assert_ne!(
        number_key(&num("+33612345678")),
        number_key(&num("+33612345679"))
    );
    let odd = number_key(&num("not e164"));
    assert!(odd >= 1 << 63);
    assert_eq!(odd, number_key(&num("not e164")));
}

proptest! {
    /// Whatever the timing: accepted sends to one number are a cooldown apart and at most
    /// `cap` fall in any hour.
    #[test]
    fn limits_hold(
        cooldown in 0u64..5_000,
        cap in 0u32..4,
        steps in proptest::collection::vec((0usize..3, 0u64..2_000_000), 1..200),
    ) {
        let mut l = Limiter::new(cfg(cooldown, cap, 0, 0));
        let numbers = ["+33600000001", "+33600000002", "+33600000003"];
        let mut now = 0;
        let mut sent: Vec<Vec<u64>> = vec![Vec::new(); 3];
        for (i, dt) in steps {
            now += dt;
            if l.check("x", &num(numbers[i]), now).is_ok() {
                sent[i].push(now);
            }
        }
        for times in &sent {
            for w in times.windows(2) {
                prop_assert!(w[1] - w[0] >= cooldown);
            }
            if cap > 0 {
                for (k, t) in times.iter().enumerate() {
                    let in_hour = times[k..].iter().take_while(|u| **u < t + HOUR_MS).count();
                    prop_assert!(in_hour <= cap as usize);
                }
            }
        }
    }
}

#[test]
fn sends_entry_is_small() {
    // The per-number table is the limiter's memory; keep its value at two words.
    assert_eq!(std::mem::size_of::<super::Sends>(), 16);
}
