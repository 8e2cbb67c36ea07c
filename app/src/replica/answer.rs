//! The replica answering what the screens ask ([`crate::view`]).

use super::Replica;
use crate::doc::typing::Target;
use crate::doc::Network;
use crate::domain::{sort_record, InterviewId, RecordEntry};
use crate::view::{Answer, Query, Settings};

impl Replica {
    /// What `query` asks, as the network is now, with the typing in progress.
    pub fn answer(&self, query: &Query) -> Answer {
        let network = &self.network;
        match query {
            Query::Person(id) => Answer::Person(network.person(id).ok().flatten()),
            Query::Interview(id) => {
                Answer::Interview(network.interview(id).ok().flatten().map(|mut interview| {
                    self.overlay_typing(id, &mut interview);
                    interview
                }))
            }
            Query::Field(id) => Answer::Field(network.field(id).ok().flatten()),
            Query::Settings => Answer::Settings(Settings {
                profile: network.profile(),
                templates: network.templates(),
                own_questions: network.own_questions(),
            }),
            Query::Research(org) => Answer::Research(
                self.typed(&Target::Research(org.clone()))
                    .unwrap_or_else(|| network.organisation(org).research),
            ),
            Query::RecordEntry(id) => Answer::RecordEntry(record_entry(network, id)),
            Query::Record => Answer::Record(record_entries(network)),
            Query::People => Answer::People(network.people().0),
            Query::Interviews => Answer::Interviews(network.interviews()),
            Query::StoredChars => Answer::StoredChars(self.store.stored_chars()),
        }
    }
}

/// Every held interview as a record entry, oldest first.
fn record_entries(network: &Network) -> Vec<RecordEntry> {
    let mut entries: Vec<RecordEntry> = network
        .interview_outlines()
        .into_iter()
        .filter(|(_, outline)| outline.held_at.is_some())
        .filter_map(|(id, _)| record_entry(network, &id))
        .collect();
    sort_record(&mut entries);
    entries
}

