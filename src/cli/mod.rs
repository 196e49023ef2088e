//! The command line's own concerns: exit codes, turning library errors into
//! them, and printing. Every command calls library functions; none reaches
//! into the API's internals.

pub mod admin;
pub mod amend;
pub mod args;
pub mod log;
pub mod pdfa;
pub mod process;
pub mod read;
pub mod search;

use sohoa::record::CaseCode;
use sohoa::store::{self, Store};

/// Exit codes (documented in README.md).
pub mod exit {
    pub const OK: u8 = 0;
    /// verify found a bad object; get found a hash mismatch.
    pub const INTEGRITY: u8 = 1;
    // 2 is clap's usage error.
    /// The batch was refused: bad input, case code conflict or missing.
    pub const REJECTED: u8 = 3;
    /// The case or document does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// The environment failed: store, Tesseract, I/O.
    pub const ENVIRONMENT: u8 = 5;
    /// The batch id is already used for other files or another case code.
    pub const ID_TAKEN: u8 = 6;
    /// `pdf-check`: a file failed a PDF/A-2b check, or is not a PDF.
    pub const NOT_PDFA: u8 = 7;
}

/// An exit code and the message printed with it.
pub type Failure = (u8, String);

pub fn env_err(e: impl std::fmt::Display) -> Failure {
    (exit::ENVIRONMENT, e.to_string())
}

pub fn rejected(e: impl std::fmt::Display) -> Failure {
    (exit::REJECTED, e.to_string())
}

pub fn parse_case(s: &str) -> Result<CaseCode, Failure> {
    s.parse::<CaseCode>().map_err(rejected)
}

/// Open the store a command was given, with Object Lock when asked (a
/// store that cannot lock is refused here, before anything is written).
pub async fn open_store(
    spec: &str,
    lock: &store::ObjectLockArg,
) -> Result<Box<dyn Store>, Failure> {
    store::open_with(spec, lock.lock()).await.map_err(env_err)
}

/// Print a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    println!("{}", serde_json::to_string_pretty(value).map_err(env_err)?);
    Ok(())
}
