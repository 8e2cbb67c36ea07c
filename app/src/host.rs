//! The replica as a dedicated worker holds it for its page, with no I/O of its own: messages
//! from the page in ([`ToWorker`]), messages for the page, timers and sync's requests out
//! ([`Output`]). The protocol is in [`crate::wire`]; the worker's I/O in `browser::worker`.
//!
//! The page owns the storage, so the replica's store runs over a mirror of it: every key the
//! page sent, plus the writes the replica made, which go to the page in numbered batches. The
//! mirror remembers what each write replaced until the page says it made it. When the page
//! can't make one (storage is full), the writes from there on are taken back out of the mirror,
//! which then matches the page's storage again, with the room it has learned; the network is
//! opened again from it, and what the replica had that storage hasn't is merged back in, kept
//! in memory as it would be on a full store (the user is told). Nothing the user did is lost:
//! the page keeps each command until its change is written.
//!
//! Snapshots, the whole saved document and by far the largest values, are not the page's: the
//! host keeps them in the browser's database (IndexedDB, which a worker can use), so the page's
//! storage, which the browser loads whole before a new page can read any of it, holds only
//! what the page reads. The host asks for them as [`Output::database`] writes and holds every
//! message for the page until [`Host::database_done`]: a `head` naming a snapshot is never
//! stored before the snapshot is. Where the database refuses them they go to the page's
//! storage as before, and snapshots found there (stored before they moved) are moved over.

use crate::crypto::RootSecret;
use crate::doc::journal::JOURNAL;
use crate::doc::list_cache::{read_list, CachedList};
use crate::doc::store::{
    is_head, is_snapshot, CompactionPolicy, KeyValue, KvError, MemoryKv, Problem, Store,
};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, PersonId, PersonRow};
use crate::replica::{Effects, Replica, SyncEffect, Timer};
use crate::wire::{
    FromWorker, OverviewChange, Reply, Request, SyncRequest, ToWorker, Write, Writes, PACK_AT,
};
use automerge::ChangeHash;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

#[cfg(test)]
mod tests;

/// What handling one event asks of the worker.
#[derive(Debug, Default)]
pub struct Output {
    /// Messages for the page, in order.
    pub to_page: Vec<FromWorker>,
    /// Timers to set; when one fires, [`Host::timer`].
    pub timers: Vec<Timer>,
    /// What sync asks of the worker's socket ([`SyncEffect::Connect`], `Send`, `Close`), in
    /// order; when the socket opens, a frame arrives or it closes, [`Host::socket`].
    pub sync: Vec<SyncEffect>,
    /// Writes for the browser's database, to make in one transaction; then
    /// [`Host::database_done`], which has the messages for the page held until then. Nothing
    /// else is handed to the host meanwhile.
    pub database: Vec<Write>,
}

/// What happened on the relay's socket.
#[derive(Clone, Debug)]
pub enum SocketEvent {
    Opened,
    Received(Vec<u8>),
    Closed,
}

/// A write the replica made, with the value it replaced (to take it back).
type Logged = (Write, Option<String>);

/// The snapshots in the browser's database, as the host knows them.
type Database = Rc<RefCell<BTreeMap<String, String>>>;

/// The mirror and the database as the replica's store sees them: every write is logged, for
/// the page or for the database.
struct LoggingKv {
    kv: MemoryKv,
    log: Rc<RefCell<Vec<Logged>>>,
    database: Database,
    database_log: Rc<RefCell<Vec<Logged>>>,
}

impl LoggingKv {
    /// Moves a snapshot the page's storage holds into the database: the page removes it once
    /// the database has it.
    fn move_to_database(&mut self, key: &str) -> Result<(), KvError> {
        let Some(value) = self.kv.get(key)? else {
            return Ok(());
        };
        self.set(key, &value)?;
        self.kv.remove(key)?;
        let write = Write::Remove(key.to_owned());
        self.log.borrow_mut().push((write, Some(value)));
        Ok(())
    }
}

