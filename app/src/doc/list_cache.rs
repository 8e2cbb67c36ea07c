//! What the first screens show, kept beside the document so that a large network's people
//! list and "what's next" are on screen before the document has loaded: the people list, every
//! interview in outline, the fields and the follow-up settings.
//!
//! Stored under `colloquy/list` in parts, each base64 of the deflated, hand-written form of
//! `doc::fields`, tagged with the document heads it was built from: a page reads the first part
//! (the people list's first page) and draws it, then the rest a part at a time. It is only ever a cache: one whose heads differ from the loaded document's is
//! rebuilt from the document, and one that can't be read is ignored.

use super::fields::{put_field, take_field};
use super::store::{deflated, inflated, KeyValue};
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, Objective, PersonId, PersonRow};
use automerge::ChangeHash;

pub const LIST_KEY: &str = "colloquy/list";

/// The stored form: this tag, then parts, each a field (`doc::fields`) holding base64 of its
/// deflated text, itself fields. The first part: the heads (after their count), the number of
/// people and of interviews, the fields (counted; id, name, objective, created at), the
/// follow-up settings, then the first [`FIRST_ROWS`] people. Each later part: a counted list of
/// people (id, name, organisation, role, location, referred by or "", extra) until all are
/// there, then of interviews (id, person, field, the outline's numbers).
const FORMAT: &str = "overview3";

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

/// Rows in the first part: the people list's first page, drawn before the rest is read.
pub const FIRST_ROWS: usize = 100;
/// Bytes of the stored overview read to draw its first part, which most often fits in them
/// (~10 KB at 10,000 people; a longer one is read whole): copying the whole (0.3 MB) into the
/// app took ~6 ms of a new page's first 150 ms, and 64 KB ~1 ms. The rest is read with the
/// first part after it.
const FIRST_BYTES: usize = 20 * 1024;
/// Rows, and interviews, in each later part: a part is read in a few milliseconds, so reading
/// a large overview part by part never holds the page for long.
const ROWS_PER_PART: usize = 1000;
const INTERVIEWS_PER_PART: usize = 2000;

/// Inflates one part.
fn inflate(part: &str) -> Option<String> {
    String::from_utf8(inflated(part).ok()?).ok()
}

fn deflate(text: &str) -> String {
    deflated(text.as_bytes(), flate2::Compression::fast())
}

fn take_row(rest: &mut &str) -> Option<PersonRow> {
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
}

fn take_outline(rest: &mut &str) -> Option<(InterviewId, Interview)> {
    let (id, person, field) = (take_field(rest)?, take_field(rest)?, take_field(rest)?);
    outline_from(id, person, field, take_field(rest)?)
}

/// Takes a counted list of items off `rest`, adding them to `into` up to `limit` in all.
fn take_items<T>(
    rest: &mut &str,
    into: &mut Vec<T>,
    limit: usize,
    take: impl Fn(&mut &str) -> Option<T>,
) -> Option<()> {
    let count = take_len(rest)?;
    if count > limit.saturating_sub(into.len()) {
        return None;
    }
    into.reserve(count);
    for _ in 0..count {
        into.push(take(rest)?);
    }
    Some(())
}

/// A cached overview being read part by part: the first part (the heads, the fields and
/// settings, the people list's first page) at once, the rest a part at a time, so a page draws
/// its first screen before reading everyone (see `Tab::read_cached`).
#[derive(Debug)]
pub struct ListReader {
    stored: String,
    /// Whether `stored` is the whole overview, or only its start (read from the store with
    /// the first part after it).
    whole: bool,
    /// Where the next part starts in `stored`.
    at: usize,
    list: CachedList,
    rows: usize,
    interviews: usize,
}

