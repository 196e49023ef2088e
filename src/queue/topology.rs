//! Topology: the broker connection and the queues and exchange that
//! stations, the API and workers all declare from this one definition.
//!
//! - `sohoa.batches`: quorum queue of batch messages, with a delivery limit
//!   and dead-lettering to `sohoa.batches.dead` (a message that crashes
//!   every worker that takes it ends there, not in an endless loop);
//! - `sohoa.batches.dead`: dead letters; workers put refused batches here
//!   themselves with the reason in the `x-sohoa-reason` header;
//! - `sohoa.events`: topic exchange; routing keys `batch.digitised` and
//!   `batch.failed`.
//!
//! [`Topology`] is a set of command-line arguments with environment
//! variables (`SOHOA_QUEUE`, `SOHOA_EVENTS_EXCHANGE`, `SOHOA_DELIVERY_LIMIT`)
//! shared by `sohoa submit`, `sohoa serve` and `sohoa-worker`, so every
//! party that may declare the queue declares it with the same settings.

use super::QueueError;
use lapin::options::{ConfirmSelectOptions, ExchangeDeclareOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

pub const BATCH_QUEUE: &str = "sohoa.batches";
pub const EVENTS_EXCHANGE: &str = "sohoa.events";
/// Deliveries after which the broker dead-letters a batch message.
pub const DELIVERY_LIMIT: i64 = 5;

/// Connect to the broker (`amqp://user:pass@host:port/vhost`).
pub async fn connect(url: &str) -> Result<Connection, QueueError> {
    Ok(Connection::connect(url, ConnectionProperties::default()).await?)
}

/// [`connect`], under a name the broker shows (`connection_name`).
pub async fn connect_named(url: &str, name: &str) -> Result<Connection, QueueError> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    Ok(Connection::connect(url, props).await?)
}

/// A channel in publisher-confirm mode.
pub async fn confirm_channel(conn: &Connection) -> Result<Channel, QueueError> {
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    Ok(ch)
}

/// Queue and exchange names and the queue's delivery limit; tests give
/// each run its own names.
#[derive(Debug, Clone, clap::Args)]
pub struct Topology {
    /// Queue of batch messages (its dead letters go to QUEUE.dead).
    #[arg(long, env = "SOHOA_QUEUE", default_value = BATCH_QUEUE)]
    pub queue: String,
    /// Topic exchange for batch.digitised / batch.failed events.
    #[arg(long, env = "SOHOA_EVENTS_EXCHANGE", default_value = EVENTS_EXCHANGE)]
    pub events_exchange: String,
    /// Deliveries after which the broker dead-letters a message.
    #[arg(long, env = "SOHOA_DELIVERY_LIMIT", default_value_t = DELIVERY_LIMIT)]
    pub delivery_limit: i64,
}

impl Default for Topology {
    fn default() -> Self {
        Topology {
            queue: BATCH_QUEUE.into(),
            events_exchange: EVENTS_EXCHANGE.into(),
            delivery_limit: DELIVERY_LIMIT,
        }
    }
}

impl Topology {
    pub fn dead_queue(&self) -> String {
        format!("{}.dead", self.queue)
    }

    /// Declare the batch queue, its dead-letter queue and the events exchange.
    pub async fn declare(&self, ch: &Channel) -> Result<(), QueueError> {
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.queue_declare(
            self.dead_queue().as_str().into(),
            durable,
            FieldTable::default(),
        )
        .await?;
        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(LongString::from("quorum")),
        );
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(self.delivery_limit),
        );
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(LongString::from("")),
        );
        args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(LongString::from(self.dead_queue().as_str())),
        );
        ch.queue_declare(self.queue.as_str().into(), durable, args)
            .await?;
        ch.exchange_declare(
            self.events_exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
        Ok(())
    }
}

/// Does the queue exist? (A passive declare; on `false` the broker has
/// closed `ch`, so use another channel.)
pub async fn queue_exists(ch: &Channel, queue: &str) -> bool {
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    ch.queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .is_ok()
}
