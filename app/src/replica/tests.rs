use super::*;
use crate::doc::list_cache::read_list;
use crate::doc::store::{CompactionPolicy, MemoryKv, TYPING};
use crate::domain::{Person, PersonId};

const POLICY: CompactionPolicy = CompactionPolicy {
    max_chunks: 4,
    min_chunk_bytes: 1024,
};

/// A tab opening the store in `kv`, with the overview drawn from it if it has one.
fn open(kv: &MemoryKv, tab: &str, now: i64) -> (Replica, Effects) {
    let opened = Store::open(Box::new(kv.clone()) as Box<dyn KeyValue>, tab, POLICY).unwrap();
    let cached = read_list(kv).map(|mut list| {
        let outlines = Rc::new(std::mem::take(&mut list.interviews));
        (list, outlines)
    });
    Replica::open(opened, cached, now)
}

/// The instants `replica` names from now on.
fn marks(replica: &mut Replica) -> Rc<std::cell::RefCell<Vec<&'static str>>> {
    let marks: Rc<std::cell::RefCell<Vec<&'static str>>> = Rc::default();
    let kept = marks.clone();
    replica.on_mark(move |name| kept.borrow_mut().push(name));
    marks
}

fn put(name: &str) -> Command {
    Command::PutPerson {
        id: PersonId::from(name),
        person: Person {
            name: name.into(),
            ..Person::default()
        },
    }
}

fn names(replica: &Replica) -> Vec<String> {
    replica.rows().iter().map(|r| r.name.clone()).collect()
}

fn research(replica: &Replica) -> String {
    replica.network().organisation("Acme").research
}

fn typing_keys(kv: &MemoryKv) -> Vec<String> {
    let mut keys = kv.keys().unwrap();
    keys.retain(|k| k.starts_with(TYPING));
    keys
}

/// What a holder does with upkeep: runs it, and checks and finishes a compaction here.
fn upkeep(replica: &mut Replica, now: i64) -> Effects {
    let (mut effects, pending) = replica.upkeep(now);
    if let Some(pending) = pending {
        let verified = replica.verify(&pending);
        let finished = replica.finish_compaction(pending, verified, now);
        effects.changed |= finished.changed;
    }
    effects
}

#[test]
fn an_edit_is_saved_listed_and_asks_for_upkeep_once() {
    let kv = MemoryKv::default();
    let (mut tab, opened) = open(&kv, "t1", 0);
    assert!(opened.changed);
    let (_, first) = tab.run(&put("Ada"), 10).unwrap();
    assert!(first.changed);
    assert_eq!(first.saved, Some(true));
    assert_eq!(names(&tab), ["Ada"]);
    // Opening asked for upkeep already (nothing was cached): no second timer.
    assert!(first.timers.is_empty(), "{:?}", first.timers);
    let (again, _) = open(&kv, "t2", 20);
    assert_eq!(names(&again), ["Ada"]);
}

#[test]
fn upkeep_waits_for_edits_to_pause_then_writes_the_overview() {
    let kv = MemoryKv::default();
    let (mut tab, opened) = open(&kv, "t1", 0);
    assert_eq!(
        opened.timers,
        [Timer::Upkeep {
            after: UPKEEP_PAUSE
        }]
    );
    tab.run(&put("Ada"), 1_000).unwrap();
    // Fired on time, but an edit came since: it comes back when edits will have paused.
    let waited = upkeep(&mut tab, UPKEEP_PAUSE);
    assert_eq!(waited.timers, [Timer::Upkeep { after: 1_000 }]);
    assert!(read_list(&kv).is_none());
    let done = upkeep(&mut tab, 1_000 + UPKEEP_PAUSE);
    assert!(done.timers.is_empty());
    let list = read_list(&kv).expect("the overview is stored");
    assert_eq!(list.heads, tab.heads());
    // The next tab opens on it: nothing stale, so no upkeep is asked for.
    let (next, effects) = open(&kv, "t2", 5_000);
    assert_eq!(names(&next), ["Ada"]);
    assert!(effects.timers.is_empty(), "{:?}", effects.timers);
    // An edit after that asks for upkeep again.
    let (_, effects) = tab.run(&put("Ben"), 6_000).unwrap();
    assert_eq!(
        effects.timers,
        [Timer::Upkeep {
            after: UPKEEP_PAUSE
        }]
    );
}

