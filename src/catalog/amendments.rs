//! Amendments: officers' corrections of a batch's reading, appended
//! write-once under `amendments/` ([`keys::amendment`]) and never among the
//! records: the batch record and the machine's objects are never
//! rewritten. Everything that shows a case or a document (the API,
//! `sohoa case`, the search index) reads it through here, as the record
//! with its amendments applied ([`effective::apply`]).
//!
//! A re-attached batch keeps its record under its first case code; a
//! pointer under `amendments/cases/<new code>/` lets listing the new case
//! find it, and its amendments say which case it is under now.

use super::{CatalogError, from_json, records, to_json};
use crate::keys;
use crate::record::amendment::{
    AMENDMENT_SCHEMA, Amendment, Arrangement, Author, Change, FlagChange, PageRef, ReattachPointer,
    TextChange,
};
use crate::record::effective::{self, DocumentHistory, EffectiveBatch, EffectiveDocument};
use crate::record::{BatchRecord, CaseCode, CaseView, DocumentSummary};
use crate::store::{Put, Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// The key fields an officer may correct.
pub const KEY_FIELDS: [&str; 3] = ["full_name", "id_number", "date_of_birth"];
/// Longest note, in characters.
pub const MAX_NOTE: usize = 2000;
/// Longest field value, in characters.
pub const MAX_VALUE: usize = 200;

/// What an officer asks to change of a document: exactly one of a reading
/// (`type`, `fields`, or `confirm` alone), `reattach_to`, or `pages`,
/// always with a `note`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    /// Why (required, 1-2000 characters).
    pub note: String,
    /// The corrected type: a type id of the taxonomy, or `other`.
    #[serde(default, rename = "type")]
    #[schema(nullable = false)]
    pub doc_type: Option<String>,
    /// Corrected key fields (`full_name`, `id_number`, `date_of_birth`);
    /// `null` or `""` removes one.
    #[serde(default)]
    pub fields: BTreeMap<String, Option<String>>,
    /// Confirm the reading as it is (with no other change) or with the
    /// corrections given: the document leaves the review queue.
    #[serde(default)]
    pub confirm: bool,
    /// Move the document's whole batch to this case code.
    #[serde(default)]
    #[schema(nullable = false)]
    pub reattach_to: Option<String>,
    /// The new pages of each document touched (this one or others of its
    /// batch; a new id `<batch>-dNN` splits one off, an empty list merges
    /// one away). Every page of the documents touched must stay in exactly
    /// one of them.
    #[serde(default)]
    #[schema(nullable = false)]
    pub pages: Option<BTreeMap<String, Vec<PageRef>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AmendError {
    #[error("case {case} has no document '{document}'")]
    NoDocument { case: String, document: String },
    #[error("{0}")]
    Invalid(Refusal),
    /// A machine's object a re-arrangement is made from cannot be used.
    #[error(
        "the pages cannot be re-arranged: the stored {key} {found}; nothing was changed, and the archivists' audit will name it"
    )]
    Source { key: String, found: String },
    /// The agency's key could not sign a re-arranged PDF.
    #[error("the re-arranged PDF cannot be signed: {0}; nothing was changed")]
    Sign(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl From<StoreError> for AmendError {
    fn from(e: StoreError) -> Self {
        AmendError::Catalog(e.into())
    }
}

/// Why an amendment is refused, in both languages of the web page (the
/// API and `sohoa amend` say it in English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub en: String,
    pub vi: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

fn invalid(en: impl Into<String>, vi: impl Into<String>) -> AmendError {
    AmendError::Invalid(Refusal {
        en: en.into(),
        vi: vi.into(),
    })
}

/// The types amendments may give in this process, once chosen.
static TYPES: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();

fn names_of(taxonomy: &crate::classify::Taxonomy) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = taxonomy
        .types
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    names.insert(crate::classify::OTHER.to_string(), "Khác".to_string());
    names
}

/// Check amendments' types against this taxonomy (the one the workers
/// type documents with: `sohoa serve --taxonomy`) for the rest of the
/// process. Must come before the first amendment or type list; `false`
/// when the types were already chosen (they stay as they were).
pub fn use_taxonomy(taxonomy: &crate::classify::Taxonomy) -> bool {
    TYPES.set(names_of(taxonomy)).is_ok()
}

