//! Batch records: `cases/<case_code>/<batch_id>.json`, written after every
//! object it names, then its index `batches/<batch_id>.json`.

use super::{CatalogError, from_json, to_json};
use crate::keys;
use crate::record::{BatchRecord, CaseCode, CaseView, DocumentRecord};
use crate::store::{Put, Store, StoreError};

/// A stored record and its key.
#[derive(Debug, Clone)]
pub struct Found {
    pub key: String,
    pub record: BatchRecord,
}

/// The record a batch produced, if it has been digitised.
pub async fn find_batch(store: &dyn Store, batch_id: &str) -> Result<Option<Found>, CatalogError> {
    let index_key = keys::batch_index(batch_id);
    let Some(pointer) = store.get(&index_key).await? else {
        return Ok(None);
    };
    let p: serde_json::Value = from_json(&index_key, &pointer)?;
    let key = p["record"]
        .as_str()
        .ok_or_else(|| CatalogError::Unreadable {
            key: index_key.clone(),
            reason: "no 'record' field".into(),
        })?
        .to_string();
    let Some(bytes) = store.get(&key).await? else {
        return Ok(None);
    };
    let record = from_json(&key, &bytes)?;
    Ok(Some(Found { key, record }))
}

/// Store a batch's record, then its index. Call only once every object the
/// record names is stored. If another worker stored the same batch's record
/// first, that record is kept and returned with `created == false`.
pub async fn store_record(
    store: &dyn Store,
    record: BatchRecord,
) -> Result<(Found, bool), CatalogError> {
    let key = keys::record(record.case_code.as_str(), &record.batch_id);
    let bytes = to_json(&record);
    let (record, created, bytes) = match store.put_if_absent(&key, bytes.clone()).await? {
        Put::Created => (record, true, bytes),
        Put::Existed => {
            let bytes = store.get(&key).await?.ok_or_else(|| {
                StoreError::Backend(format!(
                    "{key} was reported as existing but cannot be read yet"
                ))
            })?;
            (from_json(&key, &bytes)?, false, bytes)
        }
    };
    // Queued for the log (again, harmlessly, when found: a writer that
    // died between the record and its marker leaves no record unqueued).
    super::log::queue(store, &key, &bytes).await?;
    let pointer = serde_json::json!({ "batch_id": record.batch_id, "record": key });
    store
        .put_if_absent(
            &keys::batch_index(&record.batch_id),
            pointer.to_string().into_bytes(),
        )
        .await?;
    Ok((Found { key, record }, created))
}

/// Every record of one case (or of the whole store), in key order, and the
/// keys of records that could not be read as batch records.
pub async fn records(
    store: &dyn Store,
    case: Option<&str>,
) -> Result<(Vec<(String, BatchRecord)>, Vec<String>), StoreError> {
    let prefix = match case {
        Some(c) => keys::case_prefix(c),
        None => keys::CASES.to_string(),
    };
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for key in record_keys_under(store, &prefix).await? {
        match store.get(&key).await? {
            Some(bytes) => match serde_json::from_slice::<BatchRecord>(&bytes) {
                Ok(r) => out.push((key, r)),
                Err(_) => unreadable.push(key),
            },
            None => unreadable.push(key),
        }
    }
    Ok((out, unreadable))
}

/// The case as officers see it, its amendments applied; `None` when no
/// batch is under it.
pub async fn case_view(
    store: &dyn Store,
    case: &CaseCode,
) -> Result<Option<CaseView>, CatalogError> {
    super::amendments::case_view(store, case).await
}

/// A document of a case as amended (its PDF and text still the
/// machine's), and the batch it came from.
pub async fn find_document(
    store: &dyn Store,
    case: &CaseCode,
    id: &str,
) -> Result<Option<(String, DocumentRecord)>, CatalogError> {
    Ok(super::amendments::find_document(store, case, id)
        .await?
        .and_then(|a| {
            a.document(id)
                .map(|d| (a.record.batch_id.clone(), d.document.clone()))
        }))
}

/// The key of every batch record in the store, in key order (what the
/// search index compares with the records it holds).
pub async fn record_keys(store: &dyn Store) -> Result<Vec<String>, StoreError> {
    record_keys_under(store, keys::CASES).await
}

/// The keys of batch records under `prefix`, in key order.
async fn record_keys_under(store: &dyn Store, prefix: &str) -> Result<Vec<String>, StoreError> {
    let mut keys: Vec<String> = store
        .list(prefix)
        .await?
        .into_iter()
        .filter(|k| keys::is_record(k))
        .collect();
    keys.sort();
    Ok(keys)
}

/// The record stored under `key` (one of [`record_keys`]); `None` if it is gone.
pub async fn read_record(
    store: &dyn Store,
    key: &str,
) -> Result<Option<BatchRecord>, CatalogError> {
    match store.get(key).await? {
        Some(bytes) => Ok(Some(from_json(key, &bytes)?)),
        None => Ok(None),
    }
}

/// A document's OCR text as its record names it, checked against the
/// recorded SHA-256: `Ok(None)` when the object is missing or its bytes do
/// not match (the caller decides what a document without text means).
pub async fn document_text(
    store: &dyn Store,
    document: &DocumentRecord,
) -> Result<Option<String>, StoreError> {
    use sha2::{Digest, Sha256};
    let Some(bytes) = store.get(&document.text.key).await? else {
        return Ok(None);
    };
    if !hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(&document.text.sha256) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}
