use crate::domain::sorting::{sort_by_cached_key, sort_by_key};
use crate::domain::{
    organisation_key, sort_rows, Acquaintance, Field, FieldId, Interview, InterviewId,
    Organisation, OwnQuestion, Person, PersonId, PersonRow, Profile, Templates,
};
use crate::exchange::merge::Identity;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, Prop, ReadDoc, ScalarValueRef,
    ValueRef, ROOT,
};
use autosurgeon::{Hydrate, Reconcile};

/// The version of the document layout this code writes.
pub const SCHEMA_VERSION: u64 = 1;

/// Beyond this many changes, [`Network::touched_since`] leaves it to reading everything again.
/// See [`Network::save_since`]: changes one by one take about 16 times the room of the same
/// ops in the compressed document, so past an eighth of the history the document is smaller.
pub const WHOLE_SHARE: u64 = 8;

/// See [`Network::save_since`]: up to this many changes go as they are (a document has its own
/// overhead, and a few changes are quick to write out).
pub const WHOLE_AFTER: usize = 16;

const TOUCHED_AT_MOST: usize = 64;

/// What changes wrote or removed, by record (see [`Network::touched_since`]).
#[derive(Debug, Default, PartialEq)]
pub struct Touched {
    pub people: Vec<PersonId>,
    pub interviews: Vec<InterviewId>,
}

/// The actor of the genesis change that every device's document starts from.
const GENESIS_ACTOR: &[u8] = b"colloquy/genesis/1";

