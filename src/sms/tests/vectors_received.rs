//! Published SMS-DELIVER and SMS-STATUS-REPORT PDUs, as a modem reports them in PDU mode.

use super::super::{
    decode, decode_deliver, decode_status_report, message_type, plan, Body, Concat, DecodeError,
    DeliveryOutcome, Encoding, Incoming, MessageType,
};

/// (PDU, originator TOA, originator, time stamp, text).
#[test]
fn decodes_published_delivers() {
    let cases: &[(&str, u8, &str, &str, &str)] = &[
        // The classic SMS-DELIVER of dreamfabric.com/sms (also in the LoriotPro SMS manual
        // and subnets.ru/saved/sms_pdu_format.html). TOA 0xC8: TON subscriber, NPI national.
        (
            "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
            0xC8,
            "27838890001",
            "1999-03-29T15:16:59+02:00",
            "hellohello",
        ),
        // oFono unit/test-sms.c `alnum_sender`: alphanumeric originator.
        (
            "0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9",
            0xD0,
            "sipgate",
            "2008-08-13T12:07:22+01:00",
            "Testmail",
        ),
        // oFono `simple_deliver`: a negative time zone (-4 quarters).
        (
            "07911326040000F0040B911346610089F60000208062917314480CC8F71D14969741F977FD07",
            0x91,
            "+31641600986",
            "2002-08-26T19:37:41-01:00",
            "How are you?",
        ),
        // python-gsmmodem test/test_pdu.py test_decode.
        (
            "06917228195339040B917228214365F700003130805120618005D4F29C2E03",
            0x91,
            "+27821234567",
            "2013-03-08T15:02:16+02:00",
            "Test2",
        ),
        (
            "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E",
            0x91,
            "+85291234567",
            "2007-04-12T23:25:42+08:00",
            "It is easy to read text messages via AT commands.",
        ),
        // Same source: extension characters and é in 7-bit.
        (
            "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910",
            0x91,
            "+27821234567",
            "2013-03-26T13:35:25+02:00",
            "@{tést}!",
        ),
        // A UCS-2 message (Arabic) posted on the Nokia developer forum
        // (developer.nokia.com thread "how to send UCS character").
        (
            "07910201956905F0040B910201014160F3000820219130521580040628062A",
            0x91,
            "+20101014063",
            "2002-12-19T03:25:51+02:00",
            "بت",
        ),
        // oFono `unicode_deliver`: alphanumeric originator and TP-DCS 0x19 (general group,
        // UCS-2, class 1).
        (
            "04819999990414D0FBFD7EBFDFEFF77BFE1E0019512090801361807E00DC00FC00C400E400D600F600C500E500D800F800C600E600C700E700C900E900CA00EA00DF0031003200330034003500360037003800390030002000540068006900730020006D00650073007300610067006500200069007300200036003300200075006E00690063006F00640065002000630068006100720073002E",
            0xD0,
            "äääääääääöä",
            "2015-02-09T08:31:16+02:00",
            "ÜüÄäÖöÅåØøÆæÇçÉéÊêß1234567890 This message is 63 unicode chars.",
        ),
    ];
    for &(hex, toa, from, time, text) in cases {
        assert_eq!(message_type(hex), Ok(MessageType::Deliver));
        let d = decode_deliver(hex).unwrap();
        assert_eq!(
            (d.originator.toa, d.originator.value.as_str()),
            (toa, from),
            "{text}"
        );
        assert_eq!(d.timestamp.to_string(), time, "{text}");
        assert_eq!(d.text(), Some(text));
        assert_eq!(d.concat, None);
        assert_eq!(decode(hex), Ok(Incoming::Deliver(d)));
    }
    let classic = decode_deliver(cases[0].0).unwrap();
    assert_eq!(classic.smsc.unwrap().value, "+27381000015");
    assert_eq!((classic.pid, classic.dcs.raw), (0, 0));
    let alnum = decode_deliver(cases[1].0).unwrap();
    assert!(alnum.originator.is_alphanumeric());
    let class1 = decode_deliver(cases[7].0).unwrap();
    assert_eq!(
        (class1.dcs.encoding, class1.dcs.class),
        (Encoding::Ucs2, Some(1))
    );
}

/// python-gsmmodem test_pdu.py test_decode: a 7-bit part with an 8-bit reference
/// concatenation header (reference 0xC3, part 1 of 1) and a national originator.
#[test]
fn decodes_a_published_concatenated_gsm7_deliver() {
    let d = decode_deliver(
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
    )
    .unwrap();
    assert_eq!(d.smsc.as_ref().unwrap().value, "+2781191");
    assert_eq!(
        (d.originator.toa, d.originator.value.as_str()),
        (0x81, "2781188")
    );
    assert_eq!(
        d.concat,
        Some(Concat {
            reference: 0xC3,
            total: 1,
            seq: 1
        })
    );
    assert_eq!(
        d.text(),
        Some("Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ")
    );
}