/// The types an officer may give, with their names in the taxonomy
/// (`other`: "Khác"): the taxonomy given to [`use_taxonomy`], else the
/// default one.
pub fn type_names() -> &'static BTreeMap<String, String> {
    TYPES.get_or_init(|| names_of(&crate::classify::Taxonomy::default_set()))
}

/// A batch's amendments, in the order they were made.
pub async fn of_batch(store: &dyn Store, batch_id: &str) -> Result<Vec<Amendment>, CatalogError> {
    let mut out = Vec::new();
    for key in store.list(&keys::amendments_prefix(batch_id)).await? {
        if let Some(bytes) = store.get(&key).await? {
            out.push(from_json(&key, &bytes)?);
        }
    }
    Ok(out)
}

/// The key an amendment is stored under.
pub fn key_of(a: &Amendment) -> String {
    keys::amendment(&a.batch_id, &a.id)
}

/// The key of each batch's latest amendment (what the search index
/// compares with what it applied).
pub async fn latest_per_batch(store: &dyn Store) -> Result<BTreeMap<String, String>, StoreError> {
    let mut out = BTreeMap::new();
    for key in store.list(&keys::all_amendments()).await? {
        if let Some(batch) = keys::batch_of_amendment(&key) {
            let batch = batch.to_string();
            out.insert(batch, key);
        }
    }
    Ok(out)
}

/// A batch record, its key, its amendments and the batch as amended.
#[derive(Debug, Clone)]
pub struct Amended {
    pub key: String,
    pub record: BatchRecord,
    pub amendments: Vec<Amendment>,
    pub batch: EffectiveBatch,
}

impl Amended {
    async fn load(
        store: &dyn Store,
        key: String,
        record: BatchRecord,
    ) -> Result<Amended, CatalogError> {
        let amendments = of_batch(store, &record.batch_id).await?;
        let batch = effective::apply(&record, &amendments);
        Ok(Amended {
            key,
            record,
            amendments,
            batch,
        })
    }

    /// One of its documents as amended.
    pub fn document(&self, id: &str) -> Option<&EffectiveDocument> {
        self.batch.documents.iter().find(|d| d.document.id == id)
    }
}

/// A batch, if it is under this case now (recorded there and not moved
/// away, or re-attached to it).
pub async fn batch_in_case(
    store: &dyn Store,
    case: &str,
    batch_id: &str,
) -> Result<Option<Amended>, CatalogError> {
    let Some(found) = records::find_batch(store, batch_id).await? else {
        return Ok(None);
    };
    let a = Amended::load(store, found.key, found.record).await?;
    Ok((a.batch.case_code == case).then_some(a))
}

