//! Fixity audits: an archivist starts one over a case or the whole store;
//! it runs in the background, checking every object the records name
//! (the same check and words as `sohoa verify`), and its report is stored
//! write-once as `audits/<id>.json`: the archivist's evidence.
//!
//! Progress lives in the memory of the instance running the audit; the
//! report, once written, is readable from any instance.

use super::cases::{parse_case, path};
use super::doc::{AuditPath, BODY_TOO_LARGE, STORE_UNAVAILABLE};
use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::audits::{self as stored, AUDIT_SCHEMA, AuditReport, AuditStart, Who};
use crate::fixity;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Audits one server runs at once.
pub const MAX_RUNNING: usize = 4;

struct Progress {
    start: AuditStart,
    checked: AtomicUsize,
    total: AtomicUsize,
    /// Set when the report could not be stored: served from memory.
    unstored: Mutex<Option<AuditReport>>,
}

/// The audits running on this instance.
#[derive(Default)]
pub struct Running(Mutex<HashMap<String, Arc<Progress>>>);

impl Running {
    pub fn count(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }
    fn get(&self, id: &str) -> Option<Arc<Progress>> {
        self.0.lock().ok().and_then(|m| m.get(id).cloned())
    }
    fn insert(&self, p: Arc<Progress>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(p.start.id.clone(), p);
        }
    }
    fn remove(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(id);
        }
    }
}

/// An empty body, `{}`, or one case.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditStartRequest {
    /// The case to audit; absent or null for the whole store (not allowed
    /// for a unit-scoped token).
    case_code: Option<String>,
}

/// The audit runs in the background.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditAccepted {
    id: String,
    #[schema(pattern = "^running$")]
    status: &'static str,
    /// Where to read its progress and then its report, /v1/audits/<id>.
    status_url: String,
}

/// An audit not yet finished. With `progress` when asked of the instance
/// running it; with `note` when it was started on another instance (or
/// that instance stopped).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditRunning {
    #[schema(pattern = "^running$")]
    status: &'static str,
    #[serde(flatten)]
    pub(crate) start: AuditStart,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub(crate) progress: Option<AuditProgress>,
    /// Why no progress is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    note: Option<&'static str>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditProgress {
    /// Objects checked so far.
    pub(crate) checked: usize,
    /// Objects to check (0 until the records are read).
    pub(crate) total: usize,
}

/// Running (`status` `running`) or finished (`complete` or `incomplete`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
// A finished report is larger than a running note; one lives per answer.
#[allow(clippy::large_enum_variant)]
pub enum AuditStatus {
    Running(AuditRunning),
    Finished(AuditReport),
}

#[utoipa::path(
    post,
    path = "/v1/audits",
    operation_id = "startAudit",
    tag = "audits",
    summary = "Start a fixity audit",
    description = r#"Roles: `archivist`, `admin`. A unit-scoped token must name a case of its unit.

Recomputes the SHA-256 of every object the batch records name (of one case, or of the whole store) and compares it with the record, like `sohoa verify`. The audit runs in the background on this instance; its start is stored at once (`audits/started/<id>.json`) and its report, when done, write-once at `audits/<id>.json`. The body is optional: empty, `{}`, or `{"case_code": ...}`."#,
    request_body(content = Option<AuditStartRequest>, content_type = "application/json"),
    responses(
        (status = 202, description = "Started. `Location` is the audit's URL.", body = AuditAccepted,
            headers(("Location" = String, description = "/v1/audits/<id>"))),
        (status = 400, description = "`bad_request`: the body is not JSON of the expected shape (unknown fields are refused), or the case code is malformed.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not run audits, or the token has a unit and the case is outside it or none is named. The refusal is logged in the access log.", body = ErrorBody),
        (status = 413, description = BODY_TOO_LARGE, body = ErrorBody),
        (status = 429, description = "4 audits are already running on this server (`busy`); try again when one ends.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn start(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let req: AuditStartRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AuditStartRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "body must be {{\"case_code\": \"...\"}} or {{}}: {e}"
            ))
        })?
    };
    let case = req.case_code.as_deref().map(parse_case).transpose()?;
    let id = begin(&caller, &state, case).await?;
    let status_url = format!("/v1/audits/{id}");
    let body = AuditAccepted {
        id,
        status: "running",
        status_url: status_url.clone(),
    };
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, status_url)],
        Json(body),
    )
        .into_response())
}

