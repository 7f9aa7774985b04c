//! The simulator's SMS-DELIVER and SMS-STATUS-REPORT encoder against PDUs from the
//! literature and hand-built octets, and its splitting of long messages.

use super::gsm7;
use super::pdu_out::{deliver, status_report, ucs2_hex, Coding, Inbound, StatusReport};
use chrono::NaiveDate;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|x| x.and_hms_opt(h, mi, s))
        .unwrap()
}

fn msg<'a>(from: &'a str, text: &'a str) -> Inbound<'a> {
    Inbound {
        smsc: "+31624000000",
        from,
        text,
        coding: None,
        parts: None,
        reference: 7,
        scts: at(2002, 8, 26, 19, 37, 41),
    }
}

#[test]
fn encodes_the_classic_deliver() {
    // The well-known "How are you?" SMS-DELIVER, with the time zone octet at UTC.
    let parts = deliver(&msg("+31641600986", "How are you?")).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(
        parts[0].pdu.hex(),
        "07911326040000F0040B911346610089F60000208062917314000CC8F71D14969741F977FD07"
    );
    assert_eq!(parts[0].pdu.tpdu_len, 30);
    assert_eq!(parts[0].concat, None);
}

#[test]
fn encodes_senders_and_alphabets() {
    let cases: &[(&str, &str, Option<Coding>, &str)] = &[
        // National number: TOA 0x81, odd digit count with an F filler.
        ("0612345", "hi", None, "0781602143F5"),
        // Alphanumeric sender: TON 101, 4 septets in 7 semi-octets.
        ("Bank", "hi", None, "07D0C2B07B0D"),
        // Cyrillic needs UCS-2: TP-DCS 08.
        ("+33612", "Жк", None, "05913316F2"),
    ];
    for (from, text, coding, oa) in cases {
        let mut m = msg(from, text);
        m.coding = *coding;
        let hex = deliver(&m).unwrap()[0].pdu.hex();
        // SMSC field (8 octets = 16 hex) + first octet, then TP-OA.
        assert_eq!(&hex[18..18 + oa.len()], *oa, "{from}");
    }
    let ucs2 = deliver(&msg("+33612", "Жк")).unwrap();
    assert!(ucs2[0].pdu.hex().ends_with("000820806291731400040416043A"));
    assert!(deliver(&Inbound {
        coding: Some(Coding::Gsm7),
        ..msg("+1", "Ж")
    })
    .is_err());
    assert!(deliver(&msg("Averylongsendername", "x")).is_err());
    assert!(deliver(&msg("+1234567890123456789012", "x")).is_err());
}

/// The text of a GSM 7-bit part: skips SMSC, header fields and the UDH.
fn gsm7_text(octets: &[u8]) -> String {
    let smsc = usize::from(octets[0]) + 1;
    let first = octets[smsc];
    let oa_digits = usize::from(octets[smsc + 1]);
    let udl_at = smsc + 1 + 2 + oa_digits.div_ceil(2) + 2 + 7;
    let udl = usize::from(octets[udl_at]);
    let ud = &octets[udl_at + 1..];
    let skip = if first & 0x40 != 0 { 7 } else { 0 };
    gsm7::decode(&gsm7::unpack(ud, skip, udl - skip))
}

#[test]
fn splits_long_text_with_a_concatenation_header() {
    let text: String = "0123456789".repeat(30) + "€€";
    let parts = deliver(&msg("+3361", &text)).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].concat, Some((7, 2, 1)));
    assert_eq!(parts[1].concat, Some((7, 2, 2)));
    assert_eq!(parts[0].text.chars().count(), 153);
    let hex = parts[0].pdu.hex();
    assert_eq!(&hex[16..18], "44", "TP-UDHI set");
    assert!(
        hex.contains("050003070201"),
        "the 8-bit reference header: {hex}"
    );
    let joined: String = parts.iter().map(|p| gsm7_text(&p.pdu.octets)).collect();
    assert_eq!(joined, text);
    assert_eq!(
        parts.iter().map(|p| p.text.as_str()).collect::<String>(),
        text
    );

    // An escape pair is never cut: 152 plain characters then a euro sign.
    let text = "x".repeat(152) + "€" + &"y".repeat(10);
    let parts = deliver(&msg("+3361", &text)).unwrap();
    assert_eq!(parts[0].text, "x".repeat(152));
    assert_eq!(parts[1].text, "€".to_string() + &"y".repeat(10));

    // UCS-2: 67 units per part, a surrogate pair stays whole.
    let text = "Ж".repeat(66) + "😀" + &"Ж".repeat(5);
    let parts = deliver(&msg("+3361", &text)).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].text, "Ж".repeat(66));
    assert_eq!(parts[1].text, "😀".to_string() + &"Ж".repeat(5));
}

#[test]
fn forced_parts_split_evenly() {
    let mut m = msg("+3361", "abcdefg");
    m.parts = Some(3);
    let parts = deliver(&m).unwrap();
    let texts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["abc", "de", "fg"]);
    assert_eq!(parts[2].concat, Some((7, 3, 3)));
    for bad in [0, 8] {
        m.parts = Some(bad);
        assert!(deliver(&m).is_err(), "{bad} parts");
    }
    let long = "x".repeat(400);
    let mut m = msg("+3361", &long);
    m.parts = Some(2);
    assert!(deliver(&m).is_err(), "200 septets do not fit one part");
}

#[test]
fn encodes_a_status_report() {
    let pdu = status_report(&StatusReport {
        smsc: "+33609001390",
        mr: 0x2A,
        recipient: "+33612345678",
        scts: at(2024, 1, 2, 10, 0, 0),
        discharge: at(2024, 1, 2, 10, 0, 5),
        status: 0x41,
    })
    .unwrap();
    assert_eq!(
        pdu.hex(),
        "07913306091093F0062A0B913316325476F8\
         42102001000000\
         42102001005000\
         41"
    );
    assert_eq!(pdu.tpdu_len, 25);
    let empty_smsc = status_report(&StatusReport {
        smsc: "",
        mr: 0,
        recipient: "0612",
        scts: at(2024, 1, 2, 10, 0, 0),
        discharge: at(2024, 1, 2, 10, 0, 0),
        status: 0,
    })
    .unwrap();
    assert!(empty_smsc.hex().starts_with("0006000481602"));
}

#[test]
fn decodes_ucs2_hex() {
    assert_eq!(ucs2_hex("004100420043").as_deref(), Some("ABC"));
    assert_eq!(ucs2_hex("6B228FCE").as_deref(), Some("欢迎"));
    assert_eq!(ucs2_hex("00410"), None);
    assert_eq!(ucs2_hex("zz"), None);
}
