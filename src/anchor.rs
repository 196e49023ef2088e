//! Anchoring: the store checked against its transparency log (part of
//! `sohoa verify` and the API's audits, through [`crate::fixity::check`]).
//! Re-hashing objects against their records (fixity) cannot see a record
//! rewritten together with its PDF, or a batch deleted with its record;
//! the log can, when the archivist keeps something outside the bucket:
//! the log's public key and a checkpoint pinned earlier.
//!
//! What is checked: the latest checkpoint's signature; its consistency
//! with the pinned checkpoint (a consistency proof from the tiles); that
//! the entry bundles hash to the checkpoint's root; that every leaf's
//! object is present and unchanged (else `deleted_record`,
//! `rewritten_record`); that every record under `cases/` has a leaf (else
//! `unanchored_record`, or pending when younger than the grace); and, for
//! the whole store, that every object under `originals/`, `documents/`,
//! `text/` is named by a logged (or pending) record (else `orphan_object`,
//! or pending when younger than the grace: a batch being stored writes its
//! objects before its record) and that content-addressed keys match their bytes' SHA-256 (else
//! `key_hash_mismatch`). An object that cannot be read is reported
//! (`unreadable_object`) and the check goes on.
//!
//! Where the store keeps versions (a versioned bucket, as S3 Object Lock
//! requires), every archive key holding more than one version or a delete
//! marker is a `multiple_versions` finding: written over or deleted, with
//! the earlier bytes still in the bucket. Where it keeps none (a directory,
//! Garage without versioning, s3s-fs) the report says `versions:
//! unchecked` and why, so that nobody reads the silence as a pass.

use crate::catalog::log::{self, Leaf, LogError};
use crate::catalog::records;
use crate::keys;
use crate::record::BatchRecord;
use crate::store::{Store, StoreError, Versions};
use crate::tlog::{self, Verifier};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the archivist keeps outside the bucket, and how long a record
/// may wait for its leaf.
#[derive(Debug, Clone)]
pub struct Anchors {
    /// The log's public key (`sohoa log key` printed it).
    pub verifier: Option<Verifier>,
    /// A checkpoint note pinned earlier (`sohoa log checkpoint`).
    pub pinned: Option<String>,
    /// A record without a leaf younger than this is pending, not unanchored.
    pub pending_grace: std::time::Duration,
}

impl Default for Anchors {
    fn default() -> Anchors {
        Anchors {
            verifier: None,
            pinned: None,
            pending_grace: std::time::Duration::from_secs(600),
        }
    }
}

/// What anchoring found wrong with a key.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A record under `cases/` with no leaf in the log, older than the grace.
    UnanchoredRecord,
    /// A logged object whose bytes are not those its leaf holds.
    RewrittenRecord,
    /// A logged object that is gone.
    DeletedRecord,
    /// A content object no logged or pending record names.
    OrphanObject,
    /// A content-addressed object whose bytes do not hash to its key.
    KeyHashMismatch,
    /// The log itself: a bad signature, tiles or bundles that do not give
    /// the checkpoint's root, a checkpoint not consistent with the pinned one.
    LogInconsistency,
    /// The store holds the key but could not return its bytes.
    UnreadableObject,
    /// An archive key of which the (versioned) store keeps more than one
    /// version, or a delete marker: it was written over or deleted.
    MultipleVersions,
}

/// One thing anchoring found wrong.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Finding {
    /// The store key concerned (a log key for a log inconsistency).
    pub key: String,
    pub outcome: Outcome,
    /// What was found, for a person.
    pub detail: String,
}

/// The log part of a verify or audit report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct LogReport {
    /// The log's latest checkpoint, as stored: copy it outside the bucket
    /// to pin it (`--pinned-checkpoint`). Absent when nothing is logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub checkpoint: Option<String>,
    /// Leaves in the log at that checkpoint.
    pub size: u64,
    /// The checkpoint's signature: `valid`, `invalid` (not by the key
    /// given), `unsigned` (the log has no key), `unchecked` (no public key given).
    #[schema(pattern = "^(valid|invalid|unsigned|unchecked)$")]
    pub signature: String,
    /// The size of the pinned checkpoint checked against it, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pinned_size: Option<u64>,
    /// Records with no leaf yet, and content objects no record names yet,
    /// younger than the logging grace (a batch being stored).
    pub pending: Vec<String>,
    /// Everything found wrong, by key.
    pub findings: Vec<Finding>,
    /// Whether the store's object versions were checked: `checked` (a
    /// versioned bucket: each archive key written over or deleted is a
    /// `multiple_versions` finding) or `unchecked` (the store keeps or
    /// lists no versions; `versions_detail` says why).
    #[serde(default = "unchecked")]
    #[schema(pattern = "^(checked|unchecked)$")]
    pub versions: String,
    /// Why versions were not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub versions_detail: Option<String>,
}

