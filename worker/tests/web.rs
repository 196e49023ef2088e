//! The officers' and archivists' web page in a real browser: Debian's
//! chromium, headless, driven through /usr/bin/chromedriver (WebDriver,
//! fantoccini) against `sohoa serve` on the real S3 server (s3s-fs) and
//! the real PostgreSQL index. Each test is bounded in time
//! ([`BOUND`]) and its chromedriver is killed when it ends.

mod common;
#[path = "../../tests/synthetic/mod.rs"]
mod synthetic;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a browser test may run before it fails.
const BOUND: Duration = Duration::from_secs(180);

const CASE: &str = "000.00.13.H04-210628-0001";
const HOSTILE_CASE: &str = "000.00.13.H04-210628-0002";
const HOSTILE_TEXT: &str = "<script>window.__pwned = 1; document.title = 'pwned'</script><img src=x onerror=\"window.__pwned = 2\"> GIẤY TỜ KHÁC";

/// A one-page PDF, small and valid enough for a browser's viewer.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// chromedriver on a loopback port; killed on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: std::path::PathBuf,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let profile = temp_dir(&format!("chromium-{port}"));
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (scripts/setup.sh installs chromium-driver)");
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            port,
            profile,
        }
    }

    /// A headless chromium session.
    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         format!("--user-data-dir={}", self.profile.display())],
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// What every test starts from: two cases in the store and the index (a
/// citizen's birth certificate with a real PDF, a document whose OCR text
/// is a script), tokens of each role, and the server.
struct Site {
    s3: S3Server,
    names: Names,
    _db: SearchDb,
    api: Api,
    officer: String,
    archivist: String,
    station: String,
}

async fn put_case(s3: &S3Server, names: &Names, case: &str, batch: &str, doc: synthetic::Doc) {
    let mut record = synthetic::record(
        case,
        batch,
        "2026-03-01T09:30:00Z",
        std::slice::from_ref(&doc),
    );
    let sha = hex::encode(Sha256::digest(PDF));
    record.documents[0].pdf = sohoa::record::ObjectRef {
        key: sohoa::keys::document_pdf(&sha),
        sha256: sha,
        bytes: PDF.len() as u64,
    };
    put(s3, names, &record.documents[0].pdf.key, PDF.to_vec()).await;
    put(
        s3,
        names,
        &record.documents[0].text.key,
        doc.text.into_bytes(),
    )
    .await;
    put_record(s3, names, &record).await;
}

