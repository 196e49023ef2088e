//! A case (`/cases/{code}`, from the store alone: it works without the
//! search index) and a document (its PDF in a frame beside its OCR text,
//! and a download link). Each view is authorised and written to the access
//! log as the API's reads are (`case.read`, `document.read`; the frame's
//! PDF as `document.pdf`, through the API's hash-checked stream).

use super::layout::{Frame, page, segment};
use super::{Failed, Lang, OrPage, Signed, html, review};
use crate::api::cases::{Kind, check_document_id, parse_case, stream};
use crate::api::download::Disposition;
use crate::api::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::{amendments, records};
use crate::record::effective::{self, EffectiveDocument};
use crate::record::{BatchSummary, CaseCode, DocumentSummary};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use std::sync::Arc;

pub fn case_link(code: &str) -> String {
    format!("/cases/{}", segment(code))
}

pub fn document_link(code: &str, id: &str) -> String {
    format!("/cases/{}/documents/{}", segment(code), segment(id))
}

/// `GET /cases/{code}`.
pub async fn case(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Path(code): Path<String>,
) -> Result<Response, Failed> {
    let code = parse_case(&code).or_page(lang)?;
    let target = Target {
        case_code: Some(code.as_str()),
        target: None,
    };
    caller
        .authorize(&state, Permission::ReadCases, "case.read", target, true)
        .await
        .or_page(lang)?;
    let view = records::case_view(state.store.as_ref(), &code)
        .await
        .or_page(lang)?
        .ok_or_else(|| ApiError::not_found(format!("no records for case {code}")))
        .or_page(lang)?;
    let here = case_link(view.case_code.as_str());
    let frame = Frame {
        lang,
        caller: Some(&caller),
        here: &here,
    };
    let l = lang;
    let body = html! {
        h2 { (l.t("Lô quét", "Batches")) }
        table.batches {
            thead { tr {
                th { (l.t("Lô", "Batch")) } th { (l.t("Trạm", "Station")) }
                th { (l.t("Số hóa lúc", "Digitised")) } th { (l.t("Trang bỏ qua", "Pages left out")) }
                th { (l.t("Cảnh báo", "Warnings")) }
            } }
            tbody { @for b in &view.batches { (batch(b)) } }
        }
        h2 { (l.t("Văn bản", "Documents")) }
        table.documents {
            thead { tr {
                th { (l.t("Văn bản", "Document")) } th { (l.t("Loại", "Type")) }
                th { (l.t("Độ tin cậy", "Confidence")) } th { (l.t("Lý do", "Reason")) }
                th { (l.t("Thông tin", "Fields")) } th { (l.t("Trang", "Pages")) }
                th { "SHA-256 (PDF)" }
            } }
            tbody { @for d in &view.documents { (document_row(l, &view.case_code, d)) } }
        }
    };
    let title = format!("{} {}", l.t("Hồ sơ", "Case"), view.case_code);
    Ok(html(page(&frame, &title, body)))
}

fn batch(b: &BatchSummary) -> Markup {
    html! {
        tr {
            td { code { (b.batch_id) } }
            td { (b.station.as_deref().unwrap_or("—")) }
            td { (b.finished_at) }
            td.num { (b.skipped_pages) }
            td { @for w in &b.warnings { code { (w) } " " } }
        }
    }
}

/// The document's type, its title and the review mark.
fn kind(l: Lang, d: &DocumentSummary) -> Markup {
    html! {
        (d.doc_type)
        @if let Some(t) = &d.title { br; small { (t) } }
        @if d.needs_review { br; span.review { (l.t("cần xem lại", "needs review")) } }
        @if !d.corrected.is_empty() {
            br; span.corrected title=(d.corrected.join(", ")) {
                (l.t("đã sửa: ", "corrected: ")) (d.corrected.join(", "))
            }
        }
        @if d.reviewed { br; span.ok { (l.t("đã xem lại", "reviewed")) } }
    }
}

fn fields(d: &DocumentSummary) -> Markup {
    html! {
        dl.fields { @for (k, v) in &d.fields { dt { (k) } dd { (v) } } }
    }
}

