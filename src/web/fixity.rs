//! Fixity, for archivists (`/fixity`): the last audit of each case and of
//! the whole store with its status, date and the objects that failed; the
//! audits still running; the stored reports; and a button that starts an
//! audit (the API's `audits::begin`: same roles, unit and access log).
//! A unit-scoped archivist sees only audits of its unit's cases.

use super::layout::{Frame, page, segment};
use super::{Failed, Lang, OrPage, Signed, html};
use crate::api::audits::{AuditStatus, begin, find};
use crate::api::cases::parse_case;
use crate::api::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::audits::{self as stored, AuditReport, AuditStart};
use crate::fixity::Status;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Stored reports listed at most.
const MAX_LISTED: usize = 100;

fn audit_link(id: &str) -> String {
    format!("/fixity/audits/{}", segment(id))
}

/// Whether the caller's unit reaches an audit of this case (of the whole
/// store: only a caller without a unit).
fn reaches(caller: &Caller, case: Option<&str>) -> bool {
    match case {
        Some(c) => caller.token.covers(c),
        None => caller.token.unit.is_none(),
    }
}

/// Did the audit find every object as recorded?
fn intact(r: &AuditReport) -> bool {
    r.status == "complete"
        && r.mismatched + r.missing + r.unreadable == 0
        && r.unreadable_records.is_empty()
}

/// `GET /fixity`.
pub async fn overview(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
) -> Result<Response, Failed> {
    caller
        .authorize(
            &state,
            Permission::Audit,
            "audit.list",
            Target::default(),
            false,
        )
        .await
        .or_page(lang)?;
    let (mut reports, mut running) = stored::list(state.store.as_ref()).await.or_page(lang)?;
    reports.retain(|r| reaches(&caller, r.start.case_code.as_deref()));
    running.retain(|s| reaches(&caller, s.case_code.as_deref()));
    // Newest first, so the first of each scope is its last audit.
    let mut last: BTreeMap<Option<&str>, &AuditReport> = BTreeMap::new();
    for r in &reports {
        last.entry(r.start.case_code.as_deref()).or_insert(r);
    }
    let frame = Frame {
        lang,
        caller: Some(&caller),
        here: "/fixity",
    };
    let l = lang;
    let body = html! {
        (start_form(l))
        h2 { (l.t("Lần kiểm tra gần nhất", "Last audit")) }
        (report_table(l, last.values().copied()))
        @if !running.is_empty() {
            h2 { (l.t("Đang chạy", "Running")) }
            (running_list(l, &running))
        }
        h2 { (l.t("Các báo cáo đã lưu", "Stored reports")) }
        (report_table(l, reports.iter().take(MAX_LISTED)))
    };
    Ok(html(page(&frame, l.t("Kiểm tra toàn vẹn", "Fixity"), body)))
}

fn start_form(l: Lang) -> Markup {
    html! {
        form.filters method="post" action="/fixity/audits" {
            label { (l.t("Mã hồ sơ (để trống: cả kho)", "Case code (empty: the whole store)"))
                input name="case_code" placeholder="000.00.13.H04-210628-0001";
            }
            div.actions { button type="submit" { (l.t("Bắt đầu kiểm tra", "Start an audit")) } }
        }
    }
}

fn scope(l: Lang, case: Option<&str>) -> Markup {
    html! {
        @match case {
            Some(c) => a href=(format!("/cases/{}", segment(c))) { (c) },
            None => em { (l.t("cả kho", "whole store")) },
        }
    }
}

fn verdict(l: Lang, r: &AuditReport) -> Markup {
    html! {
        @if intact(r) { span.ok { (l.t("nguyên vẹn", "intact")) } }
        @else if r.status != "complete" { span.bad { (l.t("chưa xong", "incomplete")) } }
        @else { span.bad { (l.t("CÓ LỖI", "FAILED")) } }
    }
}

fn report_table<'a>(l: Lang, reports: impl Iterator<Item = &'a AuditReport>) -> Markup {
    html! {
        table.audits {
            thead { tr {
                th { (l.t("Phạm vi", "Scope")) } th { (l.t("Kết quả", "Status")) }
                th { (l.t("Xong lúc", "Finished")) } th { (l.t("Đối tượng", "Objects")) }
                th { (l.t("Đối tượng lỗi", "Failed objects")) } th { (l.t("Báo cáo", "Report")) }
            } }
            tbody { @for r in reports { tr {
                td { (scope(l, r.start.case_code.as_deref())) }
                td { (verdict(l, r)) }
                td { (r.finished_at) }
                td.num { (r.ok) " / " (r.objects) }
                td { (failed_objects(r)) }
                td { a href=(audit_link(&r.start.id)) { code { (r.start.id) } } }
            } } }
        }
    }
}