fn record_entry(network: &Network, id: &InterviewId) -> Option<RecordEntry> {
    let i = network.interview(id).ok().flatten()?;
    let date = i.met_at()?;
    let person = network.person(&i.person).ok().flatten().unwrap_or_default();
    let field = network
        .field(&i.field)
        .ok()
        .flatten()
        .map(|f| f.name)
        .unwrap_or_default();
    let referrals = i
        .referrals
        .iter()
        .filter_map(|r| network.person(r).ok().flatten().map(|p| p.name))
        .collect();
    let answers = i
        .prep
        .questions
        .iter()
        .filter(|q| q.asked || !q.answer.is_empty())
        .map(|q| (q.text.clone(), q.answer.clone()))
        .collect();
    Some(RecordEntry {
        interview: id.clone(),
        date: i.meeting.at.unwrap_or(date),
        person: person.name,
        role: person.role,
        organisation: person.organisation,
        field,
        notes: i.notes,
        answers,
        referrals,
        thanked_at: i.thank_you.sent_at,
        reflection: i.reflection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::store::{CompactionPolicy, KeyValue, MemoryKv, Store};
    use crate::doc::Command;
    use crate::domain::{Field, FieldId, Interview, InterviewText, Person, PersonId};
    use crate::view::Answer;

    fn open(kv: &MemoryKv) -> Replica {
        let policy = CompactionPolicy {
            max_chunks: 4,
            min_chunk_bytes: 1024,
        };
        let opened = Store::open(Box::new(kv.clone()) as Box<dyn KeyValue>, "t1", policy).unwrap();
        Replica::open(opened, None, 0).0
    }

    fn person(name: &str, referred_by: Option<&str>) -> Command {
        Command::PutPerson {
            id: PersonId::from(name),
            person: Person {
                name: name.into(),
                organisation: "Acme".into(),
                referred_by: referred_by.map(PersonId::from),
                ..Person::default()
            },
        }
    }

    fn held(person: &str, at: i64) -> Interview {
        Interview {
            person: PersonId::from(person),
            field: FieldId::from("f"),
            held_at: Some(at),
            notes: format!("met {person}"),
            ..Interview::default()
        }
    }

    #[test]
    fn answers_follow_commands() {
        let kv = MemoryKv::default();
        let mut tab = open(&kv);
        let ada = Query::Person(PersonId::from("Ada"));
        assert_eq!(tab.answer(&ada), Answer::Person(None));
        let chars = |tab: &Replica| match tab.answer(&Query::StoredChars) {
            Answer::StoredChars(n) => n,
            other => panic!("{other:?}"),
        };
        let before = chars(&tab);
        tab.run(&person("Ada", None), 1).unwrap();
        let Answer::Person(Some(stored)) = tab.answer(&ada) else {
            panic!("Ada is not answered");
        };
        assert_eq!(stored.name, "Ada");
        assert!(chars(&tab) > before);
        let field = Field {
            name: "Robotics".into(),
            ..Field::default()
        };
        let put_field = Command::PutField {
            id: FieldId::from("f"),
            field: field.clone(),
        };
        tab.run(&put_field, 2).unwrap();
        assert_eq!(
            tab.answer(&Query::Field(FieldId::from("f"))),
            Answer::Field(Some(field))
        );
        tab.run(
            &Command::DeletePerson {
                id: PersonId::from("Ada"),
            },
            3,
        )
        .unwrap();
        assert_eq!(tab.answer(&ada), Answer::Person(None));
    }

    #[test]
    fn the_record_names_people_fields_and_referrals_in_its_order() {
        let kv = MemoryKv::default();
        let mut tab = open(&kv);
        for command in [
            person("Ada", None),
            person("Bo", None),
            person("Cy", Some("Bo")),
            Command::PutField {
                id: FieldId::from("f"),
                field: Field {
                    name: "Robotics".into(),
                    ..Field::default()
                },
            },
        ] {
            tab.run(&command, 1).unwrap();
        }
        let mut later = held("Bo", 2_000);
        later.referrals = vec![PersonId::from("Cy")];
        let planned = Interview {
            held_at: None,
            ..held("Cy", 0)
        };
        for (id, interview) in [
            ("i-late", later),
            ("i-early", held("Ada", 1_000)),
            ("i-plan", planned),
        ] {
            let command = Command::PutInterview {
                id: InterviewId::from(id),
                interview,
            };
            tab.run(&command, 3).unwrap();
        }
        let Answer::Record(entries) = tab.answer(&Query::Record) else {
            panic!("no record");
        };
        let shown: Vec<_> = entries
            .iter()
            .map(|e| (e.person.as_str(), e.field.as_str(), e.referrals.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Ada", "Robotics", vec![]),
                ("Bo", "Robotics", vec!["Cy".to_owned()])
            ]
        );
        let one = tab.answer(&Query::RecordEntry(InterviewId::from("i-late")));
        assert_eq!(one, Answer::RecordEntry(Some(entries[1].clone())));
        let unheld = tab.answer(&Query::RecordEntry(InterviewId::from("i-plan")));
        assert_eq!(unheld, Answer::RecordEntry(None));
    }

    #[test]
    fn answers_show_what_is_being_typed() {
        let kv = MemoryKv::default();
        let mut tab = open(&kv);
        let id = InterviewId::from("i");
        let put = Command::PutInterview {
            id: id.clone(),
            interview: held("Ada", 1_000),
        };
        tab.run(&put, 1).unwrap();
        let notes = Target::Interview(id.clone(), InterviewText::Notes);
        tab.type_text(notes, "typed, not committed".into(), 2)
            .unwrap();
        let Answer::Interview(Some(interview)) = tab.answer(&Query::Interview(id)) else {
            panic!("no interview");
        };
        assert_eq!(interview.notes, "typed, not committed");
        let research = Target::Research("Acme".into());
        tab.type_text(research, "robots".into(), 3).unwrap();
        assert_eq!(
            tab.answer(&Query::Research("Acme".into())),
            Answer::Research("robots".into())
        );
        assert_eq!(
            tab.answer(&Query::Research("Initech".into())),
            Answer::Research(String::new())
        );
    }
}
