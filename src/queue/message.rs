//! Messages: the batch message stations publish on the batch queue
//! (`schemas/batch-message.schema.json`) and the events workers publish
//! (`batch.digitised`, `batch.failed`). Plain JSON, so that any AMQP client
//! in any language can submit a batch or follow the outcomes.

use crate::keys;
use crate::record::CaseCode;
use serde::{Deserialize, Serialize};

pub const DIGITISED: &str = "batch.digitised";
pub const FAILED: &str = "batch.failed";
/// Header carrying the reason on a dead letter.
pub const REASON_HEADER: &str = "x-sohoa-reason";

/// An event's AMQP message id, `<batch_id>.<event>`
/// (`B-1.batch.digitised`): a consumer that drops repeats by message id
/// drops a repeated announcement, but not a success that follows a
/// failure. A message without a readable batch id is named by the SHA-256
/// of its body (`unknown-<first 16 hex>.batch.failed`).
pub fn event_id(batch_id: Option<&str>, event: &str, message: &[u8]) -> String {
    match batch_id {
        Some(b) => format!("{b}.{event}"),
        None => {
            use sha2::{Digest, Sha256};
            let digest = hex::encode(Sha256::digest(message));
            format!("unknown-{}.{event}", &digest[..16])
        }
    }
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

impl BatchMessage {
    /// The files as (name, hash if given), in scan order.
    pub fn names_and_hashes(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.files
            .iter()
            .map(|f| (f.name.as_str(), f.sha256.as_deref()))
    }

    /// Check what the schema cannot: ids, keys and codes are well formed and
    /// every key is inside the batch's inbox.
    pub fn validate(&self) -> Result<Option<CaseCode>, String> {
        crate::ids::check_batch(&self.batch_id).map_err(|e| e.to_string())?;
        let case = match &self.case_code {
            Some(c) => Some(c.parse::<CaseCode>().map_err(|e| e.to_string())?),
            None => None,
        };
        if self.files.is_empty() {
            return Err("the batch message lists no files".into());
        }
        let prefix = keys::inbox_prefix(&self.batch_id);
        for f in &self.files {
            keys::validate(&f.key).map_err(|e| e.to_string())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_s_message_id_names_its_batch_and_its_event() {
        assert_eq!(
            event_id(Some("b-1"), DIGITISED, b"x"),
            "b-1.batch.digitised"
        );
        assert_eq!(event_id(Some("b-1"), FAILED, b"x"), "b-1.batch.failed");
        // Without a batch id: named by the message, the same each time.
        let a = event_id(None, FAILED, b"not json");
        assert_eq!(a, event_id(None, FAILED, b"not json"));
        assert_ne!(a, event_id(None, FAILED, b"other"));
        assert!(
            a.starts_with("unknown-") && a.ends_with(".batch.failed"),
            "{a}"
        );
    }

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
