//! The page's side alone: storage, batches and the overview. With a worker, in
//! `host/tests.rs`.

use super::*;
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
fn the_first_change_from_a_worker_replaces_what_the_cache_drew() {
    let mut tab = Tab::new("a", MemoryKv::default());
    tab.show_cached(CachedList {
        heads: Vec::new(),
        rows: vec![row("ghost", "Ghost"), row("a", "Ada")],
        interviews: Vec::new(),
        fields: Vec::new(),
        follow_up: FollowUpSettings::default(),
    });
    tab.open().unwrap();
    let change = |rows: Vec<PersonRow>| {
        FromWorker::Changed(OverviewChange {
            rows,
            ..OverviewChange::default()
        })
    };
    tab.receive(change(vec![row("a", "Ada"), row("g", "Grace")]));
    let names = |tab: &Tab<MemoryKv>| -> Vec<String> {
        tab.rows().iter().map(|r| r.name.clone()).collect()
    };
    assert_eq!(names(&tab), ["Ada", "Grace"]);
    // Later changes say only what changed.
    tab.receive(change(vec![row("e", "Edsger")]));
    assert_eq!(names(&tab), ["Ada", "Edsger", "Grace"]);
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
        tab.problems()
            .iter()
            .filter(|p| **p == Problem::Full)
            .count()
    };
    assert_eq!(full(&mut tab), 1);
    tab.receive(FromWorker::Saved(true));
    assert_eq!(full(&mut tab), 0);
    assert_eq!(tab.problems().len(), 1);
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
