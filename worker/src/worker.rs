//! The consume loop: connect (and reconnect) to the broker, take batches,
//! process them, publish outcomes, acknowledge.

use crate::Config;
use crate::indexer::Indexer;
use crate::metrics::Metrics;
use crate::publisher::{Outgoing, Publisher};
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, Connection};
use sha2::{Digest, Sha256};
use sohoa::catalog::{self, Failure, claims};
use sohoa::pipeline::{self, BatchInfo, Options, Outcome, PagePool};
use sohoa::queue::{self, BatchMessage, DigitisedEvent, FailedEvent, Topology};
use sohoa::store::{self, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// The stop signals every task can wait on: *stop* (SIGTERM / Ctrl-C: take
/// no new batches, finish the ones in hand) and *abandon* (the drain
/// timeout passed, or a second signal came: hand back what is not done).
#[derive(Clone)]
pub struct Shutdown {
    stop: Arc<watch::Sender<bool>>,
    abandon: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown {
            stop: Arc::new(watch::channel(false).0),
            abandon: Arc::new(watch::channel(false).0),
        }
    }
    pub fn trigger(&self) {
        self.stop.send_replace(true);
    }
    pub fn is_triggered(&self) -> bool {
        *self.stop.borrow()
    }
    pub async fn wait(&self) {
        let _ = self.stop.subscribe().wait_for(|v| *v).await;
    }
    /// Hand back every batch not finished yet.
    pub fn abandon(&self) {
        self.trigger();
        self.abandon.send_replace(true);
    }
    async fn abandoned(&self) {
        let _ = self.abandon.subscribe().wait_for(|v| *v).await;
    }
}

/// Exponential backoff between retries, up to a ceiling.
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(max_secs: u64) -> Backoff {
        Backoff {
            next: Duration::from_millis(500),
            max: Duration::from_secs(max_secs.max(1)),
        }
    }
    /// Sleep for the next interval; `false` if shutdown came first.
    pub async fn wait(&mut self, shutdown: &Shutdown) -> bool {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = shutdown.wait() => false,
        }
    }
}

/// What is shared by the tasks handling deliveries.
struct Ctx {
    config: Config,
    topology: Topology,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
    pool: Arc<PagePool>,
    store: Arc<dyn Store>,
    publisher: Publisher,
    /// The search index, when one is configured.
    indexer: Option<Indexer>,
}

pub struct Worker {
    ctx: Arc<Ctx>,
}

enum Fault {
    /// The batch can never succeed as it is.
    Permanent(String),
    /// The environment failed; try again.
    Transient(String),
}

enum Done {
    Digitised {
        outcome: Box<Outcome>,
        /// The broker already confirmed this batch's `batch.digitised`.
        announced: bool,
    },
    Failed {
        batch_id: Option<String>,
        reason: String,
    },
    /// Shutting down in the middle of retries: give the message back.
    HandBack,
}

impl Worker {
    /// Start the OCR engines and open the store (retrying while it is unreachable).
    pub async fn start(
        config: Config,
        metrics: Arc<Metrics>,
        shutdown: Shutdown,
    ) -> anyhow::Result<Worker> {
        let mut opts = Options {
            lang: config.lang.clone(),
            limits: config.limits,
            signing: config.signing.agency()?,
            ..Options::default()
        };
        if let Some(t) = config.ocr_threads {
            opts.threads = t.max(1);
        }
        let pool = Arc::new(PagePool::new(&opts)?);
        let mut backoff = Backoff::new(config.max_backoff);
        let store: Arc<dyn Store> = loop {
            match store::open_with(&config.store, config.object_lock.lock()).await {
                Ok(s) => break Arc::from(s),
                // The bucket answered and cannot lock: waiting will not change it.
                Err(e @ store::StoreError::ObjectLock(_)) => return Err(e.into()),
                Err(e) => {
                    tracing::warn!("store {} not reachable: {e}; retrying", config.store);
                    if !backoff.wait(&shutdown).await {
                        anyhow::bail!("stopped before the store was reachable");
                    }
                }
            }
        };
        let signer = config
            .log_key
            .as_deref()
            .map(sohoa::tlog::Signer::load)
            .transpose()?;
        if config.log_every > 0 {
            let every = Duration::from_secs(config.log_every);
            tokio::spawn(sohoa::catalog::log::sequence_every(
                store.clone(),
                signer,
                every,
            ));
        }
        let topology = config.topology.clone();
        let publisher = Publisher::new(&config.amqp, config.max_backoff, shutdown.clone());
        let indexer = sohoa::index::Index::configured(config.index.as_deref())?
            .map(|index| Indexer::new(index, store.clone(), metrics.clone()));
        if let Some(i) = &indexer {
            let every = Duration::from_secs(config.index_sync_every);
            i.sync_periodically(every, shutdown.clone());
        }
        Ok(Worker {
            ctx: Arc::new(Ctx {
                config,
                topology,
                metrics,
                shutdown,
                pool,
                store,
                publisher,
                indexer,
            }),
        })
    }

