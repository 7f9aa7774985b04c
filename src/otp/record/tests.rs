//! Tests of the verify state machine: every path, table-driven, and a property test that it
//! never verifies twice nor allows more than the maximum of wrong attempts.

use super::*;
use proptest::prelude::*;

const TOKEN: &str = "0123456789abcdef01234567";
const CODE: &str = "123456";
const NOW: u64 = 1_000_000;

fn hasher() -> CodeHasher {
    CodeHasher::new([3u8; 32])
}

fn record(max_attempts: u32, recipient_ip: Option<&str>) -> OtpRecord {
    OtpRecord {
        digest: hasher().digest(TOKEN, CODE, false).to_vec(),
        token: TOKEN.into(),
        account: "acme".into(),
        dialect: "octopush".into(),
        number: "+33612345678".into(),
        case_sensitive: false,
        created_ms: NOW,
        expires_ms: NOW + 60_000,
        max_attempts,
        wrong_attempts: 0,
        state: OtpState::Live,
        recipient_ip: recipient_ip.map(String::from),
        message_id: Some(1),
        channel: "sms".into(),
    }
}

/// An attempt: code, address, time.
type Step<'a> = (&'a str, Option<&'a str>, u64);
/// Name, record, attempts, outcomes, final state, wrong attempts counted.
type Case<'a> = (
    &'a str,
    OtpRecord,
    Vec<Step<'a>>,
    Vec<VerifyOutcome>,
    OtpState,
    u32,
);

/// Runs attempts `(code, ip, now)` and returns the outcomes and the final record.
fn run(mut r: OtpRecord, attempts: &[Step]) -> (Vec<VerifyOutcome>, OtpRecord) {
    let h = hasher();
    let outcomes = attempts
        .iter()
        .map(|(code, ip, now)| r.verify(&h, code, *ip, *now))
        .collect();
    (outcomes, r)
}

use VerifyOutcome::*;

#[test]
fn scenarios() {
    let later = NOW + 60_000;
    let cases: Vec<Case> = vec![
        (
            "right code",
            record(3, None),
            vec![(CODE, None, NOW)],
            vec![Verified],
            OtpState::Used,
            0,
        ),
        (
            "single use",
            record(3, None),
            vec![(CODE, None, NOW), (CODE, None, NOW)],
            vec![Verified, AlreadyUsed],
            OtpState::Used,
            0,
        ),
        (
            "trimmed",
            record(3, None),
            vec![(" 123456 ", None, NOW)],
            vec![Verified],
            OtpState::Used,
            0,
        ),
        (
            "lock out after 3",
            record(3, None),
            vec![
                ("000000", None, NOW),
                ("000000", None, NOW),
                ("000000", None, NOW),
                (CODE, None, NOW),
            ],
            vec![
                Wrong { remaining: 2 },
                Wrong { remaining: 1 },
                Wrong { remaining: 0 },
                TooManyAttempts,
            ],
            OtpState::Locked,
            3,
        ),
        (
            "wrong then right",
            record(3, None),
            vec![("1", None, NOW), (CODE, None, NOW)],
            vec![Wrong { remaining: 2 }, Verified],
            OtpState::Used,
            1,
        ),
        (
            "expired at the instant",
            record(3, None),
            vec![(CODE, None, later)],
            vec![Expired],
            OtpState::Live,
            0,
        ),
        (
            "expired counts nothing",
            record(3, None),
            vec![("0", None, later), ("0", None, later)],
            vec![Expired, Expired],
            OtpState::Live,
            0,
        ),
        (
            "last ms still valid",
            record(3, None),
            vec![(CODE, None, later - 1)],
            vec![Verified],
            OtpState::Used,
            0,
        ),
        (
            "ip matches",
            record(3, Some("10.1.2.3")),
            vec![(CODE, Some("10.1.2.3"), NOW)],
            vec![Verified],
            OtpState::Used,
            0,
        ),
        (
            "ip v6 forms",
            record(3, Some("::1")),
            vec![(CODE, Some("0:0:0:0:0:0:0:1"), NOW)],
            vec![Verified],
            OtpState::Used,
            0,
        ),
        (
            "ip differs: a wrong attempt even with the right code",
            record(3, Some("10.1.2.3")),
            vec![(CODE, Some("10.9.9.9"), NOW), (CODE, Some("10.1.2.3"), NOW)],
            vec![IpMismatch, Verified],
            OtpState::Used,
            1,
        ),
        (
            "ip missing locks on the last attempt",
            record(2, Some("10.1.2.3")),
            vec![
                (CODE, None, NOW),
                (CODE, Some("x"), NOW),
                (CODE, Some("10.1.2.3"), NOW),
            ],
            vec![IpMismatch, IpMismatch, TooManyAttempts],
            OtpState::Locked,
            2,
        ),
        (
            "zero attempts allowed",
            record(0, None),
            vec![(CODE, None, NOW)],
            vec![TooManyAttempts],
            OtpState::Locked,
            0,
        ),
    ];
    for (name, r, attempts, want, state, wrong) in cases {
        let (got, r) = run(r, &attempts);
        assert_eq!(got, want, "{name}");
        assert_eq!(r.state, state, "{name}");
        assert_eq!(r.wrong_attempts, wrong, "{name}");
    }
}

