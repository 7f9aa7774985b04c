//! The `otpgate` command: parses the command line, sets up logging, runs, maps errors to exit codes.

use clap::{Parser, Subcommand};

/// mimalloc: the daemon allocates a little on every request (JSON, sled nodes); glibc malloc
/// showed up at ~20% of its CPU under load, mimalloc costs less and keeps RSS flatter.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use otpgate::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "otpgate",
    version,
    about = "On-premises SMS gateway for one-time passwords"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway daemon (without --config: the embedded default, one simulated modem).
    Serve {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Listen on this address instead of the configuration's `listen`.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Run a simulated GSM modem on a pseudo-terminal linked at --link.
    ModemSim(Box<otpgate::sim::SimOptions>),
    /// Print the example configuration.
    ExampleConfig,
    /// Check a configuration file and the devices, TLS files and data directory it names;
    /// prints each problem as PATH:LINE:COL: message; exit 0 when valid, 1 when not.
    CheckConfig {
        #[arg(long, short, default_value = otpgate::check::DEFAULT_PATH)]
        config: PathBuf,
    },
    /// Manage API accounts (works with the daemon running or stopped).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
        /// The daemon's config (its data_dir holds the accounts); default: the embedded default.
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
    },
    /// Modem tools.
    Modem {
        #[command(subcommand)]
        action: ModemAction,
    },
}

#[derive(Subcommand)]
enum ModemAction {
    /// Open a device, bring the modem up read-only and print what it found (identity, SIM,
    /// network, SMS and voice support), or why it could not.
    Probe(otpgate::modem::probe::ProbeArgs),
}

#[derive(Subcommand)]
enum KeysAction {
    /// Create an account; prints its login and key once (only a hash is kept).
    Add {
        name: String,
        /// Print one JSON object {"login": ..., "key": ...} for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List the accounts.
    List,
    /// Revoke an account: its key stops working at once.
    Revoke { name: String },
}

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages on its arena; each touched page then costs
    // 2 MiB of resident memory (~40 MB at idle for nothing). The daemon's heap is small.
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag on this process.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    let cli = Cli::parse();
    // The daemon logs to stdout (journald takes it) once its config says how (`serve`); the
    // other commands keep stdout for their own output.
    if !matches!(cli.command, Command::Serve { .. }) {
        otpgate::logging::init(otpgate::logging::LogFormat::Text, false);
    }
    let result = match cli.command {
        Command::Serve { config, listen } => serve(config, listen),
        Command::ModemSim(opts) => otpgate::sim::run(*opts).map_err(anyhow::Error::from),
        Command::ExampleConfig => {
            print!("{}", otpgate::config::EXAMPLE);
            Ok(())
        }
        Command::Keys { action, config } => keys(action, config),
        Command::CheckConfig { config } => return otpgate::check::run_command(&config),
        // Its own exit codes, one per way it can fail.
        Command::Modem {
            action: ModemAction::Probe(args),
        } => return otpgate::modem::probe::run_command(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("otpgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn keys(action: KeysAction, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    use otpgate::control::{Reply, Request};
    let config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::embedded_default(),
    };
    let (request, json) = match action {
        KeysAction::Add { name, json } => (Request::KeysAdd { name }, json),
        KeysAction::List => (Request::KeysList, false),
        KeysAction::Revoke { name } => (Request::KeysRevoke { name }, false),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let reply = runtime.block_on(async {
        let socket = otpgate::control::socket_path(&config.data_dir);
        if let Some(reply) = otpgate::control::call(&socket, &request).await? {
            return anyhow::Ok(reply);
        }
        // No daemon running: open the database ourselves.
        let store = otpgate::store::Store::open(&config.data_dir)?;
        let accounts = otpgate::accounts::Accounts::open(store.clone())?;
        let reply = otpgate::control::handle(&accounts, request).await;
        store.flush_blocking()?;
        Ok(reply)
    })?;
    match reply {
        Reply::Added { login, key } if json => {
            println!("{}", serde_json::json!({"login": login, "key": key}));
        }
        Reply::Added { login, key } => {
            println!(
                "login: {login}\nkey:   {key}\n(the key is shown once; only its hash is kept)"
            );
        }
        Reply::List { accounts } => {
            for a in accounts {
                let state = if a.revoked { "revoked" } else { "active" };
                println!("{}\t{state}", a.name);
            }
        }
        Reply::Revoked { name } => println!("revoked {name}"),
        Reply::Error { message } => anyhow::bail!(message),
    }
    Ok(())
}

fn serve(config_path: Option<PathBuf>, listen: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let mut config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::embedded_default(),
    };
    if let Some(listen) = listen {
        config.listen = listen;
    }
    // After the config (it says the format); a config error is printed by main.
    otpgate::logging::init(config.log_format, true);
    // One runtime thread: a request is a few tens of microseconds of work between awaits, and
    // on a 2-core appliance cross-thread wake-ups cost more than a second worker gains (see
    // the README's benchmark notes). sled and the simulated modems have threads of their own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        tracing::info!(config = %config.source, data_dir = %config.data_dir.display(), "otpgate starting");
        otpgate::app::run(config, listener, otpgate::app::shutdown_signal()).await
    });
    // The database is flushed by now; a blocking task still running (a retention sweep)
    // must not hold the exit past the unit's TimeoutStopSec.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}
