//! Keys: the one place where object keys are built and parsed, on every
//! store backend alike (as Vector's S3 sink keeps its key partitioner apart
//! from the sink). No other module formats a key.
//!
//! | key | what | written |
//! |---|---|---|
//! | `originals/<sha256>` | a station file exactly as received | content-addressed |
//! | `documents/<sha256>.pdf` | a document's searchable PDF | content-addressed |
//! | `text/<sha256>.txt` | a document's OCR text | content-addressed |
//! | `cases/<case_code>/<batch_id>.json` | the batch record, written last | once, by the catalog |
//! | `batches/<batch_id>.json` | index: which record a batch produced | once, after the record |
//! | `inbox/<batch_id>/<name>` | a station file waiting for a worker | once; a rerun must bring the same bytes; removed once the batch's record holds it |
//! | `claims/<batch_id>/<n>.json` | what a batch id names: its files and case code | once per n; n+1 only after the batch failed |
//! | `submissions/<batch_id>/<time>.json` | each time a batch was queued, by whom | once per time |
//! | `failures/<batch_id>/<time>.json` | each time a worker refused a batch, and why | once per time |
//! | `announced/<batch_id>.json` | the broker confirmed the batch's `batch.digitised` event | once, after the confirm |
//! | `audits/<audit_id>.json` | a fixity audit's report | once |
//! | `audits/started/<audit_id>.json` | who started an audit, and when | once |
//! | `access-log/<date>/<time>-<rand>.json` | one API access | once |
//! | `amendments/batches/<batch_id>/<time>-<rand>.json` | an officer's amendment of a batch's reading (never the record itself) | once per time |
//! | `amendments/cases/<case_code>/<batch_id>/<time>-<rand>.json` | a batch re-attached to this case: where listing the case finds it | once per time |
//! | `amendments/documents/<sha256>.pdf` | a document's PDF re-arranged by an amendment (pages moved, split off, turned), made from the machine's PDFs | content-addressed, before its amendment |
//! | `amendments/text/<sha256>.txt` | the same document's OCR text, its pages in the new order | content-addressed, before its amendment |
//! | `log/pending/<sha256>` | a record waiting for its leaf in the transparency log (the SHA-256 of its leaf data) | once, right after the record |
//! | `log/logged/<sha256>` | that leaf's index in the log | once, by the sequencer |
//! | `log/steps/<size>` | one sequencer step: the leaves appended to the log of that size (who writes it first wins the step) | once per size |
//! | `log/checkpoints/<size>` | the log's checkpoint (a signed note) at that size | once per size |
//! | `log/tile/<L>/<N>[.p/<W>]`, `log/tile/entries/<N>[.p/<W>]` | the log's hash tiles and entry bundles (c2sp.org tlog-tiles) | once per tile and width |
//! | `auth/tokens/<sha256>.json` | an API token (only its SHA-256 is kept) | once |
//! | `auth/revoked/<sha256>.json` | the token's revocation | once |
//! | `auth/sessions/<sha256>.json` | a web session (only its secret's SHA-256 is kept) | once |
//! | `auth/ended/<sha256>.json` | the session's end (signed out) | once |
//!
//! Every key is made of plain segments ([`validate`]), so nothing derived
//! from input can name a key outside its place.
//!
//! Every key but the inbox is **archive** ([`is_archive`]): written once
//! and never removed, and, where the store has S3 Object Lock and
//! `--object-lock-days` is given, retained in compliance mode. The inbox
//! (`inbox/`) holds station files only until their batch's record holds
//! them under `originals/`; it is the one place anything is removed, so it
//! is never locked.

use time::OffsetDateTime;

/// Why a key was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("invalid storage key '{0}'")]
pub struct InvalidKey(pub String);

/// Keys are relative paths of plain segments: letters, digits, `.`, `-`,
/// `_`; no empty segment, no `.` or `..`, no leading `/`.
pub fn validate(key: &str) -> Result<(), InvalidKey> {
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
        Err(InvalidKey(key.to_string()))
    }
}

// Content objects: named by the SHA-256 of their bytes.

pub fn original(sha256: &str) -> String {
    format!("originals/{sha256}")
}
pub fn document_pdf(sha256: &str) -> String {
    format!("documents/{sha256}.pdf")
}
pub fn document_text(sha256: &str) -> String {
    format!("text/{sha256}.txt")
}

