use super::*;
use crate::domain::{Person, PersonId};
use proptest::prelude::*;
use std::collections::BTreeMap;

impl MemoryKv {
    fn raw(&self, key: &str) -> Option<String> {
        self.get(key).unwrap()
    }
    fn put_raw(&self, key: &str, value: &str) {
        self.clone().set(key, value).unwrap();
    }
    fn keys_like(&self, part: &str) -> Vec<String> {
        let mut keys = self.keys().unwrap();
        keys.retain(|k| k.contains(part));
        keys
    }
}

const POLICY: CompactionPolicy = CompactionPolicy {
    max_chunks: 5,
    min_chunk_bytes: 1024,
};

fn open(kv: &MemoryKv, tab: &str) -> Opened<MemoryKv> {
    Store::open(kv.clone(), tab, POLICY).expect("memory store is available")
}

fn add(opened: &mut Opened<MemoryKv>, name: &str) -> Result<Saved, KvError> {
    let person = Person {
        name: name.into(),
        ..Person::default()
    };
    opened
        .network
        .put_person(&PersonId::from(name), &person, 1)
        .unwrap();
    opened.store.save(&mut opened.network)
}

fn names(network: &Network) -> Vec<String> {
    network.rows().into_iter().map(|r| r.name).collect()
}

#[test]
fn a_fresh_store_opens_empty_and_keeps_what_is_added() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    assert!(tab.problems.is_empty());
    assert!(tab.network.is_empty());
    assert!(matches!(add(&mut tab, "Ada"), Ok(Saved::Chunk(_))));
    assert_eq!(tab.store.save(&mut tab.network), Ok(Saved::Nothing));
    let again = open(&kv, "t2");
    assert!(again.problems.is_empty());
    assert_eq!(names(&again.network), ["Ada"]);
}

#[test]
fn each_edit_appends_a_small_chunk() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    for i in 0..3 {
        add(&mut tab, &format!("P{i}")).unwrap();
    }
    let chunks = kv.keys_like("/chunk/t1/");
    assert_eq!(chunks.len(), 3);
    let sizes: Vec<usize> = chunks.iter().map(|k| kv.raw(k).unwrap().len()).collect();
    assert!(sizes.iter().all(|&n| n < 450), "{sizes:?}");
}

#[test]
fn a_long_history_taken_in_is_stored_as_the_document() {
    let mut other = Network::new();
    for i in 0..300 {
        let person = Person {
            name: format!("P{i:03}"),
            ..Person::default()
        };
        other
            .put_person(&PersonId::from(person.name.as_str()), &person, 1)
            .unwrap();
    }
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    tab.network.apply(&other.save()).unwrap();
    let Ok(Saved::Chunk(stored)) = tab.store.save(&mut tab.network) else {
        panic!("saved as a chunk")
    };
    let changes = other.save_after(&[]).len();
    assert!(
        stored * 4 < changes,
        "{stored} bytes for {changes} of changes"
    );
    let again = open(&kv, "t2");
    assert!(again.problems.is_empty());
    assert_eq!(names(&again.network).len(), 301);
}

#[test]
fn compaction_moves_head_and_keeps_one_previous_generation() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    for i in 0..5 {
        add(&mut tab, &format!("P{i}")).unwrap();
    }
    assert!(tab.store.needs_compaction());
    tab.store.compact(&mut tab.network).unwrap();
    assert!(!tab.store.needs_compaction());
    assert_eq!(kv.raw(HEAD).as_deref(), Some("2 t1"));
    assert_eq!(
        kv.keys_like("g1/chunk").len(),
        5,
        "previous generation kept"
    );
    add(&mut tab, "Q").unwrap();
    tab.store.compact(&mut tab.network).unwrap();
    assert!(kv.keys_like("g1/").is_empty(), "older generations dropped");
    assert_eq!(
        kv.keys_like("g2/").len(),
        2,
        "previous snapshot and chunk kept"
    );
    let again = open(&kv, "t2");
    assert!(again.problems.is_empty());
    assert_eq!(names(&again.network), ["P0", "P1", "P2", "P3", "P4", "Q"]);
}