impl KeyValue for LoggingKv {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        if let Some(value) = self.database.borrow().get(key) {
            return Ok(Some(value.clone()));
        }
        self.kv.get(key)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        let write = Write::Set(key.to_owned(), value.to_owned());
        if is_snapshot(key) {
            let before = self
                .database
                .borrow_mut()
                .insert(key.to_owned(), value.to_owned());
            self.database_log.borrow_mut().push((write, before));
            return Ok(());
        }
        let before = self.kv.get(key)?;
        self.kv.set(key, value)?;
        self.log.borrow_mut().push((write, before));
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        let before = self.database.borrow_mut().remove(key);
        if before.is_some() {
            let write = Write::Remove(key.to_owned());
            self.database_log.borrow_mut().push((write, before));
        }
        let before = self.kv.get(key)?;
        self.kv.remove(key)?;
        if before.is_some() {
            self.log
                .borrow_mut()
                .push((Write::Remove(key.to_owned()), before));
        }
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        let mut keys = self.kv.keys()?;
        let database = self.database.borrow();
        keys.retain(|key| !database.contains_key(key));
        keys.extend(database.keys().cloned());
        Ok(keys)
    }
}

/// The overview as the page has it, to send only what changes.
#[derive(Default)]
struct Shown {
    rows: HashMap<PersonId, PersonRow>,
    outlines: HashMap<InterviewId, Interview>,
    fields: Option<(Vec<(FieldId, Field)>, FollowUpSettings)>,
    /// Whether the page's overview is unknown: the next change is the whole of it.
    unknown: bool,
}

impl Shown {
    /// The cached overview the page drew.
    fn drawn(list: &CachedList) -> Shown {
        Shown {
            rows: list
                .rows
                .iter()
                .map(|r| (r.id.clone(), r.clone()))
                .collect(),
            outlines: list.interviews.iter().cloned().collect(),
            fields: Some((list.fields.clone(), list.follow_up)),
            unknown: false,
        }
    }

    /// What changed since the page was last told, and remembers it as told.
    fn change(&mut self, replica: &mut Replica) -> OverviewChange {
        let mut change = OverviewChange {
            whole: std::mem::take(&mut self.unknown),
            ..OverviewChange::default()
        };
        let rows = replica.rows();
        let now: HashSet<&PersonId> = rows.iter().map(|row| &row.id).collect();
        change.rows_removed = self
            .rows
            .keys()
            .filter(|id| !now.contains(id))
            .cloned()
            .collect();
        for row in rows {
            if self.rows.get(&row.id) != Some(row) {
                change.rows.push(row.clone());
            }
        }
        for id in &change.rows_removed {
            self.rows.remove(id);
        }
        for row in &change.rows {
            self.rows.insert(row.id.clone(), row.clone());
        }
        let outlines = replica.outlines();
        let now: HashSet<&InterviewId> = outlines.iter().map(|(id, _)| id).collect();
        change.outlines_removed = self
            .outlines
            .keys()
            .filter(|id| !now.contains(id))
            .cloned()
            .collect();
        for (id, outline) in outlines.iter() {
            if self.outlines.get(id) != Some(outline) {
                change.outlines.push((id.clone(), outline.clone()));
            }
        }
        for id in &change.outlines_removed {
            self.outlines.remove(id);
        }
        for (id, outline) in &change.outlines {
            self.outlines.insert(id.clone(), outline.clone());
        }
        let fields = replica.fields_and_follow_up();
        if self.fields.as_ref() != Some(&fields) {
            self.fields = Some(fields.clone());
            change.fields = Some(fields);
        }
        change
    }
}

