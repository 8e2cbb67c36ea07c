//! The relay's side of one connection, without I/O: frames in, requests to the relay's store
//! and frames out. The server's WebSocket endpoint is a thin shell that runs these requests
//! against SQLite or PostgreSQL; the property tests run them against a map in memory.
//!
//! The relay never sees plaintext: it checks signatures, orders sealed blobs, and enforces the
//! limits, each refusal carrying an [`ErrorCode`] and a message the device shows.

use super::protocol::{Blob, BlobId, ClientMsg, ErrorCode, ServerMsg, Snapshot};
use crate::crypto::{verify_challenge, DocId};

/// What the relay allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, in bytes.
    pub max_frame: usize,
    /// Most blobs in one page of catch-up.
    pub page_blobs: usize,
    /// Most sealed bytes in one page (a single larger blob still goes alone).
    pub page_bytes: usize,
    /// Most pushes per second on one connection.
    pub pushes_per_second: u32,
    /// Most bytes of blobs and snapshots stored per network.
    pub max_doc_bytes: u64,
    /// How long a connection has to authenticate, in milliseconds; pings don't extend it.
    pub handshake_ms: u64,
    /// Bytes a connection may send before it has authenticated (a handshake takes a few
    /// hundred).
    pub handshake_bytes: u64,
    /// Frames of any kind read per second on one connection, on average; twice as many may
    /// come at once. Past that the relay reads no more until the rate allows.
    pub frames_per_second: u32,
    /// Bytes of catch-up read per second for one connection, on average; four pages may be
    /// read at once.
    pub read_bytes_per_second: u64,
    /// Devices connected to one network at once.
    pub devices_per_network: usize,
    /// New networks one address may create per hour (as many at once).
    pub networks_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_frame: 4 << 20,
            page_blobs: 256,
            page_bytes: 1 << 20,
            pushes_per_second: 100,
            max_doc_bytes: 64 << 20,
            handshake_ms: 10_000,
            handshake_bytes: 16 << 10,
            frames_per_second: 200,
            read_bytes_per_second: 4 << 20,
            devices_per_network: 32,
            networks_per_hour: 20,
        }
    }
}

/// A page of the log, as the store reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub snapshot: Option<Snapshot>,
    pub blobs: Vec<Blob>,
    pub more: bool,
}

/// What the shell must do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Send this and carry on.
    Reply(ServerMsg),
    /// Send this error and close the connection.
    Refuse(ServerMsg),
    /// Nothing to do.
    Nothing,
    /// Check `key` against the key stored for `doc`, storing it if there is none, then call
    /// [`RelaySession::key_checked`] with the result, the log's latest sequence number and the
    /// store's epoch.
    CheckKey { doc: DocId, key: [u8; 32] },
    /// Read the log after `since`, then call [`RelaySession::page`].
    Read { doc: DocId, since: u64 },
    /// Append durably (or find the blob if its id is already there), then call
    /// [`RelaySession::appended`] and tell the document's other connections.
    Append {
        doc: DocId,
        blob_id: BlobId,
        sealed: Vec<u8>,
    },
    /// Store the snapshot, drop what the previous one covers, then reply
    /// `SnapshotStored`.
    PutSnapshot {
        doc: DocId,
        blob_id: BlobId,
        covers: u64,
        sealed: Vec<u8>,
    },
    /// Delete the document, then reply `Deleted`.
    Delete { doc: DocId },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    AwaitHello,
    AwaitAuth { doc: DocId },
    AwaitKey { doc: DocId },
    Live { doc: DocId },
}

/// A token bucket: refilled at `per` tokens every `every_ms` milliseconds up to `capacity`;
/// taking more than is there leaves a debt that must be refilled before the bucket may be
/// used again.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    capacity: u64,
    per: u64,
    every_ms: u64,
    /// Tokens times `every_ms`, so that each millisecond adds `per` exactly.
    level: i128,
    at: i64,
}

