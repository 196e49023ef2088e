//! What sohoa stores and prints follows the JSON Schemas in `schemas/`.

mod common;

use common::*;
use serde_json::Value;

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

#[test]
fn queue_messages_and_events_follow_their_schemas() {
    use sohoa::queue::{BatchMessage, DigitisedEvent, FailedEvent, FileRef};
    let msg = BatchMessage {
        batch_id: "b123".into(),
        case_code: Some("000.00.13.H04-210628-0001".into()),
        station: Some("desk-1".into()),
        files: vec![FileRef {
            key: "inbox/b123/scan_001.tif".into(),
            name: "scan_001.tif".into(),
            sha256: Some("ab".repeat(32)),
        }],
    };
    let v = validator("batch-message.schema.json");
    assert_valid(&v, &serde_json::to_value(&msg).unwrap());
    // What the worker refuses as breaking the schema, the schema refuses too.
    let broken: Value = serde_json::json!({"batch_id": "b1", "files": "scan_001.tif"});
    assert!(serde_json::from_value::<BatchMessage>(broken.clone()).is_err());
    assert!(!v.is_valid(&broken));

    let digitised = DigitisedEvent {
        event: "batch.digitised".into(),
        batch_id: "b123".into(),
        case_code: "000.00.13.H04-210628-0001".into(),
        record_key: "cases/000.00.13.H04-210628-0001/b123.json".into(),
        documents: 2,
        types: vec!["receipt".into(), "id_card".into()],
        at: "2026-11-28T05:00:00Z".into(),
    };
    assert_valid(
        &validator("batch-digitised.schema.json"),
        &serde_json::to_value(&digitised).unwrap(),
    );
    let failed = FailedEvent {
        event: "batch.failed".into(),
        batch_id: None,
        reason: "the message does not follow the schema".into(),
        at: "2026-11-28T05:00:00Z".into(),
    };
    assert_valid(
        &validator("batch-failed.schema.json"),
        &serde_json::to_value(&failed).unwrap(),
    );
}
