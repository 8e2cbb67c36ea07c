//! A deterministic simulation of pages and their workers: the pages share one storage (as an
//! origin's tabs share localStorage) and tell their workers what other tabs store; every
//! message crosses as JSON, as it does between threads; a worker can be terminated at any
//! point and started again from what its page has stored.

use super::*;
use crate::doc::list_cache::{reader_of, ListReader};
use crate::doc::Command;
use crate::domain::{Person, PersonId};
use crate::tab::{News, SaveState};
use crate::view::{Answer, Query};

const POLICY: CompactionPolicy = CompactionPolicy {
    max_chunks: 4,
    min_chunk_bytes: 1024,
};

/// A message as the other side receives it.
fn crossed<T: serde::Serialize + serde::de::DeserializeOwned>(message: T) -> T {
    serde_json::from_str(&serde_json::to_string(&message).unwrap()).unwrap()
}

thread_local! {
    /// The browser's database beside each storage (an origin has one of each), by storage.
    static DATABASES: RefCell<HashMap<usize, MemoryKv>> = RefCell::default();
    /// Whether the database refuses writes (a full disk) or reads.
    static REFUSING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static UNREADABLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The browser's database beside `storage`.
fn database_of(storage: &MemoryKv) -> MemoryKv {
    DATABASES.with_borrow_mut(|all| all.entry(storage.id()).or_default().clone())
}

fn entries(kv: &MemoryKv) -> Vec<(String, String)> {
    let mut keys = kv.keys().unwrap();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let v = kv.get(&k).unwrap().unwrap();
            (k, v)
        })
        .collect()
}

fn snapshots(kv: &MemoryKv) -> Vec<String> {
    let mut keys = kv.keys().unwrap();
    keys.retain(|key| crate::doc::store::is_snapshot(key));
    keys.sort();
    keys
}

/// A key stored (`None`: removed).
type Stored = (String, Option<String>);

/// The page's storage as one tab writes it: what it stored goes to the other tabs as storage
/// events, and the writes it refused are counted.
#[derive(Clone, Default)]
struct Recording {
    kv: MemoryKv,
    stored: Rc<RefCell<Vec<Stored>>>,
    failures: Rc<RefCell<usize>>,
}

impl Recording {
    fn record(
        &self,
        made: Result<(), KvError>,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), KvError> {
        match &made {
            Ok(()) => self
                .stored
                .borrow_mut()
                .push((key.to_owned(), value.map(str::to_owned))),
            Err(_) => *self.failures.borrow_mut() += 1,
        }
        made
    }
}

impl KeyValue for Recording {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.kv.get(key)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        let made = self.kv.set(key, value);
        self.record(made, key, Some(value))
    }

    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        let made = self.kv.remove(key);
        self.record(made, key, None)
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.kv.keys()
    }
}

/// One tab: its page ([`crate::tab::Tab`] over the shared storage) and its worker.
struct Sim {
    page: crate::tab::Tab<Recording>,
    storage: Recording,
    /// The browser's database, which the worker uses itself.
    database: MemoryKv,
    host: Host,
    /// Messages for the worker not yet handled.
    outbox: Vec<ToWorker>,
    done: HashMap<u64, crate::wire::Reply>,
    ran: Vec<(String, crate::replica::Kept)>,
    /// Every change to the overview the page was told.
    changes: Vec<OverviewChange>,
    /// Timers the worker set: when each is due, and it.
    timers: Vec<(i64, Timer)>,
}

impl Sim {
    /// A page opening: it sends its worker everything stored.
    fn open(storage: &MemoryKv, name: &str) -> Sim {
        Sim::drawing(storage, name, false)
    }

    /// A page opening that first draws the overview cached in storage, if `cached`.
    fn drawing(storage: &MemoryKv, name: &str, cached: bool) -> Sim {
        let storage = Recording {
            kv: storage.clone(),
            ..Recording::default()
        };
        let mut page = crate::tab::Tab::new(name, storage.clone());
        if let Some(reader) = ListReader::open(&storage).filter(|_| cached) {
            page.show_cached(reader);
        }
        let outbox = page.open().unwrap();
        Sim {
            page,
            database: database_of(&storage.kv),
            storage,
            host: Host::new(POLICY, "worker"),
            outbox,
            done: HashMap::new(),
            ran: Vec::new(),
            changes: Vec::new(),
            timers: Vec::new(),
        }
    }

