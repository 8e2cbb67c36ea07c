//! Pieces shared by several pages.

mod app_status;
mod interview_editor;
mod interview_parts;
mod person_picker;
mod problems;

pub use app_status::AppStatus;
pub use interview_editor::{Found, InterviewEditor};
pub use interview_parts::{copy_button, meeting_place, Referrals, StageProgress, TextBox};
pub use person_picker::PersonPicker;
pub use problems::{Problems, SaveStatus};