#[test]
fn a_snapshot_is_stored_deflated_and_one_stored_plain_still_loads() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    for n in 0..200 {
        add(&mut tab, &format!("Person {n} of Acme Speech Systems")).unwrap();
    }
    tab.store.compact(&mut tab.network).unwrap();
    let key = kv.keys_like("/snap/")[0].clone();
    let stored = kv.raw(&key).unwrap();
    let plain = encode(&tab.network.save());
    assert!(stored.starts_with(DEFLATED), "{}", &stored[..8]);
    assert!(
        stored.len() < plain.len(),
        "{} of {}",
        stored.len(),
        plain.len()
    );
    let expected = names(&tab.network);
    assert_eq!(names(&open(&kv, "t2").network), expected);

    // As stored before snapshots were deflated: the document's bytes in base64.
    kv.put_raw(&key, &plain);
    let reopened = open(&kv, "t3");
    assert!(reopened.problems.is_empty(), "{:?}", reopened.problems);
    assert_eq!(names(&reopened.network), expected);

    // Marked deflated but not: unreadable, kept aside like any damaged snapshot.
    kv.put_raw(&key, &format!("{DEFLATED}{plain}"));
    match &open(&kv, "t4").problems[..] {
        [Problem::Unreadable { keys, .. }] => assert_eq!(keys, std::slice::from_ref(&key)),
        other => panic!("expected one unreadable problem, got {other:?}"),
    }
}

#[test]
fn a_corrupt_snapshot_is_reported_kept_and_recovered_around() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    tab.store.compact(&mut tab.network).unwrap();
    add(&mut tab, "Grace").unwrap();
    let snapshot = "colloquy/g2/snap/t1";
    let garbage = encode(b"\x85\x6f\x4a\x83 this is not a document");
    kv.put_raw(snapshot, &garbage);

    let mut reopened = open(&kv, "t2");
    match &reopened.problems[..] {
        [Problem::Unreadable { keys, .. }] => assert_eq!(keys, &[snapshot.to_owned()]),
        other => panic!("expected one unreadable problem, got {other:?}"),
    }
    // Ada came back from the previous generation's chunk, Grace from the current one's.
    assert_eq!(names(&reopened.network), ["Ada", "Grace"]);
    // Later saves and compactions never touch the bad data.
    add(&mut reopened, "Hedy").unwrap();
    reopened.store.compact(&mut reopened.network).unwrap();
    reopened.store.compact(&mut reopened.network).unwrap();
    assert_eq!(kv.raw(snapshot).as_deref(), Some(garbage.as_str()));
    assert_eq!(
        reopened.store.kept_aside(),
        vec![(snapshot.to_owned(), garbage.clone())]
    );
    let mut third = open(&kv, "t3");
    match &third.problems[..] {
        [Problem::Unreadable { keys, .. }] => assert_eq!(keys, &[snapshot.to_owned()]),
        other => panic!("kept data is mentioned until deleted, got {other:?}"),
    }
    assert_eq!(names(&third.network), ["Ada", "Grace", "Hedy"]);

    third.store.discard_aside().unwrap();
    assert_eq!(kv.raw(snapshot), None);
    let fourth = open(&kv, "t4");
    assert!(fourth.problems.is_empty(), "{:?}", fourth.problems);
    assert_eq!(names(&fourth.network), ["Ada", "Grace", "Hedy"]);
}

#[test]
fn corrupt_chunks_and_a_garbled_head_are_reported() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    add(&mut tab, "Grace").unwrap();
    kv.put_raw("colloquy/g1/chunk/t9/000000", "!!! not base64");
    kv.put_raw("colloquy/g1/chunk/t9/000001", &encode(b"not a change"));
    kv.put_raw(HEAD, "banana");
    let reopened = open(&kv, "t2");
    let Problem::Unreadable { keys, .. } = &reopened.problems[0] else {
        panic!("expected unreadable, got {:?}", reopened.problems);
    };
    assert_eq!(keys.len(), 3);
    assert_eq!(names(&reopened.network), ["Ada", "Grace"]);
    assert_eq!(
        kv.raw("colloquy/g1/chunk/t9/000000").as_deref(),
        Some("!!! not base64")
    );
}

/// Storage whose first read of `key` comes back damaged (a read that went wrong once).
struct DamagedOnce {
    kv: MemoryKv,
    key: String,
    read: std::cell::Cell<bool>,
}