/// oFono unit/test-sms.c `assembly_pdu1..3`: three UCS-2 parts, reference 0x1E, TP-PID 1,
/// TP-DCS 0x19. Reassembled, and cut the same way by our own planner.
#[test]
fn decodes_a_published_concatenated_ucs2_message() {
    let parts = [
        "038121F340048155550119906041001222048C0500031E0301041804420430043A002C00200410043B0435043A04410430043D04340440002000200441043B044304480430043B00200437043000200434043204350440044C044E0020002004380020002004320441043500200431043E043B044C044804350020043F0440043504380441043F043E043B043D044F043B0441044F002000200433043D0435",
        "038121F340048155550119906041001222048C0500031E03020432043E043C002E000A041D0430043A043E043D04350446002C0020043D043500200432002004410438043B04300445002004340430043B043504350020044204350440043F04350442044C002C0020043E043D00200441044204400435043C043804420435043B044C043D043E002004320431043504360430043B002004320020043A043E",
        "038121F340048155550119906041001222044A0500031E0303043C043D043004420443002C0020043F043E043704300431044B0432000A0434043004360435002C002004470442043E002000200431044B043B0020043D04300433002E",
    ];
    let mut text = String::new();
    for (i, hex) in parts.iter().enumerate() {
        let d = decode_deliver(hex).unwrap();
        let seq = u8::try_from(i + 1).unwrap();
        assert_eq!(
            d.concat,
            Some(Concat {
                reference: 0x1E,
                total: 3,
                seq
            })
        );
        assert_eq!((d.pid, d.dcs.raw, d.timestamp.tz_quarters), (1, 0x19, 40));
        assert_eq!(d.originator.value, "5555");
        text.push_str(d.text().unwrap());
    }
    assert_eq!(
        text,
        "Итак, Александр  слушал за дверью  и  все больше преисполнялся  гневом.\n\
         Наконец, не в силах далее терпеть, он стремительно вбежал в комнату, позабыв\n\
         даже, что  был наг."
    );
    assert_eq!(plan(&text), (Encoding::Ucs2, 3));
}

/// oFono unit/test-sms.c `wap_push_1`: 8-bit data behind an application port header.
#[test]
fn decodes_a_published_binary_deliver() {
    let d = decode_deliver(
        "0791947122725014440185F039F501801140311480720605040B8423F00106246170706C69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF84B4868C82984F67514B4B42008D9089088045726F74696B009650696E2D557073008A808E0240008805810303F48083687474703A2F2F657073332E64652F4F2F5A39495A4F00",
    )
    .unwrap();
    assert_eq!(d.dcs.encoding, Encoding::Binary);
    assert_eq!(d.text(), None);
    match d.body {
        // TP-UDL 0x72 less the 7 header octets; a WSP push starts with TID 1, type 6.
        Body::Binary(data) => assert_eq!((data.len(), &data[..2]), (107, &[1u8, 6][..])),
        Body::Text(_) => panic!("expected 8-bit data"),
    }
}

/// (PDU, TP-MR, recipient, SCTS, TP-DT, TP-ST, outcome).
#[test]
fn decodes_published_status_reports() {
    let delivered = DeliveryOutcome::Delivered;
    let cases: &[(&str, u8, &str, &str, &str, u8, DeliveryOutcome)] = &[
        // python-gsmmodem test/test_pdu.py test_decode.
        (
            "0006D60B911326880736F4111011719551401110117195714000",
            214,
            "+31628870634",
            "2011-01-11T17:59:15+01:00",
            "2011-01-11T17:59:17+01:00",
            0x00,
            delivered.clone(),
        ),
        // oFono unit/test-sms.c test_sr_assembly `sr_pdu1`, with the `00` SMSC field a
        // modem puts first.
        (
            "0006040D91945152991136F00160124130340A0160124130940A00",
            4,
            "+4915259911630",
            "2010-06-21T14:03:43-05:00",
            "2010-06-21T14:03:49-05:00",
            0x00,
            delivered.clone(),
        ),
        // warthog618/sms encoding/tpdu/statusreport_internal_test.go "minimal", whose first
        // octet 0x03 (their decoder does not dispatch on TP-MTI) is reserved; here 0x02.
        // TP-ST 0xAB is reserved, read as "service rejected".
        (
            "0002420491361951507132200523514081322005 42AB",
            0x42,
            "+6391",
            "2015-05-17T23:02:50+08:00",
            "2015-04-18T23:02:50+06:00",
            0xAB,
            DeliveryOutcome::Failed("reserved status 0xab, taken as service rejected".into()),
        ),
        // python-gsmmodem: "semi-invalid status report captured from a ZTE modem", whose
        // recipient starts with a 0xB semi-octet ('#').
        (
            "0297F1061C0F910B487228297020F5317062419272803170624192138000",
            28,
            "+#08427829207025",
            "2013-07-26T14:29:27+02:00",
            "2013-07-26T14:29:31+02:00",
            0x00,
            delivered,
        ),
    ];
    for (hex, mr, to, scts, dt, st, outcome) in cases {
        let hex = hex.replace(' ', "");
        assert_eq!(message_type(&hex), Ok(MessageType::StatusReport));
        let r = decode_status_report(&hex).unwrap();
        assert_eq!((r.message_ref, r.recipient.value.as_str()), (*mr, *to));
        assert_eq!(r.sc_timestamp.to_string(), *scts);
        assert_eq!(r.discharge_time.to_string(), *dt);
        assert_eq!((r.status, r.outcome()), (*st, outcome.clone()));
        assert!(!r.for_command);
        assert_eq!(decode(&hex), Ok(Incoming::StatusReport(r)));
    }
}

#[test]
fn decoders_refuse_the_other_types() {
    let deliver = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
    let report = "0006D60B911326880736F4111011719551401110117195714000";
    assert_eq!(
        decode_status_report(deliver),
        Err(DecodeError::WrongType {
            expected: MessageType::StatusReport,
            found: MessageType::Deliver
        })
    );
    assert_eq!(
        decode_deliver(report),
        Err(DecodeError::WrongType {
            expected: MessageType::Deliver,
            found: MessageType::StatusReport
        })
    );
    assert_eq!(message_type("0003"), Ok(MessageType::Reserved));
    // The warthog618 status report as published.
    let reserved = "000342049136195150713220052351408132200542AB";
    assert_eq!(decode(reserved), Err(DecodeError::ReservedType));
    assert_eq!(decode("0003"), Err(DecodeError::ReservedType));
}
