//! Stations' routes: upload a batch (stored in the inbox and queued exactly
//! as `sohoa submit` does), and ask where it is.

use super::cases::path;
use super::doc::{BatchPath, STORE_UNAVAILABLE};
use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::{self, BatchStatus};
use crate::ingest::{self, Original};
use crate::submit::{self, SubmitError};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Text fields longer than this are refused.
const MAX_FIELD: usize = 200;

/// What the multipart body held.
#[derive(Default)]
struct Form {
    files: Vec<(String, axum::body::Bytes)>,
    case_code: Option<String>,
    station: Option<String>,
    batch_id: Option<String>,
}

async fn read_form(mut mp: Multipart, state: &AppState) -> Result<Form, ApiError> {
    let limit = state.config.max_upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the upload exceeds the limit of {limit} bytes; nothing was stored"),
        )
    };
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request(format!("unreadable multipart body: {}", e.body_text()))
        }
    };
    let mut form = Form::default();
    while let Some(field) = mp.next_field().await.map_err(multipart_err)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            if name != "file" && name != "files" {
                return Err(ApiError::bad_request(format!(
                    "file part '{name}': files go in parts named 'file'"
                )));
            }
            if form.files.len() >= state.config.max_files {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_files",
                    format!(
                        "more than {} files in one batch; nothing was stored",
                        state.config.max_files
                    ),
                ));
            }
            let bytes = field.bytes().await.map_err(multipart_err)?;
            form.files.push((file_name, bytes));
            continue;
        }
        let value = field.text().await.map_err(multipart_err)?;
        if value.len() > MAX_FIELD {
            return Err(ApiError::bad_request(format!(
                "field '{name}' is longer than {MAX_FIELD} bytes"
            )));
        }
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match name.as_str() {
            "case_code" => form.case_code = value,
            "station" => form.station = value,
            "batch_id" => form.batch_id = value,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown field '{}'; expected file, case_code, station or batch_id",
                    other.chars().take(40).collect::<String>()
                )));
            }
        }
    }
    Ok(form)
}

/// The multipart body of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The scans, one part per file, in scan order, each with a file name
    /// (letters, digits, '.', '-', '_'; unique in the batch; any directory
    /// is dropped). At most `--max-upload-files` (default 500).
    #[schema(value_type = Vec<String>, min_items = 1)]
    file: Vec<Vec<u8>>,
    /// The case the batch belongs to; without it the workers read it from
    /// the intake receipt's QR code or text.
    #[schema(max_length = 200, nullable = false)]
    case_code: Option<String>,
    /// The scanning station; defaults to the token's name.
    #[schema(max_length = 200, nullable = false)]
    station: Option<String>,
    /// Batch id; defaults to one derived from the files' digests.
    #[schema(nullable = false)]
    batch_id: Option<String>,
}

/// The batch is stored in the inbox and queued for digitising.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UploadAccepted {
    /// The batch id given, or `b` + 20 hex digits derived from the files'
    /// SHA-256 digests in order.
    batch_id: String,
    #[schema(pattern = "^queued$")]
    status: &'static str,
    /// Where to ask for the batch's status, /v1/batches/<batch_id>.
    status_url: String,
    /// The files, in scan (upload) order.
    #[schema(min_items = 1)]
    files: Vec<AcceptedFile>,
}

/// One file of an accepted upload.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AcceptedFile {
    /// The file name as sent, without any directory.
    name: String,
    sha256: String,
    #[schema(minimum = 1)]
    bytes: usize,
    /// Pages found in the file.
    pages: usize,
}

#[utoipa::path(
    post,
    path = "/v1/batches",
    operation_id = "uploadBatch",
    tag = "batches",
    summary = "Upload a batch and queue it for digitising",
    description = r#"Roles: `station`, `admin`.

The scans of one batch, in scan order, as `multipart/form-data` parts named `file` (repeated; `files` is accepted too), each with a file name; optionally `case_code`, `station` and `batch_id` text parts. The same as `sohoa submit`: the files are stored write-once under `inbox/<batch_id>/` and a batch message is queued for the workers.

The whole upload is read and every file checked (PDF, TIFF, PNG or JPEG, sniffed from the bytes) before anything is stored: an upload over the limit (default 256 MiB, `--max-upload-bytes`) or with too many files (default 500) gets 413 and nothing is stored.

A role other than `station`/`admin` is refused (403) before the body is read. A unit-scoped token must name a `case_code` of its unit if it names one at all (403 otherwise, after the body is read).