/// The maps at the root of the document, created once, by the genesis change.
const ROOT_MAPS: [&str; 7] = [
    "profile",
    "fields",
    "people",
    "organisations",
    "interviews",
    "questions",
    "templates",
];

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("the saved network could not be read: {0}")]
    Corrupt(#[from] automerge::AutomergeError),
    #[error("the saved network is not laid out as expected: {0}")]
    Layout(String),
    #[error(
        "the saved network was written by a newer version of Colloquy (layout {0}); update the app"
    )]
    TooNew(u64),
    #[error("a record could not be read: {0}")]
    Hydrate(#[from] autosurgeon::HydrateError),
    #[error("a record could not be written: {0}")]
    Reconcile(#[from] autosurgeon::ReconcileError),
    #[error("your network is still opening; try again in a moment")]
    Opening,
    /// A file to import that can't be read.
    #[error("{0}")]
    File(String),
}

/// One user's whole network: an Automerge document and the commands and queries on it.
///
/// Every command is one Automerge change, stamped with the caller's time.
pub struct Network {
    doc: AutoCommit,
    people: ObjId,
}

impl Default for Network {
    fn default() -> Network {
        Network::new()
    }
}

impl Network {
    /// An empty network with a fresh actor id.
    ///
    /// It begins with the same genesis change on every device (fixed actor, fixed time), so the
    /// root maps are the same objects everywhere and two devices' people merge instead of one
    /// device's `people` map hiding the other's.
    pub fn new() -> Network {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
        doc.put(ROOT, "schema", SCHEMA_VERSION)
            .expect("writing to a fresh document");
        for name in ROOT_MAPS {
            doc.put_object(ROOT, name, ObjType::Map)
                .expect("writing to a fresh document");
        }
        doc.commit_with(CommitOptions::default().with_time(0));
        doc.set_actor(ActorId::random());
        Network::from_doc(doc).expect("the genesis document has the expected layout")
    }

    /// Loads a saved document (a snapshot, or a snapshot followed by changes).
    pub fn load(bytes: &[u8]) -> Result<Network, DocError> {
        let mut doc = AutoCommit::load(bytes)?;
        doc.set_actor(ActorId::random());
        Network::from_doc(doc)
    }

    fn from_doc(doc: AutoCommit) -> Result<Network, DocError> {
        match doc.get(ROOT, "schema")? {
            Some((automerge::Value::Scalar(s), _)) => match s.as_u64() {
                Some(v) if v > SCHEMA_VERSION => return Err(DocError::TooNew(v)),
                Some(_) => {}
                None => return Err(DocError::Layout("schema is not a number".into())),
            },
            _ => return Err(DocError::Layout("no schema version".into())),
        }
        let people = match doc.get(ROOT, "people")? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => return Err(DocError::Layout("no people map".into())),
        };
        Ok(Network { doc, people })
    }

    /// Adds or replaces a person; only the fields that differ are written.
    pub fn put_person(&mut self, id: &PersonId, person: &Person, now: i64) -> Result<(), DocError> {
        autosurgeon::reconcile_prop(&mut self.doc, &self.people, id.as_str(), person)?;
        self.commit(now);
        Ok(())
    }

    /// Adds or replaces several people as one change: an import lands whole or not at all.
    ///
    /// People not yet in the network are written in one batch (each person's whole record as
    /// one block of operations, which is many times faster than field by field); people already
    /// here are reconciled, so only what changed is written.
    pub fn put_people(&mut self, people: &[(PersonId, Person)], now: i64) -> Result<(), DocError> {
        let (known, new): (Vec<_>, Vec<_>) =
            people.iter().partition(|(id, _)| self.contains_person(id));
        let written = autosurgeon::reconcile_prop(&mut self.doc, ROOT, "people", NewPeople(&new))
            .and_then(|()| {
                known.iter().try_for_each(|(id, person)| {
                    autosurgeon::reconcile_prop(&mut self.doc, &self.people, id.as_str(), person)
                })
            });
        if let Err(e) = written {
            self.doc.rollback();
            return Err(e.into());
        }
        self.commit(now);
        Ok(())
    }

    /// Matches imported contacts against the network as it is now.
    pub fn plan_import(
        &self,
        contacts: Vec<crate::exchange::Contact>,
    ) -> crate::exchange::merge::Plan {
        crate::exchange::merge::plan(&self.identities(), contacts, |id| {
            self.person(id).ok().flatten()
        })
    }

    /// What identifies each person (name, organisation, email addresses, LinkedIn), for
    /// matching imported contacts; read in one pass per person, without notes.
    pub fn identities(&self) -> Vec<(PersonId, Identity)> {
        let mut out = Vec::with_capacity(self.len());
        for item in self.doc.map_range(&self.people, ..) {
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                continue;
            }
            let mut identity = Identity::default();
            let mut emails = Vec::new();
            for field in self.doc.map_range(item.id(), ..) {
                match (field.key.as_ref(), as_str(&field.value)) {
                    ("name", Some(s)) => identity.name = s.to_owned(),
                    ("organisation", Some(s)) => identity.organisation = s.to_owned(),
                    ("linkedin", Some(s)) => identity.linkedin = s.to_owned(),
                    ("email", Some(s)) if !s.trim().is_empty() => emails.insert(0, s.to_owned()),
                    ("also", None) => {
                        for detail in self.doc.list_range(field.id(), ..) {
                            let kind = self.doc.get(detail.id(), "kind").ok().flatten();
                            let value = self.doc.get(detail.id(), "value").ok().flatten();
                            if let (
                                Some((automerge::Value::Scalar(kind), _)),
                                Some((automerge::Value::Scalar(value), _)),
                            ) = (kind, value)
                            {
                                if kind.as_str() == Some("Email") {
                                    if let Some(v) = value.as_str() {
                                        emails.push(v.to_owned());
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            identity.emails = emails;
            out.push((PersonId::from(item.key.as_ref()), identity));
        }
        out
    }

    /// The person with `id`, if they are in the network.
    pub fn person(&self, id: &PersonId) -> Result<Option<Person>, DocError> {
        if self.doc.get(&self.people, id.as_str())?.is_none() {
            return Ok(None);
        }
        Ok(autosurgeon::hydrate_prop(
            &self.doc,
            &self.people,
            id.as_str(),
        )?)
    }

    pub fn contains_person(&self, id: &PersonId) -> bool {
        matches!(self.doc.get(&self.people, id.as_str()), Ok(Some(_)))
    }

    /// Who referred the person with `id`, if anyone did.
    pub fn referrer_of(&self, id: &PersonId) -> Option<PersonId> {
        let (_, person) = self.doc.get(&self.people, id.as_str()).ok()??;
        match self.doc.get(&person, "referred_by").ok()?? {
            (automerge::Value::Scalar(s), _) => s.as_str().map(PersonId::from),
            _ => None,
        }
    }

    /// The people `referrer` suggested (whose `referred_by` names them).
    pub fn people_referred_by(&self, referrer: &PersonId) -> Vec<PersonId> {
        self.doc
            .map_range(&self.people, ..)
            .filter(|item| {
                matches!(
                    self.doc.get(item.id(), "referred_by"),
                    Ok(Some((automerge::Value::Scalar(s), _))) if s.as_str() == Some(referrer.as_str())
                )
            })
            .map(|item| PersonId::from(item.key.as_ref()))
            .collect()
    }

    /// Everyone in the network, and the ids of records that could not be read.
    pub fn people(&self) -> (Vec<(PersonId, Person)>, Vec<PersonId>) {
        let mut people = Vec::new();
        let mut unreadable = Vec::new();
        for key in self.doc.keys(&self.people) {
            let id = PersonId::from(key);
            match self.person(&id) {
                Ok(Some(person)) => people.push((id, person)),
                Ok(None) | Err(_) => unreadable.push(id),
            }
        }
        (people, unreadable)
    }

    /// The people list, sorted by name.
    ///
    /// Read with one pass over each person's map rather than a lookup per field (ten times
    /// faster at 10,000 people), and without touching notes.
    pub fn rows(&self) -> Vec<PersonRow> {
        let mut rows = Vec::with_capacity(self.len());
        for item in self.doc.map_range(&self.people, ..) {
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                continue;
            }
            let id = PersonId::from(item.key.as_ref());
            let obj = item.id();
            let mut person = Person::default();
            for field in self.doc.map_range(&obj, ..) {
                let text = match &field.value {
                    ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.as_ref()),
                    _ => None,
                };
                match (field.key.as_ref(), text) {
                    ("name", Some(s)) => person.name = s.to_owned(),
                    ("email", Some(s)) => person.email = s.to_owned(),
                    ("organisation", Some(s)) => person.organisation = s.to_owned(),
                    ("role", Some(s)) => person.role = s.to_owned(),
                    ("location", Some(s)) => person.location = s.to_owned(),
                    ("how_we_know", Some(s)) => person.how_we_know = s.to_owned(),
                    ("referred_by", Some(s)) => person.referred_by = Some(PersonId::from(s)),
                    ("fields", None) => person.fields = self.strings(&field.id()),
                    ("tags", None) => person.tags = self.strings(&field.id()),
                    _ => {}
                }
            }
            rows.push(PersonRow::new(id, &person));
        }
        sort_rows(&mut rows);
        rows
    }

    fn strings(&self, list: &ObjId) -> Vec<String> {
        self.doc
            .list_range(list, ..)
            .filter_map(|item| match item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.into_owned()),
                _ => None,
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.doc.length(&self.people)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Whether every one of these changes is in the history.
    pub fn has_changes(&mut self, hashes: &[ChangeHash]) -> bool {
        hashes
            .iter()
            .all(|hash| self.doc.get_change_by_hash(hash).is_some())
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes not reachable from `heads`, as bytes [`Network::apply`] accepts.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// What a store or a device holding the history up to `heads` needs to catch up, as bytes
    /// [`Network::apply`] accepts: the changes after `heads`, or the whole compressed document
    /// when those changes are many ([`WHOLE_AFTER`]) and a large share of the history (more than
    /// one op in [`WHOLE_SHARE`]). Changes one by one take far more room than the document: 15 MB
    /// against 0.9 MB for a network of 10,000 people, and two seconds to write out. Empty when
    /// nothing came after `heads`.
    pub fn save_since(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        let (count, after) =
            self.doc
                .get_changes_meta(heads)
                .iter()
                .fold((0, 0), |(count, ops), change| {
                    (
                        count + 1,
                        ops + (change.max_op + 1).saturating_sub(change.start_op),
                    )
                });
        if count == 0 {
            return Vec::new();
        }
        if count > WHOLE_AFTER
            && (heads.is_empty() || after * WHOLE_SHARE > op_count(&mut self.doc))
        {
            self.doc.save()
        } else {
            self.doc.save_after(heads)
        }
    }

    /// How many changes of the history are not reachable from `heads`.
    pub fn changes_after(&mut self, heads: &[ChangeHash]) -> usize {
        self.doc.get_changes_meta(heads).len()
    }

    /// Applies saved changes or a saved document (from storage, another tab or a device).
    /// Changes already present are skipped, so applying the same bytes twice is harmless.
    ///
    /// Bytes that don't parse whole are refused and nothing of them is applied (Automerge's own
    /// incremental load would keep a readable prefix and say nothing).
    pub fn apply(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        match check_chunks(bytes)? {
            Some(whole) => self.take_in(whole),
            None => {
                self.doc.load_incremental(bytes)?;
                Ok(())
            }
        }
    }

    /// Takes in a whole document, merging the smaller history into the larger: changes applied
    /// one by one are slow (8 s for the 15,000 of a network of 10,000 people, natively, against
    /// 1.5 s to load them as a document), and a device joining a network has next to nothing
    /// of its own.
    fn take_in(&mut self, mut other: AutoCommit) -> Result<(), DocError> {
        if op_count(&mut other) <= op_count(&mut self.doc) {
            self.doc.merge(&mut other)?;
            return Ok(());
        }
        other.set_actor(self.doc.get_actor().clone());
        other.merge(&mut self.doc)?;
        *self = Network::from_doc(other)?;
        Ok(())
    }

    /// The people and interviews that the changes after `before` wrote or removed, read from
    /// those changes alone (not the whole document); `None` when they may have touched
    /// everything: a whole collection, an object whose place can't be found, or more than
    /// `TOUCHED_AT_MOST` changes (then reading everything again is as quick).
    pub fn touched_since(&mut self, before: &[ChangeHash]) -> Option<Touched> {
        let changes = self.doc.get_changes(before);
        if changes.len() > TOUCHED_AT_MOST {
            return None;
        }
        let mut touched = Touched::default();
        for change in changes {
            for op in change.decode().operations {
                let key = match op.key {
                    automerge::legacy::Key::Map(key) => Some(Prop::Map(key.to_string())),
                    automerge::legacy::Key::Seq(_) => None,
                };
                let mut path: Vec<Prop> = match op.obj {
                    automerge::legacy::ObjectId::Root => Vec::new(),
                    automerge::legacy::ObjectId::Id(id) => {
                        let obj = self.doc.import_obj(&id.to_string()).ok()?;
                        let parents = self.doc.parents(&obj).ok()?;
                        parents.path().into_iter().map(|(_, prop)| prop).collect()
                    }
                };
                path.extend(key);
                let (Some(Prop::Map(root)), record) = (path.first(), path.get(1)) else {
                    continue;
                };
                let record = match record {
                    Some(Prop::Map(id)) => id.as_str(),
                    // The collection itself was written.
                    None if root == "people" || root == "interviews" => return None,
                    _ => continue,
                };
                match root.as_str() {
                    "people" => touched.people.push(PersonId::from(record)),
                    "interviews" => touched.interviews.push(InterviewId::from(record)),
                    _ => {}
                }
            }
        }
        touched.people.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        touched.people.dedup();
        touched
            .interviews
            .sort_by(|a, b| a.as_str().cmp(b.as_str()));
        touched.interviews.dedup();
        Some(touched)
    }

    /// Merges everything `other` has that this network lacks.
    pub fn merge(&mut self, other: &mut Network) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// Adds or replaces a field of interest.
    pub fn put_field(&mut self, id: &FieldId, field: &Field, now: i64) -> Result<(), DocError> {
        self.put_in("fields", id.as_str(), field, now)
    }

    pub fn field(&self, id: &FieldId) -> Result<Option<Field>, DocError> {
        self.get_in("fields", id.as_str())
    }

    /// Every field of interest, by name.
    pub fn fields(&self) -> Vec<(FieldId, Field)> {
        let mut fields: Vec<(FieldId, Field)> = self
            .all_in("fields")
            .into_iter()
            .map(|(id, f)| (FieldId::from(id), f))
            .collect();
        sort_by_cached_key(&mut fields, |(_, f)| f.name.to_lowercase());
        fields
    }

    /// Adds or replaces an interview; only what differs is written (one keystroke in the notes
    /// is one small change).
    pub fn put_interview(
        &mut self,
        id: &InterviewId,
        interview: &Interview,
        now: i64,
    ) -> Result<(), DocError> {
        self.put_in("interviews", id.as_str(), interview, now)
    }

    pub fn interview(&self, id: &InterviewId) -> Result<Option<Interview>, DocError> {
        self.get_in("interviews", id.as_str())
    }

    /// Every interview (records that can't be read are left out).
    pub fn interviews(&self) -> Vec<(InterviewId, Interview)> {
        self.all_in("interviews")
            .into_iter()
            .map(|(id, i)| (InterviewId::from(id), i))
            .collect()
    }

    /// Every interview in outline: who, which field, and the dates that make up its stage and
    /// clocks, without any of its texts. What the home screen, the fields and a person's page
    /// need, read with one pass over each record (reading whole interviews, texts and all, costs
    /// about ten times more).
    pub fn interview_outlines(&self) -> Vec<(InterviewId, Interview)> {
        let Ok(map) = self.root_map("interviews") else {
            return Vec::new();
        };
        let mut outlines = Vec::with_capacity(self.doc.length(&map));
        for item in self.doc.map_range(&map, ..) {
            if !matches!(item.value, ValueRef::Object(ObjType::Map)) {
                continue;
            }
            outlines.push((
                InterviewId::from(item.key.as_ref()),
                self.outline_at(&item.id()),
            ));
        }
        outlines
    }

    /// One interview in outline (as in [`Network::interview_outlines`]), if it is there.
    pub fn interview_outline(&self, id: &InterviewId) -> Option<Interview> {
        let map = self.root_map("interviews").ok()?;
        match self.doc.get(&map, id.as_str()).ok()?? {
            (automerge::Value::Object(ObjType::Map), obj) => Some(self.outline_at(&obj)),
            _ => None,
        }
    }

    fn outline_at(&self, obj: &ObjId) -> Interview {
        let mut interview = Interview::default();
        for field in self.doc.map_range(obj, ..) {
            let value = &field.value;
            match field.key.as_ref() {
                "person" => interview.person = as_str(value).map(Into::into).unwrap_or_default(),
                "field" => interview.field = as_str(value).map(Into::into).unwrap_or_default(),
                "created_at" => interview.created_at = as_i64(value).unwrap_or_default(),
                "held_at" => interview.held_at = as_i64(value),
                "request" => {
                    let r = &mut interview.request;
                    for (key, value) in self.scalars(&field.id()) {
                        match key.as_str() {
                            "sent_at" => r.sent_at = as_i64(&value),
                            "second_contact_at" => r.second_contact_at = as_i64(&value),
                            "followed_up_at" => r.followed_up_at = as_i64(&value),
                            "declined_at" => r.declined_at = as_i64(&value),
                            "no_reply_at" => r.no_reply_at = as_i64(&value),
                            _ => {}
                        }
                    }
                }
                "meeting" => {
                    for (key, value) in self.scalars(&field.id()) {
                        match key.as_str() {
                            "at" => interview.meeting.at = as_i64(&value),
                            "minutes" => {
                                interview.meeting.minutes = as_i64(&value)
                                    .and_then(|m| u32::try_from(m).ok())
                                    .unwrap_or(interview.meeting.minutes)
                            }
                            _ => {}
                        }
                    }
                }
                "thank_you" => {
                    for (key, value) in self.scalars(&field.id()) {
                        match key.as_str() {
                            "sent_at" => interview.thank_you.sent_at = as_i64(&value),
                            "referrer_told_at" => {
                                interview.thank_you.referrer_told_at = as_i64(&value)
                            }
                            _ => {}
                        }
                    }
                }
                "reflection" => {
                    for (key, value) in self.scalars(&field.id()) {
                        if key == "written_at" {
                            interview.reflection.written_at = as_i64(&value);
                        }
                    }
                }
                _ => {}
            }
        }
        interview
    }

    /// The scalar entries of a map, as (key, value) pairs.
    fn scalars(&self, map: &ObjId) -> Vec<(String, ValueRef<'_>)> {
        self.doc
            .map_range(map, ..)
            .filter(|item| matches!(item.value, ValueRef::Scalar(_)))
            .map(|item| (item.key.into_owned(), item.value))
            .collect()
    }

    /// Adds the people someone suggested in an interview, each referred by the person
    /// interviewed and linked to the interview, in one change.
    pub fn add_referrals(
        &mut self,
        interview_id: &InterviewId,
        people: &[(PersonId, Person)],
        now: i64,
    ) -> Result<(), DocError> {
        let mut interview = self
            .interview(interview_id)?
            .ok_or_else(|| DocError::Layout("that interview is no longer in the network".into()))?;
        for (id, person) in people {
            let mut person = person.clone();
            person.acquaintance = Acquaintance::Referred;
            person.referred_by = Some(interview.person.clone());
            autosurgeon::reconcile_prop(&mut self.doc, &self.people, id.as_str(), &person)?;
            interview.add_referral(id.clone());
        }
        self.put_interview(interview_id, &interview, now)
    }

    /// The organisation record for a name (an empty one if nothing is stored yet).
    pub fn organisation(&self, name: &str) -> Organisation {
        let stored: Option<Organisation> = self
            .get_in("organisations", &organisation_key(name))
            .ok()
            .flatten();
        stored.unwrap_or_else(|| Organisation {
            name: name.trim().to_owned(),
            ..Organisation::default()
        })
    }

    pub fn put_organisation(&mut self, org: &Organisation, now: i64) -> Result<(), DocError> {
        let key = organisation_key(&org.name);
        if key.is_empty() {
            return Err(DocError::Layout("an organisation needs a name".into()));
        }
        self.put_in("organisations", &key, org, now)
    }

    pub fn profile(&self) -> Profile {
        self.get_root("profile").unwrap_or_default()
    }

    pub fn templates(&self) -> Templates {
        self.get_root("templates").unwrap_or_default()
    }

    /// Writes the profile and the templates as one change.
    pub fn put_settings(
        &mut self,
        profile: &Profile,
        templates: &Templates,
        now: i64,
    ) -> Result<(), DocError> {
        autosurgeon::reconcile_prop(&mut self.doc, ROOT, "profile", profile)?;
        autosurgeon::reconcile_prop(&mut self.doc, ROOT, "templates", templates)?;
        self.commit(now);
        Ok(())
    }

    /// The questions the user added to the built-in bank, oldest first.
    pub fn own_questions(&self) -> Vec<(String, OwnQuestion)> {
        let mut questions = self.all_in::<OwnQuestion>("questions");
        sort_by_key(&mut questions, |(_, q)| q.created_at);
        questions
    }

    pub fn put_question(
        &mut self,
        id: &str,
        question: &OwnQuestion,
        now: i64,
    ) -> Result<(), DocError> {
        self.put_in("questions", id, question, now)
    }

    fn root_map(&self, name: &str) -> Result<ObjId, DocError> {
        match self.doc.get(ROOT, name)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(DocError::Layout(format!("no {name} map"))),
        }
    }

    fn put_in<T: Reconcile>(
        &mut self,
        map: &str,
        key: &str,
        value: &T,
        now: i64,
    ) -> Result<(), DocError> {
        let map = self.root_map(map)?;
        autosurgeon::reconcile_prop(&mut self.doc, &map, key, value)?;
        self.commit(now);
        Ok(())
    }

    fn get_in<T: Hydrate>(&self, map: &str, key: &str) -> Result<Option<T>, DocError> {
        let map = self.root_map(map)?;
        if self.doc.get(&map, key)?.is_none() {
            return Ok(None);
        }
        Ok(autosurgeon::hydrate_prop(&self.doc, &map, key)?)
    }

    fn get_root<T: Hydrate>(&self, name: &str) -> Option<T> {
        autosurgeon::hydrate_prop(&self.doc, ROOT, name).ok()
    }

    fn all_in<T: Hydrate>(&self, map: &str) -> Vec<(String, T)> {
        let Ok(map) = self.root_map(map) else {
            return Vec::new();
        };
        self.doc
            .keys(&map)
            .filter_map(|key| {
                let value = autosurgeon::hydrate_prop(&self.doc, &map, key.as_str()).ok()?;
                Some((key, value))
            })
            .collect()
    }

    fn commit(&mut self, now: i64) {
        self.doc
            .commit_with(CommitOptions::default().with_time(now));
    }

    /// Puts records as they are given, in one change: `Some` writes the record (only what
    /// differs from what is stored), `None` removes it.
    pub fn put_records(&mut self, records: &Records, now: i64) -> Result<(), DocError> {
        for (id, person) in &records.people {
            match person {
                Some(person) => {
                    autosurgeon::reconcile_prop(&mut self.doc, &self.people, id.as_str(), person)?
                }
                None => self.remove_in_uncommitted("people", id.as_str())?,
            }
        }
        for (id, interview) in &records.interviews {
            self.put_or_remove("interviews", id.as_str(), interview.as_ref())?;
        }
        for (id, field) in &records.fields {
            self.put_or_remove("fields", id.as_str(), field.as_ref())?;
        }
        self.commit(now);
        Ok(())
    }

    /// The records under these keys as they are now (`None` where there is none): what puts
    /// them back, once they have been changed.
    pub fn records(&self, keys: &RecordKeys) -> Result<Records, DocError> {
        Ok(Records {
            people: keys
                .people
                .iter()
                .map(|id| Ok((id.clone(), self.person(id)?)))
                .collect::<Result<_, DocError>>()?,
            interviews: keys
                .interviews
                .iter()
                .map(|id| Ok((id.clone(), self.interview(id)?)))
                .collect::<Result<_, DocError>>()?,
            fields: keys
                .fields
                .iter()
                .map(|id| Ok((id.clone(), self.field(id)?)))
                .collect::<Result<_, DocError>>()?,
        })
    }

    fn put_or_remove<T: Reconcile>(
        &mut self,
        map: &str,
        key: &str,
        value: Option<&T>,
    ) -> Result<(), DocError> {
        match value {
            Some(value) => {
                let map = self.root_map(map)?;
                autosurgeon::reconcile_prop(&mut self.doc, &map, key, value)?;
                Ok(())
            }
            None => self.remove_in_uncommitted(map, key),
        }
    }

    fn remove_in_uncommitted(&mut self, map: &str, key: &str) -> Result<(), DocError> {
        let map = self.root_map(map)?;
        if self.doc.get(&map, key)?.is_some() {
            self.doc.delete(&map, key)?;
        }
        Ok(())
    }
}

/// Records of a network by key, each with its value or `None` for none: what
/// [`Network::put_records`] writes, and what an undo puts back.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Records {
    pub people: Vec<(PersonId, Option<Person>)>,
    pub interviews: Vec<(InterviewId, Option<Interview>)>,
    pub fields: Vec<(FieldId, Option<Field>)>,
}

impl Records {
    pub fn keys(&self) -> RecordKeys {
        RecordKeys {
            people: self.people.iter().map(|(id, _)| id.clone()).collect(),
            interviews: self.interviews.iter().map(|(id, _)| id.clone()).collect(),
            fields: self.fields.iter().map(|(id, _)| id.clone()).collect(),
        }
    }
}

/// Which records a change touches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordKeys {
    pub people: Vec<PersonId>,
    pub interviews: Vec<InterviewId>,
    pub fields: Vec<FieldId>,
}

/// People to add to the `people` map, none of whom is in it yet.
struct NewPeople<'a>(&'a [&'a (PersonId, Person)]);

impl Reconcile for NewPeople<'_> {
    type Key<'k> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        use autosurgeon::reconcile::MapReconciler;
        let mut map = reconciler.map()?;
        for (id, person) in self.0 {
            map.put(id.as_str(), Fresh(person))?;
        }
        Ok(())
    }
}

/// A person written as a new record. Having a key that nothing stored matches is what makes
/// autosurgeon create the record in one batch instead of reconciling it field by field.
struct Fresh<'a>(&'a Person);

impl Reconcile for Fresh<'_> {
    type Key<'k> = ();

    fn reconcile<R: autosurgeon::Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.0.reconcile(reconciler)
    }

    fn key(&self) -> autosurgeon::reconcile::LoadKey<()> {
        autosurgeon::reconcile::LoadKey::Found(())
    }
}

