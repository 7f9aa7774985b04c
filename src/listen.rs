//! The API's listener: accepts TCP connections, speaks TLS on them when `[tls]` is configured,
//! serves each with hyper's HTTP/1 server, and stops within a bound.
//!
//! A small accept loop of our own rather than `axum::serve` (no TLS) or axum-server: every
//! bound is visible here and ours to pick. Each connection is its own task, so a slow or
//! silent client holds only its own: the TLS handshake has [`HANDSHAKE_TIMEOUT`], the request
//! head [`HEADER_READ_TIMEOUT`]. A failed handshake (a port scan, plain HTTP sent to the TLS
//! port, an untrusted certificate) is the client's problem and is logged at debug. On
//! shutdown the listener closes at once, idle keep-alive connections are closed, requests in
//! flight get [`DRAIN`] to finish, and whatever is left is dropped: `axum::serve`'s graceful
//! shutdown would wait for them without limit.

pub mod tls;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Time a client has to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to send a request's head once it started one (or after connecting).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time requests in flight get to finish once shutdown began.
pub const DRAIN: Duration = Duration::from_secs(5);

/// True when `addr` is reachable from other machines and the API would cross the network
/// in clear: it carries API keys in headers and, in Nomado's answers, the codes themselves.
pub fn exposed_in_clear(addr: SocketAddr, tls: bool) -> bool {
    !tls && !addr.ip().is_loopback()
}

/// Serves `app` on `listener` (HTTPS with `tls`) until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<ServerConfig>>,
    shutdown: impl Future<Output = ()>,
) {
    if let Ok(addr) = listener.local_addr() {
        if exposed_in_clear(addr, tls.is_some()) {
            tracing::warn!(
                "listening on {addr} without TLS: API keys and OTP codes cross the network in \
                 clear; configure [tls], or listen on 127.0.0.1 behind a TLS reverse proxy"
            );
        }
    }
    let acceptor = tls.map(TlsAcceptor::from);
    let stop = CancellationToken::new();
    let mut conns = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(joined) = conns.join_next(), if !conns.is_empty() => {
                if let Err(e) = joined {
                    if e.is_panic() {
                        tracing::error!(error = %e, "an HTTP connection task panicked");
                    }
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    // Answers go out at once: the API is request/response over keep-alive
                    // connections, where Nagle's algorithm meeting the client's delayed ACK
                    // can hold an answer for 40 ms.
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                    }
                    conns.spawn(connection(tcp, peer, acceptor.clone(), app.clone(), stop.clone()));
                }
                // The peer gave up before we took it: nothing to do.
                Err(e) if is_connection_error(&e) => {}
                // Out of file descriptors and the like: wait rather than spin.
                Err(e) => {
                    tracing::error!(error = %e, "cannot accept a connection; retrying in 1 s");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }
    drop(listener);
    stop.cancel();
    let drained = tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} })
        .await
        .is_ok();
    if !drained {
        tracing::warn!(
            open = conns.len(),
            "HTTP connections still busy {DRAIN:?} after shutdown began: closing them"
        );
        conns.shutdown().await;
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// One connection: the TLS handshake if any, then HTTP until the client leaves or `stop`.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
    stop: CancellationToken,
) {
    let Some(acceptor) = tls else {
        return http(TokioIo::new(tcp), peer, app, stop).await;
    };
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let stream = tokio::select! {
        () = stop.cancelled() => return,
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "no TLS handshake within {HANDSHAKE_TIMEOUT:?}");
                return;
            }
        },
    };
    http(TokioIo::new(stream), peer, app, stop).await
}

async fn http<I>(io: I, peer: SocketAddr, app: Router, stop: CancellationToken)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, TowerToHyperService::new(app));
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        () = stop.cancelled() => {
            // Closes an idle connection now, a busy one after its answer.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_may_go_without_tls() {
        for (addr, tls, exposed) in [
            ("127.0.0.1:8080", false, false),
            ("[::1]:8080", false, false),
            ("0.0.0.0:8080", false, true),
            ("[::]:8080", false, true),
            ("192.168.1.10:443", false, true),
            ("192.168.1.10:443", true, false),
        ] {
            let addr: SocketAddr = addr.parse().unwrap();
            assert_eq!(exposed_in_clear(addr, tls), exposed, "{addr} tls={tls}");
        }
    }

    /// A silent client must not hold up others, and shutdown must not wait for it.
    #[tokio::test]
    async fn a_silent_client_blocks_neither_others_nor_shutdown() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/x", axum::routing::get(|| async { "ok" }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, None, async {
            let _ = rx.await;
        }));
        let _silent = TcpStream::connect(addr).await.unwrap();
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut answer))
            .await
            .unwrap()
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
        tx.send(()).unwrap();
        // Shutdown is bounded: the silent connection cannot hold it past DRAIN.
        tokio::time::timeout(DRAIN + Duration::from_secs(10), server)
            .await
            .unwrap()
            .unwrap();
    }
}
