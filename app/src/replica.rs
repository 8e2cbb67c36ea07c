//! The network as one device's tab holds it, with no UI and no I/O of its own (a sans-IO core,
//! as [`crate::sync`] is): the document, its store over [`KeyValue`], the typing in progress,
//! the read models the screens draw (the people list, interview outlines, the overview cache)
//! and upkeep (compaction, the cache).
//!
//! Each call is an event (a command, a keystroke, another tab's stored key, a timer that fired,
//! bytes from another device) with the time it happened; each returns [`Effects`]: whether
//! the read models changed, what saving did, which timers to set. Whoever holds
//! the replica (the page today) does the I/O: it sets the timers and calls back when they fire.
//! So every path is tested natively (`replica/tests.rs`), with the clock in the tests' hands.

use crate::doc::list_cache::{CachedList, Overview};
use crate::doc::store::{KeyValue, Opened, PendingSnapshot, Problem, Store};
use crate::doc::typing::{Target, Typing};
use crate::doc::{Command, DocError, Network, Ran};
use crate::domain::{Interview, InterviewId, PersonRow};
use crate::exchange::merge::Plan;
use crate::exchange::Contact;
use std::rc::Rc;

mod answer;
mod journal;
mod sync;
#[cfg(test)]
mod tests;

pub use journal::Kept;
pub use sync::{SyncEffect, PUSH_PAUSE, SYNC_TICK};

/// Every interview in outline (`Network::interview_outlines`), shared by the screens that list
/// them.
pub type Outlines = Rc<Vec<(InterviewId, Interview)>>;

/// How long edits must pause before compaction and the list cache are written (ms).
pub const UPKEEP_PAUSE: i64 = 1500;

/// How long typing must pause before it is committed to the document as one change (ms).
pub const TYPING_PAUSE: i64 = 1000;

/// Where the browser has no Web Locks to tell a live tab from a dead one, typing another tab
/// left is taken as abandoned once it is this old (ms); a live tab commits within `TYPING_PAUSE`.
pub const TYPING_ABANDONED: i64 = 30_000;

/// The Web Lock a tab holds while it lives (see [`Replica::recover_typing`]).
pub fn tab_lock(tab: &str) -> String {
    format!("colloquy-tab-{tab}")
}

/// A timer the holder sets; when it fires, it calls the replica back as the variant says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// In `after` ms, [`Replica::typing_paused`] with this keystroke's count.
    TypingPause { after: i64, keystroke: u64 },
    /// In `after` ms, [`Replica::upkeep`].
    Upkeep { after: i64 },
    /// In `after` ms, [`Replica::sync_push`].
    Push { after: i64 },
    /// In `after` ms, [`Replica::sync_tick`] with this session.
    SyncTick { after: i64, session: u64 },
    /// In `after` ms, [`Replica::sync_reconnect`] with this session.
    Reconnect { after: i64, session: u64 },
}

impl Timer {
    /// In how many ms it fires.
    pub fn after(&self) -> i64 {
        match *self {
            Timer::TypingPause { after, .. }
            | Timer::Upkeep { after }
            | Timer::Push { after }
            | Timer::SyncTick { after, .. }
            | Timer::Reconnect { after, .. } => after,
        }
    }
}

/// What an event did, for the holder to show and to act on.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    /// The network (and so the read models) changed.
    pub changed: bool,
    /// An edit was saved (`Some(true)`), or kept in memory only because storage is full.
    pub saved: Option<bool>,
    pub timers: Vec<Timer>,
    /// Problems to add to those shown.
    pub problems: Vec<Problem>,
    /// What sync asks of the holder (in order).
    pub sync: Vec<SyncEffect>,
}

impl Effects {
    /// Adds what a later step of the same event did.
    pub fn merge(&mut self, later: Effects) {
        self.changed |= later.changed;
        self.saved = later.saved.or(self.saved);
        self.timers.extend(later.timers);
        self.problems.extend(later.problems);
        self.sync.extend(later.sync);
    }
}