/// Authorise, log and start an audit of one case or of the whole store
/// in the background: the one way the API and the web page start one.
/// Returns its id.
pub(crate) async fn begin(
    caller: &Caller,
    state: &Arc<AppState>,
    case: Option<crate::record::CaseCode>,
) -> Result<String, ApiError> {
    let id = crate::ids::new_audit();
    let target = Target {
        case_code: case.as_ref().map(|c| c.as_str()),
        target: Some(&id),
    };
    caller
        .authorize(state, Permission::Audit, "audit.start", target, true)
        .await?;
    if state.audits.count() >= MAX_RUNNING {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            format!(
                "{MAX_RUNNING} audits are already running on this server; start this one when one ends"
            ),
        ));
    }
    let start = AuditStart {
        id: id.clone(),
        case_code: case.map(|c| c.to_string()),
        started_by: Who {
            name: caller.token.name.clone(),
            role: caller.token.role,
        },
        started_at: crate::clock::now_rfc3339(),
        store: state.store.describe(),
    };
    stored::record_start(state.store.as_ref(), &start).await?;
    let progress = Arc::new(Progress {
        start: start.clone(),
        checked: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
        unstored: Mutex::new(None),
    });
    state.audits.insert(progress.clone());
    state.metrics.audits_started.inc();
    tokio::spawn(run(state.clone(), progress));
    Ok(id)
}

/// An object check as the report shows it: the store's own error for an
/// object it could not return goes to the server log, under a reference
/// the report gives (an archivist's report never carries the store's
/// internals or a server's error body).
fn without_internals(mut c: fixity::ObjectCheck) -> fixity::ObjectCheck {
    if let Some(e) = c.error.take() {
        let reference = super::random_hex(6);
        tracing::error!(reference = %reference, key = %c.key, "audit: the store could not return an object: {e}");
        c.error = Some(format!(
            "the store could not return it (reference {reference} in the server log)"
        ));
    }
    c
}

