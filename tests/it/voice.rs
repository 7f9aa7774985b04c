//! Issue 5 acceptance: Octopush `voice_sms` through simulated modems — the call, what it
//! carried, retries, and SMS flowing on other modems meanwhile.

use super::harness::*;
use otpgate::voice::{Gender, Language, Request, Script};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);

/// The simulated callee's record of calls.
fn calls(sim: &Sim) -> Vec<Value> {
    sim.control(json!({"op": "calls"}))["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A Quectel modem speaking with its own TTS.
const QUECTEL_TTS: &str = "voice = \"modem-tts\"\nvoice_vendor = \"quectel\"";

fn wait_message(d: &Daemon, ticket: &str, state: &str) -> Value {
    d.wait_state(ticket, state, LONG)
}

/// A simulated modem started with `sim_args`, a daemon using it with `modem_keys`, ready.
fn start(
    dir: &tempfile::TempDir,
    sim_args: &[&str],
    modem_keys: &str,
    extra: &str,
) -> (Sim, Daemon) {
    let sim = Sim::start(dir.path(), "m0", sim_args);
    let d = Daemon::start_modems(dir.path(), &[(&sim, modem_keys)], extra);
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    (sim, d)
}

/// Octopush generate on the voice channel; answers (ticket, token).
fn generate_voice(d: &Daemon, fields: Value) -> (String, String) {
    let mut body = json!({"phone_number": "+33612345678", "channel": "voice_sms"});
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    let (status, v) = octo(d, "POST", GEN, body);
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    let ticket = v["ticket_number"].as_str().expect("ticket").to_string();
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    (ticket, token)
}

#[test]
fn modem_tts_speaks_the_code_into_the_call() {
    let dir = tempdir();
    let sim_args = [
        "--vendor",
        "quectel",
        "--answer-ms",
        "300",
        "--tts-ms-per-char",
        "5",
    ];
    let (sim, d) = start(&dir, &sim_args, QUECTEL_TTS, "");
    let (ticket, token) = generate_voice(
        &d,
        json!({"voice_language": "fr-FR", "voice_gender": "male", "code_length": 6, "allow_digits": true}),
    );
    let m = wait_message(&d, &ticket, "delivered");
    assert_eq!(m["channel"], "voice");
    assert_eq!(m["calls"][0]["result"], "answered", "{m}");
    let call = calls(&sim).into_iter().next().expect("a call");
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["hung_up_by"], "caller", "we hang up: {call}");
    let played = &call["played"][0];
    assert_eq!(
        (played["via"].clone(), played["remote"].clone()),
        (json!("QWTTS"), json!(true)),
        "{call}"
    );
    assert_eq!(played["completed"], true, "{call}");
    let text = played["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Votre code est"),
        "French, as asked: {text}"
    );
    // The code, said twice.
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 12, "{text}");
    let code = &digits[..6];
    assert_eq!(&digits[6..], code);
    let (status, v) = octo_validate(&d, &token, code);
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    // Never an SMS.
    assert!(sim.received().is_empty());
}

