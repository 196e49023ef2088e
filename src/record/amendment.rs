//! Amendments: what an officer changed of the machine's reading of a
//! batch, appended write-once beside the batch record (never in it)
//! (schema: `schemas/amendment.schema.json`). The batch record and the
//! objects it names are never rewritten: what people see is the record
//! with its amendments applied in order ([`super::effective`]).
//!
//! An amendment does one of three things ([`Change`]): corrects or
//! confirms a document's reading (its type and key fields; either way the
//! document counts as reviewed and leaves the review queue), re-attaches
//! the batch to another case code, or re-arranges pages between documents
//! of the batch (moves, splits, merges, turns), each page named by the
//! original it was scanned in and its page number there.

use super::{ObjectRef, PdfSignature};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const AMENDMENT_SCHEMA: &str = "https://sohoa.vn/schemas/amendment/1";

/// One amendment, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Amendment {
    #[serde(rename = "$schema")]
    pub schema: String,
    /// `<time>-<random>`: sorts in the order amendments were made.
    pub id: String,
    /// The case the batch was under when this was made.
    pub case_code: String,
    pub batch_id: String,
    /// The document it was made on (for a re-attach, the document the
    /// officer was looking at).
    pub document_id: String,
    /// When (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub at: String,
    pub by: Author,
    /// Why, in the officer's words.
    pub note: String,
    pub change: Change,
}

/// Who made an amendment: the token's name, role and unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Author {
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unit: Option<String>,
}

/// What an amendment changed, each value before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The document's reading corrected or confirmed: only the values
    /// that changed are listed (none for a plain confirmation), and the
    /// review flag always ends cleared.
    Reading {
        /// The type, when it was corrected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        doc_type: Option<TextChange>,
        /// Key fields corrected (`after` absent: the field was removed).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, TextChange>,
        needs_review: FlagChange,
    },
    /// The batch moved to another case code.
    Reattach { from: String, to: String },
    /// Pages re-arranged between documents of the batch: each document
    /// touched, its pages before and after (a document whose `after` is
    /// empty is merged away; one whose `before` is empty is new, split
    /// off).
    Pages { documents: Vec<Arrangement> },
}

/// A text value before and after (absent: no value).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TextChange {
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// A flag before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FlagChange {
    pub before: bool,
    pub after: bool,
}

/// One document's pages before and after a re-arrangement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Arrangement {
    pub document_id: String,
    pub before: Vec<PageRef>,
    pub after: Vec<PageRef>,
    /// The document's PDF with its pages as `after`: made from the
    /// machine's PDFs of the batch (each page copied whole, turned as
    /// asked) and stored write-once under `amendments/documents/`, before
    /// this amendment (absent for a document merged away, and in
    /// amendments made before sohoa made them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pdf: Option<ObjectRef>,
    /// Its OCR text, the machine's page texts in the new order, under
    /// `amendments/text/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub text: Option<ObjectRef>,
    /// The agency's signature in that PDF (PAdES B-B, signed at the
    /// amendment's time), when the API that made it has a signing key
    /// (`sohoa serve --sign-key`); absent: the PDF is unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub signature: Option<PdfSignature>,
}

impl Amendment {
    /// The objects it names (a re-arrangement's PDFs and texts), with
    /// their SHA-256, for fixity.
    pub fn objects(&self) -> Vec<(String, String)> {
        let Change::Pages { documents } = &self.change else {
            return Vec::new();
        };
        documents
            .iter()
            .flat_map(|d| d.pdf.iter().chain(d.text.iter()))
            .map(|o| (o.key.clone(), o.sha256.clone()))
            .collect()
    }
}

/// A page, by the original file it was scanned in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PageRef {
    /// Store key of the original (`originals/<sha256>`).
    pub original: String,
    /// 1-based page number inside that original.
    pub page: u32,
    /// Clockwise turn an officer gave the page, on top of the machine's
    /// (0, 90, 180 or 270).
    #[serde(default)]
    pub turned_deg: u32,
}

/// A re-attached batch's pointer under the case it was moved to, so that
/// listing that case finds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReattachPointer {
    pub batch_id: String,
    pub from: String,
    /// Key of the amendment that moved it.
    pub amendment: String,
}
