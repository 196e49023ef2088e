//! The transparency log of records, kept in the store: every batch
//! record, failure record, amendment and audit report gets a leaf in an
//! append-only Merkle log (RFC 9162 hashing, c2sp.org tlog-tiles tiles
//! and entry bundles, checkpoints as signed notes; the mathematics is in
//! [`crate::tlog`]). Only this module writes under `log/`.
//!
//! How a record gets its leaf:
//! 1. whoever stores a record queues it right after ([`queue`]): a
//!    write-once pending marker `log/pending/<sha256 of the leaf data>`
//!    holding the leaf data (`{"key":…,"sha256":…}`, the record's key and
//!    the SHA-256 of its bytes). The record is durable then; nothing waits.
//! 2. a sequencer step ([`sequence`], run by the worker periodically, by
//!    `sohoa process` at its end, by `sohoa serve` periodically and by
//!    `sohoa log sequence`) first finishes the latest step, then lists the
//!    markers not yet logged and appends them: it writes
//!    `log/steps/<size>` (the leaves appended to the log of that size)
//!    write-once. **Whoever creates that key wins the step**; a loser
//!    starts over from the new size. Everything after is derived from the
//!    steps alone, byte for byte (tiles, bundles, the checkpoint, signed
//!    with deterministic Ed25519, and `log/logged/<hash>` markers), so any
//!    sequencer can finish a step another one left half done.
//! 3. once a leaf's `log/logged/` marker is written, its pending marker is
//!    removed (the step holds the same data): the only log key ever
//!    removed, and never locked ([`keys::is_transient`]).
//!
//! What a step reads does not grow with the log: the pending markers are
//! the backlog only (at most [`STEP_LEAVES`] a step), the latest step is
//! found by short `StartAfter` listings from the last one seen
//! ([`last_size`]), and each marker's logged state is one lookup.
//!
//! On a store that ignores conditional writes (s3s-fs checks
//! `If-None-Match` before writing, not atomically), the winner reads its
//! step back and gives way when it finds another's; the race left (two
//! writers that both read back before the other writes) can put two
//! steps' tiles under one size: `sohoa verify` reports it as a log
//! inconsistency. Within one process, steps run one at a time.

use super::to_json;
use crate::keys;
use crate::record::{CaseCode, ObjectRef};
use crate::store::{Put, Store, StoreError};
use crate::tlog::{self, Checkpoint, Hash, Node, Signer, TileId};
use base64::Engine;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The origin line of a log without a signing key (its checkpoints are
/// then unsigned notes); with a key, the key's name is the origin.
pub const DEFAULT_ORIGIN: &str = "sohoa.vn/log";
/// Markers written or read at once.
const CONCURRENCY: usize = 32;
/// Leaves one step appends at most (a longer backlog takes more steps).
const STEP_LEAVES: usize = 10_000;
/// Steps tried before a sequencer gives way for now.
const ATTEMPTS: usize = 8;

/// A leaf's data: the logged object's key and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Leaf {
    /// Store key of the logged record.
    pub key: String,
    /// SHA-256 (hex) of the record's bytes.
    pub sha256: String,
}

impl Leaf {
    /// The leaf of an object stored under `key` with these bytes.
    pub fn of(key: &str, bytes: &[u8]) -> Leaf {
        Leaf {
            key: key.to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }
    /// The leaf data: this JSON, compact, fields in this order.
    pub fn data(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
    /// `SHA-256(0x00 ‖ data)`.
    pub fn hash(&self) -> Hash {
        tlog::leaf_hash(&self.data())
    }
    /// The name of its markers: the SHA-256 (hex) of the data.
    pub fn marker(&self) -> String {
        hex::encode(Sha256::digest(self.data()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] super::CatalogError),
    #[error("the transparency log in the store is inconsistent: {0}")]
    Inconsistent(String),
    #[error(
        "other sequencers won {ATTEMPTS} steps in a row; the pending records are logged by the next step"
    )]
    Busy,
}

/// One sequencer step: the leaves appended to the log of `from` leaves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    pub from: u64,
    pub leaves: Vec<Leaf>,
}

