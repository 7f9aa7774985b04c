//! Assembles the daemon: storage, queue, simulated modems, modem workers and the HTTP API,
//! and owns their shutdown order.
//!
//! This is the only module that names every concrete part. Long-lived tasks are spawned here,
//! each with a child of one cancellation token, and tracked so shutdown can wait for them.
//! Shutdown, on the signal: tell systemd `STOPPING=1`, stop accepting HTTP connections and
//! cancel the workers at once; then wait, concurrently, for the requests in flight (bounded by
//! [`crate::listen::DRAIN`]) and for the workers to finish the AT exchange in flight (bounded
//! by [`SHUTDOWN_GRACE`]); flush sled; stop the simulated modems. systemd hears `READY=1` only
//! once every part is open, right before the API is served ([`crate::systemd`]).

use crate::accounts::Accounts;
use crate::config::Config;
use crate::http::{self, AppState};
use crate::inbox::Inbox;
use crate::otp_service::OtpService;
use crate::pool as worker;
use crate::queue::Queue;
use crate::sim::{self, SimOptions};
use crate::status::StatusBoard;
use crate::store::Store;
use anyhow::Context;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The embedded default's demo account, so the README's examples work as written. Only the
/// embedded default (no config file) creates it.
pub const DEMO_LOGIN: &str = "demo";
/// The demo account's key.
pub const DEMO_KEY: &str = "demo-key-change-me";

