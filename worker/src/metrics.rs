//! Health and Prometheus metrics over HTTP.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sohoa::metrics::{Counter, IntCounter, IntGauge};
use std::sync::Arc;

/// The worker's metrics; every field is a live Prometheus metric.
pub struct Metrics {
    registry: sohoa::metrics::Metrics,
    pub digitised: IntCounter,
    pub failed: IntCounter,
    pub already_done: IntCounter,
    pub pages: IntCounter,
    pub ocr_seconds: Counter,
    pub processing_seconds: Counter,
    pub retries: IntCounter,
    pub in_flight: IntGauge,
    /// Seconds between the message's timestamp and the start of its processing (last batch).
    pub queue_lag_seconds: IntGauge,
    /// 1 while connected to the broker.
    pub connected: IntGauge,
    /// Batches written to the search index (by the batch or by a sync).
    pub indexed: IntCounter,
    /// Failures to index a batch or to sync the index (caught up later).
    pub index_failures: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        let r = sohoa::metrics::Metrics::default();
        Metrics {
            digitised: r.count(
                "sohoa_batches_digitised_total",
                "Batches digitised and recorded.",
            ),
            failed: r.count(
                "sohoa_batches_failed_total",
                "Batches refused (batch.failed, dead-lettered).",
            ),
            already_done: r.count(
                "sohoa_batches_already_done_total",
                "Redelivered batches whose record already existed.",
            ),
            pages: r.count("sohoa_pages_total", "Pages read."),
            ocr_seconds: r.seconds("sohoa_ocr_seconds_total", "Seconds spent in Tesseract."),
            processing_seconds: r.seconds(
                "sohoa_batch_processing_seconds_total",
                "Wall seconds spent processing batches.",
            ),
            retries: r.count(
                "sohoa_transient_retries_total",
                "Retries after transient faults.",
            ),
            in_flight: r.gauge("sohoa_batches_in_flight", "Batches being processed now."),
            queue_lag_seconds: r.gauge(
                "sohoa_queue_lag_seconds",
                "Time the last batch waited in the queue.",
            ),
            connected: r.gauge("sohoa_broker_connected", "1 when connected to RabbitMQ."),
            indexed: r.count(
                "sohoa_index_records_total",
                "Batch records written to the search index.",
            ),
            index_failures: r.count(
                "sohoa_index_failures_total",
                "Failures to index a batch or sync the index (caught up by the next sync).",
            ),
            registry: r,
        }
    }
}

impl Metrics {
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

async fn healthz(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    if m.connected.get() == 1 {
        (StatusCode::OK, "ok\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the broker\n",
        )
    }
}

async fn metrics(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    ([("content-type", sohoa::metrics::CONTENT_TYPE)], m.render())
}

pub async fn serve(listener: tokio::net::TcpListener, m: Arc<Metrics>) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(m);
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!("metrics server stopped: {e}");
    }
}

/// How many ports after the configured one a worker tries when another
/// process (often another worker on the same host) holds it.
pub const PORT_TRIES: u16 = 16;

/// Bind the metrics listener at `addr`, or, when that port is taken, at the
/// first free one of the [`PORT_TRIES`] after it (logged), so that several
/// workers on one host each serve their own metrics without each being
/// given a port. `None` (logged) when all are taken: the worker still
/// serves batches, without metrics.
pub async fn bind(addr: std::net::SocketAddr) -> Option<tokio::net::TcpListener> {
    let mut last = None;
    for port in addr.port()..=addr.port().saturating_add(PORT_TRIES - 1) {
        let at = std::net::SocketAddr::new(addr.ip(), port);
        match tokio::net::TcpListener::bind(at).await {
            Ok(l) => {
                if port != addr.port() {
                    tracing::warn!(%addr, %at, "metrics port taken (another worker on this host?); serving on the next free one");
                }
                return Some(l);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && addr.port() != 0 => {
                last = Some(e)
            }
            Err(e) => {
                tracing::error!(%at, "cannot serve /healthz and /metrics: {e}; going on without them");
                return None;
            }
        }
    }
    tracing::error!(
        %addr,
        "cannot serve /healthz and /metrics: ports {} to {} are all taken ({}); going on without them",
        addr.port(),
        addr.port().saturating_add(PORT_TRIES - 1),
        last.map_or_else(String::new, |e| e.to_string())
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two workers on one host, one port configured: the second serves on
    /// the next free port; the first keeps its own.
    #[tokio::test]
    async fn a_taken_metrics_port_moves_to_the_next_free_one() {
        let first = bind("127.0.0.1:0".parse().unwrap())
            .await
            .expect("a free port");
        let taken = first.local_addr().unwrap();
        let second = bind(taken).await.expect("a port after it");
        let moved = second.local_addr().unwrap();
        assert_ne!(moved.port(), taken.port());
        assert!(moved.port() > taken.port() && moved.port() < taken.port() + PORT_TRIES);
        assert_eq!(first.local_addr().unwrap(), taken);
    }
}
