//! Records: the plain data types of what sohoa stores about a batch, as
//! serialised. The batch record is what one digitised batch produced,
//! stored as `cases/<case_code>/<batch_id>.json` after every object it
//! names (schema: `schemas/batch-record.schema.json`).
//!
//! This module imports nothing else of the crate: every other module may
//! use these types, and none of them drags a pipeline stage, a store or
//! the API along. Who reads and writes records is the `catalog`'s job.

pub mod amendment;
pub mod case_code;
pub mod effective;

pub use case_code::CaseCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const RECORD_SCHEMA: &str = "https://sohoa.vn/schemas/batch-record/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchRecord {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub case_code: CaseCode,
    /// Where the case code came from: `receipt_qr`, `receipt_text` or `station`.
    pub case_code_source: String,
    pub batch_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// RFC 3339 times.
    pub started_at: String,
    pub finished_at: String,
    pub software: Software,
    pub originals: Vec<OriginalRef>,
    pub documents: Vec<DocumentRecord>,
    pub skipped_pages: Vec<SkippedPage>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Software {
    pub name: String,
    pub version: String,
    pub tesseract: String,
    pub ocr_languages: String,
    pub taxonomy: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OriginalRef {
    pub name: String,
    pub key: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
    pub format: Format,
}

/// A stored object and its recorded SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ObjectRef {
    /// Store key of the object.
    pub key: String,
    /// SHA-256 of the object (hex).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocumentRecord {
    /// `<batch_id>-dNN`: unique across the case's batches.
    pub id: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    /// The heading as read on the first page, when one was recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub confidence: f32,
    pub reason: String,
    pub needs_review: bool,
    pub fields: BTreeMap<String, String>,
    /// Where each of `fields` was read (absent for the case code, which
    /// the batch's resolution gave).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_sources: BTreeMap<String, FieldSource>,
    pub pages: Vec<PageRecord>,
    pub pdf: ObjectRef,
    pub text: ObjectRef,
    /// The agency's signature on the PDF, or `null`: no signing key was
    /// configured and the PDF is stored unsigned. (Absent in records made
    /// before signing existed: unsigned too.)
    #[serde(default)]
    pub signature: Option<PdfSignature>,
}

/// The agency's signature embedded in a document's PDF (PAdES B-B, as an
/// incremental update: the PDF's recorded hash is of the signed file).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PdfSignature {
    /// `PAdES-B-B`.
    pub format: String,
    /// The signing time (the PDF's `/M` and visible line), ISO 8601 with
    /// the +07:00 offset: the batch's claim time, so a retried batch signs
    /// the same bytes.
    pub signed_at: String,
    /// The signing certificate's subject (RFC 4514).
    pub signer: String,
    /// SHA-256 of the signing certificate (DER), hex.
    pub certificate_sha256: String,
    /// The RFC 3161 timestamp over the signature (PAdES B-T), when a TSA
    /// is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub timestamp: Option<SignatureTimestamp>,
}

/// A signature's RFC 3161 timestamp, as the record tells it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SignatureTimestamp {
    /// The TSA's time (the token's genTime), ISO 8601 with +07:00.
    pub at: String,
    /// The TSA it came from.
    pub tsa: String,
    /// The token's store key (`timestamps/<sha256 of the signature>.tsr`).
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageRecord {
    /// The original's file name.
    pub source: String,
    /// 1-based page number inside that file.
    pub page: u32,
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub dpi_source: String,
    pub low_resolution: bool,
    pub prepare: Preparation,
    /// Mean OCR word confidence (0-100).
    pub ocr_confidence: f32,
}

/// Where a field's value was read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FieldSource {
    /// How it was found: `label` (printed text after a label),
    /// `id_card_qr` (the ID card's own QR code), `mrz` (the
    /// machine-readable zone on a card's back, held by its check digits)
    /// or `card_layout` (a card's name in capitals placed by the card's
    /// layout, where OCR did not read it after its label: between its
    /// number and its birth date, or just after its number), or
    /// `batch_agreement` (the value as the batch's other documents about
    /// the same person read it, in place of a misreading here, or a name
    /// given beside this person's ID number; `page`, `label` and `line`
    /// still say where it was read here, if it was).
    pub method: String,
    /// 1-based page within the document.
    pub page: u32,
    /// The label it followed (as printed, folded), for `label`; for a
    /// name confirmed by `mrz`, the zone's spelling of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The text line the value was read from, as OCR read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
}