#[test]
fn typing_is_kept_at_once_and_committed_once_it_pauses() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    let target = Target::Research("Acme".into());
    let heads = tab.heads();
    let mut timers = Vec::new();
    for (i, text) in ["N", "Ni", "Nig", "Night shifts"].into_iter().enumerate() {
        let effects = tab
            .type_text(target.clone(), text.into(), 100 + i as i64)
            .unwrap();
        assert_eq!(effects.saved, Some(true));
        assert_eq!(
            typing_keys(&kv).len(),
            1,
            "kept in storage at every keystroke"
        );
        timers.extend(effects.timers);
    }
    assert_eq!(tab.typed(&target).as_deref(), Some("Night shifts"));
    assert_eq!(tab.heads(), heads, "not in the document yet");
    let pauses: Vec<u64> = timers
        .iter()
        .filter_map(|t| match t {
            Timer::TypingPause { keystroke, after } if *after == TYPING_PAUSE => Some(*keystroke),
            _ => None,
        })
        .collect();
    assert_eq!(pauses, [1, 2, 3, 4]);
    // The timers of earlier keystrokes find typing went on: nothing happens.
    for keystroke in [1, 2, 3] {
        assert_eq!(tab.typing_paused(keystroke, 1_200), Effects::default());
    }
    let marked = marks(&mut tab);
    let committed = tab.typing_paused(4, 1_200);
    assert!(committed.changed);
    assert_eq!(*marked.borrow(), ["colloquy:typing-committed"]);
    assert_eq!(research(&tab), "Night shifts");
    assert_eq!(tab.typed(&target), None);
    assert!(typing_keys(&kv).is_empty(), "forgotten once committed");
    let (again, _) = open(&kv, "t2", 2_000);
    assert_eq!(research(&again), "Night shifts");
}

#[test]
fn an_edit_or_other_typing_commits_the_typing_first() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    tab.type_text(Target::Research("Acme".into()), "Hiring nurses".into(), 10)
        .unwrap();
    tab.run(&put("Ada"), 20).unwrap();
    assert_eq!(research(&tab), "Hiring nurses");
    tab.type_text(
        Target::Research("Acme".into()),
        "Hiring nurses, nights".into(),
        30,
    )
    .unwrap();
    let switched = tab
        .type_text(Target::Research("Beta".into()), "Small".into(), 40)
        .unwrap();
    assert!(switched.changed, "the first text was committed");
    assert_eq!(research(&tab), "Hiring nurses, nights");
    let (bytes, _) = tab.export(50);
    let copy = Network::load(&bytes).unwrap();
    assert_eq!(
        copy.organisation("Beta").research,
        "Small",
        "export takes typing in"
    );
}

#[test]
fn typing_a_dead_tab_left_is_recovered_and_a_live_tab_s_is_left_alone() {
    let kv = MemoryKv::default();
    let (mut dead, _) = open(&kv, "dead", 0);
    dead.type_text(
        Target::Research("Acme".into()),
        "Ask about nights".into(),
        10,
    )
    .unwrap();
    // The tab crashes: no pause, no flush.
    drop(dead);

    // With Web Locks: the dead tab's lock is still held (it is closing) — left alone.
    let (mut next, _) = open(&kv, "next", 20);
    let marked = marks(&mut next);
    let held = [tab_lock("dead")];
    let live = next.recover_typing(Some(&held), 20);
    assert!(!live.changed);
    assert_eq!(
        *marked.borrow(),
        ["colloquy:typing-live", "colloquy:typing-checked"]
    );
    assert_eq!(typing_keys(&kv).len(), 1);
    // Without Web Locks: young typing counts as live, old typing as left.
    assert!(!next.recover_typing(None, 10 + TYPING_ABANDONED - 1).changed);
    // With the lock gone: recovered, saved, and forgotten.
    let recovered = next.recover_typing(Some(&[]), 40);
    assert!(recovered.changed);
    assert_eq!(marked.borrow().last(), Some(&"colloquy:typing-recovered"));
    assert_eq!(research(&next), "Ask about nights");
    assert!(typing_keys(&kv).is_empty());
    let (again, _) = open(&kv, "again", 50);
    assert_eq!(research(&again), "Ask about nights");
}

#[test]
fn typing_left_unreadable_is_kept_aside_and_shown() {
    let kv = MemoryKv::default();
    kv.clone()
        .set(&format!("{TYPING}gone"), "not typing at all")
        .unwrap();
    let (mut tab, _) = open(&kv, "t1", 0);
    let effects = tab.recover_typing(Some(&[]), TYPING_ABANDONED * 2);
    assert!(
        matches!(effects.problems.as_slice(), [Problem::Unreadable { keys, .. }] if keys.len() == 1)
    );
    assert_eq!(tab.kept_aside().len(), 1);
    assert!(tab.discard_aside());
    assert!(tab.kept_aside().is_empty());
}

