//! Queue: how batches travel from stations to workers over RabbitMQ, and
//! how outcomes travel back.
//!
//! - [`message`]: the batch message and the events (plain JSON, with schemas);
//! - [`topology`]: the connection, the queues and exchange, declared from one
//!   definition by everyone;
//! - [`publish`]: confirmed publishing.
//!
//! The queue never touches the store: staging files and recording
//! submissions is `submit`'s job, and failures are the catalog's.

pub mod message;
pub mod publish;
pub mod topology;

pub use message::*;
pub use publish::{publish_batch, publish_json};
pub use topology::{
    BATCH_QUEUE, EVENTS_EXCHANGE, Topology, confirm_channel, connect, connect_named, queue_exists,
};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("the broker refused (nacked) a message published to '{0}'")]
    Nacked(String),
    #[error("no confirm from the broker in time")]
    Timeout,
}
