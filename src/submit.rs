//! Submit: the one path a batch takes from a station to the queue, used by
//! `sohoa submit`, the API's upload and the tests:
//!
//! 1. the batch id (given, or derived from the files' digests) is checked,
//!    and the file names;
//! 2. a batch id names one set of files and one case code for good: a
//!    batch already digitised as these files is answered as it is, with
//!    nothing queued ([`digitised_before`]); otherwise the id is claimed
//!    write-once ([`claims`](crate::catalog::claims)): the same files and
//!    case code again are a repeat, answered as the first and not queued
//!    again; other files or another case code are refused, and nothing is
//!    stored; after the batch failed, the id may be claimed anew;
//! 3. the files are staged write-once in the store's inbox;
//! 4. the batch message is published and confirmed by the broker;
//! 5. the submission is recorded (by the catalog), so "queued" is never
//!    said of a batch that is not on the queue.
//!
//! Every step is safe to repeat, so a station that lost its answer sends
//! the same batch again.

use crate::catalog::claims::{self, Claim, ClaimError, Claimed};
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
    /// The id is claimed for other files or another case code.
    #[error("{0}")]
    Taken(String),
    #[error("{key} already holds a different file; submit under another batch id")]
    Conflict { key: String },
    #[error(
        "batch {batch_id} is {status}: only a failed batch can be retried (see `GET /v1/batches/{batch_id}`)"
    )]
    NotFailed { batch_id: String, status: String },
    #[error(
        "{key} is no longer in the inbox; submit the batch's files again (under a new batch id if they differ)"
    )]
    InboxMissing { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Catalog(#[from] catalog::CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<ClaimError> for SubmitError {
    fn from(e: ClaimError) -> Self {
        match e {
            ClaimError::Catalog(e) => SubmitError::Catalog(e),
            conflict @ ClaimError::Conflict { .. } => SubmitError::Taken(conflict.to_string()),
        }
    }
}

impl SubmitError {
    /// The batch id is already used for other files or another case code.
    pub fn is_reuse(&self) -> bool {
        matches!(
            self,
            SubmitError::Reused(_) | SubmitError::Taken(_) | SubmitError::Conflict { .. }
        )
    }

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

/// What a submission came to.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub message: BatchMessage,
    /// The batch id already named these files and this case code, and the
    /// batch was queued (or digitised) then: nothing was queued again.
    pub repeat: bool,
}

/// Claim the batch id, stage the files, publish and record one batch.
pub async fn submit(
    store: &dyn Store,
    conn: &Connection,
    topology: &Topology,
    originals: &[Original],
    req: &Request<'_>,
) -> Result<Submitted, SubmitError> {
    let batch_id = batch_id(req.batch_id.as_deref(), originals)?;
    check_names(originals.iter().map(|o| o.name.as_str()))?;
    let _one_at_a_time = in_flight::lock(&batch_id).await;
    let msg = BatchMessage {
        case_code: req.case_code.as_ref().map(|c| c.to_string()),
        station: req.station.clone(),
        files: file_refs(&batch_id, originals)?,
        batch_id,
    };
    // Digitised but never announced (its worker stopped between the two):
    // queued again, so that a worker announces it, with no new objects.
    if digitised_before(store, &msg, req.covers).await?
        && catalog::batches::was_announced(store, &msg.batch_id).await?
    {
        return Ok(Submitted {
            message: msg,
            repeat: true,
        });
    }
    check_inbox(store, &msg).await?;
    let claim = Claim::now(&msg, req.by);
    // A repeat whose claim was never queued (its submitter stopped) is
    // queued now.
    if let Claimed::Repeat(earlier, _) = claims::claim(store, &claim).await?
        && queued_since(store, &earlier).await?
    {
        return Ok(Submitted {
            message: earlier.message,
            repeat: true,
        });
    }
    stage_files(store, originals, &msg.files).await?;
    queue(store, conn, topology, &msg, req).await?;
    Ok(Submitted {
        message: msg,
        repeat: false,
    })
}

/// Queue a failed batch again from its inbox files (`sohoa retry`), with
/// `case_code` in place of the one it was submitted with, if given: the id
/// is claimed anew for it.
pub async fn retry(
    store: &dyn Store,
    conn: &Connection,
    topology: &Topology,
    batch_id: &str,
    case_code: Option<&CaseCode>,
    by: &str,
) -> Result<BatchMessage, SubmitError> {
    ids::check_batch(batch_id)?;
    let _one_at_a_time = in_flight::lock(batch_id).await;
    let status = catalog::batches::status(store, batch_id).await?;
    let not_failed = |status: &str| SubmitError::NotFailed {
        batch_id: batch_id.to_string(),
        status: status.to_string(),
    };
    let mut msg = match status {
        Some(catalog::BatchStatus::Failed { .. }) => last_message(store, batch_id)
            .await?
            .ok_or_else(|| not_failed("failed but its files were never claimed"))?,
        Some(catalog::BatchStatus::Queued { .. }) => return Err(not_failed("queued")),
        Some(catalog::BatchStatus::Digitised { .. }) => return Err(not_failed("digitised")),
        None => return Err(not_failed("never submitted")),
    };
    if let Some(c) = case_code {
        msg.case_code = Some(c.to_string());
    }
    for f in &msg.files {
        match store.sha256(&f.key).await? {
            Some((got, _))
                if f.sha256
                    .as_ref()
                    .is_none_or(|h| h.eq_ignore_ascii_case(&got)) => {}
            Some(_) => return Err(SubmitError::Conflict { key: f.key.clone() }),
            None => return Err(SubmitError::InboxMissing { key: f.key.clone() }),
        }
    }
    claims::claim(store, &Claim::now(&msg, by)).await?;
    let req = Request {
        batch_id: Some(msg.batch_id.clone()),
        case_code: None,
        station: msg.station.clone(),
        by,
        covers: &|_| true,
        queue_timeout: None,
    };
    queue(store, conn, topology, &msg, &req).await?;
    Ok(msg)
}

/// The message a batch was last claimed (or, before claims, submitted) with.
async fn last_message(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<BatchMessage>, SubmitError> {
    if let Some((_, c)) = claims::newest(store, batch_id).await? {
        return Ok(Some(c.message));
    }
    Ok(catalog::batches::last_submission(store, batch_id)
        .await?
        .map(|(_, s)| s.message))
}

/// Publish the batch message and record the submission, within the
/// request's time limit.
async fn queue(
    store: &dyn Store,
    conn: &Connection,
    topology: &Topology,
    msg: &BatchMessage,
    req: &Request<'_>,
) -> Result<(), SubmitError> {
    let pending = PendingSubmission::now(msg, req.by);
    let queued = async {
        queue::publish_batch(conn, topology, msg).await?;
        pending.write(store).await?;
        Ok::<_, SubmitError>(())
    };
    match req.queue_timeout {
        Some(limit) => tokio::time::timeout(limit, queued)
            .await
            .unwrap_or(Err(SubmitError::Queue(QueueError::Timeout))),
        None => queued.await,
    }
}

/// Was a submission recorded after this claim (so the batch it names is
/// on the queue, or was)?
async fn queued_since(store: &dyn Store, claim: &Claim) -> Result<bool, SubmitError> {
    let last = catalog::batches::last_submission(store, &claim.message.batch_id).await?;
    Ok(last.is_some_and(|(key, _)| keys::time_of(&key) > claim.time.as_str()))
}

/// Submissions of one batch id in this process go one at a time, so that
/// two concurrent uploads of one id meet at the claim in turn even on a
/// store whose conditional write is check-then-write (across processes,
/// the claim's conditional write and read-back decide).
mod in_flight {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex, Weak};

    type Slot = Arc<tokio::sync::Mutex<()>>;
    static SLOTS: LazyLock<Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);

    pub async fn lock(batch_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let slot: Slot = {
            let mut slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
            slots.retain(|_, w| w.strong_count() > 0);
            match slots.get(batch_id).and_then(Weak::upgrade) {
                Some(s) => s,
                None => {
                    let s = Slot::default();
                    slots.insert(batch_id.to_string(), Arc::downgrade(&s));
                    s
                }
            }
        };
        slot.lock_owned().await
    }
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

/// Is the batch already digitised, as these files (and this case code,
/// if given)? A record of the id for other files or another case, or for
/// a case the submitter does not reach, is refused.
pub async fn digitised_before(
    store: &dyn Store,
    msg: &BatchMessage,
    covers: &(dyn Fn(&str) -> bool + Sync),
) -> Result<bool, SubmitError> {
    let Some(done) = catalog::records::find_batch(store, &msg.batch_id).await? else {
        return Ok(false);
    };
    let case = msg.case_code.as_deref();
    match done.record.differs_from(msg.names_and_hashes(), case) {
        None if covers(done.record.case_code.as_str()) => Ok(true),
        _ => Err(SubmitError::Reused(msg.batch_id.clone())),
    }
}

/// A file already in the inbox under this name must be these bytes.
async fn check_inbox(store: &dyn Store, msg: &BatchMessage) -> Result<(), SubmitError> {
    for f in &msg.files {
        if let Some((got, _)) = store.sha256(&f.key).await?
            && Some(got.as_str()) != f.sha256.as_deref()
        {
            return Err(SubmitError::Conflict { key: f.key.clone() });
        }
    }
    Ok(())
}

/// The batch's files as its message names them, under `inbox/<batch_id>/`.
fn file_refs(batch_id: &str, originals: &[Original]) -> Result<Vec<FileRef>, SubmitError> {
    originals
        .iter()
        .map(|o| {
            let key = keys::inbox(batch_id, &o.name);
            keys::validate(&key).map_err(|_| SubmitError::BadName(o.name.clone()))?;
            Ok(FileRef {
                key,
                name: o.name.clone(),
                sha256: Some(o.sha256.clone()),
            })
        })
        .collect()
}

/// Put a batch's files in the store's inbox (`inbox/<batch_id>/<name>`),
/// write-once: a file already there must be the same bytes (a rerun).
pub async fn stage_files(
    store: &dyn Store,
    originals: &[Original],
    refs: &[FileRef],
) -> Result<(), SubmitError> {
    for (o, r) in originals.iter().zip(refs) {
        if store.put_if_absent(&r.key, o.bytes.to_vec()).await? == Put::Existed {
            let (got, _) = store.sha256(&r.key).await?.unwrap_or_default();
            if got != o.sha256 {
                return Err(SubmitError::Conflict { key: r.key.clone() });
            }
        }
    }
    Ok(())
}