#[test]
fn typing_that_could_not_be_stored_is_kept_whole_for_recovery() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    // Room for the typing journal, not for a change.
    kv.limit(Some(kv.used() + 200));
    let target = Target::Research("Acme".into());
    assert_eq!(
        tab.type_text(target.clone(), "a".into(), 10).unwrap().saved,
        Some(true)
    );
    // The pause commits it into the network, which can't be stored.
    assert_eq!(tab.typing_paused(1, 2_000).saved, Some(false));
    // Typing on: the kept typing must still say everything since the stored text.
    assert_eq!(
        tab.type_text(target, "ab".into(), 3_000).unwrap().saved,
        Some(true)
    );
    drop(tab);
    kv.limit(None);
    let (mut next, _) = open(&kv, "t2", 4_000);
    next.recover_typing(Some(&[]), 4_000);
    assert_eq!(research(&next), "ab");
}

#[test]
fn typing_recovered_on_a_full_store_is_committed_once() {
    let kv = MemoryKv::default();
    let target = Target::Research("Acme".into());
    let (mut dead, _) = open(&kv, "t1", 0);
    dead.type_text(target.clone(), "c".into(), 10).unwrap();
    dead.typing_paused(1, 2_000);
    dead.type_text(target.clone(), "cb".into(), 3_000).unwrap();
    drop(dead);
    // The tab reopens on a full store and recovers what the dead one typed: it shows it, and
    // the user types on.
    kv.limit(Some(kv.used()));
    let (mut reopened, _) = open(&kv, "t2", 4_000);
    reopened.recover_typing(Some(&[]), 4_000);
    assert_eq!(research(&reopened), "cb");
    kv.limit(None);
    reopened
        .type_text(target.clone(), "cbc".into(), 5_000)
        .unwrap();
    // Another tab opens meanwhile: the typing is the reopened tab's now, not left to recover.
    let (mut other, _) = open(&kv, "t3", 6_000);
    other.recover_typing(Some(&[tab_lock("t2")]), 6_000);
    assert_eq!(research(&other), "c");
    assert_eq!(reopened.flush_typing(7_000).saved, Some(true));
    other.run(&put("Ada"), 8_000).unwrap();
    let (mut last, _) = open(&kv, "t4", 9_000);
    last.recover_typing(Some(&[]), 9_000);
    assert_eq!(research(&last), "cbc");
}

#[test]
fn typing_recovered_on_a_full_store_takes_the_room_it_leaves() {
    let kv = MemoryKv::default();
    let target = Target::Research("Acme".into());
    let (mut dead, _) = open(&kv, "t1", 0);
    dead.type_text(target.clone(), "c".into(), 10).unwrap();
    drop(dead);
    // Full to the last character: the claim fits only in the room of the typing left, though
    // its time (now) is longer than that typing's.
    kv.limit(Some(kv.used()));
    let (mut reopened, _) = open(&kv, "t2", 40_000);
    reopened.recover_typing(Some(&[]), 40_000);
    assert_eq!(research(&reopened), "c");
    assert_eq!(typing_keys(&kv), [format!("{TYPING}t2")]);
    kv.limit(None);
    // Another tab leaves it to the reopened tab, which types on and stores it.
    let (mut other, _) = open(&kv, "t3", 41_000);
    other.recover_typing(Some(&[tab_lock("t2")]), 41_000);
    assert_eq!(research(&other), "");
    reopened.type_text(target, "ca".into(), 42_000).unwrap();
    assert_eq!(reopened.flush_typing(43_000).saved, Some(true));
    let (mut last, _) = open(&kv, "t4", 44_000);
    last.recover_typing(Some(&[]), 44_000);
    assert_eq!(research(&last), "ca");
}

#[test]
fn typing_held_on_a_full_store_keeps_what_another_tab_wrote_meanwhile() {
    let kv = MemoryKv::default();
    let target = Target::Research("Acme".into());
    let (mut a, _) = open(&kv, "a", 0);
    let (mut b, _) = open(&kv, "b", 0);
    let deliver = |tab: &mut Replica, before: &[String], now: i64| {
        for key in kv.keys().unwrap() {
            if !before.contains(&key) {
                tab.external_change(&key, now);
            }
        }
    };
    let before = kv.keys().unwrap();
    a.type_text(target.clone(), "x".into(), 10).unwrap();
    a.typing_paused(1, 2_000);
    deliver(&mut b, &before, 2_100);
    assert_eq!(research(&b), "x");
    // A's next letter is kept, but its commit can't be stored: A holds it.
    a.type_text(target.clone(), "xa".into(), 3_000).unwrap();
    kv.limit(Some(kv.used()));
    assert_eq!(a.typing_paused(2, 4_000).saved, Some(false));
    // B writes the same text at its start while there is room, and A hears of it once the
    // store is full again.
    kv.limit(None);
    let before = kv.keys().unwrap();
    b.type_text(target.clone(), "bx".into(), 5_000).unwrap();
    assert_eq!(b.flush_typing(5_100).saved, Some(true));
    kv.limit(Some(kv.used()));
    deliver(&mut a, &before, 6_000);
    assert_eq!(research(&a), "bxa");
    kv.limit(None);
    assert_eq!(a.flush_typing(7_000).saved, Some(true));
    assert_eq!(research(&a), "bxa", "B's letter is kept");
    let (mut last, _) = open(&kv, "last", 8_000);
    last.recover_typing(Some(&[]), 8_000);
    assert_eq!(research(&last), "bxa");
}

