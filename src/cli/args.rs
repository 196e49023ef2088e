//! Arguments shared by several commands (flattened into each with
//! `#[command(flatten)]`).

use clap::Args;
use std::path::PathBuf;

/// Where records and files are stored, and whether what is written there
/// is locked (S3 Object Lock): every command that opens the store checks
/// the bucket when `--object-lock-days` is given, so that none goes on
/// believing in a lock the store does not hold.
#[derive(Args, Clone)]
pub struct StoreArg {
    /// Where records and files are stored: a directory or s3://BUCKET[/PREFIX].
    #[arg(long, env = "SOHOA_STORE", default_value = "./sohoa-data")]
    pub store: String,
    #[command(flatten)]
    pub lock: sohoa::store::ObjectLockArg,
}

/// Where a station's batches go: the broker, and the store the workers
/// read (`submit` and `retry`).
#[derive(Args, Clone)]
pub struct QueueArgs {
    /// RabbitMQ URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2f
    #[arg(long, env = "SOHOA_AMQP_URL")]
    pub amqp: String,
    #[command(flatten)]
    pub topology: sohoa::queue::Topology,
    /// Where the batch's files go: s3://BUCKET[/PREFIX] (or a directory
    /// shared with the workers).
    #[arg(long, env = "SOHOA_STORE")]
    pub store: String,
    /// Claims and submissions are archive: locked as the workers' writes are.
    #[command(flatten)]
    pub lock: sohoa::store::ObjectLockArg,
}

/// One batch as a station hands it in (`process` and `submit`).
#[derive(Args, Clone)]
pub struct BatchArgs {
    /// Scanned files or directories (a directory = its files in natural name order).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The case code the station assigned; used when there is no receipt,
    /// and must agree with the receipt when there is one.
    #[arg(long = "case")]
    pub case_code: Option<String>,
    /// Batch id; by default derived from the files' bytes, so a rerun is
    /// recognised. An id names one set of files for good.
    #[arg(long)]
    pub batch_id: Option<String>,
    /// Name of the scanning station.
    #[arg(long)]
    pub station: Option<String>,
    /// What the files may cost to read.
    #[command(flatten)]
    pub limits: sohoa::ingest::Limits,
}

/// How pages are read.
#[derive(Args, Clone)]
pub struct OcrArgs {
    /// Tesseract languages.
    #[arg(long, env = "SOHOA_OCR_LANG", default_value = "vie")]
    pub lang: String,
    /// OCR threads (default: one per core).
    #[arg(long, env = "SOHOA_OCR_THREADS")]
    pub threads: Option<usize>,
    /// Taxonomy file (TOML) replacing the default document types.
    #[arg(long)]
    pub taxonomy: Option<PathBuf>,
    /// The agency's key that signs every document PDF.
    #[command(flatten)]
    pub signing: sohoa::sign::KeyArgs,
}

/// The search index (`sohoa search`, `sohoa index`, and the API's search).
#[derive(Args, Clone)]
pub struct IndexArg {
    /// PostgreSQL URL of the search index, e.g. postgres://sohoa@127.0.0.1/sohoa
    #[arg(long, env = "SOHOA_INDEX")]
    pub index: Option<String>,
}

/// What to look for (`sohoa search`); every criterion given must hold.
#[derive(Args, Clone)]
pub struct SearchArgs {
    /// Words of the text, a name, an ID number, a case code or birth date
    /// (diacritics and case do not matter).
    pub query: Option<String>,
    /// Citizen ID number, or its first digits.
    #[arg(long)]
    pub id_number: Option<String>,
    /// The person's full name, as typed (OCR misreadings still match).
    #[arg(long)]
    pub name: Option<String>,
    /// Date of birth, dd/mm/yyyy (or its beginning).
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Document type (a taxonomy id such as giay_khai_sinh).
    #[arg(long = "type")]
    pub doc_type: Option<String>,
    /// Case codes starting with this (an agency code, a whole code).
    #[arg(long)]
    pub case_prefix: Option<String>,
    /// Digitised from this day (YYYY-MM-DD, from its midnight in Vietnam,
    /// UTC+07:00) or time
    /// (RFC 3339, e.g. 2025-01-01T00:00:00+07:00) on.
    #[arg(long)]
    pub from: Option<String>,
    /// Digitised up to this day (included, to its end in Vietnam) or before this
    /// time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Only documents flagged for review.
    #[arg(long)]
    pub needs_review: bool,
    /// Hits per page, 1-100.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=i64::from(sohoa::index::query::MAX_LIMIT)))]
    pub limit: u32,
    /// Hits to skip (paging).
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

/// The transparency log's signing key (`process`, `serve`, `log sequence`).
#[derive(Args, Clone)]
pub struct LogKeyArg {
    /// File holding the log's Ed25519 signing key (`sohoa log key` makes
    /// one). Without it the log still grows, its checkpoints unsigned
    /// (`verify` says so).
    #[arg(long, env = "SOHOA_LOG_KEY")]
    pub log_key: Option<PathBuf>,
}

impl LogKeyArg {
    pub fn signer(&self) -> Result<Option<sohoa::tlog::Signer>, super::Failure> {
        self.log_key
            .as_deref()
            .map(sohoa::tlog::Signer::load)
            .transpose()
            .map_err(super::rejected)
    }
}

/// What the store's transparency log is checked against (`verify`, and
/// the audits of `serve`): kept by the archivist outside the bucket.
#[derive(Args, Clone)]
pub struct AnchorArgs {
    /// The log's public key (what `sohoa log key` printed), or a file
    /// holding it: the checkpoint's signature is checked with it.
    #[arg(long, env = "SOHOA_LOG_PUBLIC_KEY")]
    pub log_public_key: Option<String>,
    /// A checkpoint pinned earlier (a file holding what `sohoa log
    /// checkpoint` printed): the log must extend it.
    #[arg(long, env = "SOHOA_PINNED_CHECKPOINT")]
    pub pinned_checkpoint: Option<PathBuf>,
    /// Seconds a record may wait for its leaf before it counts as
    /// unanchored (until then it is reported as pending).
    #[arg(long, env = "SOHOA_LOG_PENDING_GRACE", default_value_t = 600)]
    pub pending_grace: u64,
}

impl AnchorArgs {
    pub fn anchors(&self) -> Result<sohoa::anchor::Anchors, super::Failure> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p).map_err(|e| super::rejected(format!("{}: {e}", p.display())))
        };
        let verifier = match &self.log_public_key {
            None => None,
            Some(k) => {
                let path = std::path::Path::new(k);
                let text = if path.is_file() {
                    read(path)?
                } else {
                    k.clone()
                };
                Some(sohoa::tlog::Verifier::parse(&text).map_err(super::rejected)?)
            }
        };
        let pinned = self.pinned_checkpoint.as_deref().map(read).transpose()?;
        Ok(sohoa::anchor::Anchors {
            verifier,
            pinned,
            pending_grace: std::time::Duration::from_secs(self.pending_grace),
        })
    }
}
