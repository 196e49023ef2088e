//! `sohoa pdf-check`: the partial PDF/A-2b check of [`sohoa::pdfa`] on
//! files, printed one line per check.

use super::{Failure, exit};
use sohoa::pdfa::{self, Expect, Outcome, Report};
use std::path::PathBuf;

/// One file's result, as `--json` prints it.
#[derive(serde::Serialize)]
struct FileResult {
    file: String,
    /// Every check passed (none failed).
    passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Report>,
    /// Why the file could not be checked at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Check each file; exit 0 when every check of every file passed, 7 when
/// one failed (or a file is not a PDF), 5 when a file cannot be read.
pub fn pdf_check(files: &[PathBuf], signed: bool, json: bool) -> Result<u8, Failure> {
    let mut code = exit::OK;
    let mut results = Vec::new();
    for path in files {
        let file = path.display().to_string();
        let (result, this) = match std::fs::read(path) {
            Err(e) => {
                let error = format!("cannot read {file}: {e}");
                (
                    FileResult {
                        file,
                        passed: false,
                        report: None,
                        error: Some(error),
                    },
                    exit::ENVIRONMENT,
                )
            }
            Ok(bytes) => match pdfa::check(&bytes, Expect { signed }) {
                Err(e) => {
                    let error = format!("{file}: {e}");
                    (
                        FileResult {
                            file,
                            passed: false,
                            report: None,
                            error: Some(error),
                        },
                        exit::NOT_PDFA,
                    )
                }
                Ok(report) => {
                    let passed = report.passed();
                    let this = if passed { exit::OK } else { exit::NOT_PDFA };
                    (
                        FileResult {
                            file,
                            passed,
                            report: Some(report),
                            error: None,
                        },
                        this,
                    )
                }
            },
        };
        // A file that could not be read outranks a failed check.
        code = match (code, this) {
            (exit::ENVIRONMENT, _) | (_, exit::ENVIRONMENT) => exit::ENVIRONMENT,
            (exit::OK, c) => c,
            (c, _) => c,
        };
        if !json {
            print_text(&result);
        }
        results.push(result);
    }
    if json {
        super::print_json(&results)?;
    } else {
        println!("\n{}.", pdfa::SCOPE);
        println!("Not checked:");
        for item in pdfa::NOT_CHECKED {
            println!("  - {item}");
        }
    }
    Ok(code)
}

fn print_text(r: &FileResult) {
    if let Some(e) = &r.error {
        eprintln!("error: {e}");
        println!("{}: NOT CHECKED", r.file);
        return;
    }
    let Some(report) = &r.report else { return };
    let verdict = if r.passed { "passed" } else { "FAILED" };
    println!("{}: partial PDF/A-2b check {verdict}", r.file);
    for c in &report.checks {
        let mark = match c.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::NotApplicable => "n/a ",
        };
        println!("  {mark}  {:<19} {}: {}", c.clause, c.title, c.detail);
    }
}
