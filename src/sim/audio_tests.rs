//! Audio during calls as byte tables: Quectel TTS (QTTS local, QWTTS into the call), file
//! upload (QFUPL with its checksum, ack mode, timeout) and playback (QPSND); SIMCom files
//! (FSCREATE/FSWRITE) and playback (CREC) and TTS (CTTS); the Huawei audio port; the
//! generic modem refusing all of it. And what each call's record says it carried.

use super::config::Config;
use super::machine::{Effect, Machine, Step};
use super::media;
use super::test_util::{run, Act::*};
use super::vendor::Vendor;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn vendor(v: Vendor) -> Config {
    Config {
        vendor: v,
        ..Config::default()
    }
}

fn calls(m: &Machine) -> Value {
    m.device().calls_json(Instant::now())
}

/// Half a second of silence as a WAV file.
fn wav() -> Vec<u8> {
    [media::wav_header(8000).to_vec(), vec![0u8; 8000]].concat()
}

#[test]
fn quectel_tts_locally_and_into_a_call() {
    let (m, _) = run(
        vendor(Vendor::Quectel),
        &[
            (0, Feed(b"ATE0;+CMEE=1\r"), "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (
                0,
                Feed(b"AT+QWTTS=1,1,2,\"hi\"\r"),
                "\r\n+CME ERROR: 903\r\n",
            ),
            (0, Feed(b"AT+QTTS=2,\"hello\"\r"), "\r\nOK\r\n"),
            (399, Tick, ""),
            (400, Tick, "\r\n+QTTS: 0\r\n"),
            (400, Feed(b"ATD+33612345678;\r"), "\r\nOK\r\n"),
            (1400, Tick, ""),
            (
                1400,
                Feed(b"AT+QWTTS=1,1,2,\"Your code: 4, 8\"\r"),
                "\r\nOK\r\n",
            ),
            (1400, Feed(b"AT+QWTTS?\r"), "\r\n+QWTTS: 1\r\n\r\nOK\r\n"),
            (
                1400,
                Feed(b"AT+QWTTS=1,1,2,\"x\"\r"),
                "\r\n+CME ERROR: 3\r\n",
            ),
            (2600, Tick, "\r\n+QWTTS: 0\r\n"),
            (2600, Feed(b"AT+QWTTS=1,1,1,\"00340038\"\r"), "\r\nOK\r\n"),
            (2760, Tick, "\r\n+QWTTS: 0\r\n"),
            (
                2760,
                Feed(b"AT+QWTTS=0,0,2,\"x\"\r"),
                "\r\n+CME ERROR: 903\r\n",
            ),
            (
                2760,
                Feed(b"AT+QWTTS=1,0,2,\"\"\r"),
                "\r\n+CME ERROR: 902\r\n",
            ),
            (2760, Feed(b"AT+QWTTS=0,1,2,\"quiet\"\r"), "\r\nOK\r\n"),
            // The call ends before the sentence does: no end line, not completed.
            (2800, Feed(b"ATH\r"), "\r\nOK\r\n"),
            (9000, Tick, ""),
        ],
    );
    let c = calls(&m);
    let tts = |text: &str, remote: bool, completed: bool, ms: u64| {
        json!({"kind": "tts", "via": "QWTTS", "text": text, "remote": remote,
               "completed": completed, "duration_ms": ms})
    };
    assert_eq!(
        c["calls"][0]["played"],
        json!([
            tts("Your code: 4, 8", true, true, 1200),
            tts("48", true, true, 160),
            tts("quiet", false, false, 400),
        ])
    );
    assert_eq!(c["local"][0]["via"], "QTTS");
    assert_eq!(c["local"][0]["remote"], false);
}