#[test]
fn another_tab_s_edits_arrive_by_their_keys() {
    let kv = MemoryKv::default();
    let (mut a, _) = open(&kv, "a", 0);
    let (mut b, _) = open(&kv, "b", 0);
    b.type_text(Target::Research("Acme".into()), "B typing".into(), 5)
        .unwrap();
    let before = kv.keys().unwrap();
    a.run(&put("Ada"), 10).unwrap();
    let mut changed = false;
    for key in kv.keys().unwrap() {
        if !before.contains(&key) {
            changed |= b.external_change(&key, 20).changed;
        }
    }
    assert!(changed);
    assert_eq!(names(&b), ["Ada"]);
    assert_eq!(
        research(&b),
        "B typing",
        "B's own typing was committed, not lost"
    );
    // Another tab's typing is not this tab's to take in.
    let (mut c, _) = open(&kv, "c", 30);
    a.type_text(Target::Research("Acme".into()), "A typing".into(), 40)
        .unwrap();
    for key in typing_keys(&kv) {
        assert_eq!(c.external_change(&key, 41), Effects::default());
    }
}

#[test]
fn a_full_store_keeps_the_edit_in_memory_and_says_so() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    tab.run(&put("Ada"), 10).unwrap();
    kv.limit(Some(kv.used()));
    let (_, effects) = tab.run(&put("Ben"), 20).unwrap();
    assert_eq!(effects.saved, Some(false));
    assert_eq!(names(&tab), ["Ada", "Ben"], "in memory, still listed");
    kv.limit(None);
    let (_, effects) = tab.run(&put("Cy"), 30).unwrap();
    assert_eq!(effects.saved, Some(true));
    let (again, _) = open(&kv, "t2", 40);
    assert_eq!(
        names(&again),
        ["Ada", "Ben", "Cy"],
        "kept once there was room"
    );
}

#[test]
fn compaction_runs_in_upkeep_and_keeps_everything() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    let head = |kv: &MemoryKv| kv.get("colloquy/head").unwrap();
    let snapshots = |kv: &MemoryKv| {
        let mut keys = kv.keys().unwrap();
        keys.retain(|k| k.contains("/snap/"));
        keys
    };
    let everyone = ["Ada", "Ben", "Cy", "Di", "Ed", "Flo"];
    for (i, name) in everyone.into_iter().enumerate() {
        tab.run(&put(name), i as i64).unwrap();
    }
    assert!(snapshots(&kv).is_empty());
    let before = head(&kv);
    upkeep(&mut tab, 10 * UPKEEP_PAUSE);
    assert_ne!(head(&kv), before, "head names the new generation");
    assert_eq!(snapshots(&kv).len(), 1);
    let (again, _) = open(&kv, "t2", 20 * UPKEEP_PAUSE);
    assert_eq!(names(&again), everyone);
}

#[test]
fn a_compaction_whose_snapshot_fails_its_check_changes_nothing() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    for (i, name) in ["Ada", "Ben", "Cy", "Di", "Ed"].into_iter().enumerate() {
        tab.run(&put(name), i as i64).unwrap();
    }
    let (_, pending) = tab.upkeep(10 * UPKEEP_PAUSE);
    let pending = pending.expect("a compaction is due");
    assert!(tab.stored_snapshot(&pending).is_some());
    tab.finish_compaction(pending, false, 10 * UPKEEP_PAUSE);
    let (again, _) = open(&kv, "t2", 20 * UPKEEP_PAUSE);
    assert_eq!(names(&again), ["Ada", "Ben", "Cy", "Di", "Ed"]);
}

#[test]
fn changes_from_another_device_are_applied_saved_and_listed() {
    let (mut laptop, _) = open(&MemoryKv::default(), "l", 0);
    let kv = MemoryKv::default();
    let (mut phone, _) = open(&kv, "p", 0);
    laptop.run(&put("Ada"), 10).unwrap();
    let (bytes, heads, _) = laptop.changes_since(&[], 20);
    let (before, after, effects) = phone.apply_remote(&bytes, 30).unwrap();
    assert_ne!(before, after);
    assert_eq!(after, heads);
    assert!(effects.changed);
    assert_eq!(names(&phone), ["Ada"]);
    // The same changes again change nothing.
    let (_, _, again) = phone.apply_remote(&bytes, 40).unwrap();
    assert_eq!(again, Effects::default());
    assert!(phone.apply_remote(b"not changes", 50).is_err());
    let (reopened, _) = open(&kv, "p2", 60);
    assert_eq!(names(&reopened), ["Ada"]);
}

