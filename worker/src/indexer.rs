//! Keeping the search index in step with the batches this worker stores.
//!
//! A batch is indexed right after its record is stored, in a task of its
//! own: the delivery is announced and acked without waiting for it, and an
//! index that is down or failing is logged and counted
//! (`sohoa_index_failures_total`), never a batch failure. What an outage
//! missed is caught up by [`sync`](sohoa::index::sync::sync), which the
//! worker runs on start and every `--index-sync-every` seconds (and
//! `sohoa index sync` runs by hand).

use crate::metrics::Metrics;
use crate::worker::Shutdown;
use sohoa::catalog::records;
use sohoa::index::Index;
use sohoa::record::BatchRecord;
use sohoa::store::Store;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Indexer {
    index: Arc<Index>,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl Indexer {
    pub fn new(index: Arc<Index>, store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Indexer {
        Indexer {
            index,
            store,
            metrics,
        }
    }

    /// Index a stored batch in the background.
    pub fn batch(&self, record_key: String, record: BatchRecord) {
        let me = self.clone();
        tokio::spawn(async move {
            match me.put(&record_key, &record).await {
                Ok(()) => me.metrics.indexed.inc(),
                Err(e) => {
                    me.metrics.index_failures.inc();
                    tracing::warn!(batch = %record.batch_id, "not indexed now (the next sync catches it up): {e}");
                }
            }
        });
    }

    async fn put(
        &self,
        record_key: &str,
        record: &BatchRecord,
    ) -> Result<(), sohoa::index::IndexError> {
        let mut texts = Vec::with_capacity(record.documents.len());
        for d in &record.documents {
            let text = records::document_text(self.store.as_ref(), d).await?;
            if text.is_none() {
                tracing::warn!(document = %d.id, "text {} missing or not matching its hash: indexed without text", d.text.key);
            }
            texts.push(text.unwrap_or_default());
        }
        self.index.put_record(record_key, record, &texts).await
    }

    /// Sync the index with the store now, then every `every` (never when
    /// zero), until shutdown.
    pub fn sync_periodically(&self, every: Duration, shutdown: Shutdown) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                match sohoa::index::sync::sync(me.store.as_ref(), &me.index).await {
                    Ok(r) => {
                        me.metrics.indexed.inc_by(r.records as u64);
                        if r.records > 0 {
                            tracing::info!(
                                records = r.records,
                                documents = r.documents,
                                "index caught up with the store"
                            );
                        }
                    }
                    Err(e) => {
                        me.metrics.index_failures.inc();
                        tracing::warn!("index sync failed (tried again later): {e}");
                    }
                }
                if every.is_zero() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {},
                    _ = shutdown.wait() => return,
                }
            }
        });
    }
}
