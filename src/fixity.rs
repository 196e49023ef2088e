//! Fixity: recompute the SHA-256 of every object the records name (and
//! the PDFs and texts their amendments made, which the amendments name)
//! and compare it with what the record (or amendment) says (`sohoa
//! verify` and the API's audits). It sits above the catalog, which lists the records, and the
//! store, which streams the bytes. The report's JSON Schema is
//! `schemas/verify-report.schema.json`.

use crate::anchor::{Anchors, LogReport};
use crate::catalog::records::records;
use crate::catalog::{CatalogError, amendments};
use crate::record::amendment::Amendment;
use crate::store::{Store, StoreError};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Objects checked at once (bench/api.sh: 32 gives 2.8x the pace of 8 on S3).
const CONCURRENCY: usize = 32;
/// Unreadable objects in a row after which the check stops as a store failure.
const MAX_UNREADABLE_IN_A_ROW: usize = 5;

pub const REPORT_SCHEMA: &str = "https://sohoa.vn/schemas/verify-report/1";

/// `ok`: the SHA-256 matches the record; `mismatched`: it does not;
/// `missing`: the store has no such object; `unreadable`: the store holds
/// the key but could not return its bytes (see `error`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Mismatched,
    Missing,
    /// The store holds the key but could not return its bytes (twice).
    Unreadable,
}

/// The fixity check of one stored object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ObjectCheck {
    /// Store key of the object.
    pub key: String,
    pub status: Status,
    /// SHA-256 the record gives (hex).
    pub expected_sha256: String,
    /// SHA-256 of the stored bytes (hex); absent when the object is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub actual_sha256: Option<String>,
    /// Why an unreadable object could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerifyReport {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub store: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_code: Option<String>,
    pub records: usize,
    pub objects: usize,
    pub ok: usize,
    pub mismatched: usize,
    pub missing: usize,
    #[serde(default)]
    pub unreadable: usize,
    /// Records that could not be read as batch records.
    pub unreadable_records: Vec<String>,
    /// Keys of every object that is not ok.
    pub bad: Vec<ObjectCheck>,
    /// The store against its transparency log (`crate::anchor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogReport>,
}

impl VerifyReport {
    pub fn all_ok(&self) -> bool {
        self.mismatched == 0
            && self.missing == 0
            && self.unreadable == 0
            && self.unreadable_records.is_empty()
            && self.log.as_ref().is_none_or(LogReport::all_ok)
    }
}

/// Check every object named by the records of one case or of the whole
/// store, and the store against its transparency log.
pub async fn verify(
    store: &dyn Store,
    case: Option<&str>,
    anchors: &Anchors,
) -> Result<VerifyReport, StoreError> {
    Ok(check(store, case, anchors, &|_, _| {}).await?.0)
}

/// Like [`verify`], but also return the check of every object, ok or not,
/// and call `progress(done, total)` after each object.
pub async fn check(
    store: &dyn Store,
    case: Option<&str>,
    anchors: &Anchors,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<(VerifyReport, Vec<ObjectCheck>), StoreError> {
    let (mut report, all) = rehash(store, case, progress).await?;
    let hashed: BTreeMap<String, String> = all
        .iter()
        .filter_map(|c| Some((c.key.clone(), c.actual_sha256.clone()?)))
        .collect();
    report.log = Some(crate::anchor::check(store, case, anchors, &hashed).await?);
    Ok((report, all))
}

/// The fixity part: every object the records (and amendments) name, re-hashed.
async fn rehash(
    store: &dyn Store,
    case: Option<&str>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<(VerifyReport, Vec<ObjectCheck>), StoreError> {
    let (recs, mut unreadable_records) = records(store, case).await?;
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (_, r) in &recs {
        for (k, h) in r.objects() {
            expected.insert(k, h);
        }
        // The PDFs and texts the batch's amendments made, against the
        // SHA-256 each amendment names.
        match amendments::of_batch(store, &r.batch_id).await {
            Ok(made) => expected.extend(made.iter().flat_map(Amendment::objects)),
            Err(CatalogError::Store(e)) => return Err(e),
            Err(CatalogError::Unreadable { key, .. }) => unreadable_records.push(key),
        }
    }
    let total = expected.len();
    let mut report = VerifyReport {
        schema: REPORT_SCHEMA.into(),
        store: store.describe(),
        case_code: case.map(str::to_string),
        records: recs.len(),
        objects: total,
        ok: 0,
        mismatched: 0,
        missing: 0,
        unreadable: 0,
        unreadable_records,
        bad: Vec::new(),
        log: None,
    };
    let mut all = Vec::with_capacity(total);
    progress(0, total);
    // Several objects at once: each check is a round trip to the store and
    // a stream of its bytes, so a store far away is not waited on serially.
    let mut checks = futures_util::stream::iter(expected)
        .map(|(key, want)| async move {
            let found = read_twice(store, &key).await;
            (key, want, found)
        })
        .buffered(CONCURRENCY);
    let mut unreadable_in_a_row = 0;
    while let Some((key, want, found)) = checks.next().await {
        if let Err(e) = &found {
            unreadable_in_a_row += 1;
            // Many in a row: the store is down, not the objects bad.
            if unreadable_in_a_row >= MAX_UNREADABLE_IN_A_ROW {
                return Err(StoreError::Backend(format!(
                    "{MAX_UNREADABLE_IN_A_ROW} objects in a row could not be read; the last: {e}"
                )));
            }
        } else {
            unreadable_in_a_row = 0;
        }
        let checked = compare(key, want, found);
        report.count(&checked);
        all.push(checked);
        progress(all.len(), total);
    }
    Ok((report, all))
}

/// The object's SHA-256 and size, read once more after a pause if the first
/// read fails: one object that cannot be read is reported as such, and a
/// second try rules out a passing hiccup.
async fn read_twice(store: &dyn Store, key: &str) -> Result<Option<(String, u64)>, StoreError> {
    let found = store.sha256(key).await;
    if found.is_ok() {
        return found;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    store.sha256(key).await
}

/// What the store gave for a key, against what its record says.
fn compare(
    key: String,
    want: String,
    found: Result<Option<(String, u64)>, StoreError>,
) -> ObjectCheck {
    let (status, actual, error) = match found {
        Ok(None) => (Status::Missing, None, None),
        Ok(Some((got, _))) if got == want => (Status::Ok, Some(got), None),
        Ok(Some((got, _))) => (Status::Mismatched, Some(got), None),
        Err(e) => (Status::Unreadable, None, Some(e)),
    };
    ObjectCheck {
        key,
        status,
        expected_sha256: want,
        actual_sha256: actual,
        error: error.map(|e| e.to_string().chars().take(300).collect()),
    }
}

impl VerifyReport {
    /// Count one object's check; keep it among the bad ones unless ok.
    fn count(&mut self, c: &ObjectCheck) {
        match c.status {
            Status::Ok => self.ok += 1,
            Status::Mismatched => self.mismatched += 1,
            Status::Missing => self.missing += 1,
            Status::Unreadable => self.unreadable += 1,
        }
        if c.status != Status::Ok {
            self.bad.push(c.clone());
        }
    }
}
