//! The network as the pages see it: one context, provided by the app shell.
//!
//! On the server and until hydration finishes there is no network (`ready` is false) and pages
//! render their loading state, so the server's HTML and the first client render agree. After
//! hydration the browser opens the store and the pages fill in.

use crate::doc::list_cache::{CachedList, Overview};
use crate::doc::store::{KeyValue, PendingSnapshot, Problem, Store};
use crate::doc::typing::{Target, Typing};
use crate::doc::{Command, DocError, Network, Ran};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, PersonRow};
use crate::exchange::merge::{self, Plan};
use crate::exchange::Contact;
use leptos::prelude::*;

/// A network opened from this browser's storage.
pub struct Session {
    pub network: Network,
    store: Store<Box<dyn KeyValue>>,
    /// The people list, kept sorted; updated per edit rather than rebuilt.
    pub rows: Vec<PersonRow>,
    /// Every interview in outline, kept up to date per edit; `None` until read (again).
    outlines: Option<Outlines>,
    /// The stored overview (`doc::list_cache`) no longer matches the network.
    list_stale: bool,
    upkeep_scheduled: bool,
    /// A compaction's snapshot is written and being verified (see `NetworkState::upkeep`).
    compacting: bool,
    /// When the latest edit was saved (ms): upkeep waits until edits have paused.
    last_edit: i64,
    /// Text being typed, kept in storage but not yet committed (see `doc::typing`).
    typing: Option<Typing>,
    /// Counts keystrokes, so a commit timer knows whether typing went on after it was set.
    keystrokes: u64,
}

/// Whether the latest edit is in this device's storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing edited since the page opened.
    Idle,
    Saved,
    /// Kept in memory only (see the problems).
    NotSaved,
}

/// What is left to do after an upkeep pass.
enum Upkeep {
    /// Edits haven't paused yet: come back in this many ms.
    Wait(i64),
    /// A compaction's snapshot is written and must be verified.
    Verify(PendingSnapshot),
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

/// Every interview in outline (`Network::interview_outlines`), shared by the pages that list them.
pub type Outlines = std::rc::Rc<Vec<(crate::domain::InterviewId, crate::domain::Interview)>>;

/// How long edits must pause before compaction and the list cache are written (ms).
const UPKEEP_PAUSE: i64 = 1500;

/// How long typing must pause before it is committed to the document as one change (ms).
const TYPING_PAUSE: i64 = 1000;

/// Where the browser has no Web Locks to tell a live tab from a dead one, typing another tab
/// left is taken as abandoned once it is this old (ms); a live tab commits within `TYPING_PAUSE`.
const TYPING_ABANDONED: i64 = 30_000;

/// The Web Lock a tab holds while it lives (see `NetworkState::recover_typing`).
pub fn tab_lock(tab: &str) -> String {
    format!("colloquy-tab-{tab}")
}

#[derive(Clone, Copy)]
pub struct NetworkState {
    session: StoredValue<Option<Session>, LocalStorage>,
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
}

/// A short notice after a change: what was done, and its undo when it has one.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub undo: Option<Command>,
}