/// What a report stored before versions were checked says of them.
fn unchecked() -> String {
    "unchecked".into()
}

impl LogReport {
    pub fn all_ok(&self) -> bool {
        self.findings.is_empty() && self.signature != "invalid"
    }
    fn find(&mut self, key: &str, outcome: Outcome, detail: impl Into<String>) {
        self.findings.push(Finding {
            key: key.to_string(),
            outcome,
            detail: detail.into(),
        });
    }
    fn count(&self, outcome: Outcome) -> usize {
        self.findings
            .iter()
            .filter(|f| f.outcome == outcome)
            .count()
    }
    /// `unanchored 1, rewritten 0, …` for a summary line.
    pub fn summary(&self) -> String {
        use Outcome::*;
        [
            ("unanchored", UnanchoredRecord),
            ("rewritten", RewrittenRecord),
            ("deleted", DeletedRecord),
            ("orphans", OrphanObject),
            ("key/hash mismatches", KeyHashMismatch),
            ("log inconsistencies", LogInconsistency),
            ("unreadable", UnreadableObject),
            ("with several versions", MultipleVersions),
        ]
        .iter()
        .map(|(name, o)| format!("{} {name}", self.count(*o)))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// Objects read at once.
const CONCURRENCY: usize = 32;

/// Check the store against its log. `hashed` holds the SHA-256 fixity
/// already computed of each key, so nothing is read twice; returns the
/// report and the keys of content objects named by logged or pending records.
pub async fn check(
    store: &dyn Store,
    case: Option<&str>,
    anchors: &Anchors,
    hashed: &BTreeMap<String, String>,
) -> Result<LogReport, StoreError> {
    let mut report = LogReport {
        checkpoint: None,
        size: 0,
        signature: "unchecked".into(),
        pinned_size: None,
        pending: Vec::new(),
        findings: Vec::new(),
        versions: unchecked(),
        versions_detail: None,
    };
    let leaves = match check_log(store, anchors, &mut report).await {
        Ok(leaves) => leaves,
        Err(LogError::Store(e)) => return Err(e),
        Err(e) => {
            report.find(
                keys::LOG_CHECKPOINTS,
                Outcome::LogInconsistency,
                e.to_string(),
            );
            Vec::new()
        }
    };
    let in_scope = |k: &str| case.is_none_or(|c| k.starts_with(&keys::case_prefix(c)));
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in leaves.into_iter().filter(|l| in_scope(&l.key)) {
        by_key.entry(l.key).or_default().push(l.sha256);
    }
    let anchored = check_leaves(store, &by_key, &mut report).await?;
    let named = check_records(store, case, anchors, (&by_key, &anchored), &mut report).await?;
    if case.is_none() {
        check_content(store, anchors, &named, hashed, &mut report).await?;
    }
    check_versions(store, case, &mut report).await?;
    Ok(report)
}

/// Every archive key (of the case, or of the whole store) of which the
/// store keeps more than one version or a delete marker; or why versions
/// could not be checked.
async fn check_versions(
    store: &dyn Store,
    case: Option<&str>,
    report: &mut LogReport,
) -> Result<(), StoreError> {
    let prefix = case.map(keys::case_prefix).unwrap_or_default();
    match store.versions(&prefix).await? {
        Versions::NotKept(why) => report.versions_detail = Some(why),
        Versions::Listed(all) => {
            report.versions = "checked".into();
            for (key, v) in all.iter().filter(|(k, _)| keys::is_archive(k)) {
                if v.versions + v.delete_markers > 1 {
                    report.find(
                        key,
                        Outcome::MultipleVersions,
                        format!(
                            "the bucket keeps {} versions and {} delete markers of this key: \
                             it was written over or deleted (earlier bytes: ListObjectVersions)",
                            v.versions, v.delete_markers
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

/// The checkpoint (signature, pinned consistency) and the log's leaves,
/// replayed from the entry bundles and checked against its root.
async fn check_log(
    store: &dyn Store,
    anchors: &Anchors,
    report: &mut LogReport,
) -> Result<Vec<Leaf>, LogError> {
    let Some(cp) = log::latest_checkpoint(store).await? else {
        if let Some(pinned) = &anchors.pinned {
            let size = tlog::parse_note(pinned).map_or(0, |n| n.checkpoint.size);
            report.pinned_size = Some(size);
            report.find(keys::LOG_CHECKPOINTS, Outcome::LogInconsistency,
                format!("the log has no checkpoint, but one of size {size} was pinned: it was truncated or removed"));
        }
        return Ok(Vec::new());
    };
    report.checkpoint = Some(cp.text.clone());
    report.size = cp.note.checkpoint.size;
    report.signature = match &anchors.verifier {
        None => "unchecked",
        Some(_) if cp.note.signatures.is_empty() => "unsigned",
        Some(v) if v.verifies(&cp.note) => "valid",
        Some(_) => "invalid",
    }
    .into();
    if report.signature == "invalid" || report.signature == "unsigned" {
        report.find(
            &cp.key,
            Outcome::LogInconsistency,
            format!(
                "the checkpoint is {}",
                if report.signature == "invalid" {
                    "not signed by the log's public key"
                } else {
                    "unsigned, but the log's public key was given"
                }
            ),
        );
    }
    if let Some(pinned) = &anchors.pinned {
        check_pinned(store, &cp, pinned, anchors, report).await?;
    }
    let leaves = replay(store, cp.note.checkpoint.size).await?;
    let root = tlog::root_of(&leaves.iter().map(Leaf::hash).collect::<Vec<_>>());
    if root != cp.note.checkpoint.root {
        report.find(&cp.key, Outcome::LogInconsistency,
            "the log's entries do not hash to the checkpoint's root: entries were changed, added or removed");
    }
    Ok(leaves)
}

/// The pinned checkpoint: same origin, not larger, its signature, and a
/// consistency proof from it to the latest.
async fn check_pinned(
    store: &dyn Store,
    cp: &log::StoredCheckpoint,
    pinned: &str,
    anchors: &Anchors,
    report: &mut LogReport,
) -> Result<(), LogError> {
    let p = match tlog::parse_note(pinned) {
        Ok(p) => p,
        Err(e) => {
            report.find(
                "pinned checkpoint",
                Outcome::LogInconsistency,
                e.to_string(),
            );
            return Ok(());
        }
    };
    let (old, new) = (&p.checkpoint, &cp.note.checkpoint);
    report.pinned_size = Some(old.size);
    if anchors.verifier.as_ref().is_some_and(|v| !v.verifies(&p)) {
        report.find(
            "pinned checkpoint",
            Outcome::LogInconsistency,
            "the pinned checkpoint is not signed by the log's public key",
        );
    }
    let why = if old.origin != new.origin {
        Some(format!(
            "the pinned checkpoint is of another log ({})",
            old.origin
        ))
    } else if old.size > new.size {
        Some(format!(
            "the log has {} leaves, fewer than the {} of the pinned checkpoint: it was truncated",
            new.size, old.size
        ))
    } else {
        let proof = log::consistency_proof(store, old.size, new.size).await;
        match proof {
            Ok(proof)
                if tlog::verify_consistency(old.size, new.size, &old.root, &new.root, &proof) =>
            {
                None
            }
            Ok(_) => Some(format!(
                "the log at {} is not an extension of the pinned checkpoint (size {}): its history was rewritten",
                new.size, old.size
            )),
            Err(LogError::Store(e)) => return Err(e.into()),
            Err(e) => Some(format!(
                "no consistency proof from the pinned checkpoint: {e}"
            )),
        }
    };
    if let Some(why) = why {
        report.find(&cp.key, Outcome::LogInconsistency, why);
    }
    Ok(())
}

/// Every leaf of the log of `size`, from its entry bundles.
async fn replay(store: &dyn Store, size: u64) -> Result<Vec<Leaf>, LogError> {
    let mut reads = Vec::new();
    for i in 0..size.div_ceil(tlog::TILE_WIDTH) {
        let width = (size - i * tlog::TILE_WIDTH).min(tlog::TILE_WIDTH);
        reads.push(log::read_bundle(store, i, width));
    }
    let reads: Vec<_> = futures_util::stream::iter(reads)
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut leaves = Vec::with_capacity(size as usize);
    for entries in reads {
        for e in entries? {
            let leaf: Leaf = serde_json::from_slice(&e)
                .map_err(|_| LogError::Inconsistent("an entry is not a leaf".into()))?;
            leaves.push(leaf);
        }
    }
    Ok(leaves)
}

/// Each logged key's object: present and as its (first) leaf holds it.
/// Returns the keys that are.
async fn check_leaves(
    store: &dyn Store,
    by_key: &BTreeMap<String, Vec<String>>,
    report: &mut LogReport,
) -> Result<BTreeSet<String>, StoreError> {
    let reads: Vec<_> = by_key.keys().map(|k| read_hash(store, k)).collect();
    let found: Vec<_> = futures_util::stream::iter(reads)
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut anchored = BTreeSet::new();
    for ((key, hashes), got) in by_key.iter().zip(found) {
        let first = &hashes[0];
        match got {
            Err(e) => report.find(key, Outcome::UnreadableObject, e.to_string()),
            Ok(None) => report.find(
                key,
                Outcome::DeletedRecord,
                format!("logged (SHA-256 {first}) and gone"),
            ),
            Ok(Some(h)) if &h != first => report.find(
                key,
                Outcome::RewrittenRecord,
                format!("logged with SHA-256 {first}, its bytes now hash to {h}"),
            ),
            Ok(Some(_)) if hashes.iter().any(|h| h != first) => report.find(
                key,
                Outcome::RewrittenRecord,
                "logged again with other bytes: the record was rewritten after it was logged",
            ),
            Ok(Some(_)) => {
                anchored.insert(key.clone());
            }
        }
    }
    Ok(anchored)
}

/// Records under `cases/`: each has a leaf, or is pending. Returns the
/// content objects the anchored and pending records name.
async fn check_records(
    store: &dyn Store,
    case: Option<&str>,
    anchors: &Anchors,
    (by_key, anchored): (&BTreeMap<String, Vec<String>>, &BTreeSet<String>),
    report: &mut LogReport,
) -> Result<BTreeSet<String>, StoreError> {
    let prefix = case.map_or_else(|| keys::CASES.to_string(), keys::case_prefix);
    let mut named = BTreeSet::new();
    let now = time::OffsetDateTime::now_utc();
    for key in store
        .list(&prefix)
        .await?
        .into_iter()
        .filter(|k| keys::is_record(k))
    {
        let logged = by_key.contains_key(&key);
        if logged && !anchored.contains(&key) {
            continue;
        }
        let record: Option<BatchRecord> = match records::read_record(store, &key).await {
            Ok(r) => r,
            Err(crate::catalog::CatalogError::Store(e)) => return Err(e),
            Err(_) => None,
        };
        if !logged {
            let young = record.as_ref().is_some_and(|r| {
                time::OffsetDateTime::parse(
                    &r.finished_at,
                    &time::format_description::well_known::Rfc3339,
                )
                .is_ok_and(|t| now - t < anchors.pending_grace)
            });
            if !young {
                report.find(
                    &key,
                    Outcome::UnanchoredRecord,
                    "no leaf in the transparency log",
                );
                continue;
            }
            report.pending.push(key.clone());
        }
        named.extend(
            record
                .iter()
                .flat_map(|r| r.objects().into_iter().map(|(k, _)| k)),
        );
    }
    Ok(named)
}

/// Content objects: named by some logged or pending record (else an
/// orphan, or pending while younger than the grace: a batch being stored
/// writes its objects before its record), and their bytes hashing to
/// their key.
async fn check_content(
    store: &dyn Store,
    anchors: &Anchors,
    named: &BTreeSet<String>,
    hashed: &BTreeMap<String, String>,
    report: &mut LogReport,
) -> Result<(), StoreError> {
    let mut all = Vec::new();
    for prefix in keys::CONTENT_PREFIXES {
        all.extend(store.list(prefix).await?);
    }
    let reads: Vec<_> = all
        .iter()
        .map(|key| read_known_hash(store, key, hashed.get(key).cloned()))
        .collect();
    let found: Vec<_> = futures_util::stream::iter(reads)
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let now = time::OffsetDateTime::now_utc();
    for (key, got) in all.into_iter().zip(found) {
        if !named.contains(&key) {
            match store.modified(&key).await {
                Ok(Some(t)) if now - t < anchors.pending_grace => report.pending.push(key.clone()),
                _ => report.find(&key, Outcome::OrphanObject, "named by no logged record"),
            }
        }
        let want = keys::content_sha256(&key);
        match got {
            Err(e) => report.find(&key, Outcome::UnreadableObject, e.to_string()),
            Ok(Some(h)) if want != Some(h.as_str()) => report.find(
                &key,
                Outcome::KeyHashMismatch,
                format!("its bytes hash to {h}"),
            ),
            _ => {}
        }
    }
    Ok(())
}

/// An object's SHA-256 as already computed, else read.
async fn read_known_hash(
    store: &dyn Store,
    key: &str,
    known: Option<String>,
) -> Result<Option<String>, StoreError> {
    match known {
        Some(h) => Ok(Some(h)),
        None => read_hash(store, key).await,
    }
}

/// An object's SHA-256, read once more after a pause if the first read fails.
async fn read_hash(store: &dyn Store, key: &str) -> Result<Option<String>, StoreError> {
    let first = store.sha256(key).await;
    let found = match first {
        Ok(f) => f,
        Err(_) => {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            store.sha256(key).await?
        }
    };
    Ok(found.map(|(h, _)| h))
}
