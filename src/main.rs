//! The `sohoa` command line: digitise a batch, list a case, fetch a
//! document, verify the store. Exit codes are listed in the README.

use clap::{Parser, Subcommand};
use sha2::{Digest, Sha256};
use sohoa::api::auth::{self, AuthError, Role};
use sohoa::archive::{self, Store, verify};
use sohoa::classify::Taxonomy;
use sohoa::codes::CaseCode;
use sohoa::pipeline::{self, BatchInfo, Options, PagePool, PipelineError};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Exit codes (documented in README.md).
mod exit {
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
}

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

#[derive(clap::Args, Clone)]
struct StoreArg {
    /// Where records and files are stored: a directory or s3://BUCKET[/PREFIX].
    #[arg(long, env = "SOHOA_STORE", default_value = "./sohoa-data")]
    store: String,
}

#[derive(Subcommand)]
enum Command {
    /// Digitise one batch (the scanned pages of one dossier) and store it.
    Process {
        /// Scanned files or directories (a directory = its files in natural name order).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The case code the station assigned; used when there is no receipt,
        /// and must agree with the receipt when there is one.
        #[arg(long = "case")]
        case_code: Option<String>,
        /// Batch id; by default derived from the files' bytes, so a rerun is recognised.
        #[arg(long)]
        batch_id: Option<String>,
        /// Name of the scanning station.
        #[arg(long)]
        station: Option<String>,
        #[command(flatten)]
        store: StoreArg,
        /// Print exactly the batch record as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Tesseract languages.
        #[arg(long, env = "SOHOA_OCR_LANG", default_value = "vie")]
        lang: String,
        /// OCR threads (default: one per core).
        #[arg(long, env = "SOHOA_OCR_THREADS")]
        threads: Option<usize>,
        /// Taxonomy file (TOML) replacing the default document types.
        #[arg(long)]
        taxonomy: Option<PathBuf>,
        /// Refuse pages larger than this many megapixels.
        #[arg(long, default_value_t = 150)]
        max_megapixels: u64,
    },
    /// Upload a batch to the store's inbox and queue it for the workers
    /// (for scanning stations). Safe to run again after a failure.
    Submit {
        /// Scanned files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long = "case")]
        case_code: Option<String>,
        #[arg(long)]
        batch_id: Option<String>,
        #[arg(long)]
        station: Option<String>,
        /// RabbitMQ URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2f
        #[arg(long, env = "SOHOA_AMQP_URL")]
        amqp: String,
        /// Queue the workers consume.
        #[arg(long, env = "SOHOA_QUEUE", default_value = sohoa::queue::BATCH_QUEUE)]
        queue: String,
        /// Where the files go: s3://BUCKET[/PREFIX] (or a directory shared with the workers).
        #[arg(long, env = "SOHOA_STORE")]
        store: String,
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
        /// Queue the workers consume.
        #[arg(long, env = "SOHOA_QUEUE", default_value = sohoa::queue::BATCH_QUEUE)]
        queue: String,
        /// Largest upload in bytes (all files of one batch).
        #[arg(long, env = "SOHOA_MAX_UPLOAD_BYTES", default_value_t = 256 << 20)]
        max_upload_bytes: usize,
        /// Most files in one upload.
        #[arg(long, env = "SOHOA_MAX_UPLOAD_FILES", default_value_t = 500)]
        max_files: usize,
        /// Uploads held in memory at once; more wait their turn.
        #[arg(long, env = "SOHOA_MAX_CONCURRENT_UPLOADS", default_value_t = 4)]
        max_concurrent_uploads: usize,
    },
    /// Manage the API's bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenCommand,
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

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token; it is printed once, alone on the last line of stdout.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the token to cases whose code starts with this agency prefix.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List tokens (names, roles, units; never the secrets).
    List {
        #[command(flatten)]
        store: StoreArg,
        #[arg(long)]
        json: bool,
    },
    /// Revoke the active token with this name.
    Revoke {
        name: String,
        #[command(flatten)]
        store: StoreArg,
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
    match rt.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err((code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

fn env_err(e: impl std::fmt::Display) -> Failure {
    (exit::ENVIRONMENT, e.to_string())
}

fn parse_case(s: &str) -> Result<CaseCode, Failure> {
    s.parse::<CaseCode>()
        .map_err(|e| (exit::REJECTED, e.to_string()))
}

async fn open_store(s: &StoreArg) -> Result<Box<dyn Store>, Failure> {
    archive::open(&s.store).await.map_err(env_err)
}

async fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Process {
            paths,
            case_code,
            batch_id,
            station,
            store,
            json,
            lang,
            threads,
            taxonomy,
            max_megapixels,
        } => {
            let case_code = case_code.as_deref().map(parse_case).transpose()?;
            let taxonomy = match taxonomy {
                Some(p) => Taxonomy::load(&p).map_err(|e| (exit::REJECTED, e.to_string()))?,
                None => Taxonomy::default_set(),
            };
            let mut opts = Options {
                lang,
                taxonomy,
                max_megapixels,
                ..Options::default()
            };
            if let Some(t) = threads {
                opts.threads = t.max(1);
            }
            let store = open_store(&store).await?;
            let reject = |e: PipelineError| {
                let code = if e.is_permanent() {
                    exit::REJECTED
                } else {
                    exit::ENVIRONMENT
                };
                (code, e.to_string())
            };
            let originals =
                sohoa::ingest::open_all(&paths).map_err(|e| (exit::REJECTED, e.to_string()))?;
            let total: usize = originals.iter().map(|o| o.pages.len()).sum();
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} reading pages {pos}/{len} [{bar:30}] {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let pool = Arc::new(PagePool::new(&opts).map_err(reject)?);
            let pb = bar.clone();
            let progress = Arc::new(move |done: usize, _total: usize| pb.set_position(done as u64));
            let info = BatchInfo {
                batch_id,
                case_code,
                station,
            };
            let outcome = pipeline::process(pool, originals, &info, store.as_ref(), progress).await;
            bar.finish_and_clear();
            let outcome = outcome.map_err(reject)?;
            if json {
                let s = serde_json::to_string_pretty(&outcome.record).map_err(env_err)?;
                println!("{s}");
            } else {
                print_summary(&outcome, store.as_ref());
            }
            Ok(exit::OK)
        }
        Command::Submit {
            paths,
            case_code,
            batch_id,
            station,
            amqp,
            queue,
            store,
        } => {
            submit(paths, case_code, batch_id, station, &amqp, &queue, &store).await?;
            Ok(exit::OK)
        }
        Command::Case {
            case_code,
            store,
            json,
        } => {
            let code = parse_case(&case_code)?;
            let store = open_store(&store).await?;
            let (records, _) = verify::records(store.as_ref(), Some(code.as_str()))
                .await
                .map_err(env_err)?;
            if records.is_empty() {
                return Err((
                    exit::NOT_FOUND,
                    format!("no records for case {code} in {}", store.describe()),
                ));
            }
            if json {
                let view = sohoa::record::CaseView::new(code.as_str(), &records);
                println!("{}", serde_json::to_string_pretty(&view).map_err(env_err)?);
            } else {
                println!("case {code}");
                for (key, r) in &records {
                    println!(
                        "  batch {} ({}), {} documents, record {key}",
                        r.batch_id,
                        r.finished_at,
                        r.documents.len()
                    );
                    for d in &r.documents {
                        println!(
                            "    {:<22} {:<32} {:>2} p  conf {:.2}{}  {}",
                            d.id,
                            d.doc_type,
                            d.pages.len(),
                            d.confidence,
                            if d.needs_review { "  NEEDS REVIEW" } else { "" },
                            d.pdf.key
                        );
                    }
                }
            }
            Ok(exit::OK)
        }
        Command::Get {
            case_code,
            document_id,
            output,
            text,
            store,
        } => {
            let code = parse_case(&case_code)?;
            let store = open_store(&store).await?;
            let (records, _) = verify::records(store.as_ref(), Some(code.as_str()))
                .await
                .map_err(env_err)?;
            let doc = records
                .iter()
                .flat_map(|(_, r)| r.documents.iter())
                .find(|d| d.id == document_id)
                .ok_or_else(|| {
                    (
                        exit::NOT_FOUND,
                        format!("case {code} has no document '{document_id}'"),
                    )
                })?;
            let object = if text { &doc.text } else { &doc.pdf };
            let bytes = store
                .get(&object.key)
                .await
                .map_err(env_err)?
                .ok_or_else(|| {
                    (
                        exit::INTEGRITY,
                        format!("{} is missing from the store", object.key),
                    )
                })?;
            let got = hex::encode(Sha256::digest(&bytes));
            if got != object.sha256 {
                return Err((
                    exit::INTEGRITY,
                    format!(
                        "{} does not match its recorded SHA-256 (expected {}, found {got}); not written",
                        object.key, object.sha256
                    ),
                ));
            }
            let out = output.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "{document_id}.{}",
                    if text { "txt" } else { "pdf" }
                ))
            });
            std::fs::write(&out, &bytes)
                .map_err(|e| (exit::ENVIRONMENT, format!("{}: {e}", out.display())))?;
            eprintln!(
                "wrote {} ({} bytes, sha256 {} verified)",
                out.display(),
                bytes.len(),
                got
            );
            Ok(exit::OK)
        }
        Command::Serve {
            listen,
            store,
            amqp,
            queue,
            max_upload_bytes,
            max_files,
            max_concurrent_uploads,
        } => {
            let store: Arc<dyn Store> = Arc::from(open_store(&store).await?);
            let config = sohoa::api::Config {
                max_upload_bytes,
                max_files,
                max_concurrent_uploads,
                amqp,
                queue,
            };
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| env_err(format!("cannot listen on {listen}: {e}")))?;
            eprintln!(
                "serving the API on http://{listen} (store {})",
                store.describe()
            );
            let state = sohoa::api::AppState::new(store, config);
            sohoa::api::serve(listener, state, shutdown_signal())
                .await
                .map_err(env_err)?;
            Ok(exit::OK)
        }
        Command::Token { action } => token(action).await,
        Command::AccessLog {
            case_code,
            since,
            store,
            json,
        } => {
            let code = case_code.as_deref().map(parse_case).transpose()?;
            let since = since
                .as_deref()
                .map(sohoa::api::access_log::parse_since)
                .transpose()
                .map_err(|e| (exit::REJECTED, e))?;
            let store = open_store(&store).await?;
            let entries = sohoa::api::access_log::read(
                store.as_ref(),
                code.as_ref().map(|c| c.as_str()),
                since,
            )
            .await
            .map_err(env_err)?;
            // Entries hold what clients sent: print no control characters.
            let clean = |s: &str| s.chars().flat_map(char::escape_default).collect::<String>();
            for e in &entries {
                if json {
                    println!("{}", serde_json::to_string(e).map_err(env_err)?);
                } else {
                    println!(
                        "{}  {:<9} {:<16} {:<10} {:<14} {:<9} {}{}  from {}",
                        e.at,
                        e.outcome,
                        e.who,
                        e.role,
                        e.action,
                        e.case_code.as_deref().unwrap_or("-"),
                        clean(e.target.as_deref().unwrap_or("")),
                        e.detail
                            .as_deref()
                            .map(|d| format!(" ({})", clean(d)))
                            .unwrap_or_default(),
                        e.from
                    );
                }
            }
            Ok(exit::OK)
        }
        Command::Verify {
            case_code,
            store,
            json,
        } => {
            let code = case_code.as_deref().map(parse_case).transpose()?;
            let store = open_store(&store).await?;
            let report = verify::verify(store.as_ref(), code.as_ref().map(|c| c.as_str()))
                .await
                .map_err(env_err)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(env_err)?
                );
            } else {
                println!(
                    "{} records, {} objects: {} ok, {} mismatched, {} missing, {} unreadable",
                    report.records,
                    report.objects,
                    report.ok,
                    report.mismatched,
                    report.missing,
                    report.unreadable
                );
                for b in &report.bad {
                    println!("  {:?}: {}", b.status, b.key);
                }
                for r in &report.unreadable_records {
                    println!("  unreadable record: {r}");
                }
            }
            Ok(if report.all_ok() {
                exit::OK
            } else {
                exit::INTEGRITY
            })
        }
    }
}

