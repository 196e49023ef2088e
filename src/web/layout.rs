//! The frame every page shares: head, navigation (only what the caller's
//! role may open), who is signed in, sign-out, the language switch; and
//! the error page.

use super::{Lang, html};
use crate::api::Caller;
use crate::auth::Permission;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// What the frame needs to know of the request.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The caller, when signed in.
    pub caller: Option<&'a Caller>,
    /// This page's path and query, for the language switch to come back to.
    pub here: &'a str,
}

/// A whole page: `title`, then `body` inside the frame.
pub fn page(f: &Frame, title: &str, body: Markup) -> Markup {
    let l = f.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · sohoa" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header { (nav(f)) }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn nav(f: &Frame) -> Markup {
    let l = f.lang;
    let switch = format!("/lang/{}?back={}", l.other().code(), query_escape(f.here));
    html! {
        nav {
            a.brand href="/" { "sohoa" }
            @if let Some(c) = f.caller {
                a href="/" { (l.t("Tìm kiếm", "Search")) }
                @if c.token.role.allows(Permission::Amend) {
                    a href="/review" { (l.t("Xem lại", "Review")) }
                }
                @if c.token.role.allows(Permission::Audit) {
                    a href="/fixity" { (l.t("Kiểm tra toàn vẹn", "Fixity")) }
                }
                @if c.token.role.allows(Permission::ReadAccessLog) {
                    a href="/access-log" { (l.t("Nhật ký truy cập", "Access log")) }
                }
            }
            span.spacer {}
            a href=(switch) lang=(l.other().code()) { (l.t("English", "Tiếng Việt")) }
            @if let Some(c) = f.caller {
                span.who {
                    (c.token.name) " (" (c.token.role.as_str())
                    @if let Some(u) = &c.token.unit { ", " (u) }
                    ")"
                }
                form method="post" action="/sign-out" {
                    button type="submit" { (l.t("Đăng xuất", "Sign out")) }
                }
            }
        }
    }
}

/// The error page: the status and the API's message.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let frame = Frame {
        lang,
        caller: None,
        here: "/",
    };
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("Không được phép", "Not allowed"),
        StatusCode::NOT_FOUND => lang.t("Không tìm thấy", "Not found"),
        StatusCode::BAD_REQUEST => lang.t("Yêu cầu không hợp lệ", "Bad request"),
        s if s.is_server_error() => lang.t("Tạm thời không phục vụ được", "Unavailable"),
        _ => lang.t("Lỗi", "Error"),
    };
    let body = html! {
        p.error role="alert" { (message) }
        p { a href="/" { (lang.t("Về trang đầu", "Back to the start")) } }
    };
    (status, html(page(&frame, title, body))).into_response()
}

/// Links to the previous and next pages of a list at `path` (its query's
/// other `pairs` kept): `at` is the list's offset and page size, `shown`
/// how many are on this page and how many there are in all.
pub fn pager(l: Lang, path: &str, pairs: &[&str], at: (u32, u32), shown: (usize, u64)) -> Markup {
    let (offset, limit) = at;
    let (on_page, total) = shown;
    let next = offset as u64 + on_page as u64;
    let link = |offset: u64| {
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|x| !x.starts_with("offset="))
            .map(|x| x.to_string())
            .collect();
        q.push(format!("offset={offset}"));
        format!("{path}?{}", q.join("&"))
    };
    html! {
        div.pager {
            @if offset > 0 {
                a href=(link((offset as u64).saturating_sub(limit as u64))) { "← " (l.t("Trước", "Previous")) }
            }
            @if next < total {
                a href=(link(next)) { (l.t("Sau", "Next")) " →" }
            }
        }
    }
}

/// Percent-encode a query value (everything but unreserved characters).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path segment as a link: case codes and ids are plain already, but a
/// link never trusts that.
pub fn segment(s: &str) -> String {
    query_escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_links_are_escaped() {
        assert_eq!(query_escape("/cases/a?b=1&c"), "%2Fcases%2Fa%3Fb%3D1%26c");
        assert_eq!(query_escape("Đức"), "%C4%90%E1%BB%A9c");
    }
}
