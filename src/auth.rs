//! Tokens and roles.
//!
//! A token is a random bearer secret shown once, when it is made; the store
//! keeps only its SHA-256 (`auth/tokens/<sha256>.json`), so every API
//! instance on the same store shares the tokens and a leaked store does not
//! leak them. Revoking writes `auth/revoked/<sha256>.json`: the store is
//! write-once, so a revocation is itself a record.
//!
//! | role | may |
//! |---|---|
//! | `station` | upload batches, read batch status |
//! | `officer` | read batch status, cases and documents; amend documents' readings and see the review queue |
//! | `archivist` | read cases and documents, run and read audits, read the access log |
//! | `admin` | everything, and manage tokens |
//!
//! A token with a unit (an agency prefix such as `000.00.13.H04`) reaches
//! only cases whose code starts with it.

use crate::keys;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a token may do: `station` uploads batches and reads batch status;
/// `officer` reads batch status, cases and documents, amends documents'
/// readings and sees the review queue; `archivist` reads cases and
/// documents, runs and reads audits and reads the access log; `admin`
/// does everything and manages tokens.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Station,
    Officer,
    Archivist,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Station => "station",
            Role::Officer => "officer",
            Role::Archivist => "archivist",
            Role::Admin => "admin",
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Station => matches!(p, Upload | BatchStatus),
            Role::Officer => matches!(p, BatchStatus | ReadCases | Amend),
            Role::Archivist => matches!(p, ReadCases | Audit | ReadAccessLog),
        }
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Upload,
    BatchStatus,
    ReadCases,
    /// Correct or confirm a document's reading, move its pages, re-attach
    /// its batch; see the review queue.
    Amend,
    Audit,
    /// The access log (the web page's; the command line reads the store).
    ReadAccessLog,
    ManageTokens,
}

/// A token as stored, without its secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TokenRecord {
    /// The token's name.
    pub name: String,
    pub role: Role,
    /// Agency-code prefix the token is limited to (e.g. 000.00.13.H04);
    /// absent for a token that reaches every case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unit: Option<String>,
    /// When the token was made (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// SHA-256 (hex) of the secret: all the store keeps of it.
    pub sha256: String,
}

impl TokenRecord {
    /// Whether the token's unit covers this case code.
    pub fn covers(&self, case_code: &str) -> bool {
        // At a segment boundary: unit 000.00.1 does not cover 000.00.13.H04-...
        self.unit.as_deref().is_none_or(|u| {
            case_code
                .strip_prefix(u)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-']))
        })
    }
}

/// A token as `token list` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TokenInfo {
    #[serde(flatten)]
    pub token: TokenRecord,
    /// When the token was revoked (RFC 3339; empty if the revocation
    /// record is unreadable); absent while active.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revoked_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token name '{0}' must be 1-64 letters, digits, '.', '-' or '_'")]
    BadName(String),
    #[error(
        "unit '{0}' must be 1-32 letters, digits or '.' (an agency code prefix such as 000.00.13.H04)"
    )]
    BadUnit(String),
    #[error("a token named '{0}' is already active; revoke it first or pick another name")]
    NameTaken(String),
    #[error("no active token is named '{0}'")]
    NoSuchToken(String),
    #[error("cannot generate a random token: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A unit is an agency-code prefix: 1-32 letters, digits or '.'.
pub fn valid_unit(unit: &str) -> bool {
    (1..=32).contains(&unit.len()) && unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

/// Make a token; returns the secret (shown once) and what is stored.
pub async fn add_token(
    store: &dyn Store,
    name: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<(String, TokenRecord), AuthError> {
    if !valid_name(name) {
        return Err(AuthError::BadName(name.to_string()));
    }
    if let Some(u) = unit
        && !valid_unit(u)
    {
        return Err(AuthError::BadUnit(u.to_string()));
    }
    if list_tokens(store)
        .await?
        .iter()
        .any(|t| t.token.name == name && t.revoked_at.is_none())
    {
        return Err(AuthError::NameTaken(name.to_string()));
    }
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| AuthError::Random(e.to_string()))?;
    let secret = format!("sohoa_{}", hex::encode(raw));
    let record = TokenRecord {
        name: name.to_string(),
        role,
        unit: unit.map(str::to_string),
        created_at: crate::clock::now_rfc3339(),
        sha256: hash(&secret),
    };
    let body = serde_json::to_vec_pretty(&record).unwrap_or_default();
    store
        .put_if_absent(&keys::token(&record.sha256), body)
        .await?;
    Ok((secret, record))
}

/// Every token ever made, oldest first, with its revocation if any.
pub async fn list_tokens(store: &dyn Store) -> Result<Vec<TokenInfo>, AuthError> {
    let revoked = store.list(keys::REVOKED).await?;
    let mut out = Vec::new();
    for key in store.list(keys::TOKENS).await? {
        let Some(bytes) = store.get(&key).await? else {
            continue;
        };
        let Ok(token) = serde_json::from_slice::<TokenRecord>(&bytes) else {
            tracing::warn!("{key} is not a token record; ignored");
            continue;
        };
        let revoked_at = if revoked.contains(&keys::revoked(&token.sha256)) {
            let r = store.get(&keys::revoked(&token.sha256)).await?;
            let at = r
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["revoked_at"].as_str().map(str::to_string));
            Some(at.unwrap_or_default())
        } else {
            None
        };
        out.push(TokenInfo { token, revoked_at });
    }
    out.sort_by(|a, b| a.token.created_at.cmp(&b.token.created_at));
    Ok(out)
}