pub fn provide_network_state() -> NetworkState {
    let state = NetworkState {
        session: StoredValue::new_local(None),
        cached: StoredValue::new_local(None),
        version: RwSignal::new(0),
        ready: RwSignal::new(false),
        problems: RwSignal::new(Vec::new()),
        save_state: RwSignal::new(SaveState::Idle),
        notice: RwSignal::new(None),
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
    pub fn install(
        &self,
        store: Store<Box<dyn KeyValue>>,
        mut network: Network,
        problems: Vec<Problem>,
    ) {
        let cached = self.cached.try_update_value(Option::take).flatten();
        let (rows, outlines, list_stale) = match cached {
            Some((list, outlines)) if list.heads == network.heads() => {
                (list.rows, Some(outlines), false)
            }
            _ => (network.rows(), None, true),
        };
        let upkeep_due = list_stale || store.needs_compaction();
        self.session.set_value(Some(Session {
            network,
            store,
            rows,
            outlines,
            list_stale,
            upkeep_scheduled: false,
            compacting: false,
            last_edit: 0,
            typing: None,
            keystrokes: 0,
        }));
        self.problems.set(problems);
        self.ready.set(true);
        self.version.update(|v| *v += 1);
        if upkeep_due {
            self.schedule_upkeep();
        }
    }

    /// Reads the people list (cached until the document is open), re-running when it changes.
    pub fn rows_with<T>(&self, f: impl FnOnce(&[PersonRow]) -> T) -> Option<T> {
        self.version.track();
        let mut f = Some(f);
        let from_session = self
            .session
            .try_with_value(|session| {
                let session = session.as_ref()?;
                f.take().map(|f| f(&session.rows))
            })
            .flatten();
        if from_session.is_some() {
            return from_session;
        }
        let f = f?;
        self.cached
            .try_with_value(|cached| cached.as_ref().map(|(list, _)| f(&list.rows)))
            .flatten()
    }

    /// Reads the network, re-running whenever it changes. `None` until it is loaded.
    pub fn read<T>(&self, f: impl FnOnce(&Session) -> T) -> Option<T> {
        self.version.track();
        self.session
            .try_with_value(|session| session.as_ref().map(f))
            .flatten()
    }

    /// Every interview in outline, re-running when the network changes; from the cached
    /// overview until the document has loaded. Read from the document once (at 5,000 interviews
    /// that takes a good part of a second) and then kept up to date edit by edit, so moving
    /// between pages that list interviews, or editing one, doesn't read them all again.
    pub fn outlines(&self) -> Option<Outlines> {
        self.version.track();
        let from_session = self
            .session
            .try_update_value(|session| {
                let Session {
                    network, outlines, ..
                } = session.as_mut()?;
                Some(
                    outlines
                        .get_or_insert_with(|| std::rc::Rc::new(network.interview_outlines()))
                        .clone(),
                )
            })
            .flatten();
        if from_session.is_some() {
            return from_session;
        }
        self.cached
            .try_with_value(|cached| cached.as_ref().map(|(_, outlines)| outlines.clone()))
            .flatten()
    }

    /// The fields and the follow-up settings, re-running when the network changes; from the
    /// cached overview until the document has loaded.
    pub fn fields_and_follow_up(&self) -> Option<(Vec<(FieldId, Field)>, FollowUpSettings)> {
        self.version.track();
        let from_session = self
            .session
            .try_with_value(|session| {
                let network = &session.as_ref()?.network;
                Some((network.fields(), network.profile().follow_up))
            })
            .flatten();
        if from_session.is_some() {
            return from_session;
        }
        self.cached
            .try_with_value(|cached| {
                cached
                    .as_ref()
                    .map(|(list, _)| (list.fields.clone(), list.follow_up))
            })
            .flatten()
    }

    /// Reads without subscribing (in event handlers).
    pub fn peek<T>(&self, f: impl FnOnce(&Session) -> T) -> Option<T> {
        self.session
            .try_with_value(|session| session.as_ref().map(f))
            .flatten()
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

    fn run(&self, command: Command) -> Result<Ran, String> {
        let now = now();
        let outcome = self
            .session
            .try_update_value(|session| -> Result<(Ran, bool), DocError> {
                let Some(session) = session.as_mut() else {
                    return Err(DocError::Opening);
                };
                session.commit_typing(now);
                mark("colloquy:edit:start");
                let ran = session.network.run(&command, now)?;
                mark("colloquy:edit:run");
                if let Some(outlines) = &mut session.outlines {
                    let outlines = std::rc::Rc::make_mut(outlines);
                    for id in &ran.interviews {
                        session.network.refresh_outline(outlines, id);
                    }
                }
                session.list_stale = true;
                if !ran.people.is_empty() {
                    let replacements = ran
                        .people
                        .iter()
                        .filter_map(|(id, person)| {
                            person.as_ref().map(|p| PersonRow::new(id.clone(), p))
                        })
                        .collect();
                    crate::domain::replace_rows(
                        &mut session.rows,
                        ran.people.iter().map(|(id, _)| id),
                        replacements,
                    );
                }
                mark("colloquy:edit:listed");
                let saved = session.save();
                mark("colloquy:edit:saved");
                Ok((ran, saved))
            })
            .unwrap_or_else(|| Err(DocError::Layout("the page is closing".into())));
        match outcome {
            Ok((ran, saved)) => {
                self.after_save(saved);
                self.version.update(|v| *v += 1);
                Ok(ran)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Types into a text (notes, an answer, research): the text is kept in storage at once,
    /// and committed to the network as one change once typing pauses for `TYPING_PAUSE`, or
    /// before anything else changes the network, or when the page is left.
    pub fn type_text(&self, target: Target, text: String) -> Result<(), String> {
        let now = now();
        let outcome = self
            .session
            .try_update_value(|session| -> Result<(bool, bool, u64), DocError> {
                let Some(session) = session.as_mut() else {
                    return Err(DocError::Opening);
                };
                let mut committed = false;
                if session.typing.as_ref().is_some_and(|t| t.target != target) {
                    committed = session.commit_typing(now);
                }
                let mut typing = match session.typing.take() {
                    Some(typing) => typing,
                    None => Typing::begin(target, &session.network)?,
                };
                typing.text = text;
                typing.at = now;
                let kept = session.store.keep_typing(&typing).is_ok();
                session.typing = Some(typing);
                session.keystrokes += 1;
                Ok((committed, kept, session.keystrokes))
            })
            .unwrap_or_else(|| Err(DocError::Layout("the page is closing".into())));
        match outcome {
            Ok((committed, kept, keystroke)) => {
                if committed {
                    self.version.update(|v| *v += 1);
                }
                self.after_save(kept);
                let state = *self;
                set_timeout(
                    move || state.commit_typing_unless_typed_since(keystroke),
                    std::time::Duration::from_millis(TYPING_PAUSE as u64),
                );
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn commit_typing_unless_typed_since(&self, keystroke: u64) {
        let typed_since = self
            .peek(|session| session.keystrokes != keystroke)
            .unwrap_or(true);
        if !typed_since {
            self.flush_typing();
        }
    }

    /// Commits the typing in progress now (the page is being left).
    pub fn flush_typing(&self) {
        let now = now();
        let outcome = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                session.typing.as_ref()?;
                let changed = session.commit_typing(now);
                Some((changed, !session.store.has_unsaved()))
            })
            .flatten();
        if let Some((changed, saved)) = outcome {
            if changed {
                self.version.update(|v| *v += 1);
                mark("colloquy:typing-committed");
            }
            self.after_save(saved);
        }
    }

    /// Recovers typing that tabs left when they died before committing it. `live` names the
    /// Web Locks held now (each tab holds [`tab_lock`] while it lives); without Web Locks,
    /// typing older than `TYPING_ABANDONED` counts as left.
    pub fn recover_typing(&self, live: Option<Vec<String>>) {
        let now = now();
        let outcome = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                let left = session.store.typing_left().ok()?;
                // This tab's own typing first: it must not be committed over what is recovered.
                let mut changed = !left.is_empty() && session.commit_typing(now);
                let mut unreadable = Vec::new();
                for (tab, stored) in left {
                    let typing = match Typing::decode(&stored) {
                        Ok(typing) => typing,
                        Err(why) => {
                            if let Ok(key) = session.store.keep_typing_aside(&tab) {
                                unreadable.push((key, why));
                            }
                            continue;
                        }
                    };
                    let alive = match &live {
                        Some(names) => names.contains(&tab_lock(&tab)),
                        None => now - typing.at < TYPING_ABANDONED,
                    };
                    if alive {
                        // Another tab is typing: its typing is its own to commit.
                        mark("colloquy:typing-live");
                        continue;
                    }
                    let before = session.network.heads();
                    if typing.recover(&mut session.network, now).is_ok() && session.save() {
                        let _ = session.store.drop_typing_of(&tab);
                    }
                    changed |= session.network.heads() != before;
                }
                Some((changed, unreadable))
            })
            .flatten();
        mark("colloquy:typing-checked");
        let Some((changed, unreadable)) = outcome else {
            return;
        };
        if changed {
            self.version.update(|v| *v += 1);
            mark("colloquy:typing-recovered");
        }
        if !unreadable.is_empty() {
            let detail = unreadable
                .iter()
                .map(|(_, why)| why.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            let keys = unreadable.into_iter().map(|(key, _)| key).collect();
            self.problems
                .update(|p| p.push(Problem::Unreadable { keys, detail }));
        }
    }

    /// Merges a network saved elsewhere (a downloaded copy) into this one; nothing here is
    /// dropped. Returns how many people the network then has.
    pub fn import(&self, bytes: &[u8]) -> Result<usize, String> {
        let outcome = self
            .session
            .try_update_value(|session| -> Result<(usize, bool), DocError> {
                let Some(session) = session.as_mut() else {
                    return Err(DocError::Opening);
                };
                // Check the whole file first: a damaged or foreign file changes nothing.
                Network::load(bytes)?;
                session.commit_typing(now());
                session.network.apply(bytes)?;
                session.reread();
                Ok((session.network.len(), session.save()))
            })
            .unwrap_or_else(|| Err(DocError::Layout("the page is closing".into())));
        match outcome {
            Ok((people, saved)) => {
                self.after_save(saved);
                self.version.update(|v| *v += 1);
                Ok(people)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Matches imported contacts against the network as it is now.
    pub fn plan_import(&self, contacts: Vec<Contact>) -> Option<Plan> {
        self.peek(|session| {
            let network = &session.network;
            merge::plan(&network.identities(), contacts, |id| {
                network.person(id).ok().flatten()
            })
        })
    }

    /// The changes after `heads` (empty when there are none) and the heads now: what sync
    /// pushes next.
    pub fn changes_since(
        &self,
        heads: &[automerge::ChangeHash],
    ) -> Option<(Vec<u8>, Vec<automerge::ChangeHash>)> {
        self.flush_typing();
        self.session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                let changes = session.network.save_after(heads);
                Some((changes, session.network.heads()))
            })
            .flatten()
    }

    /// Applies changes that came from another device, saves them here, and returns the heads
    /// before and after.
    pub fn apply_remote(
        &self,
        bytes: &[u8],
    ) -> Result<(Vec<automerge::ChangeHash>, Vec<automerge::ChangeHash>), String> {
        let outcome = self
            .session
            .try_update_value(|session| -> Result<_, DocError> {
                let Some(session) = session.as_mut() else {
                    return Err(DocError::Opening);
                };
                session.commit_typing(now());
                let before = session.network.heads();
                session.network.apply(bytes)?;
                let after = session.network.heads();
                if after != before {
                    session.reread();
                }
                Ok((before, after, session.save()))
            })
            .unwrap_or_else(|| Err(DocError::Layout("the page is closing".into())));
        match outcome {
            Ok((before, after, saved)) => {
                if before != after {
                    self.after_save(saved);
                    self.version.update(|v| *v += 1);
                }
                Ok((before, after))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Bumped on every change to the network, local or remote.
    pub fn version(&self) -> RwSignal<u64> {
        self.version
    }

    /// Takes in a change another tab made to storage.
    pub fn external_change(&self, key: &str) {
        // Another tab's typing is its own until that tab commits it.
        if key.starts_with(crate::doc::store::TYPING) {
            return;
        }
        let changed = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                // Only what changes the network ends a burst of typing here: another tab
                // rewriting its overview cache or its sync state leaves this tab's typing be.
                if !session.store.affects_network(key) {
                    return Some(false);
                }
                let committed = session.commit_typing(now());
                match session.store.on_external_change(&mut session.network, key) {
                    Ok(true) => {
                        session.reread();
                        Some(true)
                    }
                    _ => Some(committed),
                }
            })
            .flatten()
            .unwrap_or(false);
        if changed {
            self.version.update(|v| *v += 1);
        }
    }

    /// The whole network as a saved Automerge document, for the user to keep.
    pub fn export(&self) -> Option<Vec<u8>> {
        self.flush_typing();
        self.session
            .try_update_value(|session| session.as_mut().map(|s| s.network.save()))
            .flatten()
    }

    /// Unreadable data kept aside, as JSON `{key: value}`, for the user to keep.
    pub fn export_aside(&self) -> Option<String> {
        self.peek(|session| {
            let aside: std::collections::BTreeMap<String, String> =
                session.store.kept_aside().into_iter().collect();
            serde_json::to_string_pretty(&aside).unwrap_or_default()
        })
    }

    /// Deletes the unreadable data kept aside, once the user has a copy or gives up on it.
    pub fn discard_aside(&self) {
        let result = self
            .session
            .try_update_value(|session| session.as_mut().map(|s| s.store.discard_aside()));
        if let Some(Some(Ok(()))) = result {
            self.problems
                .update(|p| p.retain(|p| !matches!(p, Problem::Unreadable { .. })));
        }
    }

    fn after_save(&self, saved: bool) {
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
        self.schedule_upkeep();
    }

    /// Compaction and the list cache rewrite whole things: do them once edits have paused for
    /// `UPKEEP_PAUSE` (each edit pushes the moment back), never in the middle of typing.
    fn schedule_upkeep(&self) {
        let now = now();
        let schedule = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                session.last_edit = now;
                let due = !session.upkeep_scheduled;
                session.upkeep_scheduled = true;
                Some(due)
            })
            .flatten()
            .unwrap_or(false);
        if schedule {
            self.upkeep_after(UPKEEP_PAUSE);
        }
    }

    fn upkeep_after(&self, wait: i64) {
        let state = *self;
        set_timeout(
            move || state.upkeep(),
            std::time::Duration::from_millis(wait.max(0) as u64),
        );
    }

    fn upkeep(&self) {
        self.flush_typing();
        let now = now();
        let next = self.session.try_update_value(|session| {
            let session = session.as_mut()?;
            // (A clock set back makes `quiet` negative: then don't wait for it to catch up.)
            let quiet = now - session.last_edit;
            if (0..UPKEEP_PAUSE).contains(&quiet) {
                return Some(Upkeep::Wait(UPKEEP_PAUSE - quiet));
            }
            session.upkeep_scheduled = false;
            // A failed compaction leaves the current generation in place and is retried after
            // a later edit; a failed list write only makes the next opening slower.
            let mut pending = None;
            if session.store.needs_compaction() && !session.compacting {
                pending = session.store.begin_compaction(&mut session.network).ok();
                session.compacting = pending.is_some();
            }
            if session.list_stale && !session.store.has_unsaved() {
                let Session {
                    network,
                    store,
                    rows,
                    outlines,
                    ..
                } = &mut *session;
                let heads = network.heads();
                let interviews =
                    outlines.get_or_insert_with(|| std::rc::Rc::new(network.interview_outlines()));
                let written = store.write_list(&Overview {
                    heads: &heads,
                    rows,
                    interviews,
                    fields: &network.fields(),
                    follow_up: network.profile().follow_up,
                });
                session.list_stale = written.is_err();
            }
            Some(Upkeep::Verify(pending?))
        });
        match next.flatten() {
            Some(Upkeep::Wait(wait)) => self.upkeep_after(wait),
            Some(Upkeep::Verify(pending)) => {
                let state = *self;
                leptos::task::spawn_local(async move { state.finish_compaction(pending).await });
            }
            None => {}
        }
    }

    /// Verifies a compaction's snapshot, which loads the whole network: in a worker, so the
    /// page goes on answering (edits meanwhile are saved as usual), or here if no worker can
    /// be had. Then moves the store to it.
    async fn finish_compaction(self, pending: PendingSnapshot) {
        let stored = self
            .peek(|session| session.store.stored_snapshot(&pending))
            .and_then(Result::ok)
            .flatten();
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
                    self.peek(|session| session.store.verify(&pending))
                        .unwrap_or(false)
                }
            },
        };
        let changed = self.session.try_update_value(|session| {
            let session = session.as_mut()?;
            session.compacting = false;
            session.commit_typing(now());
            let before = session.network.heads();
            let _ = session
                .store
                .finish_compaction(&mut session.network, pending, verified);
            // (Other tabs' edits it took in: read the network again.)
            let changed = session.network.heads() != before;
            if changed {
                session.reread();
            }
            Some(changed)
        });
        if changed.flatten() == Some(true) {
            self.version.update(|v| *v += 1);
        }
    }
}

impl Session {
    /// After a change that could touch anything (another device's, another tab's, a merged
    /// file): the people list is read again, the outlines when next needed.
    fn reread(&mut self) {
        self.rows = self.network.rows();
        self.outlines = None;
        self.list_stale = true;
    }

    /// Characters this network takes in storage (keys and values).
    pub fn stored_chars(&self) -> usize {
        self.store.stored_chars()
    }

    /// Saves pending edits; false when they stay in memory only.
    fn save(&mut self) -> bool {
        self.store.save(&mut self.network).is_ok()
    }

    /// The text being typed into `target`, if it is.
    pub fn typed(&self, target: &Target) -> Option<String> {
        let typing = self.typing.as_ref()?;
        (typing.target == *target).then(|| typing.text.clone())
    }

    /// Puts the text being typed into `interview` (when it is being typed into), so that what
    /// pages read of it matches what the user sees.
    pub fn overlay_typing(
        &self,
        id: &crate::domain::InterviewId,
        interview: &mut crate::domain::Interview,
    ) {
        if let Some(Typing {
            target: Target::Interview(typed, text),
            text: value,
            ..
        }) = &self.typing
        {
            if typed == id {
                text.set(interview, value.clone());
            }
        }
    }

    /// Commits the typing in progress as one change and saves it; the kept typing is forgotten
    /// only once the change is stored. Returns whether the network changed.
    fn commit_typing(&mut self, now: i64) -> bool {
        let Some(typing) = self.typing.take() else {
            return false;
        };
        let before = self.network.heads();
        // (A commit that fails leaves the typing in storage, to be recovered at the next
        // opening: nothing typed is dropped.)
        if typing.commit(&mut self.network, now).is_err() {
            return false;
        }
        if self.save() {
            let _ = self.store.clear_typing();
        }
        let changed = self.network.heads() != before;
        // Texts are not in the overview, but its heads are: rewrite it so the next opening
        // can trust it.
        self.list_stale |= changed;
        changed
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