    /// Consume until shutdown, reconnecting with backoff whenever the
    /// connection drops; then drain: let the batches in hand finish (for
    /// at most the drain timeout, after which they are handed back), and
    /// close the channels before the connection, so that every ack has
    /// reached the broker before the worker goes.
    pub async fn run(self) -> anyhow::Result<()> {
        let ctx = self.ctx;
        let permits = Arc::new(Semaphore::new(ctx.config.concurrency.max(1) as usize));
        let mut tasks = JoinSet::new();
        let mut backoff = Backoff::new(ctx.config.max_backoff);
        let mut kept: Option<(Link, lapin::Consumer)> = None;
        while !ctx.shutdown.is_triggered() {
            let link = match open(&ctx).await {
                Ok(c) => c,
                Err(e) => {
                    ctx.metrics.connected.set(0);
                    tracing::warn!("broker not reachable: {e}; retrying");
                    if !backoff.wait(&ctx.shutdown).await {
                        break;
                    }
                    continue;
                }
            };
            let mut consumer = match link
                .consume
                .basic_consume(
                    ctx.topology.queue.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("cannot consume {}: {e}; retrying", ctx.topology.queue);
                    if !backoff.wait(&ctx.shutdown).await {
                        break;
                    }
                    continue;
                }
            };
            tracing::info!(queue = %ctx.topology.queue, concurrency = ctx.config.concurrency, "consuming");
            ctx.metrics.connected.set(1);
            backoff = Backoff::new(ctx.config.max_backoff);
            let ended = link
                .consume(&ctx, &mut consumer, &permits, &mut tasks)
                .await;
            if ended == Ended::Shutdown {
                // The deliveries in hand are acked on these channels: they
                // must stay open until the tasks are done (dropping a lapin
                // channel closes it, and the broker then requeues them).
                kept = Some((link, consumer));
                break;
            }
            ctx.metrics.connected.set(0);
            cancel_lost(&mut tasks).await;
            let _ = link.conn.close(200, "reconnecting".into()).await;
            if !backoff.wait(&ctx.shutdown).await {
                break;
            }
        }
        drain(&ctx, &mut tasks).await;
        if let Some((link, consumer)) = kept {
            drop(consumer);
            link.close().await;
        }
        ctx.publisher.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The batches taken on a connection that was lost can no longer be
/// acked: the broker hands them out again. Stop their work (what a page
/// thread is reading finishes unheard), so that a batch is never worked
/// on twice at once in this worker and their slots serve the new
/// connection.
async fn cancel_lost(tasks: &mut JoinSet<()>) {
    if tasks.is_empty() {
        return;
    }
    tracing::warn!(
        batches = tasks.len(),
        "cancelling the batches taken on the lost connection: the broker hands them out again"
    );
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

/// Wait for the batches in hand; past the drain timeout, hand them back.
async fn drain(ctx: &Ctx, tasks: &mut JoinSet<()>) {
    if tasks.is_empty() {
        return;
    }
    let limit = Duration::from_secs(ctx.config.drain_timeout);
    tracing::info!(
        batches = tasks.len(),
        drain_timeout_s = limit.as_secs(),
        "finishing the batches in hand"
    );
    let all = async { while tasks.join_next().await.is_some() {} };
    let abandoned = async {
        ctx.shutdown.abandoned().await;
    };
    let finished = tokio::select! {
        r = tokio::time::timeout(limit, all) => r.is_ok(),
        _ = abandoned => false,
    };
    if !finished {
        tracing::warn!(
            batches = tasks.len(),
            "drain timeout passed (or a second signal came): handing back the batches not finished"
        );
        ctx.shutdown.abandon();
        while tasks.join_next().await.is_some() {}
    }
}

/// Why consuming on a connection ended.
#[derive(PartialEq)]
enum Ended {
    /// Shutdown: the consumer is cancelled; keep the connection open until
    /// the batches in hand are settled.
    Shutdown,
    /// The connection or the consumer was lost: reconnect.
    Lost,
}

/// One connection to the broker and its channel: deliveries come and are
/// acked on `consume` (events and dead letters go out through the
/// [`Publisher`], on a connection of its own).
struct Link {
    conn: Connection,
    consume: Channel,
}

impl Link {
    /// Take deliveries and start a task for each as a slot frees up, until
    /// shutdown or until the connection is lost.
    async fn consume(
        &self,
        ctx: &Arc<Ctx>,
        consumer: &mut lapin::Consumer,
        permits: &Arc<Semaphore>,
        tasks: &mut JoinSet<()>,
    ) -> Ended {
        loop {
            // Reap finished tasks as we go.
            while tasks.try_join_next().is_some() {}
            let next = tokio::select! {
                _ = ctx.shutdown.wait() => return self.cancel(consumer).await,
                d = consumer.next() => d,
            };
            let delivery = match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(e)) => {
                    tracing::warn!("connection to the broker lost: {e}; reconnecting");
                    return Ended::Lost;
                }
                None => {
                    tracing::warn!("the broker ended the consumer; reconnecting");
                    return Ended::Lost;
                }
            };
            // Wait for a free slot, but not past a shutdown: a batch that
            // has not started is handed back untouched.
            let permit = tokio::select! {
                p = permits.clone().acquire_owned() => p,
                _ = ctx.shutdown.wait() => {
                    let _ = delivery
                        .acker
                        .nack(BasicNackOptions { requeue: true, ..Default::default() })
                        .await;
                    return self.cancel(consumer).await;
                }
            };
            let Ok(permit) = permit else {
                return Ended::Shutdown;
            };
            let ctx = ctx.clone();
            tasks.spawn(async move {
                handle(&ctx, delivery).await;
                drop(permit);
            });
        }
    }

