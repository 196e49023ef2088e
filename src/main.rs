//! The `sohoa` command line: digitise a batch, submit it to the workers,
//! list a case, fetch a document, verify the store, serve the API. Each
//! command is a call into the library ([`cli`] holds the printing and the
//! exit codes, listed in the README).

mod cli;

use clap::{Parser, Subcommand};
use cli::args::{BatchArgs, IndexArg, OcrArgs, QueueArgs, SearchArgs, StoreArg};
use cli::{Failure, exit};
use sohoa::queue::Topology;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sohoa",
    version,
    about = "Digitise scanned Vietnamese administrative dossiers into verified case records"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Digitise one batch (the scanned pages of one dossier) and store it.
    Process {
        #[command(flatten)]
        batch: BatchArgs,
        #[command(flatten)]
        store: StoreArg,
        /// Print exactly the batch record as JSON on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        ocr: OcrArgs,
    },
    /// Upload a batch to the store's inbox and queue it for the workers
    /// (for scanning stations). Safe to run again after a failure.
    Submit {
        #[command(flatten)]
        batch: BatchArgs,
        #[command(flatten)]
        queue: QueueArgs,
    },
    /// Queue a failed (or dead-lettered) batch again from its inbox files,
    /// optionally with the case code it lacked.
    Retry {
        batch_id: String,
        /// The case code to digitise the batch under (e.g. when its receipt
        /// had none that could be read).
        #[arg(long = "case")]
        case_code: Option<String>,
        #[command(flatten)]
        queue: QueueArgs,
    },
    /// List a case's documents across all its batches.
    Case {
        case_code: String,
        #[command(flatten)]
        store: StoreArg,
        #[arg(long)]
        json: bool,
    },
    /// Write a document's PDF, checking its hash on the way out.
    Get {
        case_code: String,
        document_id: String,
        /// Output file (default: <document-id>.pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write the OCR text instead of the PDF.
        #[arg(long)]
        text: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Serve the HTTP API (see schemas/openapi.json) for stations,
    /// officers and archivists.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SOHOA_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        store: StoreArg,
        /// RabbitMQ URL; needed for uploads (POST /v1/batches).
        #[arg(long, env = "SOHOA_AMQP_URL")]
        amqp: Option<String>,
        #[command(flatten)]
        topology: Topology,
        /// Largest upload in bytes (all files of one batch).
        #[arg(long, env = "SOHOA_MAX_UPLOAD_BYTES", default_value_t = 256 << 20)]
        max_upload_bytes: usize,
        /// Most files in one upload.
        #[arg(long, env = "SOHOA_MAX_UPLOAD_FILES", default_value_t = 500)]
        max_files: usize,
        /// Uploads checked and stored at once (each held in memory while it
        /// is); more wait their turn, already received on disk.
        #[arg(long, env = "SOHOA_MAX_CONCURRENT_UPLOADS", default_value_t = 4)]
        max_concurrent_uploads: usize,
        /// Seconds an upload's whole body may take to arrive (408 after).
        #[arg(long, env = "SOHOA_UPLOAD_TIMEOUT", default_value_t = 600)]
        upload_timeout: u64,
        /// Directory upload bodies are written to while they arrive
        /// (default: the system's temporary directory).
        #[arg(long, env = "SOHOA_UPLOAD_SPOOL")]
        upload_spool: Option<PathBuf>,
        /// What an upload's files may cost to read (checked on upload).
        #[command(flatten)]
        limits: sohoa::ingest::Limits,
        /// The search index for GET /v1/search.
        #[command(flatten)]
        index: IndexArg,
        /// The web page's origin as browsers reach it (scheme, host and
        /// port, e.g. https://sohoa.example.gov.vn): forms sent from it are
        /// accepted on plain HTTP too (browsers send `Sec-Fetch-Site` only
        /// over HTTPS and to localhost); https:// also makes the session
        /// cookie Secure.
        #[arg(long, env = "SOHOA_PUBLIC_ORIGIN")]
        public_origin: Option<String>,
        /// Hours a web session lasts after sign-in.
        #[arg(long, env = "SOHOA_SESSION_HOURS", default_value_t = 8)]
        session_hours: u64,
    },
    /// Manage the API's bearer tokens.
    Token {
        #[command(subcommand)]
        action: cli::admin::TokenCommand,
    },
    /// Print the API's access log: who read or audited what, when, from where.
    AccessLog {
        /// Only accesses to this case.
        #[arg(long = "case")]
        case_code: Option<String>,
        /// Only accesses from this time on (RFC 3339, or a day YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        store: StoreArg,
        /// One JSON entry per line.
        #[arg(long)]
        json: bool,
    },
    /// Find documents by ID number, name, type, date digitised or words of
    /// their text, across every case (needs the search index).
    Search {
        #[command(flatten)]
        search: SearchArgs,
        #[command(flatten)]
        index: IndexArg,
        /// Print the page of hits as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Keep the search index in step with the store: sync, rebuild, status.
    Index {
        #[command(subcommand)]
        action: cli::search::IndexCommand,
    },
    /// Print the HTTP API's OpenAPI 3.1 document (as served at
    /// /v1/openapi.json and kept in schemas/openapi.json).
    Openapi,
    /// Recompute the SHA-256 of every stored object the records name.
    Verify {
        /// Only this case's records.
        #[arg(long = "case")]
        case_code: Option<String>,
        #[command(flatten)]
        store: StoreArg,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    sohoa::ocr::ensure_single_threaded_openmp();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SOHOA_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err((code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

async fn run(command: Command) -> Result<u8, Failure> {
    use cli::{admin, process, read};
    match command {
        Command::Process {
            batch,
            store,
            json,
            ocr,
        } => process::process(batch, ocr, &store.store, json).await,
        Command::Submit { batch, queue } => process::submit(batch, &queue).await,
        Command::Retry {
            batch_id,
            case_code,
            queue,
        } => process::retry(&batch_id, case_code.as_deref(), &queue).await,
        Command::Case {
            case_code,
            store,
            json,
        } => read::case(&case_code, &store.store, json).await,
        Command::Get {
            case_code,
            document_id,
            output,
            text,
            store,
        } => read::get(&case_code, &document_id, output, text, &store.store).await,
        Command::Serve {
            listen,
            store,
            amqp,
            topology,
            max_upload_bytes,
            max_files,
            max_concurrent_uploads,
            upload_timeout,
            upload_spool,
            limits,
            index,
            public_origin,
            session_hours,
        } => {
            let config = sohoa::api::Config {
                max_upload_bytes,
                max_files,
                max_concurrent_uploads,
                upload_timeout: std::time::Duration::from_secs(upload_timeout.max(1)),
                upload_spool,
                amqp,
                topology,
                limits,
                public_origin,
                session_ttl: std::time::Duration::from_secs(session_hours.clamp(1, 24 * 30) * 3600),
            };
            admin::serve(&listen, &store.store, config, &index).await
        }
        Command::Token { action } => admin::token(action).await,
        Command::AccessLog {
            case_code,
            since,
            store,
            json,
        } => read::access_log(case_code.as_deref(), since.as_deref(), &store.store, json).await,
        Command::Verify {
            case_code,
            store,
            json,
        } => read::verify(case_code.as_deref(), &store.store, json).await,
        Command::Search {
            search,
            index,
            json,
        } => cli::search::search(search, &index, json).await,
        Command::Index { action } => cli::search::index_command(action).await,
        Command::Openapi => openapi(),
    }
}

/// `sohoa openapi`: the document as served.
fn openapi() -> Result<u8, Failure> {
    print!("{}", sohoa::api::openapi_document());
    Ok(exit::OK)
}
