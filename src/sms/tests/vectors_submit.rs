//! Published SMS-SUBMIT PDUs: what our encoder must produce, and what our SMS-SUBMIT
//! decoder must read.

use super::super::{decode_submit, encode_submit, Encoding, Validity};
use super::{encode, opts, reassemble};

const DAY: u32 = 86_400;
const WEEK: u32 = 7 * DAY;

/// (destination, text, validity, expected PDU). Each differs from its source only where
/// noted.
#[test]
fn encoder_reproduces_published_pdus() {
    let cases: &[(&str, &str, Option<u32>, &str)] = &[
        // The classic "hellohello" SMS-SUBMIT of dreamfabric.com/sms (copied by
        // subnets.ru/saved/sms_pdu_format.html; oFono unit/test-sms.c `simple_submit`). Its
        // TP-VP 0xAA is 4 days; first octet 0x11 and TP-MR 0 are what we send: identical.
        (
            "+46708251358",
            "hellohello",
            Some(4 * DAY),
            "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
        ),
        // Just over 3 days rounds up to the same 4 days.
        (
            "+46708251358",
            "hellohello",
            Some(3 * DAY + 1),
            "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
        ),
        // python-gsmmodem test/test_pdu.py test_encodeSmsSubmit: no validity, first octet 0x01.
        (
            "+27820001111",
            "Hello World!",
            None,
            "0001000B917228001011F100000CC8329BFD065DDF72363904",
        ),
        // Same source, UCS-2, 52 weeks (TP-VP 0xF4). Theirs names an SMSC
        // (07914400000000F0); ours leaves it to the SIM: `00`.
        (
            "+123456789",
            "世界您好！",
            Some(52 * WEEK),
            "001100099121436587F90008F40A4E16754C60A8597DFF01",
        ),
    ];
    for &(to, text, validity, hex) in cases {
        let parts = encode(to, text, validity);
        assert_eq!(parts.len(), 1, "{text}");
        assert_eq!(parts[0].hex, hex, "{text}");
        assert_eq!(parts[0].tpdu_len, hex.len() / 2 - 1);
        assert_eq!((parts[0].seq, parts[0].total), (1, 1));
    }
}

/// python-gsmmodem test/test_pdu.py test_encodeSmsSubmit_concatenated: three 7-bit parts,
/// reference 0. Theirs sets TP-RD (first octet 0x45); ours leaves it clear (0x41, see the
/// module docs). Everything else, fill bit and split points included, is identical.
#[test]
fn encoder_reproduces_a_published_concatenated_message() {
    let text = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor \
        incididunt ut labore et dolore magna aliqua.Ut enim ad minim veniam, quinostrud \
        exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.Duis aute irure \
        dolor in reprehenderit in voluptate velit esse cillum doloe eu fugiat nulla pariatur.\
        Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt \
        mollit anim id est laborum";
    let published = [
        "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD",
        "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA",
        "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
    ];
    let parts = encode("+15125551234", text, None);
    assert_eq!(parts.len(), 3);
    for (part, theirs) in parts.iter().zip(published) {
        assert_eq!(
            part.hex,
            theirs.replacen("0045", "0041", 1),
            "part {}",
            part.seq
        );
        assert_eq!(part.total, 3);
    }
    assert_eq!(reassemble(&parts, 0), text);
    // Their PDUs decode to the same text with our decoder.
    let texts: String = published
        .iter()
        .map(|h| decode_submit(h).unwrap().body.text().unwrap().to_string())
        .collect();
    assert_eq!(texts, text);
}

#[test]
fn first_octet_follows_the_options() {
    // (validity, status report, multipart) -> first octet.
    let cases = [
        (None, false, false, 0x01),
        (Some(600), false, false, 0x11),
        (None, true, false, 0x21),
        (Some(600), true, false, 0x31),
        (None, false, true, 0x41),
        (Some(600), true, true, 0x71),
    ];
    for (validity, status_report, multipart, first) in cases {
        let text = if multipart {
            "x".repeat(161)
        } else {
            "x".into()
        };
        let parts =
            encode_submit("+33612345678", &text, &opts(validity, status_report), 7).unwrap();
        let hex = &parts[0].hex;
        assert_eq!(
            &hex[2..4],
            format!("{first:02X}"),
            "{validity:?} {status_report}"
        );
        let submit = decode_submit(hex).unwrap();
        assert_eq!(submit.status_report_request, status_report);
        assert!(!submit.reject_duplicates && !submit.reply_path);
        assert_eq!((submit.message_ref, submit.pid), (0, 0));
        let vp = validity
            .map(|_| Validity::Relative(1))
            .unwrap_or(Validity::None);
        assert_eq!(submit.validity, vp);
    }
}

