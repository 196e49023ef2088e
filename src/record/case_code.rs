//! The case code (mã hồ sơ) as a value: TT 01/2018/TT-VPCP's form
//! `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`, e.g. `000.00.13.H04-210628-0001`:
//! the receiving agency's code, the date the dossier was received and a
//! four-digit sequence. This is the one place that pattern is written;
//! where a batch's code comes from (QR, print, station) is `codes`' job.

use regex::Regex;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

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

/// The same pattern, for finding a case code in text: not inside a longer
/// run of letters and digits.
static CASE_CODE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9A-Za-z])([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4})(?:$|[^0-9A-Za-z])",
    )
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

/// A digit as OCR may misread it.
const OCR_DIGIT: &str = "[0-9OoQDlIi|!SB]";

/// The pattern read through OCR's usual confusions: spaces around the dots
/// and dashes, a single space inside a run of digits or after the agency
/// letter ("G 13", "2503 28"), a comma for a dot, a long dash or a dot for
/// a dash, a dot or dash read as one other mark where the groups' lengths
/// put it ("012H60" for "01.H60"), letters for digits (see
/// [`OCR_DIGIT`]), a lower-case agency
/// letter, an "H" read as two strokes ("11", "I1"; the agency mark is
/// always a letter), a stray stroke before the agency letter ("1H41":
/// the letter and its two digits are the segment's whole shape); not
/// inside a longer run of letters and digits.
static CASE_CODE_IN_OCR: LazyLock<Regex> = LazyLock::new(|| {
    // `n` digits, OCR may have put one space between any two of them.
    let d = |n: usize| format!("{OCR_DIGIT}(?: ?{OCR_DIGIT}){{{}}}", n - 1);
    // A dot or dash with a speck beside it reads doubled (".,", "-."); a
    // blurred or stained one reads as another mark (a digit, a colon):
    // the groups' fixed lengths still say where it stands.
    let dot = r"(?:\s*[.,·]{1,2}\s*|[0-9:;])";
    let dash = r"(?:\s*[-–—~.]{1,2}\s*|[0-9:;])";
    Regex::new(&format!(
        r"(?:^|[^0-9A-Za-z])({}){dot}({}){dot}({}){dot}([1lI|]{{2}}|[1lI|]?[A-Za-z]) ?({}){dash}({}){dash}({})(?:$|[^0-9A-Za-z])",
        d(3), d(2), d(2), d(2), d(6), d(4)
    ))
    .expect("valid regex")
});

/// The digit OCR meant.
fn ocr_digit(c: char) -> char {
    match c {
        'O' | 'o' | 'Q' | 'D' => '0',
        'l' | 'I' | 'i' | '|' | '!' => '1',
        'S' => '5',
        'B' => '8',
        c => c,
    }
}

/// The agency letter OCR meant: two strokes are an "H"; a stroke before
/// a letter is a speck.
fn agency_letter(read: &str) -> char {
    let mut chars = read.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => c.to_ascii_uppercase(),
        (Some(_), Some(c)) if !STROKES.contains(c) => c.to_ascii_uppercase(),
        _ => 'H',
    }
}

/// What OCR reads a lone vertical stroke as.
const STROKES: &str = "1lI|";

impl CaseCode {
    /// The date the dossier was received (`YYMMDD` of the code, in the
    /// 2000s), when it is a real calendar date.
    pub fn received(&self) -> Option<time::Date> {
        let ymd = self.0.split('-').nth(1)?;
        let num = |r: std::ops::Range<usize>| ymd.get(r)?.parse::<u8>().ok();
        let month = time::Month::try_from(num(2..4)?).ok()?;
        time::Date::from_calendar_date(2000 + num(0..2)? as i32, month, num(4..6)?).ok()
    }
}

/// Case codes printed in OCR text, read through OCR's usual confusions
/// ([`CASE_CODE_IN_OCR`]); each is then checked as any code is.
pub fn find_in_ocr(text: &str) -> Vec<CaseCode> {
    let mut out = Vec::new();
    for c in CASE_CODE_IN_OCR.captures_iter(text) {
        let digits = |i: usize| {
            c[i].chars()
                .filter(|ch| *ch != ' ')
                .map(ocr_digit)
                .collect::<String>()
        };
        let code = format!(
            "{}.{}.{}.{}{}-{}-{}",
            digits(1),
            digits(2),
            digits(3),
            agency_letter(&c[4]),
            digits(5),
            digits(6),
            digits(7)
        );
        if let Ok(code) = code.parse::<CaseCode>()
            && !out.contains(&code)
        {
            out.push(code);
        }
    }
    out
}

/// Every valid case code written in `text`, as it is (no OCR clean-up).
pub fn find_all(text: &str) -> Vec<CaseCode> {
    CASE_CODE_IN_TEXT
        .captures_iter(text)
        .filter_map(|c| c[1].parse::<CaseCode>().ok())
        .collect()
}
