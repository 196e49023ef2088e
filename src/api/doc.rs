//! The OpenAPI 3.1 document, generated from the handlers and their types.
//!
//! Each handler carries its operation (`#[utoipa::path]`) and each body
//! type derives its schema (`utoipa::ToSchema`); [`super::routes`] registers
//! both at once (utoipa-axum), so a route cannot be served without being
//! documented, nor documented without being served. What the handlers do
//! not say themselves is added here, once, for every operation:
//!
//! - the 401 of every route that takes a token and the 431 of every route
//!   (both come from layers, not from the handlers);
//! - the id and code patterns, from one table ([`PATTERNS`]) whose every
//!   line is checked against the validator the server runs;
//! - `additionalProperties: false` on every object the API sends or takes
//!   (`unevaluatedProperties: false` where an object is composed with
//!   `allOf`), so a client can rely on the shapes being complete.
//!
//! `schemas/openapi.json` is this document as served; a test fails when
//! the file and the code disagree (`sohoa openapi > schemas/openapi.json`
//! writes it anew).

use serde_json::{Value, json};
use std::sync::LazyLock;
use utoipa::OpenApi;

/// Document-level facts: title, description, tags, the bearer scheme.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sohoa API",
        version = "1",
        description = include_str!("openapi.md"),
    ),
    tags(
        (name = "service", description = "Health, metrics and this document; no token needed."),
        (name = "batches", description = "Stations: upload batches and follow them."),
        (name = "cases", description = "Officers and archivists: cases and their documents."),
        (name = "audits", description = "Archivists: fixity audits."),
        (name = "tokens", description = "Admins: bearer tokens."),
    ),
    security(("bearer" = [])),
)]
pub struct Head;

/// Routes that need no token.
pub const PUBLIC: [&str; 3] = ["/healthz", "/metrics", "/v1/openapi.json"];

pub const UNAUTHORIZED: &str = "`unauthorized`: no `Authorization: Bearer <token>` header, or the token is malformed, unknown or revoked. Logged in the access log as `unauthenticated` (the token is never written), at most once a minute per client address; every 401 is counted in `sohoa_api_unauthenticated_total`.";
pub const HEADERS_TOO_LARGE: &str = "`headers_too_large`: the request line and headers exceed 16 KiB. (More than 100 header fields, or a head over hyper's buffer, gets a 431 from the HTTP layer with an empty body.)";
pub const STORE_UNAVAILABLE: &str = "`store_unavailable`: the store could not be reached (the token could not be checked, or the data could not be read); `unavailable`: the access log cannot be written, so no data is served. Try again later.";
pub const BODY_TOO_LARGE: &str = "The body exceeds 64 KiB.";

pub const CASE_CODE: &str = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]{4}$";
pub const BATCH_ID: &str = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$";
pub const DOCUMENT_ID: &str = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$";
pub const AUDIT_ID: &str = r"^a[A-Za-z0-9.-]{1,63}$";
pub const TOKEN_NAME: &str = r"^[A-Za-z0-9._-]{1,64}$";
pub const UNIT: &str = r"^[A-Za-z0-9.]{1,32}$";
pub const SHA256: &str = r"^[0-9a-f]{64}$";

/// Patterns by property or parameter name; `Schema.property` applies to
/// one schema only, a bare name to every schema and parameter.
pub const PATTERNS: &[(&str, &str)] = &[
    ("case_code", CASE_CODE),
    ("batch_id", BATCH_ID),
    ("document_id", DOCUMENT_ID),
    ("DocumentSummary.id", DOCUMENT_ID),
    ("audit_id", AUDIT_ID),
    ("AuditStart.id", AUDIT_ID),
    ("AuditAccepted.id", AUDIT_ID),
    ("name", TOKEN_NAME),
    ("TokenRecord.name", TOKEN_NAME),
    ("TokenCreateRequest.name", TOKEN_NAME),
    ("unit", UNIT),
    ("sha256", SHA256),
    ("expected_sha256", SHA256),
    ("actual_sha256", SHA256),
    ("record_key", r"^cases/.+\.json$"),
    ("token", r"^sohoa_[0-9a-f]{64}$"),
    ("UploadAccepted.status_url", "^/v1/batches/"),
    ("AuditAccepted.status_url", "^/v1/audits/"),
];

