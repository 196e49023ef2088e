//! The pipeline: one batch from station files to a stored, verified record.
//!
//! ```text
//! ingest ──► prepare ──► codes ──► ocr ──► split ──► classify ──► render ──► archive
//! (files,    (blank,     (QR,      (words   (pages    (type,       (PDF +     (write-once,
//!  pages)     upright,    case      + boxes)  → docs)   fields)      text)      record last)
//!             deskew)     code)
//! ```
//!
//! Pages are independent until `split`, so decode → prepare → codes → OCR
//! runs per page ([`page`]) on the [`PagePool`]'s threads ([`pool`]), each
//! owning its Tesseract engines for its whole life. Only compressed page
//! images and OCR words come back, so memory stays at a few pages of pixels
//! per thread. Then [`assemble`] makes the documents and the record, and
//! stores them (record last, through the catalog). [`process`] is the
//! small driver that composes the three.
//!
//! The pipeline never talks AMQP and never parses a stored record: a batch
//! comes in as files, and goes out as objects and a record.

pub mod assemble;
pub mod page;
pub mod pool;
pub mod stamp;

pub use page::PageOut;
pub use pool::PagePool;

use crate::catalog::{self, CatalogError};
use crate::classify::Taxonomy;
use crate::codes::{CaseCode, CaseCodeError};
use crate::ids::InvalidId;
use crate::ingest::{IngestError, Original};
use crate::ocr::OcrError;
use crate::record::{BatchRecord, Difference};
use crate::render::RenderError;
use crate::sign::SignError;
use crate::store::{Store, StoreError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("{file} page {page}: OCR failed: {source}")]
    Ocr {
        file: String,
        page: u32,
        #[source]
        source: OcrError,
    },
    #[error(transparent)]
    OcrInit(OcrError),
    #[error(transparent)]
    CaseCode(#[from] CaseCodeError),
    #[error(transparent)]
    InvalidId(#[from] InvalidId),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Timestamp(#[from] crate::timestamp::TimestampError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored record {key} cannot be read: {reason}")]
    BadRecord { key: String, reason: String },
    #[error("the page workers stopped unexpectedly")]
    PoolGone,
    /// Building the batch's documents panicked: the input reached a bug,
    /// and the same input would again.
    #[error(
        "building the batch's documents failed unexpectedly (panic: {0}); it was not digitised: report it with the batch's files"
    )]
    Panicked(String),
    /// The batch id's record holds other files or another case code.
    #[error("{message}")]
    Reused { batch_id: String, message: String },
    #[error(
        "none of the batch's {pages} page(s) holds content: {blank} measured blank, {separators} separator(s) ({first}); \
         check the scans (exposure, the side scanned, the lid) and scan the dossier again"
    )]
    NoContent {
        pages: usize,
        blank: usize,
        separators: usize,
        /// The first blank page's file, page and measurement.
        first: String,
    },
}

impl PipelineError {
    /// Faults of the input (the batch can never succeed as it is), as
    /// opposed to faults of the environment (store, engines) that a retry may cure.
    pub fn is_permanent(&self) -> bool {
        match self {
            // A key that cannot be stored comes from the input, not the environment.
            PipelineError::Store(StoreError::InvalidKey(_)) => true,
            PipelineError::Store(_) | PipelineError::PoolGone | PipelineError::OcrInit(_) => false,
            // A PDF sohoa rendered that it cannot sign is the input's (the
            // same batch would fail again); a key or signing device fault
            // is the environment's.
            PipelineError::Sign(SignError::Pdf(_)) => true,
            PipelineError::Sign(_) => false,
            // The TSA and the store are the environment's, whatever they say.
            PipelineError::Timestamp(_) => false,
            _ => true,
        }
    }
}

/// Why a blocking task of the pipeline ended without its result: a
/// panic is the input's (it fails the batch for good, naming the panic),
/// a cancelled task the environment's.
fn joined(e: tokio::task::JoinError) -> PipelineError {
    match e.try_into_panic() {
        Ok(panic) => PipelineError::Panicked(crate::panic_message(panic.as_ref())),
        Err(_) => PipelineError::PoolGone,
    }
}

/// Settings of the pipeline.
#[derive(Debug, Clone)]
pub struct Options {
    /// Tesseract languages, e.g. `vie`.
    pub lang: String,
    /// OCR threads (one pair of engines each).
    pub threads: usize,
    pub taxonomy: Taxonomy,
    /// What a page may cost to read (checked again as each is decoded).
    pub limits: crate::ingest::Limits,
    /// JPEG quality for pages that had to be re-encoded (turned or deskewed).
    pub jpeg_quality: u8,
    /// The agency's key and TSA: every document PDF is signed with the
    /// key in assembly, and its signature timestamped by the TSA, if any,
    /// in [`stamp`]; none, and PDFs are stored unsigned (the record says
    /// so).
    pub signing: Option<crate::sign::Agency>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: "vie".into(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            taxonomy: Taxonomy::default_set(),
            limits: crate::ingest::Limits::default(),
            jpeg_quality: 80,
            signing: None,
        }
    }
}

/// What the station says about a batch.
#[derive(Debug, Clone, Default)]
pub struct BatchInfo {
    pub batch_id: Option<String>,
    pub case_code: Option<CaseCode>,
    pub station: Option<String>,
    /// The time of the batch's claim (a key time segment), which signs its
    /// documents: the worker gives it; `process` without it finds the
    /// batch's claim, or claims the batch, when a signer is configured.
    pub claimed_at: Option<String>,
}

