//! Write-once on a real S3 server (s3s-fs): a key once written keeps its
//! bytes against a later writer, in one part or in many; writers at the
//! same moment leave the bytes of one told it created the key (s3s-fs
//! checks `If-None-Match` before it writes, not atomically, so more than
//! one may be told so there; ARCHITECTURE.md says what holds where); only
//! inbox files and the log's pending markers are ever removed.
//!
//! One test in its own binary: it sets the AWS variables for the store it
//! opens in this process before any thread starts.

mod common;

use common::*;
use sohoa::store::{Put, Store};

fn bytes(tag: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| tag ^ (i % 251) as u8).collect()
}

async fn open(names: &Names, multipart_threshold: &str) -> Box<dyn Store> {
    // SAFETY: set before the runtime's other threads touch the environment.
    unsafe { std::env::set_var("SOHOA_S3_MULTIPART_THRESHOLD", multipart_threshold) };
    sohoa::store::open(&names.store()).await.unwrap()
}

/// Several writers of one key at once: the key holds the bytes of a
/// writer told it created the key.
async fn race(store: &dyn Store, key: &str, size: usize) {
    let writers = (1..=6u8).map(|tag| async move {
        let put = store.put_if_absent(key, bytes(tag, size)).await.unwrap();
        (tag, put)
    });
    let results = futures_util::future::join_all(writers).await;
    let created: Vec<u8> = results
        .iter()
        .filter(|(_, p)| *p == Put::Created)
        .map(|(t, _)| *t)
        .collect();
    println!(
        "{key}: {} of 6 concurrent writers told created",
        created.len()
    );
    let stored = store.get(key).await.unwrap().unwrap();
    assert!(
        created.iter().any(|t| stored == bytes(*t, size)),
        "{key}: stored bytes of no writer told created: {results:?}"
    );
}

#[test]
fn a_written_key_keeps_its_bytes_against_later_and_concurrent_writers() {
    let s3 = S3Server::start("write-once");
    let names = Names::new("write_once");
    s3.env_for_this_process();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for (threshold, size, what) in [("67108864", 3000, "one part"), ("4000", 12000, "parts")] {
            let store = open(&names, threshold).await;
            let key = format!("cases/x/later-{size}.json");
            let first = bytes(1, size);
            assert_eq!(
                store.put_if_absent(&key, first.clone()).await.unwrap(),
                Put::Created
            );
            let second = store.put_if_absent(&key, bytes(2, size)).await.unwrap();
            assert_eq!(second, Put::Existed, "{what}");
            assert_eq!(store.get(&key).await.unwrap().unwrap(), first, "{what}");
            race(store.as_ref(), &format!("claims/b/{size}.json"), size).await;
        }
        let store = open(&names, "67108864").await;
        let record = "cases/x/later-3000.json";
        assert!(store.remove_transient(record).await.is_err());
        assert!(store.exists(record).await.unwrap());
        let inbox = "inbox/b1/scan_001.tif";
        store.put_if_absent(inbox, bytes(3, 10)).await.unwrap();
        store.remove_transient(inbox).await.unwrap();
        assert!(!store.exists(inbox).await.unwrap());
        store.remove_transient(inbox).await.unwrap();
        let pending = sohoa::keys::log_pending(&"ab".repeat(32));
        store.put_if_absent(&pending, bytes(4, 10)).await.unwrap();
        store.remove_transient(&pending).await.unwrap();
        assert!(!store.exists(&pending).await.unwrap());
        let step = sohoa::keys::log_step(0);
        store.put_if_absent(&step, bytes(5, 10)).await.unwrap();
        assert!(store.remove_transient(&step).await.is_err());
        assert!(store.exists(&step).await.unwrap());
    });
    rt.block_on(cleanup(&names));
}
