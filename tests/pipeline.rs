//! End-to-end behaviour on the example batch shipped in the repo and on
//! batches built from it: orientation, documents spanning files, JSON
//! output, idempotence.

mod common;

use common::*;
use serde_json::Value;
use sohoa::pix::Pix;

#[test]
fn example_batch_is_digitised_into_three_typed_documents() {
    let store = temp_dir("example");
    let r = process_json(&[&example_batch()], &store, &[]);
    assert_eq!(r["case_code"], EXAMPLE_CASE);
    assert_eq!(r["case_code_source"], "receipt_qr");
    let types: Vec<&str> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["receipt", "id_card", "marital_status"]);
    assert_eq!(r["skipped_pages"][0]["reason"], "blank");
    for d in r["documents"].as_array().unwrap() {
        assert!(!d["reason"].as_str().unwrap().is_empty());
        assert!(store.join(d["pdf"]["key"].as_str().unwrap()).exists());
        assert!(store.join(d["text"]["key"].as_str().unwrap()).exists());
    }
    let record = store.join(format!(
        "cases/{EXAMPLE_CASE}/{}.json",
        r["batch_id"].as_str().unwrap()
    ));
    let stored: Value = serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    assert_eq!(stored, r, "--json prints exactly the stored record");
    // Key fields of the marital status certificate.
    let ms = &r["documents"][2]["fields"];
    assert_eq!(ms["full_name"], "Hà Bích Hậu");
    assert_eq!(ms["date_of_birth"], "09/12/1954");
    assert_eq!(ms["id_number"], "092154749736");
}

/// Decode page `n` of a TIFF and return it as a PNG, turned `quarter_turns` clockwise.
fn tiff_page_png(path: &std::path::Path, n: u32, quarter_turns: u32) -> Vec<u8> {
    let pix = tiff_page(path, n);
    let pix = if quarter_turns > 0 {
        pix.rotate_orth(quarter_turns).unwrap()
    } else {
        pix
    };
    pix.to_png().unwrap()
}

/// Process the example receipt followed by `page` (a PNG, `scan_002.png`);
/// return the document that page starts, or fail naming where it went.
fn receipt_and(name: &str, page: Vec<u8>) -> Value {
    let dir = temp_dir(name);
    std::fs::copy(
        example_batch().join("scan_001.tif"),
        dir.join("scan_001.tif"),
    )
    .unwrap();
    std::fs::write(dir.join("scan_002.png"), page).unwrap();
    let r = process_json(&[&dir], &dir.join("store"), &[]);
    r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["pages"][0]["source"] == "scan_002.png")
        .cloned()
        .unwrap_or_else(|| panic!("scan_002.png is in no document: {}", r["skipped_pages"]))
}

#[test]
fn upside_down_page_is_turned_upright_and_classified() {
    let doc = receipt_and(
        "upside-down",
        tiff_page_png(&example_batch().join("scan_003.tif"), 0, 2),
    );
    assert_eq!(doc["pages"][0]["prepare"]["rotated_deg"], 180);
    assert_eq!(doc["type"], "marital_status");
}

#[test]
fn sideways_pages_are_turned_upright_either_way_and_say_what_decided() {
    // Scanned turned a quarter clockwise, the page needs three more
    // quarter turns; turned three, it needs one.
    for (turned, want) in [(1u32, 270), (3, 90)] {
        let doc = receipt_and(
            &format!("sideways-{turned}"),
            tiff_page_png(&example_batch().join("scan_003.tif"), 0, turned),
        );
        let prep = &doc["pages"][0]["prepare"];
        assert_eq!(prep["rotated_deg"], want, "{prep}");
        assert!(
            ["text_shape", "osd"].contains(&prep["orientation_by"].as_str().unwrap_or("")),
            "{prep}"
        );
        assert!(prep["orientation_conf"].as_f64().is_some(), "{prep}");
        assert_eq!(doc["type"], "marital_status");
        // Turned upright, the page is stored upright: portrait.
        let page = &doc["pages"][0];
        assert!(page["height"].as_u64() > page["width"].as_u64(), "{page}");
    }
}

#[test]
fn a_document_may_span_several_files() {
    // The transfer contract of sample batch 4 (pages 5-7) put in three files.
    let tiff = samples_dir().join("batch_004/scan_001.tif");
    let dir = temp_dir("span");
    std::fs::copy(
        example_batch().join("scan_001.tif"),
        dir.join("scan_001.tif"),
    )
    .unwrap();
    for (i, page) in [4u32, 5, 6].iter().enumerate() {
        std::fs::write(
            dir.join(format!("scan_{:03}.png", i + 2)),
            tiff_page_png(&tiff, *page, 0),
        )
        .unwrap();
    }
    let r = process_json(&[&dir], &dir.join("store"), &[]);
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2, "{docs:#?}");
    assert_eq!(docs[1]["type"], "transfer_contract");
    let sources: Vec<&str> = docs[1]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["scan_002.png", "scan_003.png", "scan_004.png"]);
}

