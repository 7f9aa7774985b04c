//! Malformed input: every field cut short or out of range is a `DecodeError`, never a panic.

use hex::FromHexError;

use super::super::{
    decode, decode_deliver, decode_status_report, decode_submit, message_type, DecodeError,
    MessageType,
};

/// Valid PDUs of every type (their sources are cited in the vector tests).
pub(super) const VALID: &[&str] = &[
    "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
    "0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9",
    "07910201956905F0040B910201014160F3000820219130521580040628062A",
    "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
    "038121F340048155550119906041001222044A0500031E0303043C043D043004420443002C0020043F043E043704300431044B0432000A0434043004360435002C002004470442043E002000200431044B043B0020043D04300433002E",
    "0006D60B911326880736F4111011719551401110117195714000",
    "0006040D91945152991136F00160124130340A0160124130940A00",
    "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
    "0041000B915121551532F40000631A0A031906200A032104100A032705040A032E05080A043807002B8ACD29A85D9ECFC3E7F21C340EBB41E3B79B1E4EBB41697A989D1EB340E2379BCC02B1C3F27399059AB7C36C3628EC2683C66FF65B5E2683E8653C1D",
];

#[test]
fn every_strict_prefix_is_an_error() {
    for hex in VALID {
        assert!(decode(hex).is_ok(), "{hex}");
        for end in (0..hex.len()).step_by(2) {
            let prefix = &hex[..end];
            assert!(decode(prefix).is_err(), "{prefix}");
        }
    }
}

#[test]
fn modem_line_noise_around_the_hex_is_tolerated() {
    for hex in VALID {
        let line = format!("  {}\r\n", hex.to_lowercase());
        assert_eq!(decode(&line), decode(hex));
    }
}

#[test]
fn table() {
    use DecodeError::*;
    let deliver = |middle: &str| format!("00040B916407281553F8{middle}");
    let scts = "99309251619580";
    let cases: Vec<(String, DecodeError)> = vec![
        ("".into(), Truncated("SMSC address")),
        ("0".into(), Hex(FromHexError::OddLength)),
        (
            "0x00".into(),
            Hex(FromHexError::InvalidHexCharacter { c: 'x', index: 1 }),
        ),
        ("00".into(), Truncated("first octet")),
        ("07917283".into(), Truncated("SMSC address")),
        (
            "0C9172830100105F0000000000".into(),
            TooLong {
                field: "SMSC address",
                len: 12,
                max: 11,
            },
        ),
        ("0003".into(), ReservedType),
        ("0004".into(), Truncated("TP-OA")),
        (
            "000415D0".into(),
            TooLong {
                field: "TP-OA",
                len: 21,
                max: 20,
            },
        ),
        (deliver(""), Truncated("TP-PID")),
        (deliver("00"), Truncated("TP-DCS")),
        (deliver("0000993092"), Truncated("TP-SCTS")),
        (deliver("0000993092516195"), Truncated("TP-SCTS")),
        (
            deliver("00009930925161F580"),
            BadSemiOctet {
                field: "TP-SCTS",
                nibble: 0xF,
            },
        ),
        (
            deliver("00009913925161958000"),
            OutOfRange {
                field: "time stamp month",
                value: 31,
            },
        ),
        (deliver(&format!("0000{scts}")), Truncated("TP-UDL")),
        (deliver(&format!("0000{scts}0AE8329B")), Truncated("TP-UD")),
        (
            deliver(&format!("0000{scts}A1")),
            TooLong {
                field: "TP-UDL",
                len: 161,
                max: 160,
            },
        ),
        (deliver(&format!("0020{scts}00")), Compressed(0x20)),
        (deliver(&format!("0008{scts}03004100")), OddUcs2(3)),
        (
            format!("00440B916407281553F80004{scts}03050003"),
            BadUdh("header longer than the user data"),
        ),
        (
            format!("00440B916407281553F80004{scts}0605000417030100"),
            BadUdh("element cut off by the header length"),
        ),
        (
            "0006D60B911326880736F41110117195514011101171957140".into(),
            Truncated("TP-ST"),
        ),
        (
            "0006D60B911326880736F411101171955140111011719571".into(),
            Truncated("TP-DT"),
        ),
        (
            "0006D60B911326880736F411101171955140111011719571A000".into(),
            BadSemiOctet {
                field: "TP-DT",
                nibble: 0xA,
            },
        ),
        ("0011000B916407281553F80000".into(), Truncated("TP-VP")),
        (
            "0019000B916407281553F80000993092".into(),
            Truncated("TP-VP"),
        ),
        ("0009000B916407281553F8000000".into(), Truncated("TP-VP")),
    ];
    for (hex, err) in cases {
        assert_eq!(decode(&hex), Err(err), "{hex}");
    }
}

#[test]
fn message_type_only_reads_the_first_octet() {
    let cases = [
        ("0004", MessageType::Deliver),
        ("0001", MessageType::Submit),
        ("0006", MessageType::StatusReport),
        ("0003", MessageType::Reserved),
        ("038121F340", MessageType::Deliver),
    ];
    for (hex, mti) in cases {
        assert_eq!(message_type(hex), Ok(mti), "{hex}");
    }
    assert_eq!(
        message_type("03812140"),
        Err(DecodeError::Truncated("first octet"))
    );
    assert_eq!(
        decode_deliver("0006"),
        Err(DecodeError::WrongType {
            expected: MessageType::Deliver,
            found: MessageType::StatusReport,
        })
    );
    assert!(decode_submit("0004").is_err() && decode_status_report("0001").is_err());
}