/// A network held for a page that owns its storage.
pub struct Host {
    policy: CompactionPolicy,
    place: &'static str,
    tab: String,
    /// The page's storage as this worker knows it.
    mirror: MemoryKv,
    /// Writes made since the last batch.
    log: Rc<RefCell<Vec<Logged>>>,
    replica: Option<Replica>,
    /// The last batch sent.
    batch: u64,
    /// Batches sent and not yet made by the page, with what each write replaced.
    in_flight: VecDeque<(u64, Vec<Logged>)>,
    /// After a failed batch: its number, for the next batch to name.
    resumes: Option<u64>,
    /// Questions, work and sync's requests that came before the network was open.
    waiting: Vec<ToWorker>,
    /// Whether the browser is online, as the page last said.
    online: bool,
    /// Instants the replica named, for the page.
    marks: Rc<RefCell<Vec<&'static str>>>,
    shown: Shown,
    /// The heads of the cached overview the page drew, until the network opens.
    drawn: Option<Vec<ChangeHash>>,
    /// Snapshots in the browser's database ([`Host::database`]), and the writes made to them
    /// since the last [`Output::database`].
    database: Database,
    database_log: Rc<RefCell<Vec<Logged>>>,
    /// The database's writes asked for and not yet done, with the page's writes and messages
    /// held until they are.
    holding: Option<Holding>,
    /// Why the database could not be read, if it couldn't: the network may lack what it
    /// holds, so nothing is compacted (which would drop what the snapshots there build on).
    database_unread: Option<String>,
}

/// What waits on the database's writes: the page's writes, and its messages from before and
/// after them.
struct Holding {
    database: Vec<Logged>,
    writes: Vec<Logged>,
    before: Vec<FromWorker>,
    after: Vec<FromWorker>,
}

impl Host {
    /// A host for a page; `place` says where it runs ("worker", "page"), for the marks.
    pub fn new(policy: CompactionPolicy, place: &'static str) -> Host {
        Host {
            policy,
            place,
            tab: String::new(),
            mirror: MemoryKv::default(),
            log: Rc::default(),
            replica: None,
            batch: 0,
            in_flight: VecDeque::new(),
            resumes: None,
            waiting: Vec::new(),
            online: false,
            marks: Rc::default(),
            shown: Shown::default(),
            drawn: None,
            database: Rc::default(),
            database_log: Rc::default(),
            holding: None,
            database_unread: None,
        }
    }

    /// Whether `message` needs the host to know what the browser's database holds first
    /// ([`Host::database`]): opening, and another tab's new `head`, whose snapshot is there.
    pub fn needs_database(message: &ToWorker) -> bool {
        match message {
            ToWorker::Open { .. } => true,
            ToWorker::Stored { key, .. } => is_head(key),
            _ => false,
        }
    }

    /// What the browser's database holds (every snapshot in it), or why it couldn't be read.
    pub fn database(&mut self, read: Result<Vec<(String, String)>, String>) {
        match read {
            Ok(entries) => {
                *self.database.borrow_mut() = entries.into_iter().collect();
                self.database_unread = None;
            }
            Err(why) => self.database_unread = Some(why),
        }
    }

    /// The database made the last [`Output::database`] writes, or `refused` them: then they go
    /// to the page's storage instead, ahead of the writes they came with. Either way the page
    /// now gets what was held for it.
    pub fn database_done(&mut self, refused: bool) -> Output {
        let mut out = Output::default();
        let Some(Holding {
            database,
            mut writes,
            before,
            after,
        }) = self.holding.take()
        else {
            return out;
        };
        if refused {
            // The database is as it was: so is what the host knows of it.
            let mut last: BTreeMap<String, Option<String>> = BTreeMap::new();
            for (write, _) in &database {
                let value = match write {
                    Write::Set(_, value) => Some(value.clone()),
                    Write::Remove(_) => None,
                };
                last.insert(write.key().to_owned(), value);
            }
            for (write, before) in database.into_iter().rev() {
                let mut kept = self.database.borrow_mut();
                match before {
                    Some(before) => kept.insert(write.key().to_owned(), before),
                    None => kept.remove(write.key()),
                };
            }
            // What was to be kept there is kept in the page's storage instead, first.
            let mut moved = Vec::new();
            for (key, value) in last {
                let Some(value) = value else { continue };
                let removal = writes
                    .iter()
                    .position(|(w, _)| matches!(w, Write::Remove(k) if *k == key));
                if let Some(at) = removal {
                    // A snapshot moving over from the page's storage stays there.
                    writes.remove(at);
                } else {
                    let before = self.mirror.get(&key).ok().flatten();
                    moved.push((Write::Set(key.clone(), value.clone()), before));
                }
                let _ = self.mirror.set(&key, &value);
            }
            moved.extend(writes);
            writes = moved;
        }
        out.to_page = before;
        self.send_writes(writes, &mut out);
        out.to_page.extend(after);
        out
    }

