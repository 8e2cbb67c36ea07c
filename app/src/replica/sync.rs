//! Sync as the replica runs it: the [`SyncClient`] fed from the holder's socket, every change
//! pushed once edits pause, every blob from the relay applied and saved, and sync's own state
//! kept through [`SyncStore`] in the same [`KeyValue`] as the network.
//!
//! The holder owns the socket and the clock: it opens one when asked ([`SyncEffect::Connect`]),
//! hands over what arrives (`sync_opened`, `sync_received`, `sync_closed`), sends what it is
//! given and sets the timers. Before the replica is open, the holder writes the secret with
//! [`SyncStore`] itself; opening then calls [`Replica::sync_resume`].

use super::{Effects, Replica, Timer};
use crate::crypto::RootSecret;
use crate::doc::store::{KeyValue, Problem};
use crate::doc::DocError;
use base64::Engine as _;

#[cfg(test)]
mod tests;
use crate::sync::stored::SyncStore;
use crate::sync::{ClientMsg, Output, Status, SyncClient};
use automerge::ChangeHash;

/// How long a change waits for more before it is pushed (ms).
pub const PUSH_PAUSE: i64 = 300;

/// How often unacknowledged pushes are sent again and the relay is pinged (ms).
pub const SYNC_TICK: i64 = 5000;

/// How many times a change from the relay that fails to apply is fetched again before it is
/// kept aside (see [`Replica::apply_failed`]).
pub const APPLY_ATTEMPTS: u32 = 3;

/// Where changes from the relay that never applied are kept aside (numbered from 0).
pub const UNREADABLE: &str = "colloquy/sync/unreadable/";

/// What sync asks of the holder, besides timers.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEffect {
    /// Open a socket to the relay, closing any open one; `invite` is the code to give it.
    Connect { invite: Option<String> },
    /// Send a frame on the open socket (dropped when none is open: the client sends again).
    Send(Vec<u8>),
    /// Close the socket without reporting it closed.
    Close,
    /// Sync's status to show; `None` once sync is off.
    Status(Option<Status>),
    /// Sync stopped on its own: the relay's copy was deleted (the network stays here).
    Deleted,
}

/// A running sync: the client, and where this device is with the relay.
pub(super) struct Syncing {
    client: SyncClient,
    /// The heads pushed so far: the next push carries what came after.
    pushed: Vec<ChangeHash>,
    /// Failed connections in a row (the wait before the next doubles, up to 32 s).
    backoff: u32,
    /// Times in a row a change from the relay failed to apply.
    failures: u32,
    push_scheduled: bool,
    /// A socket is open or opening.
    socket: bool,
    online: bool,
    /// Tells this run's timers from those of a sync stopped since.
    session: u64,
}

impl Syncing {
    /// Asks to connect again after a wait that doubles with each failure in a row (to 32 s).
    fn reconnect_later(&mut self, effects: &mut Effects) {
        self.backoff = (self.backoff + 1).min(5);
        effects.timers.push(Timer::Reconnect {
            after: 1000 << self.backoff,
            session: self.session,
        });
    }
}

impl Replica {
    fn sync_store(&mut self) -> SyncStore<&mut Box<dyn KeyValue>> {
        SyncStore::new(self.store.kv_mut())
    }

    /// Turns sync on with `secret` (see [`SyncStore::start`]) and starts it.
    pub fn sync_start(
        &mut self,
        secret: &RootSecret,
        fresh: bool,
        online: bool,
        now: i64,
    ) -> Effects {
        let _ = self.sync_store().start(secret, fresh);
        self.sync_resume(online, now)
    }

    /// Turns sync off on this device: it stops and its stored state goes (the network stays).
    pub fn sync_forget(&mut self) -> Effects {
        let effects = self.sync_stop();
        let _ = self.sync_store().forget();
        effects
    }

    /// Keeps the invite code a relay asked for and connects again with it.
    pub fn sync_invite(&mut self, code: &str, now: i64) -> Effects {
        let mut effects = Effects::default();
        let _ = self.sync_store().set_invite(Some(code));
        if self.sync.is_some() {
            self.connect(&mut effects, now);
        }
        effects
    }

    /// (Re)starts sync from what storage holds (the secret, the client's state, the pushed
    /// heads); stops it when no secret is stored.
    pub fn sync_resume(&mut self, online: bool, now: i64) -> Effects {
        let mut effects = self.sync_stop();
        let store = self.sync_store();
        let Some(secret) = store.secret() else {
            return effects;
        };
        let (persisted, pushed) = (store.state(), store.pushed());
        self.sync_session += 1;
        self.sync = Some(Syncing {
            client: SyncClient::new(secret.keys(), persisted),
            pushed,
            backoff: 0,
            failures: 0,
            push_scheduled: false,
            socket: false,
            online,
            session: self.sync_session,
        });
        effects.sync.push(SyncEffect::Status(Some(Status::Offline)));
        effects.timers.push(Timer::SyncTick {
            after: SYNC_TICK,
            session: self.sync_session,
        });
        self.connect(&mut effects, now);
        self.schedule_push(&mut effects);
        effects
    }

