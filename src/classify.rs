//! Classify: give each document a type from the taxonomy, with a confidence
//! and a reason a person can read, and pull out its key fields.
//!
//! OCR text is imperfect (lost or wrong diacritics, split words), the
//! national motto heads almost every document, and the receipt's table
//! lists the names of the other documents. So a heading is looked for only
//! in the upper part of a page, only on lines printed in capitals, and is
//! compared after folding diacritics, by edit-distance similarity of the
//! line's start, not by exact search.

use crate::fold::fold;
use crate::ocr::{COLUMN_BREAK, Line, PageText};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// The default taxonomy shipped with sohoa.
pub const DEFAULT_TAXONOMY: &str = include_str!("../taxonomy/default.toml");

/// The type given when no heading is recognised.
pub const OTHER: &str = "other";

/// Lines in this upper share of the page are the heading area.
const HEADING_AREA: f32 = 0.45;

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("cannot read taxonomy {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("taxonomy {path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Taxonomy {
    pub threshold: f32,
    pub types: Vec<DocType>,
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DocType {
    pub id: String,
    pub name: String,
    pub headings: Vec<String>,
}

impl Taxonomy {
    pub fn default_set() -> Taxonomy {
        Taxonomy::parse(DEFAULT_TAXONOMY, "default").expect("the shipped taxonomy is valid")
    }

    pub fn load(path: &Path) -> Result<Taxonomy, TaxonomyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TaxonomyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Taxonomy::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, source: &str) -> Result<Taxonomy, TaxonomyError> {
        let invalid = |message: String| TaxonomyError::Invalid {
            path: source.to_string(),
            message,
        };
        let mut t: Taxonomy = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if !(0.0..=1.0).contains(&t.threshold) {
            return Err(invalid("threshold must be between 0 and 1".into()));
        }
        if t.types.is_empty() {
            return Err(invalid("no [[types]]".into()));
        }
        for ty in &t.types {
            if ty.headings.iter().any(|h| fold(h).is_empty()) || ty.headings.is_empty() {
                return Err(invalid(format!(
                    "type '{}' needs non-empty headings",
                    ty.id
                )));
            }
        }
        t.source = source.to_string();
        Ok(t)
    }
}

/// Similarity (0..1) of `pattern` to the start of `text` (both folded):
/// the best normalised edit distance over prefixes of about the pattern's length.
pub fn prefix_similarity(text: &str, pattern: &str) -> f32 {
    let t: Vec<char> = text.chars().collect();
    let n = pattern.chars().count();
    if n == 0 || t.is_empty() {
        return 0.0;
    }
    let slack = (n / 8).max(2);
    let mut best = 0.0f32;
    for len in n.saturating_sub(slack)..=(n + slack).min(t.len()) {
        if len == 0 {
            continue;
        }
        let prefix: String = t[..len].iter().collect();
        let d = strsim::levenshtein(&prefix, pattern);
        let sim = 1.0 - d as f32 / n.max(len) as f32;
        best = best.max(sim);
    }
    best
}

/// Share of letters that are capitals.
fn upper_share(s: &str) -> f32 {
    let (mut up, mut letters) = (0, 0);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if c.is_uppercase() {
            up += 1;
        }
    }
    if letters == 0 {
        0.0
    } else {
        up as f32 / letters as f32
    }
}

/// A heading recognised on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadingMatch {
    pub type_id: String,
    pub heading: String,
    /// The OCR text that matched.
    pub found: String,
    pub similarity: f32,
}

const MOTTO: &str = "CONG HOA XA HOI CHU NGHIA VIET NAM";

/// Lines in the page's heading area, in order.
/// Lines with fewer than three letters (specks, rules, stamp fragments)
/// are left out, so that a heading wrapped over two lines is still joined.
fn heading_lines(text: &PageText, page_height: u32) -> Vec<&Line> {
    let limit = (page_height as f32 * HEADING_AREA) as u32;
    text.lines
        .iter()
        .filter(|l| l.bbox[1] <= limit)
        .filter(|l| {
            l.words
                .iter()
                .flat_map(|w| w.text.chars())
                .filter(|c| c.is_alphabetic())
                .count()
                >= 3
        })
        .collect()
}

