//! The page's language: Vietnamese, or English when the officer switches
//! (a `sohoa_lang` cookie, set by `GET /lang/{vi|en}`). Every text of the
//! page is written in both, side by side where it is used
//! ([`Lang::t`]), so no text can be missing in one.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

const COOKIE: &str = "sohoa_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The text in this language.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        self.t("vi", "en")
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

impl Lang {
    /// The language the request's cookie asks for (Vietnamese unless English).
    pub fn of(headers: &HeaderMap) -> Lang {
        match super::session::cookie(headers, COOKIE) {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of(&parts.headers))
    }
}

/// A path of this site to go back to: one `/`, then no second `/` or `\`
/// that would make it another host's; anything else goes to `/`.
pub fn local_path(back: Option<&str>) -> &str {
    match back {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(char::is_control) =>
        {
            p
        }
        _ => "/",
    }
}

#[derive(serde::Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{vi|en}?back=/path`: remember the language, go back.
pub async fn switch(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let lang = if code == "en" { "en" } else { "vi" };
    let back = local_path(q.back.as_deref());
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!("{COOKIE}={lang}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"),
            ),
            (header::LOCATION, back.to_string()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_goes_back_only_to_this_site() {
        assert_eq!(local_path(Some("/cases/x?y=1")), "/cases/x?y=1");
        for foreign in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_path(Some(foreign)), "/", "{foreign}");
        }
        assert_eq!(local_path(None), "/");
    }
}
