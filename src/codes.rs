//! Codes: QR codes on the page, where a batch's case code (mã hồ sơ) comes
//! from, and separator sheets.
//!
//! The case code's form (TT 01/2018/TT-VPCP) is checked by
//! [`CaseCode`]'s parser. ID cards carry QR codes too
//! (`<12-digit id>||<name>|...`); those never validate as case codes.
//!
//! A batch's case code is resolved once ([`resolve_case_code`]): the
//! receipt's QR code first, else the code printed on the receipt, else the
//! one the station gave; a station code that disagrees with the receipt
//! fails the batch, naming both.

pub use crate::record::case_code::{CaseCode, InvalidCaseCode};

use crate::ocr::PageText;
use crate::pix::Pix;

/// What a separator sheet's QR code reads.
pub const SEPARATOR: &str = "SEPARATOR";
/// What a separator sheet says in print (folded: capitals, no diacritics).
pub const SEPARATOR_TEXT: &str = "TRANG PHAN CACH";

/// Is one of these QR codes a separator sheet's?
pub fn is_separator_qr(qr: &[String]) -> bool {
    qr.iter().any(|q| q.trim() == SEPARATOR)
}

/// A separator whose QR code could not be read still says so in print:
/// a page of a few words that reads "TRANG PHAN CACH" once folded.
pub fn is_printed_separator(text: &PageText) -> bool {
    text.word_count() <= 6 && crate::fold::fold(&text.text()).contains(SEPARATOR_TEXT)
}

/// Why a batch has no case code it can be attached to.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CaseCodeError {
    #[error(
        "case code conflict: the station gave {station} but the intake receipt says {receipt}; the batch was not attached to either case. Check which dossier was scanned and resubmit with the right --case"
    )]
    Conflict {
        station: CaseCode,
        receipt: CaseCode,
    },
    #[error(
        "the batch carries several different case codes on its receipts, in QR codes or print ({0}); if they are one dossier's, check which is right and resubmit with --case; else split it into one batch per dossier"
    )]
    Several(String),
    #[error(
        "no case code: the batch has no intake receipt with a readable case code; give it with --case"
    )]
    Missing,
}

/// Where a batch's case code came from, as the record says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseCodeSource {
    ReceiptQr,
    ReceiptText,
    Station,
}

impl CaseCodeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseCodeSource::ReceiptQr => "receipt_qr",
            CaseCodeSource::ReceiptText => "receipt_text",
            CaseCodeSource::Station => "station",
        }
    }
}

/// The batch's case code: from the QR codes of its receipt pages, else from
/// the text of its receipt pages, else the station's; a station code that
/// disagrees with the receipt's, a printed code that disagrees with the
/// QR's, or several codes, are errors naming them.
pub fn resolve_case_code<'a>(
    station: Option<CaseCode>,
    qr_codes: impl Iterator<Item = &'a str>,
    receipt_texts: impl Iterator<Item = String>,
    today: time::Date,
) -> Result<(CaseCode, CaseCodeSource), CaseCodeError> {
    let from_qr = distinct(qr_codes.filter_map(|q| q.parse::<CaseCode>().ok()));
    let printed = distinct(receipt_texts.flat_map(|t| case_codes_in_text(&t, today)));
    let (receipt, source) = if !from_qr.is_empty() {
        // The printed code must agree with the QR's: both are named if not.
        let both = distinct(from_qr.into_iter().chain(printed));
        (one(both)?, CaseCodeSource::ReceiptQr)
    } else {
        (one(printed)?, CaseCodeSource::ReceiptText)
    };
    match (station, receipt) {
        (Some(s), Some(r)) if s != r => Err(CaseCodeError::Conflict {
            station: s,
            receipt: r,
        }),
        (_, Some(r)) => Ok((r, source)),
        (Some(s), None) => Ok((s, CaseCodeSource::Station)),
        (None, None) => Err(CaseCodeError::Missing),
    }
}

fn distinct(codes: impl Iterator<Item = CaseCode>) -> Vec<CaseCode> {
    let mut v: Vec<CaseCode> = codes.collect();
    v.sort();
    v.dedup();
    v
}

/// The one code of a list, `None` for none, an error for several.
fn one(mut codes: Vec<CaseCode>) -> Result<Option<CaseCode>, CaseCodeError> {
    if codes.len() > 1 {
        let list: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        return Err(CaseCodeError::Several(list.join(", ")));
    }
    Ok(codes.pop())
}

