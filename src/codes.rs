//! Codes: QR codes on the page, case codes (mã hồ sơ) and separator sheets.
//!
//! A case code follows TT 01/2018/TT-VPCP: `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`,
//! e.g. `000.00.13.H04-210628-0001`: the receiving agency's code, the date
//! the dossier was received and a four-digit sequence. ID cards carry QR
//! codes too (`<12-digit id>||<name>|...`); those never validate as case codes.

use crate::pix::Pix;
use regex::Regex;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// What a separator sheet's QR code reads.
pub const SEPARATOR: &str = "SEPARATOR";

/// A validated case code.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct CaseCode(String);

#[derive(Debug, thiserror::Error, PartialEq)]
#[error(
    "'{0}' is not a valid case code: expected the form of TT 01/2018/TT-VPCP, e.g. 000.00.13.H04-210628-0001 (agency code, received date yymmdd, 4-digit sequence)"
)]
pub struct InvalidCaseCode(pub String);

static CASE_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{3})\.([0-9]{2})\.([0-9]{2})\.([A-Z])([0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})-([0-9]{4})$")
        .expect("valid regex")
});

/// The same pattern, unanchored, for finding a case code in OCR text.
static CASE_CODE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}")
        .expect("valid regex")
});

impl FromStr for CaseCode {
    type Err = InvalidCaseCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let c = CASE_CODE
            .captures(s)
            .ok_or_else(|| InvalidCaseCode(s.to_string()))?;
        let month: u32 = c[7].parse().unwrap_or(0);
        let day: u32 = c[8].parse().unwrap_or(0);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(InvalidCaseCode(s.to_string()));
        }
        Ok(CaseCode(s.to_string()))
    }
}

impl TryFrom<String> for CaseCode {
    type Error = InvalidCaseCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CaseCode> for String {
    fn from(c: CaseCode) -> String {
        c.0
    }
}

impl fmt::Display for CaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CaseCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Valid case codes printed in OCR text (with OCR's usual confusions of
/// letters and digits undone around the separators).
pub fn case_codes_in_text(text: &str) -> Vec<CaseCode> {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            'O' | 'o' => '0',
            '—' | '–' => '-',
            ',' => '.',
            c => c,
        })
        .collect();
    let mut out = Vec::new();
    for m in CASE_CODE_IN_TEXT.find_iter(&cleaned) {
        if let Ok(c) = m.as_str().parse::<CaseCode>() {
            out.push(c);
        }
    }
    // Codes whose agency letter is a real letter survive cleaning unchanged;
    // also look in the raw text in case cleaning broke one.
    for m in CASE_CODE_IN_TEXT.find_iter(text) {
        if let Ok(c) = m.as_str().parse::<CaseCode>()
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

/// Decode every QR code on a page. The search runs on the page at half
/// size first (a quarter of the pixels; the receipt's and the separator's
/// codes are large); the full-size page is searched only where a code was
/// seen at half size but could not be read (small codes such as an ID
/// card's). Pages without any code, most of them, cost only the half-size search.
pub fn decode_qr(gray: &Pix) -> Vec<String> {
    let Some(half) = gray.scale_to_gray(0.5) else {
        return decode_qr_once(gray).0;
    };
    let (found, unread) = decode_qr_once(&half);
    if unread == 0 {
        return found;
    }
    let (full, _) = decode_qr_once(gray);
    let mut all = found;
    for f in full {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    all
}

/// The codes read, and how many detected codes could not be read.
fn decode_qr_once(gray: &Pix) -> (Vec<String>, usize) {
    let Some(bytes) = gray.gray_bytes() else {
        return (Vec::new(), 0);
    };
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| bytes[y * w + x]);
    let mut out = Vec::new();
    let mut unread = 0;
    for grid in img.detect_grids() {
        match grid.decode() {
            Ok((_, content)) => out.push(content),
            Err(_) => unread += 1,
        }
    }
    (out, unread)
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

    #[test]
    fn case_code_found_in_noisy_text() {
        let t = "Mã hồ sơ: 000.00.13.H04-21O628-0001 (tra cứu)";
        assert_eq!(
            case_codes_in_text(t),
            vec!["000.00.13.H04-210628-0001".parse::<CaseCode>().unwrap()]
        );
    }

    #[test]
    fn blank_page_has_no_qr_codes() {
        let blank = Pix::from_samples(64, 64, 1, &vec![255u8; 64 * 64]).unwrap();
        assert!(decode_qr(&blank).is_empty());
    }
}