fn as_str<'a>(value: &'a ValueRef<'_>) -> Option<&'a str> {
    match value {
        ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.as_ref()),
        _ => None,
    }
}

fn as_i64(value: &ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Scalar(ScalarValueRef::Int(n)) => Some(*n),
        ValueRef::Scalar(ScalarValueRef::Uint(n)) => i64::try_from(*n).ok(),
        ValueRef::Scalar(ScalarValueRef::Timestamp(n)) => Some(*n),
        _ => None,
    }
}

/// Checks that `bytes` is a whole sequence of Automerge chunks (documents or changes), each of
/// which parses, following the binary format's framing: a 4-byte magic number, a 4-byte
/// checksum, a type byte and a LEB128 length.
/// About how many ops a document's history holds: op counters are Lamport clocks, so the
/// newest head's counts every op before it (those made at the same time elsewhere aside).
fn op_count(doc: &mut AutoCommit) -> u64 {
    let mut ops = 0;
    for head in doc.get_heads() {
        if let Some(change) = doc.get_change_meta_by_hash(&head) {
            ops = ops.max(change.max_op);
        }
    }
    ops
}

/// Checks that `bytes` are whole Automerge chunks, loading each document among them; when the
/// bytes are one document, it comes back loaded.
fn check_chunks(mut bytes: &[u8]) -> Result<Option<AutoCommit>, DocError> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let bad = |why: &str| DocError::Layout(format!("saved changes are damaged: {why}"));
    if bytes.is_empty() {
        return Err(bad("empty"));
    }
    let whole = bytes.len();
    while !bytes.is_empty() {
        if bytes.len() < 10 || bytes[..4] != MAGIC {
            return Err(bad("not an Automerge chunk"));
        }
        let kind = bytes[8];
        let (mut length, mut used) = (0u64, 0usize);
        loop {
            let Some(&byte) = bytes.get(9 + used) else {
                return Err(bad("truncated length"));
            };
            if used >= 9 {
                return Err(bad("length too long"));
            }
            length |= u64::from(byte & 0x7f) << (7 * used);
            used += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| (9 + used).checked_add(length))
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| bad("truncated"))?;
        let (chunk, rest) = bytes.split_at(end);
        match kind {
            0 => {
                let doc = AutoCommit::load(chunk)?;
                if rest.is_empty() && chunk.len() == whole {
                    return Ok(Some(doc));
                }
            }
            1 | 2 => {
                let change = Change::try_from(chunk).map_err(|e| bad(&e.to_string()))?;
                // The header's checksum is the start of the change's hash: Automerge takes a
                // change whose bytes were damaged without comparing them.
                if change.hash().0[..4] != chunk[4..8] {
                    return Err(bad("checksum mismatch"));
                }
            }
            _ => return Err(bad("unknown chunk type")),
        }
        bytes = rest;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Acquaintance;

    fn person(name: &str) -> Person {
        Person {
            name: name.into(),
            ..Person::default()
        }
    }

    /// A saved network as the store keeps one: a snapshot followed by changes, one chunk each,
    /// with where each chunk ends.
    struct Saved {
        bytes: Vec<u8>,
        ends: Vec<usize>,
        /// The heads of the network as of the end of each chunk.
        heads: Vec<Vec<ChangeHash>>,
    }

    fn saved_network() -> (Network, Saved) {
        let mut net = Network::new();
        for i in 0..12 {
            let someone = Person {
                notes: "some notes ".repeat(i),
                ..person(&format!("Person {i}"))
            };
            net.put_person(&PersonId::from(format!("p{i}")), &someone, i as i64)
                .unwrap();
        }
        let mut bytes = net.save();
        let mut ends = vec![bytes.len()];
        let mut heads = vec![net.heads()];
        for i in 0..3 {
            let before = net.heads();
            net.put_person(
                &PersonId::from(format!("p{i}")),
                &person(&format!("Renamed {i}")),
                100 + i as i64,
            )
            .unwrap();
            bytes.extend(net.save_after(&before));
            ends.push(bytes.len());
            heads.push(net.heads());
        }
        (net, Saved { bytes, ends, heads })
    }

    #[derive(Clone, Debug)]
    enum Damage {
        Flip(proptest::sample::Index, u8),
        Truncate(proptest::sample::Index),
        Insert(proptest::sample::Index, u8),
    }

    fn damage() -> impl proptest::strategy::Strategy<Value = Damage> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<proptest::sample::Index>(), 1..=255u8).prop_map(|(i, x)| Damage::Flip(i, x)),
            any::<proptest::sample::Index>().prop_map(Damage::Truncate),
            (any::<proptest::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
        ]
    }

    /// The damaged bytes, and the heads a reader must come to if it accepts them: the whole
    /// history's (damage that changes nothing read), or, cut exactly where a chunk ends, the
    /// history up to that chunk. `start` is where the bytes given to the reader begin.
    fn damaged(saved: &Saved, start: usize, damage: &Damage) -> (Vec<u8>, Vec<Vec<ChangeHash>>) {
        let mut bytes = saved.bytes[start..].to_vec();
        let whole = saved.heads.last().unwrap().clone();
        let len = bytes.len();
        match damage {
            Damage::Flip(at, x) => bytes[at.index(len)] ^= x,
            Damage::Insert(at, b) => bytes.insert(at.index(len + 1), *b),
            Damage::Truncate(at) => {
                let cut = at.index(len);
                bytes.truncate(cut);
                let whole_chunks = saved.ends.iter().position(|&end| end == start + cut);
                return (
                    bytes,
                    whole_chunks
                        .map(|i| saved.heads[i].clone())
                        .into_iter()
                        .collect(),
                );
            }
        }
        (bytes, vec![whole])
    }

    proptest::proptest! {
        /// Damaged saved networks, starting from valid bytes so the damage lands past the chunk
        /// headers too: a load refuses them or reads exactly the history they hold whole (never
        /// a part of a damaged chunk, never a change that wasn't saved).
        #[test]
        fn a_damaged_network_is_refused_or_read_exactly(damage in damage()) {
            let (_, saved) = saved_network();
            let (bad, acceptable) = damaged(&saved, 0, &damage);
            if let Ok(mut plain) = Network::load(&bad) {
                let heads = plain.heads();
                proptest::prop_assert!(acceptable.contains(&heads), "read {:?} from {:?}", heads, damage);
            }
        }

        /// Damaged changes applied to a network: refused whole (the network is as it was) or
        /// applied whole.
        #[test]
        fn damaged_changes_are_applied_whole_or_not_at_all(damage in damage()) {
            let (_, saved) = saved_network();
            let snapshot = saved.ends[0];
            let mut net = Network::load(&saved.bytes[..snapshot]).unwrap();
            let before = net.heads();
            let (bad, mut acceptable) = damaged(&saved, snapshot, &damage);
            // Cut where the snapshot ends: nothing to apply, and nothing may change.
            acceptable.retain(|heads| heads != &before);
            match net.apply(&bad) {
                Err(_) => proptest::prop_assert_eq!(net.heads(), before, "a refused apply changed the network"),
                Ok(()) => {
                    let heads = net.heads();
                    proptest::prop_assert!(acceptable.contains(&heads), "applied {:?} from {:?}", heads, damage);
                }
            }
        }
    }

    #[test]
    fn people_are_stored_and_read_back() {
        let mut net = Network::new();
        let ada = PersonId::from("ada");
        let stored = Person {
            email: "ada@example.org".into(),
            fields: vec!["computing".into()],
            tags: vec!["mentor".into(), "alumni".into()],
            notes: "Met at the\nmeetup 🎉".into(),
            ..person("Ada")
        };
        net.put_person(&ada, &stored, 5).unwrap();
        assert_eq!(net.person(&ada).unwrap(), Some(stored.clone()));
        let reloaded = Network::load(&net.save()).unwrap();
        assert_eq!(reloaded.person(&ada).unwrap(), Some(stored));
        assert_eq!(reloaded.len(), 1);
        assert!(reloaded.contains_person(&ada));
        assert!(!reloaded.contains_person(&PersonId::from("bob")));
    }

    #[test]
    fn rows_read_the_listed_fields_of_everyone() {
        let mut net = Network::new();
        let stored = Person {
            organisation: "Acme".into(),
            role: "Engineer".into(),
            location: "Lyon".into(),
            email: "ada@example.org".into(),
            how_we_know: "meetup".into(),
            fields: vec!["speech".into()],
            tags: vec!["mentor".into()],
            referred_by: Some(PersonId::from("g")),
            acquaintance: Acquaintance::Referred,
            ..person("Ada")
        };
        net.put_person(&"a".into(), &stored, 1).unwrap();
        net.put_person(&"g".into(), &person("grace"), 1).unwrap();
        let expected = vec![
            PersonRow::new("a".into(), &stored),
            PersonRow::new("g".into(), &person("grace")),
        ];
        assert_eq!(net.rows(), expected);
    }

    #[test]
    fn devices_started_apart_merge_their_people() {
        let mut laptop = Network::new();
        let mut phone = Network::new();
        assert_eq!(laptop.heads(), phone.heads(), "same genesis everywhere");
        laptop.put_person(&"a".into(), &person("Ada"), 1).unwrap();
        phone.put_person(&"g".into(), &person("Grace"), 2).unwrap();
        laptop.merge(&mut phone).unwrap();
        let names: Vec<String> = laptop.rows().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["Ada", "Grace"]);
    }

    #[test]
    fn a_whole_document_is_taken_in_from_the_larger_side() {
        let mut big = Network::new();
        for n in 0..30 {
            big.put_person(&format!("b{n:02}").into(), &person("Big"), 1)
                .unwrap();
        }
        let mut small = Network::new();
        small.put_person(&"s".into(), &person("Small"), 2).unwrap();
        let (big_doc, small_doc) = (big.save(), small.save());
        // Each side takes in the other's document: the same network either way.
        let actor = small.doc.get_actor().clone();
        small.apply(&big_doc).unwrap();
        big.apply(&small_doc).unwrap();
        assert_eq!(small.len(), 31);
        assert_eq!(small.heads(), big.heads());
        assert_eq!(small.rows(), big.rows());
        // The device goes on writing as itself.
        assert_eq!(small.doc.get_actor(), &actor);
        let heads = big.heads();
        small.put_person(&"t".into(), &person("Then"), 3).unwrap();
        big.apply(&small.save_after(&heads)).unwrap();
        assert_eq!(big.len(), 32);
    }

    #[test]
    fn concurrent_note_edits_merge_by_character() {
        let mut a = Network::new();
        let id = PersonId::from("p");
        a.put_person(
            &id,
            &Person {
                notes: "middle".into(),
                ..person("P")
            },
            1,
        )
        .unwrap();
        let mut b = Network::load(&a.save()).unwrap();
        let edit = |net: &mut Network, notes: &str| {
            let mut p = net.person(&id).unwrap().unwrap();
            p.notes = notes.into();
            net.put_person(&id, &p, 2).unwrap();
        };
        edit(&mut a, "start middle");
        edit(&mut b, "middle end");
        a.merge(&mut b).unwrap();
        assert_eq!(a.person(&id).unwrap().unwrap().notes, "start middle end");
    }

    #[test]
    fn only_changed_fields_are_written() {
        let mut net = Network::new();
        let id = PersonId::from("p");
        net.put_person(&id, &person("P"), 1).unwrap();
        let heads = net.heads();
        let mut p = net.person(&id).unwrap().unwrap();
        p.role = "Engineer".into();
        net.put_person(&id, &p, 2).unwrap();
        let change = net.save_after(&heads);
        assert!(!change.is_empty());
        assert!(
            change.len() < 200,
            "one small change, was {} bytes",
            change.len()
        );
    }

    #[test]
    fn referrers_are_read_and_listed() {
        let mut net = Network::new();
        let (a, b, c) = (
            PersonId::from("a"),
            PersonId::from("b"),
            PersonId::from("c"),
        );
        net.put_person(&a, &person("Ada"), 1).unwrap();
        let referred = |name: &str| Person {
            acquaintance: Acquaintance::Referred,
            referred_by: Some(a.clone()),
            ..person(name)
        };
        net.put_person(&c, &referred("Cy"), 2).unwrap();
        net.put_person(&b, &referred("Bo"), 3).unwrap();
        assert_eq!(net.referrer_of(&b), Some(a.clone()));
        assert_eq!(net.referrer_of(&a), None);
        let rows = net.rows();
        let names: Vec<&str> = crate::domain::referred_by(&rows, &a)
            .into_iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["Bo", "Cy"]);
    }

    #[test]
    fn applying_the_same_changes_twice_is_harmless() {
        let mut a = Network::new();
        let base = a.heads();
        a.put_person(&"a".into(), &person("Ada"), 1).unwrap();
        let change = a.save_after(&base);
        let mut b = Network::new();
        b.apply(&change).unwrap();
        b.apply(&change).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b.heads(), a.heads());
    }

    #[test]
    fn damaged_changes_are_refused_whole() {
        let mut a = Network::new();
        let base = a.heads();
        a.put_person(&"a".into(), &person("Ada"), 1).unwrap();
        a.put_person(&"b".into(), &person("Bob"), 2).unwrap();
        let changes = a.save_after(&base);
        let mut b = Network::new();
        for damaged in [
            changes[..changes.len() - 3].to_vec(),
            [changes.clone(), b"trailing junk".to_vec()].concat(),
            b"junk".to_vec(),
            Vec::new(),
        ] {
            assert!(b.apply(&damaged).is_err());
            assert!(b.is_empty(), "nothing of a damaged chunk is applied");
        }
        b.apply(&changes).unwrap();
        assert_eq!(b.len(), 2);
        // A whole saved document is accepted too.
        let mut c = Network::new();
        c.apply(&a.save()).unwrap();
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn newer_layouts_and_foreign_documents_are_refused() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "schema", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(
            Network::load(&doc.save()),
            Err(DocError::TooNew(v)) if v == SCHEMA_VERSION + 1
        ));
        let mut other = AutoCommit::new();
        other.put(ROOT, "title", "a different app").unwrap();
        assert!(matches!(
            Network::load(&other.save()),
            Err(DocError::Layout(_))
        ));
        assert!(matches!(
            Network::load(b"not automerge"),
            Err(DocError::Corrupt(_))
        ));
    }

    #[test]
    fn notes_written_as_plain_strings_are_still_read() {
        let mut net = Network::new();
        let id = PersonId::from("p");
        net.put_person(&id, &person("P"), 1).unwrap();
        let obj = match net.doc.get(&net.people, "p").unwrap() {
            Some((_, obj)) => obj,
            None => unreachable!("just stored"),
        };
        net.doc.put(&obj, "notes", "plain").unwrap();
        assert_eq!(net.person(&id).unwrap().unwrap().notes, "plain");
    }

    fn interview() -> Interview {
        Interview::new(PersonId::from("ada"), FieldId::from("speech"), 1)
    }

    #[test]
    fn fields_and_interviews_are_stored_and_read_back() {
        let mut net = Network::new();
        let field = Field {
            name: "Speech systems technology".into(),
            objective: crate::domain::Objective::Specific,
            created_at: 5,
        };
        net.put_field(&FieldId::from("speech"), &field, 5).unwrap();
        assert_eq!(net.fields(), [(FieldId::from("speech"), field)]);

        let id = InterviewId::from("i1");
        let mut stored = interview();
        stored.request.text = "Dear Ada".into();
        stored.send_request(10).unwrap();
        stored.prep.questions.push(crate::domain::PlannedQuestion {
            id: "q1".into(),
            text: "How did you start?".into(),
            ..Default::default()
        });
        stored.notes = "She started in radio.".into();
        net.put_interview(&id, &stored, 10).unwrap();
        let bytes = net.save();
        let loaded = Network::load(&bytes).unwrap();
        assert_eq!(loaded.interview(&id).unwrap(), Some(stored.clone()));
        assert_eq!(loaded.interviews(), [(id, stored)]);
    }

    #[test]
    fn a_keystroke_in_interview_notes_is_a_small_change() {
        let mut net = Network::new();
        let id = InterviewId::from("i1");
        let mut i = interview();
        i.notes = "x".repeat(5_000);
        net.put_interview(&id, &i, 1).unwrap();
        let heads = net.heads();
        i.notes.insert(2_500, 'y');
        net.put_interview(&id, &i, 2).unwrap();
        let change = net.save_after(&heads);
        assert!(
            change.len() < 300,
            "one keystroke took {} bytes",
            change.len()
        );
        assert_eq!(net.interview(&id).unwrap().unwrap().notes, i.notes);
    }

    #[test]
    fn two_devices_typing_in_the_same_notes_keep_both() {
        let mut laptop = Network::new();
        let id = InterviewId::from("i1");
        let mut i = interview();
        i.notes = "Radio, then speech.".into();
        laptop.put_interview(&id, &i, 1).unwrap();
        let mut phone = Network::load(&laptop.save()).unwrap();

        let mut on_laptop = i.clone();
        on_laptop.notes = "Started in radio, then speech.".into();
        laptop.put_interview(&id, &on_laptop, 2).unwrap();
        let mut on_phone = i.clone();
        on_phone.notes = "Radio, then speech. Suggests Bo.".into();
        on_phone.mark_declined(3).unwrap_err();
        on_phone
            .schedule(crate::domain::Meeting {
                at: Some(100),
                ..Default::default()
            })
            .unwrap();
        phone.put_interview(&id, &on_phone, 3).unwrap();

        laptop.merge(&mut phone).unwrap();
        let merged = laptop.interview(&id).unwrap().unwrap();
        assert_eq!(merged.notes, "Started in radio, then speech. Suggests Bo.");
        assert_eq!(merged.meeting.at, Some(100));
    }

    #[test]
    fn referrals_become_people_referred_by_the_person_interviewed() {
        let mut net = Network::new();
        net.put_person(&PersonId::from("ada"), &person("Ada"), 1)
            .unwrap();
        let id = InterviewId::from("i1");
        net.put_interview(&id, &interview(), 1).unwrap();
        let bo = (PersonId::from("bo"), person("Bo"));
        let cy = (PersonId::from("cy"), person("Cy"));
        net.add_referrals(&id, &[bo, cy], 2).unwrap();

        let stored = net.interview(&id).unwrap().unwrap();
        assert_eq!(
            stored.referrals,
            [PersonId::from("bo"), PersonId::from("cy")]
        );
        let bo = net.person(&PersonId::from("bo")).unwrap().unwrap();
        assert_eq!(bo.acquaintance, Acquaintance::Referred);
        assert_eq!(bo.referred_by, Some(PersonId::from("ada")));
        assert_eq!(
            net.referrer_of(&PersonId::from("cy")),
            Some(PersonId::from("ada"))
        );
        assert!(net
            .add_referrals(&InterviewId::from("gone"), &[], 3)
            .is_err());
    }

    #[test]
    fn profile_templates_organisations_and_questions_round_trip() {
        let mut net = Network::new();
        assert_eq!(net.profile(), Profile::default());
        let profile = Profile {
            name: "Sam".into(),
            email: "sam@example.org".into(),
            phone: "+1 555 0100".into(),
            follow_up: crate::domain::clock::FollowUpSettings {
                second_contact_after_days: 2,
                follow_up_after_days: 6,
            },
        };
        let templates = Templates {
            request: "Hi {contact}".into(),
            thank_you: String::new(),
        };
        net.put_settings(&profile, &templates, 2).unwrap();
        let org = Organisation {
            name: "Acme Corp".into(),
            research: "Makes anvils.".into(),
        };
        net.put_organisation(&org, 3).unwrap();
        net.put_question(
            "q",
            &OwnQuestion {
                text: "What surprised you?".into(),
                ..Default::default()
            },
            4,
        )
        .unwrap();

        let loaded = Network::load(&net.save()).unwrap();
        assert_eq!(loaded.profile(), profile);
        assert_eq!(loaded.templates(), templates);
        assert_eq!(loaded.organisation("  acme CORP"), org);
        assert_eq!(loaded.organisation("Globex").research, "");
        assert_eq!(loaded.own_questions()[0].1.text, "What surprised you?");
        assert!(net.put_organisation(&Organisation::default(), 5).is_err());
    }

    #[test]
    fn outlines_carry_what_stages_and_clocks_need() {
        let mut net = Network::new();
        let mut full = interview();
        full.request.text = "Dear Ada".into();
        full.send_request(10).unwrap();
        full.mark_second_contact_tried(20).unwrap();
        full.schedule(crate::domain::Meeting {
            at: Some(100),
            minutes: 45,
            ..Default::default()
        })
        .unwrap();
        full.mark_held(150).unwrap();
        full.mark_thanked(160).unwrap();
        full.mark_referrer_told(165).unwrap();
        full.notes = "Long notes".into();
        full.reflection.liked = "Lots".into();
        full.mark_reflected(170).unwrap();
        let declined = {
            let mut i = Interview::new(PersonId::from("bo"), FieldId::from("audio"), 2);
            i.request.text = "Hi".into();
            i.send_request(11).unwrap();
            i.mark_followed_up(12).unwrap();
            i.mark_no_reply(13).unwrap();
            i
        };
        net.put_interview(&InterviewId::from("a"), &full, 1)
            .unwrap();
        net.put_interview(&InterviewId::from("b"), &declined, 1)
            .unwrap();

        let outlines = net.interview_outlines();
        assert_eq!(outlines.len(), 2);
        for ((id, outline), (full_id, full)) in outlines.iter().zip(net.interviews()) {
            assert_eq!(*id, full_id);
            assert_eq!(outline.stage(), full.stage());
            assert_eq!(outline.stage_dates(), full.stage_dates());
            assert_eq!(outline.person, full.person);
            assert_eq!(outline.field, full.field);
            assert_eq!(
                outline.request.second_contact_at,
                full.request.second_contact_at
            );
            assert_eq!(outline.request.followed_up_at, full.request.followed_up_at);
            assert_eq!(outline.request.no_reply_at, full.request.no_reply_at);
            assert_eq!(outline.meeting.minutes, full.meeting.minutes);
            assert_eq!(outline.thank_you.sent_at, full.thank_you.sent_at);
            assert_eq!(
                outline.thank_you.referrer_told_at,
                full.thank_you.referrer_told_at
            );
            assert!(outline.notes.is_empty());
        }
    }

    #[test]
    fn an_import_is_one_change_and_identities_match_the_people() {
        use crate::domain::{Detail, DetailKind};
        let mut net = Network::new();
        let before = net.heads();
        let people: Vec<(PersonId, Person)> = (0..3)
            .map(|i| {
                let person = Person {
                    email: format!("p{i}@example.org"),
                    linkedin: format!("https://www.linkedin.com/in/p{i}"),
                    organisation: "Acme".into(),
                    also: vec![Detail {
                        kind: DetailKind::Email,
                        value: format!("home{i}@example.org"),
                    }],
                    ..person(&format!("Person {i}"))
                };
                (PersonId::from(format!("p{i}")), person)
            })
            .collect();
        net.put_people(&people, 7).unwrap();
        assert_eq!(net.len(), 3);
        let changes = net.doc.get_changes(&before);
        assert_eq!(
            changes.len(),
            1,
            "one Automerge change for the whole import"
        );
        let mut identities = net.identities();
        identities.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let expected: Vec<_> = people
            .iter()
            .map(|(id, p)| (id.clone(), Identity::of(p)))
            .collect();
        assert_eq!(identities, expected);
        for (id, p) in &people {
            assert_eq!(net.person(id).unwrap().as_ref(), Some(p));
        }
    }

    #[test]
    fn an_import_of_new_and_known_people_writes_both_and_keeps_notes_as_text() {
        let mut net = Network::new();
        let known = PersonId::from("known");
        net.put_person(&known, &person("Known Person"), 1).unwrap();
        let mut rows = net.rows();
        let before = net.heads();

        let changed = Person {
            organisation: "Acme".into(),
            notes: "Met at the fair".into(),
            ..person("Known Person")
        };
        let fresh = Person {
            notes: "Suggested by Known".into(),
            referred_by: Some(known.clone()),
            tags: vec!["imported".into()],
            ..person("Fresh Person")
        };
        let people = vec![
            (known.clone(), changed.clone()),
            (PersonId::from("fresh"), fresh.clone()),
        ];
        net.put_people(&people, 9).unwrap();

        assert_eq!(net.doc.get_changes(&before).len(), 1);
        assert_eq!(net.person(&known).unwrap(), Some(changed));
        assert_eq!(net.person(&PersonId::from("fresh")).unwrap(), Some(fresh));
        for (id, _) in &people {
            let (_, obj) = net.doc.get(&net.people, id.as_str()).unwrap().unwrap();
            assert!(matches!(
                net.doc.get(&obj, "notes").unwrap(),
                Some((automerge::Value::Object(ObjType::Text), _))
            ));
        }
        // The list follows the import without reading everyone again.
        crate::domain::replace_rows(
            &mut rows,
            people.iter().map(|(id, _)| id),
            people
                .iter()
                .map(|(id, p)| PersonRow::new(id.clone(), p))
                .collect(),
        );
        assert_eq!(rows, net.rows());
    }
}
