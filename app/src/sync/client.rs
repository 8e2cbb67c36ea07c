//! A device's side of sync, without I/O: frames and edits in, frames to send and changes to
//! apply out. The browser drives it over a WebSocket; the property tests drive it over an
//! in-memory relay with partitions, lost acks and crashes.
//!
//! What must survive a crash is [`Persisted`]: the log position applied so far and the outbox
//! of sealed pushes not yet acknowledged. Retrying resends the identical sealed bytes under
//! the same blob id, so a push the relay already took is not stored twice.

use super::protocol::{Blob, BlobId, ClientMsg, ErrorCode, ServerMsg, Snapshot};
use crate::crypto::{new_blob_id, BlobKind, Keys};

/// After this many blobs past the last snapshot, the client offers a new one.
pub const SNAPSHOT_EVERY: u64 = 200;

/// What the client needs back after a restart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persisted {
    /// Every blob up to this sequence number has been applied locally.
    pub cursor: u64,
    /// Sealed pushes the relay hasn't acknowledged, oldest first.
    pub outbox: Vec<Pending>,
    /// The newest snapshot this device knows of (uploaded or received).
    pub snapshot_covers: u64,
    /// The epoch of the relay's store the cursor counts in (see [`Output::ResendAll`]).
    pub epoch: Option<[u8; 16]>,
}

/// A sealed push waiting for its acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub blob_id: BlobId,
    pub sealed: Vec<u8>,
}

/// What the user sees of sync.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Offline,
    Connecting,
    Syncing,
    UpToDate,
    /// Refused or failed, with the reason to show.
    Error(String),
    /// The network's data was deleted from the relay.
    Deleted,
    /// The relay doesn't start this network (it takes new ones by invite only, or none), with
    /// its reason. Connecting again won't help until something changes (an invite code).
    Closed(String),
}

impl Status {
    /// What the user reads for it.
    pub fn describe(&self) -> String {
        match self {
            Status::Offline => "Sync: offline — changes will go when you're back online".into(),
            Status::Connecting => "Sync: connecting…".into(),
            Status::Syncing => "Sync: syncing…".into(),
            Status::UpToDate => "Sync: up to date".into(),
            Status::Error(why) | Status::Closed(why) => format!("Sync: {why}"),
            Status::Deleted => "Sync: your data was deleted from the relay".into(),
        }
    }
}

/// Why sync is off after the relay's copy was deleted.
pub const DELETED: &str = "Sync is off: this network's copy on the sync server was deleted, \
     from this device or another. Everything is still here. Turning sync on again starts a new \
     sync; pair your other devices again.";

/// What the caller must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send this frame to the relay.
    Send(Vec<u8>),
    /// Apply these Automerge bytes (changes or a whole document) to the local network.
    Apply(Vec<u8>),
    /// Store [`SyncClient::persisted`] before acting on anything later.
    Persist,
    /// The relay lost what it had acknowledged (it was restored from a backup, or started
    /// over): push the whole document ([`SyncClient::push`]) so it has everything again. What
    /// the relay still has is read again from the start.
    ResendAll,
    Status(Status),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Offline,
    AwaitChallenge,
    AwaitWelcome,
    Live,
}

pub struct SyncClient {
    keys: Keys,
    phase: Phase,
    state: Persisted,
    status: Status,
    /// The relay's latest sequence number as last heard.
    latest: u64,
    /// Catching up: a page was asked for and more may follow.
    catching_up: bool,
}

impl SyncClient {
    pub fn new(keys: Keys, state: Persisted) -> SyncClient {
        SyncClient {
            keys,
            phase: Phase::Offline,
            state,
            status: Status::Offline,
            latest: 0,
            catching_up: false,
        }
    }