    /// An edit: kept in storage at once, then handed to the worker.
    fn edit(&mut self, command: &Command, now: i64) {
        let (_, message) = self.page.edit(command, now).unwrap();
        self.outbox.push(message);
    }

    /// A question, as a screen asks it; `None` while no answer has been heard.
    fn ask(&mut self, query: Query) -> Option<Answer> {
        let (answer, ask) = self.page.answer(&query);
        self.outbox.extend(ask);
        answer
    }

    /// The worker handles what the page sent, and the page what it answered, until both are
    /// quiet.
    fn settle(&mut self, now: i64) {
        while !self.outbox.is_empty() {
            for message in std::mem::take(&mut self.outbox) {
                if Host::needs_database(&message) {
                    let read = match UNREADABLE.get() {
                        true => Err("unreadable".to_owned()),
                        false => Ok(entries(&self.database)),
                    };
                    self.host.database(read);
                }
                let out = self.host.handle(crossed(message), now);
                self.receive(out, now);
            }
        }
    }

    /// Fires the timers due by `now`.
    fn wait_until(&mut self, now: i64) {
        loop {
            let due: Vec<Timer> = self
                .timers
                .iter()
                .filter(|(at, _)| *at <= now)
                .map(|(_, timer)| *timer)
                .collect();
            if due.is_empty() {
                return;
            }
            self.timers.retain(|(at, _)| *at > now);
            for timer in due {
                let out = self.host.timer(timer, now);
                self.receive(out, now);
            }
            self.settle(now);
        }
    }

    fn receive(&mut self, out: Output, now: i64) {
        let database = out.database;
        for timer in out.timers {
            self.timers.push((now + timer.after(), timer));
        }
        for message in out.to_page {
            if let FromWorker::Changed(change) = &message {
                self.changes.push(change.clone());
            }
            if let FromWorker::Writes(writes) = &message {
                self.assert_head_has_its_snapshot(&writes.writes);
            }
            let (news, reply) = self.page.receive(crossed(message));
            self.outbox.extend(reply);
            match news {
                Some(News::Ran { key, outcome, .. }) => self.ran.push((key, outcome)),
                Some(News::Done { id, reply }) => {
                    self.done.insert(id, reply);
                }
                _ => {}
            }
        }
        self.write_database(database, now);
    }

    /// The database makes (or refuses) the writes the worker asked of it, and the worker
    /// hears so.
    fn write_database(&mut self, writes: Vec<Write>, now: i64) {
        if writes.is_empty() {
            return;
        }
        let refused = REFUSING.get();
        if !refused {
            for write in writes {
                match write {
                    Write::Set(key, value) => self.database.set(&key, &value).unwrap(),
                    Write::Remove(key) => self.database.remove(&key).unwrap(),
                }
            }
        }
        let out = self.host.database_done(refused);
        self.receive(out, now);
    }

    /// A `head` is stored only once the snapshot it names is: in the database, in storage, or
    /// earlier in the same batch.
    fn assert_head_has_its_snapshot(&self, writes: &[Write]) {
        let mut earlier = HashSet::new();
        for write in writes {
            if let Write::Set(key, value) = write {
                if key == "colloquy/head" {
                    let (generation, tab) = value.split_once(' ').unwrap();
                    let snapshot = format!("colloquy/g{generation}/snap/{tab}");
                    assert!(
                        earlier.contains(&snapshot)
                            || self.database.get(&snapshot).unwrap().is_some()
                            || self.storage.get(&snapshot).unwrap().is_some(),
                        "head names {snapshot}, not yet stored"
                    );
                }
                earlier.insert(key.clone());
            }
        }
    }

    /// What this page stored, as storage events for another tab.
    fn storage_events(&mut self) -> Vec<ToWorker> {
        std::mem::take(&mut *self.storage.stored.borrow_mut())
            .into_iter()
            .map(|(key, value)| ToWorker::Stored { key, value })
            .collect()
    }

    fn failures(&self) -> usize {
        *self.storage.failures.borrow()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.page.rows().iter().map(|r| r.name.clone()).collect();
        names.sort();
        names
    }

    fn journal(&self) -> Vec<String> {
        let mut keys = self.storage.keys().unwrap();
        keys.retain(|k| k.starts_with(JOURNAL));
        keys
    }