/// The result of processing one batch.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub record: BatchRecord,
    pub record_key: String,
    /// The batch had been digitised before; nothing was written.
    pub already_done: bool,
    /// Pages read and seconds spent in Tesseract (zero when already done).
    pub pages: usize,
    pub ocr_seconds: f64,
}

impl From<CatalogError> for PipelineError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Store(e) => PipelineError::Store(e),
            CatalogError::Unreadable { key, reason } => PipelineError::BadRecord { key, reason },
        }
    }
}

/// The batch's record if it was already digitised as these files (names
/// in scan order, hashes where given) and, where one is given, this case
/// code; a record of the id for anything else is [`PipelineError::Reused`].
pub async fn find_existing<'a>(
    store: &dyn Store,
    batch_id: &str,
    files: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    case_code: Option<&str>,
) -> Result<Option<Outcome>, PipelineError> {
    let Some(found) = catalog::records::find_batch(store, batch_id).await? else {
        return Ok(None);
    };
    let message = match found.record.differs_from(files, case_code) {
        None => {
            return Ok(Some(Outcome {
                record: found.record,
                record_key: found.key,
                already_done: true,
                pages: 0,
                ocr_seconds: 0.0,
            }));
        }
        Some(Difference::Files) => format!(
            "batch id {batch_id} was already used for other files (recorded in {}); submit the new files under a new batch id",
            found.key
        ),
        Some(Difference::Case(recorded)) => format!(
            "batch id {batch_id} was recorded for case {recorded} (in {}), not {}; submit under a new batch id",
            found.key,
            case_code.unwrap_or_default()
        ),
    };
    Err(PipelineError::Reused {
        batch_id: batch_id.to_string(),
        message,
    })
}

/// Digitise one batch and store it. Idempotent: a batch whose record
/// exists, as these files and case code, is returned as it is, and
/// nothing is written; a record of the id for other files or another case
/// code is an error.
pub async fn process(
    pool: Arc<PagePool>,
    originals: Vec<Original>,
    info: &BatchInfo,
    store: &dyn Store,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<Outcome, PipelineError> {
    let started = crate::clock::now_rfc3339();
    let started_clock = std::time::Instant::now();
    let originals: Vec<Arc<Original>> = originals.into_iter().map(Arc::new).collect();
    let batch_id = match &info.batch_id {
        Some(id) => id.clone(),
        None => crate::ids::batch_from_digests(originals.iter().map(|o| o.sha256.as_str())),
    };
    crate::ids::check_batch(&batch_id)?;
    let files = originals
        .iter()
        .map(|o| (o.name.as_str(), Some(o.sha256.as_str())));
    let case = info.case_code.as_ref().map(|c| c.to_string());
    if let Some(done) = find_existing(store, &batch_id, files, case.as_deref()).await? {
        return Ok(done);
    }
    let mut info = info.clone();
    if pool.options().signing.is_some() && info.claimed_at.is_none() {
        info.claimed_at = Some(claim_time(store, &batch_id, &originals, &info).await?);
    }
    let cpu_originals = originals.clone();
    let signing = pool.options().signing.clone();
    let mut built = tokio::task::spawn_blocking(move || {
        let pages = pool.run(&cpu_originals, &*progress)?;
        assemble::assemble(
            &cpu_originals,
            pages,
            pool.options(),
            &info,
            &batch_id,
            started,
        )
    })
    .await
    .map_err(joined)??;
    if let Some(agency) = &signing {
        stamp::stamp(store, agency, &mut built).await?;
    }
    let outcome = assemble::store(store, &originals, built).await?;
    tracing::info!(
        batch = %outcome.record.batch_id,
        pages = outcome.pages,
        ocr_seconds = format!("{:.2}", outcome.ocr_seconds),
        total_seconds = format!("{:.2}", started_clock.elapsed().as_secs_f64()),
        "batch processed"
    );
    Ok(outcome)
}

/// The time of the batch's claim: the one it has, or a new one made by
/// `cli` (as `submit` would), so that a batch processed again after a
/// crash signs its documents at the same time.
async fn claim_time(
    store: &dyn Store,
    batch_id: &str,
    originals: &[Arc<Original>],
    info: &BatchInfo,
) -> Result<String, PipelineError> {
    use crate::catalog::claims::{self, ClaimError};
    let files = originals
        .iter()
        .map(|o| (o.name.clone(), o.sha256.clone()))
        .collect();
    let case = info.case_code.as_ref().map(|c| c.to_string());
    match claims::time_of_files(store, batch_id, case, info.station.clone(), files).await {
        Ok(time) => Ok(time),
        Err(e @ ClaimError::Conflict { .. }) => Err(PipelineError::Reused {
            batch_id: batch_id.to_string(),
            message: e.to_string(),
        }),
        Err(ClaimError::Catalog(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_while_building_documents_fails_the_batch_for_good_naming_it() {
        let e =
            tokio::task::spawn_blocking(|| -> () { panic!("index out of bounds: the len is 0") })
                .await
                .map_err(joined)
                .expect_err("a panicking task gives no result");
        assert!(e.is_permanent(), "{e}");
        assert!(
            e.to_string().contains("index out of bounds: the len is 0"),
            "{e}"
        );
    }
}
