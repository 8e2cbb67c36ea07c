//! What the first screens show, kept beside the document so that a large network's people
//! list and "what's next" are on screen before the document has loaded: the people list, every
//! interview in outline, the fields and the follow-up settings.
//!
//! Stored under `colloquy/list` as base64 of the deflated, hand-written form of `doc::fields`,
//! tagged with the document heads it was built from. It is only ever a cache: one whose heads differ from the loaded document's is
//! rebuilt from the document, and one that can't be read is ignored.

use super::fields::{put_field, take_field};
use super::store::{KeyValue, KvError};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, Objective, PersonId, PersonRow};
use automerge::ChangeHash;
use base64::Engine;
use std::io::{Read, Write};

pub const LIST_KEY: &str = "colloquy/list";

/// The stored form, deflated: this tag, then fields (`doc::fields`): the heads, the people
/// (id, name, organisation, role, location, referred by or "", extra), the interviews (id,
/// person, field, the outline's numbers), the fields (id, name, objective, created at), each
/// list after its length, and the follow-up settings.
const FORMAT: &str = "overview2";

/// The cached overview and the document heads it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedList {
    pub heads: Vec<ChangeHash>,
    pub rows: Vec<PersonRow>,
    /// Every interview in outline, as `Network::interview_outlines` reads them.
    pub interviews: Vec<(InterviewId, Interview)>,
    pub fields: Vec<(FieldId, Field)>,
    pub follow_up: FollowUpSettings,
}

/// The parts of the overview to store (borrowed: the page keeps its own copies).
pub struct Overview<'a> {
    pub heads: &'a [ChangeHash],
    pub rows: &'a [PersonRow],
    pub interviews: &'a [(InterviewId, Interview)],
    pub fields: &'a [(FieldId, Field)],
    pub follow_up: FollowUpSettings,
}

/// The numbers of an outline, comma-separated in this order, empty for none: created, held,
/// request sent, second contact tried, followed up, declined, no reply, meeting at, meeting
/// minutes, thanked, reflected, referrer told.
const OUTLINE_NUMBERS: usize = 12;

fn outline_numbers(i: &Interview) -> String {
    let numbers: [Option<i64>; OUTLINE_NUMBERS] = [
        Some(i.created_at),
        i.held_at,
        i.request.sent_at,
        i.request.second_contact_at,
        i.request.followed_up_at,
        i.request.declined_at,
        i.request.no_reply_at,
        i.meeting.at,
        Some(i64::from(i.meeting.minutes)),
        i.thank_you.sent_at,
        i.reflection.written_at,
        i.thank_you.referrer_told_at,
    ];
    let mut out = String::with_capacity(64);
    for (n, number) in numbers.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        if let Some(number) = number {
            out.push_str(&number.to_string());
        }
    }
    out
}

fn outline_from(
    id: &str,
    person: &str,
    field: &str,
    numbers: &str,
) -> Option<(InterviewId, Interview)> {
    let mut parsed = [None; OUTLINE_NUMBERS];
    let mut parts = numbers.split(',');
    for slot in &mut parsed {
        let part = parts.next()?;
        *slot = if part.is_empty() {
            None
        } else {
            Some(part.parse::<i64>().ok()?)
        };
    }
    if parts.next().is_some() {
        return None;
    }
    let [created, held, sent, second, followed, declined, no_reply, at, minutes, thanked, reflected, told] =
        parsed;
    let mut interview = Interview {
        person: PersonId::from(person),
        field: FieldId::from(field),
        created_at: created?,
        held_at: held,
        ..Interview::default()
    };
    interview.request.sent_at = sent;
    interview.request.second_contact_at = second;
    interview.request.followed_up_at = followed;
    interview.request.declined_at = declined;
    interview.request.no_reply_at = no_reply;
    interview.meeting.at = at;
    interview.meeting.minutes = u32::try_from(minutes?).ok()?;
    interview.thank_you.sent_at = thanked;
    interview.reflection.written_at = reflected;
    interview.thank_you.referrer_told_at = told;
    Some((InterviewId::from(id), interview))
}

/// Takes a list's length off `rest`.
fn take_len(rest: &mut &str) -> Option<usize> {
    take_field(rest)?.parse().ok()
}

