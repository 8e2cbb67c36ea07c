use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

/// A network as a map, enough for the pure merge rules.
#[derive(Default)]
struct Store {
    people: HashMap<PersonId, Person>,
}

impl Store {
    fn known(&self) -> Vec<(PersonId, Identity)> {
        self.people
            .iter()
            .map(|(id, p)| (id.clone(), Identity::of(p)))
            .collect()
    }

    fn plan(&self, contacts: Vec<Contact>) -> Plan {
        plan(&self.known(), contacts, |id| self.people.get(id).cloned())
    }

    fn apply(&mut self, plan: &Plan) -> usize {
        let people = plan.people(
            5_000,
            |id| self.people.get(id).cloned(),
            |id| self.people.get(id).and_then(|p| p.referred_by.clone()),
        );
        let written = people.len();
        self.people.extend(people);
        written
    }

    fn named(&self, name: &str) -> Vec<(&PersonId, &Person)> {
        self.people.iter().filter(|(_, p)| p.name == name).collect()
    }

    fn one(&self, name: &str) -> (&PersonId, &Person) {
        let found = self.named(name);
        assert_eq!(found.len(), 1, "exactly one {name}");
        found[0]
    }
}

fn contact(name: &str) -> Contact {
    Contact {
        name: name.to_owned(),
        ..Contact::default()
    }
}

fn with_email(name: &str, email: &str) -> Contact {
    Contact {
        emails: vec![email.to_owned()],
        ..contact(name)
    }
}

#[test]
fn a_fresh_import_adds_everyone_and_links_referrals_by_the_files_keys() {
    let mut store = Store::default();
    let ana = Contact {
        key: Some("a".into()),
        ..with_email("Ana Lima", "ana@example.org")
    };
    let ben = Contact {
        key: Some("b".into()),
        referred_by: Some("a".into()),
        ..with_email("Ben Ode", "ben@example.org")
    };
    let plan = store.plan(vec![ben, ana]);
    assert_eq!(plan.counts().added, 2);
    assert!(plan.entries.iter().all(|e| e.choice == Choice::Add));
    assert_eq!(store.apply(&plan), 2);
    let (ana_id, _) = store.one("Ana Lima");
    let (_, ben) = store.one("Ben Ode");
    assert_eq!(ben.referred_by.as_ref(), Some(ana_id));
    assert_eq!(ben.acquaintance, Acquaintance::Referred);
    assert_eq!(ben.created_at, 5_000);
}

#[test]
fn importing_the_same_file_again_adds_nothing() {
    let mut store = Store::default();
    let file = || {
        vec![
            Contact {
                linkedin: "https://www.linkedin.com/in/ana".into(),
                organisation: "Acme".into(),
                notes: "Met at the fair".into(),
                ..with_email("Ana Lima", "ana@example.org")
            },
            Contact {
                phones: vec!["+1 555 0100".into()],
                organisation: "Beta".into(),
                ..contact("Ben Ode")
            },
            contact("Cy Twombly"),
        ]
    };
    store.apply(&store.plan(file()));
    assert_eq!(store.people.len(), 3);
    let again = store.plan(file());
    assert!(again.entries.iter().all(Entry::already_here), "{again:#?}");
    assert!(!again.changes_anything());
    assert_eq!(again.counts().already_here, 3);
    assert_eq!(store.apply(&again), 0);
    assert_eq!(store.people.len(), 3);
}

#[test]
fn matches_by_email_linkedin_or_name_and_organisation_and_not_by_name_alone() {
    let mut store = Store::default();
    store.apply(&store.plan(vec![
        Contact {
            organisation: "Acme".into(),
            ..with_email("Ana Lima", "Ana@Example.org")
        },
        Contact {
            linkedin: "https://uk.linkedin.com/in/ben-ode/".into(),
            ..contact("Ben Ode")
        },
        Contact {
            organisation: "Gamma Labs".into(),
            ..contact("Cy Twombly")
        },
    ]));
    let plan = store.plan(vec![
        with_email("A. Lima", " ana@example.ORG "),
        Contact {
            linkedin: "http://www.linkedin.com/in/ben-ode?trk=x".into(),
            ..contact("Benjamin Ode")
        },
        Contact {
            organisation: "gamma  labs".into(),
            role: "Engineer".into(),
            ..contact("cy twombly")
        },
        Contact {
            organisation: "Other Co".into(),
            ..contact("Cy Twombly")
        },
    ]);
    let reasons: Vec<_> = plan
        .entries
        .iter()
        .map(|e| e.matched.as_ref().map(|(_, r)| r.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            Some(Reason::Email("ana@example.ORG".into())),
            Some(Reason::LinkedIn),
            Some(Reason::NameAndOrganisation),
            None,
        ]
    );
    assert_eq!(plan.entries[0].matched_name, "Ana Lima");
    assert_eq!(plan.entries[2].adds, vec!["role"]);
    assert_eq!(plan.entries[3].choice, Choice::Add);
}