    /// Stop the broker sending more deliveries.
    async fn cancel(&self, consumer: &lapin::Consumer) -> Ended {
        let _ = self
            .consume
            .basic_cancel(consumer.tag(), BasicCancelOptions::default())
            .await;
        Ended::Shutdown
    }

    /// Close the channel, then the connection. Closing a channel is a
    /// round trip that the broker answers only after the frames sent
    /// before it on that channel (the acks) are processed.
    async fn close(self) {
        if let Err(e) = self.consume.close(200, "shutdown".into()).await {
            tracing::warn!("closing the consume channel: {e}");
        }
        let _ = self.conn.close(200, "shutdown".into()).await;
    }
}

async fn open(ctx: &Ctx) -> Result<Link, queue::QueueError> {
    let name = format!("sohoa-worker {} consumer", std::process::id());
    let conn = queue::connect_named(&ctx.config.amqp, &name).await?;
    let declare = conn.create_channel().await?;
    ctx.topology.declare(&declare).await?;
    let _ = declare.close(200, "declared".into()).await;
    let consume = conn.create_channel().await?;
    consume
        .basic_qos(ctx.config.concurrency.max(1), BasicQosOptions::default())
        .await?;
    Ok(Link { conn, consume })
}

/// Process one delivery to its end: acked after its outcome is published,
/// or handed back on shutdown.
async fn handle(ctx: &Ctx, d: Delivery) {
    // Counted out however the work ends, cancelled included.
    let _in_flight = InFlight::start(&ctx.metrics.in_flight);
    if let Some(ts) = d.properties.timestamp() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|t| t.as_secs())
            .unwrap_or(0);
        ctx.metrics
            .queue_lag_seconds
            .set(now.saturating_sub(*ts) as i64);
    }
    let started = std::time::Instant::now();
    // A panic anywhere in the batch's work (the page threads catch their
    // own) settles the delivery as failed, and the worker goes on.
    let work = std::panic::AssertUnwindSafe(process(ctx, &d)).catch_unwind();
    let done = tokio::select! {
        done = work => done.unwrap_or_else(|panic| panicked(&d.data, panic.as_ref())),
        _ = ctx.shutdown.abandoned() => Done::HandBack,
    };
    ctx.metrics
        .processing_seconds
        .inc_by(started.elapsed().as_secs_f64());
    let settled = match done {
        Done::Digitised { outcome, announced } => {
            if let Some(indexer) = &ctx.indexer {
                indexer.batch(outcome.record_key.clone(), outcome.record.clone());
            }
            announce(ctx, &d, &outcome, announced).await
        }
        Done::Failed { batch_id, reason } => refuse(ctx, &d, batch_id, &reason).await,
        Done::HandBack => d
            .acker
            .nack(BasicNackOptions {
                requeue: true,
                ..Default::default()
            })
            .await
            .is_ok(),
    };
    if !settled {
        // Give the message back now rather than hold a prefetch slot until
        // the channel closes (on a dead channel this fails harmlessly and the
        // broker requeues the message itself).
        let _ = d
            .acker
            .nack(BasicNackOptions {
                requeue: true,
                ..Default::default()
            })
            .await;
        tracing::debug!("delivery handed back to the queue");
    }
}

