//! Cross-site request refusal: a form on another site must not be able to
//! make a signed-in officer's browser sign in, sign out or start an audit
//! here. Every unsafe method (anything but GET, HEAD, OPTIONS) on every
//! web route, sign-in included, is refused unless the browser says the
//! request comes from this page: `Sec-Fetch-Site: same-origin`, or an
//! `Origin` equal to the configured public origin (`--public-origin`; on a
//! plain-HTTP office network browsers send no `Sec-Fetch-Site`, but they
//! always send `Origin` with a form post). The `SameSite=Strict` session
//! cookie is the second wall, not the only one.

use axum::http::{HeaderMap, Method};

/// Whether a request with this method and these headers may change
/// anything: a safe method always; an unsafe one only from this origin.
pub fn allowed(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site") == Some("same-origin") {
        return true;
    }
    match (header("origin"), public_origin) {
        (Some(origin), Some(ours)) => same(origin, ours),
        _ => false,
    }
}

/// Origins compared as browsers serialise them: scheme, host and port, no
/// path, case-insensitive; a configured origin may end with `/`.
fn same(origin: &str, ours: &str) -> bool {
    let ours = ours.trim().trim_end_matches('/');
    !ours.is_empty() && origin.trim().eq_ignore_ascii_case(ours)
}

/// Whether the page is served over TLS as far as browsers see it (its
/// configured origin is `https://`): the session cookie is then `Secure`.
pub fn over_tls(public_origin: Option<&str>) -> bool {
    public_origin.is_some_and(|o| o.trim().to_ascii_lowercase().starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn safe_methods_pass_and_unsafe_ones_need_this_origin() {
        let ours = Some("http://10.0.0.5:8080/");
        assert!(allowed(&Method::GET, &headers(&[]), ours));
        assert!(!allowed(&Method::POST, &headers(&[]), ours));
        assert!(allowed(
            &Method::POST,
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        for refused in ["same-site", "cross-site", "none"] {
            let h = headers(&[("sec-fetch-site", refused)]);
            assert!(!allowed(&Method::POST, &h, ours), "{refused}");
        }
        assert!(allowed(
            &Method::POST,
            &headers(&[("origin", "http://10.0.0.5:8080")]),
            ours
        ));
        assert!(allowed(
            &Method::DELETE,
            &headers(&[("origin", "HTTP://10.0.0.5:8080")]),
            ours
        ));
        for foreign in [
            "http://evil.example",
            "http://10.0.0.5:8081",
            "https://10.0.0.5:8080",
            "null",
        ] {
            let h = headers(&[("origin", foreign)]);
            assert!(!allowed(&Method::POST, &h, ours), "{foreign}");
        }
        // Without a configured origin, an Origin header proves nothing.
        let h = headers(&[("origin", "http://10.0.0.5:8080")]);
        assert!(!allowed(&Method::POST, &h, None));
        assert!(!allowed(&Method::POST, &h, Some("")));
    }

    #[test]
    fn the_cookie_is_secure_only_behind_an_https_origin() {
        assert!(over_tls(Some("https://sohoa.example.gov.vn")));
        assert!(!over_tls(Some("http://10.0.0.5:8080")));
        assert!(!over_tls(None));
    }
}