/// What `log/logged/<hash>` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Logged {
    index: u64,
}

/// Queue a stored object for the log (a pending marker, write-once; the
/// same object queued twice is one marker).
pub async fn queue(store: &dyn Store, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let leaf = Leaf::of(key, bytes);
    store
        .put_if_absent(&keys::log_pending(&leaf.marker()), leaf.data())
        .await?;
    Ok(())
}

/// The log's latest step and its size after it (`None`, 0: empty log).
pub async fn latest_step(store: &dyn Store) -> Result<(Option<Step>, u64), LogError> {
    let Some((key, bytes)) = latest(store, keys::LOG_STEPS, keys::log_step).await? else {
        return Ok((None, 0));
    };
    let step: Step = serde_json::from_slice(&bytes)
        .map_err(|e| LogError::Inconsistent(format!("{key} is not a step: {e}")))?;
    let size = step.from + step.leaves.len() as u64;
    Ok((Some(step), size))
}

/// The key and bytes of the last object under `prefix` (`log/steps/` or
/// `log/checkpoints/`, whose keys are zero-padded sizes made by `key`), or
/// `None` when there is none. Found by [`last_size`] from the last one
/// this process saw (a hint kept per store and prefix), so a sequencer
/// step lists one or two keys however long the log; a hinted key that is
/// gone (someone removed it) is forgotten and the search starts over.
async fn latest(
    store: &dyn Store,
    prefix: &str,
    key: fn(u64) -> String,
) -> Result<Option<(String, Vec<u8>)>, LogError> {
    let hint_of = format!("{}\n{prefix}", store.describe());
    let mut hint = LATEST
        .lock()
        .map(|h| h.get(&hint_of).copied())
        .unwrap_or(None);
    loop {
        let Some(size) = last_size(store, prefix, key, hint).await? else {
            return Ok(None);
        };
        let k = key(size);
        match store.get(&k).await? {
            Some(bytes) => {
                if let Ok(mut h) = LATEST.lock() {
                    h.insert(hint_of, size);
                }
                return Ok(Some((k, bytes)));
            }
            None if hint.is_some() => hint = None,
            None => return Err(LogError::Inconsistent(format!("{k} is listed but absent"))),
        }
    }
}

/// The last size [`latest`] found, per store and prefix.
static LATEST: std::sync::Mutex<BTreeMap<String, u64>> = std::sync::Mutex::new(BTreeMap::new());

/// The largest size named by a key under `prefix` (keys made by `key`,
/// zero-padded, so key order is size order), with no listing longer than
/// one key: from `known` (a size whose key exists) or the first key, it
/// gallops ahead (doubling the stride while keys lie beyond), then
/// bisects. That is about 2·log2(size) listings from nothing and one
/// when `known` is already the last.
async fn last_size(
    store: &dyn Store,
    prefix: &str,
    key: fn(u64) -> String,
    known: Option<u64>,
) -> Result<Option<u64>, StoreError> {
    let mut lo = match known {
        Some(k) => k,
        None => match first_from(store, prefix, key, 0).await? {
            Some(first) => first,
            None => return Ok(None),
        },
    };
    let mut stride = 1u64;
    let mut hi = loop {
        let probe = lo.saturating_add(stride);
        match first_from(store, prefix, key, probe).await? {
            Some(v) if probe < u64::MAX => (lo, stride) = (v, stride.saturating_mul(2)),
            _ => break probe,
        }
    };
    // A key at `lo`, none at or after `hi`.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match first_from(store, prefix, key, mid).await? {
            Some(v) if v < hi => lo = v,
            _ => hi = mid,
        }
    }
    Ok(Some(lo))
}

