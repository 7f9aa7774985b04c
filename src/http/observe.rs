//! What wraps every API call: its request id, the tracing span its logs carry, and its
//! latency in the metrics.
//!
//! The request id is the caller's `X-Request-Id` when it is sane (1 to 64 characters of
//! `A-Z a-z 0-9 . _ -`), else a random one. It is answered in `x-request-id`, set on a
//! `request` span around the handler, written back into the request's own `x-request-id`
//! header (handlers read it there with [`of`]) and stored with a queued message, so the modem
//! worker's logs about that message carry it too.

use crate::metrics::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

/// The request and response header.
pub const HEADER: &str = "x-request-id";

/// The longest request id taken from a caller.
const MAX_LEN: usize = 64;

/// Whether a caller's id is taken as it is.
fn sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A fresh id: 16 random bytes in hex.
fn generate() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The request id of a request that went through [`layer`].
pub fn of(headers: &HeaderMap) -> Option<String> {
    let id = headers.get(HEADER)?.to_str().ok()?;
    sane(id).then(|| id.to_string())
}

/// A method as a label: the standard ones by name, anything else as `other` (a client may
/// send any token; labels must stay few).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn layer(State(metrics): State<Metrics>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = of(req.headers()).unwrap_or_else(generate);
    // Only sane characters: always a valid header value.
    let value = HeaderValue::from_str(&id).ok();
    if let Some(v) = &value {
        req.headers_mut().insert(HEADER, v.clone());
    }
    // The template, never the raw path: ids in paths would make a series per message.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = method_label(req.method());
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::debug!(
            status,
            elapsed_us = start.elapsed().as_micros() as u64,
            "answered"
        )
    });
    metrics.observe_http(&route, method, status, start.elapsed());
    if let Some(v) = value {
        response.headers_mut().insert(HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_id_is_kept_anything_else_replaced() {
        for ok in ["a", "req-42", "A.b_c-9", &"x".repeat(64)] {
            assert!(sane(ok), "{ok:?}");
        }
        for bad in ["", "has space", "é", "a/b", "a\"b", &"x".repeat(65), "a\nb"] {
            assert!(!sane(bad), "{bad:?}");
        }
        let id = generate();
        assert_eq!(id.len(), 32);
        assert!(sane(&id));
        assert_ne!(id, generate());
    }

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        assert_eq!(method_label(&Method::PUT), "PUT");
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "other");
    }
}
