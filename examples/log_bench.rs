//! Benchmark of the transparency log (run by `bench/log.sh`, not a test):
//! append N leaves (default 100 000) in sequencer steps of S (default
//! 1000), each leaf a small stored object, then audit them all with
//! `sohoa verify`'s code; print the times and the proof sizes, and check
//! a sample of proofs against the `tlog_tiles` crate.
//!
//! usage: log_bench STORE_DIR [N] [STEP]

use sohoa::anchor::Anchors;
use sohoa::catalog::log;
use sohoa::store::{LocalStore, Store};
use sohoa::tlog;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: log_bench STORE_DIR [N] [STEP]")?;
    let n: u64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let step: u64 = args.next().map_or(Ok(1000), |a| a.parse())?;
    let store = LocalStore::new(&dir);
    let signer = tlog::Signer::generate("bench.sohoa.vn/log")?;
    let t = Instant::now();
    let mut stored = 0.0;
    let mut size = 0;
    while size < n {
        let count = step.min(n - size);
        let s = Instant::now();
        for i in size..size + count {
            let key = format!("failures/bench{i:07}/20261205T000000.000000Z.json");
            let bytes = format!("{{\"batch_id\":\"bench{i:07}\",\"reason\":\"benchmark\"}}");
            store
                .put_if_absent(&key, bytes.clone().into_bytes())
                .await?;
            log::queue(&store, &key, bytes.as_bytes()).await?;
        }
        stored += s.elapsed().as_secs_f64();
        size = log::sequence(&store, Some(&signer)).await?;
    }
    let total = t.elapsed().as_secs_f64();
    println!(
        "appended {n} leaves in steps of {step}: {total:.1} s in all, {stored:.1} s storing the objects and their markers, {:.1} s sequencing ({:.0} leaves/s)",
        total - stored,
        n as f64 / (total - stored)
    );
    // One more record on the full log: as a running worker's step (it
    // knows the last step), then as a new process's (the same directory
    // through a symlink is another store name, so nothing is remembered).
    let alias = format!("{}-alias", dir.trim_end_matches('/'));
    std::os::unix::fs::symlink(std::fs::canonicalize(&dir)?, &alias)?;
    for (what, one) in [
        ("warm", LocalStore::new(&dir)),
        ("cold", LocalStore::new(&alias)),
    ] {
        let key = format!("failures/bench-{what}/20261205T000000.000000Z.json");
        let bytes = format!("{{\"batch_id\":\"bench-{what}\"}}");
        one.put_if_absent(&key, bytes.clone().into_bytes()).await?;
        log::queue(&one, &key, bytes.as_bytes()).await?;
        let s = Instant::now();
        let size = log::sequence(&one, Some(&signer)).await?;
        println!(
            "a step of one record at size {size} ({what}: {}): {:.1} ms",
            if what == "warm" {
                "this process knows the last step"
            } else {
                "a new process"
            },
            s.elapsed().as_secs_f64() * 1000.0
        );
    }
    std::fs::remove_file(&alias)?;
    let n = n + 2;
    let inclusion = log::inclusion_proof(&store, n / 3, n).await?;
    let consistency = log::consistency_proof(&store, n / 2, n).await?;
    println!(
        "inclusion proof at size {n}: {} hashes ({} bytes); consistency proof {} -> {n}: {} hashes ({} bytes)",
        inclusion.len(),
        inclusion.len() * 32,
        n / 2,
        consistency.len(),
        consistency.len() * 32
    );
    let anchors = Anchors {
        verifier: Some(signer.verifier()),
        ..Anchors::default()
    };
    let t = Instant::now();
    let report = sohoa::fixity::verify(&store, None, &anchors).await?;
    let log = report.log.as_ref().ok_or("no log report")?;
    println!(
        "audit of {} leaves: {:.1} s; signature {}; {}",
        log.size,
        t.elapsed().as_secs_f64(),
        log.signature,
        log.summary()
    );
    // A sample of proofs against the second implementation.
    let cp = log::latest_checkpoint(&store)
        .await?
        .ok_or("no checkpoint")?;
    let root = tlog_tiles::Hash(cp.note.checkpoint.root);
    for m in [0, 1, n / 7, n / 2, n - 1] {
        let proof = log::inclusion_proof(&store, m, n).await?;
        let bundle = m / tlog::TILE_WIDTH;
        let width = (n - bundle * tlog::TILE_WIDTH).min(tlog::TILE_WIDTH);
        let entries = log::read_bundle(&store, bundle, width).await?;
        let leaf = tlog_tiles::Hash(tlog::leaf_hash(&entries[(m % tlog::TILE_WIDTH) as usize]));
        let theirs: Vec<_> = proof.into_iter().map(tlog_tiles::Hash).collect();
        tlog_tiles::check_record(&theirs, n, root, m, leaf)?;
    }
    println!("inclusion proofs of 5 leaves checked by tlog_tiles: ok");
    Ok(())
}
