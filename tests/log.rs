//! The transparency log of records: appended by sequencer steps into a
//! real local store, its tiles, checkpoints and proofs checked against a
//! second implementation (the `tlog_tiles` crate, Cloudflare azul's port
//! of Go's sumdb `tlog`), and a document's proof checked end to end by
//! the README's Python procedure (`scripts/check-proof.py`, hashlib only).

mod common;

use common::*;
use sohoa::catalog::log::{self, Leaf};
use sohoa::store::{LocalStore, Store};
use sohoa::tlog;
use tlog_tiles::{Hash as THash, HashReader, Tile};

/// The second implementation's view of the log: every stored hash, in
/// Go tlog's storage order, built leaf by leaf.
struct Reference {
    stored: Vec<THash>,
    leaves: u64,
}

impl HashReader for Reference {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<THash>, tlog_tiles::Error> {
        Ok(indexes.iter().map(|&i| self.stored[i as usize]).collect())
    }
}

impl Reference {
    fn append(&mut self, data: &[u8]) {
        let new = tlog_tiles::stored_hashes(self.leaves, data, self).unwrap();
        self.stored.extend(new);
        self.leaves += 1;
    }
    fn root(&self, size: u64) -> THash {
        tlog_tiles::tree_hash(size, self).unwrap()
    }
}

fn leaf(i: u64) -> Leaf {
    Leaf {
        key: format!("cases/000.00.13.H04-210628-0001/b{i:05}.json"),
        sha256: hex::encode(sha2::Sha256::digest(i.to_be_bytes())),
    }
}
use sha2::Digest;

/// Queue `n` more synthetic records and run one sequencer step.
async fn append(store: &LocalStore, from: u64, n: u64, signer: Option<&tlog::Signer>) -> u64 {
    for i in from..from + n {
        let l = leaf(i);
        store
            .put_if_absent(&sohoa::keys::log_pending(&l.marker()), l.data())
            .await
            .unwrap();
    }
    log::sequence(store, signer).await.unwrap()
}

#[tokio::test]
async fn tiles_checkpoints_and_proofs_agree_with_a_second_implementation() {
    let dir = temp_dir("log-reference");
    let store = LocalStore::new(&dir);
    let signer = tlog::Signer::generate("test.sohoa.vn/log").unwrap();
    let verifier = signer.verifier();
    let mut reference = Reference {
        stored: Vec::new(),
        leaves: 0,
    };
    let mut sizes = vec![0u64];
    // Steps that end inside a tile, on its edge, and cross several.
    for n in [1u64, 2, 5, 248, 1, 256, 300, 7] {
        let from = *sizes.last().unwrap();
        let size = append(&store, from, n, Some(&signer)).await;
        assert_eq!(size, from + n);
        // Markers are listed in hash order: the reference appends the
        // leaves in the order the step holds them.
        let (step, _) = log::latest_step(&store).await.unwrap();
        for l in &step.unwrap().leaves {
            reference.append(&l.data());
        }
        sizes.push(size);
        // Every tile the second implementation says this step publishes
        // is in the store with its bytes.
        for tile in Tile::new_tiles(8, from, size) {
            let want = tile.read_data(&reference).unwrap();
            let key = format!("log/{}", tile.path().replace("tile/8/", "tile/"));
            let got = store.get(&key).await.unwrap();
            assert_eq!(got.as_deref(), Some(want.as_slice()), "tile {key}");
        }
        // Its checkpoint: signed, and the reference's root.
        let cp = log::checkpoint_at(&store, size).await.unwrap().unwrap();
        assert!(verifier.verifies(&cp.note), "checkpoint {size} signed");
        assert_eq!(cp.note.checkpoint.root, reference.root(size).0);
    }
    let last = *sizes.last().unwrap();
    // Inclusion proofs of leaves across the log, checked by the reference.
    for size in [1u64, 3, 8, 256, 257, 513, last] {
        let root = reference.root(size);
        for m in [0, 1, size / 2, size.saturating_sub(2), size - 1] {
            if m >= size {
                continue;
            }
            let proof = log::inclusion_proof(&store, m, size).await.unwrap();
            let theirs: Vec<THash> = proof.iter().map(|h| THash(*h)).collect();
            let leaf_hash = THash(tlog::leaf_hash(&read_leaf(&store, m).await));
            tlog_tiles::check_record(&theirs, size, root, m, leaf_hash)
                .unwrap_or_else(|e| panic!("leaf {m} in {size}: {e}"));
            assert!(tlog::verify_inclusion(
                m,
                size,
                &leaf_hash.0,
                &proof,
                &root.0
            ));
        }
    }
    // Consistency proofs between every pair of checkpoints.
    for (i, &a) in sizes.iter().enumerate().skip(1) {
        for &b in &sizes[i..] {
            let proof = log::consistency_proof(&store, a, b).await.unwrap();
            let theirs: Vec<THash> = proof.iter().map(|h| THash(*h)).collect();
            let (ra, rb) = (reference.root(a), reference.root(b));
            tlog_tiles::check_tree(&theirs, b, rb, a, ra)
                .unwrap_or_else(|e| panic!("{a} -> {b}: {e}"));
            assert!(tlog::verify_consistency(a, b, &ra.0, &rb.0, &proof));
            if a < b {
                let mut wrong = ra.0;
                wrong[0] ^= 1;
                assert!(!tlog::verify_consistency(a, b, &wrong, &rb.0, &proof));
            }
        }
    }
}