/// A network opened from storage, with its read models and what is in progress.
pub struct Replica {
    network: Network,
    store: Store<Box<dyn KeyValue>>,
    /// The people list, kept sorted; updated per edit rather than rebuilt.
    rows: Vec<PersonRow>,
    /// Every interview in outline, kept up to date per edit; `None` until read (again).
    outlines: Option<Outlines>,
    /// The stored overview (`doc::list_cache`) no longer matches the network.
    list_stale: bool,
    upkeep_scheduled: bool,
    /// A compaction's snapshot is written and being verified.
    compacting: bool,
    /// When the latest edit was saved (ms): upkeep waits until edits have paused.
    last_edit: i64,
    /// Text being typed, kept in storage but not yet committed (see `doc::typing`).
    typing: Option<Typing>,
    /// The text as the typing's last commit left it, while that commit isn't stored.
    committed: Option<String>,
    /// Counts keystrokes, so a pause timer knows whether typing went on after it was set.
    keystrokes: u64,
    /// Records a named instant, as it happens (for the tests and the benchmarks).
    mark: Box<dyn Fn(&'static str)>,
    /// Sync, while it runs (see `replica/sync.rs`).
    sync: Option<sync::Syncing>,
    /// Counts sync's starts, so a stopped one's timers are told apart.
    sync_session: u64,
}

impl Replica {
    /// Takes over an opened store. `cached` is the overview drawn while it opened: its rows and
    /// outlines are kept when it matches the document, which saves reading them again.
    pub fn open(
        opened: Opened<Box<dyn KeyValue>>,
        cached: Option<(CachedList, Outlines)>,
        now: i64,
    ) -> (Replica, Effects) {
        let Opened {
            store,
            mut network,
            problems,
        } = opened;
        let (rows, outlines, list_stale) = match cached {
            Some((list, outlines)) if list.heads == network.heads() => {
                (list.rows, Some(outlines), false)
            }
            _ => (network.rows(), None, true),
        };
        let upkeep_due = list_stale || store.needs_compaction();
        let mut replica = Replica {
            network,
            store,
            rows,
            outlines,
            list_stale,
            upkeep_scheduled: false,
            compacting: false,
            last_edit: 0,
            typing: None,
            committed: None,
            keystrokes: 0,
            mark: Box::new(|_| {}),
            sync: None,
            sync_session: 0,
        };
        let mut effects = Effects {
            changed: true,
            problems,
            ..Effects::default()
        };
        if upkeep_due {
            replica.schedule_upkeep(now, &mut effects);
        }
        effects.merge(replica.run_journal(now));
        (replica, effects)
    }

