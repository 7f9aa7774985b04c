//! Byte fixtures for the ingress, each fed whole and one byte at a time.

use super::*;
use crate::at::result::ErrorValue;

/// Feeds `chunks` in order (calling `data_sent` with `pdu` after a prompt) and collects events.
fn run(spec: &CommandSpec, input: &[u8], pdu: Option<&str>, bytewise: bool) -> Vec<Event> {
    let mut ing = Ingress::new();
    ing.start(spec.clone());
    let mut out = Vec::new();
    let chunks: Vec<&[u8]> = if bytewise {
        input.chunks(1).collect()
    } else {
        vec![input]
    };
    for chunk in chunks {
        ing.push(chunk);
        while let Some(e) = ing.next_event() {
            if e == Event::Prompt {
                if let Some(p) = pdu {
                    ing.data_sent(p);
                }
            }
            out.push(e);
        }
    }
    out
}

fn check(spec: &CommandSpec, input: &[u8], pdu: Option<&str>, want: &[Event]) {
    assert_eq!(
        run(spec, input, pdu, false),
        want,
        "whole: {:?}",
        String::from_utf8_lossy(input)
    );
    assert_eq!(
        run(spec, input, pdu, true),
        want,
        "bytewise: {:?}",
        String::from_utf8_lossy(input)
    );
}

fn ok(lines: &[&str]) -> Event {
    Event::Done(Ok(lines.iter().map(|s| s.to_string()).collect()))
}

const PDU: &str = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";

#[test]
fn plain_answers_with_and_without_echo() {
    let spec = CommandSpec::prefixed("AT+CSQ", "+CSQ:");
    check(
        &spec,
        b"AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
        None,
        &[ok(&["+CSQ: 20,99"])],
    );
    check(
        &spec,
        b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
        None,
        &[ok(&["+CSQ: 20,99"])],
    );
    check(
        &spec,
        b"at+csq\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
        None,
        &[ok(&["+CSQ: 20,99"])],
    );
}

#[test]
fn urcs_anywhere_never_join_the_answer() {
    let spec = CommandSpec::prefixed("AT+CSQ", "+CSQ:");
    check(
        &spec,
        b"\r\nRING\r\nAT+CSQ\r\r\n+CSQ: 20,99\r\n\r\n^RSSI: 17\r\n\r\nOK\r\n\r\n+CREG: 1\r\n",
        None,
        &[
            Event::Urc(Urc::Ring),
            Event::Urc(Urc::Rssi(17)),
            ok(&["+CSQ: 20,99"]),
            Event::Urc(Urc::Registration {
                domain: "CS",
                stat: 1,
            }),
        ],
    );
}

#[test]
fn registration_urc_inside_the_registration_answer() {
    let spec = CommandSpec::prefixed("AT+CREG?", "+CREG:");
    check(
        &spec,
        b"\r\n+CREG: 1\r\n\r\n+CREG: 0,1\r\n\r\n+CREG: 5\r\n\r\nOK\r\n",
        None,
        &[
            Event::Urc(Urc::Registration {
                domain: "CS",
                stat: 1,
            }),
            Event::Urc(Urc::Registration {
                domain: "CS",
                stat: 5,
            }),
            ok(&["+CREG: 0,1"]),
        ],
    );
}

#[test]
fn bare_answers() {
    let spec = CommandSpec::bare("AT+CGMI", "+CGMI:");
    check(
        &spec,
        b"\r\nSIMCOM_Ltd\r\n\r\nOK\r\n",
        None,
        &[ok(&["SIMCOM_Ltd"])],
    );
    check(
        &spec,
        b"\r\n+CGMI: Quectel\r\n\r\nOK\r\n",
        None,
        &[ok(&["+CGMI: Quectel"])],
    );
    check(
        &spec,
        b"\r\n^BOOT:1,0,0,0,75\r\nhuawei\r\n\r\nOK\r\n",
        None,
        &[Event::Urc(Urc::Boot), ok(&["huawei"])],
    );
}

