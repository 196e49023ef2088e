//! Stores: where bytes live, by key. A store knows bytes and keys only:
//! it never parses what it holds (the catalog does) and never builds a key
//! (the `keys` module does). Backends: [`LocalStore`] (a directory; the
//! object with key K is the file DIR/K) and [`S3Store`] (aws-sdk-s3).
//!
//! Every write is `put_if_absent`: a key, once written, is never
//! overwritten through this trait. The one removal is of a queue entry
//! ([`Store::remove_transient`], [`crate::keys::is_transient`]): a station
//! file in the inbox (`inbox/<batch_id>/<name>`) once its batch's record
//! holds it under `originals/`, and a record's pending marker in the log
//! once the record has its leaf. How strongly each backend holds that
//! under concurrent writers is said on each implementation and in
//! ARCHITECTURE.md.
//!
//! Beyond sohoa's own writes, a store may hold its objects against
//! everyone else: with [`ObjectLock`] (`--object-lock-days N`) the S3
//! backend writes every archive key ([`crate::keys::is_archive`]) with
//! compliance-mode retention for N days, after checking at open that the
//! bucket has Object Lock enabled (it refuses to open otherwise, so that
//! nobody is told the archive is locked when the store ignores the
//! headers, as s3s-fs does). [`Store::versions`] lists what a versioned
//! bucket kept of each key, so that `verify` can flag a key written more
//! than once.

mod local;
mod s3;

pub use local::LocalStore;
pub use s3::S3Store;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
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
    /// Object Lock was asked for (`--object-lock-days`) and this store
    /// cannot give it: what the store said, and what to do.
    #[error("object lock: {0}")]
    ObjectLock(String),
}

/// S3 Object Lock asked of the store: every archive object written is
/// retained in compliance mode (nobody, the bucket's owner included, can
/// delete or overwrite that version) for `days` days from its writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLock {
    pub days: u32,
}

/// The `--object-lock-days` option, shared by the worker, `sohoa process`,
/// `sohoa serve` and every other command that opens a store.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ObjectLockArg {
    /// Retain every archive object written (everything but the inbox) in
    /// S3 Object Lock compliance mode for this many days. The bucket must
    /// have Object Lock enabled (a bucket sohoa creates gets it); a store
    /// without it (a directory, Garage, s3s-fs) is refused at start.
    #[arg(long, env = "SOHOA_OBJECT_LOCK_DAYS",
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub object_lock_days: Option<u32>,
}

impl ObjectLockArg {
    pub fn lock(&self) -> Option<ObjectLock> {
        self.object_lock_days.map(|days| ObjectLock { days })
    }
}

/// What a store kept of each key's versions ([`Store::versions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Versions {
    /// The store keeps every version (a versioned bucket): each key with
    /// how many versions and delete markers it has.
    Listed(BTreeMap<String, KeyVersions>),
    /// The store keeps no versions or cannot list them: why, for a person.
    NotKept(String),
}

/// The versions a versioned bucket holds of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyVersions {
    pub versions: u32,
    pub delete_markers: u32,
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
    /// When the object was written (the store's own clock), `None` if absent.
    async fn modified(&self, key: &str) -> Result<Option<time::OffsetDateTime>, StoreError>;
    /// Keys under `prefix`, sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
    /// At most `max` keys under `prefix` that sort after `after` (every key
    /// under `prefix` when `None`), sorted: what reads only the new end of
    /// a prefix whose keys grow in order (S3 `StartAfter` and `max-keys`;
    /// this default filters [`Store::list`]).
    async fn list_after(
        &self,
        prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, StoreError> {
        Ok(keys_after(self.list(prefix).await?, after, max))
    }
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
    /// Every version the store kept of the keys under `prefix`, where it
    /// keeps them; [`Versions::NotKept`] (saying why) where it does not.
    async fn versions(&self, prefix: &str) -> Result<Versions, StoreError>;
    /// Remove a queue entry ([`crate::keys::is_transient`]: a station file
    /// from the inbox, a log's pending marker); refused for any other key
    /// (nothing else is ever removed). Removing an absent key is not an
    /// error.
    async fn remove_transient(&self, key: &str) -> Result<(), StoreError>;
    /// For messages: where this store is.
    fn describe(&self) -> String;
}

/// What [`Store::list_after`] returns of `keys`: sorted, after `after`,
/// at most `max`.
fn keys_after(mut keys: Vec<String>, after: Option<&str>, max: usize) -> Vec<String> {
    keys.sort();
    keys.retain(|k| after.is_none_or(|a| k.as_str() > a));
    keys.truncate(max);
    keys
}

/// The one check before a removal: only queue entries may go.
pub fn check_removable(key: &str) -> Result<(), StoreError> {
    validate_key(key)?;
    if crate::keys::is_transient(key) {
        Ok(())
    } else {
        Err(StoreError::InvalidKey(format!(
            "{key} (only inbox files and the log's pending markers are ever removed)"
        )))
    }
}

/// Check a key before any backend uses it (see [`crate::keys::validate`]).
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    crate::keys::validate(key).map_err(|e| StoreError::InvalidKey(e.0))
}

/// Open a store from its command-line form: a directory path (the local
/// backend) or `s3://BUCKET[/PREFIX]`; no Object Lock.
pub async fn open(spec: &str) -> Result<Box<dyn Store>, StoreError> {
    open_with(spec, None).await
}

/// Open a store, with Object Lock on its archive writes when `lock` is
/// given: refused (with what to do) for a directory, or a bucket without
/// Object Lock enabled.
pub async fn open_with(spec: &str, lock: Option<ObjectLock>) -> Result<Box<dyn Store>, StoreError> {
    if spec.starts_with("s3://") {
        return Ok(Box::new(S3Store::open_with(spec, lock).await?));
    }
    if let Some(l) = lock {
        return Err(StoreError::ObjectLock(format!(
            "--object-lock-days {} needs an S3 bucket with Object Lock enabled; \
             '{spec}' is a directory, which cannot lock its files \
             (give --store s3://BUCKET, or leave --object-lock-days unset)",
            l.days
        )));
    }
    Ok(Box::new(LocalStore::new(spec)))
}