    /// The mirror holds exactly what storage does.
    fn assert_mirrored(&self) {
        let entries = |kv: &MemoryKv| -> Vec<(String, Option<String>)> {
            let mut keys = kv.keys().unwrap();
            keys.sort();
            keys.into_iter()
                .map(|k| {
                    let v = kv.get(&k).unwrap();
                    (k, v)
                })
                .collect()
        };
        assert_eq!(entries(&self.host.mirror), entries(&self.storage.kv));
    }
}

fn put(name: &str) -> Command {
    Command::PutPerson {
        id: PersonId::from(name.to_lowercase().as_str()),
        person: Person {
            name: name.into(),
            ..Person::default()
        },
    }
}

/// The names a page opening `storage` afresh draws, once its worker has the network.
fn reopened(storage: &MemoryKv) -> Vec<String> {
    let mut tab = Sim::open(storage, "fresh");
    tab.settle(10_000);
    tab.names()
}

#[test]
fn an_edit_made_before_the_worker_opens_is_stored_at_once_and_made_once_it_opens() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    // The page's edit is in storage before the worker has even read it.
    tab.edit(&put("Ada"), 1);
    assert_eq!(tab.journal().len(), 1);
    tab.settle(2);
    assert_eq!(tab.names(), ["Ada"]);
    assert_eq!(tab.page.report().save, SaveState::Saved);
    // Made, and stored as the network's own change: the kept command is gone.
    assert!(tab.journal().is_empty());
    assert_eq!(reopened(&storage), ["Ada"]);
    tab.assert_mirrored();
}

#[test]
fn a_worker_terminated_mid_edit_is_started_again_with_nothing_lost() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    tab.edit(&put("Grace"), 3);
    // The worker runs the edit, but is terminated before its writes reach the page.
    let message = tab.outbox.pop().unwrap();
    let _lost = tab.host.handle(crossed(message), 4);
    assert_eq!(tab.journal().len(), 1);
    // The page starts another from what it has stored: the edit is made there.
    let mut again = Sim::open(&storage, "a2");
    again.settle(5);
    assert_eq!(again.names(), ["Ada", "Grace"]);
    assert!(again.journal().is_empty());
    again.assert_mirrored();
    assert_eq!(reopened(&storage), ["Ada", "Grace"]);
}

#[test]
fn a_new_worker_gets_the_typing_and_the_requests_the_dead_one_dropped() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    let target = crate::doc::typing::Target::Research("Acme".into());
    let typed = tab.page.type_text(target, "Hiring in spring".into(), 3);
    let (id, export) = tab.page.request(crate::wire::Request::Export);
    tab.outbox.extend([typed, export]);
    // The worker ends before it reads either: the page starts another.
    tab.outbox.clear();
    tab.host = Host::new(POLICY, "worker");
    tab.outbox = tab.page.open().unwrap();
    tab.settle(3);
    let Some(crate::wire::Reply::Exported(bytes)) = tab.done.remove(&id) else {
        panic!("the export was not answered");
    };
    let exported = crate::doc::Network::load(&bytes).unwrap();
    assert_eq!(exported.people().0.len(), 1);
    let query = Query::Research("Acme".into());
    tab.ask(query.clone());
    tab.settle(4);
    tab.wait_until(4 + crate::replica::TYPING_PAUSE);
    assert_eq!(
        reopened_answer(&storage, query),
        Some(Answer::Research("Hiring in spring".into()))
    );
    // Answered once: a third worker isn't asked again.
    assert!(tab.page.open().unwrap().len() == 1);
}

/// What a page opening `storage` afresh is answered to `query`.
fn reopened_answer(storage: &MemoryKv, query: Query) -> Option<Answer> {
    let mut tab = Sim::open(storage, "fresh");
    tab.settle(10_000);
    tab.ask(query.clone());
    tab.settle(10_001);
    tab.ask(query)
}

/// What a page opening a copy of `storage` after its tabs died is answered to `query`, once
/// it has recovered the typing they left.
/// (`live`: the tabs' locks held, `None` where the browser has none.)
fn recovered_answer(storage: &MemoryKv, query: Query, live: Option<Vec<String>>) -> Option<Answer> {
    let copy = MemoryKv::default();
    for (from, to) in [
        (storage.clone(), copy.clone()),
        (database_of(storage), database_of(&copy)),
    ] {
        for (key, value) in entries(&from) {
            to.clone().set(&key, &value).unwrap();
        }
    }
    let mut tab = Sim::open(&copy, "fresh");
    tab.outbox.push(ToWorker::RecoverTyping { live });
    tab.settle(10_000);
    tab.ask(query.clone());
    tab.settle(10_001);
    tab.ask(query)
}

