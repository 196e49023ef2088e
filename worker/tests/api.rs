//! The HTTP API (`sohoa serve`) against the real S3 server (s3s-fs),
//! RabbitMQ and worker, through a real HTTP client.

#[path = "hostile/catalogue.rs"]
mod catalogue;
mod common;
#[path = "../../tests/synthetic/mod.rs"]
mod synthetic;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::process::Command;
use std::time::{Duration, Instant};

/// A route to try: method, path, JSON body, the roles it admits, the
/// OpenAPI schema of its answer.
type Route<'a> = (
    &'a str,
    String,
    Option<Value>,
    &'a [&'a str],
    Option<&'a str>,
);

/// The example batch's case (from its receipt).
const CASE: &str = "000.00.00.H56-221006-0012";
const OTHER_CASE: &str = "000.00.13.H04-210628-0001";

/// Digitise the example batch straight into the test's store.
fn process_example(s3: &S3Server, names: &Names) -> Value {
    let dir = example_batch();
    let store = names.store();
    let out = sohoa(
        s3,
        &[
            "process",
            dir.to_str().unwrap(),
            "--json",
            "--store",
            &store,
        ],
    );
    assert!(
        out.status.success(),
        "process: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn example_form(files: &[&str], fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for f in files {
        let bytes = std::fs::read(example_batch().join(f)).unwrap();
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(f.to_string()),
        );
    }
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

const EXAMPLE_FILES: [&str; 3] = ["scan_001.tif", "scan_002.jpg", "scan_003.tif"];

