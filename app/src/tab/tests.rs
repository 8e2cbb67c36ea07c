//! The page's side alone: storage, batches and the overview. With a worker, in
//! `host/tests.rs`.

use super::*;
use crate::doc::list_cache::{reader_of, CachedList, FIRST_ROWS};
use crate::doc::store::MemoryKv;
use crate::domain::PersonId;

fn row(id: &str, name: &str) -> PersonRow {
    let person = crate::domain::Person {
        name: name.into(),
        ..crate::domain::Person::default()
    };
    PersonRow::new(PersonId::from(id), &person)
}

#[test]
fn a_refused_write_stops_the_batch_and_later_ones_until_one_resumes_after_it() {
    let storage = MemoryKv::default();
    let mut tab = Tab::new("a", storage.clone());
    let set = |k: &str| Write::Set(format!("{PREFIX}{k}"), "x".repeat(10));
    let batch = |batch, resumes, writes| {
        FromWorker::Writes(Writes {
            batch,
            resumes,
            writes,
        })
    };
    assert!(matches!(
        tab.receive(batch(1, None, vec![set("a")])).1.as_slice(),
        [ToWorker::Written { batch: 1 }]
    ));
    storage.limit(Some(storage.used() + 20));
    assert!(matches!(
        tab.receive(batch(2, None, vec![set("b"), set("c")]))
            .1
            .as_slice(),
        [ToWorker::Failed { batch: 2, at: 1 }]
    ));
    // Later batches were made without knowing: dropped, unanswered.
    assert!(tab.receive(batch(3, None, vec![set("d")])).1.is_empty());
    assert_eq!(storage.get(&format!("{PREFIX}d")).unwrap(), None);
    storage.limit(None);
    assert!(matches!(
        tab.receive(batch(4, Some(2), vec![set("d")])).1.as_slice(),
        [ToWorker::Written { batch: 4 }]
    ));
    assert!(storage.get(&format!("{PREFIX}d")).unwrap().is_some());
}

#[test]
fn the_overview_is_kept_from_changes_sorted() {
    let mut tab = Tab::new("a", MemoryKv::default());
    let change = |removed: Vec<&str>, rows: Vec<PersonRow>| {
        FromWorker::Changed(OverviewChange {
            rows_removed: removed.into_iter().map(PersonId::from).collect(),
            rows,
            ..OverviewChange::default()
        })
    };
    tab.receive(change(vec![], vec![row("g", "Grace"), row("a", "Ada")]));
    tab.receive(change(vec!["g"], vec![row("a", "Zoe"), row("e", "Edsger")]));
    let names: Vec<&str> = tab.rows().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Edsger", "Zoe"]);
}

#[test]
fn a_whole_overview_replaces_what_the_cache_drew_and_a_change_adds_to_it() {
    let mut tab = Tab::new("a", MemoryKv::default());
    tab.show_cached(reader_of(&CachedList {
        heads: Vec::new(),
        rows: vec![row("a", "Ada"), row("ghost", "Ghost")],
        interviews: Vec::new(),
        fields: Vec::new(),
        follow_up: FollowUpSettings::default(),
    }));
    // The worker hears which cache was drawn.
    let Some(ToWorker::Open { drawn, .. }) = tab.open().unwrap().into_iter().next() else {
        panic!("opens first");
    };
    assert_eq!(drawn, Some(Vec::new()));
    let change = |rows: Vec<PersonRow>, whole| {
        FromWorker::Changed(OverviewChange {
            rows,
            whole,
            ..OverviewChange::default()
        })
    };
    let names = |tab: &Tab<MemoryKv>| -> Vec<String> {
        tab.rows().iter().map(|r| r.name.clone()).collect()
    };
    tab.receive(change(vec![row("g", "Grace")], false));
    assert_eq!(names(&tab), ["Ada", "Ghost", "Grace"]);
    tab.receive(change(vec![row("a", "Ada"), row("g", "Grace")], true));
    assert_eq!(names(&tab), ["Ada", "Grace"]);
    tab.receive(change(vec![row("e", "Edsger")], false));
    assert_eq!(names(&tab), ["Ada", "Edsger", "Grace"]);
    // What it shows now is no cache: a new worker is told nothing was drawn.
    let Some(ToWorker::Open { drawn, .. }) = tab.open().unwrap().into_iter().next() else {
        panic!("opens first");
    };
    assert_eq!(drawn, None);
}