    /// Whether the network is open.
    pub fn is_open(&self) -> bool {
        self.replica.is_some()
    }

    /// Handles a message from the page.
    pub fn handle(&mut self, message: ToWorker, now: i64) -> Output {
        let mut out = Output::default();
        let mut opened = None;
        let effects = match message {
            ToWorker::Open { tab, stored, drawn } => {
                self.tab = tab;
                for (key, value) in stored {
                    let _ = self.mirror.set(&key, &value);
                }
                // What the page shows: the whole overview is sent unless it drew the cache.
                self.shown.unknown = true;
                self.drawn = drawn;
                let (effects, problems) = self.open(now);
                opened = Some(FromWorker::Opened { problems });
                Some(effects)
            }
            ToWorker::Stored { key, value } => self.stored(&key, value, now, &mut out),
            ToWorker::Written { batch } => {
                while self.in_flight.front().is_some_and(|(b, _)| *b <= batch) {
                    self.in_flight.pop_front();
                }
                None
            }
            ToWorker::Failed { batch, at } => Some(self.failed(batch, at, now)),
            message if self.replica.is_none() => {
                self.waiting.push(message);
                None
            }
            message => self.run(message, now, &mut out),
        };
        let effects = self.run_waiting(effects, now, &mut out);
        self.finish(effects, &mut out);
        // Told after the overview and the answers it opened with: a page that hears the
        // network is open draws it as it is.
        match &mut self.holding {
            Some(holding) => holding.after.extend(opened),
            None => out.to_page.extend(opened),
        }
        out
    }

    /// Once the network is open, runs what came before it was.
    fn run_waiting(
        &mut self,
        mut effects: Option<Effects>,
        now: i64,
        out: &mut Output,
    ) -> Option<Effects> {
        if self.replica.is_none() {
            return effects;
        }
        for message in std::mem::take(&mut self.waiting) {
            if let Some(more) = self.run(message, now, out) {
                effects.get_or_insert_with(Effects::default).merge(more);
            }
        }
        effects
    }

