//! A deterministic simulation of pages and their workers: the pages share one storage (as an
//! origin's tabs share localStorage) and tell their workers what other tabs store; every
//! message crosses as JSON, as it does between threads; a worker can be terminated at any
//! point and started again from what its page has stored.

use super::*;
use crate::doc::journal;
use crate::doc::Command;
use crate::domain::{Person, PersonId};
use crate::view::Answer;

const POLICY: CompactionPolicy = CompactionPolicy {
    max_chunks: 4,
    min_chunk_bytes: 1024,
};

/// A message as the other side receives it.
fn crossed<T: serde::Serialize + serde::de::DeserializeOwned>(message: T) -> T {
    serde_json::from_str(&serde_json::to_string(&message).unwrap()).unwrap()
}

/// One tab: its page (storage, the overview it draws, what it shows) and its worker.
struct Tab {
    name: String,
    storage: MemoryKv,
    host: Host,
    /// Messages for the worker not yet handled.
    outbox: Vec<ToWorker>,
    /// The batch that failed, while its successors are dropped.
    dropping: Option<u64>,
    /// How many writes storage refused.
    failures: usize,
    kept: u32,
    rows: HashMap<PersonId, PersonRow>,
    saved: Option<bool>,
    problems: Vec<Problem>,
    answers: HashMap<u64, Answer>,
    undo: Vec<(String, Option<Command>)>,
    /// Timers the worker set: when each is due, and it.
    timers: Vec<(i64, Timer)>,
    /// Keys this page stored, for the other tabs' storage events.
    stored: Vec<(String, Option<String>)>,
}

impl Tab {
    /// A page opening: it sends its worker everything stored.
    fn open(storage: &MemoryKv, name: &str) -> Tab {
        let stored = storage
            .keys()
            .unwrap()
            .into_iter()
            .map(|key| {
                let value = storage.get(&key).unwrap().unwrap();
                (key, value)
            })
            .collect();
        Tab {
            name: name.into(),
            storage: storage.clone(),
            host: Host::new(POLICY),
            outbox: vec![ToWorker::Open {
                tab: name.into(),
                stored,
            }],
            dropping: None,
            failures: 0,
            kept: 0,
            rows: HashMap::new(),
            saved: None,
            problems: Vec::new(),
            answers: HashMap::new(),
            undo: Vec::new(),
            timers: Vec::new(),
            stored: Vec::new(),
        }
    }

    /// An edit: kept in storage at once, then handed to the worker.
    fn edit(&mut self, command: &Command, now: i64) {
        let key = journal::key(now, &self.name, self.kept);
        self.kept += 1;
        journal::keep(&mut self.storage, &key, command).unwrap();
        let value = self.storage.get(&key).unwrap();
        self.outbox.push(ToWorker::Stored { key, value });
    }

