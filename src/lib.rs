//! sohoa ("số hóa", digitisation) turns the scanned pages of a dossier
//! handed in at a one-stop-shop desk into typed, searchable, hashed and
//! stored documents attached to the dossier's case.
//!
//! Where things are (see `ARCHITECTURE.md` for the invariants):
//! - the pipeline's stages, in the order data flows through them:
//!   [`ingest`] → [`prepare`] → [`codes`] → [`ocr`] → [`split`] →
//!   [`classify`] → [`render`], driven page by page and then per batch by
//!   [`pipeline`]; [`pdfa`] checks what [`render`] writes against the
//!   PDF/A-2b rules that can be checked offline;
//! - what is stored and where: [`record`] (plain data types), [`keys`]
//!   (every object key), [`store`] (bytes by key: a directory or S3),
//!   [`catalog`] (the only reader and writer of records, failures, audit
//!   reports and the access log), [`fixity`] (re-hashing what records name),
//!   [`index`] (the search index in PostgreSQL, derived from the records);
//! - how batches travel: [`submit`] (stage → publish → record the
//!   submission) over [`queue`] (messages, topology, publishing);
//! - who may do what: [`auth`] (tokens and roles), [`api`] (HTTP), [`web`]
//!   (the officers' and archivists' page);
//! - small shared rules: [`ids`], [`clock`], [`fold`] (text folding for
//!   matching), [`names`] (how names are spelled), [`metrics`],
//!   [`panic_message`].

pub mod anchor;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod classify;
pub mod clock;
pub mod codes;
pub mod fields;
pub mod fixity;
pub mod fold;
pub mod ids;
pub mod index;
pub mod ingest;
pub mod keys;
pub mod metrics;
pub mod mrz;
pub mod names;
pub mod ocr;
pub mod pdfa;
pub mod people;
pub mod pipeline;
pub mod pix;
pub mod prepare;
pub mod queue;
pub mod record;
pub mod render;
pub mod sign;
pub mod split;
pub mod store;
pub mod submit;
pub mod timestamp;
pub mod tlog;
pub mod web;

/// The text a caught panic carries (`panic!` with a literal or a formatted
/// message), for the reason a failure names.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}
