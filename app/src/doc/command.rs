//! Every change the screens make to a network, as data. `Network::run` applies one as one
//! Automerge change.
//!
//! Screens say what they want changed; reading what is stored, filling in what follows from it
//! (who suggested a referral, an import's merges) and writing it happen here, in one place,
//! tested natively. Typing into a text is not a command: it goes through `doc::typing`.

use super::network::{RecordKeys, Records};
use super::{DocError, Network};
use crate::domain::{
    Acquaintance, Field, FieldId, Interview, InterviewId, Objective, OwnQuestion, Person, PersonId,
    Profile, Templates,
};
use crate::exchange::merge::{Choice, Plan};

// One is made per tap or form sent, and dropped once run: its size doesn't matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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
    /// Changes an interview as a page changed its copy `from` into `to`: only what differs
    /// between the two is written, over the interview as it is when the command runs, so what
    /// changed since the page read it (another device's edit, a text committed) stays.
    ChangeInterview {
        id: InterviewId,
        from: Interview,
        to: Interview,
    },
    /// Adds someone the person interviewed suggested: referred by them, linked to the
    /// interview, noted as suggested by them, and with an interview about the same field to
    /// ask for (`plan`), so the name reaches "what's next".
    AddReferral {
        interview: InterviewId,
        id: PersonId,
        name: String,
        organisation: String,
        plan: InterviewId,
    },
    /// Saves the profile and the templates together.
    PutSettings {
        profile: Profile,
        templates: Templates,
    },
    /// Adds a question to the user's own bank.
    PutQuestion { id: String, question: OwnQuestion },
    /// Writes an import's new and merged people, resolved against the network as it is when
    /// it runs (so a plan kept while the page is left still merges rightly).
    Import(Plan),
    /// Reads a file of contacts (its name and text) and writes it as `Import` does, planned
    /// against the network as it is when it runs, with the preview's choices for its possible
    /// duplicates (by index). Kept as the file itself: quick to keep, whatever its size.
    ImportFile {
        name: String,
        text: String,
        choices: Vec<(usize, Choice)>,
    },
    /// Removes a person and the interviews with them; the people they referred stay, no longer
    /// linked to them.
    DeletePerson { id: PersonId },
    /// Removes an interview; the person stays.
    DeleteInterview { id: InterviewId },
    /// Removes a field of interest; its interviews stay, in no field.
    DeleteField { id: FieldId },
    /// Takes someone off the people an interview's person suggested: out of the network too,
    /// unless an interview with them has been planned.
    RemoveReferral {
        interview: InterviewId,
        person: PersonId,
    },
    /// Puts records back as they were: the undo of another command (and the redo of an undo).
    Restore(Records),
}

/// What running a command did.
#[derive(Debug, Default)]
pub struct Ran {
    /// The people it wrote, or removed (`None`): their lines in the people list are out of date.
    pub people: Vec<(PersonId, Option<Person>)>,
    /// The interviews it wrote or removed: their outlines are out of date.
    pub interviews: Vec<InterviewId>,
    /// The command that takes it back, for the commands that can be taken back.
    pub undo: Option<Command>,
}

impl Command {
    /// The interview the command writes, whose outline it changes.
    pub fn interview(&self) -> Option<&InterviewId> {
        match self {
            Command::PutInterview { id, .. } | Command::ChangeInterview { id, .. } => Some(id),
            Command::AddReferral { interview, .. } => Some(interview),
            _ => None,
        }
    }
}