/// The size of the first key under `prefix` at or after `size` (a key
/// that names no size ends the search as none would).
async fn first_from(
    store: &dyn Store,
    prefix: &str,
    key: fn(u64) -> String,
    size: u64,
) -> Result<Option<u64>, StoreError> {
    let after = size.checked_sub(1).map(key);
    let first = store.list_after(prefix, after.as_deref(), 1).await?;
    Ok(first
        .first()
        .and_then(|k| keys::log_size_of(k))
        .filter(|v| *v >= size))
}

/// Sequencer steps, one at a time in this process.
static SEQUENCING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One sequencer step: finish the latest step (unless this process
/// finished it), then append every pending leaf not logged yet. Returns
/// the log's size after it.
pub async fn sequence(store: &dyn Store, signer: Option<&Signer>) -> Result<u64, LogError> {
    let _one_at_a_time = SEQUENCING.lock().await;
    for _ in 0..ATTEMPTS {
        let (last, size) = latest_step(store).await?;
        if let Some(step) = &last
            && !finished_here(store, size)
        {
            finish(store, signer, step).await?;
            mark_finished(store, size);
        }
        let leaves = waiting(store).await?;
        if leaves.is_empty() {
            return Ok(size);
        }
        let step = Step { from: size, leaves };
        let key = keys::log_step(size);
        let bytes = to_json(&step);
        if store.put_if_absent(&key, bytes.clone()).await? == Put::Existed {
            continue;
        }
        // A store that ignores the condition: the step is ours only if it
        // still holds our bytes.
        if store.get(&key).await?.as_deref() != Some(bytes.as_slice()) {
            continue;
        }
        finish(store, signer, &step).await?;
        let size = size + step.leaves.len() as u64;
        mark_finished(store, size);
        return Ok(size);
    }
    Err(LogError::Busy)
}

/// The size after the last step this process finished, per store. The
/// latest step is finished again only by a process that has not finished
/// it itself (its sequencer may have died half way), so an idle tick
/// writes and removes nothing.
static FINISHED: std::sync::Mutex<BTreeMap<String, u64>> = std::sync::Mutex::new(BTreeMap::new());

fn finished_here(store: &dyn Store, size: u64) -> bool {
    FINISHED
        .lock()
        .map(|f| f.get(&store.describe()) == Some(&size))
        .unwrap_or(false)
}

fn mark_finished(store: &dyn Store, size: u64) {
    if let Ok(mut f) = FINISHED.lock() {
        f.insert(store.describe(), size);
    }
}

/// Run steps until `key` (stored with `bytes`) is logged: what `sohoa
/// process` does before it returns. Returns its leaf index.
pub async fn sequence_until(
    store: &dyn Store,
    signer: Option<&Signer>,
    key: &str,
) -> Result<u64, LogError> {
    let bytes = store
        .get(key)
        .await?
        .ok_or_else(|| LogError::Inconsistent(format!("{key} is not stored")))?;
    let leaf = Leaf::of(key, &bytes);
    // Queued again in case its writer died before queueing it.
    queue(store, key, &bytes).await?;
    for _ in 0..ATTEMPTS {
        sequence(store, signer).await?;
        if let Some(index) = leaf_index(store, &leaf).await? {
            return Ok(index);
        }
    }
    Err(LogError::Busy)
}

/// The default seconds between periodic sequencer steps (worker, serve):
/// a record is logged within about this long of being stored.
pub const DEFAULT_SEQUENCE_EVERY: u64 = 10;

/// Run a sequencer step every `every` (forever; a failed step is logged
/// and tried again at the next tick). Spawned by the worker and `serve`.
pub async fn sequence_every(
    store: std::sync::Arc<dyn Store>,
    signer: Option<Signer>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sequence(store.as_ref(), signer.as_ref()).await {
            Ok(size) => tracing::debug!(size, "transparency log sequenced"),
            Err(e) => tracing::warn!("transparency log step: {e}"),
        }
    }
}

