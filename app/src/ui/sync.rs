//! Sync as the pages see it: whether it is on, its status, and the commands behind the
//! settings (turn on, join, delete from the relay, turn off). In the browser a driver feeds
//! `SyncClient` from a WebSocket and the network: every change is pushed (debounced), every
//! blob from the relay applied; the client's state is kept through `sync::stored` beside the
//! network.

use crate::crypto::RootSecret;
use crate::sync::Status;
use crate::ui::state::NetworkState;
use leptos::prelude::*;

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
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    network: NetworkState,
    #[cfg(feature = "hydrate")]
    driver: StoredValue<Option<driver::Driver>, LocalStorage>,
}

/// Provides sync's context; in the browser also pushes every change of the network and
/// follows the browser going on and offline.
pub fn provide_sync_state(network: NetworkState) -> SyncState {
    let state = SyncState {
        status: RwSignal::new(None),
        secret: RwSignal::new(None),
        phrase_saved: RwSignal::new(true),
        ended: RwSignal::new(None),
        network,
        #[cfg(feature = "hydrate")]
        driver: StoredValue::new_local(None),
    };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    {
        let version = network.version();
        Effect::new(move |_| {
            version.track();
            driver::schedule_push(state);
        });
        let online = window_event_listener(leptos::ev::online, move |_| driver::connect(state));
        let offline =
            window_event_listener(leptos::ev::offline, move |_| driver::went_offline(state));
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
        #[cfg(feature = "hydrate")]
        if let Some(secret) = driver::stored_secret() {
            self.start(secret, false);
        }
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
        #[cfg(feature = "hydrate")]
        if let Some(mut stored) = driver::stored() {
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
        #[cfg(feature = "hydrate")]
        return driver::stored_secret().map(|s| s.to_fragment());
        #[cfg(not(feature = "hydrate"))]
        None
    }

    /// The recovery phrase of the network this device syncs, shown on request.
    pub fn phrase(&self) -> Option<String> {
        let fragment = self.secret.get_untracked()?;
        RootSecret::from_fragment(&fragment)
            .ok()
            .map(|s| s.phrase())
    }

    fn start(&self, secret: RootSecret, fresh: bool) {
        self.ended.set(None);
        self.secret.set(Some(secret.to_fragment()));
        #[cfg(feature = "hydrate")]
        self.phrase_saved
            .set(driver::stored().is_some_and(|s| s.phrase_saved()));
        #[cfg(feature = "hydrate")]
        {
            let state = *self;
            self.driver.update_value(|d| {
                if let Some(old) = d.take() {
                    old.stop();
                }
            });
            let driver = driver::Driver::start(state, secret, fresh);
            self.driver.set_value(Some(driver));
            driver::connect(state);
            driver::schedule_push(state);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (secret, fresh);
    }

    /// Tries again with an invite code from whoever runs the sync server (kept until the
    /// network is there).
    pub fn use_invite(&self, code: &str) {
        #[cfg(feature = "hydrate")]
        {
            if let Some(mut stored) = driver::stored() {
                let _ = stored.set_invite(Some(code));
            }
            driver::connect(*self);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = code;
    }

    /// Asks the relay to delete this network's data (this device keeps its copy).
    pub fn delete_remote(&self) {
        #[cfg(feature = "hydrate")]
        driver::delete_remote(*self);
    }

    /// Stops syncing on this device and forgets the secret (the network stays here).
    pub fn turn_off(&self) {
        #[cfg(feature = "hydrate")]
        {
            self.driver.update_value(|d| {
                if let Some(old) = d.take() {
                    old.stop();
                }
            });
            driver::forget();
        }
        self.secret.set(None);
        self.status.set(None);
    }
}

#[cfg(feature = "hydrate")]
mod driver {
    use super::*;
    use crate::browser::socket::Socket;
    use crate::browser::LocalStorageKv;
    use crate::sync::stored::SyncStore;
    use crate::sync::{ClientMsg, Output, Persisted, SyncClient};
    use automerge::ChangeHash;
    use std::time::Duration;

    /// Sync's state in this browser's storage (none where storage can't be used).
    pub fn stored() -> Option<SyncStore<LocalStorageKv>> {
        LocalStorageKv::open().ok().map(SyncStore::new)
    }

    pub struct Driver {
        client: SyncClient,
        socket: Option<Socket>,
        pushed: Vec<ChangeHash>,
        backoff: u32,
        stopped: bool,
        push_scheduled: bool,
        _timers: Vec<leptos::prelude::IntervalHandle>,
    }

    impl Driver {
        pub fn start(state: SyncState, secret: RootSecret, fresh: bool) -> Driver {
            let mut stored = stored();
            if let Some(stored) = &mut stored {
                let _ = stored.start(&secret, fresh);
            }
            // A device that joins pushes everything it has: nothing local is dropped.
            let (persisted, pushed) = match stored.filter(|_| !fresh) {
                Some(stored) => (stored.state(), stored.pushed()),
                None => (Persisted::default(), Vec::new()),
            };
            let retry = set_interval_with_handle(
                move || {
                    with_driver(state, |d| {
                        let mut out = Vec::new();
                        if d.client.has_unacked() {
                            out = d.client.retry();
                        }
                        if let Some(socket) = &d.socket {
                            socket.send(&ClientMsg::Ping.encode());
                        }
                        out
                    });
                },
                Duration::from_secs(5),
            )
            .ok();
            Driver {
                client: SyncClient::new(secret.keys(), persisted),
                socket: None,
                pushed,
                backoff: 0,
                stopped: false,
                push_scheduled: false,
                _timers: retry.into_iter().collect(),
            }
        }

        pub fn stop(mut self) {
            self.stopped = true;
            if let Some(socket) = self.socket.take() {
                socket.close();
            }
            for timer in self._timers.drain(..) {
                timer.clear();
            }
        }
    }

    /// Runs `f` on the driver and acts on what the client asks for.
    fn with_driver(state: SyncState, f: impl FnOnce(&mut Driver) -> Vec<Output>) {
        let outputs = state
            .driver
            .try_update_value(|d| d.as_mut().filter(|d| !d.stopped).map(f))
            .flatten();
        if let Some(outputs) = outputs {
            handle(state, outputs);
        }
    }

    pub fn went_offline(state: SyncState) {
        with_driver(state, |d| {
            if let Some(socket) = d.socket.take() {
                socket.close();
            }
            d.client.disconnected()
        });
    }

    fn handle(state: SyncState, outputs: Vec<Output>) {
        let network = state.network;
        for output in outputs {
            match output {
                Output::Send(frame) => {
                    state.driver.with_value(|d| {
                        if let Some(socket) = d.as_ref().and_then(|d| d.socket.as_ref()) {
                            socket.send(&frame);
                        }
                    });
                }
                Output::Apply(bytes) => match network.apply_remote(&bytes) {
                    Ok((before, after)) => {
                        state.driver.update_value(|d| {
                            if let Some(d) = d.as_mut() {
                                // Nothing unpushed here before: the remote changes needn't go back.
                                if d.pushed == before {
                                    d.pushed = after;
                                    save_pushed(&d.pushed);
                                }
                            }
                        });
                    }
                    Err(e) => state.status.set(Some(Status::Error(format!(
                        "a change from another device couldn't be applied ({e})"
                    )))),
                },
                Output::Persist => state.driver.with_value(|d| {
                    if let Some(d) = d {
                        save_state(d.client.persisted());
                    }
                }),
                // The relay lost what it had acknowledged (restored from a backup): the
                // whole network goes to it again.
                Output::ResendAll => {
                    if let Some(document) = network.export() {
                        with_driver(state, |d| {
                            let out = d.client.push(&document);
                            save_state(d.client.persisted());
                            out
                        });
                    }
                }
                // The relay's copy is gone, and the relay won't keep this network again: sync
                // stops here (the network stays), and says why.
                Output::Status(Status::Deleted) => {
                    state.turn_off();
                    state.ended.set(Some(DELETED));
                    return;
                }
                Output::Status(status) => {
                    // The network is at the relay now: the invite code has done its work.
                    if status == Status::UpToDate {
                        if let Some(mut stored) = stored() {
                            let _ = stored.set_invite(None);
                        }
                    }
                    state.status.set(Some(status))
                }
            }
        }
        // Offer a snapshot once enough blobs have gathered.
        let due = state
            .driver
            .with_value(|d| d.as_ref().is_some_and(|d| d.client.snapshot_due()));
        if due {
            if let Some(document) = network.export() {
                with_driver(state, |d| d.client.put_snapshot(&document));
            }
        }
    }

    pub fn schedule_push(state: SyncState) {
        let already = state
            .driver
            .try_update_value(|d| match d {
                Some(d) if !d.push_scheduled => {
                    d.push_scheduled = true;
                    false
                }
                _ => true,
            })
            .unwrap_or(true);
        if already {
            return;
        }
        set_timeout(
            move || {
                let network = state.network;
                let pushed = state
                    .driver
                    .try_update_value(|d| {
                        d.as_mut().map(|d| {
                            d.push_scheduled = false;
                            d.pushed.clone()
                        })
                    })
                    .flatten();
                let Some(pushed) = pushed else { return };
                let Some((changes, heads)) = network.changes_since(&pushed) else {
                    return;
                };
                if changes.is_empty() {
                    return;
                }
                with_driver(state, |d| {
                    d.pushed = heads;
                    let out = d.client.push(&changes);
                    // The outbox holds the changes before the heads move on.
                    save_state(d.client.persisted());
                    save_pushed(&d.pushed);
                    out
                });
            },
            Duration::from_millis(300),
        );
    }

    /// Opens the socket (again), unless sync was stopped or the browser is offline.
    pub fn connect(state: SyncState) {
        // Sync off on this device: nothing to connect.
        let running = state
            .driver
            .with_value(|d| d.as_ref().is_some_and(|d| !d.stopped));
        if !running {
            return;
        }
        if !crate::browser::is_online() {
            with_driver(state, |d| d.client.disconnected());
            return;
        }
        let invite = stored().and_then(|s| s.invite());
        let socket = Socket::open(
            invite.as_deref(),
            move || {
                with_driver(state, |d| {
                    d.backoff = 0;
                    d.client.connected()
                })
            },
            move |frame| with_driver(state, |d| d.client.received(&frame)),
            move || {
                let delay = state
                    .driver
                    .try_update_value(|d| {
                        d.as_mut().filter(|d| !d.stopped).and_then(|d| {
                            d.socket = None;
                            d.backoff = (d.backoff + 1).min(5);
                            // Refused for good until the user gives an invite code.
                            (!matches!(d.client.status(), Status::Closed(_)))
                                .then(|| Duration::from_secs(1 << d.backoff))
                        })
                    })
                    .flatten();
                with_driver(state, |d| d.client.disconnected());
                if let Some(delay) = delay {
                    set_timeout(move || connect(state), delay);
                }
            },
        );
        match socket {
            Ok(socket) => state.driver.update_value(|d| {
                if let Some(d) = d.as_mut() {
                    if let Some(old) = d.socket.replace(socket) {
                        old.close();
                    }
                }
            }),
            Err(e) => state
                .status
                .set(Some(Status::Error(format!("can't reach the relay ({e})")))),
        }
    }

    pub fn delete_remote(state: SyncState) {
        with_driver(state, |d| d.client.delete());
    }

    pub fn forget() {
        if let Some(mut stored) = stored() {
            let _ = stored.forget();
        }
    }

    pub fn stored_secret() -> Option<RootSecret> {
        stored()?.secret()
    }

    fn save_state(state: &Persisted) {
        if let Some(mut stored) = stored() {
            let _ = stored.save_state(state);
        }
    }

    fn save_pushed(heads: &[ChangeHash]) {
        if let Some(mut stored) = stored() {
            let _ = stored.save_pushed(heads);
        }
    }
}
