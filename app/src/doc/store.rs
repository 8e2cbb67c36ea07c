//! How the network is kept in a key-value store, so that a tab can die at any moment, two tabs
//! can write at once, and unreadable data is kept aside instead of overwritten.
//!
//! Layout (every key starts with `colloquy/`; values are base64 text):
//!
//! - `head`: `"<generation> <tab>"`, the generation to load and whose snapshot it uses;
//! - `g<generation>/snap/<tab>`: a whole saved document (kept in the browser's database by the
//!   network's holder, see `host`), deflated (`z:` before the base64;
//!   without it, as stored before: the document's bytes);
//! - `g<generation>/chunk/<tab>/<n>`: changes appended after the snapshot, one per edit;
//! - `aside`: JSON list of keys that could not be read, which are never written or deleted;
//! - `typing/<tab>`: text being typed and not yet committed (see [`super::typing`]).
//!
//! Each tab writes only keys with its own tab id, so tabs never overwrite each other's chunks and
//! need no lock; Automerge merges whatever they wrote, in any order, and skips repeats.
//! Compaction writes a whole snapshot as a new generation, reads it back and loads it, and only
//! then moves `head`; the previous generation stays until the next compaction.

use super::typing::Typing;
use super::{DocError, Network};
use crate::domain::sorting::{sort_by_cached_key, sort_by_key};
use automerge::ChangeHash;
use base64::Engine;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::rc::Rc;

/// Every key this store uses starts with this.
pub const PREFIX: &str = "colloquy/";
const HEAD: &str = "colloquy/head";
const ASIDE: &str = "colloquy/aside";
/// Keys of text being typed start with this (see [`Store::keep_typing`]).
pub const TYPING: &str = "colloquy/typing/";

/// A string key-value store: the browser's localStorage in the app.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    /// The start of a value: the whole of it when shorter than `len` bytes, else at least its
    /// first `len`. A store that can hand over part of a value for less than the whole (the
    /// browser's, where a long value costs milliseconds to copy into the app) says so.
    fn get_start(&self, key: &str, len: usize) -> Result<Option<String>, KvError> {
        let _ = len;
        self.get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError>;
    fn remove(&mut self, key: &str) -> Result<(), KvError>;
    /// Every key in the store.
    fn keys(&self) -> Result<Vec<String>, KvError>;
}

impl<K: KeyValue + ?Sized> KeyValue for Box<K> {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        (**self).get(key)
    }
    fn get_start(&self, key: &str, len: usize) -> Result<Option<String>, KvError> {
        (**self).get_start(key, len)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        (**self).set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        (**self).remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        (**self).keys()
    }
}

impl<K: KeyValue + ?Sized> KeyValue for &mut K {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        (**self).get(key)
    }
    fn get_start(&self, key: &str, len: usize) -> Result<Option<String>, KvError> {
        (**self).get_start(key, len)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        (**self).set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        (**self).remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        (**self).keys()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    #[error("this device's storage for Colloquy is full")]
    Full,
    #[error("this device's storage can't be used: {0}")]
    Unavailable(String),
}

/// A store in memory: for tests, and for a browser that refuses localStorage. Clones share the
/// same entries (like tabs sharing one origin's storage); an optional limit on the characters of
/// keys and values stands in for the browser's quota.
#[derive(Clone, Debug, Default)]
pub struct MemoryKv {
    entries: Rc<RefCell<BTreeMap<String, String>>>,
    capacity: Rc<Cell<Option<usize>>>,
}

impl MemoryKv {
    /// Characters used by keys and values.
    pub fn used(&self) -> usize {
        self.entries
            .borrow()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }

    /// The limit on the characters stored, if any.
    pub fn capacity(&self) -> Option<usize> {
        self.capacity.get()
    }

    /// Limits the characters stored; `None` lifts the limit.
    pub fn limit(&self, capacity: Option<usize>) {
        self.capacity.set(capacity);
    }

    /// Which store this is (its clones are the same store).
    #[cfg(test)]
    pub fn id(&self) -> usize {
        Rc::as_ptr(&self.entries) as usize
    }
}

impl KeyValue for MemoryKv {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.entries.borrow().get(key).cloned())
    }

    /// Cuts as the browser's store does, so tests read values in part as pages do.
    fn get_start(&self, key: &str, len: usize) -> Result<Option<String>, KvError> {
        Ok(self.entries.borrow().get(key).map(|value| {
            let end = (len..value.len())
                .find(|&at| value.is_char_boundary(at))
                .unwrap_or(value.len());
            value[..end].to_owned()
        }))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        if let Some(capacity) = self.capacity.get() {
            let old = self
                .entries
                .borrow()
                .get(key)
                .map_or(0, |v| key.len() + v.len());
            if self.used() - old + key.len() + value.len() > capacity {
                return Err(KvError::Full);
            }
        }
        self.entries
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        Ok(self.entries.borrow().keys().cloned().collect())
    }
}

