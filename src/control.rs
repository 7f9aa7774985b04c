//! The control socket: how `otpgate keys ...` reaches a running daemon.
//!
//! sled allows one process per database, so while the daemon runs the CLI cannot open it.
//! The daemon listens on `<data_dir>/control.sock` (a Unix socket, mode 0600: only the
//! daemon's user and root); the CLI sends one JSON request line and reads one JSON answer
//! line. When no daemon answers, the CLI opens the database itself.

use crate::accounts::{AccountError, Accounts};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

/// A request on the control socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Request {
    KeysAdd { name: String },
    KeysList,
    KeysRevoke { name: String },
}

/// An answer on the control socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    Added { login: String, key: String },
    List { accounts: Vec<AccountView> },
    Revoked { name: String },
    Error { message: String },
}

/// What `keys list` shows of an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountView {
    pub name: String,
    pub created_ms: u64,
    pub revoked: bool,
}

/// The socket's path under a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

/// Carries out one request against the accounts.
pub async fn handle(accounts: &Accounts, request: Request) -> Reply {
    let result: Result<Reply, AccountError> = match request {
        Request::KeysAdd { name } => accounts.add(&name).await.map(|c| Reply::Added {
            login: c.login,
            key: c.key,
        }),
        Request::KeysList => Ok(Reply::List {
            accounts: accounts
                .list()
                .into_iter()
                .map(|a| AccountView {
                    name: a.name,
                    created_ms: a.created_ms,
                    revoked: a.revoked,
                })
                .collect(),
        }),
        Request::KeysRevoke { name } => accounts
            .revoke(&name)
            .await
            .map(|()| Reply::Revoked { name }),
    };
    result.unwrap_or_else(|e| Reply::Error {
        message: e.to_string(),
    })
}

/// Serves the control socket until `cancel` fires.
pub async fn serve(
    path: PathBuf,
    accounts: Accounts,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    loop {
        let (stream, _) = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "control socket accept failed");
                    continue;
                }
            },
        };
        let accounts = accounts.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_one(stream, &accounts).await {
                tracing::debug!(error = %e, "control connection ended");
            }
        });
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

async fn serve_one(stream: UnixStream, accounts: &Accounts) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no request"))??
        .unwrap_or_default();
    let reply = match serde_json::from_str::<Request>(&line) {
        Ok(request) => handle(accounts, request).await,
        Err(e) => Reply::Error {
            message: format!("bad request: {e}"),
        },
    };
    let mut text = serde_json::to_string(&reply).map_err(std::io::Error::other)?;
    text.push('\n');
    write.write_all(text.as_bytes()).await
}

/// Sends one request to a running daemon; `Ok(None)` when none listens.
pub async fn call(path: &Path, request: &Request) -> std::io::Result<Option<Reply>> {
    let stream = match UnixStream::connect(path).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let (read, mut write) = stream.into_split();
    let mut text = serde_json::to_string(request).map_err(std::io::Error::other)?;
    text.push('\n');
    write.write_all(text.as_bytes()).await?;
    let mut lines = BufReader::new(read).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "the daemon did not answer")
        })??
        .unwrap_or_default();
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}