#[test]
fn destination_type_of_address() {
    let submit = |to: &str| {
        decode_submit(&encode(to, "x", None)[0].hex)
            .unwrap()
            .destination
    };
    let intl = submit("+33612345678");
    assert_eq!((intl.toa, intl.value.as_str()), (0x91, "+33612345678"));
    let national = submit("0612345678");
    assert_eq!(
        (national.toa, national.value.as_str()),
        (0x81, "0612345678")
    );
}

/// (PDU, destination, TP-VP, text) for SMS-SUBMITs others produced.
#[test]
fn decodes_published_submits() {
    let cases: &[(&str, &str, Validity, &str)] = &[
        // python-gsmmodem test_pdu.py test_encodeSmsSubmit: national number (TOA 0xA1),
        // TP-MR 13, 3 days.
        (
            "04A12143F5310D0AA110624521430000A91BD4F29C0E6A97E7F3F0B9AC03B1DFE3301BE4AEB7C565F91C",
            "0126541234",
            Validity::Relative(0xA9),
            "Test message: local numbers",
        ),
        // oFono unit/test-sms.c sms_charset_default_ext: the extension table. The number's
        // filler nibble is `1`, not `F`; we ignore filler content.
        (
            "0001000B915310101010100000151BC58602DAA036A9CD6BC3DBF436BE0D705306",
            "+35010101010",
            Validity::None,
            "\u{0C}^ {}\\[~]|€",
        ),
        // oFono sms_charset_default: the whole default alphabet in septet order, a space in
        // place of the escape.
        (
            "0001000B915310101010100000808080604028180E888462C168381E90886442A9582E988C06C4E9783EA09068442A994EA8946AC56AB95EB0986C46ABD96EB89C6EC7EBF97EC0A070482C1A8FC8A472C96C3A9FD0A8744AAD5AAFD8AC76CBED7ABFE0B0784C2E9BCFE8B47ACD6EBBDFF0B87C4EAFDBEFF8BC7ECFEFFBFF",
            "+35010101010",
            Validity::None,
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
        ),
        // oFono ems_udh_test_1: five text-formatting header elements (skipped), UDHL 26,
        // so 27 header octets and 1 fill bit.
        (
            "0041000B915121551532F40000631A0A031906200A032104100A032705040A032E05080A043807002B8ACD29A85D9ECFC3E7F21C340EBB41E3B79B1E4EBB41697A989D1EB340E2379BCC02B1C3F27399059AB7C36C3628EC2683C66FF65B5E2683E8653C1D",
            "+15125551234",
            Validity::None,
            "EMS messages can contain italic, bold, large, small and colored text",
        ),
        // oFono ems_udh_test_2: an SMSC field, TP-VP 0xFF, UDHL 35 and so 6 fill bits.
        (
            "079194712272303351030B915121340195F60000FF80230A030F07230A031806130A031E0A430A032E0D830A033D14020A035104F60A0355010600159D9E83D2735018442FCFE98A243DCC4E97C92C90F8CD26B3407537B92C67A7DD65320B1476934173BA3CBD2ED3D1F277FD8C76299CEF3B280C92A7CF683A28CC4E9FDD6532E8FE96935D",
            "+15124310596",
            Validity::Relative(0xFF),
            "This is a test\nItalied, bold, underlined, and strikethrough.\nNow a right aligned word.",
        ),
    ];
    for &(hex, to, validity, text) in cases {
        let submit = decode_submit(hex).unwrap();
        assert_eq!(submit.destination.value, to, "{text}");
        assert_eq!(submit.validity, validity, "{text}");
        assert_eq!(submit.body.text(), Some(text));
        assert_eq!(submit.dcs.encoding, Encoding::Gsm7);
        assert_eq!(submit.concat, None);
    }
    let with_smsc = decode_submit(cases[4].0).unwrap();
    assert_eq!(with_smsc.smsc.unwrap().value, "+491722270333");
    assert_eq!(with_smsc.message_ref, 3);
    assert_eq!(Validity::Relative(0xA9).seconds(), Some(3 * DAY));
}

/// python-gsmmodem test_pdu.py test_decode: a UCS-2 SMS-SUBMIT with an SMSC.
#[test]
fn decodes_a_published_ucs2_submit() {
    let submit = decode_submit("07914346466554F601000B914316565811F9000806304253F68449").unwrap();
    assert_eq!(submit.smsc.unwrap().value, "+34646456456");
    assert_eq!(submit.destination.value, "+34616585119");
    assert_eq!(submit.dcs.encoding, Encoding::Ucs2);
    assert_eq!(submit.body.text(), Some("あ叶葉"));
    // Their UCS-2 SMS-SUBMIT whose TP-UDL (0xA0) overruns the PDU is refused.
    assert!(decode_submit("0041010C910661345542F60008A0050003000301306F3044").is_err());
}
