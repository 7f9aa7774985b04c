//! Benchmark (not a test): SMS/s through the real pipeline — durable queue, modem worker, AT
//! engine, serial port — to simulated modems on real pseudo-terminals, in one process.
//!
//! Run: `cargo bench --bench queue_throughput` (release build). Prints, per scenario, SMS/s,
//! the fraction of the ideal N/latency rate, and AT command exchanges per SMS part counted at
//! the simulated modems.
//! Options (env): `BENCH_MESSAGES_FAST` (default 5000), `BENCH_MESSAGES_SLOW` (default 40 per
//! modem), `BENCH_MODEMS` (default "1,2,4,8" for the 200 ms scenarios).

use otpgate::pool::{self as worker, ModemSpec};
use otpgate::queue::{NewMessage, Queue, RetryPolicy, PRIORITY_NORMAL};
use otpgate::sim::{self, SimOptions};
use otpgate::status::StatusBoard;
use otpgate::store::Store;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Figures {
    modems: usize,
    latency_ms: u64,
    messages: usize,
    enqueue_per_s: f64,
    sms_per_s: f64,
    at_per_part: f64,
}

async fn scenario(modems: usize, latency_ms: u64, messages: usize) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("data"))?;
    let queue = Queue::open(store.clone(), RetryPolicy::default(), Default::default())?;
    let board = StatusBoard::default();
    let pool = otpgate::pool::Pool {
        queue: queue.clone(),
        board: board.clone(),
        inbox: otpgate::inbox::Inbox::open(store.clone())?,
        pins: otpgate::pool::pins::Pins::open(store.clone())?,
        sent: otpgate::pool::sent_log::SentLog::open(&store)?,
        profiles: Default::default(),
        voice: otpgate::config::VoiceSettings {
            ring_timeout: Duration::from_secs(45),
            tts: Default::default(),
        },
    };
    let cancel = CancellationToken::new();
    let mut sims = Vec::new();
    let mut workers = Vec::new();
    for i in 0..modems {
        let link = dir.path().join(format!("m{i}.tty"));
        sims.push(sim::spawn(SimOptions {
            link: link.clone(),
            latency_ms,
            seed: 7,
            manufacturer: "OTPGATE".into(),
            model: "SIM-GSM".into(),
            ..SimOptions::default()
        })?);
        let spec = ModemSpec {
            id: format!("m{i}"),
            device: link,
            baud: 115_200,
            pin: None,
            engine: Default::default(),
            overrides: otpgate::modem::profile::Overrides {
                registration_timeout: Some(Duration::from_secs(5)),
                ..Default::default()
            },
            profile: None,
            usb_interface: None,
            max_backoff: Duration::from_secs(1),
            routes: Vec::new(),
            caps: Default::default(),
            health_interval: Duration::from_secs(30),
            voice: Default::default(),
        };
        board.register(&spec, queue.wants(&[], false));
        workers.push(tokio::spawn(worker::run(
            spec,
            pool.clone(),
            cancel.child_token(),
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while board
        .snapshot()
        .iter()
        .any(|m| m.state != otpgate::status::ModemState::Ready)
    {
        anyhow::ensure!(Instant::now() < deadline, "modems did not come up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let commands_before: u64 = sims.iter().map(|s| s.commands()).sum();

    // Enqueue concurrently (the group commit shares flushes), then time the sending.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..messages {
        let q = queue.clone();
        tasks.push(tokio::spawn(async move {
            q.enqueue(NewMessage {
                to: format!("+3361{i:07}"),
                text: format!("Your code is {:06}", i * 7919 % 1_000_000),
                sensitive: true,
                priority: PRIORITY_NORMAL,
                not_after_ms: None,
                origin: None,
                voice: None,
                request_id: None,
            })
            .await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let enqueue_s = start.elapsed().as_secs_f64();
    loop {
        let got: usize = sims.iter().map(|s| s.received().len()).sum();
        if got >= messages {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(600),
            "too slow: {got}/{messages}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let total_s = start.elapsed().as_secs_f64();
    let commands: u64 = sims.iter().map(|s| s.commands()).sum::<u64>() - commands_before;
    cancel.cancel();
    for w in workers {
        let _ = w.await;
    }
    for s in sims {
        s.shutdown();
    }
    Ok(Figures {
        modems,
        latency_ms,
        messages,
        enqueue_per_s: messages as f64 / enqueue_s,
        sms_per_s: messages as f64 / total_s,
        at_per_part: commands as f64 / messages as f64,
    })
}

fn print(f: &Figures) {
    let ideal = if f.latency_ms == 0 {
        None
    } else {
        Some(f.modems as f64 * 1000.0 / f.latency_ms as f64)
    };
    let fraction = ideal.map_or(String::from("-"), |i| format!("{:.3}", f.sms_per_s / i));
    println!(
        "modems={} latency_ms={} messages={} enqueue/s={:.0} SMS/s={:.1} ideal={} fraction={} AT/part={:.2}",
        f.modems,
        f.latency_ms,
        f.messages,
        f.enqueue_per_s,
        f.sms_per_s,
        ideal.map_or(String::from("-"), |i| format!("{i:.1}")),
        fraction,
        f.at_per_part
    );
}

fn main() -> anyhow::Result<()> {
    // The daemon's runtime: one thread (see src/main.rs).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let fast = env_usize("BENCH_MESSAGES_FAST", 5000);
        print(&scenario(1, 0, fast).await?);
        let per_modem = env_usize("BENCH_MESSAGES_SLOW", 40);
        let list = std::env::var("BENCH_MODEMS").unwrap_or_else(|_| "1,2,4,8".into());
        for n in list
            .split(',')
            .filter_map(|s| s.trim().parse::<usize>().ok())
        {
            print(&scenario(n, 200, n * per_modem).await?);
        }
        Ok(())
    })
}
