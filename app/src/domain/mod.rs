//! The network as typed Rust: people, fields of interest, interviews and the rules of the
//! process (clocks, draft checks, question bank, breadth, the record).
//!
//! Pure: nothing here touches a browser, a clock or storage. Times are UTC milliseconds passed in
//! by the caller; ids are random strings made by [`new_id`].

pub mod clock;
mod draft;
mod field;
mod id;
mod interview;
mod person;
mod profile;
mod questions;
mod record;
mod reminders;
mod search;
pub mod sorting;

pub use draft::{
    check_request, fill_template, first_name, linkedin_note, mailto_href, phone_script,
    referrer_note, request_draft, request_subject, thank_you_draft, DraftCheck, RequestContext,
    ThankYouContext, DEFAULT_REQUEST_TEMPLATE, DEFAULT_THANK_YOU_TEMPLATE, LINKEDIN_NOTE_LIMIT,
    REQUEST_WORD_LIMIT, THANK_YOU_BLANK,
};
pub use field::{Field, Objective};
pub use id::{new_id, FieldId, InterviewId, PersonId};
pub use interview::{
    next_steps, people_heard, Channel, Interview, InterviewText, Meeting, NextKind, NextStep,
    PlannedQuestion, Prep, Reflection, Request, Stage, StageError, ThankYou, Timer, TimerPhase,
    Venue, BREADTH_ENOUGH, DEFAULT_MEETING_MINUTES, MEETING_MINUTES,
};
pub use person::{
    referral_chain_reaches, role_line, Acquaintance, Detail, DetailKind, Person, PersonDraft,
    PersonError, MAX_FIELD_CHARS, MAX_LIST_ITEMS,
};
pub use profile::{organisation_key, Organisation, OwnQuestion, Profile, Templates};
pub use questions::{
    category_rank, closed_question, order_by_objective, Category, OpenSuggestion, SeedQuestion,
    SEED_QUESTIONS,
};
pub use record::{record_csv, record_markdown, sort_record, RecordEntry};
pub use reminders::{reminders, reminders_json, Reminder, ReminderKind};
pub use search::{referred_by, replace_rows, rows_by_id, search_people, sort_rows, PersonRow};
