//! Metrics: Prometheus counters and gauges (the `prometheus` crate) in one
//! registry per process, rendered in the text exposition format for the
//! worker's and the API's `/metrics`.

use prometheus::core::{GenericCounter, GenericGauge};
use prometheus::{Encoder, Registry, TextEncoder};

pub use prometheus::{Counter, IntCounter, IntGauge};

/// A registry that hands out registered metrics.
#[derive(Clone, Default)]
pub struct Metrics(Registry);

impl Metrics {
    /// A counter of whole events.
    pub fn count(&self, name: &str, help: &str) -> IntCounter {
        self.register(GenericCounter::new(name, help))
    }

    /// A counter of seconds (or any fractional amount).
    pub fn seconds(&self, name: &str, help: &str) -> Counter {
        self.register(GenericCounter::new(name, help))
    }

    /// A value that goes up and down.
    pub fn gauge(&self, name: &str, help: &str) -> IntGauge {
        self.register(GenericGauge::new(name, help))
    }

    fn register<M>(&self, made: prometheus::Result<M>) -> M
    where
        M: prometheus::core::Collector + Clone + 'static,
    {
        // Names and helps are constants of this crate: a failure here is a
        // programming error (a bad or repeated name), found by any test.
        let m = made.expect("a valid metric name and help");
        self.0
            .register(Box::new(m.clone()))
            .expect("each metric registered once");
        m
    }

    /// Every metric, in the text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.0.gather(), &mut out) {
            tracing::warn!("metrics: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";
