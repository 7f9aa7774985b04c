//! Issue 3 acceptance: the three provider dialects over HTTP against a running daemon whose
//! SMS reach a simulated phone.

use super::harness::*;
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

/// A daemon with one simulated modem and relaxed limits (tests that check limits set their own).
fn setup(extra: &str) -> (tempfile::TempDir, Sim, Daemon) {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let otp = if extra.contains("[otp]") {
        extra.to_string()
    } else {
        format!("[otp]\nresend_cooldown_s = 0\nper_number_per_hour = 1000\n{extra}")
    };
    let d = Daemon::start(dir.path(), &[&sim], &otp);
    (dir, sim, d)
}

/// The first run of `len` consecutive characters of `class` in `text`.
fn find_code(text: &str, len: usize, class: fn(char) -> bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run: String = chars[i..].iter().take_while(|c| class(**c)).collect();
        if run.chars().count() == len {
            return run;
        }
        i += run.chars().count().max(1);
    }
    panic!("no code of {len} characters in {text:?}");
}

/// The text the phone got at `number`, the newest one.
fn sms_to(sim: &Sim, number: &str, nth: usize) -> String {
    let got = wait_for(&format!("SMS #{nth} to {number}"), LONG, || {
        let got: Vec<Received> = sim
            .received()
            .into_iter()
            .filter(|r| r.to == number)
            .collect();
        (got.len() >= nth).then_some(got)
    });
    got[nth - 1].text.clone()
}

/// The 6-digit code in the first SMS the phone got at `number`.
fn numeric_code_sent_to(sim: &Sim, number: &str) -> String {
    find_code(&sms_to(sim, number, 1), 6, |c| c.is_ascii_digit())
}

#[test]
fn nomado_create_deliver_verify_once() {
    let (_dir, sim, d) = setup("");
    let (status, v) = d.post(
        "/2fa/create",
        json!({"to": "32412345678", "template": "Your verification code is {{CODE}}", "type": "NUMERIC", "length": 6, "expiry": 7200}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 200);
    assert_eq!(v["message"], "OK");
    assert_eq!(v["data"]["32412345678"]["status"], "SENT");
    assert_eq!(v["data"]["expiry"], 7200);
    assert_eq!(v["data"]["total_messages"], 1);
    let text = sms_to(&sim, "+32412345678", 1);
    let code = find_code(&text, 6, |c| c.is_ascii_digit());
    assert_eq!(v["data"]["token"], code.as_str(), "data.token is the code");
    assert_eq!(v["data"]["text"], text.as_str());
    assert_eq!(text, format!("Your verification code is {code}"));

    let (status, v) = d.post(
        "/2fa/verify",
        json!({"number": "32412345678", "token": code}),
    );
    assert_eq!((status, v["verify"].clone()), (200, json!(true)), "{v}");
    let (status, v) = d.post(
        "/2fa/verify",
        json!({"number": "+32412345678", "token": code}),
    );
    assert_eq!(status, 400, "single use: {v}");
    assert_eq!(v["verify"], false);
    assert_eq!(v["code"], 400);
}

#[test]
fn monsmspro_get_deliver_verify_once() {
    let (_dir, sim, d) = setup("");
    let v = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+2250708517414", "length": 6, "mode": "NUMERIC", "senderId": "Boss", "appName": "My APP"}),
    );
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["data"]["status"], "PENDING");
    assert_eq!(v["data"]["phoneNumber"], "2250708517414");
    let token = v["data"]["token"].as_str().expect("token").to_string();
    assert_eq!(token.len(), 24);
    assert!(token
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    let text = sms_to(&sim, "+2250708517414", 1);
    assert!(
        text.contains("My APP"),
        "the default text names appName: {text}"
    );
    let code = find_code(&text, 6, |c| c.is_ascii_digit());

    let body = json!({"phoneNumber": "2250708517414", "token": token, "otp": code});
    let v = mon(&d, "/v1/auth/otp/verify", body.clone());
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["data"]["status"], "VERIFIED");
    assert_eq!(v["data"]["token"], token.as_str());
    let v = mon(&d, "/v1/auth/otp/verify", body);
    assert_eq!(v["success"], false, "single use: {v}");
    assert_eq!(v["data"], Value::Null);
}

