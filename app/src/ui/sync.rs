//! Sync as the pages see it: whether it is on, its status, and the commands behind the
//! settings (turn on, join, delete from the relay, turn off). The worker runs sync
//! (`replica/sync.rs`) and holds the relay's socket; the page asks and shows.

use crate::crypto::RootSecret;
use crate::doc::store::KeyValue;
use crate::sync::stored::{SyncStore, PHRASE_SAVED_KEY};
use crate::sync::{Status, DELETED};
use crate::ui::platform::{self, online};
use crate::ui::state::NetworkState;
use crate::wire::{SyncRequest, ToWorker};
use leptos::prelude::*;

/// What pages show of sync, kept by the network state from what the worker says.
#[derive(Clone, Copy, Default)]
pub struct SyncSignals {
    /// `None` while sync is off on this device.
    pub status: RwSignal<Option<Status>>,
    /// The pairing secret, when sync is on.
    pub secret: RwSignal<Option<String>>,
    /// Whether the user has said they saved the recovery phrase (asked on home, while sync is
    /// on, until then).
    pub phrase_saved: RwSignal<bool>,
    /// Why sync stopped on its own, when it did (the relay's copy was deleted).
    pub ended: RwSignal<Option<&'static str>>,
}

impl SyncSignals {
    /// Shows sync's status; `deleted` when it stopped because the relay's copy was deleted.
    pub fn show(&self, status: Option<Status>, deleted: bool) {
        if deleted {
            self.secret.set(None);
            self.ended.set(Some(DELETED));
        }
        self.status.set(status);
    }
}

/// Sync as pages read (its signals) and command it.
#[derive(Clone, Copy)]
pub struct SyncState {
    network: NetworkState,
}

impl std::ops::Deref for SyncState {
    type Target = SyncSignals;

    fn deref(&self) -> &SyncSignals {
        &self.network.sync
    }
}

/// Provides sync's context; in the browser also follows the browser going on and offline.
pub fn provide_sync_state(network: NetworkState) -> SyncState {
    let state = SyncState { network };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    {
        let ask = move |online| state.ask(SyncRequest::Online(online));
        let online = window_event_listener(leptos::ev::online, move |_| ask(true));
        let offline = window_event_listener(leptos::ev::offline, move |_| ask(false));
        // They live as long as the page.
        std::mem::forget((online, offline));
    }
    state
}

pub fn use_sync() -> SyncState {
    expect_context::<SyncState>()
}

impl SyncState {
    /// Starts syncing if this device was set up before (called once the network is open).
    pub fn resume(&self) {
        let Some(secret) = stored().and_then(|stored| stored.secret()) else {
            return;
        };
        self.secret.set(Some(secret.to_fragment()));
        self.phrase_saved
            .set(stored().is_some_and(|s| s.phrase_saved()));
        self.ask(SyncRequest::Resume { online: online() });
    }

    fn ask(&self, request: SyncRequest) {
        self.network.send(ToWorker::Sync(request));
    }

    /// Creates a new synced network from this device's. Its recovery phrase is offered, not
    /// forced: home asks for it to be saved until it is.
    pub fn turn_on(&self) {
        self.start(RootSecret::generate());
        self.mark_phrase_saved(false);
    }

    /// Joins the synced network of `secret`; what is on this device is merged into it.
    pub fn join(&self, secret: RootSecret) {
        self.start(secret);
    }

    /// Records that the recovery phrase is kept somewhere safe.
    pub fn mark_phrase_saved(&self, saved: bool) {
        self.phrase_saved.set(saved);
        if let Some(mut stored) = stored() {
            let _ = stored.set_phrase_saved(saved);
            // (Storage is the page's: the worker hears of what it stores.)
            self.network.external_change(PHRASE_SAVED_KEY.to_owned());
        }
    }

    /// The four words naming the network this device syncs (see `DocId::fingerprint`).
    pub fn fingerprint(&self) -> Option<String> {
        let secret = RootSecret::from_fragment(&self.secret.get()?).ok()?;
        Some(secret.keys().doc_id.fingerprint())
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

    /// Starts a fresh sync with `secret` (once the worker has the network).
    fn start(&self, secret: RootSecret) {
        self.ended.set(None);
        self.secret.set(Some(secret.to_fragment()));
        self.ask(SyncRequest::Start {
            secret: secret.to_fragment(),
            fresh: true,
            online: online(),
        });
        self.phrase_saved
            .set(stored().is_some_and(|s| s.phrase_saved()));
    }

    /// Tries again with an invite code from whoever runs the sync server (kept until the
    /// network is there).
    pub fn use_invite(&self, code: &str) {
        self.ask(SyncRequest::Invite(code.to_owned()));
    }

    /// Asks the relay to delete this network's data (this device keeps its copy).
    pub fn delete_remote(&self) {
        self.ask(SyncRequest::Delete);
    }

    /// Stops syncing on this device and forgets the secret (the network stays).
    pub fn turn_off(&self) {
        self.ask(SyncRequest::Forget);
        self.secret.set(None);
        self.status.set(None);
    }
}

/// Sync's state in this browser's storage.
fn stored() -> Option<SyncStore<Box<dyn KeyValue>>> {
    platform::storage().map(SyncStore::new)
}