#[test]
fn a_long_history_is_pushed_as_the_smaller_whole_document() {
    let (mut laptop, _) = open(&MemoryKv::default(), "l", 0);
    for n in 0..40 {
        laptop.run(&put(&format!("A{n:02}")), n).unwrap();
    }
    let (first, synced, _) = laptop.changes_since(&[], 50);
    assert_eq!(first.len(), laptop.network.save().len());
    // A little since the last push goes as those changes.
    laptop.run(&put("Bea"), 60).unwrap();
    let (few, _, _) = laptop.changes_since(&synced, 70);
    assert_eq!(few, laptop.network.save_after(&synced));
    // Hundreds of edits since: their changes take far more room than the document.
    for n in 0..300 {
        laptop.run(&put(&format!("P{n:03}")), 100 + n).unwrap();
    }
    let one_by_one = laptop.network.save_after(&synced).len();
    let (many, heads, _) = laptop.changes_since(&synced, 500);
    assert!(
        many.len() * 4 < one_by_one,
        "{} of {one_by_one}",
        many.len()
    );
    // A device with the earlier pushes, and one with none, both end up with all of it.
    let (mut phone, _) = open(&MemoryKv::default(), "p", 0);
    phone.apply_remote(&first, 1).unwrap();
    phone.apply_remote(&few, 2).unwrap();
    let (mut tablet, _) = open(&MemoryKv::default(), "t", 0);
    for device in [&mut phone, &mut tablet] {
        device.apply_remote(&many, 600).unwrap();
        assert_eq!(device.heads(), heads);
        assert_eq!(device.rows().len(), 341);
    }
}

#[test]
fn changes_from_another_device_update_only_what_they_touch() {
    let (mut laptop, _) = open(&MemoryKv::default(), "l", 0);
    let (mut phone, _) = open(&MemoryKv::default(), "p", 0);
    for name in ["Ada", "Bea", "Cy"] {
        laptop.run(&put(name), 10).unwrap();
    }
    let (bytes, synced, _) = laptop.changes_since(&[], 20);
    phone.apply_remote(&bytes, 30).unwrap();
    // The phone's outlines are read, so they must follow too.
    assert!(phone.outlines().is_empty());
    laptop.run(&put("Dee"), 40).unwrap();
    laptop
        .run(
            &Command::DeletePerson {
                id: PersonId::from("Bea"),
            },
            50,
        )
        .unwrap();
    let interview = crate::domain::Interview {
        person: PersonId::from("Ada"),
        ..Default::default()
    };
    let id = InterviewId::from("i1");
    laptop
        .run(
            &Command::PutInterview {
                id: id.clone(),
                interview,
            },
            60,
        )
        .unwrap();
    let (bytes, _, _) = laptop.changes_since(&synced, 70);
    let before = phone.heads();
    phone.apply_remote(&bytes, 80).unwrap();
    let touched = phone.network.touched_since(&before).unwrap();
    let people: Vec<&str> = touched.people.iter().map(|p| p.as_str()).collect();
    assert_eq!(people, ["Bea", "Dee"]);
    assert_eq!(touched.interviews, [id]);
    assert_eq!(phone.rows(), &phone.network().rows()[..]);
    assert_eq!(names(&phone), ["Ada", "Cy", "Dee"]);
    assert_eq!(*phone.outlines(), phone.network().interview_outlines());
    assert_eq!(phone.outlines().len(), 1);
}

#[test]
fn a_file_that_is_not_a_network_changes_nothing() {
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    tab.run(&put("Ada"), 10).unwrap();
    let heads = tab.heads();
    assert!(tab.import(b"just some text", 20).is_err());
    assert_eq!(tab.heads(), heads);
    let (mut other, _) = open(&MemoryKv::default(), "o", 0);
    other.run(&put("Ben"), 5).unwrap();
    let (copy, _) = other.export(6);
    let (people, effects) = tab.import(&copy, 30).unwrap();
    assert_eq!(people, 2);
    assert!(effects.changed);
    assert_eq!(names(&tab), ["Ada", "Ben"]);
}

/// A deterministic simulation of tabs on one store: what a user and the browser do to them, in
/// any order.
mod simulation {
    use super::*;
    use proptest::prelude::*;

    const SLOTS: usize = 3;

