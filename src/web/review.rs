//! The review queue (`GET /review`) and an officer's amendments from a
//! document's page (`POST /cases/{code}/documents/{id}/amendments`).
//!
//! The queue is the API's (`api::amend::logged_queue`: the role, the
//! caller's unit inside the query, `review.read` in the access log); its
//! `below` bound is a GET form kept in the URL. Each amendment form is
//! turned into the API's [`AmendRequest`] and stored through the API's
//! own `api::amend::made`, after the API's `authorize_amend`: the rules
//! and checks are the library's, never copied here. A refusal (an empty
//! note, a malformed ID number or date, an unknown type…) is shown on the
//! document's page in the reader's language; a success goes back there
//! (303) with a notice.

use super::case::{case_link, document_link};
use super::layout::{self, Frame};
use super::search::{given_pairs, params};
use super::{Failed, Lang, OrPage, Signed, html, message};
use crate::api::amend::{ReviewParams, authorize_amend, logged_queue, made};
use crate::api::cases::{check_document_id, parse_case};
use crate::api::{ApiError, AppState};
use crate::catalog::amendments::{AmendRequest, Amended, KEY_FIELDS, find_document, type_names};
use crate::index::ReviewPage;
use crate::index::review::ReviewItem;
use crate::record::CaseCode;
use crate::record::amendment::{Amendment, Change, PageRef};
use crate::record::effective::EffectiveDocument;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The turns an officer may give a page, clockwise.
const TURNS: [u32; 4] = [0, 90, 180, 270];