/// Similarity of `pattern` to the best-matching place in `text` that
/// starts at a word (both folded).
pub fn contains_similarity(text: &str, pattern: &str) -> f32 {
    let mut best = prefix_similarity(text, pattern);
    for (i, _) in text.match_indices(' ') {
        best = best.max(prefix_similarity(&text[i + 1..], pattern));
    }
    best
}

/// Does the page's heading area carry the national motto (the usual top of
/// a document's first page)?
pub fn has_motto(text: &PageText, page_height: u32) -> bool {
    heading_lines(text, page_height)
        .iter()
        .any(|l| contains_similarity(&fold(&l.text()), MOTTO) >= 0.8)
}

/// Find the best heading of the taxonomy on a page, if any reaches `min_similarity`.
pub fn find_heading(
    tax: &Taxonomy,
    text: &PageText,
    page_height: u32,
    min_similarity: f32,
) -> Option<HeadingMatch> {
    let lines = heading_lines(text, page_height);
    let mut best: Option<((bool, f32), HeadingMatch)> = None;
    for (i, line) in lines.iter().enumerate() {
        let raw = line.text();
        if upper_share(&raw) < 0.7 {
            continue;
        }
        let one = fold(&raw);
        if one.len() < 4 {
            continue;
        }
        // A heading may wrap onto the next line.
        let two = lines
            .get(i + 1)
            .filter(|n| upper_share(&n.text()) >= 0.7)
            .map(|n| format!("{one} {}", fold(&n.text())));
        for ty in &tax.types {
            for h in &ty.headings {
                let hf = fold(h);
                let mut sim = prefix_similarity(&one, &hf);
                let mut found = raw.clone();
                if let Some(two) = &two {
                    let s2 = prefix_similarity(two, &hf);
                    if s2 > sim {
                        sim = s2;
                        found = format!("{raw} / {}", lines[i + 1].text());
                    }
                }
                if sim < min_similarity {
                    continue;
                }
                // A heading over the threshold beats any below it; among
                // those, the longest one matching well is the most specific.
                let rank = (sim >= tax.threshold, sim * hf.len() as f32);
                if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                    best = Some((
                        rank,
                        HeadingMatch {
                            type_id: ty.id.clone(),
                            heading: h.clone(),
                            found,
                            similarity: sim,
                        },
                    ));
                }
            }
        }
    }
    best.map(|(_, m)| m)
}

/// The decision for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub type_id: String,
    pub title: Option<String>,
    pub confidence: f32,
    pub reason: String,
    pub needs_review: bool,
}