/// The first day a TT 01/2018 case code can carry.
pub const FIRST_CASE_DAY: time::Date = time::macros::date!(2018 - 01 - 01);

/// Valid, plausible case codes printed in OCR text: those written exactly
/// if there are any, else those read through OCR's usual confusions
/// ([`crate::record::case_code::find_in_ocr`]). Plausible: received on or
/// after [`FIRST_CASE_DAY`] and not after `today`.
pub fn case_codes_in_text(text: &str, today: time::Date) -> Vec<CaseCode> {
    let plausible = |c: &CaseCode| {
        c.received()
            .is_some_and(|d| (FIRST_CASE_DAY..=today).contains(&d))
    };
    let exact: Vec<CaseCode> = crate::record::case_code::find_all(text)
        .into_iter()
        .filter(plausible)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    crate::record::case_code::find_in_ocr(text)
        .into_iter()
        .filter(plausible)
        .collect()
}

/// The two halves of an intake receipt's title (TT 01/2018 Mẫu số 01,
/// folded), and the labels its case code is printed under.
const RECEIPT_TITLE: [&str; 2] = ["TIEP NHAN HO SO", "HEN TRA KET QUA"];
const CODE_LABELS: [&str; 3] = ["MA HO SO", "MA SO HO SO", "SO HO SO"];

/// How alike (0..1) a half of the receipt's title must read to count: one
/// letter in fifteen misread ("họn trả kết quả") still counts, a phrase
/// that shares a word or two does not.
const TITLE_MATCH: f32 = 0.85;

/// Whether a page reads as an intake receipt by its content, in any case
/// and with any line breaks: both halves of its title, or one half and a
/// case-code label. A title half may read with a letter or two wrong.
pub fn is_receipt_text(text: &str) -> bool {
    let folded = crate::fold::fold(text);
    let title = RECEIPT_TITLE
        .iter()
        .filter(|w| {
            folded.contains(*w) || crate::classify::contains_similarity(&folded, w) >= TITLE_MATCH
        })
        .count();
    let label = CODE_LABELS.iter().any(|w| folded.contains(*w));
    title == 2 || (title == 1 && label)
}

/// The characters a printed case code is made of, for a second read of
/// its line ([`unread_code`]).
pub const CODE_CHARS: &str = "0123456789.-ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Where on a receipt page a printed case code stands that OCR did not
/// read whole: the line, the range of its words that hold digits, and the
/// region to read again (`[x0, y0, x1, y1]` in page pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadCode {
    pub line: usize,
    pub words: std::ops::Range<usize>,
    pub region: [u32; 4],
}

/// A piece of a case code's structure, read loosely: its start
/// (`V1V2V3.Z1Z2.`, a digit of the first group may be lost) or its date and
/// serial (`-YYMMDD-X`).
static CODE_SHAPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?:^|[^0-9])[0-9OoQDlI]{2,3}\s*[.,·]\s*[0-9OoQDlI]{2}\s*[.,·]|[-–.]\s*[0-9]{6}\s*[-–.]\s*[0-9]",
    )
    .expect("regex")
});

/// Whether a line looks like it holds a case code: a piece of the code's
/// structure ([`CODE_SHAPE`]), or a case-code label followed by at least
/// [`MIN_LABELLED_CODE_DIGITS`] digits (small or coarse print can spoil
/// every dot and dash: "Mã số hồ sơ: 062403,60LH3S-2351201-13414").
fn looks_like_code_line(line: &str) -> bool {
    if CODE_SHAPE.is_match(line) {
        return true;
    }
    let folded = crate::fold::fold(line);
    let Some(end) = CODE_LABELS
        .iter()
        .filter_map(|l| folded.find(l).map(|at| at + l.len()))
        .min()
    else {
        return false;
    };
    folded[end..].chars().filter(char::is_ascii_digit).count() >= MIN_LABELLED_CODE_DIGITS
}

/// A case code has 17 digits; a label followed by this many still marks its line.
const MIN_LABELLED_CODE_DIGITS: usize = 10;

/// How many lines that look like a piece of a case code are read again at most.
const MAX_UNREAD_LINES: usize = 3;