    /// The worker handles what the page sent, and the page what it answered, until both are
    /// quiet.
    fn settle(&mut self, now: i64) {
        while !self.outbox.is_empty() {
            for message in std::mem::take(&mut self.outbox) {
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
        for timer in out.timers {
            self.timers.push((now + timer.after(), timer));
        }
        for message in out.to_page {
            match crossed(message) {
                FromWorker::Writes(writes) => self.write(writes),
                FromWorker::Opened { problems } => self.problems.extend(problems),
                FromWorker::Changed(change) => {
                    for id in change.rows_removed {
                        self.rows.remove(&id);
                    }
                    for row in change.rows {
                        self.rows.insert(row.id.clone(), row);
                    }
                }
                FromWorker::Saved(saved) => self.saved = Some(saved),
                FromWorker::Problems(problems) => self.problems.extend(problems),
                FromWorker::Ran { key, undo } => self.undo.push((key, undo)),
                FromWorker::Answer { id, answer } => {
                    self.answers.insert(id, answer);
                }
            }
        }
    }

    /// Makes a batch of writes as a page does: in order, stopping at one storage refuses.
    fn write(&mut self, writes: Writes) {
        if let Some(failed) = self.dropping {
            if writes.resumes != Some(failed) {
                return;
            }
            self.dropping = None;
        }
        for (at, write) in writes.writes.iter().enumerate() {
            let made = match write {
                Write::Set(key, value) => self.storage.set(key, value),
                Write::Remove(key) => self.storage.remove(key),
            };
            if made.is_err() {
                self.failures += 1;
                self.dropping = Some(writes.batch);
                self.outbox.push(ToWorker::Failed {
                    batch: writes.batch,
                    at,
                });
                return;
            }
            self.stored.push(match write {
                Write::Set(key, value) => (key.clone(), Some(value.clone())),
                Write::Remove(key) => (key.clone(), None),
            });
        }
        self.outbox.push(ToWorker::Written {
            batch: writes.batch,
        });
    }

    /// What this page stored, as storage events for another tab.
    fn storage_events(&mut self) -> Vec<ToWorker> {
        std::mem::take(&mut self.stored)
            .into_iter()
            .map(|(key, value)| ToWorker::Stored { key, value })
            .collect()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.rows.values().map(|r| r.name.clone()).collect();
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
        assert_eq!(entries(&self.host.mirror), entries(&self.storage));
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
    let mut tab = Tab::open(storage, "fresh");
    tab.settle(10_000);
    tab.names()
}

#[test]
fn an_edit_made_before_the_worker_opens_is_stored_at_once_and_made_once_it_opens() {
    let storage = MemoryKv::default();
    let mut tab = Tab::open(&storage, "a");
    // The page's edit is in storage before the worker has even read it.
    tab.edit(&put("Ada"), 1);
    assert_eq!(tab.journal().len(), 1);
    tab.settle(2);
    assert_eq!(tab.names(), ["Ada"]);
    assert_eq!(tab.saved, Some(true));
    // Made, and stored as the network's own change: the kept command is gone.
    assert!(tab.journal().is_empty());
    assert_eq!(reopened(&storage), ["Ada"]);
    tab.assert_mirrored();
}

#[test]
fn a_worker_terminated_mid_edit_is_started_again_with_nothing_lost() {
    let storage = MemoryKv::default();
    let mut tab = Tab::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    tab.edit(&put("Grace"), 3);
    // The worker runs the edit, but is terminated before its writes reach the page.
    let message = tab.outbox.pop().unwrap();
    let _lost = tab.host.handle(crossed(message), 4);
    assert_eq!(tab.journal().len(), 1);
    // The page starts another from what it has stored: the edit is made there.
    let mut again = Tab::open(&storage, "a2");
    again.settle(5);
    assert_eq!(again.names(), ["Ada", "Grace"]);
    assert!(again.journal().is_empty());
    again.assert_mirrored();
    assert_eq!(reopened(&storage), ["Ada", "Grace"]);
}

#[test]
fn two_tabs_each_with_a_worker_keep_each_others_edits() {
    let storage = MemoryKv::default();
    let mut a = Tab::open(&storage, "a");
    let mut b = Tab::open(&storage, "b");
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
    let mut tab = Tab::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    // Room for the next kept command, but not for its change as well.
    let entry = serde_json::to_string(&put("Grace")).unwrap().len() + 64;
    storage.limit(Some(storage.used() + entry));
    tab.edit(&put("Grace"), 3);
    tab.settle(4);
    // The worker learned storage is full: the page says so, and shows the edit.
    assert_eq!(tab.saved, Some(false));
    assert_eq!(tab.names(), ["Ada", "Grace"]);
    assert_eq!(tab.journal().len(), 1);
    tab.assert_mirrored();
    assert_eq!(tab.failures, 1);
    // Were the tab closed now, the next opening would still make it.
    assert_eq!(reopened(&storage), ["Ada", "Grace"]);
    // The next edit tries storage again: still full, still kept.
    let entry = serde_json::to_string(&put("Alan")).unwrap().len() + 64;
    storage.limit(Some(storage.used() + entry));
    tab.edit(&put("Alan"), 5);
    tab.settle(6);
    assert_eq!(tab.failures, 2);
    assert_eq!(tab.saved, Some(false));
    assert_eq!(tab.names(), ["Ada", "Alan", "Grace"]);
    assert_eq!(tab.journal().len(), 2);
    tab.assert_mirrored();
    // With room again, the next edit saves them all.
    storage.limit(None);
    tab.edit(&put("Edsger"), 7);
    tab.settle(8);
    assert_eq!(tab.saved, Some(true));
    assert_eq!(tab.names(), ["Ada", "Alan", "Edsger", "Grace"]);
    tab.assert_mirrored();
    let mut fresh = Tab::open(&storage, "fresh");
    fresh.settle(9);
    assert_eq!(fresh.names(), ["Ada", "Alan", "Edsger", "Grace"]);
    assert!(fresh.journal().is_empty());
}

#[test]
fn questions_asked_before_the_network_opens_are_answered_once_it_has() {
    let storage = MemoryKv::default();
    let mut tab = Tab::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    let mut again = Tab::open(&storage, "b");
    // Asked before the worker had the first message.
    again.outbox.insert(
        0,
        ToWorker::Ask {
            id: 7,
            query: Query::Person(PersonId::from("ada")),
        },
    );
    again.settle(3);
    match &again.answers[&7] {
        Answer::Person(Some(person)) => assert_eq!(person.name, "Ada"),
        other => panic!("answered {other:?}"),
    }
}

#[test]
fn an_edit_comes_back_with_its_undo_and_typing_is_committed_once_it_pauses() {
    let storage = MemoryKv::default();
    let mut tab = Tab::open(&storage, "a");
    tab.edit(&put("Ada"), 1);
    tab.settle(2);
    let delete = Command::DeletePerson {
        id: PersonId::from("ada"),
    };
    tab.edit(&delete, 3);
    tab.settle(4);
    assert!(tab.names().is_empty());
    let (_, undo) = tab.undo.pop().unwrap();
    tab.edit(&undo.expect("a deletion can be taken back"), 5);
    tab.settle(6);
    assert_eq!(tab.names(), ["Ada"]);
    // Typing: kept in storage at once, in the network once it pauses.
    let target = crate::doc::typing::Target::Research("Acme".into());
    tab.outbox.push(ToWorker::Type {
        target,
        text: "Hiring in spring".into(),
    });
    tab.settle(7);
    assert!(storage
        .keys()
        .unwrap()
        .iter()
        .any(|k| k.starts_with(crate::doc::store::TYPING)));
    tab.wait_until(7 + crate::replica::TYPING_PAUSE);
    tab.outbox.push(ToWorker::Ask {
        id: 1,
        query: Query::Research("Acme".into()),
    });
    tab.settle(8_000);
    assert_eq!(tab.answers[&1], Answer::Research("Hiring in spring".into()));
    // Upkeep ran in the worker: the overview cache is written for the next page.
    tab.wait_until(20_000);
    assert!(read_list(&storage).is_some());
    tab.assert_mirrored();
}
