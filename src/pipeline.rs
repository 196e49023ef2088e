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
//! runs per page on the [`PagePool`]'s threads, each owning its Tesseract
//! engines for its whole life. Only compressed page images and OCR words
//! come back, so memory stays at a few pages of pixels per thread.

use crate::archive::{self, Put, Store, StoreError};
use crate::classify::{self, Taxonomy};
use crate::codes::{self, CaseCode};
use crate::ingest::{self, IngestError, Original};
use crate::ocr::{Engine, OcrError, PageText};
use crate::pix::{Encoded, Filter};
use crate::prepare::{self, Preparation};
use crate::record::*;
use crate::render::{self, RenderError, RenderPage};
use crate::split::{self, PageFacts, PageKind};
use sha2::{Digest, Sha256};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

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
    #[error(
        "case code conflict: the station gave {station} but the intake receipt says {receipt}; the batch was not attached to either case. Check which dossier was scanned and resubmit with the right --case"
    )]
    CaseConflict {
        station: CaseCode,
        receipt: CaseCode,
    },
    #[error(
        "the batch carries several different case codes on receipts ({0}); split it into one batch per dossier"
    )]
    SeveralCaseCodes(String),
    #[error(
        "no case code: the batch has no intake receipt with a readable case code; give it with --case"
    )]
    NoCaseCode,
    #[error("invalid batch id '{0}': use 1-64 letters, digits, '.', '-' or '_'")]
    InvalidBatchId(String),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored record {key} cannot be read: {reason}")]
    BadRecord { key: String, reason: String },
    #[error("the page workers stopped unexpectedly")]
    PoolGone,
}

impl PipelineError {
    /// Faults of the input (the batch can never succeed as it is), as
    /// opposed to faults of the environment (store, engines) that a retry may cure.
    pub fn is_permanent(&self) -> bool {
        match self {
            // A key that cannot be stored comes from the input, not the environment.
            PipelineError::Store(StoreError::InvalidKey(_)) => true,
            PipelineError::Store(_) | PipelineError::PoolGone | PipelineError::OcrInit(_) => false,
            _ => true,
        }
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
    /// Refuse pages whose declared size is over this many megapixels.
    pub max_megapixels: u64,
    /// JPEG quality for pages that had to be re-encoded (turned or deskewed).
    pub jpeg_quality: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: "vie".into(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            taxonomy: Taxonomy::default_set(),
            max_megapixels: 150,
            jpeg_quality: 80,
        }
    }
}

