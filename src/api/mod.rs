//! api: the HTTP API (`sohoa serve`) for stations, officers and archivists.
//!
//! Every route but `/healthz`, `/metrics` and `/v1/openapi.json` needs a
//! bearer token ([`auth`]). A route first resolves the caller (401 if the
//! token is missing, unknown or revoked), then [`Caller::authorize`]s the
//! action: the role and unit must cover it (403 otherwise), and the access,
//! allowed or refused, is appended to the [`access_log`] before any data is
//! returned. No trace, no data: if the entry cannot be written, the request
//! fails with 503.
//!
//! The server keeps no state of its own beyond running audits' progress:
//! tokens, batch status, records, audit reports and the access log are all
//! in the store, so several instances can serve one store.
//!
//! The OpenAPI 3.1 document is generated from the handlers ([`doc`]) and
//! kept as `schemas/openapi.json`.

pub(crate) mod amend;
pub(crate) mod audits;
mod batches;
pub(crate) mod cases;
mod doc;
pub(crate) mod download;
mod error;
pub(crate) mod search;
mod tokens;

pub use error::ApiError;

use crate::auth::{self, Permission, TokenRecord};
use crate::catalog::access_log;
use crate::metrics::{IntCounter, IntGauge};
use crate::queue::Topology;
use crate::store::Store;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Request headers larger than this in total are refused with 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long to wait for the broker (connect, publish and confirm).
pub const AMQP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// JSON request bodies larger than this are refused with 413.
pub const MAX_JSON_BODY: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// Largest upload (all files of one batch, with multipart framing).
    pub max_upload_bytes: usize,
    /// Most files in one upload.
    pub max_files: usize,
    /// Uploads checked and stored at once (each is held in memory while
    /// it is); more wait their turn, already received on disk.
    pub max_concurrent_uploads: usize,
    /// The longest an upload's body may take to arrive, all of it.
    pub upload_timeout: std::time::Duration,
    /// Where upload bodies are written while they arrive (default: the
    /// system's temporary directory); each upload's files are removed
    /// once it is answered.
    pub upload_spool: Option<std::path::PathBuf>,
    /// RabbitMQ URL; without it uploads are refused with 503.
    pub amqp: Option<String>,
    /// The queue uploads go to, declared as the workers declare it.
    pub topology: Topology,
    /// What an upload's files may cost to read.
    pub limits: crate::ingest::Limits,
    /// The web page's own origin as browsers see it (e.g.
    /// `https://sohoa.example.gov.vn`): a form sent with this `Origin` is
    /// taken as the page's own. Without it, only browsers that send
    /// `Sec-Fetch-Site: same-origin` can post forms. An `https://` origin
    /// also marks the session cookie `Secure`.
    pub public_origin: Option<String>,
    /// How long a web session lasts after sign-in.
    pub session_ttl: std::time::Duration,
    /// What audits check the store's transparency log against.
    pub anchors: crate::anchor::Anchors,
    /// The agency's signing key (and TSA): the PDFs an officer's
    /// re-arrangement makes are signed with it (`sohoa serve --sign-key`).
    pub signing: Option<crate::sign::Agency>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_upload_bytes: 256 << 20,
            max_files: 500,
            max_concurrent_uploads: 4,
            upload_timeout: std::time::Duration::from_secs(600),
            upload_spool: None,
            amqp: None,
            topology: Topology::default(),
            limits: crate::ingest::Limits::default(),
            public_origin: None,
            session_ttl: crate::web::session::DEFAULT_TTL,
            anchors: crate::anchor::Anchors::default(),
            signing: None,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Config,
    /// The search index (`--index`); without it searches answer 503.
    pub index: Option<Arc<crate::index::Index>>,
    amqp: tokio::sync::Mutex<Option<Arc<lapin::Connection>>>,
    /// Uploads being checked or stored at once (each is held in memory
    /// then); an upload still arriving holds no slot.
    uploads: tokio::sync::Semaphore,
    audits: audits::Running,
    metrics: Metrics,
    /// When each client address last had a 401 written to the access log.
    unauthenticated: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// A client address gets at most one access-log entry for its 401s in this
