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
        tab.receive(batch(1, None, vec![set("a")])).1,
        Some(ToWorker::Written { batch: 1 })
    ));
    storage.limit(Some(storage.used() + 20));
    assert!(matches!(
        tab.receive(batch(2, None, vec![set("b"), set("c")])).1,
        Some(ToWorker::Failed { batch: 2, at: 1 })
    ));
    // Later batches were made without knowing: dropped, unanswered.
    assert!(tab.receive(batch(3, None, vec![set("d")])).1.is_none());
    assert_eq!(storage.get(&format!("{PREFIX}d")).unwrap(), None);
    storage.limit(None);
    assert!(matches!(
        tab.receive(batch(4, Some(2), vec![set("d")])).1,
        Some(ToWorker::Written { batch: 4 })
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
