//! Issue 3: accounts through the `keys` CLI while the daemon runs, the OpenAPI document, and
//! the embedded default the README's first command starts.

use super::harness::*;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;

fn keys(config: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("keys")
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run otpgate keys");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn keys_add_list_revoke_while_the_daemon_runs() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "[otp]\nresend_cooldown_s = 0");
    let (ok, out) = keys(&d.config, &["add", "shop", "--json"]);
    assert!(ok, "{out}");
    let creds: Value = serde_json::from_str(out.trim()).expect("one JSON object");
    let (login, key) = (
        creds["login"].as_str().unwrap(),
        creds["key"].as_str().unwrap(),
    );
    assert_eq!(login, "shop");
    assert!(key.len() >= 32, "a long random key: {key}");
    let (ok, out) = keys(&d.config, &["list"]);
    assert!(
        ok && out.contains("shop") && out.contains("tester"),
        "{out}"
    );
    let octo = |k: &str| {
        d.call(
            "POST",
            "/v1/public/service/otp/generate",
            &[("api-login", "shop"), ("api-key", k)],
            Some(r#"{"phone_number": "+33612345678"}"#),
        )
    };
    assert_eq!(octo(key).0, 200, "the new key works at once");
    assert_eq!(octo("wrong").0, 401);
    let (ok, out) = keys(&d.config, &["add", "shop"]);
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = keys(&d.config, &["revoke", "shop"]);
    assert!(ok, "{out}");
    assert_eq!(octo(key).0, 401, "a revoked key stops working at once");
    let (_, out) = keys(&d.config, &["list"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("shop") && l.contains("revoked")),
        "{out}"
    );
    // Only a hash of the key is on disk.
    assert!(files_containing(&d.data_dir, key.as_bytes()).is_empty());
}

/// The OpenAPI document of the running daemon.
fn openapi(d: &Daemon) -> Value {
    let (status, doc) = d.call("GET", "/openapi.json", &[], None);
    assert_eq!(status, 200);
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3."),
        "{doc}"
    );
    doc
}

/// Every operation of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            ops.push((method.clone(), path.clone(), op.clone()));
        }
    }
    ops
}

#[test]
fn openapi_documents_every_route_once_with_unique_operation_ids() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let doc = openapi(&d);
    let ops = operations(&doc);

    let mut ids = std::collections::BTreeMap::new();
    for (method, path, op) in &ops {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
        if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
            panic!("operationId {id:?} used by {other} and {method} {path}");
        }
    }

    // The router's table and the document name the same operations.
    let served: Vec<(String, String)> = otpgate::http::served()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_ascii_lowercase(), p.to_string()))
        .collect();
    assert!(served.len() >= 13, "{served:?}");
    for (method, path) in &served {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is served but not documented"
        );
    }
    for (method, path, _) in &ops {
        assert!(
            served.contains(&(method.clone(), path.clone())),
            "{method} {path} is documented but not served"
        );
    }

    // And the daemon serves exactly that method on each path: Allow says so.
    for (method, path) in &served {
        let path = path.replace("{id}", "1");
        let (status, allow, v) = d.call_header("PATCH", &path, &[], Some("{}"), "allow");
        assert!(status == 405 || status == 200, "PATCH {path}: {status} {v}");
        let want = if method == "get" {
            "GET,HEAD"
        } else {
            &method.to_ascii_uppercase()
        };
        assert_eq!(allow.as_deref(), Some(want), "PATCH {path}");
    }
}

