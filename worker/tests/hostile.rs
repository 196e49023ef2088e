//! The hostile-input catalogue (`hostile/catalogue.rs`) through the CLI
//! and through the worker (real RabbitMQ, real S3 server): every file ends
//! with a clear error naming it, in bounded time and memory (peak RSS is
//! measured and printed), nothing is recorded, the original stays, and
//! the worker goes on serving.

#[path = "hostile/catalogue.rs"]
mod catalogue;
mod common;

use catalogue::{Hostile, catalogue, peak_rss_mib, qr_decoder_panic_pdf, reset_peak_rss};
use common::*;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above any real page's working set, far below what the catalogue
/// took before the limits (23 GB): the bound that says "bounded".
const BOUNDED_MIB: u64 = 1024;

/// Run `sohoa ARGS` to its end (killed after `limit`) under GNU time; exit
/// code, stderr, peak RSS in MiB and seconds. (Measured by `time`, whose
/// own small process forks the command: a child forked straight from this
/// test process would inherit the test's high-water mark.)
fn run_measured(args: &[&std::ffi::OsStr], limit: Duration) -> (Option<i32>, String, u64, f64) {
    let dir = temp_dir("hostile-run");
    let (err_path, rss_path) = (dir.join("stderr"), dir.join("rss"));
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&rss_path)
        .arg(sohoa_bin())
        .args(args)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("/usr/bin/time (Debian package time, installed by scripts/setup.sh)");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("sohoa {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = started.elapsed().as_secs_f64();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let rss_kib: u64 = std::fs::read_to_string(&rss_path)
        .unwrap_or_default()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS from /usr/bin/time: {stderr}"));
    (status.code(), stderr, rss_kib / 1024, secs)
}

#[test]
fn the_catalogue_holds_at_least_25_distinct_files() {
    let files = catalogue(&example_batch());
    let mut names: Vec<&str> = files.iter().map(|f| f.name).collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 25, "{names:?}");
    assert_eq!(names.len(), files.len(), "names are unique");
    let largest = files.iter().map(|f| f.bytes.len()).max().unwrap();
    println!(
        "{} hostile files, the largest {} KiB",
        files.len(),
        largest / 1024
    );
}