#[test]
fn cmgs_prompt_pdu_echo_and_answer() {
    let spec = CommandSpec::with_prompt("AT+CMGS=23", "+CMGS:");
    let mut input = b"AT+CMGS=23\r\r\n> ".to_vec();
    input.extend_from_slice(PDU.as_bytes());
    input.extend_from_slice(b"\x1a\r\n+CMGS: 7\r\n\r\nOK\r\n");
    check(
        &spec,
        &input,
        Some(PDU),
        &[Event::Prompt, ok(&["+CMGS: 7"])],
    );
    // Echo off.
    check(
        &spec,
        b"\r\n> \r\n+CMGS: 8\r\n\r\nOK\r\n",
        Some(PDU),
        &[Event::Prompt, ok(&["+CMGS: 8"])],
    );
}

#[test]
fn cmgs_error_instead_of_prompt() {
    let spec = CommandSpec::with_prompt("AT+CMGS=23", "+CMGS:");
    check(
        &spec,
        b"\r\n+CMS ERROR: 304\r\n",
        None,
        &[Event::Done(Err(ErrorCode::Cms(ErrorValue::Code(304))))],
    );
}

#[test]
fn status_report_urc_during_a_send() {
    let spec = CommandSpec::with_prompt("AT+CMGS=23", "+CMGS:");
    let sr = "07913396050066F006070B913366231455F4";
    let input = format!("\r\n> \r\n+CDS: 25\r\n{sr}\r\n\r\n+CMGS: 9\r\n\r\nOK\r\n");
    check(
        &spec,
        input.as_bytes(),
        Some(PDU),
        &[
            Event::Prompt,
            Event::Urc(Urc::StatusReport { pdu: sr.into() }),
            ok(&["+CMGS: 9"]),
        ],
    );
}

#[test]
fn read_answer_with_pdu_line() {
    let spec = CommandSpec::prefixed("AT+CMGR=1", "+CMGR:");
    let input = format!("\r\n+CMGR: 0,,24\r\n{PDU}\r\n\r\nOK\r\n");
    check(&spec, input.as_bytes(), None, &[ok(&["+CMGR: 0,,24", PDU])]);
}

#[test]
fn nothing_in_flight() {
    let mut ing = Ingress::new();
    ing.push(b"\r\nOK\r\n\r\nAT\r\n\r\nNO CARRIER\r\n\r\n+CMTI: \"SM\",4\r\n\r\nsome text\r\n");
    let events: Vec<Event> = std::iter::from_fn(|| ing.next_event()).collect();
    assert_eq!(
        events,
        vec![
            Event::Urc(Urc::CallEnded(ErrorCode::NoCarrier)),
            Event::Urc(Urc::NewMessage {
                mem: "SM".into(),
                index: 4
            }),
            Event::Urc(Urc::Other("some text".into())),
        ]
    );
}

#[test]
fn urc_header_without_its_pdu_does_not_eat_the_answer() {
    let spec = CommandSpec::prefixed("AT+CSQ", "+CSQ:");
    check(&spec, b"\r\n+CDS: 25\r\n\r\nOK\r\n", None, &[ok(&[])]);
}

proptest::proptest! {
    /// Noise URCs at any line boundary never change the answer.
    #[test]
    fn noise_at_line_boundaries(mask in proptest::collection::vec(0u8..4, 4), echo in proptest::bool::ANY) {
        let noise = ["\r\n+CREG: 1\r\n", "\r\n^RSSI: 17\r\n", "\r\n+CIEV: 2,3\r\n", ""];
        let pieces = ["\r\n+CSQ: 20,99\r\n", "\r\n+CSQ: 21,99\r\n", "\r\nOK\r\n"];
        let mut input = String::new();
        if echo { input.push_str("AT+CSQ\r"); }
        for (i, piece) in pieces.iter().enumerate() {
            input.push_str(noise[mask[i] as usize]);
            input.push_str(piece);
        }
        input.push_str(noise[mask[3] as usize]);
        let spec = CommandSpec::prefixed("AT+CSQ", "+CSQ:");
        for bytewise in [false, true] {
            let events = run(&spec, input.as_bytes(), None, bytewise);
            let done: Vec<Event> = events.iter().filter(|e| matches!(e, Event::Done(_))).cloned().collect();
            proptest::prop_assert_eq!(done, vec![ok(&["+CSQ: 20,99", "+CSQ: 21,99"])]);
            let urcs = events.iter().filter(|e| matches!(e, Event::Urc(_))).count();
            let expected = mask.iter().filter(|m| **m < 3).count();
            proptest::prop_assert_eq!(urcs, expected);
        }
    }
}