/// long (the rest are counted in `sohoa_api_unauthenticated_total`), so
/// that requests without a valid token cannot fill the store.
const UNAUTHENTICATED_LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Arc<AppState> {
        AppState::with_index(store, config, None)
    }

    /// As [`AppState::new`], with a search index.
    pub fn with_index(
        store: Arc<dyn Store>,
        config: Config,
        index: Option<Arc<crate::index::Index>>,
    ) -> Arc<AppState> {
        Arc::new(AppState {
            store,
            index,
            uploads: tokio::sync::Semaphore::new(config.max_concurrent_uploads.max(1)),
            config,
            amqp: tokio::sync::Mutex::new(None),
            audits: audits::Running::default(),
            metrics: Metrics::default(),
            unauthenticated: Default::default(),
        })
    }

    /// Should this address's 401 go into the access log now (none for it
    /// in the last [`UNAUTHENTICATED_LOG_EVERY`])?
    fn log_unauthenticated_now(&self, from: &str) -> bool {
        let now = std::time::Instant::now();
        let mut last = self
            .unauthenticated
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if last.len() > 10_000 {
            last.retain(|_, at| now.duration_since(*at) < UNAUTHENTICATED_LOG_EVERY);
        }
        match last.get(from) {
            Some(at) if now.duration_since(*at) < UNAUTHENTICATED_LOG_EVERY => false,
            _ => {
                last.insert(from.to_string(), now);
                true
            }
        }
    }

    /// The broker connection, opened on first use and reopened after a
    /// failure. The lock is held only to look at it, never while publishing.
    async fn amqp(&self) -> Result<Arc<lapin::Connection>, ApiError> {
        let Some(url) = &self.config.amqp else {
            return Err(ApiError::unavailable(
                "this server was started without --amqp, so it cannot queue batches",
            ));
        };
        let mut conn = self.amqp.lock().await;
        if let Some(c) = conn.as_ref().filter(|c| c.status().connected()) {
            return Ok(c.clone());
        }
        let unreachable = |e: &dyn std::fmt::Display| {
            let reference = random_hex(6);
            tracing::error!(reference = %reference, "RabbitMQ: {e}");
            ApiError::unavailable(format!(
                "the queue is unreachable; try again later (reference {reference})"
            ))
        };
        let c = tokio::time::timeout(AMQP_TIMEOUT, crate::queue::connect(url))
            .await
            .map_err(|e| unreachable(&e))?
            .map_err(|e| unreachable(&e))?;
        let c = Arc::new(c);
        *conn = Some(c.clone());
        Ok(c)
    }

    /// Forget the broker connection: the next upload reconnects.
    async fn amqp_failed(&self) {
        *self.amqp.lock().await = None;
    }
}

pub(crate) use crate::ids::random_hex;

/// The API's metrics (`/metrics`).
struct Metrics {
    registry: crate::metrics::Metrics,
    requests: IntCounter,
    status_2xx: IntCounter,
    status_4xx: IntCounter,
    status_5xx: IntCounter,
    refused: IntCounter,
    unauthenticated: IntCounter,
    downloads: IntCounter,
    download_bytes: IntCounter,
    integrity_failures: IntCounter,
    uploads: IntCounter,
    upload_bytes: IntCounter,
    audits_started: IntCounter,
    audits_running: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let r = crate::metrics::Metrics::default();
        Metrics {
            requests: r.count("sohoa_api_requests_total", "HTTP requests served."),
            status_2xx: r.count(
                "sohoa_api_responses_2xx_total",
                "Responses with a 2xx status.",
            ),
            status_4xx: r.count(
                "sohoa_api_responses_4xx_total",
                "Responses with a 4xx status.",
            ),
            status_5xx: r.count(
                "sohoa_api_responses_5xx_total",
                "Responses with a 5xx status.",
            ),
            refused: r.count(
                "sohoa_api_refused_total",
                "Requests refused for role or unit (403).",
            ),
            unauthenticated: r.count(
                "sohoa_api_unauthenticated_total",
                "Requests refused for want of a valid token (401).",
            ),
            downloads: r.count("sohoa_api_downloads_total", "Documents streamed."),
            download_bytes: r.count(
                "sohoa_api_download_bytes_total",
                "Bytes of documents streamed.",
            ),
            integrity_failures: r.count(
                "sohoa_api_integrity_failures_total",
                "Downloads aborted because the stored object did not match its recorded SHA-256.",
            ),
            uploads: r.count("sohoa_api_uploads_total", "Batches uploaded and queued."),
            upload_bytes: r.count("sohoa_api_upload_bytes_total", "Bytes of files uploaded."),
            audits_started: r.count("sohoa_api_audits_started_total", "Fixity audits started."),
            audits_running: r.gauge(
                "sohoa_api_audits_running",
                "Fixity audits running on this instance.",
            ),
            registry: r,
        }
    }
}

impl Metrics {
    fn render(&self, running_audits: usize) -> String {
        self.audits_running.set(running_audits as i64);
        self.registry.render()
    }
}

/// The authenticated caller of a request.
#[derive(Clone)]
pub struct Caller {
    pub token: TokenRecord,
    from: String,
    forwarded_for: Option<String>,
    method: String,
    path: String,
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Caller, ApiError> {
        let caller = Caller::resolve(parts, state).await;
        if let Err(e) = &caller
            && e.status == StatusCode::UNAUTHORIZED
        {
            log_unauthenticated(parts, state, &e.message).await;
        }
        caller
    }
}

