//! Queue: the batch message stations publish, the events workers publish,
//! and the RabbitMQ topology both sides declare.
//!
//! Topology (all durable):
//! - `sohoa.batches`: quorum queue of batch messages, with a delivery limit
//!   and dead-lettering to `sohoa.batches.dead` (a message that crashes
//!   every worker that takes it ends there, not in an endless loop);
//! - `sohoa.batches.dead`: dead letters; workers put refused batches here
//!   themselves with the reason in the `x-sohoa-reason` header;
//! - `sohoa.events`: topic exchange; routing keys `batch.digitised` and
//!   `batch.failed` (schemas in `schemas/`).
//!
//! The batch message is plain JSON (`schemas/batch-message.schema.json`)
//! so that any AMQP client in any language can submit a batch.

use crate::archive::{self, Put, Store, StoreError, validate_key};
use crate::codes::CaseCode;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde::{Deserialize, Serialize};

pub const BATCH_QUEUE: &str = "sohoa.batches";
pub const EVENTS_EXCHANGE: &str = "sohoa.events";
pub const DIGITISED: &str = "batch.digitised";
pub const FAILED: &str = "batch.failed";
/// Header carrying the reason on a dead letter.
pub const REASON_HEADER: &str = "x-sohoa-reason";

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("file name '{0}' cannot be stored: use letters, digits, '.', '-' and '_' only")]
    BadName(String),
    #[error("two files are named '{0}'; rename one")]
    DuplicateName(String),
    #[error("{key} already holds a different file; submit under another batch id")]
    Conflict { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("the broker refused (nacked) a message published to '{0}'")]
    Nacked(String),
}

/// One batch to digitise: the files a station uploaded under `inbox/<batch_id>/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BatchMessage {
    pub batch_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    pub files: Vec<FileRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Store key, `inbox/<batch_id>/<name>`.
    pub key: String,
    /// The file name as scanned (scan order is the order of `files`).
    pub name: String,
    /// Hex SHA-256 of the file; checked when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The inbox key of a station file.
pub fn inbox_key(batch_id: &str, name: &str) -> String {
    format!("inbox/{batch_id}/{name}")
}

impl BatchMessage {
    /// Check what the schema cannot: ids, keys and codes are well formed and
    /// every key is inside the batch's inbox.
    pub fn validate(&self) -> Result<Option<CaseCode>, String> {
        crate::pipeline::validate_batch_id(&self.batch_id).map_err(|e| e.to_string())?;
        let case = match &self.case_code {
            Some(c) => Some(c.parse::<CaseCode>().map_err(|e| e.to_string())?),
            None => None,
        };
        if self.files.is_empty() {
            return Err("the batch message lists no files".into());
        }
        let prefix = format!("inbox/{}/", self.batch_id);
        for f in &self.files {
            validate_key(&f.key).map_err(|e| e.to_string())?;
            if !f.key.starts_with(&prefix) {
                return Err(format!(
                    "file key '{}' is outside the batch's inbox '{prefix}'",
                    f.key
                ));
            }
            if f.name.is_empty() || f.name.contains('/') || f.name.contains('\\') {
                return Err(format!("file name '{}' must be a plain file name", f.name));
            }
            if let Some(h) = &f.sha256
                && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!("sha256 of '{}' is not 64 hex digits", f.name));
            }
        }
        Ok(case)
    }
}

/// `batch.digitised`: the batch is stored and its record written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DigitisedEvent {
    pub event: String,
    pub batch_id: String,
    pub case_code: String,
    pub record_key: String,
    pub documents: usize,
    pub types: Vec<String>,
    pub at: String,
}

/// `batch.failed`: the batch can never be digitised as it is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedEvent {
    pub event: String,
    /// Absent when the message was too broken to carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    pub reason: String,
    pub at: String,
}

/// File names must be usable as the last segment of a key, and unique.
pub fn check_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), SubmitError> {
    let mut names: Vec<&str> = names.collect();
    for n in &names {
        if n.contains('/') || validate_key(&inbox_key("b", n)).is_err() {
            return Err(SubmitError::BadName(n.to_string()));
        }
    }
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(SubmitError::DuplicateName(w[0].to_string()));
    }
    Ok(())
}

/// A file to submit: its name as scanned, its bytes and their SHA-256.
pub struct Upload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub sha256: &'a str,
}

