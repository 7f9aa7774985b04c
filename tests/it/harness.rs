//! Test harness: runs `otpgate modem-sim` and `otpgate serve` as child processes, talks HTTP.

use serde::Deserialize;
use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_otpgate");

/// Polls `f` until it returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A fresh temporary directory for one test.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("otpgate-it-")
        .tempdir()
        .expect("tempdir")
}

/// An SMS as the simulated phone recorded it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Received {
    pub to: String,
    pub text: String,
    pub parts: u8,
    pub encoding: String,
    #[serde(default)]
    pub status_report: bool,
}

/// A simulated modem process.
pub struct Sim {
    child: Child,
    pub link: PathBuf,
    /// The simulator's control socket (`--control`).
    pub control: PathBuf,
    pub record: PathBuf,
    /// The simulator's own output, shown when a wait times out.
    pub log: PathBuf,
}

impl Sim {
    /// Starts `otpgate modem-sim` with its link and record file under `dir`.
    pub fn start(dir: &Path, name: &str, args: &[&str]) -> Sim {
        let link = dir.join(format!("{name}.tty"));
        let record = dir.join(format!("{name}.jsonl"));
        let log = dir.join(format!("{name}.log"));
        let control = dir.join(format!("{name}.sock"));
        let out = File::create(&log).expect("sim log");
        let child = Command::new(BIN)
            .arg("modem-sim")
            .arg("--link")
            .arg(&link)
            .arg("--record")
            .arg(&record)
            .arg("--control")
            .arg(&control)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup"))
            .stderr(out)
            .spawn()
            .expect("spawn modem-sim");
        let sim = Sim {
            child,
            link,
            control,
            record,
            log,
        };
        wait_for(
            "the simulated modem's link",
            Duration::from_secs(10),
            || sim.link.exists().then_some(()),
        );
        sim
    }

