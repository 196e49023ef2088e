//! The `sohoa` command line: digitise a batch, submit it to the workers,
//! list a case, fetch a document, verify the store, serve the API. Each
//! command is a call into the library ([`cli`] holds the printing and the
//! exit codes, listed in the README).

mod cli;

use clap::{Parser, Subcommand};
use cli::args::{BatchArgs, IndexArg, LogKeyArg, OcrArgs, QueueArgs, SearchArgs, StoreArg};
use cli::{Failure, exit};
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
        #[command(flatten)]
        log_key: LogKeyArg,
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
    /// Correct or confirm a document's reading, or re-attach its batch to
    /// another case: appended as an amendment, the record is never rewritten.
    Amend(cli::amend::AmendArgs),
    /// A document's history: the machine's reading, then each amendment (JSON).
    History {
        case_code: String,
        document_id: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Documents waiting for an officer's review, oldest first (needs the
    /// search index).
    Review {
        /// Also documents under this confidence (0-1).
        #[arg(long)]
        below: Option<f32>,
        /// Only cases of this unit (an agency-code prefix).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        index: IndexArg,
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
    Serve(cli::admin::ServeArgs),
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
    /// The transparency log of records: make its key, sequence it, print
    /// its checkpoint.
    Log {
        #[command(subcommand)]
        action: cli::log::LogCommand,
    },
    /// A document's batch record, its leaf in the transparency log and the
    /// inclusion proof in the latest checkpoint (JSON; see the README for
    /// checking it without sohoa).
    Proof {
        case_code: String,
        document_id: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Print the HTTP API's OpenAPI 3.1 document (as served at
    /// /v1/openapi.json and kept in schemas/openapi.json).
    Openapi,
    /// Check PDFs against the PDF/A-2b rules that can be checked offline
    /// (a partial check: what it covers and not is printed with it).
    PdfCheck {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The files should be signed: a missing signature fails (a
        /// signature present is checked either way).
        #[arg(long)]
        signed: bool,
        /// One JSON array of results on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Recompute the SHA-256 of every stored object the records name.
    Verify {
        /// Only this case's records.
        #[arg(long = "case")]
        case_code: Option<String>,
        #[command(flatten)]
        store: StoreArg,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        anchors: cli::args::AnchorArgs,
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
            log_key,
        } => process::process(batch, ocr, (&store, &log_key), json).await,
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
        } => read::case(&case_code, &store, json).await,
        Command::Amend(a) => cli::amend::amend(a).await,
        Command::History {
            case_code,
            document_id,
            store,
        } => cli::amend::history(&case_code, &document_id, &store).await,
        Command::Review {
            below,
            unit,
            index,
            json,
        } => cli::amend::review(below, unit, &index, json).await,
        Command::Get {
            case_code,
            document_id,
            output,
            text,
            store,
        } => read::get(&case_code, &document_id, output, text, &store).await,
        Command::Serve(args) => admin::serve(args).await,
        Command::Token { action } => admin::token(action).await,
        Command::AccessLog {
            case_code,
            since,
            store,
            json,
        } => read::access_log(case_code.as_deref(), since.as_deref(), &store, json).await,
        Command::Verify {
            case_code,
            store,
            json,
            anchors,
        } => read::verify(case_code.as_deref(), &store, json, &anchors).await,
        Command::Search {
            search,
            index,
            json,
        } => cli::search::search(search, &index, json).await,
        Command::Index { action } => cli::search::index_command(action).await,
        Command::Log { action } => cli::log::log_command(action).await,
        Command::Proof {
            case_code,
            document_id,
            store,
        } => cli::log::proof(&case_code, &document_id, &store).await,
        Command::Openapi => openapi(),
        Command::PdfCheck {
            files,
            signed,
            json,
        } => cli::pdfa::pdf_check(&files, signed, json),
    }
}

/// `sohoa openapi`: the document as served.
fn openapi() -> Result<u8, Failure> {
    print!("{}", sohoa::api::openapi_document());
    Ok(exit::OK)
}