    #[derive(Clone, Debug)]
    enum Step {
        /// Saves a new version of a person.
        Edit { slot: usize, person: u8 },
        /// Types one more letter into the slot's own text.
        Type { slot: usize, letter: char },
        /// The latest typing pause timer fires.
        Pause { slot: usize },
        /// Storage events from other tabs reach the slot.
        Deliver { slot: usize },
        /// Upkeep runs: the overview cache, and a compaction when one is due.
        Upkeep { slot: usize },
        /// The tab is killed: nothing more runs in it.
        Crash { slot: usize },
        /// The tab is closed: `pagehide` commits its typing.
        Close { slot: usize },
        /// A tab opens in the slot (if none is open), and recovers typing dead tabs left.
        Open { slot: usize },
    }

    fn step() -> impl Strategy<Value = Step> {
        let slot = 0..SLOTS;
        prop_oneof![
            4 => (slot.clone(), 0u8..4).prop_map(|(slot, person)| Step::Edit { slot, person }),
            6 => (slot.clone(), prop::sample::select(vec!['a', 'b', 'c'])).prop_map(|(slot, letter)| Step::Type { slot, letter }),
            2 => slot.clone().prop_map(|slot| Step::Pause { slot }),
            3 => slot.clone().prop_map(|slot| Step::Deliver { slot }),
            1 => slot.clone().prop_map(|slot| Step::Upkeep { slot }),
            1 => slot.clone().prop_map(|slot| Step::Crash { slot }),
            1 => slot.clone().prop_map(|slot| Step::Close { slot }),
            2 => slot.prop_map(|slot| Step::Open { slot }),
        ]
    }

    /// One slot: its tab when one is open, and what the test knows of it.
    #[derive(Default)]
    struct Slot {
        tab: Option<(String, Replica)>,
        opened: usize,
        /// Keys other tabs wrote since this tab last took storage events in.
        inbox: Vec<String>,
        /// The last typing pause timer set.
        pause: Option<u64>,
        /// Edits made in memory, saved by the next successful save.
        unsaved: Vec<(String, String)>,
    }

    fn org(slot: usize) -> String {
        format!("Org {slot}")
    }

    fn snapshot(kv: &MemoryKv) -> BTreeMap<String, String> {
        kv.keys()
            .unwrap()
            .into_iter()
            .map(|k| {
                let v = kv.get(&k).unwrap().unwrap_or_default();
                (k, v)
            })
            .collect()
    }

