//! The effective view: a batch record with its amendments applied in
//! order, as officers, the API, the search index and `sohoa case` show it.
//! This is the one place amendments are applied; nothing is written.
//!
//! Each value an amendment touched is marked `corrected` (`type`,
//! `fields.<name>`, `needs_review`, `pages`, `case_code`), and the
//! document's history is the machine's reading followed by each
//! amendment that concerns it.

use super::amendment::{Amendment, Change, PageRef};
use super::{BatchRecord, DocumentRecord, PageRecord};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a document split off by an officer is until its reading is corrected.
pub const SPLIT_TYPE: &str = "other";

/// A batch as amended.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveBatch {
    /// The case the batch is under now.
    pub case_code: String,
    /// The case it was recorded under, when re-attached since.
    pub reattached_from: Option<String>,
    pub documents: Vec<EffectiveDocument>,
}

/// A document as amended.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveDocument {
    /// The machine's document with the amended type, fields, review flag
    /// and pages; its `pdf` and `text` are the machine's until a
    /// re-arrangement of its pages made its own.
    pub document: DocumentRecord,
    /// Its pages by original and page number, with any officer's turn.
    pub page_refs: Vec<PageRef>,
    /// The values amendments changed, sorted (`type`, `fields.<name>`,
    /// `needs_review`, `pages`, `pdf`, `text`, `case_code`).
    pub corrected: Vec<String>,
    /// An officer corrected or confirmed its reading.
    pub reviewed: bool,
    /// Amendments that concern it.
    pub amendments: usize,
}

/// The machine's reading of a document: the first entry of its history.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MachineReading {
    #[serde(rename = "type")]
    pub doc_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    pub confidence: f32,
    pub reason: String,
    pub needs_review: bool,
    pub fields: BTreeMap<String, String>,
    pub pages: Vec<PageRef>,
    /// The case code the batch was recorded under.
    pub case_code: String,
    /// When the batch was digitised (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// `sohoa <version>`, as the record names it.
    pub software: String,
}

/// A document's history: the machine's reading first, then each
/// amendment that concerns it, in the order made, and the document now.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DocumentHistory {
    pub case_code: String,
    pub document_id: String,
    /// Store key of the batch record (never rewritten).
    pub record_key: String,
    /// What the machine read (absent for a document an officer split off).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub machine: Option<MachineReading>,
    pub amendments: Vec<super::amendment::Amendment>,
    /// The document as amended.
    pub current: super::DocumentSummary,
}

/// The key of a page: its original's store key and page number.
fn page_key(r: &PageRef) -> (&str, u32) {
    (r.original.as_str(), r.page)
}

/// A machine page as a reference (the original's key found by its name).
pub fn page_ref(record: &BatchRecord, p: &PageRecord) -> PageRef {
    let original = record
        .originals
        .iter()
        .find(|o| o.name == p.source)
        .map(|o| o.key.clone())
        .unwrap_or_else(|| p.source.clone());
    PageRef {
        original,
        page: p.page,
        turned_deg: 0,
    }
}

/// Where a page is in the machine's output: its document's index in the
/// record and its place (0-based) in that document's pages (and PDF, and
/// text, whose pages are split at form feeds).
pub fn machine_place(record: &BatchRecord, r: &PageRef) -> Option<(usize, usize)> {
    record.documents.iter().enumerate().find_map(|(i, d)| {
        d.pages
            .iter()
            .position(|p| page_key(&page_ref(record, p)) == page_key(r))
            .map(|j| (i, j))
    })
}

/// Every machine page of the batch by reference, with its record.
fn machine_pages(record: &BatchRecord) -> Vec<(PageRef, &PageRecord)> {
    record
        .documents
        .iter()
        .flat_map(|d| d.pages.iter().map(|p| (page_ref(record, p), p)))
        .collect()
}

/// The machine's reading of one of the record's documents.
pub fn machine_reading(record: &BatchRecord, d: &DocumentRecord) -> MachineReading {
    MachineReading {
        doc_type: d.doc_type.clone(),
        title: d.title.clone(),
        confidence: d.confidence,
        reason: d.reason.clone(),
        needs_review: d.needs_review,
        fields: d.fields.clone(),
        pages: d.pages.iter().map(|p| page_ref(record, p)).collect(),
        case_code: record.case_code.as_str().to_string(),
        at: record.finished_at.clone(),
        software: format!("{} {}", record.software.name, record.software.version),
    }
}

fn mark(d: &mut EffectiveDocument, what: impl Into<String>) {
    let what = what.into();
    if let Err(i) = d.corrected.binary_search(&what) {
        d.corrected.insert(i, what);
    }
}

/// Does this amendment concern this document?
pub fn concerns(a: &Amendment, document_id: &str) -> bool {
    match &a.change {
        Change::Reading { .. } => a.document_id == document_id,
        Change::Reattach { .. } => true,
        Change::Pages { documents } => documents.iter().any(|x| x.document_id == document_id),
    }
}

