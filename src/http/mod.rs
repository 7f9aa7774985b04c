//! The HTTP API (axum): routing, the provider dialects, and the gateway's own endpoints.
//!
//! This module talks to the OTP service, the queue, the accounts and the status board, never
//! to a port or to sled directly. Each provider dialect has its own module and answers every
//! error in its own shape: [`nomado`], [`monsmspro`], [`octopush`]; the gateway's own
//! endpoints live in [`messages`]. [`observe`] wraps every call: request id, span, latency.

// The dialect handlers answer errors as ready-made responses in each provider's own shape;
// `Result<_, Response>` keeps their early returns readable, and the size of the error variant
// does not matter on a path that ends the request either way.
#![allow(clippy::result_large_err)]

mod auth;
mod error;
mod fields;
mod messages;
mod monsmspro;
mod nomado;
mod observe;
mod octopush;
mod openapi;

pub use error::ApiError;

use crate::accounts::Accounts;
use crate::otp::limits::LimitHit;
use crate::otp_service::OtpService;
use crate::queue::Queue;
use crate::status::StatusBoard;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use serde_json::json;

/// Largest request body accepted (bytes); larger ones are refused in each dialect's shape.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub queue: Queue,
    pub board: StatusBoard,
    pub otp: OtpService,
    pub accounts: Accounts,
    pub inbox: crate::inbox::Inbox,
    pub metrics: crate::metrics::Metrics,
}

/// What a route answers to a method it does not serve (HTTP 405, or MonSMSPro's 200), in its
/// dialect's own shape: the method used, then the one the route serves.
type WrongMethod = fn(&Method, &Method) -> Response;

/// One route: the one method it serves (one route per path), its handler, and who answers the
/// other methods.
struct Endpoint {
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState>,
    wrong_method: WrongMethod,
}

fn endpoint<H, T>(
    method: Method,
    path: &'static str,
    wrong_method: WrongMethod,
    handler: H,
) -> Endpoint
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum routes");
    Endpoint {
        method,
        path,
        handler: on(filter, handler),
        wrong_method,
    }
}

/// Every route, once: the router is built from this table, and [`served`] lists it.
fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    let own: WrongMethod = error::method_not_allowed;
    vec![
        endpoint(M::GET, "/healthz", own, healthz),
        endpoint(M::GET, "/readyz", own, readyz),
        endpoint(M::GET, "/metrics", own, metrics),
        endpoint(M::GET, "/v1/inbox", own, inbox),
        endpoint(M::POST, "/v1/messages", own, messages::create),
        endpoint(M::GET, "/v1/messages/{id}", own, messages::get),
        endpoint(M::GET, "/v1/modems", own, modems),
        endpoint(M::GET, "/openapi.json", own, openapi::openapi),
        endpoint(
            M::POST,
            "/2fa/create",
            nomado::create_wrong_method,
            nomado::create,
        ),
        endpoint(
            M::POST,
            "/2fa/verify",
            nomado::verify_wrong_method,
            nomado::verify,
        ),
        endpoint(
            M::POST,
            "/v1/auth/otp/get",
            monsmspro::wrong_method,
            monsmspro::get,
        ),
        endpoint(
            M::POST,
            "/v1/auth/otp/verify",
            monsmspro::wrong_method,
            monsmspro::verify,
        ),
        endpoint(
            M::POST,
            "/v1/public/service/otp/generate",
            octopush::wrong_method,
            octopush::generate,
        ),
        endpoint(
            M::PUT,
            "/v1/public/service/otp/validate",
            octopush::wrong_method,
            octopush::validate,
        ),
    ]
}

/// Every method and path the router serves (a `GET` route answers `HEAD` too), from the same
/// table the router is built from: the OpenAPI test checks the document against it.
pub fn served() -> Vec<(Method, &'static str)> {
    endpoints()
        .into_iter()
        .map(|e| (e.method, e.path))
        .collect()
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for e in endpoints() {
        let (wrong_method, allowed) = (e.wrong_method, e.method);
        // axum adds the `Allow` header to what the fallback answers.
        let refuse = move |method: Method| async move { wrong_method(&method, &allowed) };
        router = router.route(e.path, e.handler.fallback(refuse));
    }
    let metrics = state.metrics.clone();
    router
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            observe::layer,
        ))
        .with_state(state)
}

/// Liveness: the process answers. Also says how many modems can send.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "gateway", responses((status = 200, description = "alive; modem and queue summary")))]
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    let modems = state.board.snapshot();
    let ready = modems.iter().filter(|m| m.state.can_send()).count();
    Json(json!({
        "status": "ok",
        "modems": modems.len(),
        "modems_ready": ready,
        "queue_depth": state.queue.depth(),
    }))
}