/// `GET /review?below=0.8&offset=20`.
pub async fn queue(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failed> {
    let raw = raw.unwrap_or_default();
    let pairs = given_pairs(&raw);
    let parsed: Result<ReviewParams, ApiError> = params(&pairs);
    let below = parsed.as_ref().ok().and_then(|p| p.below);
    let outcome = match logged_queue(&caller, &state, parsed).await {
        // Not allowed, or the access log cannot be written: nothing is shown.
        Err(e) if e.status == StatusCode::FORBIDDEN || e.code == "unavailable" => {
            return Err(Failed(lang, e));
        }
        other => other,
    };
    let here = if raw.is_empty() {
        "/review".to_string()
    } else {
        format!("/review?{raw}")
    };
    let frame = Frame {
        lang,
        caller: Some(&caller),
        here: &here,
    };
    let l = lang;
    let body = html! {
        form.filters method="get" action="/review" {
            label { (l.t("Cả văn bản có độ tin cậy dưới (0–1)", "Also documents with a confidence under (0–1)"))
                input type="number" name="below" min="0" max="1" step="0.05"
                    value=(below.map(|b| b.to_string()).unwrap_or_default()) placeholder="0.8";
            }
            div.actions { button type="submit" { (l.t("Xem", "Show")) } a href="/review" { (l.t("Xóa lọc", "Clear")) } }
        }
        @match &outcome {
            Ok(p) => (items(l, p, &pairs)),
            Err(_) if state.index.is_none() => p.notice role="status" { (l.t(
                "Máy chủ này chạy không có chỉ mục tìm kiếm (--index / SOHOA_INDEX), nên không có hàng đợi xem lại. Hồ sơ vẫn mở được theo mã hồ sơ: /cases/<mã hồ sơ>.",
                "This server runs without a search index (--index / SOHOA_INDEX), so it has no review queue. A case still opens by its code: /cases/<case code>."
            )) },
            Err(e) if e.code == "index_unavailable" => p.error role="alert" { (l.t(
                "Không kết nối được chỉ mục tìm kiếm; hãy thử lại sau.",
                "The search index cannot be reached; try again later."
            )) },
            Err(e) => p.error role="alert" { (message(l, e)) },
        }
    };
    Ok(html(layout::page(
        &frame,
        l.t("Hàng đợi xem lại", "Review queue"),
        body,
    )))
}

/// The documents waiting, oldest first, with links to the next page.
fn items(l: Lang, p: &ReviewPage, pairs: &[&str]) -> Markup {
    html! {
        p role="status" { strong { (p.total) } " " (l.t("văn bản chờ xem lại", "documents waiting for review")) }
        @if !p.items.is_empty() {
            table.review {
                thead { tr {
                    th { (l.t("Văn bản", "Document")) } th { (l.t("Hồ sơ", "Case")) }
                    th { (l.t("Loại", "Type")) } th { (l.t("Độ tin cậy", "Confidence")) }
                    th { (l.t("Lý do", "Reason")) } th { (l.t("Thông tin", "Fields")) }
                    th { (l.t("Trang", "Pages")) } th { (l.t("Số hóa lúc", "Digitised")) }
                } }
                tbody { @for i in &p.items { (item(l, i)) } }
            }
        }
        (layout::pager(l, "/review", pairs, (p.offset, p.limit), (p.items.len(), p.total)))
    }
}

fn item(l: Lang, i: &ReviewItem) -> Markup {
    html! {
        tr {
            td { a href=(document_link(&i.case_code, &i.document_id)) { (i.document_id) } }
            td { a href=(case_link(&i.case_code)) { (i.case_code) } }
            td {
                (i.doc_type)
                @if i.needs_review { br; span.review { (l.t("cần xem lại", "needs review")) } }
                @if !i.corrected.is_empty() {
                    br; span.corrected { (l.t("đã sửa: ", "corrected: ")) (i.corrected.join(", ")) }
                }
            }
            td.num { (format!("{:.0} %", i.confidence * 100.0)) }
            td { (i.reason) }
            td { dl.fields { @for (k, v) in &i.fields { dt { (k) } dd { (v) } } } }
            td.num { (i.pages) }
            td { (i.digitised_at) }
        }
    }
}

/// The review forms of a document's page, for a caller who may amend.
pub fn forms(l: Lang, code: &CaseCode, a: &Amended, d: &EffectiveDocument) -> Markup {
    let id = d.document.id.as_str();
    let action = format!("{}/amendments", document_link(code.as_str(), id));
    let note = |hint: &str| {
        html! {
            label { (l.t("Ghi chú (lý do, bắt buộc)", "Note (why; required)"))
                textarea name="note" rows="2" required placeholder=(hint) {}
            }
        }
    };
    html! {
        section.amend {
            h2 { (l.t("Xem lại và sửa", "Review and correct")) }
            p { small { (l.t(
                "Mỗi lần sửa được lưu thành một bản sửa đổi riêng, không ghi đè hồ sơ gốc.",
                "Each correction is stored as an amendment of its own; the original record is never rewritten."
            )) } }
            form.confirm method="post" action=(action) {
                input type="hidden" name="action" value="confirm";
                (note(l.t("đã đối chiếu với bản giấy", "checked against the paper")))
                button type="submit" { (l.t("Xác nhận kết quả đọc là đúng", "Confirm the reading")) }
            }
            (correct_form(l, &action, d, note(l.t("vì sao sửa", "why"))))
            (pages_form(l, &action, a, d, note(l.t("vì sao chuyển hay xoay trang", "why pages move or turn"))))
            form.reattach method="post" action=(action) {
                input type="hidden" name="action" value="reattach";
                label { (l.t("Gắn cả lô quét sang hồ sơ", "Re-attach the whole batch to case"))
                    input name="to" required placeholder="000.00.13.H04-210628-0002";
                }
                (note(l.t("vì sao gắn sang hồ sơ khác", "why it belongs to another case")))
                button type="submit" { (l.t("Gắn sang hồ sơ này", "Re-attach")) }
            }
        }
    }
}

fn correct_form(l: Lang, action: &str, d: &EffectiveDocument, note: Markup) -> Markup {
    let labels = [
        ("full_name", l.t("Họ tên", "Full name"), "Nguyễn Văn An"),
        (
            "id_number",
            l.t("Số định danh", "ID number"),
            "001203004567",
        ),
        (
            "date_of_birth",
            l.t("Ngày sinh", "Date of birth"),
            "dd/mm/yyyy",
        ),
    ];
    html! {
        form.correct method="post" action=(action) {
            input type="hidden" name="action" value="correct";
            label { (l.t("Loại giấy tờ", "Document type"))
                select name="type" {
                    @for (t, name) in type_names() {
                        option value=(t) selected[*t == d.document.doc_type] { (name) " (" (t) ")" }
                    }
                }
            }
            @for (field, label, hint) in labels {
                label { (label)
                    input name=(field) placeholder=(hint)
                        value=(d.document.fields.get(field).map(String::as_str).unwrap_or_default());
                }
            }
            (note)
            button type="submit" { (l.t("Lưu sửa", "Save the correction")) }
        }
    }
}

/// The id a page split off into a new document gets: the batch's next free.
fn new_document_id(a: &Amended) -> String {
    (1..)
        .map(|n| format!("{}-d{n:02}", a.record.batch_id))
        .find(|id| a.document(id).is_none())
        .unwrap_or_default()
}

fn pages_form(l: Lang, action: &str, a: &Amended, d: &EffectiveDocument, note: Markup) -> Markup {
    let id = d.document.id.as_str();
    let split = new_document_id(a);
    let others: Vec<&str> = a
        .batch
        .documents
        .iter()
        .map(|o| o.document.id.as_str())
        .filter(|o| *o != id)
        .collect();
    let original = |r: &PageRef| {
        a.record
            .originals
            .iter()
            .find(|o| o.key == r.original)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| r.original.clone())
    };
    html! {
        form.pages method="post" action=(action) {
            input type="hidden" name="action" value="pages";
            table.pages {
                thead { tr {
                    th { (l.t("Trang", "Page")) } th { (l.t("Thuộc văn bản", "Belongs to")) } th { (l.t("Xoay", "Turn")) }
                } }
                tbody { @for (i, r) in d.page_refs.iter().enumerate() {
                    tr {
                        td { (original(r)) " · " (l.t("tr.", "p.")) " " (r.page) }
                        td { select name=(format!("to{i}")) {
                            option value=(id) selected { (id) " " (l.t("(giữ lại)", "(keep)")) }
                            @for o in &others { option value=(o) { (o) } }
                            option value=(split) { (split) " " (l.t("(tách thành văn bản mới)", "(split off, new)")) }
                        } }
                        td { select name=(format!("turn{i}")) {
                            @for t in TURNS { option value=(t) selected[t == r.turned_deg] { (t) "°" } }
                        } }
                    }
                } }
            }
            (note)
            button type="submit" { (l.t("Lưu cách sắp xếp trang", "Save the pages")) }
        }
    }
}