    /// Handles what needs the network open.
    fn run(&mut self, message: ToWorker, now: i64, out: &mut Output) -> Option<Effects> {
        let replica = self.replica.as_mut()?;
        match message {
            ToWorker::Type { target, text } => replica.type_text(target, text, now).ok(),
            ToWorker::FlushTyping => Some(replica.flush_typing(now)),
            ToWorker::RecoverTyping { live } => Some(replica.recover_typing(live.as_deref(), now)),
            ToWorker::Unkept { key, command } => {
                let (effects, outcome) = replica.run_kept(&key, Ok(*command), now);
                out.to_page.push(FromWorker::Ran { key, outcome });
                Some(effects)
            }
            ToWorker::Ask { id, query } => {
                let answer = replica.answer(&query);
                out.to_page.push(FromWorker::Answer { id, answer });
                None
            }
            ToWorker::Request { id, request } => {
                let (reply, effects) = match request {
                    Request::Import(bytes) => match replica.import(&bytes, now) {
                        Ok((people, effects)) => (Reply::Imported(Ok(people)), Some(effects)),
                        Err(e) => (Reply::Imported(Err(e.to_string())), None),
                    },
                    Request::Export => {
                        let (bytes, effects) = replica.export(now);
                        (Reply::Exported(bytes), Some(effects))
                    }
                    Request::PlanImport { name, text } => {
                        let read = crate::exchange::read_text(&name, &text);
                        let planned = read.map(|parsed| {
                            let plan = replica.plan_import(parsed.contacts);
                            let named = crate::exchange::merge::PREVIEW_NAMED;
                            (parsed.format, plan.summary(named))
                        });
                        (Reply::Planned(planned.map_err(|e| e.to_string())), None)
                    }
                    Request::Aside => {
                        let aside: std::collections::BTreeMap<String, String> =
                            replica.kept_aside().into_iter().collect();
                        let json = serde_json::to_string_pretty(&aside).unwrap_or_default();
                        (Reply::Aside(json), None)
                    }
                    Request::DiscardAside => (Reply::Discarded(replica.discard_aside()), None),
                };
                out.to_page.push(FromWorker::Done { id, reply });
                effects
            }
            ToWorker::Sync(request) => Some(match request {
                SyncRequest::Start {
                    secret,
                    fresh,
                    online,
                } => {
                    self.online = online;
                    match RootSecret::from_fragment(&secret) {
                        Ok(secret) => replica.sync_start(&secret, fresh, online, now),
                        Err(_) => Effects::default(),
                    }
                }
                SyncRequest::Resume { online } => {
                    self.online = online;
                    replica.sync_resume(online, now)
                }
                SyncRequest::Invite(code) => replica.sync_invite(&code, now),
                SyncRequest::Delete => replica.sync_delete(now),
                SyncRequest::Forget => replica.sync_forget(),
                SyncRequest::Online(online) => {
                    self.online = online;
                    replica.sync_online(online, now)
                }
            }),
            // (Handled in `handle`.)
            ToWorker::Open { .. }
            | ToWorker::Stored { .. }
            | ToWorker::Written { .. }
            | ToWorker::Failed { .. } => None,
        }
    }

    /// Something happened on the relay's socket the worker opened.
    pub fn socket(&mut self, event: SocketEvent, now: i64) -> Output {
        let mut out = Output::default();
        let effects = self.replica.as_mut().map(|replica| match event {
            SocketEvent::Opened => replica.sync_opened(now),
            SocketEvent::Received(frame) => replica.sync_received(&frame, now),
            SocketEvent::Closed => replica.sync_closed(now),
        });
        self.finish(effects, &mut out);
        out
    }

    /// A timer the worker set has fired.
    pub fn timer(&mut self, timer: Timer, now: i64) -> Output {
        let mut out = Output::default();
        let place = self.place;
        let effects = self.replica.as_mut().map(|replica| match timer {
            Timer::TypingPause { keystroke, .. } => replica.typing_paused(keystroke, now),
            Timer::Upkeep { .. } => {
                // Here, off the page's thread, a compaction's snapshot is checked at once.
                let (mut effects, pending) = replica.upkeep(now);
                if let Some(pending) = pending {
                    let verified = replica.verify(&pending);
                    let checked = format!("colloquy:snapshot-checked-by-{place}");
                    out.to_page.push(FromWorker::Mark(checked));
                    effects.merge(replica.finish_compaction(pending, verified, now));
                }
                effects
            }
            Timer::Push { .. } => replica.sync_push(now),
            Timer::SyncTick { session, .. } => replica.sync_tick(session, now),
            Timer::Reconnect { session, .. } => replica.sync_reconnect(session, now),
        });
        self.finish(effects, &mut out);
        out
    }

