//! Load benchmark (not a test): N concurrent HTTP clients doing Nomado create then verify
//! against a running release daemon; prints requests/s, p50/p99 latency of creates and
//! verifies, the daemon's peak RSS, and a durability check (kill -9 right after the last
//! answers, restart, every answered OTP still verifies).
//!
//! Run: `cargo bench --bench otp_load` (builds the release daemon first).
//! Env: `LOAD_CLIENTS` (default 64), `LOAD_SECONDS` (default 10), `LOAD_DURABILITY` (default 200).
//! The daemon runs one in-process simulated modem at 200 ms per SMS, as a real modem would be
//! slow: the queue grows while the API answers, which is the point.

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn binary() -> anyhow::Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "otpgate"])
        .status()?;
    anyhow::ensure!(status.success(), "cargo build --release failed");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    Ok(Path::new(&target).join("release/otpgate"))
}

struct Daemon {
    bin: PathBuf,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    base: String,
}

impl Daemon {
    fn start(&mut self) -> anyhow::Result<()> {
        let out = std::fs::File::create(&self.log)?;
        let child = Command::new(&self.bin)
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("OTPGATE_LOG", "warn,otpgate::app=info")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        self.child = Some(child);
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                self.base = format!("http://{addr}");
                return Ok(());
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(30),
                "daemon did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Peak resident set size of a process, in MB (VmHWM).
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time the process has used (user + system), in microseconds.
fn cpu_us(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces, so split after the last ')').
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    // Every field kept in place (tpgid is -1 for a daemon): utime and stime are fields 14 and
    // 15 of proc_pid_stat(5), i.e. the 12th and 13th after the command name.
    let f: Vec<i64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = u64::try_from(f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0))
        .unwrap_or(0);
    // SAFETY: sysconf only reads a constant.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .unwrap_or(100)
        .max(1);
    ticks * 1_000_000 / hz
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// One keep-alive HTTP/1.1 connection (hyper's connection-level client: the least work per
/// request a Rust client can do, so the load generator leaves the daemon as much of the
/// machine as it can).
struct Conn {
    tx: http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    async fn open(base: &str) -> anyhow::Result<Conn> {
        let host = base.trim_start_matches("http://").to_string();
        let stream = tokio::net::TcpStream::connect(&host).await?;
        stream.set_nodelay(true)?;
        let (tx, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn { tx, host })
    }