/// A 401 into the access log (at most one per client address a minute;
/// every one counted). The token itself is never written.
pub(crate) async fn log_unauthenticated(parts: &Parts, state: &AppState, reason: &str) {
    state.metrics.unauthenticated.inc();
    let (from, forwarded_for) = client(parts);
    if !state.log_unauthenticated_now(&from) {
        return;
    }
    let entry = access_log::Entry {
        at: crate::clock::now_rfc3339(),
        who: "(no valid token)".into(),
        role: String::new(),
        unit: None,
        action: "authenticate".into(),
        outcome: "unauthenticated".into(),
        method: parts.method.to_string(),
        path: parts.uri.path().chars().take(500).collect(),
        case_code: None,
        target: None,
        from,
        forwarded_for,
        detail: Some(format!(
            "{reason} (further 401s from this address within {} s are counted, not logged)",
            UNAUTHENTICATED_LOG_EVERY.as_secs()
        )),
    };
    if let Err(e) = access_log::append(state.store.as_ref(), &entry).await {
        tracing::warn!("could not log a 401 in the access log: {e}");
    }
}

/// The client's address as the server saw it, and `X-Forwarded-For` as sent.
fn client(parts: &Parts) -> (String, Option<String>) {
    let from = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let forwarded_for = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect());
    (from, forwarded_for)
}

impl Caller {
    async fn resolve(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("send the token as 'Authorization: Bearer <token>'")
        })?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
            })?;
        let token = auth::lookup(state.store.as_ref(), secret)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))?;
        Ok(Caller::with_token(parts, token))
    }

    /// The caller of this request holding `token`, however it was proven
    /// (a bearer header here, a web session in [`crate::web`]).
    pub(crate) fn with_token(parts: &Parts, token: TokenRecord) -> Caller {
        let (from, forwarded_for) = client(parts);
        Caller {
            token,
            from,
            forwarded_for,
            method: parts.method.to_string(),
            path: parts.uri.path().chars().take(500).collect(),
        }
    }
}

/// What an access touches, for the access log.
#[derive(Default)]
pub struct Target<'a> {
    pub case_code: Option<&'a str>,
    pub target: Option<&'a str>,
}

impl Caller {
    fn entry(
        &self,
        action: &str,
        outcome: &str,
        t: &Target,
        detail: Option<String>,
    ) -> access_log::Entry {
        access_log::Entry {
            at: crate::clock::now_rfc3339(),
            who: self.token.name.clone(),
            role: self.token.role.as_str().into(),
            unit: self.token.unit.clone(),
            action: action.into(),
            outcome: outcome.into(),
            method: self.method.clone(),
            path: self.path.clone(),
            case_code: t.case_code.map(str::to_string),
            target: t.target.map(str::to_string),
            from: self.from.clone(),
            forwarded_for: self.forwarded_for.clone(),
            detail,
        }
    }

    /// Check that the caller's role allows `permission` and its unit covers
    /// the case (a unit-scoped token may not act on no case at all when
    /// `needs_case` is set), and log the access either way.
    pub async fn authorize(
        &self,
        state: &AppState,
        permission: Permission,
        action: &str,
        target: Target<'_>,
        needs_case: bool,
    ) -> Result<(), ApiError> {
        let refusal = if !self.token.role.allows(permission) {
            Some(format!(
                "the {} role may not do this",
                self.token.role.as_str()
            ))
        } else if let Some(unit) = &self.token.unit {
            match target.case_code {
                Some(c) if !self.token.covers(c) => {
                    Some(format!("this token covers only cases of unit {unit}"))
                }
                None if needs_case => Some(format!(
                    "this token covers only cases of unit {unit}; name a case"
                )),
                _ => None,
            }
        } else {
            None
        };
        let outcome = if refusal.is_some() {
            "refused"
        } else {
            "allowed"
        };
        self.log(state, action, outcome, &target, refusal.clone())
            .await?;
        match refusal {
            Some(why) => {
                state.metrics.refused.inc();
                Err(ApiError::forbidden(why))
            }
            None => Ok(()),
        }
    }

    /// Refuse (and log) a caller whose role can never do this, before its
    /// request is read any further.
    pub async fn refuse_role(
        &self,
        state: &AppState,
        permission: Permission,
        action: &str,
    ) -> Result<(), ApiError> {
        if self.token.role.allows(permission) {
            return Ok(());
        }
        self.authorize(state, permission, action, Target::default(), false)
            .await
    }

