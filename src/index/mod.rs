//! index: the search index in PostgreSQL, where an officer finds a
//! document without its case code: by citizen ID number, name, type, date
//! digitised or any word of its text.
//!
//! The index is *derived*: one row per document of every batch record in
//! the store (with its OCR text), and nothing else. It can be dropped and
//! rebuilt from the store at any time ([`sync::rebuild`]), so it is never
//! the only copy of anything and never written to the store. Who fills it:
//!
//! - the worker, right after a batch's record is stored ([`Index::put_record`]);
//!   an index outage never fails or delays a batch, it is caught up later;
//! - [`sync::sync`] (`sohoa index sync`, and the worker on start and every
//!   so often): every record the store has and the index does not;
//! - [`sync::rebuild`] (`sohoa index rebuild`): empties it and indexes every
//!   record again.
//!
//! Matching is Vietnamese-aware through one folding rule,
//! [`fold_lower`](crate::fold::fold_lower), applied by sohoa both to what is
//! indexed and to every query: PostgreSQL only compares folded text
//! (trigrams for names and field values, `tsvector` words for the text),
//! so the two can never disagree on what "the same word" is.
//!
//! The schema is created and upgraded by migrations embedded from
//! `src/index/migrations/` (refinery), run whenever a connection is first
//! made, under an advisory lock so that an API and workers starting
//! together run them once.
//!
//! Only this module speaks SQL (checked by `tests/architecture.rs`), and
//! every value reaches PostgreSQL as a bound parameter, never formatted
//! into a statement.

pub mod query;
pub mod review;
pub mod rows;
pub mod sync;

pub use query::{Hit, Page, Search};
pub use review::{Review, ReviewPage};
pub use sync::{Status, SyncReport};

use crate::record::BatchRecord;
use crate::record::amendment::Amendment;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

mod embedded {
    refinery::embed_migrations!("src/index/migrations");
}

/// What a person is told when a command or route needs the index and none
/// is configured.
pub const NOT_CONFIGURED: &str =
    "no index configured: pass --index postgres://USER@HOST/DB or set SOHOA_INDEX";

/// How long reaching the database may take, unless the URL says
/// (`connect_timeout`): a worker's index task or a sync gives up then.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Longest any one statement on the index may run (milliseconds).
const STATEMENT_TIMEOUT_MS: u32 = 30_000;

/// Any key of PostgreSQL's advisory locks, held while migrations run.
const MIGRATION_LOCK: i64 = 0x736f_686f_615f_6978; // "sohoa_ix"

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{NOT_CONFIGURED}")]
    NotConfigured,
    #[error(
        "the index URL is not a PostgreSQL connection string ({0}): expected postgres://USER@HOST[:PORT]/DATABASE"
    )]
    BadUrl(String),
    #[error("the index database is unreachable: {0}")]
    Unreachable(String),
    #[error("the index's schema could not be brought up to date: {0}")]
    Migration(String),
    #[error("the index database failed: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    BadQuery(String),
}

impl IndexError {
    /// Whether the failure is the caller's (a bad query), not the index's.
    pub fn is_bad_query(&self) -> bool {
        matches!(self, IndexError::BadQuery(_))
    }
}

/// Most connections searches hold at once: a slow search waits for no
/// other, and the database is not flooded by a busy API.
const SEARCH_CONNECTIONS: usize = 4;

/// Connections to the index: made on first use, made again after they are
/// lost, with the schema migrated each time one is made.
///
/// Searches take a connection of a small pool ([`SEARCH_CONNECTIONS`]), so
/// one slow search does not hold up the others; writes take one of their
/// own, one writer at a time, as each record is written in a transaction.
pub struct Index {
    config: tokio_postgres::Config,
    readers: deadpool_postgres::Pool,
    writer: Mutex<Option<Client>>,
}

