//! Arguments shared by several commands (flattened into each with
//! `#[command(flatten)]`).

use clap::Args;
use std::path::PathBuf;

/// Where records and files are stored.
#[derive(Args, Clone)]
pub struct StoreArg {
    /// Where records and files are stored: a directory or s3://BUCKET[/PREFIX].
    #[arg(long, env = "SOHOA_STORE", default_value = "./sohoa-data")]
    pub store: String,
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
}