/// `{batch_id}` in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct BatchPath {
    /// Batch id: 1-64 letters, digits, '.', '-', '_', not starting with '.'.
    /// Anything else gets 400.
    #[param(example = "b3f1c2a9e0d4b5a6c7d8e")]
    batch_id: String,
}

/// `{case_code}` in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct CasePath {
    /// Case code (TT 01/2018/TT-VPCP): agency code, received date yymmdd
    /// (month 01-12, day 01-31), 4-digit sequence. Anything else gets 400.
    #[param(example = "000.00.13.H04-210628-0001")]
    case_code: String,
}

/// `{case_code}/documents/{document_id}` in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct DocumentPath {
    /// Case code (TT 01/2018/TT-VPCP): agency code, received date yymmdd
    /// (month 01-12, day 01-31), 4-digit sequence. Anything else gets 400.
    #[param(example = "000.00.13.H04-210628-0001")]
    case_code: String,
    /// Document id, `<batch_id>-dNN` (1-80 letters, digits, '.', '-', '_',
    /// not starting with '.'). Anything else gets 400.
    #[param(example = "b3f1c2a9e0d4b5a6c7d8e-d01")]
    document_id: String,
}

/// The `If-None-Match` header of a download.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfNoneMatch {
    /// ETags (comma-separated, strong, as sent in `ETag`); if one is the
    /// object's, the answer is 304 with no body.
    #[param(rename = "If-None-Match", nullable = false)]
    if_none_match: Option<String>,
}

/// `{audit_id}` in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct AuditPath {
    /// Audit id as returned by POST /v1/audits: 'a' then 1-63 letters,
    /// digits, '.' or '-'. Anything else gets 400.
    #[param(example = "a20261128T071502.123456Z-3fa9c1")]
    audit_id: String,
}

/// `{name}` in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct TokenPath {
    /// The token name. A name no active token has gets 404.
    #[param(example = "desk-1")]
    name: String,
}

/// The document as served, generated once.
pub fn document() -> &'static str {
    static DOC: LazyLock<String> = LazyLock::new(|| {
        let (_, api) = super::routes(0).split_for_parts();
        render(api)
    });
    &DOC
}

/// Add what every operation shares, then write it out.
fn render(api: utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(api).unwrap_or_default();
    if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
        // utoipa fills the licence from Cargo.toml, which names none.
        info.remove("license");
    }
    doc["info"]["summary"] = json!(
        "Digitised Vietnamese dossiers: batch upload, cases, documents, fixity audits, tokens."
    );
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sohoa_<64 hex digits>",
            "description": "A token made with `sohoa token add` or POST /v1/tokens."
        }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            shared_responses(path, item);
            download_headers(item);
        }
    }
    set_patterns(&mut doc);
    close_objects(&mut doc);
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// 401 on every route that takes a token, 431 on every route; public
/// routes need no security.
fn shared_responses(path: &str, item: &mut Value) {
    let public = PUBLIC.contains(&path);
    let Some(ops) = item.as_object_mut() else {
        return;
    };
    for (_, op) in ops
        .iter_mut()
        .filter(|(_, op)| op.get("responses").is_some())
    {
        if public {
            op["security"] = json!([]);
        }
        let Some(responses) = op["responses"].as_object_mut() else {
            continue;
        };
        if !public {
            responses.insert("401".into(), error_response(UNAUTHORIZED));
        }
        responses.insert("431".into(), error_response(HEADERS_TOO_LARGE));
        let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        responses.extend(sorted);
    }
}