/// The document's history: each amendment that concerns it.
pub fn history(l: Lang, amendments: &[&Amendment]) -> Markup {
    html! {
        @if !amendments.is_empty() {
            h2 { (l.t("Lịch sử sửa đổi", "Amendments")) }
            ol.history { @for a in amendments {
                li {
                    (a.at) " · " (a.by.name) " (" (a.by.role) ") · " (change(l, &a.change)) " · "
                    q { (a.note) }
                }
            } }
        }
    }
}

fn change(l: Lang, c: &Change) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    match c {
        Change::Reading {
            doc_type, fields, ..
        } => {
            let mut parts: Vec<String> = doc_type
                .iter()
                .map(|t| format!("type: {} → {}", text(&t.before), text(&t.after)))
                .collect();
            parts.extend(
                fields
                    .iter()
                    .map(|(k, t)| format!("{k}: {} → {}", text(&t.before), text(&t.after))),
            );
            if parts.is_empty() {
                l.t("xác nhận kết quả đọc", "reading confirmed").to_string()
            } else {
                parts.join("; ")
            }
        }
        Change::Reattach { from, to } => format!("{from} → {to}"),
        Change::Pages { documents } => format!(
            "{} {}",
            l.t("sắp xếp trang:", "pages re-arranged:"),
            documents
                .iter()
                .map(|d| d.document_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A review form's fields, by name.
type Fields = BTreeMap<String, String>;

/// The API's request for what a review form asks.
fn request(f: &Fields, a: &Amended, d: &EffectiveDocument) -> Result<AmendRequest, ApiError> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    let mut req = AmendRequest {
        note: get("note").to_string(),
        ..AmendRequest::default()
    };
    match get("action") {
        "confirm" => req.confirm = true,
        "correct" => {
            req.doc_type = Some(get("type").to_string()).filter(|t| !t.is_empty());
            for k in KEY_FIELDS {
                if let Some(v) = f.get(k) {
                    req.fields.insert(k.to_string(), Some(v.clone()));
                }
            }
        }
        "reattach" => req.reattach_to = Some(get("to").to_string()),
        "pages" => req.pages = Some(arrangement(f, a, d)?),
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown review action '{}'",
                other.chars().take(40).collect::<String>()
            ))
            .with_vi("thao tác xem lại không hợp lệ"));
        }
    }
    Ok(req)
}