impl KeyValue for DamagedOnce {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let value = self.kv.get(key)?;
        if key != self.key || self.read.replace(true) {
            return Ok(value);
        }
        let bytes = decode(&value.unwrap()).unwrap();
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0x55;
        Ok(Some(encode(&damaged)))
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        self.kv.set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        self.kv.remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.kv.keys()
    }
}

#[test]
fn a_chunk_read_wrong_once_is_read_again_not_set_aside() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    add(&mut tab, "Grace").unwrap();
    let key = kv.keys_like("/chunk/").pop().unwrap();
    let flaky = DamagedOnce {
        kv: kv.clone(),
        key: key.clone(),
        read: Default::default(),
    };
    let mut reopened = Store::open(flaky, "t2", POLICY).unwrap();
    assert!(
        reopened.store.kv_mut().read.get(),
        "the damaged read happened"
    );
    assert_eq!(reopened.problems, []);
    assert_eq!(names(&reopened.network), ["Ada", "Grace"]);
    // A chunk damaged for good is still set aside.
    let bytes = decode(&kv.raw(&key).unwrap()).unwrap();
    let mut damaged = bytes;
    let last = damaged.len() - 1;
    damaged[last] ^= 0x55;
    kv.put_raw(&key, &encode(&damaged));
    let reopened = open(&kv, "t3");
    assert!(matches!(
        reopened.problems.as_slice(),
        [Problem::Unreadable { keys, .. }] if keys == std::slice::from_ref(&key)
    ));
}

#[test]
fn a_full_store_keeps_edits_in_memory_and_saves_them_later() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    kv.limit(Some(kv.used()));
    assert_eq!(add(&mut tab, "Grace"), Err(KvError::Full));
    assert!(tab.store.has_unsaved());
    assert_eq!(add(&mut tab, "Hedy"), Err(KvError::Full));
    assert_eq!(names(&tab.network), ["Ada", "Grace", "Hedy"]);
    assert_eq!(names(&open(&kv, "peek").network), ["Ada"]);
    // A compaction that doesn't fit leaves the store as it was.
    assert_eq!(tab.store.compact(&mut tab.network), Err(KvError::Full));
    assert!(kv.keys_like("/snap/").is_empty());

    kv.limit(None);
    assert!(matches!(add(&mut tab, "Ida"), Ok(Saved::Chunk(_))));
    assert!(!tab.store.has_unsaved());
    assert_eq!(
        names(&open(&kv, "t2").network),
        ["Ada", "Grace", "Hedy", "Ida"]
    );
}

#[test]
fn a_full_store_gives_up_the_list_cache_before_an_edit() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    // A list big enough that dropping it makes room for a chunk.
    let rows: Vec<_> = (0..300)
        .map(|i| {
            let person = Person {
                name: format!("Someone {i}"),
                ..Person::default()
            };
            crate::domain::PersonRow::new(PersonId::from(format!("x{i}")), &person)
        })
        .collect();
    let heads = tab.network.heads();
    tab.store
        .write_list(&crate::doc::list_cache::pack(
            &crate::doc::list_cache::Overview {
                heads: &heads,
                rows: &rows,
                interviews: &[],
                fields: &[],
                follow_up: Default::default(),
            },
        ))
        .unwrap();
    assert!(kv.raw(crate::doc::list_cache::LIST_KEY).unwrap().len() > 1000);
    kv.limit(Some(kv.used()));
    assert!(matches!(add(&mut tab, "Grace"), Ok(Saved::Chunk(_))));
    assert_eq!(kv.raw(crate::doc::list_cache::LIST_KEY), None);
    assert_eq!(names(&open(&kv, "t2").network), ["Ada", "Grace"]);
}

