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

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

async fn create(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    number: u64,
) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/2fa/create"))
        .header("authorization", auth)
        .json(&json!({"to": format!("+336{number:08}"), "type": "NUMERIC", "length": 6}))
        .send()
        .await?;
    anyhow::ensure!(r.status() == 200, "create answered {}", r.status());
    let v: Value = r.json().await?;
    Ok(v["data"]["token"].as_str().unwrap_or_default().to_string())
}

async fn verify(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    number: u64,
    code: &str,
) -> anyhow::Result<()> {
    let r = client
        .post(format!("{base}/2fa/verify"))
        .header("authorization", auth)
        .json(&json!({"number": format!("336{number:08}"), "token": code}))
        .send()
        .await?;
    anyhow::ensure!(r.status() == 200, "verify answered {}", r.status());
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
    let (creates, verifies, elapsed) = rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(clients as usize)
            .build()?;
        let counter = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (client, base, auth, counter) =
                (client.clone(), base.clone(), auth.clone(), counter.clone());
            tasks.push(tokio::spawn(async move {
                let (mut c, mut v) = (Vec::new(), Vec::new());
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let code = create(&client, &base, &auth, n).await?;
                    c.push(t.elapsed().as_micros() as u64);
                    let t = Instant::now();
                    verify(&client, &base, &auth, n, &code).await?;
                    v.push(t.elapsed().as_micros() as u64);
                }
                anyhow::Ok((c, v))
            }));
        }
        let (mut creates, mut verifies) = (Vec::new(), Vec::new());
        for t in tasks {
            let (c, v) = t.await??;
            creates.extend(c);
            verifies.extend(v);
        }
        anyhow::Ok((creates, verifies, start.elapsed()))
    })?;
    let rss = peak_rss_mb(daemon.pid());
    let (mut creates, mut verifies) = (creates, verifies);
    creates.sort_unstable();
    verifies.sort_unstable();
    let secs = elapsed.as_secs_f64();
    println!(
        "clients={clients} seconds={secs:.1} creates={} creates/s={:.0} create_p50_ms={:.2} create_p99_ms={:.2} verifies/s={:.0} verify_p50_ms={:.2} verify_p99_ms={:.2} requests/s={:.0} daemon_peak_rss_mb={rss:.1}",
        creates.len(),
        creates.len() as f64 / secs,
        percentile(&creates, 0.5),
        percentile(&creates, 0.99),
        verifies.len() as f64 / secs,
        percentile(&verifies, 0.5),
        percentile(&verifies, 0.99),
        (creates.len() + verifies.len()) as f64 / secs,
    );

    // Durability: every 200-answered create survives a kill -9 right after the answers.
    let answered = rt.block_on(async {
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for i in 0..durability {
            let (client, base, auth) = (client.clone(), base.clone(), auth.clone());
            let n = 90_000_000 + i;
            tasks.push(tokio::spawn(async move {
                create(&client, &base, &auth, n).await.map(|c| (n, c))
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
        let client = reqwest::Client::new();
        let mut ok = 0;
        for (n, code) in &answered {
            if verify(&client, &base, &auth, *n, code).await.is_ok() {
                ok += 1;
            }
        }
        ok
    });
    println!(
        "durability: {ok}/{} OTPs answered 200 before kill -9 verified after restart",
        answered.len()
    );
    anyhow::ensure!(ok == answered.len(), "an answered OTP was lost");
    Ok(())
}