    /// Opens the network from the mirror.
    fn open(&mut self, now: i64) -> (Effects, Vec<Problem>) {
        let mut kv = LoggingKv {
            kv: self.mirror.clone(),
            log: self.log.clone(),
            database: self.database.clone(),
            database_log: self.database_log.clone(),
        };
        let mut policy = self.policy;
        if self.database_unread.is_some() {
            // Compacting would drop what the unread snapshots build on.
            policy = CompactionPolicy {
                max_chunks: usize::MAX,
                min_chunk_bytes: usize::MAX,
            };
        } else {
            // Snapshots stored in the page's storage (before they moved) go to the database.
            let stored = self.mirror.keys().unwrap_or_default();
            for key in stored.iter().filter(|key| is_snapshot(key)) {
                let _ = kv.move_to_database(key);
            }
        }
        let list = read_list(&self.mirror);
        // A page that drew the cache stored is told only what changed from it.
        if let (Some(list), Some(drawn)) = (&list, self.drawn.take()) {
            if list.heads == drawn {
                self.shown = Shown::drawn(list);
            }
        }
        let cached = list.map(|mut list| {
            let outlines = Rc::new(std::mem::take(&mut list.interviews));
            (list, outlines)
        });
        let opened = match Store::open(Box::new(kv) as Box<dyn KeyValue>, &self.tab, policy) {
            Ok(opened) => opened,
            Err(e) => {
                // The mirror is memory: only a full one fails. The network opens empty, saved
                // nowhere, and the user is told.
                let kv: Box<dyn KeyValue> = Box::new(MemoryKv::default());
                let mut opened =
                    Store::open(kv, &self.tab, self.policy).expect("an empty store opens");
                opened.problems.push(match e {
                    KvError::Full => Problem::Full,
                    KvError::Unavailable(why) => Problem::Unavailable(why),
                });
                opened
            }
        };
        let mut problems = opened.problems.clone();
        if let Some(why) = &self.database_unread {
            problems.push(Problem::DatabaseUnread(why.clone()));
        }
        let (mut replica, mut effects) = Replica::open(opened, cached, now);
        let marks = self.marks.clone();
        replica.on_mark(move |name| marks.borrow_mut().push(name));
        effects.problems.clear();
        self.replica = Some(replica);
        (effects, problems)
    }

    /// A key the page stored: another tab's, or a command it keeps.
    fn stored(
        &mut self,
        key: &str,
        value: Option<String>,
        now: i64,
        out: &mut Output,
    ) -> Option<Effects> {
        // It is in storage, so storage had room for it. A new edit tries storage again (as
        // the user is told it will), whatever room was learned.
        let limit = self.mirror.capacity();
        self.mirror.limit(None);
        let _ = match &value {
            Some(value) => self.mirror.set(key, value),
            None => self.mirror.remove(key),
        };
        if !key.starts_with(JOURNAL) {
            self.mirror
                .limit(limit.map(|limit| limit.max(self.mirror.used())));
        }
        let value = value?;
        let replica = self.replica.as_mut()?;
        if key.starts_with(JOURNAL) {
            let command = serde_json::from_str(&value).map_err(|e| e.to_string());
            let (effects, outcome) = replica.run_kept(key, command, now);
            out.to_page.push(FromWorker::Ran {
                key: key.to_owned(),
                outcome,
            });
            return Some(effects);
        }
        Some(replica.external_change(key, now))
    }

