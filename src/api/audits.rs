//! Fixity audits: an archivist starts one over a case or the whole store;
//! it runs in the background, checking every object the records name
//! (the same check and words as `sohoa verify`), and its report is stored
//! write-once as `audits/<id>.json`: the archivist's evidence.
//!
//! Progress lives in the memory of the instance running the audit; the
//! report, once written, is readable from any instance.

use super::cases::{parse_case, path};
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
use serde::Deserialize;
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StartBody {
    case_code: Option<String>,
}

/// `POST /v1/audits`: body `{"case_code": "..."}` or `{}` (or empty) for
/// the whole store.
pub async fn start(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let req: StartBody = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "body must be {{\"case_code\": \"...\"}} or {{}}: {e}"
            ))
        })?
    };
    let case = req.case_code.as_deref().map(parse_case).transpose()?;
    let id = crate::ids::new_audit();
    let target = Target {
        case_code: case.as_ref().map(|c| c.as_str()),
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::Audit, "audit.start", target, true)
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
    let status_url = format!("/v1/audits/{id}");
    let body = serde_json::json!({ "id": id, "status": "running", "status_url": status_url });
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, status_url)],
        Json(body),
    )
        .into_response())
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
            checked,
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

/// `GET /v1/audits/{id}`: progress while running, then the report.
pub async fn get(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path(p)?;
    crate::ids::check_audit(&id)?;
    caller
        .refuse_role(&state, Permission::Audit, "audit.read")
        .await?;
    let store = state.store.as_ref();
    // The report if it is stored, else this instance's progress, else the
    // start marker (the audit runs on another instance).
    let unreadable = |what: &'static str| {
        move |e: crate::catalog::CatalogError| match e {
            crate::catalog::CatalogError::Store(e) => ApiError::from(e),
            e => ApiError::internal(what, e),
        }
    };
    let report = stored::report(store, &id)
        .await
        .map_err(unreadable("reading the audit report"))?;
    let (case, body) = if let Some(report) = report {
        (
            report.start.case_code.clone(),
            serde_json::to_value(&report).unwrap_or_default(),
        )
    } else if let Some(p) = state.audits.get(&id) {
        let unstored = p.unstored.lock().ok().and_then(|u| u.clone());
        let body = match unstored {
            Some(r) => serde_json::to_value(&r).unwrap_or_default(),
            None => {
                let mut body = serde_json::to_value(&p.start).unwrap_or_default();
                body["status"] = "running".into();
                body["progress"] = serde_json::json!({
                    "checked": p.checked.load(Ordering::Relaxed),
                    "total": p.total.load(Ordering::Relaxed),
                });
                body
            }
        };
        (p.start.case_code.clone(), body)
    } else if let Some(start) = stored::start(store, &id)
        .await
        .map_err(unreadable("reading the audit start"))?
    {
        let mut body = serde_json::to_value(&start).unwrap_or_default();
        body["status"] = "running".into();
        body["note"] =
            "running on another API instance (or stopped with it); progress is known there".into();
        (start.case_code, body)
    } else {
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
    let target = Target {
        case_code: case.as_deref(),
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::Audit, "audit.read", target, true)
        .await?;
    Ok(Json(body).into_response())
}