/// The data of leaf `m`, from its entry bundle.
async fn read_leaf(store: &LocalStore, m: u64) -> Vec<u8> {
    let (_, size) = log::latest_step(store).await.unwrap();
    let index = m / tlog::TILE_WIDTH;
    let width = (size - index * tlog::TILE_WIDTH).min(tlog::TILE_WIDTH);
    log::read_bundle(store, index, width).await.unwrap()[(m % tlog::TILE_WIDTH) as usize].clone()
}

#[tokio::test]
async fn a_step_left_half_done_is_finished_by_the_next_and_nothing_is_logged_twice() {
    let dir = temp_dir("log-resume");
    let store = LocalStore::new(&dir);
    append(&store, 0, 3, None).await;
    // A step won but never finished (its sequencer died): written by hand.
    let leaves: Vec<Leaf> = (3..5).map(leaf).collect();
    for l in &leaves {
        store
            .put_if_absent(&sohoa::keys::log_pending(&l.marker()), l.data())
            .await
            .unwrap();
    }
    let step = log::Step { from: 3, leaves };
    store
        .put_if_absent(
            &sohoa::keys::log_step(3),
            serde_json::to_vec_pretty(&step).unwrap(),
        )
        .await
        .unwrap();
    assert!(log::checkpoint_at(&store, 5).await.unwrap().is_none());
    // The next step finishes it and appends nothing again.
    assert_eq!(log::sequence(&store, None).await.unwrap(), 5);
    let cp = log::checkpoint_at(&store, 5).await.unwrap().unwrap();
    assert!(
        cp.note.signatures.is_empty(),
        "no key: an unsigned checkpoint"
    );
    assert_eq!(cp.note.checkpoint.origin, log::DEFAULT_ORIGIN);
    for i in 0..5 {
        assert!(log::leaf_index(&store, &leaf(i)).await.unwrap().is_some());
    }
    assert_eq!(log::sequence(&store, None).await.unwrap(), 5);
    assert_eq!(store.list(sohoa::keys::LOG_STEPS).await.unwrap().len(), 2);
}

