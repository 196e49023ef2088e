//! The worker against the real RabbitMQ and a real S3 server (s3s-fs):
//! happy path, plain AMQP clients, crashes, two workers, S3 outages and
//! bad messages.

mod common;

use common::*;
use lapin::options::{BasicGetOptions, BasicPublishOptions};
use lapin::types::AMQPValue;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

fn sample_batches() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("../shared/samples")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("truth.json").exists())
        .collect();
    v.sort();
    v
}

fn digitised_ids(events: &[(String, Value)]) -> Vec<String> {
    let mut v: Vec<String> = events
        .iter()
        .filter(|(k, _)| k == "batch.digitised")
        .map(|(_, e)| e["batch_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn submitted_sample_batches_are_digitised_recorded_and_verify() {
    let s3 = S3Server::start("samples");
    let names = Names::new("samples");
    let mut events = Events::listen(&names).await;
    let _worker = Worker::start(&s3, &names, &[]);
    let mut ids = Vec::new();
    for b in sample_batches() {
        let case = station_case(&b);
        let extra: Vec<&str> = match &case {
            Some(c) => vec!["--case", c],
            None => vec![],
        };
        ids.push(submit(&s3, &names, &[&b], &extra));
    }
    let got = events.collect(ids.len(), Duration::from_secs(600)).await;
    ids.sort();
    assert_eq!(digitised_ids(&got), ids, "events: {got:?}");
    for (_, e) in &got {
        assert!(e["documents"].as_u64().unwrap() > 0);
        assert!(e["record_key"].as_str().unwrap().starts_with("cases/"));
    }
    assert_eq!(record_files(&s3, &names).len(), ids.len());
    let (ok, report) = verify(&s3, &names);
    assert!(ok, "verify --store s3:// failed: {report}");
    assert_eq!(report["records"].as_u64(), Some(ids.len() as u64));
    events.close().await;
    cleanup(&names).await;
}

/// Upload with the AWS SDK and publish with lapin: no sohoa code on the station side.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_from_a_plain_amqp_client_is_processed() {
    let s3 = S3Server::start("plain");
    let names = Names::new("plain");
    let mut events = Events::listen(&names).await;
    let _worker = Worker::start(&s3, &names, &[]);

    let client = s3_client(&s3);
    let _ = client.create_bucket().bucket(&names.bucket).send().await;
    let mut files = Vec::new();
    for name in ["scan_001.tif", "scan_002.jpg", "scan_003.tif"] {
        let bytes = std::fs::read(example_batch().join(name)).unwrap();
        let key = format!("inbox/plain-1/{name}");
        put(&s3, &names, &key, bytes.clone()).await;
        files
            .push(json!({"key": key, "name": name, "sha256": hex::encode(Sha256::digest(&bytes))}));
    }
    let body = json!({"batch_id": "plain-1", "station": "python-desk", "files": files});
    publish_raw(&names, &body).await;
    let got = events.collect(1, Duration::from_secs(180)).await;
    assert_eq!(digitised_ids(&got), vec!["plain-1".to_string()], "{got:?}");
    assert_eq!(got[0].1["case_code"], "000.00.00.H56-221006-0012");
    let types: Vec<&str> = got[0].1["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(types, ["receipt", "id_card", "marital_status"]);
    // The worker claimed the id for the message's files, and emptied the
    // inbox once the record held them.
    let claims = keys(&s3, &names, "claims/plain-1/").await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    let claim = get_json(&s3, &names, &claims[0]).await;
    assert_eq!(claim["by"], "worker");
    assert_eq!(
        keys(&s3, &names, "inbox/plain-1/").await,
        Vec::<String>::new()
    );
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_id_is_claimed_once_and_a_failed_batch_is_retried_with_a_case_code() {
    let s3 = S3Server::start("claims");
    let names = Names::new("claims");
    let mut events = Events::listen(&names).await;
    let _worker = Worker::start(&s3, &names, &[]);
    let store = names.store();
    let scan = example_batch().join("scan_003.tif");
    // No receipt and no case code: the worker refuses the batch.
    let id = submit(&s3, &names, &[&scan], &["--batch-id", "claim-1"]);
    let got = events.collect(1, Duration::from_secs(180)).await;
    assert_eq!(got[0].0, "batch.failed", "{got:?}");
    assert!(
        got[0].1["reason"]
            .as_str()
            .unwrap()
            .contains("no case code")
    );
    // Re-queued from its inbox files with the case code it lacked.
    let case = "000.00.00.H56-221006-0012";
    let retry = |extra: &[&str]| {
        let mut args = vec!["retry", "claim-1", "--amqp", AMQP, "--queue", &names.queue];
        args.extend(["--store", &store]);
        args.extend(extra);
        sohoa(&s3, &args)
    };
    let retried = retry(&["--case", case]);
    assert!(retried.status.success(), "{retried:?}");
    let got = events.collect(1, Duration::from_secs(180)).await;
    assert_eq!(digitised_ids(&got), vec![id.clone()], "{got:?}");
    assert_eq!(got[0].1["case_code"], case);
    assert_eq!(keys(&s3, &names, "claims/claim-1/").await.len(), 2);
    // Its record holds the file: the inbox copy is gone, the original stays.
    assert_eq!(
        keys(&s3, &names, "inbox/claim-1/").await,
        Vec::<String>::new()
    );
    let sha = hex::encode(Sha256::digest(std::fs::read(&scan).unwrap()));
    assert_eq!(
        keys(&s3, &names, &format!("originals/{sha}")).await.len(),
        1
    );
    // The same files and case again: answered as before, nothing queued.
    let submissions = keys(&s3, &names, "submissions/claim-1/").await;
    let again = submit_output(
        &s3,
        &names,
        &[&scan],
        &["--batch-id", &id, "--case", case],
        &[],
    );
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not queued again"));
    assert_eq!(keys(&s3, &names, "submissions/claim-1/").await, submissions);
    // Other files, or another case code, under the id: exit code 6, and
    // nothing stored.
    let other = example_batch().join("scan_002.jpg");
    let taken = submit_output(&s3, &names, &[&other], &["--batch-id", &id], &[]);
    assert_eq!(taken.status.code(), Some(6), "{taken:?}");
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already used"));
    let other_case = ["--batch-id", &id, "--case", "000.00.00.H56-221006-0013"];
    let taken = submit_output(&s3, &names, &[&scan], &other_case, &[]);
    assert_eq!(taken.status.code(), Some(6), "{taken:?}");
    assert_eq!(
        keys(&s3, &names, "inbox/claim-1/").await,
        Vec::<String>::new()
    );
    // Only a failed batch is retried.
    let not_failed = retry(&[]);
    assert_eq!(not_failed.status.code(), Some(3), "{not_failed:?}");
    assert!(String::from_utf8_lossy(&not_failed.stderr).contains("is digitised"));
    assert!(
        events.next(Duration::from_secs(5)).await.is_none(),
        "nothing more was queued"
    );
    assert_eq!(record_files(&s3, &names).len(), 1);
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_batch_is_replaced_and_the_batch_completes_once() {
    let s3 = S3Server::start("kill");
    let names = Names::new("kill");
    let mut events = Events::listen(&names).await;
    let batch = samples_dir().join("batch_004"); // 20 pages: long enough to be killed in
    let mut first = Worker::start(&s3, &names, &[]);
    let id = submit(&s3, &names, &[&batch], &[]);
    // Wait until the batch is in the worker's hands, then kill it.
    first.wait_for_a_batch_in_hand();
    std::thread::sleep(Duration::from_millis(1500));
    first.kill9();
    assert!(
        record_files(&s3, &names).is_empty(),
        "killed before finishing, nothing recorded yet"
    );

    let _second = Worker::start(&s3, &names, &[]);
    let got = events.collect(1, Duration::from_secs(300)).await;
    assert_eq!(digitised_ids(&got), vec![id.clone()]);
    // Exactly once: one record, one index, no extra document objects.
    let records = record_files(&s3, &names);
    assert_eq!(records.len(), 1);
    let record: Value = serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    let pdfs = std::fs::read_dir(s3.dir.join(&names.bucket).join("documents"))
        .unwrap()
        .count();
    assert_eq!(pdfs, record["documents"].as_array().unwrap().len());
    // No second event arrives.
    assert!(events.next(Duration::from_secs(3)).await.is_none());
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_on_one_queue_record_every_batch_once() {
    let s3 = S3Server::start("two");
    let names = Names::new("two");
    let mut events = Events::listen(&names).await;
    let _a = Worker::start(&s3, &names, &["--ocr-threads", "1"]);
    let _b = Worker::start(&s3, &names, &["--ocr-threads", "1"]);
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(submit(
            &s3,
            &names,
            &[&example_batch()],
            &["--batch-id", &format!("run-{n}")],
        ));
    }
    let got = events.collect(ids.len(), Duration::from_secs(600)).await;
    ids.sort();
    assert_eq!(
        digitised_ids(&got),
        ids,
        "each batch digitised once: {got:?}"
    );
    assert!(
        events.next(Duration::from_secs(3)).await.is_none(),
        "no duplicate events"
    );
    assert_eq!(record_files(&s3, &names).len(), ids.len());
    let (ok, report) = verify(&s3, &names);
    assert!(ok, "{report}");
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_outage_delays_batches_but_loses_and_fails_none() {
    let mut s3 = S3Server::start("outage");
    let names = Names::new("outage");
    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &[]);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(submit(
            &s3,
            &names,
            &[&example_batch()],
            &["--batch-id", &format!("outage-{n}")],
        ));
    }
    // Take the store away while the worker is busy, and bring it back once
    // the worker has met the outage (its first batch may take longer than
    // any fixed outage on a loaded machine), a few retries later.
    std::thread::sleep(Duration::from_millis(800));
    s3.stop();
    let noticed = |w: &Worker| w.metric("sohoa_transient_retries_total").unwrap_or(0.0) >= 1.0;
    let down = std::time::Instant::now();
    while !noticed(&worker) && down.elapsed() < Duration::from_secs(180) {
        std::thread::sleep(Duration::from_millis(250));
    }
    std::thread::sleep(Duration::from_secs(3));
    s3.resume();
    let got = events.collect(ids.len(), Duration::from_secs(300)).await;
    ids.sort();
    assert!(
        got.iter().all(|(k, _)| k == "batch.digitised"),
        "nothing may fail: {got:?}"
    );
    assert_eq!(digitised_ids(&got), ids);
    assert!(
        noticed(&worker),
        "the outage was not noticed; log: {}",
        worker.log()
    );
    assert_eq!(record_files(&s3, &names).len(), ids.len());
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_messages_fail_with_a_reason_and_the_worker_goes_on() {
    let s3 = S3Server::start("bad");
    let names = Names::new("bad");
    let mut events = Events::listen(&names).await;
    let mut worker = Worker::start(&s3, &names, &[]);
    // Put a real file and a corrupt scan in the inbox through `sohoa submit`'s store.
    let good = submit(&s3, &names, &[&example_batch()], &["--batch-id", "good-1"]);
    let got = events.collect(1, Duration::from_secs(180)).await;
    assert_eq!(digitised_ids(&got), vec![good]);
    let inbox = s3.dir.join(&names.bucket).join("inbox");
    std::fs::create_dir_all(inbox.join("bad-corrupt")).unwrap();
    std::fs::write(
        inbox.join("bad-corrupt/scan_001.tif"),
        b"II*\0this is not a TIFF",
    )
    .unwrap();
    let real = std::fs::read(example_batch().join("scan_001.tif")).unwrap();
    std::fs::create_dir_all(inbox.join("bad-sha")).unwrap();
    std::fs::write(inbox.join("bad-sha/scan_001.tif"), &real).unwrap();

    let bad: Vec<(&str, String)> = vec![
        ("not json", "this is not json".to_string()),
        ("schema", json!({"batch_id": "bad-schema", "files": "scan_001.tif"}).to_string()),
        (
            "missing",
            json!({"batch_id": "bad-missing", "files": [{"key": "inbox/bad-missing/scan_001.tif", "name": "scan_001.tif"}]}).to_string(),
        ),
        (
            "sha",
            json!({"batch_id": "bad-sha", "files": [{"key": "inbox/bad-sha/scan_001.tif", "name": "scan_001.tif", "sha256": "0".repeat(64)}]})
                .to_string(),
        ),
        (
            "corrupt",
            json!({"batch_id": "bad-corrupt", "files": [{"key": "inbox/bad-corrupt/scan_001.tif", "name": "scan_001.tif"}]}).to_string(),
        ),
        // A batch id used again for other files, by a client that skipped
        // the submit path's check: refused, not mistaken for a redelivery.
        (
            "reused",
            json!({"batch_id": "good-1", "files": [{"key": "inbox/good-1/scan_003.tif", "name": "scan_003.tif"}]}).to_string(),
        ),
    ];
    let conn = Connection::connect(AMQP, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    for (_, body) in &bad {
        ch.basic_publish(
            "".into(),
            names.queue.as_str().into(),
            BasicPublishOptions::default(),
            body.as_bytes(),
            BasicProperties::default(),
        )
        .await
        .unwrap();
    }
    // `sohoa submit` itself refuses the reused id before anything is queued.
    let reused = submit_output(
        &s3,
        &names,
        &[&example_batch().join("scan_003.tif")],
        &["--batch-id", "good-1"],
        &[],
    );
    assert_eq!(reused.status.code(), Some(6), "{reused:?}");
    assert!(String::from_utf8_lossy(&reused.stderr).contains("already used"));
    // And a good batch after them: the worker must still be consuming.
    let after = submit(&s3, &names, &[&example_batch()], &["--batch-id", "good-2"]);
    let got = events
        .collect(bad.len() + 1, Duration::from_secs(180))
        .await;
    let failed: Vec<&Value> = got
        .iter()
        .filter(|(k, _)| k == "batch.failed")
        .map(|(_, e)| e)
        .collect();
    assert_eq!(failed.len(), bad.len(), "{got:?}");
    assert_eq!(digitised_ids(&got), vec![after]);
    let reasons: Vec<String> = failed
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    for needle in [
        "does not follow",
        "missing from the store",
        "SHA-256 mismatch",
        "scan_001.tif",
        "already used",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(needle)),
            "no reason mentions '{needle}': {reasons:#?}"
        );
    }
    // Each bad message is in the dead-letter queue with its reason in a header.
    let mut dead = Vec::new();
    while let Some(m) = ch
        .basic_get(
            names.dead_queue().as_str().into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .unwrap()
    {
        let headers = m.delivery.properties.headers().clone().unwrap_or_default();
        let reason = match headers.inner().get("x-sohoa-reason") {
            Some(AMQPValue::LongString(s)) => s.to_string(),
            other => panic!("dead letter without a reason header: {other:?}"),
        };
        dead.push((
            String::from_utf8_lossy(&m.delivery.data).into_owned(),
            reason,
        ));
    }
    assert_eq!(dead.len(), bad.len(), "{dead:#?}");
    for (_, body) in &bad {
        assert!(
            dead.iter().any(|(b, _)| b == body),
            "{body} not dead-lettered"
        );
    }
    assert!(
        record_files(&s3, &names).len() == 2,
        "only the two good batches are recorded"
    );
    // Graceful stop.
    assert_eq!(
        worker.terminate(Duration::from_secs(30)),
        Some(0),
        "SIGTERM must exit 0"
    );
    let _ = conn.close(200, "bye".into()).await;
    events.close().await;
    cleanup(&names).await;
}

/// Whether the store holds a failure record of any batch.
fn has_failure_note(s3: &S3Server, names: &Names) -> bool {
    std::fs::read_dir(s3.dir.join(&names.bucket).join("failures"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|b| {
            std::fs::read_dir(b.path())
                .into_iter()
                .flatten()
                .flatten()
                .next()
                .is_some()
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_kills_every_worker_reaches_the_dead_letter_queue() {
    let s3 = S3Server::start("poison");
    let names = Names::new("poison");
    let batch = samples_dir().join("batch_004");
    let mut dead_lettered = false;
    let conn = Connection::connect(AMQP, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    for round in 0..6 {
        let mut w = Worker::start(&s3, &names, &["--delivery-limit", "2"]);
        if round == 0 {
            submit(&s3, &names, &[&batch], &[]);
        }
        let t = std::time::Instant::now();
        let mut taken = false;
        while t.elapsed() < Duration::from_secs(20) {
            if w.metric("sohoa_batches_in_flight") == Some(1.0) {
                taken = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // On the last delivery the broker allows, the worker notes why in
        // the store before it starts the batch (best effort): give it a
        // moment (bounded) to do so before the "crash", which the count
        // of in-flight batches alone can come ahead of.
        let noted = std::time::Instant::now();
        while taken && noted.elapsed() < Duration::from_secs(3) && !has_failure_note(&s3, &names) {
            std::thread::sleep(Duration::from_millis(100));
        }
        w.kill9(); // "crash" while holding the batch
        if !taken {
            let q = ch
                .queue_declare(
                    names.dead_queue().as_str().into(),
                    lapin::options::QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    lapin::types::FieldTable::default(),
                )
                .await
                .unwrap();
            if q.message_count() == 1 {
                dead_lettered = true;
                break;
            }
        }
    }
    assert!(
        dead_lettered,
        "the message was not dead-lettered by the delivery limit"
    );
    let m = ch
        .basic_get(
            names.dead_queue().as_str().into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .unwrap()
        .expect("a dead letter");
    let headers = m.delivery.properties.headers().clone().unwrap_or_default();
    let reason = match headers.inner().get("x-first-death-reason") {
        Some(AMQPValue::LongString(s)) => s.to_string(),
        other => format!("{other:?}"),
    };
    assert_eq!(reason, "delivery_limit", "dead-lettered for another reason");
    assert!(record_files(&s3, &names).is_empty());
    // The reason is in the store, for GET /v1/batches/{id}.
    let failures: Vec<String> = std::fs::read_dir(s3.dir.join(&names.bucket).join("failures"))
        .expect("a failure record")
        .flatten()
        .flat_map(|b| std::fs::read_dir(b.path()).into_iter().flatten().flatten())
        .map(|f| std::fs::read_to_string(f.path()).unwrap())
        .collect();
    assert!(!failures.is_empty());
    assert!(
        failures[0].contains("workers stopped while processing this batch"),
        "{}",
        failures[0]
    );
    let _ = conn.close(200, "bye".into()).await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn objects_over_the_multipart_threshold_are_uploaded_in_parts_and_verify() {
    let s3 = S3Server::start("multipart");
    let names = Names::new("multipart");
    let mut events = Events::listen(&names).await;
    // 40 kB: the scans and most PDFs of the example batch go in parts.
    let env = [("SOHOA_S3_MULTIPART_THRESHOLD", "40000")];
    let _w = Worker::start_with_env(&s3, &names, &[], &env);
    submit_with_env(&s3, &names, &[&example_batch()], &[], &env);
    let got = events.collect(1, Duration::from_secs(180)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "batch.digitised", "{got:?}");
    // The multipart objects hash to what the record says, and carry our SHA-256 as metadata.
    let (ok, report) = verify(&s3, &names);
    assert!(ok, "{report}");
    let jpeg = std::fs::read(example_batch().join("scan_002.jpg")).unwrap();
    let sha = hex::encode(Sha256::digest(&jpeg));
    let stored = std::fs::read(s3.dir.join(&names.bucket).join("originals").join(&sha)).unwrap();
    assert_eq!(stored, jpeg);
    let head = s3_client(&s3)
        .head_object()
        .bucket(&names.bucket)
        .key(format!("originals/{sha}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.metadata().and_then(|m| m.get("sha256")),
        Some(&sha),
        "multipart object lacks its sha256 metadata"
    );
    events.close().await;
    cleanup(&names).await;
}

/// `sohoa index status --json` against the store.
fn index_status(s3: &S3Server, names: &Names, url: &str) -> Value {
    let store = names.store();
    let out = sohoa(
        s3,
        &[
            "index", "status", "--json", "--store", &store, "--index", url,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_are_indexed_as_stored_and_an_index_outage_holds_none() {
    let s3 = S3Server::start("indexing");
    let names = Names::new("indexing");
    let db = SearchDb::new("worker_indexing");
    let mut events = Events::listen(&names).await;
    // The index is down (nothing listens on port 1): the batch is
    // digitised and announced all the same.
    let down = Worker::start(
        &s3,
        &names,
        &["--index", "postgres://postgres@127.0.0.1:1/none"],
    );
    let first = submit(&s3, &names, &[&example_batch()], &[]);
    let got = events.collect_with_ids(1, Duration::from_secs(300)).await;
    let first_event_id = got.first().map(|e| e.2.clone());
    let got: Vec<_> = got.into_iter().map(|(k, v, _)| (k, v)).collect();
    assert_eq!(digitised_ids(&got), std::slice::from_ref(&first), "{got:?}");
    let t = std::time::Instant::now();
    while down.metric("sohoa_index_failures_total").unwrap_or(0.0) < 2.0 {
        assert!(t.elapsed() < Duration::from_secs(30), "{}", down.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(down);
    let url = db.url();
    assert_eq!(index_status(&s3, &names, &url)["missing"], 1);
    // A worker with the index up catches up on start, then indexes each
    // batch as it is stored (no periodic sync to help it).
    let up = Worker::start(&s3, &names, &["--index", &url, "--index-sync-every", "0"]);
    // At least: the first batch's message, handed back when the first
    // worker went, may come again and have its record indexed once more.
    up.wait_for_metric_at_least("sohoa_index_records_total", 1.0);
    let batch = sample_batches().into_iter().next().expect("a sample batch");
    let case = station_case(&batch);
    let extra: Vec<&str> = case.iter().flat_map(|c| ["--case", c.as_str()]).collect();
    let second = submit(&s3, &names, &[&batch], &extra);
    let got = events.until_batch(&second, Duration::from_secs(600)).await;
    let (last, before) = got.split_last().expect("an event for the second batch");
    assert_eq!(
        (last.0.as_str(), &last.1["batch_id"]),
        ("batch.digitised", &json!(second))
    );
    // The first worker was killed (not stopped): its batch's message may
    // come again, and its event with it, under the same message id, so
    // that a consumer can tell the repeat; nothing else may come.
    for (key, event, id) in before {
        assert_eq!(
            (key.as_str(), &event["batch_id"]),
            ("batch.digitised", &json!(first))
        );
        assert_eq!(
            Some(id.clone()),
            first_event_id,
            "a repeat under a new id: {event}"
        );
    }
    // Indexed as stored: the index holds both records soon after.
    let t = std::time::Instant::now();
    while index_status(&s3, &names, &url)["index_records"] != 2 {
        assert!(t.elapsed() < Duration::from_secs(60), "{}", up.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = index_status(&s3, &names, &url);
    assert_eq!(
        (
            status["store_records"].clone(),
            status["index_records"].clone(),
            status["missing"].clone()
        ),
        (json!(2), json!(2), json!(0)),
        "{status}"
    );
    // The example batch's receipt names case 000.00.00.H56-221006-0012.
    let out = sohoa(
        &s3,
        &[
            "search",
            "--json",
            "--case-prefix",
            "000.00.00.H56-221006-0012",
            "--index",
            &url,
        ],
    );
    let page: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        page["total"].as_u64().unwrap_or(0) > 0,
        "{page} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    events.close().await;
    cleanup(&names).await;
}