/// An RFC 3161 timestamp token over a signature value, named by that
/// value's SHA-256 (`timestamp`): written once, reused by every retry.
pub fn timestamp(signature_sha256: &str) -> String {
    format!("timestamps/{signature_sha256}.tsr")
}

/// The prefixes of content-addressed objects (what a record names).
pub const CONTENT_PREFIXES: [&str; 3] = ["originals/", "documents/", "text/"];

/// The SHA-256 a content-addressed key names (`originals/<sha256>`,
/// `documents/<sha256>.pdf`, `text/<sha256>.txt`); `None` for another key.
pub fn content_sha256(key: &str) -> Option<&str> {
    let name = key
        .strip_prefix("originals/")
        .or_else(|| key.strip_prefix("documents/")?.strip_suffix(".pdf"))
        .or_else(|| key.strip_prefix("text/")?.strip_suffix(".txt"))?;
    (name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())).then_some(name)
}

// Records and their index.

/// Every batch record lives under this prefix.
pub const CASES: &str = "cases/";

pub fn record(case_code: &str, batch_id: &str) -> String {
    format!("{CASES}{case_code}/{batch_id}.json")
}
/// The records of one case.
pub fn case_prefix(case_code: &str) -> String {
    format!("{CASES}{case_code}/")
}
/// Is this key a batch record (`cases/<case>/<batch>.json`)?
pub fn is_record(key: &str) -> bool {
    key.starts_with(CASES) && key.ends_with(".json")
}
/// The batch id of a record key (`cases/<case>/<batch>.json`).
pub fn batch_of_record(key: &str) -> Option<&str> {
    key.strip_prefix(CASES)?
        .split_once('/')?
        .1
        .strip_suffix(".json")
        .filter(|b| !b.contains('/'))
}
pub fn batch_index(batch_id: &str) -> String {
    format!("batches/{batch_id}.json")
}

// Stations' files and the life of a batch.

/// Where stations' files wait for a worker: the only keys that are ever
/// removed, and the only ones not archive.
pub const INBOX: &str = "inbox/";

pub fn inbox(batch_id: &str, name: &str) -> String {
    format!("{}{name}", inbox_prefix(batch_id))
}
pub fn inbox_prefix(batch_id: &str) -> String {
    format!("{INBOX}{batch_id}/")
}
pub fn claim(batch_id: &str, n: u32) -> String {
    format!("{}{n:06}.json", claims_prefix(batch_id))
}
pub fn claims_prefix(batch_id: &str) -> String {
    format!("claims/{batch_id}/")
}
/// Is this key a station file waiting in the inbox?
pub fn is_inbox(key: &str) -> bool {
    key.starts_with(INBOX) && key.matches('/').count() == 2
}
/// Is this key a queue entry, removed once it has served: a station file
/// waiting in the inbox (removed once its batch's record holds it under
/// `originals/`) or a record's pending marker in the log (removed once the
/// record has its leaf: the step that logged it holds the same data)?
/// These are the only keys that are ever removed.
pub fn is_transient(key: &str) -> bool {
    is_inbox(key) || is_log_pending(key)
}
/// Is this key a pending marker of the log (`log/pending/<sha256>`)?
pub fn is_log_pending(key: &str) -> bool {
    key.strip_prefix(LOG_PENDING)
        .is_some_and(|leaf| leaf.len() == 64 && leaf.bytes().all(|b| b.is_ascii_hexdigit()))
}
/// Is this key archive: kept for good, locked where the store can lock
/// (originals, documents, texts, records, the log, and every other record
/// of what happened: claims, failures, amendments, audits, the access log,
/// tokens)? Everything but the transient keys ([`is_transient`]) is.
/// Nothing archive is ever removed through a [`crate::store::Store`], so
/// locking it costs nothing sohoa does; it stops anyone else removing or
/// overwriting it.
pub fn is_archive(key: &str) -> bool {
    !key.starts_with(INBOX) && !is_log_pending(key)
}
pub fn submission(batch_id: &str, time: &str) -> String {
    format!("{}{time}.json", submissions_prefix(batch_id))
}
pub fn submissions_prefix(batch_id: &str) -> String {
    format!("submissions/{batch_id}/")
}
pub fn failure(batch_id: &str, time: &str) -> String {
    format!("{}{time}.json", failures_prefix(batch_id))
}
pub fn failures_prefix(batch_id: &str) -> String {
    format!("failures/{batch_id}/")
}
pub fn announced(batch_id: &str) -> String {
    format!("announced/{batch_id}.json")
}

