//! The access log (`/access-log`, admins and archivists): who read what,
//! when, from where, filtered by case, who, action, outcome and day (from
//! today in Vietnam, UTC+07:00, unless asked: the days people type are
//! Vietnam's, as everywhere in sohoa). A unit-scoped reader sees only entries of
//! its unit's cases. Reading the log is itself logged.

use super::layout::{self, Frame, segment};
use super::{Failed, Lang, OrPage, Signed, html};
use crate::api::{ApiError, AppState, Caller, Target};
use crate::auth::Permission;
use crate::catalog::access_log::{self, Entry};
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};
use std::sync::Arc;

/// Entries shown at most (the newest).
const MAX_SHOWN: usize = 500;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Filters {
    case: String,
    who: String,
    action: String,
    outcome: String,
    /// A day, YYYY-MM-DD (from its midnight in Vietnam, UTC+07:00), or an
    /// RFC 3339 time.
    since: String,
}

impl Filters {
    /// Whether an entry passes the filters (`since` is applied by the read).
    fn keep(&self, caller: &Caller, e: &Entry) -> bool {
        let is = |want: &str, have: &str| want.trim().is_empty() || want.trim() == have;
        let reached = match (&caller.token.unit, e.case_code.as_deref()) {
            (None, _) => true,
            (Some(_), Some(c)) => caller.token.covers(c),
            (Some(_), None) => false,
        };
        reached
            && is(&self.case, e.case_code.as_deref().unwrap_or_default())
            && is(&self.who, &e.who)
            && is(&self.action, &e.action)
            && is(&self.outcome, &e.outcome)
    }
}

/// The page for these filters, once the caller is known.
async fn render(
    state: &Arc<AppState>,
    lang: Lang,
    caller: &Caller,
    mut f: Filters,
    raw: &str,
) -> Result<Response, Failed> {
    caller
        .authorize(
            state,
            Permission::ReadAccessLog,
            "access_log.read",
            Target::default(),
            false,
        )
        .await
        .or_page(lang)?;
    if f.since.trim().is_empty() {
        f.since = crate::clock::vietnam_day(time::OffsetDateTime::now_utc());
    }
    let since = crate::clock::parse_since(f.since.trim())
        .map_err(ApiError::bad_request)
        .or_page(lang)?;
    let entries = access_log::read(state.store.as_ref(), None, Some(since))
        .await
        .or_page(lang)?;
    let mut kept: Vec<&Entry> = entries.iter().filter(|e| f.keep(caller, e)).collect();
    kept.reverse();
    let here = if raw.is_empty() {
        "/access-log".to_string()
    } else {
        format!("/access-log?{raw}")
    };
    let frame = Frame {
        lang,
        caller: Some(caller),
        here: &here,
    };
    let body = html! {
        (filters(lang, &f))
        p role="status" { (kept.len()) " " (lang.t("lượt truy cập", "accesses"))
            @if kept.len() > MAX_SHOWN { " · " (lang.t("hiện", "showing")) " " (MAX_SHOWN) } }
        (table(lang, &kept[..kept.len().min(MAX_SHOWN)]))
    };
    Ok(html(layout::page(
        &frame,
        lang.t("Nhật ký truy cập", "Access log"),
        body,
    )))
}

/// `GET /access-log?case=&who=&action=&outcome=&since=`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    lang: Lang,
    Signed { caller, .. }: Signed,
    RawQuery(raw): RawQuery,
    q: Result<Query<Filters>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Failed> {
    let f = q
        .map(|Query(f)| f)
        .map_err(|e| ApiError::bad_request(e.body_text()))
        .or_page(lang)?;
    render(&state, lang, &caller, f, &raw.unwrap_or_default()).await
}

fn filters(l: Lang, f: &Filters) -> Markup {
    let field = |name: &str, label: &str, value: &str| {
        html! { label { (label) input name=(name) value=(value); } }
    };
    html! {
        form.filters method="get" action="/access-log" {
            (field("case", l.t("Mã hồ sơ", "Case code"), &f.case))
            (field("who", l.t("Ai (tên mã truy cập)", "Who (token name)"), &f.who))
            (field("action", l.t("Hành động", "Action"), &f.action))
            (field("outcome", l.t("Kết quả", "Outcome"), &f.outcome))
            (field("since", l.t("Từ ngày (YYYY-MM-DD, giờ Việt Nam, +07:00)", "Since (YYYY-MM-DD, Vietnam time, +07:00)"), &f.since))
            div.actions { button type="submit" { (l.t("Lọc", "Filter")) } }
        }
    }
}

fn table(l: Lang, entries: &[&Entry]) -> Markup {
    html! {
        table.access {
            thead { tr {
                th { (l.t("Lúc", "At")) } th { (l.t("Ai", "Who")) } th { (l.t("Hành động", "Action")) }
                th { (l.t("Kết quả", "Outcome")) } th { (l.t("Hồ sơ · đối tượng", "Case · target")) }
                th { (l.t("Từ", "From")) } th { (l.t("Chi tiết", "Detail")) }
            } }
            tbody { @for e in entries { tr {
                td { (e.at) }
                td { (e.who) " (" (e.role) @if let Some(u) = &e.unit { ", " (u) } ")" }
                td { code { (e.action) } }
                td { (e.outcome) }
                td {
                    @if let Some(c) = &e.case_code { a href=(format!("/cases/{}", segment(c))) { (c) } }
                    @if let Some(t) = &e.target { " · " code { (t) } }
                }
                td { (e.from) }
                td { (e.detail.as_deref().unwrap_or_default()) }
            } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_since_field_says_its_days_are_vietnam_s() {
        let f = Filters {
            since: crate::clock::vietnam_day(time::OffsetDateTime::now_utc()),
            ..Filters::default()
        };
        let vi = filters(Lang::Vi, &f).into_string();
        assert!(vi.contains("giờ Việt Nam, +07:00"), "{vi}");
        let en = filters(Lang::En, &f).into_string();
        assert!(
            en.contains("Vietnam time, +07:00") && !en.contains("UTC"),
            "{en}"
        );
    }
}