/// The pending leaves with no logged marker, in marker order, at most
/// [`STEP_LEAVES`]. Only markers not yet removed are listed (a step
/// removes its leaves' markers once they are logged), so this reads the
/// backlog, not the archive; a marker whose leaf is logged already (its
/// step's sequencer died before removing it, or it was queued again) is
/// removed here.
async fn waiting(store: &dyn Store) -> Result<Vec<Leaf>, LogError> {
    let pending = store
        .list_after(keys::LOG_PENDING, None, STEP_LEAVES)
        .await?;
    let reads: Vec<_> = pending.iter().map(|k| read_pending(store, k)).collect();
    let read: Vec<Result<Option<Vec<u8>>, StoreError>> = futures_util::stream::iter(reads)
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut leaves = Vec::new();
    for (bytes, key) in read.into_iter().zip(pending.iter()) {
        let Some(bytes) = bytes? else { continue };
        match serde_json::from_slice::<Leaf>(&bytes) {
            Ok(leaf) if leaf.marker() == keys::last_segment(key) => leaves.push(leaf),
            _ => tracing::warn!("{key} is not a pending leaf; left out of the log"),
        }
    }
    Ok(leaves)
}

/// A pending marker's bytes; `None` when it is gone or its leaf is logged
/// already (then it is removed).
async fn read_pending(store: &dyn Store, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    if store
        .exists(&keys::log_logged(keys::last_segment(key)))
        .await?
    {
        remove_pending(store, key).await;
        return Ok(None);
    }
    store.get(key).await
}

/// Remove a pending marker whose leaf is logged. A failure only leaves
/// it for the next step to remove, so it is logged, not returned.
async fn remove_pending(store: &dyn Store, key: &str) {
    if let Err(e) = store.remove_transient(key).await {
        tracing::warn!("transparency log: {key} is logged but stays pending: {e}");
    }
}

/// Where the leaf sits in the log, if it has been logged.
pub async fn leaf_index(store: &dyn Store, leaf: &Leaf) -> Result<Option<u64>, LogError> {
    let key = keys::log_logged(&leaf.marker());
    let Some(bytes) = store.get(&key).await? else {
        return Ok(None);
    };
    let logged: Logged = serde_json::from_slice(&bytes)
        .map_err(|e| LogError::Inconsistent(format!("{key}: {e}")))?;
    Ok(Some(logged.index))
}

/// Write what a step makes: tiles, entry bundles, the checkpoint, then
/// the logged markers. Every byte follows from the steps, so finishing a
/// step twice writes nothing new.
async fn finish(store: &dyn Store, signer: Option<&Signer>, step: &Step) -> Result<(), LogError> {
    let size = step.from + step.leaves.len() as u64;
    let hashes: Vec<Hash> = step.leaves.iter().map(Leaf::hash).collect();
    let mut tiles = Tiles::new(size);
    extend_tiles(store, step.from, hashes, &mut tiles).await?;
    let data: Vec<Vec<u8>> = step.leaves.iter().map(Leaf::data).collect();
    extend_bundles(store, step.from, data).await?;
    let root = tiles.range_hash(store, 0, size).await?;
    let checkpoint = Checkpoint {
        origin: origin(signer),
        size,
        root,
    };
    let note = match signer {
        Some(s) => s.sign(&checkpoint),
        None => checkpoint.body(),
    };
    store
        .put_if_absent(&keys::log_checkpoint(size), note.into_bytes())
        .await?;
    let mut writes = Vec::with_capacity(step.leaves.len());
    for (i, leaf) in step.leaves.iter().enumerate() {
        writes.push(write_logged(store, leaf.marker(), step.from + i as u64));
    }
    let done: Vec<_> = futures_util::stream::iter(writes)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for d in done {
        d?;
    }
    Ok(())
}