#[test]
fn typing_stays_over_its_text_until_the_worker_answers_for_it() {
    let mut tab = Tab::new("a", MemoryKv::default());
    let research = Query::Research("Acme".into());
    let ask = |asks: Vec<ToWorker>| match asks.as_slice() {
        [ToWorker::Ask { id, .. }] => *id,
        other => panic!("not asked once: {other:?}"),
    };
    let reply = |tab: &mut Tab<MemoryKv>, id, answer| {
        tab.receive(FromWorker::Answer { id, answer });
    };
    let shown = |tab: &mut Tab<MemoryKv>| tab.answer(&research).0;
    let changed = |tab: &mut Tab<MemoryKv>| {
        let (_, asks) = tab.receive(FromWorker::Changed(OverviewChange::default()));
        ask(asks)
    };
    let first = ask(tab.answer(&research).1.into_iter().collect());
    reply(&mut tab, first, Answer::Research(String::new()));
    shown(&mut tab);
    let before = changed(&mut tab);
    tab.type_text(Target::Research("Acme".into()), "Hiring".into(), 1);
    // An answer asked before the typing, and one to another question, leave it shown.
    reply(&mut tab, before, Answer::Research("Hi".into()));
    assert_eq!(shown(&mut tab), Some(Answer::Research("Hiring".into())));
    let other = ask(tab.answer(&Query::StoredChars).1.into_iter().collect());
    reply(&mut tab, other, Answer::StoredChars(10));
    assert_eq!(shown(&mut tab), Some(Answer::Research("Hiring".into())));
    // Answered after the worker had it: the answer stands, whatever replaced the typing.
    let after = changed(&mut tab);
    reply(&mut tab, after, Answer::Research("Replaced".into()));
    assert_eq!(shown(&mut tab), Some(Answer::Research("Replaced".into())));
}

#[test]
fn every_text_typed_stays_over_the_answer_until_the_worker_answers_for_it() {
    use crate::domain::{InterviewId, InterviewText};
    let mut tab = Tab::new("a", MemoryKv::default());
    let id = InterviewId::from("i");
    let query = Query::Interview(id.clone());
    let first = match tab.answer(&query).1 {
        Some(ToWorker::Ask { id, .. }) => id,
        other => panic!("not asked: {other:?}"),
    };
    let stored = Interview::default();
    tab.receive(FromWorker::Answer {
        id: first,
        answer: Answer::Interview(Some(stored.clone())),
    });
    // Typing moves from one text to the next, with no answer between: the first text is
    // still what the page shows (a step taken now writes the page's copy through).
    tab.type_text(
        Target::Interview(id.clone(), InterviewText::Liked),
        "The mix.".into(),
        1,
    );
    tab.type_text(
        Target::Interview(id.clone(), InterviewText::NextSteps),
        "A course.".into(),
        2,
    );
    let shown = |tab: &mut Tab<MemoryKv>| match tab.answer(&query).0 {
        Some(Answer::Interview(Some(i))) => (i.reflection.liked, i.reflection.next_steps),
        other => panic!("no interview: {other:?}"),
    };
    assert_eq!(shown(&mut tab), ("The mix.".into(), "A course.".into()));
    // An answer asked after both stands for both.
    let after = match tab
        .receive(FromWorker::Changed(OverviewChange::default()))
        .1
        .as_slice()
    {
        [ToWorker::Ask { id, .. }] => *id,
        other => panic!("not asked again: {other:?}"),
    };
    let mut committed = stored;
    committed.reflection.liked = "Changed elsewhere.".into();
    tab.receive(FromWorker::Answer {
        id: after,
        answer: Answer::Interview(Some(committed)),
    });
    assert_eq!(
        shown(&mut tab),
        ("Changed elsewhere.".into(), String::new())
    );
}

