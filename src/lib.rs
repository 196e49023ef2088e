//! sohoa ("số hóa", digitisation) turns the scanned pages of a dossier
//! handed in at a one-stop-shop desk into typed, searchable, hashed and
//! stored documents attached to the dossier's case.
//!
//! The modules follow the pipeline's stages, in the order data flows
//! through them (see `ARCHITECTURE.md`):
//! [`ingest`] → [`prepare`] → [`codes`] → [`ocr`] → [`split`] →
//! [`classify`] → [`render`] → [`archive`], driven by [`pipeline`].
//! [`queue`] carries batches to the workers; [`api`] serves stations,
//! officers and archivists over HTTP.

pub mod api;
pub mod archive;
pub mod classify;
pub mod codes;
pub mod ingest;
pub mod metrics;
pub mod ocr;
pub mod pipeline;
pub mod pix;
pub mod prepare;
pub mod queue;
pub mod record;
pub mod render;
pub mod split;