#[test]
fn octopush_generate_deliver_validate_once() {
    let (_dir, sim, d) = setup("");
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33612345678", "text": "Code {code}, valid until {hh:mm:ss}", "channel": "sms", "code_length": 6, "allow_digits": true}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 0);
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let ticket = v["ticket_number"].as_str().expect("ticket").to_string();
    let text = sms_to(&sim, "+33612345678", 1);
    let code = find_code(&text, 6, |c| c.is_ascii_digit());
    assert!(
        text.starts_with(&format!("Code {code}, valid until ")),
        "{text}"
    );
    let hms = text.rsplit(' ').next().unwrap_or_default();
    assert_eq!(hms.len(), 8, "{{hh:mm:ss}} filled: {text}");
    assert_eq!(hms.matches(':').count(), 2);

    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    assert_eq!(v["message"], "success");
    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!(
        (status, v["code"].clone()),
        (400, json!(198)),
        "single use: {v}"
    );

    // The SMS behind it.
    let m = d.wait_state(&ticket, "sent", LONG);
    assert_eq!(m["to"], "+33612345678");
}

#[test]
fn wrong_codes_until_lock_out_in_each_dialect() {
    let (_dir, sim, d) = setup("");
    // Octopush: max_wrong_attempts 3 -> remaining 2, 1, 0, then 196 even for the right code.
    let (_, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33611111111", "code_length": 6, "max_wrong_attempts": 3}),
    );
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let code = numeric_code_sent_to(&sim, "+33611111111");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for remaining in [2, 1, 0] {
        let (status, v) = octo_validate(&d, &token, wrong);
        assert_eq!(status, 400);
        assert_eq!(v["code"], 199, "{v}");
        assert_eq!(v["remaining_number_of_attempts"], remaining, "{v}");
    }
    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!((status, v["code"].clone()), (400, json!(196)), "{v}");

    // Nomado: the default of 3.
    let (_, v) = d.post(
        "/2fa/create",
        json!({"to": "+33622222222", "type": "NUMERIC", "length": 6}),
    );
    let code = v["data"]["token"].as_str().expect("code").to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for remaining in ["2", "1", "0"] {
        let (status, v) = d.post(
            "/2fa/verify",
            json!({"number": "33622222222", "token": wrong}),
        );
        assert_eq!((status, v["verify"].clone()), (400, json!(false)));
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains(remaining),
            "{v}"
        );
    }
    let (status, v) = d.post(
        "/2fa/verify",
        json!({"number": "33622222222", "token": code}),
    );
    assert_eq!(status, 400, "locked out: {v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("too many"),
        "{v}"
    );

    // MonSMSPro: wrong-otp three times, then too-many-attempts.
    let v = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+33633333333", "length": 6}),
    );
    let token = v["data"]["token"].as_str().expect("token").to_string();
    let code = numeric_code_sent_to(&sim, "+33633333333");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        let v = mon(
            &d,
            "/v1/auth/otp/verify",
            json!({"phoneNumber": "33633333333", "token": token, "otp": wrong}),
        );
        assert_eq!(v["error"], "wrong-otp", "{v}");
    }
    let v = mon(
        &d,
        "/v1/auth/otp/verify",
        json!({"phoneNumber": "33633333333", "token": token, "otp": code}),
    );
    assert_eq!(v["error"], "too-many-attempts", "{v}");
}

#[test]
fn expiry_in_each_dialect() {
    let (_dir, sim, d) = setup("ttl_s = 2");
    let (_, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33644444444", "code_length": 6, "validity_period": 3}),
    );
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let code = numeric_code_sent_to(&sim, "+33644444444");
    let (_, n) = d.post(
        "/2fa/create",
        json!({"to": "+33655555555", "type": "NUMERIC", "length": 6, "expiry": 2}),
    );
    let ncode = n["data"]["token"].as_str().expect("code").to_string();
    let m = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+33666666666", "length": 6}),
    );
    let mtoken = m["data"]["token"].as_str().expect("token").to_string();
    let mcode = numeric_code_sent_to(&sim, "+33666666666");
    std::thread::sleep(Duration::from_millis(3500));
    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!((status, v["code"].clone()), (400, json!(197)), "{v}");
    let (status, v) = d.post(
        "/2fa/verify",
        json!({"number": "33655555555", "token": ncode}),
    );
    assert_eq!(status, 400);
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{v}"
    );
    let v = mon(
        &d,
        "/v1/auth/otp/verify",
        json!({"phoneNumber": "33666666666", "token": mtoken, "otp": mcode}),
    );
    assert_eq!(v["error"], "otp-expired", "{v}");
}