#[test]
fn an_edit_offered_for_undo_says_what_it_did_once_it_ran_and_a_failed_one_why() {
    let mut tab = Tab::new("a", MemoryKv::default());
    let delete = Command::DeletePerson {
        id: PersonId::from("ada"),
    };
    let (key, _) = tab.edit(&delete, 1).unwrap();
    tab.offer_undo(key.clone(), "Deleted Ada".into());
    let undo = Command::PutPerson {
        id: PersonId::from("ada"),
        person: crate::domain::Person::default(),
    };
    let ran = |key: &str, outcome: Kept| FromWorker::Ran {
        key: key.into(),
        outcome,
    };
    let notice = |news: Option<News>| match news {
        Some(News::Ran { notice, .. }) => notice,
        other => panic!("{other:?}"),
    };
    let said = notice(tab.receive(ran(&key, Ok((1, Some(undo.clone()))))).0).unwrap();
    assert_eq!(said.text, "Deleted Ada");
    assert_eq!(format!("{:?}", said.undo), format!("{:?}", Some(&undo)));
    // Said once; an edit not offered for undo says nothing when it works.
    assert!(notice(tab.receive(ran(&key, Ok((1, Some(undo))))).0).is_none());
    let (other, _) = tab.edit(&delete, 2).unwrap();
    let failed = notice(tab.receive(ran(&other, Err("no such person".into()))).0);
    assert_eq!(failed.unwrap().text, "Not done: no such person");
}

#[test]
fn a_full_store_is_one_problem_shown_until_a_write_is_saved() {
    let mut tab = Tab::new("a", MemoryKv::default());
    tab.receive(FromWorker::Opened {
        problems: vec![Problem::Unavailable("x".into())],
    });
    tab.receive(FromWorker::Saved(false));
    tab.receive(FromWorker::Saved(false));
    let full = |tab: &mut Tab<MemoryKv>| {
        tab.report()
            .problems
            .iter()
            .filter(|p| **p == Problem::Full)
            .count()
    };
    assert_eq!(full(&mut tab), 1);
    tab.receive(FromWorker::Saved(true));
    assert_eq!(full(&mut tab), 0);
    assert_eq!(tab.report().problems.len(), 1);
}

#[test]
fn a_change_is_told_once_the_answers_it_made_stale_are_fresh() {
    let mut tab = Tab::new("a", MemoryKv::default());
    let query = Query::Settings;
    let asked = |tab: &mut Tab<MemoryKv>| match tab.answer(&query).1 {
        Some(ToWorker::Ask { id, .. }) => id,
        other => panic!("{other:?}"),
    };
    let answer = |id, name: &str| FromWorker::Answer {
        id,
        answer: Answer::Research(name.into()),
    };
    let first = asked(&mut tab);
    assert!(matches!(
        tab.receive(answer(first, "old")).0,
        Some(News::Answered)
    ));
    // The screen reads it; then the network changes: it is asked again at once, and the
    // screens hear nothing until the fresh answer is here.
    let (shown, ask) = tab.answer(&query);
    assert_eq!(shown, Some(Answer::Research("old".into())));
    assert!(ask.is_none());
    let (news, asks) = tab.receive(FromWorker::Changed(OverviewChange::default()));
    assert!(news.is_none());
    let [ToWorker::Ask { id: again, .. }] = asks.as_slice() else {
        panic!("{asks:?}");
    };
    assert!(matches!(
        tab.receive(answer(*again, "new")).0,
        Some(News::Changed)
    ));
    let (shown, ask) = tab.answer(&query);
    assert_eq!(shown, Some(Answer::Research("new".into())));
    assert!(ask.is_none());
    // A change with nothing on screen asked of is told at once.
    let mut quiet = Tab::new("b", MemoryKv::default());
    let (news, asks) = quiet.receive(FromWorker::Changed(OverviewChange::default()));
    assert!(matches!(news, Some(News::Changed)) && asks.is_empty());
}

#[test]
fn an_undo_is_kept_as_an_edit_and_the_notice_says_it_was_undone_once() {
    let storage = MemoryKv::default();
    let mut tab = Tab::new("a", storage.clone());
    let delete = Command::DeletePerson {
        id: PersonId::from("ada"),
    };
    let restore = Command::PutPerson {
        id: PersonId::from("ada"),
        person: crate::domain::Person::default(),
    };
    let (key, _) = tab.edit(&delete, 1).unwrap();
    tab.offer_undo(key.clone(), "Deleted Ada".into());
    tab.new_report();
    // Nothing to undo yet: the edit hasn't run.
    assert!(tab.undo(2).is_none());
    let ran = FromWorker::Ran {
        key,
        outcome: Ok((1, Some(restore.clone()))),
    };
    tab.receive(ran);
    let told = tab.new_report().expect("the screens hear of the notice");
    assert_eq!(told.notice.unwrap().text, "Deleted Ada");
    assert!(tab.new_report().is_none(), "told once");
    let Some(ToWorker::Stored { key, value }) = tab.undo(3) else {
        panic!("the undo goes to the worker as a kept edit");
    };
    let kept = journal::kept(&storage).unwrap();
    let (last_key, last) = kept.last().unwrap();
    assert_eq!(*last_key, key);
    assert_eq!(
        format!("{:?}", last.as_ref().unwrap()),
        format!("{restore:?}")
    );
    assert!(value.is_some());
    let notice = tab.report().notice.clone().unwrap();
    assert_eq!(
        (notice.text.as_str(), notice.undo.is_none()),
        ("Undone", true)
    );
    assert!(tab.undo(4).is_none(), "undone once");
    tab.dismiss_notice();
    assert!(tab.report().notice.is_none());
}

