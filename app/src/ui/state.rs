//! The network as the pages see it: one context, provided by the app shell, holding the
//! [`Replica`] and doing its I/O (timers, the save state, problems, a worker to check
//! compactions) and the reactive part (a version every read subscribes to).
//!
//! On the server and until hydration finishes there is no network (`ready` is false) and pages
//! render their loading state, so the server's HTML and the first client render agree. After
//! hydration the browser opens the store and the pages fill in.

use crate::doc::list_cache::CachedList;
use crate::doc::store::{KeyValue, Opened, PendingSnapshot, Problem};
use crate::doc::typing::Target;
use crate::doc::{Command, DocError, Ran};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, PersonRow};
use crate::exchange::merge::Plan;
use crate::exchange::Contact;
pub use crate::replica::{tab_lock, Outlines, Replica};
use crate::replica::{Effects, Timer};
use crate::ui::sync::SyncIo;
use crate::view::{Answer, Query};
use leptos::prelude::*;

/// Whether the latest edit is in this device's storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing edited since the page opened.
    Idle,
    Saved,
    /// Kept in memory only (see the problems).
    NotSaved,
}

/// Loads a snapshot off the page's thread; `Err` when that isn't possible here.
#[cfg(feature = "hydrate")]
async fn verify_elsewhere(text: String) -> Result<Result<Vec<String>, String>, String> {
    crate::browser::worker::snapshot_heads(text).await
}

#[cfg(not(feature = "hydrate"))]
async fn verify_elsewhere(_text: String) -> Result<Result<Vec<String>, String>, String> {
    Err("no worker outside the browser".into())
}

#[derive(Clone, Copy)]
pub struct NetworkState {
    replica: StoredValue<Option<Replica>, LocalStorage>,
    /// The cached overview (its interviews apart, shared as `Outlines`), shown until the
    /// document has loaded.
    cached: StoredValue<Option<(CachedList, Outlines)>, LocalStorage>,
    /// Bumped whenever the network changes; every read subscribes to it.
    version: RwSignal<u64>,
    pub ready: RwSignal<bool>,
    pub problems: RwSignal<Vec<Problem>>,
    pub save_state: RwSignal<SaveState>,
    /// What the last change did, with the way to take it back ("Deleted Ana Lima · Undo").
    pub notice: RwSignal<Option<Notice>>,
    /// Sync's signals and socket (see `ui/sync.rs`).
    sync: SyncIo,
    /// Counts the commands kept while the network opens, so they keep their order.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    kept: StoredValue<u32, LocalStorage>,
}

/// A short notice after a change: what was done, and its undo when it has one.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub undo: Option<Command>,
}

pub fn provide_network_state() -> NetworkState {
    let state = NetworkState {
        replica: StoredValue::new_local(None),
        cached: StoredValue::new_local(None),
        version: RwSignal::new(0),
        ready: RwSignal::new(false),
        problems: RwSignal::new(Vec::new()),
        save_state: RwSignal::new(SaveState::Idle),
        notice: RwSignal::new(None),
        sync: SyncIo::new(),
        kept: StoredValue::new_local(0),
    };
    provide_context(state);
    state
}

pub fn use_network() -> NetworkState {
    expect_context::<NetworkState>()
}

impl NetworkState {
    /// Shows the cached overview while the document loads.
    pub fn show_cached(&self, mut list: CachedList) {
        let outlines = std::rc::Rc::new(std::mem::take(&mut list.interviews));
        self.cached.set_value(Some((list, outlines)));
        self.version.update(|v| *v += 1);
    }

    /// Installs a freshly opened network (called once, in the browser, after hydration).
    pub fn install(&self, opened: Opened<Box<dyn KeyValue>>) {
        let cached = self.cached.try_update_value(Option::take).flatten();
        let (mut replica, effects) = Replica::open(opened, cached, now());
        replica.on_mark(mark);
        self.replica.set_value(Some(replica));
        self.problems.set(Vec::new());
        self.ready.set(true);
        self.apply(effects);
    }

