//! The API's listener: accepts TCP connections, speaks TLS on them when `[tls]` is configured,
//! serves each with hyper's HTTP/1 server, and stops within a bound.
//!
//! A small accept loop of our own rather than `axum::serve` (no TLS) or axum-server: every
//! bound is visible here and ours to pick. Each connection is its own task, so a slow or
//! silent client holds only its own: the TLS handshake has [`HANDSHAKE_TIMEOUT`], the request
//! head [`HEADER_READ_TIMEOUT`], and the rest of the request (reading its body, the handler)
//! [`REQUEST_TIMEOUT`], after which it is answered 408 and the connection closed. At most
//! [`MAX_CONNECTIONS`] connections are open at once; at the cap the loop stops accepting
//! (new clients wait in the kernel's backlog) until one closes, so a crowd of slow clients
//! cannot use up the daemon's file descriptors. A failed handshake (a port scan, plain HTTP
//! sent to the TLS port, an untrusted certificate) is the client's problem and is logged at
//! debug. Writing an answer to a client that does not read it has no bound of its own
//! (answers are small enough for the socket's buffer). On
//! shutdown the listener closes at once, idle keep-alive connections are closed, requests in
//! flight get [`DRAIN`] to finish, and whatever is left is dropped: `axum::serve`'s graceful
//! shutdown would wait for them without limit.

pub mod tls;

use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Time a client has to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to send a request's head once it started one (or after connecting).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time a request gets, once its head is in, to send its body and be answered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections open at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 512;
/// Time requests in flight get to finish once shutdown began.
pub const DRAIN: Duration = Duration::from_secs(5);

/// Test hook: [`REQUEST_TIMEOUT`] in milliseconds, so that an integration test can see a slow
/// body cut off in a second rather than 30. Not a setting: undocumented for operators.
const TEST_REQUEST_TIMEOUT_ENV: &str = "OTPGATE_TEST_REQUEST_TIMEOUT_MS";

/// The listener's per-request and connection-count bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: REQUEST_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// The defaults, with the request timeout from `OTPGATE_TEST_REQUEST_TIMEOUT_MS` when
    /// that holds a positive number (tests only).
    pub fn from_env() -> Self {
        let mut limits = Self::default();
        if let Some(ms) = std::env::var(TEST_REQUEST_TIMEOUT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&ms| ms > 0)
        {
            limits.request_timeout = Duration::from_millis(ms);
        }
        limits
    }
}

/// True when `addr` is reachable from other machines and the API would cross the network
/// in clear: it carries API keys in headers and, in Nomado's answers, the codes themselves.
pub fn exposed_in_clear(addr: SocketAddr, tls: bool) -> bool {
    !tls && !addr.ip().is_loopback()
}

/// Serves `app` on `listener` (HTTPS with `tls`) within `limits` until `shutdown` resolves,
/// then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<ServerConfig>>,
    limits: Limits,
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
    // One permit per open connection, held by its task: at the cap, accept waits.
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut slot: Option<OwnedSemaphorePermit> = None;
    let mut warned_full = false;
    tokio::pin!(shutdown);
    loop {
        if slot.is_none() {
            slot = slots.clone().try_acquire_owned().ok();
            if slot.is_none() && !warned_full {
                warned_full = true;
                tracing::warn!(
                    max = limits.max_connections,
                    "HTTP connection limit reached: new connections wait until one closes \
                     (logged once)"
                );
            }
        }
        tokio::select! {
            () = &mut shutdown => break,
            Some(joined) = conns.join_next(), if !conns.is_empty() => {
                if let Err(e) = joined {
                    if e.is_panic() {
                        tracing::error!(error = %e, "an HTTP connection task panicked");
                    }
                }
            }
            // The semaphore is never closed, so this yields a permit.
            freed = slots.clone().acquire_owned(), if slot.is_none() => slot = freed.ok(),
            accepted = listener.accept(), if slot.is_some() => match accepted {
                Ok((tcp, peer)) => {
                    // Answers go out at once: the API is request/response over keep-alive
                    // connections, where Nagle's algorithm meeting the client's delayed ACK
                    // can hold an answer for 40 ms.
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                    }
                    let (app, stop) = (app.clone(), stop.clone());
                    let task = connection(tcp, peer, acceptor.clone(), app, limits, stop);
                    let permit = slot.take();
                    conns.spawn(async move {
                        task.await;
                        drop(permit);
                    });
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

/// 408 for a request that took too long; the connection closes after it (its body may be
/// half read).
fn timed_out() -> Response<axum::body::Body> {
    let mut answer = Response::new(axum::body::Body::from("request timeout\n"));
    *answer.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let headers = answer.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
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
    limits: Limits,
    stop: CancellationToken,
) {
    let Some(acceptor) = tls else {
        return http(TokioIo::new(tcp), peer, app, limits, stop).await;
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
    http(TokioIo::new(stream), peer, app, limits, stop).await
}

async fn http<I>(io: I, peer: SocketAddr, app: Router, limits: Limits, stop: CancellationToken)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let app = TowerToHyperService::new(app);
    let limit = limits.request_timeout;
    // The handler future reads the body (axum's extractors), so this bounds a slow or
    // stalled body as well as the handler.
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let answer = app.call(req);
        async move {
            match tokio::time::timeout(limit, answer).await {
                Ok(answered) => answered,
                Err(_) => {
                    tracing::debug!(%peer, "request not complete within {limit:?}: 408");
                    Ok(timed_out())
                }
            }
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, service);
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
        let server = tokio::spawn(serve(listener, app, None, Limits::default(), async {
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

    fn limits(request_timeout: Duration, max_connections: usize) -> Limits {
        Limits {
            request_timeout,
            max_connections,
        }
    }

    async fn start(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/x", axum::routing::get(|| async { "ok" }))
            .route(
                "/echo",
                axum::routing::post(|body: String| async move { body }),
            );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, app, None, limits, async {
            let _ = rx.await;
        }));
        (addr, tx)
    }

    async fn get_x(addr: SocketAddr) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).await.unwrap();
        answer
    }

    /// A body that stalls is cut off with a 408 and the connection closed; others are served.
    #[tokio::test]
    async fn a_stalled_body_is_answered_408_and_closed() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (addr, _stop) = start(limits(Duration::from_millis(300), 512)).await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{")
            .await
            .unwrap();
        let other = tokio::time::timeout(Duration::from_secs(10), get_x(addr))
            .await
            .unwrap();
        assert!(other.starts_with("HTTP/1.1 200"), "{other}");
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(10), slow.read_to_string(&mut answer))
            .await
            .expect("the server closes the stalled connection")
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    /// At the cap, a new connection waits until an open one closes, then is served.
    #[tokio::test]
    async fn connections_beyond_the_cap_wait_for_a_free_slot() {
        let (addr, _stop) = start(limits(REQUEST_TIMEOUT, 1)).await;
        let holder = TcpStream::connect(addr).await.unwrap();
        let waiting = tokio::spawn(get_x(addr));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "served beyond the cap");
        drop(holder);
        let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("served once a slot is free")
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