Without `batch_id`, the id is `b` + 20 hex digits of the SHA-256 of the files' digests in order. A batch id names one set of files and one case code: the first upload claims it write-once, before anything is queued. The same files and case code again (a station that lost its answer) get the same 202 and nothing is queued again; other files or another case code under a claimed id get 409 and nothing is stored, even when the two uploads arrive at once. After the batch failed (`GET /v1/batches/{batch_id}` says `failed`), the id may be uploaded again, with a `case_code`, say. Without `station`, the token's name is recorded as the station."#,
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored and queued. `Location` is the status URL.", body = UploadAccepted,
            headers(("Location" = String, description = "/v1/batches/<batch_id>"))),
        (status = 400, description = "`bad_request`: not multipart/form-data; an unreadable multipart body; no file parts; a file part not named `file`; an unknown text field; a text field over 200 bytes; a malformed `case_code` or `batch_id`.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not upload, or the token's unit does not cover `case_code`. The refusal is logged in the access log.", body = ErrorBody),
        (status = 409, description = "`conflict`: the batch id is already claimed for other files or another case code (and the batch has not failed), or a file of this name is already stored under it with other bytes; submit under another batch id. Nothing was stored.", body = ErrorBody),
        (status = 413, description = "`too_large`: the upload exceeds the configured limit (default 256 MiB); `too_many_files`: more files than allowed (default 500). Nothing was stored.", body = ErrorBody),
        (status = 422, description = "`unprocessable`: a file is empty, of an unsupported format or corrupt; a file name cannot be stored; two files have the same name. Nothing was stored (or only files that were already there).", body = ErrorBody),
        (status = 500, description = "`internal`: checking the files failed. The message carries a reference to the server log, no details.", body = ErrorBody),
        (status = 503, description = "`store_unavailable`: the store could not be reached (the token could not be checked, or the data could not be read); `unavailable`: the access log cannot be written, so no data is served. Try again later. Also `unavailable` when the server runs without `--amqp` or the queue cannot be reached: the files may already be stored in the inbox; send the same upload again.", body = ErrorBody),
    )
)]
pub async fn upload(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    if let Err(refused) = caller
        .refuse_role(&state, Permission::Upload, "batch.upload")
        .await
    {
        if let Ok(mp) = mp {
            discard(mp).await;
        }
        return Err(refused);
    }
    let mp = mp.map_err(|e| {
        ApiError::bad_request(format!(
            "send the files as multipart/form-data: {}",
            e.body_text()
        ))
    })?;
    // Each upload is held in memory until it is checked: only so many at once.
    let _permit = state
        .uploads
        .acquire()
        .await
        .map_err(|_| ApiError::unavailable("the server is stopping"))?;
    // Read the whole upload before storing anything: an upload cut short
    // or over the limit leaves nothing behind.
    let form = read_form(mp, &state).await?;
    if form.files.is_empty() {
        return Err(ApiError::bad_request(
            "the upload holds no files (parts named 'file' with a file name)",
        ));
    }
    let case = form
        .case_code
        .as_deref()
        .map(super::cases::parse_case)
        .transpose()?;
    if let Some(b) = &form.batch_id {
        crate::ids::check_batch(b)?;
    }
    let target = Target {
        case_code: case.as_ref().map(|c| c.as_str()),
        target: form.batch_id.as_deref(),
    };
    // A unit-scoped station names the case, so that the worker can hold the
    // receipt to it.
    caller
        .authorize(&state, Permission::Upload, "batch.upload", target, true)
        .await?;
    // Refuse now, before storing anything, if batches cannot be queued.
    state.amqp().await?;
    let originals = check_files(form.files, state.config.limits).await?;
    let request = submit::Request {
        batch_id: form.batch_id,
        case_code: case,
        station: form.station.or_else(|| Some(caller.token.name.clone())),
        by: &caller.token.name,
        covers: &|c| caller.token.covers(c),
        queue_timeout: Some(super::AMQP_TIMEOUT),
    };
    let conn = state.amqp().await?;
    let store = state.store.as_ref();
    let submitted = submit::submit(store, &conn, &state.config.topology, &originals, &request);
    let msg = match submitted.await {
        Ok(s) if s.repeat => return Ok(accepted(&s.message.batch_id, &originals)),
        Ok(s) => s.message,
        Err(e) => {
            if matches!(e, SubmitError::Queue(_)) {
                state.amqp_failed().await;
            }
            return Err(submit_error(e));
        }
    };
    let bytes: u64 = originals.iter().map(|o| o.bytes.len() as u64).sum();
    state.metrics.uploads.inc();
    state.metrics.upload_bytes.inc_by(bytes);
    Ok(accepted(&msg.batch_id, &originals))
}

