//! `sohoa-worker`: takes batches off RabbitMQ, runs the sohoa pipeline on
//! each with the S3 (or directory) store, and publishes the outcome.
//!
//! Delivery guarantees:
//! - a message is acknowledged only after its record is written (or found
//!   already written) and its event is confirmed by the broker;
//! - transient faults (store or broker unreachable, timeouts) are retried
//!   with backoff and never fail a batch;
//! - permanent faults (schema-breaking message, missing or corrupt inbox
//!   file, checksum mismatch, unreadable scan, conflicting case codes)
//!   publish `batch.failed` and put the message on the dead-letter queue
//!   with the reason in the `x-sohoa-reason` header;
//! - a message that kills the worker every time reaches the dead-letter
//!   queue through the quorum queue's delivery limit;
//! - each batch is announced once: every event carries
//!   `<batch_id>.<event>` as its message id, and a redelivered batch whose
//!   `batch.digitised` was confirmed (`announced/<batch_id>.json`) is acked
//!   with no new event;
//! - SIGTERM/SIGINT stops taking batches, lets the ones in hand finish
//!   (for `--drain-timeout` seconds; then, or on a second signal, they are
//!   handed back to the queue), closes the channels so that every ack has
//!   reached the broker, and exits 0.

mod indexer;
mod metrics;
mod publisher;
mod worker;

use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;

/// Configuration: every flag has an environment variable.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "sohoa-worker",
    version,
    about = "Digitise batches from RabbitMQ into an S3 store"
)]
pub struct Config {
    /// RabbitMQ URL.
    #[arg(
        long,
        env = "SOHOA_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp: String,
    /// Store: s3://BUCKET[/PREFIX] or a directory.
    #[arg(long, env = "SOHOA_STORE")]
    pub store: String,
    /// S3 Object Lock on every archive object written (the worker refuses
    /// to start on a bucket without it).
    #[command(flatten)]
    pub object_lock: sohoa::store::ObjectLockArg,
    /// The queue, its dead-letter queue and the events exchange.
    #[command(flatten)]
    pub topology: sohoa::queue::Topology,
    /// Batches processed at once (also the prefetch count).
    #[arg(long, env = "SOHOA_CONCURRENCY", default_value_t = 1)]
    pub concurrency: u16,
    /// OCR threads (default: one per core).
    #[arg(long, env = "SOHOA_OCR_THREADS")]
    pub ocr_threads: Option<usize>,
    /// Tesseract languages.
    #[arg(long, env = "SOHOA_OCR_LANG", default_value = "vie")]
    pub lang: String,
    /// What a batch's files may cost to read.
    #[command(flatten)]
    pub limits: sohoa::ingest::Limits,
    /// Address for /healthz and /metrics ("off" to disable). When its port
    /// is taken (another worker on this host), the first free one of the
    /// 15 after it is used and logged.
    #[arg(long, env = "SOHOA_METRICS_LISTEN", default_value = "127.0.0.1:9187")]
    pub metrics_listen: String,
    /// Keep a batch's files in the inbox after its record holds them under
    /// `originals/` (by default they are removed then).
    #[arg(long, env = "SOHOA_KEEP_INBOX")]
    pub keep_inbox: bool,
    /// On SIGTERM/SIGINT, how long the batches in hand may take to finish
    /// (seconds); what is not done by then goes back to the queue.
    #[arg(long, env = "SOHOA_DRAIN_TIMEOUT", default_value_t = 300)]
    pub drain_timeout: u64,
    /// Longest pause between retries of a transient fault, in seconds.
    #[arg(long, env = "SOHOA_MAX_BACKOFF", default_value_t = 30)]
    pub max_backoff: u64,
    /// PostgreSQL URL of the search index: each batch is indexed right
    /// after its record is stored (an index outage never fails or delays
    /// a batch), and the index is synced with the store on start and
    /// every `--index-sync-every` seconds.
    #[arg(long, env = "SOHOA_INDEX")]
    pub index: Option<String>,
    /// Seconds between syncs of the index with the store (0: only on start).
    #[arg(long, env = "SOHOA_INDEX_SYNC_EVERY", default_value_t = 300)]
    pub index_sync_every: u64,
    /// File holding the transparency log's Ed25519 signing key (`sohoa log
    /// key` makes one); without it the log's checkpoints are unsigned.
    #[arg(long, env = "SOHOA_LOG_KEY")]
    pub log_key: Option<std::path::PathBuf>,
    /// Seconds between the transparency log's sequencer steps: a stored
    /// record is logged within about this long (0: none here).
    #[arg(long, env = "SOHOA_LOG_EVERY", default_value_t = sohoa::catalog::log::DEFAULT_SEQUENCE_EVERY)]
    pub log_every: u64,
    /// The agency's key that signs every document PDF (PAdES B-B).
    #[command(flatten)]
    pub signing: sohoa::sign::KeyArgs,
}

fn main() -> std::process::ExitCode {
    sohoa::ocr::ensure_single_threaded_openmp();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SOHOA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::from(5);
        }
    };
    let outcome = rt.block_on(run(config));
    // OCR of a batch handed back at the drain timeout may still be running
    // on a blocking thread: its delivery is settled, so do not wait for it.
    rt.shutdown_background();
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(5)
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let metrics = Arc::new(metrics::Metrics::default());
    if config.metrics_listen != "off" {
        let addr: SocketAddr = config.metrics_listen.parse()?;
        if let Some(listener) = metrics::bind(addr).await {
            let at = listener.local_addr()?;
            tracing::info!(%at, "serving /healthz and /metrics");
            tokio::spawn(metrics::serve(listener, metrics.clone()));
        }
    }
    let shutdown = worker::Shutdown::new();
    tokio::spawn(on_signals(shutdown.clone()));
    worker::Worker::start(config, metrics, shutdown)
        .await?
        .run()
        .await
}

/// The first SIGTERM or SIGINT stops taking batches and lets the ones in
/// hand finish; a second hands them back at once.
async fn on_signals(shutdown: worker::Shutdown) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM/SIGINT: stop the worker with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    tracing::info!("stopping: no new batches; finishing the ones in hand");
    shutdown.trigger();
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    tracing::info!("second signal: handing back the batches not finished");
    shutdown.abandon();
}