#[test]
fn two_tabs_see_each_other_and_survive_each_others_compaction() {
    let kv = MemoryKv::default();
    let mut a = open(&kv, "ta");
    let mut b = open(&kv, "tb");
    add(&mut a, "Ada").unwrap();
    add(&mut b, "Bob").unwrap();
    // b hears about a's chunk through a storage event.
    let a_chunk = kv.keys_like("/chunk/ta/")[0].clone();
    assert!(b
        .store
        .on_external_change(&mut b.network, &a_chunk)
        .unwrap());
    assert!(!b
        .store
        .on_external_change(&mut b.network, &a_chunk)
        .unwrap());
    assert_eq!(names(&b.network), ["Ada", "Bob"]);

    // a compacts without having seen Bob; b keeps writing into the old generation first.
    a.store.compact(&mut a.network).unwrap();
    add(&mut b, "Cy").unwrap();
    assert_eq!(
        b.store.generation(),
        2,
        "b followed the head before writing"
    );
    assert!(a.store.on_external_change(&mut a.network, HEAD).is_ok());
    for key in kv.keys_like("/chunk/tb/") {
        a.store.on_external_change(&mut a.network, &key).unwrap();
    }
    assert_eq!(names(&a.network), ["Ada", "Bob", "Cy"]);
    assert_eq!(names(&open(&kv, "tc").network), ["Ada", "Bob", "Cy"]);
}

#[test]
fn edits_saved_while_a_compaction_is_verified_go_into_the_new_generation() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    for i in 0..5 {
        add(&mut tab, &format!("P{i}")).unwrap();
    }
    let pending = tab.store.begin_compaction(&mut tab.network).unwrap();
    // Nothing points at the new snapshot yet: the tab keeps saving into generation 1, and a
    // tab opened now reads generation 1.
    add(&mut tab, "During").unwrap();
    assert_eq!(tab.store.generation(), 1);
    assert_eq!(kv.keys_like("/chunk/t1/").len(), 6);
    assert_eq!(names(&open(&kv, "t2").network).len(), 6);

    let text = tab.store.stored_snapshot(&pending).unwrap().unwrap();
    assert!(pending.matches(&snapshot_heads(&text)));
    tab.store
        .finish_compaction(&mut tab.network, pending, true)
        .unwrap();
    assert_eq!(tab.store.generation(), 2);
    // The edit made during the verification was written again into generation 2, so it
    // survives the compaction after next, which drops generation 1.
    assert_eq!(kv.keys_like("/g2/chunk/t1/").len(), 1);
    tab.store.compact(&mut tab.network).unwrap();
    tab.store.compact(&mut tab.network).unwrap();
    assert!(kv.keys_like("/g1/").is_empty());
    assert!(names(&open(&kv, "t3").network).contains(&"During".to_owned()));
}

/// An edit another tab saved while a compaction was verified must reach the new generation
/// before `head` names it: with the store full by then, the compaction gives up and the
/// generation `head` names keeps everything.
#[test]
fn a_compaction_finished_on_a_full_store_never_hides_an_edit_saved_meanwhile() {
    let kv = MemoryKv::default();
    let mut compacting = open(&kv, "t1");
    add(&mut compacting, "Ada").unwrap();
    // `head` names a generation already, as in any store compacted before.
    compacting.store.compact(&mut compacting.network).unwrap();
    let pending = compacting
        .store
        .begin_compaction(&mut compacting.network)
        .unwrap();
    let mut other = open(&kv, "t2");
    add(&mut other, "Bea").unwrap();
    kv.limit(Some(kv.used()));
    let verified = compacting.store.verify(&pending);
    assert!(verified);
    let finished = compacting
        .store
        .finish_compaction(&mut compacting.network, pending, verified);
    assert!(
        finished.is_err(),
        "a compaction that left an edit behind went ahead"
    );
    assert_eq!(names(&open(&kv, "t3").network), ["Ada", "Bea"]);
    // Once there is room, the next compaction goes through with both.
    kv.limit(None);
    compacting.store.compact(&mut compacting.network).unwrap();
    assert_eq!(names(&open(&kv, "t4").network), ["Ada", "Bea"]);
}

#[test]
fn a_snapshot_that_fails_verification_is_removed_and_the_generation_stays() {
    let kv = MemoryKv::default();
    let mut tab = open(&kv, "t1");
    add(&mut tab, "Ada").unwrap();
    let pending = tab.store.begin_compaction(&mut tab.network).unwrap();
    // Damaged in storage: its heads don't come back.
    let key = kv.keys_like("/snap/")[0].clone();
    kv.put_raw(&key, "AAAA");
    let text = tab.store.stored_snapshot(&pending).unwrap().unwrap();
    assert!(!pending.matches(&snapshot_heads(&text)));
    assert!(!tab.store.verify(&pending));
    assert!(tab
        .store
        .finish_compaction(&mut tab.network, pending, false)
        .is_err());
    assert!(kv.keys_like("/snap/").is_empty());
    assert_eq!(kv.raw(HEAD), None);
    assert_eq!(tab.store.generation(), 1);
    add(&mut tab, "Bob").unwrap();
    assert_eq!(names(&open(&kv, "t2").network), ["Ada", "Bob"]);
}