#[test]
fn every_hostile_file_is_refused_by_the_cli_in_bounded_time_and_memory() {
    let mut table = Vec::new();
    for Hostile { name, bytes } in catalogue(&example_batch()) {
        let dir = temp_dir(&format!("hostile-cli-{name}"));
        let file = dir.join("batch").join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &bytes).unwrap();
        let store = dir.join("store");
        let batch = file.parent().unwrap();
        let args: Vec<&std::ffi::OsStr> = vec![
            "process".as_ref(),
            batch.as_os_str(),
            "--store".as_ref(),
            store.as_os_str(),
            "--threads".as_ref(),
            "1".as_ref(),
            "--case".as_ref(),
            "000.00.13.H04-210628-0001".as_ref(),
        ];
        let (code, stderr, rss, secs) = run_measured(&args, Duration::from_secs(120));
        let message = stderr.lines().last().unwrap_or_default().to_string();
        println!("{name:32} exit {code:?}  peak {rss:4} MiB  {secs:5.2} s  {message}");
        assert_eq!(code, Some(3), "{name}: refused as bad input: {stderr}");
        assert!(
            message.contains(name),
            "{name}: the error names the file: {stderr}"
        );
        assert!(!store.join("cases").exists(), "{name}: nothing recorded");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{name}: the original stays"
        );
        assert!(rss < BOUNDED_MIB, "{name}: peak RSS {rss} MiB");
        table.push((name, rss));
    }
    let worst = table.iter().max_by_key(|(_, r)| *r).unwrap();
    println!("CLI: highest peak RSS {} MiB ({})", worst.1, worst.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_file_fails_in_the_worker_which_stays_alive_and_bounded() {
    let s3 = S3Server::start("hostile");
    let names = Names::new("hostile");
    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &["--ocr-threads", "1"]);
    let pid = worker.child.id();
    let client = s3_client(&s3);
    let _ = client.create_bucket().bucket(&names.bucket).send().await;
    let conn = Connection::connect(AMQP, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut worst = (0, "");
    for (n, Hostile { name, bytes }) in catalogue(&example_batch()).into_iter().enumerate() {
        // What a station's own AMQP client would send, unchecked by sohoa.
        let batch_id = format!("hostile-{n:02}");
        let key = format!("inbox/{batch_id}/{name}");
        put(&s3, &names, &key, bytes.clone()).await;
        let body = json!({"batch_id": batch_id, "case_code": "000.00.13.H04-210628-0001",
            "files": [{"key": key, "name": name, "sha256": hex::encode(Sha256::digest(&bytes))}]});
        reset_peak_rss(pid);
        let started = Instant::now();
        ch.basic_publish(
            "".into(),
            names.queue.as_str().into(),
            BasicPublishOptions::default(),
            body.to_string().as_bytes(),
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap();
        let got = events.next(Duration::from_secs(120)).await;
        let secs = started.elapsed().as_secs_f64();
        let rss = peak_rss_mib(pid);
        let (kind, event) = got.unwrap_or_else(|| panic!("{name}: no event: {}", worker.log()));
        let reason = event["reason"].as_str().unwrap_or_default().to_string();
        println!("{name:32} {kind}  worker peak {rss:4} MiB  {secs:5.2} s  {reason}");
        assert_eq!(kind, "batch.failed", "{name}: {event}");
        assert_eq!(event["batch_id"], batch_id.as_str());
        assert!(
            reason.contains(name),
            "{name}: the reason names the file: {reason}"
        );
        assert!(rss < BOUNDED_MIB, "{name}: worker peak RSS {rss} MiB");
        assert!(
            worker.metric("sohoa_broker_connected") == Some(1.0),
            "{name}: the worker is alive and connected: {}",
            worker.log()
        );
        let kept = client
            .get_object()
            .bucket(&names.bucket)
            .key(&key)
            .send()
            .await;
        assert!(kept.is_ok(), "{name}: the original stays in the inbox");
        if rss > worst.0 {
            worst = (rss, name);
        }
    }
    assert!(
        record_files(&s3, &names).is_empty(),
        "no record for any of them"
    );
    println!("worker: highest peak RSS {} MiB ({})", worst.0, worst.1);
    let _ = conn.close(200, "bye".into()).await;
    events.close().await;
    cleanup(&names).await;
}

/// A page whose finder-like squares make the QR decoder (rqrr) panic: the
/// CLI and the worker read it without its QR codes, with a warning that
/// names the panic, and the worker goes on to the next batch. Without the
/// guard around the QR search, the batch failed, and a station could
/// never get such a page digitised however often it rescanned it.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_panics_the_qr_decoder_is_read_without_it_and_the_worker_serves_on() {
    let dir = temp_dir("qr-panic");
    let batch = dir.join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    std::fs::write(batch.join("stamped.pdf"), qr_decoder_panic_pdf()).unwrap();
    let case = "000.00.13.H04-210628-0001";
    let out = Command::new(sohoa_bin())
        .args(["process", "--json", "--threads", "1", "--case", case])
        .arg(&batch)
        .arg("--store")
        .arg(dir.join("store"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rqrr") && stderr.contains("panicked"),
        "the QR decoder really panicked: {stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let qr_warning = |record: &serde_json::Value| {
        record["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| w.as_str())
            .find(|w| w.contains("(qr_search_failed)"))
            .map(str::to_string)
    };
    let warning = qr_warning(&record).unwrap_or_else(|| panic!("a warning: {record}"));
    assert!(
        warning.starts_with("stamped.pdf page 1:") && warning.contains("assertion failed"),
        "{warning}"
    );
    assert_eq!(record["documents"].as_array().map(Vec::len), Some(1));

    // The worker: the same page digitised with the same warning, then the
    // next batch.
    let s3 = S3Server::start("qr-panic");
    let names = Names::new("qr_panic");
    let mut events = Events::listen(&names).await;
    let worker = Worker::start(&s3, &names, &["--ocr-threads", "1"]);
    submit(&s3, &names, &[&batch], &["--case", case]);
    let (kind, event) = events
        .next(Duration::from_secs(120))
        .await
        .unwrap_or_else(|| panic!("no event: {}", worker.log()));
    assert_eq!(kind, "batch.digitised", "{event}");
    let records = record_files(&s3, &names);
    assert_eq!(records.len(), 1, "{records:?}");
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    assert!(qr_warning(&stored).is_some(), "{stored}");
    submit(&s3, &names, &[&example_batch()], &[]);
    let (kind, event) = events
        .next(Duration::from_secs(120))
        .await
        .unwrap_or_else(|| panic!("no second event: {}", worker.log()));
    assert_eq!(kind, "batch.digitised", "the worker serves on: {event}");
    events.close().await;
    cleanup(&names).await;
}
