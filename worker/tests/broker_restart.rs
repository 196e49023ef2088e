//! The broker restarted in the middle of a run (`rabbitmqctl stop_app` /
//! `start_app`): the worker reconnects and nothing is lost. In a test
//! binary of its own, so no other test sees the broker go away.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// Whatever happens in the test, the broker is started again.
struct StartAppOnDrop;

impl Drop for StartAppOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "start_app"])
            .status();
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "await_startup"])
            .status();
    }
}

fn rabbitmqctl(args: &[&str]) {
    let st = Command::new("rabbitmqctl")
        .args(args)
        .status()
        .expect("rabbitmqctl");
    assert!(st.success(), "rabbitmqctl {args:?} failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_restart_during_a_run_loses_nothing() {
    let s3 = S3Server::start("restart");
    let names = Names::new("restart");
    let worker = Worker::start(&s3, &names, &[]);
    let n = 4;
    for i in 0..n {
        submit(
            &s3,
            &names,
            &[&example_batch()],
            &["--batch-id", &format!("restart-{i}")],
        );
    }
    let t = Instant::now();
    while record_files(&s3, &names).is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "nothing processed before the restart"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    {
        let _guard = StartAppOnDrop;
        rabbitmqctl(&["-q", "stop_app"]);
        std::thread::sleep(Duration::from_secs(3));
    }
    let t = Instant::now();
    while record_files(&s3, &names).len() < n {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "only {} of {n} batches recorded after the restart; worker log:\n{}",
            record_files(&s3, &names).len(),
            worker.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        record_files(&s3, &names).len(),
        n,
        "each batch recorded once"
    );
    // The worker is connected again and failed nothing.
    let t = Instant::now();
    while worker.metric("sohoa_broker_connected") != Some(1.0) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "worker did not reconnect"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(worker.metric("sohoa_batches_failed_total"), Some(0.0));
    let (ok, report) = verify(&s3, &names);
    assert!(ok, "{report}");
    cleanup(&names).await;
}