/// Something the user must hear about the stored network.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Problem {
    /// Stored data that could not be read. It is kept, untouched, under `keys`.
    Unreadable { keys: Vec<String>, detail: String },
    /// Edits are kept in this tab's memory only, until storage has room again.
    Full,
    /// Storage can't be used at all (private mode, disabled by the browser…).
    Unavailable(String),
    /// The browser's database, where the saved copies of the network are, could not be read:
    /// what they hold is missing until it can be.
    DatabaseUnread(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable { keys, detail } => write!(
                f,
                "Part of your saved network could not be read ({} stored item{}: {detail}). \
                 It has been kept aside, untouched; everything that could be read is shown.",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" }
            ),
            Problem::Full => f.write_str(
                "This device's storage is full. Your latest changes are kept in this tab only: \
                 export your network or free some space, and they will be saved with your next \
                 edit.",
            ),
            Problem::Unavailable(why) => write!(
                f,
                "This browser won't let Colloquy save anything ({why}). Changes last only until \
                 the tab is closed."
            ),
            Problem::DatabaseUnread(why) => write!(
                f,
                "Colloquy couldn't read the saved copy of your network from this browser ({why}), \
                 so part of it may be missing here. Nothing has been deleted: reload the page to \
                 try again."
            ),
        }
    }
}

/// Whether `key` holds a whole saved document (a snapshot). Snapshots are by far the largest
/// values; whoever holds the network keeps them in the browser's database rather than the
/// page's storage (see `host`).
pub fn is_snapshot(key: &str) -> bool {
    matches!(Key::parse(key), Some(Key::Snapshot { .. }))
}

/// The key of `head`, which names the generation (and snapshot) to load.
pub fn is_head(key: &str) -> bool {
    key == HEAD
}

/// A key of the layout, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Snapshot {
        generation: u64,
        tab: String,
    },
    Chunk {
        generation: u64,
        tab: String,
        n: u32,
    },
}

impl Key {
    fn parse(key: &str) -> Option<Key> {
        let rest = key.strip_prefix(PREFIX)?.strip_prefix('g')?;
        let mut parts = rest.split('/');
        let generation = parts.next()?.parse().ok()?;
        let key = match (parts.next()?, parts.next(), parts.next(), parts.next()) {
            ("snap", Some(tab), None, None) => Key::Snapshot {
                generation,
                tab: tab.to_owned(),
            },
            ("chunk", Some(tab), Some(n), None) => Key::Chunk {
                generation,
                tab: tab.to_owned(),
                n: n.parse().ok()?,
            },
            _ => return None,
        };
        Some(key)
    }

    fn generation(&self) -> u64 {
        match self {
            Key::Snapshot { generation, .. } | Key::Chunk { generation, .. } => *generation,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Snapshot { generation, tab } => write!(f, "{PREFIX}g{generation}/snap/{tab}"),
            Key::Chunk { generation, tab, n } => {
                write!(f, "{PREFIX}g{generation}/chunk/{tab}/{n:06}")
            }
        }
    }
}

/// When a generation has grown enough to be compacted into a new snapshot.
#[derive(Clone, Copy, Debug)]
pub struct CompactionPolicy {
    /// Compact once there are this many chunks…
    pub max_chunks: usize,
    /// …or once the chunks' bytes exceed both the snapshot's and this floor.
    pub min_chunk_bytes: usize,
}

impl Default for CompactionPolicy {
    fn default() -> CompactionPolicy {
        CompactionPolicy {
            max_chunks: 400,
            min_chunk_bytes: 64 * 1024,
        }
    }
}

/// The network as kept in a [`KeyValue`] store by one tab.
pub struct Store<K> {
    kv: K,
    tab: String,
    generation: u64,
    next_chunk: u32,
    /// Heads of everything this tab knows to be in the current generation's storage.
    persisted: Vec<ChangeHash>,
    /// Edits are in memory but not in storage (the last write failed).
    unsaved: bool,
    snapshot_bytes: usize,
    chunk_bytes: usize,
    chunk_count: usize,
    /// Chunk keys already applied, so storage events and rescans don't apply them again.
    applied: HashSet<String>,
    aside: BTreeSet<String>,
    policy: CompactionPolicy,
}

