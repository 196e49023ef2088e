//! `GET /v1/search`: find documents across cases in the search index
//! ([`crate::index`]), with the caller's unit applied inside the query.
//! A search by ID number or name reads personal data, so every search is
//! written to the access log with its query and how many documents it
//! found, before the hits are returned.

use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::index::{IndexError, Page, Search};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use std::sync::Arc;

const INDEX_UNAVAILABLE: &str = "`index_unavailable`: the server has no search index configured (`--index`), or the index cannot be reached; `store_unavailable`: the token could not be checked; `unavailable`: the access log cannot be written, so no data is served. Try again later.";

/// The search's query parameters; every one given must hold.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Free query: words of the text (the last also as a prefix), a name or
    /// field value (by similarity), an ID number, case code or birth date
    /// (by prefix). Diacritics and case do not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "giấy khai sinh")]
    pub q: Option<String>,
    /// Citizen ID number, or its first digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "001203004567")]
    pub id_number: Option<String>,
    /// Full name as typed; OCR misreadings and missing diacritics still match.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "Nguyễn Văn Đức")]
    pub name: Option<String>,
    /// Date of birth, dd/mm/yyyy, or its beginning.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "01/02/2003")]
    pub birth_date: Option<String>,
    /// Document type (a taxonomy id).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[param(rename = "type", nullable = false, example = "giay_khai_sinh")]
    pub doc_type: Option<String>,
    /// Case codes starting with this.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "000.00.13.H04")]
    pub case_prefix: Option<String>,
    /// Digitised from this day (YYYY-MM-DD, from its midnight in Vietnam, UTC+07:00) or time (RFC 3339) on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "2026-01-01")]
    pub from: Option<String>,
    /// Digitised up to this day (included, to its end in Vietnam) or before this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, example = "2026-12-31")]
    pub to: Option<String>,
    /// Only documents flagged for review.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_review: bool,
    /// Hits per page, 1-100 (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Hits to skip (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(nullable = false, minimum = 0)]
    pub offset: Option<u32>,
}

impl SearchParams {
    /// The index's search, limited to the caller's unit.
    fn search(self, unit: Option<String>) -> Result<Search, ApiError> {
        let bad = |e: String| ApiError::bad_request(e);
        let from = self.from.as_deref().map(crate::clock::parse_since);
        let to = self.to.as_deref().map(crate::clock::parse_until);
        if self
            .limit
            .is_some_and(|l| l == 0 || l > crate::index::query::MAX_LIMIT)
        {
            return Err(bad("limit must be 1-100".into()));
        }
        Ok(Search {
            text: self.q,
            id_number: self.id_number,
            name: self.name,
            birth_date: self.birth_date,
            doc_type: self.doc_type,
            case_prefix: self.case_prefix,
            from: from.transpose().map_err(bad)?,
            to: to.transpose().map_err(bad)?,
            needs_review: self.needs_review,
            unit,
            limit: self.limit.unwrap_or(0),
            offset: self.offset.unwrap_or(0),
        })
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        match e {
            IndexError::BadQuery(m) => ApiError::bad_request(m),
            e => {
                let reference = super::random_hex(6);
                tracing::error!(reference = %reference, "index: {e}");
                ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "index_unavailable",
                    format!(
                        "the search index could not be reached; try again later (reference {reference})"
                    ),
                )
            }
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/search",
    operation_id = "search",
    tag = "cases",
    summary = "Find documents by ID number, name, type, date or text",
    description = r#"Roles: `officer`, `archivist`, `admin`. A unit-scoped token finds only documents of its unit's cases, and its `total` counts only those.

Every text is folded before matching (NFC, lower case, diacritics removed, đ → d), so `Nguyễn Văn Đức`, `nguyen van duc` and `NGUYEN VAN ĐUC` match alike. ID numbers, birth dates and case codes match exactly or by prefix; names and field values by trigram similarity (OCR misreadings still match); the text by words. Hits are ranked best first, each with a snippet of its text around the match. Searches need the server to be started with `--index`.

Every search is logged in the access log as `search`, with its query and how many documents it found."#,
    params(SearchParams),
    responses(
        (status = 200, description = "A page of hits, best first.", body = Page),
        (status = 400, description = "`bad_request`: an unknown parameter, a malformed date or limit, or a name with no letters.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read cases. The refusal is logged in the access log.", body = ErrorBody),
        (status = 503, description = INDEX_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn search(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    caller
        .refuse_role(&state, Permission::ReadCases, "search")
        .await?;
    let params = q
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(e.body_text()));
    let page = logged(&caller, &state, &raw.unwrap_or_default(), params).await?;
    Ok(Json(page))
}

/// Run a search and write it to the access log with what was asked (as
/// sent, also when it could not be parsed, capped) and its outcome: the
/// one search path of the API and the web page. The caller's role is
/// checked before.
pub(crate) async fn logged(
    caller: &Caller,
    state: &AppState,
    asked: &str,
    params: Result<SearchParams, ApiError>,
) -> Result<Page, ApiError> {
    let result = match params {
        Ok(params) => run(caller, state, params).await,
        Err(e) => Err(e),
    };
    let asked: String = asked.chars().take(MAX_LOGGED_QUERY).collect();
    let detail = match &result {
        Ok(page) => format!(
            "query {asked}: {}{} documents found",
            if page.total_exact { "" } else { "more than " },
            page.total
        ),
        Err(e) => format!("query {asked}: failed ({}: {})", e.code, e.message),
    };
    caller
        .log(state, "search", "allowed", &Target::default(), Some(detail))
        .await?;
    result
}

/// Longest query string the access log keeps of a search (characters).
const MAX_LOGGED_QUERY: usize = 500;

/// The search itself, every failure as the answer's error ([`logged`]
/// logs each outcome).
async fn run(caller: &Caller, state: &AppState, params: SearchParams) -> Result<Page, ApiError> {
    let Some(index) = state.index.clone() else {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "index_unavailable",
            "this server was started without --index (SOHOA_INDEX), so it cannot search",
        ));
    };
    let search = params.search(caller.token.unit.clone())?;
    Ok(index.search(&search).await?)
}