fn failed_objects(r: &AuditReport) -> Markup {
    html! {
        @for c in r.checked.iter().filter(|c| c.status != Status::Ok) {
            code { (c.key) } " (" (format!("{:?}", c.status).to_lowercase()) ")" br;
        }
        @for k in &r.unreadable_records { code { (k) } br; }
        @if let Some(e) = &r.error { (e) }
    }
}

fn running_list(l: Lang, running: &[AuditStart]) -> Markup {
    html! {
        ul { @for s in running { li {
            a href=(audit_link(&s.id)) { code { (s.id) } } " · "
            (scope(l, s.case_code.as_deref())) " · " (s.started_by.name) " · " (s.started_at)
        } } }
    }
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    case_code: String,
}

/// `POST /fixity/audits`: start one, then show it.
pub async fn start(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Form(f): Form<StartForm>,
) -> Result<Response, Failed> {
    let case = f.case_code.trim();
    let case = (!case.is_empty())
        .then(|| parse_case(case))
        .transpose()
        .or_page(lang)?;
    let id = begin(&caller, &state, case).await.or_page(lang)?;
    Ok(Redirect::to(&audit_link(&id)).into_response())
}

/// `GET /fixity/audits/{id}`: progress (the page reloads itself every two
/// seconds, without script), then the report.
pub async fn audit(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    Path(id): Path<String>,
) -> Result<Response, Failed> {
    crate::ids::check_audit(&id).or_page(lang)?;
    caller
        .refuse_role(&state, Permission::Audit, "audit.read")
        .await
        .or_page(lang)?;
    let found = find(&state, &id).await.or_page(lang)?;
    let case = match &found {
        Some(AuditStatus::Running(r)) => r.start.case_code.clone(),
        Some(AuditStatus::Finished(r)) => r.start.case_code.clone(),
        None => None,
    };
    let target = Target {
        case_code: case.as_deref(),
        target: Some(&id),
    };
    caller
        .authorize(&state, Permission::Audit, "audit.read", target, true)
        .await
        .or_page(lang)?;
    let status = found
        .ok_or_else(|| ApiError::not_found(format!("no audit '{id}'")))
        .or_page(lang)?;
    let here = audit_link(&id);
    let frame = Frame {
        lang,
        caller: Some(&caller),
        here: &here,
    };
    let title = format!("{} {id}", lang.t("Kiểm tra", "Audit"));
    Ok(html(page(&frame, &title, audit_body(lang, &status))))
}

fn audit_body(l: Lang, status: &AuditStatus) -> Markup {
    match status {
        AuditStatus::Running(r) => html! {
            meta http-equiv="refresh" content="2";
            p role="status" {
                (l.t("Đang kiểm tra", "Running")) " · " (scope(l, r.start.case_code.as_deref()))
                @if let Some(p) = &r.progress { " · " (p.checked) " / " (p.total) }
            }
        },
        AuditStatus::Finished(r) => html! {
            p role="status" { (verdict(l, r)) " · " (scope(l, r.start.case_code.as_deref())) }
            table { tbody {
                tr { th { (l.t("Người chạy", "Started by")) } td { (r.start.started_by.name) } }
                tr { th { (l.t("Bắt đầu", "Started")) } td { (r.start.started_at) } }
                tr { th { (l.t("Xong lúc", "Finished")) } td { (r.finished_at) } }
                tr { th { (l.t("Kho", "Store")) } td { code { (r.start.store) } } }
                tr { th { (l.t("Bản ghi lô", "Batch records")) } td.num { (r.records) } }
                tr { th { (l.t("Khớp / đối tượng", "Matching / objects")) } td.num { (r.ok) " / " (r.objects) } }
                tr { th { (l.t("Sai mã băm", "Mismatched")) } td.num { (r.mismatched) } }
                tr { th { (l.t("Thiếu", "Missing")) } td.num { (r.missing) } }
                tr { th { (l.t("Không đọc được", "Unreadable")) } td.num { (r.unreadable) } }
            } }
            h2 { (l.t("Đối tượng lỗi", "Failed objects")) }
            p { (failed_objects(r)) }
            p { a href="/fixity" { "← " (l.t("Kiểm tra toàn vẹn", "Fixity")) } }
        },
    }
}
