//! The transparency log's mathematics and formats, with no I/O: RFC 9162
//! Merkle tree hashing, inclusion and consistency proofs (made and
//! checked), the c2sp.org tlog-tiles layout (tiles of 256 hashes, tile
//! paths), and checkpoints as c2sp.org signed notes with Ed25519 keys.
//! The store side (appending, tiles in the store, the sequencer) is
//! `catalog::log`.
//!
//! Hashing (RFC 9162 §2.1.1): a leaf is `SHA-256(0x00 ‖ data)`, an inner
//! node `SHA-256(0x01 ‖ left ‖ right)`, the empty tree `SHA-256("")`; the
//! tree of `n` leaves splits at the largest power of two below `n`.
//! `tests/log.rs` checks every proof made here against a second
//! implementation (the `tlog_tiles` crate, Cloudflare azul's port of Go's
//! `golang.org/x/mod/sumdb/tlog`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Hashes per tile (c2sp.org tlog-tiles: tiles are 8 levels high).
pub const TILE_WIDTH: u64 = 256;
const TILE_HEIGHT: u8 = 8;

/// `SHA-256(0x00 ‖ data)`: the hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: the hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n > 1).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A complete subtree: `2^height` leaves from `index << height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub height: u8,
    pub index: u64,
}

/// The complete subtrees whose hashes make `MTH(D[lo:hi])`, for a range
/// that is a node of RFC 9162's recursion (so `lo` is aligned).
pub fn range_nodes(lo: u64, hi: u64, out: &mut Vec<Node>) {
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let height = n.trailing_zeros() as u8;
        out.push(Node {
            height,
            index: lo >> height,
        });
        return;
    }
    let k = split(n);
    range_nodes(lo, lo + k, out);
    range_nodes(lo + k, hi, out);
}

/// `MTH(D[lo:hi])` from the hashes of complete subtrees (see [`range_nodes`]).
pub fn range_hash<E>(lo: u64, hi: u64, get: &impl Fn(Node) -> Result<Hash, E>) -> Result<Hash, E> {
    let n = hi - lo;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let height = n.trailing_zeros() as u8;
        return get(Node {
            height,
            index: lo >> height,
        });
    }
    let k = split(n);
    Ok(node_hash(
        &range_hash(lo, lo + k, get)?,
        &range_hash(lo + k, hi, get)?,
    ))
}

/// The Merkle root of a list of hashes taken as leaves' hashes (a
/// complete tile, or any row).
pub fn root_of(row: &[Hash]) -> Hash {
    match row.len() {
        0 => empty_root(),
        1 => row[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&row[..k]), &root_of(&row[k..]))
        }
    }
}

/// The ranges whose hashes are the inclusion proof of leaf `m` in a tree
/// of `n` leaves (RFC 9162 §2.1.3.1 `PATH(m, D[n])`), deepest first.
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn path(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
        if hi - lo <= 1 {
            return;
        }
        let k = split(hi - lo);
        if m < lo + k {
            path(m, lo, lo + k, out);
            out.push((lo + k, hi));
        } else {
            path(m, lo + k, hi, out);
            out.push((lo, lo + k));
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(m, 0, n, &mut out);
    }
    out
}

/// The ranges whose hashes are the consistency proof from a tree of `m`
/// leaves to one of `n` (RFC 9162 §2.1.4.1 `PROOF(m, D[n])`).
pub fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn sub(m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push((lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            sub(m, lo, lo + k, whole, out);
            out.push((lo + k, hi));
        } else {
            sub(m - k, lo + k, hi, false, out);
            out.push((lo, lo + k));
        }
    }
    let mut out = Vec::new();
    if m > 0 && m < n {
        sub(m, 0, n, true, &mut out);
    }
    out
}

