//! Fixity audit reports: `audits/started/<id>.json` when an audit starts
//! (who, when, what), `audits/<id>.json` with its report when it ends:
//! the archivist's evidence (schema: `schemas/audit-report.schema.json`).

use super::{CatalogError, from_json, to_json};
use crate::auth::Role;
use crate::fixity::ObjectCheck;
use crate::keys;
use crate::store::{Put, Store, StoreError};
use serde::{Deserialize, Serialize};

pub const AUDIT_SCHEMA: &str = "https://sohoa.vn/schemas/audit-report/1";

/// The token that started the audit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Who {
    /// The token's name.
    pub name: String,
    pub role: Role,
}

/// `audits/started/<id>.json`, and the head of every report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AuditStart {
    /// The audit's id.
    pub id: String,
    /// The case audited; absent for the whole store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub case_code: Option<String>,
    pub started_by: Who,
    /// When the audit started (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// The store audited (a directory, or s3://bucket/prefix).
    pub store: String,
}

/// A finished audit, as stored write-once at audits/<id>.json (standalone
/// schema: https://sohoa.vn/schemas/audit-report/1,
/// schemas/audit-report.schema.json).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AuditReport {
    #[serde(rename = "$schema")]
    #[schema(value_type = String, pattern = "^https://sohoa\\.vn/schemas/audit-report/1$")]
    pub schema: String,
    /// `complete`, or `incomplete` when the store failed during the audit:
    /// the counts are then 0, `checked` is empty and `error` says how far
    /// it got.
    #[schema(pattern = "^(complete|incomplete)$")]
    pub status: String,
    /// Why the audit is incomplete (only when `status` is `incomplete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
    #[serde(flatten)]
    pub start: AuditStart,
    /// When the audit finished (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub finished_at: String,
    /// Batch records read.
    pub records: usize,
    /// Objects the records name (each key once).
    pub objects: usize,
    /// Objects whose SHA-256 matches.
    pub ok: usize,
    /// Objects whose SHA-256 does not match.
    pub mismatched: usize,
    /// Objects the store does not hold.
    pub missing: usize,
    /// Objects the store could not return (see each check's `error`).
    pub unreadable: usize,
    /// Keys under cases/ that could not be read as batch records.
    pub unreadable_records: Vec<String>,
    /// Every object checked, ok or not, in key order.
    pub checked: Vec<ObjectCheck>,
    /// The store against its transparency log: the checkpoint (copy it to
    /// pin it), its signature, and every unanchored, rewritten or deleted
    /// record, orphan object, key/hash mismatch and log inconsistency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub log: Option<crate::anchor::LogReport>,
}

/// Note that an audit started.
pub async fn record_start(store: &dyn Store, start: &AuditStart) -> Result<Put, StoreError> {
    store
        .put_if_absent(&keys::audit_started(&start.id), to_json(start))
        .await
}

/// Store an audit's report (once).
pub async fn record_report(store: &dyn Store, report: &AuditReport) -> Result<Put, StoreError> {
    let key = keys::audit_report(&report.start.id);
    let bytes = to_json(report);
    let put = store.put_if_absent(&key, bytes.clone()).await?;
    if put == Put::Created {
        super::log::queue(store, &key, &bytes).await?;
    }
    Ok(put)
}

/// The audit's stored report, if it has ended.
pub async fn report(store: &dyn Store, id: &str) -> Result<Option<AuditReport>, CatalogError> {
    let key = keys::audit_report(id);
    match store.get(&key).await? {
        Some(bytes) => Ok(Some(from_json(&key, &bytes)?)),
        None => Ok(None),
    }
}

/// How the audit started, if it did.
pub async fn start(store: &dyn Store, id: &str) -> Result<Option<AuditStart>, CatalogError> {
    let key = keys::audit_started(id);
    match store.get(&key).await? {
        Some(bytes) => Ok(Some(from_json(&key, &bytes)?)),
        None => Ok(None),
    }
}

/// Every audit: the reports stored, newest start first, and the starts
/// with no report yet (running, or stopped with their instance). A report
/// that cannot be read is skipped with a warning.
pub async fn list(store: &dyn Store) -> Result<(Vec<AuditReport>, Vec<AuditStart>), StoreError> {
    let mut reports = Vec::new();
    let mut started = Vec::new();
    for key in store.list(keys::AUDITS).await? {
        let Some(bytes) = store.get(&key).await? else {
            continue;
        };
        if key.starts_with(keys::AUDITS_STARTED) {
            match serde_json::from_slice::<AuditStart>(&bytes) {
                Ok(s) => started.push(s),
                Err(e) => tracing::warn!("{key} is not an audit start ({e}); skipped"),
            }
        } else {
            match serde_json::from_slice::<AuditReport>(&bytes) {
                Ok(r) => reports.push(r),
                Err(e) => tracing::warn!("{key} is not an audit report ({e}); skipped"),
            }
        }
    }
    started.retain(|s| !reports.iter().any(|r| r.start.id == s.id));
    reports.sort_by(|a, b| b.start.started_at.cmp(&a.start.started_at));
    started.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    Ok((reports, started))
}
