//! `sohoa verify` against the transparency log: each way someone with
//! write access to the bucket can cover their tracks (a PDF and its record
//! rewritten consistently, a batch's record deleted, a stray object, the
//! log truncated, a checkpoint swapped) is caught with its own outcome,
//! where re-hashing objects against their records alone passes.

mod common;

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A store with the example batch digitised and logged under a key, the
/// key's public half and a pinned checkpoint; made once, copied per case.
struct Fixture {
    dir: PathBuf,
    store: PathBuf,
    public: String,
    pinned: PathBuf,
    record: Value,
}

fn fixture(name: &str) -> Fixture {
    let dir = temp_dir(name);
    let store = dir.join("store");
    let key = dir.join("log.key");
    let out = run(sohoa().args(["log", "key", "--out"]).arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let public = stdout(&out).trim().to_string();
    let out = run(sohoa()
        .arg("process")
        .arg(example_batch())
        .arg("--json")
        .arg("--store")
        .arg(&store)
        .arg("--log-key")
        .arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = run(sohoa().args(["log", "checkpoint", "--store"]).arg(&store));
    assert!(out.status.success(), "{}", stderr(&out));
    let pinned = dir.join("pinned-checkpoint");
    std::fs::write(&pinned, &out.stdout).unwrap();
    Fixture {
        dir,
        store,
        public,
        pinned,
        record,
    }
}

/// `sohoa verify --json` with the archivist's public key and pinned checkpoint.
fn verify(f: &Fixture, store: &Path, extra: &[&str]) -> (i32, Value) {
    let out = run(sohoa()
        .args(["verify", "--json", "--store"])
        .arg(store)
        .args(["--log-public-key", &f.public, "--pinned-checkpoint"])
        .arg(&f.pinned)
        .args(extra));
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

/// The findings of one outcome, by key.
fn found(report: &Value, outcome: &str) -> Vec<String> {
    report["log"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == outcome)
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect()
}

/// A copy of the fixture's store to tamper with.
fn copy(f: &Fixture, name: &str) -> PathBuf {
    let to = f.dir.join(name);
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(&f.store)
        .arg(&to)
        .status()
        .unwrap();
    assert!(ok.success());
    to
}

fn record_key(f: &Fixture) -> String {
    format!(
        "cases/{}/{}.json",
        f.record["case_code"].as_str().unwrap(),
        f.record["batch_id"].as_str().unwrap()
    )
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn each_tamper_case_is_caught_with_its_own_outcome() {
    let f = fixture("anchor");
    // Untouched: everything anchored, signed, consistent with the pin.
    let (code, report) = verify(&f, &f.store, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["log"]["signature"], "valid");
    assert_eq!(report["log"]["size"], 1);
    assert_eq!(report["log"]["pinned_size"], 1);
    assert!(report["log"]["findings"].as_array().unwrap().is_empty());
    let checkpoint = report["log"]["checkpoint"].as_str().unwrap();
    assert_eq!(checkpoint, std::fs::read_to_string(&f.pinned).unwrap());
    rewritten_pdf_and_record(&f);
    deleted_record(&f);
    stray_objects(&f);
    truncated_log(&f);
    swapped_checkpoint(&f);
}

/// A PDF replaced and its record rewritten to name it: fixity passes, the
/// log does not.
fn rewritten_pdf_and_record(f: &Fixture) {
    let store = copy(f, "rewritten");
    let key = record_key(f);
    let forged_pdf = b"%PDF-1.7 forged".to_vec();
    let forged_sha = sha(&forged_pdf);
    let forged_key = format!("documents/{forged_sha}.pdf");
    std::fs::write(store.join(&forged_key), &forged_pdf).unwrap();
    let mut record = f.record.clone();
    let old_key = record["documents"][0]["pdf"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    record["documents"][0]["pdf"] = serde_json::json!({
        "key": forged_key, "sha256": forged_sha, "bytes": forged_pdf.len()
    });
    std::fs::write(
        store.join(&key),
        serde_json::to_vec_pretty(&record).unwrap(),
    )
    .unwrap();
    // After the grace: a young object no record names may be a batch
    // being stored.
    let (code, report) = verify(f, &store, &["--pending-grace", "0"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["mismatched"], 0,
        "fixity alone sees nothing: {report:#}"
    );
    assert_eq!(report["missing"], 0);
    assert_eq!(found(&report, "rewritten_record"), vec![key]);
    let orphans = found(&report, "orphan_object");
    assert!(orphans.contains(&forged_key), "{orphans:?}");
    assert!(orphans.contains(&old_key), "{orphans:?}");
}

/// A batch's record deleted with its index: fixity has nothing left to
/// check; the log names the record, and its objects become orphans.
fn deleted_record(f: &Fixture) {
    let store = copy(f, "deleted");
    let key = record_key(f);
    std::fs::remove_file(store.join(&key)).unwrap();
    let index = format!("batches/{}.json", f.record["batch_id"].as_str().unwrap());
    std::fs::remove_file(store.join(index)).unwrap();
    let (code, report) = verify(f, &store, &["--pending-grace", "0"]);
    assert_eq!(code, 1);
    assert_eq!(report["records"], 0);
    assert_eq!(found(&report, "deleted_record"), vec![key]);
    let pdf = f.record["documents"][0]["pdf"]["key"].as_str().unwrap();
    assert!(found(&report, "orphan_object").contains(&pdf.to_string()));
}

/// A stray original no record names, and an object whose bytes do not
/// hash to its key: pending while young (a batch being stored writes its
/// objects before its record), orphans after the grace.
fn stray_objects(f: &Fixture) {
    let store = copy(f, "stray");
    let stray = b"a scan nobody digitised".to_vec();
    let stray_key = format!("originals/{}", sha(&stray));
    std::fs::write(store.join(&stray_key), &stray).unwrap();
    let wrong_key = format!("text/{}.txt", "0".repeat(64));
    std::fs::write(store.join(&wrong_key), b"not what the key says").unwrap();
    // Young, they may be a batch being stored: pending, not orphans (the
    // bad hash is a finding at once).
    let (code, report) = verify(f, &store, &[]);
    assert_eq!(code, 1);
    assert!(found(&report, "orphan_object").is_empty(), "{report:#}");
    assert_eq!(
        report["log"]["pending"],
        serde_json::json!([stray_key, wrong_key])
    );
    assert_eq!(found(&report, "key_hash_mismatch"), vec![wrong_key.clone()]);
    // After the grace, orphans.
    let (code, report) = verify(f, &store, &["--pending-grace", "0"]);
    assert_eq!(code, 1);
    let orphans = found(&report, "orphan_object");
    assert_eq!(orphans, vec![stray_key, wrong_key.clone()], "{report:#}");
    assert_eq!(found(&report, "key_hash_mismatch"), vec![wrong_key]);
    assert!(found(&report, "rewritten_record").is_empty());
}

/// The log cut back below the pinned checkpoint: the record it held is
/// pending while young, unanchored after the grace, and the log is
/// inconsistent with the pin.
fn truncated_log(f: &Fixture) {
    let store = copy(f, "truncated");
    for dir in ["log/checkpoints", "log/steps"] {
        for e in std::fs::read_dir(store.join(dir)).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
    }
    let (code, report) = verify(f, &store, &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report, "log_inconsistency").len(), 1, "{report:#}");
    assert_eq!(report["log"]["pending"], serde_json::json!([record_key(f)]));
    let (_, report) = verify(f, &store, &["--pending-grace", "0"]);
    assert_eq!(found(&report, "unanchored_record"), vec![record_key(f)]);
}

/// The latest checkpoint replaced by one another key signed, over another
/// root: its signature fails, and so does its root against the entries.
fn swapped_checkpoint(f: &Fixture) {
    let store = copy(f, "swapped");
    let other = sohoa::tlog::Signer::generate(sohoa::catalog::log::DEFAULT_ORIGIN).unwrap();
    let forged = other.sign(&sohoa::tlog::Checkpoint {
        origin: sohoa::catalog::log::DEFAULT_ORIGIN.into(),
        size: 1,
        root: sohoa::tlog::leaf_hash(b"something else"),
    });
    std::fs::write(store.join(format!("log/checkpoints/{:020}", 1)), forged).unwrap();
    let (code, report) = verify(f, &store, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["log"]["signature"], "invalid");
    let found = found(&report, "log_inconsistency");
    assert!(found.len() >= 2, "signature, root and pin: {report:#}");
}

#[test]
fn an_unreadable_object_is_reported_and_the_check_goes_on() {
    let f = fixture("anchor-unreadable");
    let text = f.record["documents"][0]["text"]["key"].as_str().unwrap();
    let path = f.store.join(text);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    // And a stray object after it, which must still be found.
    let stray = b"stray".to_vec();
    let stray_key = format!("originals/{}", sha(&stray));
    std::fs::write(f.store.join(&stray_key), &stray).unwrap();
    let (code, report) = verify(&f, &f.store, &["--pending-grace", "0"]);
    assert_eq!(code, 1);
    assert_eq!(report["unreadable"], 1, "{report:#}");
    assert_eq!(found(&report, "orphan_object"), vec![stray_key]);
    assert_eq!(report["log"]["signature"], "valid");
}
