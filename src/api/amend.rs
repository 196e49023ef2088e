//! Officers' amendments: correct or confirm a document's reading, move its
//! pages, re-attach its batch ([`crate::catalog::amendments`]); a
//! document's history; the review queue. An amendment is appended, never
//! written over the record, and the search index is brought in step at
//! once when the server has one (best effort: a sync catches up a miss).

use super::cases::{authorize_read_document, parse_case, path};
use super::doc::{BODY_TOO_LARGE, DocumentPath, STORE_UNAVAILABLE};
use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::amendments::{self, AmendError, AmendRequest};
use crate::index::{Review, ReviewPage};
use crate::record::amendment::{Amendment, Author, Change};
use crate::record::effective::DocumentHistory;
use crate::record::{CaseCode, DocumentSummary};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use std::sync::Arc;

impl From<AmendError> for ApiError {
    fn from(e: AmendError) -> ApiError {
        match e {
            AmendError::NoDocument { .. } => ApiError::not_found(e.to_string()),
            AmendError::Invalid(m) => ApiError::unprocessable(m.en).with_vi(m.vi),
            AmendError::Source { .. } => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "integrity_failure",
                e.to_string(),
            ),
            AmendError::Sign(_) => ApiError::internal("signing the re-arranged PDF", e),
            AmendError::Catalog(e) => e.into(),
        }
    }
}

/// An amendment stored, and the document as it now is.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AmendmentMade {
    /// Store key of the amendment (write-once).
    pub key: String,
    pub amendment: Amendment,
    /// The case the document is under now (another after a re-attach).
    pub case_code: String,
    /// The document as amended (absent when pages were merged away from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub document: Option<DocumentSummary>,
}

const AMEND_DESCRIPTION: &str = r#"Roles: `officer`, `admin` (archivists and stations get 403). A unit-scoped token amends only cases of its unit, and re-attaches only to a case of its unit. Logged as `document.amend` (and `batch.reattach` for the case re-attached to).

The body is exactly one of: a reading (`type`, `fields`, and/or `confirm: true`), `reattach_to` (a case code), or `pages` (each document touched, by id, with its pages as `{original, page, turned_deg}`); always with a `note` saying why. The amendment is stored write-once beside the batch record, which is never rewritten; the case, the document, the search index and `sohoa case` show the amended values with `corrected` naming them.

A `pages` amendment makes each document whose pages changed a PDF of its own from the machine's PDFs of the batch (read hash-checked; each page copied whole with its text layer, a turned page turned with `/Rotate`) and a text of its own, stored write-once under `amendments/documents/` and `amendments/text/`, and names them with their SHA-256 in the amendment (`change.documents[].pdf`, `.text`). The document then serves them (its `pdf` and `text`, marked `corrected`); the machine's PDF and text stay as they were. Correcting or confirming a reading clears `needs_review` and takes the document out of the review queue."#;