/// The schema a `$ref` names in the document.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[test]
fn openapi_declares_the_credentials_each_operation_takes() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let doc = openapi(&d);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["basic"]["type"], "http", "{schemes}");
    assert_eq!(schemes["basic"]["scheme"], "basic", "{schemes}");
    for header in ["api-login", "api-key"] {
        assert_eq!(schemes[header]["type"], "apiKey", "{schemes}");
        assert_eq!(schemes[header]["in"], "header", "{schemes}");
        assert_eq!(schemes[header]["name"], header, "{schemes}");
    }
    assert!(doc.get("security").is_none(), "no global requirement");

    let basic = json!([{"basic": []}]);
    let headers = json!([{"api-login": [], "api-key": []}]);
    let either = json!([{"basic": []}, {"api-login": [], "api-key": []}]);
    let none = Value::Null;
    let want = [
        ("nomado_create", &basic),
        ("nomado_verify", &basic),
        ("octopush_generate", &headers),
        ("octopush_validate", &headers),
        ("messages_create", &either),
        ("messages_get", &either),
        ("modems_list", &either),
        ("inbox_list", &either),
        ("monsmspro_get", &none),
        ("monsmspro_verify", &none),
        ("healthz", &none),
        ("readyz", &none),
        ("metrics", &none),
        ("openapi", &none),
    ];
    let ops = operations(&doc);
    assert_eq!(ops.len(), want.len(), "every operation is listed here");
    for (id, security) in want {
        let (_, _, op) = ops
            .iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id}"));
        assert_eq!(&op["security"], security, "{id}");
        if id.starts_with("monsmspro") {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let body = resolve(&doc, schema);
            assert!(
                body["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("apiKey"))),
                "{id}: apiKey is a required body field: {body}"
            );
            assert!(
                body["properties"]["apiKey"]["description"].is_string(),
                "{body}"
            );
        }
    }

    // What the document says of the gateway's own endpoints is what they accept.
    let h = [("api-login", d.login.as_str()), ("api-key", d.key.as_str())];
    assert_eq!(
        d.call("GET", "/v1/modems", &h, None).0,
        200,
        "api-login/api-key"
    );
    let auth = d.basic();
    assert_eq!(
        d.call("GET", "/v1/modems", &[("authorization", &auth)], None)
            .0,
        200,
        "Basic"
    );
    assert_eq!(
        d.call("GET", "/v1/modems", &[], None).0,
        401,
        "no credentials"
    );
}

/// A property's schema, through a `oneOf` with null (how an optional enum is written).
fn non_null(schema: &Value) -> &Value {
    match schema["oneOf"].as_array() {
        Some(alternatives) => alternatives
            .iter()
            .find(|s| s["type"] != "null")
            .expect("a non-null alternative"),
        None => schema,
    }
}

#[test]
fn openapi_schemas_state_ranges_defaults_enums_and_responses() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let doc = openapi(&d);
    let schemas = &doc["components"]["schemas"];
    let prop = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();

    for (schema, field, min, max, default) in [
        ("NomadoCreate", "length", 1, 20, 4),
        ("NomadoCreate", "expiry", 1, 30 * 24 * 3600, 7200),
        ("MonSmsProGet", "length", 4, 10, 4),
        ("OctopushGenerate", "code_length", 3, 32, 6),
        ("OctopushGenerate", "validity_period", 3, 10_000_000, 600),
        ("OctopushGenerate", "max_wrong_attempts", 1, 1000, 3),
    ] {
        let p = prop(schema, field);
        assert_eq!(
            (
                p["minimum"].clone(),
                p["maximum"].clone(),
                p["default"].clone()
            ),
            (json!(min), json!(max), json!(default)),
            "{schema}.{field}: {p}"
        );
    }

    let spec_languages = [
        "en-US", "en-GB", "el-GR", "pl-PL", "hu-HU", "sv-SE", "de-DE", "es-ES", "es-LA", "fr-FR",
        "it-IT", "pt-BR", "ru-RU",
    ];
    for (schema, field, values, default) in [
        (
            "NomadoCreate",
            "type",
            &["ALPHA", "NUMERIC", "ALPHANUMERIC"][..],
            "ALPHANUMERIC",
        ),
        (
            "MonSmsProGet",
            "mode",
            &["NUMERIC", "ALPHABET", "ALPHA_NUMERIC"][..],
            "NUMERIC",
        ),
        (
            "OctopushGenerate",
            "channel",
            &["sms", "text_sms", "voice_sms"][..],
            "sms",
        ),
        (
            "OctopushGenerate",
            "voice_language",
            &spec_languages[..],
            "en-US",
        ),
        (
            "OctopushGenerate",
            "voice_gender",
            &["male", "female"][..],
            "female",
        ),
        (
            "MessageCreate",
            "priority",
            &["otp", "normal"][..],
            "normal",
        ),
    ] {
        let p = prop(schema, field);
        assert_eq!(non_null(&p)["enum"], json!(values), "{schema}.{field}: {p}");
        assert_eq!(p["default"], default, "{schema}.{field}: {p}");
    }
    // Longer templates are accepted and cut once rendered: the bound is in the description.
    let text = prop("OctopushGenerate", "text");
    assert!(text.get("maxLength").is_none(), "{text}");
    assert!(text["description"].to_string().contains("1224"), "{text}");

    // MonSMSPro's envelope always carries all three fields.
    let mut required: Vec<&str> = schemas["MonSmsProEnvelope"]["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["data", "error", "success"]);

    // The answers each operation gives.
    for (id, statuses) in [
        (
            "nomado_create",
            &["200", "400", "401", "413", "429", "500"][..],
        ),
        ("nomado_verify", &["200", "400", "401", "413", "500"][..]),
        ("monsmspro_get", &["200"][..]),
        ("monsmspro_verify", &["200"][..]),
        (
            "octopush_generate",
            &["200", "400", "401", "403", "413", "429", "500"][..],
        ),
        (
            "octopush_validate",
            &["200", "400", "401", "413", "500"][..],
        ),
        ("messages_create", &["202", "400", "401", "413", "500"][..]),
        ("messages_get", &["200", "400", "401", "404", "500"][..]),
        ("modems_list", &["200", "401"][..]),
        ("inbox_list", &["200", "400", "401", "500"][..]),
    ] {
        let (_, _, op) = operations(&doc)
            .into_iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id}"));
        let listed: Vec<&str> = op["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(listed, statuses, "{id}");
    }
}

