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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Who {
    pub name: String,
    pub role: Role,
}

/// `audits/started/<id>.json`, and the head of every report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditStart {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_code: Option<String>,
    pub started_by: Who,
    pub started_at: String,
    pub store: String,
}

/// The stored report (`schemas/audit-report.schema.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditReport {
    #[serde(rename = "$schema")]
    pub schema: String,
    /// `complete`, or `incomplete` when the store failed during the audit.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub start: AuditStart,
    pub finished_at: String,
    pub records: usize,
    pub objects: usize,
    pub ok: usize,
    pub mismatched: usize,
    pub missing: usize,
    /// Objects the store could not return (see each check's `error`).
    pub unreadable: usize,
    pub unreadable_records: Vec<String>,
    /// Every object checked, by key.
    pub checked: Vec<ObjectCheck>,
}

/// Note that an audit started.
pub async fn record_start(store: &dyn Store, start: &AuditStart) -> Result<Put, StoreError> {
    store
        .put_if_absent(&keys::audit_started(&start.id), to_json(start))
        .await
}

/// Store an audit's report (once).
pub async fn record_report(store: &dyn Store, report: &AuditReport) -> Result<Put, StoreError> {
    store
        .put_if_absent(&keys::audit_report(&report.start.id), to_json(report))
        .await
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
