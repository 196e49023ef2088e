//! Synthetic batch records and their texts, for the index's tests and its
//! benchmark (`examples/index_bench.rs` includes this file): records of the
//! shape the pipeline writes, without running it.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use sohoa::record::BatchRecord;
use sohoa::store::Store;
use std::time::{Duration, Instant};

/// One document to make.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub doc_type: String,
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<String>,
    pub needs_review: bool,
    pub text: String,
}

/// A batch record of these documents (and their texts, in order).
pub fn record(case_code: &str, batch_id: &str, finished_at: &str, docs: &[Doc]) -> BatchRecord {
    let documents: Vec<serde_json::Value> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let sha = hex::encode(Sha256::digest(d.text.as_bytes()));
            let mut fields = serde_json::Map::new();
            for (k, v) in [
                ("full_name", &d.full_name),
                ("id_number", &d.id_number),
                ("date_of_birth", &d.date_of_birth),
            ] {
                if let Some(v) = v {
                    fields.insert(k.into(), v.clone().into());
                }
            }
            serde_json::json!({
                "id": sohoa::ids::document(batch_id, i + 1),
                "type": d.doc_type,
                "confidence": 0.9,
                "reason": "synthetic",
                "needs_review": d.needs_review,
                "fields": fields,
                "pages": [{
                    "source": "scan.pdf", "page": i + 1, "width": 2480, "height": 3508,
                    "dpi": 300, "dpi_source": "file", "low_resolution": false,
                    "prepare": {"rotated_deg": 0, "skew_deg": 0.0, "deskewed": false, "ink_ratio": 0.05},
                    "ocr_confidence": 90.0
                }],
                "pdf": {"key": sohoa::keys::document_pdf(&sha), "sha256": sha, "bytes": 1000},
                "text": {"key": sohoa::keys::document_text(&sha), "sha256": sha, "bytes": d.text.len()},
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "$schema": sohoa::record::RECORD_SCHEMA,
        "case_code": case_code,
        "case_code_source": "station",
        "batch_id": batch_id,
        "started_at": finished_at,
        "finished_at": finished_at,
        "software": {"name": "sohoa", "version": "test", "tesseract": "5", "ocr_languages": "vie", "taxonomy": "default"},
        "originals": [],
        "documents": documents,
        "skipped_pages": [],
        "warnings": [],
    }))
    .expect("a synthetic record is a record")
}

/// The texts of `docs`, in order.
pub fn texts(docs: &[Doc]) -> Vec<String> {
    docs.iter().map(|d| d.text.clone()).collect()
}

/// Store the documents' texts, then the record (as the pipeline does).
/// Returns the record's key.
pub async fn store(store: &dyn Store, record: &BatchRecord, docs: &[Doc]) -> String {
    for (d, r) in docs.iter().zip(&record.documents) {
        store
            .put_if_absent(&r.text.key, d.text.clone().into_bytes())
            .await
            .expect("store text");
    }
    let (found, _) = sohoa::catalog::records::store_record(store, record.clone())
        .await
        .expect("store record");
    found.key
}

/// A small deterministic generator (xorshift), so runs are repeatable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

pub const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
pub const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Gia", "Xuân",
];
pub const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
    "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn",
    "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Việt", "Yến",
];
pub const TYPES: &[&str] = &[
    "giay_khai_sinh",
    "can_cuoc_cong_dan",
    "don_de_nghi",
    "giay_uy_quyen",
    "so_ho_khau",
    "giay_chung_nhan_qsdd",
    "bien_nhan_ho_so",
];
/// Words of administrative Vietnamese the texts are made of.
pub const WORDS: &[&str] = &[
    "cộng",
    "hòa",
    "xã",
    "hội",
    "chủ",
    "nghĩa",
    "việt",
    "nam",
    "độc",
    "lập",
    "tự",
    "do",
    "hạnh",
    "phúc",
    "giấy",
    "khai",
    "sinh",
    "đơn",
    "đề",
    "nghị",
    "cấp",
    "đổi",
    "chứng",
    "nhận",
    "quyền",
    "sử",
    "dụng",
    "đất",
    "nhà",
    "ở",
    "tài",
    "sản",
    "gắn",
    "liền",
    "với",
    "thửa",
    "tờ",
    "bản",
    "đồ",
    "số",
    "địa",
    "chỉ",
    "thường",
    "trú",
    "phường",
    "quận",
    "huyện",
    "tỉnh",
    "thành",
    "phố",
    "ủy",
    "ban",
    "nhân",
    "dân",
    "họ",
    "và",
    "tên",
    "ngày",
    "tháng",
    "năm",
    "nơi",
    "quốc",
    "tịch",
    "dân",
    "tộc",
    "kinh",
    "giới",
    "tính",
    "nam",
    "nữ",
    "cha",
    "mẹ",
    "người",
    "yêu",
    "cầu",
    "xác",
    "nhận",
    "hồ",
    "sơ",
    "tiếp",
    "nhận",
    "trả",
    "kết",
    "quả",
    "thủ",
    "tục",
    "hành",
    "chính",
    "căn",
    "cước",
    "công",
    "dân",
    "hộ",
    "khẩu",
    "ủy",
    "quyền",
    "bên",
    "được",
    "ký",
    "ghi",
    "rõ",
    "cơ",
    "quan",
    "đăng",
    "ký",
    "lần",
    "đầu",
    "thay",
    "đổi",
    "nội",
    "dung",
    "diện",
    "tích",
    "mục",
    "đích",
    "thời",
    "hạn",
    "nguồn",
    "gốc",
    "giao",
    "thuê",
    "công",
    "nhận",
];

