//! The agency's signature on every document PDF (PAdES B-B), checked by
//! an outside validator: pyHanko's CLI (`pyhanko sign validate`, from
//! PyPI, installed by `scripts/setup.sh`), trusting only a test CA made
//! here with openssl. A one-byte change inside the signed range fails it.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A test CA and a signing certificate it issued (key usage: digital
/// signature and non-repudiation), made with openssl in `dir`: the CA's
/// certificate, the signing key, and the chain (signing certificate, CA).
struct TestPki {
    ca: PathBuf,
    key: PathBuf,
    chain: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs (Debian's openssl package)");
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
}

fn test_pki(dir: &Path) -> TestPki {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-utf8",
            "-subj",
            "/CN=Test CA sohoa/O=Bộ thử nghiệm",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    issue(
        dir,
        "sign",
        "/CN=UBND xã Thử Nghiệm/O=Ủy ban nhân dân",
        "keyUsage=critical,digitalSignature,nonRepudiation",
    );
    TestPki {
        ca: dir.join("ca.pem"),
        key: dir.join("sign.key"),
        chain: dir.join("sign-chain.pem"),
    }
}

/// A key `<name>.key` and a certificate `<name>.pem` for `subject`, issued
/// by the test CA in `dir` with the extensions `usage` (and CA:FALSE), then
/// `<name>-chain.pem`: the certificate, then the CA's.
fn issue(dir: &Path, name: &str, subject: &str, usage: &str) {
    let (key, csr, ext, pem) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.ext"),
        format!("{name}.pem"),
    );
    openssl(
        dir,
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-utf8",
            "-subj", subject,
        ],
    );
    std::fs::write(
        dir.join(&ext),
        format!("basicConstraints=critical,CA:FALSE\n{usage}\n"),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            &ext,
            "-out",
            &pem,
        ],
    );
    let chain = [
        std::fs::read_to_string(dir.join(&pem)).unwrap(),
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join(format!("{name}-chain.pem")), chain).unwrap();
}

/// pyHanko's judgement of `pdf`'s signatures, trusting only `ca`:
/// whether it exits 0 and says the signature is valid, with its output.
fn pyhanko_validates(pdf: &Path, ca: &Path) -> (bool, String) {
    let out = Command::new("pyhanko")
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--no-revocation-check",
        ])
        .arg("--trust")
        .arg(ca)
        .arg("--trust-replace")
        .arg(pdf)
        .output()
        .expect("pyhanko runs: scripts/setup.sh installs it (pip install pyhanko-cli)");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success(), text)
}

fn signing_flags(pki: &TestPki) -> Vec<String> {
    vec![
        "--sign-key".into(),
        pki.key.display().to_string(),
        "--sign-cert".into(),
        pki.chain.display().to_string(),
    ]
}