/// The batch as amended: `amendments` are the batch's, in the order they
/// were made.
pub fn apply(record: &BatchRecord, amendments: &[Amendment]) -> EffectiveBatch {
    let mut batch = EffectiveBatch {
        case_code: record.case_code.as_str().to_string(),
        reattached_from: None,
        documents: record
            .documents
            .iter()
            .map(|d| EffectiveDocument {
                document: d.clone(),
                page_refs: d.pages.iter().map(|p| page_ref(record, p)).collect(),
                corrected: Vec::new(),
                reviewed: false,
                amendments: 0,
            })
            .collect(),
    };
    for a in amendments {
        for d in batch.documents.iter_mut() {
            if concerns(a, &d.document.id) {
                d.amendments += 1;
            }
        }
        match &a.change {
            Change::Reading { .. } => apply_reading(&mut batch, a),
            Change::Reattach { to, .. } => {
                batch.case_code = to.clone();
                let original = record.case_code.as_str();
                batch.reattached_from = (to != original).then(|| original.to_string());
                for d in batch.documents.iter_mut() {
                    mark(d, "case_code");
                }
            }
            Change::Pages { .. } => apply_pages(record, &mut batch, a),
        }
    }
    batch
}

fn apply_reading(batch: &mut EffectiveBatch, a: &Amendment) {
    let Change::Reading {
        doc_type,
        fields,
        needs_review,
    } = &a.change
    else {
        return;
    };
    let Some(d) = batch
        .documents
        .iter_mut()
        .find(|d| d.document.id == a.document_id)
    else {
        return;
    };
    if let Some(t) = doc_type {
        d.document.doc_type = t.after.clone().unwrap_or_else(|| SPLIT_TYPE.to_string());
        mark(d, "type");
    }
    for (name, change) in fields {
        match &change.after {
            Some(v) => d.document.fields.insert(name.clone(), v.clone()),
            None => d.document.fields.remove(name),
        };
        mark(d, format!("fields.{name}"));
    }
    if d.document.needs_review != needs_review.after {
        mark(d, "needs_review");
    }
    d.document.needs_review = needs_review.after;
    d.reviewed = true;
}

fn apply_pages(record: &BatchRecord, batch: &mut EffectiveBatch, a: &Amendment) {
    let Change::Pages { documents } = &a.change else {
        return;
    };
    let machine = machine_pages(record);
    let pages_of = |refs: &[PageRef]| -> Vec<PageRecord> {
        refs.iter()
            .filter_map(|r| {
                machine
                    .iter()
                    .find(|(m, _)| page_key(m) == page_key(r))
                    .map(|(_, p)| (*p).clone())
            })
            .collect()
    };
    for arrangement in documents {
        let pages = pages_of(&arrangement.after);
        match batch
            .documents
            .iter_mut()
            .find(|d| d.document.id == arrangement.document_id)
        {
            Some(d) => {
                d.document.pages = pages;
                d.page_refs = arrangement.after.clone();
                mark(d, "pages");
                derived(d, arrangement);
            }
            None if !arrangement.after.is_empty() => {
                if let Some(mut d) = split_off(record, arrangement, pages, &machine) {
                    derived(&mut d, arrangement);
                    batch.documents.push(d);
                }
            }
            None => {}
        }
    }
    batch.documents.retain(|d| !d.page_refs.is_empty());
}

/// The PDF and text made for a re-arranged document, when the amendment
/// names them (marked `pdf`, `text`); without them (amendments made
/// before sohoa made them) it keeps the ones it had.
fn derived(d: &mut EffectiveDocument, arrangement: &super::amendment::Arrangement) {
    if let Some(pdf) = &arrangement.pdf {
        d.document.pdf = pdf.clone();
        mark(d, "pdf");
    }
    if let Some(text) = &arrangement.text {
        d.document.text = text.clone();
        mark(d, "text");
    }
}

/// A document an officer split off: the type [`SPLIT_TYPE`], to be
/// reviewed; its PDF and text are those its amendment made
/// ([`derived`]), else the machine's document's its first page came from.
fn split_off(
    record: &BatchRecord,
    arrangement: &super::amendment::Arrangement,
    pages: Vec<PageRecord>,
    machine: &[(PageRef, &PageRecord)],
) -> Option<EffectiveDocument> {
    let first = arrangement.after.first().map(page_key);
    let source = record
        .documents
        .iter()
        .find(|d| {
            d.pages.iter().any(|p| {
                machine
                    .iter()
                    .any(|(r, m)| std::ptr::eq(*m, p) && Some(page_key(r)) == first)
            })
        })
        .or(record.documents.first());
    let mut document = source?.clone();
    document.id = arrangement.document_id.clone();
    document.doc_type = SPLIT_TYPE.to_string();
    document.title = None;
    document.confidence = 0.0;
    document.reason = "split off by an officer".to_string();
    document.needs_review = true;
    document.fields.clear();
    document.field_sources.clear();
    document.pages = pages;
    Some(EffectiveDocument {
        document,
        page_refs: arrangement.after.clone(),
        corrected: vec!["pages".to_string()],
        reviewed: false,
        amendments: 1,
    })
}