/// `log/logged/<marker>`: the leaf's index; then the pending marker,
/// which has served, goes.
async fn write_logged(store: &dyn Store, marker: String, index: u64) -> Result<(), StoreError> {
    let key = keys::log_logged(&marker);
    store
        .put_if_absent(&key, to_json(&Logged { index }))
        .await?;
    remove_pending(store, &keys::log_pending(&marker)).await;
    Ok(())
}

/// The origin line checkpoints carry.
pub fn origin(signer: Option<&Signer>) -> String {
    signer.map_or_else(|| DEFAULT_ORIGIN.to_string(), |s| s.name.clone())
}

/// Append hashes at `from` to the hash tiles, level by level: each level's
/// right-edge tile (read at its old width) gets the new hashes, and each
/// tile that becomes full adds its root to the level above.
async fn extend_tiles(
    store: &dyn Store,
    from: u64,
    hashes: Vec<Hash>,
    tiles: &mut Tiles,
) -> Result<(), LogError> {
    let (mut new, mut start, mut level) = (hashes, from, 0u8);
    while !new.is_empty() {
        let first = start / tlog::TILE_WIDTH;
        let old = start % tlog::TILE_WIDTH;
        let mut row = if old > 0 {
            tiles
                .read(
                    store,
                    TileId {
                        level,
                        index: first,
                    },
                    old,
                )
                .await?
        } else {
            Vec::new()
        };
        row.append(&mut new);
        for (j, chunk) in row.chunks(tlog::TILE_WIDTH as usize).enumerate() {
            let index = first + j as u64;
            let key = keys::log_tile(level, index, chunk.len() as u64);
            store.put_if_absent(&key, chunk.concat()).await?;
            tiles.cache.insert(TileId { level, index }, chunk.to_vec());
            if chunk.len() as u64 == tlog::TILE_WIDTH {
                new.push(tlog::root_of(chunk));
            }
        }
        start = first;
        level += 1;
    }
    Ok(())
}

/// Append the leaves' data at `from` to the entry bundles.
async fn extend_bundles(store: &dyn Store, from: u64, data: Vec<Vec<u8>>) -> Result<(), LogError> {
    let first = from / tlog::TILE_WIDTH;
    let old = from % tlog::TILE_WIDTH;
    let mut row = if old > 0 {
        read_bundle(store, first, old).await?
    } else {
        Vec::new()
    };
    row.extend(data);
    for (j, chunk) in row.chunks(tlog::TILE_WIDTH as usize).enumerate() {
        let key = keys::log_bundle(first + j as u64, chunk.len() as u64);
        store.put_if_absent(&key, tlog::bundle(chunk)).await?;
    }
    Ok(())
}

/// The entries of bundle `index` at `width`.
pub async fn read_bundle(
    store: &dyn Store,
    index: u64,
    width: u64,
) -> Result<Vec<Vec<u8>>, LogError> {
    let key = keys::log_bundle(index, width);
    let bytes = store
        .get(&key)
        .await?
        .ok_or_else(|| LogError::Inconsistent(format!("{key} is missing")))?;
    match tlog::parse_bundle(&bytes) {
        Some(e) if e.len() as u64 == width => Ok(e),
        _ => Err(LogError::Inconsistent(format!(
            "{key} does not hold {width} entries"
        ))),
    }
}

/// Hash tiles of the log at one size, read as needed.
pub struct Tiles {
    size: u64,
    cache: HashMap<TileId, Vec<Hash>>,
}

impl Tiles {
    pub fn new(size: u64) -> Tiles {
        Tiles {
            size,
            cache: HashMap::new(),
        }
    }

