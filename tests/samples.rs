//! The sample batches of `../shared/samples` (scanned dossiers with
//! `truth.json`), digitised once into one store and checked against their
//! ground truth.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

struct Batch {
    name: String,
    dir: PathBuf,
    truth: Value,
    record: Value,
}

struct Processed {
    store: PathBuf,
    batches: Vec<Batch>,
}

/// Process every sample batch once (the tests below share the result).
fn processed() -> &'static Processed {
    static P: OnceLock<Processed> = OnceLock::new();
    P.get_or_init(|| {
        let store = temp_dir("samples-store");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(samples_dir())
            .expect("../shared/samples exists")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("truth.json").exists())
            .collect();
        dirs.sort();
        assert!(!dirs.is_empty(), "no sample batches found");
        let batches = dirs
            .into_iter()
            .map(|dir| {
                let truth: Value =
                    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap())
                        .unwrap();
                // A batch without a receipt gets its case code from the station, as in real use.
                let case = truth["case_code"].as_str().unwrap().to_string();
                let extra: Vec<&str> = if truth["receipt_position"] == "none" {
                    vec!["--case", &case]
                } else {
                    vec![]
                };
                let record = process_json(&[&dir], &store, &extra);
                Batch {
                    name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                    dir,
                    truth,
                    record,
                }
            })
            .collect();
        Processed { store, batches }
    })
}

/// Map (file, page in file) → batch page number, from the truth.
fn page_numbers(truth: &Value) -> BTreeMap<(String, u64), u64> {
    truth["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (
                    p["file"].as_str().unwrap().to_string(),
                    p["file_page"].as_u64().unwrap(),
                ),
                p["page"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_batch_is_attached_to_its_case() {
    for b in &processed().batches {
        assert_eq!(b.record["case_code"], b.truth["case_code"], "{}", b.name);
        if b.truth["receipt_position"] != "none" {
            assert_ne!(
                b.record["case_code_source"], "station",
                "{}: the receipt's code should be read",
                b.name
            );
        }
    }
}

#[test]
fn at_least_95_percent_of_documents_have_right_type_and_exact_pages() {
    let (mut right, mut total) = (0, 0);
    let mut misses = Vec::new();
    for b in &processed().batches {
        let pages = page_numbers(&b.truth);
        let got: BTreeSet<(String, Vec<u64>)> = b.record["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let ps = d["pages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        pages[&(
                            p["source"].as_str().unwrap().to_string(),
                            p["page"].as_u64().unwrap(),
                        )]
                    })
                    .collect();
                (d["type"].as_str().unwrap().to_string(), ps)
            })
            .collect();
        for d in b.truth["documents"].as_array().unwrap() {
            total += 1;
            let want = (
                d["type"].as_str().unwrap().to_string(),
                d["pages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_u64().unwrap())
                    .collect::<Vec<_>>(),
            );
            if got.contains(&want) {
                right += 1;
            } else {
                misses.push(format!("{}: {:?}", b.name, want));
            }
        }
    }
    let share = right as f64 / total as f64;
    eprintln!("documents right: {right}/{total}; missed: {misses:?}");
    assert!(
        share >= 0.95,
        "only {right}/{total} documents right: {misses:?}"
    );
}

