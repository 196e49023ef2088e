//! Officers' and archivists' reads: a case's documents, and the documents
//! themselves, streamed with their hash checked on the way out.

use super::doc::{CasePath, DocumentPath, IfNoneMatch, STORE_UNAVAILABLE};
use super::download::Disposition;
use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target, accepts, download};
use crate::auth::Permission;
use crate::catalog::records;
use crate::record::{CaseCode, CaseView, DocumentRecord, DocumentSummary, ObjectRef};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Unpack path parameters; a malformed path is a 400, in JSON like every error.
pub(super) fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    p.map(|Path(t)| t)
        .map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))
}

pub(crate) fn parse_case(s: &str) -> Result<CaseCode, ApiError> {
    s.parse::<CaseCode>()
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Document ids are `<batch_id>-dNN`: the batch id's characters only.
pub(crate) fn check_document_id(id: &str) -> Result<(), ApiError> {
    Ok(crate::ids::check_document(id)?)
}

/// The prelude of every handler that reads one document: parse the case
/// code and document id of its path, and authorise `caller` to read it
/// (`action` goes into the access log, refusals too).
pub(crate) async fn authorize_read_document(
    caller: &Caller,
    state: &AppState,
    (code, id): (&str, &str),
    action: &str,
) -> Result<CaseCode, ApiError> {
    let code = parse_case(code)?;
    check_document_id(id)?;
    let target = Target {
        case_code: Some(code.as_str()),
        target: Some(id),
    };
    caller
        .authorize(state, Permission::ReadCases, action, target, true)
        .await?;
    Ok(code)
}

#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}",
    operation_id = "getCase",
    tag = "cases",
    summary = "A case: its batches and documents",
    description = "Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit. Logged as `case.read`.",
    params(CasePath),
    responses(
        (status = 200, description = "The case.", body = CaseView),
        (status = 400, description = "`bad_request`: malformed case code.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read cases, or the case is outside the token's unit. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: no (readable) batch record for this case.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn case(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let code = parse_case(&path(p)?)?;
    let target = Target {
        case_code: Some(code.as_str()),
        target: None,
    };
    caller
        .authorize(&state, Permission::ReadCases, "case.read", target, true)
        .await?;
    records::case_view(state.store.as_ref(), &code)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no records for case {code}")))
}

/// A document of a case (the catalog's lookup), or 404.
async fn find_document(
    state: &AppState,
    code: &CaseCode,
    id: &str,
) -> Result<(String, DocumentRecord), ApiError> {
    records::find_document(state.store.as_ref(), code, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("case {code} has no document '{id}'")))
}

/// Which of a document's objects.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Pdf,
    Text,
}

/// `GET .../documents/{id}`: the PDF or the text if `Accept` asks for
/// one, else the document's description as JSON.
#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}/documents/{document_id}",
    operation_id = "getDocument",
    tag = "cases",
    summary = "A document: its description, its PDF or its text",
    description = r#"Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit.

Content negotiation on `Accept`: if an entry starts with `application/pdf`, the PDF is streamed (as `/pdf`); else if one starts with `text/plain`, the OCR text (as `/text`); otherwise (`application/json`, `*/*`, none) the document's description as JSON. Quality values are not weighed: `application/pdf` wins over `text/plain` whenever both are listed.

The download headers (`ETag`, `Repr-Digest`, `Digest`, `Content-Length`, `Content-Disposition`, `Cache-Control`) and the 304 answer apply to the PDF and text only."#,
    params(DocumentPath, IfNoneMatch),
    responses(
        (status = 200, description = "The document's description (JSON), its PDF, or its text (UTF-8).",
            content(
                (DocumentSummary = "application/json"),
                (Vec<u8> = "application/pdf"),
                (String = "text/plain"),
            )),
        download::Answers,
    )
)]
pub async fn document(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (code, id) = path(p)?;
    if accepts(&headers, "application/pdf") {
        return download(caller, state, (&code, &id), Kind::Pdf, &headers).await;
    }
    if accepts(&headers, "text/plain") {
        return download(caller, state, (&code, &id), Kind::Text, &headers).await;
    }
    let code = authorize_read_document(&caller, &state, (&code, &id), "document.read").await?;
    let summary = crate::catalog::amendments::find_document(state.store.as_ref(), &code, &id)
        .await?
        .and_then(|a| {
            a.document(&id)
                .map(|d| DocumentSummary::amended(&a.record.batch_id, d))
        })
        .ok_or_else(|| ApiError::not_found(format!("case {code} has no document '{id}'")))?;
    Ok(Json(summary).into_response())
}

/// `GET .../documents/{id}/proof`.
#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}/documents/{document_id}/proof",
    operation_id = "getDocumentProof",
    tag = "cases",
    summary = "A document's record and its inclusion proof in the transparency log",
    description = r#"Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit. Logged as `document.proof`.

