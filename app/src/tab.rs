//! The page's side of a network a worker holds (`host`), with no I/O of its own: the overview
//! the screens draw, the answers they read, the page's storage and the protocol
//! (`crate::wire`). Document-free.
//!
//! The page owns storage: it makes the worker's writes in order and says how far it got, keeps
//! each edit in storage before the worker hears of it (`doc::journal`), and sends the worker
//! every key another tab stores. The overview is drawn from the cache until the worker's first
//! change arrives, then kept from the changes. Answers are kept until fresh ones arrive, with
//! this page's own typing laid over them while the worker catches up with it.
//!
//! Typing is kept in storage by the page itself at every keystroke, under this tab's typing key
//! (`doc::typing`), so it is durable before the worker hears of it. The worker writes the same
//! key a moment later; while the page is ahead of it, the page keeps its own text there, on the
//! base the worker's writes give (see [`Tab::typed_key_write`]).

use crate::doc::journal;
use crate::doc::list_cache::ListReader;
use crate::doc::store::{KeyValue, KvError, Problem, PREFIX, TYPING};
use crate::doc::typing::{Target, Typing};
use crate::doc::Command;
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, PersonRow};
use crate::replica::Kept;
use crate::view::{Answer, Query};
use crate::wire::{FromWorker, OverviewChange, Reply, Request, ToWorker, Write, Writes};
use automerge::ChangeHash;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

mod report;
#[cfg(test)]
mod tests;

pub use report::{Notice, Report, SaveState};

/// Every interview in outline, sorted by id (shared with the screens without copying).
pub type Outlines = Rc<Vec<(InterviewId, Interview)>>;

/// What a message from the worker means for the screens.
// (One is made per message and handled at once.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum News {
    /// The network is open, with these problems.
    Opened(Vec<Problem>),
    /// The overview changed, and every answer may have.
    Changed,
    /// Whether a write was saved; `first` for the first since the page opened.
    Saved {
        first: bool,
    },
    Problems,
    /// A command this page kept ran (see [`Tab::edit`]), with what to tell the user of it.
    Ran {
        key: String,
        outcome: Kept,
        notice: Option<Notice>,
    },
    /// An answer arrived: reads of it may show something new.
    Answered,
    Done {
        id: u64,
        reply: Reply,
    },
    /// Sync's status changed.
    Sync,
    Mark(String),
}

/// The page's side of its network.
pub struct Tab<K> {
    name: String,
    storage: K,
    /// Counts the commands this page kept, so they keep their order.
    kept: u32,
    /// After a batch storage refused: its number, while the batches after it are dropped.
    dropping: Option<u64>,
    rows: Vec<PersonRow>,
    outlines: Outlines,
    fields: Option<(Vec<(FieldId, Field)>, FollowUpSettings)>,
    /// The latest answer to each question, and whether it is fresh.
    answers: HashMap<Query, (Answer, bool)>,
    /// Questions sent and not yet answered, by id.
    asked: HashMap<u64, Query>,
    /// The heads of the cached overview drawn, until a worker's change is drawn over it.
    drawn: Option<Vec<ChangeHash>>,
    /// The cached overview while it is read part by part (see [`Tab::show_cached`]).
    reading: Option<ListReader>,
    /// Changes heard while an overview is read, made once it is (the rows they change may be
    /// in parts not yet read); reading the rest at once would hold the page.
    waiting: Vec<OverviewChange>,
    /// Questions the screens read since they were last told of news: asked again on a change.
    shown: std::collections::HashSet<Query>,
    /// A change the screens are not told of until the answers it made stale are fresh, so
    /// they never draw the new overview beside old answers (a choice just made, undone).
    held: bool,
    next_id: u64,
    /// What this page typed into each text, laid over answers until the worker shows it has
    /// it, with the first id of the questions asked after it was sent. Every text typed is
    /// kept, not only the last: the worker commits one text when typing moves to another, and
    /// until an answer shows that, the answer heard still has the text as it was before.
    typing: Vec<(Target, String, u64)>,
    /// This tab's typing in storage as this page knows it, and whether the page wrote it
    /// (ahead of the worker) rather than the worker.
    typed: Option<(Typing, bool)>,
    /// The typing the worker last stored (its text is what it commits).
    worker_typed: Option<Typing>,
    /// Requests sent and not yet done, by id (a new worker gets them again).
    pending: BTreeMap<u64, Request>,
    /// What to say once an edit runs ("Deleted Ana Lima", with its undo), by its kept key.
    undoable: HashMap<String, String>,
    report: Report,
    /// Whether the screens have the report as it is (see [`Tab::new_report`]).
    reported: bool,
}