/// Read and drop what a refused client is sending (for a few seconds at
/// most), so that it gets its answer rather than a connection reset in
/// the middle of its upload.
async fn discard(mut mp: Multipart) {
    let all = async {
        while let Ok(Some(mut field)) = mp.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), all).await;
}

/// Check every file now, while the station can still rescan it (422 names
/// the file that cannot be read).
async fn check_files(
    files: Vec<(String, axum::body::Bytes)>,
    limits: ingest::Limits,
) -> Result<Vec<Original>, ApiError> {
    tokio::task::spawn_blocking(move || {
        let originals = files
            .into_iter()
            .map(|(name, bytes)| {
                let plain = name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                ingest::open_bytes(plain.clone(), plain.into(), Vec::from(bytes), &limits)
            })
            .collect::<Result<Vec<_>, _>>()?;
        ingest::check_batch(&originals, &limits)?;
        Ok::<_, ingest::IngestError>(originals)
    })
    .await
    .map_err(|e| ApiError::internal("checking the files", e))?
    .map_err(|e| ApiError::unprocessable(e.to_string()))
}

/// 202, with where to ask for the batch's status.
fn accepted(batch_id: &str, originals: &[Original]) -> Response {
    let status_url = format!("/v1/batches/{batch_id}");
    let body = UploadAccepted {
        batch_id: batch_id.to_string(),
        status: "queued",
        status_url: status_url.clone(),
        files: originals
            .iter()
            .map(|o| AcceptedFile {
                name: o.name.clone(),
                sha256: o.sha256.clone(),
                bytes: o.bytes.len(),
                pages: o.pages.len(),
            })
            .collect(),
    };
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, status_url)],
        Json(body),
    )
        .into_response()
}

fn submit_error(e: SubmitError) -> ApiError {
    match e {
        SubmitError::BadName(_) | SubmitError::DuplicateName(_) => {
            ApiError::unprocessable(e.to_string())
        }
        SubmitError::InvalidId(e) => e.into(),
        SubmitError::Conflict { .. }
        | SubmitError::Reused(_)
        | SubmitError::Taken(_)
        | SubmitError::NotFailed { .. }
        | SubmitError::InboxMissing { .. } => ApiError::conflict(e.to_string()),
        SubmitError::Store(e) => e.into(),
        SubmitError::Catalog(e) => e.into(),
        SubmitError::Queue(e) => {
            tracing::error!("queueing a batch: {e}");
            ApiError::unavailable(
                "the files are stored but the batch could not be queued; send the same upload again",
            )
        }
    }
}

#[utoipa::path(
    get,
    path = "/v1/batches/{batch_id}",
    operation_id = "getBatchStatus",
    tag = "batches",
    summary = "Where a batch is",
    description = "Roles: `station`, `officer`, `admin`.\n\nAnswered from the store alone, so any instance can answer. A unit-scoped token is refused (403) a digitised batch of a case outside its unit; a queued or failed batch has no known case yet and is shown to any token whose role allows the route.",
    params(BatchPath),
    responses(
        (status = 200, description = "The batch's status.", body = BatchStatus),
        (status = 400, description = "`bad_request`: malformed batch id.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read batch status, or the batch's case is outside the token's unit. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: no batch of this id was ever submitted to this store.", body = ErrorBody),
        (status = 500, description = "`internal`: reading the store failed (on this route a store fault while reading the batch's status is reported as 500, not 503). The message carries a reference to the server log, no details.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn status(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Json<BatchStatus>, ApiError> {
    let id = path(p)?;
    crate::ids::check_batch(&id)?;
    caller
        .refuse_role(&state, Permission::BatchStatus, "batch.read")
        .await?;
    let status = catalog::batches::status(state.store.as_ref(), &id).await?;
    let target = Target {
        case_code: status.as_ref().and_then(|s| s.case_code()),
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::BatchStatus, "batch.read", target, true)
        .await?;
    status.map(Json).ok_or_else(|| {
        ApiError::not_found(format!("no batch '{id}' was ever submitted to this store"))
    })
}
