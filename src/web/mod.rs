//! web: the officers' and archivists' page, served by `sohoa serve` beside
//! the API: server-rendered HTML (maud, which escapes every value put in a
//! page), Vietnamese with an English switch, no script at all.
//!
//! | route | page |
//! |---|---|
//! | `GET /` | signed out: sign in; signed in: search ([`search`]) |
//! | `POST /sign-in`, `POST /sign-out` | a session from an API token, and its end ([`sign_in`], [`session`]) |
//! | `GET /cases/{code}` | a case: batches and documents ([`case`]) |
//! | `GET /cases/{code}/documents/{id}` | a document: its PDF beside its text |
//! | `GET /cases/{code}/documents/{id}/pdf` | the PDF, the API's hash-checked stream (`?download=1` to save it) |
//! | `GET /review` | the review queue: flagged or under a confidence, oldest first ([`review`]) |
//! | `POST /cases/{code}/documents/{id}/amendments` | a review form of the document's page: confirm, correct, pages, re-attach |
//! | `GET /fixity`, `POST /fixity/audits`, `GET /fixity/audits/{id}` | audits: last per case and store, start one, a report ([`fixity`]) |
//! | `GET /access-log` | who read what, filtered ([`access_log`]) |
//! | `GET /lang/{vi,en}` | the language switch ([`lang`]) |
//! | `GET /static/style.css` | the one style sheet |
//!
//! Invariants:
//! - **The API's rules, not a copy.** A page resolves its caller from the
//!   session to the same [`Caller`] as a bearer token, and authorises and
//!   logs through [`Caller::authorize`], searches through
//!   `api::search::logged`, streams through `api::cases::stream`, starts
//!   audits through `api::audits::begin`, reads the review queue through
//!   `api::amend::logged_queue` and amends through `api::amend::made`:
//!   roles, unit scoping, checks and the access log are the API's.
//! - **No cross-site writes.** Every unsafe method is refused unless the
//!   browser vouches for this origin ([`origin`]).
//! - **No script runs.** Every HTML answer carries a Content-Security-Policy
//!   without any script source ([`CSP`]), and every value is escaped.

pub mod access_log;
pub mod case;
pub mod fixity;
pub mod lang;
pub mod layout;
pub mod origin;
pub mod review;
pub mod search;
pub mod session;
pub mod sign_in;

use crate::api::{ApiError, AppState, Caller};
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use lang::Lang;
use std::sync::Arc;

/// The policy of every HTML answer: nothing but this site's style sheet,
/// images and frames (the PDF), forms posted only here, never framed by
/// another site, and no script source at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

/// The web page's routes, with their guards.
pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(search::page))
        .route("/sign-in", post(sign_in::sign_in))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/cases/{code}", get(case::case))
        .route("/cases/{code}/documents/{id}", get(case::document))
        .route("/cases/{code}/documents/{id}/pdf", get(case::pdf))
        .route(
            "/cases/{code}/documents/{id}/amendments",
            post(review::amend),
        )
        .route("/review", get(review::queue))
        .route("/fixity", get(fixity::overview))
        .route("/fixity/audits", post(fixity::start))
        .route("/fixity/audits/{id}", get(fixity::audit))
        .route("/access-log", get(access_log::page))
        .route("/lang/{code}", get(lang::switch))
        .route("/static/style.css", get(style))
        .layer(axum::middleware::from_fn_with_state(state, guard))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("style.css"),
    )
        .into_response()
}

/// Refuse cross-site writes, then mark every HTML answer: the policy, no
/// sniffing, no caching of personal data, no referrer to other sites.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let public_origin = state.config.public_origin.as_deref();
    let mut resp = if origin::allowed(req.method(), req.headers(), public_origin) {
        next.run(req).await
    } else {
        tracing::warn!(
            method = %req.method(), path = %req.uri().path(),
            origin = ?req.headers().get(header::ORIGIN),
            "cross-site request refused"
        );
        let lang = Lang::of(req.headers());
        let message = lang.t(
            "Yêu cầu này không đến từ trang của máy chủ này nên bị từ chối.",
            "This request does not come from this server's page, so it is refused.",
        );
        layout::error_page(lang, StatusCode::FORBIDDEN, message)
    };
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        h.insert("content-security-policy", HeaderValue::from_static(CSP));
        h.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The signed-in caller of a page, from its session cookie: the same
/// [`Caller`] a bearer token gives the API. Without a live session, the
/// page answers with the sign-in page's address.
pub struct Signed {
    pub caller: Caller,
    /// The session secret (for signing out).
    pub secret: String,
}

/// Where a page without a live session sends the browser.
pub struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to("/").into_response()
    }
}

impl FromRequestParts<Arc<AppState>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Signed, Response> {
        let Some(secret) = session::cookie(&parts.headers, session::COOKIE) else {
            return Err(SignInFirst.into_response());
        };
        let secret = secret.to_string();
        match session::resolve(state.store.as_ref(), &secret).await {
            Ok(Some(token)) => Ok(Signed {
                caller: Caller::with_token(parts, token),
                secret,
            }),
            Ok(None) => Err(SignInFirst.into_response()),
            Err(e) => Err(Failed(Lang::of(&parts.headers), ApiError::from(e)).into_response()),
        }
    }
}

/// An error as a page in the caller's language, with the API's status and
/// message (which name no internals).
pub struct Failed(pub Lang, pub ApiError);

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        layout::error_page(self.0, self.1.status, message(self.0, &self.1))
    }
}

/// An error's message in the page's language (the API's English when it
/// has no Vietnamese one).
pub fn message(lang: Lang, e: &ApiError) -> &str {
    lang.t(e.vi.as_deref().unwrap_or(&e.message), &e.message)
}

/// `?` on anything the API would answer with an error, in a page.
pub trait OrPage<T> {
    fn or_page(self, lang: Lang) -> Result<T, Failed>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, lang: Lang) -> Result<T, Failed> {
        self.map_err(|e| Failed(lang, e.into()))
    }
}

/// A page's answer.
pub fn html(markup: maud::Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}