    use std::collections::BTreeMap;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever tabs do: every edit a save covered, and every letter kept in storage as it
        /// was typed, is in the network the next tab opens (after it recovers what dead tabs
        /// left); and nothing typed ever turns up in another slot's text.
        #[test]
        fn nothing_saved_or_typed_is_lost(steps in proptest::collection::vec(step(), 1..80)) {
            let kv = MemoryKv::default();
            let mut slots: Vec<Slot> = (0..SLOTS).map(|_| Slot::default()).collect();
            // Person → name, for each edit a save covered.
            let mut durable: BTreeMap<String, String> = BTreeMap::new();
            // Per slot: the text typed so far, and how much of it is known to be stored.
            let mut typed: Vec<String> = vec![String::new(); SLOTS];
            let mut kept: Vec<usize> = vec![0; SLOTS];
            // Per slot: every text known to have been stored.
            let mut history: Vec<Vec<String>> = vec![Vec::new(); SLOTS];
            let mut now = 1_000;
            for (n, step) in steps.into_iter().enumerate() {
                now += if n % 7 == 0 { 2 * UPKEEP_PAUSE } else { 100 };
                let before = snapshot(&kv);
                let mut saved = None;
                let mut slot_of_event = None;
                match step {
                    Step::Edit { slot, person } => {
                        if let Some((_, tab)) = &mut slots[slot].tab {
                            // Each slot edits its own people: versions of one person are then
                            // ordered, never concurrent.
                            let id = format!("s{slot}p{person}");
                            let name = format!("s{slot}p{person} v{n}");
                            let command = Command::PutPerson {
                                id: PersonId::from(id.as_str()),
                                person: Person { name: name.clone(), ..Person::default() },
                            };
                            let (_, effects) = tab.run(&command, now).unwrap();
                            slots[slot].unsaved.push((id, name));
                            saved = effects.saved;
                            slot_of_event = Some(slot);
                        }
                    }
                    Step::Type { slot, letter } => {
                        if let Some((_, tab)) = &mut slots[slot].tab {
                            let text = format!("{}{letter}", typed[slot]);
                            let effects = tab.type_text(Target::Research(org(slot)), text.clone(), now).unwrap();
                            typed[slot] = text;
                            if effects.saved == Some(true) {
                                kept[slot] = typed[slot].len();
                                history[slot].push(typed[slot].clone());
                            }
                            slots[slot].pause = effects.timers.iter().find_map(|t| match t {
                                Timer::TypingPause { keystroke, .. } => Some(*keystroke),
                                _ => None,
                            });
                            // (What a keystroke saves is the typing alone, not the edits the
                            // tab holds in memory.)
                            slot_of_event = Some(slot);
                        }
                    }
                    Step::Pause { slot } => {
                        let pause = slots[slot].pause.take();
                        if let (Some((_, tab)), Some(keystroke)) = (&mut slots[slot].tab, pause) {
                            saved = tab.typing_paused(keystroke, now).saved;
                            slot_of_event = Some(slot);
                        }
                    }
                    Step::Deliver { slot } => {
                        let inbox = std::mem::take(&mut slots[slot].inbox);
                        if let Some((_, tab)) = &mut slots[slot].tab {
                            for key in inbox {
                                saved = tab.external_change(&key, now).saved.or(saved);
                            }
                            slot_of_event = Some(slot);
                        }
                    }
                    Step::Upkeep { slot } => {
                        if let Some((_, tab)) = &mut slots[slot].tab {
                            saved = upkeep(tab, now).saved;
                            slot_of_event = Some(slot);
                        }
                    }
                    Step::Crash { slot } => {
                        slots[slot].tab = None;
                        slots[slot].unsaved.clear();
                        slots[slot].pause = None;
                    }
                    Step::Close { slot } => {
                        if let Some((_, mut tab)) = slots[slot].tab.take() {
                            if tab.flush_typing(now).saved == Some(true) {
                                for (id, name) in slots[slot].unsaved.drain(..) {
                                    durable.insert(id, name);
                                }
                                kept[slot] = typed[slot].len();
                            }
                        }
                        // What stayed in memory goes with the tab (the user was told).
                        slots[slot].unsaved.clear();
                        slots[slot].pause = None;
                    }
                    Step::Open { slot } => {
                        if slots[slot].tab.is_none() {
                            slots[slot].opened += 1;
                            let name = format!("s{slot}o{}", slots[slot].opened);
                            let (mut tab, _) = open(&kv, &name, now);
                            let live: Vec<String> = slots
                                .iter()
                                .filter_map(|s| s.tab.as_ref().map(|(name, _)| tab_lock(name)))
                                .collect();
                            tab.recover_typing(Some(&live), now);
                            // What this slot types next starts from what the network holds.
                            typed[slot] = tab.network().organisation(&org(slot)).research;
                            kept[slot] = typed[slot].len();
                            slots[slot].inbox.clear();
                            slots[slot].tab = Some((name, tab));
                        }
                    }
                }
                if let Some(slot) = slot_of_event {
                    if saved == Some(true) {
                        // A successful save writes every edit the tab held in memory, and its
                        // typing was committed with it or is kept.
                        for (id, name) in slots[slot].unsaved.drain(..) {
                            durable.insert(id, name);
                        }
                        kept[slot] = typed[slot].len();
                    }
                }
                // Storage events: every other open tab hears of each key written.
                let after = snapshot(&kv);
                let written: Vec<String> = after
                    .iter()
                    .filter(|(k, v)| before.get(*k) != Some(*v))
                    .map(|(k, _)| k.clone())
                    .collect();
                for (i, s) in slots.iter_mut().enumerate() {
                    if s.tab.is_some() && Some(i) != slot_of_event {
                        s.inbox.extend(written.iter().cloned());
                    }
                }
                // Each tab's people list, kept up to date change by change, is what its
                // network holds.
                for (name, tab) in slots.iter().filter_map(|s| s.tab.as_ref()) {
                    prop_assert_eq!(tab.rows(), &tab.network().rows()[..], "tab {}", name);
                }
            }
            // Every tab closes; a new one opens once they are all gone and recovers.
            for slot in &mut slots {
                if let Some((_, mut tab)) = slot.tab.take() {
                    let effects = tab.flush_typing(now);
                    prop_assert_ne!(effects.saved, Some(false));
                }
            }
            let (mut last, _) = open(&kv, "last", now + 1);
            last.recover_typing(Some(&[]), now + 1);
            let people: BTreeMap<String, String> = last
                .rows()
                .iter()
                .map(|r| (r.id.to_string(), r.name.clone()))
                .collect();
            for (id, name) in &durable {
                let found = people.get(id);
                // A later version of the same person may have replaced it.
                let version = |name: &str| name.rsplit('v').next().and_then(|v| v.parse::<usize>().ok());
                prop_assert!(
                    found.is_some_and(|f| version(f) >= version(name)),
                    "{id}: saved as {name:?}, found {found:?}"
                );
            }
            for slot in 0..SLOTS {
                let research = last.network().organisation(&org(slot)).research;
                let stored = &typed[slot][..kept[slot].min(typed[slot].len())];
                // A tab that recovered this slot's typing while the slot typed on wrote the
                // same text at once: one of the two stored versions stands, as Automerge
                // settles concurrent writes (the other stays in the history).
                prop_assert!(
                    research.starts_with(stored) || history[slot].contains(&research),
                    "slot {slot}: {research:?} lacks {stored:?}"
                );
                prop_assert!(
                    research.chars().all(|c| "abc".contains(c)),
                    "slot {slot}: {research:?}"
                );
            }
        }
    }
}

