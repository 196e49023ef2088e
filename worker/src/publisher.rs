//! The publisher: events and dead letters go out on a connection of their
//! own. Losing it (a broker that closes it, a channel error) never hands
//! back the deliveries in hand, which live on the consume connection: a
//! publish that fails is tried again, on a connection and confirm channel
//! opened afresh, with backoff, until the broker confirms it or the worker
//! stops. So a dead publisher never turns into a loop of nacks and
//! redeliveries that would burn a batch's delivery limit.

use crate::worker::{Backoff, Shutdown};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use sohoa::queue::{self, QueueError};

pub struct Publisher {
    url: String,
    /// The connection's name as the broker shows it (`connection_name`).
    name: String,
    max_backoff: u64,
    shutdown: Shutdown,
    live: tokio::sync::Mutex<Option<(Connection, Channel)>>,
}

/// One message to publish, confirmed.
pub struct Outgoing<'a> {
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub body: &'a [u8],
    pub headers: Option<FieldTable>,
    pub message_id: Option<&'a str>,
}

impl Publisher {
    pub fn new(url: &str, max_backoff: u64, shutdown: Shutdown) -> Publisher {
        Publisher {
            url: url.to_string(),
            name: format!("sohoa-worker {} publisher", std::process::id()),
            max_backoff,
            shutdown,
            live: tokio::sync::Mutex::new(None),
        }
    }

    /// Publish and wait for the broker's confirm, retrying with backoff
    /// on a fresh connection until it goes through; an error only when the
    /// worker stops first (the caller then hands its delivery back).
    pub async fn publish(&self, m: &Outgoing<'_>) -> Result<(), QueueError> {
        let mut backoff = Backoff::new(self.max_backoff);
        loop {
            let tried = match self.channel().await {
                Ok(ch) => {
                    let headers = m.headers.clone();
                    let (exchange, key) = (m.exchange, m.routing_key);
                    queue::publish_json(&ch, exchange, key, m.body, headers, m.message_id).await
                }
                Err(e) => Err(e),
            };
            let Err(e) = tried else { return Ok(()) };
            tracing::warn!(
                "publishing to '{}' failed: {e}; trying again on a new connection",
                m.exchange
            );
            self.drop_live().await;
            if !backoff.wait(&self.shutdown).await {
                return Err(e);
            }
        }
    }

    /// A live confirm channel, opening the connection and channel when
    /// there is none or they died.
    async fn channel(&self) -> Result<Channel, QueueError> {
        let mut live = self.live.lock().await;
        if let Some((conn, ch)) = live.as_ref()
            && conn.status().connected()
            && ch.status().connected()
        {
            return Ok(ch.clone());
        }
        let conn = queue::connect_named(&self.url, &self.name).await?;
        let ch = queue::confirm_channel(&conn).await?;
        *live = Some((conn, ch.clone()));
        Ok(ch)
    }

    async fn drop_live(&self) {
        if let Some((conn, _)) = self.live.lock().await.take() {
            let _ = conn.close(200, "reopening".into()).await;
        }
    }

    /// Close the channel (the broker answers after every publish before
    /// it), then the connection.
    pub async fn close(&self) {
        if let Some((conn, ch)) = self.live.lock().await.take() {
            let _ = ch.close(200, "shutdown".into()).await;
            let _ = conn.close(200, "shutdown".into()).await;
        }
    }
}
