//! Reading the store: `sohoa case`, `get`, `verify` and `access-log`.

use super::args::StoreArg;
use super::{Failure, env_err, exit, open_store, parse_case, print_json, rejected};
use sha2::{Digest, Sha256};
use sohoa::catalog::{access_log, records};
use sohoa::fixity;
use std::path::PathBuf;

/// List a case's documents across all its batches.
pub async fn case(case_code: &str, store: &StoreArg, json: bool) -> Result<u8, Failure> {
    let code = parse_case(case_code)?;
    let store = open_store(&store.store, &store.lock).await?;
    let view = records::case_view(store.as_ref(), &code)
        .await
        .map_err(env_err)?
        .ok_or_else(|| {
            (
                exit::NOT_FOUND,
                format!("no records for case {code} in {}", store.describe()),
            )
        })?;
    if json {
        print_json(&view)?;
        return Ok(exit::OK);
    }
    println!("case {code}");
    for b in &view.batches {
        let docs: Vec<_> = view
            .documents
            .iter()
            .filter(|d| d.batch_id == b.batch_id)
            .collect();
        println!(
            "  batch {} ({}), {} documents, record {}{}",
            b.batch_id,
            b.finished_at,
            docs.len(),
            b.record_key,
            b.reattached_from
                .as_ref()
                .map(|c| format!(" (re-attached from {c})"))
                .unwrap_or_default()
        );
        for d in docs {
            println!(
                "    {:<22} {:<32} {:>2} p  conf {:.2}{}  {}",
                d.id,
                d.doc_type,
                d.pages,
                d.confidence,
                if d.needs_review { "  NEEDS REVIEW" } else { "" },
                d.pdf.key
            );
            if !d.corrected.is_empty() {
                let fields: Vec<String> = d
                    .corrected
                    .iter()
                    .filter_map(|c| c.strip_prefix("fields."))
                    .map(|f| format!("{f}={}", d.fields.get(f).map_or("(none)", |v| v)))
                    .collect();
                println!(
                    "      corrected: {}{}",
                    d.corrected.join(", "),
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", fields.join("; "))
                    }
                );
            }
        }
    }
    Ok(exit::OK)
}

/// Write a document's PDF (or text), checking its hash on the way out.
pub async fn get(
    case_code: &str,
    document_id: &str,
    output: Option<PathBuf>,
    text: bool,
    store: &StoreArg,
) -> Result<u8, Failure> {
    let code = parse_case(case_code)?;
    let store = open_store(&store.store, &store.lock).await?;
    let (_, doc) = records::find_document(store.as_ref(), &code, document_id)
        .await
        .map_err(env_err)?
        .ok_or_else(|| {
            (
                exit::NOT_FOUND,
                format!("case {code} has no document '{document_id}'"),
            )
        })?;
    let object = if text { &doc.text } else { &doc.pdf };
    let bytes = store
        .get(&object.key)
        .await
        .map_err(env_err)?
        .ok_or_else(|| {
            (
                exit::INTEGRITY,
                format!("{} is missing from the store", object.key),
            )
        })?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != object.sha256 {
        return Err((
            exit::INTEGRITY,
            format!(
                "{} does not match its recorded SHA-256 (expected {}, found {got}); not written",
                object.key, object.sha256
            ),
        ));
    }
    let out = output.unwrap_or_else(|| {
        PathBuf::from(format!(
            "{document_id}.{}",
            if text { "txt" } else { "pdf" }
        ))
    });
    std::fs::write(&out, &bytes)
        .map_err(|e| (exit::ENVIRONMENT, format!("{}: {e}", out.display())))?;
    eprintln!(
        "wrote {} ({} bytes, sha256 {} verified)",
        out.display(),
        bytes.len(),
        got
    );
    Ok(exit::OK)
}

/// Recompute the SHA-256 of every stored object the records name.
pub async fn verify(
    case_code: Option<&str>,
    store: &StoreArg,
    json: bool,
    anchors: &super::args::AnchorArgs,
) -> Result<u8, Failure> {
    let code = case_code.map(parse_case).transpose()?;
    let anchors = anchors.anchors()?;
    let store = open_store(&store.store, &store.lock).await?;
    let report = fixity::verify(store.as_ref(), code.as_ref().map(|c| c.as_str()), &anchors)
        .await
        .map_err(env_err)?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} records, {} objects: {} ok, {} mismatched, {} missing, {} unreadable",
            report.records,
            report.objects,
            report.ok,
            report.mismatched,
            report.missing,
            report.unreadable
        );
        for b in &report.bad {
            println!("  {:?}: {}", b.status, b.key);
        }
        for r in &report.unreadable_records {
            println!("  unreadable record: {r}");
        }
        if let Some(log) = &report.log {
            print_log(log);
        }
    }
    Ok(if report.all_ok() {
        exit::OK
    } else {
        exit::INTEGRITY
    })
}

/// Print the API's access log: who read or audited what, when, from where.
pub async fn access_log(
    case_code: Option<&str>,
    since: Option<&str>,
    store: &StoreArg,
    json: bool,
) -> Result<u8, Failure> {
    let code = case_code.map(parse_case).transpose()?;
    let since = since
        .map(sohoa::clock::parse_since)
        .transpose()
        .map_err(rejected)?;
    let store = open_store(&store.store, &store.lock).await?;
    let entries = access_log::read(store.as_ref(), code.as_ref().map(|c| c.as_str()), since)
        .await
        .map_err(env_err)?;
    // Entries hold what clients sent: print no control characters.
    let clean = |s: &str| s.chars().flat_map(char::escape_default).collect::<String>();
    for e in &entries {
        if json {
            println!("{}", serde_json::to_string(e).map_err(env_err)?);
            continue;
        }
        println!(
            "{}  {:<9} {:<16} {:<10} {:<14} {:<9} {}{}  from {}",
            e.at,
            e.outcome,
            e.who,
            e.role,
            e.action,
            e.case_code.as_deref().unwrap_or("-"),
            clean(e.target.as_deref().unwrap_or("")),
            e.detail
                .as_deref()
                .map(|d| format!(" ({})", clean(d)))
                .unwrap_or_default(),
            e.from
        );
    }
    Ok(exit::OK)
}

/// The log part of `sohoa verify`'s report.
fn print_log(log: &sohoa::anchor::LogReport) {
    println!(
        "transparency log: {} leaves, signature {}{}; {}, {} pending",
        log.size,
        log.signature,
        log.pinned_size
            .map(|s| format!(", pinned checkpoint of size {s} checked"))
            .unwrap_or_default(),
        log.summary(),
        log.pending.len()
    );
    match &log.versions_detail {
        None => println!("object versions: {}", log.versions),
        Some(why) => println!("object versions: {} ({why})", log.versions),
    }
    for f in &log.findings {
        println!("  {:?}: {} ({})", f.outcome, f.key, f.detail);
    }
    for p in &log.pending {
        println!("  pending: {p}");
    }
    match &log.checkpoint {
        Some(cp) => println!("checkpoint (keep a copy outside the bucket):\n{cp}"),
        None => println!("the log has no checkpoint yet"),
    }
}
