//! The simulator's SMS-SUBMIT decoder against known PDUs: the classic TS 23.040 example and
//! fixtures built by a separate script (GSM 7-bit with fill bits after the UDH, the extension
//! table, UCS-2 with a surrogate pair, 16-bit concatenation, every TP-VPF, an SMSC field).

use super::pdu::{decode_submit, Alphabet, Concat, PduError};
use rand::{Rng, SeedableRng};

struct Case {
    pdu: &'static str,
    len: usize,
    to: &'static str,
    text: &'static str,
    alphabet: Alphabet,
    concat: Option<(u16, bool, u8, u8)>,
    srr: bool,
}

const CASES: &[Case] = &[
    Case {
        pdu: "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
        len: 23,
        to: "+46708251358",
        text: "hellohello",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "0001000B913316325476F800002050797A5C06D53665D00685DFA4401B5E7EE3036D7A9BD786B2016E14",
        len: 41,
        to: "+33612345678",
        text: "Price 5€ {x} [y] ~\\^|\u{0C}",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "0041000A816021436587000010050003CC0201E061391DF4769741",
        len: 26,
        to: "0612345678",
        text: "part one ",
        alphabet: Alphabet::Gsm7,
        concat: Some((0xCC, false, 2, 1)),
        srr: false,
    },
    Case {
        pdu: "0061000A81602143658700000E050003CC0202C26E32887E7F03",
        len: 25,
        to: "0612345678",
        text: "and two",
        alphabet: Alphabet::Gsm7,
        concat: Some((0xCC, false, 2, 2)),
        srr: true,
    },
    Case {
        pdu: "0001000B913316325476F800081A0412043004480020043A043E04340020D83DDE000020006F006B",
        len: 39,
        to: "+33612345678",
        text: "Ваш код 😀 ok",
        alphabet: Alphabet::Ucs2,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "0041000B913316325476F800080B060804010202014F60597D",
        len: 24,
        to: "+33612345678",
        text: "你好",
        alphabet: Alphabet::Ucs2,
        concat: Some((0x0102, true, 2, 1)),
        srr: false,
    },
    // TP-VPF enhanced (7 octets), absolute (7 octets), an SMSC field, 8-bit data, an odd
    // national number with its F filler.
    Case {
        pdu: "000900049121430000000000000000000361F118",
        len: 19,
        to: "+1234",
        text: "abc",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "001900049121430000421051210000800361F118",
        len: 19,
        to: "+1234",
        text: "abc",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "07913306091093F001000491214300000361F118",
        len: 12,
        to: "+1234",
        text: "abc",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "00010004912143000404DEADBEEF",
        len: 13,
        to: "+1234",
        text: "deadbeef",
        alphabet: Alphabet::Eight,
        concat: None,
        srr: false,
    },
    Case {
        pdu: "00010005812143F5000002C834",
        len: 12,
        to: "12345",
        text: "Hi",
        alphabet: Alphabet::Gsm7,
        concat: None,
        srr: false,
    },
];

#[test]
fn decodes_known_pdus() {
    for c in CASES {
        let got =
            decode_submit(c.pdu.as_bytes(), c.len).unwrap_or_else(|e| panic!("{}: {e}", c.pdu));
        assert_eq!(got.to, c.to, "{}", c.pdu);
        assert_eq!(got.text, c.text, "{}", c.pdu);
        assert_eq!(got.alphabet, c.alphabet, "{}", c.pdu);
        let concat = c.concat.map(|(reference, wide, total, seq)| Concat {
            reference,
            wide,
            total,
            seq,
        });
        assert_eq!(got.concat, concat, "{}", c.pdu);
        assert_eq!(got.status_report, c.srr, "{}", c.pdu);
    }
}

#[test]
fn reads_the_smsc_field() {
    let got = decode_submit(b"07913306091093F001000491214300000361F118", 12).unwrap();
    assert_eq!(got.smsc.as_deref(), Some("+33609001390"));
    let lower = decode_submit(b"0011000b916407281553f80000aa0ae8329bfd4697d9ec37", 23).unwrap();
    assert_eq!(lower.text, "hellohello", "lower-case hex is hex too");
}

