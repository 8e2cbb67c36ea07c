//! The relay's store as a map in memory, with the same rules as the server's SQL stores: a
//! gap-free sequence per document, idempotent appends by blob id, a size limit, snapshots
//! that drop what the previous snapshot covers (two generations kept). Used by the property
//! tests; the server keeps its own, durable, copy of these rules.

use std::collections::{BTreeMap, HashMap};

use super::protocol::{Blob, BlobId, ErrorCode, Snapshot};
use super::relay::{page_count, Limits, Page};
use crate::crypto::DocId;

#[derive(Clone, Default)]
pub struct MemoryLog {
    docs: HashMap<DocId, DocLog>,
    /// The store's id; a restored copy gets a new one.
    pub epoch: [u8; 16],
}

#[derive(Clone, Default)]
struct DocLog {
    key: Option<[u8; 32]>,
    latest: u64,
    blobs: BTreeMap<u64, Blob>,
    ids: HashMap<BlobId, u64>,
    /// Newest last; at most two.
    snapshots: Vec<Snapshot>,
    bytes: u64,
}

impl MemoryLog {
    /// Whether `key` is the document's key (stored now if it had none), and its latest seq.
    pub fn check_key(&mut self, doc: &DocId, key: &[u8; 32]) -> (bool, u64) {
        let log = self.docs.entry(*doc).or_default();
        let stored = *log.key.get_or_insert(*key);
        (&stored == key, log.latest)
    }

    pub fn latest(&self, doc: &DocId) -> u64 {
        self.docs.get(doc).map_or(0, |log| log.latest)
    }

    pub fn read(&self, doc: &DocId, since: u64, limits: &Limits) -> Page {
        let Some(log) = self.docs.get(doc) else {
            return Page::default();
        };
        let first_kept = log.blobs.keys().next().copied().unwrap_or(log.latest + 1);
        let snapshot = (since + 1 < first_kept)
            .then(|| log.snapshots.last().cloned())
            .flatten();
        let start = snapshot.as_ref().map_or(since, |s| s.covers.max(since));
        let after = || log.blobs.range(start + 1..).map(|(_, b)| b);
        let (count, more) = page_count(limits, after().map(|b| b.sealed.len()));
        let blobs = after().take(count).cloned().collect();
        Page {
            snapshot,
            blobs,
            more,
        }
    }

    /// Appends a blob, or finds it if its id is already in the log. `Ok((seq, fresh))`.
    pub fn append(
        &mut self,
        doc: &DocId,
        blob_id: BlobId,
        sealed: Vec<u8>,
        limits: &Limits,
    ) -> Result<(u64, bool), ErrorCode> {
        let log = self.docs.entry(*doc).or_default();
        if let Some(&seq) = log.ids.get(&blob_id) {
            return Ok((seq, false));
        }
        if log.bytes + sealed.len() as u64 > limits.max_doc_bytes {
            return Err(ErrorCode::QuotaExceeded);
        }
        log.latest += 1;
        let seq = log.latest;
        log.bytes += sealed.len() as u64;
        log.ids.insert(blob_id, seq);
        log.blobs.insert(
            seq,
            Blob {
                seq,
                blob_id,
                sealed,
            },
        );
        Ok((seq, true))
    }

    /// Stores a snapshot; blobs the previous snapshot covers are dropped now that a newer one
    /// is safely stored.
    pub fn put_snapshot(&mut self, doc: &DocId, snapshot: Snapshot) {
        let log = self.docs.entry(*doc).or_default();
        if snapshot.covers > log.latest
            || log
                .snapshots
                .last()
                .is_some_and(|s| s.covers >= snapshot.covers)
        {
            return;
        }
        log.bytes += snapshot.sealed.len() as u64;
        log.snapshots.push(snapshot);
        if log.snapshots.len() > 2 {
            let old = log.snapshots.remove(0);
            log.bytes -= old.sealed.len() as u64;
        }
        if log.snapshots.len() == 2 {
            let covered = log.snapshots[0].covers;
            let dropped: Vec<u64> = log.blobs.range(..=covered).map(|(&s, _)| s).collect();
            for seq in dropped {
                if let Some(blob) = log.blobs.remove(&seq) {
                    log.ids.remove(&blob.blob_id);
                    log.bytes -= blob.sealed.len() as u64;
                }
            }
        }
    }

    pub fn delete(&mut self, doc: &DocId) {
        self.docs.remove(doc);
    }

    /// Every sealed byte string stored, for tests that look for plaintext.
    pub fn all_bytes(&self) -> Vec<&[u8]> {
        self.docs
            .values()
            .flat_map(|log| {
                log.blobs
                    .values()
                    .map(|b| b.sealed.as_slice())
                    .chain(log.snapshots.iter().map(|s| s.sealed.as_slice()))
            })
            .collect()
    }
}
