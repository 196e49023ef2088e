//! The search page (`GET /`): the index's filters as a form sent by GET,
//! so a list of results is a URL that can be bookmarked; results with the
//! snippet of text that matched. The search itself is the API's
//! (`api::search::logged`): the caller's unit inside the query, every
//! search in the access log.

use super::case::{case_link, document_link};
use super::layout::{self, Frame};
use super::{Failed, Lang, OrPage, Signed, html};
use crate::api::search::{SearchParams, logged};
use crate::api::{ApiError, AppState};
use crate::auth::Permission;
use crate::index::{Hit, Page};
use axum::extract::{Query, RawQuery, State};
use axum::http::Uri;
use axum::response::Response;
use maud::{Markup, html};
use std::sync::Arc;

/// The query's pairs with a value (an empty form field means "any").
pub fn given_pairs(raw: &str) -> Vec<&str> {
    raw.split('&')
        .filter(|p| p.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
        .collect()
}

/// The filters of a query string, as the API reads them.
pub fn params<T: serde::de::DeserializeOwned>(pairs: &[&str]) -> Result<T, ApiError> {
    let uri: Uri = format!("/?{}", pairs.join("&"))
        .parse()
        .map_err(|_| ApiError::bad_request("malformed query"))?;
    Query::<T>::try_from_uri(&uri)
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// `GET /`: signed out, the sign-in page; signed in, the search.
pub async fn page(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    signed: Result<Signed, Response>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failed> {
    let Ok(Signed { caller, .. }) = signed else {
        return Ok(html(super::sign_in::form(lang, None)));
    };
    caller
        .refuse_role(&state, Permission::ReadCases, "search")
        .await
        .or_page(lang)?;
    let raw = raw.unwrap_or_default();
    let pairs = given_pairs(&raw);
    let parsed = params(&pairs);
    let shown = parsed.as_ref().ok().cloned().unwrap_or_default();
    let asked = pairs.iter().any(|p| !p.starts_with("offset="));
    let outcome = match (&state.index, asked) {
        (Some(_), true) => match logged(&caller, &state, &raw, parsed).await {
            // The access log could not be written: nothing is shown.
            Err(e) if e.code == "unavailable" => return Err(Failed(lang, e)),
            other => Some(other),
        },
        _ => None,
    };
    let here = if raw.is_empty() {
        "/".to_string()
    } else {
        format!("/?{raw}")
    };
    let frame = Frame {
        lang,
        caller: Some(&caller),
        here: &here,
    };
    let body = html! {
        (filters(lang, &shown))
        @if state.index.is_none() {
            p.notice role="status" { (lang.t(
                "Máy chủ này chạy không có chỉ mục tìm kiếm (--index / SOHOA_INDEX), nên chưa tìm được. Hồ sơ vẫn mở được theo mã hồ sơ: /cases/<mã hồ sơ>.",
                "This server runs without a search index (--index / SOHOA_INDEX), so it cannot search. A case still opens by its code: /cases/<case code>."
            )) }
        }
        @match &outcome {
            Some(Ok(p)) => (results(lang, p, &pairs)),
            Some(Err(e)) => p.error role="alert" { (e.message) },
            None => {},
        }
    };
    Ok(html(layout::page(
        &frame,
        lang.t("Tìm hồ sơ", "Find documents"),
        body,
    )))
}

/// The filter form, filled with what was asked.
fn filters(l: Lang, p: &SearchParams) -> Markup {
    let field = |name: &str, label: &str, value: &Option<String>, hint: &str| {
        html! {
            label { (label)
                input name=(name) value=(value.as_deref().unwrap_or_default()) placeholder=(hint);
            }
        }
    };
    html! {
        form.filters method="get" action="/" role="search" {
            (field("q", l.t("Nội dung", "Full text"), &p.q, l.t("chữ trong văn bản", "words of the text")))
            (field("name", l.t("Họ tên", "Name"), &p.name, "Nguyễn Văn An"))
            (field("id_number", l.t("Số định danh", "ID number"), &p.id_number, "001203004567"))
            (field("birth_date", l.t("Ngày sinh", "Date of birth"), &p.birth_date, "dd/mm/yyyy"))
            (field("type", l.t("Loại giấy tờ", "Document type"), &p.doc_type, "giay_khai_sinh"))
            (field("case_prefix", l.t("Mã hồ sơ (đầu mã)", "Case code prefix"), &p.case_prefix, "000.00.13.H04"))
            label { (l.t("Số hóa từ ngày", "Digitised from"))
                input type="date" name="from" value=(p.from.as_deref().unwrap_or_default());
            }
            label { (l.t("đến ngày", "to"))
                input type="date" name="to" value=(p.to.as_deref().unwrap_or_default());
            }
            label { (l.t("Cần xem lại", "Needs review"))
                input type="checkbox" name="needs_review" value="true" checked[p.needs_review];
            }
            div.actions {
                button type="submit" { (l.t("Tìm", "Search")) }
                a href="/" { (l.t("Xóa lọc", "Clear")) }
            }
        }
    }
}

/// The hits, with links to the next and previous pages.
fn results(l: Lang, p: &Page, pairs: &[&str]) -> Markup {
    html! {
        p role="status" { (l.t("Tìm thấy", "Found")) " " strong { (p.total) } " " (l.t("văn bản", "documents")) }
        @if !p.hits.is_empty() {
            table.results {
                thead { tr {
                    th { (l.t("Văn bản", "Document")) } th { (l.t("Hồ sơ", "Case")) }
                    th { (l.t("Loại", "Type")) } th { (l.t("Họ tên · số định danh · ngày sinh", "Name · ID · birth")) }
                    th { (l.t("Trích đoạn", "Snippet")) } th { (l.t("Số hóa lúc", "Digitised")) }
                } }
                tbody { @for h in &p.hits { (hit(l, h)) } }
            }
        }
        (layout::pager(l, "/", pairs, (p.offset, p.limit), (p.hits.len(), p.total)))
    }
}

fn hit(l: Lang, h: &Hit) -> Markup {
    let doc = document_link(&h.case_code, &h.document_id);
    let field = |k: &str| h.fields.get(k).map(String::as_str).unwrap_or("—");
    html! {
        tr {
            td { a href=(doc) { (h.document_id) } }
            td { a href=(case_link(&h.case_code)) { (h.case_code) } }
            td {
                (h.doc_type)
                @if let Some(t) = &h.title { br; small { (t) } }
                @if h.needs_review { br; span.review { (l.t("cần xem lại", "needs review")) } }
            }
            td { (field("full_name")) br; code { (field("id_number")) } br; (field("date_of_birth")) }
            td.snippet { (h.snippet) }
            td { (h.digitised_at) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_no_filter_and_the_rest_are_the_api_s() {
        let pairs = given_pairs("q=&name=nguyen+van+duc&from=&needs_review=true&type=");
        assert_eq!(pairs, vec!["name=nguyen+van+duc", "needs_review=true"]);
        let p: SearchParams = params(&pairs).unwrap();
        assert_eq!(p.name.as_deref(), Some("nguyen van duc"));
        assert!(p.needs_review);
        assert!(params::<SearchParams>(&["nonsense=1"]).is_err());
    }
}
