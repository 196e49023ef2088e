//! The search index on a real PostgreSQL (127.0.0.1:5432, user `postgres`,
//! or `SOHOA_TEST_POSTGRES`): each test creates its own database and drops
//! it at the end, and fills a local store with synthetic records.

mod synthetic;

use sohoa::index::{Index, Search, sync};
use sohoa::store::{LocalStore, Store};
use synthetic::Doc;

/// The server the tests use (its `postgres` database is only connected to
/// for creating and dropping theirs).
fn server() -> String {
    std::env::var("SOHOA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database of its own for one test, dropped when it goes.
struct TestDb {
    name: String,
    url: String,
}

impl TestDb {
    async fn new(test: &str) -> TestDb {
        let name = format!("sohoa_test_{}_{test}", std::process::id());
        let admin = admin().await;
        // One statement each: a batch of two runs as one transaction,
        // which DROP DATABASE refuses.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&sql)
                .await
                .expect("create the test database");
        }
        TestDb {
            url: format!("{}/{name}", server()),
            name,
        }
    }
}

async fn admin() -> tokio_postgres::Client {
    let (client, conn) =
        tokio_postgres::connect(&format!("{}/postgres", server()), tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL answers on 127.0.0.1:5432 (scripts/setup.sh installs it)");
    tokio::spawn(conn);
    client
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Its own runtime on its own thread: the test's may be gone.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let _ = admin()
                    .await
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

/// A store in a fresh directory.
fn store(test: &str) -> LocalStore {
    let dir = std::env::temp_dir().join(format!("sohoa-index-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    LocalStore::new(dir)
}

const H04: &str = "000.00.13.H04";
const H56: &str = "000.00.00.H56";

fn doc(doc_type: &str, name: &str, id: &str, dob: &str, text: &str) -> Doc {
    Doc {
        doc_type: doc_type.into(),
        full_name: Some(name.into()),
        id_number: Some(id.into()),
        date_of_birth: Some(dob.into()),
        needs_review: false,
        text: text.into(),
    }
}

/// Two cases of two units: the same citizen in both (a birth certificate
/// last year, an ID card this year), and other people.
async fn fill(store: &dyn Store) -> Vec<String> {
    let mut keys = Vec::new();
    let birth = doc(
        "giay_khai_sinh",
        "Nguyễn Văn Đức",
        "001203004567",
        "01/02/2003",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nGIẤY KHAI SINH\nHọ, chữ đệm, tên: NGUYỄN VĂN ĐỨC\nNgày, tháng, năm sinh: 01/02/2003\nNơi sinh: Bệnh viện Phụ sản Hà Nội",
    );
    let other = doc(
        "don_de_nghi",
        "Trần Thị Lan",
        "079185001234",
        "15/06/1985",
        "ĐƠN ĐỀ NGHỊ cấp giấy chứng nhận quyền sử dụng đất thửa đất số 125 tờ bản đồ số 7",
    );
    let r1 = synthetic::record(
        &format!("{H04}-250110-0001"),
        "b2025a",
        "2025-01-10T08:00:00Z",
        &[birth.clone(), other.clone()],
    );
    keys.push(synthetic::store(store, &r1, &[birth, other]).await);
    let card = doc(
        "can_cuoc_cong_dan",
        "NGUYEN VAN ĐUC",
        "001203004567",
        "01/02/2003",
        "CĂN CƯỚC CÔNG DÂN\nSố định danh cá nhân 001203004567\nHọ và tên NGUYEN VAN ĐUC\nNgày sinh 01/02/2003",
    );
    let misread = doc(
        "giay_uy_quyen",
        "Lê Hoàng Phúe",
        "036090007788",
        "20/11/1990",
        "GIẤY ỦY QUYỀN bên ủy quyền ông Lê Hoàng Phúe",
    );
    let r2 = synthetic::record(
        &format!("{H56}-260301-0042"),
        "b2026b",
        "2026-03-01T09:30:00Z",
        &[card.clone(), misread.clone()],
    );
    keys.push(synthetic::store(store, &r2, &[card, misread]).await);
    keys
}

/// An index at the test's database, filled from a filled store.
async fn filled(test: &str) -> (TestDb, LocalStore, Index) {
    let db = TestDb::new(test).await;
    let store = store(test);
    fill(&store).await;
    let index = Index::new(&db.url).expect("index URL");
    let report = sync::sync(&store, &index).await.expect("sync");
    assert_eq!((report.records, report.documents), (2, 4));
    (db, store, index)
}

fn ids(page: &sohoa::index::Page) -> Vec<&str> {
    let mut v: Vec<&str> = page.hits.iter().map(|h| h.document_id.as_str()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_name_is_found_however_it_is_typed() {
    let (_db, _store, index) = filled("folding").await;
    for typed in ["Nguyễn Văn Đức", "nguyen van duc", "NGUYEN VAN ĐUC"] {
        let page = index
            .search(&Search {
                name: Some(typed.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&page), ["b2025a-d01", "b2026b-d01"], "name {typed}");
        let page = index
            .search(&Search {
                text: Some(typed.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&page), ["b2025a-d01", "b2026b-d01"], "query {typed}");
        assert!(
            page.hits
                .iter()
                .all(|h| h.snippet.to_lowercase().contains("đức") || h.snippet.contains("ĐUC")),
            "{:?}",
            page.hits
        );
    }
}

#[tokio::test]
async fn an_id_number_and_a_name_find_one_citizen_across_two_cases() {
    let (_db, _store, index) = filled("across").await;
    let by_id = |id: &str| Search {
        id_number: Some(id.into()),
        ..Default::default()
    };
    let page = index.search(&by_id("001203004567")).await.unwrap();
    assert_eq!(page.total, 2);
    let cases: Vec<&str> = page.hits.iter().map(|h| h.case_code.as_str()).collect();
    assert!(cases.iter().any(|c| c.starts_with(H04)) && cases.iter().any(|c| c.starts_with(H56)));
    assert!(
        page.hits.iter().all(|h| h.score >= 1.0),
        "an exact number scores 1"
    );
    // By prefix, and as the free query.
    assert_eq!(index.search(&by_id("0012030")).await.unwrap().total, 2);
    let free = Search {
        text: Some("001203004567".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&index.search(&free).await.unwrap()),
        ["b2025a-d01", "b2026b-d01"]
    );
    // Name and number together, and with a type.
    let both = Search {
        name: Some("nguyen van duc".into()),
        id_number: Some("001203004567".into()),
        doc_type: Some("giay_khai_sinh".into()),
        ..Default::default()
    };
    assert_eq!(ids(&index.search(&both).await.unwrap()), ["b2025a-d01"]);
    // The birth date, exactly or by prefix.
    let dob = Search {
        birth_date: Some("01/02/20".into()),
        ..Default::default()
    };
    assert_eq!(index.search(&dob).await.unwrap().total, 2);
    assert_eq!(index.search(&by_id("999")).await.unwrap().total, 0);
}

#[tokio::test]
async fn a_name_ocr_misread_is_found_by_similarity() {
    let (_db, _store, index) = filled("misread").await;
    // OCR read 'Phúc' as 'Phúe'.
    let page = index
        .search(&Search {
            name: Some("Lê Hoàng Phúc".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ["b2026b-d02"]);
    assert!(
        page.hits[0].score > 0.3 && page.hits[0].score < 1.0,
        "{}",
        page.hits[0].score
    );
    // Someone else entirely is not found.
    let page = index
        .search(&Search {
            name: Some("Phạm Quốc Hùng".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn the_text_is_found_by_its_words_ranked_with_a_snippet() {
    let (_db, _store, index) = filled("fulltext").await;
    let q = |t: &str| Search {
        text: Some(t.into()),
        ..Default::default()
    };
    let page = index.search(&q("quyen su dung dat")).await.unwrap();
    assert_eq!(ids(&page), ["b2025a-d02"]);
    assert!(
        page.hits[0].snippet.contains("quyền sử dụng đất"),
        "{}",
        page.hits[0].snippet
    );
    // A partial last word, and the words in another order.
    assert_eq!(
        ids(&index.search(&q("giấy khai si")).await.unwrap()),
        ["b2025a-d01"]
    );
    assert_eq!(
        ids(&index.search(&q("đất thửa")).await.unwrap()),
        ["b2025a-d02"]
    );
    // Filters: type, dates digitised, review.
    let dated = Search {
        from: Some(time::macros::datetime!(2026-01-01 0:00 UTC)),
        ..Default::default()
    };
    assert_eq!(
        ids(&index.search(&dated).await.unwrap()),
        ["b2026b-d01", "b2026b-d02"]
    );
    let before = Search {
        to: Some(time::macros::datetime!(2026-01-01 0:00 UTC)),
        ..Default::default()
    };
    assert_eq!(index.search(&before).await.unwrap().total, 2);
    let review = Search {
        needs_review: true,
        ..Default::default()
    };
    assert_eq!(index.search(&review).await.unwrap().total, 0);
    // Paging: the total on every page, one hit a page.
    let mut seen = Vec::new();
    for offset in 0..3 {
        let page = index
            .search(&Search {
                limit: 1,
                offset,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 4);
        seen.extend(page.hits.into_iter().map(|h| h.document_id));
    }
    assert_eq!(seen.len(), 3);
    let past = index
        .search(&Search {
            limit: 1,
            offset: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((past.total, past.hits.len()), (4, 0));
}

#[tokio::test]
async fn a_unit_scoped_search_never_sees_another_unit() {
    let (_db, _store, index) = filled("units").await;
    let scoped = |unit: &str, s: Search| Search {
        unit: Some(unit.into()),
        ..s
    };
    let id = Search {
        id_number: Some("001203004567".into()),
        ..Default::default()
    };
    let page = index.search(&scoped(H04, id.clone())).await.unwrap();
    assert_eq!(page.total, 1, "the other unit's row is not even counted");
    assert!(page.hits.iter().all(|h| h.case_code.starts_with(H04)));
    // Everything, as seen by each unit.
    assert_eq!(
        index
            .search(&scoped(H56, Search::default()))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        index
            .search(&scoped("000.00", Search::default()))
            .await
            .unwrap()
            .total,
        4
    );
    // A unit is cut at a segment: 000.00.1 does not cover 000.00.13.
    assert_eq!(
        index
            .search(&scoped("000.00.1", Search::default()))
            .await
            .unwrap()
            .total,
        0
    );
    // A case prefix of the other unit finds nothing either.
    let other = Search {
        case_prefix: Some(H56.into()),
        ..Default::default()
    };
    assert_eq!(index.search(&scoped(H04, other)).await.unwrap().total, 0);
}

#[tokio::test]
async fn sql_metacharacters_are_only_text() {
    let (_db, _store, index) = filled("metachars").await;
    let nasty = [
        "' OR 1=1 --",
        "'; DROP TABLE documents; --",
        "%",
        "_",
        "\\",
        "%' OR '1'='1",
        "9%",
        "000.00.%",
        "\" ) ; SELECT * FROM documents --",
        "a & b | !c:*",
        "$9",
    ];
    for q in nasty {
        for s in [
            Search {
                text: Some(q.into()),
                ..Default::default()
            },
            Search {
                name: Some(format!("x{q}")),
                ..Default::default()
            },
            Search {
                id_number: Some(q.into()),
                ..Default::default()
            },
            Search {
                birth_date: Some(q.into()),
                ..Default::default()
            },
            Search {
                case_prefix: Some(q.into()),
                ..Default::default()
            },
            Search {
                doc_type: Some(q.into()),
                ..Default::default()
            },
            Search {
                unit: Some(q.into()),
                ..Default::default()
            },
        ] {
            let page = index
                .search(&s)
                .await
                .unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(page.total, 0, "{s:?} found {:?}", ids(&page));
        }
    }
    assert_eq!(
        index.search(&Search::default()).await.unwrap().total,
        4,
        "nothing dropped"
    );
}

/// Every row the index holds, as text, in document order.
async fn dump(url: &str) -> Vec<String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let rows = client
        .query("SELECT (to_jsonb(d) - 'body_tsv')::text || body_tsv::text FROM documents d ORDER BY document_id", &[])
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn a_rebuild_from_the_store_gives_the_same_rows() {
    let (db, store, index) = filled("rebuild").await;
    let before = dump(&db.url).await;
    assert_eq!(before.len(), 4);
    let report = sync::rebuild(&store, &index).await.unwrap();
    assert_eq!(
        (report.records, report.documents, report.without_text),
        (2, 4, 0)
    );
    assert_eq!(dump(&db.url).await, before);
    // A record indexed again is still one row per document.
    let key = sohoa::catalog::records::record_keys(&store).await.unwrap()[0].clone();
    let record = sohoa::catalog::records::read_record(&store, &key)
        .await
        .unwrap()
        .unwrap();
    index.put_record(&key, &record, &[]).await.unwrap();
    index.put_record(&key, &record, &[]).await.unwrap();
    assert_eq!(dump(&db.url).await.len(), 4);
    sync::rebuild(&store, &index).await.unwrap();
    assert_eq!(dump(&db.url).await, before);
}

#[tokio::test]
async fn a_sync_catches_up_after_an_index_outage() {
    let db = TestDb::new("outage").await;
    let store = store("outage");
    let keys = fill(&store).await;
    let index = Index::new(&db.url).unwrap();
    // The first batch is indexed as it is stored.
    let first = sohoa::catalog::records::read_record(&store, &keys[0])
        .await
        .unwrap()
        .unwrap();
    let texts: Vec<String> = vec![String::new(); first.documents.len()];
    index.put_record(&keys[0], &first, &texts).await.unwrap();
    // The second finds the index down (nothing listens on port 1).
    let down = Index::new("postgres://postgres@127.0.0.1:1/nowhere").unwrap();
    let second = sohoa::catalog::records::read_record(&store, &keys[1])
        .await
        .unwrap()
        .unwrap();
    let err = down.put_record(&keys[1], &second, &[]).await.unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
    let status = sync::status(&store, &index).await.unwrap();
    assert_eq!(
        (status.store_records, status.index_records, status.missing),
        (2, 1, 1)
    );
    let report = sync::sync(&store, &index).await.unwrap();
    assert_eq!((report.records, report.documents), (1, 2));
    let status = sync::status(&store, &index).await.unwrap();
    assert_eq!(
        (
            status.store_records,
            status.index_records,
            status.index_documents,
            status.missing
        ),
        (2, 2, 4, 0)
    );
    assert_eq!(
        sync::sync(&store, &index).await.unwrap().records,
        0,
        "nothing left to do"
    );
}

#[test]
fn without_an_index_the_commands_say_how_to_configure_one() {
    for args in [&["search", "nguyen"][..], &["index", "status"][..]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sohoa"))
            .args(args)
            .env_remove("SOHOA_INDEX")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {err}");
        assert!(
            err.contains("no index configured: pass --index postgres://"),
            "{err}"
        );
    }
}

/// A query of words every document has: the newest 1000 matches are
/// counted and ranked, the page says there are more, and a narrower search
/// (one type) counts its matches exactly; a page of more than 100 hits is
/// refused, not cut short.
#[tokio::test]
async fn a_broad_search_ranks_the_newest_thousand_and_says_there_are_more() {
    use sohoa::index::query::RANKED_MAX;
    let db = TestDb::new("broad").await;
    let index = Index::new(&db.url).expect("index URL");
    let mut records = Vec::new();
    // 120 records of 10 documents, a day apart: 1200 matches; the 20
    // oldest say the words five times (they would rank first of all).
    let plain = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập Tự do Hạnh phúc";
    let loud = "Độc lập Tự do ".repeat(5) + plain;
    for n in 0..120u32 {
        let docs: Vec<Doc> = (0..10)
            .map(|i| {
                doc(
                    if i == 0 {
                        "giay_khai_sinh"
                    } else {
                        "don_de_nghi"
                    },
                    "Lê Văn Tám",
                    &format!("0012030{n:03}{i:02}"),
                    "01/02/2003",
                    if n < 20 { &loud } else { plain },
                )
            })
            .collect();
        let case = format!("{H04}-25{:02}{:02}-{n:04}", 1 + n / 28 % 12, 1 + n % 28);
        let finished = format!("2025-{:02}-{:02}T08:00:00Z", 1 + n / 28 % 12, 1 + n % 28);
        let record = synthetic::record(&case, &format!("broad{n:03}"), &finished, &docs);
        records.push((
            sohoa::keys::record(&case, &format!("broad{n:03}")),
            record,
            synthetic::texts(&docs),
        ));
    }
    index.put_records(&records).await.expect("index");
    let broad = Search {
        text: Some("độc lập tự do".into()),
        limit: 100,
        ..Default::default()
    };
    let page = index.search(&broad).await.unwrap();
    assert_eq!(
        (page.total, page.total_exact, page.hits.len()),
        (u64::from(RANKED_MAX), false, 100)
    );
    // The ranked are the newest: none of the hits is of the 20 oldest
    // records, and the page past them is empty.
    let mut days: Vec<&str> = records
        .iter()
        .map(|(_, r, _)| r.finished_at.as_str())
        .collect();
    days.sort();
    let oldest_ranked = &days[20][..10];
    for h in &page.hits {
        assert!(
            &h.digitised_at[..10] >= oldest_ranked,
            "{} is older than {oldest_ranked}",
            h.digitised_at
        );
    }
    let past = index
        .search(&Search {
            offset: RANKED_MAX,
            ..broad.clone()
        })
        .await
        .unwrap();
    assert!(past.hits.is_empty(), "{:?}", ids(&past));
    // One type: 120 matches, counted exactly.
    let narrow = Search {
        doc_type: Some("giay_khai_sinh".into()),
        ..broad.clone()
    };
    let page = index.search(&narrow).await.unwrap();
    assert_eq!((page.total, page.total_exact), (120, true));
    let err = index
        .search(&Search {
            limit: 101,
            ..broad
        })
        .await
        .unwrap_err();
    assert!(
        err.is_bad_query() && err.to_string().contains("1-100"),
        "{err}"
    );
    // The command line says the same, and refuses what the API refuses.
    let sohoa = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sohoa"))
            .args(["search", "--index", &db.url])
            .args(args)
            .output()
            .unwrap()
    };
    let out = sohoa(&["độc lập tự do"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("more than 1000 documents found"), "{said}");
    for limit in ["0", "101"] {
        let out = sohoa(&["độc lập", "--limit", limit]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--limit {limit}: {err}");
        assert!(err.contains("1..=100"), "{err}");
    }
}
