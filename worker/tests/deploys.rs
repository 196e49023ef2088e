//! Deploys and redeliveries against the real RabbitMQ and a real S3 server
//! (s3s-fs): a rolling restart loses and doubles nothing, and a batch the
//! broker hands out again after it was digitised is announced once.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Every digitised event's batch id, with how often it came, and the
/// failed events.
fn tally(events: &[(String, Value, Option<String>)]) -> (BTreeMap<String, usize>, Vec<Value>) {
    let mut digitised = BTreeMap::new();
    let mut failed = Vec::new();
    for (key, body, id) in events {
        if key == "batch.digitised" {
            let batch = body["batch_id"].as_str().unwrap_or_default().to_string();
            assert_eq!(
                id.as_deref(),
                Some(format!("{batch}.batch.digitised").as_str()),
                "the event's message id"
            );
            *digitised.entry(batch).or_insert(0) += 1;
        } else {
            failed.push(body.clone());
        }
    }
    (digitised, failed)
}

/// The next events are one `batch.digitised` of `id`, and nothing else.
async fn digitised_once(events: &mut Events, id: &str, log: &str) {
    let mut got = events.collect_with_ids(1, Duration::from_secs(300)).await;
    got.extend(
        events
            .collect_with_ids(usize::MAX, Duration::from_secs(3))
            .await,
    );
    let (digitised, failed) = tally(&got);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        digitised.into_iter().collect::<Vec<_>>(),
        vec![(id.to_string(), 1)],
        "{got:?}\n{log}"
    );
}