#[test]
fn a_merge_keeps_both_sides_conflicting_values_as_alternatives() {
    let person = Person {
        name: "Ana Lima".into(),
        email: "ana@acme.example".into(),
        phone: "+1 555 0100".into(),
        organisation: "Acme".into(),
        role: "Designer".into(),
        tags: vec!["design".into()],
        notes: "Knows the hiring manager.".into(),
        ..Person::default()
    };
    let incoming = Contact {
        emails: vec!["ANA@acme.example".into(), "ana.lima@home.example".into()],
        phones: vec!["001 555 0100".into(), "+44 20 7946 0000".into()],
        organisation: "Acme Corp".into(),
        role: String::new(),
        location: "Leeds".into(),
        tags: vec!["Design".into(), "alumni".into()],
        notes: "Prefers mornings.".into(),
        websites: vec!["https://ana.example".into()],
        ..contact("Ana Lima")
    };
    let merged = merge(&person, &incoming, 9);
    assert_eq!(merged.email, "ana@acme.example");
    assert_eq!(merged.organisation, "Acme");
    assert_eq!(merged.role, "Designer");
    assert_eq!(merged.location, "Leeds");
    assert_eq!(merged.tags, vec!["design", "alumni"]);
    assert_eq!(
        merged.notes,
        "Knows the hiring manager.\n\nPrefers mornings."
    );
    assert_eq!(
        merged.also,
        vec![
            Detail {
                kind: DetailKind::Email,
                value: "ana.lima@home.example".into()
            },
            Detail {
                kind: DetailKind::Phone,
                value: "+44 20 7946 0000".into()
            },
            Detail {
                kind: DetailKind::Website,
                value: "https://ana.example".into()
            },
            Detail {
                kind: DetailKind::Organisation,
                value: "Acme Corp".into()
            },
        ]
    );
    assert_eq!(merged.updated_at, 9);
    // Merging the same contact again changes nothing.
    assert_eq!(merge(&merged, &incoming, 10), merged);
}

#[test]
fn keep_both_adds_a_second_person_and_skip_adds_nothing() {
    let mut store = Store::default();
    store.apply(&store.plan(vec![with_email("Ana Lima", "ana@example.org")]));
    let mut plan = store.plan(vec![
        Contact {
            role: "Chemist".into(),
            ..with_email("Ana Lima", "ana@example.org")
        },
        Contact {
            role: "Writer".into(),
            ..with_email("Ana L.", "ana@example.org")
        },
    ]);
    assert_eq!(plan.entries[0].choice, Choice::Merge);
    plan.entries[0].choice = Choice::KeepBoth;
    plan.entries[1].choice = Choice::Skip;
    assert_eq!(
        plan.counts(),
        Counts {
            added: 1,
            skipped: 1,
            ..Counts::default()
        }
    );
    store.apply(&plan);
    let anas = store.named("Ana Lima");
    assert_eq!(anas.len(), 2);
    assert!(anas.iter().any(|(_, p)| p.role == "Chemist"));
    assert!(!store.people.values().any(|p| p.role == "Writer"));
}

