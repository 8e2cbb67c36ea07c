//! What the first screens show, kept beside the document so that a large network's people
//! list and "what's next" are on screen before the document has loaded: the people list, every
//! interview in outline, the fields and the follow-up settings.
//!
//! Stored under `colloquy/list` as base64 of deflated JSON, tagged with the document heads it was
//! built from. It is only ever a cache: one whose heads differ from the loaded document's is
//! rebuilt from the document, and one that can't be read is ignored.

use super::store::{KeyValue, KvError};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, Objective, PersonId, PersonRow};
use automerge::ChangeHash;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

pub const LIST_KEY: &str = "colloquy/list";
const FORMAT: u32 = 2;

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

type Quad = (String, String, String, String);

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    heads: Vec<String>,
    /// id, name, organisation, role, location, referred by ("" for nobody), extra.
    rows: Vec<(String, String, String, String, String, String, String)>,
    /// id, person, field, and the outline's numbers (`OUTLINE_NUMBERS`).
    interviews: Vec<Quad>,
    /// id, name, objective, created at.
    fields: Vec<Quad>,
    /// Business days before a second contact and before a follow-up.
    follow_up: String,
}

/// The numbers of an outline, comma-separated in this order, empty for none: created, held,
/// request sent, second contact tried, followed up, declined, no reply, meeting at, meeting
/// minutes, thanked, reflected.
const OUTLINE_NUMBERS: usize = 11;

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

fn outline_from((id, person, field, numbers): Quad) -> Option<(InterviewId, Interview)> {
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
    let [created, held, sent, second, followed, declined, no_reply, at, minutes, thanked, reflected] =
        parsed;
    let mut interview = Interview {
        person: person.into(),
        field: field.into(),
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
    Some((id.into(), interview))
}

/// Reads the cached overview, if there is a readable one.
pub fn read_list(kv: &impl KeyValue) -> Option<CachedList> {
    let text = kv.get(LIST_KEY).ok()??;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_end(&mut json)
        .ok()?;
    let stored: Stored = serde_json::from_slice(&json).ok()?;
    if stored.format != FORMAT {
        return None;
    }
    let heads = stored
        .heads
        .iter()
        .map(|h| h.parse().ok())
        .collect::<Option<Vec<ChangeHash>>>()?;
    let rows = stored
        .rows
        .into_iter()
        .map(
            |(id, name, organisation, role, location, referred_by, extra)| {
                let referred_by = (!referred_by.is_empty()).then(|| PersonId::from(referred_by));
                PersonRow::from_parts(
                    id.into(),
                    name,
                    organisation,
                    role,
                    location,
                    referred_by,
                    extra,
                )
            },
        )
        .collect();
    let interviews = stored
        .interviews
        .into_iter()
        .map(outline_from)
        .collect::<Option<Vec<_>>>()?;
    let fields = stored
        .fields
        .into_iter()
        .map(|(id, name, objective, created_at)| {
            Some((
                FieldId::from(id),
                Field {
                    name,
                    objective: Objective::from_key(&objective)?,
                    created_at: created_at.parse().ok()?,
                },
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let (second, follow) = stored.follow_up.split_once(',')?;
    let follow_up = FollowUpSettings {
        second_contact_after_days: second.parse().ok()?,
        follow_up_after_days: follow.parse().ok()?,
    };
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
    let stored = Stored {
        format: FORMAT,
        heads: overview.heads.iter().map(ToString::to_string).collect(),
        rows: overview
            .rows
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.name.clone(),
                    r.organisation.clone(),
                    r.role.clone(),
                    r.location.clone(),
                    r.referred_by
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    r.extra.clone(),
                )
            })
            .collect(),
        interviews: overview
            .interviews
            .iter()
            .map(|(id, i)| {
                (
                    id.to_string(),
                    i.person.to_string(),
                    i.field.to_string(),
                    outline_numbers(i),
                )
            })
            .collect(),
        fields: overview
            .fields
            .iter()
            .map(|(id, f)| {
                (
                    id.to_string(),
                    f.name.clone(),
                    f.objective.key().to_owned(),
                    f.created_at.to_string(),
                )
            })
            .collect(),
        follow_up: format!(
            "{},{}",
            overview.follow_up.second_contact_after_days, overview.follow_up.follow_up_after_days
        ),
    };
    let json = serde_json::to_vec(&stored).expect("strings serialise");
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&json).expect("writing to memory");
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
        let deflate = |json: &str| {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(json.as_bytes()).unwrap();
            base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap())
        };
        let valid = r#"{"format":2,"heads":[],"rows":[],"interviews":[["i","p","f","1,,,,,,,,30,,"]],"fields":[],"follow_up":"3,7"}"#;
        kv.set(LIST_KEY, &deflate(valid)).unwrap();
        assert_eq!(read_list(&kv).unwrap().interviews[0].1.meeting.minutes, 30);
        let broken = [
            // An older format, and numbers that are missing, too many, or not numbers.
            valid.replace(r#""format":2"#, r#""format":1"#),
            valid.replace("1,,,,,,,,30,,", "1,,,,,,,,30,"),
            valid.replace("1,,,,,,,,30,,", "1,,,,,,,,30,,,"),
            valid.replace("1,,,,,,,,30,,", ",,,,,,,,30,,"),
            valid.replace("1,,,,,,,,30,,", "1,x,,,,,,,30,,"),
            valid.replace("1,,,,,,,,30,,", "1,,,,,,,,-30,,"),
            valid.replace(r#""3,7""#, r#""3""#),
            valid.replace(r#""fields":[]"#, r#""fields":[["f","F","nonsense","1"]]"#),
        ];
        for junk in ["", "!!!", "aGVsbG8=", "eJzLSM3JyVcozy/KSQEAGgQEXQ=="]
            .into_iter()
            .map(str::to_owned)
            .chain(broken.iter().map(|json| deflate(json)))
        {
            kv.set(LIST_KEY, &junk).unwrap();
            assert_eq!(read_list(&kv), None, "{junk}");
        }
        forget_list(&mut kv);
        assert_eq!(kv.get(LIST_KEY).unwrap(), None);
    }
}