/// Upload the files under `inbox/<batch_id>/`, then publish the batch
/// message and wait for the broker's confirm. Uploads are write-once and
/// the batch id is derived from the bytes, so a rerun is harmless.
async fn submit(
    paths: Vec<PathBuf>,
    case_code: Option<String>,
    batch_id: Option<String>,
    station: Option<String>,
    amqp: &str,
    queue: &str,
    store: &str,
) -> Result<(), Failure> {
    use sohoa::queue::{self, BatchMessage};
    let rejected = |e: &dyn std::fmt::Display| (exit::REJECTED, e.to_string());
    if let Some(c) = &case_code {
        parse_case(c)?;
    }
    // Check the files here, at the station, where they can still be rescanned.
    let originals = sohoa::ingest::open_all(&paths).map_err(|e| rejected(&e))?;
    let batch_id = batch_id.unwrap_or_else(|| {
        pipeline::batch_id_from_digests(originals.iter().map(|o| o.sha256.as_str()))
    });
    pipeline::validate_batch_id(&batch_id).map_err(|e| rejected(&e))?;
    let store = archive::open(store).await.map_err(env_err)?;
    let uploads: Vec<queue::Upload> = originals
        .iter()
        .map(|o| queue::Upload {
            name: &o.name,
            bytes: &o.bytes,
            sha256: &o.sha256,
        })
        .collect();
    let submit_err = |e: queue::SubmitError| match e {
        queue::SubmitError::Store(_) | queue::SubmitError::Queue(_) => env_err(e),
        _ => rejected(&e),
    };
    let files = queue::stage_files(store.as_ref(), &batch_id, &uploads)
        .await
        .map_err(submit_err)?;
    let msg = BatchMessage {
        batch_id: batch_id.clone(),
        case_code,
        station,
        files,
    };
    let conn = queue::connect(amqp).await.map_err(env_err)?;
    queue::queue_batch(store.as_ref(), &conn, queue, &msg, "cli")
        .await
        .map_err(submit_err)?;
    let _ = conn.close(200, "bye".into()).await;
    eprintln!("queued {} files on {queue}", msg.files.len());
    println!("{batch_id}");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = tokio::signal::ctrl_c() => {},
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn token(action: TokenCommand) -> Result<u8, Failure> {
    let auth_err = |e: AuthError| match e {
        AuthError::Store(_) | AuthError::Random(_) => env_err(e),
        AuthError::NoSuchToken(_) => (exit::NOT_FOUND, e.to_string()),
        _ => (exit::REJECTED, e.to_string()),
    };
    match action {
        TokenCommand::Add {
            name,
            role,
            unit,
            store,
        } => {
            let store = open_store(&store).await?;
            let (secret, rec) = auth::add_token(store.as_ref(), &name, role, unit.as_deref())
                .await
                .map_err(auth_err)?;
            eprintln!(
                "token '{}' ({}{}) made; it is shown only now:",
                rec.name,
                rec.role.as_str(),
                rec.unit.map(|u| format!(", unit {u}")).unwrap_or_default()
            );
            println!("{secret}");
        }
        TokenCommand::List { store, json } => {
            let store = open_store(&store).await?;
            let tokens = auth::list_tokens(store.as_ref()).await.map_err(auth_err)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&tokens).map_err(env_err)?
                );
            } else {
                for t in &tokens {
                    println!(
                        "{:<20} {:<10} {:<16} created {}{}",
                        t.token.name,
                        t.token.role.as_str(),
                        t.token.unit.as_deref().unwrap_or("(all units)"),
                        t.token.created_at,
                        t.revoked_at
                            .as_deref()
                            .map(|r| format!("  REVOKED {r}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        TokenCommand::Revoke { name, store } => {
            let store = open_store(&store).await?;
            let n = auth::revoke_token(store.as_ref(), &name)
                .await
                .map_err(auth_err)?;
            eprintln!("revoked {n} token(s) named '{name}'");
        }
    }
    Ok(exit::OK)
}

fn print_summary(o: &pipeline::Outcome, store: &dyn Store) {
    let r = &o.record;
    if o.already_done {
        println!(
            "batch {} was already digitised; nothing new was written",
            r.batch_id
        );
    }
    println!(
        "case {} (from {})",
        r.case_code,
        r.case_code_source.replace('_', " ")
    );
    println!(
        "batch {}: {} documents, {} pages skipped",
        r.batch_id,
        r.documents.len(),
        r.skipped_pages.len()
    );
    for d in &r.documents {
        let pages: Vec<String> = d
            .pages
            .iter()
            .map(|p| format!("{}:{}", p.source, p.page))
            .collect();
        println!(
            "  {:<26} {:<32} conf {:.2}{}  pages {}",
            d.id,
            d.doc_type,
            d.confidence,
            if d.needs_review { " NEEDS REVIEW" } else { "" },
            pages.join(" ")
        );
        println!("  {:<26} -> {}/{}", "", store.describe(), d.pdf.key);
    }
    for w in &r.warnings {
        println!("  warning: {w}");
    }
    println!("record: {}/{}", store.describe(), o.record_key);
}