    /// Whether sync runs.
    pub fn is_syncing(&self) -> bool {
        self.sync.is_some()
    }

    /// Stops sync on this device (what storage holds of it stays; see [`SyncStore::forget`]).
    pub fn sync_stop(&mut self) -> Effects {
        let mut effects = Effects::default();
        if let Some(sync) = self.sync.take() {
            if sync.socket {
                effects.sync.push(SyncEffect::Close);
            }
            effects.sync.push(SyncEffect::Status(None));
        }
        effects
    }

    /// The socket opened: the handshake starts.
    pub fn sync_opened(&mut self, now: i64) -> Effects {
        self.sync_with(now, |sync| {
            sync.backoff = 0;
            sync.client.connected()
        })
    }

    /// A frame arrived from the relay.
    pub fn sync_received(&mut self, frame: &[u8], now: i64) -> Effects {
        self.sync_with(now, |sync| sync.client.received(frame))
    }

    /// The socket closed (or couldn't open): try again later, unless the relay refused this
    /// device for good (until the user gives an invite code).
    pub fn sync_closed(&mut self, now: i64) -> Effects {
        let mut effects = self.sync_with(now, |sync| {
            sync.socket = false;
            sync.client.disconnected()
        });
        if let Some(sync) = &mut self.sync {
            if !matches!(sync.client.status(), Status::Closed(_)) {
                sync.reconnect_later(&mut effects);
            }
        }
        effects
    }

    /// The browser went on or offline.
    pub fn sync_online(&mut self, online: bool, now: i64) -> Effects {
        let mut effects = Effects::default();
        let Some(sync) = &mut self.sync else {
            return effects;
        };
        sync.online = online;
        if online {
            self.connect(&mut effects, now);
        } else {
            if std::mem::take(&mut sync.socket) {
                effects.sync.push(SyncEffect::Close);
            }
            let outputs = sync.client.disconnected();
            self.handle_sync(outputs, now, &mut effects);
        }
        effects
    }

    /// A reconnect timer fired.
    pub fn sync_reconnect(&mut self, session: u64, now: i64) -> Effects {
        let mut effects = Effects::default();
        if self
            .sync
            .as_ref()
            .is_some_and(|s| s.session == session && !s.socket)
        {
            self.connect(&mut effects, now);
        }
        effects
    }

    /// Every `SYNC_TICK`: unacknowledged pushes go again, and a ping keeps the socket alive.
    pub fn sync_tick(&mut self, session: u64, now: i64) -> Effects {
        if self.sync.as_ref().is_none_or(|s| s.session != session) {
            return Effects::default();
        }
        let mut effects = self.sync_with(now, |sync| {
            let mut out = Vec::new();
            if sync.client.has_unacked() {
                out = sync.client.retry();
            }
            if sync.socket {
                out.push(Output::Send(ClientMsg::Ping.encode()));
            }
            out
        });
        effects.timers.push(Timer::SyncTick {
            after: SYNC_TICK,
            session,
        });
        effects
    }

    /// The push timer fired: what changed since the last push is sealed and sent.
    pub fn sync_push(&mut self, now: i64) -> Effects {
        let Some(sync) = &mut self.sync else {
            return Effects::default();
        };
        sync.push_scheduled = false;
        let pushed = sync.pushed.clone();
        let (changes, heads, mut effects) = self.changes_since(&pushed, now);
        if changes.is_empty() {
            // Nothing to push after all: the status held back for it is shown.
            if let Some(sync) = &self.sync {
                let status = sync.client.status().clone();
                effects.sync.push(SyncEffect::Status(Some(status)));
            }
            return effects;
        }
        let pushed = self.sync_with(now, |sync| {
            sync.pushed = heads;
            sync.client.push(&changes)
        });
        effects.merge(pushed);
        // (The outbox was stored with the push, before the heads move on.)
        if let Some(sync) = &self.sync {
            let heads = sync.pushed.clone();
            let _ = self.sync_store().save_pushed(&heads);
        }
        effects
    }

    /// Whether pushes wait for the relay's acknowledgement.
    pub fn sync_has_unacked(&self) -> bool {
        self.sync.as_ref().is_some_and(|s| s.client.has_unacked())
    }

    /// Asks the relay to delete this network's copy.
    pub fn sync_delete(&mut self, now: i64) -> Effects {
        self.sync_with(now, |sync| sync.client.delete())
    }

    /// Asks for a push once edits pause (nothing while sync is off).
    pub(super) fn schedule_push(&mut self, effects: &mut Effects) {
        if let Some(sync) = &mut self.sync {
            if !std::mem::replace(&mut sync.push_scheduled, true) {
                effects.timers.push(Timer::Push { after: PUSH_PAUSE });
                if *sync.client.status() == Status::UpToDate {
                    effects.sync.push(SyncEffect::Status(Some(Status::Syncing)));
                }
            }
        }
    }