/// The text of the typing stored for tab `a`, and its base.
fn stored_typing(storage: &MemoryKv) -> Option<(String, String)> {
    let stored = storage
        .get(&format!("{}a", crate::doc::store::TYPING))
        .unwrap()?;
    let typing = crate::doc::typing::Typing::decode(&stored).unwrap();
    Some((typing.text, typing.base))
}

#[test]
fn each_keystroke_is_stored_by_the_page_and_a_crash_ahead_of_the_worker_loses_none() {
    use crate::doc::typing::Target;
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    let query = Query::Research("Acme".into());
    tab.ask(query.clone());
    tab.settle(1);
    let target = Target::Research("Acme".into());
    let research = |text: &str| Some(Answer::Research(text.into()));
    // In storage before the worker hears of it, and recovered should the tab die now.
    let typed = tab.page.type_text(target.clone(), "Hiring".into(), 2);
    assert_eq!(stored_typing(&storage), Some(("Hiring".into(), "".into())));
    let locks = Some(Vec::new());
    assert_eq!(
        recovered_answer(&storage, query.clone(), locks.clone()),
        research("Hiring")
    );
    // Where the browser can't tell which tabs live, recent typing is left to its tab, until
    // the tab says it is being left.
    assert_eq!(
        recovered_answer(&storage, query.clone(), None),
        research("")
    );
    let leave = tab.page.leave(2);
    assert_eq!(
        recovered_answer(&storage, query.clone(), None),
        research("Hiring")
    );
    tab.outbox.extend([typed, leave]);
    tab.settle(3);
    // More typed, not yet heard by the worker, which commits what it has as typing pauses:
    // the page keeps its text in storage, on what the worker committed.
    let more = tab
        .page
        .type_text(target.clone(), "Hiring in spring".into(), 4);
    tab.wait_until(3 + crate::replica::TYPING_PAUSE);
    assert_eq!(
        stored_typing(&storage),
        Some(("Hiring in spring".into(), "Hiring".into()))
    );
    assert_eq!(reopened_answer(&storage, query.clone()), research("Hiring"));
    assert_eq!(
        recovered_answer(&storage, query.clone(), locks),
        research("Hiring in spring")
    );
    // The worker catches up and commits it: nothing is left to recover.
    tab.outbox.push(more);
    tab.settle(5_000);
    tab.wait_until(5_000 + crate::replica::TYPING_PAUSE);
    assert_eq!(stored_typing(&storage), None);
    assert_eq!(
        reopened_answer(&storage, query),
        research("Hiring in spring")
    );
    tab.assert_mirrored();
}

#[test]
fn a_page_that_drew_the_cached_overview_is_told_only_what_changed_from_it() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    for (n, name) in ["Ada", "Grace", "Edsger"].into_iter().enumerate() {
        tab.edit(&put(name), n as i64);
    }
    tab.settle(5);
    // Upkeep caches the overview.
    tab.wait_until(60_000);
    let cached = read_list(&storage).expect("the overview is cached");
    assert_eq!(cached.rows.len(), 3);
    // A new page draws the cache: its worker opens the network and has nothing to add.
    let mut drew = Sim::drawing(&storage, "b", true);
    drew.settle(60_001);
    assert_eq!(drew.names(), ["Ada", "Edsger", "Grace"]);
    assert!(
        drew.changes.iter().all(|c| !c.whole && c.rows.is_empty()),
        "{:?}",
        drew.changes
    );
    // Then edits are told as changes to it.
    drew.edit(&put("Barbara"), 60_002);
    drew.settle(60_003);
    assert_eq!(drew.names(), ["Ada", "Barbara", "Edsger", "Grace"]);
    assert_eq!(drew.changes.last().unwrap().rows.len(), 1);
    drew.wait_until(120_000);
    assert_eq!(read_list(&storage).unwrap().rows.len(), 4, "cached again");
    // A page that drew nothing, or a cache of other heads, is told the whole overview, which
    // replaces what it drew.
    let mut blank = Sim::open(&storage, "c");
    blank.settle(120_001);
    assert!(blank.changes[0].whole);
    assert_eq!(blank.names(), ["Ada", "Barbara", "Edsger", "Grace"]);
    let mut stale = Sim::drawing(&storage, "d", false);
    stale.page.show_cached(reader_of(&cached));
    stale.outbox = stale.page.open().unwrap();
    stale.settle(120_002);
    assert!(stale.changes[0].whole);
    assert_eq!(stale.names(), ["Ada", "Barbara", "Edsger", "Grace"]);
}