/// The batches under a case now, as amended, in record-key order.
pub async fn case_batches(store: &dyn Store, case: &str) -> Result<Vec<Amended>, CatalogError> {
    let (recorded, _) = records::records(store, Some(case)).await?;
    let mut out = Vec::new();
    for (key, record) in recorded {
        let a = Amended::load(store, key, record).await?;
        if a.batch.case_code == case {
            out.push(a);
        }
    }
    let prefix = keys::reattached_prefix(case);
    let moved_in: BTreeSet<String> = store
        .list(&prefix)
        .await?
        .iter()
        .filter_map(|k| keys::batch_of_reattached(&prefix, k).map(str::to_string))
        .collect();
    for batch in moved_in {
        if out.iter().all(|a| a.record.batch_id != batch)
            && let Some(a) = batch_in_case(store, case, &batch).await?
        {
            out.push(a);
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The case as officers see it, amended; `None` when no batch is under it.
pub async fn case_view(
    store: &dyn Store,
    case: &CaseCode,
) -> Result<Option<CaseView>, CatalogError> {
    let batches = case_batches(store, case.as_str()).await?;
    let triples: Vec<_> = batches
        .into_iter()
        .map(|a| (a.key, a.record, a.batch))
        .collect();
    Ok((!triples.is_empty()).then(|| CaseView::amended(case.as_str(), &triples)))
}

/// A document of a case as amended, and its batch: looked up in the batch
/// its id names, then in every batch of the case.
pub async fn find_document(
    store: &dyn Store,
    case: &CaseCode,
    id: &str,
) -> Result<Option<Amended>, CatalogError> {
    if let Some(batch) = crate::ids::batch_of_document(id)
        && let Some(a) = batch_in_case(store, case.as_str(), batch).await?
        && a.document(id).is_some()
    {
        return Ok(Some(a));
    }
    Ok(case_batches(store, case.as_str())
        .await?
        .into_iter()
        .find(|a| a.document(id).is_some()))
}

/// A document's history: the machine's reading, then every amendment
/// that concerns it, and what it is now.
pub async fn history(
    store: &dyn Store,
    case: &CaseCode,
    id: &str,
) -> Result<Option<DocumentHistory>, CatalogError> {
    let Some(a) = find_document(store, case, id).await? else {
        return Ok(None);
    };
    let Some(current) = a.document(id) else {
        return Ok(None);
    };
    Ok(Some(DocumentHistory {
        case_code: case.as_str().to_string(),
        document_id: id.to_string(),
        record_key: a.key.clone(),
        machine: a
            .record
            .documents
            .iter()
            .find(|d| d.id == id)
            .map(|d| effective::machine_reading(&a.record, d)),
        amendments: a
            .amendments
            .iter()
            .filter(|x| effective::concerns(x, id))
            .cloned()
            .collect(),
        current: DocumentSummary::amended(&a.record.batch_id, current),
    }))
}

/// An amendment just stored.
#[derive(Debug, Clone)]
pub struct Made {
    /// Its key.
    pub key: String,
    /// The key of the batch record it amends (unchanged).
    pub record_key: String,
    pub amendment: Amendment,
}

/// Append an amendment of a document of a case, made by `by`, after
/// checking it against the document as amended so far. Nothing already
/// stored is changed.
pub async fn amend(
    store: &dyn Store,
    case: &CaseCode,
    document_id: &str,
    by: Author,
    request: &AmendRequest,
    signing: Option<&crate::sign::Agency>,
) -> Result<Made, AmendError> {
    let now = time::OffsetDateTime::now_utc();
    let note = check_note(&request.note)?;
    let no_document = || AmendError::NoDocument {
        case: case.to_string(),
        document: document_id.to_string(),
    };
    let a = find_document(store, case, document_id)
        .await?
        .ok_or_else(no_document)?;
    let current = a.document(document_id).ok_or_else(no_document)?;
    let change = match (&request.reattach_to, &request.pages) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "send reattach_to or pages, not both",
                "chỉ gắn sang hồ sơ khác hoặc sắp xếp trang, không làm cả hai một lần",
            ));
        }
        (Some(to), None) => {
            only_this(request, "reattach_to")?;
            reattach(case, to)?
        }
        (None, Some(pages)) => {
            only_this(request, "pages")?;
            rearranged(store, &a, pages, signing.map(|s| (s, now))).await?
        }
        (None, None) => reading(current, request)?,
    };
    let id = format!("{}-{}", keys::time_segment(now), crate::ids::random_hex(4));
    let amendment = Amendment {
        schema: AMENDMENT_SCHEMA.to_string(),
        id: id.clone(),
        case_code: case.as_str().to_string(),
        batch_id: a.record.batch_id.clone(),
        document_id: document_id.to_string(),
        at: crate::clock::now_rfc3339(),
        by,
        note,
        change,
    };
    let key = keys::amendment(&a.record.batch_id, &id);
    if let Change::Reattach { from, to } = &amendment.change {
        let pointer = ReattachPointer {
            batch_id: a.record.batch_id.clone(),
            from: from.clone(),
            amendment: key.clone(),
        };
        let pkey = keys::reattached(to, &a.record.batch_id, &id);
        store.put_if_absent(&pkey, to_json(&pointer)).await?;
    }
    let bytes = to_json(&amendment);
    match store.put_if_absent(&key, bytes.clone()).await? {
        Put::Created => {
            super::log::queue(store, &key, &bytes).await?;
            Ok(Made {
                key,
                record_key: a.key.clone(),
                amendment,
            })
        }
        Put::Existed => Err(AmendError::Catalog(CatalogError::Unreadable {
            key,
            reason: "an amendment with this time and random part exists; send it again".into(),
        })),
    }
}

