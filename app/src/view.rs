//! What the screens read of the network, asked as data: a [`Query`] names a record or a part of
//! the network, an [`Answer`] carries it as plain domain values. The replica answers
//! ([`crate::replica::Replica::answer`]); screens never hold the document, so whoever holds the
//! replica can answer from wherever it runs.
//!
//! The people list, the interviews in outline and the fields are the overview, kept by the
//! replica as read models and drawn from the cache before the document is open; everything
//! else a screen shows is asked for here.

use crate::domain::{
    Field, FieldId, Interview, InterviewId, OwnQuestion, Person, PersonId, Profile, RecordEntry,
    Templates,
};

/// A part of the network a screen shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Query {
    Person(PersonId),
    /// The interview with the text being typed into it, not yet committed, as the user sees it.
    Interview(InterviewId),
    Field(FieldId),
    /// The user's profile, templates and own questions.
    Settings,
    /// The research on an organisation, with the text being typed into it.
    Research(String),
    /// A held interview as the record shows it.
    RecordEntry(InterviewId),
    /// Every held interview as the record shows it, in the record's order.
    Record,
    /// Everyone in the network (for exports).
    People,
    /// Every interview, whole (for the calendar).
    Interviews,
    /// How many characters the network takes in storage.
    StoredChars,
}

/// The settings a screen reads together.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub profile: Profile,
    pub templates: Templates,
    pub own_questions: Vec<(String, OwnQuestion)>,
}

/// What a [`Query`] asked, as it is now.
// One is made per read and dropped once read: its size doesn't matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Answer {
    Person(Option<Person>),
    Interview(Option<Interview>),
    Field(Option<Field>),
    Settings(Settings),
    Research(String),
    RecordEntry(Option<RecordEntry>),
    Record(Vec<RecordEntry>),
    People(Vec<(PersonId, Person)>),
    Interviews(Vec<(InterviewId, Interview)>),
    StoredChars(usize),
}