/// What the station says about a batch.
#[derive(Debug, Clone, Default)]
pub struct BatchInfo {
    pub batch_id: Option<String>,
    pub case_code: Option<CaseCode>,
    pub station: Option<String>,
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

/// One processed page, as it comes back from the pool.
pub struct PageOut {
    pub kind: PageKind,
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub dpi_source: &'static str,
    pub prep: Preparation,
    pub qr: Vec<String>,
    pub text: PageText,
    pub image: Option<Encoded>,
    /// Seconds spent in Tesseract (OSD and recognition) on this page.
    pub ocr_seconds: f64,
}

struct Job {
    original: Arc<Original>,
    index: usize,
    slot: usize,
    reply: mpsc::Sender<(usize, Result<PageOut, PipelineError>)>,
}

/// Threads that turn pages into [`PageOut`]s, each with its own Tesseract
/// engines (text and orientation), created once.
pub struct PagePool {
    jobs: Option<mpsc::Sender<Job>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    opts: Options,
}

impl PagePool {
    /// Start `opts.threads` page threads; fails if Tesseract cannot load the languages.
    pub fn new(opts: &Options) -> Result<PagePool, PipelineError> {
        crate::pix::quiet();
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        let (ready_tx, ready_rx) = mpsc::channel();
        for n in 0..opts.threads.max(1) {
            let rx = rx.clone();
            let ready = ready_tx.clone();
            let o = opts.clone();
            let handle = std::thread::Builder::new()
                .name(format!("sohoa-page-{n}"))
                .spawn(move || {
                    let engines = Engine::new(&o.lang).and_then(|text| Ok((text, Engine::new("osd")?)));
                    let (mut text, mut osd) = match engines {
                        Ok(e) => {
                            let _ = ready.send(Ok(()));
                            e
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    };
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let _span = tracing::debug_span!("page", file = %job.original.name, page = job.index + 1).entered();
                        // A panic on one page (a decoder's assertion on a hostile
                        // file) fails that batch as unreadable; the thread lives on.
                        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            process_page(&mut text, &mut osd, &job.original, job.index, &o)
                        }))
                        .unwrap_or_else(|_| {
                            Err(PipelineError::Ingest(IngestError::Corrupt {
                                file: job.original.name.clone(),
                                page: job.index as u32 + 1,
                                reason: "the page crashed the decoder (damaged or hostile data)".into(),
                            }))
                        });
                        let _ = job.reply.send((job.slot, out));
                    }
                })
                .map_err(|_| PipelineError::PoolGone)?;
            threads.push(handle);
        }
        drop(ready_tx);
        for _ in 0..threads.len() {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(PipelineError::OcrInit(e)),
                Err(_) => return Err(PipelineError::PoolGone),
            }
        }
        Ok(PagePool {
            jobs: Some(tx),
            threads,
            opts: opts.clone(),
        })
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Process every page of the originals, in order. `progress(done, total)`
    /// is called as pages finish. Blocks: call from a blocking context.
    pub fn run(
        &self,
        originals: &[Arc<Original>],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<PageOut>, PipelineError> {
        let jobs = self.jobs.as_ref().ok_or(PipelineError::PoolGone)?;
        let (tx, rx) = mpsc::channel();
        let mut total = 0;
        for o in originals {
            for index in 0..o.pages.len() {
                jobs.send(Job {
                    original: o.clone(),
                    index,
                    slot: total,
                    reply: tx.clone(),
                })
                .map_err(|_| PipelineError::PoolGone)?;
                total += 1;
            }
        }
        drop(tx);
        let mut slots: Vec<Option<PageOut>> = (0..total).map(|_| None).collect();
        let mut first_err: Option<(usize, PipelineError)> = None;
        for done in 1..=total {
            let (slot, out) = rx.recv().map_err(|_| PipelineError::PoolGone)?;
            progress(done, total);
            match out {
                Ok(p) => slots[slot] = Some(p),
                // Report the earliest failing page in scan order.
                Err(e) if first_err.as_ref().is_none_or(|(s, _)| slot < *s) => {
                    first_err = Some((slot, e))
                }
                Err(_) => {}
            }
        }
        if let Some((_, e)) = first_err {
            return Err(e);
        }
        slots
            .into_iter()
            .map(|s| s.ok_or(PipelineError::PoolGone))
            .collect()
    }
}

