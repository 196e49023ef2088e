//! Health and Prometheus metrics over HTTP.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    pub digitised: AtomicU64,
    pub failed: AtomicU64,
    pub already_done: AtomicU64,
    pub pages: AtomicU64,
    /// Milliseconds, summed.
    pub ocr_ms: AtomicU64,
    pub processing_ms: AtomicU64,
    pub retries: AtomicU64,
    pub in_flight: AtomicU64,
    /// Seconds between the message's timestamp and the start of its processing (last batch).
    pub queue_lag_s: AtomicU64,
    pub connected: AtomicBool,
}

pub fn add_secs(counter: &AtomicU64, secs: f64) {
    counter.fetch_add((secs * 1000.0) as u64, Ordering::Relaxed);
}

impl Metrics {
    pub fn render(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let secs = |a: &AtomicU64| format!("{:.3}", g(a) as f64 / 1000.0);
        let mut out = sohoa::metrics::Exposition::default();
        out.counter(
            "sohoa_batches_digitised_total",
            "Batches digitised and recorded.",
            g(&self.digitised),
        );
        out.counter(
            "sohoa_batches_failed_total",
            "Batches refused (batch.failed, dead-lettered).",
            g(&self.failed),
        );
        out.counter(
            "sohoa_batches_already_done_total",
            "Redelivered batches whose record already existed.",
            g(&self.already_done),
        );
        out.counter("sohoa_pages_total", "Pages read.", g(&self.pages));
        out.counter(
            "sohoa_ocr_seconds_total",
            "Seconds spent in Tesseract.",
            secs(&self.ocr_ms),
        );
        out.counter(
            "sohoa_batch_processing_seconds_total",
            "Wall seconds spent processing batches.",
            secs(&self.processing_ms),
        );
        out.counter(
            "sohoa_transient_retries_total",
            "Retries after transient faults.",
            g(&self.retries),
        );
        out.gauge(
            "sohoa_batches_in_flight",
            "Batches being processed now.",
            g(&self.in_flight),
        );
        out.gauge(
            "sohoa_queue_lag_seconds",
            "Time the last batch waited in the queue.",
            g(&self.queue_lag_s),
        );
        out.gauge(
            "sohoa_broker_connected",
            "1 when connected to RabbitMQ.",
            self.connected.load(Ordering::Relaxed) as u8,
        );
        out.finish()
    }
}

async fn healthz(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    if m.connected.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the broker\n",
        )
    }
}

async fn metrics(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    ([("content-type", "text/plain; version=0.0.4")], m.render())
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