#[test]
fn an_otp_survives_a_daemon_restart() {
    let (_dir, sim, mut d) = setup("");
    let (_, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33677777777", "code_length": 6}),
    );
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let (_, n) = d.post(
        "/2fa/create",
        json!({"to": "+33688888888", "type": "NUMERIC", "length": 6}),
    );
    let ncode = n["data"]["token"].as_str().expect("code").to_string();
    d.kill9();
    d.restart();
    let code = numeric_code_sent_to(&sim, "+33677777777");
    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    let (status, _) = d.post(
        "/2fa/verify",
        json!({"number": "33688888888", "token": ncode}),
    );
    assert_eq!(status, 200);
}

#[test]
fn octopush_reads_leniently_and_validates_by_number() {
    let (_dir, sim, d) = setup("");
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({
            "phone_number": " +33 6 99 99 99 99 ",
            "code_length": "8",
            "allow_digits": "true",
            "allow_upper_case": 1,
            "allow_lower_case": "false",
            "remove_confusing_characters": "1",
            "validity_period": "600",
            "max_wrong_attempts": "5",
            "sender": "My-Shop!!",
            "text": "Code: {code}",
            "channel": "text_sms",
            "unknown_field": {"nested": true},
        }),
    );
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    // The sender, stripped to what a sender may hold, is recorded (it cannot be honoured).
    let ticket = v["ticket_number"].as_str().expect("ticket");
    let (_, m) = d.get(&format!("/v1/messages/{ticket}"));
    assert!(
        m["origin"]
            .as_str()
            .unwrap_or_default()
            .contains("\"MyShop\""),
        "{m}"
    );
    let text = sms_to(&sim, "+33699999999", 1);
    let code = text
        .strip_prefix("Code: ")
        .expect("template used")
        .to_string();
    assert_eq!(code.chars().count(), 8, "\"8\" cast to 8: {code}");
    assert!(
        code.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{code}"
    );
    assert!(
        !code.chars().any(|c| "0O1I".contains(c)),
        "confusing characters removed: {code}"
    );

    // A second code to the same number replaces the first; validation by number checks the last.
    let (_, _) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "33699999999", "code_length": 99, "allow_digits": "yes"}),
    );
    let second = sms_to(&sim, "+33699999999", 2);
    assert_eq!(second.chars().count(), 32, "99 clamped to 32: {second}");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"phone_number": "+33699999999", "code": code}),
    );
    assert_eq!(status, 400, "the first code was replaced: {v}");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"phone_number": "33699999999", "code": second}),
    );
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");

    // recipient_ip must match.
    let (_, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33612121212", "code_length": 6, "recipient_ip": "10.1.2.3"}),
    );
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let code = numeric_code_sent_to(&sim, "+33612121212");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"otp_request_token": token, "code": code, "recipient_ip": "10.9.9.9"}),
    );
    assert_eq!((status, v["code"].clone()), (400, json!(199)), "{v}");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"otp_request_token": token, "code": code, "recipient_ip": "10.1.2.3"}),
    );
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");

    // voice_sms is a clear error until a voice backend exists, never a silent SMS.
    let before = sim.received().len();
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33613131313", "channel": "voice_sms"}),
    );
    assert_eq!(status, 400, "{v}");
    assert!(
        v["message"].as_str().unwrap_or_default().contains("voice"),
        "{v}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sim.received().len(), before);
}

