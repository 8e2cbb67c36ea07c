//! Every change the screens make to a network, as data. `Network::run` applies one as one
//! Automerge change.
//!
//! Screens say what they want changed; reading what is stored, filling in what follows from it
//! (who suggested a referral, an import's merges) and writing it happen here, in one place,
//! tested natively. Typing into a text is not a command: it goes through `doc::typing`.

use super::{DocError, Network};
use crate::domain::{
    Acquaintance, Field, FieldId, Interview, InterviewId, Objective, OwnQuestion, Person, PersonId,
    Profile, Templates,
};
use crate::exchange::merge::Plan;

// One is made per tap or form sent, and dropped once run: its size doesn't matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Command {
    /// Adds or replaces a person.
    PutPerson { id: PersonId, person: Person },
    /// Adds or replaces a field of interest.
    PutField { id: FieldId, field: Field },
    /// Moves a field's objective; a field no longer in the network is left alone.
    SetObjective {
        field: FieldId,
        objective: Objective,
    },
    /// Adds or replaces an interview; only what differs is written.
    PutInterview {
        id: InterviewId,
        interview: Interview,
    },
    /// Adds someone the person interviewed suggested: referred by them, linked to the
    /// interview, and noted as suggested by them.
    AddReferral {
        interview: InterviewId,
        id: PersonId,
        name: String,
        organisation: String,
    },
    /// Saves the profile and the templates together.
    PutSettings {
        profile: Profile,
        templates: Templates,
    },
    /// Adds a question to the user's own bank.
    PutQuestion { id: String, question: OwnQuestion },
    /// Writes an import's new and merged people, resolved against the network as it is now.
    Import(Plan),
}

impl Command {
    /// The interview the command writes, whose outline it changes.
    pub fn interview(&self) -> Option<&InterviewId> {
        match self {
            Command::PutInterview { id, .. } => Some(id),
            Command::AddReferral { interview, .. } => Some(interview),
            _ => None,
        }
    }
}

impl Network {
    /// Brings `outlines` (as [`Network::interview_outlines`] reads them, in the document's
    /// order) up to date after `id` was written, reading that one interview only.
    pub fn refresh_outline(&self, outlines: &mut Vec<(InterviewId, Interview)>, id: &InterviewId) {
        let at = outlines.binary_search_by(|(other, _)| other.as_str().cmp(id.as_str()));
        match (at, self.interview_outline(id)) {
            (Ok(at), Some(outline)) => outlines[at].1 = outline,
            (Err(at), Some(outline)) => outlines.insert(at, (id.clone(), outline)),
            (Ok(at), None) => {
                outlines.remove(at);
            }
            (Err(_), None) => {}
        }
    }