#[test]
fn quectel_uploads_a_file_and_plays_it_into_the_call() {
    let wav = wav();
    let uploaded = format!("\r\n+QFUPL: 8044,{:x}\r\n\r\nOK\r\n", media::xor16(&wav));
    let (m, _) = run(
        vendor(Vendor::Quectel),
        &[
            (0, Feed(b"ATE0;+CMEE=1\r"), "ATE0;+CMEE=1\r\r\nOK\r\n"),
            (
                0,
                Feed(b"AT+QFUPL=\"UFS:a.wav\",8044,5\r"),
                "\r\nCONNECT\r\n",
            ),
            (0, Feed(&wav), &uploaded),
            (
                0,
                Feed(b"AT+QFLST\r"),
                "\r\n+QFLST: \"a.wav\",8044\r\n\r\nOK\r\n",
            ),
            (
                0,
                Feed(b"AT+QFUPL=\"a.wav\",10\r"),
                "\r\n+CME ERROR: 407\r\n",
            ),
            (
                0,
                Feed(b"AT+QPSND=1,\"b.wav\",0\r"),
                "\r\n+CME ERROR: 405\r\n",
            ),
            (0, Feed(b"ATD123;\r"), "\r\nOK\r\n"),
            (1000, Tick, ""),
            (1000, Feed(b"AT+QPSND=1,\"a.wav\",0,1,1\r"), "\r\nOK\r\n"),
            (1499, Tick, ""),
            (1500, Tick, "\r\n+QPSND: 0\r\n"),
            (1500, Feed(b"AT+QFDEL=\"a.wav\"\r"), "\r\nOK\r\n"),
            (
                1500,
                Feed(b"AT+QFDEL=\"a.wav\"\r"),
                "\r\n+CME ERROR: 405\r\n",
            ),
        ],
    );
    assert_eq!(
        calls(&m)["calls"][0]["played"],
        json!([{"kind": "file", "via": "QPSND", "file": "a.wav", "remote": true,
                "completed": true, "duration_ms": 500, "format": "wav"}])
    );
}

#[test]
fn quectel_upload_ack_mode_timeout_and_ram() {
    let data = vec![0x5Au8; 2058];
    let partial = format!("\r\n+QFUPL: 2058,{:x}\r\n\r\nOK\r\n", media::xor16(&data));
    let (m, _) = run(
        vendor(Vendor::Quectel),
        &[
            (
                0,
                Feed(b"AT+QFUPL=\"RAM:b.bin\",3000,1,1\r\n"),
                "AT+QFUPL=\"RAM:b.bin\",3000,1,1\r\r\nCONNECT\r\n\n",
            ),
            (0, Feed(&data[..2048]), "AA"),
            (500, Feed(&data[2048..]), ""),
            (1499, Tick, ""),
            (1500, Tick, &partial),
            (
                1500,
                Feed(b"AT+QFLST=\"RAM:*\"\r"),
                "AT+QFLST=\"RAM:*\"\r\r\n+QFLST: \"RAM:b.bin\",2058\r\n\r\nOK\r\n",
            ),
            (1500, Feed(b"AT+QFLDS=\"UFS\"\r"), "AT+QFLDS=\"UFS\"\r\r\n+QFLDS: 8386550,8388608\r\n\r\nOK\r\n"),
            (1500, Do(&|m, now, step| m.reboot(now, true, step)), ""),
            (1500, Tick, "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n"),
        ],
    );
    assert_eq!(
        m.device().files.to_json(),
        json!([]),
        "RAM: is gone after a reboot"
    );
}

#[test]
fn simcom_writes_a_file_and_plays_it_and_speaks() {
    let mut amr = b"#!AMR\n".to_vec();
    for _ in 0..50 {
        amr.push(0x3C);
        amr.extend([0u8; 31]);
    }
    let (m, _) = run(
        vendor(Vendor::Simcom),
        &[
            (0, Feed(b"ATE0\r"), "ATE0\r\r\nOK\r\n"),
            (0, Feed(b"AT+FSCREATE=C:\\User\\1.amr\r"), "\r\nOK\r\n"),
            (0, Feed(b"AT+FSCREATE=C:\\User\\1.amr\r"), "\r\nERROR\r\n"),
            (0, Feed(b"AT+FSWRITE=C:\\User\\1.amr,0,1606,10\r"), "\r\n> "),
            (0, Feed(&amr), "\r\nOK\r\n"),
            (
                0,
                Feed(b"AT+FSFLSIZE=C:\\User\\1.amr\r"),
                "\r\n+FSFLSIZE: 1606\r\n\r\nOK\r\n",
            ),
            (0, Feed(b"AT+FSLS=C:\\User\\\r"), "\r\n1.amr\r\n\r\nOK\r\n"),
            (
                0,
                Feed(b"AT+FSWRITE=C:\\User\\2.amr,0,10,10\r"),
                "\r\nERROR\r\n",
            ),
            (0, Feed(b"ATD123;\r"), "\r\nOK\r\n"),
            (1000, Tick, ""),
            (1000, Feed(b"AT+CREC=4,1,0,90\r"), "\r\nOK\r\n"),
            (2000, Tick, "\r\n+CREC: 0\r\n"),
            (2000, Feed(b"AT+CTTS=2,\"hello\"\r"), "\r\nOK\r\n"),
            (2400, Tick, "\r\n+CTTS: 0\r\n"),
            (2400, Feed(b"AT+CTTS=1,\"00680069\"\r"), "\r\nOK\r\n"),
            (2500, Feed(b"AT+CTTS=0\r"), "\r\n+CTTS: 0\r\n\r\nOK\r\n"),
            (2500, Feed(b"AT+QTTS=2,\"x\"\r"), "\r\nERROR\r\n"),
            (2500, Feed(b"AT+FSDEL=C:\\User\\1.amr\r"), "\r\nOK\r\n"),
        ],
    );
    let played = &calls(&m)["calls"][0]["played"];
    assert_eq!(played[0]["file"], "C:\\User\\1.amr");
    assert_eq!(
        (&played[0]["format"], &played[0]["duration_ms"]),
        (&json!("amr"), &json!(1000))
    );
    assert_eq!(
        (&played[1]["via"], &played[1]["text"]),
        (&json!("CTTS"), &json!("hello"))
    );
    assert_eq!(
        (&played[2]["text"], &played[2]["completed"]),
        (&json!("hi"), &json!(false))
    );
    assert!(played
        .as_array()
        .is_some_and(|p| p.iter().all(|x| x["remote"] == true)));
}

