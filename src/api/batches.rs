//! Stations' routes: upload a batch (stored in the inbox and queued exactly
//! as `sohoa submit` does), and ask where it is.

use super::cases::path;
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

/// `POST /v1/batches`.
pub async fn upload(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    caller
        .refuse_role(&state, Permission::Upload, "batch.upload")
        .await?;
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
    let originals = check_files(form.files).await?;
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
    let msg = match submit::submit(store, &conn, &state.config.topology, &originals, &request).await
    {
        Ok(msg) => msg,
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

/// Check every file now, while the station can still rescan it (422 names
/// the file that cannot be read).
async fn check_files(files: Vec<(String, axum::body::Bytes)>) -> Result<Vec<Original>, ApiError> {
    tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|(name, bytes)| {
                let plain = name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                ingest::open_bytes(plain.clone(), plain.into(), Vec::from(bytes))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ApiError::internal("checking the files", e))?
    .map_err(|e| ApiError::unprocessable(e.to_string()))
}

/// 202, with where to ask for the batch's status.
fn accepted(batch_id: &str, originals: &[Original]) -> Response {
    let status_url = format!("/v1/batches/{batch_id}");
    let body = serde_json::json!({
        "batch_id": batch_id,
        "status": "queued",
        "status_url": status_url,
        "files": originals.iter().map(|o| serde_json::json!({
            "name": o.name, "sha256": o.sha256, "bytes": o.bytes.len(), "pages": o.pages.len(),
        })).collect::<Vec<_>>(),
    });
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
        SubmitError::Conflict { .. } | SubmitError::Reused(_) => ApiError::conflict(e.to_string()),
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

/// `GET /v1/batches/{batch_id}`.
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