fn check_note(note: &str) -> Result<String, AmendError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(invalid(
            "a note saying why is required",
            "cần ghi chú lý do sửa",
        ));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(invalid(
            format!("the note is longer than {MAX_NOTE} characters"),
            format!("ghi chú dài quá {MAX_NOTE} ký tự"),
        ));
    }
    Ok(note.to_string())
}

/// A re-attach or page request carries nothing of a reading.
fn only_this(r: &AmendRequest, what: &str) -> Result<(), AmendError> {
    if r.doc_type.is_some() || !r.fields.is_empty() || r.confirm {
        return Err(invalid(
            format!("{what} is an amendment of its own: send type, fields or confirm separately"),
            "việc này là một lần sửa riêng: sửa loại, thông tin hoặc xác nhận trong lần khác",
        ));
    }
    Ok(())
}

fn reattach(case: &CaseCode, to: &str) -> Result<Change, AmendError> {
    let to: CaseCode = to.trim().parse().map_err(|e| {
        invalid(
            format!("reattach_to: {e}"),
            format!("mã hồ sơ mới không hợp lệ: {e}"),
        )
    })?;
    if &to == case {
        return Err(invalid(
            format!("the batch is already under case {case}"),
            format!("lô quét đã thuộc hồ sơ {case}"),
        ));
    }
    Ok(Change::Reattach {
        from: case.as_str().to_string(),
        to: to.as_str().to_string(),
    })
}

/// A field's value as an officer typed it: trimmed; empty means none.
fn field_value(name: &str, v: &Option<String>) -> Result<Option<String>, AmendError> {
    if !KEY_FIELDS.contains(&name) {
        let name = name.chars().take(40).collect::<String>();
        let fields = KEY_FIELDS.join(", ");
        return Err(invalid(
            format!("'{name}' is not a key field; fields are {fields}"),
            format!("'{name}' không phải thông tin sửa được; sửa được: {fields}"),
        ));
    }
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty());
    if let Some(v) = v {
        if v.chars().count() > MAX_VALUE || v.chars().any(char::is_control) {
            return Err(invalid(
                format!("{name}: at most {MAX_VALUE} characters, no control characters"),
                format!("{name}: tối đa {MAX_VALUE} ký tự, không có ký tự điều khiển"),
            ));
        }
        if name == "id_number" && !(v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid(
                "id_number: the citizen number has 12 digits",
                "số định danh cá nhân gồm đúng 12 chữ số",
            ));
        }
        if name == "date_of_birth" && !is_date(v) {
            return Err(invalid(
                "date_of_birth: a real date as dd/mm/yyyy",
                "ngày sinh phải là một ngày có thật, không ở tương lai, dạng dd/mm/yyyy",
            ));
        }
    }
    Ok(v.map(str::to_string))
}

fn is_date(v: &str) -> bool {
    let fmt = time::macros::format_description!("[day]/[month]/[year]");
    time::Date::parse(v, &fmt).is_ok_and(|d| d <= crate::clock::today())
}