    /// One request on the control socket; answers the simulator's JSON reply.
    pub fn control(&self, request: Value) -> Value {
        use std::io::{BufRead, BufReader, Write};
        let mut stream = wait_for(
            "the simulator's control socket",
            Duration::from_secs(5),
            || std::os::unix::net::UnixStream::connect(&self.control).ok(),
        );
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        writeln!(stream, "{request}").expect("control write");
        let mut line = String::new();
        BufReader::new(stream)
            .read_line(&mut line)
            .expect("control read");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("control answer {line:?}: {e}"))
    }

    /// Every complete SMS the phone received so far.
    pub fn received(&self) -> Vec<Received> {
        let Ok(text) = std::fs::read_to_string(&self.record) else {
            return Vec::new();
        };
        // The simulator appends a record while we may be reading: a line
        // without its newline is still being written and is left for the next look.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l:?}: {e}")))
            .collect()
    }

    /// Waits until at least `n` SMS were received.
    pub fn wait_received(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if start.elapsed() > timeout {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("timed out after {timeout:?} waiting for {n} SMS at the phone (got {}); simulator log:\n{log}", got.len());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A daemon process with its config, data directory and log.
pub struct Daemon {
    child: Option<Child>,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub data_dir: PathBuf,
    /// The simulator's own output, shown when a wait times out.
    pub log: PathBuf,
    pub base: String,
    starts: u32,
    /// The test account made with `otpgate keys add` before the first start.
    pub login: String,
    pub key: String,
    /// Extra environment variables for the daemon (`NOTIFY_SOCKET`, ...).
    env: Vec<(String, String)>,
}

impl Daemon {
    /// Writes a config with one `[[modem]]` per sim (plus `extra` TOML at the top level) and
    /// starts the daemon.
    pub fn start(dir: &Path, sims: &[&Sim], extra: &str) -> Daemon {
        let modems: Vec<(&Sim, &str)> = sims.iter().map(|s| (*s, "")).collect();
        Self::start_modems(dir, &modems, extra)
    }

    /// As [`Daemon::start`], with extra TOML keys for each `[[modem]]`.
    pub fn start_modems(dir: &Path, modems: &[(&Sim, &str)], extra: &str) -> Daemon {
        Self::start_modems_env(dir, modems, extra, &[])
    }

    /// As [`Daemon::start_modems`], with extra environment variables for the daemon.
    pub fn start_modems_env(
        dir: &Path,
        modems: &[(&Sim, &str)],
        extra: &str,
        env: &[(&str, &str)],
    ) -> Daemon {
        let data_dir = dir.join("data");
        let mut toml = format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n{extra}\n",
            data_dir.display()
        );
        for (i, (sim, keys)) in modems.iter().enumerate() {
            let mut section = format!(
                "[[modem]]\nid = \"m{i}\"\ndevice = \"{}\"\n",
                sim.link.display()
            );
            for default in ["registration_timeout_s = 5", "command_timeout_ms = 2000"] {
                let key = default.split(' ').next().unwrap_or_default();
                if !keys.contains(key) {
                    section.push_str(default);
                    section.push('\n');
                }
            }
            section.push_str(keys);
            section.push('\n');
            toml.push_str(&section);
        }
        let config = dir.join("otpgate.toml");
        std::fs::write(&config, toml).expect("write config");
        let (login, key) = add_key(&config, "tester");
        let mut d = Daemon {
            child: None,
            dir: dir.to_path_buf(),
            config,
            data_dir,
            log: dir.join("daemon.log"),
            base: String::new(),
            starts: 0,
            login,
            key,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        d.spawn();
        d
    }

    /// The Basic authorization header value of the test account.
    pub fn basic(&self) -> String {
        use base64::Engine;
        let raw = format!("{}:{}", self.login, self.key);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// A request with the given method and headers; answers (status, JSON or text).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, Value) {
        let (status, _, value) = self.call_header(method, path, headers, body, "");
        (status, value)
    }

    /// As [`Daemon::call`], also answering the value of the response header `name`.
    pub fn call_header(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        name: &str,
    ) -> (u16, Option<String>, Value) {
        let mut req =
            ureq::request(method, &format!("{}{path}", self.base)).timeout(Duration::from_secs(10));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let r = match body {
            Some(b) => req.set("content-type", "application/json").send_string(b),
            None => req.call(),
        };
        answer_header(r, name)
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log = self.dir.join(format!("daemon.{}.log", self.starts));
        let out = File::create(&log).expect("daemon log");
        let child = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("OTPGATE_LOG", "debug")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup"))
            .stderr(out)
            .spawn()
            .expect("spawn otpgate serve");
        self.child = Some(child);
        self.log = log.clone();
        // "listening on http://ADDR", or https:// with [tls].
        self.base = wait_for("the daemon to listen", Duration::from_secs(20), || {
            let text = std::fs::read_to_string(&log).ok()?;
            ["http", "https"].into_iter().find_map(|scheme| {
                let rest = text.split(&format!("listening on {scheme}://")).nth(1)?;
                // Up to the end of the address (a JSON log line goes on with `"`).
                let end = rest.find(|c: char| c.is_whitespace() || c == '"')?;
                Some(format!("{scheme}://{}", &rest[..end]))
            })
        });
    }

    /// SIGKILL, no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The running daemon's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits up to `timeout` for the daemon to exit by itself; its exit status, or `None`
    /// if it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            let status = self.child.as_mut()?.try_wait().expect("try_wait");
            if let Some(status) = status {
                self.child = None;
                return Some(status);
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Starts the daemon again on the same config and data.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// All the daemon's log output so far, over every start.
    pub fn all_logs(&self) -> String {
        (1..=self.starts)
            .filter_map(|i| std::fs::read_to_string(self.dir.join(format!("daemon.{i}.log"))).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// POST with the test account's Basic credentials.
    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = ureq::post(&format!("{}{path}", self.base))
            .timeout(Duration::from_secs(10))
            .set("authorization", &self.basic())
            .send_json(body);
        answer(r)
    }

    /// GET with the test account's Basic credentials.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let r = ureq::get(&format!("{}{path}", self.base))
            .timeout(Duration::from_secs(10))
            .set("authorization", &self.basic())
            .call();
        answer(r)
    }

    /// Queues an SMS through the gateway's own API; returns its id.
    pub fn send(&self, to: &str, text: &str, extra: Value) -> String {
        let mut body = serde_json::json!({"to": to, "text": text});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, v) = self.post("/v1/messages", body);
        assert_eq!(status, 202, "queueing failed: {v}");
        v["id"].as_str().expect("id").to_string()
    }

    /// Waits until modem `id`'s status satisfies `ok`; returns it.
    pub fn wait_modem(&self, id: &str, what: &str, mut ok: impl FnMut(&Value) -> bool) -> Value {
        wait_for(
            &format!("modem {id}: {what}"),
            Duration::from_secs(30),
            || {
                let (_, v) = self.get("/v1/modems");
                let m = v.as_array()?.iter().find(|m| m["id"] == id)?.clone();
                ok(&m).then_some(m)
            },
        )
    }

    /// Waits until message `id` reaches `state`; returns its record. `sent` is also reached
    /// by a message already `delivered`: its status report may come in before the first look.
    pub fn wait_state(&self, id: &str, state: &str, timeout: Duration) -> Value {
        wait_for(&format!("message {id} to be {state}"), timeout, || {
            let (_, v) = self.get(&format!("/v1/messages/{id}"));
            let now = v["state"].as_str().unwrap_or_default();
            (now == state || (state == "sent" && now == "delivered")).then_some(v)
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Octopush's generate and validate paths.
pub const GEN: &str = "/v1/public/service/otp/generate";
pub const VAL: &str = "/v1/public/service/otp/validate";

/// Octopush validate by token: `PUT` [`VAL`] with `otp_request_token` and `code`.
pub fn octo_validate(d: &Daemon, token: &str, code: &str) -> (u16, Value) {
    octo(
        d,
        "PUT",
        VAL,
        serde_json::json!({"otp_request_token": token, "code": code}),
    )
}

/// A MonSMSPro request: `body` with the test account's `apiKey`, POSTed to `path`; its
/// answer (always HTTP 200 in that dialect).
pub fn mon(d: &Daemon, path: &str, mut body: Value) -> Value {
    body["apiKey"] = serde_json::json!(d.key);
    let (status, v) = d.call("POST", path, &[], Some(&body.to_string()));
    assert_eq!(status, 200, "MonSMSPro answers 200 to everything: {v}");
    v
}

/// An Octopush request with the test account's `api-login` / `api-key` headers.
pub fn octo(d: &Daemon, method: &str, path: &str, body: Value) -> (u16, Value) {
    let h = [("api-login", d.login.as_str()), ("api-key", d.key.as_str())];
    d.call(method, path, &h, Some(&body.to_string()))
}

/// Runs `otpgate keys add NAME --json` against `config`; returns (login, key).
pub fn add_key(config: &Path, name: &str) -> (String, String) {
    let out = Command::new(BIN)
        .args(["keys", "add", name, "--json", "--config"])
        .arg(config)
        .output()
        .expect("run otpgate keys add");
    assert!(
        out.status.success(),
        "keys add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value =
        serde_json::from_slice(&out.stdout).expect("keys add --json prints one JSON object");
    (
        v["login"].as_str().expect("login").to_string(),
        v["key"].as_str().expect("key").to_string(),
    )
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let (status, _, value) = answer_header(r, "");
    (status, value)
}

/// The status, the header `name` (if sent) and the body (JSON, or else its text).
fn answer_header(
    r: Result<ureq::Response, ureq::Error>,
    name: &str,
) -> (u16, Option<String>, Value) {
    let resp = match r {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(e) => panic!("HTTP request failed: {e}"),
    };
    let status = resp.status();
    let header = resp.header(name).map(str::to_string);
    let text = resp.into_string().unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, header, value)
}

/// Every file under `dir`, read as bytes, that contains `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                if let Ok(bytes) = std::fs::read(&p) {
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        hits.push(p);
                    }
                }
            }
        }
    }
    hits
}
