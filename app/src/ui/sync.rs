//! Sync as the pages see it: whether it is on, its status, and the commands behind the
//! settings (turn on, join, delete from the relay, turn off). The replica runs sync
//! (`replica/sync.rs`); the page holds the WebSocket it asks for and tells it what arrives.

use crate::crypto::RootSecret;
use crate::doc::store::KeyValue;
use crate::replica::{Replica, SyncEffect};
use crate::sync::stored::SyncStore;
use crate::sync::Status;
use crate::ui::state::{now, NetworkState};
use leptos::prelude::*;

/// Sync as pages read and command it.
#[derive(Clone, Copy)]
pub struct SyncState {
    /// `None` while sync is off on this device.
    pub status: RwSignal<Option<Status>>,
    /// The pairing secret, when sync is on.
    pub secret: RwSignal<Option<String>>,
    /// Whether the user has said they saved the recovery phrase (asked on home until then).
    pub phrase_saved: RwSignal<bool>,
    /// Why sync stopped on its own, when it did (the relay's copy was deleted).
    pub ended: RwSignal<Option<&'static str>>,
    network: NetworkState,
}

/// Sync's signals and the relay's socket: held by the network state, whose replica's effects
/// drive them ([`SyncIo::perform`]).
#[derive(Clone, Copy)]
pub struct SyncIo {
    status: RwSignal<Option<Status>>,
    secret: RwSignal<Option<String>>,
    phrase_saved: RwSignal<bool>,
    ended: RwSignal<Option<&'static str>>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<Option<crate::browser::socket::Socket>, LocalStorage>,
}

impl SyncIo {
    pub fn new() -> SyncIo {
        SyncIo {
            status: RwSignal::new(None),
            secret: RwSignal::new(None),
            phrase_saved: RwSignal::new(true),
            ended: RwSignal::new(None),
            #[cfg(feature = "hydrate")]
            socket: StoredValue::new_local(None),
        }
    }

    /// Does what the replica's sync asks: the socket, the status.
    pub fn perform(&self, network: NetworkState, effects: Vec<SyncEffect>) {
        for effect in effects {
            match effect {
                SyncEffect::Status(status) => self.status.set(status),
                SyncEffect::Deleted => {
                    self.secret.set(None);
                    self.status.set(None);
                    self.ended.set(Some(DELETED));
                }
                #[cfg(feature = "hydrate")]
                SyncEffect::Connect { invite } => self.connect(network, invite),
                #[cfg(feature = "hydrate")]
                SyncEffect::Send(frame) => self.socket.with_value(|s| {
                    if let Some(socket) = s {
                        socket.send(&frame);
                    }
                }),
                #[cfg(feature = "hydrate")]
                SyncEffect::Close => {
                    if let Some(socket) = self.socket.try_update_value(Option::take).flatten() {
                        socket.close();
                    }
                }
                #[cfg(not(feature = "hydrate"))]
                _ => (),
            }
        }
        let _ = network;
    }

    #[cfg(feature = "hydrate")]
    fn connect(&self, network: NetworkState, invite: Option<String>) {
        use crate::browser::socket::Socket;
        let socket = Socket::open(
            invite.as_deref(),
            move || network.with(|r| r.sync_opened(now())),
            move |frame| network.with(|r| r.sync_received(&frame, now())),
            move || network.with(|r| r.sync_closed(now())),
        );
        match socket {
            Ok(socket) => {
                if let Some(old) = self
                    .socket
                    .try_update_value(|s| s.replace(socket))
                    .flatten()
                {
                    old.close();
                }
            }
            Err(e) => {
                network.with(|r| r.sync_closed(now()));
                self.status
                    .set(Some(Status::Error(format!("can't reach the relay ({e})"))));
            }
        }
    }
}

impl Default for SyncIo {
    fn default() -> Self {
        SyncIo::new()
    }
}

/// Provides sync's context; in the browser also follows the browser going on and offline.
pub fn provide_sync_state(network: NetworkState) -> SyncState {
    let io = network.sync_io();
    let state = SyncState {
        status: io.status,
        secret: io.secret,
        phrase_saved: io.phrase_saved,
        ended: io.ended,
        network,
    };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    {
        let online = window_event_listener(leptos::ev::online, move |_| {
            network.with(|r| r.sync_online(true, now()))
        });
        let offline = window_event_listener(leptos::ev::offline, move |_| {
            network.with(|r| r.sync_online(false, now()))
        });
        // They live as long as the page.
        std::mem::forget((online, offline));
    }
    state
}

pub fn use_sync() -> SyncState {
    expect_context::<SyncState>()
}