    /// A tile's hashes at `width`, from the cache or the store.
    async fn read(
        &mut self,
        store: &dyn Store,
        tile: TileId,
        width: u64,
    ) -> Result<Vec<Hash>, LogError> {
        if let Some(t) = self.cache.get(&tile).filter(|t| t.len() as u64 >= width) {
            return Ok(t[..width as usize].to_vec());
        }
        let key = keys::log_tile(tile.level, tile.index, width);
        let bytes = store
            .get(&key)
            .await?
            .ok_or_else(|| LogError::Inconsistent(format!("{key} is missing")))?;
        match tlog::parse_tile(&bytes) {
            Some(h) if h.len() as u64 == width => Ok(h),
            _ => Err(LogError::Inconsistent(format!(
                "{key} does not hold {width} hashes"
            ))),
        }
    }

    /// Read every tile these subtrees need.
    async fn load(&mut self, store: &dyn Store, nodes: &[Node]) -> Result<(), LogError> {
        for node in nodes {
            let (tile, _, _) = tlog::tile_of(*node);
            if self.cache.contains_key(&tile) {
                continue;
            }
            let width = tlog::tile_width(tile, self.size);
            let hashes = self.read(store, tile, width).await?;
            self.cache.insert(tile, hashes);
        }
        Ok(())
    }

    /// A complete subtree's hash from the loaded tiles.
    fn node(&self, node: Node) -> Result<Hash, LogError> {
        let (tile, first, count) = tlog::tile_of(node);
        self.cache
            .get(&tile)
            .and_then(|t| t.get(first as usize..(first + count) as usize))
            .map(tlog::root_of)
            .ok_or_else(|| {
                LogError::Inconsistent(format!("no hashes for {node:?} at size {}", self.size))
            })
    }

    /// `MTH(D[lo:hi])`.
    pub async fn range_hash(
        &mut self,
        store: &dyn Store,
        lo: u64,
        hi: u64,
    ) -> Result<Hash, LogError> {
        Ok(self.ranges(store, &[(lo, hi)]).await?.remove(0))
    }

    /// The hash of each range (a proof's ranges).
    pub async fn ranges(
        &mut self,
        store: &dyn Store,
        ranges: &[(u64, u64)],
    ) -> Result<Vec<Hash>, LogError> {
        let mut nodes = Vec::new();
        for (lo, hi) in ranges {
            if hi > lo {
                tlog::range_nodes(*lo, *hi, &mut nodes);
            }
        }
        self.load(store, &nodes).await?;
        ranges
            .iter()
            .map(|(lo, hi)| tlog::range_hash(*lo, *hi, &|n| self.node(n)))
            .collect()
    }
}

/// A checkpoint as stored: its key's size, its note text and what it says.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    pub key: String,
    pub text: String,
    pub note: tlog::Note,
}

/// The checkpoint of the largest size (`None`: nothing logged yet).
pub async fn latest_checkpoint(store: &dyn Store) -> Result<Option<StoredCheckpoint>, LogError> {
    match latest(store, keys::LOG_CHECKPOINTS, keys::log_checkpoint).await? {
        Some((key, bytes)) => parse_checkpoint(&key, bytes).map(Some),
        None => Ok(None),
    }
}

/// The checkpoint stored at `size`.
pub async fn checkpoint_at(
    store: &dyn Store,
    size: u64,
) -> Result<Option<StoredCheckpoint>, LogError> {
    let key = keys::log_checkpoint(size);
    if !store.exists(&key).await? {
        return Ok(None);
    }
    read_checkpoint(store, &key).await.map(Some)
}

async fn read_checkpoint(store: &dyn Store, key: &str) -> Result<StoredCheckpoint, LogError> {
    let bytes = store
        .get(key)
        .await?
        .ok_or_else(|| LogError::Inconsistent(format!("{key} is listed but absent")))?;
    parse_checkpoint(key, bytes)
}