/// Shift `fn_` and `sn` right together until `fn_`'s lowest bit is set
/// or it is 0 (a step of RFC 9162's verification algorithms).
fn shift_while_even(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of
/// `size` leaves whose root is `root`?
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                shift_while_even(&mut fn_, &mut sn);
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves (root
/// `first_root`) to be a prefix of the tree of `second` (root `second_root`)?
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((head, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*head, *head);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                shift_while_even(&mut fn_, &mut sn);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    &fr == first_root && &sr == second_root && sn == 0
}

// Tiles (c2sp.org tlog-tiles).

/// A tile: `level` (0 holds leaf hashes; level L holds hashes of subtrees
/// of 256^L leaves) and `index` (which 256 hashes of that level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub level: u8,
    pub index: u64,
}

/// How many hashes the tile holds in a tree of `size` leaves (0: none yet).
pub fn tile_width(tile: TileId, size: u64) -> u64 {
    let at_level = size >> (u32::from(TILE_HEIGHT) * u32::from(tile.level));
    at_level
        .saturating_sub(tile.index * TILE_WIDTH)
        .min(TILE_WIDTH)
}

/// The tile holding a complete subtree's hashes, and which of its hashes
/// (`first..first + count`) make that subtree.
pub fn tile_of(node: Node) -> (TileId, u64, u64) {
    let level = node.height / TILE_HEIGHT;
    let below = u32::from(node.height % TILE_HEIGHT);
    let first = node.index << below;
    let tile = TileId {
        level,
        index: first / TILE_WIDTH,
    };
    (tile, first % TILE_WIDTH, 1 << below)
}

/// A tile index as its path: groups of three digits, every group but the
/// last prefixed with `x` (`1234067` → `x001/x234/067`).
pub fn tile_index_path(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// A tile's bytes as hashes (its length a multiple of 32).
pub fn parse_tile(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                h
            })
            .collect(),
    )
}

/// An entry bundle: each entry as a big-endian u16 length and its bytes.
pub fn bundle(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// The entries of a bundle; `None` when its bytes are not a bundle.
pub fn parse_bundle(mut bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = usize::from(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]));
        out.push(bytes.get(2..2 + len)?.to_vec());
        bytes = &bytes[2 + len..];
    }
    Some(out)
}

// Checkpoints and signed notes (c2sp.org tlog-checkpoint, signed-note).

/// A checkpoint: the log's origin line, its size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note's text, each line ending in a newline.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }
}

/// Why a checkpoint or key could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NoteError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error("malformed key: {0}")]
    Key(String),
}

/// A stored checkpoint note: its checkpoint and its signature lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub checkpoint: Checkpoint,
    /// The text the signatures cover.
    pub body: String,
    /// `(key name, key id ‖ signature)` of each signature line.
    pub signatures: Vec<(String, Vec<u8>)>,
}

/// Read a checkpoint note (signed or not).
pub fn parse_note(text: &str) -> Result<Note, NoteError> {
    let bad = |why: &str| NoteError::Malformed(why.to_string());
    let (body, sigs) = match text.split_once("\n\n") {
        Some((b, s)) => (format!("{b}\n"), s),
        None => (text.to_string(), ""),
    };
    let mut lines = body.lines();
    let origin = lines
        .next()
        .filter(|o| !o.is_empty())
        .ok_or(bad("no origin"))?;
    let size = lines
        .next()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(bad("no size"))?;
    let root = lines
        .next()
        .and_then(|r| B64.decode(r).ok())
        .and_then(|r| <Hash>::try_from(r.as_slice()).ok())
        .ok_or(bad("no root hash"))?;
    let mut signatures = Vec::new();
    for line in sigs.lines().filter(|l| !l.is_empty()) {
        let rest = line
            .strip_prefix("— ")
            .ok_or(bad("a signature line without '— '"))?;
        let (name, sig) = rest.rsplit_once(' ').ok_or(bad("a signature line"))?;
        let sig = B64.decode(sig).map_err(|_| bad("a signature's base64"))?;
        signatures.push((name.to_string(), sig));
    }
    Ok(Note {
        checkpoint: Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        },
        body,
        signatures,
    })
}

/// The 4-byte id of an Ed25519 note key: `SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[..4]`.
fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The log's signing key (an Ed25519 key and its name, the log's origin).
pub struct Signer {
    pub name: String,
    key: ed25519_dalek::SigningKey,
}

/// A public key that checks checkpoints, in the note verifier form
/// `<name>+<hex id>+<base64(0x01 ‖ key)>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verifier {
    pub name: String,
    id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