impl<K: KeyValue> Tab<K> {
    pub fn new(name: &str, storage: K) -> Tab<K> {
        Tab {
            name: name.to_owned(),
            storage,
            kept: 0,
            dropping: None,
            rows: Vec::new(),
            outlines: Rc::default(),
            fields: None,
            answers: HashMap::new(),
            asked: HashMap::new(),
            shown: Default::default(),
            drawn: None,
            reading: None,
            waiting: Vec::new(),
            held: false,
            next_id: 0,
            typing: Vec::new(),
            typed: None,
            worker_typed: None,
            pending: BTreeMap::new(),
            undoable: HashMap::new(),
            report: Report::default(),
            reported: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first message for a worker (a new one too, after one died): every key stored.
    /// The first messages for a worker: everything stored, then what a worker before it may
    /// have dropped (the typing it didn't show yet, the requests it didn't answer).
    pub fn open(&mut self) -> Result<Vec<ToWorker>, KvError> {
        // A new worker numbers its batches from the start, and tells the overview from the
        // cache drawn, else whole: so the cache is read to its end (or found unreadable).
        self.dropping = None;
        self.finish_reading();
        let mut stored = Vec::new();
        for key in self.storage.keys()? {
            if key.starts_with(PREFIX) {
                if let Some(value) = self.storage.get(&key)? {
                    stored.push((key, value));
                }
            }
        }
        for (_, fresh) in self.answers.values_mut() {
            *fresh = false;
        }
        let open = ToWorker::Open {
            tab: self.name.clone(),
            stored,
            drawn: self.drawn.clone(),
        };
        // The text typed last: the worker before committed each one before it when typing
        // moved on (or, dying first, left it in storage, where the new one finds it).
        let typing = self.typing.last().map(|(target, text, _)| ToWorker::Type {
            target: target.clone(),
            text: text.clone(),
        });
        let requests = self.pending.iter().map(|(id, request)| ToWorker::Request {
            id: *id,
            request: request.clone(),
        });
        // What the last worker was asked and didn't answer is asked again.
        let asked = self.asked.iter().map(|(id, query)| ToWorker::Ask {
            id: *id,
            query: query.clone(),
        });
        let first = std::iter::once(open).chain(typing).chain(requests);
        Ok(first.chain(asked).collect())
    }

    /// Draws the cached overview until the worker's arrives: at once its first part (the
    /// heads, the people list's first page), then a part at each [`Tab::read_cached`]. Until
    /// the last part is read, the people list is partial ([`Tab::people_count`] says how many
    /// there are) and the fields, which "what's next" waits for, are unknown.
    pub fn show_cached(&mut self, reader: ListReader) {
        self.rows = reader.list().rows.clone();
        self.drawn = Some(reader.list().heads.clone());
        let done = reader.is_done();
        self.reading = Some(reader);
        if done {
            self.finish_reading();
        }
    }

    /// Reads parts of the cached overview until `now()` passes `until` (at least one);
    /// true while there is more to read.
    pub fn read_cached(&mut self, until: i64, now: impl Fn() -> i64) -> bool {
        while let Some(reader) = self.reading.as_mut() {
            if reader.read_part(&self.storage).is_none() || reader.is_done() {
                self.finish_reading();
            } else if now() > until {
                return true;
            }
        }
        false
    }

    /// Reads what is left of the cached overview and draws it whole; one that turns out
    /// unreadable is taken off the screen (the worker will send its overview whole).
    fn finish_reading(&mut self) {
        let Some(mut reader) = self.reading.take() else {
            return;
        };
        while !reader.is_done() && reader.read_part(&self.storage).is_some() {}
        if let Some(mut list) = reader.finish() {
            let mut outlines = std::mem::take(&mut list.interviews);
            outlines.sort_by(|a, b| a.0.cmp(&b.0));
            self.outlines = Rc::new(outlines);
            self.rows = list.rows;
            self.fields = Some((list.fields, list.follow_up));
            self.drawn = Some(list.heads);
        } else {
            self.rows.clear();
            self.drawn = None;
        }
        for change in std::mem::take(&mut self.waiting) {
            self.apply(change);
        }
    }

    /// An edit: kept in storage at once, then handed to the worker, which runs it and says so
    /// ([`News::Ran`] with the key).
    pub fn edit(&mut self, command: &Command, now: i64) -> Result<(String, ToWorker), KvError> {
        let key = journal::key(now, &self.name, self.kept);
        self.kept += 1;
        match journal::keep(&mut self.storage, &key, command) {
            Ok(()) => {
                let value = self.storage.get(&key)?;
                Ok((key.clone(), ToWorker::Stored { key, value }))
            }
            // Made in memory all the same, and the user is told it isn't saved.
            Err(KvError::Full) => {
                let report = self.report_mut();
                report.save = SaveState::NotSaved;
                if !report.problems.contains(&Problem::Full) {
                    report.problems.push(Problem::Full);
                }
                let command = Box::new(command.clone());
                Ok((key.clone(), ToWorker::Unkept { key, command }))
            }
            Err(e) => Err(e),
        }
    }

    /// Says `done` ("Deleted Ana Lima"), with its undo, once the edit kept as `key` runs.
    pub fn offer_undo(&mut self, key: String, done: String) {
        self.undoable.insert(key, done);
    }

    /// A key another tab stored (`None`: removed), for the worker.
    pub fn stored_elsewhere(&self, key: String) -> Result<ToWorker, KvError> {
        let value = self.storage.get(&key)?;
        Ok(ToWorker::Stored { key, value })
    }

    /// Typing into a text: shown at once, kept in storage at once, for the worker.
    pub fn type_text(&mut self, target: Target, text: String, now: i64) -> ToWorker {
        // On the base of the burst stored, or, starting one, the text as it was shown (what
        // this page typed last, which the worker committed, or the answer). Into another text
        // than the one stored, the worker commits that first, and keeps this itself.
        let shown = self.typing.iter().find(|(t, ..)| *t == target);
        let base = match (&self.typed, shown) {
            (Some((typed, _)), _) if typed.target == target => Some(typed.base.clone()),
            (Some(_), _) => None,
            (None, Some((_, shown, _))) => Some(shown.clone()),
            (None, None) => self.shown_text(&target),
        };
        // In the order typed: the last is the one a new worker is sent (see `Tab::open`).
        self.typing.retain(|(t, ..)| *t != target);
        self.typing
            .push((target.clone(), text.clone(), self.next_id + 1));
        if let Some(base) = base {
            let typing = Typing {
                target: target.clone(),
                base,
                text: text.clone(),
                at: now,
            };
            if self
                .storage
                .set(&self.typing_key(), &typing.encode())
                .is_ok()
            {
                self.typed = Some((typing, true));
            }
        }
        ToWorker::Type { target, text }
    }

    /// The page is being left: the worker is told to commit the typing, and should the page
    /// be gone before it has, the typing stored is marked as left, for the next tab to
    /// recover at once (where the browser can't tell it which tabs are alive, it waits for
    /// typing that is still recent).
    pub fn leave(&mut self, now: i64) -> ToWorker {
        let key = self.typing_key();
        if let Some((typed, _)) = &mut self.typed {
            typed.at = now - crate::replica::TYPING_ABANDONED;
            let _ = self.storage.set(&key, &typed.encode());
        }
        ToWorker::FlushTyping
    }

    fn typing_key(&self) -> String {
        format!("{TYPING}{}", self.name)
    }

    /// What `target` reads in the answers heard (without this page's typing).
    fn shown_text(&self, target: &Target) -> Option<String> {
        match target {
            Target::Interview(id, part) => match self.answers.get(&Query::Interview(id.clone())) {
                Some((Answer::Interview(Some(interview)), _)) => {
                    Some(part.get(interview).unwrap_or_default().to_owned())
                }
                _ => None,
            },
            Target::Research(org) => match self.answers.get(&Query::Research(org.clone())) {
                Some((Answer::Research(text), _)) => Some(text.clone()),
                _ => None,
            },
        }
    }

    /// The write to make for the worker's write of this tab's typing key. While the page is
    /// ahead (it stored text the worker hasn't had yet), its text stays: over the worker's base
    /// when the worker stores older text, over what the worker committed when it removes the
    /// key. Otherwise the worker's write, as it is.
    fn typed_key_write(&mut self, value: Option<&String>) -> Option<String> {
        let worker = value.and_then(|v| Typing::decode(v).ok());
        if value.is_some() {
            self.worker_typed.clone_from(&worker);
        }
        let committed = match value {
            Some(_) => None,
            None => self.worker_typed.take(),
        };
        let ahead = match &self.typed {
            Some((typed, true)) => typed.clone(),
            _ => {
                self.typed = worker.map(|w| (w, false));
                return value.cloned();
            }
        };
        let base = match (&worker, &committed) {
            (Some(w), _) if w.target == ahead.target && w.text != ahead.text => w.base.clone(),
            (None, Some(c)) if c.target == ahead.target && c.text != ahead.text => c.text.clone(),
            // The worker has caught up (or typed elsewhere, or removed what it never stored).
            _ => {
                self.typed = worker.map(|w| (w, false));
                return value.cloned();
            }
        };
        let typing = Typing { base, ..ahead };
        let value = typing.encode();
        self.typed = Some((typing, true));
        Some(value)
    }

    /// The answer to `query` as last heard (with this page's typing over it), and the question
    /// to send when no fresh one is coming.
    pub fn answer(&mut self, query: &Query) -> (Option<Answer>, Option<ToWorker>) {
        self.shown.insert(query.clone());
        let held = self.answers.get(query).cloned();
        let fresh = held.as_ref().is_some_and(|(_, fresh)| *fresh);
        let asking = self.asked.values().any(|q| q == query);
        let ask = (!fresh && !asking).then(|| self.ask(query.clone()));
        let answer = held.map(|(mut answer, _)| {
            for (target, text, _) in &self.typing {
                overlay(target, text, query, &mut answer);
            }
            answer
        });
        (answer, ask)
    }

    fn ask(&mut self, query: Query) -> ToWorker {
        self.next_id += 1;
        self.asked.insert(self.next_id, query.clone());
        ToWorker::Ask {
            id: self.next_id,
            query,
        }
    }

    /// Takes a message from the worker: what it means for the screens, and the replies.
    pub fn receive(&mut self, message: FromWorker) -> (Option<News>, Vec<ToWorker>) {
        let (news, reply) = self.hear(message);
        let news = match news {
            // Held until every answer it made stale is fresh.
            Some(News::Changed | News::Answered) if !self.asked.is_empty() => None,
            Some(News::Answered) if std::mem::take(&mut self.held) => Some(News::Changed),
            news => news,
        };
        if matches!(news, Some(News::Changed | News::Answered)) {
            // The screens read again what they show.
            self.held = false;
            self.shown.clear();
        }
        (news, reply)
    }

    fn hear(&mut self, message: FromWorker) -> (Option<News>, Vec<ToWorker>) {
        match message {
            FromWorker::Writes(writes) => (None, self.write(writes).into_iter().collect()),
            FromWorker::Opened { problems } => {
                self.report_mut().problems = problems.clone();
                (Some(News::Opened(problems)), Vec::new())
            }
            FromWorker::Changed(change) => {
                self.change(change);
                self.changed()
            }
            FromWorker::Overview(packed) => {
                self.reading = None;
                self.waiting.clear();
                if let Some(reader) = ListReader::unpack(packed) {
                    self.show_cached(reader);
                }
                self.changed()
            }
            FromWorker::Saved(saved) => {
                let save = if saved {
                    SaveState::Saved
                } else {
                    SaveState::NotSaved
                };
                let first = self.report.save == SaveState::Idle;
                let full = self.report.problems.contains(&Problem::Full);
                // (Said after every edit: the screens hear of it only when it changes.)
                if self.report.save != save || full == saved {
                    let report = self.report_mut();
                    report.save = save;
                    report.problems.retain(|p| *p != Problem::Full);
                    if !saved {
                        report.problems.push(Problem::Full);
                    }
                }
                (Some(News::Saved { first }), Vec::new())
            }
            FromWorker::Problems(problems) => {
                self.report_mut().problems.extend(problems);
                (Some(News::Problems), Vec::new())
            }
            FromWorker::Ran { key, outcome } => {
                let notice = match (&outcome, self.undoable.remove(&key)) {
                    (Ok((_, Some(undo))), Some(text)) => Some(Notice {
                        text,
                        undo: Some(undo.clone()),
                    }),
                    (Err(why), _) => Some(Notice {
                        text: format!("Not done: {why}"),
                        undo: None,
                    }),
                    _ => None,
                };
                if notice.is_some() {
                    self.report_mut().notice = notice.clone();
                }
                let ran = News::Ran {
                    key,
                    outcome,
                    notice,
                };
                (Some(ran), Vec::new())
            }
            FromWorker::Answer { id, answer } => {
                let Some(query) = self.asked.remove(&id) else {
                    return (None, Vec::new());
                };
                // The worker has a text typed once it answers a question asked after it, or
                // shows it. (An answer to another question says nothing of it.)
                self.typing.retain(|(target, text, asked_after)| {
                    let mut shown = answer.clone();
                    let after = id >= *asked_after;
                    !(overlay(target, text, &query, &mut shown) && (after || shown == answer))
                });
                self.answers.insert(query, (answer, true));
                (Some(News::Answered), Vec::new())
            }
            FromWorker::Done { id, reply } => {
                let request = self.pending.remove(&id);
                if let (Some(Request::DiscardAside), Reply::Discarded(true)) = (request, &reply) {
                    let problems = &mut self.report_mut().problems;
                    problems.retain(|p| !matches!(p, Problem::Unreadable { .. }));
                }
                (Some(News::Done { id, reply }), Vec::new())
            }
            FromWorker::Sync { status, deleted } => {
                self.show_sync(status, deleted);
                (Some(News::Sync), Vec::new())
            }
            FromWorker::Mark(name) => (Some(News::Mark(name)), Vec::new()),
        }
    }

    /// Work on the whole network, answered by [`News::Done`] with the id given here. Sent
    /// again to a new worker until it is done.
    pub fn request(&mut self, request: Request) -> (u64, ToWorker) {
        self.next_id += 1;
        self.pending.insert(self.next_id, request.clone());
        let id = self.next_id;
        (id, ToWorker::Request { id, request })
    }

    /// Makes a batch of the worker's writes in order; stops at the first storage refuses.
    fn write(&mut self, writes: Writes) -> Option<ToWorker> {
        if let Some(failed) = self.dropping {
            if writes.resumes != Some(failed) {
                return None;
            }
            self.dropping = None;
        }
        let own = self.typing_key();
        for (at, write) in writes.writes.iter().enumerate() {
            let made = match write {
                Write::Set(key, value) if *key == own => match self.typed_key_write(Some(value)) {
                    Some(value) => self.storage.set(key, &value),
                    None => Ok(()),
                },
                Write::Remove(key) if *key == own => match self.typed_key_write(None) {
                    Some(value) => self.storage.set(key, &value),
                    None => self.storage.remove(key),
                },
                Write::Set(key, value) => self.storage.set(key, value),
                Write::Remove(key) => self.storage.remove(key),
            };
            if made.is_err() {
                self.dropping = Some(writes.batch);
                return Some(ToWorker::Failed {
                    batch: writes.batch,
                    at,
                });
            }
        }
        Some(ToWorker::Written {
            batch: writes.batch,
        })
    }

    /// The overview changed: every answer is stale, and what the screens show is asked again
    /// at once (unless already asked: an answer still to come was made after this change).
    fn changed(&mut self) -> (Option<News>, Vec<ToWorker>) {
        for (_, fresh) in self.answers.values_mut() {
            *fresh = false;
        }
        let mut shown: Vec<Query> = self.shown.iter().cloned().collect();
        shown.retain(|query| !self.asked.values().any(|q| q == query));
        let asks: Vec<ToWorker> = shown.into_iter().map(|query| self.ask(query)).collect();
        self.held = true;
        (Some(News::Changed), asks)
    }

    fn change(&mut self, change: OverviewChange) {
        if change.whole {
            self.reading = None;
            self.waiting.clear();
        } else if self.reading.is_some() {
            self.waiting.push(change);
            return;
        }
        self.apply(change);
    }

    fn apply(&mut self, change: OverviewChange) {
        let OverviewChange {
            rows_removed,
            rows,
            outlines_removed,
            outlines,
            fields,
            whole,
        } = change;
        self.drawn = None;
        if whole {
            self.rows.clear();
            self.outlines = Rc::default();
        }
        let changed: Vec<_> = rows.iter().map(|row| row.id.clone()).collect();
        crate::domain::replace_rows(
            &mut self.rows,
            rows_removed.iter().chain(changed.iter()),
            rows,
        );
        if !outlines_removed.is_empty() || !outlines.is_empty() {
            let all = Rc::make_mut(&mut self.outlines);
            all.retain(|(id, _)| !outlines_removed.contains(id));
            for (id, outline) in outlines {
                match all.binary_search_by(|(other, _)| other.cmp(&id)) {
                    Ok(at) => all[at].1 = outline,
                    Err(at) => all.insert(at, (id, outline)),
                }
            }
        }
        if let Some(fields) = fields {
            self.fields = Some(fields);
        }
    }

    /// The people list, sorted (only its first part while the cache is read).
    pub fn rows(&self) -> &[PersonRow] {
        &self.rows
    }

    /// Whether an overview is being read a part at a time (see [`Tab::read_cached`]).
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// How many people the network holds (the list may still be being read).
    pub fn people_count(&self) -> usize {
        self.reading
            .as_ref()
            .map_or(self.rows.len(), ListReader::people)
    }

    /// Every interview in outline; `None` while the cache is read.
    pub fn outlines(&self) -> Option<Outlines> {
        self.reading.is_none().then(|| self.outlines.clone())
    }

    pub fn fields_and_follow_up(&self) -> Option<(Vec<(FieldId, Field)>, FollowUpSettings)> {
        self.fields.clone()
    }

    pub fn storage(&mut self) -> &mut K {
        &mut self.storage
    }
}

/// Lays text typed into `target` over an answer to `query` that shows it.
fn overlay(target: &Target, text: &str, query: &Query, answer: &mut Answer) -> bool {
    match (target, query, answer) {
        (Target::Interview(id, part), Query::Interview(asked), Answer::Interview(Some(i)))
            if id == asked =>
        {
            part.set(i, text.to_owned());
            true
        }
        (Target::Research(organisation), Query::Research(asked), Answer::Research(research))
            if organisation == asked =>
        {
            *research = text.to_owned();
            true
        }
        _ => false,
    }
}