#[test]
fn a_compaction_that_takes_in_another_tab_s_edit_lists_it() {
    let kv = MemoryKv::default();
    let (mut a, _) = open(&kv, "a", 0);
    a.run(&put("First"), 0).unwrap();
    let (mut b, _) = open(&kv, "b", 0);
    for (i, name) in ["Ada", "Ben", "Cy", "Di", "Ed"].into_iter().enumerate() {
        b.run(&put(name), i as i64).unwrap();
    }
    a.run(&put("Zed"), 10).unwrap();
    // B compacts before the storage event for Zed reaches it: the compaction takes Zed in, and
    // the overview it writes lists Zed, or the next opening (which trusts an overview whose
    // heads match) would leave Zed out of the people list.
    let effects = upkeep(&mut b, 10 * UPKEEP_PAUSE);
    assert!(effects.changed);
    assert!(names(&b).contains(&"Zed".to_owned()));
    let (next, _) = open(&kv, "c", 20 * UPKEEP_PAUSE);
    assert_eq!(
        names(&next),
        ["Ada", "Ben", "Cy", "Di", "Ed", "First", "Zed"]
    );
}

fn journaled(kv: &MemoryKv) -> Vec<String> {
    let mut keys = kv.keys().unwrap();
    keys.retain(|k| k.starts_with(crate::doc::journal::JOURNAL));
    keys
}

#[test]
fn commands_kept_while_opening_are_run_in_order_once_open() {
    use crate::doc::journal::{keep, key};
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    tab.run(&put("Ada"), 10).unwrap();
    // A new page, still opening: it renames Ada, then deletes whom it added first.
    let mut page = kv.clone();
    keep(&mut page, &key(20, "t2", 0), &put("Ben")).unwrap();
    let renamed = Command::PutPerson {
        id: PersonId::from("Ada"),
        person: Person {
            name: "Ada Lovelace".into(),
            ..Person::default()
        },
    };
    keep(&mut page, &key(20, "t2", 1), &renamed).unwrap();
    let delete = Command::DeletePerson {
        id: PersonId::from("Ben"),
    };
    keep(&mut page, &key(21, "t2", 0), &delete).unwrap();
    page.set(&key(22, "t2", 0), "not a command").unwrap();
    let (opened, effects) = open(&kv, "t2", 30);
    assert_eq!(names(&opened), ["Ada Lovelace"]);
    assert_eq!(effects.saved, Some(true));
    assert!(journaled(&kv).is_empty(), "{:?}", journaled(&kv));
    let [Problem::Unreadable { keys, .. }] = &effects.problems[..] else {
        panic!("{:?}", effects.problems);
    };
    assert_eq!(kv.get(&keys[0]).unwrap().as_deref(), Some("not a command"));
    let (again, _) = open(&kv, "t3", 40);
    assert_eq!(names(&again), ["Ada Lovelace"], "saved, and run once");
}

#[test]
fn a_command_another_tab_kept_is_run_by_the_open_tab() {
    use crate::doc::journal::{keep, key};
    let kv = MemoryKv::default();
    let (mut tab, _) = open(&kv, "t1", 0);
    let mut other = kv.clone();
    let kept = key(10, "t2", 0);
    keep(&mut other, &kept, &put("Ben")).unwrap();
    let effects = tab.external_change(&kept, 20);
    assert!(effects.changed);
    assert_eq!(names(&tab), ["Ben"]);
    assert!(journaled(&kv).is_empty());
}

#[test]
fn a_kept_command_stays_kept_until_storage_has_room_for_its_change() {
    use crate::doc::journal::{keep, key};
    let kv = MemoryKv::default();
    open(&kv, "t1", 0);
    let mut page = kv.clone();
    keep(&mut page, &key(10, "t2", 0), &put("Ben")).unwrap();
    kv.limit(Some(kv.used()));
    let (full, effects) = open(&kv, "t2", 20);
    assert_eq!(effects.saved, Some(false));
    assert_eq!(names(&full), ["Ben"], "in memory, listed");
    assert_eq!(journaled(&kv).len(), 1, "still kept");
    kv.limit(None);
    let (roomy, _) = open(&kv, "t3", 30);
    assert_eq!(names(&roomy), ["Ben"]);
    assert!(journaled(&kv).is_empty());
}