impl ListReader {
    /// Reads the stored overview's first part; `None` when there is no readable one. Only the
    /// start of the stored value is read (`FIRST_BYTES`) unless the first part goes on past it.
    pub fn open(kv: &impl KeyValue) -> Option<ListReader> {
        let start = kv.get_start(LIST_KEY, FIRST_BYTES).ok()??;
        if start.len() < FIRST_BYTES {
            return ListReader::unpack(start);
        }
        ListReader::unpack_start(start, false)
            .or_else(|| ListReader::unpack(kv.get(LIST_KEY).ok()??))
    }

    /// Reads the first part of an overview [`pack`]ed; `None` when it is unreadable.
    pub fn unpack(stored: String) -> Option<ListReader> {
        ListReader::unpack_start(stored, true)
    }

    fn unpack_start(stored: String, whole: bool) -> Option<ListReader> {
        let mut rest = stored.strip_prefix(FORMAT)?;
        let first = inflate(take_field(&mut rest)?)?;
        let at = stored.len() - rest.len();
        let rest = &mut first.as_str();
        let heads = (0..take_len(rest)?)
            .map(|_| take_field(rest)?.parse().ok())
            .collect::<Option<Vec<ChangeHash>>>()?;
        let (rows, interviews) = (take_len(rest)?, take_len(rest)?);
        let mut fields = Vec::new();
        take_items(rest, &mut fields, usize::MAX, |rest| {
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
        })?;
        let (second, follow) = take_field(rest)?.split_once(',')?;
        let follow_up = FollowUpSettings {
            second_contact_after_days: second.parse().ok()?,
            follow_up_after_days: follow.parse().ok()?,
        };
        let mut list = CachedList {
            heads,
            rows: Vec::new(),
            interviews: Vec::new(),
            fields,
            follow_up,
        };
        take_items(rest, &mut list.rows, rows.min(FIRST_ROWS), take_row)?;
        if !rest.is_empty() || list.rows.len() < rows.min(FIRST_ROWS) {
            return None;
        }
        Some(ListReader {
            stored,
            whole,
            at,
            list,
            rows,
            interviews,
        })
    }

    /// What has been read so far: every part but the rows and interviews still to come.
    pub fn list(&self) -> &CachedList {
        &self.list
    }

    /// How many people the whole list holds.
    pub fn people(&self) -> usize {
        self.rows
    }

    /// Whether every part has been read.
    pub fn is_done(&self) -> bool {
        self.list.rows.len() == self.rows && self.list.interviews.len() == self.interviews
    }

    /// Reads the next part, from `kv` where only the start of the overview was read; `None`
    /// when it can't be read (the overview is then unusable).
    pub fn read_part(&mut self, kv: &impl KeyValue) -> Option<()> {
        if self.is_done() {
            return Some(());
        }
        if !self.whole {
            let stored = kv.get(LIST_KEY).ok()??;
            // Written again since (the first part holds the heads): not the overview begun.
            if stored.get(..self.at) != self.stored.get(..self.at) {
                return None;
            }
            self.stored = stored;
            self.whole = true;
        }
        let mut rest = &self.stored[self.at..];
        let part = inflate(take_field(&mut rest)?)?;
        self.at = self.stored.len() - rest.len();
        let text = &mut part.as_str();
        if self.list.rows.len() < self.rows {
            take_items(text, &mut self.list.rows, self.rows, take_row)?;
        } else {
            take_items(
                text,
                &mut self.list.interviews,
                self.interviews,
                take_outline,
            )?;
        }
        text.is_empty().then_some(())
    }

    /// The whole overview, once every part is read (and nothing follows them).
    pub fn finish(self) -> Option<CachedList> {
        (self.is_done() && self.at == self.stored.len()).then_some(self.list)
    }
}

/// `list` as a page would find it stored, read whole and ready to read part by part (for
/// tests: the reader needs no store for its later parts).
#[cfg(test)]
pub(crate) fn reader_of(list: &CachedList) -> ListReader {
    let mut kv = super::store::MemoryKv::default();
    write_cached(&mut kv, list).expect("writing to memory");
    ListReader::unpack(kv.get(LIST_KEY).unwrap().expect("just written")).expect("readable")
}

