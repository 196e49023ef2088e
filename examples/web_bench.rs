//! The web page's benchmark (`bench/web.sh` runs it): the p50/p95 time of
//! the search page, the case page and the review queue, as a signed-in officer's browser
//! gets them, against the search index of `bench/index.sh` (the same
//! generator, default 100 000 documents).
//!
//! The index is filled as `index_bench` fills it; the records of one
//! batch in 50 are also put in a local store, so their cases open. The
//! server runs in this process (`api::serve`, the same router as `sohoa
//! serve`), on loopback; every page is fetched over HTTP with the
//! session cookie, one connection each, and every view writes its
//! access-log entry as in service.
//!
//!     cargo run --release --example web_bench -- postgres://postgres@127.0.0.1/sohoa_bench [N]

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use sohoa::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synthetic::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PAGES: usize = 200;

/// One HTTP/1.1 request on a connection of its own: status and the whole
/// answer (head and body).
async fn request(addr: &str, head: &str, body: &str) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.expect("send");
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Percent-encode a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// p50 and p95 of fetching each of `paths`, each answered 200.
async fn time(addr: &str, cookie: &str, paths: &[String]) -> (Duration, Duration) {
    let mut took = Vec::new();
    for p in paths {
        let t = Instant::now();
        let (status, text) =
            request(addr, &format!("GET {p} HTTP/1.1\r\nCookie: {cookie}"), "").await;
        took.push(t.elapsed());
        assert_eq!(status, 200, "{p}: {}", &text[..text.len().min(2000)]);
    }
    took.sort();
    let at = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
    (at(0.50), at(0.95))
}

/// Sign in with a new officer token; returns the session cookie.
async fn sign_in(addr: &str, store: &dyn Store) -> String {
    let (secret, _) = sohoa::auth::add_token(store, "bench", sohoa::auth::Role::Officer, None)
        .await
        .expect("token");
    let head = format!(
        "POST /sign-in HTTP/1.1\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded"
    );
    let (status, text) = request(addr, &head, &format!("token={secret}")).await;
    assert_eq!(status, 303, "{text}");
    let line = text
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: sohoa_session=")
        })
        .expect("a session cookie");
    line["set-cookie: ".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("SOHOA_INDEX").ok())
        .expect("usage: web_bench POSTGRES_URL [DOCUMENTS]");
    let documents: usize = args
        .next()
        .map(|n| n.parse().expect("DOCUMENTS is a number"))
        .unwrap_or(100_000);
    let index = Arc::new(sohoa::index::Index::new(&url).expect("index URL"));
    index.connect().await.expect("reach the index");
    let dry = std::env::var("QUERIES_ONLY").is_ok_and(|v| v == "1");
    let (known, took) = synthetic::fill(&index, documents, dry).await;
    let dir = std::env::temp_dir().join(format!("sohoa-web-bench-{}", std::process::id()));
    let store: Arc<dyn Store> = Arc::new(sohoa::store::LocalStore::new(&dir));
    for (_, record, texts) in &known.batches {
        for (d, t) in record.documents.iter().zip(texts) {
            store
                .put_if_absent(&d.text.key, t.clone().into_bytes())
                .await
                .expect("text");
        }
        sohoa::catalog::records::store_record(store.as_ref(), record.clone())
            .await
            .expect("record");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr = listener.local_addr().expect("address").to_string();
    let config = sohoa::api::Config {
        public_origin: Some(format!("http://{addr}")),
        ..Default::default()
    };
    let state = sohoa::api::AppState::with_index(store.clone(), config, Some(index));
    tokio::spawn(sohoa::api::serve(listener, state, std::future::pending()));
    let cookie = sign_in(&addr, store.as_ref()).await;
    let mut rng = Rng(0x0bad_cafe_dead_beef);
    let pick = |v: &[String], rng: &mut Rng| v[(rng.next() % v.len() as u64) as usize].clone();
    let mut pages: Vec<(&str, Vec<String>)> = vec![
        (
            "search: name, folded",
            (0..PAGES)
                .map(|_| {
                    format!(
                        "/?name={}",
                        encode(&sohoa::fold::fold_lower(&pick(&known.names, &mut rng)))
                    )
                })
                .collect(),
        ),
        (
            "search: ID number",
            (0..PAGES)
                .map(|_| format!("/?id_number={}", pick(&known.ids, &mut rng)))
                .collect(),
        ),
        (
            "search: full text (parcel)",
            (0..PAGES)
                .map(|_| {
                    format!(
                        "/?q={}",
                        encode(&format!("thửa đất số {}", pick(&known.parcels, &mut rng)))
                    )
                })
                .collect(),
        ),
    ];
    let cases: Vec<String> = known
        .batches
        .iter()
        .map(|(_, r, _)| format!("/cases/{}", r.case_code))
        .collect();
    pages.push((
        "case page",
        (0..PAGES).map(|_| pick(&cases, &mut rng)).collect(),
    ));
    // The queue's first ten pages, flagged only, then also under 80 %.
    for (kind, below) in [
        ("review queue: flagged", ""),
        ("review queue: under 80 %", "below=0.8&"),
    ] {
        let paths = (0..PAGES)
            .map(|_| format!("/review?{below}offset={}", rng.next() % 10 * 20))
            .collect();
        pages.push((kind, paths));
    }
    println!(
        "documents indexed      {documents} (index filled in {:.0} s)",
        took.as_secs_f64()
    );
    println!("{:<32} {:>9} {:>9}", "page", "p50 ms", "p95 ms");
    for (kind, paths) in &pages {
        let (p50, p95) = time(&addr, &cookie, paths).await;
        println!(
            "{kind:<32} {:>9.1} {:>9.1}",
            p50.as_secs_f64() * 1000.0,
            p95.as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