fn parse_checkpoint(key: &str, bytes: Vec<u8>) -> Result<StoredCheckpoint, LogError> {
    let text = String::from_utf8(bytes)
        .map_err(|_| LogError::Inconsistent(format!("{key} is not text")))?;
    let note =
        tlog::parse_note(&text).map_err(|e| LogError::Inconsistent(format!("{key}: {e}")))?;
    if keys::log_size_of(key) != Some(note.checkpoint.size) {
        return Err(LogError::Inconsistent(format!(
            "{key} holds a checkpoint of size {}",
            note.checkpoint.size
        )));
    }
    Ok(StoredCheckpoint {
        key: key.to_string(),
        text,
        note,
    })
}

/// The inclusion proof of leaf `index` in the log of `size` leaves.
pub async fn inclusion_proof(
    store: &dyn Store,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LogError> {
    Tiles::new(size)
        .ranges(store, &tlog::inclusion_ranges(index, size))
        .await
}

/// The consistency proof from the log of `first` leaves to that of `second`.
pub async fn consistency_proof(
    store: &dyn Store,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, LogError> {
    Tiles::new(second)
        .ranges(store, &tlog::consistency_ranges(first, second))
        .await
}

/// A document's batch record with the proof that the log holds it: what
/// anyone can check against a checkpoint published elsewhere (README:
/// "Checking a document without trusting sohoa").
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InclusionProof {
    /// The document.
    pub document_id: String,
    /// The document's PDF as the record names it (the machine's PDF).
    pub pdf: ObjectRef,
    /// Store key of the batch record.
    pub record_key: String,
    /// The batch record's bytes as stored (UTF-8 JSON text, exactly).
    pub record: String,
    /// The leaf data: compact JSON `{"key":…,"sha256":…}`, the record's
    /// key and the SHA-256 (hex) of its bytes. Its leaf hash is
    /// SHA-256(0x00 ‖ leaf).
    pub leaf: String,
    /// The leaf's index in the log.
    pub leaf_index: u64,
    /// The size of the log the proof and checkpoint are for.
    pub tree_size: u64,
    /// The inclusion proof (RFC 9162 §2.1.3), each hash in base64, deepest first.
    pub inclusion_proof: Vec<String>,
    /// The checkpoint (a c2sp.org signed note: origin, size, base64 root
    /// hash, then its signature lines when the log has a key).
    pub checkpoint: String,
}

/// What [`prove_document`] found.
#[derive(Debug)]
pub enum Proved {
    Proof(Box<InclusionProof>),
    NoDocument,
    /// The document's record has no leaf in a checkpoint yet (younger
    /// than the logging delay, or never logged).
    NotLogged,
}

/// A document's record and its inclusion proof in the latest checkpoint.
pub async fn prove_document(
    store: &dyn Store,
    case: &CaseCode,
    id: &str,
) -> Result<Proved, LogError> {
    let Some(a) = super::amendments::find_document(store, case, id).await? else {
        return Ok(Proved::NoDocument);
    };
    let Some(doc) = a.record.documents.iter().find(|d| d.id == id) else {
        return Ok(Proved::NoDocument);
    };
    let Some(bytes) = store.get(&a.key).await? else {
        return Ok(Proved::NoDocument);
    };
    let leaf = Leaf::of(&a.key, &bytes);
    let (Some(index), Some(cp)) = (
        leaf_index(store, &leaf).await?,
        latest_checkpoint(store).await?,
    ) else {
        return Ok(Proved::NotLogged);
    };
    let size = cp.note.checkpoint.size;
    if index >= size {
        return Ok(Proved::NotLogged);
    }
    let proof = inclusion_proof(store, index, size).await?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Proved::Proof(Box::new(InclusionProof {
        document_id: id.to_string(),
        pdf: doc.pdf.clone(),
        record_key: a.key.clone(),
        record: String::from_utf8_lossy(&bytes).into_owned(),
        leaf: String::from_utf8_lossy(&leaf.data()).into_owned(),
        leaf_index: index,
        tree_size: size,
        inclusion_proof: proof.iter().map(|h| b64.encode(h)).collect(),
        checkpoint: cp.text,
    })))
}
