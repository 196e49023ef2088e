//! Catalog: the one module that reads and writes what sohoa records about
//! its work: batch records and their index, submissions and failures of
//! batches, audit reports, access-log entries. Everything else asks the
//! catalog ("this batch's record", "the case's documents", "this
//! document", "where is this batch") and never parses a record itself.
//!
//! The catalog builds its keys with [`crate::keys`] and keeps its bytes in
//! a [`Store`](crate::store::Store); the record types are plain data in
//! [`crate::record`].
//!
//! Invariant: only the catalog writes under `cases/`, `batches/`,
//! `claims/`, `submissions/`, `failures/`, `announced/`, `audits/`,
//! `amendments/` and `access-log/`
//! (checked by `tests/architecture.rs`).

pub mod access_log;
pub mod amendments;
pub mod audits;
pub mod batches;
pub mod claims;
pub mod derived;
pub mod log;
pub mod records;

pub use batches::{BatchStatus, Failure, Submission};
pub use records::Found;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored {key} cannot be read: {reason}")]
    Unreadable { key: String, reason: String },
}

/// Serialise a catalog object (its types always serialise).
fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// Parse a catalog object, naming the key when it cannot be read.
fn from_json<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, CatalogError> {
    serde_json::from_slice(bytes).map_err(|e| CatalogError::Unreadable {
        key: key.to_string(),
        reason: e.to_string(),
    })
}