impl Bucket {
    /// A full bucket at `now` (milliseconds) of `per` tokens a second.
    pub fn per_second(capacity: u64, per: u64, now: i64) -> Bucket {
        Bucket::new(capacity, per, 1_000, now)
    }

    /// A full bucket at `now` of `n` tokens an hour, as many at once.
    pub fn per_hour(n: u64, now: i64) -> Bucket {
        Bucket::new(n, n, 3_600_000, now)
    }

    fn new(capacity: u64, per: u64, every_ms: u64, now: i64) -> Bucket {
        Bucket {
            capacity,
            per: per.max(1),
            every_ms,
            level: i128::from(capacity) * i128::from(every_ms),
            at: now,
        }
    }

    fn units(&self, tokens: u64) -> i128 {
        i128::from(tokens) * i128::from(self.every_ms)
    }

    fn refill(&mut self, now: i64) {
        let elapsed = now.saturating_sub(self.at).max(0);
        self.at = self.at.max(now);
        let full = self.units(self.capacity);
        self.level = (self.level + i128::from(elapsed) * i128::from(self.per)).min(full);
    }

    /// Takes `n` tokens, into debt if need be.
    pub fn take(&mut self, n: u64, now: i64) {
        self.refill(now);
        self.level -= self.units(n);
    }

    /// Gives back `n` tokens taken (never past the capacity).
    pub fn give(&mut self, n: u64) {
        self.level = (self.level + self.units(n)).min(self.units(self.capacity));
    }

    /// Whether `n` tokens are there.
    pub fn has(&mut self, n: u64, now: i64) -> bool {
        self.refill(now);
        self.level >= self.units(n)
    }

    /// Whether the bucket is full again.
    pub fn is_full(&mut self, now: i64) -> bool {
        self.has(self.capacity, now)
    }

    /// Milliseconds until the bucket is out of debt.
    pub fn wait_ms(&mut self, now: i64) -> u64 {
        self.refill(now);
        if self.level >= 0 {
            0
        } else {
            u64::try_from((-self.level).div_euclid(i128::from(self.per)) + 1).unwrap_or(u64::MAX)
        }
    }
}

/// One device connection at the relay.
pub struct RelaySession {
    phase: Phase,
    limits: Limits,
    nonce: [u8; 32],
    /// Every frame takes a token.
    frames: Bucket,
    /// Catch-up pages take their bytes.
    reads: Bucket,
    window_start: i64,
    pushes_in_window: u32,
    /// The device has every blob up to this one (sent, or its own).
    sent_up_to: u64,
    subscribed: bool,
}

impl RelaySession {
    /// A new connection at `now` (milliseconds); `nonce` is the challenge, fresh random bytes
    /// from the shell.
    pub fn new(limits: Limits, nonce: [u8; 32], now: i64) -> RelaySession {
        let frames = u64::from(limits.frames_per_second);
        RelaySession {
            phase: Phase::AwaitHello,
            limits,
            nonce,
            frames: Bucket::per_second(2 * frames, frames, now),
            reads: Bucket::per_second(
                4 * limits.page_bytes as u64,
                limits.read_bytes_per_second,
                now,
            ),
            window_start: 0,
            pushes_in_window: 0,
            sent_up_to: 0,
            subscribed: false,
        }
    }

    /// The network this connection is authenticated for.
    pub fn doc(&self) -> Option<DocId> {
        match self.phase {
            Phase::Live { doc } => Some(doc),
            _ => None,
        }
    }

    /// Whether the device has proved it holds the network's key.
    pub fn is_live(&self) -> bool {
        matches!(self.phase, Phase::Live { .. })
    }

    /// Milliseconds until the shell may read the connection's next frame: the frames and
    /// catch-up bytes it had so far, against their rates. The device waits (its frames stay
    /// in the network's buffers), and nothing is refused.
    pub fn ready_in(&mut self, now: i64) -> u64 {
        self.frames.wait_ms(now).max(self.reads.wait_ms(now))
    }