/// How long shutdown waits for the workers to reach a safe point.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Runs the daemon on an already bound `listener` until `shutdown` resolves.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let systemd = crate::systemd::Notifier::from_env();
    // Load the phone-number metadata now, not on the first request.
    crate::otp::number::warm_up();
    // A bad certificate or key stops the start before the data directory or a modem is
    // opened (the listener is bound already, by the caller).
    let tls = config
        .tls
        .as_ref()
        .map(crate::listen::tls::load)
        .transpose()?;
    let store = Store::open(&config.data_dir)
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    let queue = Queue::open(store.clone(), config.retry.clone(), config.routing.clone())
        .context("opening the queue")?;
    let board = StatusBoard::default();
    let metrics = crate::metrics::Metrics::new(queue.clone(), board.clone());
    let inbox = Inbox::open(store.clone()).context("opening the inbox")?;
    let accounts = Accounts::open(store.clone()).context("loading the accounts")?;
    let otp = OtpService::open(
        store.clone(),
        queue.clone(),
        config.otp.clone(),
        metrics.otp(),
    )
    .context("opening the OTP service")?;
    if config.demo_account && accounts.is_empty() {
        accounts
            .add_with_key(DEMO_LOGIN, DEMO_KEY)
            .await
            .context("creating the demo account")?;
        tracing::warn!(
            "created the demo account (login {DEMO_LOGIN:?}, key {DEMO_KEY:?}) for the embedded default; \
             run with a config and `otpgate keys add NAME` for real use"
        );
    }

    let mut sims = Vec::new();
    for modem in &config.modems {
        if let Some(latency) = modem.simulated {
            let opts = SimOptions {
                link: modem.spec.device.clone(),
                latency_ms: latency.as_millis() as u64,
                ..SimOptions::default()
            };
            let handle = sim::spawn(opts)
                .with_context(|| format!("starting the simulated modem {}", modem.spec.id))?;
            tracing::info!(modem = %modem.spec.id, link = %modem.spec.device.display(), "simulated modem started");
            sims.push(handle);
        }
    }

    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    // Webhooks: the listener is set before any worker can change a message.
    if let Some(hook) = &config.webhook {
        let (listener, delivery) =
            crate::webhook::open(&store, hook.clone()).context("opening the webhook outbox")?;
        queue.set_listener(listener);
        tracker.spawn(delivery.run(cancel.child_token()));
        tracing::info!(url = %hook.url, "webhook events enabled");
    }
    {
        let path = crate::control::socket_path(&config.data_dir);
        let accounts = accounts.clone();
        let cancel = cancel.child_token();
        tracker.spawn(async move {
            if let Err(e) = crate::control::serve(path.clone(), accounts, cancel).await {
                tracing::error!(path = %path.display(), error = %e, "control socket failed; `otpgate keys` needs the daemon stopped");
            }
        });
    }
    let pool = worker::Pool {
        queue: queue.clone(),
        board: board.clone(),
        inbox: inbox.clone(),
        voice: config.voice.clone(),
        pins: worker::pins::Pins::open(store.clone()).context("opening the PIN memory")?,
        sent: worker::sent_log::SentLog::open(&store).context("opening the send counts")?,
        profiles: config.profiles.clone(),
    };
    for modem in &config.modems {
        let voice = modem.spec.voice != crate::modem::voice::BackendConfig::None;
        board.register(&modem.spec, queue.wants(&modem.spec.routes, voice));
        tracker.spawn(worker::run(
            modem.spec.clone(),
            pool.clone(),
            cancel.child_token(),
        ));
    }
    tracker.spawn(crate::retention::run(
        config.retention.clone(),
        crate::retention::Stores {
            queue: queue.clone(),
            otp: otp.clone(),
            inbox: inbox.clone(),
        },
        cancel.child_token(),
    ));
    tracker.close();

    let app = http::router(AppState {
        queue: queue.clone(),
        board: board.clone(),
        otp,
        accounts,
        inbox,
        metrics,
    });
    let addr = listener
        .local_addr()
        .context("reading the listen address")?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("listening on {scheme}://{addr}");
    if config.demo_account {
        tracing::info!(
            "try: curl -s -u {DEMO_LOGIN}:{DEMO_KEY} -H 'content-type: application/json' \
             -d '{{\"to\": \"+33612345678\", \"type\": \"NUMERIC\"}}' {scheme}://{addr}/2fa/create"
        );
    }
    // The signal starts the shutdown: systemd hears it, HTTP stops accepting and the
    // workers are told to stop, all at once.
    tokio::spawn({
        let (systemd, cancel) = (systemd.clone(), cancel.clone());
        async move {
            shutdown.await;
            tracing::info!("shutting down");
            systemd.stopping("stopping: finishing the AT commands in flight");
            cancel.cancel();
        }
    });
    let supervised = CancellationToken::new();
    tokio::spawn(systemd.clone().supervise(
        health_probe(store.clone()),
        status_line(board, queue, format!("{scheme}://{addr}")),
        supervised.clone(),
    ));
    systemd.ready(&format!("serving on {scheme}://{addr}"));
    let limits = crate::listen::Limits::from_env();
    let http = crate::listen::serve(listener, app, tls, limits, cancel.clone().cancelled_owned());
    let workers = async {
        cancel.cancelled().await;
        tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait()).await
    };
    let ((), workers) = tokio::join!(http, workers);
    if workers.is_err() {
        tracing::warn!("modem workers did not stop within {SHUTDOWN_GRACE:?}");
    }
    store.flush_blocking().context("flushing the database")?;
    supervised.cancel();
    for sim in sims {
        sim.shutdown();
    }
    Ok(())
}

/// The watchdog's health check (see [`crate::systemd`]): the database completes a flush.
fn health_probe(
    store: Store,
) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>> {
    move || {
        let store = store.clone();
        Box::pin(async move { store.flush().await.map_err(|e| e.to_string()) })
    }
}

/// The `STATUS=` line systemd shows.
fn status_line(board: StatusBoard, queue: Queue, url: String) -> impl Fn() -> String {
    move || {
        let modems = board.snapshot();
        let ready = modems.iter().filter(|m| m.state.can_send()).count();
        let depth = queue.depth();
        format!(
            "serving on {url}; {ready}/{} modems can send; {depth} queued",
            modems.len()
        )
    }
}

/// Resolves on SIGTERM (what systemd sends) or SIGINT.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = term => {}
        r = tokio::signal::ctrl_c() => {
            if let Err(e) = r {
                tracing::error!(error = %e, "cannot listen for SIGINT");
            }
        }
    }
}