    /// Names the instants of interest as they happen (`colloquy:edit:saved`, …).
    pub fn on_mark(&mut self, mark: impl Fn(&'static str) + 'static) {
        self.mark = Box::new(mark);
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The document's heads now.
    pub fn heads(&mut self) -> Vec<automerge::ChangeHash> {
        self.network.heads()
    }

    /// The people list, sorted.
    pub fn rows(&self) -> &[PersonRow] {
        &self.rows
    }

    /// The fields and the follow-up settings: the rest of the overview.
    pub fn fields_and_follow_up(
        &self,
    ) -> (
        Vec<(crate::domain::FieldId, crate::domain::Field)>,
        crate::domain::clock::FollowUpSettings,
    ) {
        (self.network.fields(), self.network.profile().follow_up)
    }

    /// The whole overview, packed as the cache stores it (`list_cache::pack`).
    pub fn packed_overview(&mut self) -> String {
        let (heads, interviews) = (self.network.heads(), self.outlines());
        let (fields, follow_up) = self.fields_and_follow_up();
        crate::doc::list_cache::pack(&Overview {
            heads: &heads,
            rows: &self.rows,
            interviews: &interviews,
            fields: &fields,
            follow_up,
        })
    }

    /// Every interview in outline: read from the document once (at 5,000 interviews that takes
    /// a good part of a second), then kept up to date edit by edit.
    pub fn outlines(&mut self) -> Outlines {
        let network = &self.network;
        self.outlines
            .get_or_insert_with(|| Rc::new(network.interview_outlines()))
            .clone()
    }

    /// Makes one change and saves it. A full storage is not an error: the change is kept in
    /// memory and the effects say so.
    pub fn run(&mut self, command: &Command, now: i64) -> Result<(Ran, Effects), DocError> {
        let mut effects = Effects::default();
        effects.changed |= self.commit_typing(now);
        (self.mark)("colloquy:edit:start");
        let ran = self.network.run(command, now)?;
        (self.mark)("colloquy:edit:run");
        if let Some(outlines) = &mut self.outlines {
            let outlines = Rc::make_mut(outlines);
            for id in &ran.interviews {
                self.network.refresh_outline(outlines, id);
            }
        }
        self.list_stale = true;
        if !ran.people.is_empty() {
            let replacements = ran
                .people
                .iter()
                .filter_map(|(id, person)| person.as_ref().map(|p| PersonRow::new(id.clone(), p)))
                .collect();
            crate::domain::replace_rows(
                &mut self.rows,
                ran.people.iter().map(|(id, _)| id),
                replacements,
            );
        }
        (self.mark)("colloquy:edit:listed");
        let saved = self.save();
        (self.mark)("colloquy:edit:saved");
        effects.changed = true;
        self.saved(saved, now, &mut effects);
        Ok((ran, effects))
    }

    /// Types into a text (notes, an answer, research): kept in storage at once, committed to
    /// the network as one change once typing pauses for `TYPING_PAUSE`, before anything else
    /// changes the network, or when the tab is left ([`Replica::flush_typing`]).
    pub fn type_text(
        &mut self,
        target: Target,
        text: String,
        now: i64,
    ) -> Result<Effects, DocError> {
        let mut effects = Effects::default();
        if self.typing.as_ref().is_some_and(|t| t.target != target) {
            effects.changed |= self.commit_typing(now);
            if self.typing.is_some() {
                // The other text couldn't be stored (the store is full) and keeps this tab's
                // typing in storage: this text goes into the network in memory only, and the
                // user is told it isn't saved.
                let mut direct = Typing::begin(target, &self.network)?;
                direct.text = text;
                direct.commit(&mut self.network, now)?;
                self.list_stale = true;
                effects.changed = true;
                self.saved(false, now, &mut effects);
                return Ok(effects);
            }
        }
        let mut typing = match self.typing.take() {
            Some(typing) => typing,
            None => Typing::begin(target, &self.network)?,
        };
        typing.text = text;
        typing.at = now;
        let kept = self.store.keep_typing(&typing).is_ok();
        self.typing = Some(typing);
        self.keystrokes += 1;
        self.saved(kept, now, &mut effects);
        effects.timers.push(Timer::TypingPause {
            after: TYPING_PAUSE,
            keystroke: self.keystrokes,
        });
        Ok(effects)
    }

    /// A typing pause timer fired: commits the typing unless more was typed since.
    pub fn typing_paused(&mut self, keystroke: u64, now: i64) -> Effects {
        if self.keystrokes != keystroke {
            return Effects::default();
        }
        self.flush_typing(now)
    }

    /// Commits the typing in progress now (the tab is being left, or before a read of the
    /// whole network).
    pub fn flush_typing(&mut self, now: i64) -> Effects {
        let mut effects = Effects::default();
        if self.typing.is_none() {
            return effects;
        }
        effects.changed = self.commit_typing(now);
        if effects.changed {
            (self.mark)("colloquy:typing-committed");
        }
        let saved = !self.store.has_unsaved();
        self.saved(saved, now, &mut effects);
        effects
    }

    /// The text being typed into `target`, if it is.
    pub fn typed(&self, target: &Target) -> Option<String> {
        let typing = self.typing.as_ref()?;
        (typing.target == *target).then(|| typing.text.clone())
    }

    /// Puts the text being typed into `interview` (when it is being typed into), so that what
    /// screens read of it matches what the user sees.
    pub fn overlay_typing(&self, id: &InterviewId, interview: &mut Interview) {
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

    /// Recovers typing that tabs left when they died before committing it. `live` names the
    /// Web Locks held now (each tab holds [`tab_lock`] while it lives); without Web Locks,
    /// typing younger than `TYPING_ABANDONED` counts as another tab's, still live.
    pub fn recover_typing(&mut self, live: Option<&[String]>, now: i64) -> Effects {
        let mut effects = Effects::default();
        let Ok(left) = self.store.typing_left() else {
            (self.mark)("colloquy:typing-checked");
            return effects;
        };
        // This tab's own typing first: it must not be committed over what is recovered.
        let mut changed = !left.is_empty() && self.commit_typing(now);
        let mut unreadable = Vec::new();
        for (tab, stored) in left {
            let typing = match Typing::decode(&stored) {
                Ok(typing) => typing,
                Err(why) => {
                    if let Ok(key) = self.store.keep_typing_aside(&tab) {
                        unreadable.push((key, why));
                    }
                    continue;
                }
            };
            let alive = match live {
                Some(names) => names.contains(&tab_lock(&tab)),
                None => now - typing.at < TYPING_ABANDONED,
            };
            if alive {
                // Another tab is typing: its typing is its own to commit.
                (self.mark)("colloquy:typing-live");
                continue;
            }
            // What the text reads once it is recovered. It goes into the network as this tab's
            // own typing, claimed in storage first: were it in the network while the left
            // typing stayed in storage (the store is full), another tab could recover it too,
            // and the same letters would be written twice.
            let text = match typing.recovered(&self.network) {
                Ok(Some(text)) => text,
                Ok(None) => {
                    // The text is gone: there is nowhere to put it.
                    let _ = self.store.drop_typing_of(&tab);
                    continue;
                }
                // Left in storage, for a later opening: nothing typed is dropped.
                Err(_) => continue,
            };
            let Ok(mut claimed) = Typing::begin(typing.target.clone(), &self.network) else {
                continue;
            };
            if claimed.base == text {
                // Already in the network (recovered before, by a tab that died before it could
                // forget it): forgotten once that is stored, else left for later.
                if !self.store.has_unsaved() {
                    let _ = self.store.drop_typing_of(&tab);
                }
                continue;
            }
            // Left in storage for a later opening when this tab's own typing holds its key
            // (it couldn't be stored), or when the claim doesn't fit.
            if self.typing.is_some()
                || self
                    .store
                    .claim_typing(&tab, &typing, &stored, now)
                    .is_err()
            {
                continue;
            }
            // Then committed and saved as this tab's typing; on a full store it stays this
            // tab's typing, kept under its key, until a save succeeds.
            claimed.text = text;
            claimed.at = now;
            self.typing = Some(claimed);
            changed |= self.commit_typing(now);
        }
        (self.mark)("colloquy:typing-checked");
        if changed {
            // (Texts only: the people list stands, the overview's heads don't.)
            self.list_stale = true;
            effects.changed = true;
            (self.mark)("colloquy:typing-recovered");
        }
        if !unreadable.is_empty() {
            let detail = unreadable
                .iter()
                .map(|(_, why)| why.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            let keys = unreadable.into_iter().map(|(key, _)| key).collect();
            effects.problems.push(Problem::Unreadable { keys, detail });
        }
        effects
    }

    /// Merges a network saved elsewhere (a downloaded copy) into this one; nothing here is
    /// dropped. Returns how many people the network then has.
    pub fn import(&mut self, bytes: &[u8], now: i64) -> Result<(usize, Effects), DocError> {
        // Check the whole file first: a damaged or foreign file changes nothing.
        Network::load(bytes)?;
        let mut effects = Effects::default();
        self.commit_typing(now);
        let before = self.network.heads();
        self.network.apply(bytes)?;
        self.took_in(&before);
        let saved = self.save();
        effects.changed = true;
        self.saved(saved, now, &mut effects);
        Ok((self.network.len(), effects))
    }

    /// Matches imported contacts against the network as it is now.
    pub fn plan_import(&self, contacts: Vec<Contact>) -> Plan {
        self.network.plan_import(contacts)
    }

    /// What sync pushes next to a relay that has the changes up to `heads` (see
    /// [`Network::save_since`]; empty when nothing is new), and the heads now. Typing in
    /// progress is committed first.
    pub fn changes_since(
        &mut self,
        heads: &[automerge::ChangeHash],
        now: i64,
    ) -> (Vec<u8>, Vec<automerge::ChangeHash>, Effects) {
        let effects = self.flush_typing(now);
        (
            self.network.save_since(heads),
            self.network.heads(),
            effects,
        )
    }

    /// Applies changes from another device and saves them; returns the heads before and after.
    pub fn apply_remote(
        &mut self,
        bytes: &[u8],
        now: i64,
    ) -> Result<
        (
            Vec<automerge::ChangeHash>,
            Vec<automerge::ChangeHash>,
            Effects,
        ),
        DocError,
    > {
        let mut effects = Effects::default();
        self.commit_typing(now);
        let before = self.network.heads();
        self.network.apply(bytes)?;
        let after = self.network.heads();
        if after != before {
            self.took_in(&before);
            let saved = self.save();
            effects.changed = true;
            self.saved(saved, now, &mut effects);
        }
        Ok((before, after, effects))
    }

    /// Takes in a key another tab stored.
    pub fn external_change(&mut self, key: &str, now: i64) -> Effects {
        if key.starts_with(crate::doc::journal::JOURNAL) {
            // Another tab, still opening, kept a command for later: it is run here, now.
            return self.run_journal(now);
        }
        let mut effects = Effects::default();
        // Another tab's typing is its own until that tab commits it; its overview cache or
        // sync state leaves this tab's typing be.
        if key.starts_with(crate::doc::store::TYPING) || !self.store.affects_network(key) {
            return effects;
        }
        effects.changed = self.commit_typing(now);
        let before = self.network.heads();
        if let Ok(true) = self.store.on_external_change(&mut self.network, key) {
            self.took_in(&before);
            effects.changed = true;
            self.schedule_push(&mut effects);
        }
        effects
    }

    /// The whole network as a saved Automerge document, typing included.
    pub fn export(&mut self, now: i64) -> (Vec<u8>, Effects) {
        let effects = self.flush_typing(now);
        (self.network.save(), effects)
    }

    /// Characters this network takes in storage (keys and values).
    pub fn stored_chars(&self) -> usize {
        self.store.stored_chars()
    }

    /// Unreadable data kept aside, as `(key, value)`.
    pub fn kept_aside(&self) -> Vec<(String, String)> {
        self.store.kept_aside()
    }

    /// Deletes the unreadable data kept aside; true when it is gone.
    pub fn discard_aside(&mut self) -> bool {
        self.store.discard_aside().is_ok()
    }

    /// Compaction and the list cache rewrite whole things: they are done once edits have
    /// paused for `UPKEEP_PAUSE` (each edit pushes the moment back), never mid-typing.
    ///
    /// A compaction's snapshot comes back when one was written: the holder checks it loads (off
    /// the page's thread where it can), then calls [`Replica::finish_compaction`].
    pub fn upkeep(&mut self, now: i64) -> (Effects, Option<PendingSnapshot>) {
        let mut effects = self.flush_typing(now);
        // (A clock set back makes `quiet` negative: then don't wait for it to catch up.)
        let quiet = now - self.last_edit;
        if (0..UPKEEP_PAUSE).contains(&quiet) {
            effects.timers.push(Timer::Upkeep {
                after: UPKEEP_PAUSE - quiet,
            });
            return (effects, None);
        }
        self.upkeep_scheduled = false;
        // A failed compaction leaves the current generation in place and is retried after a
        // later edit; a failed list write only makes the next opening slower.
        let mut pending = None;
        if self.store.needs_compaction() && !self.compacting {
            let before = self.network.heads();
            pending = self.store.begin_compaction(&mut self.network).ok();
            self.compacting = pending.is_some();
            // It takes in what other tabs stored that this one hadn't heard of yet: the read
            // models follow, before the overview below is written from them.
            if self.network.heads() != before {
                self.took_in(&before);
                effects.changed = true;
            }
        }
        if self.list_stale && !self.store.has_unsaved() {
            let packed = self.packed_overview();
            self.list_stale = self.store.write_list(&packed).is_err();
        }
        (effects, pending)
    }

    /// The stored text of a compaction's snapshot, for the holder to check elsewhere.
    pub fn stored_snapshot(&self, pending: &PendingSnapshot) -> Option<String> {
        self.store.stored_snapshot(pending).ok().flatten()
    }

    /// Checks a compaction's snapshot here (where it can't be checked elsewhere).
    pub fn verify(&self, pending: &PendingSnapshot) -> bool {
        self.store.verify(pending)
    }

    /// Moves the store to a compaction's snapshot once `verified`, or leaves it where it was.
    pub fn finish_compaction(
        &mut self,
        pending: PendingSnapshot,
        verified: bool,
        now: i64,
    ) -> Effects {
        let mut effects = Effects::default();
        self.compacting = false;
        self.commit_typing(now);
        let before = self.network.heads();
        let _ = self
            .store
            .finish_compaction(&mut self.network, pending, verified);
        // (Other tabs' edits it took in.)
        if self.network.heads() != before {
            self.took_in(&before);
            effects.changed = true;
        }
        effects
    }

    /// After changes this tab's commands didn't make (another device's, another tab's, a
    /// merged file): the read models follow the records they wrote, or are read again when
    /// they may have touched everything.
    fn took_in(&mut self, before: &[automerge::ChangeHash]) {
        let Some(touched) = self.network.touched_since(before) else {
            return self.reread();
        };
        let network = &self.network;
        let replacements = touched
            .people
            .iter()
            .filter_map(|id| Some(PersonRow::new(id.clone(), &network.person(id).ok()??)))
            .collect();
        crate::domain::replace_rows(&mut self.rows, &touched.people, replacements);
        if let Some(outlines) = &mut self.outlines {
            let outlines = Rc::make_mut(outlines);
            for id in &touched.interviews {
                network.refresh_outline(outlines, id);
            }
        }
        self.list_stale = true;
    }

    /// The people list read again, the outlines when next needed.
    fn reread(&mut self) {
        self.rows = self.network.rows();
        self.outlines = None;
        self.list_stale = true;
    }

    /// Saves pending edits; false when they stay in memory only.
    fn save(&mut self) -> bool {
        // (Saving first takes in a generation another tab compacted into, with what it held.)
        let before = self.network.heads();
        let saved = self.store.save(&mut self.network).is_ok();
        if self.network.heads() != before {
            self.took_in(&before);
        }
        saved
    }

    /// Records what a save did, and asks for upkeep once edits pause.
    fn saved(&mut self, saved: bool, now: i64, effects: &mut Effects) {
        effects.saved = Some(saved);
        self.schedule_upkeep(now, effects);
        self.schedule_push(effects);
    }

    fn schedule_upkeep(&mut self, now: i64, effects: &mut Effects) {
        self.last_edit = now;
        if !self.upkeep_scheduled {
            self.upkeep_scheduled = true;
            effects.timers.push(Timer::Upkeep {
                after: UPKEEP_PAUSE,
            });
        }
    }

    /// Commits the typing in progress as one change and saves it; the kept typing is forgotten
    /// only once the change is stored. Returns whether the network changed.
    fn commit_typing(&mut self, now: i64) -> bool {
        let Some(typing) = self.typing.take() else {
            return false;
        };
        let before = self.network.heads();
        // Committed before but not stored: what other tabs wrote into the text since is merged
        // with what was typed, not overwritten by it.
        let committed = match self.committed.take() {
            Some(committed) => Typing {
                base: committed,
                ..typing.clone()
            }
            .recover(&mut self.network, now),
            None => typing.commit(&mut self.network, now),
        };
        // (A commit that fails leaves the typing in storage, to be recovered at the next
        // opening: nothing typed is dropped.)
        if committed.is_err() {
            return false;
        }
        let changed = self.network.heads() != before;
        if self.save() {
            let _ = self.store.clear_typing();
        } else {
            // Not stored (the store is full): the burst goes on from the base it began with,
            // so the kept typing still holds everything typed since the last stored text.
            self.committed = Typing::begin(typing.target.clone(), &self.network)
                .ok()
                .map(|now_reads| now_reads.base);
            self.typing = Some(typing);
        }
        // Texts are not in the overview, but its heads are: rewrite it so the next opening
        // can trust it.
        self.list_stale |= changed;
        changed
    }
}