/// Readiness: 200 while at least one modem can send, 503 otherwise (for load balancers and
/// systemd-style checks).
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "gateway", responses((status = 200, description = "a modem can send"), (status = 503, description = "no modem can send")))]
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    let modems = state.board.snapshot();
    let ready: Vec<&str> = modems
        .iter()
        .filter(|m| m.state.can_send())
        .map(|m| m.id.as_str())
        .collect();
    let status = if ready.is_empty() {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    };
    (
        status,
        Json(json!({"ready": !ready.is_empty(), "modems_ready": ready})),
    )
}

/// The metrics in the Prometheus text format. Unauthenticated like `/healthz`: it carries no
/// secret, no phone number and no code (see [`crate::metrics`]).
#[utoipa::path(get, path = "/metrics", operation_id = "metrics", tag = "gateway", responses((status = 200, description = "Prometheus (OpenMetrics) text exposition: no secrets, no numbers, no codes", body = String, content_type = "application/openmetrics-text"), (status = 500, description = "internal error", body = openapi::GatewayError)))]
async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Response, ApiError> {
    let text = state
        .metrics
        .render()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering the metrics: {e}")))?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        text,
    )
        .into_response())
}

#[utoipa::path(get, path = "/v1/modems", operation_id = "modems_list", security(("basic" = []), ("api-login" = [], "api-key" = [])), tag = "gateway", responses((status = 200, description = "per-modem state"), (status = 401, description = "wrong or missing credentials", body = openapi::GatewayError)))]
async fn modems(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Vec<crate::status::ModemStatus>>, ApiError> {
    auth::any(&state.accounts, &headers).ok_or(ApiError::Unauthorized)?;
    let mut modems = state.board.snapshot();
    for m in &mut modems {
        m.queue_depth = state.queue.ready_for(&m.wants);
    }
    Ok(Json(modems))
}

/// Query of `GET /v1/inbox`.
#[derive(serde::Deserialize)]
struct InboxQuery {
    limit: Option<usize>,
}

/// Received SMS, newest first (replies such as STOP included), with the modem that got each.
#[utoipa::path(get, path = "/v1/inbox", operation_id = "inbox_list", security(("basic" = []), ("api-login" = [], "api-key" = [])), tag = "gateway", params(("limit" = Option<usize>, Query, description = "at most this many (default 100, max 1000)")),
    responses((status = 200, description = "received SMS, newest first"), (status = 400, description = "limit is not a number", body = openapi::GatewayError),
        (status = 401, description = "wrong or missing credentials", body = openapi::GatewayError), (status = 500, description = "internal error", body = openapi::GatewayError)))]
async fn inbox(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    query: Result<axum::extract::Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<crate::inbox::InboxMessage>>, ApiError> {
    auth::any(&state.accounts, &headers).ok_or(ApiError::Unauthorized)?;
    let query = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    state
        .inbox
        .list(limit)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.into()))
}

/// A refused method in words, for the dialects' 405 bodies.
fn wrong_method_message(used: &Method, allowed: &Method) -> String {
    ApiError::MethodNotAllowed {
        used: used.clone(),
        allowed: allowed.clone(),
    }
    .to_string()
}

/// A rate-limit refusal in words.
fn limit_message(hit: &LimitHit) -> String {
    match hit {
        LimitHit::Cooldown { retry_after_ms } => format!(
            "a code was just sent to this number: wait {} s before asking again",
            retry_after_ms.div_ceil(1000)
        ),
        LimitHit::HourlyCap { retry_after_ms } => format!(
            "too many codes sent to this number this hour: retry in {} s",
            retry_after_ms.div_ceil(1000)
        ),
        LimitHit::AccountRate { retry_after_ms } => format!(
            "too many requests for this account: retry in {} ms",
            retry_after_ms
        ),
        LimitHit::CountryNotAllowed { country_code } => {
            format!("numbers of country +{country_code} are not allowed on this gateway")
        }
    }
}

/// Adds `Retry-After` (seconds) to a 429.
fn retry_after(response: &mut Response, hit: &LimitHit) {
    let ms = match hit {
        LimitHit::Cooldown { retry_after_ms }
        | LimitHit::HourlyCap { retry_after_ms }
        | LimitHit::AccountRate { retry_after_ms } => *retry_after_ms,
        LimitHit::CountryNotAllowed { .. } => return,
    };
    if let Ok(v) = ms.div_ceil(1000).max(1).to_string().parse() {
        response.headers_mut().insert("retry-after", v);
    }
}