/// A network opened from storage, with what the user must be told about it.
pub struct Opened<K> {
    pub store: Store<K>,
    pub network: Network,
    pub problems: Vec<Problem>,
}

/// What an edit's save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Nothing new to write.
    Nothing,
    /// Written as a chunk of this many bytes (before base64).
    Chunk(usize),
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Marks a value stored deflated. (Base64 has no `:`.)
const DEFLATED: &str = "z:";

/// A whole document as stored: deflated. Automerge compresses its columns one by one, not the
/// document; deflating it whole takes another 29% off (0.90 to 0.64 MB at 10,000 people),
/// which every page loading localStorage and every compaction writing it no longer carries.
fn encode_snapshot(bytes: &[u8]) -> String {
    format!(
        "{DEFLATED}{}",
        deflated(bytes, flate2::Compression::default())
    )
}

fn decode(text: &str) -> Result<Vec<u8>, String> {
    match text.strip_prefix(DEFLATED) {
        Some(text) => inflated(text),
        None => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("not base64: {e}")),
    }
}

/// Bytes deflated, in base64: how long values are stored (a snapshot, the overview's parts).
pub(super) fn deflated(bytes: &[u8], level: flate2::Compression) -> String {
    use std::io::Write;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::with_capacity(bytes.len() / 2), level);
    encoder.write_all(bytes).expect("writing to memory");
    encode(&encoder.finish().expect("writing to memory"))
}

/// Bytes [`deflated`], back.
pub(super) fn inflated(text: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("not base64: {e}"))?;
    let mut inflated = Vec::with_capacity(bytes.len() * 3 / 2);
    flate2::read::DeflateDecoder::new(&bytes[..])
        .read_to_end(&mut inflated)
        .map_err(|e| format!("not deflated: {e}"))?;
    Ok(inflated)
}

/// A snapshot written by [`Store::begin_compaction`], not yet verified or pointed at.
#[derive(Debug)]
pub struct PendingSnapshot {
    key: String,
    generation: u64,
    heads: Vec<ChangeHash>,
    len: usize,
}

impl PendingSnapshot {
    /// Whether `heads` (as [`snapshot_heads`] gives them) are the ones this snapshot was saved at.
    pub fn matches(&self, heads: &Result<Vec<String>, String>) -> bool {
        heads.as_ref().is_ok_and(|heads| {
            heads.len() == self.heads.len()
                && self
                    .heads
                    .iter()
                    .zip(heads)
                    .all(|(a, b)| a.to_string() == *b)
        })
    }
}

/// Loads a stored snapshot (base64 text) and gives its heads in hex, or why it can't be read.
pub fn snapshot_heads(text: &str) -> Result<Vec<String>, String> {
    let bytes = decode(text)?;
    let mut network = Network::load(&bytes).map_err(|e| e.to_string())?;
    Ok(network.heads().iter().map(ChangeHash::to_string).collect())
}

/// A store being opened: what it knows before loading the base snapshot.
struct Opening<K> {
    store: Store<K>,
    keys: Vec<Key>,
    /// Where the base may come from, best first.
    snapshots: Vec<Key>,
    parsed_head: Option<(u64, Option<String>)>,
    /// Keys that couldn't be read, and why.
    bad: Vec<(String, String)>,
}

impl<K: KeyValue> Store<K> {
    /// Opens the network stored in `kv` for the tab `tab` (a random id, unique per open tab).
    ///
    /// Never fails on bad data: what can't be read is listed in `problems` and kept aside, and
    /// everything else is loaded. Fails only when the store can't be used at all.
    pub fn open(kv: K, tab: &str, policy: CompactionPolicy) -> Result<Opened<K>, KvError> {
        let mut opening = Self::begin_open(kv, tab, policy)?;
        let mut base = None;
        for key in std::mem::take(&mut opening.snapshots) {
            match opening.store.read_network(&key) {
                Ok(loaded) => {
                    base = Some((key, loaded));
                    break;
                }
                Err(detail) => opening.bad.push((key.to_string(), detail)),
            }
        }
        opening
            .store
            .finish_open(opening.keys, opening.parsed_head, opening.bad, base)
    }