impl Drop for PagePool {
    fn drop(&mut self) {
        self.jobs.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// decode → blank? → QR (separator, case code) → upright → deskew → OCR → encode.
fn process_page(
    text_engine: &mut Engine,
    osd: &mut Engine,
    original: &Original,
    index: usize,
    opts: &Options,
) -> Result<PageOut, PipelineError> {
    let page_no = index as u32 + 1;
    let decoded = ingest::decode_page(original, index, opts.max_megapixels)?;
    let (width, height, dpi) = (decoded.pix.width(), decoded.pix.height(), decoded.dpi);
    let mut prep = Preparation {
        ink_ratio: prepare::ink_ratio(&decoded.pix),
        ..Default::default()
    };
    prep.ink_ratio = (prep.ink_ratio * 10000.0).round() / 10000.0;
    let mut out = PageOut {
        kind: PageKind::Blank,
        width,
        height,
        dpi,
        dpi_source: decoded.dpi_source,
        prep: prep.clone(),
        qr: Vec::new(),
        text: PageText::default(),
        image: None,
        ocr_seconds: 0.0,
    };
    if prepare::is_blank(prep.ink_ratio) {
        return Ok(out);
    }
    let qr = match decoded.pix.depth() {
        8 => codes::decode_qr(&decoded.pix),
        _ => decoded
            .pix
            .to_gray()
            .map(|g| codes::decode_qr(&g))
            .unwrap_or_default(),
    };
    if qr.iter().any(|q| q.trim() == codes::SEPARATOR) {
        out.kind = PageKind::Separator;
        out.qr = qr;
        return Ok(out);
    }
    // Straighten and read the page as scanned; only if it reads poorly,
    // ask OSD whether it is turned, turn it and read it again.
    let ocr_error = |source| PipelineError::Ocr {
        file: original.name.clone(),
        page: page_no,
        source,
    };
    let scanned = decoded.pix;
    let mut pix = match prepare::deskew(&scanned, &mut prep) {
        Some(straight) => straight,
        None => scanned,
    };
    let started = std::time::Instant::now();
    let mut text = text_engine.recognize(&pix, dpi).map_err(ocr_error)?;
    if prepare::needs_orientation_check(&text) {
        let turns = prepare::orientation(osd, &pix, dpi, &mut prep);
        if turns != 0
            && let Some(turned) = pix.rotate_orth(turns)
        {
            let mut turned_prep = prep.clone();
            turned_prep.rotated_deg = turns * 90;
            let candidate = match prepare::deskew(&turned, &mut turned_prep) {
                Some(straight) => straight,
                None => turned,
            };
            let turned_text = text_engine.recognize(&candidate, dpi).map_err(ocr_error)?;
            if turned_text.mean_conf() > text.mean_conf() {
                text = turned_text;
                pix = candidate;
                prep = turned_prep;
            }
        }
    }
    out.ocr_seconds = started.elapsed().as_secs_f64();
    // A separator whose QR code could not be read still says so in print.
    if text.word_count() <= 6 && classify::fold(&text.text()).contains("TRANG PHAN CACH") {
        out.kind = PageKind::Separator;
        out.qr = qr;
        out.text = text;
        return Ok(out);
    }
    let untouched = prep.rotated_deg == 0 && !prep.deskewed;
    let image = match (&decoded.jpeg, untouched) {
        (Some(jpeg), true) => Some(Encoded {
            filter: Filter::Jpeg,
            data: jpeg.to_vec(),
            width: pix.width(),
            height: pix.height(),
            bits_per_component: 8,
            components: if pix.depth() == 32 { 3 } else { 1 },
        }),
        _ => pix.encode_for_pdf(opts.jpeg_quality),
    };
    let image = image.ok_or_else(|| IngestError::Corrupt {
        file: original.name.clone(),
        page: page_no,
        reason: "the prepared page could not be encoded for the PDF".into(),
    })?;
    out.kind = PageKind::Content;
    out.prep = prep;
    out.qr = qr;
    out.text = text;
    out.image = Some(image);
    // Sideways pages change their size when turned upright.
    out.width = pix.width();
    out.height = pix.height();
    Ok(out)
}

/// A batch id stable for the same input bytes: a digest of the files' digests in order.
pub fn default_batch_id(originals: &[Arc<Original>]) -> String {
    batch_id_from_digests(originals.iter().map(|o| o.sha256.as_str()))
}

/// The default batch id of files with these SHA-256 digests, in scan order.
pub fn batch_id_from_digests<'a>(digests: impl Iterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d.as_bytes());
        h.update(b"\n");
    }
    format!("b{}", &hex::encode(h.finalize())[..20])
}

