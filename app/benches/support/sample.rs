//! A network of `n` people, every other one interviewed, as the benchmarks and the end-to-end
//! tests of large networks use it (`app/examples/sample_network.rs`).

use app::doc::store::{KeyValue, MemoryKv};
use app::doc::Network;
use app::domain::{
    Acquaintance, Field, FieldId, Interview, InterviewId, Meeting, Objective, Person, PersonId,
    PlannedQuestion,
};

pub fn build(n: usize) -> Network {
    let mut network = Network::new();
    let roles = [
        "Engineer",
        "Researcher",
        "Product manager",
        "Designer",
        "Analyst",
    ];
    let orgs = [
        "Acme Speech",
        "Northwind Labs",
        "Globex",
        "Initech",
        "Umbrella Health",
    ];
    let fields = [
        "speech systems technology",
        "user research",
        "data science",
        "policy",
    ];
    for (f, name) in fields.iter().enumerate() {
        let field = Field {
            name: (*name).into(),
            objective: Objective::General,
            created_at: 1_700_000_000_000,
        };
        network
            .put_field(&FieldId::from(format!("f{f}")), &field, 1_700_000_000_000)
            .unwrap();
    }
    for i in 0..n {
        let person = Person {
            name: format!("Person {i:05} Example"),
            email: format!("person{i}@example.org"),
            phone: format!("+1 555 01{:05}", i % 100_000),
            linkedin: format!("https://www.linkedin.com/in/person-{i}"),
            organisation: orgs[i % orgs.len()].into(),
            role: roles[i % roles.len()].into(),
            location: "Springfield".into(),
            fields: vec![fields[i % fields.len()].into()],
            acquaintance: if i % 3 == 1 {
                Acquaintance::Referred
            } else {
                Acquaintance::AlreadyKnow
            },
            how_we_know: "met at a meetup".into(),
            referred_by: (i % 3 == 1).then(|| PersonId::from(format!("p{:06}", i - 1))),
            tags: vec!["alumni".into()],
            notes: format!(
                "Talked about how they got into {}.\nSuggested reading the trade press and \
                 joining the local meetup. Follow up in spring. ({i})",
                fields[i % fields.len()]
            ),
            created_at: 1_700_000_000_000 + i as i64,
            updated_at: 1_700_000_000_000 + i as i64,
            also: Vec::new(),
        };
        network
            .put_person(
                &PersonId::from(format!("p{i:06}")),
                &person,
                1_700_000_000_000,
            )
            .unwrap();
    }
    // Every other person has been interviewed (or is being asked).
    for i in (0..n).step_by(2) {
        let held = 1_700_000_000_000 + i as i64 * 60_000;
        let mut interview = Interview::new(
            PersonId::from(format!("p{i:06}")),
            FieldId::from(format!("f{}", i % fields.len())),
            held,
        );
        interview.request.text = format!("Hello Person {i:05}, could you spare 20–30 minutes?");
        interview.request.sent_at = Some(held);
        interview.meeting = Meeting {
            at: Some(held + 86_400_000),
            place: "Bean There, 12 High St".into(),
            ..Meeting::default()
        };
        interview.held_at = Some(held + 86_400_000 + 1_800_000);
        interview.prep.questions = (0..3)
            .map(|q| PlannedQuestion {
                id: format!("seed-advice-{q}"),
                text: "What would you do differently if you were starting out today?".into(),
                asked: true,
                answer: "Learn statistics earlier".into(),
                ..PlannedQuestion::default()
            })
            .collect();
        interview.notes = format!(
            "They moved into {} after a few years elsewhere. Suggests the local meetup. ({i})",
            fields[i % fields.len()]
        );
        interview.reflection.liked = "The mix of people and problems.".into();
        interview.reflection.next_steps =
            "Read the trade press; ask about a second contact.".into();
        network
            .put_interview(&InterviewId::from(format!("i{i:06}")), &interview, held)
            .unwrap();
    }
    network
}

/// What `kv` holds, as JSON `{key: value}` (what the browser tests put in `localStorage`).
pub fn stored_json(kv: &MemoryKv) -> String {
    let entries: std::collections::BTreeMap<String, String> = kv
        .keys()
        .expect("keys")
        .into_iter()
        .filter_map(|k| Some((k.clone(), kv.get(&k).ok()??)))
        .collect();
    serde_json::to_string(&entries).expect("JSON")
}