#[test]
fn a_compaction_overtaken_by_another_tabs_gives_way() {
    let kv = MemoryKv::default();
    let mut a = open(&kv, "ta");
    let mut b = open(&kv, "tb");
    add(&mut a, "Ada").unwrap();
    let pending = a.store.begin_compaction(&mut a.network).unwrap();
    add(&mut b, "Bob").unwrap();
    b.store.compact(&mut b.network).unwrap();
    let head = kv.raw(HEAD).unwrap();
    assert!(head.ends_with(" tb"), "{head}");
    a.store
        .finish_compaction(&mut a.network, pending, true)
        .unwrap();
    assert_eq!(kv.raw(HEAD).unwrap(), head, "b's generation stays current");
    assert!(
        kv.keys_like("/snap/ta").is_empty(),
        "a's snapshot is removed"
    );
    add(&mut a, "Cy").unwrap();
    assert_eq!(names(&open(&kv, "tc").network), ["Ada", "Bob", "Cy"]);
}

/// One step of a random schedule of tabs sharing one store.
#[derive(Clone, Debug)]
enum Step {
    Edit {
        tab: usize,
        person: u8,
    },
    Compact {
        tab: usize,
    },
    /// A compaction whose verification happens later (in the browser, in a worker).
    BeginCompaction {
        tab: usize,
    },
    FinishCompaction {
        tab: usize,
        verified: bool,
    },
    Event {
        tab: usize,
        key_index: usize,
    },
    Crash {
        tab: usize,
    },
    Fill,
    Free,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..3usize, 0..12u8).prop_map(|(tab, person)| Step::Edit { tab, person }),
        1 => (0..3usize).prop_map(|tab| Step::Compact { tab }),
        1 => (0..3usize).prop_map(|tab| Step::BeginCompaction { tab }),
        2 => (0..3usize, proptest::bool::weighted(0.8))
            .prop_map(|(tab, verified)| Step::FinishCompaction { tab, verified }),
        3 => (0..3usize, 0..64usize).prop_map(|(tab, key_index)| Step::Event { tab, key_index }),
        1 => (0..3usize).prop_map(|tab| Step::Crash { tab }),
        1 => Just(Step::Fill),
        1 => Just(Step::Free),
    ]
}

proptest! {

    /// Whatever three tabs do, in whatever order, every change a successful save covered is in
    /// the history when the store is opened again (the heads each save reached, not just the
    /// people: a later edit of someone, or one saved after the store was full, counts too).
    #[test]
    fn no_saved_edit_is_ever_lost(steps in proptest::collection::vec(step(), 1..60)) {
        let kv = MemoryKv::default();
        let mut tabs: Vec<Opened<MemoryKv>> =
            (0..3).map(|i| open(&kv, &format!("t{i}"))).collect();
        let mut pending: Vec<Option<PendingSnapshot>> = vec![None, None, None];
        let mut crashes = 0;
        let mut expected: BTreeMap<String, String> = BTreeMap::new();
        let mut saved_heads = Vec::new();
        for (n, step) in steps.into_iter().enumerate() {
            match step {
                Step::Edit { tab, person } => {
                    let t = &mut tabs[tab];
                    let id = PersonId::from(format!("p{person}"));
                    let name = format!("p{person} v{n}");
                    let p = Person { name: name.clone(), ..Person::default() };
                    t.network.put_person(&id, &p, n as i64).unwrap();
                    if t.store.save(&mut t.network).is_ok() {
                        expected.insert(format!("p{person}"), name);
                        saved_heads.push((n, t.network.heads()));
                    }
                }
                // A tab runs one compaction at a time.
                Step::Compact { tab } if pending[tab].is_none() => {
                    let t = &mut tabs[tab];
                    let _ = t.store.compact(&mut t.network);
                }
                Step::BeginCompaction { tab } if pending[tab].is_none() => {
                    let t = &mut tabs[tab];
                    pending[tab] = t.store.begin_compaction(&mut t.network).ok();
                }
                Step::FinishCompaction { tab, verified } => {
                    if let Some(p) = pending[tab].take() {
                        let t = &mut tabs[tab];
                        let verified = verified && t.store.verify(&p);
                        let _ = t.store.finish_compaction(&mut t.network, p, verified);
                    }
                }
                Step::Compact { .. } | Step::BeginCompaction { .. } => {}
                Step::Event { tab, key_index } => {
                    let keys = kv.keys().unwrap();
                    let key = keys[key_index % keys.len().max(1)..].first().cloned();
                    if let Some(key) = key {
                        let t = &mut tabs[tab];
                        t.store.on_external_change(&mut t.network, &key).unwrap();
                    }
                }
                Step::Crash { tab } => {
                    // Unsaved edits die with the tab; saved ones must not.
                    crashes += 1;
                    pending[tab] = None;
                    tabs[tab] = open(&kv, &format!("t{tab}c{crashes}"));
                }
                Step::Fill => kv.limit(Some(kv.used())),
                Step::Free => kv.limit(None),
            }
        }
        let mut reopened = open(&kv, "final");
        prop_assert!(reopened.problems.is_empty(), "{:?}", reopened.problems);
        for id in expected.keys() {
            prop_assert!(
                reopened.network.contains_person(&PersonId::from(id.as_str())),
                "{id} was saved but is missing"
            );
        }
        for (n, heads) in &saved_heads {
            prop_assert!(
                reopened.network.has_changes(heads),
                "the changes saved at step {n} are missing"
            );
        }
    }
}