#[test]
fn the_huawei_audio_port_carries_pcm_only_after_ddsetex_in_a_call() {
    let cfg = Config {
        audio_dir: Some(PathBuf::from("/tmp/sim-audio")),
        ..vendor(Vendor::Huawei)
    };
    let t0 = Instant::now();
    let at = |ms| t0 + Duration::from_millis(ms);
    let mut m = Machine::new(cfg);
    let out = |m: &mut Machine, ms: u64, input: &[u8]| {
        let mut step = Step::default();
        m.feed(at(ms), input, &mut step);
        String::from_utf8_lossy(&step.out).into_owned()
    };
    assert_eq!(
        out(&mut m, 0, b"ATE0;^DDSETEX=2\r"),
        "ATE0;^DDSETEX=2\r\r\nERROR\r\n"
    );
    assert_eq!(
        out(&mut m, 0, b"AT^CVOICE?\r"),
        "\r\n^CVOICE:0,8000,16,20\r\n\r\nOK\r\n"
    );
    assert_eq!(out(&mut m, 0, b"ATD123;\r"), "\r\nOK\r\n\r\n^ORIG:1,0\r\n");
    let mut step = Step::default();
    m.tick(at(1000), &mut step);
    m.feed_audio(&[1u8; 320], &mut step);
    assert!(step.effects.is_empty(), "PCM before ^DDSETEX is dropped");
    assert_eq!(out(&mut m, 1000, b"AT^DDSETEX=2\r"), "\r\nOK\r\n");
    let mut step = Step::default();
    m.feed_audio(&[7u8; 640], &mut step);
    assert_eq!(
        step.effects,
        vec![Effect::Audio {
            call: 1,
            pcm: vec![7u8; 640]
        }]
    );
    // The far end's audio comes back in 320-octet frames every 20 ms.
    let mut step = Step::default();
    m.tick(at(1060), &mut step);
    assert_eq!(step.audio.len(), 3 * media::FRAME);
    assert_eq!(m.next_deadline(), Some(at(1080)));
    let mut step = Step::default();
    m.feed(at(2000), b"ATH\r", &mut step);
    assert_eq!(
        String::from_utf8_lossy(&step.out),
        "\r\nOK\r\n\r\n^CEND:1,0,104,16\r\n"
    );
    assert!(step.effects.contains(&Effect::CallEnded(1)));
    let mut step = Step::default();
    m.feed_audio(&[1u8; 320], &mut step);
    assert!(step.effects.is_empty(), "PCM after the call is dropped");
    let record = &calls(&m)["calls"][0];
    assert_eq!(record["audio_port"], true);
    assert_eq!(
        (&record["pcm_bytes"], &record["pcm_ms"]),
        (&json!(640), &json!(40))
    );
    assert_eq!(record["wav"], "/tmp/sim-audio/call-1.wav");
}

#[test]
fn a_generic_modem_has_no_vendor_audio() {
    for cmd in [
        "AT+QTTS=2,\"x\"\r",
        "AT+QWTTS=1,1,2,\"x\"\r",
        "AT+CTTS=2,\"x\"\r",
        "AT^DDSETEX=2\r",
        "AT+QFUPL=\"a\",1\r",
        "AT+FSCREATE=x\r",
        "AT+CREC=4,1,0,90\r",
    ] {
        run(
            Config::default(),
            &[(0, Feed(cmd.as_bytes()), &format!("{cmd}\r\nERROR\r\n"))],
        );
    }
}