#[test]
fn connect_is_the_prompt_of_an_upload() {
    let spec = CommandSpec::with_prompt("AT+QFUPL=\"a.wav\",4,10", "+QFUPL:");
    let mut ing = Ingress::new();
    ing.start(spec);
    ing.push(b"\r\nCONNECT\r\n");
    assert_eq!(ing.next_event(), Some(Event::Prompt));
    ing.data_sent("");
    ing.push(b"\r\n+QFUPL: 4,3a2b\r\n\r\nOK\r\n");
    assert_eq!(ing.next_event(), Some(ok(&["+QFUPL: 4,3a2b"])));
    // Without a data phase CONNECT still ends a command (a data call).
    let mut ing = Ingress::new();
    ing.start(CommandSpec::plain("ATD123"));
    ing.push(b"\r\nCONNECT 9600\r\n");
    assert_eq!(ing.next_event(), Some(ok(&[])));
}

#[test]
fn a_call_ending_mid_send_is_an_event_not_the_answer() {
    // Someone called the SIM and hung up while our +CMGS waited for its answer.
    let spec = CommandSpec::with_prompt("AT+CMGS=23", "+CMGS:");
    let input = format!("\r\n> {PDU}\x1a\r\nRING\r\n\r\nNO CARRIER\r\n\r\n+CMGS: 7\r\n\r\nOK\r\n");
    check(
        &spec,
        input.as_bytes(),
        Some(PDU),
        &[
            Event::Prompt,
            Event::Urc(Urc::Ring),
            Event::Urc(Urc::CallEnded(ErrorCode::NoCarrier)),
            ok(&["+CMGS: 7"]),
        ],
    );
    // BUSY while +CLCC is read during our own call is the call's fate, not +CLCC's.
    let spec = CommandSpec::prefixed("AT+CLCC", "+CLCC:");
    check(
        &spec,
        b"\r\nBUSY\r\n\r\nOK\r\n",
        None,
        &[Event::Urc(Urc::CallEnded(ErrorCode::Busy)), ok(&[])],
    );
    // Dialling is what they answer.
    let spec = CommandSpec::plain("ATD+33612345678;");
    check(
        &spec,
        b"\r\nBUSY\r\n",
        None,
        &[Event::Done(Err(ErrorCode::Busy))],
    );
}

#[test]
fn numeric_result_codes_answer_result_only_commands() {
    // A modem left in ATV0 frames results as `<code>\r` (V.250 §6.2.6).
    check(&CommandSpec::plain("AT"), b"AT\r0\r", None, &[ok(&[])]);
    check(
        &CommandSpec::plain("ATZ"),
        b"4\r",
        None,
        &[Event::Done(Err(ErrorCode::Plain))],
    );
    // A command with information lines does not take a bare digit as its end.
    let spec = CommandSpec::prefixed("AT+CSQ", "+CSQ:");
    check(
        &spec,
        b"\r\n0\r\n\r\n+CSQ: 9,99\r\n\r\nOK\r\n",
        None,
        &[Event::Urc(Urc::Other("0".into())), ok(&["+CSQ: 9,99"])],
    );
}

#[test]
fn a_ready_notice_is_not_the_manufacturer() {
    // SIM7600 says SMS DONE / PB DONE a while after boot, possibly during AT+CGMI.
    let spec = CommandSpec::bare("AT+CGMI", "+CGMI:");
    check(
        &spec,
        b"\r\nPB DONE\r\n\r\nSIMCOM INCORPORATED\r\n\r\nOK\r\n",
        None,
        &[
            Event::Urc(Urc::ServiceReady("PB DONE".into())),
            ok(&["SIMCOM INCORPORATED"]),
        ],
    );
}