    /// Does what an event's effects ask: redraw, the save state and problems, timers.
    fn apply(&self, effects: Effects) {
        let Effects {
            changed,
            saved,
            timers,
            problems,
            sync,
        } = effects;
        if let Some(saved) = saved {
            self.saved(saved);
        }
        if !problems.is_empty() {
            self.problems.update(|p| p.extend(problems));
        }
        if changed {
            self.version.update(|v| *v += 1);
        }
        for timer in timers {
            let state = *self;
            let (after, fire): (i64, Box<dyn FnOnce()>) = match timer {
                Timer::TypingPause { after, keystroke } => (
                    after,
                    Box::new(move || state.with(|r| r.typing_paused(keystroke, now()))),
                ),
                Timer::Upkeep { after } => (after, Box::new(move || state.upkeep())),
                Timer::Push { after } => {
                    (after, Box::new(move || state.with(|r| r.sync_push(now()))))
                }
                Timer::SyncTick { after, session } => (
                    after,
                    Box::new(move || state.with(|r| r.sync_tick(session, now()))),
                ),
                Timer::Reconnect { after, session } => (
                    after,
                    Box::new(move || state.with(|r| r.sync_reconnect(session, now()))),
                ),
            };
            set_timeout(fire, std::time::Duration::from_millis(after.max(0) as u64));
        }
        if !sync.is_empty() {
            self.sync.perform(*self, sync);
        }
    }

    /// Sync's signals and socket.
    pub fn sync_io(&self) -> SyncIo {
        self.sync
    }

    /// Runs an event on the replica (when it is open) and applies its effects.
    pub(crate) fn with(&self, event: impl FnOnce(&mut Replica) -> Effects) {
        if let Some(effects) = self
            .replica
            .try_update_value(|r| r.as_mut().map(event))
            .flatten()
        {
            self.apply(effects);
        }
    }