/// `now` with what differs between `from` and `to` made as in `to`: a three-way merge of
/// records, field by field down to the plain values (a list that differs is taken whole).
fn changed_as<T>(from: &T, to: &T, now: &T) -> Result<T, serde_json::Error>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    use serde_json::Value;
    fn merge(from: &Value, to: &Value, now: &mut Value) {
        match (from, to, now) {
            (from, to, _) if from == to => {}
            (Value::Object(from), Value::Object(to), Value::Object(now)) => {
                for (key, value) in to {
                    match (from.get(key), now.get_mut(key)) {
                        (Some(was), Some(is)) => merge(was, value, is),
                        _ => {
                            now.insert(key.clone(), value.clone());
                        }
                    }
                }
                for key in from.keys().filter(|key| !to.contains_key(*key)) {
                    now.remove(key);
                }
            }
            (_, to, now) => *now = to.clone(),
        }
    }
    // Through JSON text, which the app writes and reads every record as anyway: a
    // `serde_json::Value` serializer for them would add ~13 KB to a first visit.
    let value = |record: &T| {
        serde_json::to_string(record).and_then(|text| serde_json::from_str::<Value>(&text))
    };
    let mut merged = value(now)?;
    merge(&value(from)?, &value(to)?, &mut merged);
    serde_json::from_str(&serde_json::to_string(&merged)?)
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

    /// Applies a command as one change (none when it changes nothing): what it wrote, and how
    /// to take it back.
    pub fn run(&mut self, command: &Command, now: i64) -> Result<Ran, DocError> {
        let Some(keys) = self.touches(command)? else {
            let people = self.carry_out(command, now)?;
            return Ok(Ran {
                people: people.into_iter().map(|(id, p)| (id, Some(p))).collect(),
                interviews: command.interview().cloned().into_iter().collect(),
                undo: None,
            });
        };
        let before = self.records(&keys)?;
        self.carry_out(command, now)?;
        let after = self.records(&keys)?;
        let undo = (after != before).then_some(Command::Restore(before));
        Ok(Ran {
            people: after.people,
            interviews: keys.interviews,
            undo,
        })
    }

    /// The interviews with a person.
    fn interviews_with(&self, person: &PersonId) -> Vec<InterviewId> {
        self.interview_outlines()
            .into_iter()
            .filter(|(_, i)| &i.person == person)
            .map(|(id, _)| id)
            .collect()
    }

    /// The records a command may change, when it can be taken back.
    fn touches(&self, command: &Command) -> Result<Option<RecordKeys>, DocError> {
        let mut keys = RecordKeys::default();
        match command {
            Command::PutPerson { id, .. } => keys.people.push(id.clone()),
            Command::PutField { id, .. } => keys.fields.push(id.clone()),
            Command::SetObjective { field, .. } => keys.fields.push(field.clone()),
            Command::PutInterview { id, .. }
            | Command::ChangeInterview { id, .. }
            | Command::DeleteInterview { id } => keys.interviews.push(id.clone()),
            Command::AddReferral {
                interview,
                id,
                plan,
                ..
            } => {
                keys.interviews.extend([interview.clone(), plan.clone()]);
                keys.people.push(id.clone());
            }
            Command::RemoveReferral { interview, person } => {
                keys.interviews.push(interview.clone());
                keys.interviews.extend(self.interviews_with(person));
                keys.people.push(person.clone());
            }
            Command::DeletePerson { id } => {
                keys.people.push(id.clone());
                keys.people.extend(self.people_referred_by(id));
                keys.interviews.extend(self.interviews_with(id));
            }
            Command::DeleteField { id } => {
                keys.fields.push(id.clone());
                keys.interviews.extend(
                    self.interview_outlines()
                        .into_iter()
                        .filter(|(_, i)| &i.field == id)
                        .map(|(interview, _)| interview),
                );
            }
            Command::Restore(records) => keys = records.keys(),
            Command::PutSettings { .. }
            | Command::PutQuestion { .. }
            | Command::Import(_)
            | Command::ImportFile { .. } => return Ok(None),
        }
        Ok(Some(keys))
    }

    /// Runs a command; returns the people it wrote, as stored.
    fn carry_out(
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
            Command::ChangeInterview { id, from, to } => {
                let stored = self.interview(id)?.ok_or_else(|| {
                    DocError::Layout("that interview is no longer in the network".into())
                })?;
                let changed = changed_as(from, to, &stored).map_err(|e| {
                    DocError::Layout(format!("the change doesn't fit the interview: {e}"))
                })?;
                self.put_interview(id, &changed, now)?;
                Ok(Vec::new())
            }
            Command::AddReferral {
                interview,
                id,
                name,
                organisation,
                plan,
            } => {
                let mut stored = self.interview(interview)?.ok_or_else(|| {
                    DocError::Layout("that interview is no longer in the network".into())
                })?;
                let interviewee = stored.person.clone();
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
                stored.add_referral(id.clone());
                let ask = Interview::new(id.clone(), stored.field.clone(), now);
                self.put_records(
                    &Records {
                        people: vec![(id.clone(), Some(person.clone()))],
                        interviews: vec![
                            (interview.clone(), Some(stored)),
                            (plan.clone(), Some(ask)),
                        ],
                        fields: Vec::new(),
                    },
                    now,
                )?;
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
            Command::ImportFile {
                name,
                text,
                choices,
            } => {
                let read = crate::exchange::read_text(name, text);
                let contacts = read.map_err(|e| DocError::File(e.to_string()))?.contacts;
                let mut plan = self.plan_import(contacts);
                plan.choose(choices);
                self.carry_out(&Command::Import(plan), now)
            }
            Command::DeletePerson { id } => {
                let mut records = Records::default();
                let name = self.person(id)?.map(|p| p.name).unwrap_or_default();
                for referred in self.people_referred_by(id) {
                    if let Some(mut person) = self.person(&referred)? {
                        person.referred_by = None;
                        // Who suggested them stays written down.
                        if !name.is_empty() && !person.how_we_know.contains(&name) {
                            person.how_we_know = match person.how_we_know.trim() {
                                "" => format!("Suggested by {name}"),
                                how => format!("Suggested by {name}; {how}"),
                            };
                        }
                        records.people.push((referred, Some(person)));
                    }
                }
                records.people.push((id.clone(), None));
                for (interview, outline) in self.interview_outlines() {
                    if &outline.person == id {
                        records.interviews.push((interview, None));
                    }
                }
                self.put_records(&records, now)?;
                Ok(Vec::new())
            }
            Command::DeleteInterview { id } => {
                let records = Records {
                    interviews: vec![(id.clone(), None)],
                    ..Records::default()
                };
                self.put_records(&records, now)?;
                Ok(Vec::new())
            }
            Command::DeleteField { id } => {
                let mut records = Records {
                    fields: vec![(id.clone(), None)],
                    ..Records::default()
                };
                for (interview, outline) in self.interview_outlines() {
                    if &outline.field == id {
                        if let Some(mut whole) = self.interview(&interview)? {
                            whole.field = FieldId::default();
                            records.interviews.push((interview, Some(whole)));
                        }
                    }
                }
                self.put_records(&records, now)?;
                Ok(Vec::new())
            }
            Command::RemoveReferral { interview, person } => {
                let mut records = Records::default();
                match self.interview(interview)? {
                    Some(mut stored) if stored.referrals.contains(person) => {
                        stored.referrals.retain(|p| p != person);
                        records.interviews.push((interview.clone(), Some(stored)));
                    }
                    // Not (or no longer) a referral of that interview: nothing to take off.
                    _ => return Ok(Vec::new()),
                }
                // Only the name was collected (nothing asked yet): it goes, with the request
                // that was waiting to be sent. Once asked, they stay in the network.
                let theirs = self.interviews_with(person);
                let untouched = theirs.iter().all(|id| {
                    self.interview_outline(id)
                        .is_none_or(|i| i.stage() == crate::domain::Stage::Idea)
                });
                if untouched {
                    records.people.push((person.clone(), None));
                    records
                        .interviews
                        .extend(theirs.into_iter().map(|id| (id, None)));
                }
                self.put_records(&records, now)?;
                Ok(Vec::new())
            }
            Command::Restore(records) => {
                self.put_records(records, now)?;
                Ok(Vec::new())
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
        let written = net.run(&command, 7).unwrap().people;
        // What `run` says it wrote is what is stored.
        for (id, person) in &written {
            assert_eq!(&net.person(id).unwrap(), person);
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
    fn a_change_from_a_copy_behind_the_network_writes_only_what_it_changed() {
        let mut net = Network::new();
        let id = InterviewId::from("i1");
        let read = Interview::new(PersonId::from("p"), FieldId::from("f"), 1);
        net.put_interview(&id, &read, 1).unwrap();
        // Written after the page read its copy: text committed, and a note from elsewhere.
        let mut stored = read.clone();
        stored.reflection.liked = "The mix of linguistics and code.".into();
        stored.notes = "Ada moved into speech.".into();
        net.put_interview(&id, &stored, 2).unwrap();
        // The page takes a step on its copy, and types the last answer into it.
        let mut to = read.clone();
        to.reflection.talk_to_next = "Grace and Bo.".into();
        to.reflection.written_at = Some(3);
        let (_, changes) = run(
            &mut net,
            Command::ChangeInterview {
                id: id.clone(),
                from: read.clone(),
                to: to.clone(),
            },
        );
        assert_eq!(changes, 1);
        let now = net.interview(&id).unwrap().unwrap();
        assert_eq!(now.reflection.liked, "The mix of linguistics and code.");
        assert_eq!(now.reflection.talk_to_next, "Grace and Bo.");
        assert_eq!(now.reflection.written_at, Some(3));
        assert_eq!(now.notes, "Ada moved into speech.");
        // A change to an interview deleted meanwhile is refused, and writes nothing back.
        net.run(&Command::DeleteInterview { id: id.clone() }, 4)
            .unwrap();
        let refused = net.run(
            &Command::ChangeInterview {
                id: id.clone(),
                from: read,
                to,
            },
            5,
        );
        assert!(refused.is_err());
        assert_eq!(net.interview(&id).unwrap(), None);
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
                plan: InterviewId::from("ask-bo"),
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
        // Their name reaches "what's next": a request to send, about the same field.
        let ask = net
            .interview(&InterviewId::from("ask-bo"))
            .unwrap()
            .unwrap();
        assert_eq!((&ask.person, &ask.field), (&bo, &FieldId::from("f")));
        assert_eq!(ask.stage(), crate::domain::Stage::Idea);

        // Taking the name back takes the waiting request with it.
        let ran = net
            .run(
                &Command::RemoveReferral {
                    interview: interview.clone(),
                    person: bo.clone(),
                },
                9,
            )
            .unwrap();
        assert!(!net.contains_person(&bo));
        assert_eq!(net.interview(&InterviewId::from("ask-bo")).unwrap(), None);
        net.run(&ran.undo.unwrap(), 10).unwrap();
        assert!(net.contains_person(&bo));

        // An interview deleted meanwhile: the referral is refused, nothing is written.
        let heads = net.heads();
        assert!(net
            .run(
                &Command::AddReferral {
                    interview: InterviewId::from("gone"),
                    id: PersonId::from("cy"),
                    name: "Cy".into(),
                    organisation: String::new(),
                    plan: InterviewId::from("ask-cy"),
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
                        plan: InterviewId::from(format!("ask-{n}")),
                    },
                    5 if at % 3 == 0 => Command::DeleteInterview { id },
                    _ => Command::PutField {
                        id: FieldId::from("f"),
                        field: Field::default(),
                    },
                };
                let ran = net.run(&command, at).unwrap();
                for id in &ran.interviews {
                    net.refresh_outline(&mut outlines, id);
                }
                prop_assert_eq!(&outlines, &net.interview_outlines());
            }
        }

        /// Whatever the user did before, a change and then its undo leave the network as it
        /// was (people, interviews, fields), and undoing the undo makes the change again.
        #[test]
        fn undo_takes_any_change_back_and_redo_makes_it_again(
            steps in proptest::collection::vec((0usize..8, 0usize..4, 0usize..4), 1..16)
        ) {
            let mut net = Network::new();
            for (n, (kind, a, b)) in steps.into_iter().enumerate() {
                let command = some_command(&net, n, kind, a, b);
                let before = everything(&net);
                let ran = net.run(&command, n as i64).unwrap();
                let after = everything(&net);
                let Some(undo) = ran.undo else {
                    prop_assert_eq!(&after, &before, "{:?} changed the network with no undo", command);
                    continue;
                };
                let undone = net.run(&undo, n as i64).unwrap();
                prop_assert_eq!(&everything(&net), &before, "undoing {:?}", command);
                let redo = undone.undo.expect("an undo can be undone");
                net.run(&redo, n as i64).unwrap();
                prop_assert_eq!(&everything(&net), &after, "redoing {:?}", command);
            }
        }
    }

    type Everything = (
        Vec<(PersonId, Person)>,
        Vec<(InterviewId, Interview)>,
        Vec<(FieldId, Field)>,
    );

    fn everything(net: &Network) -> Everything {
        let mut interviews = net.interviews();
        interviews.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        (net.people().0, interviews, net.fields())
    }

    /// A command of each kind that can be undone, on a few ids so they meet.
    fn some_command(net: &Network, n: usize, kind: usize, a: usize, b: usize) -> Command {
        let person_id = PersonId::from(format!("p{a}"));
        let interview_id = InterviewId::from(format!("i{b}"));
        let field_id = FieldId::from(format!("f{}", a % 2));
        match kind {
            0 => Command::PutPerson {
                id: person_id.clone(),
                person: Person {
                    notes: format!("note {n}"),
                    referred_by: (b > 0).then(|| PersonId::from(format!("p{}", b - 1))),
                    ..person(&format!("Person {a} v{n}"))
                },
            },
            1 => Command::PutInterview {
                id: interview_id.clone(),
                interview: {
                    let mut interview = net
                        .interview(&interview_id)
                        .unwrap()
                        .unwrap_or_else(|| Interview::new(person_id.clone(), field_id.clone(), 1));
                    interview.notes.push_str(&format!(" typed {n}"));
                    let _ = interview.send_request(n as i64);
                    interview
                },
            },
            2 => Command::PutField {
                id: field_id.clone(),
                field: Field {
                    name: format!("Field {n}"),
                    ..Field::default()
                },
            },
            3 => Command::DeletePerson { id: person_id },
            4 => Command::DeleteInterview { id: interview_id },
            5 => Command::DeleteField { id: field_id },
            6 => match net.interview(&interview_id).unwrap() {
                Some(_) => Command::AddReferral {
                    interview: interview_id,
                    id: PersonId::from(format!("p{a}")),
                    name: format!("Referral {n}"),
                    organisation: "Acme".into(),
                    plan: InterviewId::from(format!("ask-{b}")),
                },
                None => Command::SetObjective {
                    field: field_id,
                    objective: Objective::Specific,
                },
            },
            _ => Command::RemoveReferral {
                interview: interview_id,
                person: person_id,
            },
        }
    }

    #[test]
    fn deleting_a_person_takes_their_interviews_and_leaves_whom_they_referred() {
        let mut net = Network::new();
        let (ana, bo, cy) = (
            PersonId::from("ana"),
            PersonId::from("bo"),
            PersonId::from("cy"),
        );
        net.put_person(&ana, &person("Ana Lima"), 1).unwrap();
        let referred = Person {
            referred_by: Some(ana.clone()),
            acquaintance: Acquaintance::Referred,
            how_we_know: "Suggested by Ana Lima".into(),
            ..person("Bo Chen")
        };
        net.put_person(&bo, &referred, 1).unwrap();
        net.put_person(&cy, &person("Cy Park"), 1).unwrap();
        let (with_ana, with_cy) = (InterviewId::from("i1"), InterviewId::from("i2"));
        net.put_interview(
            &with_ana,
            &Interview::new(ana.clone(), FieldId::from("f"), 1),
            1,
        )
        .unwrap();
        net.put_interview(
            &with_cy,
            &Interview::new(cy.clone(), FieldId::from("f"), 1),
            1,
        )
        .unwrap();
        let before = everything(&net);

        let heads = net.heads();
        let ran = net
            .run(&Command::DeletePerson { id: ana.clone() }, 9)
            .unwrap();
        assert_eq!(net.changes_after(&heads), 1, "one change");
        assert!(!net.contains_person(&ana));
        assert_eq!(net.interview(&with_ana).unwrap(), None);
        assert!(net.interview(&with_cy).unwrap().is_some());
        let bo_now = net.person(&bo).unwrap().unwrap();
        assert_eq!(bo_now.referred_by, None);
        assert_eq!(bo_now.how_we_know, "Suggested by Ana Lima");
        // The people list learns of both: Ana gone, Bo's line changed.
        assert!(ran.people.contains(&(ana.clone(), None)));
        assert!(ran.people.iter().any(|(id, p)| id == &bo && p.is_some()));
        assert_eq!(ran.interviews, vec![with_ana.clone()]);

        net.run(&ran.undo.unwrap(), 10).unwrap();
        assert_eq!(everything(&net), before);
    }
}