    /// The first part of opening: the layout and, best first, the snapshots to load the base from.
    fn begin_open(kv: K, tab: &str, policy: CompactionPolicy) -> Result<Opening<K>, KvError> {
        let mut store = Store {
            kv,
            tab: tab.to_owned(),
            generation: 1,
            next_chunk: 0,
            persisted: Vec::new(),
            unsaved: false,
            snapshot_bytes: 0,
            chunk_bytes: 0,
            chunk_count: 0,
            applied: HashSet::new(),
            aside: BTreeSet::new(),
            policy,
        };
        store.aside = match store.kv.get(ASIDE)? {
            None => BTreeSet::new(),
            Some(text) => serde_json::from_str(&text).unwrap_or_else(|_| {
                // Keys listed there are only protected from deletion; losing the list can at
                // worst let a later compaction remove unreadable data, never readable data.
                BTreeSet::new()
            }),
        };
        let keys = store.layout_keys()?;
        let head = store.kv.get(HEAD)?;
        let parsed_head = head.as_deref().and_then(parse_head);
        let mut bad: Vec<(String, String)> = Vec::new();
        if head.is_some() && parsed_head.is_none() {
            bad.push((
                HEAD.to_owned(),
                "the pointer to the current save is garbled".into(),
            ));
        }
        let newest = keys.iter().map(Key::generation).max();
        let current = parsed_head
            .as_ref()
            .map(|(g, _)| *g)
            .or(newest)
            .unwrap_or(1);
        store.generation = current;

        // The base: the head's snapshot, else the newest readable snapshot before it.
        let mut snapshots: Vec<Key> = keys
            .iter()
            .filter(|k| matches!(k, Key::Snapshot { .. }) && k.generation() <= current)
            .cloned()
            .collect();
        sort_by_key(&mut snapshots, |k| {
            let preferred = matches!((k, &parsed_head),
                (Key::Snapshot { generation, tab }, Some((g, Some(t)))) if generation == g && tab == t);
            (std::cmp::Reverse(k.generation()), !preferred)
        });
        Ok(Opening {
            store,
            keys,
            snapshots,
            parsed_head,
            bad,
        })
    }

