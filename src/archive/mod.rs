//! Archive: content-addressed, write-once storage of everything a batch
//! produces, and the fixity check (`verify`) over it.
//!
//! Key layout (the same on every backend):
//!
//! | key | what |
//! |---|---|
//! | `originals/<sha256>` | a station file exactly as received |
//! | `documents/<sha256>.pdf` | a document's searchable PDF |
//! | `text/<sha256>.txt` | a document's OCR text |
//! | `cases/<case_code>/<batch_id>.json` | the batch record, written last |
//! | `batches/<batch_id>.json` | index: which record a batch produced |
//! | `inbox/<batch_id>/<name>` | a station file waiting for a worker |
//! | `submissions/<batch_id>/<time>.json` | each time a batch was queued, by whom |
//! | `failures/<batch_id>/<time>.json` | each time a worker refused a batch, and why |
//! | `audits/<audit_id>.json` | a fixity audit's report (the archivist's evidence) |
//! | `audits/started/<audit_id>.json` | who started an audit, and when |
//! | `access-log/<date>/<time>-<n>.json` | one API access: who, what, when, from where |
//! | `auth/tokens/<sha256>.json` | an API token (only its SHA-256 is kept) |
//! | `auth/revoked/<sha256>.json` | the token's revocation |
//!
//! Invariants: an object is never overwritten (content keys make a second
//! write of the same bytes a no-op; records are checked before writing);
//! a record is written only after every object it names is stored, so a
//! record's presence means the batch is complete.

mod local;
mod s3;
pub mod verify;

pub use local::LocalStore;
pub use s3::S3Store;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::pin::Pin;

/// An object's bytes as they arrive from the backend.
pub type Chunks =
    Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, StoreError>> + Send>>;

/// An object opened for reading: its size first, then its bytes in chunks,
/// so that a large object never has to fit in memory.
pub struct ObjectReader {
    pub size: u64,
    pub chunks: Chunks,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid storage key '{0}'")]
    InvalidKey(String),
    #[error("storage I/O on '{key}': {source}")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
    #[error("storage backend: {0}")]
    Backend(String),
}

/// Whether a write created the object or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Created,
    Existed,
}

/// An object store. Implementations: [`LocalStore`] (a directory; the
/// object with key K is the file DIR/K) and [`S3Store`].
#[async_trait]
pub trait Store: Send + Sync {
    /// Write `bytes` under `key` unless the key exists; never overwrites.
    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StoreError>;
    /// The object's bytes, `None` if absent.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn exists(&self, key: &str) -> Result<bool, StoreError>;
    /// Keys under `prefix`, sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
    /// Open the object for streaming; `None` if absent.
    async fn open_stream(&self, key: &str) -> Result<Option<ObjectReader>, StoreError>;
    /// SHA-256 (hex) and size of the object, computed while streaming it;
    /// `None` if absent.
    async fn sha256(&self, key: &str) -> Result<Option<(String, u64)>, StoreError> {
        use futures_util::StreamExt;
        let Some(mut r) = self.open_stream(key).await? else {
            return Ok(None);
        };
        let mut h = Sha256::new();
        let mut n = 0u64;
        while let Some(chunk) = r.chunks.next().await {
            let chunk = chunk?;
            h.update(&chunk);
            n += chunk.len() as u64;
        }
        Ok(Some((hex::encode(h.finalize()), n)))
    }
    /// For messages: where this store is.
    fn describe(&self) -> String;
}

/// Keys are relative paths of plain segments: letters, digits, `.`, `-`,
/// `_`; no empty segment, no `.` or `..`, no leading `/`.
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        });
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidKey(key.to_string()))
    }
}

pub fn original_key(sha256: &str) -> String {
    format!("originals/{sha256}")
}
pub fn document_key(sha256: &str) -> String {
    format!("documents/{sha256}.pdf")
}
pub fn text_key(sha256: &str) -> String {
    format!("text/{sha256}.txt")
}
pub fn record_key(case_code: &str, batch_id: &str) -> String {
    format!("cases/{case_code}/{batch_id}.json")
}
pub fn batch_index_key(batch_id: &str) -> String {
    format!("batches/{batch_id}.json")
}

pub fn submission_key(batch_id: &str, time: &str) -> String {
    format!("submissions/{batch_id}/{time}.json")
}
pub fn failure_key(batch_id: &str, time: &str) -> String {
    format!("failures/{batch_id}/{time}.json")
}

/// Open a store from its command-line form: a directory path (the local
/// backend) or `s3://BUCKET[/PREFIX]`.
pub async fn open(spec: &str) -> Result<Box<dyn Store>, StoreError> {
    if spec.starts_with("s3://") {
        return Ok(Box::new(S3Store::open(spec).await?));
    }
    Ok(Box::new(LocalStore::new(spec)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_store() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "cases/../../x",
            "a//b",
            "cases/./x",
            "a\\b",
            "a b",
        ] {
            assert!(validate_key(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["originals/ab12", "cases/000.00.13.H04-210628-0001/b-1.json"] {
            assert!(validate_key(good).is_ok(), "{good:?} should be accepted");
        }
    }
}