impl Site {
    async fn start(test: &str) -> Site {
        let s3 = S3Server::start(&format!("web-{test}"));
        let names = Names::new(&format!("web_{test}"));
        let db = SearchDb::new(&format!("web_{test}"));
        let citizen = synthetic::Doc {
            doc_type: "giay_khai_sinh".into(),
            full_name: Some("Nguyễn Văn Đức".into()),
            id_number: Some("001203004567".into()),
            date_of_birth: Some("01/02/2003".into()),
            needs_review: false,
            text: "GIẤY KHAI SINH\nHọ và tên: NGUYỄN VĂN ĐỨC\nSinh ngày 01/02/2003".into(),
        };
        put_case(&s3, &names, CASE, "bweb1", citizen).await;
        let hostile = synthetic::Doc {
            doc_type: "other".into(),
            needs_review: true,
            text: HOSTILE_TEXT.into(),
            ..Default::default()
        };
        put_case(&s3, &names, HOSTILE_CASE, "bweb2", hostile).await;
        let (store, url) = (names.store(), db.url());
        let out = sohoa(&s3, &["index", "sync", "--store", &store, "--index", &url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let officer = token(&s3, &names, "desk-1", "officer", None);
        let archivist = token(&s3, &names, "archive-1", "archivist", None);
        let station = token(&s3, &names, "station-1", "station", None);
        let api = Api::start(&s3, &names, &["--index", &url]);
        Site {
            s3,
            names,
            _db: db,
            api,
            officer,
            archivist,
            station,
        }
    }

    /// Sign in through the form; returns the page's text after it (signed
    /// in, or the form again with why not).
    async fn sign_in(&self, c: &Client, token: &str) -> String {
        c.goto(&self.api.url("/")).await.unwrap();
        let form = c.form(Locator::Css("form.signin")).await.unwrap();
        form.set_by_name("token", token).await.unwrap();
        form.submit().await.unwrap();
        c.wait()
            .for_element(Locator::Css("header .who, form.signin p.error"))
            .await
            .unwrap();
        body_text(c).await
    }

    fn log(&self) -> Vec<Value> {
        access_log(&self.s3, &self.names, None)
    }
}

/// The text of the first element matching `css`, once the page shows
/// one (a click's navigation may still be under way: the element is
/// looked for again until it is there and readable).
async fn text_of(c: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..50 {
        match c.find(Locator::Css(css)).await {
            Ok(e) => match e.text().await {
                Ok(t) => return t,
                Err(err) => last = Some(err),
            },
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no readable '{css}' on the page: {last:?}")
}

/// The text of the first element matching `css` once it contains
/// `needle` (a form's answer may still be loading), or what it shows
/// after ten seconds.
async fn text_with(c: &Client, css: &str, needle: &str) -> String {
    let t = Instant::now();
    loop {
        let text = text_of(c, css).await;
        if text.contains(needle) || t.elapsed() > Duration::from_secs(10) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page's text as shown.
async fn body_text(c: &Client) -> String {
    text_of(c, "body").await
}

/// The page's markup, read in one step; a page that reloads itself (the
/// running audit's) may be between two loads: then it is read again.
async fn source(c: &Client) -> String {
    let mut last = None;
    for _ in 0..20 {
        match c.source().await {
            Ok(s) => return s,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page cannot be read: {last:?}")
}

/// The session cookie the browser holds.
async fn session_cookie(c: &Client) -> Option<String> {
    let cookies = c.get_all_cookies().await.unwrap();
    cookies
        .iter()
        .find(|k| k.name() == "sohoa_session")
        .map(|k| format!("sohoa_session={}", k.value()))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_signs_in_finds_a_name_typed_without_diacritics_and_sees_the_pdf_beside_the_text()
 {
    let site = Site::start("officer").await;
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        let page = site.sign_in(&c, &site.officer).await;
        assert!(
            page.contains("desk-1 (officer)"),
            "{page}\n{}",
            site.api.log()
        );
        let cookies = c.get_all_cookies().await.unwrap();
        let cookie = cookies
            .iter()
            .find(|k| k.name() == "sohoa_session")
            .expect("a session");
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(
            cookie.same_site().map(|s| s.to_string()),
            Some("Strict".into())
        );
        // Search by a name typed without diacritics; the URL keeps the filter.
        let form = c.form(Locator::Css("form.filters")).await.unwrap();
        form.set_by_name("name", "nguyen van duc").await.unwrap();
        form.submit().await.unwrap();
        let results = text_of(&c, "table.results").await;
        let url = c.current_url().await.unwrap();
        assert!(url.as_str().contains("name=nguyen+van+duc"), "{url}");
        assert!(
            results.contains("Nguyễn Văn Đức") && results.contains(CASE),
            "{results}"
        );
        // The document: the PDF in a frame beside its text.
        c.find(Locator::LinkText("bweb1-d01"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let frame = c
            .wait()
            .for_element(Locator::Css(".document iframe"))
            .await
            .unwrap();
        let src = frame
            .attr("src")
            .await
            .unwrap()
            .expect("the frame's source");
        assert_eq!(src, format!("/cases/{CASE}/documents/bweb1-d01/pdf"));
        let text = text_of(&c, "pre.ocr").await;
        assert!(text.contains("NGUYỄN VĂN ĐỨC"), "{text}");
        // The frame's PDF is the hash-checked stream, shown in place.
        let session = session_cookie(&c).await.unwrap();
        let resp = reqwest::Client::new()
            .get(site.api.url(&src))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            resp.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline")
        );
        assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);
        // The case page, from the link back.
        c.find(Locator::Css("main p a"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let case = text_of(&c, "table.documents").await;
        assert!(
            case.contains("bweb1-d01") && case.contains("giay_khai_sinh"),
            "{case}"
        );
        c.close().await.unwrap();
        session
    };
    let session = tokio::time::timeout(BOUND, run).await.expect("bounded");
    // The views and the search are in the access log, as the API's.
    let log = site.log();
    let did = |action: &str| {
        log.iter()
            .any(|e| e["who"] == "desk-1" && e["action"] == action && e["outcome"] == "allowed")
    };
    for action in [
        "session.start",
        "search",
        "document.read",
        "document.pdf",
        "case.read",
    ] {
        assert!(did(action), "{action} not logged: {log:?}");
    }
    let search = log.iter().find(|e| e["action"] == "search").unwrap();
    assert!(
        search["detail"]
            .as_str()
            .unwrap()
            .ends_with(": 1 documents found"),
        "{search}"
    );
    // Signing out ends the session: its cookie no longer opens a page.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let open = |path: &str| {
        http.get(site.api.url(path))
            .header("cookie", &session)
            .send()
    };
    assert_eq!(
        open(&format!("/cases/{CASE}")).await.unwrap().status(),
        StatusCode::OK
    );
    let out = http
        .post(site.api.url("/sign-out"))
        .header("cookie", &session)
        .header("origin", &site.api.base)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = open(&format!("/cases/{CASE}")).await.unwrap();
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "signed out, sent to sign in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archivist_starts_an_audit_and_sees_its_result() {
    let site = Site::start("audit").await;
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        site.sign_in(&c, &site.archivist).await;
        c.goto(&site.api.url("/fixity")).await.unwrap();
        let form = c
            .form(Locator::Css("form[action='/fixity/audits']"))
            .await
            .unwrap();
        form.set_by_name("case_code", CASE).await.unwrap();
        form.submit().await.unwrap();
        // The audit page reloads itself until the report is there.
        let t = Instant::now();
        let mut page = source(&c).await;
        while !page.contains("nguyên vẹn") {
            assert!(t.elapsed() < Duration::from_secs(60), "no result: {page}");
            tokio::time::sleep(Duration::from_millis(500)).await;
            page = source(&c).await;
        }
        assert!(page.contains("2 / 2"), "both objects checked: {page}");
        // The overview shows it as the case's last audit.
        c.goto(&site.api.url("/fixity")).await.unwrap();
        let overview = body_text(&c).await;
        assert!(
            overview.contains(CASE) && overview.contains("nguyên vẹn"),
            "{overview}"
        );
        c.close().await.unwrap();
    };
    tokio::time::timeout(BOUND, run).await.expect("bounded");
    let log = site.log();
    assert!(
        log.iter()
            .any(|e| e["action"] == "audit.start" && e["who"] == "archive-1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_station_token_and_a_cross_site_post_are_refused() {
    let site = Site::start("refusals").await;
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        let page = site.sign_in(&c, &site.station).await;
        assert!(page.contains("trạm quét"), "{page}");
        assert_eq!(session_cookie(&c).await, None, "no session for a station");
        // A form posted from another site: refused before it is read, sign-in included.
        let officer_page = site.sign_in(&c, &site.officer).await;
        assert!(officer_page.contains("desk-1"), "{officer_page}");
        let session = session_cookie(&c).await.unwrap();
        c.close().await.unwrap();
        session
    };
    let session = tokio::time::timeout(BOUND, run).await.expect("bounded");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let foreign = http
        .post(site.api.url("/sign-in"))
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("token", site.officer.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(foreign.headers().get("set-cookie").is_none());
    let audit = http
        .post(site.api.url("/fixity/audits"))
        .header("cookie", &session)
        .header("origin", "http://evil.example")
        .form(&[("case_code", CASE)])
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), StatusCode::FORBIDDEN);
    let log = site.log();
    assert!(!log.iter().any(|e| e["action"] == "audit.start"), "{log:?}");
    let refused = log
        .iter()
        .find(|e| e["action"] == "session.start" && e["who"] == "station-1");
    assert_eq!(refused.unwrap()["outcome"], "refused");
    // The same form from the page's own origin passes.
    let ours = http
        .post(site.api.url("/sign-in"))
        .header("origin", &site.api.base)
        .form(&[("token", site.officer.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_in_the_ocr_text_shows_as_text_and_never_runs() {
    let site = Site::start("inert").await;
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        site.sign_in(&c, &site.officer).await;
        c.goto(
            &site
                .api
                .url(&format!("/cases/{HOSTILE_CASE}/documents/bweb2-d01")),
        )
        .await
        .unwrap();
        let text = text_of(&c, "pre.ocr").await;
        assert!(text.contains("<script>window.__pwned = 1;"), "{text}");
        assert!(text.contains("onerror="), "{text}");
        let ran = c
            .execute(
                "return window.__pwned === undefined ? null : window.__pwned;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ran, Value::Null, "a script of the text ran");
        assert_ne!(c.title().await.unwrap(), "pwned");
        assert!(
            c.find(Locator::Css("main script, main img")).await.is_err(),
            "no element made of the text"
        );
        c.close().await.unwrap();
    };
    tokio::time::timeout(BOUND, run).await.expect("bounded");
    // And the policy forbids any script on every page, besides.
    let resp = reqwest::get(site.api.url("/")).await.unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
}

/// The flagged document's review form, filled and sent.
async fn send_correction(c: &Client, doc_type: &str, note: &str) {
    let form = c.form(Locator::Css("form.correct")).await.unwrap();
    form.set_by_name("type", doc_type).await.unwrap();
    form.set_by_name("note", note).await.unwrap();
    form.submit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_corrects_a_type_in_the_review_queue_and_it_is_amended_everywhere() {
    let site = Site::start("review").await;
    let record_key = sohoa::keys::record(HOSTILE_CASE, "bweb2");
    let record_before = object_bytes(&site.s3, &site.names, &record_key).await;
    let note = "tiêu đề bị đọc sai: đây là giấy khai sinh";
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        site.sign_in(&c, &site.officer).await;
        c.find(Locator::LinkText("Xem lại"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Only the flagged document waits; a bound on confidence, kept in
        // the URL, adds the other (read at 90 %).
        let queue = text_of(&c, "table.review").await;
        assert!(
            queue.contains("bweb2-d01") && queue.contains(HOSTILE_CASE),
            "{queue}"
        );
        assert!(!queue.contains("bweb1-d01"), "{queue}");
        let form = c.form(Locator::Css("form.filters")).await.unwrap();
        form.set_by_name("below", "0.95").await.unwrap();
        form.submit().await.unwrap();
        let queue = text_with(&c, "table.review", "bweb1-d01").await;
        let url = c.current_url().await.unwrap();
        assert!(url.as_str().ends_with("/review?below=0.95"), "{url}");
        assert!(
            queue.contains("bweb1-d01") && queue.contains("bweb2-d01"),
            "{queue}"
        );
        c.find(Locator::LinkText("bweb2-d01"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // A note of spaces is refused, and the page says why in Vietnamese.
        send_correction(&c, "birth_certificate", "   ").await;
        let refused = text_with(&c, "main p.error", "ghi chú").await;
        assert!(refused.contains("cần ghi chú lý do"), "{refused}");
        send_correction(&c, "birth_certificate", note).await;
        let saved = text_with(&c, "main p.notice", "Đã lưu").await;
        assert!(saved.contains("Đã lưu"), "{saved}");
        let page = body_text(&c).await;
        assert!(
            page.contains("đã sửa: needs_review, type")
                && page.contains("đã xem lại")
                && page.contains(note),
            "{page}"
        );
        // It left the queue.
        c.goto(&site.api.url("/review")).await.unwrap();
        let queue = body_text(&c).await;
        assert!(!queue.contains("bweb2-d01"), "{queue}");
        // The case page shows the new type with its mark.
        c.goto(&site.api.url(&format!("/cases/{HOSTILE_CASE}")))
            .await
            .unwrap();
        let case = text_of(&c, "table.documents").await;
        assert!(
            case.contains("birth_certificate") && case.contains("đã sửa: needs_review, type"),
            "{case}"
        );
        // The search finds it under its new type.
        c.goto(&site.api.url("/?type=birth_certificate"))
            .await
            .unwrap();
        let results = text_of(&c, "table.results").await;
        assert!(results.contains("bweb2-d01"), "{results}");
        let session = session_cookie(&c).await.unwrap();
        c.close().await.unwrap();
        session
    };
    let session = tokio::time::timeout(BOUND, run).await.expect("bounded");
    // The API shows the amendment, in the case and in the history.
    let http = reqwest::Client::new();
    let get = |path: String| {
        http.get(site.api.url(&path))
            .bearer_auth(&site.officer)
            .send()
    };
    let view: Value = get(format!("/v1/cases/{HOSTILE_CASE}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc = &view["documents"][0];
    assert_eq!(doc["type"], "birth_certificate", "{view}");
    assert!(
        doc["corrected"]
            .as_array()
            .unwrap()
            .contains(&json!("type")),
        "{view}"
    );
    let history: Value = get(format!(
        "/v1/cases/{HOSTILE_CASE}/documents/bweb2-d01/history"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(history["machine"]["type"], "other", "{history}");
    let amendments = history["amendments"].as_array().unwrap();
    assert_eq!(
        amendments.len(),
        1,
        "the refused form stored nothing: {history}"
    );
    assert_eq!(amendments[0]["note"], note);
    assert_eq!(amendments[0]["by"]["name"], "desk-1");
    // The batch record is never rewritten.
    let record_after = object_bytes(&site.s3, &site.names, &record_key).await;
    assert_eq!(record_before, record_after, "the record changed");
    // The other forms, as the page sends them: a page turned and split
    // off (a refused turn first), then the batch re-attached.
    let form = |id: &str, fields: &[(&str, &str)]| {
        let path = format!("/cases/{HOSTILE_CASE}/documents/{id}/amendments");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        http.post(site.api.url(&path))
            .header("cookie", &session)
            .header("origin", &site.api.base)
            .form(fields)
            .send()
    };
    let pages = |turn: &'static str| {
        [
            ("action", "pages"),
            ("to0", "bweb2-d02"),
            ("turn0", turn),
            ("note", "trang này là một giấy tờ riêng"),
        ]
    };
    let refused = form("bweb2-d01", &pages("45")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("chỉ xoay trang 0, 90, 180 hoặc 270 độ"),
        "{page}"
    );
    let split = form("bweb2-d01", &pages("90")).await.unwrap();
    assert_eq!(split.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        split.headers()["location"],
        format!("/cases/{HOSTILE_CASE}").as_str(),
        "the document's only page left it"
    );
    let moved = form(
        "bweb2-d02",
        &[
            ("action", "reattach"),
            ("to", CASE),
            ("note", "nộp nhầm hồ sơ"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        moved.headers()["location"],
        format!("/cases/{CASE}/documents/bweb2-d02?saved=1").as_str()
    );
    let view: Value = get(format!("/v1/cases/{CASE}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let split_off = view["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "bweb2-d02")
        .unwrap_or_else(|| panic!("bweb2-d02 under {CASE}: {view}"));
    let corrected = split_off["corrected"].as_array().unwrap();
    assert!(
        corrected.contains(&json!("pages"))
            && corrected.contains(&json!("pdf"))
            && corrected.contains(&json!("case_code")),
        "{split_off}"
    );
    // Its PDF is one of its own, made from the machine's page, turned as
    // the form asked; the machine's PDF is still the record's.
    let key = split_off["pdf"]["key"].as_str().unwrap();
    assert!(key.starts_with("amendments/documents/"), "{split_off}");
    let pdf = object_bytes(&site.s3, &site.names, key).await;
    assert!(
        String::from_utf8_lossy(&pdf).contains("/Rotate 90"),
        "the split-off page is turned"
    );
    let record_after = object_bytes(&site.s3, &site.names, &record_key).await;
    assert_eq!(record_before, record_after, "the record changed");
    let log = site.log();
    for action in ["review.read", "document.amend", "batch.reattach"] {
        assert!(
            log.iter().any(|e| e["who"] == "desk-1"
                && e["action"] == action
                && e["outcome"] == "allowed"),
            "{action} not logged: {log:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_english_switch_turns_the_pages_into_english_and_back() {
    let site = Site::start("english").await;
    let driver = Driver::start();
    let run = async {
        let c = driver.browser().await;
        site.sign_in(&c, &site.officer).await;
        let case = site.api.url(&format!("/cases/{CASE}"));
        c.goto(&case).await.unwrap();
        let lang = || async {
            c.find(Locator::Css("html"))
                .await
                .unwrap()
                .attr("lang")
                .await
                .unwrap()
        };
        assert_eq!(lang().await.as_deref(), Some("vi"));
        assert!(body_text(&c).await.contains("Lô quét"));
        c.find(Locator::LinkText("English"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let english = text_with(&c, "main", "Batches").await;
        assert!(
            english.contains("Batches")
                && english.contains("Documents")
                && !english.contains("Lô quét"),
            "{english}"
        );
        assert_eq!(
            c.current_url().await.unwrap().as_str(),
            case,
            "back on the same page"
        );
        assert_eq!(lang().await.as_deref(), Some("en"));
        // It stays English from page to page, until switched back.
        c.goto(&site.api.url("/review")).await.unwrap();
        assert!(text_of(&c, "main h1").await.contains("Review queue"));
        c.find(Locator::LinkText("Tiếng Việt"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let h1 = text_with(&c, "main h1", "Hàng đợi xem lại").await;
        assert!(h1.contains("Hàng đợi xem lại"), "{h1}");
        c.close().await.unwrap();
    };
    tokio::time::timeout(BOUND, run).await.expect("bounded");
}