/// A Vietnamese name.
pub fn name(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(SURNAMES),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    )
}

/// A 12-digit citizen number (province, century-and-sex, year, serial).
pub fn id_number(rng: &mut Rng) -> String {
    format!(
        "0{:02}{}{:02}{:06}",
        rng.next() % 97,
        rng.next() % 4,
        rng.next() % 100,
        rng.next() % 1_000_000
    )
}

/// About `words` words of administrative text naming the person.
pub fn text(rng: &mut Rng, words: usize, who: &str, id: &str, dob: &str) -> String {
    let mut out = String::from("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n");
    out.push_str(&format!(
        "Họ và tên: {}\nSố CCCD: {id}\nNgày sinh: {dob}\n",
        who.to_uppercase()
    ));
    for i in 0..words {
        out.push_str(rng.pick(WORDS));
        out.push(if i % 12 == 11 { '\n' } else { ' ' });
    }
    out
}

/// The units (agency codes) the benchmarks' cases belong to.
pub const UNITS: &[&str] = &[
    "000.00.13.H04",
    "000.00.00.H56",
    "000.00.21.H26",
    "000.00.07.H29",
    "000.00.31.H40",
];

/// What the benchmarks' queries look for: people and parcels that were
/// indexed (one document in 50), and the batches (one in 50) whose
/// records a page benchmark also stores, to open their cases.
#[derive(Default)]
pub struct Known {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    pub parcels: Vec<String>,
    /// Record key, record and texts.
    pub batches: Vec<(String, BatchRecord, Vec<String>)>,
}

/// The `n`th synthetic batch of ten documents of the benchmarks.
fn bench_batch(rng: &mut Rng, n: usize, known: &mut Known) -> (String, BatchRecord, Vec<String>) {
    let unit = rng.pick(UNITS);
    let case = format!(
        "{unit}-{:02}{:02}{:02}-{:04}",
        20 + rng.next() % 7,
        1 + rng.next() % 12,
        1 + rng.next() % 28,
        rng.next() % 10_000
    );
    let batch_id = format!("bench{n:07}");
    let mut docs = Vec::new();
    for _ in 0..10 {
        let who = name(rng);
        let id = id_number(rng);
        let dob = format!(
            "{:02}/{:02}/{}",
            1 + rng.next() % 28,
            1 + rng.next() % 12,
            1940 + rng.next() % 80
        );
        let parcel = format!("{}", 1 + rng.next() % 999_999);
        let words = 150 + (rng.next() % 450) as usize;
        let mut text = text(rng, words, &who, &id, &dob);
        text.push_str(&format!(
            "\nThửa đất số {parcel}, tờ bản đồ số {}\n",
            1 + rng.next() % 99
        ));
        if rng.next().is_multiple_of(50) {
            known.ids.push(id.clone());
            known.names.push(who.clone());
            known.parcels.push(parcel);
        }
        docs.push(Doc {
            doc_type: rng.pick(TYPES).into(),
            full_name: Some(who),
            id_number: Some(id),
            date_of_birth: Some(dob),
            needs_review: rng.next().is_multiple_of(20),
            text,
        });
    }
    let finished = format!(
        "2026-{:02}-{:02}T08:00:00Z",
        1 + rng.next() % 11,
        1 + rng.next() % 28
    );
    let record = record(&case, &batch_id, &finished, &docs);
    let key = sohoa::keys::record(&case, &batch_id);
    (key, record, texts(&docs))
}

/// The benchmarks' index: `documents` synthetic documents, ten to a
/// batch record, 100 records a transaction (or, `dry`, only generate them
/// again: what the queries look for, against an index filled before).
pub async fn fill(index: &sohoa::index::Index, documents: usize, dry: bool) -> (Known, Duration) {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut known = Known::default();
    let started = Instant::now();
    let mut chunk = Vec::new();
    for n in 0..documents.div_ceil(10) {
        let made = bench_batch(&mut rng, n, &mut known);
        if n % 50 == 0 {
            known.batches.push(made.clone());
        }
        chunk.push(made);
        if chunk.len() == 100 {
            if !dry {
                index.put_records(&chunk).await.expect("index records");
            }
            chunk.clear();
            eprint!("\r{} documents indexed", (n + 1) * 10);
        }
    }
    if !dry {
        index.put_records(&chunk).await.expect("index records");
    }
    eprintln!();
    (known, started.elapsed())
}