#[test]
fn a_large_overview_comes_packed_and_is_drawn_a_part_at_a_time() {
    use crate::doc::list_cache::FIRST_ROWS;
    let storage = MemoryKv::default();
    let kv = Box::new(storage.clone()) as Box<dyn KeyValue>;
    let mut stored = Store::open(kv, "setup", POLICY).unwrap();
    let people: Vec<(PersonId, Person)> = (0..PACK_AT + 200)
        .map(|n| {
            let person = Person {
                name: format!("P{n:04}"),
                ..Person::default()
            };
            (PersonId::from(person.name.as_str()), person)
        })
        .collect();
    stored.network.put_people(&people, 1).unwrap();
    stored.store.compact(&mut stored.network).unwrap();
    // A page with nothing drawn is sent the whole overview, packed: it draws the first page
    // at once, and reads the rest a part per task.
    let mut tab = Sim::open(&storage, "a");
    tab.settle(2);
    assert!(tab.changes.is_empty(), "not sent as one change");
    assert!(tab.page.is_reading());
    assert_eq!(tab.page.rows().len(), FIRST_ROWS);
    assert_eq!(tab.page.people_count(), people.len());
    assert_eq!(tab.page.outlines(), None);
    // An edit made meanwhile: its change waits for the reading, which goes on a part per task.
    tab.edit(&put("Ada"), 3);
    tab.settle(4);
    assert!(tab.page.is_reading());
    assert_eq!(tab.page.rows().len(), FIRST_ROWS);
    let mut tasks = 1;
    while tab.page.read_cached(0, || 1) {
        tasks += 1;
    }
    assert_eq!(tasks, 2);
    assert_eq!(tab.names().len(), people.len() + 1);
    assert!(tab.names().iter().any(|name| name == "Ada"));
    assert_eq!(tab.page.outlines().map(|o| o.len()), Some(0));
    // Small changes to it come as changes.
    tab.edit(&put("Grace"), 5);
    tab.settle(6);
    assert_eq!(tab.changes.last().map(|c| c.rows.len()), Some(1));
    assert_eq!(tab.names().len(), people.len() + 2);
}

#[test]
fn two_tabs_each_with_a_worker_keep_each_others_edits() {
    let storage = MemoryKv::default();
    let mut a = Sim::open(&storage, "a");
    let mut b = Sim::open(&storage, "b");
    a.settle(1);
    b.settle(1);
    a.edit(&put("Ada"), 2);
    b.edit(&put("Grace"), 2);
    for now in 3..6 {
        a.settle(now);
        b.settle(now);
        // Each page hears what the other stored, as a storage event.
        let (to_b, to_a) = (a.storage_events(), b.storage_events());
        b.outbox.extend(to_b);
        a.outbox.extend(to_a);
    }
    assert_eq!(a.names(), ["Ada", "Grace"]);
    assert_eq!(b.names(), ["Ada", "Grace"]);
    assert!(a.journal().is_empty());
    a.assert_mirrored();
    b.assert_mirrored();
    assert_eq!(reopened(&storage), ["Ada", "Grace"]);
}

#[test]
fn on_a_full_storage_the_edit_stays_kept_and_shown_until_there_is_room() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    // Room for the next kept command, but not for its change as well.
    let entry = serde_json::to_string(&put("Grace")).unwrap().len() + 64;
    storage.limit(Some(storage.used() + entry));
    tab.edit(&put("Grace"), 3);
    tab.settle(4);
    // The worker learned storage is full: the page says so, and shows the edit.
    assert_eq!(tab.page.report().save, SaveState::NotSaved);
    assert_eq!(tab.names(), ["Ada", "Grace"]);
    assert_eq!(tab.journal().len(), 1);
    tab.assert_mirrored();
    assert_eq!(tab.failures(), 1);
    // Were the tab closed now, the next opening would still make it.
    assert_eq!(reopened(&storage), ["Ada", "Grace"]);
    // The next edit tries storage again: still full, still kept.
    let entry = serde_json::to_string(&put("Alan")).unwrap().len() + 64;
    storage.limit(Some(storage.used() + entry));
    tab.edit(&put("Alan"), 5);
    tab.settle(6);
    assert_eq!(tab.failures(), 2);
    assert_eq!(tab.page.report().save, SaveState::NotSaved);
    assert_eq!(tab.names(), ["Ada", "Alan", "Grace"]);
    assert_eq!(tab.journal().len(), 2);
    tab.assert_mirrored();
    // With room again, the next edit saves them all.
    storage.limit(None);
    tab.edit(&put("Edsger"), 7);
    tab.settle(8);
    assert_eq!(tab.page.report().save, SaveState::Saved);
    assert_eq!(tab.names(), ["Ada", "Alan", "Edsger", "Grace"]);
    tab.assert_mirrored();
    let mut fresh = Sim::open(&storage, "fresh");
    fresh.settle(9);
    assert_eq!(fresh.names(), ["Ada", "Alan", "Edsger", "Grace"]);
    assert!(fresh.journal().is_empty());
}

