//! Record → rows: what the index holds of each document of a batch record,
//! and the one way those rows are written (the record's old rows deleted
//! and its new ones inserted in the same transaction, so indexing a record
//! again never leaves two rows for a document).

use super::IndexError;
use crate::fold::fold_lower;
use crate::record::BatchRecord;
use crate::record::amendment::Amendment;
use crate::record::effective;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::{Client, GenericClient};

/// One document as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub document_id: String,
    pub case_code: String,
    /// The agency code: the case code up to its first '-'.
    pub agency: String,
    pub batch_id: String,
    pub doc_type: String,
    pub title: Option<String>,
    pub confidence: f32,
    /// Why the machine chose the type.
    pub reason: String,
    pub needs_review: bool,
    pub fields: serde_json::Value,
    pub full_name: Option<String>,
    pub full_name_folded: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<String>,
    pub fields_folded: String,
    pub page_count: i32,
    pub digitised_at: OffsetDateTime,
    pub pdf_key: String,
    pub pdf_sha256: String,
    pub text_key: String,
    pub text_sha256: String,
    pub body: String,
    pub body_folded: String,
    /// The values officers' amendments changed (`type`, `fields.<name>`…).
    pub corrected: Vec<String>,
    /// An officer corrected or confirmed the reading: out of the review queue.
    pub reviewed: bool,
}

/// The rows of a record's documents as amended ([`effective::apply`]);
/// `texts[i]` is the record's document `i`'s OCR text (empty, or missing,
/// when it could not be read). A document whose pages an amendment
/// re-arranged has the text that amendment made: the machine's page
/// texts in its new order (or, for amendments made before sohoa made
/// such texts, the text of the document its first page came from).
pub fn rows(record: &BatchRecord, amendments: &[Amendment], texts: &[String]) -> Vec<Row> {
    let batch = effective::apply(record, amendments);
    let case_code = batch.case_code.as_str();
    let agency = case_code.split('-').next().unwrap_or(case_code);
    let digitised_at = OffsetDateTime::parse(&record.finished_at, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&record.started_at, &Rfc3339))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let pages: Vec<Vec<&str>> = texts.iter().map(|t| t.split('\u{c}').collect()).collect();
    let text_of = |e: &effective::EffectiveDocument| {
        let key = &e.document.text.key;
        match record.documents.iter().position(|d| &d.text.key == key) {
            Some(i) => texts.get(i).cloned().unwrap_or_default(),
            // A text an amendment made: the machine's page texts in the
            // document's new order, as it was made.
            None => e
                .page_refs
                .iter()
                .filter_map(|r| {
                    let (i, j) = effective::machine_place(record, r)?;
                    pages.get(i)?.get(j).copied()
                })
                .collect::<Vec<_>>()
                .join("\u{c}"),
        }
    };
    batch
        .documents
        .iter()
        .map(|e| {
            let d = &e.document;
            let body = text_of(e);
            let field = |name: &str| d.fields.get(name).map(|v| v.trim().to_string());
            let fields_folded = d
                .fields
                .values()
                .map(|v| fold_lower(v))
                .collect::<Vec<_>>()
                .join(" ");
            Row {
                document_id: d.id.clone(),
                case_code: case_code.to_string(),
                agency: agency.to_string(),
                batch_id: record.batch_id.clone(),
                doc_type: d.doc_type.clone(),
                title: d.title.clone(),
                confidence: d.confidence,
                reason: d.reason.clone(),
                needs_review: d.needs_review,
                fields: serde_json::to_value(&d.fields).unwrap_or_default(),
                full_name_folded: field("full_name").map(|n| fold_lower(&n)),
                full_name: field("full_name"),
                id_number: field("id_number"),
                date_of_birth: field("date_of_birth"),
                fields_folded,
                page_count: d.pages.len() as i32,
                digitised_at,
                pdf_key: d.pdf.key.clone(),
                pdf_sha256: d.pdf.sha256.clone(),
                text_key: d.text.key.clone(),
                text_sha256: d.text.sha256.clone(),
                body_folded: fold_lower(&body),
                body,
                corrected: e.corrected.clone(),
                reviewed: e.reviewed,
            }
        })
        .collect()
}

const INSERT: &str = "INSERT INTO documents (document_id, record_key, case_code, agency, batch_id, \
     doc_type, title, confidence, needs_review, fields, full_name, full_name_folded, id_number, \
     date_of_birth, fields_folded, page_count, digitised_at, pdf_key, pdf_sha256, text_key, \
     text_sha256, body, body_folded, corrected, reviewed, reason) VALUES ($1, $2, $3, $4, $5, $6, \
     $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
     $26)";

/// What the index notes of a record it holds: its key, the record, and
/// the key of the latest amendment its rows apply (none: the machine's
/// reading as recorded).
pub struct Indexed<'a> {
    pub key: &'a str,
    pub record: &'a BatchRecord,
    pub amendment: Option<&'a str>,
}

/// Replace a record's rows in a transaction of its own.
pub async fn replace(
    client: &mut Client,
    at: &Indexed<'_>,
    rows: &[Row],
) -> Result<(), IndexError> {
    let tx = client.transaction().await?;
    write(&tx, at, rows).await?;
    tx.commit().await?;
    Ok(())
}

/// Within the caller's transaction: delete what the index held for the
/// record (and any row of its documents' ids), insert its rows, and note
/// the record as indexed.
pub async fn write(
    tx: &impl GenericClient,
    at: &Indexed<'_>,
    rows: &[Row],
) -> Result<(), IndexError> {
    let (record_key, record) = (at.key, at.record);
    let ids: Vec<&str> = rows.iter().map(|r| r.document_id.as_str()).collect();
    // Two processes indexing one record at once (a worker's batch and
    // another's sync) take turns: the second replaces the first's rows
    // instead of colliding with them.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&record_key])
        .await?;
    tx.execute(
        "DELETE FROM documents WHERE record_key = $1 OR document_id = ANY($2)",
        &[&record_key, &ids],
    )
    .await?;
    let insert = tx.prepare(INSERT).await?;
    for r in rows {
        tx.execute(
            &insert,
            &[
                &r.document_id,
                &record_key,
                &r.case_code,
                &r.agency,
                &r.batch_id,
                &r.doc_type,
                &r.title,
                &r.confidence,
                &r.needs_review,
                &r.fields,
                &r.full_name,
                &r.full_name_folded,
                &r.id_number,
                &r.date_of_birth,
                &r.fields_folded,
                &r.page_count,
                &r.digitised_at,
                &r.pdf_key,
                &r.pdf_sha256,
                &r.text_key,
                &r.text_sha256,
                &r.body,
                &r.body_folded,
                &r.corrected,
                &r.reviewed,
                &r.reason,
            ],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO indexed_records (record_key, case_code, batch_id, documents, amendment) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (record_key) DO UPDATE SET \
         documents = EXCLUDED.documents, amendment = EXCLUDED.amendment, indexed_at = now()",
        &[
            &record_key,
            &record.case_code.as_str(),
            &record.batch_id,
            &(rows.len() as i32),
            &at.amendment,
        ],
    )
    .await?;
    Ok(())
}