    /// Runs an event that answers something as well, and applies its effects.
    fn ask<T>(
        &self,
        event: impl FnOnce(&mut Replica) -> Result<(T, Effects), DocError>,
    ) -> Result<T, String> {
        let outcome = self
            .replica
            .try_update_value(|r| match r.as_mut() {
                Some(replica) => event(replica),
                None => Err(DocError::Opening),
            })
            .unwrap_or_else(|| Err(DocError::Layout("the page is closing".into())));
        match outcome {
            Ok((answer, effects)) => {
                self.apply(effects);
                Ok(answer)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Reads the people list (cached until the document is open), re-running when it changes.
    pub fn rows_with<T>(&self, f: impl FnOnce(&[PersonRow]) -> T) -> Option<T> {
        self.version.track();
        let mut f = Some(f);
        let from_replica = self
            .replica
            .try_with_value(|r| Some(f.take()?(r.as_ref()?.rows())))
            .flatten();
        if from_replica.is_some() {
            return from_replica;
        }
        let f = f?;
        self.cached
            .try_with_value(|cached| cached.as_ref().map(|(list, _)| f(&list.rows)))
            .flatten()
    }

    /// Asks the replica (see `ui/view.rs`), re-running whenever the network changes. `None`
    /// until it is open.
    pub(super) fn ask_view(&self, query: Query) -> Option<Answer> {
        self.version.track();
        self.peek(|r| r.answer(&query))
    }

    /// Every interview in outline, re-running when the network changes; from the cached
    /// overview until the document has loaded.
    pub fn outlines(&self) -> Option<Outlines> {
        self.version.track();
        let from_replica = self
            .replica
            .try_update_value(|r| r.as_mut().map(Replica::outlines))
            .flatten();
        if from_replica.is_some() {
            return from_replica;
        }
        self.cached
            .try_with_value(|cached| cached.as_ref().map(|(_, outlines)| outlines.clone()))
            .flatten()
    }

    /// The fields and the follow-up settings, re-running when the network changes; from the
    /// cached overview until the document has loaded.
    pub fn fields_and_follow_up(&self) -> Option<(Vec<(FieldId, Field)>, FollowUpSettings)> {
        self.version.track();
        let from_replica = self.peek(Replica::fields_and_follow_up);
        if from_replica.is_some() {
            return from_replica;
        }
        self.cached
            .try_with_value(|cached| {
                cached
                    .as_ref()
                    .map(|(list, _)| (list.fields.clone(), list.follow_up))
            })
            .flatten()
    }

    fn peek<T>(&self, f: impl FnOnce(&Replica) -> T) -> Option<T> {
        self.replica.try_with_value(|r| r.as_ref().map(f)).flatten()
    }

    /// Makes one change to the network and saves it to this device. Returns how many people
    /// it wrote (their lines in the people list are brought up to date at once).
    ///
    /// An error means the change was not made. A full storage is not an error: the change is
    /// kept in memory and the user is told.
    pub fn edit(&self, command: Command) -> Result<usize, String> {
        self.run(command).map(|ran| ran.people.len())
    }

    /// Makes a change as [`NetworkState::edit`] does, and offers to take it back: a short
    /// notice says `done` ("Deleted Ana Lima") with an Undo button.
    pub fn edit_with_undo(&self, command: Command, done: String) -> Result<usize, String> {
        let ran = self.run(command)?;
        let written = ran.people.len();
        if let Some(undo) = ran.undo {
            self.notice.set(Some(Notice {
                text: done,
                undo: Some(undo),
            }));
        }
        Ok(written)
    }

    /// Takes back the change the notice offers to undo.
    pub fn undo(&self) {
        let Some(undo) = self
            .notice
            .try_update(|n| n.take().and_then(|n| n.undo))
            .flatten()
        else {
            return;
        };
        let text = match self.run(undo) {
            Ok(_) => "Undone".to_owned(),
            Err(e) => format!("Could not undo: {e}"),
        };
        self.notice.set(Some(Notice { text, undo: None }));
    }

    /// Runs a command; while the network is still opening, keeps it in storage at once, to
    /// be run as soon as it is open (`doc::journal`).
    fn run(&self, command: Command) -> Result<Ran, String> {
        if self.replica.try_with_value(Option::is_some) != Some(false) {
            return self.ask(|r| r.run(&command, now()));
        }
        #[cfg(feature = "hydrate")]
        {
            let at = now();
            let n = self.kept.try_update_value(|n| std::mem::replace(n, *n + 1));
            let key = crate::doc::journal::key(at, &crate::domain::new_id()[..8], n.unwrap_or(0));
            let mut kv = crate::browser::LocalStorageKv::open().map_err(|e| e.to_string())?;
            match crate::doc::journal::keep(&mut kv, &key, &command) {
                Ok(()) => self.saved(true),
                Err(e) => return Err(e.to_string()),
            }
            mark("colloquy:edit:kept");
            Ok(Ran::default())
        }
        #[cfg(not(feature = "hydrate"))]
        Err(DocError::Opening.to_string())
    }

    /// Types into a text (see [`Replica::type_text`]).
    pub fn type_text(&self, target: Target, text: String) -> Result<(), String> {
        self.ask(|r| Ok(((), r.type_text(target, text, now())?)))
    }

    /// Commits the typing in progress now (the page is being left).
    pub fn flush_typing(&self) {
        self.with(|r| r.flush_typing(now()));
    }

    /// Recovers typing that tabs left when they died (see [`Replica::recover_typing`]).
    pub fn recover_typing(&self, live: Option<Vec<String>>) {
        self.with(|r| r.recover_typing(live.as_deref(), now()));
    }

    /// Merges a network saved elsewhere (a downloaded copy) into this one; nothing here is
    /// dropped. Returns how many people the network then has.
    pub fn import(&self, bytes: &[u8]) -> Result<usize, String> {
        self.ask(|r| r.import(bytes, now()))
    }

    /// Matches imported contacts against the network as it is now.
    pub fn plan_import(&self, contacts: Vec<Contact>) -> Option<Plan> {
        self.peek(|r| r.plan_import(contacts))
    }

    /// Bumped on every change to the network, local or remote.
    pub fn version(&self) -> RwSignal<u64> {
        self.version
    }

    /// Takes in a change another tab made to storage.
    pub fn external_change(&self, key: &str) {
        self.with(|r| r.external_change(key, now()));
    }

    /// The whole network as a saved Automerge document, for the user to keep.
    pub fn export(&self) -> Option<Vec<u8>> {
        self.ask(|r| Ok(r.export(now()))).ok()
    }

    /// Unreadable data kept aside, as JSON `{key: value}`, for the user to keep.
    pub fn export_aside(&self) -> Option<String> {
        self.peek(|r| {
            let aside: std::collections::BTreeMap<String, String> =
                r.kept_aside().into_iter().collect();
            serde_json::to_string_pretty(&aside).unwrap_or_default()
        })
    }

    /// Deletes the unreadable data kept aside, once the user has a copy or gives up on it.
    pub fn discard_aside(&self) {
        let discarded = self
            .replica
            .try_update_value(|r| r.as_mut().map(Replica::discard_aside));
        if let Some(Some(true)) = discarded {
            self.problems
                .update(|p| p.retain(|p| !matches!(p, Problem::Unreadable { .. })));
        }
    }

    fn saved(&self, saved: bool) {
        // The first real use: ask the browser to keep this site's storage for good.
        #[cfg(feature = "hydrate")]
        if self.save_state.get_untracked() == SaveState::Idle {
            crate::browser::request_persistent_storage();
        }
        self.save_state.set(if saved {
            SaveState::Saved
        } else {
            SaveState::NotSaved
        });
        self.problems.update(|problems| {
            problems.retain(|p| *p != Problem::Full);
            if !saved {
                problems.push(Problem::Full);
            }
        });
    }

    fn upkeep(&self) {
        let pending = self
            .replica
            .try_update_value(|r| {
                let (effects, pending) = r.as_mut()?.upkeep(now());
                Some((effects, pending))
            })
            .flatten();
        if let Some((effects, pending)) = pending {
            self.apply(effects);
            if let Some(pending) = pending {
                let state = *self;
                leptos::task::spawn_local(async move { state.finish_compaction(pending).await });
            }
        }
    }

    /// Verifies a compaction's snapshot, which loads the whole network: in a worker, so the
    /// page goes on answering (edits meanwhile are saved as usual), or here if no worker can
    /// be had. Then moves the store to it.
    async fn finish_compaction(self, pending: PendingSnapshot) {
        let stored = self.peek(|r| r.stored_snapshot(&pending)).flatten();
        let verified = match stored {
            None => false,
            // (The marks tell the tests and benchmarks where the check ran.)
            Some(text) => match verify_elsewhere(text).await {
                Ok(heads) => {
                    mark("colloquy:snapshot-checked-by-worker");
                    pending.matches(&heads)
                }
                Err(_) => {
                    mark("colloquy:snapshot-checked-by-page");
                    self.peek(|r| r.verify(&pending)).unwrap_or(false)
                }
            },
        };
        self.with(|r| r.finish_compaction(pending, verified, now()));
    }
}

/// The user's time zone (UTC on the server, which renders no times).
#[cfg(feature = "hydrate")]
pub fn zone() -> crate::domain::clock::LocalZone {
    crate::browser::zone()
}

#[cfg(not(feature = "hydrate"))]
pub fn zone() -> crate::domain::clock::LocalZone {
    crate::domain::clock::LocalZone::UTC
}

/// Records a named instant for the benchmarks (nothing on the server).
fn mark(name: &str) {
    #[cfg(feature = "hydrate")]
    crate::browser::mark(name);
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}

#[cfg(feature = "hydrate")]
pub fn now() -> i64 {
    crate::browser::now()
}

#[cfg(not(feature = "hydrate"))]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