#[test]
fn blank_and_separator_pages_are_skipped_with_their_reason() {
    for b in &processed().batches {
        let pages = page_numbers(&b.truth);
        let got: BTreeMap<u64, String> = b.record["skipped_pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let n = pages[&(
                    s["source"].as_str().unwrap().to_string(),
                    s["page"].as_u64().unwrap(),
                )];
                (n, s["reason"].as_str().unwrap().to_string())
            })
            .collect();
        let want: BTreeMap<u64, String> = b.truth["pages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] != "content")
            .map(|p| {
                (
                    p["page"].as_u64().unwrap(),
                    p["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{}", b.name);
    }
}

#[test]
fn originals_are_stored_byte_for_byte() {
    let p = processed();
    for b in &p.batches {
        for o in b.record["originals"].as_array().unwrap() {
            let stored = std::fs::read(p.store.join(o["key"].as_str().unwrap())).unwrap();
            let original = std::fs::read(b.dir.join(o["name"].as_str().unwrap())).unwrap();
            assert_eq!(stored, original, "{} {}", b.name, o["name"]);
        }
    }
}

#[test]
fn every_stored_object_verifies() {
    let p = processed();
    let out = run(sohoa().args(["verify", "--json", "--store"]).arg(&p.store));
    assert!(
        out.status.success(),
        "verify failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["records"].as_u64().unwrap() as usize,
        p.batches.len()
    );
    assert_eq!(report["mismatched"], 0);
    assert_eq!(report["missing"], 0);
    assert!(report["ok"].as_u64().unwrap() > 0);
}

#[test]
fn flipping_one_byte_of_a_stored_pdf_fails_verify_and_names_it() {
    let p = processed();
    // Work on a copy so the other tests keep an intact store.
    let copy = temp_dir("tampered-store");
    for f in files_under(&p.store) {
        let to = copy.join(&f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(p.store.join(&f), &to).unwrap();
    }
    let key = p.batches[0].record["documents"][0]["pdf"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let path = copy.join(&key);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();

    let out = run(sohoa().args(["verify", "--json", "--store"]).arg(&copy));
    assert_eq!(out.status.code(), Some(1), "verify must exit 1");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["mismatched"], 1);
    let bad: Vec<&str> = report["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(bad, vec![key.as_str()]);
    // The plain output names it too.
    let out = run(sohoa().args(["verify", "--store"]).arg(&copy));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&key));

    // An object the store cannot read (here: a directory where the file
    // was) is reported as unreadable, with why, and the check goes on.
    let text_key = p.batches[0].record["documents"][0]["text"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let text_path = copy.join(&text_key);
    std::fs::remove_file(&text_path).unwrap();
    std::fs::create_dir(&text_path).unwrap();
    let out = run(sohoa().args(["verify", "--json", "--store"]).arg(&copy));
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["unreadable"], 1, "{report:#}");
    assert_eq!(report["mismatched"], 1);
    let unreadable = report["bad"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["status"] == "unreadable")
        .unwrap();
    assert_eq!(unreadable["key"], text_key.as_str());
    assert!(unreadable["error"].as_str().unwrap().contains(&text_key));
    assert_eq!(
        report["ok"].as_u64().unwrap() + 2,
        report["objects"].as_u64().unwrap(),
        "every other object was still checked"
    );
}

#[test]
fn processing_a_batch_again_adds_nothing() {
    let p = processed();
    let before = files_under(&p.store);
    let b = &p.batches[0];
    let out = run(sohoa()
        .arg("process")
        .arg(&b.dir)
        .arg("--store")
        .arg(&p.store));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("already digitised"));
    assert_eq!(files_under(&p.store), before);
}

#[test]
fn case_lists_documents_and_get_returns_the_recorded_pdf() {
    let p = processed();
    let b = &p.batches[0];
    let case = b.truth["case_code"].as_str().unwrap();
    let out = run(sohoa()
        .args(["case", case, "--json", "--store"])
        .arg(&p.store));
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = listing["documents"].as_array().unwrap();
    assert_eq!(docs.len(), b.record["documents"].as_array().unwrap().len());

    let doc = &b.record["documents"][1];
    let target = temp_dir("get").join("doc.pdf");
    let out = run(sohoa()
        .args(["get", case, doc["id"].as_str().unwrap(), "-o"])
        .arg(&target)
        .arg("--store")
        .arg(&p.store));
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&target).unwrap();
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        doc["pdf"]["sha256"].as_str().unwrap()
    );

    let out = run(sohoa()
        .args(["get", case, "no-such-doc", "--store"])
        .arg(&p.store));
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn pdfs_carry_a_searchable_vietnamese_text_layer() {
    let p = processed();
    // The power of attorney of batch 1 prints "GIẤY ỦY QUYỀN".
    let b = &p.batches[0];
    let doc = b.record["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["type"] == "power_of_attorney")
        .expect("a power of attorney");
    let pdf = p.store.join(doc["pdf"]["key"].as_str().unwrap());
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ỦY QUYỀN"),
        "text layer lacks the heading: {}",
        &text[..text.len().min(400)]
    );
    assert!(
        text.contains("Độc lập - Tự do - Hạnh phúc"),
        "diacritics lost"
    );
    // One PDF page per content page.
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let pages = doc["pages"].as_array().unwrap().len();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pdf_pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:");
    assert_eq!(pdf_pages, pages);
}

#[test]
fn every_document_pdf_passes_sohoa_pdf_check_and_a_broken_one_fails_it() {
    let p = processed();
    let pdfs: Vec<PathBuf> = p
        .batches
        .iter()
        .flat_map(|b| b.record["documents"].as_array().unwrap())
        .map(|d| p.store.join(d["pdf"]["key"].as_str().unwrap()))
        .collect();
    assert!(!pdfs.is_empty());
    let out = run(sohoa().args(["pdf-check", "--json"]).args(&pdfs));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), pdfs.len());
    for r in results {
        assert_eq!(r["passed"], true, "{r}");
        assert_eq!(r["report"]["partial"], true);
        assert_eq!(r["report"]["checks"].as_array().unwrap().len(), 10);
    }
    // A copy claiming PDF 2.0 fails the header check (exit 7); a file
    // that is not there cannot be read (exit 5).
    let dir = temp_dir("pdf-check");
    let mut bad = std::fs::read(&pdfs[0]).unwrap();
    bad[..8].copy_from_slice(b"%PDF-2.0");
    std::fs::write(dir.join("bad.pdf"), bad).unwrap();
    let out = run(sohoa()
        .arg("pdf-check")
        .arg(&pdfs[0])
        .arg(dir.join("bad.pdf")));
    assert_eq!(out.status.code(), Some(7), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("partial PDF/A-2b check passed"), "{text}");
    assert!(text.contains("FAIL  6.1.2"), "{text}");
    assert!(text.contains("Not checked:"), "{text}");
    let out = run(sohoa().arg("pdf-check").arg(dir.join("absent.pdf")));
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}