impl Signer {
    /// A new random key named `name` (the log's origin).
    pub fn generate(name: &str) -> Result<Signer, NoteError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::Key(format!("no randomness: {e}")))?;
        Ok(Signer {
            name: name.to_string(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// Read the key file `sohoa log key` wrote.
    pub fn load(path: &std::path::Path) -> Result<Signer, NoteError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| NoteError::Key(format!("{}: {e}", path.display())))?;
        Signer::parse(&text).map_err(|e| NoteError::Key(format!("{}: {e}", path.display())))
    }

    /// Read `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<Signer, NoteError> {
        let bad = |why: &str| NoteError::Key(why.to_string());
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(bad("a private key starts with PRIVATE+KEY+"))?;
        let (name, raw) = split_key(rest)?;
        let seed: [u8; 32] = raw.try_into().map_err(|_| bad("not an Ed25519 seed"))?;
        let signer = Signer {
            name,
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        };
        if !text.contains(&hex::encode(signer.verifier().id)) {
            return Err(bad("its id does not match its key"));
        }
        Ok(signer)
    }

    /// The key in its file form.
    pub fn to_private_string(&self) -> String {
        let mut raw = vec![1u8];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex::encode(self.verifier().id),
            B64.encode(raw)
        )
    }

    pub fn verifier(&self) -> Verifier {
        let key = self.key.verifying_key();
        Verifier {
            name: self.name.clone(),
            id: key_id(&self.name, key.as_bytes()),
            key,
        }
    }

    /// The checkpoint as a signed note (Ed25519 is deterministic: the
    /// same checkpoint signs to the same bytes).
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        use ed25519_dalek::Signer as _;
        let body = checkpoint.body();
        let mut sig = self.verifier().id.to_vec();
        sig.extend_from_slice(&self.key.sign(body.as_bytes()).to_bytes());
        format!("{body}\n— {} {}\n", self.name, B64.encode(sig))
    }
}

impl Verifier {
    /// Read `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    pub fn parse(text: &str) -> Result<Verifier, NoteError> {
        let bad = |why: &str| NoteError::Key(why.to_string());
        let (name, raw) = split_key(text.trim())?;
        let raw: [u8; 32] = raw.try_into().map_err(|_| bad("not an Ed25519 key"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|e| bad(&e.to_string()))?;
        let v = Verifier {
            id: key_id(&name, &raw),
            name,
            key,
        };
        if !text.contains(&hex::encode(v.id)) {
            return Err(bad("its id does not match its key"));
        }
        Ok(v)
    }

    pub fn to_string_form(&self) -> String {
        let mut raw = vec![1u8];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id), B64.encode(raw))
    }

    /// Is the note signed by this key (a signature line of its name and id
    /// whose signature holds over the note's text)?
    pub fn verifies(&self, note: &Note) -> bool {
        note.signatures.iter().any(|(name, sig)| {
            name == &self.name
                && sig.len() == 68
                && sig[..4] == self.id
                && ed25519_dalek::Signature::from_slice(&sig[4..])
                    .is_ok_and(|s| self.key.verify_strict(note.body.as_bytes(), &s).is_ok())
        })
    }
}

/// A key name: printable, no spaces or `+`.
fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::Key(format!(
            "'{name}' is not a key name (no spaces or '+')"
        )));
    }
    Ok(())
}

/// `<name>+<hex id>+<base64(0x01 ‖ 32 bytes)>` → name and the 32 bytes.
fn split_key(text: &str) -> Result<(String, Vec<u8>), NoteError> {
    let bad = |why: &str| NoteError::Key(why.to_string());
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(raw)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected <name>+<id>+<key>"));
    };
    check_name(name)?;
    if id.len() != 8 || hex::decode(id).is_err() {
        return Err(bad("the key id is not 8 hex digits"));
    }
    let raw = B64.decode(raw).map_err(|_| bad("the key is not base64"))?;
    match raw.split_first() {
        Some((1, key)) => Ok((name.to_string(), key.to_vec())),
        _ => Err(bad("not an Ed25519 key (type 0x01)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_follow_tlog_tiles() {
        assert_eq!(tile_index_path(0), "000");
        assert_eq!(tile_index_path(1234067), "x001/x234/067");
        assert_eq!(tile_index_path(1000), "x001/000");
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_a_changed_one_does_not() {
        let s = Signer::generate("example.org/log").unwrap();
        let v = Verifier::parse(&s.verifier().to_string_form()).unwrap();
        let c = Checkpoint {
            origin: "example.org/log".into(),
            size: 3,
            root: leaf_hash(b"x"),
        };
        let note = parse_note(&s.sign(&c)).unwrap();
        assert_eq!(note.checkpoint, c);
        assert!(v.verifies(&note));
        let changed = s.sign(&c).replace("\n3\n", "\n4\n");
        assert!(!v.verifies(&parse_note(&changed).unwrap()));
        let again = Signer::parse(&s.to_private_string()).unwrap();
        assert_eq!(again.sign(&c), s.sign(&c));
    }
}