/// Put a batch's files in the store's inbox (`inbox/<batch_id>/<name>`),
/// write-once: a file already there must be the same bytes (a rerun).
/// Nothing is queued yet; see [`queue_batch`].
pub async fn stage_files(
    store: &dyn Store,
    batch_id: &str,
    files: &[Upload<'_>],
) -> Result<Vec<FileRef>, SubmitError> {
    check_names(files.iter().map(|f| f.name))?;
    let mut refs = Vec::with_capacity(files.len());
    for f in files {
        let key = inbox_key(batch_id, f.name);
        validate_key(&key).map_err(|_| SubmitError::BadName(f.name.to_string()))?;
        if store.put_if_absent(&key, f.bytes.to_vec()).await? == Put::Existed {
            let (got, _) = store.sha256(&key).await?.unwrap_or_default();
            if got != f.sha256 {
                return Err(SubmitError::Conflict { key });
            }
        }
        refs.push(FileRef {
            key,
            name: f.name.to_string(),
            sha256: Some(f.sha256.to_string()),
        });
    }
    Ok(refs)
}

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

/// Record the submission in the store, then publish the batch message on
/// `queue` (declaring it if no worker has yet) and wait for the confirm.
pub async fn queue_batch(
    store: &dyn Store,
    conn: &Connection,
    queue: &str,
    msg: &BatchMessage,
    by: &str,
) -> Result<(), SubmitError> {
    // The submission's time is taken before publishing, so that a worker's
    // failure, however quick, is always later; it is written after, so that
    // "queued" is never said of a batch that is not on the queue.
    let key = archive::submission_key(
        &msg.batch_id,
        &crate::record::key_time(time::OffsetDateTime::now_utc()),
    );
    let submission = Submission {
        at: crate::record::now_rfc3339(),
        by: by.to_string(),
        message: msg.clone(),
    };
    let ch = confirm_channel(conn).await?;
    // The workers own the queue's settings (delivery limit...): declare it
    // only if no worker has yet.
    let ch = if queue_exists(&ch, queue).await {
        ch
    } else {
        let ch = confirm_channel(conn).await?;
        let topology = Topology {
            queue: queue.to_string(),
            ..Topology::default()
        };
        topology.declare(&ch).await?;
        ch
    };
    let body = serde_json::to_vec(msg).unwrap_or_default();
    publish_json(&ch, "", queue, &body, None).await?;
    let _ = ch.close(200, "done".into()).await;
    let record = serde_json::to_vec_pretty(&submission).unwrap_or_default();
    store.put_if_absent(&key, record).await?;
    Ok(())
}

/// The newest submission of a batch, and its key.
pub async fn last_submission(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<(String, Submission)>, StoreError> {
    let Some(key) = store
        .list(&format!("submissions/{batch_id}/"))
        .await?
        .into_iter()
        .next_back()
    else {
        return Ok(None);
    };
    Ok(store
        .get(&key)
        .await?
        .and_then(|b| serde_json::from_slice::<Submission>(&b).ok())
        .map(|s| (key, s)))
}

/// The time part of a submission or failure key, for ordering them.
fn key_stem(key: &str) -> &str {
    let file = key.rsplit('/').next().unwrap_or_default();
    file.strip_suffix(".json").unwrap_or(file)
}

/// The key for a worker's failure of a batch: its own time, but never
/// before the submission it answers (the worker's clock may lag the API's).
pub async fn failure_key_after_submission(
    store: &dyn Store,
    batch_id: &str,
) -> Result<String, StoreError> {
    let now = crate::record::key_time(time::OffsetDateTime::now_utc());
    let last = store
        .list(&format!("submissions/{batch_id}/"))
        .await?
        .into_iter()
        .next_back();
    let time = match last.as_deref().map(key_stem) {
        Some(sub) if sub >= now.as_str() => format!("{sub}-f"),
        _ => now,
    };
    Ok(archive::failure_key(batch_id, &time))
}

/// Where a batch is: queued, digitised, or failed.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum BatchStatus {
    Queued {
        batch_id: String,
        /// The case code the station gave, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        case_code: Option<String>,
        submitted_at: String,
        submitted_by: String,
    },
    Digitised {
        batch_id: String,
        case_code: String,
        record_key: String,
        documents: usize,
        finished_at: String,
    },
    Failed {
        batch_id: String,
        /// The case code the station gave, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        case_code: Option<String>,
        reason: String,
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
pub async fn batch_status(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<BatchStatus>, crate::pipeline::PipelineError> {
    if let Some(done) = crate::pipeline::find_existing(store, batch_id).await? {
        return Ok(Some(BatchStatus::Digitised {
            batch_id: batch_id.to_string(),
            case_code: done.record.case_code.to_string(),
            record_key: done.record_key,
            documents: done.record.documents.len(),
            finished_at: done.record.finished_at,
        }));
    }
    let failure = store
        .list(&format!("failures/{batch_id}/"))
        .await?
        .into_iter()
        .next_back();
    let submission = last_submission(store, batch_id).await?;
    let failed_last = match (&failure, &submission) {
        (Some(f), Some((s, _))) => key_stem(f) > key_stem(s),
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
        && let Ok(f) = serde_json::from_slice::<Failure>(&bytes)
    {
        return Ok(Some(BatchStatus::Failed {
            batch_id: batch_id.to_string(),
            case_code,
            reason: f.reason,
            failed_at: f.at,
        }));
    }
    if let Some(s) = submission {
        return Ok(Some(BatchStatus::Queued {
            batch_id: batch_id.to_string(),
            case_code,
            submitted_at: s.at,
            submitted_by: s.by,
        }));
    }
    Ok(None)
}

/// Connect to the broker (`amqp://user:pass@host:port/vhost`).
pub async fn connect(url: &str) -> Result<Connection, QueueError> {
    Ok(Connection::connect(url, ConnectionProperties::default()).await?)
}

/// A channel in publisher-confirm mode.
pub async fn confirm_channel(conn: &Connection) -> Result<Channel, QueueError> {
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    Ok(ch)
}

/// Queue and exchange names; tests give each run its own.
#[derive(Debug, Clone)]
pub struct Topology {
    pub queue: String,
    pub events_exchange: String,
    /// Deliveries after which a message is dead-lettered by the broker.
    pub delivery_limit: i64,
}

impl Default for Topology {
    fn default() -> Self {
        Topology {
            queue: BATCH_QUEUE.into(),
            events_exchange: EVENTS_EXCHANGE.into(),
            delivery_limit: 5,
        }
    }
}

impl Topology {
    pub fn dead_queue(&self) -> String {
        format!("{}.dead", self.queue)
    }

    /// Declare the batch queue, its dead-letter queue and the events exchange.
    pub async fn declare(&self, ch: &Channel) -> Result<(), QueueError> {
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.queue_declare(
            self.dead_queue().as_str().into(),
            durable,
            FieldTable::default(),
        )
        .await?;
        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(LongString::from("quorum")),
        );
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(self.delivery_limit),
        );
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(LongString::from("")),
        );
        args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(LongString::from(self.dead_queue().as_str())),
        );
        ch.queue_declare(self.queue.as_str().into(), durable, args)
            .await?;
        ch.exchange_declare(
            self.events_exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
        Ok(())
    }
}

/// Does the queue exist? (A passive declare; on `false` the broker has
/// closed `ch`, so use another channel.)
pub async fn queue_exists(ch: &Channel, queue: &str) -> bool {
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    ch.queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .is_ok()
}

/// Publish a persistent JSON message and wait for the broker's confirm.
pub async fn publish_json(
    ch: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: Option<FieldTable>,
) -> Result<(), QueueError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut props = BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_delivery_mode(2)
        .with_timestamp(now);
    if let Some(h) = headers {
        props = props.with_headers(h);
    }
    let confirm = ch
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await?
        .await?;
    if confirm.is_nack() {
        return Err(QueueError::Nacked(format!("{exchange}/{routing_key}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> BatchMessage {
        BatchMessage {
            batch_id: "b1".into(),
            case_code: Some("000.00.13.H04-210628-0001".into()),
            station: None,
            files: vec![FileRef {
                key: "inbox/b1/scan_001.tif".into(),
                name: "scan_001.tif".into(),
                sha256: None,
            }],
        }
    }

    #[test]
    fn a_good_message_validates() {
        assert!(msg().validate().unwrap().is_some());
    }

    #[test]
    fn keys_outside_the_inbox_and_bad_codes_are_refused() {
        let mut m = msg();
        m.files[0].key = "cases/x/y.json".into();
        assert!(m.validate().unwrap_err().contains("outside"));
        let mut m = msg();
        m.files[0].key = "inbox/b1/../../cases/x".into();
        assert!(m.validate().is_err());
        let mut m = msg();
        m.case_code = Some("nope".into());
        assert!(m.validate().unwrap_err().contains("not a valid case code"));
        let mut m = msg();
        m.files.clear();
        assert!(m.validate().is_err());
    }

    #[test]
    fn unknown_fields_break_the_schema() {
        let j = r#"{"batch_id":"b1","files":[],"priority":1}"#;
        assert!(serde_json::from_str::<BatchMessage>(j).is_err());
    }
}