#[test]
fn wrong_credentials_in_each_dialect() {
    let (_dir, _sim, d) = setup("");
    use base64::Engine;
    let bad = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:nope", d.login))
    );
    let (status, v) = d.call(
        "POST",
        "/2fa/create",
        &[("authorization", &bad)],
        Some(r#"{"to":"33612345678"}"#),
    );
    assert_eq!((status, v["code"].clone()), (401, json!(401)), "{v}");
    let (status, _) = d.call(
        "POST",
        "/2fa/verify",
        &[],
        Some(r#"{"number":"33612345678","token":"1"}"#),
    );
    assert_eq!(status, 401);
    let (status, v) = d.call(
        "POST",
        GEN,
        &[("api-login", &d.login), ("api-key", "nope")],
        Some(r#"{"phone_number":"+33612345678"}"#),
    );
    assert_eq!(status, 401, "{v}");
    let (status, _) = d.call(
        "PUT",
        VAL,
        &[("api-login", "nobody"), ("api-key", &d.key)],
        Some(r#"{"code":"1","phone_number":"+33612345678"}"#),
    );
    assert_eq!(status, 401);
    let (status, v) = d.call(
        "POST",
        "/v1/auth/otp/get",
        &[],
        Some(r#"{"apiKey":"nope","phoneNumber":"+33612345678"}"#),
    );
    assert_eq!(
        (status, v["success"].clone(), v["error"].clone()),
        (200, json!(false), json!("invalid-api-key"))
    );
    let (_, v) = d.call(
        "POST",
        "/v1/auth/otp/get",
        &[],
        Some(r#"{"phoneNumber":"+33612345678"}"#),
    );
    assert_eq!(v["error"], "missing-api-key");
    let (status, _) = d.call("GET", "/v1/messages/1", &[], None);
    assert_eq!(status, 401);
}

#[test]
fn bad_fields_in_each_dialect() {
    let (_dir, _sim, d) = setup("");
    let basic = d.basic();
    let nomado = |body: &str| {
        d.call(
            "POST",
            "/2fa/create",
            &[("authorization", &basic)],
            Some(body),
        )
    };
    for body in [
        "{",                      // malformed JSON
        "[]",                     // not an object
        r#"{}"#,                  // to missing
        r#"{"to": 33612345678}"#, // wrong type
        r#"{"to": "not a number"}"#,
        r#"{"to": "+999123"}"#, // no such country
        r#"{"to": "33612345678", "template": "no placeholder"}"#,
        r#"{"to": "33612345678", "type": "HEX"}"#,
        r#"{"to": "33612345678", "length": 21}"#,
        r#"{"to": "33612345678", "length": 0}"#,
        r#"{"to": "33612345678", "length": "four"}"#,
        r#"{"to": "33612345678", "expiry": -5}"#,
    ] {
        let (status, v) = nomado(body);
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["code"], 400, "{body}: {v}");
        assert!(
            !v["message"].as_str().unwrap_or_default().is_empty(),
            "{body}: a reason"
        );
    }
    let (status, v) = d.call(
        "POST",
        "/2fa/verify",
        &[("authorization", &basic)],
        Some(r#"{"number":"33612345678"}"#),
    );
    assert_eq!((status, v["verify"].clone()), (400, json!(false)), "{v}");

    let key = d.key.clone();
    let mon_err = |body: Value| {
        let mut body = body;
        body["apiKey"] = json!(key);
        let (status, v) = d.call("POST", "/v1/auth/otp/get", &[], Some(&body.to_string()));
        assert_eq!(status, 200);
        assert_eq!(v["success"], false, "{body}: {v}");
        v["error"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(
        mon_err(json!({"phoneNumber": "12"})),
        "invalid-phone-number"
    );
    assert_eq!(mon_err(json!({})), "missing-phone-number");
    assert_eq!(
        mon_err(json!({"phoneNumber": "+33612345678", "length": 11})),
        "invalid-length"
    );
    assert_eq!(
        mon_err(json!({"phoneNumber": "+33612345678", "length": 3})),
        "invalid-length"
    );
    assert_eq!(
        mon_err(json!({"phoneNumber": "+33612345678", "mode": "HEX"})),
        "invalid-mode"
    );
    let (_, v) = d.call("POST", "/v1/auth/otp/get", &[], Some("{not json"));
    assert_eq!(
        (v["success"].clone(), v["error"].clone()),
        (json!(false), json!("invalid-json"))
    );
    let (_, v) = d.call("POST", "/v1/auth/otp/verify", &[], Some(&json!({"apiKey": d.key, "phoneNumber": "33612345678", "token": "0123456789abcdef01234567", "otp": "1234"}).to_string()));
    assert_eq!(v["error"], "unknown-token", "{v}");

    let (status, v) = octo(&d, "POST", GEN, json!({"code_length": 6}));
    assert_eq!((status, v["code"].clone()), (400, json!(100)), "{v}");
    let (status, v) = octo(&d, "POST", GEN, json!({"phone_number": "garbage"}));
    assert_eq!((status, v["code"].clone()), (400, json!(100)), "{v}");
    let (status, v) = octo(&d, "PUT", VAL, json!({"code": "1234"}));
    assert_eq!((status, v["code"].clone()), (400, json!(194)), "{v}");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"otp_request_token": "0123456789abcdef01234567"}),
    );
    assert_eq!((status, v["code"].clone()), (400, json!(195)), "{v}");
    let (status, v) = octo(
        &d,
        "PUT",
        VAL,
        json!({"otp_request_token": "0123456789abcdef01234567", "code": "1234"}),
    );
    assert_eq!((status, v["code"].clone()), (400, json!(198)), "{v}");

    // Oversized bodies are refused in each dialect's shape, never a 500.
    let huge = format!(
        r#"{{"to":"33612345678","template":"{}{{{{CODE}}}}"}}"#,
        "x".repeat(100_000)
    );
    let (status, v) = nomado(&huge);
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["code"], 413);
    let (status, v) = d.call("POST", "/v1/auth/otp/get", &[], Some(&huge));
    assert_eq!(
        (status, v["error"].clone()),
        (200, json!("payload-too-large"))
    );
}

#[test]
fn abuse_limits_in_each_dialect() {
    // Cooldown per number.
    let (_dir, _sim, d) = setup("[otp]\nresend_cooldown_s = 60\n");
    let (status, _) = d.post("/2fa/create", json!({"to": "+33610000001"}));
    assert_eq!(status, 200);
    let (status, v) = d.post("/2fa/create", json!({"to": "+33610000001"}));
    assert_eq!((status, v["code"].clone()), (429, json!(429)), "{v}");
    let (status, v) = octo(&d, "POST", GEN, json!({"phone_number": "+33610000001"}));
    assert_eq!(status, 429, "{v}");
    let v = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+33610000001"}),
    );
    assert_eq!(v["error"], "too-many-requests", "{v}");

    // Hourly cap per number.
    let (_dir, _sim, d) = setup("[otp]\nresend_cooldown_s = 0\nper_number_per_hour = 2\n");
    for _ in 0..2 {
        assert_eq!(d.post("/2fa/create", json!({"to": "+33610000002"})).0, 200);
    }
    assert_eq!(d.post("/2fa/create", json!({"to": "+33610000002"})).0, 429);

    // Request rate per account.
    let (_dir, _sim, d) =
        setup("[otp]\nresend_cooldown_s = 0\nper_account_per_second = 1\nper_account_burst = 2\n");
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            octo(
                &d,
                "POST",
                GEN,
                json!({"phone_number": format!("+3361000001{i}")}),
            )
            .0
        })
        .collect();
    assert_eq!(&statuses[..2], &[200, 200]);
    assert!(statuses[2..].contains(&429), "{statuses:?}");

    // Allowed country calling codes.
    let (_dir, _sim, d) = setup("[otp]\nresend_cooldown_s = 0\nallowed_country_codes = [33]\n");
    assert_eq!(d.post("/2fa/create", json!({"to": "+33610000003"})).0, 200);
    let (status, v) = d.post("/2fa/create", json!({"to": "+32412345678"}));
    assert_eq!(status, 400, "{v}");
    assert!(
        v["message"].as_str().unwrap_or_default().contains("+32"),
        "{v}"
    );
    let (status, _) = octo(&d, "POST", GEN, json!({"phone_number": "+32412345678"}));
    assert_eq!(status, 403);
    let v = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+32412345678"}),
    );
    assert_eq!(v["error"], "country-not-allowed");
}

