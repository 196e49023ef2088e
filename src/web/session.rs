//! Web sessions: a signed-in officer's browser holds a random session
//! secret in an `HttpOnly; SameSite=Strict` cookie, never the API token
//! it signed in with.
//!
//! Sessions are kept as tokens are ([`crate::auth`]): the store holds only
//! the secret's SHA-256 (`auth/sessions/<sha256>.json`: whose token, when
//! made, when it expires), so every API instance on the store shares them;
//! signing out writes `auth/ended/<sha256>.json`, a write-once record that
//! every instance reads, so a session ended on one is ended on all. A
//! session also ends with its token: revoking the token signs its
//! sessions out.

use crate::auth::{self, TokenRecord};
use crate::keys;
use crate::store::{Store, StoreError};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How long a session lasts unless `--session-hours` says otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(8 * 3600);

/// The cookie holding the session secret.
pub const COOKIE: &str = "sohoa_session";

/// A session as stored, without its secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    /// SHA-256 of the token signed in with (as `auth/tokens/` names it).
    pub token_sha256: String,
    /// The token's name, for whoever reads the store.
    pub token_name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the session is refused from this time on.
    pub expires_at: String,
}

impl Session {
    /// Whether the session is still within its lifetime at `now`; an
    /// unreadable expiry is taken as expired.
    pub fn live_at(&self, now: OffsetDateTime) -> bool {
        OffsetDateTime::parse(&self.expires_at, &Rfc3339).is_ok_and(|end| now < end)
    }
}

/// Secrets are `sess_` and 64 hex digits; anything else is refused before
/// it reaches the store.
fn well_formed(secret: &str) -> bool {
    secret.len() == 69
        && secret.starts_with("sess_")
        && secret[5..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Start a session for `token`, lasting `ttl`; returns its secret (for
/// the cookie) and what is stored.
pub async fn start(
    store: &dyn Store,
    token: &TokenRecord,
    ttl: Duration,
) -> Result<(String, Session), StoreError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| StoreError::Backend(format!("no randomness: {e}")))?;
    let secret = format!("sess_{}", hex::encode(raw));
    let now = OffsetDateTime::now_utc();
    let end = now + ttl;
    let session = Session {
        token_sha256: token.sha256.clone(),
        token_name: token.name.clone(),
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        expires_at: end.format(&Rfc3339).unwrap_or_default(),
    };
    let body = serde_json::to_vec_pretty(&session).unwrap_or_default();
    store
        .put_if_absent(&keys::session(&auth::hash(&secret)), body)
        .await?;
    Ok((secret, session))
}

/// The token behind a live session: the session exists, has not ended or
/// expired, and its token is still active.
pub async fn resolve(store: &dyn Store, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
    if !well_formed(secret) {
        return Ok(None);
    }
    let sha = auth::hash(secret);
    let Some(bytes) = store.get(&keys::session(&sha)).await? else {
        return Ok(None);
    };
    let Ok(session) = serde_json::from_slice::<Session>(&bytes) else {
        tracing::warn!("{} is not a session record; refused", keys::session(&sha));
        return Ok(None);
    };
    if !session.live_at(OffsetDateTime::now_utc())
        || store.exists(&keys::session_ended(&sha)).await?
    {
        return Ok(None);
    }
    auth::lookup_hash(store, &session.token_sha256).await
}

/// End a session on every instance (signing out). Ending one already
/// ended is no error.
pub async fn end(store: &dyn Store, secret: &str) -> Result<(), StoreError> {
    if !well_formed(secret) {
        return Ok(());
    }
    let body = serde_json::json!({ "ended_at": crate::clock::now_rfc3339() });
    store
        .put_if_absent(
            &keys::session_ended(&auth::hash(secret)),
            serde_json::to_vec_pretty(&body).unwrap_or_default(),
        )
        .await?;
    Ok(())
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// `Set-Cookie` for a session secret: script-proof, never sent by another
/// site's request, `Secure` when the page is served over TLS.
pub fn set_cookie(secret: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    set_cookie("", Duration::ZERO, secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn session(expires_at: &str) -> Session {
        Session {
            token_sha256: "a".repeat(64),
            token_name: "desk".into(),
            created_at: "2026-12-05T08:00:00Z".into(),
            expires_at: expires_at.into(),
        }
    }

    #[test]
    fn a_session_expires_at_its_end_and_an_unreadable_end_is_expired() {
        let s = session("2026-12-05T16:00:00Z");
        assert!(s.live_at(datetime!(2026-12-05 15:59:59 UTC)));
        assert!(!s.live_at(datetime!(2026-12-05 16:00:00 UTC)));
        assert!(!s.live_at(datetime!(2026-12-06 09:00:00 UTC)));
        assert!(!session("tomorrow").live_at(datetime!(2026-12-05 08:00:00 UTC)));
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_tls() {
        let c = set_cookie("sess_x", Duration::from_secs(60), false);
        assert_eq!(
            c,
            "sohoa_session=sess_x; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"
        );
        assert!(set_cookie("sess_x", Duration::from_secs(60), true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; sohoa_session=sess_y ; b=2".parse().unwrap());
        assert_eq!(cookie(&h, COOKIE), Some("sess_y"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[tokio::test]
    async fn a_session_ends_everywhere_and_with_its_token() {
        let dir = std::env::temp_dir().join(format!("sohoa-session-{}", std::process::id()));
        let store = crate::store::LocalStore::new(&dir);
        let (_, token) = auth::add_token(&store, "desk", auth::Role::Officer, None)
            .await
            .unwrap();
        let (secret, _) = start(&store, &token, DEFAULT_TTL).await.unwrap();
        assert_eq!(resolve(&store, &secret).await.unwrap(), Some(token.clone()));
        for key in store.list("auth/").await.unwrap() {
            let bytes = store.get(&key).await.unwrap().unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains(&secret));
        }
        end(&store, &secret).await.unwrap();
        assert_eq!(resolve(&store, &secret).await.unwrap(), None);
        let (second, _) = start(&store, &token, DEFAULT_TTL).await.unwrap();
        auth::revoke_token(&store, "desk").await.unwrap();
        assert_eq!(resolve(&store, &second).await.unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
