//! Keeping the index in step with the store: catch up on the records it
//! lacks ([`sync`]), start again from nothing ([`rebuild`]), and compare
//! the two ([`status`]). The store is the truth; the index only ever reads
//! it, through the catalog.

use super::{Index, IndexError, rows};
use crate::catalog::{amendments, records};
use crate::record::BatchRecord;
use crate::record::amendment::Amendment;
use crate::store::Store;
use std::collections::BTreeMap;

/// What a sync or a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SyncReport {
    /// Records indexed now.
    pub records: usize,
    /// Their documents.
    pub documents: usize,
    /// Documents indexed without their text (missing, or not matching its
    /// recorded SHA-256: `sohoa verify` says more).
    pub without_text: usize,
    /// Records that could not be read from the store, and why.
    pub unreadable: Vec<String>,
    /// Records the index refused (the sync went on with the others), and why.
    pub failed: Vec<String>,
}

/// The store against the index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    /// Batch records in the store.
    pub store_records: usize,
    /// Records the index holds.
    pub index_records: usize,
    /// Documents the index holds.
    pub index_documents: usize,
    /// Records in the store the index does not hold yet (`sohoa index sync`).
    pub missing: usize,
    /// Records the index holds without their latest amendments (`sohoa
    /// index sync` indexes them again).
    pub amended: usize,
}

/// The keys of the records the index holds, each with the key of the
/// latest amendment its rows apply.
async fn indexed_keys(index: &Index) -> Result<BTreeMap<String, Option<String>>, IndexError> {
    let client = index.reader().await?;
    let rows = client
        .query("SELECT record_key, amendment FROM indexed_records", &[])
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The records of the store the index lacks or holds without their
/// latest amendment, in key order, and how many are of the second kind.
async fn behind(
    store: &dyn Store,
    index: &Index,
) -> Result<(Vec<String>, usize, usize), IndexError> {
    let have = indexed_keys(index).await?;
    let latest = amendments::latest_per_batch(store).await?;
    let (mut out, mut missing, mut amended) = (Vec::new(), 0, 0);
    for key in records::record_keys(store).await? {
        let want = crate::keys::batch_of_record(&key).and_then(|b| latest.get(b));
        match have.get(&key) {
            None => missing += 1,
            Some(applied) if applied.as_ref() != want => amended += 1,
            Some(_) => continue,
        }
        out.push(key);
    }
    Ok((out, missing, amended))
}

/// A record and its documents' texts, read through the catalog.
async fn load(
    store: &dyn Store,
    key: &str,
    report: &mut SyncReport,
) -> Result<Option<(BatchRecord, Vec<Amendment>, Vec<String>)>, IndexError> {
    let record = match records::read_record(store, key).await {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(None),
        Err(crate::catalog::CatalogError::Unreadable { key, reason }) => {
            report.unreadable.push(format!("{key}: {reason}"));
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let mut texts = Vec::with_capacity(record.documents.len());
    for d in &record.documents {
        match records::document_text(store, d).await? {
            Some(t) => texts.push(t),
            None => {
                tracing::warn!(document = %d.id, "text {} missing or not matching its hash: indexed without text", d.text.key);
                report.without_text += 1;
                texts.push(String::new());
            }
        }
    }
    let amendments = amendments::of_batch(store, &record.batch_id).await?;
    Ok(Some((record, amendments, texts)))
}

/// Index one record again now, with its amendments (after an officer
/// amended it). Returns how many documents it has.
pub async fn reindex(store: &dyn Store, index: &Index, key: &str) -> Result<usize, IndexError> {
    let mut report = SyncReport::default();
    let Some((record, amendments, texts)) = load(store, key, &mut report).await? else {
        return Ok(0);
    };
    index.put_amended(key, &record, &amendments, &texts).await?;
    Ok(record.documents.len())
}

/// Index every record of the store the index does not hold yet, or holds
/// without its latest amendments, each in its own transaction (an
/// interrupted sync keeps what it did).
pub async fn sync(store: &dyn Store, index: &Index) -> Result<SyncReport, IndexError> {
    let (keys, _, _) = behind(store, index).await?;
    let mut report = SyncReport::default();
    for key in keys {
        let Some((record, amendments, texts)) = load(store, &key, &mut report).await? else {
            continue;
        };
        // One record the index refuses does not hold up the others; an
        // index that cannot be reached ends the sync.
        match index.put_amended(&key, &record, &amendments, &texts).await {
            Ok(()) => {
                report.records += 1;
                report.documents += record.documents.len();
            }
            Err(e @ (IndexError::Unreachable(_) | IndexError::Migration(_))) => return Err(e),
            Err(IndexError::Database(e)) if e.is_closed() => return Err(IndexError::Database(e)),
            Err(e) => {
                tracing::warn!(record = %key, "not indexed: {e}");
                report.failed.push(format!("{key}: {e}"));
            }
        }
    }
    Ok(report)
}

/// Empty the index and index every record of the store again, in one
/// transaction: searches see the old index until the new one is complete
/// (rows are deleted, not truncated, so readers are never locked out).
pub async fn rebuild(store: &dyn Store, index: &Index) -> Result<SyncReport, IndexError> {
    let keys = records::record_keys(store).await?;
    index
        .with_writer(async |c| {
            let tx = c.transaction().await?;
            tx.batch_execute("DELETE FROM documents; DELETE FROM indexed_records")
                .await?;
            let mut report = SyncReport::default();
            for key in &keys {
                let Some((record, amendments, texts)) = load(store, key, &mut report).await? else {
                    continue;
                };
                let rows = rows::rows(&record, &amendments, &texts);
                let latest = amendments.last().map(amendments::key_of);
                let at = rows::Indexed {
                    key,
                    record: &record,
                    amendment: latest.as_deref(),
                };
                rows::write(&tx, &at, &rows).await?;
                report.records += 1;
                report.documents += rows.len();
            }
            tx.commit().await?;
            Ok(report)
        })
        .await
}

/// How many records the store has and the index holds.
pub async fn status(store: &dyn Store, index: &Index) -> Result<Status, IndexError> {
    let in_store = records::record_keys(store).await?;
    let have = indexed_keys(index).await?;
    let (_, missing, amended) = behind(store, index).await?;
    let client = index.reader().await?;
    let documents: i64 = client
        .query_one("SELECT count(*) FROM documents", &[])
        .await?
        .get(0);
    Ok(Status {
        store_records: in_store.len(),
        index_records: have.len(),
        index_documents: documents as usize,
        missing,
        amended,
    })
}