/// The headers of a download ([`super::download::HEADERS`]) on the 200 of
/// every route that streams a document, and its `ETag` on the 304.
fn download_headers(item: &mut Value) {
    let ops = item
        .as_object_mut()
        .into_iter()
        .flat_map(|o| o.values_mut());
    for op in ops.filter(|op| op.get("responses").is_some()) {
        let id = op["operationId"].as_str().unwrap_or_default();
        if !super::download::OPERATIONS.contains(&id) {
            continue;
        }
        let headers: serde_json::Map<String, Value> = super::download::HEADERS
            .iter()
            .map(|(name, kind, description)| {
                let schema = json!({"type": kind});
                (
                    name.to_string(),
                    json!({"description": description, "schema": schema}),
                )
            })
            .collect();
        let description = op["description"].as_str().unwrap_or_default();
        op["description"] = json!(format!("{description}\n\n{}", super::download::STREAMING));
        if let Some(etag) = headers.get("ETag") {
            op["responses"]["304"]["headers"] = json!({"ETag": etag});
        }
        op["responses"]["200"]["headers"] = Value::Object(headers);
    }
}

fn pattern_for(schema: Option<&str>, name: &str) -> Option<&'static str> {
    let qualified = schema.map(|s| format!("{s}.{name}"));
    PATTERNS
        .iter()
        .find(|(k, _)| qualified.as_deref() == Some(*k))
        .or_else(|| PATTERNS.iter().find(|(k, _)| *k == name))
        .map(|(_, p)| *p)
}

/// Give every string property and parameter named in [`PATTERNS`] its pattern.
fn set_patterns(doc: &mut Value) {
    if let Some(schemas) = at(doc, &["components", "schemas"]).and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            pattern_properties(Some(name), schema);
        }
    }
    for op in operations(doc) {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for param in params {
                let name = param["name"].as_str().unwrap_or_default().to_string();
                if let (Some(p), Some(schema)) = (pattern_for(None, &name), param.get_mut("schema"))
                {
                    schema["pattern"] = json!(p);
                }
            }
        }
        for schema in media_schemas(at(op, &["requestBody", "content"])) {
            pattern_properties(None, schema);
        }
    }
}

/// The value at `path`, if every step is there (indexing a `Value`
/// mutably would insert what is missing).
fn at<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(*k))
}

/// Every operation of every path.
fn operations(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter(|op| op.get("responses").is_some())
}

/// The schemas of a `content` map (media type → {schema}).
fn media_schemas(content: Option<&mut Value>) -> impl Iterator<Item = &mut Value> {
    content
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|c| c.values_mut())
        .filter_map(|m| m.get_mut("schema"))
}

/// Patterns on the string properties of `schema` and of the objects it holds.
fn pattern_properties(schema_name: Option<&str>, schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            if is_string(prop)
                && let Some(p) = pattern_for(schema_name, name)
            {
                prop["pattern"] = json!(p);
            }
            pattern_properties(None, prop);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = schema.get_mut(key).and_then(Value::as_array_mut) {
            parts
                .iter_mut()
                .for_each(|part| pattern_properties(schema_name, part));
        }
    }
    if let Some(items) = schema.get_mut("items") {
        pattern_properties(None, items);
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Close every object schema: `additionalProperties: false`, or
/// `unevaluatedProperties: false` on one composed with `allOf` (whose
/// parts must then stay open).
fn close_objects(doc: &mut Value) {
    let mut open_refs = Vec::new();
    collect_all_of_refs(doc, &mut open_refs);
    if let Some(schemas) = at(doc, &["components", "schemas"]).and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            let open = open_refs.contains(&format!("#/components/schemas/{name}"));
            close(schema, open);
        }
    }
    for op in operations(doc) {
        for schema in media_schemas(at(op, &["requestBody", "content"])) {
            close(schema, false);
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for response in responses.values_mut() {
                for schema in media_schemas(response.get_mut("content")) {
                    close(schema, false);
                }
            }
        }
    }
}