/// Decide a document's type from the heading found on its first page (if
/// any) and, for ID cards, the card's own QR code.
pub fn decide(
    tax: &Taxonomy,
    heading: Option<&HeadingMatch>,
    id_card_qr: bool,
    first_page: u32,
) -> Decision {
    if let Some(h) = heading
        && h.similarity >= tax.threshold
    {
        let conf = if id_card_qr && h.type_id == "id_card" {
            0.99
        } else {
            h.similarity
        };
        return Decision {
            type_id: h.type_id.clone(),
            title: Some(h.found.clone()),
            confidence: round2(conf),
            reason: format!(
                "heading \"{}\" on page {} matches \"{}\" ({:.0}% similar)",
                h.found,
                first_page,
                h.heading,
                h.similarity * 100.0
            ),
            needs_review: false,
        };
    }
    if id_card_qr && tax.types.iter().any(|t| t.id == "id_card") {
        return Decision {
            type_id: "id_card".into(),
            title: heading.map(|h| h.found.clone()),
            confidence: 0.9,
            reason: format!(
                "page {first_page} carries an ID card's QR code (12-digit ID, name, birth date)"
            ),
            needs_review: false,
        };
    }
    match heading {
        Some(h) => Decision {
            type_id: OTHER.into(),
            title: Some(h.found.clone()),
            confidence: round2(h.similarity),
            reason: format!(
                "closest heading \"{}\" on page {} is only {:.0}% similar to \"{}\" ({}); below the {:.0}% threshold",
                h.found,
                first_page,
                h.similarity * 100.0,
                h.heading,
                h.type_id,
                tax.threshold * 100.0
            ),
            needs_review: true,
        },
        None => Decision {
            type_id: OTHER.into(),
            title: None,
            confidence: 0.0,
            reason: format!("no known heading found on page {first_page}"),
            needs_review: true,
        },
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Is this QR payload an ID card's (`<12 digits>|<old id>|<name>|<ddmmyyyy>|...`)?
pub fn id_card_qr(data: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = data.split('|').collect();
    if parts.len() < 4 || parts[0].len() != 12 || !parts[0].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut f = BTreeMap::new();
    f.insert("id_number".into(), parts[0].to_string());
    if !parts[2].trim().is_empty() {
        f.insert("full_name".into(), title_case(parts[2].trim()));
    }
    let d = parts[3];
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        f.insert(
            "date_of_birth".into(),
            format!("{}/{}/{}", &d[0..2], &d[2..4], &d[4..8]),
        );
    }
    Some(f)
}

static ID_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d])(\d{12})(?:[^\d]|$)").expect("regex"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})").expect("regex"));

/// Labels after which a person's name is printed (folded).
const NAME_LABELS: [&str; 5] = [
    "HO CHU DEM VA TEN",
    "HO CHU DEM TEN",
    "HO VA TEN",
    "HO TEN",
    "TEN TOI LA",
];
const BIRTH_LABELS: [&str; 4] = [
    "NGAY THANG NAM SINH",
    "NGAY SINH",
    "SINH NGAY",
    "DATE OF BIRTH",
];

/// Pull `full_name`, `id_number` and `date_of_birth` out of a document's text:
/// the first labelled name, the first 12-digit number, and the first date
/// after a birth-date label.
pub fn extract_fields(pages: &[&PageText]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let lines: Vec<String> = pages
        .iter()
        .flat_map(|p| p.lines.iter().map(Line::text))
        .collect();
    for (i, raw) in lines.iter().enumerate() {
        let folded = fold(raw);
        if !fields.contains_key("full_name")
            && let Some(label) = NAME_LABELS
                .iter()
                .find(|l| folded.starts_with(*l) || folded.contains(&format!(" {l} ")))
        {
            let after = value_after_label(raw, label).or_else(|| lines.get(i + 1).cloned());
            if let Some(name) = after.and_then(|v| clean_name(&v)) {
                fields.insert("full_name".to_string(), name);
            }
        }
        if !fields.contains_key("id_number")
            && let Some(c) = ID_NUMBER.captures(raw)
        {
            fields.insert("id_number".to_string(), c[1].to_string());
        }
        if !fields.contains_key("date_of_birth") && BIRTH_LABELS.iter().any(|l| folded.contains(l))
        {
            let hit = DATE
                .captures(raw)
                .or_else(|| lines.get(i + 1).and_then(|n| DATE.captures(n)));
            if let Some(c) = hit {
                let (d, m): (u32, u32) = (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0));
                if (1..=31).contains(&d) && (1..=12).contains(&m) {
                    fields.insert(
                        "date_of_birth".to_string(),
                        format!("{d:02}/{m:02}/{}", &c[3]),
                    );
                }
            }
        }
    }
    fields
}

