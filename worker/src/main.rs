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
//!   queue through the quorum queue's delivery limit.

mod metrics;
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
    /// Address for /healthz and /metrics ("off" to disable). When its port
    /// is taken (another worker on this host), the first free one of the
    /// 15 after it is used and logged.
    #[arg(long, env = "SOHOA_METRICS_LISTEN", default_value = "127.0.0.1:9187")]
    pub metrics_listen: String,
    /// Longest pause between retries of a transient fault, in seconds.
    #[arg(long, env = "SOHOA_MAX_BACKOFF", default_value_t = 30)]
    pub max_backoff: u64,
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
    match rt.block_on(run(config)) {
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
    let s = shutdown.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return,
            };
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
        tracing::info!("stopping: no new batches; finishing the ones in hand");
        s.trigger();
    });
    worker::Worker::start(config, metrics, shutdown)
        .await?
        .run()
        .await
}
