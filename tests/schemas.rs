//! What sohoa stores and prints follows the JSON Schemas in `schemas/`.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn batch_record_and_verify_report_follow_their_schemas() {
    let store = temp_dir("schemas");
    let record = process_json(&[&example_batch()], &store, &["--station", "desk-1"]);
    assert_valid(&validator("batch-record.schema.json"), &record);

    let out = run(sohoa().args(["verify", "--json", "--store"]).arg(&store));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&validator("verify-report.schema.json"), &report);

    // And the schema is not vacuous: a record with a malformed case code fails.
    let mut broken = record.clone();
    broken["case_code"] = Value::String("../../etc".into());
    assert!(!validator("batch-record.schema.json").is_valid(&broken));
}