#[test]
fn same_input_bytes_give_the_same_batch_id_and_outputs() {
    let a = temp_dir("idem-a");
    let b = temp_dir("idem-b");
    let ra = process_json(&[&example_batch()], &a, &[]);
    let rb = process_json(&[&example_batch()], &b, &[]);
    assert_eq!(ra["batch_id"], rb["batch_id"]);
    let keys = |r: &Value| -> Vec<String> {
        r["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["pdf"]["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&ra), keys(&rb), "rendering is deterministic");
    // A second run into the same store reports the existing record.
    let again = process_json(&[&example_batch()], &a, &[]);
    assert_eq!(again, ra);
    // The batch id names those files and that case: other files, or
    // another case code, under it are refused with exit code 6.
    let id = ra["batch_id"].as_str().unwrap();
    let store = a.to_str().unwrap();
    let one_file = example_batch().join("scan_003.tif");
    let other_files =
        run(sohoa()
            .arg("process")
            .arg(&one_file)
            .args(["--batch-id", id, "--store", store]));
    assert_eq!(other_files.status.code(), Some(6), "{other_files:?}");
    assert!(stderr(&other_files).contains("already used for other files"));
    let other_case = run(sohoa().arg("process").arg(example_batch()).args([
        "--batch-id",
        id,
        "--case",
        "000.00.00.H56-221006-0099",
        "--store",
        store,
    ]));
    assert_eq!(other_case.status.code(), Some(6), "{other_case:?}");
    assert!(stderr(&other_case).contains("000.00.00.H56-221006-0012"));
}

/// A scanner-style PDF whose pages are the given encoded images (made with
/// sohoa's own PDF writer, which embeds them as they are).
fn pdf_of(images: &[sohoa::pix::Encoded]) -> Vec<u8> {
    let empty = sohoa::ocr::PageText::default();
    let pages: Vec<sohoa::render::RenderPage> = images
        .iter()
        .map(|image| sohoa::render::RenderPage {
            image,
            text: &empty,
            dpi: 200,
        })
        .collect();
    let pdf = sohoa::render::render(&pages, "scan").unwrap();
    assert_pdfa(&pdf, "a scanner-style PDF with no text layer");
    pdf
}

fn tiff_page(path: &std::path::Path, n: u32) -> Pix {
    Pix::read_tiff_page(&std::fs::read(path).unwrap(), n).unwrap()
}

#[test]
fn pdf_pages_with_ccitt_g4_and_flate_images_are_read() {
    // The marital status certificate as a CCITT G4 image, the receipt as a
    // Flate-compressed grey image, each in a PDF of its own.
    let g4 = tiff_page(&example_batch().join("scan_003.tif"), 0)
        .encode_for_pdf(80)
        .unwrap();
    assert_eq!(g4.filter, sohoa::pix::Filter::G4);
    let receipt = tiff_page(&example_batch().join("scan_001.tif"), 0)
        .to_gray()
        .unwrap();
    let samples = receipt.gray_bytes().unwrap();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut z, &samples).unwrap();
    let flate = sohoa::pix::Encoded {
        filter: sohoa::pix::Filter::Flate,
        data: z.finish().unwrap(),
        width: receipt.width(),
        height: receipt.height(),
        bits_per_component: 8,
        components: 1,
    };
    let dir = temp_dir("pdf-kinds");
    std::fs::write(dir.join("scan_001.pdf"), pdf_of(&[flate])).unwrap();
    std::fs::write(dir.join("scan_002.pdf"), pdf_of(&[g4])).unwrap();
    let r = process_json(&[&dir], &dir.join("store"), &[]);
    assert_eq!(r["case_code"], EXAMPLE_CASE);
    let types: Vec<&str> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["receipt", "marital_status"]);
    for d in r["documents"].as_array().unwrap() {
        assert_eq!(d["pages"][0]["dpi"], 200);
        assert_eq!(d["pages"][0]["dpi_source"], "pdf page size");
    }
}

#[test]
fn pages_under_200_dpi_are_flagged_low_resolution_but_kept() {
    let dir = temp_dir("low-res");
    std::fs::copy(
        example_batch().join("scan_001.tif"),
        dir.join("scan_001.tif"),
    )
    .unwrap();
    let page = tiff_page(&example_batch().join("scan_003.tif"), 0);
    let mut small = page.scale_to_gray(0.75).unwrap();
    small.set_resolution(150);
    std::fs::write(dir.join("scan_002.png"), small.to_png().unwrap()).unwrap();
    let r = process_json(&[&dir], &dir.join("store"), &[]);
    let doc = &r["documents"][1];
    assert_eq!(doc["pages"][0]["dpi"], 150);
    assert_eq!(doc["pages"][0]["low_resolution"], true);
    assert_eq!(r["documents"][0]["pages"][0]["low_resolution"], false);
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("scan_002.png page 1") && warnings.contains("low_resolution"),
        "{warnings}"
    );
}