/// On a page that reads as an intake receipt but whose text holds no
/// valid, plausible case code: the lines that hold a piece of one, first
/// first. A stamp, a fold or a blurred digit ("…-190225.27%6") spoils
/// one character, or the layout analysis cuts the code in two lines
/// ("Mã hồ sơ: 000.03.44." and, further down the text, "H08-260811-2013"),
/// and the code's region read again alone, with only [`CODE_CHARS`], often
/// reads it whole. The region runs from the end of the label (a digit
/// OCR lost may stand before the first one it read) to the last word of
/// any line beside it.
pub fn unread_code(text: &PageText, today: time::Date) -> Vec<UnreadCode> {
    let all = text.text();
    if !is_receipt_text(&all) || !case_codes_in_text(&all, today).is_empty() {
        return Vec::new();
    }
    text.lines
        .iter()
        .enumerate()
        .filter(|(_, l)| looks_like_code_line(&l.text()))
        .filter_map(|(i, _)| code_region(text, i))
        .take(MAX_UNREAD_LINES)
        .collect()
}

/// On a receipt page whose text holds one valid, plausible case code: the
/// line it stands on, to be read again ([`code_region`]).
pub fn printed_code_line(text: &PageText, today: time::Date) -> Option<UnreadCode> {
    let all = text.text();
    if !is_receipt_text(&all) || case_codes_in_text(&all, today).len() != 1 {
        return None;
    }
    let i = text
        .lines
        .iter()
        .position(|l| !case_codes_in_text(&l.text(), today).is_empty())?;
    code_region(text, i)
}

/// The region of line `i` that holds a case code's digits: from the end of
/// the label (a digit OCR lost may stand before the first one it read) to
/// the last word of any line beside it.
fn code_region(text: &PageText, i: usize) -> Option<UnreadCode> {
    let digits = |w: &crate::ocr::Word| w.text.chars().any(|c| c.is_ascii_digit());
    let l = &text.lines[i];
    let first = l.words.iter().position(digits)?;
    let last = l.words.iter().rposition(digits)?;
    let (y0, y1) = (l.bbox[1], l.bbox[3]);
    let x0 = match first.checked_sub(1).map(|p| &l.words[p]) {
        Some(label) => label.bbox[2] + 1,
        None => l.words[first].bbox[0],
    };
    // Words of other lines that stand beside this one (their middle
    // within its height) and to the right of its start.
    let beside = text.lines.iter().flat_map(|o| &o.words).filter(|w| {
        let mid = (w.bbox[1] + w.bbox[3]) / 2;
        mid >= y0 && mid <= y1 && w.bbox[0] >= x0
    });
    let x1 = beside
        .map(|w| w.bbox[2])
        .fold(l.words[last].bbox[2], u32::max);
    Some(UnreadCode {
        line: i,
        words: first..last + 1,
        region: [x0, y0, x1, y1],
    })
}

/// Decode every QR code on a page. The search runs on the page at half
/// size first (a quarter of the pixels; the receipt's and the separator's
/// codes are large); the full-size page is searched only where a code was
/// seen at half size but could not be read (small codes such as an ID
/// card's). Pages without any code, most of them, cost only the half-size search.
/// A page scanned under [`FULL_SIZE_QR_DPI`] is searched at full size only:
/// halved, a receipt's code (25 modules in some 16 mm) would have modules
/// under two pixels, too small to be seen at all.
pub fn decode_qr(gray: &Pix, dpi: u32) -> QrSearch {
    let Some(half) = half_size(gray, dpi) else {
        return decode_qr_once(gray).into();
    };
    let first = decode_qr_once(&half);
    if first.unread == 0 {
        return first.into();
    }
    first.then(decode_qr_once(gray))
}

/// A last search on a receipt whose codes gave no case code: a
/// photocopy's ink spread swells a QR code's dark modules over its light
/// ones until not even its corners are found. Thinned by a pixel a side
/// (at the size [`decode_qr`] searches first, then at full size), such
/// codes often read.
pub fn decode_qr_thinned(gray: &Pix, dpi: u32) -> QrSearch {
    let half = half_size(gray, dpi);
    let thinned = |p: &Pix| {
        p.morph_gray(QR_THINNING, true)
            .map(|t| decode_qr_once(&t))
            .unwrap_or_default()
    };
    match half.as_ref().map(thinned) {
        Some(first) if !first.found.is_empty() => first.into(),
        Some(first) => first.then(thinned(gray)),
        None => thinned(gray).into(),
    }
}

