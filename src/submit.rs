//! Submit: the one path a batch takes from a station to the queue, used by
//! `sohoa submit`, the API's upload and the tests:
//!
//! 1. the batch id (given, or derived from the files' digests) is checked,
//!    and the file names;
//! 2. a batch id names one set of files for good: the same files again are
//!    a retry and welcome, other files (or an id first used for a case the
//!    submitter may not reach) are refused ([`check_reuse`]);
//! 3. the files are staged write-once in the store's inbox;
//! 4. the batch message is published and confirmed by the broker;
//! 5. the submission is recorded (by the catalog), so "queued" is never
//!    said of a batch that is not on the queue.
//!
//! Every step is safe to repeat, so a station that lost its answer sends
//! the same batch again.

use crate::catalog::{self, batches::PendingSubmission};
use crate::ids::{self, InvalidId};
use crate::ingest::Original;
use crate::keys;
use crate::queue::{self, BatchMessage, FileRef, QueueError, Topology};
use crate::record::CaseCode;
use crate::store::{Put, Store, StoreError};
use lapin::Connection;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    InvalidId(#[from] InvalidId),
    #[error("file name '{0}' cannot be stored: use letters, digits, '.', '-' and '_' only")]
    BadName(String),
    #[error("two files are named '{0}'; rename one")]
    DuplicateName(String),
    #[error(
        "batch id '{0}' is already used for other files; send these under another batch id (or none: one is derived from the files)"
    )]
    Reused(String),
    #[error("{key} already holds a different file; submit under another batch id")]
    Conflict { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Catalog(#[from] catalog::CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl SubmitError {
    /// Faults of the submission itself, which sending it again will not cure.
    pub fn is_permanent(&self) -> bool {
        !matches!(
            self,
            SubmitError::Store(_) | SubmitError::Catalog(_) | SubmitError::Queue(_)
        )
    }
}

/// What the station says about the batch, and who submits it.
pub struct Request<'a> {
    pub batch_id: Option<String>,
    pub case_code: Option<CaseCode>,
    pub station: Option<String>,
    /// Who queues it: an API token's name, or `cli`.
    pub by: &'a str,
    /// Whether the submitter may reach a case (a unit-scoped token reaches
    /// only its unit's cases).
    pub covers: &'a (dyn Fn(&str) -> bool + Sync),
    /// How long to wait for the broker to confirm the batch and for its
    /// submission to be recorded (the API's answer must not hang); `None`:
    /// as long as it takes (a station's command line).
    pub queue_timeout: Option<std::time::Duration>,
}

/// The batch id the files go under: the one given, else a digest of the
/// files' digests in scan order.
pub fn batch_id(given: Option<&str>, originals: &[Original]) -> Result<String, InvalidId> {
    let id = match given {
        Some(id) => id.to_string(),
        None => ids::batch_from_digests(originals.iter().map(|o| o.sha256.as_str())),
    };
    ids::check_batch(&id)?;
    Ok(id)
}

/// Stage, publish and record one batch. Returns the message queued.
pub async fn submit(
    store: &dyn Store,
    conn: &Connection,
    topology: &Topology,
    originals: &[Original],
    req: &Request<'_>,
) -> Result<BatchMessage, SubmitError> {
    let batch_id = batch_id(req.batch_id.as_deref(), originals)?;
    check_names(originals.iter().map(|o| o.name.as_str()))?;
    check_reuse(store, &batch_id, originals, req.covers).await?;
    let files = stage_files(store, &batch_id, originals).await?;
    let msg = BatchMessage {
        batch_id,
        case_code: req.case_code.as_ref().map(|c| c.to_string()),
        station: req.station.clone(),
        files,
    };
    let pending = PendingSubmission::now(&msg, req.by);
    let queued = async {
        queue::publish_batch(conn, topology, &msg).await?;
        pending.write(store).await?;
        Ok::<_, SubmitError>(())
    };
    match req.queue_timeout {
        Some(limit) => tokio::time::timeout(limit, queued)
            .await
            .unwrap_or(Err(SubmitError::Queue(QueueError::Timeout)))?,
        None => queued.await?,
    }
    Ok(msg)
}

/// File names must be usable as the last segment of a key, and unique.
pub fn check_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), SubmitError> {
    let mut names: Vec<&str> = names.collect();
    for n in &names {
        if n.contains('/') || keys::validate(&keys::inbox("b", n)).is_err() {
            return Err(SubmitError::BadName(n.to_string()));
        }
    }
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(SubmitError::DuplicateName(w[0].to_string()));
    }
    Ok(())
}

/// A batch id names one set of files for good. Sending the same files
/// again is a retry; other files under a used id, or an id whose earlier
/// use was for a case the submitter does not reach, is refused.
pub async fn check_reuse(
    store: &dyn Store,
    batch_id: &str,
    originals: &[Original],
    covers: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(), SubmitError> {
    let (earlier, case): (Vec<(String, String)>, Option<String>) =
        if let Some(done) = catalog::records::find_batch(store, batch_id).await? {
            let files = done
                .record
                .originals
                .iter()
                .map(|o| (o.name.clone(), o.sha256.clone()))
                .collect();
            (files, Some(done.record.case_code.to_string()))
        } else if let Some((_, s)) = catalog::batches::last_submission(store, batch_id).await? {
            let files = s
                .message
                .files
                .iter()
                .map(|f| (f.name.clone(), f.sha256.clone().unwrap_or_default()))
                .collect();
            (files, s.message.case_code)
        } else {
            return Ok(());
        };
    let same_files = earlier.len() == originals.len()
        && earlier
            .iter()
            .zip(originals)
            .all(|((n, h), o)| *n == o.name && h.eq_ignore_ascii_case(&o.sha256));
    if same_files && case.as_deref().is_none_or(covers) {
        Ok(())
    } else {
        Err(SubmitError::Reused(batch_id.to_string()))
    }
}

/// Put a batch's files in the store's inbox (`inbox/<batch_id>/<name>`),
/// write-once: a file already there must be the same bytes (a rerun).
pub async fn stage_files(
    store: &dyn Store,
    batch_id: &str,
    originals: &[Original],
) -> Result<Vec<FileRef>, SubmitError> {
    let mut refs = Vec::with_capacity(originals.len());
    for o in originals {
        let key = keys::inbox(batch_id, &o.name);
        keys::validate(&key).map_err(|_| SubmitError::BadName(o.name.clone()))?;
        if store.put_if_absent(&key, o.bytes.to_vec()).await? == Put::Existed {
            let (got, _) = store.sha256(&key).await?.unwrap_or_default();
            if got != o.sha256 {
                return Err(SubmitError::Conflict { key });
            }
        }
        refs.push(FileRef {
            key,
            name: o.name.clone(),
            sha256: Some(o.sha256.clone()),
        });
    }
    Ok(refs)
}