impl Index {
    /// An index at this URL (`postgres://USER@HOST[:PORT]/DATABASE`); the
    /// URL is checked now, the database is reached on first use.
    pub fn new(url: &str) -> Result<Index, IndexError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| IndexError::BadUrl(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let manager = deadpool_postgres::Manager::from_config(
            config.clone(),
            NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let readers = deadpool_postgres::Pool::builder(manager)
            .max_size(SEARCH_CONNECTIONS)
            .post_create(deadpool_postgres::Hook::async_fn(|client, _| {
                Box::pin(async move {
                    prepare(client)
                        .await
                        .map_err(|e| deadpool_postgres::HookError::Message(e.to_string().into()))
                })
            }))
            .build()
            .map_err(|e| IndexError::BadUrl(e.to_string()))?;
        Ok(Index {
            config,
            readers,
            writer: Mutex::new(None),
        })
    }

    /// The index named by `--index`/`SOHOA_INDEX`, if any.
    pub fn configured(url: Option<&str>) -> Result<Option<Arc<Index>>, IndexError> {
        url.filter(|u| !u.trim().is_empty())
            .map(|u| Index::new(u.trim()).map(Arc::new))
            .transpose()
    }

    /// Reach the database now and bring its schema up to date.
    pub async fn connect(&self) -> Result<(), IndexError> {
        self.reader().await.map(|_| ())
    }

    /// A connection for a search, from the pool.
    async fn reader(&self) -> Result<deadpool_postgres::Object, IndexError> {
        use deadpool_postgres::{HookError, PoolError};
        self.readers.get().await.map_err(|e| match e {
            PoolError::PostCreateHook(HookError::Message(m)) => IndexError::Migration(m.into()),
            PoolError::Backend(e) | PoolError::PostCreateHook(HookError::Backend(e)) => {
                IndexError::Unreachable(e.to_string())
            }
            other => IndexError::Unreachable(other.to_string()),
        })
    }

    /// Run `work` on the writers' connection, one writer at a time.
    async fn with_writer<T>(
        &self,
        work: impl AsyncFnOnce(&mut Client) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let mut held = self.writer.lock().await;
        if held.as_ref().is_none_or(|c| c.is_closed()) {
            *held = Some(open(&self.config).await?);
        }
        let Some(client) = held.as_mut() else {
            return Err(IndexError::Unreachable("no connection".into()));
        };
        let result = work(client).await;
        if result.is_err() && client.is_closed() {
            *held = None;
        }
        result
    }

    /// Index one stored record: its documents replace whatever the index
    /// held for that record, in one transaction, so a record indexed twice
    /// is still one row per document.
    pub async fn put_record(
        &self,
        record_key: &str,
        record: &BatchRecord,
        texts: &[String],
    ) -> Result<(), IndexError> {
        self.put_amended(record_key, record, &[], texts).await
    }

    /// As [`Index::put_record`], with the record's amendments (all of
    /// them, in the order made) applied to its rows.
    pub async fn put_amended(
        &self,
        record_key: &str,
        record: &BatchRecord,
        amendments: &[Amendment],
        texts: &[String],
    ) -> Result<(), IndexError> {
        let rows = rows::rows(record, amendments, texts);
        let latest = amendments.last().map(crate::catalog::amendments::key_of);
        let at = rows::Indexed {
            key: record_key,
            record,
            amendment: latest.as_deref(),
        };
        self.with_writer(async |c| rows::replace(c, &at, &rows).await)
            .await
    }

    /// Index many records at once (each one as [`Index::put_record`]
    /// would), in one transaction: how a rebuild and the benchmark fill it.
    pub async fn put_records(
        &self,
        records: &[(String, BatchRecord, Vec<String>)],
    ) -> Result<(), IndexError> {
        self.with_writer(async |c| {
            let tx = c.transaction().await?;
            for (key, record, texts) in records {
                let rows = rows::rows(record, &[], texts);
                let at = rows::Indexed {
                    key,
                    record,
                    amendment: None,
                };
                rows::write(&tx, &at, &rows).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Run `work` on a searches' connection from the pool. A connection
    /// found closed is dropped from the pool (its `Fast` recycling does not
    /// check), so the next search makes a new one.
    async fn with_reader<T>(
        &self,
        work: impl AsyncFnOnce(&Client) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let client = self.reader().await?;
        let result = work(&**client).await;
        if result.is_err() && client.is_closed() {
            let _ = deadpool_postgres::Object::take(client);
        }
        result
    }

    /// The review queue ([`review`]).
    pub async fn review(&self, r: &Review) -> Result<ReviewPage, IndexError> {
        self.with_reader(async |c| review::run(c, r).await).await
    }

    /// Search ([`query`]).
    pub async fn search(&self, search: &Search) -> Result<Page, IndexError> {
        self.with_reader(async |c| query::run(c, search).await)
            .await
    }
}

/// Connect and prepare; the connection's task runs until the client is dropped.
async fn open(config: &tokio_postgres::Config) -> Result<Client, IndexError> {
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| IndexError::Unreachable(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("index connection closed: {e}");
        }
    });
    prepare(&mut client).await?;
    Ok(client)
}

/// Make a new connection ready: the schema migrated, the session's settings.
async fn prepare(client: &mut Client) -> Result<(), IndexError> {
    migrate(client).await?;
    // Names as a whole (`%`) are similar from half their trigrams on: a
    // letter or two misread, not merely a surname and a middle name shared.
    client
        .batch_execute("SET pg_trgm.similarity_threshold = 0.5")
        .await?;
    // No statement may hold a connection (and the searches or writers
    // queued behind it) longer than this: a broad query or a stalled
    // server fails, and the next sync catches up what was not written.
    client
        .batch_execute(&format!("SET statement_timeout = {}", STATEMENT_TIMEOUT_MS))
        .await?;
    Ok(())
}

/// Bring the schema up to date, one migrating process at a time.
async fn migrate(client: &mut Client) -> Result<(), IndexError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = embedded::migrations::runner()
        .run_async(client)
        .await
        .map_err(|e| IndexError::Migration(e.to_string()));
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    result.map(|_| ())
}