/// Revoke every active token named `name`; returns how many.
pub async fn revoke_token(store: &dyn Store, name: &str) -> Result<usize, AuthError> {
    let mut n = 0;
    for t in list_tokens(store).await? {
        if t.token.name == name && t.revoked_at.is_none() {
            let body = serde_json::json!({
                "name": name, "sha256": t.token.sha256, "revoked_at": crate::clock::now_rfc3339()
            });
            store
                .put_if_absent(
                    &keys::revoked(&t.token.sha256),
                    serde_json::to_vec_pretty(&body).unwrap_or_default(),
                )
                .await?;
            n += 1;
        }
    }
    if n == 0 {
        return Err(AuthError::NoSuchToken(name.to_string()));
    }
    Ok(n)
}

/// The active token with this secret, if any.
pub async fn lookup(store: &dyn Store, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
    // Secrets are `sohoa_` + 64 hex digits; anything else cannot match, and
    // is refused before it reaches the store.
    let well_formed = secret.len() == 70
        && secret.starts_with("sohoa_")
        && secret[6..].bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Ok(None);
    }
    lookup_hash(store, &hash(secret)).await
}

/// The active token whose secret hashes to `sha` (a web session keeps
/// only this), if any: made and not revoked.
pub async fn lookup_hash(store: &dyn Store, sha: &str) -> Result<Option<TokenRecord>, StoreError> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(bytes) = store.get(&keys::token(sha)).await? else {
        return Ok(None);
    };
    if store.exists(&keys::revoked(sha)).await? {
        return Ok(None);
    }
    Ok(serde_json::from_slice::<TokenRecord>(&bytes)
        .ok()
        .filter(|t| t.sha256 == sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_only_their_routes() {
        use Permission::*;
        let all = [
            Upload,
            BatchStatus,
            ReadCases,
            Amend,
            Audit,
            ReadAccessLog,
            ManageTokens,
        ];
        let allowed = |r: Role| {
            all.iter()
                .filter(|p| r.allows(**p))
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(allowed(Role::Station), vec![Upload, BatchStatus]);
        assert_eq!(allowed(Role::Officer), vec![BatchStatus, ReadCases, Amend]);
        assert_eq!(
            allowed(Role::Archivist),
            vec![ReadCases, Audit, ReadAccessLog]
        );
        assert_eq!(allowed(Role::Admin), all.to_vec());
    }

    #[test]
    fn a_unit_covers_only_its_prefix() {
        let mut t = TokenRecord {
            name: "t".into(),
            role: Role::Officer,
            unit: Some("000.00.13.H04".into()),
            created_at: String::new(),
            sha256: String::new(),
        };
        assert!(t.covers("000.00.13.H04-210628-0001"));
        assert!(!t.covers("000.00.00.H56-221006-0012"));
        t.unit = Some("000.00.1".into());
        assert!(
            !t.covers("000.00.13.H04-210628-0001"),
            "not across a segment"
        );
        t.unit = Some("000.00.13".into());
        assert!(t.covers("000.00.13.H04-210628-0001"));
        t.unit = None;
        assert!(t.covers("000.00.00.H56-221006-0012"));
    }

    #[tokio::test]
    async fn tokens_are_stored_hashed_and_can_be_revoked() {
        let dir = std::env::temp_dir().join(format!("sohoa-auth-{}", std::process::id()));
        let store = crate::store::LocalStore::new(&dir);
        let (secret, rec) = add_token(&store, "desk-1", Role::Officer, None)
            .await
            .unwrap();
        assert_eq!(rec.sha256, hash(&secret));
        let stored = store.list("auth/").await.unwrap();
        for key in &stored {
            let bytes = store.get(key).await.unwrap().unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains(&secret));
        }
        assert_eq!(
            lookup(&store, &secret).await.unwrap().unwrap().name,
            "desk-1"
        );
        assert!(matches!(
            add_token(&store, "desk-1", Role::Admin, None).await,
            Err(AuthError::NameTaken(_))
        ));
        assert_eq!(revoke_token(&store, "desk-1").await.unwrap(), 1);
        assert!(lookup(&store, &secret).await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