/// What prepare found and did to one page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Preparation {
    /// Clockwise rotation applied to make the page upright: 0, 90, 180 or 270.
    pub rotated_deg: u32,
    /// What decided the orientation (absent when nothing could tell, and
    /// the page was kept as scanned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_by: Option<OrientationSource>,
    /// That decision's confidence, on its method's own scale: Leptonica's
    /// letter-shape margin (8 and more is a decision) or OSD's (2 and more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation_conf: Option<f32>,
    /// Skew measured, in degrees (Leptonica's sign: the page was turned by
    /// this much clockwise to straighten it).
    pub skew_deg: f32,
    /// Whether the skew was corrected.
    pub deskewed: bool,
    /// Share of the central area in dark ink (darker than half the paper).
    pub ink_ratio: f32,
    /// Share of the central area in any mark clearly darker than the paper.
    #[serde(default)]
    pub faint_ratio: f32,
    /// The paper's grey level (0-255) and noise, which set the thresholds.
    #[serde(default)]
    pub paper: u8,
    #[serde(default)]
    pub noise: f32,
    /// Whether the page was faded and read through a contrast-stretched
    /// copy (the PDF keeps the scanned pixels).
    #[serde(default)]
    pub stretched: bool,
}

/// What decided a page's orientation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrientationSource {
    /// The shapes of the letters (ascenders against descenders), checked
    /// on every page before OCR.
    TextShape,
    /// Tesseract's orientation detection, asked when a page read poorly.
    Osd,
    /// The first reading itself: it ran down the page, and the way its
    /// words follow each other (downwards or upwards) tells which side the
    /// text's top faces; or the page read poorly, nothing else could tell,
    /// and it read clearly better upside down. The confidence is the gain
    /// in mean word confidence of the turned reading.
    Reading,
}

/// A station file's container format, recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Tiff,
    Png,
    Jpeg,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SkippedPage {
    pub source: String,
    pub page: u32,
    /// `blank` or `separator`.
    pub reason: String,
    /// What decided it, in words, with the measurements.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The page's marks as measured (blank pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepare: Option<Preparation>,
}

/// How a batch named again differs from its record.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// Other file names, another order, or another file's hash.
    Files,
    /// Another case code; the recorded one.
    Case(String),
}

impl BatchRecord {
    /// Does the record hold these files (names in scan order, hashes
    /// where given) and, where one is given, this case code? `None` if it
    /// does: the one rule for "this batch was already digitised".
    pub fn differs_from<'a>(
        &self,
        files: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        case_code: Option<&str>,
    ) -> Option<Difference> {
        let files: Vec<_> = files.into_iter().collect();
        let same_files = files.len() == self.originals.len()
            && files.iter().zip(&self.originals).all(|((name, hash), o)| {
                *name == o.name && hash.is_none_or(|h| h.eq_ignore_ascii_case(&o.sha256))
            });
        let recorded = self.case_code.as_str();
        if !same_files {
            Some(Difference::Files)
        } else if case_code.is_some_and(|c| c != recorded) {
            Some(Difference::Case(recorded.to_string()))
        } else {
            None
        }
    }

    /// Every stored object the record names, with its expected SHA-256.
    pub fn objects(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .originals
            .iter()
            .map(|o| (o.key.clone(), o.sha256.clone()))
            .collect();
        for d in &self.documents {
            v.push((d.pdf.key.clone(), d.pdf.sha256.clone()));
            v.push((d.text.key.clone(), d.text.sha256.clone()));
        }
        v
    }
}

/// A case as officers see it: its batches and all their documents (the
/// same as `sohoa case --json`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CaseView {
    /// Case code (mã hồ sơ) of TT 01/2018/TT-VPCP, e.g.
    /// 000.00.13.H04-210628-0001: agency code, received date yymmdd,
    /// 4-digit sequence.
    pub case_code: String,
    /// The case's batch records, in key order.
    pub batches: Vec<BatchSummary>,
    /// All documents of all the batches.
    pub documents: Vec<DocumentSummary>,
}

