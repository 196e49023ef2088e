//! Officers' and archivists' reads: a case's documents, and the documents
//! themselves, streamed with their hash checked on the way out.

use super::{ApiError, AppState, Caller, Target, accepts};
use crate::auth::Permission;
use crate::catalog::records;
use crate::record::{CaseCode, CaseView, DocumentRecord, DocumentSummary, ObjectRef};
use crate::store::Chunks;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Unpack path parameters; a malformed path is a 400, in JSON like every error.
pub(super) fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    p.map(|Path(t)| t)
        .map_err(|e| ApiError::bad_request(format!("bad path: {}", e.body_text())))
}

pub(super) fn parse_case(s: &str) -> Result<CaseCode, ApiError> {
    s.parse::<CaseCode>()
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Document ids are `<batch_id>-dNN`: the batch id's characters only.
fn check_document_id(id: &str) -> Result<(), ApiError> {
    Ok(crate::ids::check_document(id)?)
}

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

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pdf,
    Text,
}

/// `GET .../documents/{id}`: the PDF or the text if `Accept` asks for
/// one, else the document's description as JSON.
pub async fn document(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (code, id) = path(p)?;
    if accepts(&headers, "application/pdf") {
        return download(caller, state, &code, &id, Kind::Pdf, &headers).await;
    }
    if accepts(&headers, "text/plain") {
        return download(caller, state, &code, &id, Kind::Text, &headers).await;
    }
    let code = parse_case(&code)?;
    check_document_id(&id)?;
    let target = Target {
        case_code: Some(code.as_str()),
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::ReadCases, "document.read", target, true)
        .await?;
    let (batch, d) = find_document(&state, &code, &id).await?;
    Ok(Json(DocumentSummary::new(&batch, &d)).into_response())
}

/// `GET .../documents/{id}/pdf` and `.../text`.
pub async fn file(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    p: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (code, id, kind) = path(p)?;
    let kind = match kind.as_str() {
        "pdf" => Kind::Pdf,
        "text" => Kind::Text,
        _ => return Err(ApiError::not_found("a document has /pdf and /text")),
    };
    download(caller, state, &code, &id, kind, &headers).await
}

/// Stream a document's PDF or text. The response carries the recorded
/// SHA-256 as ETag, `Repr-Digest` (RFC 9530) and `Digest` (RFC 3230); the
/// bytes are hashed as they go out and the last chunk is held back until
/// the hash is known, so a mismatch leaves the client with a short body
/// (less than Content-Length), which every HTTP client reports as an error.
async fn download(
    caller: Caller,
    state: Arc<AppState>,
    code: &str,
    id: &str,
    kind: Kind,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let code = parse_case(code)?;
    check_document_id(id)?;
    let action = match kind {
        Kind::Pdf => "document.pdf",
        Kind::Text => "document.text",
    };
    let target = Target {
        case_code: Some(code.as_str()),
        target: Some(id),
    };
    caller
        .authorize(&state, Permission::ReadCases, action, target, true)
        .await?;
    let (_, doc) = find_document(&state, &code, id).await?;
    let object: ObjectRef = match kind {
        Kind::Pdf => doc.pdf,
        Kind::Text => doc.text,
    };
    let etag = format!("\"{}\"", object.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let integrity_failure = {
        let state = state.clone();
        let code = code.to_string();
        let id = id.to_string();
        let key = object.key.clone();
        let action = action.to_string();
        move |found: String| {
            state
                .metrics
                .integrity_failures
                .fetch_add(1, Ordering::Relaxed);
            tracing::error!(key = %key, "INTEGRITY FAILURE: {found}; download of {id} aborted");
            let detail = format!("{key}: {found}");
            async move {
                let target = Target {
                    case_code: Some(&code),
                    target: Some(&id),
                };
                let _ = caller
                    .log(&state, &action, "integrity_failure", &target, Some(detail))
                    .await;
            }
        }
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
            integrity_failure(found).await;
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
    let digest_bytes = hex::decode(&object.sha256).unwrap_or_default();
    let b64 = aws_smithy_types::base64::encode(&digest_bytes);
    let content_type = match kind {
        Kind::Pdf => "application/pdf",
        Kind::Text => "text/plain; charset=utf-8",
    };
    let filename = format!("{id}.{}", if kind == Kind::Pdf { "pdf" } else { "txt" });
    let expected = object.sha256.clone();
    let counted = state.clone();
    let size = reader.size;
    let stream = futures_util::stream::unfold(
        Some(Checked {
            chunks: reader.chunks,
            hasher: Sha256::new(),
            pending: None,
            seen: 0,
        }),
        move |st| {
            let expected = expected.clone();
            let on_fail = integrity_failure.clone();
            let counted = counted.clone();
            async move {
                let mut st = st?;
                loop {
                    match st.chunks.next().await {
                        Some(Ok(b)) if b.is_empty() => {}
                        Some(Ok(b)) => {
                            st.seen += b.len() as u64;
                            if st.seen > size {
                                // Hyper would cut the body at Content-Length and
                                // the client would never know: stop here.
                                on_fail(format!(
                                    "the object is longer than the {size} bytes recorded"
                                ))
                                .await;
                                return Some((
                                    Err(std::io::Error::other("integrity failure")),
                                    None,
                                ));
                            }
                            st.hasher.update(&b);
                            if let Some(prev) = st.pending.replace(b) {
                                return Some((Ok(prev), Some(st)));
                            }
                        }
                        Some(Err(e)) => {
                            tracing::warn!("download aborted: {e}");
                            return Some((Err(std::io::Error::other("store read failed")), None));
                        }
                        None => {
                            let got = hex::encode(st.hasher.finalize());
                            if got != expected {
                                on_fail(format!(
                                    "its SHA-256 is {got}, the record says {expected}"
                                ))
                                .await;
                                return Some((
                                    Err(std::io::Error::other("integrity failure")),
                                    None,
                                ));
                            }
                            counted.metrics.downloads.fetch_add(1, Ordering::Relaxed);
                            counted
                                .metrics
                                .download_bytes
                                .fetch_add(size, Ordering::Relaxed);
                            return st.pending.take().map(|b| (Ok(b), None));
                        }
                    }
                }
            }
        },
    );
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    let val = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(header::ETAG, val(etag));
    h.insert("repr-digest", val(format!("sha-256=:{b64}:")));
    h.insert("digest", val(format!("sha-256={b64}")));
    h.insert(
        header::CONTENT_DISPOSITION,
        val(format!("attachment; filename=\"{filename}\"")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// A download in flight: bytes hashed so far, and the last chunk, held back.
struct Checked {
    chunks: Chunks,
    hasher: Sha256,
    /// Never empty: so that, while it is held, fewer than Content-Length
    /// bytes have gone out and the client cannot take the body as whole.
    pending: Option<Bytes>,
    seen: u64,
}