/// Run the audit, then store its report (retrying while the store is down).
async fn run(state: Arc<AppState>, p: Arc<Progress>) {
    let on_progress = {
        let p = p.clone();
        move |done: usize, total: usize| {
            p.checked.store(done, Ordering::Relaxed);
            p.total.store(total, Ordering::Relaxed);
        }
    };
    let result = fixity::check(
        state.store.as_ref(),
        p.start.case_code.as_deref(),
        &state.config.anchors,
        &on_progress,
    )
    .await;
    let finished_at = crate::clock::now_rfc3339();
    let report = match result {
        Ok((r, checked)) => AuditReport {
            schema: AUDIT_SCHEMA.into(),
            status: "complete".into(),
            error: None,
            start: p.start.clone(),
            finished_at,
            records: r.records,
            objects: r.objects,
            ok: r.ok,
            mismatched: r.mismatched,
            missing: r.missing,
            unreadable: r.unreadable,
            unreadable_records: r.unreadable_records,
            checked: checked.into_iter().map(without_internals).collect(),
            log: r.log,
        },
        Err(e) => {
            tracing::error!(audit = %p.start.id, "audit stopped: {e}");
            AuditReport {
                schema: AUDIT_SCHEMA.into(),
                status: "incomplete".into(),
                error: Some(format!(
                    "the store failed after {} of {} objects; start a new audit",
                    p.checked.load(Ordering::Relaxed),
                    p.total.load(Ordering::Relaxed)
                )),
                start: p.start.clone(),
                finished_at,
                records: 0,
                objects: 0,
                ok: 0,
                mismatched: 0,
                missing: 0,
                unreadable: 0,
                unreadable_records: Vec::new(),
                checked: Vec::new(),
                log: None,
            }
        }
    };
    tracing::info!(
        audit = %p.start.id, ok = report.ok, mismatched = report.mismatched, missing = report.missing,
        "audit finished"
    );
    for attempt in 0..8u32 {
        match stored::record_report(state.store.as_ref(), &report).await {
            Ok(_) => {
                state.audits.remove(&p.start.id);
                return;
            }
            Err(e) => {
                tracing::warn!(audit = %p.start.id, "cannot store the report yet: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1 << attempt.min(5))).await;
            }
        }
    }
    tracing::error!(audit = %p.start.id, "the report could not be stored; it is kept in memory only");
    if let Ok(mut u) = p.unstored.lock() {
        *u = Some(report);
    }
}

#[utoipa::path(
    get,
    path = "/v1/audits/{audit_id}",
    operation_id = "getAudit",
    tag = "audits",
    summary = "An audit's progress, then its report",
    description = "Roles: `archivist`, `admin`. A unit-scoped token may read only audits of a case of its unit.\n\nThe stored report once there is one (any instance). Before that: the progress, from the instance running it; from another instance, the start and a `note`. A report that could not be stored is served from the running instance's memory.",
    params(AuditPath),
    responses(
        (status = 200, description = "Running (`status` `running`) or finished (`complete` or `incomplete`).", body = AuditStatus),
        (status = 400, description = "`bad_request`: not an audit id.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not read audits, or the token has a unit and the audit covers another case or the whole store. The refusal is logged in the access log.", body = ErrorBody),
        (status = 404, description = "`not_found`: no audit of this id.", body = ErrorBody),
        (status = 500, description = "`internal`: the stored report or start could not be read. The message carries a reference to the server log, no details.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn get(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Json<AuditStatus>, ApiError> {
    let id = path(p)?;
    crate::ids::check_audit(&id)?;
    caller
        .refuse_role(&state, Permission::Audit, "audit.read")
        .await?;
    let Some(status) = find(&state, &id).await? else {
        caller
            .authorize(
                &state,
                Permission::Audit,
                "audit.read",
                Target {
                    case_code: None,
                    target: Some(&id),
                },
                true,
            )
            .await?;
        return Err(ApiError::not_found(format!("no audit '{id}'")));
    };
    let case = match &status {
        AuditStatus::Running(r) => r.start.case_code.as_deref(),
        AuditStatus::Finished(r) => r.start.case_code.as_deref(),
    };
    let target = Target {
        case_code: case,
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::Audit, "audit.read", target, true)
        .await?;
    Ok(Json(status))
}

/// The report if it is stored, else this instance's progress, else the
/// start marker (the audit runs on another instance).
pub(crate) async fn find(state: &AppState, id: &str) -> Result<Option<AuditStatus>, ApiError> {
    let store = state.store.as_ref();
    let unreadable = |what: &'static str| {
        move |e: crate::catalog::CatalogError| match e {
            crate::catalog::CatalogError::Store(e) => ApiError::from(e),
            e => ApiError::internal(what, e),
        }
    };
    if let Some(report) = stored::report(store, id)
        .await
        .map_err(unreadable("reading the audit report"))?
    {
        return Ok(Some(AuditStatus::Finished(report)));
    }
    if let Some(p) = state.audits.get(id) {
        let unstored = p.unstored.lock().ok().and_then(|u| u.clone());
        return Ok(Some(match unstored {
            Some(r) => AuditStatus::Finished(r),
            None => AuditStatus::Running(AuditRunning {
                status: "running",
                start: p.start.clone(),
                progress: Some(AuditProgress {
                    checked: p.checked.load(Ordering::Relaxed),
                    total: p.total.load(Ordering::Relaxed),
                }),
                note: None,
            }),
        }));
    }
    let start = stored::start(store, id)
        .await
        .map_err(unreadable("reading the audit start"))?;
    Ok(start.map(|start| {
        AuditStatus::Running(AuditRunning {
            status: "running",
            start,
            progress: None,
            note: Some(
                "running on another API instance (or stopped with it); progress is known there",
            ),
        })
    }))
}
