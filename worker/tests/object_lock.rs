//! S3 Object Lock (`--object-lock-days`). On a store that cannot lock
//! (s3s-fs, which takes the lock headers and ignores them; a directory)
//! every command refuses, naming what to do, before anything is written.
//! Without the option all works as before, and `verify` says object
//! versions were not checked, and why. On moto (a fake of AWS S3 that
//! implements versioning and Object Lock) every archive object written
//! is retained in compliance mode for the days given, the inbox is not,
//! and a record written over is reported as `multiple_versions`.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Wait for a process that must exit by itself (it refuses to start);
/// killed and failed if it is still running after `limit`, so that a
/// regression fails the test instead of hanging it.
fn exit_of(mut child: std::process::Child, limit: Duration) -> (Option<i32>, String) {
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (status.code(), err);
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: it did not refuse to start");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `sohoa process` of the example batch into `store`, with `extra` flags.
fn process(s3: &S3Server, store: &str, extra: &[&str]) -> std::process::Output {
    let batch = example_batch();
    let mut args = vec!["process", batch.to_str().unwrap(), "--store", store];
    args.extend_from_slice(extra);
    sohoa(s3, &args)
}

#[test]
fn without_object_lock_s3s_fs_works_as_before_and_verify_says_versions_unchecked() {
    let s3 = S3Server::start("nolock");
    let names = Names::new("nolock");
    let out = process(&s3, &names.store(), &[]);
    assert!(out.status.success(), "process: {}", stderr(&out));
    assert_eq!(record_files(&s3, &names).len(), 1);

    let (ok, report) = verify(&s3, &names);
    assert!(ok, "{report:#}");
    assert_eq!(report["log"]["versions"], "unchecked", "{report:#}");
    let why = report["log"]["versions_detail"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("NotImplemented"), "{why}");
    let out = sohoa(&s3, &["verify", "--store", &names.store()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("object versions: unchecked"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn object_lock_on_a_store_that_cannot_lock_is_refused_before_anything_is_written() {
    let s3 = S3Server::start("cannot-lock");
    let names = Names::new("cannot_lock");
    let batch = example_batch();
    let actionable = |err: &str| {
        assert!(err.contains("cannot lock objects"), "{err}");
        assert!(
            err.contains("GetObjectLockConfiguration: NotImplemented"),
            "{err}"
        );
        assert!(err.contains("leave --object-lock-days"), "{err}");
    };

    // sohoa process, with the flag.
    let out = process(&s3, &names.store(), &["--object-lock-days", "30"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    actionable(&stderr(&out));

    // sohoa submit, with the environment variable.
    let out = submit_output(
        &s3,
        &names,
        &[&batch],
        &[],
        &[("SOHOA_OBJECT_LOCK_DAYS", "30")],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    actionable(&stderr(&out));

    // sohoa serve (the API).
    let mut cmd = Command::new(sohoa_bin());
    s3.env(&mut cmd);
    let serve = cmd
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--store",
            &names.store(),
        ])
        .args(["--object-lock-days", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, err) = exit_of(serve, Duration::from_secs(120));
    assert_eq!(code, Some(5), "{err}");
    actionable(&err);

    // The worker.
    let mut cmd = Command::new(worker_bin());
    s3.env(&mut cmd);
    let worker = cmd
        .args(["--amqp", AMQP, "--store", &names.store()])
        .args([
            "--queue",
            &names.queue,
            "--events-exchange",
            &names.exchange,
        ])
        .args(["--metrics-listen", "off", "--object-lock-days", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, err) = exit_of(worker, Duration::from_secs(120));
    assert_eq!(code, Some(5), "{err}");
    actionable(&err);

    // Nothing was written: no record, no original, no inbox file.
    let written = keys(&s3, &names, "").await;
    assert!(written.is_empty(), "{written:?}");

    // A directory cannot lock its files either.
    let dir = temp_dir("lock-dir");
    let out = process(&s3, dir.to_str().unwrap(), &["--object-lock-days", "30"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_object_lock_on_moto_archive_objects_are_retained_the_inbox_is_not_and_a_rewrite_is_flagged()
 {
    let s3 = S3Server::start_moto("lock");
    let names = Names::new("lock");
    let batch = example_batch();
    let days = 2;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let before = now();
    // The bucket does not exist: sohoa creates it with Object Lock.
    let out = process(
        &s3,
        &names.store(),
        &["--object-lock-days", &days.to_string()],
    );
    assert!(out.status.success(), "process: {}", stderr(&out));
    // A station's submission: inbox files (not archive), its claim and
    // submission (archive).
    let out = submit_output(
        &s3,
        &names,
        &[&batch],
        &["--batch-id", "queued-1"],
        &[("SOHOA_OBJECT_LOCK_DAYS", &days.to_string())],
    );
    assert!(out.status.success(), "submit: {}", stderr(&out));
    let after = now();

    let client = s3_client(&s3);
    let all = keys(&s3, &names, "").await;
    for prefix in [
        "originals/",
        "documents/",
        "text/",
        "cases/",
        "log/",
        "claims/",
        "inbox/",
    ] {
        assert!(
            all.iter().any(|k| k.starts_with(prefix)),
            "nothing under {prefix}: {all:?}"
        );
    }
    for key in &all {
        let head = client
            .head_object()
            .bucket(&names.bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        if key.starts_with("inbox/") {
            assert_eq!(head.object_lock_mode(), None, "{key}");
            assert_eq!(head.object_lock_retain_until_date(), None, "{key}");
            continue;
        }
        assert_eq!(
            head.object_lock_mode(),
            Some(&aws_sdk_s3::types::ObjectLockMode::Compliance),
            "{key}"
        );
        let until = head
            .object_lock_retain_until_date()
            .unwrap_or_else(|| panic!("{key} has no retain-until date"))
            .secs();
        let span = days * 86_400;
        assert!(
            until >= before + span - 1 && until <= after + span + 1,
            "{key}: retained until {until}, not {days} days from its writing"
        );
    }

    // The lock holds: the record's version cannot be deleted.
    let record = all
        .iter()
        .find(|k| k.starts_with("cases/"))
        .unwrap()
        .clone();
    let listed = client
        .list_object_versions()
        .bucket(&names.bucket)
        .prefix(&record)
        .send()
        .await
        .unwrap();
    let first = listed.versions()[0].version_id().unwrap().to_string();
    let deleted = client
        .delete_object()
        .bucket(&names.bucket)
        .key(&record)
        .version_id(&first)
        .send()
        .await;
    assert!(deleted.is_err(), "a locked version was deleted");

    // Before anything is written over, verify finds no key with several
    // versions.
    let (ok, report) = verify(&s3, &names);
    assert_eq!(report["log"]["versions"], "checked", "{report:#}");
    assert!(ok, "{report:#}");

    // Written over (a new version; the locked one stays): flagged.
    client
        .put_object()
        .bucket(&names.bucket)
        .key(&record)
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
    let (ok, report) = verify(&s3, &names);
    assert!(!ok, "{report:#}");
    let several: Vec<&str> = report["log"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "multiple_versions")
        .filter_map(|f| f["key"].as_str())
        .collect();
    assert_eq!(several, [record.as_str()], "{report:#}");
    cleanup(&names).await;
}