    async fn post(&mut self, path: &str, auth: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.tx.ready().await?;
        let req = Request::post(path)
            .header("host", &self.host)
            .header("authorization", auth)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?;
        let resp = self.tx.send_request(req).await?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }
}

async fn create(conn: &mut Conn, auth: &str, number: u64) -> anyhow::Result<String> {
    let body = json!({"to": format!("+336{number:08}"), "type": "NUMERIC", "length": 6});
    let (status, v) = conn.post("/2fa/create", auth, body).await?;
    anyhow::ensure!(status == 200, "create answered {status}: {v}");
    Ok(v["data"]["token"].as_str().unwrap_or_default().to_string())
}

async fn verify(conn: &mut Conn, auth: &str, number: u64, code: &str) -> anyhow::Result<()> {
    let body = json!({"number": format!("336{number:08}"), "token": code});
    let (status, v) = conn.post("/2fa/verify", auth, body).await?;
    anyhow::ensure!(status == 200, "verify answered {status}: {v}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let clients = env_u64("LOAD_CLIENTS", 64);
    let seconds = env_u64("LOAD_SECONDS", 10);
    let durability = env_u64("LOAD_DURABILITY", 200);
    let bin = binary()?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("otpgate.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{data}\"\n[otp]\nresend_cooldown_s = 0\nper_number_per_hour = 1000000\nper_account_per_second = 1000000\nper_account_burst = 1000000\n[[modem]]\nid = \"sim0\"\ndevice = \"{dir}/sim0.tty\"\nsimulated = true\nsim_latency_ms = 200\n",
            data = dir.path().join("data").display(),
            dir = dir.path().display()
        ),
    )?;
    let out = Command::new(&bin)
        .args(["keys", "add", "load", "--json", "--config"])
        .arg(&config)
        .output()?;
    let creds: Value = serde_json::from_slice(&out.stdout)?;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            creds["login"].as_str().unwrap_or_default(),
            creds["key"].as_str().unwrap_or_default()
        ))
    );
    let mut daemon = Daemon {
        bin,
        config,
        log: dir.path().join("daemon.log"),
        child: None,
        base: String::new(),
    };
    daemon.start()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let base = daemon.base.clone();
    // Phase 1: every client creates OTPs for `seconds`, keeping the codes it was given.
    // Phase 2: every client verifies what it created. Each phase is timed on its own, so
    // creates/s is the rate of creates alone, not diluted by the verifies.
    let counter = Arc::new(AtomicU64::new(0));
    let cpu_start = cpu_us(daemon.pid());
    let (created, create_lat, create_secs) = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (base, auth, counter) = (base.clone(), auth.clone(), counter.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&base).await?;
                let (mut codes, mut lat) = (Vec::new(), Vec::new());
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let code = create(&mut conn, &auth, n).await?;
                    lat.push(t.elapsed().as_micros() as u64);
                    codes.push((n, code));
                }
                anyhow::Ok((codes, lat))
            }));
        }
        let (mut created, mut lat) = (Vec::new(), Vec::new());
        for t in tasks {
            let (c, l) = t.await??;
            created.push(c);
            lat.extend(l);
        }
        anyhow::Ok((created, lat, start.elapsed().as_secs_f64()))
    })?;
    let cpu_mid = cpu_us(daemon.pid());
    let (verify_lat, verify_secs) = rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for codes in created {
            let (base, auth) = (base.clone(), auth.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&base).await?;
                let mut lat = Vec::new();
                for (n, code) in codes {
                    let t = Instant::now();
                    verify(&mut conn, &auth, n, &code).await?;
                    lat.push(t.elapsed().as_micros() as u64);
                }
                anyhow::Ok(lat)
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await??);
        }
        anyhow::Ok((lat, start.elapsed().as_secs_f64()))
    })?;
    let cpu_end = cpu_us(daemon.pid());
    let rss = peak_rss_mb(daemon.pid());
    let (mut creates, mut verifies) = (create_lat, verify_lat);
    let per = |cpu: u64, n: usize| cpu as f64 / n.max(1) as f64;
    creates.sort_unstable();
    verifies.sort_unstable();
    println!(
        "clients={clients} creates={} creates/s={:.0} create_p50_ms={:.2} create_p99_ms={:.2} create_cpu_us={:.1} verifies={} verifies/s={:.0} verify_p50_ms={:.2} verify_p99_ms={:.2} verify_cpu_us={:.1} requests/s={:.0} daemon_peak_rss_mb={rss:.1}",
        creates.len(),
        creates.len() as f64 / create_secs,
        percentile(&creates, 0.5),
        percentile(&creates, 0.99),
        per(cpu_mid - cpu_start, creates.len()),
        verifies.len(),
        verifies.len() as f64 / verify_secs,
        percentile(&verifies, 0.5),
        percentile(&verifies, 0.99),
        per(cpu_end - cpu_mid, verifies.len()),
        (creates.len() + verifies.len()) as f64 / (create_secs + verify_secs),
    );

    // Durability: every 200-answered create survives a kill -9 right after the answers.
    let answered = rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..durability {
            let (base, auth) = (base.clone(), auth.clone());
            let n = 90_000_000 + i;
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&base).await?;
                create(&mut conn, &auth, n).await.map(|c| (n, c))
            }));
        }
        let mut answered = Vec::new();
        for t in tasks {
            answered.push(t.await??);
        }
        anyhow::Ok(answered)
    })?;
    daemon.kill9();
    daemon.start()?;
    let base = daemon.base.clone();
    let ok = rt.block_on(async {
        let mut conn = Conn::open(&base).await?;
        let mut ok = 0;
        for (n, code) in &answered {
            if verify(&mut conn, &auth, *n, code).await.is_ok() {
                ok += 1;
            }
        }
        anyhow::Ok(ok)
    })?;
    println!(
        "durability: {ok}/{} OTPs answered 200 before kill -9 verified after restart",
        answered.len()
    );
    anyhow::ensure!(ok == answered.len(), "an answered OTP was lost");
    Ok(())
}