/// The keys of the bucket's content and records (not the batch's life:
/// submissions and marks), as files under the server's data dir.
fn content_files(s3: &S3Server, names: &Names) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["originals", "documents", "text", "cases", "batches"] {
        let mut stack = vec![s3.dir.join(&names.bucket).join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(e.path());
                }
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_restart_digitises_every_batch_exactly_once() {
    let s3 = S3Server::start("rolling");
    let names = Names::new("rolling");
    let mut events = Events::listen(&names).await;
    let one = ["--ocr-threads", "1"];
    let mut a = Worker::start(&s3, &names, &one);
    let mut b = Worker::start(&s3, &names, &one);
    let ids: Vec<String> = (0..20)
        .map(|n| {
            submit(
                &s3,
                &names,
                &[&example_batch()],
                &["--batch-id", &format!("roll-{n:02}")],
            )
        })
        .collect();
    // Restart each worker in turn while batches flow: SIGTERM, wait for it
    // to drain and exit, start its successor.
    let mut got = events.collect_with_ids(3, Duration::from_secs(300)).await;
    assert_eq!(
        a.terminate(Duration::from_secs(300)),
        Some(0),
        "{}",
        a.log()
    );
    let _a2 = Worker::start(&s3, &names, &one);
    got.extend(events.collect_with_ids(4, Duration::from_secs(300)).await);
    assert_eq!(
        b.terminate(Duration::from_secs(300)),
        Some(0),
        "{}",
        b.log()
    );
    let _b2 = Worker::start(&s3, &names, &one);
    let left = ids.len().saturating_sub(got.len());
    got.extend(
        events
            .collect_with_ids(left, Duration::from_secs(600))
            .await,
    );
    // Anything doubled arrives soon after.
    got.extend(
        events
            .collect_with_ids(usize::MAX, Duration::from_secs(5))
            .await,
    );

    let (digitised, failed) = tally(&got);
    assert!(failed.is_empty(), "no batch fails: {failed:?}");
    let doubled: Vec<_> = digitised.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "one batch.digitised per batch: doubled {doubled:?}\nfirst worker:\n{}\nsecond worker:\n{}",
        a.log(),
        b.log()
    );
    let mut want = ids.clone();
    want.sort();
    assert_eq!(digitised.keys().cloned().collect::<Vec<_>>(), want);
    assert_eq!(record_files(&s3, &names).len(), ids.len());
    for w in [&a, &b] {
        assert!(
            w.log().contains("stopped"),
            "a worker stops cleanly: {}",
            w.log()
        );
    }
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_recorded_but_never_announced_is_announced_once_however_often_it_comes() {
    let s3 = S3Server::start("redeliver");
    let names = Names::new("redeliver");
    // A record without its event: as if a worker died between the two.
    let batch = example_batch();
    let out = sohoa(
        &s3,
        &[
            "process",
            batch.to_str().unwrap(),
            "--batch-id",
            "redo-1",
            "--store",
            &names.store(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = content_files(&s3, &names);
    assert_eq!(record_files(&s3, &names).len(), 1);

    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &[]);
    submit(&s3, &names, &[&batch], &["--batch-id", "redo-1"]);
    let first = events.collect_with_ids(1, Duration::from_secs(120)).await;
    let (digitised, failed) = tally(&first);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        digitised.get("redo-1"),
        Some(&1),
        "announced once: {first:?}"
    );

    // The same batch again, as the broker redelivers it.
    let message = |case: Option<&str>| {
        let files: Vec<Value> = ["scan_001.tif", "scan_002.jpg", "scan_003.tif"]
            .iter()
            .map(|n| serde_json::json!({"key": format!("inbox/redo-1/{n}"), "name": n}))
            .collect();
        let mut m = serde_json::json!({"batch_id": "redo-1", "files": files});
        if let Some(c) = case {
            m["case_code"] = c.into();
        }
        m
    };
    publish_raw(&names, &message(None)).await;
    worker.wait_for_metric("sohoa_batches_already_done_total", 2.0);
    let again = events
        .collect_with_ids(usize::MAX, Duration::from_secs(3))
        .await;
    assert!(again.is_empty(), "no second announcement: {again:?}");
    assert_eq!(
        content_files(&s3, &names),
        before,
        "no new objects and no new record"
    );
    assert!(
        worker.metric("sohoa_batches_in_flight") == Some(0.0),
        "the delivery was settled"
    );

    // A station sending it again is answered as before: nothing is queued.
    let again = submit_output(&s3, &names, &[&batch], &["--batch-id", "redo-1"], &[]);
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not queued again"));

    // The same files under the same id, but for another case: the station
    // is refused at once (exit 6); a message that skips that check is
    // refused by the worker; the record stays as it was.
    let other_case = "000.00.13.H04-210628-0001";
    let taken = submit_output(
        &s3,
        &names,
        &[&batch],
        &["--batch-id", "redo-1", "--case", other_case],
        &[],
    );
    assert_eq!(taken.status.code(), Some(6), "{taken:?}");
    publish_raw(&names, &message(Some(other_case))).await;
    let refused = events.collect_with_ids(1, Duration::from_secs(60)).await;
    let (digitised, failed) = tally(&refused);
    assert!(digitised.is_empty(), "{refused:?}");
    let reason = failed
        .first()
        .and_then(|f| f["reason"].as_str())
        .unwrap_or_default();
    assert!(
        reason.contains("recorded for case") && reason.contains(other_case),
        "{refused:?}"
    );
    assert_eq!(content_files(&s3, &names), before);
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_not_finished_by_the_drain_timeout_is_handed_back_and_completes_once() {
    let s3 = S3Server::start("drain");
    let names = Names::new("drain");
    let mut events = Events::listen(&names).await;
    let batch = samples_dir().join("batch_004"); // 20 pages: longer than the drain timeout
    let mut first = Worker::start(&s3, &names, &["--drain-timeout", "1"]);
    let id = submit(&s3, &names, &[&batch], &[]);
    first.wait_for_a_batch_in_hand();
    let stopping = Instant::now();
    assert_eq!(
        first.terminate(Duration::from_secs(60)),
        Some(0),
        "{}",
        first.log()
    );
    println!(
        "stopped {:.1} s after SIGTERM with a batch in hand",
        stopping.elapsed().as_secs_f64()
    );
    assert!(
        first.log().contains("handing back"),
        "the unfinished batch is handed back: {}",
        first.log()
    );
    assert!(record_files(&s3, &names).is_empty(), "nothing recorded yet");
    assert!(
        events.next(Duration::from_millis(500)).await.is_none(),
        "no event for a batch handed back"
    );

    let _second = Worker::start(&s3, &names, &[]);
    digitised_once(&mut events, &id, "").await;
    assert_eq!(record_files(&s3, &names).len(), 1);
    events.close().await;
    cleanup(&names).await;
}

/// Close the worker's `publisher` or `consumer` connection from the
/// broker's side (`rabbitmqctl close_connection`); panics if there is none.
fn close_connection(worker_pid: u32, which: &str) {
    let name = format!("sohoa-worker {worker_pid} {which}");
    let out = std::process::Command::new("rabbitmqctl")
        .args(["-s", "list_connections", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl");
    let listing = String::from_utf8_lossy(&out.stdout);
    let pid = listing
        .lines()
        .find(|l| l.contains(&name))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no connection named '{name}':\n{listing}"))
        .to_string();
    let st = std::process::Command::new("rabbitmqctl")
        .args(["-q", "close_connection", &pid, "closed by the test"])
        .status()
        .expect("rabbitmqctl");
    assert!(st.success(), "close_connection {pid}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publishing_connection_closed_by_the_broker_mid_batch_costs_no_delivery() {
    let s3 = S3Server::start("pubclose");
    let names = Names::new("pubclose");
    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &[]);
    // A first batch opens the publishing connection.
    let first = submit(&s3, &names, &[&example_batch()], &["--batch-id", "pub-1"]);
    let got = events.collect_with_ids(1, Duration::from_secs(120)).await;
    assert_eq!(tally(&got).0.get(&first), Some(&1), "{got:?}");
    // A long batch; the broker closes the publishing connection while the
    // worker reads it.
    let batch = samples_dir().join("batch_004");
    let id = submit(&s3, &names, &[&batch], &[]);
    worker.wait_for_a_batch_in_hand();
    close_connection(worker.child.id(), "publisher");
    digitised_once(&mut events, &id, &worker.log()).await;
    // Delivered once: processed once, never handed back or redelivered.
    assert_eq!(worker.metric("sohoa_batches_digitised_total"), Some(2.0));
    assert_eq!(worker.metric("sohoa_batches_already_done_total"), Some(0.0));
    assert!(!worker.log().contains("handed back"), "{}", worker.log());
    assert_eq!(record_files(&s3, &names).len(), 2);
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consuming_connection_lost_mid_batch_cancels_its_work_and_the_batch_completes_once() {
    let s3 = S3Server::start("conclose");
    let names = Names::new("conclose");
    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &[]);
    let batch = samples_dir().join("batch_004"); // 20 pages
    let id = submit(&s3, &names, &[&batch], &[]);
    worker.wait_for_a_batch_in_hand();
    close_connection(worker.child.id(), "consumer");
    // The batch taken on the lost connection is cancelled, not worked on
    // beside its redelivery; the redelivery digitises it, once.
    digitised_once(&mut events, &id, &worker.log()).await;
    assert!(
        worker
            .log()
            .contains("cancelling the batches taken on the lost connection"),
        "{}",
        worker.log()
    );
    assert_eq!(worker.metric("sohoa_batches_digitised_total"), Some(1.0));
    assert_eq!(worker.metric("sohoa_batches_in_flight"), Some(0.0));
    assert_eq!(record_files(&s3, &names).len(), 1);
    events.close().await;
    cleanup(&names).await;
}