#[test]
fn a_processed_batch_is_logged_before_process_returns_and_its_proof_checks_without_sohoa() {
    let dir = temp_dir("log-process");
    let store_dir = dir.join("store");
    let key = dir.join("log.key");
    let out = run(sohoa()
        .args(["log", "key", "--origin", "test.sohoa.vn/log", "--out"])
        .arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let public = stdout(&out).trim().to_string();
    assert!(public.starts_with("test.sohoa.vn/log+"), "{public}");
    // Five records logged before this batch, so that its proof has hashes.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(append(&LocalStore::new(&store_dir), 100, 5, None));
    let out = run(sohoa()
        .arg("process")
        .arg(example_batch())
        .arg("--store")
        .arg(&store_dir)
        .arg("--log-key")
        .arg(&key)
        .arg("--json"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is leaf 5 of the transparency log"),
        "{}",
        stderr(&out)
    );
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let doc = record["documents"][0]["id"].as_str().unwrap().to_string();
    let pdf_key = record["documents"][0]["pdf"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let out = run(sohoa()
        .args(["proof", EXAMPLE_CASE, &doc, "--store"])
        .arg(&store_dir));
    assert!(out.status.success(), "{}", stderr(&out));
    let proof_file = dir.join("proof.json");
    std::fs::write(&proof_file, &out.stdout).unwrap();
    let proof: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(proof["leaf_index"], 5);
    assert_eq!(proof["tree_size"], 6);
    // The checkpoint is signed by the key whose public half was printed.
    let note = sohoa::tlog::parse_note(proof["checkpoint"].as_str().unwrap()).unwrap();
    assert!(
        sohoa::tlog::Verifier::parse(&public)
            .unwrap()
            .verifies(&note)
    );
    // The README's procedure, in Python with hashlib only.
    let pdf = store_dir.join(&pdf_key);
    let cp_file = dir.join("checkpoint");
    std::fs::write(&cp_file, proof["checkpoint"].as_str().unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-proof.py");
    let check = |pdf: &std::path::Path| {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(&proof_file)
            .arg(pdf)
            .arg(&cp_file)
            .output()
            .unwrap()
    };
    let ok = check(&pdf);
    assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
    // A PDF with one byte changed fails the same procedure.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    let forged = dir.join("forged.pdf");
    std::fs::write(&forged, bytes).unwrap();
    let bad = check(&forged);
    assert!(
        !bad.status.success(),
        "a changed PDF passed: {}",
        stdout(&bad)
    );
}

/// A real local store that counts what the log asks of it: the keys each
/// listing hands back (what an S3 server would send), the full listings,
/// and the writes and removals. `tag` gives it a name of its own, so that the log's hint of
/// the last step (kept per store name) starts cold, as in a new process.
struct Counted {
    inner: LocalStore,
    tag: String,
    listed_keys: std::sync::atomic::AtomicUsize,
    full_lists: std::sync::atomic::AtomicUsize,
    writes: std::sync::atomic::AtomicUsize,
}

impl Counted {
    fn new(dir: &std::path::Path, tag: &str) -> Counted {
        Counted {
            inner: LocalStore::new(dir),
            tag: tag.into(),
            listed_keys: 0.into(),
            full_lists: 0.into(),
            writes: 0.into(),
        }
    }
    /// (keys handed back by listings, full listings) since the last take.
    fn take(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::SeqCst;
        (
            self.listed_keys.swap(0, SeqCst),
            self.full_lists.swap(0, SeqCst),
        )
    }
}

#[async_trait::async_trait]
impl Store for Counted {
    async fn put_if_absent(
        &self,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<sohoa::store::Put, sohoa::store::StoreError> {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.put_if_absent(key, bytes).await
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, sohoa::store::StoreError> {
        self.inner.get(key).await
    }
    async fn exists(&self, key: &str) -> Result<bool, sohoa::store::StoreError> {
        self.inner.exists(key).await
    }
    async fn modified(
        &self,
        key: &str,
    ) -> Result<Option<time::OffsetDateTime>, sohoa::store::StoreError> {
        self.inner.modified(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, sohoa::store::StoreError> {
        self.full_lists
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.list(prefix).await
    }
    async fn list_after(
        &self,
        prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, sohoa::store::StoreError> {
        let keys = self.inner.list_after(prefix, after, max).await?;
        self.listed_keys
            .fetch_add(keys.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(keys)
    }
    async fn open_stream(
        &self,
        key: &str,
    ) -> Result<Option<sohoa::store::ObjectReader>, sohoa::store::StoreError> {
        self.inner.open_stream(key).await
    }
    async fn versions(
        &self,
        prefix: &str,
    ) -> Result<sohoa::store::Versions, sohoa::store::StoreError> {
        self.inner.versions(prefix).await
    }
    async fn remove_transient(&self, key: &str) -> Result<(), sohoa::store::StoreError> {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.remove_transient(key).await
    }
    fn describe(&self) -> String {
        format!("{} ({})", self.inner.describe(), self.tag)
    }
}

/// Queue leaf `i` as its writer does.
async fn queue_leaf(store: &dyn Store, i: u64) {
    let l = leaf(i);
    store
        .put_if_absent(&sohoa::keys::log_pending(&l.marker()), l.data())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_step_reads_the_backlog_and_the_new_end_of_the_log_not_the_whole_log() {
    let dir = temp_dir("log-bounded");
    let store = Counted::new(&dir, "warm");
    // 300 steps of one record each: 300 step keys, 300 checkpoints, 300
    // logged markers that a step listing whole prefixes would read.
    for i in 0..300 {
        queue_leaf(&store, i).await;
        assert_eq!(log::sequence(&store, None).await.unwrap(), i + 1);
    }
    assert!(
        store
            .list(sohoa::keys::LOG_PENDING)
            .await
            .unwrap()
            .is_empty(),
        "every pending marker is removed once its leaf is logged"
    );
    for i in 0..300 {
        assert_eq!(log::leaf_index(&store, &leaf(i)).await.unwrap(), Some(i));
    }
    store.take();

    // One more record, in this process (the last step is known).
    queue_leaf(&store, 300).await;
    assert_eq!(log::sequence(&store, None).await.unwrap(), 301);
    let (listed, full) = store.take();
    println!("warm step: {listed} keys listed, {full} full listings");
    assert_eq!(full, 0, "a step never lists a whole prefix");
    assert!(listed <= 3, "a warm step listed {listed} keys");

    // And in a new process: found by bisection, a few keys per doubling.
    let cold = Counted::new(&dir, "cold");
    queue_leaf(&cold, 301).await;
    assert_eq!(log::sequence(&cold, None).await.unwrap(), 302);
    let (listed, full) = cold.take();
    println!("cold step at 301 steps: {listed} keys listed, {full} full listings");
    assert_eq!(full, 0, "a step never lists a whole prefix");
    assert!(listed <= 2 * 10 + 4, "a cold step listed {listed} keys");

    // The latest checkpoint is found the same way, and is the right one.
    let cp = log::latest_checkpoint(&Counted::new(&dir, "audit"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.note.checkpoint.size, 302);
}

#[tokio::test]
async fn an_idle_step_writes_and_removes_nothing_once_this_process_finished_the_last_step() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = temp_dir("log-idle");
    let store = Counted::new(&dir, "idle");
    for i in 0..50 {
        queue_leaf(&store, i).await;
    }
    assert_eq!(log::sequence(&store, None).await.unwrap(), 50);
    store.writes.swap(0, SeqCst);
    for _ in 0..3 {
        assert_eq!(log::sequence(&store, None).await.unwrap(), 50);
    }
    assert_eq!(store.writes.load(SeqCst), 0, "idle ticks wrote or removed");

    // A new process does not know who finished the last step (its
    // sequencer may have died half way): it finishes it once, then idles.
    let other = Counted::new(&dir, "other process");
    assert_eq!(log::sequence(&other, None).await.unwrap(), 50);
    assert!(
        other.writes.swap(0, SeqCst) > 0,
        "the last step was not finished again"
    );
    assert_eq!(log::sequence(&other, None).await.unwrap(), 50);
    assert_eq!(
        other.writes.load(SeqCst),
        0,
        "an idle tick wrote or removed"
    );
}

#[tokio::test]
async fn a_record_queued_again_after_it_was_logged_is_not_logged_twice() {
    let dir = temp_dir("log-requeue");
    let store = LocalStore::new(&dir);
    append(&store, 0, 4, None).await;
    // Its writer queues it again (a retried batch, `sohoa process` making
    // sure): the marker comes back, the next step removes it unlogged.
    queue_leaf(&store, 2).await;
    assert_eq!(store.list(sohoa::keys::LOG_PENDING).await.unwrap().len(), 1);
    assert_eq!(log::sequence(&store, None).await.unwrap(), 4);
    assert!(
        store
            .list(sohoa::keys::LOG_PENDING)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(log::leaf_index(&store, &leaf(2)).await.unwrap(), Some(2));
}

#[tokio::test]
async fn a_removed_latest_step_is_not_trusted_from_memory() {
    let dir = temp_dir("log-hint");
    let store = LocalStore::new(&dir);
    append(&store, 0, 2, None).await;
    append(&store, 2, 3, None).await;
    assert_eq!(log::latest_step(&store).await.unwrap().1, 5);
    let cp = log::latest_checkpoint(&store).await.unwrap().unwrap();
    assert_eq!(cp.note.checkpoint.size, 5);
    // Someone with access to the bucket removes the last step and its
    // checkpoint: this process remembered them, and must look again.
    std::fs::remove_file(dir.join(sohoa::keys::log_step(2))).unwrap();
    std::fs::remove_file(dir.join(sohoa::keys::log_checkpoint(5))).unwrap();
    assert_eq!(log::latest_step(&store).await.unwrap().1, 2);
    let cp = log::latest_checkpoint(&store).await.unwrap().unwrap();
    assert_eq!(cp.note.checkpoint.size, 2);
}
