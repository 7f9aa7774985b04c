//! Voice calls through real ptys: a Huawei stick's audio port carrying PCM into a WAV
//! recording, and a Quectel modem playing an uploaded file and TTS into a scripted call.

use super::media;
use super::port_util::{chat, open, read_until, start, wait, Control};
use super::{SimOptions, Vendor};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A rising sawtooth, so the recording is not silence and its order shows.
fn pcm(frames: usize) -> Vec<u8> {
    (0..frames * media::FRAME / 2)
        .flat_map(|i| ((i % 200) as i16 * 100).to_le_bytes())
        .collect()
}

#[test]
fn the_audio_port_records_the_pcm_of_a_call_to_a_wav_file() {
    let dir = tempfile::tempdir().unwrap();
    let audio_link = dir.path().join("m0.audio");
    let audio_dir = dir.path().join("calls");
    let (_sim, mut ctl, link) = start(
        dir.path(),
        SimOptions {
            vendor: Vendor::Huawei,
            audio_link: Some(audio_link.clone()),
            audio_dir: Some(audio_dir.clone()),
            answer_ms: 200,
            ..SimOptions::default()
        },
    );
    let mut port = open(&link);
    let mut audio = open(&audio_link);
    let _ = chat(&mut *port, b"ATE0\r", "OK\r\n");
    let dialed = chat(&mut *port, b"ATD+33612345678;\r", "^ORIG:1,0\r\n");
    assert_eq!(dialed, "\r\nOK\r\n\r\n^ORIG:1,0\r\n");
    // Sound before the port is switched on is dropped.
    audio.write_all(&[9u8; 640]).unwrap();
    assert!(read_until(&mut *port, "^CONN:1,0\r\n").ends_with("^CONN:1,0\r\n"));
    assert_eq!(chat(&mut *port, b"AT^DDSETEX=2\r", "OK\r\n"), "\r\nOK\r\n");
    // Real time: one frame every 20 ms.
    let sound = pcm(10);
    for frame in sound.chunks(media::FRAME) {
        audio.write_all(frame).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let calls = |ctl: &mut Control| -> Value { ctl.call(r#"{"op":"calls"}"#)["calls"][0].clone() };
    wait("the PCM to arrive", || calls(&mut ctl)["pcm_bytes"] == 3200);
    // And the far end's silence came back on the audio port meanwhile.
    let mut back = vec![0u8; 4096];
    let n = audio.read(&mut back).unwrap_or(0);
    assert!(
        n >= media::FRAME && back[..n].iter().all(|b| *b == 0),
        "{n} octets back"
    );
    assert_eq!(
        chat(&mut *port, b"AT+CHUP\r", "^CEND:1,0,104,16\r\n"),
        "\r\nOK\r\n\r\n^CEND:1,0,104,16\r\n"
    );
    let record = calls(&mut ctl);
    assert_eq!(record["outcome"], "answered");
    assert_eq!(record["hung_up_by"], "caller");
    assert_eq!(
        (&record["audio_port"], &record["pcm_ms"]),
        (&json!(true), &json!(200))
    );
    let wav_path = audio_dir.join("call-1.wav");
    assert_eq!(record["wav"], json!(wav_path.display().to_string()));
    let wav = std::fs::read(&wav_path).unwrap();
    assert_eq!(wav[..44], media::wav_header(3200));
    assert_eq!(wav[44..], sound[..], "the PCM as written, in order");
}

#[test]
fn a_quectel_modem_plays_a_file_and_tts_into_a_scripted_call() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, mut ctl, link) = start(
        dir.path(),
        SimOptions {
            vendor: Vendor::Quectel,
            answer_ms: 200,
            tts_ms_per_char: 10,
            ..SimOptions::default()
        },
    );
    let script = r#"{"op":"call_script","number":"+33612345678","script":"busy,answer"}"#;
    assert_eq!(ctl.call(script)["ok"], true);
    let mut port = open(&link);
    let _ = chat(&mut *port, b"ATE0;+CMEE=1;+COLP=1\r", "OK\r\n");
    let started = Instant::now();
    assert_eq!(
        chat(&mut *port, b"ATD+33612345678;\r", "BUSY\r\n"),
        "\r\nBUSY\r\n"
    );
    assert_eq!(
        chat(&mut *port, b"ATD+33612345678;\r", "OK\r\n"),
        "\r\n+COLP: \"+33612345678\",145\r\n\r\nOK\r\n"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "ATD waited"
    );
    // Every octet value goes through the upload, Ctrl-Z, ESC and CR included.
    let clip = [
        media::wav_header(8000).to_vec(),
        (0..8000).map(|i| i as u8).collect(),
    ]
    .concat();
    let upload = format!("AT+QFUPL=\"UFS:code.wav\",{},5\r", clip.len());
    assert_eq!(
        chat(&mut *port, upload.as_bytes(), "CONNECT\r\n"),
        "\r\nCONNECT\r\n"
    );
    let done = chat(&mut *port, &clip, "OK\r\n");
    assert_eq!(
        done,
        format!("\r\n+QFUPL: 8044,{:x}\r\n\r\nOK\r\n", media::xor16(&clip))
    );
    assert_eq!(
        chat(&mut *port, b"AT+QPSND=1,\"code.wav\",0,1,1\r", "OK\r\n"),
        "\r\nOK\r\n"
    );
    assert_eq!(read_until(&mut *port, "+QPSND: 0\r\n"), "\r\n+QPSND: 0\r\n");
    let say = b"AT+QWTTS=1,1,2,\"Your code is 4, 8, 2, 1\"\r";
    assert_eq!(chat(&mut *port, say, "OK\r\n"), "\r\nOK\r\n");
    assert_eq!(read_until(&mut *port, "+QWTTS: 0\r\n"), "\r\n+QWTTS: 0\r\n");
    assert_eq!(ctl.call(r#"{"op":"callee_hangup"}"#)["ok"], true);
    assert_eq!(read_until(&mut *port, "CARRIER\r\n"), "\r\nNO CARRIER\r\n");
    assert_eq!(
        ctl.call(r#"{"op":"callee_hangup"}"#)["ok"],
        false,
        "no call left"
    );

    let calls = ctl.call(r#"{"op":"calls"}"#)["calls"].clone();
    assert_eq!(calls[0]["outcome"], "busy");
    assert_eq!(
        (&calls[1]["outcome"], &calls[1]["hung_up_by"]),
        (&json!("answered"), &json!("callee"))
    );
    let played = &calls[1]["played"];
    assert_eq!(
        (
            &played[0]["file"],
            &played[0]["remote"],
            &played[0]["duration_ms"]
        ),
        (&json!("code.wav"), &json!(true), &json!(500))
    );
    assert_eq!(played[1]["text"], "Your code is 4, 8, 2, 1");
    let files = ctl.call(r#"{"op":"files"}"#)["files"].clone();
    assert_eq!(
        (&files[0]["name"], &files[0]["format"]),
        (&json!("code.wav"), &json!("wav"))
    );
}
