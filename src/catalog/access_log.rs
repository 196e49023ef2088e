//! The access log: one write-once entry per API access to dossier data
//! (`access-log/<date>/<time>-<random>.json`), written by the API before
//! any data is returned. `sohoa access-log` reads it back.

use crate::keys;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One access.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// RFC 3339.
    pub at: String,
    /// The token's name.
    pub who: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// What was done, e.g. `document.pdf`, `audit.start`, `case.read`.
    pub action: String,
    /// `allowed`, `refused` or `integrity_failure`.
    pub outcome: String,
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The client's address as the server saw it.
    pub from: String,
    /// `X-Forwarded-For` as the client sent it (not trusted, kept as evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Append an entry; returns its key.
pub async fn append(store: &dyn Store, entry: &Entry) -> Result<String, StoreError> {
    let key = keys::access_entry(OffsetDateTime::now_utc(), &crate::ids::random_hex(4));
    store.put_if_absent(&key, super::to_json(entry)).await?;
    Ok(key)
}

/// Entries in time order, optionally only one case's and only from `since` on.
pub async fn read(
    store: &dyn Store,
    case: Option<&str>,
    since: Option<OffsetDateTime>,
) -> Result<Vec<Entry>, StoreError> {
    let since_day = since.map(keys::day_segment);
    let since_key = since.map(keys::time_segment);
    let mut out = Vec::new();
    for key in store.list(keys::ACCESS_LOG).await? {
        // Skip whole days cheaply.
        let Some((d, file)) = keys::parse_access_entry(&key) else {
            continue;
        };
        if since_day.as_deref().is_some_and(|s| d < s)
            || since_key.as_deref().is_some_and(|s| file < s)
        {
            continue;
        }
        let Some(bytes) = store.get(&key).await? else {
            continue;
        };
        let Ok(entry) = serde_json::from_slice::<Entry>(&bytes) else {
            tracing::warn!("{key} is not an access-log entry; skipped");
            continue;
        };
        if case.is_some_and(|c| entry.case_code.as_deref() != Some(c)) {
            continue;
        }
        out.push(entry);
    }
    Ok(out)
}