/// What a page's QR search found: the codes read, and why the search
/// itself failed, if it did (the QR decoder's own assertion on a pattern
/// it cannot handle); a failed search leaves the page to be read without it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct QrSearch {
    pub found: Vec<String>,
    pub failed: Option<String>,
}

/// One pass of the QR decoder over one image.
#[derive(Default)]
struct QrPass {
    found: Vec<String>,
    /// Codes detected that could not be read.
    unread: usize,
    failed: Option<String>,
}

impl QrPass {
    /// This pass, then what a second one adds to it.
    fn then(self, second: QrPass) -> QrSearch {
        QrSearch {
            found: merged(self.found, second.found),
            failed: self.failed.or(second.failed),
        }
    }
}

impl From<QrPass> for QrSearch {
    fn from(pass: QrPass) -> QrSearch {
        QrSearch {
            found: pass.found,
            failed: pass.failed,
        }
    }
}

/// The page at half size, where it is scanned finely enough
/// ([`FULL_SIZE_QR_DPI`]) for its QR codes to be searched so first.
fn half_size(gray: &Pix, dpi: u32) -> Option<Pix> {
    (dpi >= FULL_SIZE_QR_DPI)
        .then(|| gray.scale_to_gray(0.5))
        .flatten()
}

/// The side (pixels) of the square a swollen QR code's dark modules are
/// thinned with ([`decode_qr_thinned`]): one pixel a side.
const QR_THINNING: u32 = 3;

/// `a`, then what `b` adds to it.
pub fn merged(mut a: Vec<String>, b: Vec<String>) -> Vec<String> {
    for s in b {
        if !a.contains(&s) {
            a.push(s);
        }
    }
    a
}

/// Pages scanned at fewer dots per inch than this have their QR codes
/// searched at full size only ([`decode_qr`]).
pub const FULL_SIZE_QR_DPI: u32 = 250;

/// The codes read, how many detected codes could not be read, and the
/// decoder's panic, if it panicked: rqrr 0.11 asserts on some groups of
/// finder-like squares (a stamp, a fold, a pattern on a form) whose
/// perspective it cannot map, and one such page must not fail its batch.
fn decode_qr_once(gray: &Pix) -> QrPass {
    let Some(bytes) = gray.gray_bytes() else {
        return QrPass::default();
    };
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let Some(bits) = qr_thresholded(&bytes, w, h) else {
        return QrPass::default();
    };
    let search = std::panic::AssertUnwindSafe(|| {
        let mut img = rqrr::PreparedImage::without_preparation(bits);
        let mut pass = QrPass::default();
        for grid in img.detect_grids() {
            match grid.decode() {
                Ok((_, content)) => pass.found.push(content),
                Err(_) => pass.unread += 1,
            }
        }
        pass
    });
    std::panic::catch_unwind(search).unwrap_or_else(|panic| QrPass {
        failed: Some(format!(
            "the QR decoder failed: {}",
            crate::panic_message(panic.as_ref())
        )),
        ..QrPass::default()
    })
}

/// rqrr's adaptive threshold (`PreparedImage::prepare`: a running mean
/// along each row, both ways, serpentine down the page; a pixel is dark
/// under 95 % of its mean), computed to the same pixels without its three
/// integer divisions a pixel, which made it the QR search's largest cost:
/// each running mean's decay by a multiplication with the divisor's
/// inverse ([`Decay`]), and the comparison multiplied out. The image
/// holds rqrr's own values: 1 where dark, 0 where light.
fn qr_thresholded(gray: &[u8], w: usize, h: usize) -> Option<image::GrayImage> {
    let s = (w / 8).max(1);
    let decay = Decay::new(s)?;
    let mut px = vec![0u8; w * h];
    let mut mean = vec![0usize; w];
    let (mut avg_v, mut avg_u) = (0usize, 0usize);
    for (y, (row, out)) in gray.chunks_exact(w).zip(px.chunks_exact_mut(w)).enumerate() {
        mean.fill(0);
        for x in 0..w {
            let (v, u) = if y % 2 == 0 {
                (w - 1 - x, x)
            } else {
                (x, w - 1 - x)
            };
            avg_v = decay.apply(avg_v) + row[v] as usize;
            avg_u = decay.apply(avg_u) + row[u] as usize;
            mean[v] += avg_v;
            mean[u] += avg_u;
        }
        // rqrr: p < mean * 95 / (200 s), i.e. (p + 1) * 200 s <= mean * 95.
        for ((o, &p), &m) in out.iter_mut().zip(row).zip(&mean) {
            *o = ((p as usize + 1) * 200 * s <= m * 95) as u8;
        }
    }
    image::GrayImage::from_raw(w as u32, h as u32, px)
}