    /// Opens the socket (again), or goes offline where the browser is.
    fn connect(&mut self, effects: &mut Effects, now: i64) {
        let invite = self.sync_store().invite();
        let Some(sync) = &mut self.sync else { return };
        if sync.online {
            sync.socket = true;
            effects.sync.push(SyncEffect::Connect { invite });
        } else {
            let outputs = sync.client.disconnected();
            self.handle_sync(outputs, now, effects);
        }
    }

    /// Runs `f` on the running sync and acts on what its client asks for.
    fn sync_with(&mut self, now: i64, f: impl FnOnce(&mut Syncing) -> Vec<Output>) -> Effects {
        let mut effects = Effects::default();
        if let Some(sync) = &mut self.sync {
            let outputs = f(sync);
            self.handle_sync(outputs, now, &mut effects);
        }
        effects
    }

    fn handle_sync(&mut self, outputs: Vec<Output>, now: i64, effects: &mut Effects) {
        for output in outputs {
            let Some(sync) = &mut self.sync else { return };
            match output {
                Output::Send(frame) => effects.sync.push(SyncEffect::Send(frame)),
                Output::Apply(bytes) => match self.apply_remote(&bytes, now) {
                    Ok((before, after, applied)) => {
                        effects.merge(applied);
                        let sync = self.sync.as_mut().expect("sync runs");
                        sync.failures = 0;
                        // Nothing unpushed here before: the remote changes needn't go back.
                        if sync.pushed == before {
                            sync.pushed = after.clone();
                            let _ = self.sync_store().save_pushed(&after);
                        }
                    }
                    Err(e) => {
                        if !self.apply_failed(&bytes, &e, effects) {
                            return;
                        }
                    }
                },
                Output::Persist => {
                    let state = sync.client.persisted().clone();
                    let _ = self.sync_store().save_state(&state);
                }
                // The relay lost what it had acknowledged (restored from a backup): the whole
                // network goes to it again.
                Output::ResendAll => {
                    let (document, exported) = self.export(now);
                    effects.merge(exported);
                    let sync = self.sync.as_mut().expect("sync runs");
                    let outputs = sync.client.push(&document);
                    self.handle_sync(outputs, now, effects);
                }
                // The relay's copy is gone, and the relay won't keep this network again: sync
                // stops here (the network stays), and says why.
                Output::Status(Status::Deleted) => {
                    effects.merge(self.sync_stop());
                    let _ = self.sync_store().forget();
                    effects.sync.push(SyncEffect::Deleted);
                    return;
                }
                Output::Status(status) => {
                    // Not up to date while changes made here wait to be pushed.
                    let status = match status {
                        Status::UpToDate if sync.push_scheduled => Status::Syncing,
                        status => status,
                    };
                    // The network is at the relay now: the invite code has done its work.
                    if status == Status::UpToDate {
                        let _ = self.sync_store().set_invite(None);
                    }
                    effects.sync.push(SyncEffect::Status(Some(status)));
                }
            }
        }
        // Offer a snapshot once enough blobs have gathered.
        if self.sync.as_ref().is_some_and(|s| s.client.snapshot_due()) {
            let (document, exported) = self.export(now);
            effects.merge(exported);
            let sync = self.sync.as_mut().expect("sync runs");
            let outputs = sync.client.put_snapshot(&document);
            self.handle_sync(outputs, now, effects);
        }
    }

    /// A change from the relay couldn't be applied. It is fetched again, in case what failed
    /// was this device at that moment; after `APPLY_ATTEMPTS` it is kept aside for the user
    /// and sync goes on past it. Returns whether sync goes on with what followed it.
    fn apply_failed(&mut self, bytes: &[u8], error: &DocError, effects: &mut Effects) -> bool {
        let detail = format!("a change from another device couldn't be applied ({error})");
        let Some(sync) = &mut self.sync else {
            return false;
        };
        sync.failures += 1;
        if sync.failures >= APPLY_ATTEMPTS {
            let kv = self.store.kv_mut();
            let key = (0..)
                .map(|n| format!("{UNREADABLE}{n}"))
                .find(|key| kv.get(key).is_ok_and(|v| v.is_none()))
                .expect("a free key");
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            if self.store.keep_aside(&key, &text).is_ok() {
                sync.failures = 0;
                effects.problems.push(Problem::Unreadable {
                    keys: vec![key],
                    detail,
                });
                return true;
            }
        }
        self.restart_after_failure(effects);
        effects
            .sync
            .push(SyncEffect::Status(Some(Status::Error(detail))));
        false
    }

    /// Drops the client's state in memory for the stored one, closes the socket and connects
    /// again after the usual wait.
    fn restart_after_failure(&mut self, effects: &mut Effects) {
        let store = self.sync_store();
        let (Some(secret), persisted, pushed) = (store.secret(), store.state(), store.pushed())
        else {
            effects.merge(self.sync_stop());
            return;
        };
        let Some(sync) = &mut self.sync else { return };
        sync.client = SyncClient::new(secret.keys(), persisted);
        sync.pushed = pushed;
        if std::mem::take(&mut sync.socket) {
            effects.sync.push(SyncEffect::Close);
        }
        sync.reconnect_later(effects);
    }
}