#[test]
fn no_code_in_clear_in_the_data_directory_or_the_log() {
    let (_dir, sim, d) = setup("");
    let (_, n) = d.post(
        "/2fa/create",
        json!({"to": "+33620000001", "type": "ALPHANUMERIC", "length": 16}),
    );
    let ncode = n["data"]["token"].as_str().expect("code").to_string();
    let (_, _) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33620000002", "code_length": 16, "allow_upper_case": true, "allow_lower_case": true}),
    );
    let ocode = sms_to(&sim, "+33620000002", 1);
    let _ = mon(
        &d,
        "/v1/auth/otp/get",
        json!({"phoneNumber": "+33620000003", "length": 10, "mode": "ALPHA_NUMERIC"}),
    );
    let mtext = sms_to(&sim, "+33620000003", 1);
    let mcode = find_code(&mtext, 10, |c| c.is_ascii_alphanumeric());
    sms_to(&sim, "+33620000001", 1);
    for code in [&ncode, &ocode, &mcode] {
        assert!(
            code.len() >= 10,
            "long codes make a chance match impossible: {code}"
        );
        let hits = files_containing(&d.data_dir, code.as_bytes());
        assert!(hits.is_empty(), "{code} in clear in {hits:?}");
        assert!(
            !d.all_logs().contains(code.as_str()),
            "{code} in the daemon log"
        );
    }
}