#[test]
fn pcm_serial_streams_the_rendered_sentence_into_the_call() {
    let dir = tempdir();
    let audio = dir.path().join("m0.audio");
    let wavs = dir.path().join("calls");
    let sim_args = [
        "--vendor",
        "huawei",
        "--answer-ms",
        "300",
        "--audio-link",
        audio.to_str().unwrap(),
        "--audio-dir",
        wavs.to_str().unwrap(),
    ];
    let keys = format!(
        "voice = \"pcm-serial\"\nvoice_device = \"{}\"",
        audio.display()
    );
    let (sim, d) = start(&dir, &sim_args, &keys, "");
    let (ticket, token) = generate_voice(
        &d,
        json!({"voice_language": "en-US", "voice_gender": "female", "code_length": 3,
               "allow_digits": true, "max_wrong_attempts": 1000}),
    );
    wait_message(&d, &ticket, "delivered");
    let call = calls(&sim).into_iter().next().expect("a call");
    assert_eq!(
        (call["outcome"].clone(), call["hung_up_by"].clone()),
        (json!("answered"), json!("caller")),
        "{call}"
    );
    let wav =
        std::fs::read(call["wav"].as_str().expect("a recording")).expect("read the recording");
    let heard = otpgate::voice::wav::parse(&wav).expect("a WAV");
    assert_eq!(heard.sample_rate, 8000);
    assert!(!heard.is_silent(), "the callee heard something");
    // Which code? The phone does not transcribe: find the one that verifies (a 3-digit code,
    // 1000 attempts allowed), then check the audio is that code's sentence.
    let code = (0..1000)
        .map(|n| format!("{n:03}"))
        .find(|c| octo_validate(&d, &token, c).0 == 200)
        .expect("one code verifies");
    let script = Script::new(Language::EnUs, &code).expect("script");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let expected = rt
        .block_on(otpgate::voice::render(&Request {
            script: &script,
            gender: Gender::Female,
        }))
        .expect("render");
    let (got, want) = (
        heard.duration().as_secs_f64(),
        expected.duration().as_secs_f64(),
    );
    assert!(
        (got - want).abs() <= want * 0.10,
        "heard {got:.2} s, the sentence is {want:.2} s"
    );
    // And it is that sentence, not just as long: the samples match the rendering.
    let n = heard.samples.len().min(expected.samples.len());
    let same = heard.samples[..n]
        .iter()
        .zip(&expected.samples[..n])
        .filter(|(a, b)| (i32::from(**a) - i32::from(**b)).abs() <= 2)
        .count();
    assert!(
        same as f64 >= 0.95 * n as f64,
        "{same}/{n} samples match the rendering"
    );
}