/// The time part of a submission or failure key, for ordering them.
pub fn time_of(key: &str) -> &str {
    let file = key.rsplit('/').next().unwrap_or_default();
    file.strip_suffix(".json").unwrap_or(file)
}

/// A UTC time as a key segment that sorts in time order,
/// e.g. `20261128T071502.123456Z`.
pub fn time_segment(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// A UTC day as a key segment, e.g. `2026-11-28`.
pub fn day_segment(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

// Audits.

pub const AUDITS: &str = "audits/";
pub const AUDITS_STARTED: &str = "audits/started/";

pub fn audit_report(audit_id: &str) -> String {
    format!("{AUDITS}{audit_id}.json")
}
pub fn audit_started(audit_id: &str) -> String {
    format!("{AUDITS_STARTED}{audit_id}.json")
}

// The access log.

pub const ACCESS_LOG: &str = "access-log/";

pub fn access_entry(at: OffsetDateTime, unique: &str) -> String {
    format!(
        "{ACCESS_LOG}{}/{}-{unique}.json",
        day_segment(at),
        time_segment(at)
    )
}
/// `(day, file)` of an access-log key, or `None` for another key.
pub fn parse_access_entry(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(ACCESS_LOG)?;
    let (day, file) = rest.split_once('/')?;
    (!file.contains('/')).then_some((day, file))
}

// Amendments: appended beside the records, never among them.

pub const AMENDMENTS: &str = "amendments/";

/// The amendments of one batch, in the order they were made.
pub fn amendments_prefix(batch_id: &str) -> String {
    format!("{AMENDMENTS}batches/{batch_id}/")
}
/// One amendment of a batch; `id` is `<time>-<rand>` ([`time_segment`]).
pub fn amendment(batch_id: &str, id: &str) -> String {
    format!("{}{id}.json", amendments_prefix(batch_id))
}
/// Every batch's amendments.
pub fn all_amendments() -> String {
    format!("{AMENDMENTS}batches/")
}
/// The batch id of an amendment key, or `None` for another key.
pub fn batch_of_amendment(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(AMENDMENTS)?.strip_prefix("batches/")?;
    let (batch, file) = rest.split_once('/')?;
    (!file.contains('/') && file.ends_with(".json")).then_some(batch)
}
/// A document's PDF as an amendment re-arranged its pages (never among
/// the machine's `documents/`).
pub fn derived_pdf(sha256: &str) -> String {
    format!("{AMENDMENTS}documents/{sha256}.pdf")
}
/// The OCR text of a document as an amendment re-arranged its pages.
pub fn derived_text(sha256: &str) -> String {
    format!("{AMENDMENTS}text/{sha256}.txt")
}
/// Batches re-attached to a case: their pointers.
pub fn reattached_prefix(case_code: &str) -> String {
    format!("{AMENDMENTS}cases/{case_code}/")
}
pub fn reattached(case_code: &str, batch_id: &str, id: &str) -> String {
    format!("{}{batch_id}/{id}.json", reattached_prefix(case_code))
}
/// The batch id of a re-attach pointer under `prefix` ([`reattached_prefix`]).
pub fn batch_of_reattached<'a>(prefix: &str, key: &'a str) -> Option<&'a str> {
    key.get(prefix.len()..)
        .filter(|_| key.starts_with(prefix))?
        .split_once('/')
        .map(|(b, _)| b)
}

// API tokens.

pub const TOKENS: &str = "auth/tokens/";
pub const REVOKED: &str = "auth/revoked/";

pub fn token(sha256: &str) -> String {
    format!("{TOKENS}{sha256}.json")
}
pub fn revoked(sha256: &str) -> String {
    format!("{REVOKED}{sha256}.json")
}

// Web sessions: kept as tokens are, hashed, their end a record of its own.

pub const SESSIONS: &str = "auth/sessions/";
pub const ENDED_SESSIONS: &str = "auth/ended/";

pub fn session(sha256: &str) -> String {
    format!("{SESSIONS}{sha256}.json")
}
pub fn session_ended(sha256: &str) -> String {
    format!("{ENDED_SESSIONS}{sha256}.json")
}

// The transparency log (`catalog::log`): written by its module only.

pub const LOG_PENDING: &str = "log/pending/";
pub const LOG_LOGGED: &str = "log/logged/";
pub const LOG_STEPS: &str = "log/steps/";
pub const LOG_CHECKPOINTS: &str = "log/checkpoints/";