/// Validate a response body against `#/components/schemas/<name>` of the
/// OpenAPI document.
fn assert_schema(name: &str, body: &Value) {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/openapi.json")).unwrap(),
    )
    .unwrap();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let v = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not match the OpenAPI schema: {errors:?}\n{body:#}"
    );
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Start an audit with `body` and poll it until it is complete; returns the
/// report and every `running` answer seen on the way (each checked against
/// the OpenAPI schema).
async fn run_audit(api: &Api, token: &str, body: Value) -> (Value, Vec<Value>) {
    let http = reqwest::Client::new();
    let (status, started) = send(
        http.post(api.url("/v1/audits"))
            .bearer_auth(token)
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let mut running = Vec::new();
    let t = Instant::now();
    loop {
        let (status, body) = send(
            http.get(api.url(&format!("/v1/audits/{id}")))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        if body["status"] == "complete" {
            return (body, running);
        }
        assert_eq!(body["status"], "running", "{body}");
        assert_schema("AuditRunning", &body);
        running.push(body);
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "audit {id} never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `POST /v1/batches` with `form`.
async fn upload(api: &Api, token: &str, form: reqwest::multipart::Form) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .post(api.url("/v1/batches"))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

/// A one-file upload: the example batch's `scan_003.tif` under `file_name`.
fn scan_named(file_name: &str) -> reqwest::multipart::Form {
    let bytes = std::fs::read(example_batch().join("scan_003.tif")).unwrap();
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_admits_only_its_roles_and_units() {
    let s3 = S3Server::start("api-roles");
    let names = Names::new("api_roles");
    let record = process_example(&s3, &names);
    let batch = record["batch_id"].as_str().unwrap().to_string();
    let doc = record["documents"][0]["id"].as_str().unwrap().to_string();
    let mut tokens = std::collections::BTreeMap::new();
    for role in ["station", "officer", "archivist", "admin"] {
        tokens.insert(role, token(&s3, &names, &format!("t-{role}"), role, None));
    }
    let here = token(&s3, &names, "officer-h56", "officer", Some("000.00.00.H56"));
    let elsewhere = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let revoked = token(&s3, &names, "gone", "admin", None);
    let out = sohoa(&s3, &["token", "revoke", "gone", "--store", &names.store()]);
    assert!(out.status.success());
    // Token changes on the command line are in the access log too.
    let changes: Vec<(String, String)> = access_log(&s3, &names, None)
        .iter()
        .filter(|e| e["method"] == "CLI")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("target"))
        })
        .collect();
    assert!(
        changes.contains(&("token.add".into(), "gone".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&("token.revoke".into(), "gone".into())),
        "{changes:?}"
    );
    let list = sohoa(&s3, &["token", "list", "--store", &names.store()]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("officer-h04") && listed.contains("REVOKED"),
        "{listed}"
    );
    assert!(
        !tokens.values().any(|t| listed.contains(t.as_str())),
        "token list shows no secret"
    );

    let api = Api::start(&s3, &names, &[]);
    let http = reqwest::Client::new();
    let mut unauthenticated = 0;
    // (method, path, body, roles allowed)
    let case_path = format!("/v1/cases/{CASE}");
    let doc_path = format!("{case_path}/documents/{doc}");
    let routes: Vec<Route> = vec![
        (
            "GET",
            format!("/v1/batches/{batch}"),
            None,
            &["station", "officer", "admin"],
            Some("BatchStatus"),
        ),
        (
            "GET",
            case_path.clone(),
            None,
            &["officer", "archivist", "admin"],
            Some("CaseView"),
        ),
        (
            "GET",
            doc_path.clone(),
            None,
            &["officer", "archivist", "admin"],
            Some("DocumentSummary"),
        ),
        (
            "GET",
            format!("{doc_path}/pdf"),
            None,
            &["officer", "archivist", "admin"],
            None,
        ),
        (
            "GET",
            format!("{doc_path}/text"),
            None,
            &["officer", "archivist", "admin"],
            None,
        ),
        (
            "GET",
            format!("{doc_path}/proof"),
            None,
            &["officer", "archivist", "admin"],
            Some("InclusionProof"),
        ),
        (
            "POST",
            "/v1/audits".into(),
            Some(json!({"case_code": CASE})),
            &["archivist", "admin"],
            Some("AuditAccepted"),
        ),
        (
            "GET",
            "/v1/tokens".into(),
            None,
            &["admin"],
            Some("TokenList"),
        ),
    ];
    for (method, path, body, allowed, schema) in &routes {
        for (role, secret) in &tokens {
            let mut req = http
                .request(method.parse().unwrap(), api.url(path))
                .bearer_auth(secret);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let bytes = resp.bytes().await.unwrap();
            if allowed.contains(role) {
                assert!(
                    status.is_success(),
                    "{role} {method} {path}: {status} {}",
                    String::from_utf8_lossy(&bytes)
                );
                if let Some(name) = schema {
                    assert_schema(name, &serde_json::from_slice(&bytes).unwrap());
                }
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
                let err: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(err["error"]["code"], "forbidden");
                assert_schema("Error", &err);
            }
        }
        // No token, a made-up token, a revoked token: 401.
        for secret in [
            None,
            Some("sohoa_".to_string() + &"0".repeat(64)),
            Some(revoked.clone()),
        ] {
            let mut req = http.request(method.parse().unwrap(), api.url(path));
            if let Some(s) = &secret {
                req = req.bearer_auth(s);
            }
            let (status, err) = send(req).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {secret:?}"
            );
            assert_eq!(err["error"]["code"], "unauthorized");
            unauthenticated += 1;
        }
    }
    // The 401s: one access-log entry for this address in a minute, which
    // names the path and why but never the token; all of them counted.
    let logged: Vec<Value> = access_log(&s3, &names, None)
        .into_iter()
        .filter(|e| e["outcome"] == "unauthenticated")
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["from"], "127.0.0.1");
    assert!(logged[0]["path"].as_str().unwrap().starts_with("/v1/"));
    assert!(!logged[0].to_string().contains(&revoked[8..]), "{logged:?}");
    let metrics = http.get(api.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains(&format!(
            "sohoa_api_unauthenticated_total {unauthenticated}"
        )),
        "{unauthenticated} 401s: {metrics}"
    );
    // Uploads: stations and admins only.
    for (role, secret) in &tokens {
        let req = http
            .post(api.url("/v1/batches"))
            .bearer_auth(secret)
            .multipart(example_form(&EXAMPLE_FILES, &[]));
        let (status, body) = send(req).await;
        if ["station", "admin"].contains(role) {
            assert_eq!(status, StatusCode::ACCEPTED, "{role}: {body}");
            assert_schema("UploadAccepted", &body);
            assert_eq!(
                body["batch_id"],
                batch.as_str(),
                "same files, same batch id"
            );
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} may not upload");
        }
    }
    // Audit reads: archivists and admins.
    let (_, started) = send(
        http.post(api.url("/v1/audits"))
            .bearer_auth(&tokens["archivist"])
            .json(&json!({})),
    )
    .await;
    let audit = started["id"].as_str().unwrap().to_string();
    for (role, secret) in &tokens {
        let (status, _) = send(
            http.get(api.url(&format!("/v1/audits/{audit}")))
                .bearer_auth(secret),
        )
        .await;
        let want = if ["archivist", "admin"].contains(role) {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, want, "{role} reading an audit");
    }

    // Units: a token of another agency sees nothing of this case.
    for path in [&case_path, &doc_path, &format!("{doc_path}/pdf")] {
        let (status, _) = send(http.get(api.url(path)).bearer_auth(&elsewhere)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "unit H04 on {path}");
        let (status, _) = send(http.get(api.url(path)).bearer_auth(&here)).await;
        assert_eq!(status, StatusCode::OK, "unit H56 on {path}");
    }
    let (status, _) = send(
        http.get(api.url(&format!("/v1/cases/{OTHER_CASE}")))
            .bearer_auth(&elsewhere),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "its own unit's (empty) case is only not found"
    );

    // Every access, allowed or refused, is in the log with who and from where.
    let log = access_log(&s3, &names, Some(CASE));
    let refused_h04 = log
        .iter()
        .filter(|e| e["who"] == "officer-h04" && e["outcome"] == "refused")
        .count();
    assert_eq!(
        refused_h04, 3,
        "the three refusals of the other unit are logged"
    );
    let pdf_reads: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "document.pdf" && e["outcome"] == "allowed")
        .collect();
    assert!(
        pdf_reads
            .iter()
            .any(|e| e["who"] == "t-officer" && e["role"] == "officer" && e["from"] == "127.0.0.1")
    );
    assert!(
        log.iter()
            .any(|e| e["action"] == "audit.start" && e["who"] == "t-archivist")
    );
    // --since: nothing from tomorrow on; everything from yesterday on.
    // Days are Vietnam's (UTC+07:00, no daylight saving), as `--since`
    // reads them: from 17:00 UTC, Vietnam's tomorrow is UTC's today.
    let day = |offset: i64| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            + 7 * 3_600
            + offset * 86_400;
        let out = Command::new("date")
            .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%d"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let since = |d: String| {
        let store = names.store();
        let out = sohoa(
            &s3,
            &["access-log", "--json", "--since", &d, "--store", &store],
        );
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert_eq!(since(day(1)), 0);
    assert_eq!(since(day(-1)), access_log(&s3, &names, None).len());
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_is_digitised_and_its_documents_download_with_matching_hashes() {
    let s3 = S3Server::start("api-flow");
    let names = Names::new("api_flow");
    let _worker = Worker::start(&s3, &names, &[]);
    let api = Api::start(&s3, &names, &[]);
    let station = token(&s3, &names, "desk-3", "station", None);
    let officer = token(&s3, &names, "officer-1", "officer", None);
    let http = reqwest::Client::new();

    let (status, accepted) = upload(
        &api,
        &station,
        example_form(&EXAMPLE_FILES, &[("station", "desk-3")]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let batch = accepted["batch_id"].as_str().unwrap().to_string();
    // The receipt alone, under a case code that contradicts its QR: the
    // worker refuses it, and the station can read why.
    let (status, conflicting) = upload(
        &api,
        &station,
        example_form(&["scan_001.tif"], &[("case_code", OTHER_CASE)]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let bad_batch = conflicting["batch_id"].as_str().unwrap().to_string();

    let wait_for = |id: String, want: &'static str| {
        let http = http.clone();
        let url = api.url(&format!("/v1/batches/{id}"));
        let station = station.clone();
        async move {
            let t = Instant::now();
            loop {
                let (status, body) = send(http.get(&url).bearer_auth(&station)).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_schema("BatchStatus", &body);
                if body["status"] == want {
                    return body;
                }
                assert!(body["status"] == "queued", "unexpected status {body}");
                assert!(
                    t.elapsed() < Duration::from_secs(180),
                    "{id} never became {want}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    let done = wait_for(batch.clone(), "digitised").await;
    assert_eq!(done["case_code"], CASE);
    let failed = wait_for(bad_batch, "failed").await;
    let reason = failed["reason"].as_str().unwrap();
    assert!(
        reason.contains(OTHER_CASE) && reason.contains(CASE),
        "reason names both codes: {reason}"
    );

    let (status, case) = send(
        http.get(api.url(&format!("/v1/cases/{CASE}")))
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let record_key = done["record_key"].as_str().unwrap();
    let record: Value = serde_json::from_slice(
        &s3_client(&s3)
            .get_object()
            .bucket(&names.bucket)
            .key(record_key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes(),
    )
    .unwrap();
    let docs = case["documents"].as_array().unwrap();
    assert_eq!(docs.len(), record["documents"].as_array().unwrap().len());
    assert!(docs.iter().any(|d| d["type"] == "id_card"));
    for (d, recorded) in docs.iter().zip(record["documents"].as_array().unwrap()) {
        for (kind, accept) in [("pdf", "application/pdf"), ("text", "text/plain")] {
            let url = api.url(&format!(
                "/v1/cases/{CASE}/documents/{}",
                d["id"].as_str().unwrap()
            ));
            let resp = http
                .get(&url)
                .header("accept", accept)
                .bearer_auth(&officer)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let want = recorded[kind]["sha256"].as_str().unwrap();
            let h = |n: &str| {
                resp.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            assert_eq!(h("etag"), format!("\"{want}\""));
            let (etag, repr, len) = (h("etag"), h("repr-digest"), h("content-length"));
            let body = resp.bytes().await.unwrap();
            let got = hex::encode(Sha256::digest(&body));
            assert_eq!(got, want, "{kind} of {} matches the record", d["id"]);
            assert_eq!(len, body.len().to_string());
            let b64 = repr
                .strip_prefix("sha-256=:")
                .and_then(|r| r.strip_suffix(':'))
                .unwrap();
            assert_eq!(
                hex::encode(aws_sdk_s3::primitives::Blob::new(base64_decode(b64)).as_ref()),
                want
            );
            // A client that has it already gets 304.
            let resp = http
                .get(&url)
                .header("accept", accept)
                .header("if-none-match", &etag)
                .bearer_auth(&officer)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
        }
    }
    let log = access_log(&s3, &names, Some(CASE));
    let pdfs = log
        .iter()
        .filter(|e| e["action"] == "document.pdf" && e["who"] == "officer-1")
        .count();
    assert!(pdfs >= docs.len(), "each PDF download is logged ({pdfs})");
    cleanup(&names).await;
}

/// Standard base64 (test helper; the server uses aws-smithy-types').
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    bytes
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |a, &b| (a << 6) | b as u32) << (6 * (4 - c.len()));
            let all = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            all.into_iter().take(c.len() - 1).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_object_is_named_by_the_audit_and_its_download_aborts() {
    let s3 = S3Server::start("api-audit");
    let names = Names::new("api_audit");
    let record = process_example(&s3, &names);
    let archivist = token(&s3, &names, "archivist-1", "archivist", None);
    let officer = token(&s3, &names, "officer-1", "officer", None);
    let api = Api::start(&s3, &names, &[]);
    let http = reqwest::Client::new();
    // Flip one byte of a stored PDF, keeping its length.
    let doc = &record["documents"][1];
    let key = doc["pdf"]["key"].as_str().unwrap().to_string();
    let path = s3.dir.join(&names.bucket).join(&key);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    // And make another object one the server cannot return: a directory
    // where its file was.
    let lost = record["documents"][0]["text"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let lost_path = s3.dir.join(&names.bucket).join(&lost);
    std::fs::remove_file(&lost_path).unwrap();
    std::fs::create_dir(&lost_path).unwrap();

    let (report, _) = run_audit(&api, &archivist, json!({ "case_code": CASE })).await;
    let id = report["id"].as_str().unwrap().to_string();
    assert_schema("AuditReport", &report);
    assert_eq!(report["mismatched"], 1);
    assert_eq!(report["missing"], 0);
    assert_eq!(report["started_by"]["name"], "archivist-1");
    let checked = report["checked"].as_array().unwrap();
    assert_eq!(checked.len(), report["objects"].as_u64().unwrap() as usize);
    let bad: Vec<&Value> = checked
        .iter()
        .filter(|c| c["status"] == "mismatched")
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["key"], key.as_str());
    // The unreadable object is named, its error kept in the server log:
    // the report carries a reference, not the store's words.
    assert_eq!(report["unreadable"], 1, "{report}");
    let unreadable = checked.iter().find(|c| c["key"] == lost.as_str()).unwrap();
    assert_eq!(unreadable["status"], "unreadable");
    let error = unreadable["error"].as_str().unwrap();
    let reference = error
        .split("reference ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("no reference: {error}"));
    assert_eq!(
        error,
        format!("the store could not return it (reference {reference} in the server log)")
    );
    assert!(api.log().contains(reference), "{}", api.log());
    assert_eq!(report["ok"].as_u64().unwrap() as usize, checked.len() - 2);
    // The report is evidence: stored, identical, and write-once.
    let stored = keys(&s3, &names, &format!("audits/{id}.json")).await;
    assert_eq!(stored.len(), 1);
    let stored_report: Value = serde_json::from_slice(
        &std::fs::read(s3.dir.join(&names.bucket).join(&stored[0])).unwrap(),
    )
    .unwrap();
    assert_eq!(stored_report, report);
    let schema: Value = serde_json::from_slice(
        &std::fs::read(repo().join("schemas/audit-report.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        jsonschema::is_valid(&schema, &stored_report),
        "stored report follows its schema"
    );

    // The download of the tampered PDF does not complete.
    let url = api.url(&format!(
        "/v1/cases/{CASE}/documents/{}/pdf",
        doc["id"].as_str().unwrap()
    ));
    let resp = http.get(&url).bearer_auth(&officer).send().await.unwrap();
    let body = resp.bytes().await;
    assert!(
        body.is_err(),
        "the body must be cut short, got {} bytes",
        body.map(|b| b.len()).unwrap_or(0)
    );
    let t = Instant::now();
    loop {
        let log = access_log(&s3, &names, Some(CASE));
        if log.iter().any(|e| {
            e["outcome"] == "integrity_failure"
                && e["detail"].as_str().is_some_and(|d| d.contains(&key))
        }) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "integrity failure not logged: {log:?}\n{}",
            api.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(api.log().contains("INTEGRITY FAILURE"));
    let metrics = http
        .get(api.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sohoa_api_integrity_failures_total 1"),
        "{metrics}"
    );
    // An untouched document still downloads.
    let good = api.url(&format!(
        "/v1/cases/{CASE}/documents/{}/pdf",
        record["documents"][0]["id"].as_str().unwrap()
    ));
    let resp = http.get(&good).bearer_auth(&officer).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_s_proof_checks_against_its_checkpoint_and_is_logged() {
    let s3 = S3Server::start("api-proof");
    let names = Names::new("api_proof");
    let record = process_example(&s3, &names);
    let officer = token(&s3, &names, "officer-1", "officer", None);
    let elsewhere = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let api = Api::start(&s3, &names, &[]);
    let http = reqwest::Client::new();
    let doc = &record["documents"][1];
    let id = doc["id"].as_str().unwrap();
    let url = api.url(&format!("/v1/cases/{CASE}/documents/{id}/proof"));
    let (status, proof) = send(http.get(&url).bearer_auth(&officer)).await;
    assert_eq!(status, StatusCode::OK, "{proof}");
    assert_schema("InclusionProof", &proof);
    assert_eq!(proof["document_id"], id);
    assert_eq!(proof["pdf"], doc["pdf"]);
    // The same as the command line gives.
    let out = sohoa(&s3, &["proof", CASE, id, "--store", &names.store()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli, proof);
    // Checked by the README's procedure against the stored PDF and the
    // proof's own checkpoint.
    let dir = std::env::temp_dir().join(format!("sohoa-api-proof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("proof.json"), proof.to_string()).unwrap();
    std::fs::write(
        dir.join("checkpoint"),
        proof["checkpoint"].as_str().unwrap(),
    )
    .unwrap();
    let pdf = s3
        .dir
        .join(&names.bucket)
        .join(doc["pdf"]["key"].as_str().unwrap());
    let check = Command::new("python3")
        .arg(repo().join("scripts/check-proof.py"))
        .arg(dir.join("proof.json"))
        .arg(&pdf)
        .arg(dir.join("checkpoint"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // Another unit's officer is refused; an unknown document is 404.
    let (status, _) = send(http.get(&url).bearer_auth(&elsewhere)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let missing = api.url(&format!("/v1/cases/{CASE}/documents/b0-d01/proof"));
    let (status, err) = send(http.get(&missing).bearer_auth(&officer)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    // Logged like the other document reads.
    let log = access_log(&s3, &names, Some(CASE));
    assert!(
        log.iter().any(|e| e["action"] == "document.proof"
            && e["who"] == "officer-1"
            && e["outcome"] == "allowed"),
        "{log:?}"
    );
    assert!(log.iter().any(|e| e["action"] == "document.proof"
        && e["who"] == "officer-h04"
        && e["outcome"] == "refused"));
    let _ = std::fs::remove_dir_all(&dir);
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn traversal_attempts_and_oversized_requests_are_refused_without_leaks() {
    let s3 = S3Server::start("api-hard");
    let names = Names::new("api_hard");
    process_example(&s3, &names);
    let admin = token(&s3, &names, "root", "admin", None);
    let api = Api::start(&s3, &names, &[]);
    let http = reqwest::Client::new();
    let doc_base = format!("/v1/cases/{CASE}/documents");
    let attempts = [
        "/v1/cases/..%2F..%2Fauth%2Ftokens".to_string(),
        "/v1/cases/..".to_string(),
        format!("/v1/cases/{CASE}%2F..%2F..%2Fauth"),
        format!("{doc_base}/..%2F..%2F..%2Fauth%2Ftokens"),
        format!("{doc_base}/%2e%2e"),
        format!("{doc_base}/.hidden/pdf"),
        format!("{doc_base}/{}", "a".repeat(300)),
        "/v1/batches/..%2Fauth".to_string(),
        "/v1/batches/.tmp".to_string(),
        "/v1/audits/..%2F..%2Fauth%2Ftokens".to_string(),
        "/v1/audits/a%2F..%2F..%2Fcases".to_string(),
        "/v1/tokens/..%2F..%2Fcases".to_string(),
    ];
    for path in &attempts {
        let resp = http
            .get(api.url(path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(
            [
                StatusCode::BAD_REQUEST,
                StatusCode::NOT_FOUND,
                StatusCode::METHOD_NOT_ALLOWED
            ]
            .contains(&status),
            "{path}: {status} {body}"
        );
        let err: Value = serde_json::from_str(&body)
            .unwrap_or_else(|_| panic!("{path}: JSON error, got {body}"));
        assert!(err["error"]["code"].is_string(), "{path}: {body}");
        assert!(
            !body.contains("sha256") && !body.contains("\"role\""),
            "{path} leaked: {body}"
        );
    }
    // Input that would forge an access-log line is refused before it is logged.
    let (status, _) = send(
        http.delete(api.url("/v1/tokens/x%0A2026-01-01T00:00:00Z%20allowed"))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let store = names.store();
    let log = sohoa(&s3, &["access-log", "--store", &store]);
    assert!(!String::from_utf8_lossy(&log.stdout).contains("\n2026-01-01"));
    // Bounded headers and bodies.
    let resp = http
        .get(api.url(&format!("/v1/cases/{CASE}")))
        .bearer_auth(&admin)
        .header("x-padding", "x".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let big = json!({ "case_code": "x".repeat(100_000) });
    let (status, _) = send(
        http.post(api.url("/v1/audits"))
            .bearer_auth(&admin)
            .json(&big),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, err) = send(
        http.post(api.url("/v1/audits"))
            .bearer_auth(&admin)
            .json(&json!({"case": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    // With the store down, the error names no endpoint and no credential.
    let mut s3 = s3;
    s3.stop();
    let resp = http
        .get(api.url(&format!("/v1/cases/{CASE}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.text().await.unwrap();
    assert!(
        status.is_server_error() || status == StatusCode::UNAUTHORIZED,
        "{status} {body}"
    );
    for secret in [
        SECRET_KEY,
        ACCESS_KEY,
        &s3.port.to_string(),
        "127.0.0.1",
        "panicked",
    ] {
        assert!(
            !body.contains(secret),
            "error body leaks '{secret}': {body}"
        );
    }
    let (status, _) = send(http.get(api.url("/healthz"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    s3.resume();
    let (status, _) = send(http.get(api.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_over_limit_or_corrupt_upload_is_refused_and_nothing_is_stored() {
    let s3 = S3Server::start("api-limit");
    let names = Names::new("api_limit");
    let station = token(&s3, &names, "desk-9", "station", None);
    let api = Api::start(&s3, &names, &["--max-upload-bytes", "100000"]);
    // 166 KB of scans against a 100 KB limit.
    let (status, err) = upload(&api, &station, example_form(&EXAMPLE_FILES, &[])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was stored")
    );
    // A corrupt scan among good ones.
    let mut form = example_form(&["scan_003.tif"], &[]);
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(b"II*\x00garbage".to_vec()).file_name("scan_004.tif"),
    );
    let (status, err) = upload(&api, &station, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("scan_004.tif"),
        "{err}"
    );
    // A file name with directories: only its last segment is kept.
    let form = scan_named("../../x.tif");
    let (status, body) = upload(&api, &station, form).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let inbox = keys(&s3, &names, "inbox/").await;
    assert_eq!(
        inbox,
        vec![format!(
            "inbox/{}/x.tif",
            body["batch_id"].as_str().unwrap()
        )]
    );
    // Nothing of the refused uploads was stored.
    let all = keys(&s3, &names, "").await;
    assert!(
        !all.iter()
            .any(|k| k.contains("scan_00") || k.contains("..")),
        "{all:?}"
    );
    // A name that cannot be a storage key.
    let form = scan_named("scan 3.tif");
    let (status, err) = upload(&api, &station, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(keys(&s3, &names, "inbox/").await.len(), 1);
    // The same batch within a larger limit goes through.
    drop(api);
    let api = Api::start(&s3, &names, &[]);
    let (status, ok) = upload(&api, &station, example_form(&EXAMPLE_FILES, &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{ok}");
    assert_eq!(keys(&s3, &names, "inbox/").await.len(), 4);
    // A batch id stands for one set of files: the same files again are a
    // retry (202), other files under it are refused (409) and stored nowhere.
    let id = ok["batch_id"].as_str().unwrap();
    let (status, again) = upload(
        &api,
        &station,
        example_form(&EXAMPLE_FILES, &[("batch_id", id)]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    let (status, err) = upload(
        &api,
        &station,
        example_form(&["scan_003.tif"], &[("batch_id", id)]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["code"], "conflict");
    assert_eq!(keys(&s3, &names, "inbox/").await.len(), 4);
    cleanup(&names).await;
}

/// What `sohoa serve` has spooled to disk under `spool`: each upload's
/// directory with the sizes of its files.
fn spooled(spool: &std::path::Path) -> Vec<(String, Vec<u64>)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(spool).unwrap().flatten() {
        let sizes = std::fs::read_dir(dir.path())
            .map(|files| {
                files
                    .flatten()
                    .filter_map(|f| f.metadata().ok().map(|m| m.len()))
                    .collect()
            })
            .unwrap_or_default();
        found.push((dir.file_name().to_string_lossy().into_owned(), sizes));
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_upload_is_spooled_to_disk_holds_no_slot_and_times_out_leaving_nothing() {
    use std::io::{Read, Write};
    let s3 = S3Server::start("api-slow");
    let names = Names::new("api_slow");
    let station = token(&s3, &names, "desk-5", "station", None);
    let spool = temp_dir("api-slow-spool");
    let api = Api::start(
        &s3,
        &names,
        &[
            "--max-concurrent-uploads",
            "1",
            "--upload-timeout",
            "6",
            "--upload-spool",
            spool.to_str().unwrap(),
        ],
    );
    // A client that announces 100 KB and sends its first file a few bytes
    // at a time, then goes quiet with the connection open.
    let addr = api.base.trim_start_matches("http://").to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!(
        "POST /v1/batches HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {station}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.tif\"\r\n\
         Content-Type: application/octet-stream\r\n\r\nII*\0"
    );
    slow.write_all(head.as_bytes()).unwrap();
    let mut seen = Vec::new();
    for _ in 0..20 {
        slow.write_all(&[b'a'; 64]).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        seen = spooled(&spool);
    }
    // What arrived so far is on disk, in the upload's own directory.
    assert_eq!(seen.len(), 1, "one upload spooled: {seen:?}");
    assert!(
        seen[0].1.first().is_some_and(|&n| n > 0),
        "the trickled file is written as it arrives: {seen:?}"
    );
    // With one upload slot, another station's upload still goes through
    // while the slow one is open and unanswered.
    let (status, body) = upload(&api, &station, example_form(&["scan_003.tif"], &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    slow.set_nonblocking(true).unwrap();
    let mut probe = [0u8; 1];
    assert!(
        matches!(slow.read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the slow upload is still open when the other one is answered"
    );
    // The slow one gets 408 once its time is up, and nothing of it stays.
    slow.set_nonblocking(false).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 6 s"), "{answer}");
    assert_eq!(spooled(&spool), vec![], "the spool is emptied");
    let inbox = keys(&s3, &names, "inbox/").await;
    assert_eq!(inbox.len(), 1, "only the other upload is stored: {inbox:?}");
    assert!(inbox[0].ends_with("/scan_003.tif"), "{inbox:?}");
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_uploads_of_one_batch_id_get_one_202_one_409_and_one_record() {
    let s3 = S3Server::start("api-race");
    let names = Names::new("api_race");
    let station = token(&s3, &names, "desk-r", "station", None);
    let api = Api::start(&s3, &names, &[]);
    let mut events = Events::listen(&names).await;
    let _worker = Worker::start(&s3, &names, &[]);
    let ids = ["race-1", "race-2", "race-3"];
    let mut files_of = std::collections::BTreeMap::new();
    for id in ids {
        // The whole example batch, and its receipt alone, at once.
        let whole = upload(
            &api,
            &station,
            example_form(&EXAMPLE_FILES, &[("batch_id", id)]),
        );
        let receipt = upload(
            &api,
            &station,
            example_form(&EXAMPLE_FILES[..1], &[("batch_id", id)]),
        );
        let ((whole, w), (receipt, r)) = tokio::join!(whole, receipt);
        let winner = match (whole, receipt) {
            (StatusCode::ACCEPTED, StatusCode::CONFLICT) => EXAMPLE_FILES.len(),
            (StatusCode::CONFLICT, StatusCode::ACCEPTED) => 1,
            other => panic!("{id}: want one 202 and one 409, got {other:?}: {w} {r}"),
        };
        let loser = if winner == 1 { &w } else { &r };
        assert_eq!(loser["error"]["code"], "conflict", "{loser}");
        files_of.insert(id.to_string(), winner);
        assert_eq!(keys(&s3, &names, &format!("claims/{id}/")).await.len(), 1);
        let inbox = keys(&s3, &names, &format!("inbox/{id}/")).await;
        assert!(
            inbox.len() <= winner,
            "the refused upload stored files: {inbox:?}"
        );
    }
    let got = events.collect(ids.len(), Duration::from_secs(300)).await;
    let mut done: Vec<&str> = got
        .iter()
        .filter(|(k, _)| k == "batch.digitised")
        .map(|(_, e)| e["batch_id"].as_str().unwrap())
        .collect();
    done.sort();
    assert_eq!(done, ids, "{got:?}");
    // One record per id, holding the files of the upload that won.
    let records = record_files(&s3, &names);
    assert_eq!(records.len(), ids.len());
    for path in records {
        let r: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let id = r["batch_id"].as_str().unwrap();
        assert_eq!(
            r["originals"].as_array().unwrap().len(),
            files_of[id],
            "{id}"
        );
    }
    // The winning upload sent again is answered as the first: 202, and
    // nothing queued again.
    let (id, n) = files_of.iter().next().unwrap();
    let submissions = keys(&s3, &names, &format!("submissions/{id}/")).await;
    let (status, again) = upload(
        &api,
        &station,
        example_form(&EXAMPLE_FILES[..*n], &[("batch_id", id)]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(
        keys(&s3, &names, &format!("submissions/{id}/")).await,
        submissions
    );
    assert!(events.next(Duration::from_secs(5)).await.is_none());
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_file_is_refused_on_upload_or_fails_in_the_worker_in_bounded_memory() {
    let s3 = S3Server::start("api-hostile");
    let names = Names::new("api_hostile");
    let station = token(&s3, &names, "desk-h", "station", None);
    let api = Api::start(&s3, &names, &[]);
    let mut events = Events::listen(&names).await;
    let _worker = Worker::start(&s3, &names, &["--ocr-threads", "1"]);
    let pid = api.child.id();
    let mut worst = (0, "");
    for h in catalogue::catalogue(&example_batch()) {
        catalogue::reset_peak_rss(pid);
        let started = Instant::now();
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(h.bytes).file_name(h.name),
            )
            .text("case_code", OTHER_CASE);
        let (status, body) = upload(&api, &station, form).await;
        let rss = catalogue::peak_rss_mib(pid);
        let secs = started.elapsed().as_secs_f64();
        // The upload check reads structure only: a file whose structure
        // holds (a Flate bomb, a truncated image) is queued, and the
        // worker refuses it when it decodes the page.
        let message = if status == StatusCode::ACCEPTED {
            let batch_id = body["batch_id"].as_str().unwrap_or_default();
            let (kind, event) = events
                .next(Duration::from_secs(120))
                .await
                .unwrap_or_else(|| panic!("{}: no event", h.name));
            assert_eq!(kind, "batch.failed", "{}: {event}", h.name);
            assert_eq!(event["batch_id"], batch_id);
            format!(
                "queued, then: {}",
                event["reason"].as_str().unwrap_or_default()
            )
        } else {
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {body}",
                h.name
            );
            let id = body["error"]["message"].as_str().unwrap_or_default();
            id.to_string()
        };
        println!(
            "{:32} {status}  API peak {rss:4} MiB  {secs:5.2} s  {message}",
            h.name
        );
        assert!(
            message.contains(h.name),
            "{}: names the file: {body}",
            h.name
        );
        assert!(rss < 1024, "{}: API peak RSS {rss} MiB", h.name);
        if rss > worst.0 {
            worst = (rss, h.name);
        }
    }
    println!("API: highest peak RSS {} MiB ({})", worst.0, worst.1);
    assert!(record_files(&s3, &names).is_empty(), "no record");
    // The server still serves.
    let (status, ok) = upload(&api, &station, example_form(&EXAMPLE_FILES, &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{ok}\n{}", api.log());
    events.close().await;
    cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_the_routes_the_server_has() {
    let s3 = S3Server::start("api-doc");
    let names = Names::new("api_doc");
    let api = Api::start(&s3, &names, &[]);
    let http = reqwest::Client::new();
    let served = http
        .get(api.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = std::fs::read_to_string(repo().join("schemas/openapi.json")).unwrap();
    assert_eq!(served, file);
    let doc: Value = serde_json::from_str(&file).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{} paths", paths.len());
    for (path, ops) in paths {
        let concrete = path
            .replace("{case_code}", CASE)
            .replace("{document_id}", "b1-d01")
            .replace("{batch_id}", "b1")
            .replace("{audit_id}", "a1")
            .replace("{name}", "t1");
        for (method, op) in ops.as_object().unwrap() {
            if !["get", "post", "delete", "put"].contains(&method.as_str()) {
                continue;
            }
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            let resp = http
                .request(method.to_uppercase().parse().unwrap(), api.url(&concrete))
                .send()
                .await
                .unwrap();
            let want = if public {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(resp.status(), want, "{method} {path} (documented) answers");
        }
    }
    let (status, err) = send(http.get(api.url("/v1/nothing-here"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_schema("Error", &err);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_audit_reports_its_progress_while_it_runs() {
    let s3 = S3Server::start("api-progress");
    let names = Names::new("api_progress");
    let record = process_example(&s3, &names);
    // A record of 600 small synthetic documents (1200 objects), so that the
    // audit runs long enough to be seen running.
    let mut synthetic = record.clone();
    synthetic["batch_id"] = "bprogress".into();
    let template = record["documents"][0].clone();
    let mut docs = Vec::new();
    for i in 0..600 {
        let mut d = template.clone();
        d["id"] = format!("bprogress-d{i:03}").into();
        for (kind, folder, ext) in [("pdf", "documents", "pdf"), ("text", "text", "txt")] {
            let bytes = format!("{kind} {i} of a synthetic document").into_bytes();
            let sha = hex::encode(Sha256::digest(&bytes));
            let key = format!("{folder}/{sha}.{ext}");
            d[kind] = json!({ "key": key, "sha256": sha, "bytes": bytes.len() });
            put(&s3, &names, &key, bytes).await;
        }
        docs.push(d);
    }
    synthetic["documents"] = Value::Array(docs);
    let key = format!("cases/{CASE}/bprogress.json");
    put(&s3, &names, &key, serde_json::to_vec(&synthetic).unwrap()).await;
    let archivist = token(&s3, &names, "archivist-2", "archivist", None);
    let api = Api::start(&s3, &names, &[]);
    let (report, running) = run_audit(&api, &archivist, json!({})).await;
    let seen_running: Vec<Value> = running.iter().map(|b| b["progress"].clone()).collect();
    assert_eq!(report["objects"], 1200 + record_objects(&record));
    assert_eq!(report["ok"], report["objects"]);
    assert!(!seen_running.is_empty(), "the audit was never seen running");
    // Progress only grows, and never passes the total.
    let checked: Vec<u64> = seen_running
        .iter()
        .map(|p| p["checked"].as_u64().unwrap())
        .collect();
    assert!(checked.windows(2).all(|w| w[0] <= w[1]), "{checked:?}");
    for p in &seen_running {
        let total = p["total"].as_u64().unwrap();
        assert!(
            total == 0 || total == report["objects"].as_u64().unwrap(),
            "{p}"
        );
        assert!(p["checked"].as_u64().unwrap() <= total.max(1));
    }
}

/// Objects a record names (originals, and each document's PDF and text).
fn record_objects(record: &Value) -> u64 {
    (record["originals"].as_array().unwrap().len()
        + 2 * record["documents"].as_array().unwrap().len()) as u64
}

/// The same citizen in a case of each unit, put straight into the store.
async fn put_search_records(s3: &S3Server, names: &Names) {
    for (case, batch) in [(CASE, "bsearch1"), (OTHER_CASE, "bsearch2")] {
        let doc = synthetic::Doc {
            doc_type: "giay_khai_sinh".into(),
            full_name: Some("Nguyễn Văn Đức".into()),
            id_number: Some("001203004567".into()),
            date_of_birth: Some("01/02/2003".into()),
            needs_review: false,
            text: format!("GIẤY KHAI SINH của NGUYỄN VĂN ĐỨC, hồ sơ {case}"),
        };
        let record = synthetic::record(
            case,
            batch,
            "2026-03-01T09:30:00Z",
            std::slice::from_ref(&doc),
        );
        let text = &record.documents[0].text.key;
        put(s3, names, text, doc.text.into_bytes()).await;
        let key = format!("cases/{case}/{batch}.json");
        put(s3, names, &key, serde_json::to_vec(&record).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_is_scoped_to_the_unit_and_logged() {
    let s3 = S3Server::start("api-search");
    let names = Names::new("api_search");
    let db = SearchDb::new("api_search");
    put_search_records(&s3, &names).await;
    let store = names.store();
    let url = db.url();
    let out = sohoa(&s3, &["index", "sync", "--store", &store, "--index", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let officer = token(&s3, &names, "officer-s", "officer", None);
    let unit = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let station = token(&s3, &names, "station-s", "station", None);
    let api = Api::start(&s3, &names, &["--index", &url]);
    let http = reqwest::Client::new();
    let get = |t: &str, q: &str| {
        http.get(api.url(&format!("/v1/search?{q}")))
            .bearer_auth(t.to_string())
    };
    let (status, page) = send(get(&officer, "id_number=001203004567")).await;
    assert_eq!(status, StatusCode::OK, "{page}\n{}", api.log());
    assert_schema("Page", &page);
    assert_eq!(page["total"], 2);
    let (_, page) = send(get(&officer, "name=nguyen%20van%20duc&type=giay_khai_sinh")).await;
    assert_eq!(page["total"], 2, "{page}");
    // The unit's officer sees its own case only, in the hits and the total.
    let (status, page) = send(get(&unit, "id_number=001203004567")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["hits"][0]["case_code"], OTHER_CASE);
    // SQL in the query is only text.
    let (status, page) = send(get(&officer, "q=%27%20OR%201%3D1%20--&case_prefix=%25")).await;
    assert_eq!(
        (status, page["total"].clone()),
        (StatusCode::OK, json!(0)),
        "{page}"
    );
    for (q, want) in [
        ("limit=0", StatusCode::BAD_REQUEST),
        ("nonsense=1", StatusCode::BAD_REQUEST),
        ("from=yesterday", StatusCode::BAD_REQUEST),
    ] {
        let (status, err) = send(get(&officer, q)).await;
        assert_eq!(status, want, "{q}: {err}");
        assert_schema("Error", &err);
    }
    let (status, _) = send(get(&station, "id_number=001203004567")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Every search is in the access log: who, what, how many.
    let searches: Vec<Value> = access_log(&s3, &names, None)
        .into_iter()
        .filter(|e| e["action"] == "search")
        .collect();
    let by = |who: &str| {
        searches
            .iter()
            .filter(|e| e["who"] == who)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        by("officer-h04")[0]["detail"]
            .as_str()
            .unwrap()
            .contains("query id_number=001203004567:"),
        "{searches:?}"
    );
    // Searches that failed are logged too, with what was asked.
    for q in ["limit=0", "nonsense=1", "from=yesterday"] {
        assert!(
            searches.iter().any(|e| e["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("query {q}: failed (bad_request")))),
            "{q}: {searches:?}"
        );
    }
    assert!(
        by("officer-h04")[0]["detail"]
            .as_str()
            .unwrap()
            .ends_with(": 1 documents found"),
        "{searches:?}"
    );
    assert_eq!(by("station-s")[0]["outcome"], "refused");
    // A server without an index says so.
    drop(api);
    let bare = Api::start(&s3, &names, &[]);
    let (status, err) = send(http.get(bare.url("/v1/search?q=duc")).bearer_auth(&officer)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err["error"]["code"], "index_unavailable", "{err}");
    let logged = access_log(&s3, &names, None);
    assert!(
        logged.iter().any(|e| e["action"] == "search"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("query q=duc: failed (index_unavailable"))),
        "{logged:?}"
    );
}

/// A case of the other unit that no batch was recorded under.
const NEW_CASE: &str = "000.00.00.H56-221006-0099";

/// A store holding the amendment tests' records, indexed by a sync into
/// a database of its own.
async fn amend_fixture(s3_name: &str, name: &str) -> (S3Server, Names, SearchDb) {
    let s3 = S3Server::start(s3_name);
    let names = Names::new(name);
    let db = SearchDb::new(name);
    put_amend_records(&s3, &names).await;
    let (store, url) = (names.store(), db.url());
    let out = sohoa(&s3, &["index", "sync", "--store", &store, "--index", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (s3, names, db)
}

/// Three batches straight into the store, each a day apart: `bamend1`
/// (two documents, the first flagged for review) and `bamend3` (one, not
/// flagged) under [`CASE`], `bamend2` (one, flagged) under [`OTHER_CASE`].
async fn put_amend_records(s3: &S3Server, names: &Names) {
    let doc = |name: &str, review: bool| synthetic::Doc {
        doc_type: "birth_certificate".into(),
        full_name: Some(name.into()),
        id_number: Some("001203004567".into()),
        date_of_birth: Some("01/02/2003".into()),
        needs_review: review,
        text: format!("GIẤY KHAI SINH của {name}"),
    };
    for (case, batch, day, docs) in [
        (
            CASE,
            "bamend1",
            "01",
            vec![doc("Nguyễn Văn Đức", true), doc("Lê Thị Hoa", false)],
        ),
        (OTHER_CASE, "bamend2", "02", vec![doc("Phạm Văn Nam", true)]),
        (CASE, "bamend3", "03", vec![doc("Trần Văn Bình", false)]),
    ] {
        let at = format!("2026-03-{day}T09:30:00Z");
        let record = synthetic::record(case, batch, &at, &docs);
        for (d, r) in docs.iter().zip(&record.documents) {
            put(s3, names, &r.text.key, d.text.clone().into_bytes()).await;
        }
        put_record(s3, names, &record).await;
    }
}

/// The document `id` of a case view.
fn doc_of<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {view}"))
}

/// Validate a stored amendment against `schemas/amendment.schema.json`.
fn assert_amendment_schema(body: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/amendment.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{body:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_s_correction_is_appended_and_shown_everywhere_and_the_record_is_unchanged() {
    let (s3, names, db) = amend_fixture("api-amend", "api_amend").await;
    let (store, url) = (names.store(), db.url());
    let officer = token(&s3, &names, "officer-a", "officer", None);
    let h04 = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let archivist = token(&s3, &names, "archivist-a", "archivist", None);
    let station = token(&s3, &names, "station-a", "station", None);
    let api = Api::start(&s3, &names, &["--index", &url]);
    let http = reqwest::Client::new();
    let record_key = format!("cases/{CASE}/bamend1.json");
    let record_before = object_bytes(&s3, &names, &record_key).await;
    let amend_path = format!("/v1/cases/{CASE}/documents/bamend1-d01/amendments");
    let amend = |t: &str, body: Value| {
        http.post(api.url(&amend_path))
            .bearer_auth(t.to_string())
            .json(&body)
    };
    let correction = json!({
        "note": "the heading was misread; the name is on the second line",
        "type": "marital_status",
        "fields": {"full_name": "Nguyễn Văn Dũng"},
    });
    // Archivists and stations may not amend, nor an officer of another unit.
    for t in [&archivist, &station, &h04] {
        let (status, err) = send(amend(t, correction.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert_schema("Error", &err);
    }
    // A note is required; types and fields are checked.
    for bad in [
        json!({"type": "marital_status"}),
        json!({"note": "  ", "type": "marital_status"}),
        json!({"note": "x", "type": "no_such_type"}),
        json!({"note": "x", "fields": {"favourite_colour": "blue"}}),
        json!({"note": "x", "fields": {"id_number": "12ab"}}),
        json!({"note": "x"}),
    ] {
        let (status, err) = send(amend(&officer, bad.clone())).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{bad}: {status} {err}"
        );
    }
    let (status, made) = send(amend(&officer, correction.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{made}\n{}", api.log());
    assert_schema("AmendmentMade", &made);
    assert_eq!(made["document"]["type"], "marital_status");
    // A second amendment in a row: a confirmation, kept after the first.
    let (status, confirmed) = send(amend(
        &officer,
        json!({"note": "checked against the paper", "confirm": true}),
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{confirmed}");
    // The case shows the amended values, marked corrected.
    let (status, view) = send(
        http.get(api.url(&format!("/v1/cases/{CASE}")))
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("CaseView", &view);
    let d = doc_of(&view, "bamend1-d01");
    assert_eq!(d["type"], "marital_status");
    assert_eq!(d["fields"]["full_name"], "Nguyễn Văn Dũng");
    assert_eq!(d["needs_review"], false);
    assert_eq!(
        d["corrected"],
        json!(["fields.full_name", "needs_review", "type"])
    );
    assert_eq!(d["amendments"], 2);
    assert!(doc_of(&view, "bamend1-d02").get("corrected").is_none());
    // The history: the machine's reading, then each amendment in order.
    let (status, history) = send(
        http.get(api.url(&format!("/v1/cases/{CASE}/documents/bamend1-d01/history")))
            .bearer_auth(&archivist),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_schema("DocumentHistory", &history);
    assert_eq!(history["machine"]["type"], "birth_certificate");
    assert_eq!(history["machine"]["fields"]["full_name"], "Nguyễn Văn Đức");
    let amendments = history["amendments"].as_array().unwrap();
    assert_eq!(amendments.len(), 2);
    assert_eq!(amendments[0]["note"], correction["note"]);
    assert_eq!(amendments[0]["by"]["name"], "officer-a");
    assert_eq!(
        amendments[0]["change"]["doc_type"]["before"],
        "birth_certificate"
    );
    assert_eq!(amendments[1]["note"], "checked against the paper");
    assert_eq!(history["current"]["type"], "marital_status");
    for a in amendments {
        assert_amendment_schema(a);
    }
    // The record is byte for byte what the machine wrote.
    assert_eq!(object_bytes(&s3, &names, &record_key).await, record_before);
    let stored = keys(&s3, &names, "amendments/batches/bamend1/").await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    // `sohoa case` shows it.
    let out = sohoa(&s3, &["case", CASE, "--store", &store]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("marital_status"), "{text}");
    assert!(
        text.contains("corrected: fields.full_name, needs_review, type"),
        "{text}"
    );
    // The search index finds it by its new type, marked corrected.
    let (_, page) = send(
        http.get(api.url("/v1/search?type=marital_status"))
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["hits"][0]["document_id"], "bamend1-d01");
    assert_eq!(page["hits"][0]["fields"]["full_name"], "Nguyễn Văn Dũng");
    assert!(
        page["hits"][0]["corrected"]
            .as_array()
            .unwrap()
            .contains(&json!("type"))
    );
    // Every amendment, allowed or refused, is in the access log (a role
    // that may never amend is refused before the case is looked at).
    let log = access_log(&s3, &names, None);
    let amends: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "document.amend")
        .collect();
    assert!(
        amends
            .iter()
            .any(|e| e["outcome"] == "refused" && e["who"] == "archivist-a")
    );
    assert!(amends.iter().filter(|e| e["outcome"] == "allowed").count() >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_review_queue_is_oldest_first_unit_scoped_and_drops_a_confirmed_document() {
    let (s3, names, db) = amend_fixture("api-review", "api_review").await;
    let url = db.url();
    let officer = token(&s3, &names, "officer-r", "officer", None);
    let h04 = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let archivist = token(&s3, &names, "archivist-r", "archivist", None);
    let api = Api::start(&s3, &names, &["--index", &url]);
    let http = reqwest::Client::new();
    let queue = async |t: &str, q: &str| {
        send(http.get(api.url(&format!("/v1/review?{q}"))).bearer_auth(t)).await
    };
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["document_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, page) = queue(&officer, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_schema("ReviewPage", &page);
    assert_eq!(ids(&page), ["bamend1-d01", "bamend2-d01"]);
    // Under a confidence the officer chooses: every document, oldest first.
    let (_, page) = queue(&officer, "below=0.95").await;
    assert_eq!(
        ids(&page),
        ["bamend1-d01", "bamend1-d02", "bamend2-d01", "bamend3-d01"]
    );
    // Another unit's queue is neither shown nor counted.
    let (_, page) = queue(&h04, "").await;
    assert_eq!(
        (ids(&page), page["total"].clone()),
        (vec!["bamend2-d01".to_string()], json!(1))
    );
    let (status, _) = queue(&archivist, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = queue(&officer, "below=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Confirmed, it leaves the queue (also the below-confidence one).
    let (status, made) = send(
        http.post(api.url(&format!(
            "/v1/cases/{CASE}/documents/bamend1-d01/amendments"
        )))
        .bearer_auth(&officer)
        .json(&json!({"note": "read correctly", "confirm": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (_, page) = queue(&officer, "").await;
    assert_eq!(ids(&page), ["bamend2-d01"]);
    let (_, page) = queue(&officer, "below=0.95").await;
    assert_eq!(ids(&page), ["bamend1-d02", "bamend2-d01", "bamend3-d01"]);
    let log = access_log(&s3, &names, None);
    assert!(log.iter().any(|e| e["action"] == "review.read"
        && e["who"] == "officer-h04"
        && e["detail"] == "1 documents waiting"));
    // `sohoa review` prints each document with the machine's reason.
    let out = sohoa(&s3, &["review", "--index", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("1 documents wait for review"), "{text}");
    assert!(
        text.contains("bamend2-d01") && text.contains("\n    why: synthetic\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reattached_batch_shows_under_its_new_case_only_and_a_cli_amendment_is_synced() {
    let (s3, names, db) = amend_fixture("api-reattach", "api_reattach").await;
    let (store, url) = (names.store(), db.url());
    let officer = token(&s3, &names, "officer-m", "officer", None);
    let h04 = token(&s3, &names, "officer-h04", "officer", Some("000.00.13.H04"));
    let api = Api::start(&s3, &names, &["--index", &url]);
    let http = reqwest::Client::new();
    let get = async |path: String| send(http.get(api.url(&path)).bearer_auth(&officer)).await;
    // An officer of one unit cannot move its batch into another unit's case.
    let (status, _) = send(
        http.post(api.url(&format!(
            "/v1/cases/{OTHER_CASE}/documents/bamend2-d01/amendments"
        )))
        .bearer_auth(&h04)
        .json(&json!({"note": "wrong desk", "reattach_to": CASE})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, made) = send(
        http.post(api.url(&format!(
            "/v1/cases/{CASE}/documents/bamend1-d02/amendments"
        )))
        .bearer_auth(&officer)
        .json(&json!({"note": "the receipt belongs to another dossier", "reattach_to": NEW_CASE})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}\n{}", api.log());
    assert_eq!(made["case_code"], NEW_CASE);
    let (status, view) = get(format!("/v1/cases/{NEW_CASE}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_schema("CaseView", &view);
    assert_eq!(view["batches"][0]["batch_id"], "bamend1");
    assert_eq!(view["batches"][0]["reattached_from"], CASE);
    assert!(
        doc_of(&view, "bamend1-d01")["corrected"]
            .as_array()
            .unwrap()
            .contains(&json!("case_code"))
    );
    let (_, old) = get(format!("/v1/cases/{CASE}")).await;
    let batches: Vec<&Value> = old["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["batch_id"])
        .collect();
    assert_eq!(batches, [&json!("bamend3")]);
    let (status, _) = get(format!("/v1/cases/{NEW_CASE}/documents/bamend1-d01")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(format!("/v1/cases/{CASE}/documents/bamend1-d01")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = get(format!("/v1/search?case_prefix={NEW_CASE}")).await;
    assert_eq!(page["total"], 2, "{page}");
    // `sohoa amend` without an index: the next sync catches it up.
    let out = sohoa(
        &s3,
        &[
            "amend",
            CASE,
            "bamend3-d01",
            "--type",
            "id_card",
            "--note",
            "a card, not a certificate",
            "--by",
            "desk-7",
            "--store",
            &store,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status_of = || {
        let out = sohoa(
            &s3,
            &[
                "index", "status", "--json", "--store", &store, "--index", &url,
            ],
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert_eq!(status_of()["amended"], 1);
    let out = sohoa(&s3, &["index", "sync", "--store", &store, "--index", &url]);
    assert!(out.status.success());
    assert_eq!(status_of()["amended"], 0);
    let (_, page) = get("/v1/search?type=id_card".to_string()).await;
    assert_eq!(page["hits"][0]["document_id"], "bamend3-d01", "{page}");
}

/// A machine page of a processed record as the amendments name it.
fn page_refs(record: &Value, doc: &Value) -> Vec<Value> {
    doc["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let original = record["originals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == p["source"])
                .unwrap();
            json!({"original": original["key"], "page": p["page"], "turned_deg": 0})
        })
        .collect()
}

/// Each page of a PDF: its `/Rotate` and the bytes of its image as stored.
/// `pdf` passes every check of the partial PDF/A-2b check (`sohoa::pdfa`).
fn assert_pdfa(pdf: &[u8], what: &str) {
    let report = sohoa::pdfa::check(pdf, sohoa::pdfa::Expect::default())
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let failures: Vec<_> = report.failures().collect();
    assert!(
        failures.is_empty(),
        "{what} fails PDF/A-2b checks: {failures:#?}"
    );
}

fn pdf_pages(pdf: &[u8]) -> Vec<(i64, Vec<u8>)> {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
    doc.get_pages()
        .into_values()
        .map(|id| {
            let rotate = doc
                .get_dictionary(id)
                .unwrap()
                .get(b"Rotate")
                .and_then(|r| r.as_i64())
                .unwrap_or(0);
            let images = doc.get_page_images(id).unwrap();
            assert_eq!(images.len(), 1, "one image per page");
            (rotate, images[0].content.to_vec())
        })
        .collect()
}

/// The named document's stored `pdf` or `text` in a pages amendment.
fn derived<'a>(amendment: &'a Value, id: &str, what: &str) -> &'a Value {
    let d = amendment["change"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["document_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {amendment}"));
    &d[what]
}

/// With `sohoa serve --sign-key`, the PDF an officer's re-arrangement
/// makes is signed by the agency at the amendment's time: the amendment
/// says so, and pyHanko (trusting the agency's certificate, made here by
/// openssl with non-repudiation) validates the PDF as stored.
#[tokio::test(flavor = "multi_thread")]
async fn with_a_signing_key_a_rearranged_pdf_is_signed_and_pyhanko_validates_it() {
    let s3 = S3Server::start("api-derived-signed");
    let names = Names::new("api_derived_signed");
    let record = process_example(&s3, &names);
    let dir = temp_dir("api-derived-signed");
    let out = std::process::Command::new("openssl")
        .current_dir(&dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "agency.key",
            "-out",
            "agency.pem",
            "-days",
            "30",
            "-subj",
            "/CN=UBND phường Thử",
            "-utf8",
            "-addext",
            "keyUsage=critical,digitalSignature,nonRepudiation",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (key, cert) = (dir.join("agency.key"), dir.join("agency.pem"));
    let officer = token(&s3, &names, "officer-sig", "officer", None);
    let api = Api::start(
        &s3,
        &names,
        &[
            "--sign-key",
            key.to_str().unwrap(),
            "--sign-cert",
            cert.to_str().unwrap(),
        ],
    );
    let docs = record["documents"].as_array().unwrap();
    let (a, b) = (&docs[0], &docs[1]);
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let merged: Vec<Value> = page_refs(&record, a)
        .into_iter()
        .chain(page_refs(&record, b))
        .collect();
    let (status, made) = send(
        reqwest::Client::new()
            .post(api.url(&format!("/v1/cases/{CASE}/documents/{a_id}/amendments")))
            .bearer_auth(&officer)
            .json(&json!({"note": "one document", "pages": {a_id: merged, b_id: []}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}\n{}", api.log());
    assert_amendment_schema(&made["amendment"]);
    let signature = derived(&made["amendment"], a_id, "signature");
    assert_eq!(signature["format"], "PAdES-B-B", "{made}");
    assert!(
        signature["signed_at"].as_str().unwrap().ends_with("+07:00"),
        "{signature}"
    );
    let pdf = derived(&made["amendment"], a_id, "pdf");
    let body = object_bytes(&s3, &names, pdf["key"].as_str().unwrap()).await;
    assert_eq!(
        hex::encode(Sha256::digest(&body)),
        pdf["sha256"].as_str().unwrap()
    );
    let file = dir.join("rearranged.pdf");
    std::fs::write(&file, &body).unwrap();
    let out = std::process::Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--no-revocation-check",
            "--trust",
        ])
        .arg(&cert)
        .arg("--trust-replace")
        .arg(&file)
        .output()
        .expect("pyhanko runs: scripts/setup.sh installs it");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("The signature is judged VALID"),
        "pyHanko rejects the re-arranged PDF:\n{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn moved_split_and_turned_pages_get_pdfs_of_their_own_and_the_machine_s_stay() {
    let s3 = S3Server::start("api-derived");
    let names = Names::new("api_derived");
    let db = SearchDb::new("api_derived");
    let record = process_example(&s3, &names);
    let store = names.store();
    let officer = token(&s3, &names, "officer-p", "officer", None);
    let api = Api::start(&s3, &names, &["--index", &db.url()]);
    let http = reqwest::Client::new();
    let batch = record["batch_id"].as_str().unwrap().to_string();
    let docs = record["documents"].as_array().unwrap();
    assert!(docs.len() >= 2, "{record}");
    let (a, b) = (&docs[0], &docs[1]);
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let (a_pages, b_pages) = (page_refs(&record, a), page_refs(&record, b));
    let record_key = format!("cases/{CASE}/{batch}.json");
    let record_before = object_bytes(&s3, &names, &record_key).await;
    let mut machine = Vec::new();
    for d in docs {
        for what in ["pdf", "text"] {
            let key = d[what]["key"].as_str().unwrap().to_string();
            let bytes = object_bytes(&s3, &names, &key).await;
            if what == "pdf" {
                assert_pdfa(&bytes, &key);
            }
            machine.push((key, bytes));
        }
    }
    let machine_pages = |d: &Value| {
        let key = d["pdf"]["key"].as_str().unwrap();
        let (_, pdf) = machine.iter().find(|(k, _)| k == key).unwrap();
        pdf_pages(pdf)
    };
    let (machine_a, machine_b) = (machine_pages(a), machine_pages(b));
    let amend = async |id: &str, pages: Value| {
        let (status, made) = send(
            http.post(api.url(&format!("/v1/cases/{CASE}/documents/{id}/amendments")))
                .bearer_auth(&officer)
                .json(
                    &json!({"note": "the pages were filed in the wrong document", "pages": pages}),
                ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}\n{}", api.log());
        assert_schema("AmendmentMade", &made);
        assert_amendment_schema(&made["amendment"]);
        made["amendment"].clone()
    };
    // The document downloaded, hash-checked against `object`.
    let download = async |id: &str, what: &str, object: &Value| {
        let resp = http
            .get(api.url(&format!("/v1/cases/{CASE}/documents/{id}/{what}")))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{id} {what}");
        let etag = resp.headers()["etag"].to_str().unwrap().to_string();
        let body = resp.bytes().await.unwrap().to_vec();
        let sha = hex::encode(Sha256::digest(&body));
        assert_eq!(sha, object["sha256"].as_str().unwrap(), "{id} {what}");
        assert_eq!(etag, format!("\"{sha}\""));
        assert_eq!(body.len() as u64, object["bytes"].as_u64().unwrap());
        if what == "pdf" {
            // Every re-arranged PDF passes the partial PDF/A-2b check.
            assert_pdfa(&body, &format!("{id}'s re-arranged PDF"));
        }
        body
    };

    // 1. Every page of b moved to the end of a: b is merged away.
    let merged: Vec<Value> = a_pages.iter().chain(&b_pages).cloned().collect();
    let first = amend(a_id, json!({a_id: merged, b_id: []})).await;
    let pdf = derived(&first, a_id, "pdf").clone();
    assert!(derived(&first, b_id, "pdf").is_null(), "{first}");
    assert!(
        pdf["key"]
            .as_str()
            .unwrap()
            .starts_with("amendments/documents/")
    );
    let body = download(a_id, "pdf", &pdf).await;
    let pages = pdf_pages(&body);
    assert_eq!(pages.len(), a_pages.len() + b_pages.len());
    let expected: Vec<_> = machine_a.iter().chain(&machine_b).cloned().collect();
    assert_eq!(
        pages, expected,
        "the machine's pages, images as stored, in the new order"
    );
    let text = download(a_id, "text", derived(&first, a_id, "text")).await;
    assert_eq!(
        String::from_utf8(text).unwrap().split('\u{c}').count(),
        pages.len()
    );
    let (status, _) = send(
        http.get(api.url(&format!("/v1/cases/{CASE}/documents/{b_id}")))
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "b was merged away");

    // 2. b's first page split off again as a new document, turned a
    // quarter clockwise.
    let split_id = format!("{batch}-d09");
    let mut turned = b_pages[0].clone();
    turned["turned_deg"] = json!(90);
    let rest: Vec<Value> = merged
        .iter()
        .filter(|p| **p != b_pages[0])
        .cloned()
        .collect();
    let second = amend(a_id, json!({a_id: rest, split_id.clone(): [turned]})).await;
    let split_pdf = derived(&second, &split_id, "pdf").clone();
    let body = download(&split_id, "pdf", &split_pdf).await;
    let pages = pdf_pages(&body);
    assert_eq!(
        pages,
        vec![(90, machine_b[0].1.clone())],
        "one page, turned 90"
    );
    let split_text = download(&split_id, "text", derived(&second, &split_id, "text")).await;
    let split_text = String::from_utf8(split_text).unwrap();
    let machine_b_text = machine
        .iter()
        .find(|(k, _)| k == b["text"]["key"].as_str().unwrap())
        .map(|(_, t)| String::from_utf8(t.clone()).unwrap())
        .unwrap();
    assert_eq!(
        Some(split_text.as_str()),
        machine_b_text.split('\u{c}').next()
    );
    // The search index holds the split-off document with that text.
    let word = split_text
        .split_whitespace()
        .filter(|w| w.chars().all(char::is_alphabetic))
        .max_by_key(|w| w.chars().count())
        .unwrap_or_else(|| panic!("no word in {split_text:?}"));
    let (status, page) = send(
        http.get(
            reqwest::Url::parse_with_params(
                &api.url("/v1/search"),
                [("q", word), ("limit", "100")],
            )
            .unwrap(),
        )
        .bearer_auth(&officer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["document_id"] == split_id.as_str()),
        "{word}: {page}"
    );
    let a_pdf = derived(&second, a_id, "pdf").clone();
    let body = download(a_id, "pdf", &a_pdf).await;
    assert_eq!(pdf_pages(&body).len(), rest.len());
    // The case shows them, marked; `sohoa case` names the new PDFs.
    let (_, view) = send(
        http.get(api.url(&format!("/v1/cases/{CASE}")))
            .bearer_auth(&officer),
    )
    .await;
    assert_schema("CaseView", &view);
    let split = doc_of(&view, &split_id);
    assert_eq!(split["pdf"], split_pdf);
    assert_eq!(split["pages"], 1);
    assert_eq!(doc_of(&view, a_id)["pdf"], a_pdf);
    for c in ["pages", "pdf", "text"] {
        assert!(
            split["corrected"].as_array().unwrap().contains(&json!(c)),
            "{split}"
        );
    }
    let out = sohoa(&s3, &["case", CASE, "--store", &store]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(split_pdf["key"].as_str().unwrap()), "{text}");
    assert!(text.contains("corrected: pages, pdf, text"), "{text}");
    // `sohoa get` writes the new PDF, hash-checked.
    let dir = temp_dir("api-derived-get");
    let out_file = dir.join("split.pdf");
    let out = sohoa(
        &s3,
        &[
            "get",
            CASE,
            &split_id,
            "-o",
            out_file.to_str().unwrap(),
            "--store",
            &store,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read(&out_file).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&got)), split_pdf["sha256"]);

    // The record and every object of the machine are byte for byte as
    // they were.
    assert_eq!(object_bytes(&s3, &names, &record_key).await, record_before);
    for (key, bytes) in &machine {
        assert_eq!(&object_bytes(&s3, &names, key).await, bytes, "{key}");
    }
    // Fixity checks the new objects against their amendments: all well,
    // then one flipped byte is named.
    let (ok, report) = verify(&s3, &names);
    assert!(ok, "{report}");
    let made = 2 + 2 + 2; // pdf and text of a, twice, and of the split-off one
    assert_eq!(
        report["objects"].as_u64().unwrap(),
        record_objects(&record) + made,
        "{report}"
    );
    let key = split_pdf["key"].as_str().unwrap();
    let path = s3.dir.join(&names.bucket).join(key);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let (ok, report) = verify(&s3, &names);
    assert!(!ok, "{report}");
    assert_eq!(report["mismatched"], 1, "{report}");
    assert_eq!(report["bad"][0]["key"], key);
    // A machine's PDF that no longer matches its record is never taken
    // apart: the re-arrangement is refused and nothing is stored.
    let key = a["pdf"]["key"].as_str().unwrap();
    let path = s3.dir.join(&names.bucket).join(key);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let stored = keys(&s3, &names, "amendments/").await;
    let (status, err) = send(
        http.post(api.url(&format!("/v1/cases/{CASE}/documents/{a_id}/amendments")))
            .bearer_auth(&officer)
            .json(&json!({"note": "back together", "pages": {a_id: merged, split_id.clone(): []}})),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{err}");
    assert_eq!(err["error"]["code"], "integrity_failure", "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains(key),
        "{err}"
    );
    assert_eq!(keys(&s3, &names, "amendments/").await, stored);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_checks_corrected_types_against_the_taxonomy_it_is_given() {
    let s3 = S3Server::start("api-taxonomy");
    let names = Names::new("api_taxonomy");
    put_amend_records(&s3, &names).await;
    let file = temp_dir("api-taxonomy").join("taxonomy.toml");
    std::fs::write(
        &file,
        "threshold = 0.8\n\n[[types]]\nid = \"so_do\"\nname = \"Giấy chứng nhận quyền sử dụng đất\"\n\
         headings = [\"GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT\"]\n",
    )
    .unwrap();
    // A taxonomy that cannot be read stops the server before it serves.
    let out = sohoa(
        &s3,
        &[
            "serve",
            "--taxonomy",
            "/nonexistent/taxonomy.toml",
            "--store",
            &names.store(),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/taxonomy.toml"), "{err}");
    let officer = token(&s3, &names, "officer-t", "officer", None);
    let api = Api::start(&s3, &names, &["--taxonomy", file.to_str().unwrap()]);
    let http = reqwest::Client::new();
    let amend = async |t: &str| {
        send(
            http.post(api.url(&format!(
                "/v1/cases/{CASE}/documents/bamend1-d01/amendments"
            )))
            .bearer_auth(&officer)
            .json(&json!({"note": "the heading was misread", "type": t})),
        )
        .await
    };
    // A type of the default taxonomy is not one of this server's.
    let (status, err) = amend("marital_status").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("(other, so_do)"),
        "{err}"
    );
    let (status, made) = amend("so_do").await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["document"]["type"], "so_do");
}