    /// Applies a command as one change (none when it changes nothing) and returns the people
    /// it wrote, as stored, whose lines in the people list are then out of date.
    pub fn run(
        &mut self,
        command: &Command,
        now: i64,
    ) -> Result<Vec<(PersonId, Person)>, DocError> {
        match command {
            Command::PutPerson { id, person } => {
                self.put_person(id, person, now)?;
                Ok(vec![(id.clone(), person.clone())])
            }
            Command::PutField { id, field } => {
                self.put_field(id, field, now)?;
                Ok(Vec::new())
            }
            Command::SetObjective { field, objective } => {
                if let Some(mut stored) = self.field(field)? {
                    if stored.objective != *objective {
                        stored.objective = *objective;
                        self.put_field(field, &stored, now)?;
                    }
                }
                Ok(Vec::new())
            }
            Command::PutInterview { id, interview } => {
                self.put_interview(id, interview, now)?;
                Ok(Vec::new())
            }
            Command::AddReferral {
                interview,
                id,
                name,
                organisation,
            } => {
                let interviewee = self
                    .interview(interview)?
                    .ok_or_else(|| {
                        DocError::Layout("that interview is no longer in the network".into())
                    })?
                    .person;
                let interviewee_name = self
                    .person(&interviewee)?
                    .map(|p| p.name)
                    .unwrap_or_default();
                let person = Person {
                    name: name.trim().to_owned(),
                    organisation: organisation.trim().to_owned(),
                    acquaintance: Acquaintance::Referred,
                    referred_by: Some(interviewee),
                    how_we_know: format!("Suggested by {interviewee_name}"),
                    created_at: now,
                    updated_at: now,
                    ..Person::default()
                };
                self.add_referrals(interview, &[(id.clone(), person.clone())], now)?;
                Ok(vec![(id.clone(), person)])
            }
            Command::PutSettings { profile, templates } => {
                self.put_settings(profile, templates, now)?;
                Ok(Vec::new())
            }
            Command::PutQuestion { id, question } => {
                self.put_question(id, question, now)?;
                Ok(Vec::new())
            }
            Command::Import(plan) => {
                let people = plan.people(
                    now,
                    |id| self.person(id).ok().flatten(),
                    |id| self.referrer_of(id),
                );
                if !people.is_empty() {
                    self.put_people(&people, now)?;
                }
                Ok(people)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Category;
    use crate::exchange::{merge, Contact};
    use proptest::prelude::*;

    fn person(name: &str) -> Person {
        Person {
            name: name.into(),
            ..Person::default()
        }
    }

    /// Runs a command and counts the changes it made.
    fn run(net: &mut Network, command: Command) -> (Vec<PersonId>, usize) {
        let heads = net.heads();
        let written = net.run(&command, 7).unwrap();
        // What `run` says it wrote is what is stored.
        for (id, person) in &written {
            assert_eq!(net.person(id).unwrap().as_ref(), Some(person));
        }
        let ids = written.into_iter().map(|(id, _)| id).collect();
        (ids, net.changes_after(&heads))
    }

    #[test]
    fn put_person_writes_one_change_and_names_the_person() {
        let mut net = Network::new();
        let id = PersonId::from("p1");
        let (written, changes) = run(
            &mut net,
            Command::PutPerson {
                id: id.clone(),
                person: person("Ada"),
            },
        );
        assert_eq!((written, changes), (vec![id.clone()], 1));
        assert_eq!(net.person(&id).unwrap().unwrap().name, "Ada");
    }

    #[test]
    fn set_objective_changes_only_the_objective_and_skips_a_missing_field() {
        let mut net = Network::new();
        let id = FieldId::from("f1");
        let field = Field {
            name: "Speech tech".into(),
            objective: Objective::General,
            created_at: 1,
        };
        net.run(
            &Command::PutField {
                id: id.clone(),
                field: field.clone(),
            },
            1,
        )
        .unwrap();
        let (_, changes) = run(
            &mut net,
            Command::SetObjective {
                field: id.clone(),
                objective: Objective::Specific,
            },
        );
        assert_eq!(changes, 1);
        let stored = net.field(&id).unwrap().unwrap();
        assert_eq!(stored.objective, Objective::Specific);
        assert_eq!(stored.name, field.name);

        // The same objective again, and a field that is gone: nothing to write.
        let (_, same) = run(
            &mut net,
            Command::SetObjective {
                field: id,
                objective: Objective::Specific,
            },
        );
        let (_, gone) = run(
            &mut net,
            Command::SetObjective {
                field: FieldId::from("gone"),
                objective: Objective::General,
            },
        );
        assert_eq!((same, gone), (0, 0));
    }

    #[test]
    fn a_referral_is_suggested_by_the_person_interviewed() {
        let mut net = Network::new();
        let lena = PersonId::from("lena");
        net.put_person(&lena, &person("Lena Ortiz"), 1).unwrap();
        let interview = InterviewId::from("i1");
        net.put_interview(
            &interview,
            &Interview::new(lena.clone(), FieldId::from("f"), 1),
            1,
        )
        .unwrap();
        let bo = PersonId::from("bo");
        let (written, changes) = run(
            &mut net,
            Command::AddReferral {
                interview: interview.clone(),
                id: bo.clone(),
                name: "  Bo Chen ".into(),
                organisation: "Acme ".into(),
            },
        );
        assert_eq!((written, changes), (vec![bo.clone()], 1));
        let stored = net.person(&bo).unwrap().unwrap();
        assert_eq!(stored.name, "Bo Chen");
        assert_eq!(stored.organisation, "Acme");
        assert_eq!(stored.how_we_know, "Suggested by Lena Ortiz");
        assert_eq!(stored.acquaintance, Acquaintance::Referred);
        assert_eq!(stored.referred_by, Some(lena));
        assert_eq!((stored.created_at, stored.updated_at), (7, 7));
        assert!(net
            .interview(&interview)
            .unwrap()
            .unwrap()
            .referrals
            .contains(&bo));

        // An interview deleted meanwhile: the referral is refused, nothing is written.
        let heads = net.heads();
        assert!(net
            .run(
                &Command::AddReferral {
                    interview: InterviewId::from("gone"),
                    id: PersonId::from("cy"),
                    name: "Cy".into(),
                    organisation: String::new(),
                },
                8,
            )
            .is_err());
        assert_eq!(net.changes_after(&heads), 0);
        assert!(!net.contains_person(&PersonId::from("cy")));
    }

    #[test]
    fn settings_are_one_change() {
        let mut net = Network::new();
        let profile = Profile {
            name: "Sam".into(),
            ..Profile::default()
        };
        let templates = Templates {
            request: "Hi {name}".into(),
            thank_you: "Thanks {name}".into(),
        };
        let (_, changes) = run(
            &mut net,
            Command::PutSettings {
                profile: profile.clone(),
                templates: templates.clone(),
            },
        );
        assert_eq!(changes, 1);
        assert_eq!(net.profile(), profile);
        assert_eq!(net.templates(), templates);
    }

    #[test]
    fn questions_are_kept() {
        let mut net = Network::new();
        let question = OwnQuestion {
            text: "What surprised you most?".into(),
            category: Category::Advice,
            created_at: 3,
        };
        run(
            &mut net,
            Command::PutQuestion {
                id: "q1".into(),
                question: question.clone(),
            },
        );
        assert_eq!(net.own_questions(), vec![("q1".to_owned(), question)]);
    }

    #[test]
    fn an_import_merges_into_the_network_as_it_is_and_names_who_it_wrote() {
        let mut net = Network::new();
        let ada = PersonId::from("ada");
        let mut stored = person("Ada Lovelace");
        stored.email = "ada@example.org".into();
        net.put_person(&ada, &stored, 1).unwrap();
        let contacts = vec![
            Contact {
                name: "Ada Lovelace".into(),
                emails: vec!["ada@example.org".into()],
                phones: vec!["+44 20 7946 0000".into()],
                ..Contact::default()
            },
            Contact {
                name: "Grace Hopper".into(),
                ..Contact::default()
            },
        ];
        let plan = merge::plan(&net.identities(), contacts, |id| {
            net.person(id).ok().flatten()
        });
        let (written, changes) = run(&mut net, Command::Import(plan.clone()));
        assert_eq!(changes, 1);
        assert_eq!(written.len(), 2);
        assert!(written.contains(&ada));
        assert_eq!(net.len(), 2);
        assert_eq!(net.person(&ada).unwrap().unwrap().phone, "+44 20 7946 0000");

        // The same plan run again is resolved against the network as it is now: Ada has
        // nothing new to take, and Grace, planned as new, is written as she is (no change).
        let (again, changes) = run(&mut net, Command::Import(plan));
        let grace: Vec<PersonId> = written.iter().filter(|id| **id != ada).cloned().collect();
        assert_eq!(again, grace);
        assert_eq!(changes, 0);
        assert_eq!(net.len(), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Outlines kept up to date one command at a time match the outlines read afresh,
        /// whatever the ids, the order and the steps taken.
        #[test]
        fn outlines_kept_current_match_a_fresh_read(
            steps in proptest::collection::vec((0usize..6, 0u8..6, 0i64..1_000), 1..24)
        ) {
            // Ids that sort differently as bytes and as people read them.
            const IDS: [&str; 6] = ["b", "a", "Z", "a-1", "é", "10"];
            let mut net = Network::new();
            let someone = PersonId::from("p");
            net.put_person(&someone, &person("Lena"), 1).unwrap();
            let mut outlines = net.interview_outlines();
            for (n, (which, step, at)) in steps.into_iter().enumerate() {
                let id = InterviewId::from(IDS[which]);
                let mut interview = net
                    .interview(&id)
                    .unwrap()
                    .unwrap_or_else(|| Interview::new(someone.clone(), FieldId::from("f"), at));
                let command = match step {
                    0 => {
                        let _ = interview.send_request(at);
                        Command::PutInterview { id, interview }
                    }
                    1 => {
                        let _ = interview.mark_held(at);
                        Command::PutInterview { id, interview }
                    }
                    2 => {
                        interview.notes.push_str("typed ");
                        let _ = interview.mark_thanked(at);
                        Command::PutInterview { id, interview }
                    }
                    3 => {
                        interview.meeting.at = Some(at);
                        interview.meeting.minutes = 20 + at as u32 % 20;
                        Command::PutInterview { id, interview }
                    }
                    4 if net.interview(&id).unwrap().is_some() => Command::AddReferral {
                        interview: id,
                        id: PersonId::from(format!("r{n}")),
                        name: format!("Referral {n}"),
                        organisation: String::new(),
                    },
                    _ => Command::PutField {
                        id: FieldId::from("f"),
                        field: Field::default(),
                    },
                };
                net.run(&command, at).unwrap();
                if let Some(id) = command.interview() {
                    net.refresh_outline(&mut outlines, id);
                }
                prop_assert_eq!(&outlines, &net.interview_outlines());
            }
        }
    }
}
