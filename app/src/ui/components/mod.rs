//! Pieces shared by several pages.

mod interview_editor;
mod interview_parts;
mod person_picker;
mod problems;

pub use interview_editor::{Found, InterviewEditor};
pub use interview_parts::{copy_button, Referrals, StageProgress, TextBox};
pub use person_picker::PersonPicker;
pub use problems::{Problems, SaveStatus};