/// `a * (s - 1) / s` in integers (a running mean's decay), as a
/// multiplication: `a - ceil(a / s)`, with the quotient taken from the
/// high half of a 128-bit product, exact for every `a + s` below 2^32
/// (Lemire, Kaser and Kurz, "Faster remainder by direct computation").
struct Decay {
    s: u64,
    /// `ceil(2^64 / s)`; unused (and 0) for `s` = 1, where nothing is left.
    inverse: u64,
}

impl Decay {
    /// `None` for rows too long for the exact quotient (a running mean
    /// reaches 255 `s`; over 16 million pixels wide).
    fn new(s: usize) -> Option<Decay> {
        let s = s as u64;
        (s > 0 && 256 * s < 1 << 32).then(|| Decay {
            s,
            inverse: (u64::MAX / s).wrapping_add(1),
        })
    }

    fn apply(&self, a: usize) -> usize {
        if self.s == 1 {
            return 0;
        }
        let n = a as u64 + self.s - 1;
        debug_assert!(n < 1 << 32);
        let ceil = ((n as u128 * self.inverse as u128) >> 64) as u64;
        (a as u64 - ceil) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_case_codes_parse() {
        for s in ["000.00.13.H04-210628-0001", "000.17.29.H14-230828-0483"] {
            assert_eq!(s.parse::<CaseCode>().unwrap().as_str(), s);
        }
    }

    #[test]
    fn malformed_case_codes_are_refused() {
        for s in [
            "000.00.13.H04-210628-001",
            "00.00.13.H04-210628-0001",
            "000.00.13.H04-211328-0001",
            "000.00.13.404-210628-0001",
            "../../etc/passwd",
            "056194131970||Lê Thùy Lan|25081994|Nữ",
            "SEPARATOR",
            "٠٠٠.00.13.H04-210628-0001",
        ] {
            assert!(s.parse::<CaseCode>().is_err(), "{s} should be refused");
        }
    }

    const TODAY: time::Date = time::macros::date!(2026 - 12 - 03);

    fn printed(text: &str) -> Vec<String> {
        case_codes_in_text(text, TODAY)
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    #[test]
    fn case_code_found_in_noisy_text() {
        let want = ["000.00.13.H04-210628-0001"];
        for t in [
            "Mã hồ sơ: 000.00.13.H04-21O628-0001 (tra cứu)",
            "Mã số hồ sơ: 000 . 00 . 13 . H04 - 210628 - 0001",
            "MÃ HỒ SƠ:OOO.OO.l3.h04—2lO628—OOO1",
            "Số hồ sơ 000,00,13,H04-210628-0001.",
            "tra cứu tại 000.00.13.HO4-210628-000I",
            "Mã hồ sơ: 000.00.13.H 04-2106 28-0001",
            // The agency's "H" read as two strokes.
            "000.00.13.1104-210628-0001",
            // A stray stroke before the agency letter.
            "000.00.13.1H04-210628-0001",
            "000.00.13.|h04-210628-0001",
            // A dot or a dash with a speck beside it, read doubled.
            "Ni họ xơ: 000.,00.13.H04-210628.-0001",
            // A dot or a dash blurred into another mark.
            "Sở hồ sở: 000.00.132H04-210628-0001",
            "Mã hồ sơ: 000:00.13.H04-21062810001",
        ] {
            assert_eq!(printed(t), want, "{t}");
        }
    }

    #[test]
    fn printed_codes_must_be_plausible_and_stand_alone() {
        for t in [
            // Received after the day the batch is processed.
            "Mã hồ sơ: 000.00.13.H04-270101-0001",
            // Before TT 01/2018 existed.
            "Mã hồ sơ: 000.00.13.H04-171231-0001",
            // No such day.
            "Mã hồ sơ: 000.00.13.H04-210231-0001",
            // Part of a longer run of digits.
            "1000.00.13.H04-210628-00012",
            // Digits where the agency letter stands, other than two strokes.
            "000.00.13.504-210628-0001",
            // A letter before the agency letter is no speck.
            "000.00.13.AH04-210628-0001",
            // A group one digit too long is no mark read for a dot.
            "000.00.13.2.H04-210628-0001",
            "000.00.1322H04-210628-0001",
        ] {
            assert!(printed(t).is_empty(), "{t}: {:?}", printed(t));
        }
        assert_eq!(
            printed("000.00.13.H04-180101-0001 và 000.00.13.H04-261203-0002"),
            ["000.00.13.H04-180101-0001", "000.00.13.H04-261203-0002"]
        );
    }

    #[test]
    fn a_receipt_code_ocr_spoiled_is_found_for_a_second_read() {
        let today = time::macros::date!(2026 - 01 - 01);
        let page = |code_line: &str| {
            PageText::of_lines(&[
                "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                code_line,
                "Tiếp nhận hồ sơ của: Ông Lê Văn An",
            ])
        };
        let spots = unread_code(&page("Mã số hồ sơ: 000.08.28.H11-190225.27%6"), today);
        // The region runs from the label's end (word 3 ends at x = 46) to the last digit word.
        assert_eq!(
            spots,
            [UnreadCode {
                line: 1,
                words: 4..5,
                region: [47, 40, 58, 70],
            }]
        );
        // A lost first digit ("65." for "565.") still marks the line.
        let lost = unread_code(&page("Mi họ xơ. 65. 38.03.H30-200509-148 3"), today);
        assert_eq!(lost.iter().map(|s| s.line).collect::<Vec<_>>(), [1]);
        // Every dot and dash spoiled: the label and the digits after it mark the line.
        let coarse = unread_code(&page("Mã số hồ sơ: 062403,60LH3S-2351201-13414"), today);
        assert_eq!(coarse.iter().map(|s| s.line).collect::<Vec<_>>(), [1]);
        // A code labelled "Số hồ sơ", its month misread.
        let other_label = unread_code(&page("Số hồ sơ: 835.03.43.H33-240001-0170"), today);
        assert_eq!(other_label.iter().map(|s| s.line).collect::<Vec<_>>(), [1]);
        // A label with a few digits after it (a phone number's start) does not.
        let short = unread_code(&page("Mã số hồ sơ: xem 0912 345"), today);
        assert!(short.is_empty());
        // A code read whole, or a page that is no receipt, needs no second read.
        assert!(unread_code(&page("Mã hồ sơ: 000.08.28.H11-190225-2756"), today).is_empty());
        let other = PageText::of_lines(&["GIẤY KHAI SINH", "Số: 000.08.28.H11-190225.27%6"]);
        assert!(unread_code(&other, today).is_empty());
    }

    #[test]
    fn a_receipt_code_cut_in_two_lines_is_read_again_across_both() {
        // Tesseract's layout analysis put the code's end in a line of its
        // own, printed beside its start but read later in the text.
        let today = time::macros::date!(2026 - 12 - 01);
        let mut text = PageText::of_lines(&[
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Mã hồ sơ: 000.03.44.",
            "Tiếp nhận hồ sơ của: Ông Thái Văn Khoa",
            "H08-260811-2013",
        ]);
        let tail = &mut text.lines[3];
        tail.bbox = [200, 40, 320, 70];
        tail.words[0].bbox = [200, 42, 320, 68];
        let spots = unread_code(&text, today);
        // The code's start first, its region across both; the tail, alone, after it.
        assert_eq!(
            spots.first(),
            Some(&UnreadCode {
                line: 1,
                words: 3..4,
                region: [35, 40, 320, 70],
            })
        );
        assert_eq!(spots.iter().map(|s| s.line).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn exact_codes_win_over_codes_read_through_confusions() {
        // The code printed cleanly, and an OCR-garbled neighbour that would
        // read as another code: the clean one is the receipt's.
        let t = "Mã hồ sơ: 000.00.13.H04-210628-0001\nBiên nhận 0O0.00.13.H04-210628-OO07";
        assert_eq!(printed(t), ["000.00.13.H04-210628-0001"]);
    }

    #[test]
    fn receipts_are_recognised_by_their_words_in_any_case() {
        for t in [
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Giấy tiếp nhận hồ sơ\nvà hẹn trả kết quả",
            "PHIẾU TIẾP NHẬN HỒ SƠ\nMã số hồ sơ: 000.00.13.H04-210628-0001",
            "Biên nhận hồ sơ và hẹn trả kết quả — Mã hồ sơ: ...",
            // A letter of the title misread, and the code labelled "Số hồ sơ".
            "Phiếu tiếp nhận hồ sơ và họn trả kết quả\nSố hồ sơ: 835.03.43.H33-240001-0170",
            "PHIẾU TIẾP NHẬN HỒ SƠ\nSố hồ sơ: 835.03.43.H33-240801-0170",
        ] {
            assert!(is_receipt_text(t), "{t}");
        }
        for t in [
            "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG\nMã hồ sơ thửa đất",
            "Bộ phận tiếp nhận hồ sơ của UBND xã",
            "Tờ khai: số lượng hồ sơ 01, trả kết quả qua bưu chính",
        ] {
            assert!(!is_receipt_text(t), "{t}");
        }
    }

    #[test]
    fn case_code_resolution_prefers_the_receipt_and_refuses_conflicts() {
        let a = "000.00.13.H04-210628-0001";
        let b = "000.00.13.H04-210628-0002";
        let code = |s: &str| s.parse::<CaseCode>().unwrap();
        let no_text = || std::iter::empty::<String>();
        assert_eq!(
            resolve_case_code(None, [a, "SEPARATOR"].into_iter(), no_text(), TODAY),
            Ok((code(a), CaseCodeSource::ReceiptQr))
        );
        assert_eq!(
            resolve_case_code(
                None,
                std::iter::empty(),
                [format!("Mã hồ sơ: {b}")].into_iter(),
                TODAY
            ),
            Ok((code(b), CaseCodeSource::ReceiptText))
        );
        assert_eq!(
            resolve_case_code(Some(code(b)), std::iter::empty(), no_text(), TODAY),
            Ok((code(b), CaseCodeSource::Station))
        );
        assert!(matches!(
            resolve_case_code(Some(code(b)), [a].into_iter(), no_text(), TODAY),
            Err(CaseCodeError::Conflict { .. })
        ));
        assert!(matches!(
            resolve_case_code(None, [a, b].into_iter(), no_text(), TODAY),
            Err(CaseCodeError::Several(_))
        ));
        assert_eq!(
            resolve_case_code(None, std::iter::empty(), no_text(), TODAY),
            Err(CaseCodeError::Missing)
        );
        // The QR says one code, the print another: both named, no code.
        match resolve_case_code(
            None,
            [a].into_iter(),
            [format!("Mã hồ sơ: {b}")].into_iter(),
            TODAY,
        ) {
            Err(CaseCodeError::Several(list)) => assert!(list.contains(a) && list.contains(b)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            resolve_case_code(
                None,
                [a].into_iter(),
                [format!("Mã hồ sơ: {a}")].into_iter(),
                TODAY
            ),
            Ok((code(a), CaseCodeSource::ReceiptQr))
        );
    }

    /// The same pixels as rqrr's own threshold, on the example receipt
    /// (a real scan, at the half size the search reads first and at full
    /// size) and on noise of every width from 1 to 40 (row lengths
    /// where the running mean's divisor is 1 to 5).
    #[test]
    fn the_qr_threshold_gives_rqrr_s_own_pixels() {
        let same = |gray: &[u8], w: usize, h: usize| {
            let ours = qr_thresholded(gray, w, h).expect("thresholded");
            let theirs = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| gray[y * w + x]);
            let ours = rqrr::PreparedImage::without_preparation(ours);
            let differ = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .filter(|&(x, y)| ours.get_pixel_at(x, y) != theirs.get_pixel_at(x, y))
                .count();
            assert_eq!(differ, 0, "{differ} of {w}x{h} pixels differ");
        };
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/sample-batch/scan_001.tif"
        );
        let data = std::fs::read(path).expect("example receipt");
        let page = Pix::read_tiff_page(&data, 0).expect("decodes");
        let page = page.to_gray().expect("gray");
        for p in [half_size(&page, 300).expect("half"), page] {
            let (w, h) = (p.width() as usize, p.height() as usize);
            same(&p.gray_bytes().expect("bytes"), w, h);
        }
        let mut state = 7u32;
        for w in 1..=40 {
            let noise: Vec<u8> = (0..w * 30)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 24) as u8
                })
                .collect();
            same(&noise, w, 30);
        }
    }

    #[test]
    fn blank_page_has_no_qr_codes() {
        let blank = Pix::from_samples(64, 64, 1, &vec![255u8; 64 * 64]).unwrap();
        assert_eq!(decode_qr(&blank, 300), QrSearch::default());
    }
}