#[test]
fn sync_is_shown_from_storage_and_from_the_worker() {
    use crate::crypto::RootSecret;
    use crate::sync::stored::{SyncStore, PHRASE_SAVED_KEY};
    use crate::sync::{Status, DELETED};
    use crate::wire::SyncRequest;
    let storage = MemoryKv::default();
    let mut fresh = Tab::new("a", storage.clone());
    assert!(
        fresh.resume_sync(true).is_none(),
        "this device doesn't sync"
    );
    assert!(fresh.report().secret.is_none());
    let secret = RootSecret::generate();
    let mut store = SyncStore::new(storage.clone());
    store.start(&secret, true).unwrap();
    store.set_phrase_saved(true).unwrap();
    let mut tab = Tab::new("b", storage.clone());
    assert!(matches!(
        tab.resume_sync(false),
        Some(ToWorker::Sync(SyncRequest::Resume { online: false }))
    ));
    assert_eq!(tab.report().secret, Some(secret.to_fragment()));
    assert!(tab.report().phrase_saved);
    // The relay's copy deleted: sync is off, and the screens say why.
    tab.receive(FromWorker::Sync {
        status: Some(Status::Deleted),
        deleted: true,
    });
    let report = tab.report();
    assert_eq!(
        (report.secret.clone(), report.sync_ended),
        (None, Some(DELETED))
    );
    assert_eq!(report.sync, Some(Status::Deleted));
    // Starting again clears why it stopped.
    let other = RootSecret::generate();
    assert!(matches!(
        tab.start_sync(&other, true),
        ToWorker::Sync(SyncRequest::Start {
            fresh: true,
            online: true,
            ..
        })
    ));
    assert_eq!(tab.report().sync_ended, None);
    assert_eq!(tab.report().secret, Some(other.to_fragment()));
    // The phrase saved is stored by the page, and the worker hears of the key.
    let Some(ToWorker::Stored { key, value }) = tab.mark_phrase_saved(false) else {
        panic!("the worker hears of the stored key");
    };
    assert_eq!(key, PHRASE_SAVED_KEY);
    assert_eq!(value, storage.get(PHRASE_SAVED_KEY).unwrap());
    assert!(!SyncStore::new(storage.clone()).phrase_saved());
    assert!(!tab.report().phrase_saved);
    assert!(matches!(
        tab.stop_sync(),
        ToWorker::Sync(SyncRequest::Forget)
    ));
    assert_eq!(
        (tab.report().secret.clone(), tab.report().sync.clone()),
        (None, None)
    );
}

#[test]
fn the_unreadable_problem_goes_once_the_data_kept_aside_is_discarded() {
    let mut tab = Tab::new("a", MemoryKv::default());
    let unreadable = Problem::Unreadable {
        keys: vec!["k".into()],
        detail: "bad".into(),
    };
    let unavailable = Problem::Unavailable("x".into());
    tab.receive(FromWorker::Opened {
        problems: vec![unreadable.clone(), unavailable.clone()],
    });
    let (export, _) = tab.request(Request::Aside);
    tab.receive(FromWorker::Done {
        id: export,
        reply: Reply::Discarded(true),
    });
    assert_eq!(tab.report().problems.len(), 2, "only a discard drops it");
    let (failed, _) = tab.request(Request::DiscardAside);
    tab.receive(FromWorker::Done {
        id: failed,
        reply: Reply::Discarded(false),
    });
    assert_eq!(tab.report().problems.len(), 2, "not while it failed");
    let (discard, _) = tab.request(Request::DiscardAside);
    tab.receive(FromWorker::Done {
        id: discard,
        reply: Reply::Discarded(true),
    });
    assert_eq!(tab.report().problems, [unavailable]);
}

