//! The review queue: documents an officer should look at, oldest first.
//!
//! A document is in the queue when no officer has corrected or confirmed
//! its reading yet (`reviewed` is false) and it is flagged for review, or
//! its confidence is under the officer's chosen bound. The caller's unit
//! is a condition of the same `WHERE` that counts the queue, as in the
//! search.

use super::IndexError;
use super::query::{DEFAULT_LIMIT, MAX_LIMIT};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::Client;

/// Which part of the queue to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Review {
    /// Also documents under this confidence (0-1), flagged or not.
    pub below: Option<f32>,
    /// The caller's unit (an agency-code prefix): only its cases.
    pub unit: Option<String>,
    /// Page size (at most [`MAX_LIMIT`]; 0 means [`DEFAULT_LIMIT`]).
    pub limit: u32,
    pub offset: u32,
}

/// One document waiting for review.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewItem {
    pub document_id: String,
    pub case_code: String,
    pub batch_id: String,
    /// A type id of the taxonomy, or `other` (as amended, if it was).
    #[serde(rename = "type")]
    pub doc_type: String,
    pub confidence: f32,
    /// Why the machine chose the type (empty in rows indexed before the
    /// index kept it).
    pub reason: String,
    pub needs_review: bool,
    pub fields: std::collections::BTreeMap<String, String>,
    pub pages: u32,
    /// When the batch was digitised (RFC 3339): the queue's order.
    #[schema(format = DateTime)]
    pub digitised_at: String,
    /// Values already corrected by an amendment (e.g. `pages`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<String>,
}

/// A page of the queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewPage {
    /// Documents waiting (within the caller's unit), on every page.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub items: Vec<ReviewItem>,
}

const STATEMENT: &str = "WITH q AS (SELECT document_id, digitised_at FROM documents \
     WHERE NOT reviewed AND (needs_review OR ($1::real IS NOT NULL AND confidence < $1::real)) \
       AND ($2::text IS NULL OR agency = $2 OR case_code ^@ ($2 || '.') OR case_code ^@ ($2 || '-'))) \
     SELECT t.total, d.document_id, d.case_code, d.batch_id, d.doc_type, d.confidence, d.reason, \
            d.needs_review, d.fields, d.page_count, d.digitised_at, d.corrected \
     FROM (SELECT count(*) AS total FROM q) t \
     LEFT JOIN LATERAL (SELECT document_id, digitised_at FROM q \
                        ORDER BY digitised_at, document_id LIMIT $3 OFFSET $4) p ON true \
     LEFT JOIN documents d ON d.document_id = p.document_id \
     ORDER BY p.digitised_at, p.document_id";

/// Read a page of the queue.
pub async fn run(client: &Client, r: &Review) -> Result<ReviewPage, IndexError> {
    if r.below.is_some_and(|b| !(0.0..=1.0).contains(&b)) {
        return Err(IndexError::BadQuery(
            "below must be a confidence between 0 and 1".into(),
        ));
    }
    let limit = match r.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    let rows = client
        .query(
            STATEMENT,
            &[&r.below, &r.unit, &i64::from(limit), &i64::from(r.offset)],
        )
        .await?;
    let mut page = ReviewPage {
        total: 0,
        offset: r.offset,
        limit,
        items: Vec::new(),
    };
    for row in rows {
        page.total = row.get::<_, i64>("total") as u64;
        let Some(document_id) = row.get::<_, Option<String>>("document_id") else {
            continue;
        };
        let fields: serde_json::Value = row.get("fields");
        let digitised_at: OffsetDateTime = row.get("digitised_at");
        page.items.push(ReviewItem {
            document_id,
            case_code: row.get("case_code"),
            batch_id: row.get("batch_id"),
            doc_type: row.get("doc_type"),
            confidence: row.get("confidence"),
            reason: row.get("reason"),
            needs_review: row.get("needs_review"),
            fields: serde_json::from_value(fields).unwrap_or_default(),
            pages: row.get::<_, i32>("page_count").max(0) as u32,
            digitised_at: digitised_at.format(&Rfc3339).unwrap_or_default(),
            corrected: row.get("corrected"),
        });
    }
    Ok(page)
}
