//! The search index's benchmark (`bench/index.sh` runs it): index N
//! synthetic documents (default 100 000, ten to a batch record, each with
//! an OCR text of 150-600 words of administrative Vietnamese, a name, an ID
//! number, a birth date and a land parcel number), then time queries of
//! each kind and print index time, size on disk and p50/p95 latencies.
//!
//! The records go straight to the index (`Index::put_records`, 100
//! records a transaction), as a rebuild writes them; reading them from a
//! store is not measured. The database named by the URL is emptied first.
//!
//!     cargo run --release --example index_bench -- postgres://postgres@127.0.0.1/sohoa_bench [N]

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use sohoa::index::{Index, Search};
use std::time::{Duration, Instant};
use synthetic::{Known, Rng, UNITS};

const QUERIES: usize = 200;

/// p50 and p95 of the query's latency over `searches`, and the mean hits.
async fn time(index: &Index, searches: Vec<Search>) -> (Duration, Duration, f64) {
    let mut took = Vec::new();
    let mut hits = 0u64;
    for s in &searches {
        let t = Instant::now();
        let page = index.search(s).await.expect("search");
        took.push(t.elapsed());
        hits += page.total;
    }
    took.sort();
    let at = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
    (at(0.50), at(0.95), hits as f64 / searches.len() as f64)
}

/// One of `v`, at random.
fn pick(v: &[String], rng: &mut Rng) -> String {
    v[(rng.next() % v.len() as u64) as usize].clone()
}

/// Makes one search of a kind from what was indexed.
type Kind = fn(&Known, &mut Rng) -> Search;

/// The kinds of query timed, each made [`QUERIES`] times.
const KINDS: &[(&str, Kind)] = &[
    ("id number (exact)", |k, r| Search {
        id_number: Some(pick(&k.ids, r)),
        ..Default::default()
    }),
    ("id number (8-digit prefix)", |k, r| Search {
        id_number: Some(pick(&k.ids, r)[..8].to_string()),
        ..Default::default()
    }),
    ("name (as typed, diacritics)", |k, r| Search {
        name: Some(pick(&k.names, r)),
        ..Default::default()
    }),
    ("name (folded, one letter off)", |k, r| {
        let mut name = sohoa::fold::fold_lower(&pick(&k.names, r));
        name.pop();
        name.push('x');
        Search {
            name: Some(name),
            ..Default::default()
        }
    }),
    ("full text (parcel: 'thửa đất số N')", |k, r| {
        Search {
            text: Some(format!("thửa đất số {}", pick(&k.parcels, r))),
            ..Default::default()
        }
    }),
    ("full text (name words, unit-scoped)", |k, r| Search {
        text: Some(pick(&k.names, r)),
        unit: Some(UNITS[0].into()),
        ..Default::default()
    }),
    ("full text (3 common words, broad)", |_, r| {
        let words = [
            r.pick(synthetic::WORDS),
            r.pick(synthetic::WORDS),
            r.pick(synthetic::WORDS),
        ];
        Search {
            text: Some(words.join(" ")),
            ..Default::default()
        }
    }),
    ("filters only (a type, needs review)", |_, r| Search {
        doc_type: Some(r.pick(synthetic::TYPES).into()),
        needs_review: true,
        ..Default::default()
    }),
];

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("SOHOA_INDEX").ok())
        .expect("usage: index_bench POSTGRES_URL [DOCUMENTS]");
    let documents: usize = args
        .next()
        .map(|n| n.parse().expect("DOCUMENTS is a number"))
        .unwrap_or(100_000);
    let index = Index::new(&url).expect("index URL");
    index.connect().await.expect("reach the index");
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    // QUERIES_ONLY=1: the index was filled by an earlier run of as many documents.
    let dry = std::env::var("QUERIES_ONLY").is_ok_and(|v| v == "1");
    if !dry {
        client
            .batch_execute("TRUNCATE documents, indexed_records")
            .await
            .expect("empty the index");
    }
    let (known, took) = synthetic::fill(&index, documents, dry).await;
    client
        .batch_execute("VACUUM ANALYZE documents")
        .await
        .expect("analyze");
    let size: i64 = client
        .query_one("SELECT pg_total_relation_size('documents') + pg_total_relation_size('indexed_records')", &[])
        .await
        .expect("size")
        .get(0);
    let text_bytes: i64 = client
        .query_one("SELECT sum(octet_length(body))::bigint FROM documents", &[])
        .await
        .expect("text size")
        .get(0);
    println!("documents indexed      {documents}");
    println!(
        "index time             {:.1} s ({:.0} documents/s)",
        took.as_secs_f64(),
        documents as f64 / took.as_secs_f64()
    );
    println!(
        "size on disk           {:.0} MiB (tables and indexes; the texts alone {:.0} MiB)",
        size as f64 / 1048576.0,
        text_bytes as f64 / 1048576.0
    );
    println!(
        "{:<40} {:>9} {:>9} {:>10}",
        "query", "p50 ms", "p95 ms", "mean hits"
    );
    let mut rng = Rng(0x0bad_cafe_dead_beef);
    for (kind, make) in KINDS {
        let list = (0..QUERIES).map(|_| make(&known, &mut rng)).collect();
        let (p50, p95, hits) = time(&index, list).await;
        println!(
            "{kind:<40} {:>9.1} {:>9.1} {hits:>10.1}",
            p50.as_secs_f64() * 1000.0,
            p95.as_secs_f64() * 1000.0
        );
    }
}