    /// The rest of opening, on the base loaded from the first readable snapshot (if any).
    fn finish_open(
        self,
        keys: Vec<Key>,
        parsed_head: Option<(u64, Option<String>)>,
        mut bad: Vec<(String, String)>,
        base: Option<(Key, (Network, usize))>,
    ) -> Result<Opened<K>, KvError> {
        let mut store = self;
        let current = store.generation;
        let mut problems = Vec::new();
        // Whether the base is the snapshot `head` names, or else one nothing vouches for: a
        // compaction's that never finished (its tab closed first), or the fallback after an
        // unreadable one.
        let mut base_is_head = true;
        let mut network = None;
        if let Some((key, (net, len))) = base {
            if key.generation() == current {
                store.snapshot_bytes = len;
            }
            base_is_head = matches!((&key, &parsed_head),
                (Key::Snapshot { generation, tab }, Some((g, Some(t)))) if generation == g && tab == t);
            network = Some(net);
        }
        let mut network = network.unwrap_or_default();

        // Then every chunk at or below the current generation, in any order.
        let mut chunks: Vec<&Key> = keys
            .iter()
            .filter(|k| matches!(k, Key::Chunk { .. }) && k.generation() <= current)
            .collect();
        sort_by_cached_key(&mut chunks, |k| k.to_string());
        for key in chunks {
            let name = key.to_string();
            // A chunk that fails is read and checked a second time before it is set aside:
            // WebKit has been seen to fail a chunk's check once while its stored bytes were
            // sound.
            let applied = store
                .read_bytes(&name)
                .and_then(|bytes| match network.apply(&bytes) {
                    Ok(()) => Ok(bytes.len()),
                    Err(first) => store.read_bytes(&name).and_then(|again| {
                        network
                            .apply(&again)
                            .map(|()| again.len())
                            .map_err(|_| first.to_string())
                    }),
                });
            match applied {
                Ok(len) => {
                    if key.generation() == current {
                        store.chunk_bytes += len;
                        store.chunk_count += 1;
                    }
                    store.applied.insert(name);
                }
                Err(detail) => bad.push((name, detail)),
            }
            if let Key::Chunk { generation, tab, n } = key {
                if *generation == current && tab == &store.tab {
                    store.next_chunk = store.next_chunk.max(n + 1);
                }
            }
        }
        // Chunks written on top of a base nothing vouches for may depend on what only that
        // snapshot holds, which a later compaction needn't keep: the first save then writes
        // the whole network, so it stands on its own.
        store.persisted = if base_is_head {
            network.heads()
        } else {
            Vec::new()
        };

        let mut detail = String::from("kept from an earlier opening");
        if !bad.is_empty() {
            detail = bad
                .iter()
                .map(|(_, why)| why.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join("; ");
            store.aside.extend(bad.into_iter().map(|(key, _)| key));
            if let Err(e) = store.write_aside() {
                problems.push(problem_for(e));
            }
            // Save what was recovered as a fresh generation, beside (not over) the bad data.
            if let Err(e) = store.compact(&mut network) {
                problems.push(problem_for(e));
            }
        }
        // Until the user deletes it, data kept aside is mentioned at every opening.
        let kept: Vec<String> = store.kept_aside().into_iter().map(|(key, _)| key).collect();
        if !kept.is_empty() {
            problems.insert(0, Problem::Unreadable { keys: kept, detail });
        }
        Ok(Opened {
            store,
            network,
            problems,
        })
    }

    /// Writes the network's changes since the last save as one chunk.
    ///
    /// On failure the changes stay in `network` and are written with the next save.
    pub fn save(&mut self, network: &mut Network) -> Result<Saved, KvError> {
        self.follow_head(network)?;
        let bytes = network.save_since(&self.persisted);
        if bytes.is_empty() {
            self.unsaved = false;
            return Ok(Saved::Nothing);
        }
        let key = Key::Chunk {
            generation: self.generation,
            tab: self.tab.clone(),
            n: self.next_chunk,
        }
        .to_string();
        if let Err(e) = self.set_making_room(&key, &encode(&bytes)) {
            self.unsaved = true;
            return Err(e);
        }
        self.next_chunk += 1;
        self.chunk_count += 1;
        self.chunk_bytes += bytes.len();
        self.applied.insert(key);
        self.persisted = network.heads();
        self.unsaved = false;
        Ok(Saved::Chunk(bytes.len()))
    }

    /// Whether edits are in memory only.
    pub fn has_unsaved(&self) -> bool {
        self.unsaved
    }

    pub fn needs_compaction(&self) -> bool {
        self.chunk_count >= self.policy.max_chunks
            || self.chunk_bytes > self.snapshot_bytes.max(self.policy.min_chunk_bytes)
    }

    /// Writes the whole network as a new generation, verifies it, moves `head` to it and drops
    /// generations older than the one `head` named before (keys kept aside excepted).
    ///
    /// The verification loads the new snapshot, which for a large network takes as long as
    /// opening it; the browser does that part in a worker, through [`Store::begin_compaction`]
    /// and [`Store::finish_compaction`].
    pub fn compact(&mut self, network: &mut Network) -> Result<(), KvError> {
        let pending = self.begin_compaction(network)?;
        let verified = self.verify(&pending);
        self.finish_compaction(network, pending, verified)
    }

    /// The first half of a compaction: writes the whole network as a snapshot of a new
    /// generation, which nothing points at yet. Edits may go on being saved (into the current
    /// generation) until [`Store::finish_compaction`].
    pub fn begin_compaction(&mut self, network: &mut Network) -> Result<PendingSnapshot, KvError> {
        // Take in what other tabs stored and this tab hasn't heard of yet (a newer generation's
        // snapshot, chunks): the generations this compaction drops may hold it.
        self.follow_head(network)?;
        for key in self.layout_keys()? {
            if matches!(key, Key::Chunk { .. }) {
                self.apply_chunk(network, &key.to_string());
            }
        }
        let bytes = network.save();
        let newest = self
            .layout_keys()?
            .iter()
            .map(Key::generation)
            .max()
            .unwrap_or(0);
        let generation = newest.max(self.generation) + 1;
        let key = Key::Snapshot {
            generation,
            tab: self.tab.clone(),
        }
        .to_string();
        if let Err(e) = self.set_making_room(&key, &encode_snapshot(&bytes)) {
            let _ = self.kv.remove(&key);
            return Err(e);
        }
        Ok(PendingSnapshot {
            key,
            generation,
            heads: network.heads(),
            len: bytes.len(),
        })
    }

    /// The pending snapshot as stored, for a verification elsewhere (`None` if it is gone).
    pub fn stored_snapshot(&self, pending: &PendingSnapshot) -> Result<Option<String>, KvError> {
        self.kv.get(&pending.key)
    }

    /// Whether the pending snapshot reads back whole: it loads, with the heads it was saved at.
    pub fn verify(&self, pending: &PendingSnapshot) -> bool {
        self.stored_snapshot(pending)
            .ok()
            .flatten()
            .is_some_and(|text| pending.matches(&snapshot_heads(&text)))
    }

    /// The second half of a compaction: if the snapshot was `verified`, points `head` at it,
    /// writes the edits saved since it was begun into it, and drops generations older than the
    /// one `head` named until now. If it wasn't, or another tab has compacted since, the
    /// snapshot is removed and the current generation stays.
    pub fn finish_compaction(
        &mut self,
        network: &mut Network,
        pending: PendingSnapshot,
        verified: bool,
    ) -> Result<(), KvError> {
        if !verified {
            let _ = self.kv.remove(&pending.key);
            return Err(KvError::Unavailable(
                "a new save could not be read back".into(),
            ));
        }
        let head = self.kv.get(HEAD)?.as_deref().and_then(parse_head);
        if head
            .as_ref()
            .is_some_and(|(generation, _)| *generation >= pending.generation)
        {
            // Another tab got there first; the next save follows its generation.
            let _ = self.kv.remove(&pending.key);
            return Ok(());
        }
        // Another tab may have compacted since this snapshot was begun, and others saved edits
        // on top of its snapshot: take that generation in whole (its chunks alone would wait
        // for changes only its snapshot holds). Chunks other tabs wrote into generations about
        // to be dropped come next, so the save below writes all of it into the new one.
        self.follow_head(network)?;
        for key in self.layout_keys()? {
            if matches!(key, Key::Chunk { .. }) {
                self.apply_chunk(network, &key.to_string());
            }
        }
        // Edits saved while the snapshot was being verified went into older generations: write
        // them into this one before `head` names it. Should that fail (storage full), the
        // compaction is given up and the generation `head` names still holds everything.
        let rest = network.save_after(&pending.heads);
        let first_chunk = (!rest.is_empty()).then(|| {
            Key::Chunk {
                generation: pending.generation,
                tab: self.tab.clone(),
                n: 0,
            }
            .to_string()
        });
        let give_up = |kv: &mut K, chunk: Option<&String>, e: KvError| {
            for key in chunk.into_iter().chain([&pending.key]) {
                let _ = kv.remove(key);
            }
            Err(e)
        };
        if let Some(key) = &first_chunk {
            if let Err(e) = self.set_making_room(key, &encode(&rest)) {
                return give_up(&mut self.kv, Some(key), e);
            }
        }
        if let Err(e) = self
            .kv
            .set(HEAD, &format!("{} {}", pending.generation, self.tab))
        {
            return give_up(&mut self.kv, first_chunk.as_ref(), e);
        }
        self.generation = pending.generation;
        self.snapshot_bytes = pending.len;
        self.next_chunk = u32::from(first_chunk.is_some());
        self.chunk_count = usize::from(first_chunk.is_some());
        self.chunk_bytes = rest.len();
        self.persisted = network.heads();
        self.unsaved = false;
        if let Some(key) = first_chunk {
            self.applied.insert(key);
        }
        // Tabs write into the generation `head` names at the time, so the one it named until
        // now may still be receiving edits: keep it (it is also the fallback should this
        // snapshot become unreadable) and drop those before it. With no `head` yet, tabs may be
        // writing into any generation, so nothing is dropped.
        if let Some((previous, _)) = head {
            self.drop_generations_before(previous)?;
        }
        Ok(())
    }

    /// Takes in a change another tab made to the store (a `storage` event). Returns whether the
    /// network changed.
    /// Whether another tab's write of `key` can change this tab's network (a new `head`, or a
    /// chunk of another tab); caches, sync state and typing can't.
    pub fn affects_network(&self, key: &str) -> bool {
        key == HEAD
            || matches!(Key::parse(key), Some(Key::Chunk { ref tab, .. }) if tab != &self.tab)
    }

    pub fn on_external_change(
        &mut self,
        network: &mut Network,
        key: &str,
    ) -> Result<bool, KvError> {
        if key == HEAD {
            let before = network.heads();
            self.follow_head(network)?;
            return Ok(network.heads() != before);
        }
        match Key::parse(key) {
            Some(Key::Chunk { ref tab, .. }) if tab != &self.tab => {
                Ok(self.apply_chunk(network, key))
            }
            _ => Ok(false),
        }
    }

    /// Characters of keys and values the network takes in the store (all of `colloquy/`, the
    /// snapshots the browser's database holds included).
    pub fn stored_chars(&self) -> usize {
        self.kv
            .keys()
            .unwrap_or_default()
            .into_iter()
            .filter(|key| key.starts_with(PREFIX))
            .map(|key| key.len() + self.kv.get(&key).ok().flatten().map_or(0, |v| v.len()))
            .sum()
    }

    /// Keys the user was told about as unreadable, still kept in the store.
    pub fn kept_aside(&self) -> Vec<(String, String)> {
        self.aside
            .iter()
            .filter_map(|key| Some((key.clone(), self.kv.get(key).ok()??)))
            .collect()
    }

    /// Keeps `value` under `key`, aside: shown to the user as unreadable, exported with the
    /// rest of what is kept aside, never read as part of the network.
    pub fn keep_aside(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        self.kv.set(key, value)?;
        self.aside.insert(key.to_owned());
        self.write_aside()
    }

    /// Deletes data kept aside, once the user has saved it elsewhere or given up on it.
    pub fn discard_aside(&mut self) -> Result<(), KvError> {
        for key in std::mem::take(&mut self.aside) {
            self.kv.remove(&key)?;
        }
        self.kv.remove(ASIDE)
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// This tab's id.
    /// The key-value store beneath, for what is kept beside the network (sync's state).
    pub fn kv_mut(&mut self) -> &mut K {
        &mut self.kv
    }

    pub fn tab(&self) -> &str {
        &self.tab
    }

    /// Keeps the text this tab is typing (replacing what it kept before), so that it survives
    /// the tab until it is committed.
    pub fn keep_typing(&mut self, typing: &Typing) -> Result<(), KvError> {
        let key = format!("{TYPING}{}", self.tab);
        self.set_making_room(&key, &typing.encode())
    }

    /// Forgets this tab's typing once it is committed and saved.
    pub fn clear_typing(&mut self) -> Result<(), KvError> {
        self.kv.remove(&format!("{TYPING}{}", self.tab))
    }

    /// Typing other tabs kept, as `(tab, stored text)`: left behind by tabs that died before
    /// committing it, or still being typed in a live tab.
    pub fn typing_left(&self) -> Result<Vec<(String, String)>, KvError> {
        let mut left = Vec::new();
        for key in self.kv.keys()? {
            let Some(tab) = key.strip_prefix(TYPING) else {
                continue;
            };
            if tab == self.tab || self.aside.contains(&key) {
                continue;
            }
            if let Some(value) = self.kv.get(&key)? {
                left.push((tab.to_owned(), value));
            }
        }
        Ok(left)
    }

    /// Removes typing another tab left, once it is recovered.
    pub fn drop_typing_of(&mut self, tab: &str) -> Result<(), KvError> {
        self.kv.remove(&format!("{TYPING}{tab}"))
    }

    /// Takes over the typing `tab` left (`left`, stored as `stored`) as this tab's own, so
    /// that no other tab recovers it again: kept under this tab's key, as typed `now`, and
    /// removed from `tab`'s. On a full store the left typing makes the room (kept as it was
    /// stored, should the new time not fit); should even that fail, it is put back and nothing
    /// is claimed. (Only if putting it back fails too, another tab having taken the room
    /// meanwhile, does this tab hold it in memory alone: then it is claimed all the same.)
    pub fn claim_typing(
        &mut self,
        tab: &str,
        left: &Typing,
        stored: &str,
        now: i64,
    ) -> Result<(), KvError> {
        let theirs = format!("{TYPING}{tab}");
        let ours = format!("{TYPING}{}", self.tab);
        let touched = Typing {
            at: now,
            ..left.clone()
        }
        .encode();
        match self.set_making_room(&ours, &touched) {
            Ok(()) => {
                let _ = self.kv.remove(&theirs);
                return Ok(());
            }
            Err(KvError::Full) => {}
            Err(e) => return Err(e),
        }
        self.kv.remove(&theirs)?;
        if self.kv.set(&ours, &touched).is_ok() || self.kv.set(&ours, stored).is_ok() {
            return Ok(());
        }
        match self.kv.set(&theirs, stored) {
            Ok(()) => Err(KvError::Full),
            Err(_) => Ok(()),
        }
    }

    /// Keeps typing another tab left aside, unread, when it can't be recovered; returns its key.
    pub fn keep_typing_aside(&mut self, tab: &str) -> Result<String, KvError> {
        let key = format!("{TYPING}{tab}");
        self.aside.insert(key.clone());
        self.write_aside()?;
        Ok(key)
    }

    /// Replaces the cached overview with one [`super::list_cache::pack`]ed.
    pub fn write_list(&mut self, packed: &str) -> Result<(), KvError> {
        self.kv.set(super::list_cache::LIST_KEY, packed)
    }

    /// Writes `value`; if storage is full, drops the cached people list (only a cache) and
    /// tries once more.
    fn set_making_room(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        match self.kv.set(key, value) {
            Err(KvError::Full) if self.kv.get(super::list_cache::LIST_KEY)?.is_some() => {
                super::list_cache::forget_list(&mut self.kv);
                self.kv.set(key, value)
            }
            other => other,
        }
    }

    fn apply_chunk(&mut self, network: &mut Network, key: &str) -> bool {
        if self.applied.contains(key) || self.aside.contains(key) {
            return false;
        }
        let Ok(bytes) = self.read_bytes(key) else {
            // Possibly half-visible or already removed: the next open reads it again.
            return false;
        };
        let all_saved = network.save_after(&self.persisted).is_empty();
        let before = network.heads();
        if network.apply(&bytes).is_err() {
            return false;
        }
        self.applied.insert(key.to_owned());
        // What another tab wrote is in storage; if this tab had nothing unsaved, everything it
        // has now is.
        if all_saved {
            self.persisted = network.heads();
        }
        network.heads() != before
    }

    /// Moves to the generation `head` names, if another tab compacted: load its snapshot and
    /// chunks, then write whatever this tab has that they lack into it.
    fn follow_head(&mut self, network: &mut Network) -> Result<(), KvError> {
        let Some((generation, tab)) = self.kv.get(HEAD)?.as_deref().and_then(parse_head) else {
            return Ok(());
        };
        if generation == self.generation {
            return Ok(());
        }
        let mut stored = match tab {
            Some(tab) => {
                let key = Key::Snapshot { generation, tab };
                match self.read_network(&key) {
                    Ok((net, len)) => {
                        self.snapshot_bytes = len;
                        net
                    }
                    // The other tab verified it before pointing at it; if it is unreadable
                    // now, stay put: the next open sorts it out with the full recovery.
                    Err(_) => return Ok(()),
                }
            }
            None => Network::new(),
        };
        self.generation = generation;
        self.next_chunk = 0;
        self.chunk_bytes = 0;
        self.chunk_count = 0;
        for key in self.layout_keys()? {
            if let Key::Chunk {
                generation: g,
                tab,
                n,
            } = &key
            {
                if *g != generation {
                    continue;
                }
                let name = key.to_string();
                if let Ok(bytes) = self.read_bytes(&name) {
                    if stored.apply(&bytes).is_ok() {
                        self.chunk_count += 1;
                        self.chunk_bytes += bytes.len();
                        self.applied.insert(name);
                    }
                }
                if tab == &self.tab {
                    self.next_chunk = self.next_chunk.max(n + 1);
                }
            }
        }
        self.persisted = stored.heads();
        network
            .merge(&mut stored)
            .map_err(|e| KvError::Unavailable(e.to_string()))?;
        Ok(())
    }

    fn drop_generations_before(&mut self, keep_from: u64) -> Result<(), KvError> {
        for key in self.layout_keys()? {
            let name = key.to_string();
            if key.generation() < keep_from && !self.aside.contains(&name) {
                self.kv.remove(&name)?;
                self.applied.remove(&name);
            }
        }
        Ok(())
    }

    fn write_aside(&mut self) -> Result<(), KvError> {
        let json = serde_json::to_string(&self.aside).expect("a set of strings serialises");
        self.kv.set(ASIDE, &json)
    }

    /// The layout's snapshot and chunk keys present in the store, minus those kept aside.
    fn layout_keys(&self) -> Result<Vec<Key>, KvError> {
        Ok(self
            .kv
            .keys()?
            .into_iter()
            .filter(|k| !self.aside.contains(k))
            .filter_map(|k| Key::parse(&k))
            .collect())
    }

    fn read_bytes(&self, key: &str) -> Result<Vec<u8>, String> {
        let text = self
            .kv
            .get(key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "missing".to_owned())?;
        decode(&text)
    }

    fn read_network(&self, key: &Key) -> Result<(Network, usize), String> {
        let bytes = self.read_bytes(&key.to_string())?;
        let network = Network::load(&bytes).map_err(|e: DocError| e.to_string())?;
        Ok((network, bytes.len()))
    }
}

fn parse_head(text: &str) -> Option<(u64, Option<String>)> {
    let (generation, tab) = text.split_once(' ')?;
    let generation = generation.parse().ok()?;
    let tab = (tab != "-" && !tab.is_empty() && !tab.contains('/')).then(|| tab.to_owned());
    Some((generation, tab))
}

fn problem_for(error: KvError) -> Problem {
    match error {
        KvError::Full => Problem::Full,
        KvError::Unavailable(why) => Problem::Unavailable(why),
    }
}

#[cfg(test)]
mod tests;
