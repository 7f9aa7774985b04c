//! Property tests: the encoder against our own decoder for arbitrary texts, and the
//! decoders against arbitrary and mutated input.

use proptest::prelude::*;

use super::super::gsm7::{self, ESC, EXTENSION};
use super::super::submit::{segment, Segments};
use super::super::{
    decode, decode_deliver, decode_status_report, decode_submit, encode_submit, message_type, plan,
    relative_vp, Validity,
};
use super::lengths::udl_and_ud_octets;
use super::malformed::VALID;
use super::{opts, reassemble};

/// Characters of the default alphabet, by septet (the escape slot left out).
fn gsm_basic() -> impl Strategy<Value = char> {
    (0u8..128)
        .prop_filter("escape", |s| *s != ESC)
        .prop_map(|s| gsm7::decode_septets(&[s]).chars().next().unwrap_or('@'))
}

fn gsm_ext() -> impl Strategy<Value = char> {
    prop::sample::select(EXTENSION.iter().map(|&(_, c)| c).collect::<Vec<_>>())
}

fn astral() -> impl Strategy<Value = char> {
    (0x1_0000u32..=0x10_FFFF).prop_filter_map("not a char", char::from_u32)
}

/// Texts that stay in 7-bit, escapes included.
fn gsm_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![4 => gsm_basic(), 1 => gsm_ext()], 0..700)
        .prop_map(|chars| chars.into_iter().collect())
}

/// Texts that mostly need UCS-2: GSM, extension, any BMP and astral characters mixed.
fn mixed_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => gsm_basic(),
        1 => gsm_ext(),
        2 => any::<char>(),
        1 => astral(),
    ];
    prop::collection::vec(c, 0..400).prop_map(|chars| chars.into_iter().collect())
}

/// No part ends inside an escape sequence or a surrogate pair.
fn assert_pairs_whole(text: &str) {
    match segment(text) {
        Segments::Gsm7(parts) => {
            for septets in &parts {
                // An escape is always followed by its code in the same part.
                let mut i = 0;
                while i < septets.len() {
                    if septets[i] == ESC {
                        assert!(i + 1 < septets.len(), "escape at the end of a part");
                        i += 1;
                    }
                    i += 1;
                }
            }
        }
        Segments::Ucs2(parts) => {
            for units in &parts {
                let high = |u: &u16| (0xD800..=0xDBFF).contains(u);
                let low = |u: &u16| (0xDC00..=0xDFFF).contains(u);
                assert!(
                    !units.last().is_some_and(high),
                    "high surrogate ends a part"
                );
                assert!(
                    !units.first().is_some_and(low),
                    "low surrogate starts a part"
                );
            }
        }
    }
}

fn check_round_trip(text: &str, concat_ref: u8, validity: Option<u32>, srr: bool) {
    let parts = encode_submit("+33612345678", text, &opts(validity, srr), concat_ref).unwrap();
    let (encoding, count) = plan(text);
    assert_eq!(parts.len(), count);
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(
            (usize::from(part.seq), usize::from(part.total)),
            (i + 1, count)
        );
        assert_eq!(part.tpdu_len * 2 + 2, part.hex.len());
        assert!(part.hex.starts_with("00"));
        assert!(!part.hex.chars().any(|c| c.is_ascii_lowercase()));
        assert!(udl_and_ud_octets(&part.hex).1 <= 140);
        let submit = decode_submit(&part.hex).unwrap();
        assert_eq!(submit.dcs.encoding, encoding);
        assert_eq!(submit.status_report_request, srr);
        let vp = validity.map_or(Validity::None, |v| Validity::Relative(relative_vp(v)));
        assert_eq!(submit.validity, vp);
        if count > 1 {
            assert!(
                !submit.body.text().unwrap_or_default().is_empty(),
                "empty part"
            );
        }
    }
    assert_pairs_whole(text);
    assert_eq!(reassemble(&parts, concat_ref), text);
}

proptest! {
    #[test]
    fn gsm_texts_round_trip(
        text in gsm_text(),
        concat_ref in any::<u8>(),
        validity in prop::option::of(any::<u32>()),
        srr in any::<bool>(),
    ) {
        check_round_trip(&text, concat_ref, validity, srr);
    }

    #[test]
    fn mixed_texts_round_trip(
        text in mixed_text(),
        concat_ref in any::<u8>(),
        validity in prop::option::of(0u32..40_000_000),
        srr in any::<bool>(),
    ) {
        check_round_trip(&text, concat_ref, validity, srr);
    }

    #[test]
    fn decoders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let hex = hex::encode(&bytes);
        let _ = decode(&hex);
        let _ = decode_deliver(&hex);
        let _ = decode_status_report(&hex);
        let _ = decode_submit(&hex);
        let _ = message_type(&hex);
    }

    #[test]
    fn decoders_never_panic_on_strings(s in any::<String>()) {
        let _ = decode(&s);
        let _ = decode_deliver(&s);
        let _ = decode_status_report(&s);
        let _ = decode_submit(&s);
    }

    /// Valid PDUs with a few octets changed and maybe cut short: length fields, time
    /// stamps and headers then point anywhere.
    #[test]
    fn decoders_never_panic_on_mutated_pdus(
        which in 0..VALID.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = hex::decode(VALID[which]).unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let hex = hex::encode_upper(&bytes);
        let _ = decode(&hex);
        let _ = decode_deliver(&hex);
        let _ = decode_status_report(&hex);
        let _ = decode_submit(&hex);
    }
}