/// A correction or confirmation of the document's reading.
fn reading(current: &EffectiveDocument, r: &AmendRequest) -> Result<Change, AmendError> {
    let d = &current.document;
    let doc_type = match r.doc_type.as_deref().map(str::trim) {
        Some(t) if !type_names().contains_key(t) => {
            let t = t.chars().take(60).collect::<String>();
            let ids = type_names().keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(invalid(
                format!("'{t}' is not a type of the taxonomy ({ids})"),
                format!("'{t}' không phải loại giấy tờ trong danh mục ({ids})"),
            ));
        }
        Some(t) if t != d.doc_type => Some(TextChange {
            before: Some(d.doc_type.clone()),
            after: Some(t.to_string()),
        }),
        _ => None,
    };
    let mut fields = BTreeMap::new();
    for (name, v) in &r.fields {
        let after = field_value(name, v)?;
        let before = d.fields.get(name).cloned();
        if before != after {
            fields.insert(name.clone(), TextChange { before, after });
        }
    }
    if doc_type.is_none() && fields.is_empty() && !r.confirm {
        return Err(invalid(
            "nothing to change: give a new type, fields, reattach_to or pages, or confirm: true to confirm the reading as it is",
            "không có gì thay đổi: sửa loại hoặc thông tin, hoặc xác nhận kết quả đọc như hiện có",
        ));
    }
    Ok(Change::Reading {
        doc_type,
        fields,
        needs_review: FlagChange {
            before: d.needs_review,
            after: false,
        },
    })
}

/// A re-arrangement of pages, checked, with the PDF and text of each
/// document whose pages changed made and stored ([`super::derived`]).
async fn rearranged(
    store: &dyn Store,
    a: &Amended,
    pages: &BTreeMap<String, Vec<PageRef>>,
    signing: Option<(&crate::sign::Agency, time::OffsetDateTime)>,
) -> Result<Change, AmendError> {
    let mut change = arrange(a, pages)?;
    if let Change::Pages { documents } = &mut change {
        let title = |id: &str| {
            a.document(id).map(|d| {
                let d = &d.document;
                d.title.clone().unwrap_or_else(|| d.doc_type.clone())
            })
        };
        super::derived::derive(store, &a.record, title, documents, signing).await?;
    }
    Ok(change)
}

/// A re-arrangement of pages between documents of the batch.
fn arrange(a: &Amended, pages: &BTreeMap<String, Vec<PageRef>>) -> Result<Change, AmendError> {
    if pages.is_empty() {
        return Err(invalid(
            "pages: name at least one document",
            "sắp xếp trang: cần nêu ít nhất một văn bản",
        ));
    }
    let mut before_all = Vec::new();
    let mut after_all = Vec::new();
    let mut documents = Vec::new();
    for (id, after) in pages {
        let before = match a.document(id) {
            Some(d) => d.page_refs.clone(),
            None if crate::ids::batch_of_document(id) == Some(a.record.batch_id.as_str())
                && crate::ids::check_document(id).is_ok() =>
            {
                Vec::new()
            }
            None => {
                let (id, batch) = (id.chars().take(80).collect::<String>(), &a.record.batch_id);
                return Err(invalid(
                    format!(
                        "pages: '{id}' is not a document of batch {batch} (a new one is named {batch}-dNN)"
                    ),
                    format!(
                        "sắp xếp trang: '{id}' không phải văn bản của lô {batch} (văn bản mới có mã {batch}-dNN)"
                    ),
                ));
            }
        };
        if let Some(p) = after
            .iter()
            .find(|p| p.turned_deg % 90 != 0 || p.turned_deg >= 360)
        {
            let deg = p.turned_deg;
            return Err(invalid(
                format!("pages: a page may be turned 0, 90, 180 or 270 degrees, not {deg}"),
                format!("sắp xếp trang: chỉ xoay trang 0, 90, 180 hoặc 270 độ, không phải {deg}"),
            ));
        }
        before_all.extend(before.iter().map(|p| (p.original.clone(), p.page)));
        after_all.extend(after.iter().map(|p| (p.original.clone(), p.page)));
        documents.push(Arrangement {
            document_id: id.clone(),
            before,
            after: after.clone(),
            pdf: None,
            text: None,
            signature: None,
        });
    }
    before_all.sort();
    after_all.sort();
    if before_all != after_all {
        return Err(invalid(
            "pages: the documents named must together keep exactly the pages they had (each once); name every document a page moves from or to",
            "sắp xếp trang: các văn bản nêu ra phải giữ đủ các trang vốn có, mỗi trang một lần",
        ));
    }
    if documents.iter().all(|d| d.before == d.after) {
        return Err(invalid(
            "pages: nothing moved or turned",
            "sắp xếp trang: không có trang nào được chuyển hay xoay",
        ));
    }
    Ok(Change::Pages { documents })
}
