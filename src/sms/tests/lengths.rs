//! Where the encoder cuts: the 160/153 septet and 70/67 unit limits, escape and surrogate
//! pairs at a boundary, the 255-part ceiling, and `plan` agreeing with `encode_submit`.

use super::super::{encode_submit, plan, EncodeError, Encoding, SubmitOptions};
use super::{encode, reassemble};

/// TP-UDL and the number of TP-UD octets of an encoded part, read straight from the octets
/// (not through our decoder).
pub(super) fn udl_and_ud_octets(hex: &str) -> (usize, usize) {
    let b = hex::decode(hex).unwrap();
    assert_eq!(b[0], 0, "SMSC field");
    let da_len = usize::from(b[3]).div_ceil(2);
    let vp = usize::from(b[1] & 0x18 == 0x10);
    let udl_at = 1 + 2 + 2 + da_len + 2 + vp;
    (usize::from(b[udl_at]), b.len() - udl_at - 1)
}

fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// (text, encoding, TP-UDL of each part). For 7-bit TP-UDL counts septets, the 7 of the
/// header included; for UCS-2 octets, the 6 of the header included.
#[test]
fn cuts_where_the_spec_says() {
    let a = |n| rep("a", n);
    let zh = |n| rep("ж", n);
    let cases: Vec<(String, Encoding, Vec<usize>)> = vec![
        (String::new(), Encoding::Gsm7, vec![0]),
        (a(160), Encoding::Gsm7, vec![160]),
        (a(161), Encoding::Gsm7, vec![160, 7 + 8]),
        (a(306), Encoding::Gsm7, vec![160, 160]),
        (a(307), Encoding::Gsm7, vec![160, 160, 7 + 1]),
        // € is escape + 0x65: two septets.
        (rep("€", 80), Encoding::Gsm7, vec![160]),
        (rep("€", 80) + "a", Encoding::Gsm7, vec![7 + 152, 7 + 9]),
        (a(159) + "€", Encoding::Gsm7, vec![7 + 153, 7 + 8]),
        // 152 septets then € would make 154: the escape pair moves whole to part 2.
        (a(152) + &rep("€", 5), Encoding::Gsm7, vec![7 + 152, 7 + 10]),
        (
            a(153) + "\n" + &rep("[", 4),
            Encoding::Gsm7,
            vec![7 + 153, 7 + 9],
        ),
        (zh(70), Encoding::Ucs2, vec![140]),
        (zh(71), Encoding::Ucs2, vec![140, 6 + 8]),
        (zh(134), Encoding::Ucs2, vec![140, 140]),
        (zh(135), Encoding::Ucs2, vec![140, 140, 6 + 2]),
        // A surrogate pair is two units.
        (rep("😀", 35), Encoding::Ucs2, vec![140]),
        (rep("😀", 35) + "ж", Encoding::Ucs2, vec![6 + 132, 6 + 10]),
        // 66 units then a pair would make 68: the pair moves whole to part 2.
        (
            zh(66) + &rep("😀", 3),
            Encoding::Ucs2,
            vec![6 + 132, 6 + 12],
        ),
        // One character outside GSM makes everything UCS-2, GSM characters included.
        (a(69) + "ж", Encoding::Ucs2, vec![140]),
        (a(200) + "ж", Encoding::Ucs2, vec![140, 140, 140]),
        (a(10) + "ç", Encoding::Ucs2, vec![22]),
    ];
    for (text, encoding, udls) in cases {
        let label = format!("{} chars, {encoding:?}", text.chars().count());
        let parts = encode("+33612345678", &text, None);
        assert_eq!(plan(&text), (encoding, udls.len()), "{label}");
        let got: Vec<usize> = parts.iter().map(|p| udl_and_ud_octets(&p.hex).0).collect();
        assert_eq!(got, udls, "{label}");
        for p in &parts {
            let (udl, octets) = udl_and_ud_octets(&p.hex);
            let expect = match encoding {
                Encoding::Gsm7 => (udl * 7).div_ceil(8),
                _ => udl,
            };
            assert_eq!(octets, expect, "{label}");
            assert!(octets <= 140, "{label}");
        }
        assert_eq!(reassemble(&parts, 0), text, "{label}");
    }
}

#[test]
fn ceiling_is_255_parts() {
    let opts = SubmitOptions::default();
    let cases = [
        (rep("a", 153 * 255), Ok(255)),
        (rep("a", 153 * 255 + 1), Err(EncodeError::TooLong(256))),
        (rep("ж", 67 * 255), Ok(255)),
        (rep("ж", 67 * 255 + 1), Err(EncodeError::TooLong(256))),
        (rep("€", 153 * 255), Err(EncodeError::TooLong(514))),
    ];
    for (text, expected) in cases {
        let got = encode_submit("+33612345678", &text, &opts, 9).map(|parts| parts.len());
        assert_eq!(got, expected, "{} chars", text.chars().count());
        let planned = plan(&text).1;
        assert_eq!(
            planned,
            expected.unwrap_or_else(|e| match e {
                EncodeError::TooLong(n) => n,
                _ => unreachable!(),
            })
        );
    }
}

#[test]
fn empty_text_is_one_empty_part() {
    let parts = encode("+33612345678", "", None);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].hex, "0001000B913316325476F8000000");
    assert_eq!(parts[0].tpdu_len, 13);
    assert_eq!(reassemble(&parts, 0), "");
}

#[test]
fn bad_numbers_are_refused_before_anything_else() {
    let opts = SubmitOptions::default();
    for to in [
        "",
        "+",
        "33 6 12",
        "+33-612",
        "(0)612",
        "0612.34",
        "+33612345678x",
        "tel:+336",
    ] {
        assert_eq!(
            encode_submit(to, "code", &opts, 0),
            Err(EncodeError::BadNumber(to.into())),
            "{to:?}"
        );
    }
    let long = rep("a", 153 * 256);
    assert_eq!(
        encode_submit("bad", &long, &opts, 0),
        Err(EncodeError::BadNumber("bad".into()))
    );
}
