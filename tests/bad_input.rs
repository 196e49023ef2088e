//! Bad input gets a clear error naming the file (and page), exit code 3,
//! and leaves no record behind.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// A batch directory holding the example batch's receipt plus `name` with `bytes`.
fn batch_with(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = temp_dir(&format!("bad-{name}"));
    std::fs::copy(
        example_batch().join("scan_001.tif"),
        dir.join("scan_001.tif"),
    )
    .unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    dir
}

/// Process `batch` and check: exit 3, the message names `file` and says
/// `says`, and the store holds no record.
fn assert_refused(batch: &Path, extra: &[&str], file: &str, says: &str) {
    let store = batch.join("store");
    let out = run(sohoa()
        .arg("process")
        .arg(batch)
        .arg("--store")
        .arg(&store)
        .args(extra));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "exit code; stderr: {err}");
    assert!(err.contains(file), "error should name {file}: {err}");
    assert!(
        err.to_lowercase().contains(says),
        "error should say '{says}': {err}"
    );
    assert!(
        !store.join("cases").exists(),
        "a record was written for a refused batch"
    );
    assert!(
        !store.join("batches").exists(),
        "a batch index was written for a refused batch"
    );
}

#[test]
fn empty_file_is_refused() {
    let b = batch_with("scan_002.tif", b"");
    assert_refused(&b, &[], "scan_002.tif", "empty");
}

#[test]
fn truncated_jpeg_is_refused_with_its_page() {
    let jpeg = std::fs::read(example_batch().join("scan_002.jpg")).unwrap();
    let b = batch_with("scan_002.jpg", &jpeg[..jpeg.len() / 3]);
    assert_refused(&b, &[], "scan_002.jpg page 1", "truncated");
}

#[test]
fn truncated_tiff_is_refused() {
    let tiff = std::fs::read(example_batch().join("scan_003.tif")).unwrap();
    let b = batch_with("scan_002.tif", &tiff[..tiff.len() / 2]);
    assert_refused(&b, &[], "scan_002.tif", "damaged");
}

#[test]
fn office_document_is_refused_as_unsupported() {
    let b = batch_with(
        "letter.docx",
        b"PK\x03\x04\x14\x00\x06\x00word/document.xml",
    );
    assert_refused(&b, &[], "letter.docx", "unsupported file type");
}

#[test]
fn image_declaring_gigabytes_is_refused_before_decoding() {
    // A PNG header declaring 100000 x 100000 pixels, 8-bit grey, then nothing.
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    let b = batch_with("huge.png", &png);
    assert_refused(&b, &[], "huge.png page 1", "over the limit");
}

/// A one-page PDF whose page has text but no scanned image.
fn born_digital_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 24 Tf 72 700 Td (Typed letter) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn born_digital_pdf_page_is_refused_as_not_supported_yet() {
    let b = batch_with("typed.pdf", &born_digital_pdf());
    assert_refused(&b, &[], "typed.pdf page 1", "not supported yet");
}

#[test]
fn encrypted_pdf_is_refused() {
    use lopdf::{Object, dictionary};
    let mut doc = lopdf::Document::load_mem(&born_digital_pdf()).unwrap();
    let encrypt = doc.add_object(dictionary! {
        "Filter" => "Standard", "V" => 2, "R" => 3, "Length" => 128, "P" => -3904,
        "O" => Object::String(vec![0x11; 32], lopdf::StringFormat::Hexadecimal),
        "U" => Object::String(vec![0x22; 32], lopdf::StringFormat::Hexadecimal),
    });
    doc.trailer.set("Encrypt", encrypt);
    let id = Object::String(vec![0x33; 16], lopdf::StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let b = batch_with("locked.pdf", &bytes);
    assert_refused(&b, &[], "locked.pdf", "encrypted");
}

#[test]
fn malformed_case_code_is_refused() {
    let b = batch_with(
        "scan_003.tif",
        &std::fs::read(example_batch().join("scan_003.tif")).unwrap(),
    );
    assert_refused(
        &b,
        &["--case", "000.00.13-H04-2106-1"],
        "000.00.13-H04-2106-1",
        "not a valid case code",
    );
}

#[test]
fn station_code_disagreeing_with_the_receipt_fails_naming_both() {
    let b = batch_with(
        "scan_003.tif",
        &std::fs::read(example_batch().join("scan_003.tif")).unwrap(),
    );
    let station = "000.00.13.H04-210628-0001";
    assert_refused(&b, &["--case", station], station, "conflict");
    let out = run(sohoa()
        .arg("process")
        .arg(&b)
        .arg("--store")
        .arg(b.join("store2"))
        .args(["--case", station]));
    assert!(
        stderr(&out).contains(EXAMPLE_CASE),
        "the receipt's code must be named too"
    );
}

#[test]
fn batch_without_receipt_or_station_code_is_refused() {
    let dir = temp_dir("no-case");
    std::fs::copy(
        example_batch().join("scan_003.tif"),
        dir.join("scan_003.tif"),
    )
    .unwrap();
    assert_refused(&dir, &[], "--case", "no case code");
}
