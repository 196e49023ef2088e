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

/// How long one step of reading an upload's body (the next part, a text
/// field whole, a chunk of a file) may wait: past it the upload is given
/// up.
const UPLOAD_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// What the multipart body held. The files are on disk, in a directory
/// of their own that is removed when the form is dropped.
struct Form {
    spool: tempfile::TempDir,
    files: Vec<(String, std::path::PathBuf)>,
    case_code: Option<String>,
    station: Option<String>,
    batch_id: Option<String>,
}

impl Form {
    /// Refuse a form without files or with a malformed case code or batch
    /// id; the case code, parsed.
    fn check(&self) -> Result<Option<crate::record::CaseCode>, ApiError> {
        if self.files.is_empty() {
            return Err(ApiError::bad_request(
                "the upload holds no files (parts named 'file' with a file name)",
            ));
        }
        let case = self.case_code.as_deref();
        let case = case.map(super::cases::parse_case).transpose()?;
        if let Some(b) = &self.batch_id {
            crate::ids::check_batch(b)?;
        }
        Ok(case)
    }
}

/// Receive the whole body, within the upload time limit: files are written
/// to disk as they arrive, never held in one buffer, and no upload slot is
/// held meanwhile, so a client that trickles its bytes keeps no one else
/// waiting.
async fn receive(mp: Multipart, state: &AppState) -> Result<Form, ApiError> {
    let limit = state.config.upload_timeout;
    match tokio::time::timeout(limit, read_form(mp, state)).await {
        Ok(form) => form,
        Err(_) => Err(too_slow(format!(
            "the upload did not arrive within {} s; nothing was stored",
            limit.as_secs()
        ))),
    }
}

fn too_slow(message: String) -> ApiError {
    ApiError::new(StatusCode::REQUEST_TIMEOUT, "too_slow", message)
}

async fn read_form(mut mp: Multipart, state: &AppState) -> Result<Form, ApiError> {
    let spool = match &state.config.upload_spool {
        Some(dir) => tempfile::TempDir::with_prefix_in("sohoa-upload-", dir),
        None => tempfile::TempDir::with_prefix("sohoa-upload-"),
    }
    .map_err(|e| ApiError::internal("making the upload spool directory", e))?;
    let mut form = Form {
        spool,
        files: Vec::new(),
        case_code: None,
        station: None,
        batch_id: None,
    };
    while let Some(field) = idle(mp.next_field(), state).await? {
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
            let path = form.spool.path().join(form.files.len().to_string());
            spool_field(field, &path, state).await?;
            form.files.push((file_name, path));
            continue;
        }
        let value = idle(field.text(), state).await?;
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

/// One step of reading the body (the next part, a text field, a chunk of a
/// file), which may wait no longer than [`UPLOAD_IDLE`] for its bytes.
async fn idle<T>(
    step: impl std::future::Future<Output = Result<T, axum::extract::multipart::MultipartError>>,
    state: &AppState,
) -> Result<T, ApiError> {
    tokio::time::timeout(UPLOAD_IDLE, step)
        .await
        .map_err(|_| {
            too_slow(format!(
                "no bytes of the upload arrived for {} s; nothing was stored",
                UPLOAD_IDLE.as_secs()
            ))
        })?
        .map_err(|e| multipart_err(e, state))
}

/// Write one file part to `path` chunk by chunk as it arrives.
async fn spool_field(
    mut field: axum::extract::multipart::Field<'_>,
    path: &std::path::Path,
    state: &AppState,
) -> Result<(), ApiError> {
    use tokio::io::AsyncWriteExt;
    let disk = |e: std::io::Error| ApiError::internal("writing an upload to the spool", e);
    let mut file = tokio::fs::File::create(path).await.map_err(disk)?;
    while let Some(bytes) = idle(field.chunk(), state).await? {
        file.write_all(&bytes).await.map_err(disk)?;
    }
    file.flush().await.map_err(disk)
}

fn multipart_err(e: axum::extract::multipart::MultipartError, state: &AppState) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let limit = state.config.max_upload_bytes;
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the upload exceeds the limit of {limit} bytes; nothing was stored"),
        )
    } else {
        ApiError::bad_request(format!("unreadable multipart body: {}", e.body_text()))
    }
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

The whole upload is received (written to disk as it arrives) and every file checked (PDF, TIFF, PNG or JPEG, sniffed from the bytes) before anything is stored: an upload over the limit (default 256 MiB, `--max-upload-bytes`) or with too many files (default 500) gets 413, one whose body takes longer than `--upload-timeout` (default 600 s) to arrive, or sends nothing for 60 s, gets 408, and nothing is stored.

A role other than `station`/`admin` is refused (403) before the body is read. A unit-scoped token must name a `case_code` of its unit if it names one at all (403 otherwise, after the body is read).

Without `batch_id`, the id is `b` + 20 hex digits of the SHA-256 of the files' digests in order. A batch id names one set of files and one case code: the first upload claims it write-once, before anything is queued. The same files and case code again (a station that lost its answer) get the same 202 and nothing is queued again; other files or another case code under a claimed id get 409 and nothing is stored, even when the two uploads arrive at once. After the batch failed (`GET /v1/batches/{batch_id}` says `failed`), the id may be uploaded again, with a `case_code`, say. Without `station`, the token's name is recorded as the station."#,
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored and queued. `Location` is the status URL.", body = UploadAccepted,
            headers(("Location" = String, description = "/v1/batches/<batch_id>"))),
        (status = 400, description = "`bad_request`: not multipart/form-data; an unreadable multipart body; no file parts; a file part not named `file`; an unknown text field; a text field over 200 bytes; a malformed `case_code` or `batch_id`.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not upload, or the token's unit does not cover `case_code`. The refusal is logged in the access log.", body = ErrorBody),
        (status = 408, description = "`too_slow`: the body did not arrive within the upload time limit (default 600 s), or no byte of it came for 60 s. Nothing was stored.", body = ErrorBody),
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
    // Receive the whole upload (on disk) before storing anything: an upload
    // cut short, too slow or over the limit leaves nothing behind.
    let form = receive(mp, &state).await?;
    let case = form.check()?;
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
    // Checking and storing hold the files in memory: only so many at once.
    let _permit = state
        .uploads
        .acquire()
        .await
        .map_err(|_| ApiError::unavailable("the server is stopping"))?;
    let originals = check_files(form.files, state.config.limits).await?;
    drop(form.spool);
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
    files: Vec<(String, std::path::PathBuf)>,
    limits: ingest::Limits,
) -> Result<Vec<Original>, ApiError> {
    let checked = tokio::task::spawn_blocking(move || {
        let mut originals = Vec::with_capacity(files.len());
        for (name, path) in files {
            let plain = name.rsplit(['/', '\\']).next().unwrap_or_default();
            let bytes = std::fs::read(&path).map_err(Spool)?;
            let original = ingest::open_bytes(plain.to_string(), plain.into(), bytes, &limits);
            originals.push(original.map_err(Unreadable)?);
        }
        ingest::check_batch(&originals, &limits).map_err(Unreadable)?;
        Ok(originals)
    })
    .await
    .map_err(|e| ApiError::internal("checking the files", e))?;
    checked.map_err(|e| match e {
        Spool(e) => ApiError::internal("reading an upload back from the spool", e),
        Unreadable(e) => ApiError::unprocessable(e.to_string()),
    })
}

/// Why an upload's files could not be checked: the server's disk, or the files.
enum CheckError {
    Spool(std::io::Error),
    Unreadable(ingest::IngestError),
}
use CheckError::{Spool, Unreadable};

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