/// The text after the label's colon on the same line, if any.
fn value_after_label(raw: &str, _label: &str) -> Option<String> {
    let idx = raw.find(':')?;
    let v = raw[idx + 1..].trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Keep the leading run of capitalised words (a Vietnamese name), title-cased.
fn clean_name(v: &str) -> Option<String> {
    let v = v.split(" / ").next().unwrap_or(v);
    let v = v.split(COLUMN_BREAK.trim()).next().unwrap_or(v);
    let mut words = Vec::new();
    let honorifics = ["Ông", "Bà", "ÔNG", "BÀ", "Anh", "Chị"];
    for w in v
        .split_whitespace()
        .skip_while(|w| honorifics.contains(&w.trim_end_matches(':')))
    {
        let w = w.trim_matches(|c: char| !c.is_alphabetic());
        let first_upper = w.chars().next().is_some_and(char::is_uppercase);
        if w.is_empty() || !first_upper || w.chars().any(|c| c.is_ascii_digit()) {
            break;
        }
        words.push(w);
        if words.len() == 5 {
            break;
        }
    }
    (words.len() >= 2).then(|| title_case(&words.join(" ")))
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::Word;

    fn page(lines: &[&str]) -> PageText {
        PageText {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| Line {
                    words: l
                        .split_whitespace()
                        .map(|w| Word {
                            text: w.into(),
                            bbox: [0, i as u32 * 40, 10, i as u32 * 40 + 30],
                            conf: 90.0,
                        })
                        .collect(),
                    bbox: [0, i as u32 * 40, 100, i as u32 * 40 + 30],
                })
                .collect(),
        }
    }

    #[test]
    fn heading_matches_despite_ocr_errors() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "GIAY UY QUYÊN",
        ]);
        let m = find_heading(&t, &p, 2000, 0.5).unwrap();
        assert_eq!(m.type_id, "power_of_attorney");
        assert!(has_motto(&p, 2000));
    }

    #[test]
    fn most_specific_heading_wins() {
        let t = Taxonomy::default_set();
        let p = page(&["ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "construction_permit_application"
        );
        let p = page(&["ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "application_form"
        );
    }

    #[test]
    fn wrapped_heading_is_joined() {
        let t = Taxonomy::default_set();
        let p = page(&["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "land_use_certificate"
        );
    }

    #[test]
    fn lower_case_table_rows_are_not_headings() {
        let t = Taxonomy::default_set();
        let p = page(&["Giấy ủy quyền", "Bản chính"]);
        assert!(find_heading(&t, &p, 2000, 0.5).is_none());
    }

    #[test]
    fn weak_match_means_other_and_review() {
        let t = Taxonomy::default_set();
        let h = HeadingMatch {
            type_id: "power_of_attorney".into(),
            heading: "GIẤY ỦY QUYỀN".into(),
            found: "BÊN ỦY QUYỀN".into(),
            similarity: 0.6,
        };
        let d = decide(&t, Some(&h), false, 3);
        assert_eq!(d.type_id, OTHER);
        assert!(d.needs_review);
        assert!(d.reason.contains("below"));
    }

    #[test]
    fn fields_from_labelled_lines() {
        let p = page(&[
            "Họ, chữ đệm, tên: HÀ BÍCH HẬU",
            "Ngày, tháng, năm sinh: 09/12/1954",
            "Giấy tờ tùy thân: Căn cước công dân số 092154749736, cấp ngày 15/04/2021",
        ]);
        let f = extract_fields(&[&p]);
        assert_eq!(f["full_name"], "Hà Bích Hậu");
        assert_eq!(f["date_of_birth"], "09/12/1954");
        assert_eq!(f["id_number"], "092154749736");
    }

    #[test]
    fn id_card_qr_payload() {
        let f = id_card_qr("056194131970||Lê Thùy Lan|25081994|Nữ|Số 53|06062022").unwrap();
        assert_eq!(f["full_name"], "Lê Thùy Lan");
        assert_eq!(f["date_of_birth"], "25/08/1994");
        assert!(id_card_qr("000.00.13.H04-210628-0001").is_none());
    }
}
