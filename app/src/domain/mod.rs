//! The network as typed Rust: people today, interviews and fields later.
//!
//! Pure: nothing here touches a browser, a clock or storage. Times are UTC milliseconds passed in
//! by the caller; ids are random strings made by [`new_id`].

mod id;
mod person;
mod search;

pub use id::{new_id, PersonId};
pub use person::{Acquaintance, Person, PersonDraft, PersonError, MAX_FIELD_CHARS, MAX_LIST_ITEMS};
pub use search::{referred_by, search_people, sort_rows, PersonRow};