#[test]
fn duplicates_inside_one_file_become_one_person() {
    let mut store = Store::default();
    let plan = store.plan(vec![
        Contact {
            organisation: "Acme".into(),
            ..with_email("Ana Lima", "ana@example.org")
        },
        Contact {
            phones: vec!["555 0100".into()],
            ..with_email("Ana Lima", "ANA@example.org")
        },
        // Matches the first by name and organisation, brings a second email.
        Contact {
            organisation: "Acme".into(),
            ..with_email("Ana Lima", "lima@acme.example")
        },
    ]);
    assert_eq!(
        plan.entries[1].matched.as_ref().unwrap().0,
        Target::Earlier(0)
    );
    assert_eq!(plan.entries[1].adds, vec!["phone"]);
    store.apply(&plan);
    assert_eq!(store.people.len(), 1);
    let (_, ana) = store.one("Ana Lima");
    assert_eq!(ana.phone, "555 0100");
    assert_eq!(ana.also[0].value, "lima@acme.example");
}

#[test]
fn merging_into_a_skipped_new_contact_adds_it_instead() {
    let mut store = Store::default();
    let mut plan = store.plan(vec![
        with_email("Ana Lima", "ana@example.org"),
        Contact {
            role: "Chemist".into(),
            ..with_email("Ana Lima", "ana@example.org")
        },
    ]);
    plan.entries[0].choice = Choice::Skip;
    store.apply(&plan);
    let (_, ana) = store.one("Ana Lima");
    assert_eq!(ana.role, "Chemist");
}

#[test]
fn a_referral_that_would_make_a_loop_is_kept_as_a_detail() {
    let mut store = Store::default();
    store.apply(&store.plan(vec![
        Contact {
            key: Some("a".into()),
            ..with_email("Ana Lima", "ana@example.org")
        },
        Contact {
            key: Some("b".into()),
            referred_by: Some("a".into()),
            ..with_email("Ben Ode", "ben@example.org")
        },
    ]));
    // A second file claims Ben referred Ana.
    let plan = store.plan(vec![
        Contact {
            key: Some("x".into()),
            ..with_email("Ben Ode", "ben@example.org")
        },
        Contact {
            key: Some("y".into()),
            referred_by: Some("x".into()),
            notes: "new note".into(),
            ..with_email("Ana Lima", "ana@example.org")
        },
    ]);
    store.apply(&plan);
    let (_, ana) = store.one("Ana Lima");
    assert_eq!(ana.referred_by, None);
    assert!(ana.also.contains(&Detail {
        kind: DetailKind::Referrer,
        value: "Ben Ode".into()
    }));
}

#[test]
fn colloquy_ids_are_kept_when_free() {
    let mut store = Store::default();
    let id = "0123456789abcdef0123456789abcdef";
    store.apply(&store.plan(vec![Contact {
        key: Some(id.into()),
        ..contact("Ana Lima")
    }]));
    assert!(store.people.contains_key(&PersonId::from(id)));
    // The same id for someone else, now taken, gets a fresh one.
    let plan = store.plan(vec![Contact {
        key: Some(id.into()),
        ..contact("Ben Ode")
    }]);
    assert_ne!(plan.entries[0].id.as_str(), id);
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-c]{1,3}",
        "[A-C ]{1,4}",
        Just("x@y.z".to_owned()),
        Just("X@Y.Z".to_owned()),
    ]
}

fn arb_contact() -> impl Strategy<Value = Contact> {
    (
        word(),
        prop::collection::vec(word(), 0..3),
        prop::collection::vec(word(), 0..3),
        word(),
        word(),
        word(),
        prop::collection::vec(word(), 0..3),
        word(),
    )
        .prop_map(
            |(name, emails, phones, organisation, role, location, tags, notes)| Contact {
                name,
                emails,
                phones,
                organisation,
                role,
                location,
                tags,
                notes,
                ..Contact::default()
            },
        )
}

/// Whether `value` survives in `person`, in its slot or among the extra details.
fn kept(
    person: &Person,
    slot: &str,
    kind: DetailKind,
    value: &str,
    same: fn(&str, &str) -> bool,
) -> bool {
    value.trim().is_empty()
        || same(slot, value)
        || person
            .also
            .iter()
            .any(|d| d.kind == kind && same(&d.value, value))
}