#[test]
fn the_embedded_default_runs_with_no_config_and_a_demo_account() {
    let dir = tempdir();
    let log = dir.path().join("serve.log");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("OTPGATE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn otpgate serve");
    let base = wait_for(
        "the embedded default to listen",
        Duration::from_secs(20),
        || {
            let text = std::fs::read_to_string(&log).ok()?;
            let rest = text.split("listening on http://").nth(1)?;
            Some(format!("http://{}", rest.split_whitespace().next()?))
        },
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("demo"),
        "the log says how to use the demo account: {text}"
    );
    assert!(
        dir.path().join("otpgate-data").is_dir(),
        "data in ./otpgate-data"
    );
    // The README's example, as written there (only the address differs).
    let r = ureq::post(&format!("{base}/2fa/create"))
        .set(
            "authorization",
            &format!("Basic {}", b64("demo:demo-key-change-me")),
        )
        .send_json(json!({"to": "+33612345678", "type": "NUMERIC", "length": 6}));
    let v: Value = r.expect("create").into_json().expect("json");
    assert_eq!(v["code"], 200, "{v}");
    let code = v["data"]["token"].as_str().unwrap_or_default().to_string();
    let r = ureq::post(&format!("{base}/2fa/verify"))
        .set(
            "authorization",
            &format!("Basic {}", b64("demo:demo-key-change-me")),
        )
        .send_json(json!({"number": "33612345678", "token": code}));
    assert_eq!(
        r.expect("verify").into_json::<Value>().expect("json")["verify"],
        true
    );
    // The in-process simulated modem sends it.
    wait_for("the demo SMS to be sent", Duration::from_secs(20), || {
        let r = ureq::get(&format!("{base}/healthz")).call().ok()?;
        let v: Value = r.into_json().ok()?;
        (v["modems_ready"] == 1 && v["queue_depth"] == 0).then_some(())
    });
    let _ = child.kill();
    let _ = child.wait();
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A method a path does not serve is answered in the path's own dialect, with `Allow`.
#[test]
fn a_wrong_method_is_answered_in_each_dialects_shape() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    let call = |method: &str, path: &str| {
        let auth = d.basic();
        let h = [
            ("authorization", auth.as_str()),
            ("api-login", d.login.as_str()),
            ("api-key", d.key.as_str()),
        ];
        let body = (method != "GET").then_some("{}");
        d.call_header(method, path, &h, body, "allow")
    };
    let names_both = |v: &Value, used: &str, allowed: &str| {
        let m = v["message"].as_str().unwrap_or_default();
        assert!(m.contains(used) && m.contains(allowed), "{v}");
    };

    // MonSMSPro: HTTP 200 and the envelope, as every failure.
    for (method, path) in [
        ("GET", "/v1/auth/otp/get"),
        ("PUT", "/v1/auth/otp/get"),
        ("DELETE", "/v1/auth/otp/verify"),
    ] {
        let (status, allow, v) = call(method, path);
        assert_eq!(status, 200, "{method} {path}: {v}");
        assert_eq!(
            v,
            json!({"success": false, "data": null, "error": "method-not-allowed"}),
            "{method} {path}"
        );
        assert_eq!(allow.as_deref(), Some("POST"), "{method} {path}");
    }

    // Nomado: 405 with {code, message}; verify's failures say verify false.
    let (status, allow, v) = call("GET", "/2fa/create");
    assert_eq!((status, allow.as_deref()), (405, Some("POST")), "{v}");
    assert_eq!(v["code"], 405, "{v}");
    assert!(v.get("verify").is_none(), "{v}");
    names_both(&v, "GET", "POST");
    let (status, allow, v) = call("DELETE", "/2fa/verify");
    assert_eq!((status, allow.as_deref()), (405, Some("POST")), "{v}");
    assert_eq!(
        (v["code"].clone(), v["verify"].clone()),
        (json!(405), json!(false))
    );
    names_both(&v, "DELETE", "POST");

    // Octopush: 405 with {code: 405, message}.
    for (method, path, allowed) in [
        ("POST", VAL, "PUT"),
        ("GET", VAL, "PUT"),
        ("PUT", GEN, "POST"),
        ("GET", GEN, "POST"),
    ] {
        let (status, allow, v) = call(method, path);
        assert_eq!(
            (status, allow.as_deref()),
            (405, Some(allowed)),
            "{method} {path}: {v}"
        );
        assert_eq!(v["code"], 405, "{method} {path}: {v}");
        names_both(&v, method, allowed);
    }

    // The gateway's own endpoints: 405 with {"error": {code, message}}.
    for (method, path, allowed) in [
        ("GET", "/v1/messages", "POST"),
        ("DELETE", "/v1/messages/1", "GET,HEAD"),
        ("POST", "/v1/modems", "GET,HEAD"),
        ("PUT", "/v1/inbox", "GET,HEAD"),
        ("POST", "/healthz", "GET,HEAD"),
        ("POST", "/readyz", "GET,HEAD"),
        ("DELETE", "/openapi.json", "GET,HEAD"),
    ] {
        let (status, allow, v) = call(method, path);
        assert_eq!(
            (status, allow.as_deref()),
            (405, Some(allowed)),
            "{method} {path}: {v}"
        );
        assert_eq!(
            v["error"]["code"], "method-not-allowed",
            "{method} {path}: {v}"
        );
        let m = v["error"]["message"].as_str().unwrap_or_default();
        assert!(m.contains(method), "{v}");
    }

    // The served methods still work, and an unknown path is still a 404.
    let (status, _, v) = call("GET", "/v1/modems");
    assert_eq!(status, 200, "{v}");
    let (status, _, v) = call("GET", "/2fa/nothing");
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (404, json!("not-found"))
    );
}

#[test]
fn gateway_endpoints_answer_a_bad_query_or_path_in_their_shape() {
    let dir = tempdir();
    let sim = Sim::start(dir.path(), "m0", &[]);
    let d = Daemon::start(dir.path(), &[&sim], "");
    for path in [
        "/v1/inbox?limit=abc",
        "/v1/inbox?limit=-1",
        "/v1/messages/%FF",
    ] {
        let (status, v) = d.get(path);
        assert_eq!(status, 400, "{path}: {v}");
        assert_eq!(v["error"]["code"], "invalid-request", "{path}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    }
    let (status, v) = d.get("/v1/inbox?limit=5");
    assert_eq!(status, 200, "{v}");
    let (status, v) = d.get("/v1/messages/abc");
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (404, json!("not-found"))
    );
}
