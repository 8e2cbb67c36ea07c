//! Sync as the pages see it: whether it is on, its status, and the commands behind the
//! settings (turn on, join, delete from the relay, turn off). The worker runs sync
//! (`replica/sync.rs`) and holds the relay's socket; the page's side keeps what is shown of it
//! ([`Report`](crate::tab::Report)) and its keys in storage.

use crate::crypto::RootSecret;
use crate::sync::Status;
use crate::ui::platform::online;
use crate::ui::state::NetworkState;
use crate::wire::{SyncRequest, ToWorker};
use leptos::prelude::*;

/// Sync as pages read and command it.
#[derive(Clone, Copy)]
pub struct SyncState {
    network: NetworkState,
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
    /// Sync's status; `None` while sync is off on this device.
    pub fn status(&self) -> Option<Status> {
        self.network.report.with(|r| r.sync.clone())
    }

    /// The pairing secret, while sync is on.
    pub fn secret(&self) -> Option<String> {
        self.network.report.with(|r| r.secret.clone())
    }

    /// Whether the user has said they saved the recovery phrase (asked on home until then).
    pub fn phrase_saved(&self) -> bool {
        self.network.report.with(|r| r.phrase_saved)
    }

    /// Why sync stopped on its own, when it did.
    pub fn ended(&self) -> Option<&'static str> {
        self.network.report.with(|r| r.sync_ended)
    }

    /// Starts syncing if this device was set up before (called once the network is open).
    pub fn resume(&self) {
        self.network.tell(|tab| tab.resume_sync(online()));
    }

    fn ask(&self, request: SyncRequest) {
        self.network.send(ToWorker::Sync(request));
    }

    /// Creates a new synced network from this device's. Its recovery phrase is offered, not
    /// forced: home asks for it to be saved until it is.
    pub fn turn_on(&self) {
        self.join(RootSecret::generate());
        self.mark_phrase_saved(false);
    }

    /// Joins the synced network of `secret`; what is on this device is merged into it.
    pub fn join(&self, secret: RootSecret) {
        self.network
            .tell(|tab| Some(tab.start_sync(&secret, online())));
    }

    /// Records that the recovery phrase is kept somewhere safe.
    pub fn mark_phrase_saved(&self, saved: bool) {
        self.network.tell(|tab| tab.mark_phrase_saved(saved));
    }

    /// The four words naming the network this device syncs (see `DocId::fingerprint`).
    pub fn fingerprint(&self) -> Option<String> {
        let secret = RootSecret::from_fragment(&self.secret()?).ok()?;
        Some(secret.keys().doc_id.fingerprint())
    }

    /// The pairing secret this device has stored, read afresh (it may not be resumed yet).
    pub fn stored_fragment(&self) -> Option<String> {
        let secret = self.network.with_tab(|tab| tab.stored_secret()).flatten();
        secret.map(|s| s.to_fragment())
    }

    /// The recovery phrase of the network this device syncs, shown on request.
    pub fn phrase(&self) -> Option<String> {
        let fragment = self.network.report.with_untracked(|r| r.secret.clone())?;
        RootSecret::from_fragment(&fragment)
            .ok()
            .map(|s| s.phrase())
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
        self.network.tell(|tab| Some(tab.stop_sync()));
    }
}