#[utoipa::path(
    post,
    path = "/v1/cases/{case_code}/documents/{document_id}/amendments",
    operation_id = "amendDocument",
    tag = "cases",
    summary = "Correct, confirm, re-arrange or re-attach a document",
    description = AMEND_DESCRIPTION,
    params(DocumentPath),
    request_body(content = AmendRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored.", body = AmendmentMade),
        (status = 400, description = "`bad_request`: malformed case code or document id, or a body that is not JSON of the expected shape.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not amend, or a case is outside the token's unit. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: the case has no such document.", body = ErrorBody),
        (status = 413, description = BODY_TOO_LARGE, body = ErrorBody),
        (status = 422, description = "`unprocessable`: no note, an unknown type or field, a malformed value, nothing to change, or pages that do not add up.", body = ErrorBody),
        (status = 500, description = "`integrity_failure`: a machine's PDF or text the re-arranged pages are taken from is missing or does not match its record; nothing was stored.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn amend(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<(String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<AmendmentMade>), ApiError> {
    caller
        .refuse_role(&state, Permission::Amend, "document.amend")
        .await?;
    let (code, id) = path(p)?;
    let code = parse_case(&code)?;
    crate::ids::check_document(&id)?;
    authorize_amend(&caller, &state, &code, &id).await?;
    let req: AmendRequest = serde_json::from_slice(&body?).map_err(|e| {
        ApiError::bad_request(format!(
            "body must be {{\"note\": ..., and \"type\"/\"fields\"/\"confirm\", or \"reattach_to\", or \"pages\"}}: {e}"
        ))
    })?;
    let made = made(&caller, &state, code, &id, &req).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Whether the caller may amend this document of this case (role and
/// unit), in the access log as `document.amend`.
pub async fn authorize_amend(
    caller: &Caller,
    state: &AppState,
    code: &CaseCode,
    id: &str,
) -> Result<(), ApiError> {
    let target = Target {
        case_code: Some(code.as_str()),
        target: Some(id),
    };
    caller
        .authorize(state, Permission::Amend, "document.amend", target, true)
        .await
}

/// Append an amendment an authorised caller asks for (the API's and the
/// web page's one way): a re-attach is authorised for the case it goes
/// to, the amendment is stored, the index brought in step.
pub async fn made(
    caller: &Caller,
    state: &AppState,
    code: CaseCode,
    id: &str,
    req: &AmendRequest,
) -> Result<AmendmentMade, ApiError> {
    if let Some(to) = &req.reattach_to {
        let to = parse_case(to.trim())?;
        let target = Target {
            case_code: Some(to.as_str()),
            target: Some(id),
        };
        caller
            .authorize(state, Permission::Amend, "batch.reattach", target, true)
            .await?;
    }
    let by = Author {
        name: caller.token.name.clone(),
        role: caller.token.role.as_str().to_string(),
        unit: caller.token.unit.clone(),
    };
    let made = match amendments::amend(
        state.store.as_ref(),
        &code,
        id,
        by,
        req,
        state.config.signing.as_ref(),
    )
    .await
    {
        Err(e @ AmendError::Source { .. }) => {
            state.metrics.integrity_failures.inc();
            tracing::error!("INTEGRITY FAILURE: {e}");
            return Err(e.into());
        }
        other => other?,
    };
    reindex(state, &made.record_key).await;
    let now: CaseCode = match &made.amendment.change {
        Change::Reattach { to, .. } => parse_case(to)?,
        _ => code,
    };
    let document = amendments::find_document(state.store.as_ref(), &now, id)
        .await?
        .and_then(|a| {
            a.document(id)
                .map(|d| DocumentSummary::amended(&a.record.batch_id, d))
        });
    Ok(AmendmentMade {
        key: made.key,
        amendment: made.amendment,
        case_code: now.as_str().to_string(),
        document,
    })
}

/// Bring the index in step with an amended record, when the server has
/// one; a failure is logged, and the next sync catches it up.
async fn reindex(state: &AppState, record_key: &str) {
    let Some(index) = &state.index else {
        return;
    };
    if let Err(e) = crate::index::sync::reindex(state.store.as_ref(), index, record_key).await {
        tracing::warn!(record = %record_key, "amended record not indexed now (the next sync will): {e}");
    }
}

#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}/documents/{document_id}/history",
    operation_id = "getDocumentHistory",
    tag = "cases",
    summary = "A document's history: the machine's reading, then each amendment",
    description = "Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit. Logged as `document.history`.",
    params(DocumentPath),
    responses(
        (status = 200, description = "The history, oldest first, and the document now.", body = DocumentHistory),
        (status = 400, description = "`bad_request`: malformed case code or document id.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read cases, or the case is outside the token's unit. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: the case has no such document.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn history(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<DocumentHistory>, ApiError> {
    let (code, id) = path(p)?;
    let code = authorize_read_document(&caller, &state, (&code, &id), "document.history").await?;
    amendments::history(state.store.as_ref(), &code, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("case {code} has no document '{id}'")))
}

/// The review queue's query parameters.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewParams {
    /// Also documents whose confidence is under this (0-1), flagged or not.
    #[param(nullable = false, minimum = 0, maximum = 1, example = 0.8)]
    pub below: Option<f32>,
    /// Documents per page, 1-100 (default 20).
    #[param(nullable = false, minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Documents to skip (default 0).
    #[param(nullable = false, minimum = 0)]
    pub offset: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/v1/review",
    operation_id = "reviewQueue",
    tag = "cases",
    summary = "Documents waiting for an officer's review, oldest first",
    description = "Roles: `officer`, `admin`. Documents flagged for review (or, with `below`, under that confidence) that no officer has corrected or confirmed yet, oldest digitised first. A unit-scoped token sees (and counts) only its unit's cases. Needs the search index (`--index`). Logged as `review.read`, with how many documents wait.",
    params(ReviewParams),
    responses(
        (status = 200, description = "A page of the queue.", body = ReviewPage),
        (status = 400, description = "`bad_request`: an unknown parameter, or `below` or `limit` out of range.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not review. The refusal is logged in the access log.", body = ErrorBody),
        (status = 503, description = "`index_unavailable`: no search index configured, or it cannot be reached; `unavailable`: the access log cannot be written.", body = ErrorBody),
    )
)]
pub async fn review(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    q: Result<Query<ReviewParams>, QueryRejection>,
) -> Result<Json<ReviewPage>, ApiError> {
    let params = q
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(e.body_text()));
    Ok(Json(logged_queue(&caller, &state, params).await?))
}

/// A page of the queue for the caller (the API's and the web page's one
/// way): its role checked, its unit's documents only, and the reading in
/// the access log as `review.read` with how many wait, or why it failed.
pub async fn logged_queue(
    caller: &Caller,
    state: &AppState,
    params: Result<ReviewParams, ApiError>,
) -> Result<ReviewPage, ApiError> {
    caller
        .refuse_role(state, Permission::Amend, "review.read")
        .await?;
    let result = queue(caller, state, params).await;
    let detail = match &result {
        Ok(page) => format!("{} documents waiting", page.total),
        Err(e) => format!("failed ({}: {})", e.code, e.message),
    };
    caller
        .log(
            state,
            "review.read",
            "allowed",
            &Target::default(),
            Some(detail),
        )
        .await?;
    result
}

async fn queue(
    caller: &Caller,
    state: &AppState,
    params: Result<ReviewParams, ApiError>,
) -> Result<ReviewPage, ApiError> {
    let params = params?;
    if params
        .limit
        .is_some_and(|l| l == 0 || l > crate::index::query::MAX_LIMIT)
    {
        return Err(ApiError::bad_request("limit must be 1-100"));
    }
    let Some(index) = state.index.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "index_unavailable",
            "this server was started without --index (SOHOA_INDEX), so it has no review queue",
        ));
    };
    let review = Review {
        below: params.below,
        unit: caller.token.unit.clone(),
        limit: params.limit.unwrap_or(0),
        offset: params.offset.unwrap_or(0),
    };
    Ok(index.review(&review).await?)
}