/// One batch in hand, on the in-flight gauge while it lives.
struct InFlight(sohoa::metrics::IntGauge);

impl InFlight {
    fn start(gauge: &sohoa::metrics::IntGauge) -> InFlight {
        gauge.inc();
        InFlight(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The outcome of a batch whose work panicked: failed, with the panic's
/// message as the reason.
fn panicked(message: &[u8], panic: &(dyn std::any::Any + Send)) -> Done {
    let what = sohoa::panic_message(panic);
    let batch_id = batch_id_of(message);
    tracing::error!(batch = ?batch_id, "the batch's work panicked: {what}");
    Done::Failed {
        batch_id,
        reason: format!(
            "the worker failed unexpectedly on this batch (panic: {what}); it was not digitised: report it with the batch's files"
        ),
    }
}

/// The batch id of a message that may not follow the schema.
fn batch_id_of(data: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v["batch_id"].as_str().map(str::to_string))
}

/// Publish `batch.digitised` and, once the broker confirms it, mark it
/// announced and ack; a batch announced before is acked with no new
/// event. Returns whether the delivery was settled.
async fn announce(ctx: &Ctx, d: &Delivery, o: &Outcome, announced: bool) -> bool {
    let batch_id = o.record.batch_id.clone();
    if announced {
        ctx.metrics.already_done.inc();
        tracing::info!(batch = %batch_id, "already digitised and announced: acked, nothing new");
        return d.acker.ack(BasicAckOptions::default()).await.is_ok();
    }
    let event = DigitisedEvent {
        event: queue::DIGITISED.into(),
        batch_id: batch_id.clone(),
        case_code: o.record.case_code.to_string(),
        record_key: o.record_key.clone(),
        documents: o.record.documents.len(),
        types: o
            .record
            .documents
            .iter()
            .map(|d| d.doc_type.clone())
            .collect(),
        at: sohoa::clock::now_rfc3339(),
    };
    let body = serde_json::to_vec(&event).unwrap_or_default();
    let message_id = queue::event_id(Some(&batch_id), queue::DIGITISED, &d.data);
    let published = ctx
        .publisher
        .publish(&Outgoing {
            exchange: &ctx.topology.events_exchange,
            routing_key: queue::DIGITISED,
            body: &body,
            headers: None,
            message_id: Some(&message_id),
        })
        .await;
    if let Err(e) = published {
        tracing::warn!(
            "stopping before the outcome of {batch_id} was published ({e}): handed back"
        );
        return false;
    }
    let mark = catalog::batches::Announced {
        batch_id: batch_id.clone(),
        message_id,
        at: event.at.clone(),
    };
    if let Err(e) = catalog::batches::mark_announced(ctx.store.as_ref(), &mark).await {
        // The event is out; without the mark a redelivery would announce
        // the batch once more, which consumers drop by its message id.
        tracing::warn!(batch = %batch_id, "could not mark the event as announced: {e}");
    }
    if o.already_done {
        ctx.metrics.already_done.inc();
    } else {
        ctx.metrics.digitised.inc();
        ctx.metrics.pages.inc_by(o.pages as u64);
        ctx.metrics.ocr_seconds.inc_by(o.ocr_seconds);
    }
    tracing::info!(batch = %event.batch_id, case = %event.case_code, documents = event.documents, "digitised");
    d.acker.ack(BasicAckOptions::default()).await.is_ok()
}

/// Record, announce and dead-letter a refused batch, then ack. Returns
/// whether the delivery was settled.
async fn refuse(ctx: &Ctx, d: &Delivery, batch_id: Option<String>, reason: &str) -> bool {
    tracing::warn!(batch = ?batch_id, "refused: {reason}");
    match fail(ctx, d, batch_id, reason).await {
        Ok(()) => {
            ctx.metrics.failed.inc();
            d.acker.ack(BasicAckOptions::default()).await.is_ok()
        }
        Err(e) => {
            tracing::warn!(
                "could not dead-letter a refused batch: {e}; the broker will redeliver it"
            );
            false
        }
    }
}

/// Publish `batch.failed`, then the dead letter with the reason in a header.
async fn fail(
    ctx: &Ctx,
    d: &Delivery,
    batch_id: Option<String>,
    reason: &str,
) -> Result<(), FailError> {
    let event = FailedEvent {
        event: queue::FAILED.into(),
        batch_id: batch_id.clone(),
        reason: reason.to_string(),
        at: sohoa::clock::now_rfc3339(),
    };
    // Keep the reason where a station can look it up (GET /v1/batches/{id}).
    if let Some(b) = batch_id
        .as_deref()
        .filter(|b| sohoa::ids::check_batch(b).is_ok())
    {
        let failure = Failure {
            batch_id: b.to_string(),
            reason: reason.to_string(),
            at: event.at.clone(),
        };
        catalog::batches::record_failure(ctx.store.as_ref(), &failure)
            .await
            .map_err(|e| FailError::Store(e.to_string()))?;
    }
    let body = serde_json::to_vec(&event).unwrap_or_default();
    let message_id = queue::event_id(event.batch_id.as_deref(), queue::FAILED, &d.data);
    ctx.publisher
        .publish(&Outgoing {
            exchange: &ctx.topology.events_exchange,
            routing_key: queue::FAILED,
            body: &body,
            headers: None,
            message_id: Some(&message_id),
        })
        .await?;
    let mut headers = FieldTable::default();
    headers.insert(
        queue::REASON_HEADER.into(),
        AMQPValue::LongString(LongString::from(reason)),
    );
    headers.insert(
        "x-sohoa-queue".into(),
        AMQPValue::LongString(LongString::from(ctx.topology.queue.as_str())),
    );
    if let Some(b) = batch_id {
        headers.insert(
            "x-sohoa-batch-id".into(),
            AMQPValue::LongString(LongString::from(b.as_str())),
        );
    }
    let dead = &ctx.topology.dead_queue();
    Ok(ctx
        .publisher
        .publish(&Outgoing {
            exchange: "",
            routing_key: dead,
            body: &d.data,
            headers: Some(headers),
            message_id: None,
        })
        .await?)
}

#[derive(Debug, thiserror::Error)]
enum FailError {
    #[error("store: {0}")]
    Store(String),
    #[error(transparent)]
    Queue(#[from] queue::QueueError),
}

/// Earlier deliveries of this message (quorum queues count them in
/// `x-delivery-count`).
fn delivery_count(d: &Delivery) -> u64 {
    let Some(headers) = d.properties.headers() else {
        return 0;
    };
    match headers.inner().get("x-delivery-count") {
        Some(AMQPValue::LongLongInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::LongInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::LongUInt(n)) => *n as u64,
        Some(AMQPValue::ShortInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::ShortUInt(n)) => *n as u64,
        Some(AMQPValue::ShortShortInt(n)) => (*n).max(0) as u64,
        Some(AMQPValue::ShortShortUInt(n)) => *n as u64,
        _ => 0,
    }
}

/// Decide the delivery's outcome, retrying transient faults with backoff.
async fn process(ctx: &Ctx, d: &Delivery) -> Done {
    let msg: BatchMessage = match serde_json::from_slice(&d.data) {
        Ok(m) => m,
        Err(e) => {
            return Done::Failed {
                batch_id: batch_id_of(&d.data),
                reason: format!(
                    "the message does not follow schemas/batch-message.schema.json: {e}"
                ),
            };
        }
    };
    let case = match msg.validate() {
        Ok(c) => c,
        Err(reason) => {
            return Done::Failed {
                batch_id: Some(msg.batch_id.clone()),
                reason,
            };
        }
    };
    // Near the broker's delivery limit, this batch has stopped workers
    // before: leave a reason where the station can read it, in case this
    // attempt stops one too and the broker dead-letters the message itself.
    let earlier = delivery_count(d);
    let limit = ctx.topology.delivery_limit;
    if earlier > 0 && earlier + 1 >= limit.max(1) as u64 {
        let failure = Failure {
            batch_id: msg.batch_id.clone(),
            reason: format!(
                "workers stopped while processing this batch {earlier} time(s); the broker allows {} deliveries, so if it stops one again it is moved to {} without being digitised (a page that crashes the decoder?)",
                limit,
                ctx.topology.dead_queue()
            ),
            at: sohoa::clock::now_rfc3339(),
        };
        if let Err(e) = catalog::batches::record_failure(ctx.store.as_ref(), &failure).await {
            tracing::warn!(batch = %msg.batch_id, "could not note the last attempt: {e}");
        }
    }
    let mut backoff = Backoff::new(ctx.config.max_backoff);
    loop {
        match attempt(ctx, &msg, case.clone()).await {
            Ok((outcome, announced)) => {
                return Done::Digitised {
                    outcome: Box::new(outcome),
                    announced,
                };
            }
            Err(Fault::Permanent(reason)) => {
                return Done::Failed {
                    batch_id: Some(msg.batch_id.clone()),
                    reason,
                };
            }
            Err(Fault::Transient(why)) => {
                ctx.metrics.retries.inc();
                tracing::warn!(batch = %msg.batch_id, "transient fault, will retry: {why}");
                if ctx.shutdown.is_triggered() || !backoff.wait(&ctx.shutdown).await {
                    return Done::HandBack;
                }
            }
        }
    }
}

/// One try at the batch: its existing record (and whether its event was
/// confirmed), or a new one.
async fn attempt(
    ctx: &Ctx,
    msg: &BatchMessage,
    case: Option<sohoa::codes::CaseCode>,
) -> Result<(Outcome, bool), Fault> {
    let transient = |e: &dyn std::fmt::Display| Fault::Transient(e.to_string());
    let store = ctx.store.as_ref();
    let case_text = case.as_ref().map(|c| c.to_string());
    let files = msg.names_and_hashes();
    if let Some(done) = pipeline::find_existing(store, &msg.batch_id, files, case_text.as_deref())
        .await
        .map_err(pipeline_fault)?
    {
        let announced = catalog::batches::was_announced(store, &msg.batch_id)
            .await
            .map_err(|e| transient(&e))?;
        if !ctx.config.keep_inbox {
            clear_inbox(store, msg, &done).await;
        }
        return Ok((done, announced));
    }
    // A message that a plain AMQP client published has no claim yet: make
    // it; one that names other files than the id's claim is refused.
    let claim = claims::Claim::now(msg, "worker");
    let claimed_at = match claims::claim(store, &claim).await {
        Ok(claims::Claimed::New(_)) => claim.time,
        Ok(claims::Claimed::Repeat(earlier, _)) => earlier.time,
        Err(e @ claims::ClaimError::Conflict { .. }) => {
            return Err(Fault::Permanent(e.to_string()));
        }
        Err(e) => return Err(transient(&e)),
    };
    let mut originals = Vec::new();
    for f in &msg.files {
        let bytes = ctx
            .store
            .get(&f.key)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| {
                Fault::Permanent(format!("inbox file {} is missing from the store", f.key))
            })?;
        if let Some(want) = &f.sha256 {
            let got = hex::encode(Sha256::digest(&bytes));
            if !got.eq_ignore_ascii_case(want) {
                return Err(Fault::Permanent(format!(
                    "{}: SHA-256 mismatch: the message says {want}, the inbox file {} has {got}",
                    f.name, f.key
                )));
            }
        }
        let limits = &ctx.config.limits;
        let original =
            sohoa::ingest::open_bytes(f.name.clone(), f.key.clone().into(), bytes, limits)
                .map_err(|e| Fault::Permanent(e.to_string()))?;
        originals.push(original);
    }
    sohoa::ingest::check_batch(&originals, &ctx.config.limits)
        .map_err(|e| Fault::Permanent(e.to_string()))?;
    let info = BatchInfo {
        batch_id: Some(msg.batch_id.clone()),
        case_code: case,
        station: msg.station.clone(),
        claimed_at: Some(claimed_at),
    };
    let outcome = pipeline::process(
        ctx.pool.clone(),
        originals,
        &info,
        ctx.store.as_ref(),
        Arc::new(|_, _| {}),
    )
    .await
    .map_err(pipeline_fault)?;
    if !ctx.config.keep_inbox {
        clear_inbox(store, msg, &outcome).await;
    }
    Ok((outcome, false))
}

fn pipeline_fault(e: pipeline::PipelineError) -> Fault {
    if e.is_permanent() {
        Fault::Permanent(e.to_string())
    } else {
        Fault::Transient(e.to_string())
    }
}

/// Remove the batch's inbox files now that its record holds them under
/// `originals/` (checked file by file); a failure only leaves them.
async fn clear_inbox(store: &dyn Store, msg: &BatchMessage, outcome: &Outcome) {
    for f in &msg.files {
        let kept = outcome.record.originals.iter().any(|o| {
            o.name == f.name
                && f.sha256
                    .as_ref()
                    .is_none_or(|h| h.eq_ignore_ascii_case(&o.sha256))
        });
        if !kept {
            continue;
        }
        if let Err(e) = store.remove_transient(&f.key).await {
            tracing::warn!(batch = %msg.batch_id, "could not remove {} from the inbox: {e}", f.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_in_a_batch_s_work_fails_the_batch_with_the_panic_s_message() {
        let message = br#"{"batch_id": "b-7", "files": []}"#;
        let work = async {
            let n = message.len();
            if n > 0 {
                panic!("index out of bounds: the len is {n}");
            }
            Done::HandBack
        };
        let done = std::panic::AssertUnwindSafe(work)
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| panicked(message, panic.as_ref()));
        match done {
            Done::Failed { batch_id, reason } => {
                assert_eq!(batch_id.as_deref(), Some("b-7"));
                assert!(
                    reason.contains("index out of bounds: the len is 32"),
                    "{reason}"
                );
            }
            _ => panic!("a panic must fail the batch"),
        }
    }
}
