//! Publishing: persistent JSON messages, each confirmed by the broker.

use super::{BatchMessage, QueueError, Topology, confirm_channel, queue_exists};
use lapin::options::BasicPublishOptions;
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection};

/// Publish a batch message on the topology's queue (declaring it first if
/// no one has yet) and wait for the broker's confirm.
pub async fn publish_batch(
    conn: &Connection,
    topology: &Topology,
    msg: &BatchMessage,
) -> Result<(), QueueError> {
    let ch = confirm_channel(conn).await?;
    // A passive declare that fails closes its channel: use another.
    let ch = if queue_exists(&ch, &topology.queue).await {
        ch
    } else {
        let ch = confirm_channel(conn).await?;
        topology.declare(&ch).await?;
        ch
    };
    let body = serde_json::to_vec(msg).unwrap_or_default();
    publish_json(&ch, "", &topology.queue, &body, None, Some(&msg.batch_id)).await?;
    let _ = ch.close(200, "done".into()).await;
    Ok(())
}

/// Publish a persistent JSON message and wait for the broker's confirm.
/// `message_id` lets consumers drop repeats (see [`super::event_id`]).
pub async fn publish_json(
    ch: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: Option<FieldTable>,
    message_id: Option<&str>,
) -> Result<(), QueueError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut props = BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_delivery_mode(2)
        .with_timestamp(now);
    if let Some(h) = headers {
        props = props.with_headers(h);
    }
    if let Some(id) = message_id {
        props = props.with_message_id(ShortString::from(id));
    }
    let confirm = ch
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await?
        .await?;
    if confirm.is_nack() {
        return Err(QueueError::Nacked(format!("{exchange}/{routing_key}")));
    }
    Ok(())
}