fn document_row(l: Lang, code: &str, d: &DocumentSummary) -> Markup {
    html! {
        tr {
            td { a href=(document_link(code, &d.id)) { (d.id) } }
            td { (kind(l, d)) }
            td.num { (format!("{:.0} %", d.confidence * 100.0)) }
            td { (d.reason) }
            td { (fields(d)) }
            td.num { (d.pages) }
            td { span.hash { (d.pdf.sha256) } }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct DocumentQuery {
    /// Set after a review form was stored: the page says so.
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /cases/{code}/documents/{id}`: the PDF beside the text (and, for
/// an officer who may amend, the review forms and the history).
pub async fn document(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Path((code, id)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, Failed> {
    let code = parse_case(&code).or_page(lang)?;
    check_document_id(&id).or_page(lang)?;
    let notice = match q.saved {
        Some(_) => Notice::Saved,
        None => Notice::None,
    };
    document_page(&state, &caller, lang, &code, &id, notice).await
}

/// What a document's page says above it after a review form.
pub enum Notice<'a> {
    None,
    Saved,
    /// The form was refused: why.
    Refused(&'a ApiError),
}

/// A document's page, read and logged as `document.read`.
pub async fn document_page(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    code: &CaseCode,
    id: &str,
    notice: Notice<'_>,
) -> Result<Response, Failed> {
    let target = Target {
        case_code: Some(code.as_str()),
        target: Some(id),
    };
    caller
        .authorize(state, Permission::ReadCases, "document.read", target, true)
        .await
        .or_page(lang)?;
    let store = state.store.as_ref();
    let not_found = || ApiError::not_found(format!("case {code} has no document '{id}'"));
    let a = amendments::find_document(store, code, id)
        .await
        .or_page(lang)?
        .ok_or_else(not_found)
        .or_page(lang)?;
    let current = a.document(id).ok_or_else(not_found).or_page(lang)?;
    let text = records::document_text(store, &current.document)
        .await
        .or_page(lang)?;
    let here = document_link(code.as_str(), id);
    let frame = Frame {
        lang,
        caller: Some(caller),
        here: &here,
    };
    let l = lang;
    let amends = caller.token.role.allows(Permission::Amend);
    let concerning: Vec<_> = a
        .amendments
        .iter()
        .filter(|x| effective::concerns(x, id))
        .collect();
    let body = html! {
        @match notice {
            Notice::Saved => p.notice role="status" { (l.t("Đã lưu bản sửa đổi.", "The amendment is stored.")) },
            Notice::Refused(e) => p.error role="alert" { (l.t("Chưa lưu: ", "Not stored: ")) (super::message(l, e)) },
            Notice::None => {},
        }
        (document_body(l, code, &here, &a.record.batch_id, current, text.as_deref()))
        (review::history(l, &concerning))
        @if amends { (review::forms(l, code, &a, current)) }
    };
    let title = format!("{} {id}", l.t("Văn bản", "Document"));
    Ok(html(page(&frame, &title, body)))
}

/// The document's summary, its PDF in a frame and its OCR text.
fn document_body(
    l: Lang,
    code: &CaseCode,
    here: &str,
    batch_id: &str,
    current: &EffectiveDocument,
    text: Option<&str>,
) -> Markup {
    let d = DocumentSummary::amended(batch_id, current);
    let pdf = format!("{here}/pdf");
    html! {
        p {
            a href=(case_link(code.as_str())) { "← " (l.t("Hồ sơ", "Case")) " " (code.as_str()) }
            " · " (kind(l, &d)) " · " (format!("{:.0} %", d.confidence * 100.0))
            " · " (d.pages) " " (l.t("trang", "pages"))
            " · " a href=(format!("{pdf}?download=1")) download { (l.t("Tải PDF", "Download PDF")) }
        }
        (fields(&d))
        p { small { "SHA-256: " span.hash { (d.pdf.sha256) } } }
        @if d.corrected.iter().any(|c| c == "pdf") {
            p.corrected { small { (l.t(
                "Bản PDF này được dựng từ các trang của máy khi cán bộ sắp xếp lại trang; bản PDF của máy vẫn giữ nguyên.",
                "This PDF was made from the machine's pages when an officer re-arranged them; the machine's PDF is kept as it was."
            )) } }
        }
        div.document {
            iframe src=(pdf) title=(l.t("Bản PDF", "The PDF")) {}
            @match text {
                Some(t) => pre.ocr lang="vi" { (t) },
                None => p.error role="alert" { (l.t(
                    "Không đọc được văn bản OCR: tệp thiếu hoặc không khớp mã băm đã ghi.",
                    "The OCR text cannot be shown: its object is missing or does not match its recorded hash."
                )) },
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct PdfQuery {
    #[serde(default)]
    download: Option<String>,
}

/// `GET /cases/{code}/documents/{id}/pdf`: the API's stream, shown in
/// place (or saved, with `?download=1`).
pub async fn pdf(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Path((code, id)): Path<(String, String)>,
    Query(q): Query<PdfQuery>,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let disposition = match q.download.as_deref() {
        Some(_) => Disposition::Attachment,
        None => Disposition::Inline,
    };
    stream(
        caller,
        state,
        (&code, &id),
        (Kind::Pdf, disposition),
        &headers,
    )
    .await
    .or_page(lang)
}