proptest! {
    #[test]
    fn a_merge_never_drops_a_value(a in arb_contact(), b in arb_contact()) {
        let first = person_from(&a, 1);
        let merged = merge(&first, &b, 2);
        for contact in [&a, &b] {
            prop_assert!(kept(&merged, &merged.name, DetailKind::Name, &contact.name, same_words));
            prop_assert!(kept(&merged, &merged.organisation, DetailKind::Organisation, &contact.organisation, same_words));
            prop_assert!(kept(&merged, &merged.role, DetailKind::Role, &contact.role, same_words));
            prop_assert!(kept(&merged, &merged.location, DetailKind::Location, &contact.location, same_words));
            for email in &contact.emails {
                prop_assert!(kept(&merged, &merged.email, DetailKind::Email, email, same_email));
            }
            for phone in &contact.phones {
                prop_assert!(kept(&merged, &merged.phone, DetailKind::Phone, phone, same_phone));
            }
            for tag in &contact.tags {
                prop_assert!(tag.trim().is_empty() || merged.tags.iter().any(|t| same_words(t, tag)));
            }
            prop_assert!(merged.notes.contains(contact.notes.trim()));
        }
        // Idempotent: merging the same contact again adds nothing.
        prop_assert_eq!(merge(&merged, &b, 3), merged.clone());
    }
}

/// The people the round trip below starts from: a referral chain, hostile text, extra details.
fn network_to_export() -> Vec<(PersonId, Person)> {
    let ada = PersonId::from("0123456789abcdef0123456789abcdef");
    let bo = PersonId::from("fedcba9876543210fedcba9876543210");
    let cy = PersonId::from("00000000000000000000000000000001");
    let person = |name: &str| Person {
        name: name.into(),
        created_at: 1,
        updated_at: 1,
        ..Person::default()
    };
    vec![
        (
            ada.clone(),
            Person {
                email: "ada@example.org".into(),
                phone: "+44 20 7946 0000".into(),
                linkedin: "https://www.linkedin.com/in/ada".into(),
                organisation: "Acme, Inc.".into(),
                role: "Speech scientist; team lead".into(),
                location: "Leeds".into(),
                fields: vec!["speech systems".into()],
                tags: vec!["mentor".into(), "alumni".into()],
                how_we_know: "College roommate".into(),
                notes: "<script>alert(1)</script>\nLine two, with; marks \u{202e}RTL 🎉".into(),
                also: vec![
                    Detail {
                        kind: DetailKind::Email,
                        value: "ada@home.example".into(),
                    },
                    Detail {
                        kind: DetailKind::Website,
                        value: "https://ada.example".into(),
                    },
                ],
                ..person("Ada Lovelace")
            },
        ),
        (
            bo.clone(),
            Person {
                acquaintance: Acquaintance::Referred,
                referred_by: Some(ada.clone()),
                notes: "x".repeat(1_000),
                ..person("Bo Chen")
            },
        ),
        (
            cy,
            Person {
                acquaintance: Acquaintance::Referred,
                referred_by: Some(bo),
                ..person("Cy Twombly")
            },
        ),
    ]
}

fn round_trip(file_name: &str, text: &str) {
    let exported = network_to_export();
    let parsed = crate::exchange::read_file(file_name, text.as_bytes()).unwrap();
    let mut store = Store::default();
    let plan = store.plan(parsed.contacts);
    assert_eq!(plan.counts().added, 3);
    store.apply(&plan);
    for (id, before) in &exported {
        let after = store
            .people
            .get(id)
            .unwrap_or_else(|| panic!("{} kept its id", before.name));
        let comparable = |p: &Person| Person {
            created_at: 0,
            updated_at: 0,
            ..p.clone()
        };
        assert_eq!(
            comparable(after),
            comparable(before),
            "{file_name}: {}",
            before.name
        );
    }
    // And the same file again adds nothing.
    assert!(!store
        .plan(
            crate::exchange::read_file(file_name, text.as_bytes())
                .unwrap()
                .contacts
        )
        .changes_anything());
}

#[test]
fn people_exported_as_vcard_come_back_whole_with_their_referrals() {
    round_trip(
        "people.vcf",
        &crate::exchange::vcard::write(&network_to_export()),
    );
}

#[test]
fn people_exported_as_json_come_back_whole_with_their_referrals() {
    round_trip(
        "people.json",
        &crate::exchange::json::write(&network_to_export()),
    );
}