#[test]
fn refuses_malformed_pdus() {
    let hello = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
    type Check = fn(&PduError) -> bool;
    let cases: Vec<(String, usize, Check)> = vec![
        ("0011ZZ".into(), 2, |e| matches!(e, PduError::Hex(_))),
        (format!("{hello}0"), 23, |e| matches!(e, PduError::Hex(_))),
        (hello.into(), 22, |e| {
            matches!(
                e,
                PduError::Length {
                    declared: 22,
                    actual: 23
                }
            )
        }),
        (hello.into(), 24, |e| matches!(e, PduError::Length { .. })),
        ("".into(), 0, |e| matches!(e, PduError::Length { .. })),
        ("0A11".into(), 1, |e| matches!(e, PduError::Length { .. })),
        (format!("{hello}00"), 24, |e| {
            matches!(e, PduError::Trailing(1))
        }),
        // UDL 11 septets need 10 octets; 9 are there.
        (hello.replace("AA0AE8", "AA0BE8"), 23, |e| {
            matches!(e, PduError::Truncated(_))
        }),
        (hello.replacen("0011", "0010", 1), 23, |e| {
            matches!(e, PduError::NotSubmit(0))
        }),
        (hello.replacen("0011", "0012", 1), 23, |e| {
            matches!(e, PduError::NotSubmit(2))
        }),
        (hello.replace("F80000AA", "F8000CAA"), 23, |e| {
            matches!(e, PduError::Dcs(0x0C))
        }),
        (hello.replace("F80000AA", "F80020AA"), 23, |e| {
            matches!(e, PduError::Dcs(0x20))
        }),
        (hello.replace("000B91", "001591"), 23, |e| {
            matches!(e, PduError::AddressLength(21))
        }),
        (hello.replace("6407281553F8", "6407281553FF"), 23, |e| {
            matches!(e, PduError::Digit(0xF))
        }),
        ("00010004912143000004A1".into(), 10, |e| {
            matches!(e, PduError::Truncated(_))
        }),
        ("000100049121430000A1".into(), 9, |e| {
            matches!(e, PduError::UserDataLength(161))
        }),
        // Concatenation: sequence 0, sequence past the total, a bad IE length.
        ("00410004912143000406050003010200".into(), 15, |e| {
            matches!(e, PduError::Concat)
        }),
        ("00410004912143000406050003010203".into(), 15, |e| {
            matches!(e, PduError::Concat)
        }),
        ("004100049121430004050400020102".into(), 14, |e| {
            matches!(e, PduError::Concat)
        }),
        // UDHL longer than the user data.
        ("004100049121430004020900".into(), 11, |e| {
            matches!(e, PduError::Header)
        }),
        // 7-bit UDL smaller than its own header.
        ("00410004912143000003027000".into(), 12, |e| {
            matches!(e, PduError::Header)
        }),
        ("00010004912143000803004100".into(), 12, |e| {
            matches!(e, PduError::OddUcs2(3))
        }),
    ];
    for (pdu, len, check) in cases {
        match decode_submit(pdu.as_bytes(), len) {
            Err(e) => assert!(check(&e), "{pdu} ({len}): unexpected error {e:?}"),
            Ok(s) => panic!("{pdu} ({len}) decoded as {s:?}"),
        }
    }
}

#[test]
fn a_lone_surrogate_shows_the_replacement_character() {
    // UCS-2 "A" + a high surrogate with no low half, as a pair split across two parts would be.
    let got = decode_submit(b"0001000491214300080400410D83D", 12);
    assert!(got.is_err(), "odd hex digits");
    let got = decode_submit(b"000100049121430008040041D83D", 13).unwrap();
    assert_eq!(got.text, "A\u{FFFD}");
}

#[test]
fn mutated_pdus_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let c = &CASES[rng.gen_range(0..CASES.len())];
        let mut bytes = hex::decode(c.pdu).unwrap();
        for _ in 0..rng.gen_range(1..4) {
            let i = rng.gen_range(0..bytes.len());
            bytes[i] = rng.gen();
        }
        if rng.gen_bool(0.2) {
            bytes.truncate(rng.gen_range(0..bytes.len()));
        }
        let len = bytes
            .len()
            .saturating_sub(1 + usize::from(bytes.first().copied().unwrap_or(0)));
        let _ = decode_submit(hex::encode(&bytes).as_bytes(), len);
    }
}