fn collect_all_of_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(parts)) = m.get("allOf") {
                out.extend(
                    parts
                        .iter()
                        .filter_map(|p| p["$ref"].as_str().map(String::from)),
                );
            }
            m.values().for_each(|v| collect_all_of_refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_all_of_refs(v, out)),
        _ => {}
    }
}

fn close(schema: &mut Value, open: bool) {
    let Some(m) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(parts)) = m.get_mut("allOf") {
        parts.iter_mut().for_each(|p| close(p, true));
        if !open {
            m.insert("unevaluatedProperties".into(), Value::Bool(false));
        }
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = m.get_mut(key) {
            parts.iter_mut().for_each(|p| close(p, open));
        }
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        props.values_mut().for_each(|p| close(p, false));
        if !open {
            m.entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
    }
    if let Some(items) = m.get_mut("items") {
        close(items, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings near every rule's edges: lengths, first characters,
    /// separators, dates.
    fn probes() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            "a",
            "A",
            "0",
            ".",
            "-",
            "_",
            "a.",
            ".a",
            "-a",
            "_a",
            "a b",
            "a/b",
            "ä",
            "a1",
            "ab-c.d_e",
            "aX.Y-z",
            "a_b",
            "000.00.13.H04",
            "000.00.13.H04-210628-0001",
            "000.00.13.H04-211328-0001",
            "000.00.13.H04-210632-0001",
            "000.00.13.H04-210600-0001",
            "000.00.13.h04-210628-0001",
            "000.00.13.H04-210628-001",
            "000.00.13.H04-210228-0001 ",
            "G01.00.13.H04-210628-0001",
            "000.00.13.H04-200229-0001",
            "000.00.13.H04-210231-0001",
            "a20261128T071502.123456Z-3fa9c1",
            "b3f1c2a9e0d4b5a6c7d8e-d01",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [31, 32, 33, 63, 64, 65, 79, 80, 81] {
            v.push("a".repeat(n));
            v.push(format!("b{}", "1".repeat(n - 1)));
        }
        v
    }

    fn agree(pattern: &str, validator: impl Fn(&str) -> bool) {
        let re = regex::Regex::new(pattern).unwrap();
        for p in probes() {
            assert_eq!(
                re.is_match(&p),
                validator(&p),
                "pattern {pattern} and the server disagree on {p:?}"
            );
        }
    }

    #[test]
    fn id_patterns_say_what_the_server_accepts() {
        agree(BATCH_ID, |s| crate::ids::check_batch(s).is_ok());
        agree(DOCUMENT_ID, |s| crate::ids::check_document(s).is_ok());
        agree(AUDIT_ID, |s| crate::ids::check_audit(s).is_ok());
        agree(TOKEN_NAME, crate::auth::valid_name);
        agree(UNIT, crate::auth::valid_unit);
    }

    #[test]
    fn the_case_code_pattern_accepts_every_code_the_server_accepts() {
        // The pattern checks the form and the month and day ranges; the
        // server also checks the calendar (31 February), which a pattern
        // cannot say; and it forgives spaces around the code (a pasted
        // code), which it drops. So: every code the server takes, as it
        // keeps it, matches the pattern.
        let re = regex::Regex::new(CASE_CODE).unwrap();
        for p in probes() {
            if let Ok(code) = p.parse::<crate::record::CaseCode>() {
                assert!(re.is_match(code.as_str()), "pattern refuses {p:?}");
            }
        }
        assert!(re.is_match("000.00.13.H04-210628-0001"));
        assert!(!re.is_match("000.00.13.H04-211328-0001"));
    }

    #[test]
    fn every_object_is_closed_and_no_null_leaks_in() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        let text = document();
        assert!(!text.contains(": null"), "a null in the document");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in ["CaseView", "DocumentSummary", "Error", "UploadAccepted"] {
            assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
        }
        for name in ["AuditReport", "TokenInfo"] {
            assert_eq!(schemas[name]["unevaluatedProperties"], false, "{name}");
        }
        // A part of an allOf stays open, or the whole could never validate.
        assert!(schemas["AuditStart"].get("additionalProperties").is_none());
    }
}