/// One batch record of a case.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct BatchSummary {
    pub batch_id: String,
    /// Store key of the batch record, cases/<case_code>/<batch_id>.json.
    pub record_key: String,
    /// The scanning station, when the batch named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub station: Option<String>,
    /// When the batch was digitised (RFC 3339).
    #[schema(format = DateTime)]
    pub finished_at: String,
    /// Blank and separator pages left out.
    pub skipped_pages: usize,
    pub warnings: Vec<String>,
    /// The case code the batch was recorded under, when an officer has
    /// re-attached it to this case since (the record keeps its key).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reattached_from: Option<String>,
}

/// One document of a case.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DocumentSummary {
    /// `<batch_id>-dNN`, unique across the case's batches.
    pub id: String,
    /// The batch that produced the document.
    pub batch_id: String,
    /// A type id of the taxonomy, or `other`.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// The heading as read on the first page, when one was recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    /// Classification confidence.
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: f32,
    pub needs_review: bool,
    /// Why the document got its type.
    pub reason: String,
    /// Fields read from the document (e.g. full_name, id_number,
    /// date_of_birth, case_code).
    pub fields: BTreeMap<String, String>,
    /// Where each field was read: the page of the document, the label it
    /// followed and the line as read, or the ID card's QR code.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub field_sources: BTreeMap<String, FieldSource>,
    /// Number of pages.
    pub pages: usize,
    pub pdf: ObjectRef,
    pub text: ObjectRef,
    /// The values officers' amendments changed (`type`, `fields.<name>`,
    /// `needs_review`, `pages`, `case_code`, and `pdf` and `text` when a
    /// re-arrangement of its pages made the document a PDF and text of
    /// its own, which `pdf` and `text` then name); absent when none did. The
    /// values above are the amended ones; the machine's are in the
    /// document's history.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<String>,
    /// An officer corrected or confirmed the reading.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reviewed: bool,
    /// How many amendments concern the document.
    #[serde(skip_serializing_if = "is_zero")]
    pub amendments: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl DocumentSummary {
    pub fn new(batch_id: &str, d: &DocumentRecord) -> DocumentSummary {
        DocumentSummary {
            id: d.id.clone(),
            batch_id: batch_id.to_string(),
            doc_type: d.doc_type.clone(),
            title: d.title.clone(),
            confidence: d.confidence,
            needs_review: d.needs_review,
            reason: d.reason.clone(),
            fields: d.fields.clone(),
            field_sources: d.field_sources.clone(),
            pages: d.pages.len(),
            pdf: d.pdf.clone(),
            text: d.text.clone(),
            corrected: Vec::new(),
            reviewed: false,
            amendments: 0,
        }
    }

    /// A document as amended ([`effective::apply`]).
    pub fn amended(batch_id: &str, d: &effective::EffectiveDocument) -> DocumentSummary {
        DocumentSummary {
            corrected: d.corrected.clone(),
            reviewed: d.reviewed,
            amendments: d.amendments,
            ..DocumentSummary::new(batch_id, &d.document)
        }
    }
}

impl CaseView {
    /// From the case's records as `(key, record)`, in key order, without
    /// amendments.
    pub fn new(case_code: &str, records: &[(String, BatchRecord)]) -> CaseView {
        let amended: Vec<_> = records
            .iter()
            .map(|(k, r)| (k.clone(), r.clone(), effective::apply(r, &[])))
            .collect();
        CaseView::amended(case_code, &amended)
    }

    /// From the case's records as `(key, record, record as amended)`.
    pub fn amended(
        case_code: &str,
        records: &[(String, BatchRecord, effective::EffectiveBatch)],
    ) -> CaseView {
        CaseView {
            case_code: case_code.to_string(),
            batches: records
                .iter()
                .map(|(key, r, e)| BatchSummary {
                    batch_id: r.batch_id.clone(),
                    record_key: key.clone(),
                    station: r.station.clone(),
                    finished_at: r.finished_at.clone(),
                    skipped_pages: r.skipped_pages.len(),
                    warnings: r.warnings.clone(),
                    reattached_from: e.reattached_from.clone(),
                })
                .collect(),
            documents: records
                .iter()
                .flat_map(|(_, r, e)| {
                    e.documents
                        .iter()
                        .map(|d| DocumentSummary::amended(&r.batch_id, d))
                })
                .collect(),
        }
    }
}