    pub fn persisted(&self) -> &Persisted {
        &self.state
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    pub fn is_live(&self) -> bool {
        self.phase == Phase::Live
    }

    /// The transport is open: start the handshake.
    pub fn connected(&mut self) -> Vec<Output> {
        self.phase = Phase::AwaitChallenge;
        if matches!(self.status, Status::Error(_) | Status::Closed(_)) {
            self.status = Status::Offline;
        }
        let mut out = vec![Output::Send(
            ClientMsg::Hello {
                doc_id: self.keys.doc_id.0,
            }
            .encode(),
        )];
        self.set_status(Status::Connecting, &mut out);
        out
    }

    /// The transport closed (or was never open). Nothing queued is lost.
    pub fn disconnected(&mut self) -> Vec<Output> {
        self.phase = Phase::Offline;
        self.catching_up = false;
        let mut out = Vec::new();
        if !matches!(
            self.status,
            Status::Error(_) | Status::Deleted | Status::Closed(_)
        ) {
            self.set_status(Status::Offline, &mut out);
        }
        out
    }

    /// Local changes (Automerge bytes) to share: sealed, queued until acknowledged, sent now if
    /// the relay is connected.
    pub fn push(&mut self, changes: &[u8]) -> Vec<Output> {
        let blob_id = new_blob_id();
        let sealed = self.keys.seal(BlobKind::Changes, &blob_id, changes);
        let pending = Pending { blob_id, sealed };
        let mut out = vec![Output::Persist];
        if self.phase == Phase::Live {
            out.push(Output::Send(push_frame(&pending)));
            self.set_status(Status::Syncing, &mut out);
        }
        self.state.outbox.push(pending);
        out
    }

    /// Whether enough blobs have gathered since the last snapshot to upload a new one.
    pub fn snapshot_due(&self) -> bool {
        self.phase == Phase::Live
            && !self.catching_up
            && self.state.cursor >= self.state.snapshot_covers + SNAPSHOT_EVERY
    }

    /// Uploads the whole document (`document` must include every blob up to the cursor).
    pub fn put_snapshot(&mut self, document: &[u8]) -> Vec<Output> {
        let blob_id = new_blob_id();
        let sealed = self.keys.seal(BlobKind::Snapshot, &blob_id, document);
        vec![Output::Send(
            ClientMsg::PutSnapshot {
                blob_id,
                covers: self.state.cursor,
                sealed,
            }
            .encode(),
        )]
    }

    /// Sends every unacknowledged push again (after the relay asked to slow down, or when an
    /// ack is overdue). Safe at any time: the relay keeps one copy per blob id.
    pub fn retry(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        if self.phase != Phase::Live {
            return out;
        }
        for pending in &self.state.outbox {
            out.push(Output::Send(push_frame(pending)));
        }
        self.settle(&mut out);
        out
    }

    /// Whether pushes are waiting for an acknowledgement.
    pub fn has_unacked(&self) -> bool {
        !self.state.outbox.is_empty()
    }

    /// Asks the relay to delete this network's data.
    pub fn delete(&mut self) -> Vec<Output> {
        if self.phase != Phase::Live {
            return Vec::new();
        }
        vec![Output::Send(ClientMsg::Delete.encode())]
    }

    /// A frame from the relay.
    pub fn received(&mut self, frame: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        let msg = match ServerMsg::decode(frame) {
            Ok(msg) => msg,
            Err(e) => {
                self.set_status(
                    Status::Error(format!("The sync server sent something unreadable ({e}).")),
                    &mut out,
                );
                return out;
            }
        };
        match (self.phase, msg) {
            (Phase::AwaitChallenge, ServerMsg::Challenge { nonce }) => {
                self.phase = Phase::AwaitWelcome;
                out.push(Output::Send(
                    ClientMsg::Auth {
                        verifying_key: self.keys.verifying_key(),
                        signature: self.keys.sign_challenge(&nonce),
                    }
                    .encode(),
                ));
            }
            (Phase::AwaitWelcome, ServerMsg::Welcome { latest, epoch }) => {
                self.phase = Phase::Live;
                // Another store, or one behind what it acknowledged: the position counts for
                // nothing there, and the pushes it acknowledged may be gone.
                let lost = self.state.epoch.is_some_and(|known| known != epoch)
                    || latest < self.state.cursor;
                if lost {
                    self.state.cursor = 0;
                    self.state.snapshot_covers = 0;
                    out.push(Output::ResendAll);
                }
                if lost || self.state.epoch != Some(epoch) {
                    self.state.epoch = Some(epoch);
                    out.push(Output::Persist);
                }
                self.latest = latest;
                self.catching_up = true;
                out.push(Output::Send(
                    ClientMsg::Subscribe {
                        since: self.state.cursor,
                    }
                    .encode(),
                ));
                for pending in &self.state.outbox {
                    out.push(Output::Send(push_frame(pending)));
                }
                self.set_status(Status::Syncing, &mut out);
            }
            (
                Phase::Live,
                ServerMsg::Blobs {
                    snapshot,
                    blobs,
                    more,
                },
            ) => {
                self.take_page(snapshot, blobs, &mut out);
                if more {
                    // Ask for the next page from where this one ended.
                    self.catching_up = true;
                    out.push(Output::Send(
                        ClientMsg::Subscribe {
                            since: self.state.cursor,
                        }
                        .encode(),
                    ));
                } else {
                    self.catching_up = false;
                }
                self.settle(&mut out);
            }
            (Phase::Live, ServerMsg::Ack { blob_id, seq }) => {
                let before = self.state.outbox.len();
                self.state.outbox.retain(|p| p.blob_id != blob_id);
                // Our own blob: nothing to fetch if it directly follows what we have.
                if seq == self.state.cursor + 1 {
                    self.state.cursor = seq;
                }
                self.latest = self.latest.max(seq);
                if self.state.outbox.len() != before || seq == self.state.cursor {
                    out.push(Output::Persist);
                }
                self.settle(&mut out);
            }
            (Phase::Live, ServerMsg::Notify { latest }) => {
                self.latest = self.latest.max(latest);
                if latest > self.state.cursor && !self.catching_up {
                    self.catching_up = true;
                    out.push(Output::Send(
                        ClientMsg::Subscribe {
                            since: self.state.cursor,
                        }
                        .encode(),
                    ));
                    self.set_status(Status::Syncing, &mut out);
                }
            }
            (Phase::Live, ServerMsg::SnapshotStored { covers }) => {
                if covers > self.state.snapshot_covers {
                    self.state.snapshot_covers = covers;
                    out.push(Output::Persist);
                }
            }
            (_, ServerMsg::Deleted) => {
                self.state = Persisted {
                    outbox: std::mem::take(&mut self.state.outbox),
                    ..Persisted::default()
                };
                out.push(Output::Persist);
                self.set_status(Status::Deleted, &mut out);
            }
            (
                _,
                ServerMsg::Error {
                    code: ErrorCode::RateLimited,
                    ..
                },
            ) => {
                // Not a failure: the pushes stay queued and go again on the next retry.
                self.set_status(Status::Syncing, &mut out);
            }
            (
                _,
                ServerMsg::Error {
                    code: ErrorCode::Closed,
                    message,
                },
            ) => self.set_status(Status::Closed(message), &mut out),
            (_, ServerMsg::Error { code, message }) => {
                let text = match code {
                    ErrorCode::Unauthorized => format!(
                        "The sync server refused this device: {message} Pair it again with the link or the recovery phrase."
                    ),
                    _ => format!("Sync stopped: {message}"),
                };
                self.set_status(Status::Error(text), &mut out);
            }
            (_, ServerMsg::Pong) => {}
            (phase, msg) => {
                let phase = match phase {
                    Phase::Offline => "offline",
                    Phase::AwaitChallenge => "waiting for its challenge",
                    Phase::AwaitWelcome => "signing in",
                    Phase::Live => "syncing",
                };
                self.set_status(
                    Status::Error(format!(
                        "The sync server sent an unexpected {} message while this device was {phase}.",
                        msg.name()
                    )),
                    &mut out,
                );
            }
        }
        out
    }

    fn take_page(&mut self, snapshot: Option<Snapshot>, blobs: Vec<Blob>, out: &mut Vec<Output>) {
        let start = self.state.cursor;
        if let Some(snapshot) = snapshot {
            if snapshot.covers > self.state.cursor {
                match self
                    .keys
                    .open(BlobKind::Snapshot, &snapshot.blob_id, &snapshot.sealed)
                {
                    Ok(document) => out.push(Output::Apply(document)),
                    Err(e) => self.unreadable(snapshot.covers, &e.to_string(), out),
                }
                self.state.cursor = snapshot.covers;
            }
            self.state.snapshot_covers = self.state.snapshot_covers.max(snapshot.covers);
        }
        for blob in blobs {
            if blob.seq <= self.state.cursor {
                continue;
            }
            if blob.seq != self.state.cursor + 1 {
                // A gap: ask again from where we are rather than apply out of order.
                self.catching_up = true;
                out.push(Output::Send(
                    ClientMsg::Subscribe {
                        since: self.state.cursor,
                    }
                    .encode(),
                ));
                break;
            }
            match self
                .keys
                .open(BlobKind::Changes, &blob.blob_id, &blob.sealed)
            {
                Ok(changes) => out.push(Output::Apply(changes)),
                Err(e) => self.unreadable(blob.seq, &e.to_string(), out),
            }
            self.state.cursor = blob.seq;
            self.latest = self.latest.max(blob.seq);
        }
        if self.state.cursor != start {
            out.push(Output::Persist);
        }
    }

    fn unreadable(&mut self, seq: u64, why: &str, out: &mut Vec<Output>) {
        self.set_status(
            Status::Error(format!(
                "Change {seq} from the sync server could not be opened ({why}); it was skipped."
            )),
            out,
        );
    }

    /// Up to date when nothing is queued, nothing is being fetched, and we have the newest.
    fn settle(&mut self, out: &mut Vec<Output>) {
        if matches!(self.status, Status::Error(_) | Status::Closed(_)) {
            return;
        }
        let done =
            self.state.outbox.is_empty() && !self.catching_up && self.state.cursor >= self.latest;
        let status = if done {
            Status::UpToDate
        } else {
            Status::Syncing
        };
        self.set_status(status, out);
    }

    fn set_status(&mut self, status: Status, out: &mut Vec<Output>) {
        if self.status != status {
            self.status = status.clone();
            out.push(Output::Status(status));
        }
    }
}

fn push_frame(pending: &Pending) -> Vec<u8> {
    ClientMsg::Push {
        blob_id: pending.blob_id,
        sealed: pending.sealed.clone(),
    }
    .encode()
}