The batch record that names the document's PDF (its bytes exactly, as stored), its leaf in the transparency log (`{"key":…,"sha256":…}`), the leaf's index, the inclusion proof (RFC 9162) and the latest checkpoint (a signed note). Anyone can check it against a checkpoint published elsewhere without trusting sohoa (README: "Checking a document without trusting sohoa")."#,
    params(DocumentPath),
    responses(
        (status = 200, description = "The record, leaf, proof and checkpoint.", body = crate::catalog::log::InclusionProof),
        (status = 400, description = "`bad_request`: malformed case code or document id.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read documents, or the case is outside the token's unit. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such document in this case.", body = ErrorBody),
        (status = 409, description = "`not_logged_yet`: the document's record is not in a checkpoint of the log yet (it is, within the logging delay, once a sequencer step has run).", body = ErrorBody),
        (status = 500, description = "`internal`: the log in the store is inconsistent.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn proof(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<crate::catalog::log::InclusionProof>, ApiError> {
    use crate::catalog::log::{LogError, Proved, prove_document};
    let (code, id) = path(p)?;
    let code = authorize_read_document(&caller, &state, (&code, &id), "document.proof").await?;
    match prove_document(state.store.as_ref(), &code, &id).await {
        Ok(Proved::Proof(p)) => Ok(Json(*p)),
        Ok(Proved::NoDocument) => Err(ApiError::not_found(format!(
            "case {code} has no document '{id}'"
        ))),
        Ok(Proved::NotLogged) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_logged_yet",
            format!(
                "the record of '{id}' is not in a checkpoint of the transparency log yet; try again shortly"
            ),
        )),
        Err(LogError::Store(e))
        | Err(LogError::Catalog(crate::catalog::CatalogError::Store(e))) => Err(e.into()),
        Err(e) => Err(ApiError::internal("proving a document", e)),
    }
}

/// `GET .../documents/{id}/pdf`.
#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}/documents/{document_id}/pdf",
    operation_id = "getDocumentPdf",
    tag = "cases",
    summary = "A document's PDF",
    description = r#"Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit. Logged as `document.pdf`. `Accept` is not looked at."#,
    params(DocumentPath, IfNoneMatch),
    responses(
        (status = 200, description = "The PDF.", body = Vec<u8>, content_type = "application/pdf"),
        download::Answers,
    )
)]
pub async fn pdf(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (code, id) = path(p)?;
    download(caller, state, (&code, &id), Kind::Pdf, &headers).await
}

/// `GET .../documents/{id}/text`.
#[utoipa::path(
    get,
    path = "/v1/cases/{case_code}/documents/{document_id}/text",
    operation_id = "getDocumentText",
    tag = "cases",
    summary = "A document's OCR text",
    description = r#"Roles: `officer`, `archivist`, `admin`. A unit-scoped token reaches only cases of its unit. Logged as `document.text`. `Accept` is not looked at."#,
    params(DocumentPath, IfNoneMatch),
    responses(
        (status = 200, description = "The text, `text/plain; charset=utf-8`.", body = String, content_type = "text/plain"),
        download::Answers,
    )
)]
pub async fn text(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (code, id) = path(p)?;
    download(caller, state, (&code, &id), Kind::Text, &headers).await
}

/// Stream a document's PDF or text as an attachment, hash-checked on the
/// way out ([`download`](super::download)).
async fn download(
    caller: Caller,
    state: Arc<AppState>,
    case_and_id: (&str, &str),
    kind: Kind,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    stream(
        caller,
        state,
        case_and_id,
        (kind, Disposition::Attachment),
        headers,
    )
    .await
}

/// Authorise, log and stream a document's PDF or text, hash-checked on
/// the way out: the one download path of the API and the web page.
pub(crate) async fn stream(
    caller: Caller,
    state: Arc<AppState>,
    (code, id): (&str, &str),
    (kind, disposition): (Kind, Disposition),
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let action = match kind {
        Kind::Pdf => "document.pdf",
        Kind::Text => "document.text",
    };
    let code = authorize_read_document(&caller, &state, (code, id), action).await?;
    let (_, doc) = find_document(&state, &code, id).await?;
    let object: ObjectRef = match kind {
        Kind::Pdf => doc.pdf,
        Kind::Text => doc.text,
    };
    if download::not_modified(headers, &object.sha256) {
        return Ok(download::not_modified_response(&object.sha256));
    }
    let alarm = download::Alarm {
        state: state.clone(),
        caller,
        case_code: code.to_string(),
        id: id.to_string(),
        key: object.key.clone(),
        action: action.to_string(),
    };
    let reader = match state.store.open_stream(&object.key).await? {
        Some(r) if r.size == object.bytes => r,
        other => {
            let found = match other {
                None => "the object is missing".to_string(),
                Some(r) => format!(
                    "the object has {} bytes, the record says {}",
                    r.size, object.bytes
                ),
            };
            alarm.raise(found).await;
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "integrity_failure",
                format!(
                    "the stored {} of {id} does not match its record; it was not sent, and the failure is logged for the archivists",
                    if kind == Kind::Pdf { "PDF" } else { "text" }
                ),
            ));
        }
    };
    let (content_type, ext) = match kind {
        Kind::Pdf => ("application/pdf", "pdf"),
        Kind::Text => ("text/plain; charset=utf-8", "txt"),
    };
    Ok(download::response(
        reader,
        &object.sha256,
        content_type,
        (&format!("{id}.{ext}"), disposition),
        alarm,
    ))
}