fn pdf_keys(record: &Value) -> Vec<String> {
    record["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["pdf"]["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_document_pdf_is_signed_and_pyhanko_validates_it_and_a_changed_byte_fails_it() {
    let dir = temp_dir("sign-all");
    let pki = test_pki(&dir);
    let store = dir.join("store");
    let flags = signing_flags(&pki);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let record = process_json(&[&example_batch()], &store, &flags);
    let docs = record["documents"].as_array().unwrap();
    assert!(!docs.is_empty());
    for d in docs {
        let sig = &d["signature"];
        assert_eq!(sig["format"], "PAdES-B-B", "{d}");
        let at = sig["signed_at"].as_str().unwrap();
        assert!(at.ends_with("+07:00") && at.len() == 25, "{at}");
        assert!(
            sig["signer"].as_str().unwrap().contains("Thử Nghiệm"),
            "{sig}"
        );
        let key = d["pdf"]["key"].as_str().unwrap();
        let path = store.join(key);
        let pdf = std::fs::read(&path).unwrap();
        // The recorded hash is of the signed file.
        assert_eq!(
            hex_sha256(&pdf),
            d["pdf"]["sha256"].as_str().unwrap(),
            "{key}"
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/SubFilter /ETSI.CAdES.detached"), "{key}");
        let m = format!("/M (D:{}+07'00')", at[..19].replace(['-', ':', 'T'], ""));
        assert!(text.contains(&m), "{key}: no {m}");
        let (valid, said) = pyhanko_validates(&path, &pki.ca);
        assert!(valid, "pyHanko rejects {key}:\n{said}");
        assert!(said.contains("The signature is judged VALID"), "{said}");
        assert!(
            said.contains("The signature covers the entire file"),
            "{said}"
        );
        // sohoa's own partial PDF/A-2b check, told the file is signed.
        let check = run(sohoa().args(["pdf-check", "--signed"]).arg(&path));
        assert!(check.status.success(), "{}", stdout(&check));
        // One byte changed inside the signed range (in the first page's
        // image data, so the file still parses): pyHanko says invalid.
        let mut changed = pdf.clone();
        let at = changed.len() / 3;
        changed[at] ^= 0x01;
        let bad = dir.join("changed.pdf");
        std::fs::write(&bad, &changed).unwrap();
        let (valid, said) = pyhanko_validates(&bad, &pki.ca);
        assert!(
            !valid,
            "pyHanko accepts {key} with byte {at} changed:\n{said}"
        );
    }
    // An untrusted CA: the signature is intact but not trusted.
    let other = temp_dir("sign-other-ca");
    let other = test_pki(&other);
    let first = store.join(docs[0]["pdf"]["key"].as_str().unwrap());
    let (valid, said) = pyhanko_validates(&first, &other.ca);
    assert!(!valid, "trusted by another CA:\n{said}");
}

/// The agency's key as most CAs hand it out: a PKCS#12 file (made here by
/// `openssl pkcs12 -export`, OpenSSL 3's default AES-256 and SHA-256
/// MAC), opened with the password in a file. pyHanko validates what it
/// signs; a wrong password is refused before anything is stored, naming
/// the file and the flag.
#[test]
fn a_pkcs12_key_with_its_password_file_signs_and_a_wrong_password_is_refused() {
    let dir = temp_dir("sign-pkcs12");
    let pki = test_pki(&dir);
    std::fs::write(dir.join("pass"), "mật khẩu 123\n").unwrap();
    openssl(
        &dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "sign.key",
            "-in",
            "sign.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "file:pass",
            "-out",
            "sign.p12",
        ],
    );
    let p12 = dir.join("sign.p12").display().to_string();
    let pass = dir.join("pass").display().to_string();
    let store = dir.join("store");
    let record = process_json(
        &[&example_batch()],
        &store,
        &["--sign-key", &p12, "--sign-key-password-file", &pass],
    );
    let doc = &record["documents"][0];
    assert_eq!(doc["signature"]["format"], "PAdES-B-B", "{doc}");
    let pdf = store.join(doc["pdf"]["key"].as_str().unwrap());
    let (valid, said) = pyhanko_validates(&pdf, &pki.ca);
    assert!(valid, "pyHanko rejects the PKCS#12-signed PDF:\n{said}");

    std::fs::write(dir.join("wrong"), "not the password\n").unwrap();
    let wrong = dir.join("wrong").display().to_string();
    let other = dir.join("store-wrong");
    let out = run(sohoa()
        .arg("process")
        .arg(example_batch())
        .arg("--store")
        .arg(&other)
        .args(["--sign-key", &p12, "--sign-key-password-file", &wrong]));
    assert!(!out.status.success(), "a wrong password is accepted");
    let said = stderr(&out);
    assert!(
        said.contains("sign.p12") && said.contains("--sign-key-password-file"),
        "the error names neither the file nor the flag: {said}"
    );
    assert!(
        !other.join("cases").exists(),
        "a record was stored without the signature asked for"
    );
}

/// A time-stamping authority on loopback: each POSTed query is answered
/// by `openssl ts -reply`, signed by a TSA certificate the test CA issued
/// (extended key usage timeStamping, critical). Counts what it answered.
/// Its thread ends with the test process.
struct TestTsa {
    url: String,
    answered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn start_tsa(dir: &Path) -> TestTsa {
    issue(
        dir,
        "tsa",
        "/CN=Test TSA sohoa",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping",
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    std::fs::write(
        dir.join("tsa.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {}\nserial = $dir/tsaserial\ncrypto_device = builtin\nsigner_cert = $dir/tsa.pem\ncerts = $dir/tsa-chain.pem\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            dir.display()
        ),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = answered.clone();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            if answer_tsa_query(conn, &dir).is_ok() {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    TestTsa { url, answered }
}

/// One HTTP exchange of the test TSA: the query in, `openssl ts -reply`'s
/// response out.
fn answer_tsa_query(mut conn: std::net::TcpStream, dir: &Path) -> std::io::Result<()> {
    use std::io::{BufRead, Read, Write};
    let mut reader = std::io::BufReader::new(conn.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut query = vec![0u8; length];
    reader.read_exact(&mut query)?;
    std::fs::write(dir.join("query.tsq"), &query)?;
    let out = Command::new("openssl")
        .current_dir(dir)
        .args([
            "ts",
            "-reply",
            "-config",
            "tsa.cnf",
            "-queryfile",
            "query.tsq",
            "-out",
            "reply.tsr",
        ])
        .output()?;
    let reply = if out.status.success() {
        std::fs::read(dir.join("reply.tsr"))?
    } else {
        eprintln!(
            "openssl ts -reply: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Vec::new()
    };
    write!(
        conn,
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    )?;
    conn.write_all(&reply)?;
    if reply.is_empty() {
        return Err(std::io::Error::other("no reply"));
    }
    Ok(())
}

/// With a TSA configured every signature gets its RFC 3161 timestamp
/// (PAdES B-T), which pyHanko validates against the test CA; the token is
/// kept in the store, so the same batch built again (a retry, or a second
/// worker on the same claim) is stamped with it, writes the same bytes and
/// asks the TSA nothing.
#[test]
fn with_a_tsa_signatures_are_timestamped_pyhanko_validates_them_and_a_rebuild_reuses_the_token() {
    let dir = temp_dir("sign-tsa");
    let pki = test_pki(&dir);
    let tsa = start_tsa(&dir);
    let mut flags = signing_flags(&pki);
    flags.extend(["--tsa-url".to_string(), tsa.url.clone()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (a, b) = (dir.join("a"), dir.join("b"));
    let ra = process_json(&[&example_batch()], &a, &flags);
    let docs = ra["documents"].as_array().unwrap();
    for d in docs {
        let sig = &d["signature"];
        assert_eq!(sig["format"], "PAdES-B-T", "{d}");
        let stamp = &sig["timestamp"];
        assert_eq!(stamp["tsa"], tsa.url.as_str(), "{sig}");
        assert!(stamp["at"].as_str().unwrap().ends_with("+07:00"), "{sig}");
        let token = a.join(stamp["key"].as_str().unwrap());
        assert!(
            token.is_file(),
            "the token is not kept at {}",
            token.display()
        );
        let pdf = a.join(d["pdf"]["key"].as_str().unwrap());
        let (valid, said) = pyhanko_validates(&pdf, &pki.ca);
        assert!(valid, "pyHanko rejects the timestamped PDF:\n{said}");
        assert!(
            said.contains("The timestamp token is cryptographically sound")
                && said.contains("The TSA certificate is trusted"),
            "pyHanko does not validate the timestamp:\n{said}"
        );
    }
    assert_valid(&validator("batch-record.schema.json"), &ra);
    let asked = tsa.answered.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(asked, docs.len(), "one token per signature");

    copy_dir(&a.join("claims"), &b.join("claims"));
    copy_dir(&a.join("timestamps"), &b.join("timestamps"));
    let rb = process_json(&[&example_batch()], &b, &flags);
    assert_eq!(pdf_keys(&ra), pdf_keys(&rb), "a rebuild wrote other PDFs");
    for key in pdf_keys(&ra) {
        assert_eq!(
            std::fs::read(a.join(&key)).unwrap(),
            std::fs::read(b.join(&key)).unwrap()
        );
    }
    assert_eq!(
        tsa.answered.load(std::sync::atomic::Ordering::SeqCst),
        asked,
        "the rebuild asked the TSA again"
    );
}

/// A TSA that does not answer fails the batch as the environment's fault
/// (exit code 5: try again later), naming the TSA; nothing is stored
/// unstamped in its place.
#[test]
fn an_unreachable_tsa_fails_the_batch_naming_it_and_stores_no_record() {
    let dir = temp_dir("sign-tsa-down");
    let pki = test_pki(&dir);
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/tsa");
    let store = dir.join("store");
    let mut cmd = sohoa();
    cmd.arg("process")
        .arg(example_batch())
        .arg("--store")
        .arg(&store)
        .args(signing_flags(&pki))
        .args(["--tsa-url", &url]);
    let out = run(&mut cmd);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{said}");
    assert!(
        said.contains(&url) && said.contains("cannot be reached"),
        "{said}"
    );
    assert!(
        !store.join("cases").exists(),
        "a record was stored without its timestamp"
    );
}

#[test]
fn without_a_key_documents_are_stored_unsigned_and_the_record_says_so() {
    let dir = temp_dir("sign-none");
    let record = process_json(&[&example_batch()], &dir.join("store"), &[]);
    for d in record["documents"].as_array().unwrap() {
        assert!(d["signature"].is_null(), "{d}");
        assert!(d.as_object().unwrap().contains_key("signature"), "{d}");
    }
}

/// Two workers racing on one batch, or a batch processed again after a
/// crash, find the same claim in the store and so sign at the same time:
/// the signed PDFs are the same bytes. Here the second store is given the
/// first one's claim, as a second worker would find it.
#[test]
fn signed_rendering_is_deterministic_for_one_claim() {
    let dir = temp_dir("sign-determinism");
    let pki = test_pki(&dir);
    let flags = signing_flags(&pki);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (a, b) = (dir.join("a"), dir.join("b"));
    let ra = process_json(&[&example_batch()], &a, &flags);
    copy_dir(&a.join("claims"), &b.join("claims"));
    let rb = process_json(&[&example_batch()], &b, &flags);
    assert_eq!(
        pdf_keys(&ra),
        pdf_keys(&rb),
        "signed rendering is deterministic"
    );
    for key in pdf_keys(&ra) {
        assert_eq!(
            std::fs::read(a.join(&key)).unwrap(),
            std::fs::read(b.join(&key)).unwrap()
        );
    }
    let signed_at = |r: &Value| r["documents"][0]["signature"]["signed_at"].clone();
    assert_eq!(signed_at(&ra), signed_at(&rb));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