/// Where each page of the document goes, and how turned: every document
/// a page goes to keeps its own pages besides (the library checks that
/// the pages add up).
fn arrangement(
    f: &Fields,
    a: &Amended,
    d: &EffectiveDocument,
) -> Result<BTreeMap<String, Vec<PageRef>>, ApiError> {
    let id = d.document.id.clone();
    let mut pages: BTreeMap<String, Vec<PageRef>> = BTreeMap::from([(id.clone(), Vec::new())]);
    for (i, r) in d.page_refs.iter().enumerate() {
        let to = f
            .get(&format!("to{i}"))
            .cloned()
            .unwrap_or_else(|| id.clone());
        let turned_deg = match f.get(&format!("turn{i}")) {
            None => r.turned_deg,
            Some(t) => t.trim().parse().map_err(|_| {
                ApiError::unprocessable(format!("turn{i}: a number of degrees"))
                    .with_vi(format!("trang {}: góc xoay phải là một số độ", i + 1))
            })?,
        };
        let kept = a.document(&to).map(|o| o.page_refs.clone());
        pages
            .entry(to)
            .or_insert_with(|| kept.unwrap_or_default())
            .push(PageRef {
                original: r.original.clone(),
                page: r.page,
                turned_deg,
            });
    }
    Ok(pages)
}

/// `POST /cases/{code}/documents/{id}/amendments`: one review form.
pub async fn amend(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Path((code, id)): Path<(String, String)>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Failed> {
    let code = parse_case(&code).or_page(lang)?;
    check_document_id(&id).or_page(lang)?;
    authorize_amend(&caller, &state, &code, &id)
        .await
        .or_page(lang)?;
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let a = find_document(state.store.as_ref(), &code, &id)
        .await
        .or_page(lang)?
        .ok_or_else(|| ApiError::not_found(format!("case {code} has no document '{id}'")))
        .or_page(lang)?;
    let d = a
        .document(&id)
        .ok_or_else(|| ApiError::not_found(format!("case {code} has no document '{id}'")))
        .or_page(lang)?;
    let outcome = match request(&fields, &a, d) {
        Ok(req) => made(&caller, &state, code.clone(), &id, &req).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(m) => {
            let back = match &m.document {
                Some(_) => format!("{}?saved=1", document_link(&m.case_code, &id)),
                None => case_link(&m.case_code),
            };
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let refused = super::case::Notice::Refused(&e);
            let page = super::case::document_page(&state, &caller, lang, &code, &id, refused);
            let mut resp = page.await?;
            *resp.status_mut() = e.status;
            Ok(resp)
        }
        Err(e) => Err(Failed(lang, e)),
    }
}