#[test]
fn octopush_text_is_bounded_once_rendered() {
    let (_dir, sim, d) = setup("");
    let sms = |number: &str| {
        wait_for(&format!("the SMS to {number}"), LONG, || {
            sim.received().into_iter().find(|r| r.to == number)
        })
    };
    // ceil(1224 / 153): the most GSM-7 parts a text of 1224 characters takes.
    let max_parts = 1224_usize.div_ceil(153);

    // 1224 placeholders of a 32-character code: only the codes that fit in 1224 are sent.
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33614141414", "text": "{code}".repeat(1224), "code_length": 32, "allow_digits": true}),
    );
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    let token = v["otp_request_token"].as_str().expect("token").to_string();
    let ticket = v["ticket_number"].as_str().expect("ticket").to_string();
    let got = sms("+33614141414");
    assert!(got.text.chars().count() <= 1224, "{}", got.text.len());
    assert!(usize::from(got.parts) <= max_parts, "{} parts", got.parts);
    let code = got.text[..32].to_string();
    assert_eq!(got.text, code.repeat(1224 / 32), "whole codes only");
    let m = d.wait_state(&ticket, "sent", LONG);
    assert!(
        m["total_parts"]
            .as_u64()
            .is_some_and(|p| p as usize <= max_parts),
        "{m}"
    );
    let (status, v) = octo_validate(&d, &token, &code);
    assert_eq!(
        (status, v["code"].clone()),
        (200, json!(0)),
        "the code sent: {v}"
    );

    // A text too long before its `{code}`: cut, and the code still ends the SMS.
    let (status, v) = octo(
        &d,
        "POST",
        GEN,
        json!({"phone_number": "+33615151515", "text": format!("{}Code {{code}}", "x".repeat(1300)), "code_length": 6, "allow_digits": true}),
    );
    assert_eq!((status, v["code"].clone()), (200, json!(0)), "{v}");
    let got = sms("+33615151515");
    assert!(got.text.chars().count() <= 1224, "{}", got.text.len());
    assert!(usize::from(got.parts) <= max_parts, "{} parts", got.parts);
    let (text, code) = got.text.rsplit_once(' ').expect("the code appended");
    assert!(text.chars().all(|c| c == 'x'), "{text}");
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "{code}"
    );
}

#[test]
fn octopush_unreadable_bodies_are_102_in_both_endpoints() {
    let (_dir, sim, d) = setup("");
    let h = [("api-login", d.login.as_str()), ("api-key", d.key.as_str())];
    for (method, path) in [("POST", GEN), ("PUT", VAL)] {
        for (body, why) in [
            (
                r#"{"phone_number": "+33616161616", "code": "1234",}"#,
                "malformed JSON",
            ),
            (r#"{"phone_number": "+33616161616""#, "malformed JSON"),
            ("phone_number=+33616161616", "malformed JSON"),
            (r#"["+33616161616"]"#, "JSON object"),
            (r#""+33616161616""#, "JSON object"),
        ] {
            let (status, v) = d.call(method, path, &h, Some(body));
            assert_eq!(
                (status, v["code"].clone()),
                (400, json!(102)),
                "{method} {body}: {v}"
            );
            let message = v["message"].as_str().unwrap_or_default();
            assert!(message.contains(why), "{method} {body}: {v}");
        }
    }
    // An empty body is an empty object: what is missing is named.
    let (status, v) = d.call("POST", GEN, &h, Some(""));
    assert_eq!((status, v["code"].clone()), (400, json!(100)), "{v}");
    let (status, v) = d.call("PUT", VAL, &h, Some(" "));
    assert_eq!((status, v["code"].clone()), (400, json!(194)), "{v}");
    // Credentials are still checked first.
    let (status, v) = d.call("POST", GEN, &[], Some("{,}"));
    assert_eq!((status, v["code"].clone()), (401, json!(401)), "{v}");
    // Nothing was sent.
    std::thread::sleep(Duration::from_millis(300));
    assert!(sim.received().is_empty());
}
