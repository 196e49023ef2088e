//! The access log: one write-once entry per API access to dossier data
//! (`access-log/<date>/<time>-<random>.json`), written before any data is
//! returned. `sohoa access-log` reads it back.

use crate::archive::{Store, StoreError};
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
    let now = OffsetDateTime::now_utc();
    let key = format!(
        "access-log/{}/{}-{}.json",
        day(now),
        crate::record::key_time(now),
        super::random_hex(4)
    );
    let body = serde_json::to_vec_pretty(entry).unwrap_or_default();
    store.put_if_absent(&key, body).await?;
    Ok(key)
}

fn day(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Parse `--since`: RFC 3339 (`2026-11-28T07:00:00Z`) or a day (`2026-11-28`).
pub fn parse_since(s: &str) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("'{s}' is neither an RFC 3339 time nor a YYYY-MM-DD day"))
}

/// Entries in time order, optionally only one case's and only from `since` on.
pub async fn read(
    store: &dyn Store,
    case: Option<&str>,
    since: Option<OffsetDateTime>,
) -> Result<Vec<Entry>, StoreError> {
    let since_day = since.map(day);
    let since_key = since.map(crate::record::key_time);
    let mut out = Vec::new();
    for key in store.list("access-log/").await? {
        // access-log/<day>/<time>-<random>.json: skip whole days cheaply.
        let mut parts = key.splitn(3, '/').skip(1);
        let (Some(d), Some(file)) = (parts.next(), parts.next()) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_a_day() {
        assert_eq!(
            parse_since("2026-11-28").unwrap(),
            time::macros::datetime!(2026-11-28 0:00 UTC)
        );
        assert_eq!(
            parse_since("2026-11-28T07:30:00+07:00").unwrap(),
            time::macros::datetime!(2026-11-28 0:30 UTC)
        );
        assert!(parse_since("yesterday").is_err());
    }
}