/// An id that can be one segment of a storage key: 1 to `max` letters,
/// digits, `.`, `-` or `_`, not starting with `.` (batch and document ids).
pub fn is_plain_id(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub fn validate_batch_id(id: &str) -> Result<(), PipelineError> {
    if is_plain_id(id, 64) {
        Ok(())
    } else {
        Err(PipelineError::InvalidBatchId(id.to_string()))
    }
}

/// Look up whether `batch_id` was already digitised; returns its record.
pub async fn find_existing(
    store: &dyn Store,
    batch_id: &str,
) -> Result<Option<Outcome>, PipelineError> {
    let Some(pointer) = store.get(&archive::batch_index_key(batch_id)).await? else {
        return Ok(None);
    };
    let bad = |reason: String| PipelineError::BadRecord {
        key: archive::batch_index_key(batch_id),
        reason,
    };
    let p: serde_json::Value = serde_json::from_slice(&pointer).map_err(|e| bad(e.to_string()))?;
    let key = p["record"]
        .as_str()
        .ok_or_else(|| bad("no 'record' field".into()))?
        .to_string();
    let Some(bytes) = store.get(&key).await? else {
        return Ok(None);
    };
    let record: BatchRecord =
        serde_json::from_slice(&bytes).map_err(|e| PipelineError::BadRecord {
            key: key.clone(),
            reason: e.to_string(),
        })?;
    Ok(Some(Outcome {
        record,
        record_key: key,
        already_done: true,
        pages: 0,
        ocr_seconds: 0.0,
    }))
}

/// Digitise one batch and store it. Idempotent: a batch whose record
/// exists is returned as it is, and nothing is written.
pub async fn process(
    pool: Arc<PagePool>,
    originals: Vec<Original>,
    info: &BatchInfo,
    store: &dyn Store,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<Outcome, PipelineError> {
    let started = crate::record::now_rfc3339();
    let started_clock = std::time::Instant::now();
    let originals: Vec<Arc<Original>> = originals.into_iter().map(Arc::new).collect();
    let batch_id = match &info.batch_id {
        Some(id) => id.clone(),
        None => default_batch_id(&originals),
    };
    validate_batch_id(&batch_id)?;
    if let Some(done) = find_existing(store, &batch_id).await? {
        return Ok(done);
    }
    let opts = pool.options().clone();
    let station_case = info.case_code.clone();
    let station = info.station.clone();
    let originals_cpu = originals.clone();
    let built = tokio::task::spawn_blocking(move || -> Result<Built, PipelineError> {
        let pages = pool.run(&originals_cpu, &*progress)?;
        build(
            &originals_cpu,
            pages,
            &opts,
            station_case,
            &batch_id,
            station,
            started,
        )
    })
    .await
    .map_err(|_| PipelineError::PoolGone)??;

    // Archive: objects first, record last, then the batch index.
    for o in &originals {
        store
            .put_if_absent(&archive::original_key(&o.sha256), o.bytes.to_vec())
            .await?;
    }
    for (key, bytes) in built.objects {
        store.put_if_absent(&key, bytes).await?;
    }
    let mut record = built.record;
    record.finished_at = crate::record::now_rfc3339();
    let record_key = archive::record_key(record.case_code.as_str(), &record.batch_id);
    let json =
        serde_json::to_vec_pretty(&record).map_err(|e| StoreError::Backend(e.to_string()))?;
    let (pages, ocr_seconds) = (built.pages, built.ocr_seconds);
    let outcome = match store.put_if_absent(&record_key, json).await? {
        Put::Created => Outcome {
            record,
            record_key: record_key.clone(),
            already_done: false,
            pages,
            ocr_seconds,
        },
        // Another worker finished the same batch first: keep its record.
        Put::Existed => {
            let bytes = store.get(&record_key).await?.ok_or_else(|| {
                StoreError::Backend(format!(
                    "{record_key} was reported as existing but cannot be read yet"
                ))
            })?;
            let record = serde_json::from_slice(&bytes).map_err(|e| PipelineError::BadRecord {
                key: record_key.clone(),
                reason: e.to_string(),
            })?;
            Outcome {
                record,
                record_key: record_key.clone(),
                already_done: true,
                pages,
                ocr_seconds,
            }
        }
    };
    tracing::info!(
        batch = %outcome.record.batch_id,
        pages = outcome.pages,
        ocr_seconds = format!("{:.2}", outcome.ocr_seconds),
        total_seconds = format!("{:.2}", started_clock.elapsed().as_secs_f64()),
        "batch processed"
    );
    let pointer = serde_json::json!({ "batch_id": outcome.record.batch_id, "record": record_key });
    store
        .put_if_absent(
            &archive::batch_index_key(&outcome.record.batch_id),
            pointer.to_string().into_bytes(),
        )
        .await?;
    Ok(outcome)
}

struct Built {
    record: BatchRecord,
    objects: Vec<(String, Vec<u8>)>,
    pages: usize,
    ocr_seconds: f64,
}

/// Everything after OCR: case code, split, classify, render.
fn build(
    originals: &[Arc<Original>],
    pages: Vec<PageOut>,
    opts: &Options,
    station_case: Option<CaseCode>,
    batch_id: &str,
    station: Option<String>,
    started: String,
) -> Result<Built, PipelineError> {
    // Where each page came from.
    let mut sources = Vec::new();
    for o in originals {
        for i in 0..o.pages.len() {
            sources.push((o.name.clone(), i as u32 + 1));
        }
    }
    let facts: Vec<PageFacts> = pages
        .iter()
        .map(|p| PageFacts {
            kind: p.kind,
            text: &p.text,
            height: p.height,
            qr: &p.qr,
        })
        .collect();
    let groups = split::split(&opts.taxonomy, &facts);

    // Case code: receipts' QR codes first, then the receipt's printed text.
    let receipt_pages: Vec<usize> = groups
        .iter()
        .filter(|g| g.heading.as_ref().is_some_and(|h| h.type_id == "receipt"))
        .flat_map(|g| g.pages.iter().copied())
        .collect();
    let mut qr_codes: Vec<CaseCode> = pages
        .iter()
        .filter(|p| p.kind == PageKind::Content)
        .flat_map(|p| p.qr.iter().filter_map(|q| q.parse::<CaseCode>().ok()))
        .collect();
    qr_codes.sort();
    qr_codes.dedup();
    let (receipt_code, source) = if !qr_codes.is_empty() {
        if qr_codes.len() > 1 {
            let list = qr_codes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PipelineError::SeveralCaseCodes(list));
        }
        (qr_codes.pop(), "receipt_qr")
    } else {
        let mut text_codes: Vec<CaseCode> = receipt_pages
            .iter()
            .flat_map(|&i| codes::case_codes_in_text(&pages[i].text.text()))
            .collect();
        text_codes.sort();
        text_codes.dedup();
        if text_codes.len() > 1 {
            let list = text_codes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PipelineError::SeveralCaseCodes(list));
        }
        (text_codes.pop(), "receipt_text")
    };
    let (case_code, case_code_source) = match (station_case, receipt_code) {
        (Some(s), Some(r)) if s != r => {
            return Err(PipelineError::CaseConflict {
                station: s,
                receipt: r,
            });
        }
        (_, Some(r)) => (r, source),
        (Some(s), None) => (s, "station"),
        (None, None) => return Err(PipelineError::NoCaseCode),
    };

    let mut warnings = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        if p.dpi < ingest::MIN_DPI {
            warnings.push(format!(
                "{} page {}: {} dpi is under the {} dpi minimum for digitised copies (low_resolution)",
                sources[i].0,
                sources[i].1,
                p.dpi,
                ingest::MIN_DPI
            ));
        }
    }
    let skipped_pages = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != PageKind::Content)
        .map(|(i, p)| SkippedPage {
            source: sources[i].0.clone(),
            page: sources[i].1,
            reason: if p.kind == PageKind::Blank {
                "blank"
            } else {
                "separator"
            }
            .into(),
        })
        .collect();

    let mut objects = Vec::new();
    let mut documents = Vec::new();
    for (n, g) in groups.iter().enumerate() {
        let first = &sources[g.pages[0]];
        let decision = classify::decide(
            &opts.taxonomy,
            g.heading.as_ref(),
            g.id_card.is_some(),
            g.pages[0] as u32 + 1,
        );
        let texts: Vec<&PageText> = g.pages.iter().map(|&i| &pages[i].text).collect();
        let mut fields = classify::extract_fields(&texts);
        if let Some(card) = &g.id_card {
            fields.extend(card.clone());
        }
        if decision.type_id == "receipt" {
            fields.insert("case_code".into(), case_code.to_string());
        }
        let render_pages: Vec<RenderPage> = g
            .pages
            .iter()
            .filter_map(|&i| {
                pages[i].image.as_ref().map(|image| RenderPage {
                    image,
                    text: &pages[i].text,
                    dpi: pages[i].dpi,
                })
            })
            .collect();
        let title = decision
            .title
            .clone()
            .unwrap_or_else(|| decision.type_id.clone());
        let pdf = render::render(&render_pages, &title)?;
        let text: String = texts
            .iter()
            .map(|t| t.text())
            .collect::<Vec<_>>()
            .join("\u{c}");
        let pdf_sha = hex::encode(Sha256::digest(&pdf));
        let text_sha = hex::encode(Sha256::digest(text.as_bytes()));
        let pdf_ref = ObjectRef {
            key: archive::document_key(&pdf_sha),
            sha256: pdf_sha,
            bytes: pdf.len() as u64,
        };
        let text_ref = ObjectRef {
            key: archive::text_key(&text_sha),
            sha256: text_sha,
            bytes: text.len() as u64,
        };
        if decision.needs_review {
            warnings.push(format!(
                "document {} (from {} page {}) needs review: {}",
                n + 1,
                first.0,
                first.1,
                decision.reason
            ));
        }
        documents.push(DocumentRecord {
            id: format!("{batch_id}-d{:02}", n + 1),
            doc_type: decision.type_id,
            title: decision.title,
            confidence: decision.confidence,
            reason: decision.reason,
            needs_review: decision.needs_review,
            fields,
            pages: g
                .pages
                .iter()
                .map(|&i| {
                    let p = &pages[i];
                    PageRecord {
                        source: sources[i].0.clone(),
                        page: sources[i].1,
                        width: p.width,
                        height: p.height,
                        dpi: p.dpi,
                        dpi_source: p.dpi_source.to_string(),
                        low_resolution: p.dpi < ingest::MIN_DPI,
                        prepare: p.prep.clone(),
                        ocr_confidence: (p.text.mean_conf() * 10.0).round() / 10.0,
                    }
                })
                .collect(),
            pdf: pdf_ref.clone(),
            text: text_ref.clone(),
        });
        objects.push((pdf_ref.key, pdf));
        objects.push((text_ref.key, text.into_bytes()));
    }

    let record = BatchRecord {
        schema: RECORD_SCHEMA.into(),
        case_code,
        case_code_source: case_code_source.into(),
        batch_id: batch_id.to_string(),
        station,
        started_at: started,
        finished_at: String::new(),
        software: Software {
            name: "sohoa".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            tesseract: crate::ocr::tesseract_version(),
            ocr_languages: opts.lang.clone(),
            taxonomy: opts.taxonomy.source.clone(),
        },
        originals: originals
            .iter()
            .map(|o| OriginalRef {
                name: o.name.clone(),
                key: archive::original_key(&o.sha256),
                sha256: o.sha256.clone(),
                bytes: o.bytes.len() as u64,
                pages: o.pages.len() as u32,
                format: o.format,
            })
            .collect(),
        documents,
        skipped_pages,
        warnings,
    };
    Ok(Built {
        record,
        objects,
        pages: pages.len(),
        ocr_seconds: pages.iter().map(|p| p.ocr_seconds).sum(),
    })
}