#[test]
fn an_edit_with_no_room_even_to_be_kept_is_made_in_memory_and_saved_once_there_is() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    storage.limit(Some(storage.used()));
    tab.edit(&put("Grace"), 3);
    assert!(
        tab.page.report().problems.contains(&Problem::Full),
        "told at once"
    );
    tab.settle(4);
    assert_eq!(tab.names(), ["Ada", "Grace"]);
    assert!(tab.journal().is_empty());
    assert_eq!(tab.page.report().save, SaveState::NotSaved);
    assert_eq!(reopened(&storage), ["Ada"]);
    storage.limit(None);
    tab.edit(&put("Alan"), 5);
    tab.settle(6);
    assert_eq!(tab.page.report().save, SaveState::Saved);
    tab.assert_mirrored();
    assert_eq!(reopened(&storage), ["Ada", "Alan", "Grace"]);
}

#[test]
fn questions_asked_before_the_network_opens_are_answered_once_it_has() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    let mut again = Sim::open(&storage, "b");
    // Asked before the worker had the first message.
    let query = Query::Person(PersonId::from("ada"));
    assert_eq!(again.ask(query.clone()), None);
    let first = again.outbox.pop().unwrap();
    again.outbox.insert(0, first);
    again.settle(3);
    match again.ask(query.clone()) {
        Some(Answer::Person(Some(person))) => assert_eq!(person.name, "Ada"),
        other => panic!("answered {other:?}"),
    }
    // A fresh answer is read without asking again; a change has what was read asked again at
    // once, so it is fresh by the time the page hears of the change.
    assert!(again.outbox.is_empty());
    again.edit(&put("Grace"), 4);
    again.settle(5);
    assert!(again.ask(query.clone()).is_some());
    assert!(again.outbox.is_empty());
}

#[test]
fn an_edit_comes_back_with_its_undo_and_typing_is_committed_once_it_pauses() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    let delete = Command::DeletePerson {
        id: PersonId::from("ada"),
    };
    tab.edit(&delete, 3);
    tab.settle(4);
    assert!(tab.names().is_empty());
    let (_, outcome) = tab.ran.pop().unwrap();
    let (written, undo) = outcome.unwrap();
    assert_eq!(written, 1);
    tab.edit(&undo.expect("a deletion can be taken back"), 5);
    tab.settle(6);
    assert_eq!(tab.names(), ["Ada"]);
    // Typing: kept in storage at once, in the network once it pauses.
    let target = crate::doc::typing::Target::Research("Acme".into());
    let query = Query::Research("Acme".into());
    let typed = tab.page.type_text(target, "Hiring in spring".into(), 3);
    // The page shows what it typed over an older answer until the worker has it.
    assert_eq!(tab.ask(query.clone()), None);
    tab.outbox.insert(0, typed);
    tab.settle(7);
    assert!(storage
        .keys()
        .unwrap()
        .iter()
        .any(|k| k.starts_with(crate::doc::store::TYPING)));
    tab.wait_until(7 + crate::replica::TYPING_PAUSE);
    tab.edit(&put("Grace"), 7 + crate::replica::TYPING_PAUSE);
    tab.settle(8_000);
    assert_eq!(
        tab.ask(query.clone()),
        Some(Answer::Research("Hiring in spring".into()))
    );
    tab.settle(8_001);
    assert_eq!(
        tab.ask(query),
        Some(Answer::Research("Hiring in spring".into()))
    );
    // Upkeep ran in the worker: the overview cache is written for the next page.
    tab.wait_until(20_000);
    assert!(read_list(&storage).is_some());
    tab.assert_mirrored();
}