/// Why sync is off after the relay's copy was deleted.
pub const DELETED: &str = "Sync is off: this network's copy on the sync server was deleted, \
     from this device or another. Everything is still here. Turning sync on again starts a new \
     sync; pair your other devices again.";

/// What the user reads for a status.
pub fn describe(status: &Status) -> String {
    match status {
        Status::Offline => "Sync: offline — changes will go when you're back online".into(),
        Status::Connecting => "Sync: connecting…".into(),
        Status::Syncing => "Sync: syncing…".into(),
        Status::UpToDate => "Sync: up to date".into(),
        Status::Error(why) => format!("Sync: {why}"),
        Status::Deleted => "Sync: your data was deleted from the relay".into(),
        Status::Closed(why) => format!("Sync: {why}"),
    }
}

impl SyncState {
    /// Starts syncing if this device was set up before (called once the network is open).
    pub fn resume(&self) {
        let Some(stored) = stored() else { return };
        let Some(secret) = stored.secret() else {
            return;
        };
        self.secret.set(Some(secret.to_fragment()));
        self.phrase_saved.set(stored.phrase_saved());
        self.network.with(|r| r.sync_resume(online(), now()));
    }

    /// Creates a new synced network from this device's. Its recovery phrase is offered, not
    /// forced: home asks for it to be saved until it is.
    pub fn turn_on(&self) {
        self.start(RootSecret::generate(), true);
        self.mark_phrase_saved(false);
    }

    /// Joins the synced network of `secret`; what is on this device is merged into it.
    pub fn join(&self, secret: RootSecret) {
        self.start(secret, true);
    }

    /// Records that the recovery phrase is kept somewhere safe.
    pub fn mark_phrase_saved(&self, saved: bool) {
        self.phrase_saved.set(saved);
        if let Some(mut stored) = stored() {
            let _ = stored.set_phrase_saved(saved);
        }
    }

    /// The four words naming the network this device syncs (see `DocId::fingerprint`).
    pub fn fingerprint(&self) -> Option<String> {
        let fragment = self.secret.get()?;
        RootSecret::from_fragment(&fragment)
            .ok()
            .map(|s| s.keys().doc_id.fingerprint())
    }

    /// The pairing secret this device has stored, read afresh (it may not be resumed yet).
    pub fn stored_fragment(&self) -> Option<String> {
        stored()?.secret().map(|s| s.to_fragment())
    }

    /// The recovery phrase of the network this device syncs, shown on request.
    pub fn phrase(&self) -> Option<String> {
        let fragment = self.secret.get_untracked()?;
        RootSecret::from_fragment(&fragment)
            .ok()
            .map(|s| s.phrase())
    }

    /// Before the network is open, the secret is stored here and sync starts from it once it
    /// is (see [`SyncState::resume`]).
    fn start(&self, secret: RootSecret, fresh: bool) {
        self.ended.set(None);
        self.secret.set(Some(secret.to_fragment()));
        if self.network.ready.get_untracked() {
            self.network
                .with(|r| r.sync_start(&secret, fresh, online(), now()));
        } else if let Some(mut stored) = stored() {
            let _ = stored.start(&secret, fresh);
        }
        self.phrase_saved
            .set(stored().is_some_and(|s| s.phrase_saved()));
    }

    /// Tries again with an invite code from whoever runs the sync server (kept until the
    /// network is there).
    pub fn use_invite(&self, code: &str) {
        self.network.with(|r| r.sync_invite(code, now()));
    }

    /// Asks the relay to delete this network's data (this device keeps its copy).
    pub fn delete_remote(&self) {
        self.network.with(|r| r.sync_delete(now()));
    }

    /// Stops syncing on this device and forgets the secret (the network stays).
    pub fn turn_off(&self) {
        if self.network.ready.get_untracked() {
            self.network.with(Replica::sync_forget);
        } else if let Some(mut stored) = stored() {
            let _ = stored.forget();
        }
        self.secret.set(None);
        self.status.set(None);
    }
}

/// Sync's state in this browser's storage (none where storage can't be used, or on the
/// server).
fn stored() -> Option<SyncStore<Box<dyn KeyValue>>> {
    #[cfg(feature = "hydrate")]
    return crate::browser::LocalStorageKv::open()
        .ok()
        .map(|kv| SyncStore::new(Box::new(kv) as Box<dyn KeyValue>));
    #[cfg(not(feature = "hydrate"))]
    None
}

fn online() -> bool {
    #[cfg(feature = "hydrate")]
    return crate::browser::is_online();
    #[cfg(not(feature = "hydrate"))]
    false
}
