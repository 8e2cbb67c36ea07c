//! What the pages read of the network beyond the overview: each read is a [`Query`] the
//! replica answers (`crate::view`), re-run when the network changes. `None` while the network
//! is opening; then the answer, `Some(None)` where a record is not (or no longer) there.

use super::state::NetworkState;
use crate::domain::{
    Field, FieldId, Interview, InterviewId, Person, PersonId, PersonRow, RecordEntry,
};
use crate::view::{Answer, Query, Settings};
use leptos::prelude::{Effect, Memo, Signal};

/// One typed read per query: `$name(args) -> $out`, asking `$query` and unpacking `$variant`.
macro_rules! reads {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $query:expr, $variant:ident;)*) => {
        impl NetworkState {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Option<$out> {
                    match self.ask_view($query)? {
                        Answer::$variant(answer) => Some(answer),
                        _ => None,
                    }
                }
            )*
        }
    };
}

reads! {
    /// A person.
    person(id: &PersonId) -> Option<Person> = Query::Person(id.clone()), Person;
    /// An interview, with the text being typed into it.
    interview(id: &InterviewId) -> Option<Interview> = Query::Interview(id.clone()), Interview;
    /// A field.
    field(id: &FieldId) -> Option<Field> = Query::Field(id.clone()), Field;
    /// The profile, the templates and the user's own questions.
    settings() -> Settings = Query::Settings, Settings;
    /// The research on an organisation, with the text being typed into it.
    research(organisation: &str) -> String = Query::Research(organisation.to_owned()), Research;
    /// A held interview as the record shows it.
    record_entry(id: &InterviewId) -> Option<RecordEntry> = Query::RecordEntry(id.clone()), RecordEntry;
    /// Every held interview as the record shows it, oldest first.
    record() -> Vec<RecordEntry> = Query::Record, Record;
    /// Everyone in the network.
    people() -> Vec<(PersonId, Person)> = Query::People, People;
    /// Every interview, whole.
    interviews() -> Vec<(InterviewId, Interview)> = Query::Interviews, Interviews;
    /// How many characters the network takes in storage.
    stored_chars() -> usize = Query::StoredChars, StoredChars;
}

impl NetworkState {
    /// Runs `then` with what `read` (a read of answers) gives as soon as it gives it: for taps.
    pub fn once<T: 'static>(
        &self,
        read: impl Fn() -> Option<T> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        let mut then = Some(then);
        // (Once done it reads nothing, so it never runs again.)
        Effect::new(move || {
            if let Some(value) = then.is_some().then(&read).flatten() {
                if let Some(then) = then.take() {
                    then(value);
                }
            }
        });
    }

    /// A person's line in the people list (from the cached overview while opening).
    pub fn row(&self, id: &PersonId) -> Option<Option<PersonRow>> {
        self.rows_with(|rows| rows.iter().find(|row| &row.id == id).cloned())
    }
}

/// The first answer `read` gives, kept from then on: for a form built once from what is stored,
/// which later changes must not rebuild under the user's typing (saving rebases onto them).
pub fn first_answer<T: Clone + PartialEq + Send + Sync + 'static>(
    read: impl Fn() -> Option<T> + Send + Sync + 'static,
) -> Signal<Option<T>> {
    Memo::new(move |kept: Option<&Option<T>>| match kept {
        Some(Some(kept)) => Some(kept.clone()),
        _ => read(),
    })
    .into()
}
