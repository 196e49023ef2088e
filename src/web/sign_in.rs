//! Signing in with an API token, and out. The token is sent once, in the
//! sign-in form, and exchanged for a session ([`super::session`]); only
//! roles that may read cases (officer, archivist, admin) may sign in, and
//! every sign-in, refused or not, and every sign-out is in the access log.

use super::layout::{Frame, page};
use super::{Lang, OrPage, Signed, html, origin, session};
use crate::api::{AppState, Caller, Target};
use crate::auth::{self, Permission};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::sync::Arc;

/// The request's head, for building the [`Caller`] once the token is known.
pub struct Head(Parts);

impl<S: Send + Sync> FromRequestParts<S> for Head {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Head, Self::Rejection> {
        Ok(Head(parts.clone()))
    }
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    token: String,
}

/// The sign-in page, with why the last attempt failed if it did.
pub fn form(lang: Lang, error: Option<&str>) -> Markup {
    let l = lang;
    let frame = Frame {
        lang,
        caller: None,
        here: "/",
    };
    let body = html! {
        form.signin method="post" action="/sign-in" {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            p { (l.t(
                "Đăng nhập bằng mã truy cập (token) do quản trị viên cấp cho bạn.",
                "Sign in with the access token your administrator gave you."
            )) }
            label for="token" { (l.t("Mã truy cập", "Token")) }
            input #token type="password" name="token" autocomplete="off" required;
            button type="submit" { (l.t("Đăng nhập", "Sign in")) }
        }
    };
    page(&frame, l.t("Đăng nhập", "Sign in"), body)
}

/// `POST /sign-in`: check the token, refuse roles that read no cases,
/// start a session and set its cookie.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Head(parts): Head,
    f: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, super::Failed> {
    let refuse =
        |status: StatusCode, why: &str| (status, html(form(lang, Some(why)))).into_response();
    let secret = f.map(|Form(f)| f.token).unwrap_or_default();
    let Some(token) = auth::lookup(state.store.as_ref(), secret.trim())
        .await
        .or_page(lang)?
    else {
        crate::api::log_unauthenticated(&parts, &state, "web sign-in: unknown or revoked token")
            .await;
        let why = lang.t(
            "Mã truy cập không đúng hoặc đã bị thu hồi.",
            "Unknown or revoked token.",
        );
        return Ok(refuse(StatusCode::UNAUTHORIZED, why));
    };
    let caller = Caller::with_token(&parts, token);
    let allowed = caller
        .authorize(
            &state,
            Permission::ReadCases,
            "session.start",
            Target::default(),
            false,
        )
        .await;
    if let Err(e) = allowed {
        if e.status != StatusCode::FORBIDDEN {
            return Err(super::Failed(lang, e));
        }
        let why = lang.t(
            "Mã truy cập này (trạm quét) không dùng được trang này.",
            "This token's role (a scanning station) cannot use this page.",
        );
        return Ok(refuse(StatusCode::FORBIDDEN, why));
    }
    let ttl = state.config.session_ttl;
    let (secret, _) = session::start(state.store.as_ref(), &caller.token, ttl)
        .await
        .or_page(lang)?;
    let secure = origin::over_tls(state.config.public_origin.as_deref());
    Ok(signed_redirect(session::set_cookie(&secret, ttl, secure)))
}

/// `POST /sign-out`: end the session on every instance, drop the cookie.
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    signed: Result<Signed, Response>,
) -> Result<Response, super::Failed> {
    let secure = origin::over_tls(state.config.public_origin.as_deref());
    if let Ok(s) = signed {
        session::end(state.store.as_ref(), &s.secret)
            .await
            .or_page(lang)?;
        s.caller
            .log(&state, "session.end", "allowed", &Target::default(), None)
            .await
            .or_page(lang)?;
    }
    Ok(signed_redirect(session::clear_cookie(secure)))
}

/// Back to `/` with a new cookie.
fn signed_redirect(cookie: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}
