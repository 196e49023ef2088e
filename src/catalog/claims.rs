//! Claims: a batch id names one set of files and one case code, and says so
//! write-once before the batch is queued (`claims/<batch_id>/<n>.json`).
//!
//! - The first claim is number 1. Whoever writes it owns the id: a second
//!   submission of the same files and case code is a repeat of the first
//!   ([`Claimed::Repeat`]); one of other files or another case code is
//!   refused ([`ClaimError::Conflict`]) and stores nothing.
//! - Once the batch has failed (a failure recorded after the newest claim),
//!   the id may be claimed again, as number n+1, so that a station can
//!   resubmit the batch (with a case code, say).
//! - On a store whose conditional write is check-then-write (a server that
//!   ignores `If-None-Match`), two writers could both "create" a claim:
//!   each reads its claim back, and the one that finds the other's bytes
//!   gives way.

use super::{CatalogError, from_json, to_json};
use crate::keys;
use crate::queue::BatchMessage;
use crate::store::{Put, Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What `claims/<batch_id>/<n>.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claim {
    /// When it was claimed, as a key time segment (sorts with failures).
    pub time: String,
    /// Who claimed it: an API token's name, `cli`, or `worker` for a message
    /// published without a claim.
    pub by: String,
    /// The batch as it was queued (files in scan order with their hashes,
    /// the case code if given).
    pub message: BatchMessage,
}

impl Claim {
    pub fn now(message: &BatchMessage, by: &str) -> Claim {
        Claim {
            time: keys::time_segment(OffsetDateTime::now_utc()),
            by: by.to_string(),
            message: message.clone(),
        }
    }

    /// Does the claim name the same batch as `other`: the same file names
    /// in the same order, the same hashes where both give one, and the
    /// same case code?
    pub fn names_same_batch(&self, other: &BatchMessage) -> bool {
        let (a, b) = (&self.message.files, &other.files);
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.name == y.name
                    && match (&x.sha256, &y.sha256) {
                        (Some(h), Some(g)) => h.eq_ignore_ascii_case(g),
                        _ => true,
                    }
            })
            && self.message.case_code == other.case_code
    }
}

/// The outcome of a claim that stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    /// This claim is new; its key.
    New(String),
    /// The id was already claimed for the same files and case code: the
    /// earlier claim and its key.
    Repeat(Box<Claim>, String),
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error(
        "batch id '{batch_id}' is already used for other files or another case code (claimed at {time}); send these files under another batch id, or none (one is derived from the files)"
    )]
    Conflict { batch_id: String, time: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl From<StoreError> for ClaimError {
    fn from(e: StoreError) -> Self {
        ClaimError::Catalog(CatalogError::Store(e))
    }
}

/// Claim the batch id for `claim`'s files and case code (see the module
/// documentation for the rules).
pub async fn claim(store: &dyn Store, claim: &Claim) -> Result<Claimed, ClaimError> {
    let batch_id = claim.message.batch_id.as_str();
    let bytes = to_json(claim);
    // Each round either returns or finds a claim written meanwhile; a few
    // rounds settle any race between writers of one id.
    for _ in 0..5 {
        let mut number = 1;
        if let Some((key, earlier)) = newest(store, batch_id).await? {
            if !failed_since(store, &earlier).await? {
                if earlier.names_same_batch(&claim.message) {
                    return Ok(Claimed::Repeat(Box::new(earlier), key));
                }
                return Err(ClaimError::Conflict {
                    batch_id: batch_id.to_string(),
                    time: earlier.time,
                });
            }
            number = number_of(&key) + 1;
        }
        let key = keys::claim(batch_id, number);
        if store.put_if_absent(&key, bytes.clone()).await? == Put::Created
            && store.get(&key).await?.as_deref() == Some(bytes.as_slice())
        {
            return Ok(Claimed::New(key));
        }
    }
    let (_, earlier) = newest(store, batch_id)
        .await?
        .ok_or_else(|| StoreError::Backend(format!("claims of batch {batch_id} keep changing")))?;
    Err(ClaimError::Conflict {
        batch_id: batch_id.to_string(),
        time: earlier.time,
    })
}

/// The time of the claim of a batch processed where it was not submitted
/// (`sohoa process`): its files as `(name, SHA-256)` in scan order, keyed
/// as the originals they are stored as. The claim it already has for
/// these files, else a new one by `cli`; another batch's claim of the id
/// is [`ClaimError::Conflict`].
pub async fn time_of_files(
    store: &dyn Store,
    batch_id: &str,
    case_code: Option<String>,
    station: Option<String>,
    files: Vec<(String, String)>,
) -> Result<String, ClaimError> {
    let message = BatchMessage {
        batch_id: batch_id.to_string(),
        case_code,
        station,
        files: files
            .into_iter()
            .map(|(name, sha256)| crate::queue::FileRef {
                key: keys::original(&sha256),
                name,
                sha256: Some(sha256),
            })
            .collect(),
    };
    let mine = Claim::now(&message, "cli");
    Ok(match claim(store, &mine).await? {
        Claimed::New(_) => mine.time,
        Claimed::Repeat(earlier, _) => earlier.time,
    })
}

/// The batch's newest claim and its key.
pub async fn newest(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<(String, Claim)>, CatalogError> {
    let Some(key) = store
        .list(&keys::claims_prefix(batch_id))
        .await?
        .into_iter()
        .next_back()
    else {
        return Ok(None);
    };
    let Some(bytes) = store.get(&key).await? else {
        return Ok(None);
    };
    let claim = from_json(&key, &bytes)?;
    Ok(Some((key, claim)))
}

/// Was a failure of the batch recorded after this claim?
async fn failed_since(store: &dyn Store, claim: &Claim) -> Result<bool, StoreError> {
    let failures = store
        .list(&keys::failures_prefix(&claim.message.batch_id))
        .await?;
    Ok(failures
        .last()
        .is_some_and(|f| keys::time_of(f) > claim.time.as_str()))
}

fn number_of(key: &str) -> u32 {
    keys::time_of(key).parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::FileRef;

    fn message(files: &[(&str, Option<&str>)], case: Option<&str>) -> BatchMessage {
        BatchMessage {
            batch_id: "b1".into(),
            case_code: case.map(str::to_string),
            station: None,
            files: files
                .iter()
                .map(|(n, h)| FileRef {
                    key: format!("inbox/b1/{n}"),
                    name: n.to_string(),
                    sha256: h.map(str::to_string),
                })
                .collect(),
        }
    }

    #[test]
    fn a_claim_names_the_same_batch_only_for_the_same_files_in_order_and_the_same_case() {
        let case = Some("000.00.00.H56-221006-0012");
        let claim = Claim::now(
            &message(&[("a.tif", Some("AA")), ("b.tif", Some("bb"))], case),
            "cli",
        );
        let same = [("a.tif", Some("aa")), ("b.tif", None)];
        assert!(claim.names_same_batch(&message(&same, case)));
        let reordered = [("b.tif", Some("bb")), ("a.tif", Some("aa"))];
        assert!(!claim.names_same_batch(&message(&reordered, case)));
        let other_bytes = [("a.tif", Some("aa")), ("b.tif", Some("cc"))];
        assert!(!claim.names_same_batch(&message(&other_bytes, case)));
        assert!(!claim.names_same_batch(&message(&same[..1], case)));
        assert!(!claim.names_same_batch(&message(&same, None)));
        let other_case = Some("000.00.00.H56-221006-0013");
        assert!(!claim.names_same_batch(&message(&same, other_case)));
    }
}