    /// Append an access-log entry; an entry that cannot be written stops the request.
    pub async fn log(
        &self,
        state: &AppState,
        action: &str,
        outcome: &str,
        target: &Target<'_>,
        detail: Option<String>,
    ) -> Result<(), ApiError> {
        let entry = self.entry(action, outcome, target, detail);
        access_log::append(state.store.as_ref(), &entry)
            .await
            .map_err(|e| {
                tracing::error!("cannot write the access log: {e}");
                ApiError::unavailable(
                    "the access log cannot be written, so no data is served; try again later",
                )
            })?;
        Ok(())
    }
}

/// The OpenAPI document, as served at `/v1/openapi.json` ([`doc`]).
pub fn openapi_document() -> &'static str {
    doc::document()
}

/// Every route with its documentation: a handler is served and documented
/// by the same line. `upload_limit` bounds `POST /v1/batches`.
fn routes(upload_limit: usize) -> OpenApiRouter<Arc<AppState>> {
    let (schemas, paths, upload) = routes!(batches::upload);
    let upload = (
        schemas,
        paths,
        upload.layer(DefaultBodyLimit::max(upload_limit)),
    );
    OpenApiRouter::with_openapi(doc::Head::openapi())
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
        .routes(upload)
        .routes(routes!(batches::status))
        .routes(routes!(cases::case))
        .routes(routes!(cases::document))
        .routes(routes!(cases::pdf))
        .routes(routes!(cases::text))
        .routes(routes!(cases::proof))
        .routes(routes!(amend::amend))
        .routes(routes!(amend::history))
        .routes(routes!(amend::review))
        .routes(routes!(search::search))
        .routes(routes!(audits::start))
        .routes(routes!(audits::get))
        .routes(routes!(tokens::list, tokens::add))
        .routes(routes!(tokens::revoke))
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    let (router, _) = routes(state.config.max_upload_bytes).split_for_parts();
    router
        .merge(crate::web::router(state.clone()))
        .fallback(|| async { ApiError::not_found("no such route; see /v1/openapi.json") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        // A span per request (method, path, status, latency at
        // SOHOA_LOG=tower_http=debug), with the bearer token kept out of it.
        // Failures are logged by the handlers with their cause, not again here.
        .layer(
            tower_http::trace::TraceLayer::new_for_http().on_failure(
                tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
            ),
        )
        .layer(
            tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
            ]),
        )
        .with_state(state)
}

/// Bound the headers and count the responses.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    state.metrics.requests.inc();
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + req.uri().to_string().len();
    let resp = if header_bytes > MAX_HEADER_BYTES {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("request line and headers exceed {MAX_HEADER_BYTES} bytes"),
        )
        .into_response()
    } else {
        next.run(req).await
    };
    let class = match resp.status().as_u16() {
        200..=299 => &state.metrics.status_2xx,
        400..=499 => &state.metrics.status_4xx,
        500..=599 => &state.metrics.status_5xx,
        _ => return resp,
    };
    class.inc();
    resp
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health",
    tag = "service",
    summary = "Liveness and store reachability",
    description = "No token needed. Plain text, not JSON.",
    responses(
        (status = 200, description = "The server is up and the store answers.", body = String, content_type = "text/plain", example = "ok\n"),
        (status = 503, description = "The store does not answer.", body = String, content_type = "text/plain", example = "store unreachable\n"),
    )
)]
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.exists(crate::keys::HEALTH_PROBE).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!("health check: store: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response()
        }
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "service",
    summary = "Prometheus metrics",
    description = "No token needed. Prometheus text exposition (`text/plain; version=0.0.4`) of this instance's counters: `sohoa_api_requests_total`, `sohoa_api_responses_{2xx,4xx,5xx}_total`, `sohoa_api_refused_total`, `sohoa_api_downloads_total`, `sohoa_api_download_bytes_total`, `sohoa_api_integrity_failures_total`, `sohoa_api_uploads_total`, `sohoa_api_upload_bytes_total`, `sohoa_api_audits_started_total`, and the gauge `sohoa_api_audits_running`.",
    responses(
        (status = 200, description = "The metrics.", body = String, content_type = "text/plain"),
    )
)]
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = state.metrics.render(state.audits.count());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], body).into_response()
}

#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "getOpenApi",
    tag = "service",
    summary = "This document",
    description = "No token needed.",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = Object, content_type = "application/json"),
    )
)]
async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc::document(),
    )
        .into_response()
}

/// Whether the client asked for this media type (a plain substring check of
/// `Accept` is enough for the three types the API serves).
fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim().starts_with(media)))
}

/// Serve the API until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Without TCP_NODELAY a streamed response's first chunk can wait for the
    // client's delayed ACK (40 ms on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