    /// A frame from the device; `now` in milliseconds, for the rates.
    pub fn on_frame(&mut self, frame: &[u8], now: i64) -> Request {
        self.frames.take(1, now);
        if frame.len() > self.limits.max_frame {
            return refuse(
                ErrorCode::TooLarge,
                format!(
                    "A message of {} bytes is over the relay's limit of {} bytes.",
                    frame.len(),
                    self.limits.max_frame
                ),
            );
        }
        let msg = match ClientMsg::decode(frame) {
            Ok(msg) => msg,
            Err(super::protocol::DecodeError::Version(v)) => {
                return refuse(
                    ErrorCode::Version,
                    format!("This relay speaks protocol version 1, not {v}: update the app."),
                )
            }
            Err(e) => return refuse(ErrorCode::BadFrame, format!("Unreadable message: {e}.")),
        };
        match (&self.phase, msg) {
            // Only a device that has proved its key is answered: before that a ping (one may
            // cross the handshake) is let pass, and doesn't extend the time to authenticate.
            (Phase::Live { .. }, ClientMsg::Ping) => Request::Reply(ServerMsg::Pong),
            (_, ClientMsg::Ping) => Request::Nothing,
            (Phase::AwaitHello, ClientMsg::Hello { doc_id }) => {
                self.phase = Phase::AwaitAuth { doc: DocId(doc_id) };
                Request::Reply(ServerMsg::Challenge { nonce: self.nonce })
            }
            (
                Phase::AwaitAuth { doc },
                ClientMsg::Auth {
                    verifying_key,
                    signature,
                },
            ) => {
                let doc = *doc;
                if verify_challenge(&verifying_key, &doc, &self.nonce, &signature).is_err() {
                    return refuse(
                        ErrorCode::Unauthorized,
                        "The signature doesn't match this network's key.".into(),
                    );
                }
                self.phase = Phase::AwaitKey { doc };
                Request::CheckKey {
                    doc,
                    key: verifying_key,
                }
            }
            // Sequence numbers are stored as signed 64-bit integers, and the relay reads from
            // `since + 1`: anything beyond is no sequence number a log can reach.
            (Phase::Live { .. }, ClientMsg::Subscribe { since }) if since > MAX_SEQ => refuse(
                ErrorCode::BadFrame,
                format!("Subscribe from {since} is beyond any log's end."),
            ),
            (Phase::Live { .. }, ClientMsg::PutSnapshot { covers, .. }) if covers > MAX_SEQ => {
                refuse(
                    ErrorCode::BadFrame,
                    format!("A snapshot covering {covers} blobs is beyond any log's end."),
                )
            }
            (Phase::Live { doc }, ClientMsg::Subscribe { since }) => {
                self.subscribed = true;
                self.sent_up_to = since;
                Request::Read { doc: *doc, since }
            }
            (Phase::Live { doc }, ClientMsg::Push { blob_id, sealed }) => {
                let doc = *doc;
                if now - self.window_start >= 1_000 {
                    self.window_start = now;
                    self.pushes_in_window = 0;
                }
                self.pushes_in_window += 1;
                if self.pushes_in_window > self.limits.pushes_per_second {
                    return Request::Reply(ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        message: format!(
                            "More than {} changes a second; the rest will follow.",
                            self.limits.pushes_per_second
                        ),
                    });
                }
                Request::Append {
                    doc,
                    blob_id,
                    sealed,
                }
            }
            (
                Phase::Live { doc },
                ClientMsg::PutSnapshot {
                    blob_id,
                    covers,
                    sealed,
                },
            ) => Request::PutSnapshot {
                doc: *doc,
                blob_id,
                covers,
                sealed,
            },
            (Phase::Live { doc }, ClientMsg::Delete) => Request::Delete { doc: *doc },
            (phase, msg) => refuse(
                ErrorCode::BadFrame,
                format!("{} is not expected {}.", name(&msg), describe(phase)),
            ),
        }
    }

    /// The stored key matched (or was stored for the first time): the device is in.
    pub fn key_checked(&mut self, matched: bool, latest: u64, epoch: [u8; 16]) -> Request {
        let Phase::AwaitKey { doc } = self.phase else {
            return Request::Nothing;
        };
        if !matched {
            return refuse(
                ErrorCode::Unauthorized,
                "This network was first synced with another key.".into(),
            );
        }
        self.phase = Phase::Live { doc };
        Request::Reply(ServerMsg::Welcome { latest, epoch })
    }

    /// A page read for this connection's `Read`, at `now`.
    pub fn page(&mut self, page: Page, now: i64) -> ServerMsg {
        let bytes = page.snapshot.as_ref().map_or(0, |s| s.sealed.len())
            + page.blobs.iter().map(|b| b.sealed.len()).sum::<usize>();
        self.reads.take(bytes as u64, now);
        if let Some(s) = &page.snapshot {
            self.sent_up_to = self.sent_up_to.max(s.covers);
        }
        if let Some(last) = page.blobs.last() {
            self.sent_up_to = self.sent_up_to.max(last.seq);
        }
        ServerMsg::Blobs {
            snapshot: page.snapshot,
            blobs: page.blobs,
            more: page.more,
        }
    }

    /// The device's push is durable as `seq`.
    pub fn appended(&mut self, blob_id: BlobId, seq: u64) -> ServerMsg {
        if seq == self.sent_up_to + 1 {
            self.sent_up_to = seq;
        }
        ServerMsg::Ack { blob_id, seq }
    }

    /// Another connection appended `blob`: what to send this device, if anything. The blob
    /// itself when it directly follows what the device has; otherwise a notice, and the
    /// device asks for what it misses.
    pub fn live_blob(&mut self, blob: &Blob) -> Option<ServerMsg> {
        if !self.subscribed || blob.seq <= self.sent_up_to {
            return None;
        }
        if blob.seq == self.sent_up_to + 1 {
            self.sent_up_to = blob.seq;
            return Some(ServerMsg::Blobs {
                snapshot: None,
                blobs: vec![blob.clone()],
                more: false,
            });
        }
        Some(ServerMsg::Notify { latest: blob.seq })
    }

    /// Another relay instance appended up to `latest` (its blob isn't at hand).
    pub fn live_seq(&mut self, latest: u64) -> Option<ServerMsg> {
        (self.subscribed && latest > self.sent_up_to).then_some(ServerMsg::Notify { latest })
    }
}

