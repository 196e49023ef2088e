//! Helpers shared by the integration tests: run the real `sohoa` binary
//! (real Tesseract, real files) against temporary stores.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sohoa() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sohoa"))
}

/// `../shared/samples` beside the checkout.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples")
}

pub fn example_batch() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample-batch")
}

/// The case code printed on the example batch's receipt.
pub const EXAMPLE_CASE: &str = "000.00.00.H56-221006-0012";

/// A fresh, empty directory under the system's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sohoa-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run sohoa")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Process a batch into `store` and return the record as JSON.
pub fn process_json(paths: &[&Path], store: &Path, extra: &[&str]) -> serde_json::Value {
    let mut cmd = sohoa();
    cmd.arg("process")
        .args(paths)
        .arg("--store")
        .arg(store)
        .arg("--json")
        .args(extra);
    let out = run(&mut cmd);
    assert!(out.status.success(), "process failed: {}", stderr(&out));
    let record = serde_json::from_slice(&out.stdout).expect("stdout is exactly the JSON record");
    assert_documents_pass_pdf_check(&record, store);
    record
}

/// Every document PDF `record` names in `store` passes the partial
/// PDF/A-2b check (`sohoa::pdfa`).
pub fn assert_documents_pass_pdf_check(record: &serde_json::Value, store: &Path) {
    for d in record["documents"].as_array().into_iter().flatten() {
        let key = d["pdf"]["key"]
            .as_str()
            .expect("each document names its PDF");
        let pdf = std::fs::read(store.join(key)).expect("the PDF is stored");
        // A document the record says is signed must carry a signature
        // covering the whole file but its /Contents.
        let signed = d["signature"].is_object();
        assert_pdfa_as(&pdf, key, sohoa::pdfa::Expect { signed });
    }
}

/// `pdf` passes every check of the partial PDF/A-2b check; `what` names
/// it in the failure.
pub fn assert_pdfa(pdf: &[u8], what: &str) {
    assert_pdfa_as(pdf, what, sohoa::pdfa::Expect::default())
}

/// As [`assert_pdfa`], with what the record says of the file.
pub fn assert_pdfa_as(pdf: &[u8], what: &str, expect: sohoa::pdfa::Expect) {
    let report = sohoa::pdfa::check(pdf, expect).unwrap_or_else(|e| panic!("{what}: {e}"));
    let failures: Vec<_> = report.failures().collect();
    assert!(
        failures.is_empty(),
        "{what} fails PDF/A-2b checks: {failures:#?}"
    );
}

/// The JSON Schema `schemas/<name>`, compiled.
pub fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

/// `doc` follows the schema `v`, or the test fails naming each error.
pub fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
