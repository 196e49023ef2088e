//! The life of a batch before its record: each submission
//! (`submissions/<batch_id>/<time>.json`) and each refusal by a worker
//! (`failures/<batch_id>/<time>.json`), the mark that its `batch.digitised`
//! event was confirmed by the broker (`announced/<batch_id>.json`), and
//! the status read from them.

use super::{CatalogError, from_json, records, to_json};
use crate::keys;
use crate::queue::BatchMessage;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What `submissions/<batch_id>/<time>.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Submission {
    pub at: String,
    /// Who queued it: an API token's name, or `cli`.
    pub by: String,
    pub message: BatchMessage,
}

/// What `failures/<batch_id>/<time>.json` holds: a worker refused the batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    pub batch_id: String,
    pub reason: String,
    pub at: String,
}

/// A submission whose time is taken now and which is written later
/// ([`PendingSubmission::write`]): taken before publishing, so that a
/// worker's failure, however quick, is always later; written after, so that
/// "queued" is never said of a batch that is not on the queue.
pub struct PendingSubmission {
    key: String,
    submission: Submission,
}

impl PendingSubmission {
    pub fn now(message: &BatchMessage, by: &str) -> PendingSubmission {
        PendingSubmission {
            key: keys::submission(
                &message.batch_id,
                &keys::time_segment(OffsetDateTime::now_utc()),
            ),
            submission: Submission {
                at: crate::clock::now_rfc3339(),
                by: by.to_string(),
                message: message.clone(),
            },
        }
    }

    pub async fn write(self, store: &dyn Store) -> Result<String, StoreError> {
        store
            .put_if_absent(&self.key, to_json(&self.submission))
            .await?;
        Ok(self.key)
    }
}

/// The newest submission of a batch, and its key.
pub async fn last_submission(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<(String, Submission)>, StoreError> {
    let Some(key) = newest(store, &keys::submissions_prefix(batch_id)).await? else {
        return Ok(None);
    };
    Ok(store
        .get(&key)
        .await?
        .and_then(|b| serde_json::from_slice::<Submission>(&b).ok())
        .map(|s| (key, s)))
}

async fn newest(store: &dyn Store, prefix: &str) -> Result<Option<String>, StoreError> {
    Ok(store.list(prefix).await?.into_iter().next_back())
}

/// Record that a worker refused the batch, under its own time but never
/// before the submission it answers (the worker's clock may lag the API's).
/// Returns the key written.
pub async fn record_failure(store: &dyn Store, failure: &Failure) -> Result<String, StoreError> {
    let batch_id = failure.batch_id.as_str();
    let now = keys::time_segment(OffsetDateTime::now_utc());
    let last = newest(store, &keys::submissions_prefix(batch_id)).await?;
    let time = match last.as_deref().map(keys::time_of) {
        Some(sub) if sub >= now.as_str() => format!("{sub}-f"),
        _ => now,
    };
    let key = keys::failure(batch_id, &time);
    let bytes = to_json(failure);
    store.put_if_absent(&key, bytes.clone()).await?;
    super::log::queue(store, &key, &bytes).await?;
    Ok(key)
}

/// What `announced/<batch_id>.json` holds: the broker confirmed the
/// batch's `batch.digitised` event, so a redelivery of the batch is acked
/// without announcing it again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Announced {
    pub batch_id: String,
    /// The event's AMQP message id.
    pub message_id: String,
    pub at: String,
}

/// Mark the batch's `batch.digitised` event as confirmed (write-once: a
/// second mark leaves the first).
pub async fn mark_announced(store: &dyn Store, mark: &Announced) -> Result<(), StoreError> {
    store
        .put_if_absent(&keys::announced(&mark.batch_id), to_json(mark))
        .await?;
    Ok(())
}

/// Was the batch's `batch.digitised` event ever confirmed?
pub async fn was_announced(store: &dyn Store, batch_id: &str) -> Result<bool, StoreError> {
    store.exists(&keys::announced(batch_id)).await
}

/// Where a batch is, discriminated by `status`: `digitised` once its
/// record is stored; otherwise the newer of its last submission (`queued`)
/// and its last failure (`failed`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum BatchStatus {
    Queued {
        batch_id: String,
        /// The case code the station gave with the upload, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        case_code: Option<String>,
        /// When it was last submitted (RFC 3339).
        #[schema(format = DateTime)]
        submitted_at: String,
        /// The token name that submitted it, or `cli`.
        submitted_by: String,
    },
    Digitised {
        batch_id: String,
        case_code: String,
        /// Store key of the batch record.
        record_key: String,
        /// Documents in the record.
        documents: usize,
        /// When it was digitised (RFC 3339).
        #[schema(format = DateTime)]
        finished_at: String,
    },
    Failed {
        batch_id: String,
        /// The case code the station gave with the upload, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        case_code: Option<String>,
        /// Why a worker refused the batch.
        reason: String,
        /// When it failed (RFC 3339).
        #[schema(format = DateTime)]
        failed_at: String,
    },
}

impl BatchStatus {
    pub fn case_code(&self) -> Option<&str> {
        match self {
            BatchStatus::Digitised { case_code, .. } => Some(case_code),
            BatchStatus::Queued { case_code, .. } | BatchStatus::Failed { case_code, .. } => {
                case_code.as_deref()
            }
        }
    }
}

/// The batch's status from the store alone (any API instance can answer):
/// a record means digitised; otherwise the newer of the last submission
/// and the last failure decides. `None`: never submitted.
pub async fn status(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<BatchStatus>, CatalogError> {
    if let Some(done) = records::find_batch(store, batch_id).await? {
        return Ok(Some(BatchStatus::Digitised {
            batch_id: batch_id.to_string(),
            case_code: done.record.case_code.to_string(),
            record_key: done.key,
            documents: done.record.documents.len(),
            finished_at: done.record.finished_at,
        }));
    }
    let failure = newest(store, &keys::failures_prefix(batch_id)).await?;
    let submission = last_submission(store, batch_id).await?;
    let failed_last = match (&failure, &submission) {
        (Some(f), Some((s, _))) => keys::time_of(f) > keys::time_of(s),
        (Some(_), None) => true,
        _ => false,
    };
    let submission = submission.map(|(_, s)| s);
    let case_code = submission
        .as_ref()
        .and_then(|s| s.message.case_code.clone());
    if failed_last
        && let Some(key) = &failure
        && let Some(bytes) = store.get(key).await?
        && let Ok(f) = from_json::<Failure>(key, &bytes)
    {
        return Ok(Some(BatchStatus::Failed {
            batch_id: batch_id.to_string(),
            case_code,
            reason: f.reason,
            failed_at: f.at,
        }));
    }
    Ok(submission.map(|s| BatchStatus::Queued {
        batch_id: batch_id.to_string(),
        case_code,
        submitted_at: s.at,
        submitted_by: s.by,
    }))
}
