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

/// Every valid case code written in `text`, as it is (no OCR clean-up).
pub fn find_all(text: &str) -> Vec<CaseCode> {
    CASE_CODE_IN_TEXT
        .find_iter(text)
        .filter_map(|m| m.as_str().parse::<CaseCode>().ok())
        .collect()
}