#[test]
fn an_import_is_planned_by_the_worker_and_kept_as_the_file_with_the_choices_made() {
    use crate::exchange::merge::Choice;
    use crate::wire::{Reply, Request};
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.edit(
        &Command::PutPerson {
            id: PersonId::from("ada"),
            person: Person {
                name: "Ada Lovelace".into(),
                organisation: "Engines".into(),
                ..Person::default()
            },
        },
        1,
    );
    tab.settle(2);
    let file = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
                Ada,Lovelace,,ada@example.org,Engines,Analyst,12 Mar 2024\n\
                Grace,Hopper,,,Navy,Admiral,13 Mar 2024\n";
    let plan = |tab: &mut Sim, name: &str, text: &str| {
        let request = Request::PlanImport {
            name: name.into(),
            text: text.into(),
        };
        let (id, message) = tab.page.request(request);
        tab.outbox.push(message);
        tab.settle(3);
        match tab.done.remove(&id) {
            Some(Reply::Planned(planned)) => planned,
            other => panic!("{other:?}"),
        }
    };
    let (_, summary) = plan(&mut tab, "Connections.csv", file).unwrap();
    // The preview: Ada may be a duplicate (the file adds her email), Grace is new.
    assert_eq!((summary.contacts, summary.new_total), (2, 1));
    assert_eq!(summary.new_named[0].0, "Grace Hopper");
    let [(index, ada)] = summary.decisions.as_slice() else {
        panic!("{:?}", summary.decisions);
    };
    assert_eq!(ada.contact.name, "Ada Lovelace");
    // Import keeps the file and the choices in storage at once, and the worker writes them.
    let import = |tab: &mut Sim, text: &str, choices, now| {
        let command = Command::ImportFile {
            name: "Connections.csv".into(),
            text: text.into(),
            choices,
        };
        tab.edit(&command, now);
        assert_eq!(tab.journal().len(), 1, "kept before the worker hears of it");
        tab.settle(now);
    };
    // Both kept: Ada twice, and Grace.
    import(&mut tab, file, vec![(*index, Choice::KeepBoth)], 4);
    assert_eq!(
        tab.names(),
        ["Ada Lovelace", "Ada Lovelace", "Grace Hopper"]
    );
    assert!(tab.journal().is_empty());
    assert_eq!(reopened(&storage).len(), 3);
    // A file that can't be read says why.
    let broken = plan(
        &mut tab,
        "Connections.csv",
        "First Name,Last Name,Connected On\nA,B,someday\n",
    );
    assert!(broken.unwrap_err().contains("Line 2"));
    import(
        &mut tab,
        "First Name,Last Name,Connected On\nA,B,someday\n",
        vec![],
        5,
    );
    let (_, outcome) = tab.ran.last().unwrap();
    assert!(outcome.as_ref().unwrap_err().contains("Line 2"));
    assert_eq!(reopened(&storage).len(), 3);
}

/// Edits enough people into `tab` for upkeep to compact them, and lets it.
fn compact_with(tab: &mut Sim, names: &[&str], from: i64) -> i64 {
    for (n, name) in names.iter().enumerate() {
        tab.edit(&put(name), from + n as i64);
        tab.settle(from + n as i64);
    }
    let later = from + 120_000;
    tab.wait_until(later);
    later
}

const SIX: [&str; 6] = ["Ada", "Barbara", "Edsger", "Grace", "Joan", "Radia"];

#[test]
fn a_compaction_keeps_its_snapshot_in_the_database_and_stores_head_after_it() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.settle(0);
    compact_with(&mut tab, &SIX, 1);
    // (Each `head` the page stored was checked against what was stored by then.)
    assert!(storage.get("colloquy/head").unwrap().is_some(), "compacted");
    assert_eq!(
        snapshots(&storage),
        Vec::<String>::new(),
        "none in the page's storage"
    );
    assert_eq!(snapshots(&database_of(&storage)).len(), 1);
    tab.assert_mirrored();
    assert_eq!(reopened(&storage), SIX);
}

#[test]
fn where_the_database_refuses_a_snapshot_the_page_stores_it_as_before() {
    let storage = MemoryKv::default();
    let mut tab = Sim::open(&storage, "a");
    tab.settle(0);
    REFUSING.set(true);
    let now = compact_with(&mut tab, &SIX, 1);
    assert!(storage.get("colloquy/head").unwrap().is_some(), "compacted");
    assert_eq!(snapshots(&storage).len(), 1);
    assert!(snapshots(&database_of(&storage)).is_empty());
    tab.assert_mirrored();
    assert_eq!(reopened(&storage), SIX);
    // Edits go on being saved, and reach a page opened after.
    tab.edit(&put("Hedy"), now + 1);
    tab.settle(now + 1);
    REFUSING.set(false);
    assert_eq!(reopened(&storage).len(), 7);
}