#[test]
fn an_edit_storage_has_no_room_for_is_shown_not_saved_at_once() {
    let storage = MemoryKv::default();
    let mut tab = Tab::new("a", storage.clone());
    tab.receive(FromWorker::Saved(true));
    assert_eq!(tab.report().save, SaveState::Saved);
    storage.limit(Some(storage.used()));
    let put = Command::DeletePerson {
        id: PersonId::from("ada"),
    };
    let (_, message) = tab.edit(&put, 1).unwrap();
    assert!(matches!(message, ToWorker::Unkept { .. }));
    let report = tab.new_report().expect("the screens hear of it");
    assert_eq!(report.save, SaveState::NotSaved);
    assert_eq!(report.problems, [Problem::Full]);
    // The first save since the page opened is told as such (the browser is asked to keep
    // the site's storage then), later ones not.
    let mut other = Tab::new("b", MemoryKv::default());
    let first = |tab: &mut Tab<MemoryKv>, saved| match tab.receive(FromWorker::Saved(saved)).0 {
        Some(News::Saved { first }) => first,
        news => panic!("{news:?}"),
    };
    assert!(first(&mut other, true));
    assert!(!first(&mut other, true));
}

#[test]
fn a_save_like_the_last_is_not_told_to_the_screens_again() {
    let mut tab = Tab::new("a", MemoryKv::default());
    tab.new_report();
    tab.receive(FromWorker::Saved(true));
    assert!(tab.new_report().is_some());
    tab.receive(FromWorker::Saved(true));
    assert!(tab.new_report().is_none(), "nothing changed");
    tab.receive(FromWorker::Saved(false));
    assert_eq!(tab.new_report().unwrap().problems, [Problem::Full]);
    tab.receive(FromWorker::Saved(false));
    assert!(tab.new_report().is_none());
    tab.receive(FromWorker::Saved(true));
    assert!(tab.new_report().unwrap().problems.is_empty());
}

/// A large cached overview: its first page drawn at once, the rest a part at a time, "what's
/// next" (which needs every interview) only once all is read; a worker asking first has it
/// read to its end, so it is told exactly which cache was drawn.
#[test]
fn a_large_cache_draws_its_first_page_then_the_rest_a_part_at_a_time() {
    let rows: Vec<PersonRow> = (0..2_500)
        .map(|n| row(&format!("p{n:05}"), &format!("P{n:05}")))
        .collect();
    let interviews: Vec<(InterviewId, Interview)> = (0..3_000)
        .rev()
        .map(|n| {
            let person = PersonId::from(format!("p{:05}", n % 2_500));
            (
                InterviewId::from(format!("i{n:05}")),
                Interview::new(person, "f".into(), n),
            )
        })
        .collect();
    let list = CachedList {
        heads: Vec::new(),
        rows: rows.clone(),
        interviews,
        fields: Vec::new(),
        follow_up: FollowUpSettings::default(),
    };
    for ask_first in [false, true] {
        let mut tab = Tab::new("a", MemoryKv::default());
        tab.show_cached(reader_of(&list));
        assert_eq!(tab.rows(), &rows[..FIRST_ROWS]);
        assert_eq!(tab.people_count(), 2_500);
        assert_eq!(tab.fields_and_follow_up(), None, "what's next waits");
        assert_eq!(tab.outlines(), None);
        // A part per call here: the clock is always past the time given.
        if ask_first {
            assert!(tab.read_cached(0, || 1));
            tab.open().unwrap();
        } else {
            let mut parts = 1;
            while tab.read_cached(0, || 1) {
                parts += 1;
                assert!(tab.rows().len() <= 2_500);
            }
            assert_eq!(
                parts, 5,
                "3 parts of rows after the first page, then 2 of interviews"
            );
        }
        assert!(!tab.read_cached(0, || 1));
        // Given time, all parts at once.
        let mut again = Tab::new("b", MemoryKv::default());
        again.show_cached(reader_of(&list));
        assert!(!again.read_cached(1, || 0));
        assert_eq!(again.rows(), rows);
        assert_eq!(tab.rows(), rows);
        assert_eq!(tab.people_count(), 2_500);
        assert!(tab.fields_and_follow_up().is_some());
        let outlines = tab.outlines().unwrap();
        assert_eq!(outlines.len(), 3_000);
        assert!(outlines.windows(2).all(|w| w[0].0 < w[1].0), "sorted by id");
    }
}