    /// The page couldn't make a write: take it and every later one back out of the mirror,
    /// and open the network again from what storage holds, keeping the rest in memory.
    fn failed(&mut self, batch: u64, at: usize, now: i64) -> Effects {
        // Typing in progress goes into the network first (its writes are taken back too).
        let mut old = self.replica.take();
        if let Some(old) = &mut old {
            old.flush_typing(now);
        }
        let mut undone: Vec<Logged> = Vec::new();
        while let Some((b, writes)) = self.in_flight.pop_front() {
            if b < batch {
                continue;
            }
            let from = if b == batch { at.min(writes.len()) } else { 0 };
            undone.extend(writes.into_iter().skip(from));
        }
        undone.extend(self.log.borrow_mut().drain(..));
        self.mirror.limit(None);
        for (write, before) in undone.into_iter().rev() {
            let _ = match before {
                Some(value) => self.mirror.set(write.key(), &value),
                None => self.mirror.remove(write.key()),
            };
        }
        // What storage holds now is all it has room for.
        self.mirror.limit(Some(self.mirror.used()));
        self.resumes = Some(batch);
        let (mut effects, _) = self.open(now);
        if let (Some(mut old), Some(replica)) = (old, self.replica.as_mut()) {
            let (bytes, _, _) = old.changes_since(&replica.heads(), now);
            if !bytes.is_empty() {
                if let Ok((_, _, merged)) = replica.apply_remote(&bytes, now) {
                    effects.merge(merged);
                }
            }
            if old.is_syncing() {
                effects.merge(old.sync_stop());
                effects.merge(replica.sync_resume(self.online, now));
            }
        }
        effects
    }

    /// Turns what the replica did into messages: the batch of writes first (so the page has
    /// stored a change before it hears of it), then saving, problems and the overview.
    fn finish(&mut self, effects: Option<Effects>, out: &mut Output) {
        let writes: Vec<Logged> = self.log.borrow_mut().drain(..).collect();
        let database: Vec<Logged> = self.database_log.borrow_mut().drain(..).collect();
        // (Messages already in `out` came before these writes; they wait with them.)
        let before = std::mem::take(&mut out.to_page);
        let writes = if database.is_empty() {
            out.to_page = before;
            self.send_writes(writes, out);
            None
        } else {
            out.database = database.iter().map(|(write, _)| write.clone()).collect();
            Some((before, writes, database))
        };
        for name in self.marks.borrow_mut().drain(..) {
            out.to_page.push(FromWorker::Mark(name.to_owned()));
        }
        let Some(effects) = effects else { return };
        let Effects {
            changed,
            saved,
            timers,
            problems,
            sync,
        } = effects;
        if let Some(saved) = saved {
            out.to_page.push(FromWorker::Saved(saved));
        }
        if !problems.is_empty() {
            out.to_page.push(FromWorker::Problems(problems));
        }
        if let (true, Some(replica)) = (changed, self.replica.as_mut()) {
            // Answers go after the change, so the page doesn't take them for stale.
            let (answers, rest) = std::mem::take(&mut out.to_page)
                .into_iter()
                .partition(|m| matches!(m, FromWorker::Answer { .. } | FromWorker::Done { .. }));
            out.to_page = rest;
            let change = self.shown.change(replica);
            out.to_page
                .push(if change.rows.len() + change.outlines.len() > PACK_AT {
                    FromWorker::Overview(replica.packed_overview())
                } else {
                    FromWorker::Changed(change)
                });
            out.to_page.extend::<Vec<FromWorker>>(answers);
        }
        for effect in sync {
            match effect {
                SyncEffect::Status(status) => out.to_page.push(FromWorker::Sync {
                    status,
                    deleted: false,
                }),
                SyncEffect::Deleted => out.to_page.push(FromWorker::Sync {
                    status: None,
                    deleted: true,
                }),
                socket => out.sync.push(socket),
            }
        }
        out.timers.extend(timers);
        if let Some((before, writes, database)) = writes {
            self.holding = Some(Holding {
                database,
                writes,
                before,
                after: std::mem::take(&mut out.to_page),
            });
        }
    }

    /// Sends the page a batch of writes to make, next in `out`.
    fn send_writes(&mut self, writes: Vec<Logged>, out: &mut Output) {
        if !writes.is_empty() || self.resumes.is_some() {
            self.batch += 1;
            out.to_page.push(FromWorker::Writes(Writes {
                batch: self.batch,
                resumes: self.resumes.take(),
                writes: writes.iter().map(|(write, _)| write.clone()).collect(),
            }));
            self.in_flight.push_back((self.batch, writes));
        }
    }
}