/// Reads the cached overview, if there is a readable one.
pub fn read_list(kv: &impl KeyValue) -> Option<CachedList> {
    let text = kv.get(LIST_KEY).ok()??;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let mut stored = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut stored)
        .ok()?;
    let mut rest = stored.strip_prefix(FORMAT)?;
    let rest = &mut rest;
    let heads = (0..take_len(rest)?)
        .map(|_| take_field(rest)?.parse().ok())
        .collect::<Option<Vec<ChangeHash>>>()?;
    let rows = (0..take_len(rest)?)
        .map(|_| {
            let mut f = [""; 7];
            for field in &mut f {
                *field = take_field(rest)?;
            }
            let [id, name, organisation, role, location, referred_by, extra] = f;
            Some(PersonRow::from_parts(
                PersonId::from(id),
                name.to_owned(),
                organisation.to_owned(),
                role.to_owned(),
                location.to_owned(),
                (!referred_by.is_empty()).then(|| PersonId::from(referred_by)),
                extra.to_owned(),
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let interviews = (0..take_len(rest)?)
        .map(|_| {
            let (id, person, field) = (take_field(rest)?, take_field(rest)?, take_field(rest)?);
            outline_from(id, person, field, take_field(rest)?)
        })
        .collect::<Option<Vec<_>>>()?;
    let fields = (0..take_len(rest)?)
        .map(|_| {
            let (id, name) = (take_field(rest)?, take_field(rest)?);
            let (objective, created_at) = (take_field(rest)?, take_field(rest)?);
            Some((
                FieldId::from(id),
                Field {
                    name: name.to_owned(),
                    objective: Objective::from_key(objective)?,
                    created_at: created_at.parse().ok()?,
                },
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let (second, follow) = take_field(rest)?.split_once(',')?;
    let follow_up = FollowUpSettings {
        second_contact_after_days: second.parse().ok()?,
        follow_up_after_days: follow.parse().ok()?,
    };
    if !rest.is_empty() {
        return None;
    }
    Some(CachedList {
        heads,
        rows,
        interviews,
        fields,
        follow_up,
    })
}

/// Replaces the cached overview.
pub fn write_list(kv: &mut impl KeyValue, overview: &Overview<'_>) -> Result<(), KvError> {
    let mut out = String::with_capacity(64 + overview.rows.len() * 96);
    out.push_str(FORMAT);
    let out = &mut out;
    put_field(out, &overview.heads.len().to_string());
    for head in overview.heads {
        put_field(out, &head.to_string());
    }
    put_field(out, &overview.rows.len().to_string());
    for r in overview.rows {
        for field in [
            r.id.as_str(),
            &r.name,
            &r.organisation,
            &r.role,
            &r.location,
            r.referred_by.as_ref().map_or("", |p| p.as_str()),
            &r.extra,
        ] {
            put_field(out, field);
        }
    }
    put_field(out, &overview.interviews.len().to_string());
    for (id, i) in overview.interviews {
        for field in [id.as_str(), i.person.as_str(), i.field.as_str()] {
            put_field(out, field);
        }
        put_field(out, &outline_numbers(i));
    }
    put_field(out, &overview.fields.len().to_string());
    for (id, f) in overview.fields {
        for field in [id.as_str(), &f.name, f.objective.key()] {
            put_field(out, field);
        }
        put_field(out, &f.created_at.to_string());
    }
    let follow_up = &overview.follow_up;
    put_field(
        out,
        &format!(
            "{},{}",
            follow_up.second_contact_after_days, follow_up.follow_up_after_days
        ),
    );
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(out.as_bytes())
        .expect("writing to memory");
    let deflated = encoder.finish().expect("writing to memory");
    kv.set(
        LIST_KEY,
        &base64::engine::general_purpose::STANDARD.encode(deflated),
    )
}

/// Drops the cached overview (to make room when storage is full).
pub fn forget_list(kv: &mut impl KeyValue) {
    let _ = kv.remove(LIST_KEY);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::store::MemoryKv;
    use crate::doc::{Command, Network};
    use crate::domain::{Meeting, Person, Profile, Templates};

    /// People (one with a hostile name), a field, and interviews at several stages, with ids
    /// that hold what the stored form uses as separators.
    fn network() -> Network {
        let mut net = Network::new();
        for (id, name, by) in [("a", "Ada", None), ("b,\"1", "Bo 🎉 <b>", Some("a"))] {
            let person = Person {
                name: name.into(),
                email: format!("{id}@example.org"),
                tags: vec!["t1".into(), "t2".into()],
                referred_by: by.map(PersonId::from),
                ..Person::default()
            };
            net.put_person(&id.into(), &person, 1).unwrap();
        }
        let field = Field {
            name: "Speech, \"tech\"".into(),
            objective: Objective::Focused,
            created_at: -5,
        };
        net.put_field(&FieldId::from("f,1"), &field, 1).unwrap();
        let mut asked = Interview::new("a".into(), "f,1".into(), 10);
        asked.request.text = "Hello".into();
        asked.send_request(20).unwrap();
        asked.notes = "not in an outline".into();
        let mut met = Interview::new("b,\"1".into(), "f,1".into(), 11);
        met.request.text = "Hello".into();
        met.send_request(21).unwrap();
        met.schedule(Meeting {
            at: Some(1_000),
            minutes: 25,
            ..Meeting::default()
        })
        .unwrap();
        met.mark_held(1_100).unwrap();
        met.mark_thanked(1_200).unwrap();
        met.mark_reflected(1_300).unwrap();
        // Every date an outline holds, set somewhere (as data: the stage rules aren't the point).
        asked.request.second_contact_at = Some(30);
        asked.request.followed_up_at = Some(40);
        asked.request.declined_at = Some(50);
        asked.request.no_reply_at = Some(60);
        net.put_interview(&"i,1".into(), &asked, 1).unwrap();
        net.put_interview(&"i2".into(), &met, 1).unwrap();
        net.run(
            &Command::PutSettings {
                profile: Profile {
                    follow_up: FollowUpSettings {
                        second_contact_after_days: 2,
                        follow_up_after_days: 9,
                    },
                    ..Profile::default()
                },
                templates: Templates::default(),
            },
            2,
        )
        .unwrap();
        net
    }

    #[test]
    fn an_overview_round_trips_with_its_heads() {
        let mut net = network();
        let mut kv = MemoryKv::default();
        assert_eq!(read_list(&kv), None);
        let heads = net.heads();
        let rows = net.rows();
        let interviews = net.interview_outlines();
        let fields = net.fields();
        let follow_up = net.profile().follow_up;
        write_list(
            &mut kv,
            &Overview {
                heads: &heads,
                rows: &rows,
                interviews: &interviews,
                fields: &fields,
                follow_up,
            },
        )
        .unwrap();
        let cached = read_list(&kv).unwrap();
        assert_eq!(cached.heads, heads);
        assert_eq!(cached.rows, rows);
        assert_eq!(cached.interviews, interviews);
        assert_eq!(cached.interviews.len(), 2);
        assert_eq!(cached.fields, fields);
        assert_eq!(cached.follow_up.follow_up_after_days, 9);
    }

    #[test]
    fn an_unreadable_overview_is_ignored() {
        let mut kv = MemoryKv::default();
        let deflate = |text: &str| {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(text.as_bytes()).unwrap();
            base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap())
        };
        // Written by hand: no heads, no people, one interview, the given fields, then
        // `follow_up` and whatever follows.
        let stored =
            |tag: &str, interviews: &str, numbers: &str, fields: &[&str], follow_up: &str| {
                let mut out = tag.to_owned();
                for field in ["0", "0", interviews, "i", "p", "f", numbers] {
                    put_field(&mut out, field);
                }
                put_field(&mut out, &(fields.len() / 4).to_string());
                for field in fields {
                    put_field(&mut out, field);
                }
                put_field(&mut out, follow_up);
                out
            };
        let numbers = "1,,,,,,,,30,,,";
        let valid = stored(FORMAT, "1", numbers, &["f", "F", "focused", "5"], "3,7");
        kv.set(LIST_KEY, &deflate(&valid)).unwrap();
        let read = read_list(&kv).unwrap();
        assert_eq!(read.interviews[0].1.meeting.minutes, 30);
        assert_eq!(read.fields[0].1.objective, Objective::Focused);
        let broken = [
            // Another format; a list longer than what follows; numbers missing, too many,
            // not numbers or out of range; an unknown objective; settings cut short; more
            // after the end.
            stored("overview1", "1", numbers, &[], "3,7"),
            stored(FORMAT, "2", numbers, &[], "3,7"),
            stored(FORMAT, "1000000000000", numbers, &[], "3,7"),
            stored(FORMAT, "1", "1,,,,,,,,30,,", &[], "3,7"),
            stored(FORMAT, "1", "1,,,,,,,,30,,,,", &[], "3,7"),
            stored(FORMAT, "1", ",,,,,,,,30,,,", &[], "3,7"),
            stored(FORMAT, "1", "1,x,,,,,,,30,,,", &[], "3,7"),
            stored(FORMAT, "1", "1,,,,,,,,-30,,,", &[], "3,7"),
            stored(FORMAT, "1", numbers, &["f", "F", "nonsense", "5"], "3,7"),
            stored(FORMAT, "1", numbers, &[], "3"),
            valid.clone() + "1:x",
        ];
        for junk in ["", "!!!", "aGVsbG8=", "eJzLSM3JyVcozy/KSQEAGgQEXQ=="]
            .into_iter()
            .map(str::to_owned)
            .chain(broken.iter().map(|text| deflate(text)))
        {
            kv.set(LIST_KEY, &junk).unwrap();
            assert_eq!(read_list(&kv), None, "{junk}");
        }
        forget_list(&mut kv);
        assert_eq!(kv.get(LIST_KEY).unwrap(), None);
    }
}