#[test]
fn a_snapshot_stored_before_they_moved_goes_to_the_database_then_leaves_the_page() {
    let storage = MemoryKv::default();
    let kv = Box::new(storage.clone()) as Box<dyn KeyValue>;
    let mut stored = Store::open(kv, "setup", POLICY).unwrap();
    let people: Vec<(PersonId, Person)> = SIX
        .iter()
        .map(|name| (PersonId::from(*name), put_person(name)))
        .collect();
    stored.network.put_people(&people, 1).unwrap();
    stored.store.compact(&mut stored.network).unwrap();
    let before = snapshots(&storage);
    assert_eq!(before.len(), 1);
    // Refused the first time: it stays where it is, and the network opens from it.
    REFUSING.set(true);
    let mut refused = Sim::open(&storage, "a");
    refused.settle(2);
    assert_eq!(refused.names(), SIX);
    assert_eq!(snapshots(&storage), before);
    refused.assert_mirrored();
    REFUSING.set(false);
    // Then moved: in the database first, out of the page's storage once it is.
    let mut tab = Sim::open(&storage, "b");
    tab.settle(3);
    assert_eq!(tab.names(), SIX);
    assert_eq!(snapshots(&database_of(&storage)), before);
    assert!(snapshots(&storage).is_empty());
    tab.assert_mirrored();
    assert_eq!(reopened(&storage), SIX);
}

fn put_person(name: &str) -> Person {
    Person {
        name: name.into(),
        ..Person::default()
    }
}

#[test]
fn when_the_database_cant_be_read_the_user_is_told_and_nothing_is_compacted() {
    let storage = MemoryKv::default();
    let mut first = Sim::open(&storage, "a");
    first.settle(0);
    let now = compact_with(&mut first, &SIX, 1);
    let head = storage.get("colloquy/head").unwrap();
    UNREADABLE.set(true);
    let mut tab = Sim::open(&storage, "b");
    tab.settle(now);
    assert!(tab
        .page
        .report()
        .problems
        .iter()
        .any(|p| matches!(p, Problem::DatabaseUnread(_))));
    let names = ["Hedy", "Katherine", "Lise", "Mary", "Rosalind", "Sophie"];
    compact_with(&mut tab, &names, now + 1);
    assert_eq!(storage.get("colloquy/head").unwrap(), head, "not compacted");
    UNREADABLE.set(false);
    // Once it can be read, nothing is missing.
    assert_eq!(reopened(&storage).len(), 12);
}

#[test]
fn another_tab_follows_a_compaction_to_the_snapshot_in_the_database() {
    let storage = MemoryKv::default();
    let mut a = Sim::open(&storage, "a");
    let mut b = Sim::open(&storage, "b");
    a.settle(0);
    b.settle(0);
    let now = compact_with(&mut a, &SIX, 1);
    assert_eq!(snapshots(&database_of(&storage)).len(), 1);
    // B hears of A's writes, `head` among them, as storage events.
    b.outbox.extend(a.storage_events());
    b.settle(now + 1);
    assert_eq!(b.names(), SIX);
    b.edit(&put("Hedy"), now + 2);
    b.settle(now + 2);
    a.outbox.extend(b.storage_events());
    a.settle(now + 3);
    assert_eq!(a.names().len(), 7);
    // B compacts in turn, over A's snapshot: the database keeps the newest two generations.
    let names = ["Katherine", "Lise", "Mary", "Rosalind", "Sophie"];
    let now = compact_with(&mut b, &names, now + 4);
    for now in now + 1..now + 4 {
        let (to_b, to_a) = (a.storage_events(), b.storage_events());
        b.outbox.extend(to_b);
        a.outbox.extend(to_a);
        a.settle(now);
        b.settle(now);
    }
    assert_eq!(a.names().len(), 12);
    assert!(snapshots(&storage).is_empty());
    assert_eq!(
        snapshots(&database_of(&storage)),
        ["colloquy/g2/snap/a", "colloquy/g3/snap/b"]
    );
    a.assert_mirrored();
    b.assert_mirrored();
    assert_eq!(reopened(&storage).len(), 12);
}