/// Stores a whole cached list (for tests).
#[cfg(test)]
fn write_cached(kv: &mut impl KeyValue, list: &CachedList) -> Result<(), super::store::KvError> {
    let packed = pack(&Overview {
        heads: &list.heads,
        rows: &list.rows,
        interviews: &list.interviews,
        fields: &list.fields,
        follow_up: list.follow_up,
    });
    kv.set(LIST_KEY, &packed)
}

/// Reads the cached overview whole, if there is a readable one.
pub fn read_list(kv: &impl KeyValue) -> Option<CachedList> {
    let mut reader = ListReader::open(kv)?;
    while !reader.is_done() {
        reader.read_part(kv)?;
    }
    reader.finish()
}

fn put_row(out: &mut String, r: &PersonRow) {
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

fn put_outline(out: &mut String, (id, i): &(InterviewId, Interview)) {
    for field in [id.as_str(), i.person.as_str(), i.field.as_str()] {
        put_field(out, field);
    }
    put_field(out, &outline_numbers(i));
}

/// Adds a counted list of `items` to `out`.
fn put_items<T>(out: &mut String, items: &[T], put: impl Fn(&mut String, &T)) {
    put_field(out, &items.len().to_string());
    for item in items {
        put(out, item);
    }
}

/// The overview in the stored form, which [`ListReader`] reads a part at a time (the worker
/// sends a page a large overview so too).
pub fn pack(overview: &Overview<'_>) -> String {
    let mut first = String::with_capacity(1024 + FIRST_ROWS * 96);
    let out = &mut first;
    put_field(out, &overview.heads.len().to_string());
    for head in overview.heads {
        put_field(out, &head.to_string());
    }
    put_field(out, &overview.rows.len().to_string());
    put_field(out, &overview.interviews.len().to_string());
    put_items(out, overview.fields, |out, (id, f)| {
        for field in [id.as_str(), &f.name, f.objective.key()] {
            put_field(out, field);
        }
        put_field(out, &f.created_at.to_string());
    });
    let follow_up = &overview.follow_up;
    put_field(
        out,
        &format!(
            "{},{}",
            follow_up.second_contact_after_days, follow_up.follow_up_after_days
        ),
    );
    let (page, rest) = overview.rows.split_at(overview.rows.len().min(FIRST_ROWS));
    put_items(out, page, put_row);
    let mut stored = String::from(FORMAT);
    put_field(&mut stored, &deflate(&first));
    let mut part = String::new();
    for rows in rest.chunks(ROWS_PER_PART) {
        part.clear();
        put_items(&mut part, rows, put_row);
        put_field(&mut stored, &deflate(&part));
    }
    for interviews in overview.interviews.chunks(INTERVIEWS_PER_PART) {
        part.clear();
        put_items(&mut part, interviews, put_outline);
        put_field(&mut stored, &deflate(&part));
    }
    stored
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
        let packed = pack(&Overview {
            heads: &heads,
            rows: &rows,
            interviews: &interviews,
            fields: &fields,
            follow_up,
        });
        kv.set(LIST_KEY, &packed).unwrap();
        let cached = read_list(&kv).unwrap();
        assert_eq!(cached.heads, heads);
        assert_eq!(cached.rows, rows);
        assert_eq!(cached.interviews, interviews);
        assert_eq!(cached.interviews.len(), 2);
        assert_eq!(cached.fields, fields);
        assert_eq!(cached.follow_up.follow_up_after_days, 9);
    }

    /// An overview of `people` rows and `interviews` outlines, made up.
    fn made_up(people: usize, interviews: usize) -> CachedList {
        let rows = (0..people)
            .map(|n| {
                PersonRow::from_parts(
                    PersonId::from(format!("p{n:05}")),
                    format!("Person {n:05}"),
                    "Org".into(),
                    String::new(),
                    "Leeds".into(),
                    (n % 3 == 1).then(|| PersonId::from(format!("p{:05}", n - 1))),
                    "tag".into(),
                )
            })
            .collect();
        let interviews = (0..interviews)
            .map(|n| {
                let mut i = Interview::new(format!("p{n:05}").into(), "f".into(), n as i64);
                i.held_at = Some(n as i64 * 2);
                (InterviewId::from(format!("i{n:05}")), i)
            })
            .collect();
        CachedList {
            heads: Vec::new(),
            rows,
            interviews,
            fields: vec![(
                FieldId::from("f"),
                Field {
                    name: "Data".into(),
                    objective: Objective::General,
                    created_at: 0,
                },
            )],
            follow_up: FollowUpSettings::default(),
        }
    }

    fn write(kv: &mut MemoryKv, list: &CachedList) {
        write_cached(kv, list).unwrap();
    }

    /// `list` with its people renamed to `len` letters each that don't repeat (so their parts
    /// deflate little).
    fn with_long_names(mut list: CachedList, len: usize) -> CachedList {
        let mut seed = 1u64;
        for row in &mut list.rows {
            let name: String = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b'a' + (seed >> 59) as u8 % 26)
                })
                .collect();
            *row = PersonRow::from_parts(
                row.id.clone(),
                name,
                row.organisation.clone(),
                row.role.clone(),
                row.location.clone(),
                row.referred_by.clone(),
                row.extra.clone(),
            );
        }
        list
    }

    #[test]
    fn a_page_copies_only_the_start_of_a_large_overview_before_its_first_screen() {
        let list = with_long_names(made_up(3_000, 500), 40);
        let mut kv = MemoryKv::default();
        write(&mut kv, &list);
        assert!(kv.get(LIST_KEY).unwrap().unwrap().len() > 2 * FIRST_BYTES);
        let mut reader = ListReader::open(&kv).unwrap();
        assert_eq!(reader.stored.len(), FIRST_BYTES);
        assert_eq!(reader.list().rows, list.rows[..FIRST_ROWS]);
        while !reader.is_done() {
            reader.read_part(&kv).unwrap();
        }
        assert_eq!(reader.finish().unwrap(), list);

        // Written again between the first part and the next: the rest is not this overview's.
        let mut reader = ListReader::open(&kv).unwrap();
        let mut newer = list.clone();
        newer.heads = vec![ChangeHash([7; 32])];
        write(&mut kv, &newer);
        assert_eq!(reader.read_part(&kv), None);
        assert_eq!(read_list(&kv).unwrap(), newer);
    }

    #[test]
    fn a_first_part_longer_than_the_start_read_is_read_whole() {
        let list = with_long_names(made_up(FIRST_ROWS + 10, 3), 1_000);
        let mut kv = MemoryKv::default();
        write(&mut kv, &list);
        let reader = ListReader::open(&kv).unwrap();
        assert!(reader.whole);
        assert_eq!(reader.list().rows, list.rows[..FIRST_ROWS]);
        assert_eq!(read_list(&kv).unwrap(), list);
    }

    #[test]
    fn a_large_overview_is_read_a_part_at_a_time_first_page_first() {
        for (people, interviews) in [(0, 0), (FIRST_ROWS, 0), (2_501, 4_001), (40, 2_000)] {
            let list = made_up(people, interviews);
            let mut kv = MemoryKv::default();
            write(&mut kv, &list);
            let mut reader = ListReader::open(&kv).unwrap();
            assert_eq!(reader.people(), people);
            assert_eq!(reader.list().rows, list.rows[..people.min(FIRST_ROWS)]);
            assert!(reader.list().interviews.is_empty());
            assert_eq!(reader.list().fields, list.fields);
            let mut parts = 0;
            while !reader.is_done() {
                let (rows, interviews) = (reader.list().rows.len(), reader.list().interviews.len());
                reader.read_part(&kv).unwrap();
                parts += 1;
                // Each part adds at most a part's worth.
                assert!(reader.list().rows.len() - rows <= ROWS_PER_PART);
                assert!(reader.list().interviews.len() - interviews <= INTERVIEWS_PER_PART);
            }
            let expected = people.saturating_sub(FIRST_ROWS).div_ceil(ROWS_PER_PART)
                + interviews.div_ceil(INTERVIEWS_PER_PART);
            assert_eq!(parts, expected, "{people} people, {interviews} interviews");
            assert_eq!(reader.finish().unwrap(), list);
            assert_eq!(read_list(&kv).unwrap(), list);
        }
    }

    #[test]
    fn an_unreadable_overview_is_ignored() {
        let mut kv = MemoryKv::default();
        let list = made_up(FIRST_ROWS + 5, 3);
        write(&mut kv, &list);
        let valid = kv.get(LIST_KEY).unwrap().unwrap();
        // Its parts as stored, inflated.
        let mut rest = valid.strip_prefix(FORMAT).unwrap();
        let mut parts = Vec::new();
        while !rest.is_empty() {
            parts.push(inflate(take_field(&mut rest).unwrap()).unwrap());
        }
        assert_eq!(parts.len(), 3);
        let stored = |tag: &str, parts: &[String]| {
            let mut out = tag.to_owned();
            for part in parts {
                put_field(&mut out, &deflate(part));
            }
            out
        };
        assert_eq!(read_list(&kv), Some(list));
        let with = |n: usize, part: String| {
            let mut changed = parts.clone();
            changed[n] = part;
            stored(FORMAT, &changed)
        };
        let numbers = "1,,,,,,,,30,,,";
        let outline = |numbers: &str| {
            let mut out = String::new();
            for field in ["1", "i", "p", "f", numbers] {
                put_field(&mut out, field);
            }
            out
        };
        let mut broken = vec![
            // Another format; a part missing, or one too many; a part that isn't base64 or
            // deflated.
            stored("overview2", &parts),
            stored(FORMAT, &parts[..2]),
            stored(FORMAT, &[parts.clone(), vec![parts[2].clone()]].concat()),
            valid.replacen(FORMAT, &format!("{FORMAT}3:!!!"), 1),
            format!("{FORMAT}8:aGVsbG8="),
            // More people in a part than the list holds; more after a part's items.
            with(1, format!("1:6{}", parts[1].strip_prefix("1:5").unwrap())),
            with(2, parts[2].clone() + "1:x"),
        ];
        // Numbers missing, too many, not numbers or out of range.
        for numbers in [
            "1,,,,,,,,30,,",
            "1,,,,,,,,30,,,,",
            ",,,,,,,,30,,,",
            "1,x,,,,,,,30,,,",
            "1,,,,,,,,-30,,,",
        ] {
            // A last part of one interview with these numbers (the list says three).
            let mut first = parts[0].clone();
            first = first.replacen("1:3", "1:1", 1);
            broken.push(stored(FORMAT, &[first, parts[1].clone(), outline(numbers)]));
        }
        // The control: the same made by hand with good numbers reads.
        let mut first = parts[0].clone();
        first = first.replacen("1:3", "1:1", 1);
        kv.set(
            LIST_KEY,
            &stored(FORMAT, &[first, parts[1].clone(), outline(numbers)]),
        )
        .unwrap();
        assert_eq!(read_list(&kv).unwrap().interviews[0].1.meeting.minutes, 30);
        for junk in ["", "!!!", "overview3", "overview3aGVsbG8="]
            .into_iter()
            .map(str::to_owned)
            .chain(broken)
        {
            kv.set(LIST_KEY, &junk).unwrap();
            assert_eq!(read_list(&kv), None, "{junk}");
        }
        forget_list(&mut kv);
        assert_eq!(kv.get(LIST_KEY).unwrap(), None);
    }
}