#[test]
fn a_replacement_taxonomy_decides_the_types() {
    // A taxonomy that knows only receipts: the other documents are `other`
    // and flagged for review, with a reason.
    let dir = temp_dir("taxonomy");
    let tax = dir.join("receipts-only.toml");
    std::fs::write(
        &tax,
        "threshold = 0.8\n[[types]]\nid = \"receipt\"\nname = \"Receipt\"\nheadings = [\"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\"]\n",
    )
    .unwrap();
    let r = process_json(
        &[&example_batch()],
        &dir.join("store"),
        &["--taxonomy", tax.to_str().unwrap()],
    );
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs[0]["type"], "receipt");
    assert_eq!(docs[0]["needs_review"], false);
    for d in &docs[1..] {
        assert_eq!(d["type"], "other");
        assert_eq!(d["needs_review"], true);
        assert!(d["reason"].as_str().unwrap().contains("page"));
    }
    assert!(
        r["software"]["taxonomy"]
            .as_str()
            .unwrap()
            .ends_with("receipts-only.toml")
    );
}

/// `page` as faded print on grey paper: its grey levels squeezed into
/// `ink..=paper`, with deterministic noise of a few levels.
fn faded(page: &Pix, ink: u8, paper: u8) -> Pix {
    let gray = page.to_gray().unwrap();
    let mut state = 7u32;
    let bytes: Vec<u8> = gray
        .gray_bytes()
        .unwrap()
        .into_iter()
        .map(|v| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 28) as f32 - 7.5; // -7.5..7.5
            let level = ink as f32 + (paper - ink) as f32 * v as f32 / 255.0 + noise;
            level.clamp(0.0, 255.0) as u8
        })
        .collect();
    let mut out = Pix::from_samples(gray.width(), gray.height(), 1, &bytes).unwrap();
    out.set_resolution(page.xres().max(200));
    out
}

#[test]
fn a_faded_grey_page_is_read_and_kept_not_dropped_as_blank() {
    // The marital status certificate printed in light grey (170) on grey
    // paper (232): nothing on it is darker than half the white level.
    let page = faded(
        &tiff_page(&example_batch().join("scan_003.tif"), 0),
        170,
        232,
    );
    let doc = receipt_and("faded", page.to_png().unwrap());
    let prep = &doc["pages"][0]["prepare"];
    assert_eq!(prep["stretched"], true, "{prep}");
    assert!(prep["ink_ratio"].as_f64().unwrap() < 0.002, "{prep}");
    assert_eq!(doc["type"], "marital_status");
    assert_eq!(doc["fields"]["id_number"], "092154749736");
}

#[test]
fn show_through_of_a_printed_back_is_left_out_and_says_why() {
    // A blank back through which the marital status certificate on the
    // sheet's other side shows: mirrored, faint, on grey paper.
    let front = tiff_page(&example_batch().join("scan_003.tif"), 0);
    let page = faded(&front.flip_lr().unwrap(), 200, 240);
    let dir = temp_dir("show-through");
    std::fs::copy(
        example_batch().join("scan_001.tif"),
        dir.join("scan_001.tif"),
    )
    .unwrap();
    std::fs::write(dir.join("scan_002.png"), page.to_png().unwrap()).unwrap();
    let r = process_json(&[&dir], &dir.join("store"), &[]);
    let skipped = r["skipped_pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source"] == "scan_002.png")
        .unwrap_or_else(|| panic!("scan_002.png was not left out: {r}"));
    assert_eq!(skipped["reason"], "blank");
    let detail = skipped["detail"].as_str().unwrap();
    assert!(
        detail.contains("show-through") && detail.contains("mirrored"),
        "{detail}"
    );
    // The same print on this side, as faint, is read and kept.
    let doc = receipt_and("faint-front", faded(&front, 200, 240).to_png().unwrap());
    assert_eq!(doc["type"], "marital_status");
}

#[test]
fn a_batch_whose_pages_all_come_out_blank_fails_and_says_why() {
    let dir = temp_dir("all-blank");
    // Grey paper with noise, and the same with faint marks from the back.
    let blank = faded(
        &Pix::from_samples(800, 1100, 1, &vec![255u8; 800 * 1100]).unwrap(),
        0,
        240,
    );
    std::fs::write(dir.join("scan_001.png"), blank.to_png().unwrap()).unwrap();
    let mut marks = vec![255u8; 800 * 1100];
    for y in (200..900).step_by(30) {
        for x in (100..700).filter(|x| x % 11 < 7) {
            for dy in 0..3 {
                marks[(y + dy) * 800 + x] = 170;
            }
        }
    }
    let show_through = faded(&Pix::from_samples(800, 1100, 1, &marks).unwrap(), 200, 245);
    std::fs::write(dir.join("scan_002.png"), show_through.to_png().unwrap()).unwrap();
    let out = run(sohoa()
        .arg("process")
        .arg(&dir)
        .arg("--store")
        .arg(dir.join("store"))
        .args(["--case", "000.00.13.H04-210628-0001"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("none of the batch's 2 page(s) holds content")
            && err.contains("scan_001.png page 1"),
        "{err}"
    );
    assert!(
        !dir.join("store/cases").exists(),
        "no record for an empty batch"
    );
}