/// A record waiting for its leaf; `leaf` is the SHA-256 (hex) of the leaf data.
pub fn log_pending(leaf: &str) -> String {
    format!("{LOG_PENDING}{leaf}")
}
/// Where the leaf with that data hash sits in the log.
pub fn log_logged(leaf: &str) -> String {
    format!("{LOG_LOGGED}{leaf}")
}
/// The sequencer step that appends to the log of `size` leaves.
pub fn log_step(size: u64) -> String {
    format!("{LOG_STEPS}{size:020}")
}
/// The checkpoint of the log at `size` leaves.
pub fn log_checkpoint(size: u64) -> String {
    format!("{LOG_CHECKPOINTS}{size:020}")
}
/// The size a step or checkpoint key names.
pub fn log_size_of(key: &str) -> Option<u64> {
    key.rsplit('/').next()?.parse().ok()
}
/// The last segment of a key (a pending or logged marker's leaf hash).
pub fn last_segment(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or_default()
}
/// A hash tile (c2sp.org tlog-tiles): `level`, tile `index`, `width` hashes.
pub fn log_tile(level: u8, index: u64, width: u64) -> String {
    tile_key(&level.to_string(), index, width)
}
/// An entry bundle: the leaves' data, `width` of them.
pub fn log_bundle(index: u64, width: u64) -> String {
    tile_key("entries", index, width)
}
fn tile_key(level: &str, index: u64, width: u64) -> String {
    let path = crate::tlog::tile_index_path(index);
    if width < crate::tlog::TILE_WIDTH {
        format!("log/tile/{level}/{path}.p/{width}")
    } else {
        format!("log/tile/{level}/{path}")
    }
}

/// A key probed by health checks (never written).
pub const HEALTH_PROBE: &str = "healthz-probe";

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
            assert!(validate(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["originals/ab12", "cases/000.00.13.H04-210628-0001/b-1.json"] {
            assert!(validate(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn keys_parse_back() {
        let r = record("000.00.13.H04-210628-0001", "b1");
        assert!(is_record(&r));
        assert_eq!(batch_of_record(&r), Some("b1"));
        assert!(r.starts_with(&case_prefix("000.00.13.H04-210628-0001")));
        assert_eq!(
            time_of(&failure("b1", "20261128T071502.123456Z")),
            "20261128T071502.123456Z"
        );
        let t = time::macros::datetime!(2026-11-28 07:15:02.5 UTC);
        let k = access_entry(t, "ab12");
        assert_eq!(k, "access-log/2026-11-28/20261128T071502.500000Z-ab12.json");
        assert_eq!(
            parse_access_entry(&k),
            Some(("2026-11-28", "20261128T071502.500000Z-ab12.json"))
        );
        assert_eq!(parse_access_entry("cases/x/y.json"), None);
        let a = amendment("b1", "20261128T071502.500000Z-ab12");
        assert_eq!(batch_of_amendment(&a), Some("b1"));
        assert!(a.starts_with(&all_amendments()));
        for derived in [derived_pdf("ab12"), derived_text("ab12")] {
            assert!(validate(&derived).is_ok());
            assert_eq!(batch_of_amendment(&derived), None);
            assert!(!derived.starts_with(&all_amendments()));
        }
        let h = "ab".repeat(32);
        assert_eq!(content_sha256(&document_pdf(&h)), Some(h.as_str()));
        assert_eq!(content_sha256(&original(&h)), Some(h.as_str()));
        assert_eq!(content_sha256(&document_text(&h)), Some(h.as_str()));
        assert_eq!(content_sha256("documents/x.pdf"), None);
        for archive in [
            original(&h),
            record("c", "b"),
            log_checkpoint(1),
            claim("b", 0),
        ] {
            assert!(is_archive(&archive), "{archive}");
        }
        assert!(!is_archive(&inbox("b", "scan.pdf")));
        assert_eq!(log_tile(0, 1234067, 256), "log/tile/0/x001/x234/067");
        assert_eq!(log_bundle(5, 17), "log/tile/entries/005.p/17");
        assert_eq!(log_size_of(&log_checkpoint(42)), Some(42));
        for k in [log_tile(1, 3, 2), log_step(7), log_pending("ab")] {
            assert!(validate(&k).is_ok(), "{k}");
        }
        let p = reattached("000.00.13.H04-210628-0001", "b1", "t-1");
        assert_eq!(
            batch_of_reattached(&reattached_prefix("000.00.13.H04-210628-0001"), &p),
            Some("b1")
        );
    }
}