#[test]
fn busy_then_no_answer_is_retried_then_fails_with_the_reason_and_never_becomes_an_sms() {
    let dir = tempdir();
    let sim_args = [
        "--vendor",
        "quectel",
        "--call-script",
        "+33612345678:busy,no-answer",
    ];
    let extra = "[voice]\nmax_attempts = 2\nretry_delay_s = 1\nring_timeout_s = 2";
    let (sim, d) = start(&dir, &sim_args, QUECTEL_TTS, extra);
    let (ticket, _) = generate_voice(&d, json!({}));
    let m = wait_message(&d, &ticket, "failed");
    let results: Vec<&str> = m["calls"]
        .as_array()
        .map(|c| c.iter().filter_map(|x| x["result"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(results, ["busy", "no-answer"], "{m}");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer"),
        "{m}"
    );
    let sim_calls: Vec<String> = calls(&sim)
        .iter()
        .filter_map(|c| c["outcome"].as_str().map(String::from))
        .collect();
    assert_eq!(sim_calls, ["busy", "no-answer"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(sim.received().is_empty(), "no silent SMS");
}

#[test]
fn with_sms_fallback_a_failed_call_becomes_an_sms() {
    let dir = tempdir();
    let sim_args = ["--vendor", "quectel", "--call-busy", "+33612345678"];
    let extra = "[voice]\nmax_attempts = 1\nsms_fallback = true";
    let (sim, d) = start(&dir, &sim_args, QUECTEL_TTS, extra);
    let (ticket, _) = generate_voice(
        &d,
        json!({"text": "Your code: {code}", "code_length": 6, "allow_digits": true}),
    );
    let got = sim.wait_received(1, LONG);
    assert!(got[0].text.starts_with("Your code: "), "{got:?}");
    let m = d.wait_state(&ticket, "sent", LONG);
    assert_eq!(m["calls"][0]["result"], "busy", "{m}");
    assert_eq!(m["voice"]["fallen_back"], true, "{m}");
}

#[test]
fn sms_keep_flowing_through_other_modems_during_a_call() {
    let dir = tempdir();
    // A long call: the callee answers at once and the modem speaks slowly.
    let caller = Sim::start(
        dir.path(),
        "caller",
        &[
            "--vendor",
            "quectel",
            "--answer-ms",
            "200",
            "--tts-ms-per-char",
            "150",
        ],
    );
    let texter = Sim::start(dir.path(), "texter", &[]);
    let d = Daemon::start_modems(
        dir.path(),
        &[(&caller, QUECTEL_TTS), (&texter, "")],
        "[otp]\nresend_cooldown_s = 0",
    );
    d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    d.wait_modem("m1", "ready", |m| m["state"] == "ready");
    let (ticket, _) = generate_voice(&d, json!({"phone_number": "+33699999999"}));
    wait_for("the call to be answered", LONG, || {
        calls(&caller)
            .iter()
            .any(|c| c["state"] == "active")
            .then_some(())
    });
    let start = Instant::now();
    for i in 0..20 {
        d.send(
            &format!("+3361234{i:04}"),
            &format!("during the call {i}"),
            json!({}),
        );
    }
    texter.wait_received(20, LONG);
    assert!(
        calls(&caller).iter().any(|c| c["state"] == "active"),
        "all 20 SMS went out while the call still held the other modem ({:?})",
        start.elapsed()
    );
    assert!(caller.received().is_empty());
    wait_message(&d, &ticket, "delivered");
}

/// The characters a call spoke, from the clip files it played (`..._digit_4.wav`).
fn code_from_clips(played: &[Value]) -> String {
    played
        .iter()
        .filter_map(|p| p["file"].as_str())
        .filter_map(|f| {
            f.rsplit_once("_digit_")
                .map(|(_, d)| d.trim_end_matches(".wav").to_string())
        })
        .collect()
}

fn modem_file_call(vendor: &str, via: &str) {
    let dir = tempdir();
    let keys = format!("voice = \"modem-file\"\nvoice_vendor = \"{vendor}\"");
    let (sim, d) = start(&dir, &["--vendor", vendor, "--answer-ms", "200"], &keys, "");
    let (ticket, token) = generate_voice(
        &d,
        json!({"code_length": 4, "allow_digits": true, "voice_language": "de-DE"}),
    );
    wait_message(&d, &ticket, "delivered");
    let call = calls(&sim).into_iter().next().expect("a call");
    let played = call["played"].as_array().cloned().unwrap_or_default();
    assert!(
        played
            .iter()
            .all(|p| p["via"] == via && p["remote"] == true && p["completed"] == true),
        "{call}"
    );
    let spoken = code_from_clips(&played);
    assert_eq!(spoken.len(), 8, "four digits, said twice: {call}");
    let code = &spoken[..4];
    assert_eq!(&spoken[4..], code);
    // Uploaded once each: the repeated reading reuses the clips.
    let files = sim.control(json!({"op": "files"}))["files"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        files
            .iter()
            .all(|f| f["format"] == "wav" && f["duration_ms"].as_u64().unwrap_or(0) > 100),
        "{files:?}"
    );
    let distinct: std::collections::BTreeSet<&str> =
        played.iter().filter_map(|p| p["file"].as_str()).collect();
    assert_eq!(files.len(), distinct.len(), "{files:?}");
    let (status, v) = octo_validate(&d, &token, code);
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
}

#[test]
fn modem_file_plays_uploaded_clips_on_quectel() {
    modem_file_call("quectel", "QPSND");
}

#[test]
fn modem_file_plays_uploaded_clips_on_simcom() {
    modem_file_call("simcom", "CREC");
}

#[test]
fn modem_tts_on_simcom() {
    let dir = tempdir();
    let sim_args = [
        "--vendor",
        "simcom",
        "--answer-ms",
        "200",
        "--tts-ms-per-char",
        "5",
    ];
    let keys = "voice = \"modem-tts\"\nvoice_vendor = \"simcom\"";
    let (sim, d) = start(&dir, &sim_args, keys, "");
    let (ticket, _) = generate_voice(&d, json!({"voice_language": "ru-RU"}));
    wait_message(&d, &ticket, "delivered");
    let call = calls(&sim).into_iter().next().expect("a call");
    let played = &call["played"][0];
    assert_eq!(
        (played["via"].clone(), played["remote"].clone()),
        (json!("CTTS"), json!(true)),
        "{call}"
    );
    assert!(
        played["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Ваш код"),
        "Russian, sent as UCS-2: {call}"
    );
}

#[test]
fn a_voice_backend_that_cannot_start_makes_voice_sms_a_clear_error() {
    let dir = tempdir();
    // modem-tts on a modem whose maker cannot be told, and no voice_vendor.
    let (_sim, d) = start(&dir, &[], "voice = \"modem-tts\"", "");
    let m = d.wait_modem("m0", "ready", |m| m["state"] == "ready");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("voice"),
        "{m}"
    );
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33612345678", "channel": "voice_sms"}),
    );
    assert_eq!((status, v["code"].clone()), (400, json!(101)), "{v}");
    // SMS still work on it.
    let (status, _) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33612345678", "channel": "sms"}),
    );
    assert_eq!(status, 200);
}
