//! Ids: batch, document and audit ids, each of which becomes one segment of
//! a storage key, so each is checked here before anything is built from it.

use sha2::{Digest, Sha256};

/// An id that cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum InvalidId {
    #[error("invalid batch id '{0}': use 1-64 letters, digits, '.', '-' or '_'")]
    Batch(String),
    #[error("'{0}' is not a document id (letters, digits, '.', '-', '_')")]
    Document(String),
    #[error("not an audit id")]
    Audit(String),
}

/// An id that can be one segment of a storage key: 1 to `max` letters,
/// digits, `.`, `-` or `_`, not starting with `.`.
fn is_plain(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub fn check_batch(id: &str) -> Result<(), InvalidId> {
    if is_plain(id, 64) {
        Ok(())
    } else {
        Err(InvalidId::Batch(id.to_string()))
    }
}

/// Document ids are `<batch_id>-dNN`: the batch id's characters only.
pub fn check_document(id: &str) -> Result<(), InvalidId> {
    if is_plain(id, 80) {
        Ok(())
    } else {
        Err(InvalidId::Document(id.chars().take(80).collect()))
    }
}

/// Audit ids are `a<time>-<random>` ([`new_audit`]).
pub fn check_audit(id: &str) -> Result<(), InvalidId> {
    let ok = (2..=64).contains(&id.len())
        && id.starts_with('a')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidId::Audit(id.chars().take(64).collect()))
    }
}

/// The `n`th (1-based) document of a batch.
pub fn document(batch_id: &str, n: usize) -> String {
    format!("{batch_id}-d{n:02}")
}

/// The batch a document id names (`<batch_id>-dNN`), if it names one.
pub fn batch_of_document(id: &str) -> Option<&str> {
    id.rsplit_once("-d")
        .map(|(batch, _)| batch)
        .filter(|b| check_batch(b).is_ok())
}

/// The default batch id of files with these SHA-256 digests, in scan order:
/// the same bytes always give the same id, so a rerun is recognised.
pub fn batch_from_digests<'a>(digests: impl Iterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d.as_bytes());
        h.update(b"\n");
    }
    format!("b{}", &hex::encode(h.finalize())[..20])
}

/// A new audit id: its start time, then some randomness.
pub fn new_audit() -> String {
    format!(
        "a{}-{}",
        crate::keys::time_segment(time::OffsetDateTime::now_utc()),
        random_hex(3)
    )
}

/// `n` random bytes as hex (ids, references, unique key parts).
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    if getrandom::fill(&mut b).is_err() {
        // Uniqueness, not secrecy, is what ids need: fall back to the clock.
        let t = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
        for (i, x) in b.iter_mut().enumerate() {
            *x = (t >> ((i % 8) * 8)) as u8;
        }
    }
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_segments() {
        assert!(check_batch("b-1.x_2").is_ok());
        for bad in ["", ".hidden", "a/b", "..", &"x".repeat(65)] {
            assert!(check_batch(bad).is_err(), "{bad:?}");
        }
        assert_eq!(batch_of_document(&document("b-1", 3)), Some("b-1"));
        assert_eq!(batch_of_document("nope"), None);
        assert!(check_audit(&new_audit()).is_ok());
        assert!(check_audit("a/../x").is_err());
    }
}
