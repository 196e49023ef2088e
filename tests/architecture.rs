//! The boundaries ARCHITECTURE.md promises, checked on the source itself:
//! each test reads the crate's files and fails, naming the file and line,
//! when a module reaches across a boundary it must not cross.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (relative to the repository), with its
/// text up to its unit tests (`#[cfg(test)]`): tests may spell keys out.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), code));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// Lines of code (not comments) containing `needle`, as `file:line: text`.
fn find(files: &[(PathBuf, String)], needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, code) in files {
        for (n, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            if line.contains(needle) {
                hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

fn all_code() -> Vec<(PathBuf, String)> {
    let mut v = sources("src");
    v.extend(sources("worker/src"));
    v
}

fn outside(files: &[(PathBuf, String)], dir: &str) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .filter(|(p, _)| !p.starts_with(dir))
        .cloned()
        .collect()
}

#[test]
fn only_the_keys_module_spells_out_a_key() {
    let files = outside(&all_code(), "src/keys.rs");
    let mut hits = Vec::new();
    for prefix in [
        "\"originals/",
        "\"documents/",
        "\"text/{",
        "\"cases/",
        "\"batches/",
        "\"inbox/",
        "\"submissions/",
        "\"failures/",
        "\"announced/",
        "\"audits/",
        "\"access-log/",
        "\"auth/",
        "\"amendments/",
        "\"log/",
    ] {
        hits.extend(find(&files, prefix));
    }
    assert!(
        hits.is_empty(),
        "keys built outside src/keys.rs:\n{}",
        hits.join("\n")
    );
}

#[test]
fn only_the_catalog_writes_records_failures_audits_and_the_access_log() {
    let files = outside(&all_code(), "src/catalog");
    let mut hits = Vec::new();
    for key in [
        "keys::record(",
        "keys::batch_index(",
        "keys::claim(",
        "keys::claims_prefix(",
        "keys::submission(",
        "keys::failure(",
        "keys::announced(",
        "keys::audit_report(",
        "keys::audit_started(",
        "keys::access_entry(",
        "keys::amendment(",
        "keys::reattached(",
        "keys::derived_pdf(",
        "keys::derived_text(",
    ] {
        hits.extend(find(&files, key));
    }
    assert!(
        hits.is_empty(),
        "catalog keys used outside src/catalog:\n{}",
        hits.join("\n")
    );
}

#[test]
fn only_the_log_module_writes_the_transparency_log() {
    let files = outside(&all_code(), "src/catalog/log.rs");
    let mut hits = Vec::new();
    for key in [
        "keys::log_pending(",
        "keys::log_logged(",
        "keys::log_step(",
        "keys::log_checkpoint(",
        "keys::log_tile(",
        "keys::log_bundle(",
    ] {
        hits.extend(find(&files, key));
    }
    assert!(
        hits.is_empty(),
        "log keys used outside src/catalog/log.rs:\n{}",
        hits.join("\n")
    );
}

#[test]
fn stores_know_bytes_and_keys_only() {
    let files = sources("src/store");
    let mut hits = find(&files, "serde_json");
    hits.extend(find(&files, "crate::record"));
    hits.extend(find(&files, "crate::catalog"));
    assert!(
        hits.is_empty(),
        "a store parses what it holds:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_pipeline_never_talks_amqp() {
    let files = sources("src/pipeline");
    let mut hits = find(&files, "lapin");
    hits.extend(find(&files, "crate::queue"));
    hits.extend(find(&files, "crate::api"));
    assert!(
        hits.is_empty(),
        "the pipeline reaches the broker or the API:\n{}",
        hits.join("\n")
    );
}

#[test]
fn only_the_index_speaks_sql_and_it_never_writes_to_the_store() {
    let outside_index = outside(&all_code(), "src/index");
    let hits = find(&outside_index, "tokio_postgres");
    assert!(
        hits.is_empty(),
        "SQL outside src/index:\n{}",
        hits.join("\n")
    );
    let index = sources("src/index");
    let mut hits = find(&index, "put_if_absent");
    hits.extend(find(&index, "catalog::records::store_record"));
    hits.extend(find(&index, "Store::put"));
    assert!(
        hits.is_empty(),
        "the index writes to the store it is derived from:\n{}",
        hits.join("\n")
    );
}

#[test]
fn records_are_plain_data_that_import_nothing_of_the_crate() {
    let hits = find(&sources("src/record"), "crate::");
    assert!(
        hits.is_empty(),
        "src/record imports the crate:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_command_line_calls_only_the_api_s_public_entry() {
    let mut files = sources("src/cli");
    files.extend(
        sources("src")
            .into_iter()
            .filter(|(p, _)| p.ends_with("main.rs")),
    );
    let hits: Vec<String> = find(&files, "sohoa::api::")
        .into_iter()
        .filter(|h| {
            let after = &h[h.find("sohoa::api::").unwrap() + "sohoa::api::".len()..];
            // Types and functions of `api` itself (capitalised types, `serve`)
            // are its entry; a lower-case module path reaches inside.
            !(after.starts_with(|c: char| c.is_ascii_uppercase())
                || after.starts_with("serve(")
                || after.starts_with("openapi_document("))
        })
        .collect();
    assert!(
        hits.is_empty(),
        "the CLI reaches into the API:\n{}",
        hits.join("\n")
    );
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for (path, code) in all_code() {
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let indent = &line[..line.len() - t.len()];
            let is_fn = [
                "fn ",
                "pub fn ",
                "async fn ",
                "pub async fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "pub(crate) async fn ",
                "pub(super) async fn ",
            ]
            .iter()
            .any(|p| t.starts_with(p));
            if !is_fn || t.ends_with(';') {
                continue;
            }
            // rustfmt closes a function at the indentation it opened with.
            let close = format!("{indent}}}");
            if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
                let len = end + 2;
                if len > 80 {
                    long.push(format!("{}:{}: {len} lines", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over 80 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn routes_are_registered_only_with_their_documentation() {
    // `routes!(handler)` (utoipa-axum) serves a handler and adds its
    // `#[utoipa::path]` to the document in one step; a plain axum
    // `.route(...)` would serve a path the document does not know.
    let api = sources("src/api");
    let mut plain = find(&api, ".route(");
    plain.extend(find(&api, ".nest("));
    plain.extend(find(&api, ".route_service("));
    assert!(
        plain.is_empty(),
        "routes registered without documentation:\n{}",
        plain.join("\n")
    );
    // And the documented ones are there.
    assert!(find(&api, ".routes(routes!(").len() >= 12);
}

#[test]
fn the_openapi_file_is_the_generated_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::read_to_string(root.join("schemas/openapi.json")).unwrap();
    assert!(
        file == sohoa::api::openapi_document(),
        "schemas/openapi.json differs from the document the code generates; \
         if the change is meant, run `cargo run -- openapi > schemas/openapi.json`"
    );
}