#[test]
fn final_states_answer_before_anything_else() {
    let expired = NOW + 10_000_000;
    for (state, want) in [
        (OtpState::Used, AlreadyUsed),
        (OtpState::Replaced, Replaced),
        (OtpState::Locked, TooManyAttempts),
    ] {
        let mut r = record(3, Some("10.1.2.3"));
        r.state = state;
        let (got, r) = run(r, &[(CODE, None, NOW), ("0", None, expired)]);
        assert_eq!(got, vec![want, want], "{state:?}");
        assert_eq!((r.state, r.wrong_attempts), (state, 0));
    }
}

#[test]
fn case_sensitive_codes() {
    let mut r = record(3, None);
    r.case_sensitive = true;
    r.digest = hasher().digest(TOKEN, "aBc123", true).to_vec();
    let (got, _) = run(r, &[("abc123", None, NOW), ("aBc123", None, NOW)]);
    assert_eq!(got, vec![Wrong { remaining: 2 }, Verified]);
    let mut r = record(3, None);
    r.digest = hasher().digest(TOKEN, "ABC123", false).to_vec();
    assert_eq!(run(r, &[("abc123", None, NOW)]).0, vec![Verified]);
}

#[test]
fn the_record_round_trips_as_stored() {
    let r = record(3, Some("10.0.0.1"));
    let bytes = crate::store::schema::encode(&r).unwrap();
    let back: OtpRecord = crate::store::schema::decode(&bytes).unwrap();
    assert_eq!(
        (&back.digest, back.state, &back.recipient_ip),
        (&r.digest, r.state, &r.recipient_ip)
    );
    assert_eq!(
        (back.expires_ms, back.max_attempts),
        (r.expires_ms, r.max_attempts)
    );
}

proptest! {
    /// Whatever the attempts: at most one Verified, never after a lock-out or expiry of
    /// the attempts budget, at most `max` counted wrong attempts, and once final always
    /// final.
    #[test]
    fn never_verifies_twice_nor_beyond_max(
        max in 0u32..6,
        with_ip: bool,
        attempts in proptest::collection::vec((any::<bool>(), 0u8..3, 0u64..120_000), 0..30),
    ) {
        let mut r = record(max, with_ip.then_some("10.0.0.1"));
        let h = hasher();
        let mut verified = 0;
        let mut counted = 0;
        for (right, ip, dt) in attempts {
            let ip = [None, Some("10.0.0.1"), Some("10.0.0.2")][usize::from(ip)];
            let before = r.state;
            let out = r.verify(&h, if right { CODE } else { "999999" }, ip, NOW + dt);
            match out {
                Verified => verified += 1,
                Wrong { remaining } => {
                    counted += 1;
                    prop_assert_eq!(remaining, max - r.wrong_attempts);
                }
                IpMismatch => counted += 1,
                _ => {}
            }
            if before != OtpState::Live {
                prop_assert_eq!(r.state, before, "final states stay final");
            }
            prop_assert!(r.wrong_attempts <= max);
        }
        prop_assert!(verified <= 1);
        prop_assert!(counted <= max);
        prop_assert_eq!(counted, r.wrong_attempts);
    }
}