/// The highest sequence number a device may name: the relay's store keeps them as `i64`, and
/// reads from one past it.
pub const MAX_SEQ: u64 = i64::MAX as u64 - 1;

fn refuse(code: ErrorCode, message: String) -> Request {
    Request::Refuse(ServerMsg::Error { code, message })
}

fn name(msg: &ClientMsg) -> &'static str {
    match msg {
        ClientMsg::Hello { .. } => "Hello",
        ClientMsg::Auth { .. } => "Auth",
        ClientMsg::Subscribe { .. } => "Subscribe",
        ClientMsg::Push { .. } => "Push",
        ClientMsg::PutSnapshot { .. } => "PutSnapshot",
        ClientMsg::Delete => "Delete",
        ClientMsg::Ping => "Ping",
    }
}

fn describe(phase: &Phase) -> &'static str {
    match phase {
        Phase::AwaitHello => "before Hello",
        Phase::AwaitAuth { .. } => "before Auth",
        Phase::AwaitKey { .. } => "while the key is checked",
        Phase::Live { .. } => "after Auth",
    }
}

/// How many of the blobs of these sizes a page holds, by the limits, and whether more
/// follow: used by every store so they page alike.
pub fn page_count(limits: &Limits, sizes: impl Iterator<Item = usize>) -> (usize, bool) {
    let mut count = 0;
    let mut bytes = 0usize;
    for size in sizes {
        if count == limits.page_blobs || (count > 0 && bytes + size > limits.page_bytes) {
            return (count, true);
        }
        bytes += size;
        count += 1;
    }
    (count, false)
}
