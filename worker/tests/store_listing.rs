//! Listing the new end of a prefix on a real S3 server (s3s-fs):
//! `Store::list_after` hands back only keys after the one given, at most
//! as many as asked, in order, across list pages; what the transparency
//! log's sequencer rests on to read no more than what is new.
//!
//! One test in its own binary: it sets the AWS variables for the store it
//! opens in this process before any thread starts.

mod common;

use common::*;
use futures_util::StreamExt;

#[test]
fn list_after_reads_only_keys_after_the_given_one_at_most_as_many_as_asked() {
    let s3 = S3Server::start("store-listing");
    let names = Names::new("store_listing");
    s3.env_for_this_process();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = sohoa::store::open(&names.store()).await.unwrap();
        // More keys than one list page holds (1000), and a neighbour
        // prefix that must not leak in.
        let sizes: Vec<u64> = (0..1203).map(|i| i * 3).collect();
        let store = store.as_ref();
        let writes = sizes.iter().map(|&n| async move {
            store
                .put_if_absent(&sohoa::keys::log_step(n), vec![b'x'])
                .await
        });
        let done: Vec<_> = futures_util::stream::iter(writes)
            .buffer_unordered(32)
            .collect()
            .await;
        assert!(done.iter().all(Result::is_ok));
        store
            .put_if_absent(&sohoa::keys::log_checkpoint(1), vec![b'y'])
            .await
            .unwrap();
        let prefix = sohoa::keys::LOG_STEPS;

        let all = store.list_after(prefix, None, usize::MAX).await.unwrap();
        let want: Vec<String> = sizes.iter().map(|&n| sohoa::keys::log_step(n)).collect();
        assert_eq!(all, want, "every key of the prefix, in order, across pages");

        let after = sohoa::keys::log_step(7);
        let next = store.list_after(prefix, Some(&after), 1).await.unwrap();
        assert_eq!(
            next,
            vec![sohoa::keys::log_step(9)],
            "the first key after 7"
        );

        let tail = store
            .list_after(prefix, Some(&sohoa::keys::log_step(600)), 1500)
            .await
            .unwrap();
        assert_eq!(tail.len(), 1203 - 201, "keys after 600 (the 201st key)");
        assert_eq!(tail.first(), Some(&sohoa::keys::log_step(603)));

        let last = sohoa::keys::log_step(3606);
        assert!(
            store
                .list_after(prefix, Some(&last), 5)
                .await
                .unwrap()
                .is_empty()
        );
        let some = store.list_after(prefix, Some(&after), 1001).await.unwrap();
        assert_eq!(some.len(), 1001, "at most as many as asked, across pages");
    });
    rt.block_on(cleanup(&names));
}