#[test]
fn typing_is_kept_per_tab_until_cleared_and_survives_compaction() {
    use crate::doc::typing::{Target, Typing};
    use crate::domain::{InterviewId, InterviewText};
    let kv = MemoryKv::default();
    let mut a = open(&kv, "a");
    let typing = Typing {
        target: Target::Interview(InterviewId::from("i1"), InterviewText::Notes),
        base: String::new(),
        text: "half a thought".into(),
        at: 7,
    };
    a.store.keep_typing(&typing).unwrap();
    let b = open(&kv, "b");
    assert_eq!(
        b.store.typing_left().unwrap(),
        vec![("a".to_owned(), typing.encode())]
    );
    // A tab doesn't see its own typing as left behind.
    assert!(a.store.typing_left().unwrap().is_empty());

    // Compactions move generations; typing stays until its tab clears it.
    for n in 0..12 {
        add(&mut a, &format!("p{n}")).unwrap();
        if a.store.needs_compaction() {
            a.store.compact(&mut a.network).unwrap();
        }
    }
    assert!(a.store.generation() > 1);
    assert_eq!(open(&kv, "c").store.typing_left().unwrap().len(), 1);
    a.store.clear_typing().unwrap();
    assert!(open(&kv, "c").store.typing_left().unwrap().is_empty());

    // Typing that can't be read is kept aside, and then no longer offered.
    kv.put_raw("colloquy/typing/d", "garbled");
    let mut c = open(&kv, "c");
    assert_eq!(c.store.typing_left().unwrap().len(), 1);
    let key = c.store.keep_typing_aside("d").unwrap();
    assert!(c.store.typing_left().unwrap().is_empty());
    assert!(c.store.kept_aside().contains(&(key, "garbled".to_owned())));

    // A full store refuses typing like any write, after making what room it can.
    kv.limit(Some(kv.used()));
    let longer = Typing {
        text: "x".repeat(500),
        ..typing
    };
    assert_eq!(c.store.keep_typing(&longer), Err(KvError::Full));
}

#[test]
fn only_heads_and_other_tabs_chunks_affect_the_network() {
    let kv = MemoryKv::default();
    let mut a = open(&kv, "ta");
    let b = open(&kv, "tb");
    add(&mut a, "Ada").unwrap();
    let chunks = kv.keys_like("/chunk/ta/");
    assert!(b.store.affects_network(&chunks[0]));
    assert!(!a.store.affects_network(&chunks[0]), "a tab's own chunk");
    assert!(b.store.affects_network(HEAD));
    for other in [
        "colloquy/list",
        "colloquy/sync/state",
        "colloquy/typing/ta",
        "colloquy/aside",
    ] {
        assert!(!b.store.affects_network(other), "{other}");
    }
}
